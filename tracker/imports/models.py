"""An uploaded spreadsheet waiting for its confirm, and the rows already imported (each once)."""
from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..activities.models import Activity
from ..auth.models import User
from ..core.models import utcnow
from ..extensions import db

PENDING, IMPORTED = "pending", "imported"
IMPORT_STATES = (PENDING, IMPORTED)


class ActivityImport(db.Model):
    """A spreadsheet someone uploaded: kept in the database between preview and confirm (any worker may serve
    either), seen and confirmed by its owner only."""

    __tablename__ = "activity_import"
    __table_args__ = (CheckConstraint("state IN ('pending', 'imported')", name="state_known"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    owner_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), index=True)
    filename: Mapped[str] = mapped_column(String(255))
    file_type: Mapped[str] = mapped_column(String(8))  # "xlsx" or "csv", from the content
    sha256: Mapped[str] = mapped_column(String(64))
    content: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(db.DateTime(timezone=True), default=utcnow)
    state: Mapped[str] = mapped_column(String(16), default=PENDING)
    imported_at: Mapped[datetime | None] = mapped_column(db.DateTime(timezone=True))
    created_count: Mapped[int | None]

    owner: Mapped[User] = relationship()


class ImportedRow(db.Model):
    """One spreadsheet row turned into an activity; its fingerprint (the row's normalised values) is unique, so the
    same row imported twice, even by two confirms at once, creates one activity."""

    __tablename__ = "imported_row"

    id: Mapped[int] = mapped_column(primary_key=True)
    fingerprint: Mapped[str] = mapped_column(String(64), unique=True)
    import_id: Mapped[int] = mapped_column(ForeignKey("activity_import.id", ondelete="CASCADE"), index=True)
    row_number: Mapped[int]
    activity_id: Mapped[int] = mapped_column(ForeignKey("activity.id", ondelete="CASCADE"), index=True)

    activity: Mapped[Activity] = relationship()
