"""The second factor: TOTP (RFC 6238, pyotp) with one-time recovery codes.

Required for the roles in REQUIRED_FOR (they can change the plan's record and its people), offered to everyone.
A code is accepted once: the last accepted time step is kept, so a code seen over a shoulder cannot be replayed.
"""
import secrets

import pyotp
import segno
from argon2.exceptions import InvalidHashError, VerificationError
from flask_babel import gettext as _
from markupsafe import Markup

from ..core import security_log
from ..core.audit import record
from ..core.errors import Invalid
from ..core.models import utcnow
from ..extensions import db
from .models import RecoveryCode, User, password_hasher

REQUIRED_FOR = frozenset({"admin", "secretary_general"})
ISSUER = "Metropolis SAP tracker"
RECOVERY_CODES = 10
DRIFT_STEPS = 1  # a code of the previous or next 30-second step is accepted too (clocks drift)


def required(user: User) -> bool:
    """Whether the user's role must have a second factor."""
    return user.role in REQUIRED_FOR


def enabled(user: User) -> bool:
    """Whether the user has a second factor turned on."""
    return user.totp_enabled_at is not None and bool(user.totp_secret)


def new_secret() -> str:
    """A fresh random TOTP secret (160 bits, base32)."""
    return pyotp.random_base32(32)


def provisioning_uri(user: User, secret: str) -> str:
    """The otpauth:// URI an authenticator app reads from the QR code."""
    return pyotp.TOTP(secret).provisioning_uri(name=user.email, issuer_name=ISSUER)


def qr_svg(uri: str) -> Markup:
    """The URI as an inline SVG QR code, drawn on the server (nothing is loaded from elsewhere)."""
    return Markup(segno.make(uri, error="m").svg_inline(scale=4, title=_("QR code of the second factor")))


def _matching_step(secret: str, code: str) -> int | None:
    """The time step whose TOTP equals the code, within the allowed drift, or None."""
    code = "".join(code.split())
    if not (code.isdigit() and len(code) == 6):
        return None
    totp = pyotp.TOTP(secret)
    now = utcnow()
    current = totp.timecode(now)
    for step in range(current - DRIFT_STEPS, current + DRIFT_STEPS + 1):
        if secrets.compare_digest(totp.generate_otp(step), code):
            return step
    return None


def _new_recovery_codes(user: User) -> list[str]:
    """Replace the user's recovery codes with new ones; return them in clear, to be shown once."""
    user.recovery_codes.clear()
    codes = [f"{secrets.token_hex(3)}-{secrets.token_hex(3)}" for _ in range(RECOVERY_CODES)]
    hasher = password_hasher()
    user.recovery_codes.extend(RecoveryCode(code_hash=hasher.hash(code)) for code in codes)
    return codes


def enable(user: User, secret: str, code: str) -> list[str]:
    """Turn the second factor on once the user proved their app shows the right code; return recovery codes."""
    step = _matching_step(secret, code)
    if step is None:
        raise Invalid(_("This code does not match: check the time on your phone and type the code shown now."),
                      field="code")
    user.totp_secret, user.totp_enabled_at, user.totp_last_step = secret, utcnow(), step
    codes = _new_recovery_codes(user)
    record(user, "second_factor_on", user, summary=f"Second factor turned on for {user.email}")
    security_log.second_factor(user, "enroll")
    return codes


def disable(user: User, code: str) -> None:
    """Turn the second factor off (not for roles that require it), proving a current code."""
    if required(user):
        raise Invalid(_("Your role requires a second factor: it cannot be turned off."), field="code")
    verify(user, code)
    user.totp_secret = user.totp_enabled_at = user.totp_last_step = None
    user.recovery_codes.clear()
    record(user, "second_factor_off", user, summary=f"Second factor turned off for {user.email}")
    security_log.second_factor(user, "disable")


def regenerate_recovery_codes(user: User, code: str) -> list[str]:
    """New recovery codes (the old ones stop working), proving a current code."""
    verify(user, code)
    codes = _new_recovery_codes(user)
    record(user, "recovery_codes", user, summary=f"New recovery codes for {user.email}")
    security_log.second_factor(user, "regenerate_recovery")
    return codes


def verify(user: User, code: str) -> str:
    """Accept a current TOTP code (once) or an unused recovery code; say which, or refuse."""
    step = _matching_step(user.totp_secret or "", code) if enabled(user) else None
    if step is not None and (user.totp_last_step is None or step > user.totp_last_step):
        user.totp_last_step = step
        return "totp"
    if _use_recovery_code(user, code):
        return "recovery"
    raise Invalid(_("This code is not right (or was already used)."), field="code")


def _use_recovery_code(user: User, code: str) -> bool:
    """Mark the matching unused recovery code used, if there is one."""
    code = code.strip().lower()
    if len(code) != 13 or code[6] != "-":
        return False
    hasher = password_hasher()
    for recovery in user.recovery_codes:
        if recovery.used_at is None:
            try:
                hasher.verify(recovery.code_hash, code)
            except (VerificationError, InvalidHashError):
                continue
            recovery.used_at = utcnow()
            record(user, "recovery_code_used", user, summary=f"A recovery code of {user.email} was used")
            return True
    return False


def recovery_codes_left(user: User) -> int:
    """How many recovery codes are still unused."""
    return sum(1 for r in user.recovery_codes if r.used_at is None)


def reset_by_admin(actor: User, user: User) -> None:
    """An administrator turns off someone else's lost second factor (their own would skip the factor itself)."""
    if actor.id == user.id:
        raise Invalid(_("Another administrator must reset your own."))
    reset(actor, user)


def reset(actor: User | None, user: User) -> None:
    """Turn off a user's lost second factor (actor None: the command line); it is set up again at next login."""
    user.totp_secret = user.totp_enabled_at = user.totp_last_step = None
    user.recovery_codes.clear()
    db.session.flush()
    record(actor, "second_factor_reset", user, summary=f"Second factor of {user.email} reset")
    security_log.second_factor(user, "reset", by_user_id=getattr(actor, "id", None))
