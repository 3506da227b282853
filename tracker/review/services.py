"""What waits for review, and what is due from each author: assessments and values read together."""
import re
from dataclasses import dataclass

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import or_, select, union
from sqlalchemy.orm import selectinload

from ..assessments.models import Assessment
from ..auth.models import User
from ..core import review
from ..core.access import require_steering
from ..core.errors import Invalid
from ..core.review import ReviewState, wrote_or_edited
from ..core.years import is_locked, locked_years
from ..extensions import db
from ..indicators.models import Indicator, IndicatorValue
from ..plan.models import ActionLine, Axis, Outcome
from ..plan.responsibles import responsible_outcomes

SORTS = ("code", "submitted", "author")
STATES = (ReviewState.SUBMITTED, ReviewState.RETURNED, ReviewState.APPROVED)


@dataclass(frozen=True)
class QueueFilter:
    """What the queue shows: a year, an action line, a review state and an author (None: any), and an order."""

    year: int | None = None
    line_id: int | None = None
    state: ReviewState = ReviewState.SUBMITTED
    author_id: int | None = None
    sort: str = "code"


def _assessment_order(sort: str) -> list:
    """The ORDER BY of assessments for a sort."""
    plan_order = [Outcome.position, Assessment.year]
    if sort == "submitted":
        return [Assessment.submitted_at.is_(None), Assessment.submitted_at, *plan_order]
    if sort == "author":
        return [User.name.is_(None), User.name, *plan_order]
    return plan_order


def _value_order(sort: str) -> list:
    """The ORDER BY of values for a sort (plan-wide indicators after the outcomes' ones)."""
    plan_order = [Outcome.position.is_(None), Outcome.position, Indicator.code, IndicatorValue.year]
    if sort == "submitted":
        return [IndicatorValue.submitted_at.is_(None), IndicatorValue.submitted_at, *plan_order]
    if sort == "author":
        return [User.name.is_(None), User.name, *plan_order]
    return plan_order


def _narrowed(query, filters: QueueFilter, year_column, author_column):
    """The query limited to the filter's year, line (through the joined Axis) and author."""
    if filters.year is not None:
        query = query.where(year_column == filters.year)
    if filters.line_id is not None:
        query = query.where(Axis.line_id == filters.line_id)
    if filters.author_id is not None:
        query = query.where(author_column == filters.author_id)
    return query


def _assessments(filters: QueueFilter) -> list[Assessment]:
    """The assessments a filter selects, in its order (one query and its eager loads)."""
    query = (select(Assessment).join(Outcome, Outcome.id == Assessment.outcome_id)
             .join(Axis, Axis.id == Outcome.axis_id).outerjoin(User, User.id == Assessment.author_id)
             .where(Assessment.review_state == filters.state))
    query = _narrowed(query, filters, Assessment.year, Assessment.author_id)
    return list(db.session.scalars(query.options(
        selectinload(Assessment.outcome).selectinload(Outcome.axis).selectinload(Axis.line),
        selectinload(Assessment.author), selectinload(Assessment.edited_by))
        .order_by(*_assessment_order(filters.sort))))


def _values(filters: QueueFilter) -> list[IndicatorValue]:
    """The indicator values a filter selects, in its order; a line filter leaves out plan-wide indicators."""
    query = (select(IndicatorValue).join(Indicator, Indicator.id == IndicatorValue.indicator_id)
             .outerjoin(Outcome, Outcome.id == Indicator.outcome_id).outerjoin(Axis, Axis.id == Outcome.axis_id)
             .outerjoin(User, User.id == IndicatorValue.entered_by_id)
             .where(IndicatorValue.review_state == filters.state))
    query = _narrowed(query, filters, IndicatorValue.year, IndicatorValue.entered_by_id)
    return list(db.session.scalars(query.options(
        selectinload(IndicatorValue.indicator).selectinload(Indicator.outcome),
        selectinload(IndicatorValue.entered_by), selectinload(IndicatorValue.edited_by))
        .order_by(*_value_order(filters.sort))))


def queue(filters: QueueFilter | None = None) -> dict:
    """The assessments and values a filter selects (by default: submitted, waiting for the Secretary General)."""
    filters = filters or QueueFilter()
    return {"assessments": _assessments(filters), "values": _values(filters)}


def filter_choices() -> dict:
    """The action lines and the authors of reviewed items that the queue's filters offer (two queries)."""
    lines = list(db.session.scalars(select(ActionLine).order_by(ActionLine.position)))
    author_ids = union(select(Assessment.author_id.label("id")).where(Assessment.author_id.is_not(None)),
                       select(IndicatorValue.entered_by_id.label("id"))
                       .where(IndicatorValue.entered_by_id.is_not(None))).subquery()
    authors = list(db.session.scalars(select(User).where(User.id.in_(select(author_ids.c.id)))
                                      .order_by(User.name, User.id)))
    return {"lines": lines, "authors": authors}


def _open_years(items: list) -> list:
    """Leave out the items of locked years: nothing can change there."""
    lock_set = locked_years()
    return [item for item in items if item.year not in lock_set]


def _returned_assessments(user, outcome_ids: list[int]) -> list[Assessment]:
    """Returned assessments that a user wrote or answers for."""
    return _open_years(list(db.session.scalars(
        select(Assessment).where(Assessment.review_state == ReviewState.RETURNED,
                                 or_(Assessment.author_id == user.id, Assessment.outcome_id.in_(outcome_ids)))
        .options(selectinload(Assessment.outcome)).order_by(Assessment.year, Assessment.outcome_id))))


def _returned_values(user, outcome_ids: list[int]) -> list[IndicatorValue]:
    """Returned values that a user entered or answers for."""
    return _open_years(list(db.session.scalars(
        select(IndicatorValue).join(Indicator, Indicator.id == IndicatorValue.indicator_id)
        .where(IndicatorValue.review_state == ReviewState.RETURNED,
               or_(IndicatorValue.entered_by_id == user.id, Indicator.outcome_id.in_(outcome_ids)))
        .options(selectinload(IndicatorValue.indicator).selectinload(Indicator.outcome))
        .order_by(IndicatorValue.year, IndicatorValue.indicator_id))))


def due_for(user, year: int) -> dict:
    """What a user should do for a year: missing assessments and values, drafts, and items returned to them."""
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
    return {
        "year": year,
        "locked": locked,
        "outcomes": outcomes,
        "missing_assessments": [] if locked else [o for o in outcomes if o.id not in assessed],
        "draft_assessments": [] if locked else [a for a in assessed.values()
                                                if a.review_state == ReviewState.DRAFT],
        "missing_values": [] if locked else [i for i in indicators if i.id not in with_value],
        "returned_assessments": _returned_assessments(user, outcome_ids),
        "returned_values": _returned_values(user, outcome_ids),
    }


# Why an item picked for approval was left as it was, as the page says it.
SKIP_OWN = _l("you wrote or last edited it: another reviewer must approve it")
SKIP_CHANGED = _l("it changed since you opened the page: open it again before approving")
SKIP_DECIDED = _l("it is no longer waiting for review")
SKIP_LOCKED = _l("its year is locked")
SKIP_GONE = _l("it no longer exists")


SELECTION = re.compile(r"([av])([0-9]{1,12})(?::([0-9]{1,9}))?")  # bounded: any number fits the database


@dataclass
class BulkResult:
    """What came of approving several items: the labels of those approved and (label, reason) of those skipped."""

    approved: list
    skipped: list


def parse_selection(raw: list[str]) -> list[tuple[str, int, int | None]]:
    """Read posted selections ("a12:3": an assessment's id and the version shown) into (kind, id, version);
    anything else is refused with a message (never a 500)."""
    picked = []
    for text in raw:
        match = SELECTION.fullmatch(text or "")
        if match is None:
            raise Invalid(_("The selection could not be read: reload the page and select the items again."),
                          field="items")
        kind, ident, version = match.groups()
        picked.append((kind, int(ident), int(version) if version else None))
    return list(dict.fromkeys(picked))  # the same item twice is approved once


def _load(picked: list) -> dict:
    """The picked assessments and values, keyed (kind, id): two queries with what their labels need."""
    ids = {kind: sorted({i for k, i, _ in picked if k == kind}) for kind in ("a", "v")}
    found = {}
    if ids["a"]:
        found.update({("a", a.id): a for a in db.session.scalars(
            select(Assessment).where(Assessment.id.in_(ids["a"])).options(selectinload(Assessment.outcome)))})
    if ids["v"]:
        found.update({("v", v.id): v for v in db.session.scalars(
            select(IndicatorValue).where(IndicatorValue.id.in_(ids["v"]))
            .options(selectinload(IndicatorValue.indicator)))})
    return found


def _skip_reason(actor, item, version: int | None, locks: set) -> str | None:
    """Why an item cannot be approved now, or None when it can."""
    if item.review_state != ReviewState.SUBMITTED:
        return SKIP_DECIDED
    if version is not None and version != item.version:
        return SKIP_CHANGED
    if wrote_or_edited(actor, item):
        return SKIP_OWN
    if item.year in locks:
        return SKIP_LOCKED
    return None


def approve_many(actor, raw_selection: list[str]) -> BulkResult:
    """Approve each selected item through the single-item rule (each audited on its own), skipping with the
    reason those that cannot be approved; the caller commits them all at once, or nothing on an error."""
    require_steering(actor, _("Only the Secretary General or an administrator can approve or return."))
    picked = parse_selection(raw_selection)
    if not picked:
        raise Invalid(_("Select the items to approve first."), field="items")
    found = _load(picked)
    locks = locked_years()
    result = BulkResult(approved=[], skipped=[])
    for kind, ident, version in picked:
        item = found.get((kind, ident))
        if item is None:
            gone = _("Assessment #%(id)s", id=ident) if kind == "a" else _("Value #%(id)s", id=ident)
            result.skipped.append((gone, str(SKIP_GONE)))
            continue
        reason = _skip_reason(actor, item, version, locks)
        if reason is not None:
            result.skipped.append((item.review_title, str(reason)))
            continue
        review.approve(actor, item)
        result.approved.append(item.review_title)
    return result
