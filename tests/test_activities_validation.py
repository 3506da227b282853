"""Validation of the activity form: each rule's message appears next to its field and nothing is written."""
import html as html_lib
import re

import pytest
from sqlalchemy import func, select

from tests.test_activities import audit_entries, count_activities
from tracker.activities.models import Activity
from tracker.extensions import db


def error_next_to(page: str, field: str) -> str:
    """The text of the error block rendered for a field (empty if none)."""
    match = re.search(rf'<div class="invalid-feedback d-block" id="{re.escape(field)}-errors">(.*?)</div>', page,
                      re.S)
    return html_lib.unescape(match.group(1)) if match else ""


# (overrides, field, part of the message)
CASES = [
    ({"title": ""}, "title", "Give the activity a title."),
    ({"title": "   "}, "title", "Give the activity a title."),
    ({"title": "x" * 201}, "title", "Use at most 200 characters (this has 201)."),
    ({"title": "Bad\x00title"}, "title", "control characters"),
    ({"description": "d" * 5001}, "description", "Use at most 5000 characters"),
    ({"place": "p" * 201}, "place", "Use at most 200 characters"),
    ({"place": "Seoul", "online": "y"}, "place", "Leave the place empty for an online activity"),
    ({"kind": "party"}, "kind", "Choose a kind from the list."),
    ({"kind": None}, "kind", "Choose a kind from the list."),
    ({"status": "done-ish"}, "status", "Choose a status from the list."),
    ({"outcome_kind": "manifesto"}, "outcome_kind", "Choose a kind of outcome from the list"),
    ({"start_date": ""}, "start_date", "Give the start date."),
    ({"start_date": "2022-13-45"}, "start_date", "Enter a date as YYYY-MM-DD"),
    ({"start_date": "yesterday"}, "start_date", "Enter a date as YYYY-MM-DD"),
    ({"start_date": "2014-12-31", "end_date": "2015-01-02"}, "start_date", "between 1 Jan 2015 and 31 Dec 2030"),
    ({"end_date": "2031-01-01"}, "end_date", "between 1 Jan 2015 and 31 Dec 2030"),
    ({"start_date": "1900-01-01", "end_date": "1900-01-01"}, "start_date", "between 1 Jan 2015"),
    ({"start_date": "2022-05-10", "end_date": "2022-05-09"}, "end_date", "The end date is before the start date."),
    ({"participants_total": "10", "participants_women": "8", "participants_men": "5", "participants_other": "4"},
     "participants_total", "Women, men and other or not stated add up to 17, not the total of 10."),
    ({"participants_total": "100", "participants_women": "40", "participants_men": "50", "participants_other": ""},
     "participants_total", "add up to 90, not the total of 100."),
    ({"participants_other": "-2"}, "participants_other", "Enter a number between 0 and 1,000,000."),
    ({"participants_total": "-1", "participants_women": "", "participants_men": ""}, "participants_total",
     "Enter a number between 0 and 1,000,000."),
    ({"participants_total": "1000001"}, "participants_total", "Enter a number between 0 and 1,000,000."),
    ({"participants_women": "-3"}, "participants_women", "Enter a number between 0 and 1,000,000."),
    ({"participants_men": "12.5"}, "participants_men", "Enter a whole number, like 120."),
    ({"participants_total": "many"}, "participants_total", "Enter a whole number"),
    ({"budget_planned": "-5"}, "budget_planned", "An amount cannot be negative."),
    ({"budget_spent": "-0.01"}, "budget_spent", "An amount cannot be negative."),
    ({"budget_planned": "100000000.01"}, "budget_planned", "Enter at most 100,000,000 euros."),
    ({"budget_spent": "1e12"}, "budget_spent", "Enter at most 100,000,000 euros."),
    ({"budget_planned": "10.123"}, "budget_planned", "Use at most 2 decimals"),
    ({"budget_planned": "twelve"}, "budget_planned", "Enter an amount in euros"),
    ({"budget_spent": "NaN"}, "budget_spent", "Enter an amount in euros"),
    ({"budget_spent": "Infinity"}, "budget_spent", "Enter an amount in euros"),
    ({"budget_planned": "1,500.00"}, "budget_planned", "Enter an amount in euros"),
    ({"outcomes": []}, "outcomes", "Choose at least one outcome"),
    ({"outcomes": ["999999"]}, "outcomes", "Unknown outcome: '999999'"),
    ({"outcomes": ["abc"]}, "outcomes", "Unknown outcome: 'abc'"),
    ({"outcomes": ["99999999999999999999999"]}, "outcomes", "Unknown outcome"),
    ({"members": ["999999"]}, "members", "Unknown member: '999999'"),
    ({"members": ["-4"]}, "members", "Unknown member"),
    ({"partners": ["999999"]}, "partners", "Unknown partner: '999999'"),
    ({"themes": ["999999"]}, "themes", "Unknown theme"),
    ({"challenges": ["x"]}, "challenges", "Unknown challenge"),
    ({"members": [str(i) for i in range(1, 600)]}, "members", "Too many members were sent"),
    ({"responsible": "999999"}, "responsible", "This person is not in the list of users."),
    ({"responsible": "abc"}, "responsible", "Choose someone from the list."),
    ({"responsible": ""}, "responsible", "Choose the staff member responsible."),
]


@pytest.mark.parametrize("overrides,field,message", CASES, ids=[f"{c[1]}-{i}" for i, c in enumerate(CASES)])
def test_new_activity_rule(client_as, overrides, field, message, activity_form_data):
    staff = client_as("staff")
    response = staff.post("/activities/new", data=activity_form_data(staff.user, **overrides))
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert message in error_next_to(page, field), page[:0]
    assert "Nothing was saved" in page
    assert count_activities() == 0 and audit_entries() == []


@pytest.mark.parametrize("overrides,field,message", CASES[::3], ids=[f"{c[1]}-{i}" for i, c in
                                                                   enumerate(CASES[::3])])
def test_edit_activity_rule_changes_nothing(client_as, overrides, field, message, make_activity, activity_form_data):
    staff = client_as("staff")
    activity = make_activity(title="Original title", responsible=staff.user, participants=10, women=5, men=5)
    response = staff.post(f"/activities/{activity.id}/edit",
                          data=activity_form_data(staff.user, version="1", **overrides))
    assert response.status_code == 200
    assert message in error_next_to(response.get_data(as_text=True), field)
    db.session.refresh(activity)
    assert activity.title == "Original title" and activity.version == 1 and activity.participants_total == 10
    assert audit_entries() == []


def test_the_form_keeps_what_was_typed(client_as, activity_form_data):
    staff = client_as("staff")
    response = staff.post("/activities/new", data=activity_form_data(staff.user, title="Keep me", budget_planned="abc",
                                                            participants_total="oops"))
    page = response.get_data(as_text=True)
    assert 'value="Keep me"' in page and 'value="abc"' in page and 'value="oops"' in page


def test_responsible_must_be_an_active_editor(client_as, make_user, activity_form_data):
    staff = client_as("staff")
    for person in (make_user("board"), make_user("staff", active=False)):
        response = staff.post("/activities/new", data=activity_form_data(person))
        assert "Choose an active staff member, the Secretary General or an administrator." in error_next_to(
            response.get_data(as_text=True), "responsible")
    assert count_activities() == 0


@pytest.mark.parametrize("role", ["secretary_general", "admin"])
def test_steering_roles_can_be_responsible(client_as, make_user, role, activity_form_data):
    staff = client_as("staff")
    assert staff.post("/activities/new", data=activity_form_data(make_user(role))).status_code == 302


def test_valid_edge_values_are_accepted(client_as, activity_form_data):
    staff = client_as("staff")
    response = staff.post("/activities/new", data=activity_form_data(
        staff.user, title="t" * 200, description="d" * 5000, place="p" * 200, start_date="2015-01-01",
        end_date="2030-12-31", participants_total="1000000", participants_women="500000", participants_men="500000",
        participants_other="0", budget_planned="100000000", budget_spent="0.10", outcome_kind="", members=[],
        partners=[], themes=[], challenges=[]))
    assert response.status_code == 302
    activity = db.session.scalar(select(Activity))
    assert activity.outcome_kind_id is None and activity.year == 2015
    assert str(activity.budget_spent) == "0.10" and activity.participants_total == 1_000_000


def test_participants_are_optional(client_as, activity_form_data):
    staff = client_as("staff")
    response = staff.post("/activities/new", data=activity_form_data(
        staff.user, participants_total="", participants_women="", participants_men="", participants_other="",
        budget_planned="", budget_spent=""))
    assert response.status_code == 302
    activity = db.session.scalar(select(Activity))
    assert activity.participants_total is None and activity.budget_planned is None


def test_repeated_ids_are_stored_once(client_as, make_user, activity_form_data):
    staff = client_as("staff")
    data = activity_form_data(staff.user)
    data["outcomes"] = data["outcomes"] * 3
    assert staff.post("/activities/new", data=data).status_code == 302
    assert db.session.scalar(select(func.count()).select_from(Activity.outcomes.property.secondary)) == 2


def test_edit_without_version_is_refused(client_as, make_activity, activity_form_data):
    staff = client_as("staff")
    activity = make_activity(title="Original title", responsible=staff.user)
    for version in (None, "", "abc"):
        response = staff.post(f"/activities/{activity.id}/edit", data=activity_form_data(staff.user, version=version,
                                                                                title="Changed"))
        assert response.status_code == 200
        assert "reload the page" in response.get_data(as_text=True) or "Not a valid integer" in response.get_data(
            as_text=True)
    db.session.refresh(activity)
    assert activity.title == "Original title"
