"""Indicators, yearly targets (with status overrides) and entered values under review."""
from datetime import datetime
from decimal import Decimal

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import CheckConstraint, ForeignKey, Numeric, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship, synonym

from ..auth.models import User
from ..core.i18n import translated_text
from ..core.models import utcnow
from ..core.review import ReviewMixin
from ..extensions import db
from ..plan.models import Outcome

UNITS = {"number": _l("Number"), "percent": _l("Percent"), "euros": _l("Euros"), "people": _l("People")}
DIRECTIONS = {"higher": _l("Higher is better"), "lower": _l("Lower is better"), "range": _l("Stay within a range")}
# How values come: typed by staff (and reviewed), or computed from the activity log of the year.
METHODS = {
    "manual": _l("Entered by staff"),
    "completed_activities": _l("Completed activities"),
    "members_engaged": _l("Distinct members engaged"),
    "partners_engaged": _l("Distinct partners engaged"),
    "participants": _l("Participants"),
    "women_share": _l("Women's share of participants (%)"),
    "budget_spent": _l("Budget spent (EUR)"),
    "evidence_count": _l("Pieces of evidence"),
}
STATUSES = {"on_track": _l("On track"), "needs_attention": _l("Needs attention"), "off_track": _l("Off track")}


class Indicator(db.Model):
    """A measure of progress, on one outcome or on the plan as a whole (outcome_id NULL)."""

    __tablename__ = "indicator"
    __table_args__ = (
        CheckConstraint("unit IN ('number', 'percent', 'euros', 'people')", name="unit_known"),
        CheckConstraint("direction IN ('higher', 'lower', 'range')", name="direction_known"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)  # e.g. "PW-MEMBERS", "L1-EVENTS"
    # The English name as the Secretary General wrote it (the column keeps its name); `name` reads the reader's
    # language, the English where no translation is written.
    name_en: Mapped[str] = mapped_column("name", String(200))
    name_fr: Mapped[str | None] = mapped_column(String(200))
    name_es: Mapped[str | None] = mapped_column(String(200))
    name = translated_text("name_en", "name")
    definition: Mapped[str] = mapped_column(Text, default="")
    outcome_id: Mapped[int | None] = mapped_column(ForeignKey("outcome.id"), index=True)
    unit: Mapped[str] = mapped_column(String(16), default="number")
    direction: Mapped[str] = mapped_column(String(8), default="higher")
    baseline_value: Mapped[Decimal | None] = mapped_column(Numeric(18, 4))
    baseline_year: Mapped[int | None]
    cumulative: Mapped[bool] = mapped_column(default=False)  # targets and actuals add up over the plan years
    method: Mapped[str] = mapped_column(String(32), default="manual")
    method_kinds: Mapped[list | None] = mapped_column(db.JSON)  # activity kinds counted, None for all
    position: Mapped[int] = mapped_column(default=0)
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(db.DateTime(timezone=True), default=utcnow)

    outcome: Mapped[Outcome | None] = relationship()
    targets: Mapped[list["IndicatorTarget"]] = relationship(back_populates="indicator",
                                                            order_by="IndicatorTarget.year",
                                                            cascade="all, delete-orphan")
    values: Mapped[list["IndicatorValue"]] = relationship(back_populates="indicator",
                                                          order_by="IndicatorValue.year",
                                                          cascade="all, delete-orphan")

    @property
    def is_computed(self) -> bool:
        """Values come from the activity log rather than from staff."""
        return self.method != "manual"


class IndicatorTarget(db.Model):
    """An indicator's target for one plan year, and the Secretary General's status override if any."""

    __tablename__ = "indicator_target"
    __table_args__ = (UniqueConstraint("indicator_id", "year"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    indicator_id: Mapped[int] = mapped_column(ForeignKey("indicator.id", ondelete="CASCADE"))
    year: Mapped[int]
    target: Mapped[Decimal | None] = mapped_column(Numeric(18, 4))  # lower bound for a range
    target_max: Mapped[Decimal | None] = mapped_column(Numeric(18, 4))  # upper bound, for a range only
    status_override: Mapped[str | None] = mapped_column(String(20))
    override_reason: Mapped[str | None] = mapped_column(Text)
    override_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    override_at: Mapped[datetime | None] = mapped_column(db.DateTime(timezone=True))

    indicator: Mapped[Indicator] = relationship(back_populates="targets")
    override_by: Mapped[User | None] = relationship()


class IndicatorValue(ReviewMixin, db.Model):
    """A value entered by staff for one year, reviewed like an assessment before it counts."""

    __tablename__ = "indicator_value"
    __table_args__ = (UniqueConstraint("indicator_id", "year"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    indicator_id: Mapped[int] = mapped_column(ForeignKey("indicator.id", ondelete="CASCADE"))
    year: Mapped[int]
    value: Mapped[Decimal] = mapped_column(Numeric(18, 4))
    note: Mapped[str] = mapped_column(Text, default="")
    evidence_id: Mapped[int | None] = mapped_column(ForeignKey("evidence.id"))
    entered_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    entered_at: Mapped[datetime] = mapped_column(db.DateTime(timezone=True), default=utcnow, onupdate=utcnow)
    version: Mapped[int] = mapped_column(default=1)

    indicator: Mapped[Indicator] = relationship(back_populates="values")
    entered_by: Mapped[User | None] = relationship(foreign_keys=[entered_by_id])
    # The review workflow knows an item's author by these names (an assessment has the columns themselves).
    author_id = synonym("entered_by_id")
    author = synonym("entered_by")

    __mapper_args__ = {"version_id_col": version}

    @property
    def review_label(self) -> str:
        """How the audit record and messages name this value."""
        return f"Value of {self.indicator.code} for {self.year}"

    @property
    def review_title(self) -> str:
        """How pages and messages name this value, in the reader's language (the record keeps review_label)."""
        return _("Value of %(code)s for %(year)s", code=self.indicator.code, year=self.year)

    def review_snapshot(self) -> dict:
        """The audited fields."""
        return {"indicator_id": self.indicator_id, "year": self.year, "value": self.value, "note": self.note,
                "evidence_id": self.evidence_id, "review_state": self.review_state, "review_note": self.review_note}
