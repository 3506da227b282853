"""The domain errors: a refusal by a business rule, which the transaction boundary shows next to its field.

Anything else that a service raises is a programming error and reaches the 500 page, never a form message.
"""
from flask_babel import gettext as _


class DomainError(Exception):
    """A business rule refused the change; `field` names the form field it concerns, if one does."""

    status = 200  # the page is shown again with the message: an ordinary answer to bad input

    def __init__(self, message: str, *, field: str | None = None):
        super().__init__(message)
        self.message = message
        self.field = field

    def __str__(self) -> str:
        return self.message


class Invalid(DomainError):
    """The input breaks a rule (a missing value, a bad number, a duplicate code ...)."""


class NotAllowed(DomainError):
    """The user's role or ownership does not allow this; the boundary answers 403 with the message as the reason
    and, when given, a link to where the user can do something about it."""

    status = 403

    def __init__(self, message: str, *, field: str | None = None, link: str | None = None,
                 link_label: str | None = None):
        super().__init__(message, field=field)
        self.link = link
        self.link_label = link_label


class Conflict(DomainError):
    """The change clashes with the current state of the data."""

    status = 409


class StaleEdit(Conflict):
    """Someone else saved the item after this form was opened."""

    def __init__(self, message: str | None = None, *, field: str | None = None):
        super().__init__(message or _("Someone else saved this in the meantime. Reload the page to see their "
                                      "version, then make your change again."), field=field)


class YearLocked(Conflict):
    """The year's Board evaluation is final: its values and assessments cannot change."""

    def __init__(self, year: int, *, field: str | None = None):
        self.year = year
        super().__init__(_("%(year)s is locked because its Board evaluation was marked final: nothing of %(year)s can "
                           "change unless an administrator reopens the year.", year=year), field=field)


class Unavailable(DomainError):
    """A service the change needs failed (the disk, say): nothing was saved, and trying again may work."""

    status = 500


class ReviewError(DomainError):
    """A review step that does not fit the item's current state (or lacks its note)."""
