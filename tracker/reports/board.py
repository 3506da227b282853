"""The Board's year: its meeting date, the decisions asked of it and the main risks, and what it decided. Never commits.

A locked year (its Board evaluation is final) refuses changes to the meeting and to the decisions and risks, which
the final report printed; what the Board decided and the follow-up are recorded after the meeting, so after the
report is final, and stay open.
"""
from datetime import date

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from ..audit.services import record
from ..core.access import require_steering
from ..core.audit import Ref
from ..core.errors import Invalid
from ..core.text import has_visible, strip_invisible
from ..core.years import PLAN_YEARS, ensure_unlocked, require_plan_year
from ..extensions import db
from ..plan.models import Outcome
from .formatting import format_count
from .models import BOARD_ITEM_KINDS, BoardItem, BoardYear, Report

TEXT_MAX = 2_000
NOT_ALLOWED = _l("Only the Secretary General or an administrator can change the Board meeting.")


def next_version(kind: str, year: int | None) -> int:
    """Number the report about to be archived: one more than those already generated for the same kind and year."""
    same_year = Report.year.is_(None) if year is None else Report.year == year
    return (db.session.scalar(select(func.max(Report.version)).where(Report.kind == kind, same_year)) or 0) + 1


# ---------------------------------------------------------------- reading, as plain data


def _item_dict(item: BoardItem) -> dict:
    """One decision or risk as plain data (outcomes already in plan order)."""
    return {"id": item.id, "text": item.text, "outcomes": [o.code for o in item.outcomes],
            "decided": item.decided, "follow_up": item.follow_up}


def _items(year: int) -> list[BoardItem]:
    """A year's decisions and risks in order, with their outcomes (two queries whatever their number)."""
    return list(db.session.scalars(
        select(BoardItem).where(BoardItem.year == year).options(selectinload(BoardItem.outcomes))
        .order_by(BoardItem.kind, BoardItem.position, BoardItem.id)))


def board_year(year: int) -> dict:
    """Return the Board meeting of a year: its date, the decisions asked and the main risks, as plain data."""
    require_plan_year(year)
    meeting = db.session.get(BoardYear, year)
    items = _items(year)
    return {"year": year, "meeting_date": meeting.meeting_date if meeting else None,
            "decisions": [_item_dict(i) for i in items if i.kind == "decision"],
            "risks": [_item_dict(i) for i in items if i.kind == "risk"]}


def last_year_decisions(year: int) -> list[dict]:
    """Return the decisions asked of the Board the year before (none before the plan's first year)."""
    require_plan_year(year)
    if year - 1 not in PLAN_YEARS:
        return []
    return [_item_dict(i) for i in _items(year - 1) if i.kind == "decision"]


def items_of(year: int) -> list[BoardItem]:
    """A year's decisions and risks for the Board meeting page."""
    return _items(year)


def get_item(item_id: int) -> BoardItem | None:
    """One decision or risk with its outcomes."""
    return db.session.scalar(select(BoardItem).where(BoardItem.id == item_id)
                             .options(selectinload(BoardItem.outcomes)))


def meeting_of(year: int) -> BoardYear | None:
    """The Board meeting row of a year, if entered."""
    return db.session.get(BoardYear, year)


# ---------------------------------------------------------------- changing


def _snapshot(item: BoardItem) -> dict:
    """The audited fields of a decision or risk."""
    return {"year": item.year, "kind": item.kind, "text": item.text, "position": item.position,
            "outcomes": [o.code for o in item.outcomes], "decided": item.decided, "follow_up": item.follow_up}


def _clean_text(text: str | None, field: str, *, required: bool) -> str | None:
    """Strip a text and apply the rules the form applies too (a service may be called without a form)."""
    text = strip_invisible(text or "")
    if not has_visible(text):
        if required:
            raise Invalid(_("Write the text."), field=field)
        return None
    if len(text) > TEXT_MAX:
        raise Invalid(_("Keep it under %(count)s characters.", count=format_count(TEXT_MAX)), field=field)
    if any(ord(c) < 32 and c not in "\t\r\n" for c in text):
        raise Invalid(_("Remove the control characters from this text."), field=field)
    return text


def _outcomes(kind: str, outcome_ids) -> list[Outcome]:
    """The chosen outcomes, in plan order; a decision needs at least one."""
    ids = sorted(set(outcome_ids or []))
    outcomes = list(db.session.scalars(select(Outcome).where(Outcome.id.in_(ids)).order_by(Outcome.position))) \
        if ids else []
    if len(outcomes) != len(ids):
        raise Invalid(_("Choose outcomes from the list."), field="outcomes")
    if kind == "decision" and not outcomes:
        raise Invalid(_("Choose at least one outcome this decision concerns."), field="outcomes")
    return outcomes


DATE_FIELDS = ("drafted_by", "reviewed_by", "meeting_date")  # the calendar's dates, in the order they must come
DATE_LABELS = {"drafted_by": _l("assessments drafted by"), "reviewed_by": _l("reviewed by"),
               "meeting_date": _l("Board meeting")}
AUDITED_KINDS = {"decision": "Decision asked of the Board", "risk": "Main risk"}  # the audit trail's words
AUDITED_DATES = {"drafted_by": "assessments drafted by", "reviewed_by": "reviewed by", "meeting_date": "Board meeting"}


def _dates_of(meeting: BoardYear | None) -> dict:
    """A year's three dates as plain data (None where not set)."""
    return {name: getattr(meeting, name) if meeting else None for name in DATE_FIELDS}


def check_order(dates: dict) -> None:
    """Refuse dates out of order: drafted by, then reviewed by, then the meeting (a missing one is skipped)."""
    given = [(name, dates[name]) for name in DATE_FIELDS if dates[name] is not None]
    for (earlier, first), (later, second) in zip(given, given[1:]):
        if second < first:
            raise Invalid(_("Choose a date on or after “%(date)s” (%(when)s).", date=DATE_LABELS[earlier],
                            when=first.isoformat()), field=later)


def set_dates(actor, year: int, drafted_by: date | None, reviewed_by: date | None,
              meeting_date: date | None) -> BoardYear:
    """Enter or change a year's reporting calendar: assessments drafted by, reviewed by, and the Board meeting."""
    require_steering(actor, str(NOT_ALLOWED))
    require_plan_year(year, field="meeting_date")
    ensure_unlocked(year, field="meeting_date")  # the final report printed these dates
    dates = {"drafted_by": drafted_by, "reviewed_by": reviewed_by, "meeting_date": meeting_date}
    check_order(dates)
    meeting = db.session.get(BoardYear, year)
    before = {"year": year, **_dates_of(meeting)} if meeting else None
    if meeting is None:
        meeting = BoardYear(year=year)
        db.session.add(meeting)
    for name, value in dates.items():
        setattr(meeting, name, value)
    meeting.updated_by_id = getattr(actor, "id", None)
    # The audit record is written in English, whatever the language of the person who made the change.
    shown = ", ".join(f"{AUDITED_DATES[n]} {v.isoformat() if v else 'not set'}" for n, v in dates.items())
    record(actor, "update" if before else "create", Ref("board_year", year), before=before,
           after={"year": year, **dates}, summary=f"Reporting calendar {year}: {shown}"[:500])
    return meeting


def set_meeting_date(actor, year: int, meeting_date: date | None) -> BoardYear:
    """Enter or change the date of the Board meeting a year's evaluation is for (the other dates stay)."""
    current = _dates_of(db.session.get(BoardYear, year)) if year in PLAN_YEARS else {}
    return set_dates(actor, year, current.get("drafted_by"), current.get("reviewed_by"), meeting_date)


def add_item(actor, year: int, kind: str, text: str, outcome_ids) -> BoardItem:
    """Add a decision asked of the Board or a main risk at the end of its list."""
    require_steering(actor, str(NOT_ALLOWED))
    if kind not in BOARD_ITEM_KINDS:
        raise Invalid(_("Choose a decision or a risk."), field="kind")
    require_plan_year(year)
    ensure_unlocked(year, field="text")
    text = _clean_text(text, "text", required=True)
    outcomes = _outcomes(kind, outcome_ids)
    last = db.session.scalar(select(func.max(BoardItem.position))
                             .where(BoardItem.year == year, BoardItem.kind == kind)) or 0
    item = BoardItem(year=year, kind=kind, text=text, position=last + 1, outcomes=outcomes,
                     created_by_id=getattr(actor, "id", None), updated_by_id=getattr(actor, "id", None))
    db.session.add(item)
    db.session.flush()
    record(actor, "create", item, after=_snapshot(item), summary=f"{AUDITED_KINDS[item.kind]} {year} added")
    return item


def _existing(item_id: int) -> BoardItem:
    """The item, or a refusal if it was deleted meanwhile."""
    item = get_item(item_id)
    if item is None:
        raise Invalid(_("This decision or risk no longer exists."))
    return item


def edit_item(actor, item_id: int, text: str, outcome_ids) -> BoardItem:
    """Change a decision's or risk's text and outcomes."""
    require_steering(actor, str(NOT_ALLOWED))
    item = _existing(item_id)
    ensure_unlocked(item.year, field="text")
    before = _snapshot(item)
    item.text = _clean_text(text, "text", required=True)
    item.outcomes = _outcomes(item.kind, outcome_ids)
    item.updated_by_id = getattr(actor, "id", None)
    record(actor, "update", item, before=before, after=_snapshot(item),
           summary=f"{AUDITED_KINDS[item.kind]} {item.year} edited")
    return item


def delete_item(actor, item_id: int) -> None:
    """Delete a decision or risk for good (the audit keeps its text) and close the gap in the order."""
    require_steering(actor, str(NOT_ALLOWED))
    item = _existing(item_id)
    ensure_unlocked(item.year)
    before = _snapshot(item)
    record(actor, "delete", item, before=before, summary=f"{AUDITED_KINDS[item.kind]} {item.year} deleted")
    later = db.session.scalars(select(BoardItem).where(BoardItem.year == item.year, BoardItem.kind == item.kind,
                                                       BoardItem.position > item.position))
    for other in later:
        other.position -= 1
    db.session.delete(item)
    db.session.flush()


def move_item(actor, item_id: int, direction: str) -> BoardItem:
    """Move a decision or risk one place up or down its list (at either end it stays)."""
    require_steering(actor, str(NOT_ALLOWED))
    if direction not in ("up", "down"):
        raise Invalid(_("Move up or down."))
    item = _existing(item_id)
    ensure_unlocked(item.year)
    siblings = [i for i in _items(item.year) if i.kind == item.kind]
    index = siblings.index(item)
    target = index - 1 if direction == "up" else index + 1
    if not 0 <= target < len(siblings):
        return item
    siblings[index], siblings[target] = siblings[target], siblings[index]
    before = item.position
    for position, sibling in enumerate(siblings, start=1):
        sibling.position = position  # renumbered from 1, so older gaps or ties cannot make a move do nothing
    record(actor, "move", item, before={"position": before}, after={"position": item.position},
           summary=f"{AUDITED_KINDS[item.kind]} {item.year} moved {direction}")
    return item


def record_after_meeting(actor, item_id: int, decided: str | None, follow_up: str | None) -> BoardItem:
    """Record what the Board decided on a decision asked of it, and what was done since."""
    require_steering(actor, str(NOT_ALLOWED))
    item = _existing(item_id)
    if item.kind != "decision":
        raise Invalid(_("Only a decision asked of the Board has an outcome to record."))
    # No ensure_unlocked here: the Board decides at its meeting, after the year's report is final and locked.
    before = _snapshot(item)
    item.decided = _clean_text(decided, "decided", required=False)
    item.follow_up = _clean_text(follow_up, "follow_up", required=False)
    item.updated_by_id = getattr(actor, "id", None)
    record(actor, "record_decision", item, before=before, after=_snapshot(item),
           summary=f"Board decision {item.year}: what was decided and done recorded")
    return item
