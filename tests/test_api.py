"""The JSON API: every operation of its OpenAPI document exercised, the role matrix, tokens, CSRF, paging, limits.

Each test declares the operations it exercises (`@exercises(...)`); a fixture checks it really sent them, and
`test_every_operation_of_the_document_is_exercised` checks that the declarations cover the whole document (so a new
operation without a test fails the suite, whichever process runs which test).
"""
import re
from datetime import date, timedelta

import pytest
from flask import request_finished
from openapi_spec_validator import validate
from sqlalchemy import select

from tracker.activities.models import Activity
from tracker.audit.models import AuditEntry
from tracker.auth import tokens
from tracker.auth.models import ApiToken
from tracker.core.models import utcnow
from tracker.evidence.models import Evidence
from tracker.extensions import db

API = "/api/v1"
EXERCISED: dict[tuple[str, str], str] = {}  # (method, path of the document) -> the test that sends it
HTTP_METHODS = {"get", "put", "post", "patch", "delete", "head", "options", "trace"}


def exercises(*operations: str):
    """Declare the operations ("GET /api/v1/plan") a test sends; the document must hold no other."""

    def mark(test):
        declared = [tuple(operation.split(" ", 1)) for operation in operations]
        for operation in declared:
            EXERCISED.setdefault(operation, test.__name__)
        test.api_operations = declared
        return test

    return mark


def _document_path(rule: str) -> str:
    """A Flask rule as the document writes its path: /activities/<int:activity_id> -> /activities/{activity_id}."""
    return re.sub(r"<(?:[^:<>]+:)?([^<>]+)>", r"{\1}", rule)


@pytest.fixture(autouse=True)
def _sends_what_it_declares(request: pytest.FixtureRequest, app):
    """Fail a test that declares an operation it never sent (a declaration is only as good as its request)."""
    declared = set(getattr(request.function, "api_operations", ()))
    sent: set[tuple[str, str]] = set()

    def seen(sender, response, **extra):
        from flask import request as incoming

        if incoming.url_rule is not None:
            sent.add((incoming.method, _document_path(incoming.url_rule.rule)))

    request_finished.connect(seen, app, weak=False)
    try:
        yield
    finally:
        request_finished.disconnect(seen, app)
    assert declared <= sent, f"declared but never sent: {sorted(declared - sent)}"


@pytest.fixture
def token_for(app, make_user):
    """token_for(role or user, scope="write", days=30) -> a plain token of a (new) user of that role."""

    def make(who="staff", scope: str = "write", days: int = 30, **user_options) -> str:
        user = make_user(who, **user_options) if isinstance(who, str) else who
        plain = tokens.create_token(user, f"{user.role} script", scope, days).plain
        db.session.commit()
        return plain

    return make


def bearer(plain: str) -> dict:
    """The Authorization header of a token."""
    return {"Authorization": f"Bearer {plain}"}


def new_activity(**overrides) -> dict:
    """A valid activity as the API takes it."""
    body = {"title": "Workshop on metropolitan finance", "kind": "training", "status": "completed",
            "start_date": "2022-05-10", "end_date": "2022-05-11", "place": "Bogota",
            "outcomes": ["L1.A1.O2"], "participants_total": 40, "participants_women": 22, "participants_men": 18,
            "budget_planned": "1500", "budget_spent": "1499.50"}
    body.update(overrides)
    return {key: value for key, value in body.items() if value is not None}


# --- the document ---------------------------------------------------------------------------------------------------


def test_the_document_validates_and_needs_a_login(client, client_as, token_for):
    assert client.get(f"{API}/openapi.json").status_code == 401
    with client_as("board").get(f"{API}/openapi.json") as response:
        assert response.status_code == 200
        validate(response.get_json())  # raises on anything that is not valid OpenAPI 3
    assert client.get(f"{API}/openapi.json", headers=bearer(token_for("staff", "read"))).status_code == 200


def test_every_operation_of_the_document_is_exercised(client_as):
    spec = client_as("staff").get(f"{API}/openapi.json").get_json()
    operations = {(method.upper(), path) for path, item in spec["paths"].items() for method in item
                  if method in HTTP_METHODS}
    assert sorted(operations - set(EXERCISED)) == [], "operations of the document that no test sends"
    assert sorted(set(EXERCISED) - operations) == [], "declared operations the document does not have"


def test_the_reference_page_loads_swagger_ui_from_our_own_files(client, client_as):
    with client.get(f"{API}/docs") as response:  # a page: anonymous people go to the login page
        assert response.status_code == 302 and "/login" in response.headers["Location"]
    with client_as("staff").get(f"{API}/docs") as response:
        page = response.get_data(as_text=True)
    assert response.status_code == 200
    scripts = re.findall(r"<script([^>]*)>(.*?)</script>", page, re.S)
    assert all(re.search(r' src="/(bootstrap/)?static/', attributes) and not body.strip()
               for attributes, body in scripts), scripts
    assert "/static/vendor/swagger-ui/swagger-ui-bundle.js" in page and "/static/js/api-reference.js" in page
    assert "script-src 'self'" in response.headers["Content-Security-Policy"]
    for path in ("vendor/swagger-ui/swagger-ui-bundle.js", "vendor/swagger-ui/swagger-ui.css",
                 "vendor/swagger-ui/LICENSE", "js/api-reference.js"):
        with client.get(f"/static/{path}") as asset:
            assert asset.status_code == 200, path


# --- the plan -------------------------------------------------------------------------------------------------------


@exercises(f"GET {API}/plan", f"GET {API}/outcomes", f"GET {API}/outcomes/{{code}}", f"GET {API}/reference")
def test_the_plan_outcomes_and_reference_lists(client, token_for):
    headers = bearer(token_for("board", "read"))
    plan = client.get(f"{API}/plan", headers=headers).get_json()
    assert [line["code"] for line in plan["lines"]] == ["L1", "L2", "L3"]
    assert sum(len(axis["outcomes"]) for line in plan["lines"] for axis in line["axes"]) == 35
    outcomes = client.get(f"{API}/outcomes", headers=headers).get_json()["items"]
    assert len(outcomes) == 35 and outcomes[0]["position"] == 1
    one = client.get(f"{API}/outcomes/L1.A2.O3", headers=headers).get_json()
    assert (one["code"], one["axis"]["code"], one["line"]["code"]) == ("L1.A2.O3", "L1.A2", "L1")
    with client.get(f"{API}/outcomes/L9.A9.O9", headers=headers) as missing:
        assert missing.status_code == 404 and "L9.A9.O9" in missing.get_json()["message"]
    reference = client.get(f"{API}/reference", headers=headers).get_json()
    assert {"training", "event"} <= {kind["code"] for kind in reference["kinds"]}
    assert len(reference["members"]) == 141 and reference["partners"] and reference["themes"]


# --- activities -----------------------------------------------------------------------------------------------------


@exercises(f"GET {API}/activities")
def test_activities_filter_by_year_and_outcome_a_page_at_a_time(client, token_for, make_activity, count_queries):
    for day in range(1, 4):
        make_activity(title=f"2022 #{day}", start=date(2022, 3, day), outcomes=("L1.A1.O1",))
    make_activity(title="2021 one", start=date(2021, 6, 1), outcomes=("L2.A1.O1",))
    make_activity(title="Deleted", start=date(2022, 1, 1), deleted=True)
    headers = bearer(token_for("staff", "read"))
    everything = client.get(f"{API}/activities", headers=headers).get_json()
    assert everything["meta"]["total"] == 4  # the deleted one is not listed
    assert [a["title"] for a in client.get(f"{API}/activities?year=2021", headers=headers).get_json()["items"]] \
        == ["2021 one"]
    by_outcome = client.get(f"{API}/activities?outcome=L1.A1.O1&year=2022", headers=headers).get_json()
    assert by_outcome["meta"]["total"] == 3
    with client.get(f"{API}/activities?year=2022&per_page=2", headers=headers) as response:
        first = response.get_json()
        assert response.headers["X-Total-Count"] == "3" and 'rel="next"' in response.headers["Link"]
    assert [a["title"] for a in first["items"]] == ["2022 #3", "2022 #2"]
    assert first["meta"] == {"page": 1, "per_page": 2, "total": 3, "pages": 2}
    second = client.get(first["links"]["next"], headers=headers).get_json()
    assert [a["title"] for a in second["items"]] == ["2022 #1"] and "year=2022" in first["links"]["next"]
    assert "next" not in second["links"]

    for query, field in (("per_page=101", "per_page"), ("page=0", "page"), ("year=1900", "year"),
                         ("outcome=L9.A9.O9", "outcome"), ("year=soon", "year")):
        with client.get(f"{API}/activities?{query}", headers=headers) as refused:
            assert refused.status_code == 422, query
            assert list(refused.get_json()["errors"]) == [field], query

    # The list reads a fixed number of statements, whatever the number of activities on the page.
    with count_queries() as few:
        client.get(f"{API}/activities?per_page=100", headers=headers)
    for day in range(10):
        make_activity(title=f"More #{day}", start=date(2022, 4, day + 1), members=("Seoul", "Bogota"),
                      partners=("UCLG",), outcomes=("L1.A1.O1", "L1.A1.O2"))
    with count_queries() as many:
        client.get(f"{API}/activities?per_page=100", headers=headers)
    assert len(many) == len(few)


@exercises(f"GET {API}/activities/{{activity_id}}")
def test_one_activity(client, token_for, make_activity, make_note):
    activity = make_activity(title="Mission to Seoul", members=("Seoul",), partners=("UCLG",), participants=12,
                             women=7, men=5, planned="1500", spent="1400.5")
    make_note(activity=activity)
    headers = bearer(token_for("board", "read"))
    body = client.get(f"{API}/activities/{activity.id}", headers=headers).get_json()
    assert body["title"] == "Mission to Seoul" and body["version"] == activity.version
    assert body["members"][0]["city"] == "Seoul" and body["partners"][0]["acronym"] == "UCLG"
    assert body["participants"] == {"total": 12, "women": 7, "men": 5, "other": None}
    assert body["budget"] == {"planned": "1500.00", "spent": "1400.50"} and body["evidence_count"] == 1
    for missing in (activity.id + 1000, make_activity(deleted=True).id):
        with client.get(f"{API}/activities/{missing}", headers=headers) as response:
            assert response.status_code == 404 and response.is_json


@exercises(f"POST {API}/activities")
def test_recording_an_activity_follows_the_form_rules_and_is_audited(client, make_user, token_for):
    user = make_user("staff")
    headers = bearer(token_for(user))
    with client.post(f"{API}/activities", json=new_activity(), headers=headers) as response:
        assert response.status_code == 201, response.get_json()
        made = response.get_json()
    assert response.headers["Location"].endswith(f"{API}/activities/{made['id']}")
    assert made["responsible"]["id"] == user.id and made["year"] == 2022 and made["outcomes"] == ["L1.A1.O2"]
    assert made["budget"] == {"planned": "1500.00", "spent": "1499.50"}
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.entity_type == "activity",
                                                       AuditEntry.entity_id == made["id"]))
    assert (entry.action, entry.user_id) == ("create", user.id)

    refusals = {
        "participants_total": new_activity(participants_total=41),  # the parts make 40
        "title": new_activity(title="\u200b"),  # only invisible characters
        "outcomes": new_activity(outcomes=["L9.A9.O9"]),
        "end_date": new_activity(end_date="2022-05-01"),  # before the start
        "kind": new_activity(kind="party"),
        "start_date": new_activity(start_date="10/05/2022"),
        "budget_spent": new_activity(budget_spent="-3"),
        "responsible": new_activity(responsible=make_user("board").id),
        "colour": new_activity(colour="red"),  # not a field
    }
    for field, body in refusals.items():
        with client.post(f"{API}/activities", json=body, headers=headers) as refused:
            assert refused.status_code == 422, (field, refused.get_json())
            assert field in refused.get_json()["errors"], (field, refused.get_json())
    with client.post(f"{API}/activities", data="{not json", headers={**headers, "Content-Type": "application/json"}) \
            as broken:
        assert broken.status_code in (400, 422) and broken.is_json
    assert db.session.scalar(select(db.func.count()).select_from(Activity)) == 1  # nothing else was saved


@exercises(f"PATCH {API}/activities/{{activity_id}}")
def test_changing_an_activity_checks_its_version_and_who_may(client, make_user, token_for, make_activity):
    owner = make_user("staff")
    activity = make_activity(title="Draft debate", status="planned", responsible=owner, created_by=owner)
    headers = bearer(token_for(owner))
    url, version = f"{API}/activities/{activity.id}", activity.version
    with client.patch(url, json={"version": version, "status": "completed"}, headers=headers) as response:
        assert response.status_code == 200, response.get_json()
        changed = response.get_json()
    assert changed["status"] == "completed" and changed["title"] == "Draft debate"
    assert changed["version"] == version + 1
    entry = db.session.scalars(select(AuditEntry).where(AuditEntry.entity_type == "activity",
                                                        AuditEntry.entity_id == activity.id)
                               .order_by(AuditEntry.id.desc())).first()
    assert (entry.action, entry.user_id, entry.after["status"]) == ("update", owner.id, "completed")

    with client.patch(url, json={"version": version, "title": "Late"}, headers=headers) as stale:
        assert stale.status_code == 409
        assert stale.get_json()["current_version"] == changed["version"]
    with client.patch(url, json={"title": "No version"}, headers=headers) as unversioned:
        assert unversioned.status_code == 422 and "version" in unversioned.get_json()["errors"]
    with client.patch(url, json={"version": changed["version"], "participants_women": 5, "participants_total": 3},
                      headers=headers) as bad:
        assert bad.status_code == 422 and "participants_total" in bad.get_json()["errors"]
    with client.patch(url, json={"version": changed["version"], "title": "Someone else's"},
                      headers=bearer(token_for("staff"))) as not_theirs:
        assert not_theirs.status_code == 403 and not_theirs.is_json
    with client.patch(url, json={"version": changed["version"], "title": "Steered"},
                      headers=bearer(token_for("secretary_general"))) as steering:
        assert steering.status_code == 200 and steering.get_json()["title"] == "Steered"
    with client.patch(f"{API}/activities/{activity.id + 1000}", json={"version": 1}, headers=headers) as missing:
        assert missing.status_code == 404
    moved = client.patch(url, json={"version": steering.get_json()["version"], "online": True},
                         headers=bearer(token_for("admin"))).get_json()
    assert (moved["online"], moved["place"]) == (True, "")  # online now: the city it had is dropped


# --- evidence -------------------------------------------------------------------------------------------------------


@exercises(f"GET {API}/activities/{{activity_id}}/evidence", f"GET {API}/evidence/{{evidence_id}}",
           f"GET {API}/outcomes/{{code}}/evidence")
def test_evidence_metadata_and_what_the_board_reads(client, token_for, make_activity, make_note,
                                                    make_assessment, make_user):
    author = make_user("staff")
    activity = make_activity()
    note = make_note(activity=activity, title="Minutes", added_by=author)
    outcome_note = make_note(outcome_code="L2.A2.O3", title="Survey", added_by=author)
    staff, board = bearer(token_for("staff", "read")), bearer(token_for("board", "read"))
    items = client.get(f"{API}/activities/{activity.id}/evidence", headers=board).get_json()["items"]
    assert [(i["id"], i["kind"], i["title"], i["added_by"]["id"]) for i in items] == [
        (note.id, "note", "Minutes", author.id)]
    one = client.get(f"{API}/evidence/{note.id}", headers=board).get_json()
    assert one["note"] == "What was agreed" and one["file"] is None

    # Evidence straight on an outcome backs its assessment: the Board reads it once that year is approved.
    year = outcome_note.added_at.year
    assert [i["title"] for i in client.get(f"{API}/outcomes/L2.A2.O3/evidence", headers=staff).get_json()["items"]] \
        == ["Survey"]
    assert client.get(f"{API}/outcomes/L2.A2.O3/evidence", headers=board).get_json()["items"] == []
    assert client.get(f"{API}/evidence/{outcome_note.id}", headers=board).status_code == 404
    make_assessment("L2.A2.O3", min(max(year, 2021), 2023), state="approved")
    assert client.get(f"{API}/evidence/{outcome_note.id}", headers=board).get_json()["outcome"] == "L2.A2.O3"
    assert client.get(f"{API}/activities/{activity.id + 1000}/evidence", headers=staff).status_code == 404
    assert client.get(f"{API}/outcomes/L9.A9.O9/evidence", headers=staff).status_code == 404


@exercises(f"POST {API}/activities/{{activity_id}}/evidence", f"POST {API}/outcomes/{{code}}/evidence",
           f"PATCH {API}/evidence/{{evidence_id}}")
def test_links_added_and_changed_through_the_evidence_rules(client, make_user, token_for, make_activity, make_note):
    user = make_user("staff")
    headers = bearer(token_for(user))
    activity = make_activity()
    with client.post(f"{API}/activities/{activity.id}/evidence", headers=headers,
                     json={"title": "Press release", "url": "https://metropolis.org/news"}) as response:
        assert response.status_code == 201, response.get_json()
        link = response.get_json()
    assert (link["kind"], link["url"], link["activity_id"], link["added_by"]["id"]) == (
        "link", "https://metropolis.org/news", activity.id, user.id)
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.entity_type == "evidence",
                                                       AuditEntry.entity_id == link["id"]))
    assert (entry.action, entry.user_id) == ("create", user.id)
    with client.post(f"{API}/outcomes/L1.A1.O1/evidence", headers=headers,
                     json={"title": "Study", "url": "https://example.org/study.pdf"}) as on_outcome:
        assert on_outcome.status_code == 201 and on_outcome.get_json()["outcome"] == "L1.A1.O1"
    for body, field in (({"title": "Script", "url": "javascript:alert(1)"}, "url"),
                        ({"title": "", "url": "https://example.org"}, "title"),
                        ({"url": "https://example.org"}, "title")):
        with client.post(f"{API}/activities/{activity.id}/evidence", headers=headers, json=body) as refused:
            assert refused.status_code == 422 and field in refused.get_json()["errors"], refused.get_json()

    url = f"{API}/evidence/{link['id']}"
    with client.patch(url, headers=headers, json={"version": link["version"], "title": "Press release (EN)"}) \
            as changed:
        assert changed.status_code == 200 and changed.get_json()["title"] == "Press release (EN)"
    with client.patch(url, headers=headers, json={"version": link["version"], "title": "Stale"}) as stale:
        assert stale.status_code == 409 and stale.get_json()["current_version"] == changed.get_json()["version"]
    with client.patch(url, headers=bearer(token_for("staff")), json={"version": 99, "title": "Not mine"}) as other:
        assert other.status_code == 403
    note = make_note(activity=activity, added_by=user)
    with client.patch(f"{API}/evidence/{note.id}", headers=headers, json={"version": note.version,
                                                                          "url": "https://example.org"}) as no_url:
        assert no_url.status_code == 422 and "url" in no_url.get_json()["errors"]


# --- indicators and assessments ------------------------------------------------------------------------------------


@exercises(f"GET {API}/indicators", f"GET {API}/indicators/{{indicator_id}}")
def test_indicators_with_values_approved_only_for_the_board(client, token_for, make_indicator, make_value):
    plan_wide = make_indicator(code="PW-1", name="Briefs", targets={2022: 10})
    on_outcome = make_indicator(code="O-1", name="Events", outcome_code="L1.A1.O1", targets={2022: 4})
    make_value(plan_wide, 2021, 3, state="approved")
    make_value(plan_wide, 2022, 7, state="submitted")
    staff, board = bearer(token_for("staff", "read")), bearer(token_for("board", "read"))
    listed = client.get(f"{API}/indicators", headers=staff).get_json()
    assert [i["code"] for i in listed["items"]] == ["PW-1", "O-1"] and listed["meta"]["total"] == 2
    assert [i["code"] for i in client.get(f"{API}/indicators?outcome=L1.A1.O1", headers=staff)
            .get_json()["items"]] == ["O-1"]
    assert [i["code"] for i in client.get(f"{API}/indicators?plan_wide=true", headers=staff)
            .get_json()["items"]] == ["PW-1"]
    as_staff = client.get(f"{API}/indicators/{plan_wide.id}", headers=staff).get_json()
    as_board = client.get(f"{API}/indicators/{plan_wide.id}", headers=board).get_json()
    assert [(v["year"], v["value"], v["review_state"]) for v in as_staff["values"]] == [
        (2021, "3", "approved"), (2022, "7", "submitted")]
    assert [(v["year"], v["value"]) for v in as_board["values"]] == [(2021, "3")]
    years = {row["year"]: row for row in as_board["years"]}
    assert (years[2021]["actual"], years[2022]["actual"], years[2022]["target"]) == ("3", None, "10")
    assert client.get(f"{API}/indicators/{on_outcome.id + 1000}", headers=staff).status_code == 404


def test_the_indicator_and_assessment_lists_read_a_fixed_number_of_statements(client, token_for, make_indicator,
                                                                              make_value, make_assessment,
                                                                              count_queries):
    headers = bearer(token_for("staff", "read"))

    def statements() -> tuple[int, int]:
        with count_queries() as indicators:
            client.get(f"{API}/indicators?per_page=100", headers=headers)
        with count_queries() as assessments:
            client.get(f"{API}/assessments?per_page=100", headers=headers)
        return len(indicators), len(assessments)

    make_value(make_indicator(code="Q-0", targets={2022: 3}), 2022, 1)
    make_assessment("L1.A1.O1", 2022)
    few = statements()
    for n, code in enumerate(("L1.A1.O2", "L1.A2.O1", "L2.A1.O1", "L3.A1.O1")):
        make_value(make_indicator(code=f"Q-{n + 1}", outcome_code=code, targets={2021: 2, 2022: 3}), 2021, n)
        make_assessment(code, 2021)
    assert statements() == few


@exercises(f"GET {API}/assessments", f"GET {API}/assessments/{{assessment_id}}")
def test_assessments_approved_only_for_the_board(client, token_for, make_assessment):
    approved = make_assessment("L1.A1.O1", 2022, state="approved", achieved="Two debates held")
    draft = make_assessment("L1.A1.O2", 2022, state="draft")
    make_assessment("L1.A1.O1", 2021, state="submitted")
    staff, board = bearer(token_for("staff", "read")), bearer(token_for("board", "read"))
    assert client.get(f"{API}/assessments", headers=staff).get_json()["meta"]["total"] == 3
    assert [(a["outcome"], a["year"]) for a in client.get(f"{API}/assessments?year=2022", headers=staff)
            .get_json()["items"]] == [("L1.A1.O1", 2022), ("L1.A1.O2", 2022)]
    assert [a["year"] for a in client.get(f"{API}/assessments?outcome=L1.A1.O1", headers=staff)
            .get_json()["items"]] == [2021, 2022]
    seen = client.get(f"{API}/assessments", headers=board).get_json()["items"]
    assert [(a["id"], a["review_state"], a["achieved"]) for a in seen] == [(approved.id, "approved",
                                                                           "Two debates held")]
    assert client.get(f"{API}/assessments/{approved.id}", headers=board).status_code == 200
    with client.get(f"{API}/assessments/{draft.id}", headers=board) as hidden:
        assert hidden.status_code == 404 and hidden.is_json  # as if it were not there
    assert client.get(f"{API}/assessments/{draft.id}", headers=staff).get_json()["review_state"] == "draft"


# --- who may do what ------------------------------------------------------------------------------------------------


READ = f"{API}/activities"


def _expired(token_for, make_user):
    """A token whose expiry passed."""
    plain = token_for("staff")
    db.session.execute(db.update(ApiToken).where(ApiToken.token_hash == tokens.hash_token(plain))
                       .values(expires_at=utcnow() - timedelta(seconds=1)))
    db.session.commit()
    return plain


def _revoked(token_for, make_user):
    """A token its owner revoked."""
    user = make_user("staff")
    plain = token_for(user)
    tokens.revoke_token(user, db.session.scalar(select(ApiToken.id).where(ApiToken.user_id == user.id)))
    db.session.commit()
    return plain


def _deactivated(token_for, make_user):
    """A token of an account that was deactivated since."""
    user = make_user("staff")
    plain = token_for(user)
    user.active = False
    db.session.commit()
    return plain


@pytest.mark.parametrize("who, read, write", [
    ("staff", 200, 201), ("secretary_general", 200, 201), ("admin", 200, 201), ("board", 200, 403),
    ("read-only token", 200, 403), ("anonymous", 401, 401), ("expired token", 401, 401),
    ("revoked token", 401, 401), ("deactivated account", 401, 401), ("made-up token", 401, 401),
    ("staff session", 200, 201), ("board session", 200, 403),
])
def test_role_matrix(client, client_as, token_for, make_user, who, read, write):
    """Each kind of caller reads and writes as its role and token allow, with a JSON answer (never a redirect)."""
    caller, headers = client, {}
    if who in ("staff", "secretary_general", "admin", "board"):
        headers = bearer(token_for(who))
    elif who == "read-only token":
        headers = bearer(token_for("staff", "read"))
    elif who == "expired token":
        headers = bearer(_expired(token_for, make_user))
    elif who == "revoked token":
        headers = bearer(_revoked(token_for, make_user))
    elif who == "deactivated account":
        headers = bearer(_deactivated(token_for, make_user))
    elif who == "made-up token":
        headers = bearer("mtk_" + "x" * 43)
    elif who.endswith(" session"):
        caller = client_as(who.split()[0])
    with caller.get(READ, headers=headers) as response:
        assert (response.status_code, response.is_json) == (read, True), response.get_data(as_text=True)
    with caller.post(READ, json=new_activity(), headers=headers) as response:
        assert (response.status_code, response.is_json) == (write, True), response.get_json()
        body = response.get_json()
    if write == 401:
        assert response.headers["WWW-Authenticate"].startswith("Bearer") and body["message"]
    if write == 403:
        assert body["message"] and body["code"] == 403


def test_a_refused_token_says_why(client, token_for, make_user):
    for make, words in ((_expired, "expired"), (_revoked, "revoked"), (_deactivated, "deactivated")):
        with client.get(READ, headers=bearer(make(token_for, make_user))) as response:
            assert response.status_code == 401 and words in response.get_json()["message"]
    assert "read only" in client.post(READ, json=new_activity(), headers=bearer(token_for("staff", "read"))) \
        .get_json()["message"]


def test_an_account_that_owes_a_new_password_is_refused(client, make_user, token_for):
    user = make_user("staff")
    plain = token_for(user)
    user.must_change_password = True  # an administrator reset it after the token was made
    db.session.commit()
    with client.get(READ, headers=bearer(plain)) as response:
        assert response.status_code == 403 and response.is_json


def test_a_token_is_not_a_login_for_the_pages(client, token_for):
    with client.get("/activities/", headers=bearer(token_for("staff"))) as response:
        assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_last_use_is_recorded(client, make_user, token_for):
    user = make_user("staff")
    plain = token_for(user)
    client.get(f"{API}/plan", headers=bearer(plain))
    assert db.session.scalar(select(ApiToken.last_used_at).where(ApiToken.user_id == user.id)) is not None


# --- CSRF: a token needs none, a session cookie does ---------------------------------------------------------------


def test_a_session_cookie_needs_the_csrf_token_and_a_bearer_token_does_not(csrf_app, make_user, login, token_for):
    user = make_user("staff")
    browser = login(csrf_app.test_client(), user)
    with browser.post(READ, json=new_activity()) as forged:
        assert forged.status_code == 400 and "CSRF" in forged.get_json()["message"]
    page = browser.get(f"{API}/docs").get_data(as_text=True)
    csrf_token = re.search(r'data-csrf-token="([^"]+)"', page).group(1)
    with browser.post(READ, json=new_activity(), headers={"X-CSRFToken": csrf_token}) as sent:
        assert sent.status_code == 201, sent.get_json()
    script = csrf_app.test_client()
    with script.post(READ, json=new_activity(title="From a script"), headers=bearer(token_for(user))) as response:
        assert response.status_code == 201, response.get_json()
    assert browser.get(READ).status_code == 200  # reads need no CSRF token


# --- the rate limit -------------------------------------------------------------------------------------------------


def test_requests_beyond_the_limit_get_429(app, client, token_for):
    app.config["API_RATE_LIMIT"] = "3 per minute"
    try:
        busy, other = bearer(token_for("staff", "read")), bearer(token_for("staff", "read"))
        answers = [client.get(f"{API}/plan", headers=busy).status_code for _ in range(4)]
        assert answers == [200, 200, 200, 429]
        with client.get(f"{API}/plan", headers=busy) as limited:
            assert limited.is_json and limited.get_json()["code"] == 429 and limited.get_json()["message"]
            assert 1 <= int(limited.headers["Retry-After"]) <= 61
        assert client.get(f"{API}/plan", headers=other).status_code == 200  # each token has its own count
    finally:
        app.config["API_RATE_LIMIT"] = "300 per minute"


def test_bad_input_is_never_a_500(client, token_for, make_activity):
    headers = bearer(token_for("admin"))
    activity = make_activity()
    for method, url, body in (
            ("POST", READ, {"title": 5, "outcomes": "L1.A1.O1"}),
            ("POST", READ, new_activity(outcomes=["x" * 5000])),
            ("POST", READ, new_activity(members=[2**40], themes=["a"])),
            ("POST", READ, new_activity(budget_planned="NaN", participants_total=-1)),
            ("POST", READ, [1, 2, 3]),
            ("PATCH", f"{API}/activities/{activity.id}", {"version": "one"}),
            ("PATCH", f"{API}/activities/{activity.id}", {"version": activity.version, "start_date": "2099-01-01"}),
            ("GET", f"{API}/activities?page=99999999999999999999", None),
            ("GET", f"{API}/activities/99999999999999", None),
            ("POST", f"{API}/activities/{activity.id}/evidence", {"title": "x", "url": "https://" + "a" * 3000}),
    ):
        with client.open(url, method=method, json=body, headers=headers) as response:
            assert 400 <= response.status_code < 500 and response.is_json, (method, url, response.status_code)
    assert db.session.scalar(select(db.func.count()).select_from(Evidence)) == 0
