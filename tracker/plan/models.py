"""Plan → ActionLine (with key ideas) → Axis → Outcome, and the reference lists beside them."""
import re

from sqlalchemy import Column, ForeignKey, String, Table, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..core.i18n import translated_text
from ..extensions import db

REGIONS = ("Africa", "Asia-Pacific", "Europe", "Latin America and the Caribbean", "North America")


# The staff responsible for each outcome: their "my updates" page lists what is due.
outcome_responsible = Table(
    "outcome_responsible", db.metadata,
    Column("outcome_id", ForeignKey("outcome.id", ondelete="CASCADE"), primary_key=True),
    Column("user_id", ForeignKey("user.id", ondelete="CASCADE"), primary_key=True, index=True),
)


class Plan(db.Model):
    """The Strategic Action Plan."""

    __tablename__ = "plan"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    title: Mapped[str] = mapped_column(String(200))
    motto: Mapped[str] = mapped_column(String(200))
    start_year: Mapped[int]
    end_year: Mapped[int]

    lines: Mapped[list["ActionLine"]] = relationship(back_populates="plan", order_by="ActionLine.position")

    @property
    def years(self) -> range:
        """The plan years, first to last."""
        return range(self.start_year, self.end_year + 1)


class ActionLine(db.Model):
    """One of the plan's three action lines."""

    __tablename__ = "action_line"
    __table_args__ = (UniqueConstraint("plan_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("plan.id"))
    number: Mapped[int]
    code: Mapped[str] = mapped_column(String(16), unique=True)
    # The plan's English as adopted (the column keeps its name); `title` reads the reader's language.
    title_en: Mapped[str] = mapped_column("title", String(300))
    title_fr: Mapped[str | None] = mapped_column(String(300))
    title_es: Mapped[str | None] = mapped_column(String(300))
    title = translated_text("title_en", "title")
    position: Mapped[int]

    plan: Mapped[Plan] = relationship(back_populates="lines")
    key_ideas: Mapped[list["KeyIdea"]] = relationship(back_populates="line", order_by="KeyIdea.position",
                                                      cascade="all, delete-orphan")
    axes: Mapped[list["Axis"]] = relationship(back_populates="line", order_by="Axis.position")


class KeyIdea(db.Model):
    """A key idea that drives a line's outcomes, in the plan's order."""

    __tablename__ = "key_idea"
    __table_args__ = (UniqueConstraint("line_id", "position"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    line_id: Mapped[int] = mapped_column(ForeignKey("action_line.id", ondelete="CASCADE"))
    position: Mapped[int]
    # The plan's English as adopted (the column keeps its name); `text` reads the reader's language.
    text_en: Mapped[str] = mapped_column("text", String(300))
    text_fr: Mapped[str | None] = mapped_column(String(300))
    text_es: Mapped[str | None] = mapped_column(String(300))
    text = translated_text("text_en", "text")

    line: Mapped[ActionLine] = relationship(back_populates="key_ideas")


class Axis(db.Model):
    """An axis (objective) within an action line."""

    __tablename__ = "axis"
    __table_args__ = (UniqueConstraint("line_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    line_id: Mapped[int] = mapped_column(ForeignKey("action_line.id"))
    number: Mapped[int]
    code: Mapped[str] = mapped_column(String(16), unique=True)
    # The plan's English as adopted (the column keeps its name); `title` reads the reader's language.
    title_en: Mapped[str] = mapped_column("title", String(300))
    title_fr: Mapped[str | None] = mapped_column(String(300))
    title_es: Mapped[str | None] = mapped_column(String(300))
    title = translated_text("title_en", "title")
    position: Mapped[int]

    line: Mapped[ActionLine] = relationship(back_populates="axes")
    outcomes: Mapped[list["Outcome"]] = relationship(back_populates="axis", order_by="Outcome.position")


class Outcome(db.Model):
    """An outcome to be implemented by 2023: the unit progress is recorded against."""

    __tablename__ = "outcome"
    __table_args__ = (UniqueConstraint("axis_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    axis_id: Mapped[int] = mapped_column(ForeignKey("axis.id"))
    number: Mapped[int]
    code: Mapped[str] = mapped_column(String(24), unique=True)
    # The plan's English as adopted (the column keeps its name); `title` reads the reader's language.
    title_en: Mapped[str] = mapped_column("title", String(300))
    title_fr: Mapped[str | None] = mapped_column(String(300))
    title_es: Mapped[str | None] = mapped_column(String(300))
    title = translated_text("title_en", "title")
    position: Mapped[int]  # order within the whole plan, 1..35

    axis: Mapped[Axis] = relationship(back_populates="outcomes")

    @property
    def label(self) -> str:
        """Code and title, for lists and selects."""
        return f"{self.code} {self.title}"


class OrientingTheme(db.Model):
    """One of the five orienting themes of the plan's vision."""

    __tablename__ = "orienting_theme"

    id: Mapped[int] = mapped_column(primary_key=True)
    name_en: Mapped[str] = mapped_column("name", String(100), unique=True)
    name_fr: Mapped[str | None] = mapped_column(String(100))
    name_es: Mapped[str | None] = mapped_column(String(100))
    name = translated_text("name_en", "name")
    description_en: Mapped[str] = mapped_column("description", Text)
    description_fr: Mapped[str | None] = mapped_column(Text)
    description_es: Mapped[str | None] = mapped_column(Text)
    description = translated_text("description_en", "description")
    position: Mapped[int]


class Challenge(db.Model):
    """One of the four global metropolitan challenges."""

    __tablename__ = "challenge"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    description: Mapped[str] = mapped_column(Text)
    position: Mapped[int]

    topics: Mapped[list["ChallengeTopic"]] = relationship(back_populates="challenge",
                                                          order_by="ChallengeTopic.position")


class ChallengeTopic(db.Model):
    """A sub-topic of a challenge (affordable housing, climate resilience, ...)."""

    __tablename__ = "challenge_topic"
    __table_args__ = (UniqueConstraint("challenge_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    challenge_id: Mapped[int] = mapped_column(ForeignKey("challenge.id"))
    name: Mapped[str] = mapped_column(String(100))
    description: Mapped[str] = mapped_column(Text)
    position: Mapped[int]

    challenge: Mapped[Challenge] = relationship(back_populates="topics")


class OutcomeKind(db.Model):
    """One of the three kinds of outcome the plan's projects and services result in."""

    __tablename__ = "outcome_kind"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(100))
    description: Mapped[str] = mapped_column(Text)
    position: Mapped[int]


class Member(db.Model):
    """A member government of Metropolis (Appendix II)."""

    __tablename__ = "member"
    __table_args__ = (UniqueConstraint("city", "institution"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    city: Mapped[str] = mapped_column(String(100))
    institution: Mapped[str] = mapped_column(String(300))
    country: Mapped[str] = mapped_column(String(2))  # ISO 3166-1 alpha-2
    region: Mapped[str] = mapped_column(String(40), index=True)
    position: Mapped[int]

    @property
    def country_name(self) -> str:
        """The country's common name."""
        from .reference import country_name

        return country_name(self.country)

    @property
    def label(self) -> str:
        """City and institution."""
        return f"{self.city} — {self.institution}"


class Partner(db.Model):
    """A partner organisation activities are carried out with."""

    __tablename__ = "partner"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    acronym: Mapped[str | None] = mapped_column(String(40))
    kind: Mapped[str] = mapped_column(String(40))
    source: Mapped[str] = mapped_column(String(40))
    # Other names people search by ("State Department"), one per line; from partners.csv, seeded by `seed plan`.
    aliases: Mapped[str] = mapped_column(Text, default="", server_default="")

    @property
    def alias_list(self) -> list[str]:
        """The other names, in the data file's order."""
        return [a for a in (self.aliases or "").splitlines() if a.strip()]

    @property
    def kind_label(self) -> str:
        """The kind of organisation, in the reader's language."""
        from .reference import PARTNER_KINDS, label_of

        return label_of(PARTNER_KINDS, self.kind)

    @property
    def source_label(self) -> str:
        """Where the partner was found, in the reader's language."""
        from .reference import PARTNER_SOURCES, label_of

        return label_of(PARTNER_SOURCES, self.source)

    @property
    def label(self) -> str:
        """Name with its acronym once (a name that already ends with it is left as is)."""
        if not self.acronym or re.search(rf"(?<!\w){re.escape(self.acronym)}(?!\w)", self.name):
            return self.name
        return f"{self.name} ({self.acronym})"
