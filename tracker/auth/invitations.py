"""Invitations: a single-use link, emailed by a job, with which a person sets their own password.

An administrator invites a person (a new account without a password) or sends an existing one a password link;
nobody ever types another person's password. Only the SHA-256 of the link's token is stored; the token itself
is made by the job that emails it, so it exists in the email alone. A link works once, for INVITATION_HOURS
after it was sent, and a newer link for the same account ends the older ones.
"""
import hashlib
import secrets
from datetime import datetime, timedelta

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import ForeignKey, String, select, update
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..core import security_log
from ..core.audit import record
from ..core.dates import as_utc
from ..core.errors import DomainError, Invalid
from ..core.i18n import LANGUAGES
from ..core.models import utcnow
from ..core.text import strip_invisible
from ..extensions import db
from .models import User
from .services import check_new_account, password_problem, user_snapshot
from .sessions import revoke_all_sessions

PURPOSES = ("invite", "reset")


class Invitation(db.Model):
    """One emailed link to set an account's password: an invitation, or a password reset sent by an admin."""

    __tablename__ = "invitation"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), index=True)
    purpose: Mapped[str] = mapped_column(String(16))
    token_hash: Mapped[str | None] = mapped_column(String(64), unique=True)  # set by the job that emails it
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(db.DateTime(timezone=True), default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(db.DateTime(timezone=True))
    expires_at: Mapped[datetime] = mapped_column(db.DateTime(timezone=True))
    used_at: Mapped[datetime | None] = mapped_column(db.DateTime(timezone=True))

    user: Mapped[User] = relationship(foreign_keys=[user_id])
    created_by: Mapped[User | None] = relationship(foreign_keys=[created_by_id])


class LinkRefused(DomainError):
    """An invitation link that cannot be used: unknown, used, expired or ended by a newer one."""

    status = 410


def hash_token(token: str) -> str:
    """The stored form of a link's token."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def _lifetime() -> timedelta:
    """How long a link works after it is sent."""
    return timedelta(hours=current_app.config["INVITATION_HOURS"])


def _open(actor, user: User, purpose: str) -> Invitation:
    """End the account's open links and make a new one (its token comes with the email)."""
    now = utcnow()
    db.session.execute(update(Invitation).where(Invitation.user_id == user.id, Invitation.used_at.is_(None),
                                                Invitation.expires_at > now)
                       .values(expires_at=now), execution_options={"synchronize_session": False})
    invitation = Invitation(user_id=user.id, purpose=purpose, created_by_id=getattr(actor, "id", None),
                            expires_at=now + _lifetime())
    db.session.add(invitation)
    db.session.flush()
    record(actor, purpose, invitation, after={"user_id": user.id, "email": user.email, "purpose": purpose},
           summary=f"{'Invitation' if purpose == 'invite' else 'Password link'} for {user.email}")
    security_log.event_on_commit("invitation_created", user=actor, target_user_id=user.id, target_email=user.email,
                                 purpose=purpose, role_after=user.role)
    return invitation


def invite(actor, email: str, name: str, role: str, language: str | None = None) -> Invitation:
    """Make an account without a password for a person and an invitation to choose one."""
    check_new_account(email, name, role)
    language = language or None  # none: their browser's, and English for emails
    if language is not None and language not in LANGUAGES:
        raise Invalid(_("Choose one of the languages offered."), field="language")
    user = User(email=email.strip().lower(), name=strip_invisible(name.strip()), role=role, active=True,
                password_hash="", must_change_password=False,  # "" matches no password: unusable until chosen
                language=language)
    db.session.add(user)
    db.session.flush()
    record(actor, "create", user, after={**user_snapshot(user), **({"language": language} if language else {})})
    return _open(actor, user, "invite")


def send_link(actor, user: User) -> Invitation:
    """Send an account a new link to set its password (an invitation again while it has none)."""
    if getattr(actor, "id", None) == user.id:
        raise Invalid(_("Change your own password on your account page: it asks for the current one."))
    if not user.active:
        raise Invalid(_("This account is deactivated: activate it first."))
    return _open(actor, user, "reset" if user.password_hash else "invite")


def issue_token(invitation_id: int) -> tuple[Invitation, str] | None:
    """Make the token of a link about to be emailed (None when it was sent already or has ended)."""
    invitation = db.session.get(Invitation, invitation_id)
    now = utcnow()
    if invitation is None or invitation.sent_at is not None or invitation.used_at is not None \
            or as_utc(invitation.expires_at) <= now:
        return None
    token = secrets.token_urlsafe(32)
    invitation.token_hash, invitation.sent_at, invitation.expires_at = hash_token(token), now, now + _lifetime()
    return invitation, token


def usable(token: str) -> Invitation:
    """The invitation a link's token opens, or LinkRefused saying why it cannot be used."""
    invitation = db.session.scalar(select(Invitation).where(Invitation.token_hash == hash_token(token or "")))
    if invitation is None:
        raise LinkRefused(_("This link is not valid. Check that you opened the whole link from the email."))
    if invitation.used_at is not None:
        raise LinkRefused(_("This link was already used. Log in with the password you chose, or ask an "
                            "administrator for a new link."))
    if as_utc(invitation.expires_at) <= utcnow():
        raise LinkRefused(_("This link has expired (or a newer one was sent). Ask an administrator for a new link."))
    if not invitation.user.active:
        raise LinkRefused(_("This account is deactivated. Ask an administrator."))
    return invitation


def accept(token: str, password: str) -> User:
    """Set the password a link's owner chose; the link is used up and every session of the account ends."""
    invitation = usable(token)
    user = invitation.user
    problem = password_problem(password, email=user.email, name=user.name)
    if problem:
        raise Invalid(problem, field="new_password")
    user.set_password(password)
    user.must_change_password = False
    invitation.used_at = utcnow()
    revoke_all_sessions(user)
    record(user, "accept", invitation, after={"user_id": user.id, "purpose": invitation.purpose},
           summary=f"{user.email} set a password with a{'n invitation' if invitation.purpose == 'invite' else ' link'}")
    security_log.event_on_commit("invitation_accepted", user=user, purpose=invitation.purpose)
    return user


def pending_invitations() -> dict[int, Invitation]:
    """The latest open link of each account that has not chosen a password yet (one query)."""
    rows = db.session.scalars(select(Invitation).join(User, User.id == Invitation.user_id)
                              .where(User.password_hash == "", Invitation.used_at.is_(None))
                              .order_by(Invitation.created_at, Invitation.id))
    return {invitation.user_id: invitation for invitation in rows}
