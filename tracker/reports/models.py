"""The Secretary General's summaries and the archive of generated reports."""
from datetime import datetime

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..auth.models import User
from ..core.models import utcnow
from ..extensions import db


class ReportSummary(db.Model):
    """The Secretary General's summary for a report: scope is a year ("2022") or "final"."""

    __tablename__ = "report_summary"

    scope: Mapped[str] = mapped_column(String(8), primary_key=True)
    text: Mapped[str] = mapped_column(Text, default="")
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    updated_at: Mapped[datetime] = mapped_column(db.DateTime(timezone=True), default=utcnow, onupdate=utcnow)

    updated_by: Mapped[User | None] = relationship()


class Report(db.Model):
    """One generated PDF, archived: never overwritten, identified by its SHA-256."""

    __tablename__ = "report"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(8))  # "board" (one year) or "final" (2021-2023)
    year: Mapped[int | None]
    filename: Mapped[str] = mapped_column(String(200), unique=True)  # inside EXPORTS_FOLDER
    sha256: Mapped[str] = mapped_column(String(64))
    size: Mapped[int]
    pages: Mapped[int]
    draft: Mapped[bool]
    is_final: Mapped[bool] = mapped_column(default=False)  # the Board evaluation marked final: the year locks
    generated_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    generated_at: Mapped[datetime] = mapped_column(db.DateTime(timezone=True), default=utcnow)

    generated_by: Mapped[User | None] = relationship()
