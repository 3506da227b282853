"""Two people editing the same activity: the second save is refused, shown the other's change, nothing lost."""
import re

from sqlalchemy import event, update
from sqlalchemy.orm import Session

from tests.test_activities import audit_entries, edit_version
from tracker.activities.models import Activity
from tracker.extensions import db

MESSAGE = "Someone else saved this activity since you opened it."


def test_second_save_is_refused_and_shows_the_other_change(client_as, make_activity, activity_form_data):
    first = client_as("secretary_general", name="Laia Ferrer")
    second = client_as("admin", name="Marc Puig")
    activity = make_activity(title="Original title", place="Barcelona", responsible=first.user, planned=1000)

    version_first = edit_version(first, activity.id)
    version_second = edit_version(second, activity.id)
    assert version_first == version_second == "1"

    response = first.post(f"/activities/{activity.id}/edit", data=activity_form_data(
        first.user, title="Title from Laia", place="Seoul", budget_planned="1000", version=version_first))
    assert response.status_code == 302

    response = second.post(f"/activities/{activity.id}/edit", data=activity_form_data(
        first.user, title="Title from Marc", place="Seoul", budget_planned="2500", version=version_second))
    assert response.status_code == 409
    page = response.get_data(as_text=True)
    assert MESSAGE in page
    assert "Laia Ferrer saved it" in page  # who saved, from the audit record
    conflict = page[page.index('id="conflict"'):page.index("</table>")]
    assert re.search(r"Title</th><td>Title from Laia</td><td>Title from Marc</td>", conflict)
    assert re.search(r"Planned budget \(EUR\)</th><td>1000.00</td><td>2500.00</td>", conflict)
    assert "Place</th>" not in conflict  # the same on both sides: not a difference
    assert 'value="Title from Marc"' in page  # the second person's input is kept
    assert f'href="/activities/{activity.id}"' in page  # a way to see the other version

    db.session.refresh(activity)
    assert activity.title == "Title from Laia" and activity.version == 2  # the first save stands
    assert [e.action for e in audit_entries(activity.id)] == ["update"]

    # The re-rendered form carries the version now seen: saving again is a deliberate choice, and works.
    assert 'name="version" type="hidden" value="2"' in page
    response = second.post(f"/activities/{activity.id}/edit", data=activity_form_data(
        first.user, title="Title from Marc", version="2"))
    assert response.status_code == 302
    db.session.refresh(activity)
    assert activity.title == "Title from Marc" and activity.version == 3


def test_conflict_with_the_same_person_in_two_tabs(client_as, make_activity, activity_form_data):
    staff = client_as("staff")
    activity = make_activity(title="Original title", responsible=staff.user)
    assert staff.post(f"/activities/{activity.id}/edit", data=activity_form_data(staff.user, title="Tab one",
                                                                        version="1")).status_code == 302
    response = staff.post(f"/activities/{activity.id}/edit", data=activity_form_data(staff.user, title="Tab two",
                                                                            version="1"))
    assert response.status_code == 409 and MESSAGE in response.get_data(as_text=True)
    db.session.refresh(activity)
    assert activity.title == "Tab one"


def test_save_racing_another_commit_is_refused_without_writing(client_as, make_user, make_activity, activity_form_data):
    """The other save lands between our version check and our write: StaleDataError, answered the same way."""
    staff = client_as("staff")
    activity = make_activity(title="Original title", responsible=staff.user)
    fired = []

    def other_save_lands(session, flush_context, instances):
        if fired or not any(isinstance(obj, Activity) for obj in session.dirty):
            return
        fired.append(True)
        with db.engine.begin() as other:  # another connection: another person's request committing
            other.execute(update(Activity.__table__).where(Activity.__table__.c.id == activity.id)
                          .values(title="Racing title", version=2))

    event.listen(Session, "before_flush", other_save_lands)
    try:
        response = staff.post(f"/activities/{activity.id}/edit", data=activity_form_data(staff.user, title="Mine",
                                                                                version="1"))
    finally:
        event.remove(Session, "before_flush", other_save_lands)
    assert fired
    assert response.status_code == 409
    page = response.get_data(as_text=True)
    assert MESSAGE in page and "Racing title" in page
    db.session.refresh(activity)
    assert activity.title == "Racing title" and activity.version == 2
    assert audit_entries(activity.id) == []  # rolled back: no entry for the refused save


def test_activity_deleted_while_editing(client_as, make_activity, activity_form_data):
    sg = client_as("secretary_general")
    staff = client_as("staff")
    activity = make_activity(title="Original title", responsible=staff.user)
    version = edit_version(staff, activity.id)
    assert sg.post(f"/activities/{activity.id}/delete").status_code == 302
    response = staff.post(f"/activities/{activity.id}/edit", data=activity_form_data(staff.user, title="Late",
                                                                            version=version))
    assert response.status_code == 404
    db.session.refresh(activity)
    assert activity.title == "Original title"


def test_delete_racing_another_save_deletes_nothing(client_as, make_activity):
    staff = client_as("staff")
    activity = make_activity(title="Original title", responsible=staff.user)
    fired = []

    def other_save_lands(session, flush_context, instances):
        if fired or not any(isinstance(obj, Activity) for obj in session.dirty):
            return
        fired.append(True)
        with db.engine.begin() as other:
            other.execute(update(Activity.__table__).where(Activity.__table__.c.id == activity.id)
                          .values(title="Racing title", version=2))

    event.listen(Session, "before_flush", other_save_lands)
    try:
        response = staff.post(f"/activities/{activity.id}/delete")
    finally:
        event.remove(Session, "before_flush", other_save_lands)
    assert fired and response.status_code == 302
    assert response.headers["Location"] == f"/activities/{activity.id}"
    assert MESSAGE in staff.get(f"/activities/{activity.id}").get_data(as_text=True)
    db.session.refresh(activity)
    assert activity.deleted_at is None and activity.title == "Racing title"
    assert audit_entries(activity.id) == []
