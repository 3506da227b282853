"""User accounts and their login sessions."""
import secrets
from datetime import datetime

from argon2 import PasswordHasher, Type
from argon2.exceptions import InvalidHashError, VerificationError
from flask import current_app, has_app_context
from flask_login import UserMixin
from sqlalchemy import CheckConstraint, ForeignKey, String, false
from sqlalchemy.orm import Mapped, mapped_column, relationship
from werkzeug.security import check_password_hash

from ..core.models import utcnow
from ..core.roles import ROLE_LABELS, ROLES
from ..extensions import db

ARGON2_PREFIX = "$argon2id$"
_HASHERS: dict[tuple, PasswordHasher] = {}


def password_hasher() -> PasswordHasher:
    """Return the argon2id hasher with the app's ARGON2_COSTS (argon2-cffi's defaults outside an app)."""
    costs = (current_app.config.get("ARGON2_COSTS") if has_app_context() else None) or {}
    key = tuple(sorted(costs.items()))
    if key not in _HASHERS:
        _HASHERS[key] = PasswordHasher(**costs, type=Type.ID)
    return _HASHERS[key]


class User(UserMixin, db.Model):
    """A person who logs in, with one role."""

    __tablename__ = "user"
    __table_args__ = (CheckConstraint(f"role IN ({', '.join(repr(r) for r in ROLES)})", name="role_known"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    role: Mapped[str] = mapped_column(String(32))
    password_hash: Mapped[str] = mapped_column(String(255))
    active: Mapped[bool] = mapped_column(default=True)
    # Set when someone else chose the password (a generated first password, an admin's reset): the owner must
    # choose their own at the next login before anything else.
    must_change_password: Mapped[bool] = mapped_column(default=False)
    # The second factor: a TOTP secret (base32), active from totp_enabled_at; recovery codes in their own table.
    totp_secret: Mapped[str | None] = mapped_column(String(64))
    totp_enabled_at: Mapped[datetime | None] = mapped_column(db.DateTime(timezone=True))
    totp_last_step: Mapped[int | None]  # the last time step accepted: a code is never accepted twice
    # Notifications by email: each as it happens (False), or one daily digest (True).
    email_digest: Mapped[bool] = mapped_column(default=False, server_default=false())
    # The interface's language ("en", "fr", "es"); None follows the browser's preference (emails: English).
    language: Mapped[str | None] = mapped_column(String(8))
    created_at: Mapped[datetime] = mapped_column(db.DateTime(timezone=True), default=utcnow)
    last_login_at: Mapped[datetime | None] = mapped_column(db.DateTime(timezone=True))

    sessions: Mapped[list["LoginSession"]] = relationship(back_populates="user", cascade="all, delete-orphan")
    recovery_codes: Mapped[list["RecoveryCode"]] = relationship(cascade="all, delete-orphan")

    # Set by the user loader: the login session this request belongs to (what Flask-Login stores in the cookie).
    session_token = None  # type: str | None

    def set_password(self, password: str) -> None:
        """Hash and store a new password (argon2id)."""
        self.password_hash = password_hasher().hash(password)

    def check_password(self, password: str) -> bool:
        """Tell whether the password matches its argon2id hash, or the werkzeug (scrypt) hash of older accounts."""
        stored = self.password_hash or ""
        if not stored.startswith(ARGON2_PREFIX):
            # Hashes written before argon2id, as werkzeug's "scrypt:..."; authenticate() upgrades them.
            return check_password_hash(stored, password)
        try:
            return password_hasher().verify(stored, password)
        except (VerificationError, InvalidHashError):
            return False

    def password_needs_rehash(self) -> bool:
        """Tell whether the stored hash is not argon2id with the current costs (ask after a successful check)."""
        stored = self.password_hash or ""
        return not stored.startswith(ARGON2_PREFIX) or password_hasher().check_needs_rehash(stored)

    @property
    def is_active(self) -> bool:
        """Deactivated accounts cannot log in."""
        return self.active

    @property
    def is_authenticated(self) -> bool:
        """A user object stands for a logged-in account: the session loader refuses inactive ones."""
        # Not `self.active` (UserMixin's answer): after a request's commit that reloads the user from the database
        # once more, just to set the response's headers.
        return True

    def get_id(self) -> str | None:
        """Identify the login session, not the user, so that logging out can revoke it."""
        return self.session_token

    @property
    def role_label(self) -> str:
        """The role as people say it."""
        return str(ROLE_LABELS.get(self.role, self.role))

    def __repr__(self) -> str:
        return f"<User {self.email} {self.role}>"


class LoginSession(db.Model):
    """One login: the cookie names it, logging out revokes it, so a copied cookie dies with it."""

    __tablename__ = "login_session"

    id: Mapped[int] = mapped_column(primary_key=True)
    token: Mapped[str] = mapped_column(String(64), unique=True, default=lambda: secrets.token_urlsafe(32))
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(db.DateTime(timezone=True), default=utcnow)
    # Moved on at most once a minute by the requests of the session: the idle timeout counts from it.
    last_seen_at: Mapped[datetime] = mapped_column(db.DateTime(timezone=True), default=utcnow)
    revoked_at: Mapped[datetime | None] = mapped_column(db.DateTime(timezone=True), index=True)
    address: Mapped[str | None] = mapped_column(String(64))  # the client address at login, for the account page
    user_agent: Mapped[str | None] = mapped_column(String(200))

    user: Mapped[User] = relationship(back_populates="sessions")


class RecoveryCode(db.Model):
    """A one-time code that stands in for the second factor (stored as an argon2id hash, like a password)."""

    __tablename__ = "recovery_code"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), index=True)
    code_hash: Mapped[str] = mapped_column(String(255))
    used_at: Mapped[datetime | None] = mapped_column(db.DateTime(timezone=True))


TOKEN_SCOPES = ("read", "write")


class ApiToken(db.Model):
    """A personal access token for the API: shown once, kept as a SHA-256 hash, read-only or read-write, expiring."""

    __tablename__ = "api_token"
    __table_args__ = (CheckConstraint("scope IN ('read', 'write')", name="scope_known"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(80))
    # The first characters of the token, shown on the account page so its owner can tell tokens apart.
    prefix: Mapped[str] = mapped_column(String(16))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    scope: Mapped[str] = mapped_column(String(8))
    created_at: Mapped[datetime] = mapped_column(db.DateTime(timezone=True), default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(db.DateTime(timezone=True))
    last_used_at: Mapped[datetime | None] = mapped_column(db.DateTime(timezone=True))
    revoked_at: Mapped[datetime | None] = mapped_column(db.DateTime(timezone=True))

    user: Mapped[User] = relationship()
