"""The indicators block of an outcome's page."""
from flask_login import current_user

from ..core.roles import STEERING
from ..core.years import PLAN_YEARS
from ..plan.sections import outcome_section
from .services import indicator_rows, indicators_for_outcomes


@outcome_section(40, "indicators/_outcome_section.html")
def indicators_section(outcome) -> dict:
    """Each indicator of the outcome with its baseline and, per plan year, target, actual, progress and status."""
    steering = getattr(current_user, "role", None) in STEERING
    indicators = indicators_for_outcomes([outcome.id], include_inactive=steering)
    return {"rows": indicator_rows(indicators, PLAN_YEARS), "years": PLAN_YEARS}
