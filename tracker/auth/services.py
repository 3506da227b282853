"""Account rules: authentication with throttling, login sessions, user management."""
import secrets

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import func, select

from ..core import security_log
from ..core.audit import record
from ..core.errors import Invalid
from ..core.i18n import DEFAULT_LANGUAGE, LANGUAGES, current_locale
from ..core.models import utcnow
from ..core.roles import ROLES
from ..core.text import has_visible, strip_invisible
from ..extensions import db
from . import throttle
from .models import User
from .sessions import revoke_all_sessions

MIN_PASSWORD_LENGTH = 10
MIN_PASSWORD_SCORE = 3  # zxcvbn: 3 is "safely unguessable" against online attacks at a throttled rate
# Hashes checked when the account is unknown or throttled (one per argon2 cost setting), so that the response
# time reveals neither.
_DUMMY_HASHES: dict[tuple, str] = {}


def find_user_by_email(email: str) -> User | None:
    """Look a user up by email, case-insensitively."""
    return db.session.scalar(select(User).where(func.lower(User.email) == email.strip().lower()))


def get_user(user_id) -> User | None:
    """The user with this id, or None (for an id kept in the cookie session)."""
    return db.session.get(User, user_id) if isinstance(user_id, int) else None


def _spend_a_password_check(password: str) -> None:
    """Check the password against a dummy hash: an unknown or throttled attempt takes as long as a wrong one."""
    costs = tuple(sorted((current_app.config.get("ARGON2_COSTS") or {}).items()))
    if costs not in _DUMMY_HASHES:  # hashed with the costs real accounts have, or the check would be quicker
        probe = User()
        probe.set_password(secrets.token_urlsafe(16))
        _DUMMY_HASHES[costs] = probe.password_hash
    User(password_hash=_DUMMY_HASHES[costs]).check_password(password)


def authenticate(email: str, password: str, address: str) -> User | None:
    """Return the user if the password is right and this account may be tried from this address now.

    Unknown accounts, wrong passwords and throttled attempts all return None after one password check, so the
    answer and its timing tell an attacker nothing; nothing ever locks the owner out.
    """
    if not throttle.allowed(email, address):
        _spend_a_password_check(password)
        security_log.throttled("login", email=email)
        return None
    user = find_user_by_email(email)
    if user is None:
        _spend_a_password_check(password)
        throttle.failed(email, address)
        security_log.login_failed(email, reason="unknown_account")
        return None
    if not user.password_hash:  # invited, no password chosen yet: answered as slowly as a wrong password
        _spend_a_password_check(password)
    if not user.check_password(password) or not user.active:
        throttle.failed(email, address)
        security_log.login_failed(email, reason="wrong_password" if user.active else "inactive", user=user)
        return None
    throttle.succeeded(email, address)
    user.last_login_at = utcnow()
    if user.password_needs_rehash():
        user.set_password(password)  # the plain password is only known now; the login's commit stores the hash
    return user


def password_problem(password: str, *, email: str = "", name: str = "") -> str | None:
    """Explain why a password is too weak (short, common, breached-style or built from the person's own name), or
    return None. zxcvbn's bundled lists hold the most common and leaked passwords, names and words."""
    if len(password) < MIN_PASSWORD_LENGTH:
        return _("Use at least %(count)s characters.", count=MIN_PASSWORD_LENGTH)
    if len(password) > 200:
        return _("Use at most %(count)s characters.", count=200)
    from zxcvbn import zxcvbn  # its dictionaries take a moment to load: only where passwords are chosen

    verdict = zxcvbn(password, user_inputs=[part for part in (email, email.split("@")[0], name, "metropolis")
                                            if part])
    if verdict["score"] < MIN_PASSWORD_SCORE:
        # zxcvbn explains in English only: other languages get the plain reason.
        english = current_locale().language == DEFAULT_LANGUAGE
        hint = (english and verdict["feedback"].get("warning")) or _("It is too easy to guess.")
        return _("%(hint)s. Choose a longer password, for example several unrelated words.", hint=hint.rstrip("."))
    return None


def check_new_account(email: str, name: str, role: str) -> None:
    """Refuse an unknown role, an empty name or an email that already has an account."""
    if role not in ROLES:
        raise Invalid(_("Choose one of the roles offered."), field="role")
    if not has_visible(name):
        raise Invalid(_("Enter the person's name."), field="name")
    if find_user_by_email(email):
        raise Invalid(_("There is already an account for %(email)s.", email=email), field="email")


def create_user(actor: User | None, email: str, name: str, role: str, password: str, active: bool = True) -> User:
    """Create an account (the caller has validated the input)."""
    check_new_account(email, name, role)
    problem = password_problem(password, email=email, name=name)
    if problem:
        raise Invalid(problem, field="new_password")
    # Someone else chose this first password: the owner replaces it at the first login.
    user = User(email=email.strip().lower(), name=strip_invisible(name.strip()), role=role, active=active,
                must_change_password=True)
    user.set_password(password)
    db.session.add(user)
    db.session.flush()
    record(actor, "create", user, after=user_snapshot(user))
    return user


def update_user(actor: User, user: User, *, name: str, role: str, active: bool) -> None:
    """Change a user's name, role or active flag; deactivation ends their sessions."""
    if role not in ROLES:
        raise Invalid(_("Choose one of the roles offered."), field="role")
    if not has_visible(name):
        raise Invalid(_("Enter the person's name."), field="name")
    before = user_snapshot(user)
    user.name, user.role, user.active = strip_invisible(name.strip()), role, active
    if not active:
        revoke_all_sessions(user)
    after = user_snapshot(user)
    if before != after:
        record(actor, "update", user, before=before, after=after)


def set_password(actor: User | None, user: User, password: str, keep_session: str | None = None) -> None:
    """Set a new password and end the user's other sessions; one chosen by someone else must be changed at the
    owner's next login."""
    problem = password_problem(password, email=user.email, name=user.name)
    if problem:
        raise Invalid(problem, field="new_password")
    user.set_password(password)
    user.must_change_password = actor is None or actor.id != user.id
    revoke_all_sessions(user, keep=keep_session)
    record(actor, "password", user)


def set_language(actor: User, user: User, language: str | None) -> None:
    """Set the language of a user's pages and emails; empty follows the browser's preference."""
    language = language or None
    if language is not None and language not in LANGUAGES:
        raise Invalid(_("Choose one of the languages offered."), field="language")
    if user.language != language:
        before = {"language": user.language}
        user.language = language
        record(actor, "update", user, before=before, after={"language": language})


def user_snapshot(user: User) -> dict:
    """The audited fields of a user (never the password hash)."""
    return {"email": user.email, "name": user.name, "role": user.role, "active": user.active}


def count_users() -> int:
    """How many accounts exist."""
    return db.session.scalar(select(func.count()).select_from(User))
