"""The yearly assessments of outcomes: every review state for those who write, approved ones only for the Board."""
from flask_babel import gettext as _
from flask_login import current_user
from flask_smorest import abort
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from ...assessments.models import ASSESSMENT_STATUSES, Assessment
from ...core.access import allow, sees_unapproved
from ...core.dates import as_utc
from ...core.review import ReviewState
from ...core.roles import EVERYONE
from ...extensions import db
from ...plan.models import Outcome
from .. import schemas
from ..blueprint import bp, errors
from ..paging import page_body, paginate
from .activities import known_outcome

TAGS = ["Assessments"]


def assessment_dict(item: Assessment) -> dict:
    """An assessment as the API shows it (never the reviewer's note: that is for its authors, on the page)."""
    return {"id": item.id, "outcome": item.outcome.code, "year": item.year, "status": item.status,
            "status_label": ASSESSMENT_STATUSES.get(item.status, item.status), "achieved": item.achieved,
            "difficulties": item.difficulties, "next_steps": item.next_steps,
            "review_state": ReviewState(item.review_state).value, "updated_at": as_utc(item.updated_at)}


def _query():
    """The assessments the user may read, by year then plan order: a Board member reads approved ones only."""
    stmt = (select(Assessment).join(Outcome, Outcome.id == Assessment.outcome_id)
            .options(joinedload(Assessment.outcome)).order_by(Assessment.year, Outcome.position))
    if not sees_unapproved(current_user):
        stmt = stmt.where(Assessment.review_state == ReviewState.APPROVED)
    return stmt


@bp.route("/assessments", tags=TAGS)
@allow(*EVERYONE)
@errors(401, 403, 429)
@bp.arguments(schemas.AssessmentListArgs, location="query", as_kwargs=True)
@bp.response(200, schemas.AssessmentPage)
def list_assessments(page: int, per_page: int, year: int | None = None, outcome: str | None = None):
    """The assessments, a page at a time; filter by year and outcome code. Board members get approved ones only."""
    stmt = _query()
    outcome_id = known_outcome(outcome)
    if outcome_id is not None:
        stmt = stmt.where(Assessment.outcome_id == outcome_id)
    if year is not None:
        stmt = stmt.where(Assessment.year == year)
    rows, meta, links = paginate(stmt, {"page": page, "per_page": per_page})
    return page_body([assessment_dict(a) for a in rows], meta, links)


@bp.route("/assessments/<int:assessment_id>", tags=TAGS)
@allow(*EVERYONE)
@errors(401, 403, 404, 429)
@bp.response(200, schemas.AssessmentOut)
def get_assessment(assessment_id: int):
    """One assessment (to a Board member, only once approved: otherwise as if it were not there)."""
    found = db.session.scalar(_query().where(Assessment.id == assessment_id)) if 0 < assessment_id < 2**31 else None
    if found is None:
        abort(404, message=_("There is no assessment %(id)s.", id=assessment_id))
    return assessment_dict(found)
