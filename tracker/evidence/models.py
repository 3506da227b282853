"""Stored files (by content hash) and pieces of evidence."""
from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import CheckConstraint, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..activities.labels import Labels
from ..activities.models import Activity
from ..auth.models import User
from ..core.models import SoftDeleteMixin, utcnow
from ..extensions import db
from ..plan.models import Outcome

EVIDENCE_KINDS = Labels({"file": _l("File"), "link": _l("Link"), "note": _l("Note")})


class StoredFile(db.Model):
    """A file's content, stored once under its SHA-256 at <EVIDENCE_FOLDER>/<sha[:2]>/<sha>."""

    __tablename__ = "stored_file"

    id: Mapped[int] = mapped_column(primary_key=True)
    sha256: Mapped[str] = mapped_column(String(64), unique=True)
    size: Mapped[int]
    mime_type: Mapped[str] = mapped_column(String(120))
    created_at: Mapped[datetime] = mapped_column(db.DateTime(timezone=True), default=utcnow)


class Evidence(SoftDeleteMixin, db.Model):
    """A file, a link or a note proving an activity or an outcome."""

    __tablename__ = "evidence"
    __table_args__ = (
        CheckConstraint("activity_id IS NOT NULL OR outcome_id IS NOT NULL", name="attached"),
        CheckConstraint("kind IN ('file', 'link', 'note')", name="kind_known"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(8))
    title: Mapped[str] = mapped_column(String(200))
    activity_id: Mapped[int | None] = mapped_column(ForeignKey("activity.id"), index=True)
    outcome_id: Mapped[int | None] = mapped_column(ForeignKey("outcome.id"), index=True)
    url: Mapped[str | None] = mapped_column(String(2000))
    note: Mapped[str | None] = mapped_column(Text)
    file_id: Mapped[int | None] = mapped_column(ForeignKey("stored_file.id"))
    original_filename: Mapped[str | None] = mapped_column(String(255))  # kept only here, never on disk
    added_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    added_at: Mapped[datetime] = mapped_column(db.DateTime(timezone=True), default=utcnow)
    is_demo: Mapped[bool] = mapped_column(default=False)
    version: Mapped[int] = mapped_column(default=1)

    activity: Mapped[Activity | None] = relationship(backref=db.backref("evidence", order_by="Evidence.added_at",
                                                                       lazy="select"))
    outcome: Mapped[Outcome | None] = relationship()
    file: Mapped[StoredFile | None] = relationship()
    added_by: Mapped[User | None] = relationship()

    __mapper_args__ = {"version_id_col": version}
