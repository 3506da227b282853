"""The assessments block of an outcome's page: one card per plan year and the responsible staff."""
from flask_login import current_user

from ..core.access import can_review, can_write
from ..core.forms import review_form
from ..core.review import ReviewState
from ..core.years import PLAN_YEARS, locked_years
from ..plan.responsibles import assignable_users, responsibles_by_outcome
from ..plan.sections import outcome_section
from .forms import ResponsiblesForm
from .services import assessments_of_outcome


@outcome_section(50, "assessments/_outcome_section.html")
def assessments_section(outcome) -> dict:
    """The yearly assessments with what the current user may do, and who is responsible."""
    by_year = assessments_of_outcome(outcome.id)
    locked = locked_years()
    responsibles = responsibles_by_outcome([outcome.id]).get(outcome.id, [])
    user_is_responsible = any(u.id == getattr(current_user, "id", None) for u in responsibles)
    reviewer = can_review(current_user)
    cards = []
    for year in PLAN_YEARS:
        assessment = by_year.get(year)
        if reviewer:
            editable = True
        elif can_write(current_user):
            editable = user_is_responsible or (assessment is not None and assessment.author_id == current_user.id)
        else:
            editable = False
        editable = editable and year not in locked
        cards.append({
            "year": year,
            "assessment": assessment,
            "locked": year in locked,
            "can_edit": editable,
            "can_submit": editable and assessment is not None
            and assessment.review_state in (ReviewState.DRAFT, ReviewState.RETURNED),
            "can_review": reviewer and year not in locked and assessment is not None
            and assessment.review_state in (ReviewState.SUBMITTED, ReviewState.APPROVED),
            "review_form": review_form(f"a{assessment.id}") if assessment is not None and reviewer else None,
        })
    form = ResponsiblesForm(assignable_users(), formdata=None, data={"users": [u.id for u in responsibles]}) \
        if reviewer else None
    return {"cards": cards, "responsibles": responsibles, "responsibles_form": form}
