"""Assessments: staff's yearly judgement of each outcome, reviewed by the Secretary General."""
from datetime import datetime

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..auth.models import User
from ..core.models import utcnow
from ..core.review import ReviewMixin
from ..extensions import db
from ..plan.models import Outcome

ASSESSMENT_STATUSES = {
    "not_started": _l("Not started"),
    "on_track": _l("On track"),
    "needs_attention": _l("Needs attention"),
    "off_track": _l("Off track"),
    "achieved": _l("Achieved"),
}
TEXT_FIELDS = ("achieved", "difficulties", "next_steps")


class Assessment(ReviewMixin, db.Model):
    """Staff's yearly judgement of one outcome, reviewed by the Secretary General."""

    __tablename__ = "assessment"
    __table_args__ = (UniqueConstraint("outcome_id", "year"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    outcome_id: Mapped[int] = mapped_column(ForeignKey("outcome.id"))
    year: Mapped[int] = mapped_column(index=True)
    status: Mapped[str] = mapped_column(String(20), default="not_started")
    achieved: Mapped[str] = mapped_column(Text, default="")
    difficulties: Mapped[str] = mapped_column(Text, default="")
    next_steps: Mapped[str] = mapped_column(Text, default="")
    author_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    updated_at: Mapped[datetime] = mapped_column(db.DateTime(timezone=True), default=utcnow, onupdate=utcnow)
    version: Mapped[int] = mapped_column(default=1)

    outcome: Mapped[Outcome] = relationship()
    author: Mapped[User | None] = relationship(foreign_keys=[author_id])

    __mapper_args__ = {"version_id_col": version}

    @property
    def status_label(self) -> str:
        """The status as people say it."""
        return str(ASSESSMENT_STATUSES.get(self.status, self.status))

    @property
    def review_label(self) -> str:
        """How the audit record and messages name this assessment."""
        return f"Assessment of {self.outcome.code} for {self.year}"

    @property
    def review_title(self) -> str:
        """How pages and messages name this assessment, in the reader's language (the record keeps review_label)."""
        return _("Assessment of %(code)s for %(year)s", code=self.outcome.code, year=self.year)

    def review_snapshot(self) -> dict:
        """The audited fields."""
        return {"outcome_id": self.outcome_id, "year": self.year, "status": self.status,
                "achieved": self.achieved, "difficulties": self.difficulties, "next_steps": self.next_steps,
                "review_state": self.review_state, "review_note": self.review_note}


ASSIGNMENT_STATES = {"pending": _l("Pending"), "granted": _l("Granted"), "declined": _l("Declined")}
PENDING = "pending"


class AssignmentRequest(db.Model):
    """A staff member's request to be made responsible for an outcome, decided by the Secretary General."""

    __tablename__ = "assignment_request"
    __table_args__ = (
        CheckConstraint("state IN ('pending', 'granted', 'declined')", name="state_known"),
        # One pending request per person and outcome, even when two clicks race.
        Index("uq_assignment_request_pending", "outcome_id", "requester_id", unique=True,
              sqlite_where=text("state = 'pending'"), postgresql_where=text("state = 'pending'")),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    outcome_id: Mapped[int] = mapped_column(ForeignKey("outcome.id"), index=True)
    requester_id: Mapped[int] = mapped_column(ForeignKey("user.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(db.DateTime(timezone=True), default=utcnow)
    state: Mapped[str] = mapped_column(String(10), default=PENDING, index=True)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    decided_at: Mapped[datetime | None] = mapped_column(db.DateTime(timezone=True))

    outcome: Mapped[Outcome] = relationship()
    requester: Mapped[User] = relationship(foreign_keys=[requester_id])
    decided_by: Mapped[User | None] = relationship(foreign_keys=[decided_by_id])

    @property
    def state_label(self) -> str:
        """The state as people say it."""
        return str(ASSIGNMENT_STATES.get(self.state, self.state))

    def snapshot(self) -> dict:
        """The audited fields."""
        return {"outcome_id": self.outcome_id, "requester_id": self.requester_id, "state": self.state,
                "decided_by_id": self.decided_by_id}
