"""The evidence block of an outcome's page: what is attached directly to the outcome."""
from flask_login import current_user

from ..plan.sections import outcome_section
from . import services


@outcome_section(30, "evidence/_outcome_section.html")
def evidence_section(outcome) -> dict:
    """The outcome's own evidence (not its activities'), and whether the user may add to it."""
    return {
        "evidence_items": services.list_for_outcome(outcome.id),
        "can_add": services.can_add_evidence(current_user),
    }
