"""The evidence blocks of an outcome's page: activities and evidence per year, and what is attached to it."""
from flask_login import current_user

from ..activities.sections import activity_page
from ..plan.sections import outcome_section
from . import services


@outcome_section(25, "evidence/_outcome_years.html")
def years_section(outcome) -> dict:
    """Per plan year, the outcome's activities, how many are completed, and the evidence attached to them."""
    return {"years": services.outcome_year_counts(outcome.id)}


@outcome_section(30, "evidence/_outcome_section.html")
def evidence_section(outcome) -> dict:
    """The outcome's own evidence (not its activities'), and whether the user may add to it."""
    return {
        "evidence_items": services.readable_for_outcome(current_user, outcome.id,
                                                        services.list_for_outcome(outcome.id)),
        "can_add": services.can_add_evidence(current_user),
    }


@activity_page.register(10, "evidence/_activity_section.html")
def activity_evidence(activity) -> dict:
    """An activity's evidence, and whether the user may add to it."""
    return {"evidence_items": services.list_for_activity(activity.id),
            "can_add": services.can_add_evidence(current_user) and not activity.is_deleted}
