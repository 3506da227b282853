"""Invitations: an admin invites by email, the person sets their own password from a single-use link that expires;
nobody types another person's password. Mail goes through a real SMTP server on the loopback address."""
import hashlib
import re
from datetime import timedelta
from urllib.parse import urlsplit

from sqlalchemy import select

from tracker.audit.models import AuditEntry
from tracker.auth.invitations import Invitation
from tracker.auth.models import LoginSession, User
from tracker.core.models import utcnow
from tracker.extensions import db

from .conftest import PASSWORD
from .smtp import link_in, text_of

BASE = "http://tracker.test"
CHOSEN = "granite lantern orbit"


def _invite(admin, email="new@example.org", role="staff", name="New Person"):
    return admin.post("/admin/users/new", data={"email": email, "name": name, "role": role})


def _path(link: str) -> str:
    parts = urlsplit(link)
    return f"{parts.path}?{parts.query}"


def _login(client, email, password):
    return client.post("/login", data={"email": email, "password": password})


def test_an_invited_person_sets_their_own_password_and_logs_in(app, mailbox, client_as):
    admin = client_as("admin", name="Ada Admin")
    assert _invite(admin).status_code == 302
    user = db.session.scalar(select(User).where(User.email == "new@example.org"))
    assert (user.role, user.active, user.password_hash) == ("staff", True, "")  # no password until they choose one
    assert "invited" in admin.get("/admin/users").get_data(as_text=True)

    [message] = mailbox.wait_for("new@example.org")
    assert message["Subject"] == "You are invited to the Metropolis SAP tracker"
    body = text_of(message)
    assert "Ada Admin invited you" in body and "works once, for 48 hours" in body
    assert "You get this email because an administrator of the tracker made an account for you" in body
    link = link_in(message, BASE)
    token = re.search(r"token=([\w-]+)", link).group(1)
    invitation = db.session.scalar(select(Invitation).where(Invitation.user_id == user.id))
    assert invitation.token_hash == hashlib.sha256(token.encode()).hexdigest()  # only the hash is stored
    assert token not in str([getattr(invitation, c.key) for c in Invitation.__table__.columns])

    client = app.test_client()
    page = client.get(_path(link))
    assert page.status_code == 200 and "Welcome, New Person" in page.get_data(as_text=True)
    weak = client.post(_path(link), data={"new_password": "new person 1", "confirm": "new person 1"})
    assert weak.status_code == 200 and "Choose a longer password" in weak.get_data(as_text=True)
    done = client.post(_path(link), data={"new_password": CHOSEN, "confirm": CHOSEN})
    assert done.status_code == 302 and done.headers["Location"].endswith("/login")
    assert _login(client, "new@example.org", CHOSEN).status_code == 302
    assert client.get("/my-work").status_code == 200  # no forced change: they chose it themselves

    again = app.test_client().get(_path(link))
    assert again.status_code == 410 and "already used" in again.get_data(as_text=True)
    assert app.test_client().post(_path(link), data={"new_password": "another lantern orbit",
                                                     "confirm": "another lantern orbit"}).status_code == 410
    db.session.refresh(user)
    assert user.check_password(CHOSEN)
    actions = {e.action for e in db.session.scalars(select(AuditEntry).where(
        AuditEntry.entity_type.in_(("user", "invitation"))))}
    assert {"create", "invite", "accept"} <= actions


def test_expired_unknown_and_superseded_links_get_a_clear_page(app, mailbox, client_as):
    admin = client_as("admin")
    _invite(admin)
    first = link_in(mailbox.wait_for("new@example.org")[0], BASE)
    user = db.session.scalar(select(User).where(User.email == "new@example.org"))
    client = app.test_client()
    assert "not valid" in client.get("/invitation?token=nope").get_data(as_text=True)
    assert client.get("/invitation").status_code == 410

    admin.post(f"/admin/users/{user.id}/password-link")  # a new invitation ends the first one
    second = link_in(mailbox.wait_for("new@example.org", 2)[1], BASE)
    assert second != first
    response = client.get(_path(first))
    assert response.status_code == 410 and "expired (or a newer one was sent)" in response.get_data(as_text=True)
    assert client.get(_path(second)).status_code == 200

    invitation = db.session.scalars(select(Invitation).where(Invitation.user_id == user.id)
                                    .order_by(Invitation.id.desc())).first()
    invitation.expires_at = utcnow() - timedelta(seconds=1)
    db.session.commit()
    response = client.get(_path(second))
    assert response.status_code == 410 and "expired" in response.get_data(as_text=True)
    assert client.post(_path(second), data={"new_password": CHOSEN, "confirm": CHOSEN}).status_code == 410
    db.session.refresh(user)
    assert user.password_hash == ""


def test_a_role_with_a_second_factor_sets_it_up_after_the_first_login(app, mailbox, client_as):
    _invite(client_as("admin"), email="sg@example.org", role="secretary_general")
    link = link_in(mailbox.wait_for("sg@example.org")[0], BASE)
    client = app.test_client()
    client.post(_path(link), data={"new_password": CHOSEN, "confirm": CHOSEN})
    _login(client, "sg@example.org", CHOSEN)
    response = client.get("/overview/")
    assert response.status_code == 302 and response.headers["Location"].endswith("/account/second-factor")


def test_a_password_link_replaces_the_admin_reset_and_ends_sessions(app, mailbox, client_as, make_user):
    admin = client_as("admin")
    user = make_user("staff", email="ana@example.org")
    other = LoginSession(user_id=user.id)
    db.session.add(other)
    db.session.commit()
    html = admin.get(f"/admin/users/{user.id}").get_data(as_text=True)
    assert 'type="password"' not in html and "Email a password link" in html
    assert admin.post(f"/admin/users/{user.id}/password-link").status_code == 302
    [message] = mailbox.wait_for("ana@example.org")
    assert message["Subject"] == "Set a new password for the Metropolis SAP tracker"
    client = app.test_client()
    db.session.refresh(user)
    assert user.check_password(PASSWORD)  # nothing changes until the link is used
    client.post(_path(link_in(message, BASE)), data={"new_password": CHOSEN, "confirm": CHOSEN})
    db.session.refresh(user)
    db.session.refresh(other)
    assert user.check_password(CHOSEN) and not user.must_change_password and other.revoked_at is not None


def test_an_admin_sends_no_link_to_themself_and_types_no_password(app, mailbox, client_as):
    admin = client_as("admin")
    admin.post(f"/admin/users/{admin.user.id}/password-link")
    assert db.session.scalar(select(Invitation)) is None
    assert 'type="password"' not in admin.get("/admin/users/new").get_data(as_text=True)
    response = _invite(admin, email=admin.user.email)
    assert "There is already an account with this email." in response.get_data(as_text=True)
    response = _invite(admin, role="emperor")
    assert response.status_code == 200 and "Not a valid choice" in response.get_data(as_text=True)
    assert db.session.scalar(select(User).where(User.email == "new@example.org")) is None
    assert mailbox.messages == []


def test_the_invitation_form_needs_its_csrf_token(app, csrf_app, mailbox, client_as):
    _invite(client_as("admin"))
    link = link_in(mailbox.wait_for("new@example.org")[0], BASE)
    client = csrf_app.test_client()
    assert client.post(_path(link), data={"new_password": CHOSEN, "confirm": CHOSEN}).status_code == 400
    html = client.get(_path(link)).get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html).group(1)
    response = client.post(_path(link), data={"csrf_token": token, "new_password": CHOSEN, "confirm": CHOSEN})
    assert response.status_code == 302



def test_an_invited_account_cannot_log_in_before_choosing_a_password(app, client_as):
    _invite(client_as("admin"))
    for password in ("", " ", PASSWORD):
        response = _login(app.test_client(), "new@example.org", password)
        assert response.status_code == 200 and "/login" in response.request.path


def test_the_command_line_invites_and_the_link_works(app, mailbox, runner):
    result = runner.invoke(args=["users", "invite", "Cli.Person@Example.org", "--name", "Cli Person",
                                 "--role", "board"])
    assert result.exit_code == 0, result.output
    assert "Invited cli.person@example.org as board" in result.output and "48 hours" in result.output
    user = db.session.scalar(select(User).where(User.email == "cli.person@example.org"))
    assert (user.role, user.password_hash) == ("board", "")
    [message] = mailbox.wait_for("cli.person@example.org")
    link = link_in(message, BASE)
    client = app.test_client()
    assert client.post(_path(link), data={"new_password": CHOSEN, "confirm": CHOSEN}).status_code == 302
    assert _login(client, "cli.person@example.org", CHOSEN).status_code == 302
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "invite"))
    assert entry.user_id is None  # the command line

    again = runner.invoke(args=["users", "invite", "cli.person@example.org", "--name", "Cli Person",
                                "--role", "board"])
    assert again.exit_code != 0 and "already" in again.output
