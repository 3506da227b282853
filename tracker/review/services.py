"""What waits for review, and what is due from each author: assessments and values read together."""
from sqlalchemy import or_, select
from sqlalchemy.orm import selectinload

from ..assessments.models import Assessment
from ..core.review import ReviewState
from ..core.years import PLAN_YEARS, is_locked, locked_years
from ..extensions import db
from ..indicators.models import Indicator, IndicatorValue
from ..plan.models import Axis, Outcome
from ..plan.responsibles import responsible_outcomes


def queue(year: int | None = None) -> dict:
    """Submitted assessments and values waiting for the Secretary General, of one year or all, in plan order."""
    years = PLAN_YEARS if year is None else (year,)
    assessments = list(db.session.scalars(
        select(Assessment).join(Outcome, Outcome.id == Assessment.outcome_id)
        .where(Assessment.review_state == ReviewState.SUBMITTED, Assessment.year.in_(years))
        .options(selectinload(Assessment.outcome).selectinload(Outcome.axis).selectinload(Axis.line),
                 selectinload(Assessment.author), selectinload(Assessment.edited_by))
        .order_by(Assessment.year, Outcome.position)))
    values = list(db.session.scalars(
        select(IndicatorValue).join(Indicator, Indicator.id == IndicatorValue.indicator_id)
        .where(IndicatorValue.review_state == ReviewState.SUBMITTED, IndicatorValue.year.in_(years))
        .options(selectinload(IndicatorValue.indicator).selectinload(Indicator.outcome),
                 selectinload(IndicatorValue.entered_by), selectinload(IndicatorValue.edited_by))
        .order_by(IndicatorValue.year, Indicator.code)))
    return {"assessments": assessments, "values": values}


def _open_years(items: list) -> list:
    """Leave out the items of locked years: nothing can change there."""
    lock_set = locked_years()
    return [item for item in items if item.year not in lock_set]


def _returned_assessments(user, outcome_ids: list[int]) -> list[Assessment]:
    """Returned assessments that a user wrote or answers for."""
    return _open_years(list(db.session.scalars(
        select(Assessment).where(Assessment.review_state == ReviewState.RETURNED,
                                 or_(Assessment.author_id == user.id, Assessment.outcome_id.in_(outcome_ids)))
        .options(selectinload(Assessment.outcome)).order_by(Assessment.year, Assessment.outcome_id))))


def _returned_values(user, outcome_ids: list[int]) -> list[IndicatorValue]:
    """Returned values that a user entered or answers for."""
    return _open_years(list(db.session.scalars(
        select(IndicatorValue).join(Indicator, Indicator.id == IndicatorValue.indicator_id)
        .where(IndicatorValue.review_state == ReviewState.RETURNED,
               or_(IndicatorValue.entered_by_id == user.id, Indicator.outcome_id.in_(outcome_ids)))
        .options(selectinload(IndicatorValue.indicator).selectinload(Indicator.outcome))
        .order_by(IndicatorValue.year, IndicatorValue.indicator_id))))


def due_for(user, year: int) -> dict:
    """What a user should do for a year: missing assessments and values, drafts, and items returned to them."""
    outcomes = responsible_outcomes(user)
    outcome_ids = [o.id for o in outcomes]
    locked = is_locked(year)
    assessed = {a.outcome_id: a for a in db.session.scalars(
        select(Assessment).where(Assessment.year == year, Assessment.outcome_id.in_(outcome_ids))
        .options(selectinload(Assessment.outcome)))}
    indicators = list(db.session.scalars(
        select(Indicator).where(Indicator.method == "manual", Indicator.active.is_(True),
                                or_(Indicator.outcome_id.is_(None), Indicator.outcome_id.in_(outcome_ids)))
        .options(selectinload(Indicator.outcome)).order_by(Indicator.outcome_id.is_not(None), Indicator.position,
                                                            Indicator.code)))
    with_value = set(db.session.scalars(select(IndicatorValue.indicator_id).where(
        IndicatorValue.year == year, IndicatorValue.indicator_id.in_([i.id for i in indicators]))))
    return {
        "year": year,
        "locked": locked,
        "outcomes": outcomes,
        "missing_assessments": [] if locked else [o for o in outcomes if o.id not in assessed],
        "draft_assessments": [] if locked else [a for a in assessed.values()
                                                if a.review_state == ReviewState.DRAFT],
        "missing_values": [] if locked else [i for i in indicators if i.id not in with_value],
        "returned_assessments": _returned_assessments(user, outcome_ids),
        "returned_values": _returned_values(user, outcome_ids),
    }
