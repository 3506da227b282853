"""Login, logout, password changes and the admin's user management (throttling and the second factor: test_accounts)."""
import re

from argon2 import PasswordHasher
from sqlalchemy import select
from werkzeug.security import generate_password_hash

from tracker.audit.models import AuditEntry
from tracker.auth import services
from tracker.auth.models import LoginSession, User, password_hasher
from tracker.extensions import db

from .conftest import PASSWORD


def _login(client, email, password):
    return client.post("/login", data={"email": email, "password": password})


def test_login_and_logout(client, make_user):
    user = make_user("staff", email="ana@example.org")
    response = _login(client, "ANA@example.org ", PASSWORD)
    assert response.status_code == 302
    assert client.get("/plan/").status_code == 200
    assert client.post("/logout").status_code == 302
    assert client.get("/plan/").status_code == 302
    assert db.session.scalar(select(LoginSession).where(LoginSession.user_id == user.id)).revoked_at is not None


def test_wrong_password_shows_message_next_to_field(client, make_user):
    make_user("staff", email="ana@example.org")
    response = _login(client, "ana@example.org", "wrong password!")
    html = response.get_data(as_text=True)
    assert "The email or password is not right." in html
    assert "invalid-feedback" in html
    assert client.get("/plan/").status_code == 302


def test_unknown_email_gives_the_same_message(client):
    html = _login(client, "nobody@example.org", "whatever-password").get_data(as_text=True)
    assert "The email or password is not right." in html


def test_copied_cookie_dies_with_logout(app, make_user):
    make_user("staff", email="ana@example.org")
    client = app.test_client()
    _login(client, "ana@example.org", PASSWORD)
    stolen = client.get_cookie("session").value
    client.post("/logout")
    thief = app.test_client()
    thief.set_cookie("session", stolen)
    response = thief.get("/plan/")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_deactivated_user_cannot_log_in_and_is_logged_out(app, make_user, login):
    user = make_user("staff", email="ana@example.org")
    client = login(app.test_client(), user)
    assert client.get("/plan/").status_code == 200
    user.active = False
    db.session.commit()
    assert client.get("/plan/").status_code == 302
    assert "not right" in _login(app.test_client(), "ana@example.org", PASSWORD).get_data(as_text=True)


def test_change_own_password(app, make_user):
    make_user("board", email="b@example.org")
    client = app.test_client()
    _login(client, "b@example.org", PASSWORD)
    other = app.test_client()
    _login(other, "b@example.org", PASSWORD)
    response = client.post("/account", data={"current_password": "nope", "new_password": "a new long passphrase",
                                             "confirm": "a new long passphrase"})
    assert "This is not your current password." in response.get_data(as_text=True)
    response = client.post("/account", data={"current_password": PASSWORD, "new_password": "short",
                                             "confirm": "short"})
    assert "at least 10 characters" in response.get_data(as_text=True)
    response = client.post("/account", data={"current_password": PASSWORD, "new_password": "a new long passphrase",
                                             "confirm": "a new long passphrase"})
    assert response.status_code == 302
    assert client.get("/plan/").status_code == 200  # this session stays
    assert other.get("/plan/").status_code == 302  # the other one is ended
    user = db.session.scalar(select(User).where(User.email == "b@example.org"))
    assert user.check_password("a new long passphrase")
    assert user.password_hash.startswith("$argon2id$")


def test_new_password_is_stored_as_argon2id(app):
    user = services.create_user(None, "new@example.org", "New", "staff", "a long enough password")
    assert user.password_hash.startswith("$argon2id$v=19$")
    assert user.check_password("a long enough password")
    assert not user.check_password("a long enough passworD")
    assert not user.password_needs_rehash()


def _with_hash(make_user, email, password_hash):
    user = make_user("staff", email=email)
    user.password_hash = password_hash
    db.session.commit()
    return user


def test_scrypt_hash_is_upgraded_to_argon2id_at_login(app, make_user):
    scrypt = generate_password_hash(PASSWORD, method="scrypt")
    user = _with_hash(make_user, "old@example.org", scrypt)
    client = app.test_client()
    assert _login(client, "old@example.org", PASSWORD).status_code == 302
    db.session.refresh(user)  # the request's own commit stored the new hash
    assert user.password_hash.startswith("$argon2id$") and user.check_password(PASSWORD)
    upgraded = user.password_hash
    client.post("/logout")
    assert _login(client, "old@example.org", PASSWORD).status_code == 302
    assert client.get("/plan/").status_code == 200
    db.session.refresh(user)
    assert user.password_hash == upgraded  # current argon2id: not hashed again


def test_wrong_password_against_scrypt_hash_fails_and_keeps_the_hash(app, make_user):
    scrypt = generate_password_hash(PASSWORD, method="scrypt")
    user = _with_hash(make_user, "old@example.org", scrypt)
    client = app.test_client()
    assert "not right" in _login(client, "old@example.org", "wrong password!").get_data(as_text=True)
    assert client.get("/plan/").status_code == 302
    db.session.refresh(user)
    assert user.password_hash == scrypt


def test_argon2id_hash_with_other_costs_is_rehashed_at_login(app, make_user):
    older = PasswordHasher(time_cost=2, memory_cost=16, parallelism=1).hash(PASSWORD)
    user = _with_hash(make_user, "old@example.org", older)
    assert user.check_password(PASSWORD) and user.password_needs_rehash()
    assert _login(app.test_client(), "old@example.org", PASSWORD).status_code == 302
    db.session.refresh(user)
    assert user.password_hash != older and not password_hasher().check_needs_rehash(user.password_hash)


def test_admin_invites_edits_deactivates_and_sends_a_password_link(client_as):
    admin = client_as("admin")
    response = admin.post("/admin/users/new", data={"email": "new@example.org", "name": "New Person", "role": "staff"})
    assert response.status_code == 302
    user = db.session.scalar(select(User).where(User.email == "new@example.org"))
    assert user.role == "staff" and user.active and user.password_hash == ""  # they choose it from the email

    response = admin.post("/admin/users/new", data={"email": "new@example.org", "name": "Again", "role": "staff"})
    assert "There is already an account with this email." in response.get_data(as_text=True)

    response = admin.post(f"/admin/users/{user.id}", data={"name": "New Person", "role": "secretary_general"})
    assert response.status_code == 302
    db.session.refresh(user)
    assert user.role == "secretary_general" and not user.active  # unchecked box: deactivated

    response = admin.post(f"/admin/users/{user.id}/password-link")  # deactivated: refused
    assert response.status_code == 302
    assert admin.post(f"/admin/users/{user.id}", data={"name": "New Person", "role": "staff", "active": "y"}
                      ).status_code == 302
    assert admin.post(f"/admin/users/{user.id}/password-link").status_code == 302
    actions = [e.action for e in db.session.scalars(select(AuditEntry).where(AuditEntry.entity_id == user.id,
                                                                                 AuditEntry.entity_type == "user"))]
    assert sorted(actions) == ["create", "update", "update"]
    links = [e.action for e in db.session.scalars(select(AuditEntry).where(AuditEntry.entity_type == "invitation"))]
    assert links == ["invite", "invite"]  # no password yet: the link is an invitation again


def test_admin_cannot_demote_self(client_as):
    admin = client_as("admin")
    response = admin.post(f"/admin/users/{admin.user.id}", data={"name": "Me", "role": "staff", "active": "y"})
    assert "cannot change your own role" in response.get_data(as_text=True)
    db.session.refresh(admin.user)
    assert admin.user.role == "admin"


def test_bad_role_is_refused(client_as, make_user):
    admin = client_as("admin")
    user = make_user("staff")
    response = admin.post(f"/admin/users/{user.id}", data={"name": "X", "role": "emperor", "active": "y"})
    assert response.status_code == 200
    assert re.search(r"Not a valid choice", response.get_data(as_text=True))
    db.session.refresh(user)
    assert user.role == "staff"


def test_open_redirect_is_refused(client, make_user):
    make_user("staff", email="ana@example.org")
    response = client.post("/login?next=https://evil.example/", data={"email": "ana@example.org",
                                                                     "password": PASSWORD})
    assert response.headers["Location"] == "/"  # the role's home, not evil.example


def test_invitation_form_reads_in_order_and_asks_no_password(client_as):
    html = client_as("admin").get("/admin/users/new").get_data(as_text=True)
    positions = [html.index(f'id="{name}"') for name in ("email", "name", "role")]
    assert positions == sorted(positions)
    assert 'type="password"' not in html and '<option selected value="staff">' in html


def test_login_fields_have_autocomplete(client):
    html = client.get("/login").get_data(as_text=True)
    assert 'autocomplete="username"' in html and 'autocomplete="current-password"' in html
