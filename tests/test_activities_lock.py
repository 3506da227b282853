"""A year whose Board evaluation is final takes no new, changed or deleted activities until an admin reopens it."""
from datetime import date

import pytest
from sqlalchemy import func, select

from tracker.activities.models import Activity
from tracker.core.years import lock_year, reopen_year
from tracker.extensions import db


@pytest.fixture
def activity_form(find_outcome):
    """activity_form(responsible, title=, start=, version=) -> a valid form post of an activity on one day."""

    def _form(responsible, title="Locked-year event", start="2022-05-10", version=1):
        return {"title": title, "kind": "event", "status": "completed", "start_date": start, "end_date": start,
                "outcomes": [str(find_outcome("L1.A1.O1").id)], "place": "Barcelona", "version": str(version),
                "responsible": str(responsible.id)}

    return _form


def test_locked_year_refuses_activity_changes(client_as, make_user, make_activity, activity_form):
    sg = client_as("secretary_general")
    admin = make_user("admin")
    existing = make_activity(title="Held in 2022", start=date(2022, 3, 1), responsible=sg.user)
    lock_year(sg.user, 2022)
    db.session.commit()

    response = sg.post("/activities/new", data=activity_form(sg.user))
    assert response.status_code == 200
    assert "2022 is locked" in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count(Activity.id))) == 1

    edit = sg.post(f"/activities/{existing.id}/edit", data=activity_form(sg.user, title="Renamed", start="2022-03-01"))
    assert "2022 is locked" in edit.get_data(as_text=True)
    moved = sg.post(f"/activities/{existing.id}/edit", data=activity_form(sg.user, title="Moved", start="2023-03-01"))
    assert "2022 is locked" in moved.get_data(as_text=True)
    sg.post(f"/activities/{existing.id}/delete")
    db.session.refresh(existing)
    assert (existing.title, existing.year, existing.deleted_at) == ("Held in 2022", 2022, None)

    next_year = activity_form(sg.user, title="Next year", start="2023-02-01")
    assert sg.post("/activities/new", data=next_year).status_code == 302

    reopen_year(admin, 2022, "Correction requested by the Board")
    db.session.commit()
    assert sg.post(f"/activities/{existing.id}/edit", data=activity_form(sg.user, title="Renamed", start="2022-03-01")
                   ).status_code == 302
    db.session.refresh(existing)
    assert existing.title == "Renamed"


def test_locked_year_refuses_evidence_changes(client_as, make_activity, make_note):
    from tracker.evidence.models import Evidence

    sg = client_as("secretary_general")
    activity = make_activity(title="Held in 2021", start=date(2021, 6, 1), responsible=sg.user)
    note = make_note(activity=activity, added_by=sg.user)
    lock_year(sg.user, 2021)
    db.session.commit()

    response = sg.post(f"/evidence/activity/{activity.id}", data={"kind": "link", "title": "Late link",
                                                                   "url": "https://www.metropolis.org/x"})
    assert "2021 is locked" in response.get_data(as_text=True)
    sg.post(f"/evidence/{note.id}/delete", data={"next": f"/activities/{activity.id}"})
    db.session.refresh(note)
    assert note.deleted_at is None
    assert db.session.scalar(select(func.count(Evidence.id))) == 1
