"""Personal access tokens on the account page: created and shown once, stored hashed, listed, revoked, audited."""
import re

from sqlalchemy import select

from tracker.audit.models import AuditEntry
from tracker.auth import tokens
from tracker.auth.models import ApiToken
from tracker.extensions import db


def _create(client, **fields):
    """Post the token form of the account page."""
    data = {"name": "Monthly export", "scope": "read", "days": "90", **fields}
    return client.post("/account/tokens", data=data)


def test_a_token_is_shown_once_and_stored_hashed(client_as):
    client = client_as("staff")
    with _create(client) as response:
        page = response.get_data(as_text=True)
    assert response.status_code == 200
    plain = re.search(r'id="new-token" readonly value="(mtk_[^"]+)"', page).group(1)
    row = db.session.scalar(select(ApiToken).where(ApiToken.user_id == client.user.id))
    assert row.token_hash == tokens.hash_token(plain) and plain not in (row.token_hash, row.prefix)
    assert plain.startswith(row.prefix) and len(row.prefix) == tokens.VISIBLE_CHARS
    assert row.scope == "read" and (row.expires_at - row.created_at).days == 90
    account = client.get("/account").get_data(as_text=True)
    assert "Monthly export" in account and row.prefix in account and plain not in account
    assert "Read only" in account  # the scope in plain words
    assert client.get("/api/v1/plan", headers={"Authorization": f"Bearer {plain}"}).status_code == 200
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.entity_type == "api_token"))
    assert (entry.action, entry.user_id, entry.after["scope"]) == ("create", client.user.id, "read")
    assert "token_hash" not in entry.after


def test_the_token_form_refuses_bad_input_next_to_the_field(client_as):
    client = client_as("staff")
    for fields, message in (({"name": ""}, "Name the token"), ({"days": "7"}, "Not a valid choice"),
                            ({"scope": "admin"}, "Not a valid choice"), ({"name": "x" * 81}, "at most 80")):
        with _create(client, **fields) as response:
            assert response.status_code == 200 and message in response.get_data(as_text=True), fields
    assert db.session.scalar(select(db.func.count()).select_from(ApiToken)) == 0


def test_revoking_a_token_stops_it_at_once(client_as):
    client = client_as("staff")
    made = tokens.create_token(client.user, "Old script", "write", 30)
    db.session.commit()
    headers = {"Authorization": f"Bearer {made.plain}"}
    assert client.get("/api/v1/plan", headers=headers).status_code == 200
    with client.post(f"/account/tokens/{made.token.id}/revoke") as response:
        assert response.status_code == 302
    assert client.application.test_client().get("/api/v1/plan", headers=headers).status_code == 401
    assert "Old script" not in client.get("/account").get_data(as_text=True)
    actions = db.session.scalars(select(AuditEntry.action).where(AuditEntry.entity_type == "api_token")
                                 .order_by(AuditEntry.id)).all()
    assert actions == ["create", "revoke"]


def test_nobody_revokes_someone_elses_token(client_as, make_user):
    owner = make_user("staff")
    made = tokens.create_token(owner, "Mine", "read", 30)
    db.session.commit()
    client_as("admin").post(f"/account/tokens/{made.token.id}/revoke")
    assert db.session.get(ApiToken, made.token.id).revoked_at is None


def test_an_account_that_owes_a_password_or_second_factor_makes_no_token(client_as, make_user, login, app):
    owes_password = client_as("staff")
    owes_password.user.must_change_password = True
    db.session.commit()
    assert "Choose your own password first" in owes_password.get("/account").get_data(as_text=True)
    _create(owes_password)
    owes_factor = login(app.test_client(), make_user("admin", second_factor=False))
    _create(owes_factor)
    assert db.session.scalar(select(db.func.count()).select_from(ApiToken)) == 0


def test_tokens_expire_after_the_chosen_days_only(client_as):
    client = client_as("staff")
    for days in (30, 365):
        _create(client, name=f"{days} days", days=str(days), scope="write")
    lifetimes = {row.name: (row.expires_at - row.created_at).days for row in tokens.live_tokens(client.user)}
    assert lifetimes == {"30 days": 30, "365 days": 365}
