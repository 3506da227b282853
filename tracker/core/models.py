"""The model base: naming convention, UTC timestamps, and the one definition of a live (not deleted) row."""
from datetime import datetime, timezone

from sqlalchemy import DateTime, MetaData
from sqlalchemy.orm import DeclarativeBase, Mapped, declared_attr, mapped_column

# Stable constraint names so that migrations are reproducible on SQLite and PostgreSQL alike.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    """Declarative base with the project's naming convention."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)


def utcnow() -> datetime:
    """Return the current time in UTC."""
    return datetime.now(timezone.utc)


class SoftDeleteMixin:
    """A row that is deleted by stamping deleted_at: it leaves lists and totals but stays in the record."""

    @declared_attr
    def deleted_at(cls) -> Mapped[datetime | None]:
        """When the row was deleted, or None while it is live."""
        return mapped_column(DateTime(timezone=True), index=True)

    @classmethod
    def live(cls):
        """The SQL condition that a row is not deleted."""
        return cls.deleted_at.is_(None)

    @property
    def is_deleted(self) -> bool:
        """Tell whether the row was deleted."""
        return self.deleted_at is not None
