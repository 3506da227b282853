"""The assessments block of an outcome's page: one card per plan year and the responsible staff."""
from babel.lists import format_list
from flask_babel import get_locale
from flask_login import current_user

from ..core.access import can_review, can_write, sees_unapproved
from ..core.forms import review_form
from ..core.review import ReviewState, wrote_or_edited
from ..core.roles import STAFF
from ..core.years import PLAN_YEARS, locked_years
from ..evidence.services import use_approved_years
from ..plan.responsibles import assignable_users, responsibles_by_outcome
from ..plan.sections import outcome_section
from .forms import ResponsiblesForm
from .models import PENDING
from .services import approved_years, assessments_of_outcome, latest_request_of, pending_assignment_count

# Evidence attached straight to an outcome backs its yearly assessment: the Board reads it once that is approved.
use_approved_years(approved_years)


def _card(year: int, assessment, *, locked: bool, may_edit: bool, reviewer: bool, reader: bool) -> dict:
    """One year's card; a Board member gets an assessment only once approved, and never a reviewer's note."""
    withheld = assessment is not None and not reader and not assessment.is_approved
    shown = None if withheld else assessment
    editable = may_edit and not locked
    return {
        "year": year,
        "assessment": shown,
        "withheld": withheld,
        "show_note": reader,
        "locked": locked,
        "can_edit": editable,
        "can_submit": editable and shown is not None
        and shown.review_state in (ReviewState.DRAFT, ReviewState.RETURNED),
        "can_review": reviewer and not locked and shown is not None
        and shown.review_state in (ReviewState.SUBMITTED, ReviewState.APPROVED),
        "own_work": shown is not None and wrote_or_edited(current_user, shown),
        "review_form": review_form(f"a{shown.id}") if shown is not None and reviewer else None,
    }


@outcome_section(50, "assessments/_outcome_section.html")
def assessments_section(outcome) -> dict:
    """The yearly assessments with what the current user may do, and who is responsible."""
    by_year = assessments_of_outcome(outcome.id)
    locked = locked_years()
    responsibles = responsibles_by_outcome([outcome.id]).get(outcome.id, [])
    user_is_responsible = any(u.id == getattr(current_user, "id", None) for u in responsibles)
    reviewer = can_review(current_user)
    writer = can_write(current_user)
    reader = sees_unapproved(current_user)
    cards = []
    for year in PLAN_YEARS:
        assessment = by_year.get(year)
        may_edit = reviewer or (writer and (user_is_responsible or (
            assessment is not None and assessment.author_id == current_user.id)))
        cards.append(_card(year, assessment, locked=year in locked, may_edit=may_edit, reviewer=reviewer,
                           reader=reader))
    form = ResponsiblesForm(assignable_users(), formdata=None, data={"users": [u.id for u in responsibles]}) \
        if reviewer else None
    names = format_list([u.name for u in responsibles], style="or", locale=get_locale() or "en") if responsibles else ""
    return {"cards": cards, "responsibles": responsibles, "responsible_names": names, "responsibles_form": form,
            "ownership": _ownership(outcome, user_is_responsible, reviewer)}


def _ownership(outcome, responsible: bool, reviewer: bool) -> dict:
    """Why the current user may or may not write here, and their request to be assigned (staff who are not
    responsible), or the requests waiting for a decision (the Secretary General and admins)."""
    if reviewer:
        return {"kind": "reviewer", "pending": pending_assignment_count(outcome.id)}
    if getattr(current_user, "role", None) != STAFF:
        return {"kind": "reader"}
    if responsible:
        return {"kind": "responsible"}
    latest = latest_request_of(current_user, outcome.id)
    return {"kind": "outsider", "request": latest,
            "can_ask": latest is None or latest.state != PENDING}
