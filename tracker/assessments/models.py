"""Assessments, who is responsible for each outcome, and locked years."""
from datetime import datetime

from sqlalchemy import Column, ForeignKey, String, Table, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..auth.models import User, utcnow
from ..extensions import db
from ..plan.models import Outcome

ASSESSMENT_STATUSES = {
    "not_started": "Not started",
    "on_track": "On track",
    "needs_attention": "Needs attention",
    "off_track": "Off track",
    "achieved": "Achieved",
}

# The staff responsible for each outcome: their "my updates" page lists what is due.
outcome_responsible = Table(
    "outcome_responsible", db.metadata,
    Column("outcome_id", ForeignKey("outcome.id", ondelete="CASCADE"), primary_key=True),
    Column("user_id", ForeignKey("user.id", ondelete="CASCADE"), primary_key=True, index=True),
)


class Assessment(db.Model):
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
    review_state: Mapped[str] = mapped_column(String(16), default="draft")
    review_note: Mapped[str | None] = mapped_column(Text)
    author_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    updated_at: Mapped[datetime] = mapped_column(db.DateTime(timezone=True), default=utcnow, onupdate=utcnow)
    submitted_at: Mapped[datetime | None] = mapped_column(db.DateTime(timezone=True))
    reviewed_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    reviewed_at: Mapped[datetime | None] = mapped_column(db.DateTime(timezone=True))
    version: Mapped[int] = mapped_column(default=1)

    outcome: Mapped[Outcome] = relationship()
    author: Mapped[User | None] = relationship(foreign_keys=[author_id])
    reviewed_by: Mapped[User | None] = relationship(foreign_keys=[reviewed_by_id])

    __mapper_args__ = {"version_id_col": version}

    @property
    def status_label(self) -> str:
        """The status as people say it."""
        return ASSESSMENT_STATUSES.get(self.status, self.status)


class YearLock(db.Model):
    """A plan year whose Board evaluation is final: its values and assessments are frozen."""

    __tablename__ = "year_lock"

    year: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    locked_at: Mapped[datetime] = mapped_column(db.DateTime(timezone=True), default=utcnow)
    locked_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    reason: Mapped[str] = mapped_column(String(500), default="")

    locked_by: Mapped[User | None] = relationship()
