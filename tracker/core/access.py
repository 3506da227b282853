"""The access rules: every view declares the roles it allows (deny by default), and who may write or review."""
from functools import wraps

from .errors import NotAllowed
from .roles import EDITORS, STEERING


def allow(*roles: str):
    """Declare which roles may use a view; views without a declaration are refused to everyone."""

    def decorate(view):
        @wraps(view)
        def wrapped(*args, **kwargs):
            return view(*args, **kwargs)

        wrapped.allowed_roles = frozenset(roles)
        return wrapped

    return decorate


def can_write(user) -> bool:
    """Staff, the Secretary General and admins record work; the Board only reads."""
    return getattr(user, "role", None) in EDITORS


def sees_unapproved(user) -> bool:
    """Staff, the Secretary General and admins read work under review; Board members read approved work only."""
    return can_write(user)


def can_review(user) -> bool:
    """Only the Secretary General and admins approve, return, define indicators and steer."""
    return getattr(user, "role", None) in STEERING


def require_writer(user, message: str = "Board members read the record; they do not change it.") -> None:
    """Refuse a change to anyone who may not record work."""
    if not can_write(user):
        raise NotAllowed(message)


def require_steering(user, message: str = "Only the Secretary General or an administrator can do this.") -> None:
    """Refuse steering steps (review, targets, locks, assignments) to anyone but the SG and admins."""
    if not can_review(user):
        raise NotAllowed(message)
