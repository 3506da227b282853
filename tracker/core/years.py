"""The plan's years, the year shown by default, and year locks (a final Board evaluation freezes its year)."""
from datetime import date, datetime

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import ForeignKey, String, select
from sqlalchemy.orm import Mapped, mapped_column, relationship, selectinload

from ..extensions import db
from .access import require_steering
from .audit import Ref, record
from .errors import Invalid, NotAllowed, YearLocked
from .models import utcnow
from .roles import ADMIN

PLAN_YEARS = (2021, 2022, 2023)
DEFAULT_LOCK_REASON = "Board evaluation marked final"


class YearLock(db.Model):
    """A plan year whose Board evaluation is final: its values and assessments are frozen."""

    __tablename__ = "year_lock"

    year: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    locked_at: Mapped[datetime] = mapped_column(db.DateTime(timezone=True), default=utcnow)
    locked_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    reason: Mapped[str] = mapped_column(String(500), default="")

    locked_by = relationship("User")


def current_plan_year() -> int:
    """The plan year shown by default: CURRENT_PLAN_YEAR, or this calendar year clamped to the plan."""
    configured = current_app.config.get("CURRENT_PLAN_YEAR")
    year = int(configured) if configured else date.today().year
    return min(max(year, PLAN_YEARS[0]), PLAN_YEARS[-1])


def require_plan_year(year: int, field: str | None = None) -> None:
    """Refuse a year outside the plan."""
    if year not in PLAN_YEARS:
        raise Invalid(_("%(year)s is not a year of the plan.", year=year), field=field)


def is_locked(year: int) -> bool:
    """Tell whether a year is locked."""
    return db.session.get(YearLock, year) is not None


def locked_years() -> set[int]:
    """Every locked year."""
    return set(db.session.scalars(select(YearLock.year)))


def ensure_unlocked(year: int, field: str | None = None) -> None:
    """Refuse any change to a locked year."""
    if is_locked(year):
        raise YearLocked(year, field=field)


def year_locks() -> list[YearLock]:
    """The locks, with who locked each year."""
    return list(db.session.scalars(select(YearLock).options(selectinload(YearLock.locked_by)).order_by(YearLock.year)))


def lock_year(actor, year: int, reason: str = DEFAULT_LOCK_REASON) -> YearLock:
    """Lock a year (Secretary General or admin; None for the system); locking twice changes nothing."""
    if actor is not None:
        require_steering(actor, _("Only the Secretary General or an administrator can lock a year."))
    require_plan_year(year, field="year")
    existing = db.session.get(YearLock, year)
    if existing is not None:
        return existing
    reason = (reason or DEFAULT_LOCK_REASON).strip()[:500]
    lock = YearLock(year=year, locked_by_id=getattr(actor, "id", None), reason=reason, locked_at=utcnow())
    db.session.add(lock)
    record(actor, "lock", Ref("year_lock", year), before={"locked": False},
           after={"locked": True, "reason": reason}, summary=f"Locked {year}: {reason}")
    db.session.flush()
    return lock


def reopen_year(actor, year: int, reason: str) -> None:
    """Reopen a locked year (administrators only, with a reason), recorded in the audit."""
    if getattr(actor, "role", None) != ADMIN:
        raise NotAllowed(_("Only an administrator can reopen a locked year."))
    reason = (reason or "").strip()
    if not reason:
        raise Invalid(_("Give the reason for reopening the year."), field="reason")
    lock = db.session.get(YearLock, year)
    if lock is None:
        raise Invalid(_("%(year)s is not locked.", year=year), field="year")
    before = {"locked": True, "reason": lock.reason, "locked_at": lock.locked_at, "locked_by_id": lock.locked_by_id}
    db.session.delete(lock)
    record(actor, "reopen", Ref("year_lock", year), before=before, after={"locked": False, "reason": reason},
           summary=f"Reopened {year}: {reason}"[:500])
    db.session.flush()
