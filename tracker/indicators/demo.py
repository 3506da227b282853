"""Demo measurements: targets for the seeded indicators and entered values in every review state.

Idempotent: only targets and values that are missing are added, and locked years are left alone. Which
values are left missing depends on the indicator and year only, so a second run adds nothing.
"""
import zlib
from decimal import Decimal

from sqlalchemy import select

from ..core.years import locked_years
from ..auth.models import User
from ..core.models import utcnow
from ..core.roles import SECRETARY_GENERAL, STAFF, STEERING
from ..extensions import db
from ..core.years import PLAN_YEARS
from .models import Indicator, IndicatorTarget, IndicatorValue
from .seed import seed_indicators

# Targets per plan year for the seeded indicators (a tuple is a range).
TARGETS = {
    "PW-MEMBERS": (145, 150, 155),
    "PW-COUNTRIES": (62, 64, 66),
    "PW-PEOPLE": (610_000_000, 620_000_000, 630_000_000),
    "PW-LEADERS": (1100, 1200, 1300),
    "PW-EXPERTS": (110, 120, 130),
    "PW-FOLLOWERS": (36000, 40000, 45000),
    "PW-OBS-INDICATORS": (40, 42, 45),
    "PW-OBS-SPACES": (75, 80, 85),
    "L1-RECOMMENDATIONS": (3, 4, 4),
    "L1-DEBATES": (4, 5, 6),
    "L1-EVENTS": (6, 8, 10),
    "L1-PARTNERS": (5, 10, 15),  # cumulative
    "L2-TRAININGS": (4, 5, 6),
    "L2-PARTICIPANTS": (150, 200, 250),
    "L2-WOMEN": ((45, 60), (45, 60), (45, 60)),
    "L3-MEMBERS": (20, 25, 30),
    "L3-BUDGET": (150_000, 160_000, 170_000),
    "L3-EVIDENCE": (20, 25, 30),
}
NOTES = [
    "From the membership database at 31 December.",
    "Compiled by the communication team from the platforms' statistics.",
    "Counted from the attendance lists of the year's events and trainings.",
    "Figure confirmed by the Observatory team.",
    "Estimate from the regional secretaries' reports.",
]
STATES_2023 = ["draft", "submitted", "submitted", "returned", "approved"]


def stable_fraction(key: str) -> float:
    """A number in [0, 1) that depends only on the key: the same items are left out on every run."""
    return zlib.crc32(key.encode("utf-8")) / 2 ** 32


def _first(role_filter) -> User | None:
    """The first active user with one of the roles, if any."""
    return db.session.scalar(select(User).where(User.active.is_(True), User.role.in_(role_filter)).order_by(User.id))


def seed_demo_measurements(rng) -> dict:
    """Add demo targets for 2021-2023 and entered values (approved 2021-2022, mixed 2023); return counts."""
    seed_indicators()
    locked = locked_years()
    staff = _first((STAFF,)) or _first(STEERING)
    reviewer = _first((SECRETARY_GENERAL,)) or _first(STEERING)
    indicators = {i.code: i for i in db.session.scalars(select(Indicator).where(Indicator.code.in_(list(TARGETS))))}
    ids = [i.id for i in indicators.values()]
    targets = {(t.indicator_id, t.year): t for t in db.session.scalars(
        select(IndicatorTarget).where(IndicatorTarget.indicator_id.in_(ids)))}
    values = {(v.indicator_id, v.year) for v in db.session.scalars(
        select(IndicatorValue).where(IndicatorValue.indicator_id.in_(ids)))}
    created = {"targets": 0, "values": 0}
    for code, per_year in TARGETS.items():
        indicator = indicators.get(code)
        if indicator is None:
            continue
        for year, goal in zip(PLAN_YEARS, per_year):
            if year in locked:
                continue
            low, high = goal if isinstance(goal, tuple) else (goal, None)
            row = targets.get((indicator.id, year))
            if row is None:
                row = IndicatorTarget(indicator_id=indicator.id, year=year)
                db.session.add(row)
            if row.target is None:
                row.target = Decimal(low)
                row.target_max = None if high is None else Decimal(high)
                created["targets"] += 1
            if indicator.method != "manual" or (indicator.id, year) in values:
                continue
            last = year == PLAN_YEARS[-1]
            if last and stable_fraction(f"{code}-{year}") < 0.2:
                continue  # some 2023 values are still missing
            state = rng.choice(STATES_2023) if last else "approved"
            # Mostly near the target, sometimes well short, so that the overview shows every colour.
            share = rng.choice([0.55, 0.7, 0.9, 0.95, 1.0, 1.02, 1.05, 1.1])
            number = (Decimal(low) * Decimal(str(share))).quantize(Decimal(1))
            db.session.add(IndicatorValue(
                indicator_id=indicator.id, year=year, value=number, note=rng.choice(NOTES), review_state=state,
                review_note="Please attach the source and check the figure against last year's."
                if state == "returned" else None,
                entered_by_id=getattr(staff, "id", None),
                reviewed_by_id=getattr(reviewer, "id", None) if state in ("approved", "returned") else None,
                reviewed_at=utcnow() if state in ("approved", "returned") else None))
            created["values"] += 1
    db.session.flush()
    return created
