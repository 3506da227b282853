"""The transaction boundary: a view runs its change through `attempt`, which commits once or rolls back.

Domain errors become a message next to the form field they concern (or a flash when there is no form);
a refusal by role or ownership becomes a 403 that gives its reason; anything else is a programming error and
reaches the 500 page after the session is rolled back. Services never commit.
"""
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from flask import flash, g, has_app_context
from sqlalchemy.orm.exc import StaleDataError

from ..extensions import db
from .access import refuse
from .errors import DomainError, NotAllowed, StaleEdit


@dataclass
class Attempt:
    """What came of a change: the work's return value, or the domain error that refused it."""

    value: Any = None
    error: DomainError | None = None

    @property
    def ok(self) -> bool:
        """Tell whether the change was committed."""
        return self.error is None

    @property
    def status(self) -> int:
        """The HTTP status of a page shown again after this attempt."""
        return 200 if self.error is None else self.error.status


def attempt(work: Callable[[], Any], *, form=None, field: str | None = None, show: bool = True,
            retry_on: tuple[type[Exception], ...] = ()) -> Attempt:
    """Run `work`, commit, and turn a domain error into a field message (or flash); 403 on NotAllowed.

    With show=False the view presents the refusal itself (a conflict shown side by side, say). An error in
    `retry_on` (a concurrent insert of the same row, say) rolls back and runs the work once more.
    """
    try:
        value = _once_more_on(retry_on, work)
    except NotAllowed as refusal:
        db.session.rollback()
        refuse(str(refusal), link=refusal.link, link_label=refusal.link_label)
    except StaleDataError:  # a concurrent save landed between the version check and the write
        db.session.rollback()
        error = StaleEdit()
    except DomainError as refusal:
        db.session.rollback()
        error = refusal
    else:
        return Attempt(value=value)
    if show:
        show_error(error, form, field)
    return Attempt(error=error)


def _once_more_on(errors: tuple[type[Exception], ...], work: Callable[[], Any]) -> Any:
    """Run the work and commit; after one of `errors`, roll back and run it again."""
    try:
        value = work()
        _commit()
        return value
    except errors:
        db.session.rollback()
    value = work()
    _commit()
    return value


def _commit() -> None:
    """Commit, and remember it: an error after this point must not tell the user that nothing was saved."""
    db.session.commit()
    if has_app_context():
        g.tracker_committed = True


def committed_in_this_request() -> bool:
    """Whether a change went through `attempt` and was committed while handling this request."""
    return has_app_context() and g.get("tracker_committed", False)


def show_error(error: DomainError, form=None, field: str | None = None) -> None:
    """Put an error's message on its field, on the form as a whole, or in a flash."""
    name = error.field or field
    if form is not None and name and name in form:
        form[name].errors = [*form[name].errors, str(error)]
    elif form is not None:
        form.form_errors.append(str(error))
    else:
        flash(str(error), "error")



def run_command(work: Callable[[], Any]) -> Any:
    """Run a command-line change and commit it; on a domain error roll back and exit with its message."""
    import click  # only the command line needs it

    try:
        value = work()
        db.session.commit()
    except DomainError as error:
        db.session.rollback()
        raise click.ClickException(str(error)) from error
    return value
