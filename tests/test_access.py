"""Login on every page, a role policy on every route, checked against every role on every route and method.

The role matrix requests every route with every method it takes, as a user of the role who owns every record the
route's URL names (so that a row-level rule, such as "staff edit their own activities", cannot refuse them), on a
URL built from those records. The GETs share one set of records; each POST gets fresh data and a fresh login
(a delete, a lock or the logout before it cannot change its answer). The testing config has CSRF off, so a POST
reaches the role check and the view.
"""
import io
from datetime import date

import pytest
from flask import url_for
from sqlalchemy import insert

from tracker.assessments.models import AssignmentRequest
from tracker.auth import tokens
from tracker.auth.access import PUBLIC_ENDPOINTS
from tracker.auth.models import LoginSession
from tracker.core.roles import ROLES
from tracker.evidence import storage
from tracker.evidence.models import Evidence
from tracker.extensions import db
from tracker.imports.models import ActivityImport
from tracker.plan.models import outcome_responsible
from tracker.reports.models import BoardItem, Report

# Endpoints the matrix cannot check, with the reason. Every other endpoint is requested with every method it takes.
EXEMPT: dict[str, str] = {}
OUTCOME_CODE = "L2.A2.O3"
YEAR = 2022


def _rules(app):
    return [rule for rule in app.url_map.iter_rules() if rule.endpoint not in PUBLIC_ENDPOINTS]


def _requests(app):
    """(endpoint, rule, method) of every checked route and method: every GET first (they share one set of records,
    which the writes after them replace), then every other method, each sorted by endpoint."""
    calls = [(rule.endpoint, rule, method) for rule in _rules(app) if rule.endpoint not in EXEMPT
             for method in sorted(rule.methods - {"HEAD", "OPTIONS"})]
    return sorted(calls, key=lambda call: (call[2] != "GET", call[2], call[0]))


@pytest.fixture
def world(make_activity, make_note, make_indicator, make_value, make_assessment, find_outcome, make_user):
    """world(user) -> the URL argument values of every route, naming records that user owns or may touch."""

    def build(user) -> dict:
        outcome = find_outcome(OUTCOME_CODE)
        db.session.execute(insert(outcome_responsible).values(outcome_id=outcome.id, user_id=user.id))
        other = make_user("staff")  # an account for the admin pages to edit
        activity = make_activity(title="Matrix workshop", outcomes=(OUTCOME_CODE,), responsible=user,
                                 created_by=user, start=date(YEAR, 3, 1), commit=False)
        stored = storage.store(io.BytesIO(b"Attendance list\nSeoul, Berlin\n"), mime_type="text/plain")
        db.session.flush()
        evidence = Evidence(kind="file", title="Attendance list", activity_id=activity.id, file_id=stored.id,
                            original_filename="attendance.txt", added_by_id=user.id)
        db.session.add(evidence)
        make_note(activity=activity, added_by=user, commit=False)
        indicator = make_indicator(code="MATRIX-1", outcome_code=OUTCOME_CODE, targets={YEAR: 5}, commit=False)
        db.session.flush()
        value = make_value(indicator, YEAR, 3, state="draft", entered_by=user, commit=False)
        assessment = make_assessment(OUTCOME_CODE, YEAR, state="draft", author=user, commit=False)
        # Its file is missing: the download says so. A Board member reads final reports only: theirs is final.
        final = user.role == "board"
        report = Report(kind="board", year=YEAR, filename="matrix-board-2022.pdf", sha256="0" * 64, size=0,
                        pages=1, draft=not final, is_final=final, generated_by_id=user.id)
        db.session.add(report)
        item = BoardItem(year=YEAR, kind="decision", text="Approve the matrix", position=1, outcomes=[outcome],
                         created_by_id=user.id)
        db.session.add(item)
        asking = AssignmentRequest(outcome_id=outcome.id, requester_id=other.id)  # for the SG to decide
        db.session.add(asking)
        other_session = LoginSession(user_id=user.id)  # another of the user's sessions, for "end this session"
        db.session.add(other_session)
        token = tokens.create_token(user, "Matrix script", "write", 30).token  # for "revoke this token"
        sheet = b"title,kind,status,start_date,outcomes\nMatrix import,event,planned,2022-04-01,L2.A2.O3\n"
        upload = ActivityImport(owner_id=user.id, filename="matrix.csv", file_type="csv", sha256="0" * 64,
                                content=sheet)  # the user's own upload, to preview and confirm
        db.session.add(upload)
        db.session.commit()
        return {"session_id": other_session.id, "activity_id": activity.id, "evidence_id": evidence.id,
                "indicator_id": indicator.id, "value_id": value.id, "assessment_id": assessment.id,
                "report_id": report.id, "item_id": item.id, "user_id": other.id, "request_id": asking.id,
                "code": OUTCOME_CODE, "year": YEAR, "name": "activities", "scope": str(YEAR),
                "fmt": "xlsx", "token_id": token.id, "import_id": upload.id}

    return build


def _url(app, rule, values: dict) -> str:
    missing = set(rule.arguments) - set(values)
    assert not missing, f"{rule.endpoint} takes {sorted(missing)}: teach world() to name a record for it"
    with app.test_request_context():
        return url_for(rule.endpoint, **{arg: values[arg] for arg in rule.arguments})


def _refusal(method: str, response) -> bool:
    """A response that refuses the request: 401 or 403, or for a GET a redirect to the login page.

    (A POST is never sent to the login page by the access check: it gets 401. Logging out redirects there.)
    """
    if response.status_code in (401, 403):
        return True
    return method == "GET" and response.status_code in (301, 302, 303) \
        and "/login" in response.headers.get("Location", "")


def _send(client, url: str, method: str) -> tuple[int, object]:
    """Send a request (a POST with no fields: what the view makes of it does not matter, only who it lets in)."""
    with client.open(url, method=method, data={} if method == "POST" else None) as response:
        return response.status_code, response


def test_every_route_declares_roles(app):
    missing = [rule.rule for rule in _rules(app) if not getattr(app.view_functions[rule.endpoint],
                                                                "allowed_roles", None)]
    assert missing == []


def test_exemptions_name_existing_endpoints(app):
    endpoints = {rule.endpoint for rule in app.url_map.iter_rules()}
    assert sorted(set(EXEMPT) - endpoints) == [], "EXEMPT names endpoints that no longer exist"
    assert all(reason.strip() for reason in EXEMPT.values()), "every exemption needs its reason"


def test_the_matrix_covers_every_route(app):
    checked = {endpoint for endpoint, _, _ in _requests(app)}
    assert checked | set(EXEMPT) == {rule.endpoint for rule in _rules(app)}
    assert {"POST"} <= {method for _, _, method in _requests(app)}


def _answers_json(app, endpoint: str) -> bool:
    """The API's endpoints answer a refusal with JSON, never with a redirect to the login page."""
    return endpoint.split(".")[0] in app.extensions["tracker_json_blueprints"]


def test_anonymous_is_sent_to_login_everywhere(app, make_user, world):
    values = world(make_user("staff"))
    client = app.test_client()
    for endpoint, rule, method in _requests(app):
        url = _url(app, rule, values)
        status, response = _send(client, url, method)
        if _answers_json(app, endpoint):
            assert (status, response.is_json) == (401, True), (endpoint, method, url, status)
        elif method == "GET":
            assert status == 302, (endpoint, url)
            assert "/login" in response.headers["Location"], (endpoint, url)
        else:
            assert status == 401, (endpoint, method, url, status)


@pytest.mark.parametrize("role", ROLES)
def test_role_matrix(app, client_as, world, reset_data, role):
    """A role outside a route's policy gets 403 for every method; inside it, never a refusal (nor a 500)."""
    wrong = []
    client = client_as(role)
    values = world(client.user)  # GETs read: they share one set of records
    for endpoint, rule, method in _requests(app):
        if method != "GET":  # each write on fresh data: a delete or a lock before it cannot change its answer
            reset_data()
            client = client_as(role)
            values = world(client.user)
        url = _url(app, rule, values)
        status, response = _send(client, url, method)
        allowed = role in app.view_functions[endpoint].allowed_roles
        if allowed and _refusal(method, response):
            wrong.append((endpoint, method, url, status, "allowed, but refused"))
        elif allowed and status >= 500:
            wrong.append((endpoint, method, url, status, "allowed, but failed"))
        elif not allowed and status != 403:
            wrong.append((endpoint, method, url, status, "outside the policy, but not 403"))
    assert wrong == [], f"{role}:\n" + "\n".join(map(str, wrong))


def test_the_matrix_would_catch_a_refusal(app, client_as, world):
    """The matrix's notion of a refusal is real: staff posting to an activity of someone else's is refused."""
    owner = client_as("staff")
    values = world(owner.user)
    other = client_as("staff")
    url = f"/activities/{values['activity_id']}/edit"
    assert _refusal("POST", _send(other, url, "POST")[1])
    assert not _refusal("POST", _send(owner, url, "POST")[1])
    assert _refusal("GET", _send(app.test_client(), url, "GET")[1])  # anonymous: sent to the login page


def test_static_files_need_no_login(client):
    for url in ("/static/css/app.css", "/bootstrap/static/css/bootstrap.min.css"):
        with client.get(url) as response:
            assert response.status_code == 200


def test_admin_pages_for_admin_only(client_as):
    assert client_as("admin").get("/admin/users").status_code == 200
    for role in ("secretary_general", "staff", "board"):
        assert client_as(role).get("/admin/users").status_code == 403


@pytest.mark.parametrize("role", ROLES)
def test_row_rules_of_what_the_board_reads(app, client_as, make_user, find_outcome, role):
    """A draft report and unapproved outcome evidence answer 404 to the Board (as if absent); others read them."""
    # The matrix gives its Board member a final report; this is the row-level rule beside it.
    author = make_user("staff")
    draft = Report(kind="board", year=YEAR, filename="row-rules-draft.pdf", sha256="0" * 64, size=0, pages=1,
                   draft=True, generated_by_id=author.id)  # its file is missing: readers are told so (409)
    stored = storage.store(io.BytesIO(b"Survey results\n"), mime_type="text/plain")
    db.session.add(draft)
    db.session.flush()
    evidence = Evidence(kind="file", title="Survey", outcome_id=find_outcome(OUTCOME_CODE).id, file_id=stored.id,
                        original_filename="survey.txt", added_by_id=author.id)
    db.session.add(evidence)
    db.session.commit()
    client = client_as(role)
    expected = (404, 404) if role == "board" else (409, 200)
    assert (_send(client, f"/reports/{draft.id}/download", "GET")[0],
            _send(client, f"/evidence/{evidence.id}/download", "GET")[0]) == expected
    assert _send(client, f"/reports/{draft.id}/open", "GET")[0] == expected[0]  # opened as downloaded
    assert (f"/reports/{draft.id}/download" in client.get("/reports/").get_data(as_text=True)) is (role != "board")


def test_the_matrix_checks_each_role_home(app):
    """The homes are in the matrix with their policies: the root for everyone, My work for those who write."""
    checked = {endpoint for endpoint, _, _ in _requests(app)}
    assert {"home.index", "home.my_work", "home.evaluation"} <= checked
    policies = {e: set(app.view_functions[e].allowed_roles) for e in ("home.index", "home.my_work", "home.evaluation")}
    assert policies == {"home.index": set(ROLES), "home.my_work": {"admin", "secretary_general", "staff"},
                        "home.evaluation": set(ROLES)}
