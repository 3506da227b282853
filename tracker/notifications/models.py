"""A notification: one thing one person is told, shown under the bell and emailed now or in the daily digest."""
from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..auth.models import User
from ..core.models import utcnow
from ..extensions import db

# Each kind, with why its recipient gets it (every email says so).
KINDS = {
    "submitted": _l("you are the Secretary General, who reviews what staff submit"),
    "returned": _l("you wrote it and the reviewer returned it to you"),
    "approved": _l("you wrote it and the reviewer approved it"),
    "responsible": _l("you were made responsible for this outcome"),
    "report_final": _l("you are a member of the Board, to whom final evaluations are released"),
    "reminder_drafted_by": _l("you are responsible for outcomes whose assessment is not submitted yet"),
    "reminder_reviewed_by": _l("you are the Secretary General, and submitted items wait for your review"),
    "reminder_meeting_date": _l("you are the Secretary General, and the year's Board evaluation is not final yet"),
}


class Notification(db.Model):
    """Something one user is told: read when they open the list, emailed once (now, or in the daily digest)."""

    __tablename__ = "notification"
    __table_args__ = (Index("ix_notification_user_read", "user_id", "read_at"),
                      Index("ix_notification_pending", "emailed_at", "user_id"))

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(32))
    text: Mapped[str] = mapped_column(String(1000))
    link: Mapped[str] = mapped_column(String(500))  # a path in the tracker; emails put BASE_URL in front
    created_at: Mapped[datetime] = mapped_column(db.DateTime(timezone=True), default=utcnow)
    read_at: Mapped[datetime | None] = mapped_column(db.DateTime(timezone=True))
    # Set when an email (immediate or the digest) took it, or when it was read before any email left.
    emailed_at: Mapped[datetime | None] = mapped_column(db.DateTime(timezone=True))

    user: Mapped[User] = relationship()

    @property
    def reason(self) -> str:
        """Why its recipient is told."""
        return str(KINDS.get(self.kind) or _l("you use the tracker"))
