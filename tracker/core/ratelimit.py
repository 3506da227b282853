"""Shared rate-limit counters: Flask-Limiter over Redis in production, over the app's own database by default.

Flask-Limiter's `memory://` store lives in one process: with four gunicorn workers an attacker would get four
times the attempts, and a second machine would start from zero. The default store (`tracker+db://`) keeps the
fixed-window counters in the `rate_limit` table, so every worker of every machine that shares the database
counts together without installing anything; `RATELIMIT_STORAGE_URI=redis://...` uses Redis instead.
"""
import time

from limits.storage import Storage
from sqlalchemy import Float, Integer, String, case, delete, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db

SCHEME = "tracker+db"


class RateLimitCounter(db.Model):
    """One fixed-window counter: how many hits under a key until the window expires (seconds since the epoch)."""

    __tablename__ = "rate_limit"

    key: Mapped[str] = mapped_column(String(255), primary_key=True)
    count: Mapped[int] = mapped_column(Integer)
    expires_at: Mapped[float] = mapped_column(Float, index=True)


def _upsert(dialect: str):
    """The dialect's INSERT ... ON CONFLICT (both SQLite and PostgreSQL have it)."""
    return pg_insert if dialect == "postgresql" else sqlite_insert


class DatabaseStorage(Storage):
    """A `limits` storage in the app's database, written through a connection of its own.

    Each call commits at once on its own connection, so a counter survives the request's rollback and never
    waits for the request's transaction. Only the fixed-window strategy is supported (Flask-Limiter's default).
    """

    STORAGE_SCHEME = [SCHEME]

    def __init__(self, uri: str | None = None, wrap_exceptions: bool = False, **options):
        super().__init__(uri, wrap_exceptions=wrap_exceptions, **options)

    @property
    def base_exceptions(self) -> type[Exception]:
        """Database errors are the storage's errors."""
        return SQLAlchemyError

    def incr(self, key: str, expiry: float, amount: int = 1) -> int:
        """Add to the key's counter, starting a new window if the old one expired; return the new count."""
        now = time.time()
        table = RateLimitCounter.__table__
        with db.engine.begin() as conn:
            statement = _upsert(conn.dialect.name)(table).values(key=key, count=amount, expires_at=now + expiry)
            expired = table.c.expires_at <= now
            statement = statement.on_conflict_do_update(index_elements=[table.c.key], set_={
                "count": case((expired, amount), else_=table.c.count + amount),
                "expires_at": case((expired, now + expiry), else_=table.c.expires_at),
            }).returning(table.c.count)
            return conn.execute(statement).scalar_one()

    def get(self, key: str) -> int:
        """The key's count in its current window (0 once it expired)."""
        with db.engine.connect() as conn:
            count = conn.execute(select(RateLimitCounter.count).where(
                RateLimitCounter.key == key, RateLimitCounter.expires_at > time.time())).scalar()
        return count or 0

    def get_expiry(self, key: str) -> float:
        """When the key's window ends (now if there is none)."""
        with db.engine.connect() as conn:
            expires = conn.execute(select(RateLimitCounter.expires_at).where(RateLimitCounter.key == key)).scalar()
        return max(expires or 0.0, time.time())

    def check(self) -> bool:
        """Tell whether the database answers."""
        try:
            with db.engine.connect() as conn:
                conn.execute(select(1))
        except SQLAlchemyError:
            return False
        return True

    def reset(self) -> int | None:
        """Delete every counter; return how many there were."""
        with db.engine.begin() as conn:
            return conn.execute(delete(RateLimitCounter)).rowcount

    def clear(self, key: str) -> None:
        """Delete one key's counter."""
        with db.engine.begin() as conn:
            conn.execute(delete(RateLimitCounter).where(RateLimitCounter.key == key))


def purge_expired() -> int:
    """Delete the counters whose window is over (the `users purge` command); return how many."""
    return db.session.execute(delete(RateLimitCounter).where(RateLimitCounter.expires_at <= time.time())).rowcount
