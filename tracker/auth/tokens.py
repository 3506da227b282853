"""Personal access tokens for the API: created on the account page, shown once, kept hashed, scoped, expiring."""
import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select, update
from sqlalchemy.orm.attributes import set_committed_value

from ..core.audit import record
from ..core.dates import as_utc
from ..core.errors import Invalid, NotAllowed
from ..core.models import utcnow
from ..core.text import has_visible, strip_invisible
from ..extensions import db
from . import second_factor
from .models import TOKEN_SCOPES, ApiToken, User

# Every token starts with this, so that a leaked one is recognised (by a secret scanner, say) for what it is.
TOKEN_PREFIX = "mtk_"
VISIBLE_CHARS = 12  # the prefix shown on the account page: "mtk_" and 8 random characters
LIFETIMES = (30, 90, 365)  # the choices of days a token lives; none lives forever
MAX_NAME = 80
MAX_LIVE_TOKENS = 20  # enough for every script of one person; a runaway loop cannot fill the table
TOUCH_EVERY = timedelta(minutes=1)  # last_used_at moves at most this often: not one write per request
SCOPE_LABELS = {"read": _l("Read only"), "write": _l("Read and write")}


@dataclass
class NewToken:
    """A token just created: the row, and the plain token that is shown once and never stored."""

    token: ApiToken
    plain: str


def hash_token(plain: str) -> str:
    """The SHA-256 of a token, as stored (a token is random and long: no salt or slow hash is needed)."""
    return hashlib.sha256(plain.encode("utf-8")).hexdigest()


def creation_problem(user: User) -> str | None:
    """Explain why the user may not create tokens yet (a password or second factor still owed), or return None."""
    if user.must_change_password:
        return _("Choose your own password first: tokens can be created once it is set.")
    if second_factor.required(user) and not second_factor.enabled(user):
        return _("Set up your second factor first: tokens can be created once it is on.")
    return None


def live_tokens(user: User) -> list[ApiToken]:
    """The user's tokens that are neither revoked nor expired, newest first."""
    return list(db.session.scalars(
        select(ApiToken).where(ApiToken.user_id == user.id, ApiToken.revoked_at.is_(None),
                               ApiToken.expires_at > utcnow())
        .order_by(ApiToken.created_at.desc(), ApiToken.id.desc())))


def _snapshot(token: ApiToken) -> dict:
    """The audited fields of a token (never its hash)."""
    return {"name": token.name, "prefix": token.prefix, "scope": token.scope, "expires_at": token.expires_at,
            "revoked_at": token.revoked_at}


def create_token(user: User, name: str, scope: str, days: int) -> NewToken:
    """Create a token for the user; the plain token is in the result and nowhere else."""
    problem = creation_problem(user)
    if problem:
        raise NotAllowed(problem)
    name = strip_invisible((name or "").strip())
    if not has_visible(name):
        raise Invalid(_("Name the token after what will use it, for example “monthly export script”."),
                      field="name")
    if len(name) > MAX_NAME:
        raise Invalid(_("Use at most %(max)d characters.", max=MAX_NAME), field="name")
    if scope not in TOKEN_SCOPES:
        raise Invalid(_("Choose read only or read and write."), field="scope")
    if days not in LIFETIMES:
        raise Invalid(_("Choose how long the token works: 30, 90 or 365 days."), field="days")
    if len(live_tokens(user)) >= MAX_LIVE_TOKENS:
        raise Invalid(_("You have %(count)s tokens already: revoke one you no longer use first.",
                        count=MAX_LIVE_TOKENS), field="name")
    plain = TOKEN_PREFIX + secrets.token_urlsafe(32)
    now = utcnow()
    token = ApiToken(user_id=user.id, name=name, prefix=plain[:VISIBLE_CHARS], token_hash=hash_token(plain),
                     scope=scope, created_at=now, expires_at=now + timedelta(days=days))
    db.session.add(token)
    db.session.flush()
    record(user, "create", token, after=_snapshot(token), summary=f"Created API token “{name}”")
    return NewToken(token, plain)


def revoke_token(user: User, token_id: int) -> ApiToken:
    """Revoke one of the user's own tokens: it stops working at once."""
    token = db.session.get(ApiToken, token_id) if 0 < token_id < 2**31 else None
    if token is None or token.user_id != user.id or token.revoked_at is not None:
        raise Invalid(_("This token is already revoked."))
    before = _snapshot(token)
    token.revoked_at = utcnow()
    db.session.flush()
    record(user, "revoke", token, before=before, after=_snapshot(token), summary=f"Revoked API token “{token.name}”")
    return token


@dataclass
class Verdict:
    """What a presented token is worth: its user and row, or the reason it is refused."""

    user: User | None = None
    token: ApiToken | None = None
    refusal: str | None = None


def bearer_token(header: str | None) -> str | None:
    """The token of an `Authorization: Bearer <token>` header, or None."""
    scheme, _sep, value = (header or "").strip().partition(" ")
    if scheme.lower() != "bearer" or not value.strip():
        return None
    return value.strip()


def verify(plain: str, now: datetime | None = None) -> Verdict:
    """Check a presented token: known, not revoked, not expired, of an active account."""
    now = now or utcnow()
    if not plain.startswith(TOKEN_PREFIX) or len(plain) > 200:
        return Verdict(refusal=_("This token is not valid."))
    digest = hash_token(plain)
    row = db.session.execute(select(ApiToken, User).join(User, User.id == ApiToken.user_id)
                             .where(ApiToken.token_hash == digest)).first()
    if row is None:
        return Verdict(refusal=_("This token is not valid."))
    token, user = row
    if token.revoked_at is not None:
        return Verdict(refusal=_("This token was revoked."))
    if as_utc(token.expires_at) <= now:
        return Verdict(refusal=_("This token has expired: create a new one on your account page."))
    if not user.active:
        return Verdict(refusal=_("This account is deactivated."))
    _touch(token, now)
    return Verdict(user=user, token=token)


def _touch(token: ApiToken, now: datetime) -> None:
    """Move the token's last use on, at most once a minute, on a connection of its own (a read commits nothing)."""
    if token.last_used_at is not None and as_utc(token.last_used_at) + TOUCH_EVERY > now:
        return
    with db.engine.begin() as conn:
        conn.execute(update(ApiToken.__table__).where(ApiToken.__table__.c.id == token.id).values(last_used_at=now))
    set_committed_value(token, "last_used_at", now)  # what the database now holds: not a change to flush


def allows_write(token: ApiToken | None) -> bool:
    """Tell whether a request's token (None: a session cookie) may change data."""
    return token is None or token.scope == "write"
