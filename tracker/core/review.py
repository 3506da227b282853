"""The review workflow, written once: draft → submitted → approved, or returned with a note; each step audited.

A reviewed model mixes in ReviewMixin and provides `year`, `review_snapshot()` (its audited fields) and
`review_label` ("Assessment of L1.A1.O1 for 2022"). Only approved items reach totals and the Board.
"""
from datetime import datetime
from enum import StrEnum

from sqlalchemy import Enum, ForeignKey, Text
from sqlalchemy.orm import Mapped, declared_attr, mapped_column, relationship

from ..extensions import db
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
    ReviewState.DRAFT: "Draft",
    ReviewState.SUBMITTED: "Submitted",
    ReviewState.RETURNED: "Returned",
    ReviewState.APPROVED: "Approved",
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

    @property
    def review_label_text(self) -> str:
        """The review state as people say it."""
        return REVIEW_LABELS[ReviewState(self.review_state)]

    @property
    def is_approved(self) -> bool:
        """Tell whether the item counts."""
        return self.review_state == ReviewState.APPROVED


def _step(actor, item, action: str, change, summary: str):
    """Apply one review step to an item of an open year and audit it."""
    ensure_unlocked(item.year)
    before = item.review_snapshot()
    change()
    db.session.flush()
    record(actor, action, item, before=before, after=item.review_snapshot(), summary=summary[:500])
    return item


def submit(actor, item):
    """Move an item to 'submitted' (the feature checked that the actor may submit it)."""

    def change():
        if item.review_state == ReviewState.SUBMITTED:
            raise ReviewError("This is already submitted and waits for review.")
        if item.review_state == ReviewState.APPROVED:
            raise ReviewError("This is already approved. Edit it first if it needs to change.")
        item.review_state = ReviewState.SUBMITTED
        item.submitted_at = utcnow()

    return _step(actor, item, "submit", change, f"{item.review_label} submitted for review")


def return_(actor, item, note: str):
    """Send a submitted or approved item back to its author with a note (Secretary General or admin)."""
    require_steering(actor, "Only the Secretary General or an administrator can approve or return.")
    note = strip_invisible(note or "")

    def change():
        if not has_visible(note):
            raise ReviewError("Write a note saying what needs to change before returning it.", field="note")
        if item.review_state not in (ReviewState.SUBMITTED, ReviewState.APPROVED):
            raise ReviewError("Only submitted or approved items can be returned.")
        item.review_state = ReviewState.RETURNED
        item.review_note = note
        item.reviewed_by_id = actor.id
        item.reviewed_at = utcnow()

    return _step(actor, item, "return", change, f"{item.review_label} returned: {note}")


def approve(actor, item):
    """Approve a submitted item (Secretary General or admin): from now on it counts."""
    require_steering(actor, "Only the Secretary General or an administrator can approve or return.")

    def change():
        if item.review_state != ReviewState.SUBMITTED:
            raise ReviewError("Only submitted items can be approved; this one is "
                              f"{REVIEW_LABELS[ReviewState(item.review_state)].lower()}.")
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
    """Add a new reviewed item as a draft, audited."""
    item.review_state = ReviewState.DRAFT
    db.session.add(item)
    db.session.flush()
    record(actor, "create", item, after=item.review_snapshot(), summary=summary[:500])
    return item


def edit(actor, item, changes: dict, *, version=None, summary: str) -> bool:
    """Change a reviewed item unless someone saved it since `version`; a real change needs a new review."""
    if version not in (None, "") and str(version) != str(item.version):
        raise StaleEdit()
    if all(getattr(item, name) == value for name, value in changes.items()):
        return False
    before = item.review_snapshot()
    for name, value in changes.items():
        setattr(item, name, value)
    moved = back_to_draft(item)
    db.session.flush()
    record(actor, "update", item, before=before, after=item.review_snapshot(),
           summary=(summary + (" (back to draft)" if moved else ""))[:500])
    return True
