"""The security event log: JSON lines in the instance's security.log for 403s, CSRF failures, account changes and
the login hooks; never a password, token, session id or form body."""
import json
import os
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.exc import OperationalError

from tracker import create_app
from tracker.auth.models import User
from tracker.core import security_log
from tracker.extensions import db

from .conftest import IsolatedClient
from .smtp import link_in

AGENT = "Mozilla/5.0 (X11; Linux x86_64) pytest-agent/1.0"


@pytest.fixture
def logged_app(_app, tmp_path, monkeypatch):
    """Factory: an app on the test database with its own instance folder and the default SECURITY_LOG there."""
    made = []

    def factory(**overrides):
        monkeypatch.setenv("TRACKER_INSTANCE_PATH", str(tmp_path / f"instance{len(made)}"))
        settings = {"SQLALCHEMY_DATABASE_URI": _app.config["SQLALCHEMY_DATABASE_URI"], "SECURITY_LOG": "",
                    "EVIDENCE_FOLDER": _app.config["EVIDENCE_FOLDER"], **overrides}
        instance = create_app("testing", **settings)
        instance.test_client_class = IsolatedClient
        made.append(instance)
        return instance

    yield factory
    for instance in made:
        with instance.app_context():  # each app has its own connection pool: close it
            db.session.remove()
            db.engine.dispose()


def _text(instance) -> str:
    """An app's security log as written."""
    return Path(instance.config["SECURITY_LOG"]).read_text(encoding="utf-8")


def _events(instance) -> list[dict]:
    """Every line of an app's security log, parsed (each line must be one JSON object)."""
    return [json.loads(line) for line in _text(instance).splitlines()]


def _client(instance, login, user):
    """A client of `instance` logged in as `user`, sending a browser's user agent."""
    client = login(instance.test_client(), user)
    client.environ_base["HTTP_USER_AGENT"] = AGENT
    return client


def _assert_recent(line: dict) -> None:
    """The line's time is ISO-8601 in UTC and just now."""
    assert line["time"].endswith("Z")
    moment = datetime.fromisoformat(line["time"].replace("Z", "+00:00"))
    assert moment.utcoffset() == timedelta(0)
    assert abs(datetime.now(timezone.utc) - moment) < timedelta(minutes=1)


def test_the_log_is_the_instance_s_security_log_owner_only(app, logged_app):
    instance = logged_app()
    path = instance.config["SECURITY_LOG"]
    assert path == os.path.join(instance.instance_path, "security.log")
    assert os.stat(path).st_mode & 0o777 == 0o600  # created at start, owner-only, before any event
    assert _events(instance) == []


def test_a_403_is_logged_with_who_from_where_and_what(app, logged_app, login, make_user):
    instance = logged_app()
    staff = make_user("staff", email="ana@example.org")
    client = _client(instance, login, staff)
    response = client.get("/admin/users?token=s3cr3t-in-query", environ_base={"REMOTE_ADDR": "203.0.113.9",
                                                                                "HTTP_USER_AGENT": AGENT})
    assert response.status_code == 403

    (line,) = _events(instance)
    _assert_recent(line)
    assert {key: line[key] for key in ("event", "outcome", "user_id", "email", "ip", "user_agent", "path", "method",
                                       "status", "endpoint")} == {
        "event": "access_denied", "outcome": "denied", "user_id": staff.id, "email": "ana@example.org",
        "ip": "203.0.113.9", "user_agent": AGENT, "path": "/admin/users", "method": "GET", "status": 403,
        "endpoint": "admin.users"}
    assert line["reason"] == "Only an administrator can do this."  # the reason the page gave
    assert "s3cr3t" not in _text(instance)  # the query string stays out


def test_an_allowed_page_writes_nothing(app, logged_app, login, make_user):
    instance = logged_app()
    assert _client(instance, login, make_user("admin")).get("/admin/users").status_code == 200
    assert _events(instance) == []


def test_a_csrf_failure_is_logged_without_the_form_or_the_session(app, logged_app, login, make_user):
    instance = logged_app(WTF_CSRF_ENABLED=True)
    staff = make_user("staff", email="ana@example.org")
    client = _client(instance, login, staff)
    response = client.post("/evidence/outcome/L1.A1.O1",
                           data={"kind": "note", "title": "body-title-text", "note": "body-note-text"})
    assert response.status_code == 400

    (line,) = _events(instance)
    _assert_recent(line)
    assert (line["event"], line["outcome"], line["reason"]) == ("csrf_failed", "denied", "The CSRF token is missing.")
    assert (line["user_id"], line["email"], line["path"], line["method"], line["ip"], line["user_agent"]) == (
        staff.id, "ana@example.org", "/evidence/outcome/L1.A1.O1", "POST", "127.0.0.1", AGENT)
    text = _text(instance)
    cookie = client.get_cookie(instance.config["SESSION_COOKIE_NAME"]).value
    assert "body-title-text" not in text and "body-note-text" not in text and cookie not in text


def test_role_and_access_changes_by_an_admin_are_logged_once_committed(app, logged_app, login, make_user):
    instance = logged_app()
    admin = make_user("admin", email="root@example.org")
    staff = make_user("staff", email="ana@example.org")
    client = _client(instance, login, admin)
    response = client.post(f"/admin/users/{staff.id}", data={"name": "Ana", "role": "secretary_general"})
    assert response.status_code == 302

    role, access = _events(instance)
    assert (role["event"], role["outcome"], role["user_id"], role["email"]) == (
        "role_changed", "success", admin.id, "root@example.org")
    assert (role["target_user_id"], role["target_email"], role["role_before"], role["role_after"]) == (
        staff.id, "ana@example.org", "staff", "secretary_general")
    assert (role["path"], role["method"], role["user_agent"]) == (f"/admin/users/{staff.id}", "POST", AGENT)
    assert (access["event"], access["target_user_id"]) == ("account_deactivated", staff.id)  # the unchecked box

    # Saving again with nothing changed, or a refused role, writes no line.
    client.post(f"/admin/users/{staff.id}", data={"name": "Ana", "role": "secretary_general"})
    client.post(f"/admin/users/{staff.id}", data={"name": "Ana", "role": "emperor"})
    assert len(_events(instance)) == 2


def test_invitations_and_their_acceptance_are_logged_never_the_token(app, logged_app, login, make_user, mailbox):
    instance = logged_app(MAIL_SERVER=app.config["MAIL_SERVER"], MAIL_PORT=app.config["MAIL_PORT"],
                          MAIL_USE_TLS=False)
    admin = make_user("admin")
    client = _client(instance, login, admin)
    client.post("/admin/users/new", data={"email": "new@example.org", "name": "New", "role": "board"})
    user = db.session.scalar(select(User).where(User.email == "new@example.org"))
    path = link_in(mailbox.wait_for("new@example.org")[0], "http://tracker.test").split("tracker.test", 1)[1]
    anonymous = instance.test_client()
    refused = anonymous.post(path, data={"new_password": "1234567890123", "confirm": "1234567890123"})
    assert refused.status_code == 200  # too easy to guess: rolled back, so no line
    anonymous.post(path, data={"new_password": "second long password", "confirm": "second long password"})

    invited, created, accepted = _events(instance)
    assert (created["event"], created["user_id"], created["target_user_id"], created["role_after"]) == (
        "account_created", admin.id, user.id, "board")
    assert (invited["event"], invited["user_id"], invited["target_email"], invited["purpose"]) == (
        "invitation_created", admin.id, "new@example.org", "invite")
    assert (accepted["event"], accepted["user_id"], accepted["path"]) == ("invitation_accepted", user.id, "/invitation")
    text = _text(instance)
    token = path.split("token=", 1)[1]
    assert token not in text and "long password" not in text and "1234567890123" not in text and "$argon2" not in text


def test_the_login_hooks_write_their_fields_and_redact_secrets(app, logged_app, make_user):
    instance = logged_app()
    user = make_user("secretary_general", email="sg@example.org")
    db.session.refresh(user)  # loaded here: inside the other app's context it would load through that app's pool
    with instance.test_request_context("/login", method="POST", environ_base={"REMOTE_ADDR": "198.51.100.7",
                                                                              "HTTP_USER_AGENT": AGENT}):
        security_log.login_failed("nobody@example.org", reason="unknown_account", password="hunter2-typed")
        security_log.login_failed("sg@example.org", reason="wrong_password", user=user)
        security_log.throttled("login:address", email="sg@example.org", retry_after=30)
        security_log.second_factor(user, "verify", ok=False, code="123456")
        security_log.second_factor(user, "verify", factor="recovery")
        security_log.login_succeeded(user, session_id="abc-session-id")
    unknown, wrong, throttled, bad_code, recovery, success = _events(instance)

    assert (unknown["event"], unknown["outcome"], unknown["user_id"], unknown["email"], unknown["reason"]) == (
        "login_failed", "failure", None, "nobody@example.org", "unknown_account")
    assert unknown["password"] == "[redacted]"
    assert (wrong["user_id"], wrong["email"], wrong["reason"]) == (user.id, "sg@example.org", "wrong_password")
    assert (throttled["event"], throttled["outcome"], throttled["scope"], throttled["retry_after"]) == (
        "throttled", "denied", "login:address", 30)
    assert (bad_code["event"], bad_code["outcome"], bad_code["action"], bad_code["factor"], bad_code["code"]) == (
        "second_factor", "failure", "verify", "totp", "[redacted]")
    assert (recovery["outcome"], recovery["factor"]) == ("success", "recovery")
    assert (success["event"], success["outcome"], success["user_id"], success["session_id"]) == (
        "login_succeeded", "success", user.id, "[redacted]")
    for line in (unknown, wrong, throttled, bad_code, recovery, success):
        assert (line["ip"], line["user_agent"], line["path"], line["method"]) == (
            "198.51.100.7", AGENT, "/login", "POST")
    text = _text(instance)
    assert "hunter2" not in text and "123456" not in text and "abc-session-id" not in text


def test_an_event_s_field_cannot_replace_a_line_field(app, logged_app):
    with logged_app().test_request_context("/"):
        with pytest.raises(TypeError, match="'ip'"):
            security_log.event("spoof", ip="10.0.0.1")


def test_a_hostile_user_agent_stays_on_one_line_and_is_cut(app, logged_app):
    instance = logged_app()
    agent = "evil\r\n{\"event\": \"forged\"}\x1b[2J" + "x" * 5000
    with instance.test_request_context("/login", environ_base={"HTTP_USER_AGENT": agent}):
        security_log.login_failed("a@example.org", reason="wrong_password")
    (line,) = _events(instance)
    assert line["event"] == "login_failed" and line["user_agent"] == agent[:security_log.MAX_TEXT]


def test_a_change_logged_on_commit_is_written_only_if_it_commits(app, logged_app, make_user):
    instance = logged_app()
    target_id = make_user("staff").id
    with instance.app_context():
        user = db.session.get(User, target_id)
        security_log.password_changed(user)
        db.session.rollback()  # the change did not happen: nor does its line
        security_log.password_changed(user)
        savepoint = db.session.begin_nested()
        security_log.role_changed(None, user, "staff", "board")
        savepoint.commit()
        assert _events(instance) == []  # a savepoint released is not the commit
        db.session.commit()
    changed, role = _events(instance)
    assert (changed["event"], changed["user_id"], changed["target_user_id"]) == ("password_changed", target_id,
                                                                                 target_id)
    assert (role["event"], role["role_before"], role["role_after"], role["ip"]) == ("role_changed", "staff", "board",
                                                                                    None)


def test_a_dash_writes_to_standard_error(app, logged_app, capsys):
    instance = logged_app(SECURITY_LOG="-")
    with instance.test_request_context("/login"):
        security_log.throttled("login:account", email="a@example.org")
    line = json.loads(capsys.readouterr().err.strip())
    assert (line["event"], line["scope"], line["email"]) == ("throttled", "login:account", "a@example.org")


def test_a_user_that_cannot_be_loaded_still_gives_a_line(app, logged_app):
    class Unloadable:
        """A user whose expired row cannot be read back: the database is down."""

        @property
        def id(self):
            raise OperationalError("SELECT", {}, Exception("connection refused"))

    instance = logged_app()
    with instance.test_request_context("/admin/users"):
        security_log.event("access_denied", outcome=security_log.DENIED, user=Unloadable())
    (line,) = _events(instance)
    assert (line["event"], line["user_id"], line["email"], line["path"]) == ("access_denied", None, None,
                                                                             "/admin/users")


def test_logins_throttling_and_second_factor_steps_are_logged(app, logged_app, make_user):
    import pyotp

    from .conftest import PASSWORD, TOTP_SECRET

    make_user("secretary_general", email="sg@example.org")
    instance = logged_app()
    client = instance.test_client()
    attacker = {"REMOTE_ADDR": "203.0.113.66"}
    for _ in range(6):  # five wrong passwords, then a throttled attempt
        client.post("/login", data={"email": "sg@example.org", "password": "wrong password!"}, environ_base=attacker)
    client.post("/login", data={"email": "nobody@example.org", "password": "wrong password!"})
    client.post("/login", data={"email": "sg@example.org", "password": PASSWORD})
    client.post("/login/code", data={"code": "000000"})
    client.post("/login/code", data={"code": pyotp.TOTP(TOTP_SECRET).now()})
    lines = _events(instance)
    kinds = [(line["event"], line.get("reason") or line.get("scope") or line.get("action"), line["outcome"])
             for line in lines]
    assert kinds == [("login_failed", "wrong_password", "failure")] * 5 + [
        ("throttled", "login", "denied"), ("login_failed", "unknown_account", "failure"),
        ("second_factor", "verify", "failure"), ("second_factor", "verify", "success"),
        ("login_succeeded", None, "success")]
    assert {line["ip"] for line in lines[:6]} == {"203.0.113.66"}
    assert all(PASSWORD not in json.dumps(line) and "wrong password!" not in json.dumps(line) for line in lines)
