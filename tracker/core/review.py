"""The review workflow, written once: draft → submitted → approved, or returned with a note; each step audited.

A reviewed model mixes in ReviewMixin and provides `year`, `author_id` and `author` (who wrote it),
`review_snapshot()` (its audited fields), `review_label` ("Assessment of L1.A1.O1 for 2022", as the English record
names it) and `review_title` (the same in the reader's language, for messages). Only approved
items reach totals and the Board. Nobody approves their own work: neither the author nor the last editor of an
item may approve it (another reviewer does); returning one's own work for changes is fine.
"""
from datetime import datetime
from enum import StrEnum

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import Enum, ForeignKey, Text
from sqlalchemy.orm import Mapped, declared_attr, mapped_column, relationship

from ..extensions import db
from . import signals
from .access import require_steering
from .audit import record
from .errors import ReviewError, StaleEdit
from .models import utcnow
from .text import has_visible, strip_invisible
from .years import ensure_unlocked


class ReviewState(StrEnum):
    """Where an item stands in its review."""

    DRAFT = "draft"
    SUBMITTED = "submitted"
    RETURNED = "returned"
    APPROVED = "approved"


# The one place the states are named for people.
REVIEW_LABELS = {
    ReviewState.DRAFT: _l("Draft"),
    ReviewState.SUBMITTED: _l("Submitted"),
    ReviewState.RETURNED: _l("Returned"),
    ReviewState.APPROVED: _l("Approved"),
}


def review_state_type() -> Enum:
    """The column type: the state's value stored as text, with a check constraint on the known values."""
    return Enum(ReviewState, name="review_state", native_enum=False, create_constraint=True, length=16,
                values_callable=lambda states: [s.value for s in states], validate_strings=True)


class ReviewMixin:
    """The review columns of an item that the Secretary General approves or returns."""

    @declared_attr
    def review_state(cls) -> Mapped[ReviewState]:
        """Where the item stands in its review."""
        return mapped_column(review_state_type(), default=ReviewState.DRAFT)

    @declared_attr
    def review_note(cls) -> Mapped[str | None]:
        """The reviewer's note when the item was returned."""
        return mapped_column(Text)

    @declared_attr
    def submitted_at(cls) -> Mapped[datetime | None]:
        """When the item was last submitted."""
        return mapped_column(db.DateTime(timezone=True))

    @declared_attr
    def reviewed_by_id(cls) -> Mapped[int | None]:
        """Who last approved or returned the item."""
        return mapped_column(ForeignKey("user.id"))

    @declared_attr
    def reviewed_at(cls) -> Mapped[datetime | None]:
        """When the item was last approved or returned."""
        return mapped_column(db.DateTime(timezone=True))

    @declared_attr
    def reviewed_by(cls):
        """The reviewer's account."""
        return relationship("User", foreign_keys=f"{cls.__name__}.reviewed_by_id")

    @declared_attr
    def edited_by_id(cls) -> Mapped[int | None]:
        """Who last changed the item's text or figure (its author when nobody else has)."""
        return mapped_column(ForeignKey("user.id"))

    @declared_attr
    def edited_at(cls) -> Mapped[datetime | None]:
        """When the item's text or figure last changed."""
        return mapped_column(db.DateTime(timezone=True))

    @declared_attr
    def edited_by(cls):
        """The last editor's account."""
        return relationship("User", foreign_keys=f"{cls.__name__}.edited_by_id")

    @property
    def edited_by_other(self) -> bool:
        """Tell whether someone other than the author changed the item last (the page and the record say so)."""
        return self.edited_by_id is not None and self.edited_by_id != self.author_id

    @property
    def review_label_text(self) -> str:
        """The review state as people say it."""
        return str(REVIEW_LABELS[ReviewState(self.review_state)])

    @property
    def is_approved(self) -> bool:
        """Tell whether the item counts."""
        return self.review_state == ReviewState.APPROVED


# What a reviewer reads in place of the approve button on what they wrote or last edited.
OWN_WORK = _l("You wrote or edited this: another reviewer must approve it.")
# Why an item that is not submitted cannot be approved, one whole sentence per state (word order differs by language).
NOT_SUBMITTED = {
    ReviewState.DRAFT: _l("Only submitted items can be approved; this one is a draft."),
    ReviewState.RETURNED: _l("Only submitted items can be approved; this one was returned for changes."),
    ReviewState.APPROVED: _l("Only submitted items can be approved; this one is already approved."),
}


def wrote_or_edited(user, item) -> bool:
    """Tell whether a user is the author or the last editor of an item, and so may not approve it."""
    user_id = getattr(user, "id", None)
    return user_id is not None and user_id in (item.author_id, item.edited_by_id)


def _snapshot(item) -> dict:
    """The audited fields of an item, with who wrote it and who changed it last."""
    return {**item.review_snapshot(), "author_id": item.author_id, "edited_by_id": item.edited_by_id}


def _step(actor, item, action: str, change, summary: str):
    """Apply one review step to an item of an open year, audit it and announce it (notifications listen)."""
    ensure_unlocked(item.year)
    before = _snapshot(item)
    change()
    db.session.flush()
    record(actor, action, item, before=before, after=_snapshot(item), summary=summary[:500])
    signals.reviewed.send(item, actor=actor, action=action, note=item.review_note if action == "return" else None)
    return item


def submit(actor, item):
    """Move an item to 'submitted' (the feature checked that the actor may submit it)."""

    def change():
        if item.review_state == ReviewState.SUBMITTED:
            raise ReviewError(_("This is already submitted and waits for review."))
        if item.review_state == ReviewState.APPROVED:
            raise ReviewError(_("This is already approved. Edit it first if it needs to change."))
        item.review_state = ReviewState.SUBMITTED
        item.submitted_at = utcnow()

    return _step(actor, item, "submit", change, f"{item.review_label} submitted for review")


def return_(actor, item, note: str):
    """Send a submitted or approved item back to its author with a note (Secretary General or admin)."""
    require_steering(actor, _("Only the Secretary General or an administrator can approve or return."))
    note = strip_invisible(note or "")

    def change():
        if not has_visible(note):
            raise ReviewError(_("Write a note saying what needs to change before returning it."), field="note")
        if item.review_state not in (ReviewState.SUBMITTED, ReviewState.APPROVED):
            raise ReviewError(_("Only submitted or approved items can be returned."))
        item.review_state = ReviewState.RETURNED
        item.review_note = note
        item.reviewed_by_id = actor.id
        item.reviewed_at = utcnow()

    return _step(actor, item, "return", change, f"{item.review_label} returned: {note}")


def approve(actor, item):
    """Approve a submitted item (Secretary General or admin, not its author or last editor): from now on it counts."""
    require_steering(actor, _("Only the Secretary General or an administrator can approve or return."))

    def change():
        if item.review_state != ReviewState.SUBMITTED:
            raise ReviewError(str(NOT_SUBMITTED[ReviewState(item.review_state)]))
        if wrote_or_edited(actor, item):
            raise ReviewError(_("You wrote or edited this (%(item)s), so you cannot approve it: another reviewer "
                                "(the Secretary General or an administrator) must approve it.",
                                item=getattr(item, "review_title", item.review_label)))
        item.review_state = ReviewState.APPROVED
        item.reviewed_by_id = actor.id
        item.reviewed_at = utcnow()

    return _step(actor, item, "approve", change, f"{item.review_label} approved")


def decide(actor, item, decision: str, note: str = ""):
    """Approve an item or return it with a note, as a review form decided."""
    if decision == "approve":
        return approve(actor, item)
    return return_(actor, item, note)


def back_to_draft(item) -> bool:
    """A changed text or figure needs a new review: a submitted or approved item becomes a draft again."""
    if item.review_state in (ReviewState.SUBMITTED, ReviewState.APPROVED):
        item.review_state = ReviewState.DRAFT  # the reviewer's note stays, for the author to see
        return True
    return False


def create(actor, item, summary: str):
    """Add a new reviewed item as a draft, audited; its author is its first editor."""
    item.review_state = ReviewState.DRAFT
    item.edited_by_id, item.edited_at = actor.id, utcnow()
    db.session.add(item)
    db.session.flush()
    record(actor, "create", item, after=_snapshot(item), summary=summary[:500])
    return item


def _edited_by(actor, item) -> str:
    """Say in the record that someone other than the author changed the item ("" when the author did)."""
    if item.author_id is None or item.author_id == actor.id:
        return ""
    author = item.author.name if item.author is not None else "its author"
    return f" (edited by {getattr(actor, 'name', 'someone')}; written by {author})"


def edit(actor, item, changes: dict, *, version=None, summary: str) -> bool:
    """Change a reviewed item unless someone saved it since `version`; a real change needs a new review."""
    if version not in (None, "") and str(version) != str(item.version):
        raise StaleEdit()
    if all(getattr(item, name) == value for name, value in changes.items()):
        return False
    before = _snapshot(item)
    for name, value in changes.items():
        setattr(item, name, value)
    item.edited_by_id, item.edited_at = actor.id, utcnow()  # the last editor may no longer approve it
    moved = back_to_draft(item)
    db.session.flush()
    record(actor, "update", item, before=before, after=_snapshot(item),
           summary=(summary + _edited_by(actor, item) + (" (back to draft)" if moved else ""))[:500])
    return True
