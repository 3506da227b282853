"""Accounts under attack: throttling instead of a lock-out, the second factor, password rules, sessions."""
import re
import statistics
import time
from datetime import datetime, timedelta, timezone

import pyotp
import pytest
from sqlalchemy import func, select

from tracker import create_app
from tracker.audit.models import AuditEntry
from tracker.auth import services, sessions
from tracker.auth.models import LoginSession, RecoveryCode, User
from tracker.core.ratelimit import RateLimitCounter, purge_expired
from tracker.extensions import db

from .conftest import PASSWORD, TOTP_SECRET

ATTACKER, OWNER = "203.0.113.66", "198.51.100.7"
NOT_RIGHT = "The email or password is not right."


def _post_login(client, email, password, address, next_page=None):
    url = "/login" + (f"?next={next_page}" if next_page else "")
    return client.post(url, data={"email": email, "password": password}, environ_base={"REMOTE_ADDR": address})


def _code(step_offset: int = 0) -> str:
    totp = pyotp.TOTP(TOTP_SECRET)
    return totp.at(datetime.now(timezone.utc) + timedelta(seconds=30 * step_offset))


def _logged_in(client) -> bool:
    return client.get("/plan/").status_code == 200


# ---------------------------------------------------------------------------------------------- throttling


def test_a_hundred_wrong_passwords_never_lock_the_owner_out(app, make_user):
    sg = make_user("secretary_general", email="sg@example.org")
    attacker = app.test_client()
    for _ in range(100):
        response = _post_login(attacker, "sg@example.org", "wrong password!", ATTACKER)
        assert response.status_code == 200 and NOT_RIGHT in response.get_data(as_text=True)
    # From the attacker's address even the right password is now refused, with the same answer.
    response = _post_login(attacker, "sg@example.org", PASSWORD, ATTACKER)
    assert response.status_code == 200 and NOT_RIGHT in response.get_data(as_text=True)
    assert not _logged_in(attacker)

    owner = app.test_client()
    response = _post_login(owner, "sg@example.org", PASSWORD, OWNER)
    assert response.status_code == 302 and "/login/code" in response.headers["Location"]
    response = owner.post("/login/code", data={"code": _code()}, environ_base={"REMOTE_ADDR": OWNER})
    assert response.status_code == 302 and _logged_in(owner)
    assert db.session.scalar(select(func.count()).select_from(LoginSession)
                             .where(LoginSession.user_id == sg.id, LoginSession.address == OWNER)) == 1


def test_an_address_guessing_many_accounts_is_slowed_for_all_of_them(app, make_user):
    make_user("staff", email="ana@example.org")
    attacker = app.test_client()
    for n in range(30):  # LOGIN_LIMIT_ADDRESS: 30 per hour, over as many accounts as the attacker likes
        _post_login(attacker, f"guess{n}@example.org", "wrong password!", ATTACKER)
    assert NOT_RIGHT in _post_login(attacker, "ana@example.org", PASSWORD, ATTACKER).get_data(as_text=True)
    assert _post_login(app.test_client(), "ana@example.org", PASSWORD, OWNER).status_code == 302


def test_unknown_wrong_and_throttled_get_the_same_answer(app, make_user):
    make_user("staff", email="ana@example.org")
    client = app.test_client()

    def answer(email, password, address):
        response = _post_login(client, email, password, address)
        body = response.get_data(as_text=True).replace(email, "EMAIL")
        return response.status_code, body

    unknown = answer("nobody@example.org", "wrong password!", ATTACKER)
    wrong = answer("ana@example.org", "wrong password!", "192.0.2.1")
    for _ in range(5):
        answer("ana@example.org", "wrong password!", "192.0.2.2")
    throttled = answer("ana@example.org", PASSWORD, "192.0.2.2")
    assert unknown == wrong == throttled
    assert unknown[0] == 200 and NOT_RIGHT in unknown[1]


def test_unknown_wrong_and_throttled_take_the_same_time(app, database_url, tmp_path):
    """With production's argon2 costs every refusal spends one password check: none is a fast path."""
    app = create_app("testing", SQLALCHEMY_DATABASE_URI=database_url, EVIDENCE_FOLDER=str(tmp_path / "e"),
                     ARGON2_COSTS={"time_cost": 3, "memory_cost": 64 * 1024, "parallelism": 4})
    with app.app_context():
        user = User(email="timed@example.org", name="Timed", role="staff")
        user.set_password(PASSWORD)
        db.session.add(user)
        db.session.commit()
        client = app.test_client()
        try:
            hash_seconds = _seconds(lambda: user.check_password("wrong password!"))
            for _ in range(5):
                _post_login(client, "timed@example.org", "wrong password!", "192.0.2.9")  # now throttled there
            timings = {
                "unknown": [_seconds(lambda: _post_login(client, "nobody@example.org", "x" * 12, "192.0.2.10"))
                            for _ in range(5)],
                "wrong": [_seconds(lambda n=n: _post_login(client, "timed@example.org", "x" * 12, f"192.0.2.2{n}"))
                          for n in range(5)],
                "throttled": [_seconds(lambda: _post_login(client, "timed@example.org", PASSWORD, "192.0.2.9"))
                              for _ in range(5)],
            }
        finally:
            db.session.execute(db.delete(RateLimitCounter))
            db.session.execute(db.delete(User).where(User.email == "timed@example.org"))
            db.session.commit()
            db.session.remove()
            db.engine.dispose()  # this app's own pool: no connection left for the garbage collector
    medians = {kind: statistics.median(values) for kind, values in timings.items()}
    # Each answer costs about one argon2 check; a skipped check would be some 20 times faster than the others.
    assert all(median >= 0.5 * hash_seconds for median in medians.values()), (hash_seconds, medians)
    assert max(medians.values()) <= 2.5 * min(medians.values()), medians


def _seconds(work) -> float:
    # CPU time of this process (argon2's threads included), not wall time: other jobs on a busy machine would stretch
    # some answers and not others, while the work each answer does is what the test compares.
    started = time.process_time()
    work()
    return time.process_time() - started


def test_client_addresses_come_only_from_trusted_proxies(database_url, tmp_path, make_user):
    make_user("staff", email="ana@example.org")
    for proxies, expected in ((0, "10.0.0.1"), (1, "203.0.113.5")):
        app = create_app("testing", SQLALCHEMY_DATABASE_URI=database_url, TRUSTED_PROXIES=proxies,
                         EVIDENCE_FOLDER=str(tmp_path / "e"))
        with app.app_context():
            client = app.test_client()
            response = client.post("/login", data={"email": "ana@example.org", "password": PASSWORD},
                                   headers={"X-Forwarded-For": "198.51.100.1, 203.0.113.5"},
                                   environ_base={"REMOTE_ADDR": "10.0.0.1"})
            assert response.status_code == 302
            assert db.session.scalar(select(LoginSession.address).order_by(LoginSession.id.desc())) == expected
            db.session.remove()
            db.engine.dispose()  # this app's own pool: no connection left for the garbage collector


def test_expired_counters_are_purged(app):
    db.session.add_all([RateLimitCounter(key="old", count=3, expires_at=time.time() - 1),
                        RateLimitCounter(key="live", count=1, expires_at=time.time() + 60)])
    db.session.commit()
    assert purge_expired() == 1
    db.session.commit()
    assert db.session.scalars(select(RateLimitCounter.key)).all() == ["live"]


# ---------------------------------------------------------------------------------------------- second factor


def test_the_second_factor_is_asked_after_the_password_and_a_code_works_once(app, make_user):
    make_user("staff", email="ana@example.org", second_factor=True)
    client = app.test_client()
    response = _post_login(client, "ana@example.org", PASSWORD, OWNER, next_page="/plan/")
    assert response.status_code == 302 and "/login/code" in response.headers["Location"]
    assert not _logged_in(client)  # the password alone opens nothing
    wrong = client.post(response.headers["Location"], data={"code": "000000"})
    assert "This code is not right" in wrong.get_data(as_text=True) and not _logged_in(client)
    code = _code()
    done = client.post(response.headers["Location"], data={"code": code})
    assert done.status_code == 302 and done.headers["Location"].endswith("/plan/") and _logged_in(client)

    replay = app.test_client()  # the same code, seen over a shoulder, a moment later
    _post_login(replay, "ana@example.org", PASSWORD, "192.0.2.44")
    assert "This code is not right" in replay.post("/login/code", data={"code": code}).get_data(as_text=True)
    assert not _logged_in(replay)


def test_the_code_step_expires_and_cannot_be_reached_without_the_password(app, make_user):
    make_user("staff", email="ana@example.org", second_factor=True)
    client = app.test_client()
    assert client.post("/login/code", data={"code": _code()}).status_code == 302  # back to the login page
    assert not _logged_in(client)
    _post_login(client, "ana@example.org", PASSWORD, OWNER)
    with client.session_transaction() as session:
        session["second_factor_pending"]["at"] -= 301
        session.modified = True
    response = client.post("/login/code", data={"code": _code()})
    assert response.status_code == 302 and "/login" in response.headers["Location"] and not _logged_in(client)


def test_setting_up_the_second_factor_with_recovery_codes(app, client_as):
    staff = client_as("staff")
    page = staff.get("/account/second-factor").get_data(as_text=True)
    assert "<svg" in page and "QR code" in page
    with staff.session_transaction() as session:
        secret = session["second_factor_new_secret"]
    assert " ".join(secret[i:i + 4] for i in range(0, 32, 4)) in page  # in groups of four, to type by hand
    refused = staff.post("/account/second-factor", data={"code": "123456"})
    assert "This code does not match" in refused.get_data(as_text=True)
    db.session.refresh(staff.user)
    assert staff.user.totp_enabled_at is None
    done = staff.post("/account/second-factor", data={"code": pyotp.TOTP(secret).now()}).get_data(as_text=True)
    db.session.refresh(staff.user)
    assert staff.user.totp_secret == secret and staff.user.totp_enabled_at is not None
    codes = re.findall(r"<li>([0-9a-f]{6}-[0-9a-f]{6})</li>", done)
    assert len(codes) == 10 and len(set(codes)) == 10
    assert all(row.code_hash.startswith("$argon2id$") for row in staff.user.recovery_codes)  # never in clear

    # A recovery code stands in for the phone, once.
    client = app.test_client()
    _post_login(client, staff.user.email, PASSWORD, OWNER)
    assert client.post("/login/code", data={"code": codes[0]}).status_code == 302 and _logged_in(client)
    again = app.test_client()
    _post_login(again, staff.user.email, PASSWORD, OWNER)
    assert "This code is not right" in again.post("/login/code", data={"code": codes[0]}).get_data(as_text=True)
    used = db.session.scalar(select(func.count()).select_from(RecoveryCode).where(
        RecoveryCode.user_id == staff.user.id, RecoveryCode.used_at.is_not(None)))
    assert used == 1
    assert db.session.scalar(select(AuditEntry).where(AuditEntry.action == "recovery_code_used")) is not None


@pytest.mark.parametrize("role", ["admin", "secretary_general"])
def test_roles_that_need_a_second_factor_set_it_up_before_anything_else(app, make_user, login, role):
    user = make_user(role, second_factor=False)
    client = login(app.test_client(), user)
    response = client.get("/plan/")
    assert response.status_code == 302 and response.headers["Location"].endswith("/account/second-factor")
    assert client.post("/reports/generate", data={"kind": "final"}).status_code == 403
    assert client.get("/account/second-factor").status_code == 200


def test_a_required_second_factor_cannot_be_turned_off(client_as):
    sg = client_as("secretary_general")
    response = sg.post("/account/second-factor/off", data={"code": _code()}, follow_redirects=True)
    assert "Your role requires a second factor" in response.get_data(as_text=True)
    db.session.refresh(sg.user)
    assert sg.user.totp_enabled_at is not None


# ---------------------------------------------------------------------------------------------- passwords


@pytest.mark.parametrize("weak", ["password12", "metropolis2022", "qwertyuiop1", "aaaaaaaaaaaa"])
def test_common_passwords_are_refused(client_as, weak):
    staff = client_as("staff")
    response = staff.post("/account", data={"current_password": PASSWORD, "new_password": weak, "confirm": weak})
    assert response.status_code == 200 and "Choose a longer password" in response.get_data(as_text=True)
    db.session.refresh(staff.user)
    assert staff.user.check_password(PASSWORD)


def test_a_password_set_by_someone_else_must_be_changed_at_the_next_login(app, make_user):
    user = make_user("staff", email="ana@example.org")
    services.set_password(None, user, "granite lantern orbit")  # the command line, say: not the owner
    db.session.commit()
    client = app.test_client()
    assert _post_login(client, "ana@example.org", "granite lantern orbit", OWNER).status_code == 302
    response = client.get("/plan/")
    assert response.status_code == 302 and response.headers["Location"].endswith("/account")
    assert "choose your own" in client.get("/account").get_data(as_text=True)
    client.post("/account", data={"current_password": "granite lantern orbit",
                                  "new_password": "velvet harbour compass", "confirm": "velvet harbour compass"})
    db.session.refresh(user)
    assert not user.must_change_password and _logged_in(client)


def test_an_admin_cannot_send_themself_a_password_link_on_the_admin_page(client_as):
    admin = client_as("admin")
    response = admin.post(f"/admin/users/{admin.user.id}/password-link", follow_redirects=True)
    assert "Change your own password on your account page" in response.get_data(as_text=True)
    db.session.refresh(admin.user)
    assert admin.user.check_password(PASSWORD)


def test_wrong_current_passwords_on_the_account_page_are_throttled_like_logins(client_as):
    staff = client_as("staff")
    for _ in range(5):
        staff.post("/account", data={"current_password": "wrong password!", "new_password": "velvet harbour compass",
                                     "confirm": "velvet harbour compass"})
    response = staff.post("/account", data={"current_password": PASSWORD, "new_password": "velvet harbour compass",
                                            "confirm": "velvet harbour compass"})
    assert "This is not your current password." in response.get_data(as_text=True)
    db.session.refresh(staff.user)
    assert staff.user.check_password(PASSWORD)


# ---------------------------------------------------------------------------------------------- sessions


def test_an_idle_session_ends(app, client_as):
    staff = client_as("staff")
    assert _logged_in(staff)
    row = db.session.scalar(select(LoginSession).where(LoginSession.user_id == staff.user.id))
    row.last_seen_at = datetime.now(timezone.utc) - timedelta(seconds=app.config["SESSION_IDLE_SECONDS"] + 1)
    db.session.commit()
    assert not _logged_in(staff)


def test_use_moves_the_idle_clock_on(app, client_as):
    staff = client_as("staff")
    row = db.session.scalar(select(LoginSession).where(LoginSession.user_id == staff.user.id))
    row.last_seen_at = datetime.now(timezone.utc) - timedelta(seconds=app.config["SESSION_IDLE_SECONDS"] - 5)
    db.session.commit()
    assert _logged_in(staff)
    db.session.refresh(row)
    assert sessions.is_live(row, datetime.now(timezone.utc) + timedelta(seconds=60))


def test_the_account_page_lists_my_sessions_and_ends_another(app, make_user):
    make_user("staff", email="ana@example.org")
    laptop, phone = app.test_client(), app.test_client()
    _post_login(laptop, "ana@example.org", PASSWORD, "192.0.2.1")
    phone.post("/login", data={"email": "ana@example.org", "password": PASSWORD},
               environ_base={"REMOTE_ADDR": "192.0.2.2"}, headers={"User-Agent": "PhoneBrowser/1.0"})
    page = laptop.get("/account").get_data(as_text=True)
    assert "PhoneBrowser/1.0" in page and "192.0.2.2" in page and "this one" in page
    other = db.session.scalar(select(LoginSession).where(LoginSession.address == "192.0.2.2"))
    assert laptop.post(f"/account/sessions/{other.id}/end").status_code == 302
    assert not _logged_in(phone) and _logged_in(laptop)


def test_nobody_ends_someone_elses_session(app, make_user, client_as):
    victim = make_user("staff", email="ana@example.org")
    _post_login(app.test_client(), "ana@example.org", PASSWORD, "192.0.2.1")
    theirs = db.session.scalar(select(LoginSession).where(LoginSession.user_id == victim.id))
    other = client_as("staff")
    response = other.post(f"/account/sessions/{theirs.id}/end", follow_redirects=True)
    assert "This session has already ended." in response.get_data(as_text=True)
    db.session.refresh(theirs)
    assert theirs.revoked_at is None


def test_old_sessions_are_purged(app, make_user):
    user = make_user("staff")
    long_ago = datetime.now(timezone.utc) - timedelta(days=40)
    db.session.add_all([LoginSession(user_id=user.id, created_at=long_ago, last_seen_at=long_ago),
                        LoginSession(user_id=user.id, created_at=long_ago, last_seen_at=long_ago, revoked_at=long_ago),
                        LoginSession(user_id=user.id)])
    db.session.commit()
    assert sessions.purge() == 2
    db.session.commit()
    assert db.session.scalar(select(func.count()).select_from(LoginSession)) == 1


def test_logout_clears_the_browser_and_production_cookies_are_host_only(app, client_as):
    staff = client_as("staff")
    response = staff.post("/logout")
    assert response.headers["Clear-Site-Data"] == '"cache", "cookies", "storage"'
    assert "You are logged out." in staff.get(response.headers["Location"]).get_data(as_text=True)
    production = create_app("production", SECRET_KEY="x" * 40, SQLALCHEMY_DATABASE_URI=app.config[
        "SQLALCHEMY_DATABASE_URI"])
    assert production.config["SESSION_COOKIE_NAME"] == "__Host-session"
    assert production.config["SESSION_COOKIE_SECURE"] is True
    with production.test_client() as client:
        login_page = client.get("/login", base_url="https://tracker.example.org")
        assert login_page.headers["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains"
    with production.app_context():
        db.engine.dispose()
    assert services.password_problem("velvet harbour compass") is None


def test_an_admin_resets_a_lost_second_factor_but_not_their_own(client_as, make_user, runner):
    admin = client_as("admin")
    user = make_user("secretary_general", email="sg@example.org")
    assert admin.post(f"/admin/users/{user.id}/second-factor").status_code == 302
    db.session.refresh(user)
    assert user.totp_secret is None and user.totp_enabled_at is None
    assert db.session.scalar(select(AuditEntry).where(AuditEntry.action == "second_factor_reset")) is not None
    response = admin.post(f"/admin/users/{admin.user.id}/second-factor", follow_redirects=True)
    assert "Another administrator" in response.get_data(as_text=True)
    db.session.refresh(admin.user)
    assert admin.user.totp_enabled_at is not None
    result = runner.invoke(args=["users", "reset-second-factor", admin.user.email])
    assert result.exit_code == 0, result.output
    db.session.refresh(admin.user)
    assert admin.user.totp_enabled_at is None


def test_the_purge_command_deletes_old_sessions_and_counters(app, make_user, runner):
    user = make_user("staff")
    long_ago = datetime.now(timezone.utc) - timedelta(days=40)
    db.session.add_all([LoginSession(user_id=user.id, created_at=long_ago, last_seen_at=long_ago, revoked_at=long_ago),
                        RateLimitCounter(key="old", count=1, expires_at=time.time() - 5)])
    db.session.commit()
    result = runner.invoke(args=["users", "purge"])
    assert result.exit_code == 0 and "Deleted 1 ended session(s) and 1 expired login counter(s)." in result.output


def test_an_account_needs_a_visible_name(app):
    with pytest.raises(services.Invalid, match="Enter the person's name"):
        services.create_user(None, "ghost@example.org", "\u200b\u2060\ufeff", "staff", "velvet harbour compass")
