"""The outcomes' yearly assessments as a spreadsheet: one row per outcome and year, in plan order, with what the
outcome page shows the reader (a Board member reads an assessment once it is approved, and no reviewer's note)."""
from collections.abc import Sequence

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from ..core.review import REVIEW_LABELS, ReviewState
from ..core.spreadsheet import DATE, DATETIME, INTEGER, TEXT, Column
from ..core.years import PLAN_YEARS
from ..extensions import db
from ..plan.queries import current_plan
from ..plan.responsibles import responsibles_by_outcome
from .models import ASSESSMENT_STATUSES, Assessment

# The review states as the download names them (fuller than the badges' words; a test keeps them in step).
REVIEW_WORDS = {ReviewState.DRAFT: _l("Draft"), ReviewState.SUBMITTED: _l("Submitted for review"),
                ReviewState.RETURNED: _l("Returned for changes"), ReviewState.APPROVED: _l("Approved")}


def period_label(year: int | None) -> str:
    """A year, or the whole plan period, as file names and titles say it."""
    return str(year) if year is not None else f"{PLAN_YEARS[0]}-{PLAN_YEARS[-1]}"


def columns(*, reader: bool) -> list[Column]:
    """The table's columns (the reviewer's note only for those who may read work under review)."""
    cols = [Column(_("Action line"), TEXT, 30), Column(_("Axis"), TEXT, 30), Column(_("Outcome code"), TEXT, 11),
            Column(_("Outcome"), TEXT, 40), Column(_("Year"), INTEGER, 8), Column(_("Status"), TEXT, 16),
            Column(_("Review"), TEXT, 20), Column(_("What was achieved"), TEXT, 50),
            Column(_("Difficulties"), TEXT, 40), Column(_("Next steps"), TEXT, 40),
            Column(_("Responsible staff"), TEXT, 28), Column(_("Last changed"), DATETIME),
            Column(_("Approved on"), DATE)]
    if reader:
        cols.append(Column(_("Reviewer's note"), TEXT, 40))
    return cols


def _review_word(state) -> str:
    """A review state in plain words."""
    return str(REVIEW_WORDS.get(state) or REVIEW_LABELS.get(state, state))


def _cells(assessment: Assessment | None, *, reader: bool) -> tuple[list, list]:
    """An assessment's cells before and after the responsible staff: withheld from a Board member until
    approved, as on the outcome page."""
    if assessment is None:
        before, after = [None, _("Not written yet"), None, None, None], [None, None]
    elif not reader and not assessment.is_approved:
        before, after = [None, _("Not yet approved"), None, None, None], [None, None]
    else:
        before = [str(ASSESSMENT_STATUSES.get(assessment.status, "")),
                  _review_word(assessment.review_state), assessment.achieved or None,
                  assessment.difficulties or None, assessment.next_steps or None]
        after = [assessment.updated_at, assessment.reviewed_at if assessment.is_approved else None]
    if reader:
        after.append(assessment.review_note if assessment is not None else None)
    return before, after


def table(year: int | None, *, reader: bool) -> tuple[list[Column], list[list]]:
    """Every outcome's assessment of a year (or of each plan year when None), in plan order, in five queries."""
    years: Sequence[int] = [year] if year is not None else PLAN_YEARS
    stored = {(a.outcome_id, a.year): a for a in db.session.scalars(
        select(Assessment).where(Assessment.year.in_(list(years))))}
    people = responsibles_by_outcome()
    plan = current_plan()
    rows = []
    for line in plan.lines if plan else []:
        for axis in line.axes:
            for outcome in axis.outcomes:
                names = "; ".join(u.name for u in people.get(outcome.id, [])) or None
                for each in years:
                    before, after = _cells(stored.get((outcome.id, each)), reader=reader)
                    rows.append([f"{line.code} {line.title}", f"{axis.code} {axis.title}", outcome.code,
                                 outcome.title, each, *before, names, *after])
    return columns(reader=reader), rows
