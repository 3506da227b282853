"""The activity form: required fields marked, an optional end date, participants whose parts add up to the total."""
import re
from datetime import date

import pytest
from sqlalchemy import select

from tests.test_activities import audit_entries, count_activities
from tests.test_activities_validation import error_next_to
from tracker.activities import services
from tracker.activities.models import Activity
from tracker.core.errors import Invalid
from tracker.extensions import db

REQUIRED = ("title", "kind", "status", "start_date", "responsible")
OPTIONAL = ("end_date", "place", "description", "participants_total", "budget_planned", "outcome_kind")


def test_required_fields_are_marked_for_eyes_and_screen_readers(client_as):
    page = client_as("staff").get("/activities/new").get_data(as_text=True)
    assert 'id="required-legend"' in page and "required: fields marked with a star must be filled in" in page
    for name in REQUIRED:
        control = re.search(rf'<(?:input|select|textarea)[^>]*\bid="{name}"[^>]*>', page).group(0)
        assert re.search(r"\brequired\b", control), name  # announced as required by screen readers
        label = re.search(rf'<label[^>]*for="{name}"[^>]*>[^<]*</label>(.{{0,80}})', page, re.S).group(1)
        assert 'class="text-danger" aria-hidden="true">*</span>' in label, name  # the visible star
    for name in OPTIONAL:
        control = re.search(rf'<(?:input|select|textarea)[^>]*\bid="{name}"[^>]*>', page).group(0)
        assert not re.search(r"\brequired\b", control), name
    # The outcomes checklist is a fieldset: its legend carries the star and the words.
    legend = re.search(r'<fieldset class="mb-3 checklist" id="outcomes".*?</legend>', page, re.S).group(0)
    assert "*</span>" in legend and "(required)" in legend


def test_an_empty_end_date_is_the_start_date(client_as, activity_form_data):
    staff = client_as("staff")
    response = staff.post("/activities/new", data=activity_form_data(staff.user, start_date="2022-05-10",
                                                                     end_date=""))
    assert response.status_code == 302
    activity = db.session.scalar(select(Activity))
    assert activity.start_date == activity.end_date == date(2022, 5, 10)
    assert audit_entries()[-1].after["end_date"] == "2022-05-10"


def test_an_edit_that_clears_the_end_date_makes_a_one_day_activity(client_as, activity_form_data):
    staff = client_as("staff")
    staff.post("/activities/new", data=activity_form_data(staff.user))
    activity = db.session.scalar(select(Activity))
    assert activity.end_date == date(2022, 5, 11)
    response = staff.post(f"/activities/{activity.id}/edit",
                          data=activity_form_data(staff.user, end_date="", version=str(activity.version)))
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(Activity, activity.id).end_date == date(2022, 5, 10)


def test_the_service_defaults_the_end_date_too(app, make_user, find_outcome):
    user = make_user("staff")
    data = services.ActivityData(title="Webinar", kind="event", status="planned", start_date=date(2022, 9, 1),
                                 outcome_ids=[find_outcome("L1.A1.O1").id], responsible_id=user.id)
    activity = services.create_activity(user, data)
    assert activity.end_date == date(2022, 9, 1)


@pytest.mark.parametrize("parts,total,message", [
    (("40", "50", ""), "100", "Women, men and other or not stated add up to 90, not the total of 100."),
    (("60", "50", "0"), "100", "add up to 110, not the total of 100."),
    (("", "", "3"), "0", "add up to 3, not the total of 0."),
])
def test_parts_that_do_not_make_the_total_are_refused_next_to_the_total(client_as, activity_form_data, parts,
                                                                         total, message):
    staff = client_as("staff")
    women, men, other = parts
    response = staff.post("/activities/new", data=activity_form_data(
        staff.user, participants_total=total, participants_women=women, participants_men=men,
        participants_other=other))
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert message in error_next_to(page, "participants_total")
    assert 'aria-describedby="participants_total-help participants_total-errors"' in page
    assert 'value="40"' in page or 'value="60"' in page or 'value="3"' in page  # what was typed is kept
    assert count_activities() == 0 and audit_entries() == []


@pytest.mark.parametrize("parts,total,expected", [
    (("64", "52", "4"), "", 120),  # only parts: the total is their sum
    (("64", "", ""), "", 64),
    (("64", "52", "4"), "120", 120),  # parts that add up
    (("", "", ""), "75", 75),  # a total nobody counted by gender
])
def test_parts_and_total_that_agree_are_saved(client_as, activity_form_data, parts, total, expected):
    staff = client_as("staff")
    women, men, other = parts
    response = staff.post("/activities/new", data=activity_form_data(
        staff.user, participants_total=total, participants_women=women, participants_men=men,
        participants_other=other))
    assert response.status_code == 302
    activity = db.session.scalar(select(Activity))
    assert activity.participants_total == expected
    assert activity.participants_other == (int(other) if other else None)


def test_the_service_refuses_parts_that_do_not_make_the_total(app, make_user, find_outcome):
    user = make_user("staff")
    data = services.ActivityData(title="Webinar", kind="event", status="completed", start_date=date(2022, 9, 1),
                                 outcome_ids=[find_outcome("L1.A1.O1").id], responsible_id=user.id,
                                 participants_total=10, participants_women=4, participants_men=4)
    with pytest.raises(Invalid) as caught:
        services.create_activity(user, data)
    assert caught.value.field == "participants_total"
    assert db.session.scalars(select(Activity)).all() == []


def test_the_activity_page_shows_the_three_parts(client_as, make_activity):
    activity = make_activity(participants=20, women=8, men=10, other=2)
    page = client_as("board").get(f"/activities/{activity.id}").get_data(as_text=True)
    assert re.search(r'Other or not stated</th><td class="text-end">2</td>', page)
    assert re.search(r"Women's share</th><td class=\"text-end\">40%</td>", page)  # 8 of the 20, not of 18
