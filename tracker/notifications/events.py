"""The events the tracker tells people of: each receiver picks the recipients and writes their notifications."""
from flask_babel import gettext as _
from sqlalchemy import select

from ..assessments.models import Assessment
from ..auth.models import User
from ..core import signals
from ..extensions import db
from ..indicators.models import IndicatorValue
from .services import board_members, notify, path_for, secretaries_general


def item_link(item) -> str:
    """The page where an assessment or an indicator value is read and edited."""
    if isinstance(item, Assessment):
        return path_for("assessments.edit", code=item.outcome.code, year=item.year)
    if isinstance(item, IndicatorValue):
        return path_for("indicators.value", indicator_id=item.indicator_id, year=item.year)
    return path_for("review.my_updates")


def _author(item, actor) -> list:
    """The author of an item, to be told of a reviewer's decision (never the reviewer themself)."""
    author = item.author
    if author is None or not author.active or author.id == getattr(actor, "id", None):
        return []
    return [author]


def on_reviewed(item, *, actor, action: str, note: str | None = None, **_signal) -> None:
    """Submitted: the Secretary General is told; returned (with the note) or approved: the author is."""
    # Written for each recipient in their language (the item's label too): functions, not strings.
    if action == "submit":
        notify(secretaries_general(besides=actor), "submitted",
               lambda: _("%(who)s submitted %(label)s for review.", who=_who(actor), label=item.review_label),
               path_for("review.queue"))
    elif action == "return":
        notify(_author(item, actor), "returned",
               lambda: _("%(who)s returned %(label)s to you: %(note)s", who=_who(actor), label=item.review_label,
                         note=note),
               item_link(item))
    elif action == "approve":
        notify(_author(item, actor), "approved",
               lambda: _("%(who)s approved %(label)s.", who=_who(actor), label=item.review_label), item_link(item))


def _who(actor) -> str:
    """Who acted, by name (someone, for a change no person made)."""
    return getattr(actor, "name", None) or _("Someone")


def on_responsibles_added(outcome, *, actor, added, **_signal) -> None:
    """A person made responsible for an outcome is told."""
    ids = [user_id for user_id in added if user_id != getattr(actor, "id", None)]
    users = list(db.session.scalars(select(User).where(User.id.in_(ids), User.active.is_(True)).order_by(User.id)))
    notify(users, "responsible",
           lambda: _("%(who)s made you responsible for outcome %(code)s: %(title)s", who=_who(actor),
                     code=outcome.code, title=outcome.title),
           path_for("plan.outcome", code=outcome.code))


def on_report_marked_final(report, *, actor, **_signal) -> None:
    """Every Board member is told that an evaluation is ready."""
    if report.kind == "board":
        notify(board_members(), "report_final", lambda: _("The %(year)s evaluation is ready.", year=report.year),
               path_for("reports.index"))
    else:
        notify(board_members(), "report_final", lambda: _("The final evaluation of the plan 2021-2023 is ready."),
               path_for("home.evaluation"))


def connect() -> None:
    """Listen to the events (connecting twice is harmless: blinker keeps one connection per receiver)."""
    signals.reviewed.connect(on_reviewed)
    signals.responsibles_added.connect(on_responsibles_added)
    signals.report_marked_final.connect(on_report_marked_final)
