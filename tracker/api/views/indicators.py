"""Indicators with their targets and figures: approved or computed actuals, and the values entered for review."""
from flask_babel import gettext as _
from flask_login import current_user
from flask_smorest import abort
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from ...core.access import allow, sees_unapproved
from ...core.review import REVIEW_LABELS, ReviewState
from ...core.roles import EVERYONE
from ...core.years import PLAN_YEARS
from ...extensions import db
from ...indicators.models import Indicator
from ...indicators.services import indicator_rows
from ...plan.models import Outcome
from .. import schemas
from ..blueprint import bp, errors
from ..paging import page_body, paginate
from .activities import known_outcome

TAGS = ["Indicators"]


def _text(value) -> str | None:
    """A decimal figure as text without trailing zeros (no float rounding on the way)."""
    if value is None:
        return None
    text = f"{value:f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def _values(indicator: Indicator, reader: bool) -> list[dict]:
    """The values entered for an indicator; a Board member reads approved ones only."""
    return [{"year": v.year, "value": _text(v.value), "review_state": ReviewState(v.review_state).value,
             "review_label": REVIEW_LABELS[ReviewState(v.review_state)]}
            for v in indicator.values if reader or v.is_approved]


def indicator_dicts(indicators: list[Indicator]) -> list[dict]:
    """Indicators as the API shows them (a fixed number of queries for any number of them)."""
    reader = sees_unapproved(current_user)
    rows = {row["id"]: row for row in indicator_rows(indicators, PLAN_YEARS)}
    answers = []
    for indicator in indicators:
        row = rows[indicator.id]
        answers.append({
            "id": indicator.id, "code": indicator.code, "name": indicator.name, "definition": indicator.definition,
            "outcome": row["outcome_code"], "unit": indicator.unit, "direction": indicator.direction,
            "method": indicator.method, "cumulative": indicator.cumulative,
            "baseline": {"value": _text(indicator.baseline_value), "year": indicator.baseline_year},
            "years": [{"year": year, "target": _text(cell["target"]), "target_max": _text(cell["target_max"]),
                       "actual": _text(cell["actual"]), "progress": _text(cell["progress"]),
                       "status": cell["status"]} for year, cell in row["years"].items()],
            "values": _values(indicator, reader),
        })
    return answers


def _query():
    """Active indicators, the plan's own first, then by outcome in plan order, with their values loaded."""
    return (select(Indicator).outerjoin(Outcome, Outcome.id == Indicator.outcome_id)
            .where(Indicator.active.is_(True)).options(selectinload(Indicator.values))
            .order_by(Indicator.outcome_id.is_not(None), Outcome.position, Indicator.position, Indicator.code))


@bp.route("/indicators", tags=TAGS)
@allow(*EVERYONE)
@errors(401, 403, 429)
@bp.arguments(schemas.IndicatorListArgs, location="query", as_kwargs=True)
@bp.response(200, schemas.IndicatorPage)
def list_indicators(page: int, per_page: int, outcome: str | None = None, plan_wide: bool | None = None):
    """The active indicators with yearly targets and figures, a page at a time; filter by outcome code."""
    stmt = _query()
    outcome_id = known_outcome(outcome)
    if outcome_id is not None:
        stmt = stmt.where(Indicator.outcome_id == outcome_id)
    if plan_wide:
        stmt = stmt.where(Indicator.outcome_id.is_(None))
    rows, meta, links = paginate(stmt, {"page": page, "per_page": per_page})
    return page_body(indicator_dicts(rows), meta, links)


@bp.route("/indicators/<int:indicator_id>", tags=TAGS)
@allow(*EVERYONE)
@errors(401, 403, 404, 429)
@bp.response(200, schemas.IndicatorOut)
def get_indicator(indicator_id: int):
    """One active indicator with its yearly targets and figures."""
    found = db.session.scalar(_query().where(Indicator.id == indicator_id)) if 0 < indicator_id < 2**31 else None
    if found is None:
        abort(404, message=_("There is no indicator %(id)s.", id=indicator_id))
    return indicator_dicts([found])[0]
