"""Rules for yearly assessments: who may write them, their text, submitting them for review, and staff asking to be
made responsible for an outcome.

The review workflow itself (submit, return with a note, approve) is tracker.core.review; services never commit.
"""
from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from ..core import review
from ..core.access import can_review, can_write, require_steering, require_writer
from ..core.audit import record
from ..core.errors import Conflict, Invalid, NotAllowed
from ..core.models import utcnow
from ..core.review import ReviewState
from ..core.roles import STAFF
from ..core.text import has_visible, strip_invisible
from ..core.years import ensure_unlocked, require_plan_year
from ..extensions import db
from ..plan.models import Outcome
from ..plan.responsibles import is_responsible, responsibles_by_outcome, set_responsibles
from .models import ASSESSMENT_STATUSES, PENDING, TEXT_FIELDS, Assessment, AssignmentRequest

MAX_TEXT = 20000


class EmptyNarrative(Invalid):
    """An assessment says nothing yet: a draft may, a submitted one may not."""

    def __init__(self):
        super().__init__(_("Write what was achieved, the difficulties or the next steps before submitting: an "
                           "assessment with no text cannot be reviewed. You can still save it as a draft."),
                         field="achieved")


WRITE, SUBMIT = "write", "submit"  # what a staff member was refused: writing or submitting the assessment


def not_responsible(code: str, what: str) -> str:
    """Why a staff member may not write (WRITE) or submit (SUBMIT) for an outcome, and what to do about it."""
    if what == SUBMIT:
        return _("Only the staff responsible for %(code)s can submit its assessment. Ask to be assigned on the "
                 "outcome page.", code=code)
    return _("Only the staff responsible for %(code)s can write its assessment. Ask to be assigned on the outcome "
             "page.", code=code)


def can_edit_assessment(user, outcome_id: int, assessment: Assessment | None) -> bool:
    """Staff edit an assessment they wrote or of an outcome they are responsible for; SG and admins any."""
    if can_review(user):
        return True
    if not can_write(user):
        return False
    if assessment is not None and assessment.author_id == user.id:
        return True
    return is_responsible(user, outcome_id)


def assessment_for(outcome_id: int, year: int) -> Assessment | None:
    """The assessment of an outcome for a year, if written."""
    return db.session.scalar(select(Assessment).where(Assessment.outcome_id == outcome_id, Assessment.year == year))


def assessments_by_outcome(year: int) -> dict[int, Assessment]:
    """Every assessment of a year, keyed by outcome id (one query)."""
    return {a.outcome_id: a for a in db.session.scalars(select(Assessment).where(Assessment.year == year))}


def assessments_of_outcome(outcome_id: int) -> dict[int, Assessment]:
    """An outcome's assessments keyed by year, with author, last editor and reviewer loaded."""
    rows = db.session.scalars(select(Assessment).where(Assessment.outcome_id == outcome_id)
                              .options(selectinload(Assessment.author), selectinload(Assessment.edited_by),
                                       selectinload(Assessment.reviewed_by)))
    return {a.year: a for a in rows}


def approved_years(outcome_id: int) -> set[int]:
    """The years whose assessment of an outcome is approved (one query)."""
    return set(db.session.scalars(select(Assessment.year).where(Assessment.outcome_id == outcome_id,
                                                                Assessment.review_state == ReviewState.APPROVED)))


def _clean(data: dict) -> dict:
    """Validate the fields of an assessment."""
    status = data.get("status") or "not_started"
    if status not in ASSESSMENT_STATUSES:
        raise Invalid(_("Choose a status from the list."), field="status")
    clean = {"status": status}
    for name in TEXT_FIELDS:
        text = strip_invisible(data.get(name) or "")
        text = text if has_visible(text) else ""  # marks or joiners alone say nothing
        if len(text) > MAX_TEXT:
            raise Invalid(_("This text is too long (%(max)s characters at most).", max=MAX_TEXT), field=name)
        clean[name] = text
    return clean


def save_draft(actor, outcome: Outcome, year: int, data: dict) -> Assessment:
    """Create or edit an outcome's assessment for a year; editing a submitted or approved one makes it a draft."""
    require_writer(actor, _("Board members read assessments; they do not write them."))
    require_plan_year(year)
    ensure_unlocked(year)
    assessment = assessment_for(outcome.id, year)
    if not can_edit_assessment(actor, outcome.id, assessment):
        raise NotAllowed(not_responsible(outcome.code, WRITE))
    clean = _clean(data)
    if assessment is None:
        return review.create(actor, Assessment(outcome=outcome, year=year, author_id=actor.id, **clean),
                             f"Assessment of {outcome.code} for {year} written")
    if assessment.author_id is None:
        clean["author_id"] = actor.id
    review.edit(actor, assessment, clean, version=data.get("version"),
                summary=f"Assessment of {outcome.code} for {year} changed")
    return assessment


def submit(actor, assessment: Assessment) -> Assessment:
    """Submit an assessment for review."""
    require_writer(actor, _("Board members cannot submit assessments."))
    ensure_unlocked(assessment.year)
    if not can_edit_assessment(actor, assessment.outcome_id, assessment):
        raise NotAllowed(not_responsible(assessment.outcome.code, SUBMIT))
    if not any(has_visible(getattr(assessment, name) or "") for name in TEXT_FIELDS):
        raise EmptyNarrative()
    return review.submit(actor, assessment)


# ---------------------------------------------------------------- asking to be assigned


def request_assignment(actor, outcome: Outcome) -> AssignmentRequest:
    """Ask the Secretary General to make a staff member responsible for an outcome (one pending request each)."""
    if getattr(actor, "role", None) != STAFF:
        raise NotAllowed(_("Only staff ask to be assigned; the Secretary General and administrators assign "
                           "outcomes themselves."))
    if is_responsible(actor, outcome.id):
        raise Conflict(_("You are already responsible for %(code)s.", code=outcome.code))
    if pending_request_of(actor, outcome.id) is not None:
        raise Conflict(_("You already asked to be assigned to %(code)s: the Secretary General has not "
                         "decided yet.", code=outcome.code))
    request = AssignmentRequest(outcome=outcome, requester_id=actor.id, state=PENDING)
    db.session.add(request)
    db.session.flush()
    record(actor, "create", request, after=request.snapshot(),
           summary=f"{actor.name} asked to be assigned to {outcome.code}")
    return request


def decide_assignment(actor, request: AssignmentRequest, grant: bool) -> AssignmentRequest:
    """Grant a request (the requester becomes responsible for the outcome) or decline it; SG or admin only."""
    require_steering(actor, _("Only the Secretary General or an administrator decides who is responsible for an "
                              "outcome."))
    if request.state != PENDING:
        raise Conflict(_("This request was already granted.") if request.state == "granted"
                       else _("This request was already declined."))
    before = request.snapshot()
    if grant:
        current = responsibles_by_outcome([request.outcome_id]).get(request.outcome_id, [])
        if request.requester_id not in {u.id for u in current}:  # by id: accounts compare equal by session token
            set_responsibles(actor, request.outcome, [*current, request.requester])
    request.state = "granted" if grant else "declined"
    request.decided_by_id, request.decided_at = actor.id, utcnow()
    db.session.flush()
    verb = "granted" if grant else "declined"
    record(actor, "update", request, before=before, after=request.snapshot(),
           summary=f"Request of {request.requester.name} to be assigned to {request.outcome.code} {verb}")
    return request


def pending_request_of(user, outcome_id: int) -> AssignmentRequest | None:
    """A user's pending request for an outcome, if any."""
    return db.session.scalar(select(AssignmentRequest).where(
        AssignmentRequest.outcome_id == outcome_id, AssignmentRequest.requester_id == user.id,
        AssignmentRequest.state == PENDING))


def latest_request_of(user, outcome_id: int) -> AssignmentRequest | None:
    """A user's latest request for an outcome (what the outcome page tells them), with who decided it."""
    return db.session.scalar(select(AssignmentRequest).where(
        AssignmentRequest.outcome_id == outcome_id, AssignmentRequest.requester_id == getattr(user, "id", None))
        .options(selectinload(AssignmentRequest.decided_by))
        .order_by(AssignmentRequest.created_at.desc(), AssignmentRequest.id.desc()).limit(1))


def assignment_requests(limit_decided: int = 30) -> dict:
    """The pending requests, oldest first, and the latest decided ones, with their outcome and people loaded."""
    load = (selectinload(AssignmentRequest.outcome), selectinload(AssignmentRequest.requester),
            selectinload(AssignmentRequest.decided_by))
    pending = db.session.scalars(select(AssignmentRequest).where(AssignmentRequest.state == PENDING)
                                 .options(*load).order_by(AssignmentRequest.created_at, AssignmentRequest.id))
    decided = db.session.scalars(select(AssignmentRequest).where(AssignmentRequest.state != PENDING)
                                 .options(*load).order_by(AssignmentRequest.decided_at.desc(),
                                                          AssignmentRequest.id.desc()).limit(limit_decided))
    return {"pending": list(pending), "decided": list(decided)}


def pending_assignment_count(outcome_id: int | None = None) -> int:
    """How many requests wait for a decision (of one outcome, if given): one query."""
    query = select(func.count(AssignmentRequest.id)).where(AssignmentRequest.state == PENDING)
    if outcome_id is not None:
        query = query.where(AssignmentRequest.outcome_id == outcome_id)
    return db.session.scalar(query) or 0
