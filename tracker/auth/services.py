"""Account rules: authentication with lockout, login sessions, user management."""
from datetime import datetime, timedelta, timezone

from flask import current_app
from sqlalchemy import func, select, update

from ..core.audit import record
from ..core.errors import Invalid
from ..core.models import utcnow
from ..core.roles import ROLES
from ..extensions import db
from .models import LoginSession, User

MIN_PASSWORD_LENGTH = 10
# Hash checked when the email is unknown, so that response time does not reveal which accounts exist.
_DUMMY_HASH = None


class AccountLocked(Exception):
    """Too many failed logins: try again later."""

    def __init__(self, until: datetime):
        super().__init__(until)
        self.until = until


def _aware(moment: datetime | None) -> datetime | None:
    """SQLite gives back naive datetimes; treat them as UTC."""
    if moment is not None and moment.tzinfo is None:
        return moment.replace(tzinfo=timezone.utc)
    return moment


def find_user_by_email(email: str) -> User | None:
    """Look a user up by email, case-insensitively."""
    return db.session.scalar(select(User).where(func.lower(User.email) == email.strip().lower()))


def authenticate(email: str, password: str) -> User | None:
    """Return the user if the password is right; count failures and lock after too many."""
    global _DUMMY_HASH
    user = find_user_by_email(email)
    if user is None:
        if _DUMMY_HASH is None:
            probe = User()
            probe.set_password("not-a-real-password")
            _DUMMY_HASH = probe.password_hash
        User(password_hash=_DUMMY_HASH).check_password(password)
        return None
    now = utcnow()
    locked_until = _aware(user.locked_until)
    if locked_until and locked_until > now:
        raise AccountLocked(locked_until)
    if not user.check_password(password) or not user.active:
        user.failed_logins = (user.failed_logins or 0) + 1
        if user.failed_logins >= current_app.config["LOGIN_MAX_FAILURES"]:
            user.locked_until = now + timedelta(seconds=current_app.config["LOGIN_LOCK_SECONDS"])
            user.failed_logins = 0
            record(None, "lock", user, after={"locked_until": user.locked_until.isoformat()})
        return None
    user.failed_logins = 0
    user.locked_until = None
    user.last_login_at = now
    if user.password_needs_rehash():
        user.set_password(password)  # the plain password is only known now; the login's commit stores the hash
    return user


def open_session(user: User) -> LoginSession:
    """Start a login session for the user and make it the one the cookie will name."""
    login_session = LoginSession(user=user)
    db.session.add(login_session)
    db.session.flush()
    user.session_token = login_session.token
    return login_session


def load_session_user(token: str) -> User | None:
    """Return the user of a live login session, or None if it was revoked, expired or the user deactivated."""
    row = db.session.execute(
        select(LoginSession, User).join(User).where(LoginSession.token == token, LoginSession.revoked_at.is_(None))
    ).first()
    if row is None:
        return None
    login_session, user = row
    lifetime = timedelta(seconds=current_app.config["PERMANENT_SESSION_LIFETIME"])
    if _aware(login_session.created_at) + lifetime < utcnow() or not user.active:
        return None
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


def password_problem(password: str) -> str | None:
    """Explain why a password is too weak, or return None."""
    if len(password) < MIN_PASSWORD_LENGTH:
        return f"Use at least {MIN_PASSWORD_LENGTH} characters."
    if len(password) > 200:
        return "Use at most 200 characters."
    if password.isdigit() or len(set(password)) < 4:
        return "This password is too easy to guess."
    return None


def create_user(actor: User | None, email: str, name: str, role: str, password: str, active: bool = True) -> User:
    """Create an account (the caller has validated the input)."""
    if role not in ROLES:
        raise Invalid(f"Unknown role {role!r}; choose one of {', '.join(ROLES)}.", field="role")
    if find_user_by_email(email):
        raise Invalid(f"There is already an account for {email}.", field="email")
    problem = password_problem(password)
    if problem:
        raise Invalid(problem, field="new_password")
    user = User(email=email.strip().lower(), name=name.strip(), role=role, active=active)
    user.set_password(password)
    db.session.add(user)
    db.session.flush()
    record(actor, "create", user, after=user_snapshot(user))
    return user


def update_user(actor: User, user: User, *, name: str, role: str, active: bool) -> None:
    """Change a user's name, role or active flag; deactivation ends their sessions."""
    if role not in ROLES:
        raise Invalid(f"Unknown role {role!r}.", field="role")
    before = user_snapshot(user)
    user.name, user.role, user.active = name.strip(), role, active
    if not active:
        revoke_all_sessions(user)
    after = user_snapshot(user)
    if before != after:
        record(actor, "update", user, before=before, after=after)


def set_password(actor: User | None, user: User, password: str, keep_session: str | None = None) -> None:
    """Set a new password and end the user's other sessions."""
    problem = password_problem(password)
    if problem:
        raise Invalid(problem, field="new_password")
    user.set_password(password)
    user.failed_logins = 0
    user.locked_until = None
    revoke_all_sessions(user, keep=keep_session)
    record(actor, "password", user)


def user_snapshot(user: User) -> dict:
    """The audited fields of a user (never the password hash)."""
    return {"email": user.email, "name": user.name, "role": user.role, "active": user.active}


def count_users() -> int:
    """How many accounts exist."""
    return db.session.scalar(select(func.count()).select_from(User))
