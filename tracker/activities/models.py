"""Activities and their links to outcomes, members, partners, themes and challenges."""
from datetime import date, datetime
from decimal import Decimal

from flask_babel import lazy_gettext as _l
from sqlalchemy import CheckConstraint, Column, ForeignKey, Index, Numeric, String, Table, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..auth.models import User
from ..core.models import SoftDeleteMixin, utcnow
from ..extensions import db
from ..plan.models import Challenge, Member, OrientingTheme, Outcome, OutcomeKind, Partner
from .labels import Labels

# The one place where kinds and statuses get their words; lazy, so each reader sees them in their language.
ACTIVITY_KINDS = Labels({
    "event": _l("Event"),
    "meeting": _l("Meeting or bilateral"),
    "mission": _l("Mission"),
    "publication": _l("Publication"),
    "training": _l("Training or learning session"),
    "policy_debate": _l("Policy debate"),
    "statement": _l("Statement or declaration"),
    "pilot_project": _l("Pilot project"),
    "platform": _l("Platform or tool"),
    "campaign": _l("Campaign or communication"),
    "internal": _l("Internal process"),
})
ACTIVITY_STATUSES = Labels({
    "planned": _l("Planned"),
    "in_progress": _l("In progress"),
    "completed": _l("Completed"),
    "cancelled": _l("Cancelled"),
})


def _link_table(name: str, target: str) -> Table:
    """A many-to-many table between activities and a reference list."""
    return Table(
        name, db.metadata,
        Column("activity_id", ForeignKey("activity.id", ondelete="CASCADE"), primary_key=True),
        Column(f"{target}_id", ForeignKey(f"{target}.id", ondelete="CASCADE"), primary_key=True, index=True),
    )


activity_outcome = _link_table("activity_outcome", "outcome")
activity_member = _link_table("activity_member", "member")
activity_partner = _link_table("activity_partner", "partner")
activity_theme = _link_table("activity_theme", "orienting_theme")
activity_challenge = _link_table("activity_challenge", "challenge")


class Activity(SoftDeleteMixin, db.Model):
    """Something the Secretariat did or plans to do: an event, a mission, a publication, ..."""

    __tablename__ = "activity"
    __table_args__ = (
        CheckConstraint("end_date >= start_date", name="dates_ordered"),
        CheckConstraint("participants_total IS NULL OR participants_total >= 0", name="participants_positive"),
        CheckConstraint("participants_women IS NULL OR participants_women >= 0", name="women_positive"),
        CheckConstraint("participants_men IS NULL OR participants_men >= 0", name="men_positive"),
        CheckConstraint("participants_other IS NULL OR participants_other >= 0", name="other_positive"),
        CheckConstraint("budget_planned IS NULL OR budget_planned >= 0", name="budget_planned_positive"),
        CheckConstraint("budget_spent IS NULL OR budget_spent >= 0", name="budget_spent_positive"),
        Index("ix_activity_year_status", "year", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(32), index=True)
    outcome_kind_id: Mapped[int | None] = mapped_column(ForeignKey("outcome_kind.id"))
    start_date: Mapped[date]
    end_date: Mapped[date]
    year: Mapped[int] = mapped_column(index=True)  # the plan year: the start date's year, set by the service
    status: Mapped[str] = mapped_column(String(16))
    description: Mapped[str] = mapped_column(Text, default="")
    place: Mapped[str] = mapped_column(String(200), default="")  # a city, or "online"
    participants_total: Mapped[int | None]
    participants_women: Mapped[int | None]
    participants_men: Mapped[int | None]
    participants_other: Mapped[int | None]  # another gender, or not stated: women + men + other = total
    budget_planned: Mapped[Decimal | None] = mapped_column(Numeric(14, 2))
    budget_spent: Mapped[Decimal | None] = mapped_column(Numeric(14, 2))
    responsible_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"), index=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    created_at: Mapped[datetime] = mapped_column(db.DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(db.DateTime(timezone=True), default=utcnow, onupdate=utcnow)
    is_demo: Mapped[bool] = mapped_column(default=False)  # made by `seed demo`, clearly marked in the pages
    version: Mapped[int] = mapped_column(default=1)  # optimistic locking: each save checks and bumps it

    outcome_kind: Mapped[OutcomeKind | None] = relationship()
    responsible: Mapped[User | None] = relationship(foreign_keys=[responsible_id])
    created_by: Mapped[User | None] = relationship(foreign_keys=[created_by_id])
    outcomes: Mapped[list[Outcome]] = relationship(secondary=activity_outcome, order_by=Outcome.position)
    members: Mapped[list[Member]] = relationship(secondary=activity_member, order_by=Member.city)
    partners: Mapped[list[Partner]] = relationship(secondary=activity_partner, order_by=Partner.name)
    themes: Mapped[list[OrientingTheme]] = relationship(secondary=activity_theme, order_by=OrientingTheme.position)
    challenges: Mapped[list[Challenge]] = relationship(secondary=activity_challenge, order_by=Challenge.position)

    __mapper_args__ = {"version_id_col": version}

    @property
    def kind_label(self) -> str:
        """The kind as people say it, in the reader's language."""
        return ACTIVITY_KINDS.get(self.kind, self.kind)

    @property
    def status_label(self) -> str:
        """The status as people say it, in the reader's language."""
        return ACTIVITY_STATUSES.get(self.status, self.status)

