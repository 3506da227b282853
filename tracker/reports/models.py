"""The Secretary General's summaries, the archive of generated reports, and the Board meeting of each year."""
from datetime import date, datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import CheckConstraint, Column, ForeignKey, Index, String, Table, Text, text
from sqlalchemy.orm import Mapped, deferred, mapped_column, relationship

from ..auth.models import User
from ..core.models import utcnow
from ..extensions import db
from ..plan.models import Outcome

BOARD_ITEM_KINDS = {"decision": _l("Decision asked of the Board"), "risk": _l("Main risk")}


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
    is_final: Mapped[bool] = mapped_column(default=False)  # marked final: the Board reads it; a year locks
    generated_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    generated_at: Mapped[datetime] = mapped_column(db.DateTime(timezone=True), default=utcnow)
    version: Mapped[int] = mapped_column(default=1)  # the n-th report generated for the same (kind, year)
    # The language it was written in (tracker/core/i18n.py LANGUAGES); the versions of a year count every language.
    language: Mapped[str] = mapped_column(String(5), default="en", server_default="en")
    # The plain data the PDF was rendered from (JSON, sorted keys); deferred: the archive list never needs it.
    data_json: Mapped[str | None] = deferred(mapped_column(Text))
    # Set when marked final: the SHA-256 of data_json then, so any later change to the stored data shows.
    frozen_sha256: Mapped[str | None] = mapped_column(String(64))
    frozen_at: Mapped[datetime | None] = mapped_column(db.DateTime(timezone=True))

    generated_by: Mapped[User | None] = relationship()

    # Two workers generating the same year at once must not both archive "version 3" (the final evaluation
    # has no year: coalesce, as NULLs never clash in a unique index).
    __table_args__ = (Index("uq_report_kind_year_version", "kind", text("coalesce(year, 0)"), "version", unique=True),)


class BoardYear(db.Model):
    """A year's reporting calendar: assessments drafted by, reviewed by, and the Board meeting the evaluation is for."""

    __tablename__ = "board_year"

    year: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    drafted_by: Mapped[date | None]  # staff submit their assessments of the year by then
    reviewed_by: Mapped[date | None]  # the Secretary General has reviewed what was submitted by then
    meeting_date: Mapped[date | None]
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    updated_at: Mapped[datetime] = mapped_column(db.DateTime(timezone=True), default=utcnow, onupdate=utcnow)


board_item_outcome = Table(
    "board_item_outcome", db.metadata,
    Column("board_item_id", ForeignKey("board_item.id", ondelete="CASCADE"), primary_key=True),
    Column("outcome_id", ForeignKey("outcome.id"), primary_key=True),
)


class BoardItem(db.Model):
    """A decision asked of the Board or a main risk, for one year, tied to the outcomes it concerns."""

    __tablename__ = "board_item"
    __table_args__ = (CheckConstraint("kind IN ('decision', 'risk')", name="kind"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    year: Mapped[int] = mapped_column(index=True)
    kind: Mapped[str] = mapped_column(String(8))
    text: Mapped[str] = mapped_column(Text)
    position: Mapped[int]  # order within the year and kind, from 1
    decided: Mapped[str | None] = mapped_column(Text)  # what the Board decided, recorded after the meeting
    follow_up: Mapped[str | None] = mapped_column(Text)  # what was done since
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    created_at: Mapped[datetime] = mapped_column(db.DateTime(timezone=True), default=utcnow)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    updated_at: Mapped[datetime] = mapped_column(db.DateTime(timezone=True), default=utcnow, onupdate=utcnow)

    outcomes: Mapped[list[Outcome]] = relationship(secondary=board_item_outcome, order_by=Outcome.position)

    @property
    def kind_label(self) -> str:
        """The kind as people say it."""
        return str(BOARD_ITEM_KINDS[self.kind])


REQUEST_STATES = ("queued", "running", "done", "failed")


class ReportRequest(db.Model):
    """A click on "Generate": the report job's state, its progress, and the report it made."""

    __tablename__ = "report_request"
    __table_args__ = (CheckConstraint("state IN ('queued', 'running', 'done', 'failed')", name="state"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(8))
    year: Mapped[int | None]
    # "board-2022-fr" while queued or running, else NULL: a second click on the same report finds the first request
    # instead of rendering again (a unique index; NULLs never clash).
    active_key: Mapped[str | None] = mapped_column(String(16), unique=True)
    language: Mapped[str] = mapped_column(String(5), default="en", server_default="en")  # the report's language
    state: Mapped[str] = mapped_column(String(8), default="queued")
    stage: Mapped[str] = mapped_column(String(16), default="queued")
    attempts: Mapped[int] = mapped_column(default=0)
    requested_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    requested_at: Mapped[datetime] = mapped_column(db.DateTime(timezone=True), default=utcnow)
    started_at: Mapped[datetime | None] = mapped_column(db.DateTime(timezone=True))
    heartbeat_at: Mapped[datetime | None] = mapped_column(db.DateTime(timezone=True))  # the worker's last sign
    finished_at: Mapped[datetime | None] = mapped_column(db.DateTime(timezone=True))
    # The archive name this attempt writes: a retry after a killed worker removes what that attempt left.
    filename: Mapped[str | None] = mapped_column(String(200))
    report_id: Mapped[int | None] = mapped_column(ForeignKey("report.id"))
    error: Mapped[str | None] = mapped_column(String(500))

    requested_by: Mapped[User | None] = relationship()
    report: Mapped[Report | None] = relationship()

    @property
    def active(self) -> bool:
        """Tell whether the job has still to finish."""
        return self.state in ("queued", "running")
