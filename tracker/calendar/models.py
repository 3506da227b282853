"""The reminders already sent: one row per person, date, year and offset, so none is ever sent twice."""
from datetime import datetime

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from ..core.models import utcnow
from ..extensions import db


class ReminderSent(db.Model):
    """A reminder one person was sent about one date of one year, at an offset in days (negative: before)."""

    __tablename__ = "reminder_sent"
    # The key that makes a reminder go once, even when the job runs again or on two workers at the same time.
    __table_args__ = (UniqueConstraint("user_id", "date_kind", "year", "offset_days", name="uq_reminder_sent_once"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"))
    date_kind: Mapped[str] = mapped_column(String(16))  # drafted_by, reviewed_by or meeting_date
    year: Mapped[int]
    offset_days: Mapped[int]
    sent_at: Mapped[datetime] = mapped_column(db.DateTime(timezone=True), default=utcnow)
