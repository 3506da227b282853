"""Rules for yearly assessments, their review, who is responsible for each outcome, and locked years.

Services never commit: the view commits once, with the audit entries written here in the same transaction.
The review steps (draft → submitted → returned with a note, or approved) are shared with the indicator
values entered by staff (tracker.indicators.services uses the helpers below).
"""
from datetime import date

from flask import current_app
from sqlalchemy import delete, insert, or_, select
from sqlalchemy.orm import selectinload

from ..audit.services import record
from ..auth.models import User, utcnow
from ..auth.roles import ADMIN, EDITORS, STEERING
from ..extensions import db
from ..plan.models import PLAN_YEARS, Axis, Outcome
from .models import ASSESSMENT_STATUSES, Assessment, YearLock, outcome_responsible

DEFAULT_LOCK_REASON = "Board evaluation marked final"
TEXT_FIELDS = ("achieved", "difficulties", "next_steps")
MAX_TEXT = 20000


class YearLocked(ValueError):
    """The year's Board evaluation is final: its values and assessments cannot change."""

    def __init__(self, year: int):
        self.year = year
        super().__init__(f"{year} is locked because its Board evaluation was marked final: nothing of {year} can "
                         f"change unless an administrator reopens the year.")


class ReviewError(ValueError):
    """A review step that does not fit the item's current state (or lacks its note)."""


class StaleEdit(ValueError):
    """Someone else saved the item after this form was opened."""

    def __init__(self):
        super().__init__("Someone else saved this in the meantime. Reload the page to see their version, then "
                         "make your change again.")


class _Ref:
    """Stands for a record without an `id` column of its own (a year, an outcome's responsibles) in the audit."""

    def __init__(self, table: str, ident: int):
        self.__tablename__ = table
        self.id = ident


# ---------------------------------------------------------------- the plan year and the lock


def current_plan_year() -> int:
    """The plan year shown by default: CURRENT_PLAN_YEAR, or this calendar year clamped to the plan."""
    configured = current_app.config.get("CURRENT_PLAN_YEAR")
    year = int(configured) if configured else date.today().year
    return min(max(year, PLAN_YEARS[0]), PLAN_YEARS[-1])


def is_locked(year: int) -> bool:
    """Tell whether a year is locked."""
    return db.session.get(YearLock, year) is not None


def locked_years() -> set[int]:
    """Every locked year."""
    return set(db.session.scalars(select(YearLock.year)))


def ensure_unlocked(year: int) -> None:
    """Refuse any change to a locked year."""
    if is_locked(year):
        raise YearLocked(year)


def year_locks() -> list[YearLock]:
    """The locks, with who locked each year."""
    return list(db.session.scalars(select(YearLock).options(selectinload(YearLock.locked_by)).order_by(YearLock.year)))


def lock_year(actor, year: int, reason: str = DEFAULT_LOCK_REASON) -> YearLock:
    """Lock a year (Secretary General or admin; None for the system); locking twice changes nothing."""
    if actor is not None and getattr(actor, "role", None) not in STEERING:
        raise PermissionError("Only the Secretary General or an administrator can lock a year.")
    if year not in PLAN_YEARS:
        raise ValueError(f"{year} is not a year of the plan.")
    existing = db.session.get(YearLock, year)
    if existing is not None:
        return existing
    reason = (reason or DEFAULT_LOCK_REASON).strip()[:500]
    lock = YearLock(year=year, locked_by_id=getattr(actor, "id", None), reason=reason, locked_at=utcnow())
    db.session.add(lock)
    record(actor, "lock", _Ref("year_lock", year), before={"locked": False},
           after={"locked": True, "reason": reason}, summary=f"Locked {year}: {reason}")
    db.session.flush()
    return lock


def reopen_year(actor, year: int, reason: str) -> None:
    """Reopen a locked year (administrators only, with a reason), recorded in the audit."""
    if getattr(actor, "role", None) != ADMIN:
        raise PermissionError("Only an administrator can reopen a locked year.")
    reason = (reason or "").strip()
    if not reason:
        raise ValueError("Give the reason for reopening the year.")
    lock = db.session.get(YearLock, year)
    if lock is None:
        raise ValueError(f"{year} is not locked.")
    before = {"locked": True, "reason": lock.reason, "locked_at": lock.locked_at, "locked_by_id": lock.locked_by_id}
    db.session.delete(lock)
    record(actor, "reopen", _Ref("year_lock", year), before=before, after={"locked": False, "reason": reason},
           summary=f"Reopened {year}: {reason}"[:500])
    db.session.flush()


# ---------------------------------------------------------------- who may do what


def can_write(user) -> bool:
    """Staff, the Secretary General and admins record work; the Board only reads."""
    return getattr(user, "role", None) in EDITORS


def can_review(user) -> bool:
    """Only the Secretary General and admins approve or return."""
    return getattr(user, "role", None) in STEERING


def require_reviewer(user) -> None:
    """Refuse review steps to anyone but the Secretary General and admins."""
    if not can_review(user):
        raise PermissionError("Only the Secretary General or an administrator can approve or return.")


def responsible_ids(outcome_id: int) -> set[int]:
    """The ids of the staff responsible for an outcome."""
    return set(db.session.scalars(select(outcome_responsible.c.user_id)
                                  .where(outcome_responsible.c.outcome_id == outcome_id)))


def is_responsible(user, outcome_id: int | None) -> bool:
    """Tell whether a user is responsible for an outcome."""
    if outcome_id is None or getattr(user, "id", None) is None:
        return False
    return db.session.scalar(select(outcome_responsible.c.user_id).where(
        outcome_responsible.c.outcome_id == outcome_id, outcome_responsible.c.user_id == user.id)) is not None


def responsible_outcomes(user) -> list[Outcome]:
    """The outcomes a user is responsible for, in plan order."""
    return list(db.session.scalars(
        select(Outcome).join(outcome_responsible, outcome_responsible.c.outcome_id == Outcome.id)
        .where(outcome_responsible.c.user_id == user.id).order_by(Outcome.position)))


def responsibles_by_outcome(outcome_ids=None) -> dict[int, list[User]]:
    """The responsible users of each outcome (one query)."""
    query = select(outcome_responsible.c.outcome_id, User).join(User, User.id == outcome_responsible.c.user_id)
    if outcome_ids is not None:
        query = query.where(outcome_responsible.c.outcome_id.in_(list(outcome_ids)))
    result: dict[int, list[User]] = {}
    for outcome_id, user in db.session.execute(query.order_by(User.name)):
        result.setdefault(outcome_id, []).append(user)
    return result


def assignable_users() -> list[User]:
    """Active accounts that can be made responsible for an outcome (those who may record work)."""
    return list(db.session.scalars(select(User).where(User.active.is_(True), User.role.in_(EDITORS))
                                   .order_by(User.name)))


def set_responsibles(actor, outcome: Outcome, users: list[User]) -> None:
    """Make exactly these users responsible for an outcome (Secretary General or admin), audited."""
    if not can_review(actor):
        raise PermissionError("Only the Secretary General or an administrator assigns outcomes.")
    wrong = [u.email for u in users if u.role not in EDITORS or not u.active]
    if wrong:
        raise ValueError("Only active staff accounts can be responsible for an outcome: " + ", ".join(wrong))
    before = responsible_ids(outcome.id)
    after = {u.id for u in users}
    if before == after:
        return
    if before - after:
        db.session.execute(delete(outcome_responsible).where(outcome_responsible.c.outcome_id == outcome.id,
                                                             outcome_responsible.c.user_id.in_(before - after)))
    for user_id in sorted(after - before):
        db.session.execute(insert(outcome_responsible).values(outcome_id=outcome.id, user_id=user_id))
    record(actor, "update", _Ref("outcome_responsible", outcome.id), before={"user_ids": sorted(before)},
           after={"user_ids": sorted(after)}, summary=f"Responsible staff of {outcome.code} changed")


def can_edit_assessment(user, outcome_id: int, assessment: Assessment | None) -> bool:
    """Staff edit an assessment they wrote or of an outcome they are responsible for; SG and admins any."""
    if can_review(user):
        return True
    if not can_write(user):
        return False
    if assessment is not None and assessment.author_id == user.id:
        return True
    return is_responsible(user, outcome_id)


# ---------------------------------------------------------------- review steps, shared with indicator values


def _review_submit(item) -> None:
    """Move an item to 'submitted'."""
    if item.review_state == "submitted":
        raise ReviewError("This is already submitted and waits for review.")
    if item.review_state == "approved":
        raise ReviewError("This is already approved. Edit it first if it needs to change.")
    item.review_state = "submitted"


def _review_return(actor, item, note: str) -> None:
    """Send an item back to its author with a note."""
    require_reviewer(actor)
    note = (note or "").strip()
    if not note:
        raise ReviewError("Write a note saying what needs to change before returning it.")
    if item.review_state not in ("submitted", "approved"):
        raise ReviewError("Only submitted or approved items can be returned.")
    item.review_state = "returned"
    item.review_note = note
    item.reviewed_by_id = actor.id
    item.reviewed_at = utcnow()


def _review_approve(actor, item) -> None:
    """Approve a submitted item: from now on it counts."""
    require_reviewer(actor)
    if item.review_state != "submitted":
        raise ReviewError("Only submitted items can be approved; this one is "
                          f"{item.review_state.replace('_', ' ')}.")
    item.review_state = "approved"
    item.reviewed_by_id = actor.id
    item.reviewed_at = utcnow()


# Shared names for the indicator services.
review_submit, review_return, review_approve = _review_submit, _review_return, _review_approve


# ---------------------------------------------------------------- assessments


def _snapshot(assessment: Assessment) -> dict:
    """The audited fields of an assessment."""
    return {"outcome_id": assessment.outcome_id, "year": assessment.year, "status": assessment.status,
            "achieved": assessment.achieved, "difficulties": assessment.difficulties,
            "next_steps": assessment.next_steps, "review_state": assessment.review_state,
            "review_note": assessment.review_note}


def assessment_for(outcome_id: int, year: int) -> Assessment | None:
    """The assessment of an outcome for a year, if written."""
    return db.session.scalar(select(Assessment).where(Assessment.outcome_id == outcome_id, Assessment.year == year))


def assessments_by_outcome(year: int) -> dict[int, Assessment]:
    """Every assessment of a year, keyed by outcome id (one query)."""
    return {a.outcome_id: a for a in db.session.scalars(select(Assessment).where(Assessment.year == year))}


def assessments_of_outcome(outcome_id: int) -> dict[int, Assessment]:
    """An outcome's assessments keyed by year, with author and reviewer loaded."""
    rows = db.session.scalars(select(Assessment).where(Assessment.outcome_id == outcome_id)
                              .options(selectinload(Assessment.author), selectinload(Assessment.reviewed_by)))
    return {a.year: a for a in rows}


def _clean(data: dict) -> dict:
    """Validate the fields of an assessment."""
    status = data.get("status") or "not_started"
    if status not in ASSESSMENT_STATUSES:
        raise ValueError(f"Unknown status {status!r}.")
    clean = {"status": status}
    for name in TEXT_FIELDS:
        text = (data.get(name) or "").strip()
        if len(text) > MAX_TEXT:
            raise ValueError(f"The {name.replace('_', ' ')} text is too long ({MAX_TEXT} characters at most).")
        clean[name] = text
    return clean


def save_draft(actor, outcome: Outcome, year: int, data: dict) -> Assessment:
    """Create or edit an outcome's assessment for a year; editing a submitted or approved one makes it a draft."""
    if not can_write(actor):
        raise PermissionError("Board members read assessments; they do not write them.")
    if year not in PLAN_YEARS:
        raise ValueError(f"{year} is not a year of the plan.")
    ensure_unlocked(year)
    assessment = assessment_for(outcome.id, year)
    if not can_edit_assessment(actor, outcome.id, assessment):
        raise PermissionError("You can edit the assessments of the outcomes you are responsible for, and your own.")
    expected = data.get("version")
    if assessment is not None and expected not in (None, "") and int(expected) != assessment.version:
        raise StaleEdit()
    clean = _clean(data)
    if assessment is None:
        assessment = Assessment(outcome_id=outcome.id, year=year, author_id=actor.id, review_state="draft", **clean)
        db.session.add(assessment)
        db.session.flush()
        record(actor, "create", assessment, after=_snapshot(assessment),
               summary=f"Assessment of {outcome.code} for {year} written")
        return assessment
    before = _snapshot(assessment)
    for name, value in clean.items():
        setattr(assessment, name, value)
    changed = any(before[name] != value for name, value in clean.items())
    if not changed:
        return assessment
    if assessment.review_state in ("submitted", "approved"):
        assessment.review_state = "draft"  # a changed text needs a new review; the reviewer's note stays
    if assessment.author_id is None:
        assessment.author_id = actor.id
    db.session.flush()
    record(actor, "update", assessment, before=before, after=_snapshot(assessment),
           summary=f"Assessment of {outcome.code} for {year} edited"
                   + (" (back to draft)" if before["review_state"] != assessment.review_state else ""))
    return assessment


def submit(actor, assessment: Assessment) -> Assessment:
    """Submit an assessment for review."""
    if not can_write(actor):
        raise PermissionError("Board members cannot submit assessments.")
    ensure_unlocked(assessment.year)
    if not can_edit_assessment(actor, assessment.outcome_id, assessment):
        raise PermissionError("You can submit the assessments of the outcomes you are responsible for, and your own.")

    def change():
        _review_submit(assessment)
        assessment.submitted_at = utcnow()

    return review_step(actor, assessment, "submit", change, _snapshot,
                       f"Assessment for {assessment.year} submitted for review")


def return_(actor, assessment: Assessment, note: str) -> Assessment:
    """Return a submitted assessment to its author with a note (Secretary General or admin)."""
    return review_step(actor, assessment, "return", lambda: _review_return(actor, assessment, note), _snapshot,
                       f"Assessment for {assessment.year} returned: {(note or '').strip()}")


def approve(actor, assessment: Assessment) -> Assessment:
    """Approve a submitted assessment (Secretary General or admin)."""
    return review_step(actor, assessment, "approve", lambda: _review_approve(actor, assessment), _snapshot,
                       f"Assessment for {assessment.year} approved")


def review_step(actor, item, action: str, change, snapshot, summary: str):
    """Apply one review step (submit, return, approve) to an item of an open year and audit it."""
    ensure_unlocked(item.year)
    before = snapshot(item)
    change()
    db.session.flush()
    record(actor, action, item, before=before, after=snapshot(item), summary=summary[:500])
    return item


# ---------------------------------------------------------------- what is due, what waits for review


def due_for(user, year: int) -> dict:
    """What a user should do for a year: missing assessments and values, drafts, and items returned to them."""
    from ..indicators.models import Indicator, IndicatorValue

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
    returned_assessments = list(db.session.scalars(
        select(Assessment).where(Assessment.review_state == "returned",
                                 or_(Assessment.author_id == user.id, Assessment.outcome_id.in_(outcome_ids)))
        .options(selectinload(Assessment.outcome)).order_by(Assessment.year, Assessment.outcome_id)))
    returned_values = list(db.session.scalars(
        select(IndicatorValue).join(Indicator, Indicator.id == IndicatorValue.indicator_id)
        .where(IndicatorValue.review_state == "returned",
               or_(IndicatorValue.entered_by_id == user.id, Indicator.outcome_id.in_(outcome_ids)))
        .options(selectinload(IndicatorValue.indicator).selectinload(Indicator.outcome))
        .order_by(IndicatorValue.year, IndicatorValue.indicator_id)))
    lock_set = locked_years()
    return {
        "year": year,
        "locked": locked,
        "outcomes": outcomes,
        "missing_assessments": [] if locked else [o for o in outcomes if o.id not in assessed],
        "draft_assessments": [] if locked else [a for a in assessed.values() if a.review_state == "draft"],
        "missing_values": [] if locked else [i for i in indicators if i.id not in with_value],
        "returned_assessments": [a for a in returned_assessments if a.year not in lock_set],
        "returned_values": [v for v in returned_values if v.year not in lock_set],
    }


def review_queue() -> dict:
    """Submitted assessments and values waiting for the Secretary General."""
    from ..indicators.models import Indicator, IndicatorValue

    assessments = list(db.session.scalars(
        select(Assessment).join(Outcome, Outcome.id == Assessment.outcome_id)
        .where(Assessment.review_state == "submitted")
        .options(selectinload(Assessment.outcome).selectinload(Outcome.axis).selectinload(Axis.line),
                 selectinload(Assessment.author))
        .order_by(Assessment.year, Outcome.position)))
    values = list(db.session.scalars(
        select(IndicatorValue).where(IndicatorValue.review_state == "submitted")
        .options(selectinload(IndicatorValue.indicator).selectinload(Indicator.outcome),
                 selectinload(IndicatorValue.entered_by))
        .order_by(IndicatorValue.year, IndicatorValue.indicator_id)))
    return {"assessments": assessments, "values": values}
