"""Login sessions: opened at login, named by the cookie, ended by logout, by the owner, by time or by idleness."""
from datetime import datetime, timedelta

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import delete, or_, select, update

from ..core.dates import as_utc
from ..core.errors import Invalid
from ..core.models import utcnow
from ..extensions import db
from .models import LoginSession, User

TOUCH_EVERY = timedelta(minutes=1)  # last_seen_at moves at most this often: not one write per request
KEEP_ENDED = timedelta(days=30)  # ended sessions stay this long on the account page's history, then go


def _limits() -> tuple[timedelta, timedelta]:
    """The absolute lifetime of a session and how long it may stay idle."""
    config = current_app.config
    return (timedelta(seconds=config["PERMANENT_SESSION_LIFETIME"]),
            timedelta(seconds=config["SESSION_IDLE_SECONDS"]))


def is_live(login_session: LoginSession, now: datetime | None = None) -> bool:
    """Not revoked, younger than the lifetime, and used within the idle timeout."""
    now = now or utcnow()
    lifetime, idle = _limits()
    return (login_session.revoked_at is None and as_utc(login_session.created_at) + lifetime > now
            and as_utc(login_session.last_seen_at) + idle > now)


def open_session(user: User, address: str | None, user_agent: str | None) -> LoginSession:
    """Start a login session for the user and make it the one the cookie will name; forget long-ended ones."""
    db.session.execute(delete(LoginSession).where(
        LoginSession.user_id == user.id, LoginSession.created_at < utcnow() - _limits()[0] - KEEP_ENDED))
    login_session = LoginSession(user=user, address=(address or "")[:64] or None,
                                 user_agent=(user_agent or "")[:200] or None)
    db.session.add(login_session)
    db.session.flush()
    user.session_token = login_session.token
    return login_session


def load_session_user(token: str) -> User | None:
    """Return the user of a live login session (moving its last activity on), or None."""
    row = db.session.execute(
        select(LoginSession, User).join(User).where(LoginSession.token == token, LoginSession.revoked_at.is_(None))
    ).first()
    if row is None:
        return None
    login_session, user = row
    now = utcnow()
    if not is_live(login_session, now) or not user.active:
        return None
    if as_utc(login_session.last_seen_at) + TOUCH_EVERY < now:
        # A connection of its own: a page view commits nothing, and the idle clock must move on anyway.
        with db.engine.begin() as conn:
            conn.execute(update(LoginSession.__table__).where(LoginSession.__table__.c.id == login_session.id)
                         .values(last_seen_at=now))
    user.session_token = token
    return user


def revoke_session(token: str | None) -> None:
    """End one login session."""
    if token:
        db.session.execute(
            update(LoginSession).where(LoginSession.token == token, LoginSession.revoked_at.is_(None))
            .values(revoked_at=utcnow())
        )


def revoke_all_sessions(user: User, keep: str | None = None) -> None:
    """End every login session of a user, except possibly the current one."""
    stmt = update(LoginSession).where(LoginSession.user_id == user.id, LoginSession.revoked_at.is_(None))
    if keep:
        stmt = stmt.where(LoginSession.token != keep)
    db.session.execute(stmt.values(revoked_at=utcnow()))


def live_sessions(user: User) -> list[LoginSession]:
    """The user's sessions that still work, newest activity first."""
    now = utcnow()
    rows = db.session.scalars(select(LoginSession).where(LoginSession.user_id == user.id,
                                                         LoginSession.revoked_at.is_(None))
                              .order_by(LoginSession.last_seen_at.desc(), LoginSession.id.desc()))
    return [s for s in rows if is_live(s, now)]


def end_session(user: User, session_id: int, current_token: str | None) -> LoginSession:
    """End one of the user's other sessions (the current one ends with logout)."""
    login_session = db.session.get(LoginSession, session_id)
    if login_session is None or login_session.user_id != user.id or login_session.revoked_at is not None:
        raise Invalid(_("This session has already ended."))
    if login_session.token == current_token:
        raise Invalid(_("This is the session you are using: log out to end it."))
    login_session.revoked_at = utcnow()
    return login_session


def purge() -> int:
    """Delete sessions that ended (revoked or past their lifetime) more than KEEP_ENDED ago; return how many."""
    lifetime, _ = _limits()
    now = utcnow()
    return db.session.execute(delete(LoginSession).where(or_(
        LoginSession.revoked_at < now - KEEP_ENDED, LoginSession.created_at < now - lifetime - KEEP_ENDED,
    ))).rowcount
