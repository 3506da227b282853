"""The access rules: every view declares the roles it allows (deny by default), and who may write or review."""
from functools import wraps
from typing import NoReturn

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from werkzeug.exceptions import Forbidden

from .errors import NotAllowed
from .roles import ADMINS, BOARD, EDITORS, ROLE_LABELS, STEERING

BOARD_READS = _l("Board members read the approved evaluation; they do not edit.")


class Refusal(Forbidden):
    """A 403 that says why, and where to go to do something about it (the error page shows both)."""

    def __init__(self, reason: str, *, link: str | None = None, link_label: str | None = None):
        super().__init__(description=reason)
        self.reason = reason
        self.link = link
        self.link_label = link_label


def refuse(reason: str, *, link: str | None = None, link_label: str | None = None) -> NoReturn:
    """Answer 403 with the reason and, where one helps, a link."""
    raise Refusal(reason, link=link, link_label=link_label)


def role_refusal_reason(role: str | None, allowed) -> str:
    """Why a role may not use a view allowing `allowed` roles, as the 403 page says it."""
    allowed = frozenset(allowed or ())
    if role == BOARD and allowed & set(EDITORS):
        return str(BOARD_READS)
    if allowed and allowed <= set(ADMINS):
        return _("Only an administrator can do this.")
    if allowed and allowed <= set(STEERING):
        return _("Only the Secretary General or an administrator can do this.")
    if role in ROLE_LABELS:
        return _("This page is not open to the %(role)s role.", role=str(ROLE_LABELS[role]).lower())
    return _("This page is not open to the current role.")


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


def require_writer(user, message: str = _l("Board members read the record; they do not change it.")) -> None:
    """Refuse a change to anyone who may not record work."""
    if not can_write(user):
        raise NotAllowed(str(message))


def require_steering(user, message: str = _l("Only the Secretary General or an administrator can do this.")) -> None:
    """Refuse steering steps (review, targets, locks, assignments) to anyone but the SG and admins."""
    if not can_review(user):
        raise NotAllowed(str(message))
