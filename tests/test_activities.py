"""Activities: create, view, edit, delete; the role matrix; the audit record; soft deletion; the outcome section."""
import re
from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from tracker.activities import services
from tracker.activities.models import Activity
from tracker.audit.models import AuditEntry
from tracker.core.roles import ROLES
from tracker.evidence import services as evidence_services
from tracker.extensions import db


def count_activities() -> int:
    """Rows in the activity table, deleted or not."""
    return db.session.scalar(select(func.count(Activity.id)))


def audit_entries(activity_id=None) -> list[AuditEntry]:
    """Audit entries about activities, oldest first."""
    stmt = select(AuditEntry).where(AuditEntry.entity_type == "activity").order_by(AuditEntry.id)
    if activity_id is not None:
        stmt = stmt.where(AuditEntry.entity_id == activity_id)
    return list(db.session.scalars(stmt))


def edit_version(client, activity_id) -> str:
    """The version the edit form carries as a hidden field."""
    html = client.get(f"/activities/{activity_id}/edit").get_data(as_text=True)
    return re.search(r'name="version" type="hidden" value="(\d+)"', html).group(1)


# --- create, view, edit, delete --------------------------------------------------------------------------------------


def test_staff_creates_an_activity_with_every_field(client_as, activity_form_data):
    staff = client_as("staff")
    response = staff.post("/activities/new", data=activity_form_data(staff.user))
    assert response.status_code == 302
    activity = db.session.scalar(select(Activity))
    assert response.headers["Location"] == f"/activities/{activity.id}"
    assert (activity.title, activity.kind, activity.status) == ("Policy Debate on metropolitan finance",
                                                                "policy_debate", "completed")
    assert activity.outcome_kind.code == "policy"
    assert (activity.start_date, activity.end_date, activity.year) == (date(2022, 5, 10), date(2022, 5, 11), 2022)
    assert [o.code for o in activity.outcomes] == ["L1.A1.O2", "L3.A2.O1"]  # across lines
    assert sorted(m.city for m in activity.members) == ["Bogota", "Seoul"]
    assert [p.acronym for p in activity.partners] == ["UCLG"]
    assert [t.name for t in activity.themes] == ["Gender equality"]
    assert [c.name for c in activity.challenges] == ["Resilience"]
    assert (activity.participants_total, activity.participants_women, activity.participants_men) == (120, 64, 52)
    assert (activity.budget_planned, activity.budget_spent) == (Decimal("15000.00"), Decimal("14250.50"))
    assert activity.responsible_id == staff.user.id and activity.created_by_id == staff.user.id
    assert activity.version == 1 and not activity.is_demo and activity.deleted_at is None


def test_year_follows_the_start_date(client_as, activity_form_data):
    staff = client_as("staff")
    staff.post("/activities/new", data=activity_form_data(staff.user, start_date="2023-12-30", end_date="2024-01-02"))
    assert db.session.scalar(select(Activity.year)) == 2023


def test_online_checkbox_stores_online(client_as, activity_form_data):
    staff = client_as("staff")
    assert staff.post("/activities/new", data=activity_form_data(staff.user, place="", online="y")).status_code == 302
    activity = db.session.scalar(select(Activity))
    assert activity.place == "online"
    html = staff.get(f"/activities/{activity.id}").get_data(as_text=True)
    assert "Online" in html
    edit = staff.get(f"/activities/{activity.id}/edit").get_data(as_text=True)
    assert re.search(r'id="online"[^>]*checked|checked[^>]*id="online"', edit)


def test_new_form_defaults_to_the_current_user_as_responsible(client_as):
    staff = client_as("staff", name="Ana García")
    html = staff.get("/activities/new").get_data(as_text=True)
    assert re.search(rf'<option selected value="{staff.user.id}">Ana García</option>', html)
    assert 'data-filter-for="outcomes-list"' in html and 'data-filter-for="members-list"' in html
    assert html.count('name="members"') == 141 and html.count('name="outcomes"') == 35


def test_detail_page_shows_everything(client_as, make_user, make_activity):
    responsible = make_user("staff", name="Mariam Diallo")
    activity = make_activity(title="MITI training on finance", outcomes=("L2.A2.O3",), members=("Seoul",),
                             partners=("UCLG",), participants=200, women=110, men=88, planned=5000, spent=4800.5,
                             responsible=responsible, description="Two days\nin Seoul")
    html = client_as("board").get(f"/activities/{activity.id}").get_data(as_text=True)
    assert "MITI training on finance" in html and "Mariam Diallo" in html
    assert 'href="/plan/outcomes/L2.A2.O3"' in html
    assert "Seoul" in html and "United Cities and Local Governments (UCLG)" in html
    assert "55%" in html  # women's share: 110 of 200
    assert "5,000.00" in html and "4,800.50" in html
    assert 'href="/activities/%d/edit"' % activity.id not in html  # the board reads only


def test_detail_of_missing_activity_is_404(client_as):
    assert client_as("admin").get("/activities/999999").status_code == 404


def test_edit_changes_fields_and_bumps_the_version(client_as, make_activity, find_outcome, activity_form_data):
    staff = client_as("staff")
    activity = make_activity(responsible=staff.user, outcomes=("L1.A1.O1",))
    response = staff.post(f"/activities/{activity.id}/edit", data=activity_form_data(
        staff.user, title="Renamed", outcomes=[str(find_outcome("L2.A2.O2").id)], members=[], version="1"))
    assert response.status_code == 302
    db.session.refresh(activity)
    assert activity.title == "Renamed" and activity.version == 2
    assert [o.code for o in activity.outcomes] == ["L2.A2.O2"] and activity.members == []


def test_edit_form_is_filled_with_the_activity(client_as, make_activity, find_member, find_outcome):
    staff = client_as("staff")
    activity = make_activity(title="Board meeting", responsible=staff.user, outcomes=("L3.A3.O2",),
                             members=("Seoul",), planned=1200)
    html = staff.get(f"/activities/{activity.id}/edit").get_data(as_text=True)
    assert 'value="Board meeting"' in html and 'value="1200.00"' in html
    assert re.search(rf'value="{find_outcome("L3.A3.O2").id}" id="outcomes-\d+" checked', html)
    assert re.search(rf'value="{find_member("Seoul").id}" id="members-\d+" checked', html)
    assert 'name="version" type="hidden" value="1"' in html


def test_changing_only_links_still_moves_the_version(client_as, find_member, activity_form_data):
    staff = client_as("staff")
    staff.post("/activities/new", data=activity_form_data(staff.user))
    activity = db.session.scalar(select(Activity))
    response = staff.post(f"/activities/{activity.id}/edit", data=activity_form_data(
        staff.user, members=[str(find_member("Berlin").id)], version="1"))
    assert response.status_code == 302
    db.session.refresh(activity)
    assert activity.version == 2 and [m.city for m in activity.members] == ["Berlin"]


def test_responsible_staff_may_edit_an_activity_they_did_not_create(client_as, make_user, make_activity):
    staff = client_as("staff")
    activity = make_activity(responsible=staff.user, created_by=make_user("secretary_general"))
    assert staff.get(f"/activities/{activity.id}/edit").status_code == 200


def test_an_inactive_responsible_may_stay_but_not_be_chosen(client_as, make_user, make_activity, activity_form_data):
    sg = client_as("secretary_general")
    gone = make_user("staff", name="Gone Person")
    activity = make_activity(responsible=gone, created_by=sg.user)
    gone.active = False
    db.session.commit()
    assert sg.post(f"/activities/{activity.id}/edit", data=activity_form_data(gone, title="Kept", version="1")
                   ).status_code == 302  # unchanged: allowed
    response = sg.post("/activities/new", data=activity_form_data(gone))
    assert response.status_code == 200 and "Choose an active staff member" in response.get_data(as_text=True)


# --- who may do what ---------------------------------------------------------------------------------------------

OWN, OTHERS = "own", "others"


def _route_calls(activity_id, responsible, activity_form_data):
    """(name, method, url, data) for every activities route."""
    return [
        ("index", "GET", "/activities/", None),
        ("detail", "GET", f"/activities/{activity_id}", None),
        ("new-form", "GET", "/activities/new", None),
        ("new-post", "POST", "/activities/new", activity_form_data(responsible, title="Posted")),
        ("edit-form", "GET", f"/activities/{activity_id}/edit", None),
        ("edit-post", "POST", f"/activities/{activity_id}/edit", activity_form_data(responsible, title="Edited",
                                                                           version="1")),
        ("delete", "POST", f"/activities/{activity_id}/delete", {}),
    ]


# Expected status per role and route, on someone else's activity and (for staff) on their own.
EXPECTED = {
    ("admin", OTHERS): {"index": 200, "detail": 200, "new-form": 200, "new-post": 302, "edit-form": 200,
                        "edit-post": 302, "delete": 302},
    ("secretary_general", OTHERS): {"index": 200, "detail": 200, "new-form": 200, "new-post": 302,
                                    "edit-form": 200, "edit-post": 302, "delete": 302},
    ("staff", OTHERS): {"index": 200, "detail": 200, "new-form": 200, "new-post": 302, "edit-form": 403,
                        "edit-post": 403, "delete": 403},
    ("staff", OWN): {"index": 200, "detail": 200, "new-form": 200, "new-post": 302, "edit-form": 200,
                     "edit-post": 302, "delete": 302},
    ("board", OTHERS): {"index": 200, "detail": 200, "new-form": 403, "new-post": 403, "edit-form": 403,
                        "edit-post": 403, "delete": 403},
}


@pytest.mark.parametrize("role,owner", list(EXPECTED))
@pytest.mark.parametrize("route", ["index", "detail", "new-form", "new-post", "edit-form", "edit-post", "delete"])
def test_role_matrix(client_as, make_user, role, owner, route, make_activity, activity_form_data):
    client = client_as(role)
    author = client.user if owner == OWN else make_user("staff")
    activity = make_activity(title="Original", responsible=author, created_by=author)
    responsible = client.user if role != "board" else author
    name, method, url, data = next(call for call in _route_calls(activity.id, responsible, activity_form_data)
                                   if call[0] == route)
    before = (count_activities(), len(audit_entries()))
    response = client.open(url, method=method, data=data)
    assert response.status_code == EXPECTED[(role, owner)][route], (role, owner, route)
    db.session.refresh(activity)
    if response.status_code == 403 or method == "GET":
        assert (count_activities(), len(audit_entries())) == before  # a refusal writes nothing
        assert activity.title == "Original" and activity.deleted_at is None


@pytest.mark.parametrize("method,url", [("GET", "/activities/"), ("GET", "/activities/new"),
                                        ("GET", "/activities/1"), ("GET", "/activities/1/edit"),
                                        ("POST", "/activities/new"), ("POST", "/activities/1/edit"),
                                        ("POST", "/activities/1/delete")])
def test_anonymous_is_refused(client, method, url):
    response = client.open(url, method=method)
    if method == "GET":
        assert response.status_code == 302 and "/login" in response.headers["Location"]
    else:
        assert response.status_code == 401


def test_can_edit_activity_rule(make_user, make_activity):
    staff, other, sg, admin, board = (make_user(r) for r in ("staff", "staff", "secretary_general", "admin",
                                                                "board"))
    mine = make_activity(responsible=staff, created_by=staff)
    assert services.can_edit_activity(staff, mine)
    assert not services.can_edit_activity(other, mine)
    assert services.can_edit_activity(sg, mine) and services.can_edit_activity(admin, mine)
    assert not services.can_edit_activity(board, make_activity(responsible=board, created_by=board))
    assert services.can_edit_activity(other, make_activity(responsible=other, created_by=staff))


def test_list_offers_new_and_edit_only_to_those_who_may(client_as):
    assert "New activity" in client_as("staff").get("/activities/").get_data(as_text=True)
    assert "New activity" not in client_as("board").get("/activities/").get_data(as_text=True)


# --- the record ----------------------------------------------------------------------------------------------------


def test_create_update_delete_each_write_one_audit_entry(client_as, find_partner, activity_form_data):
    staff = client_as("staff")
    staff.post("/activities/new", data=activity_form_data(staff.user))
    activity = db.session.scalar(select(Activity))
    entries = audit_entries(activity.id)
    assert [e.action for e in entries] == ["create"]
    create = entries[0]
    assert create.user_id == staff.user.id and create.before is None and create.at is not None
    assert create.after["title"] == "Policy Debate on metropolitan finance"
    assert create.after["outcomes"] == ["L1.A1.O2", "L3.A2.O1"]
    assert {m["city"] for m in create.after["members"]} == {"Bogota", "Seoul"}
    assert create.after["partners"] == [{"id": find_partner("UCLG").id, "name": "United Cities and Local Governments"}]
    assert create.after["themes"] == ["Gender equality"] and create.after["challenges"] == ["Resilience"]
    assert create.after["budget_spent"] == "14250.50" and create.after["responsible_id"] == staff.user.id
    assert create.after["start_date"] == "2022-05-10"

    staff.post(f"/activities/{activity.id}/edit",
               data=activity_form_data(staff.user, title="New title", budget_spent="99", version="1"))
    entries = audit_entries(activity.id)
    assert [e.action for e in entries] == ["create", "update"]
    update = entries[1]
    assert update.before["title"] == "Policy Debate on metropolitan finance" and update.after["title"] == "New title"
    assert {name for name, _, _ in update.changes()} == {"title", "budget_spent"}

    staff.post(f"/activities/{activity.id}/delete")
    entries = audit_entries(activity.id)
    assert [e.action for e in entries] == ["create", "update", "delete"]
    assert entries[2].before["deleted_at"] is None and entries[2].after["deleted_at"] is not None


def test_invalid_post_writes_no_audit_entry(client_as, make_activity, activity_form_data):
    staff = client_as("staff")
    staff.post("/activities/new", data=activity_form_data(staff.user, title=""))
    activity = make_activity(responsible=staff.user)
    staff.post(f"/activities/{activity.id}/edit",
               data=activity_form_data(staff.user, end_date="2000-01-01", version="1"))
    assert audit_entries() == []


def test_history_is_shown_on_the_activity_page(client_as, make_user, activity_form_data):
    staff = client_as("staff", name="Jordi Serra")
    other = make_user("staff", name="Chen Wei")
    staff.post("/activities/new", data=activity_form_data(staff.user, title="First title"))
    activity = db.session.scalar(select(Activity))
    staff.post(f"/activities/{activity.id}/edit", data=activity_form_data(other, title="Second title", version="1"))
    html = client_as("board").get(f"/activities/{activity.id}").get_data(as_text=True)
    history = html[html.index('id="history-heading"'):]
    assert "Jordi Serra" in history and "created it" in history and "changed it" in history
    assert re.search(r"Title</th>\s*<td>First title</td>\s*<td>Second title</td>", history)
    assert re.search(r"Responsible</th>\s*<td>Jordi Serra</td>\s*<td>Chen Wei</td>", history)


# --- soft deletion -------------------------------------------------------------------------------------------------


def test_soft_deletion_hides_everywhere_but_keeps_the_row(client_as, make_activity, find_outcome):
    staff = client_as("staff")
    make_activity(title="Kept activity", responsible=staff.user, outcomes=("L2.A2.O3",), start=date(2022, 1, 5),
                         participants=10, women=5, men=5)
    gone = make_activity(title="Removed activity", responsible=staff.user, outcomes=("L2.A2.O3",),
                         start=date(2022, 2, 5), participants=1000, women=500, men=500)
    response = staff.post(f"/activities/{gone.id}/delete")
    assert response.status_code == 302 and response.headers["Location"] == "/activities/"
    assert "Activity “Removed activity” deleted." in staff.get("/activities/").get_data(as_text=True)  # the flash

    listing = staff.get("/activities/").get_data(as_text=True)
    assert "Kept activity" in listing and "Removed activity" not in listing
    assert re.search(r"<strong>1</strong> activity", listing)
    assert services.list_summary({})["participants"] == 10
    outcome_page = staff.get("/plan/outcomes/L2.A2.O3").get_data(as_text=True)
    assert "Kept activity" in outcome_page and "Removed activity" not in outcome_page
    counts = evidence_services.outcome_year_counts(find_outcome("L2.A2.O3").id)
    assert counts[1] == {"year": 2022, "total": 1, "completed": 1, "evidence": 0}

    db.session.refresh(gone)
    assert gone.deleted_at is not None and count_activities() == 2  # still in the database
    assert audit_entries(gone.id)[-1].action == "delete"


@pytest.mark.parametrize("role,visible", [("admin", True), ("secretary_general", True), ("staff", False),
                                          ("board", False)])
def test_deleted_activity_page_only_for_steering(client_as, role, visible, make_activity):
    activity = make_activity(title="Removed activity", deleted=True)
    response = client_as(role).get(f"/activities/{activity.id}")
    if visible:
        assert response.status_code == 200
        html = response.get_data(as_text=True)
        assert "deleted" in html and "Removed activity" in html
        assert f"/activities/{activity.id}/edit" not in html
    else:
        assert response.status_code == 404


def test_deleted_activity_cannot_be_edited_or_deleted_again(client_as, make_activity, activity_form_data):
    admin = client_as("admin")
    activity = make_activity(deleted=True)
    assert admin.get(f"/activities/{activity.id}/edit").status_code == 404
    assert admin.post(f"/activities/{activity.id}/edit",
                      data=activity_form_data(admin.user, version="1")).status_code == 404
    assert admin.post(f"/activities/{activity.id}/delete").status_code == 404
    assert audit_entries() == []


# --- the outcome page ---------------------------------------------------------------------------------------------


def test_outcome_section_lists_activities_and_counts_per_year(client_as, make_activity, make_note):
    make_activity(title="A 2021 done", outcomes=("L1.A3.O2",), start=date(2021, 3, 1))
    done_2022 = make_activity(title="A 2022 done", outcomes=("L1.A3.O2", "L1.A1.O1"), start=date(2022, 3, 1))
    make_note(activity=done_2022, title="Minutes")
    make_note(activity=done_2022, title="Photos")
    gone = make_note(activity=done_2022, title="Withdrawn")
    gone.deleted_at = gone.added_at
    db.session.commit()
    make_activity(title="A 2022 planned", outcomes=("L1.A3.O2",), start=date(2022, 9, 1), status="planned")
    make_activity(title="Elsewhere", outcomes=("L1.A1.O1",), start=date(2022, 3, 1))
    html = client_as("board").get("/plan/outcomes/L1.A3.O2").get_data(as_text=True)
    assert "Activities (3)" in html
    assert html.index("A 2022 planned") < html.index("A 2022 done") < html.index("A 2021 done")  # newest first
    assert "Elsewhere" not in html
    assert 'href="/activities/?outcome=L1.A3.O2"' in html
    assert "/static/css/activities.css" in html  # the status badges' colours
    for year, total, done, evidence in ((2021, 1, 1, 0), (2022, 2, 1, 2), (2023, 0, 0, 0)):
        assert f'data-year="{year}" data-kind="total">{total}<' in html
        assert f'data-year="{year}" data-kind="completed">{done}<' in html
        assert f'data-year="{year}" data-kind="evidence">{evidence}<' in html


def test_outcome_year_counts_is_one_grouped_query(app, count_queries, make_activity, find_outcome):
    make_activity(outcomes=("L1.A3.O2",), start=date(2021, 3, 1))
    outcome_id = find_outcome("L1.A3.O2").id
    with count_queries() as statements:
        counts = evidence_services.outcome_year_counts(outcome_id)
    assert len(statements) == 1 and "GROUP BY" in statements[0]
    assert counts[0] == {"year": 2021, "total": 1, "completed": 1, "evidence": 0}


# --- a fixed number of queries ---------------------------------------------------------------------------------------


@pytest.fixture
def queries_for(count_queries):
    """queries_for(client, url) -> how many SQL statements a GET of the page sends (it must answer 200)."""

    def count(client, url) -> int:
        with count_queries() as statements:
            assert client.get(url).status_code == 200
        return len(statements)

    return count


def test_list_page_uses_a_fixed_number_of_queries(client_as, make_user, make_activity, queries_for):
    client = client_as("board")
    people = [make_user("staff") for _ in range(3)]
    for i in range(3):
        make_activity(title=f"Few {i}", outcomes=("L1.A1.O1", "L2.A2.O2"), responsible=people[i])
    few = queries_for(client, "/activities/")
    for i in range(22):
        make_activity(title=f"Many {i}", outcomes=("L1.A1.O1", "L3.A1.O1"), responsible=people[i % 3],
                      members=("Seoul",))
    assert queries_for(client, "/activities/") == few


def test_detail_page_uses_a_fixed_number_of_queries(client_as, make_activity, queries_for):
    client = client_as("admin")
    small = make_activity(outcomes=("L1.A1.O1",))
    large = make_activity(outcomes=("L1.A1.O1", "L1.A1.O2", "L2.A1.O1", "L3.A1.O1"),
                          members=("Seoul", "Berlin", "Bogota", "Montréal"), partners=("UCLG", "LSE"))
    assert queries_for(client, f"/activities/{small.id}") == queries_for(client, f"/activities/{large.id}")


def test_every_role_sees_the_activity_pages_without_errors(client_as, make_activity):
    activity = make_activity()
    for role in ROLES:
        client = client_as(role)
        for url in ("/activities/", f"/activities/{activity.id}", "/plan/outcomes/L1.A1.O1"):
            assert client.get(url).status_code == 200, (role, url)


def test_pages_have_no_inline_script_or_style(client_as, make_activity):
    staff = client_as("staff")
    activity = make_activity(responsible=staff.user)
    for url in ("/activities/", "/activities/new", f"/activities/{activity.id}", f"/activities/{activity.id}/edit",
                "/plan/outcomes/L1.A1.O1"):
        html = staff.get(url).get_data(as_text=True)
        assert "<script>" not in html and " style=" not in html and not re.search(r"\son[a-z]+=", html), url
