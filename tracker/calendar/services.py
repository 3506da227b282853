"""The reporting calendar: what each year's dates are, who still owes what by each, and the reminders. Never commits.

A reminder goes at each offset around a date (REMINDER_DAYS_BEFORE, REMINDER_DAYS_AFTER) to exactly those whose
part is missing then, naming what is missing; none goes for a locked year (its Board evaluation is final, nothing is
owed). Each (person, date, year, offset) is recorded in reminder_sent under a unique key before the notification is
written, in the same transaction: a job run again, or two workers at once, send it once.
"""
from datetime import date

from flask import current_app
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from sqlalchemy import and_, func, or_, select

from ..assessments.models import Assessment
from ..auth.models import User
from ..core.models import utcnow
from ..core.review import ReviewState
from ..core.years import PLAN_YEARS, current_plan_year, locked_years
from ..extensions import db
from ..indicators.models import IndicatorValue
from ..notifications.services import notify, path_for, secretaries_general
from ..plan.models import Outcome, outcome_responsible
from ..reports.board import DATE_FIELDS
from ..reports.models import BoardYear
from .models import ReminderSent

LABELS = {"drafted_by": _l("Assessments drafted by"), "reviewed_by": _l("Reviewed by"),
          "meeting_date": _l("Board meeting")}
OUTCOMES_SHOWN = 20  # a reminder names this many outcomes, then says how many more
# A reminder the job could not send on its day (workers down) still goes this many days later, not after: a date
# entered long past, or a year left open, must not send stale reminders at once.
CATCH_UP_DAYS = 7


def days_text(days: int) -> str:
    """How far a date is from today, as people say it."""
    if days == 0:
        return _("today")
    if days > 0:
        return ngettext("%(num)s day left", "%(num)s days left", days)
    return ngettext("%(num)s day overdue", "%(num)s days overdue", -days)


def calendar_of(year: int, today: date) -> list[dict]:
    """A year's three dates in order, each with its label, the days left (negative: past) and how that reads."""
    row = db.session.get(BoardYear, year)
    dates = []
    for kind in DATE_FIELDS:
        when = getattr(row, kind) if row else None
        days = (when - today).days if when else None
        dates.append({"kind": kind, "label": str(LABELS[kind]), "date": when, "days": days,
                      "days_text": days_text(days) if when else None})
    return dates


def calendar_of_year(year: int | None = None) -> dict:
    """A plan year's calendar (the current plan year's when none is given), for the overview and "My work"."""
    year = year if year in PLAN_YEARS else current_plan_year()
    return {"year": year, "dates": calendar_of(year, utcnow().date()),
            "link": path_for("reports.board_meeting", year=year)}


# --- who still owes what -----------------------------------------------------------------------------------------


def missing_assessments(year: int) -> dict[User, list[Outcome]]:
    """Each active person responsible for outcomes whose assessment of the year is not submitted (none, a draft, or
    returned and not resubmitted), with those outcomes in plan order: one query."""
    assessment = and_(Assessment.outcome_id == Outcome.id, Assessment.year == year)
    rows = db.session.execute(
        select(User, Outcome).join(outcome_responsible, outcome_responsible.c.user_id == User.id)
        .join(Outcome, Outcome.id == outcome_responsible.c.outcome_id)
        .outerjoin(Assessment, assessment)
        .where(User.active.is_(True),
               or_(Assessment.id.is_(None), Assessment.review_state.in_((ReviewState.DRAFT, ReviewState.RETURNED))))
        .order_by(User.id, Outcome.position)).all()
    owed: dict[User, list[Outcome]] = {}
    for user, outcome in rows:
        owed.setdefault(user, []).append(outcome)
    return owed


def awaiting_review(year: int) -> tuple[int, int]:
    """How many assessments and values of the year wait for review (submitted): one query."""
    assessments = select(func.count(Assessment.id)).where(Assessment.year == year,
                                                          Assessment.review_state == ReviewState.SUBMITTED)
    values = select(func.count(IndicatorValue.id)).where(IndicatorValue.year == year,
                                                         IndicatorValue.review_state == ReviewState.SUBMITTED)
    row = db.session.execute(select(assessments.scalar_subquery(), values.scalar_subquery())).one()
    return row[0] or 0, row[1] or 0


# --- the reminders -----------------------------------------------------------------------------------------------


def due_offset(when: date, today: date) -> int | None:
    """The offset (days from the date, negative before) whose reminder is due today, if any: the latest one reached,
    so a job that missed days sends one reminder, not each it missed, and only for CATCH_UP_DAYS; one before the
    date counts until the date."""
    before = [-d for d in current_app.config["REMINDER_DAYS_BEFORE"]]
    after = list(current_app.config["REMINDER_DAYS_AFTER"])
    reached = [o for o in sorted(before + after) if (today - when).days >= o]
    if not reached:
        return None
    offset = reached[-1]
    if offset < 0 and today > when:
        return None  # a "before" reminder is no use once the date has passed
    return offset if (today - when).days - offset <= CATCH_UP_DAYS else None


def _when_text(when: date, today: date) -> str:
    """The date and how far it is, for a reminder's text."""
    days = (when - today).days
    if days > 0:
        return ngettext("%(date)s, in %(num)s day", "%(date)s, in %(num)s days", days, date=when.isoformat())
    if days == 0:
        return _("%(date)s, today", date=when.isoformat())
    return ngettext("%(date)s, %(num)s day ago", "%(date)s, %(num)s days ago", -days, date=when.isoformat())


def _outcome_list(outcomes: list[Outcome]) -> str:
    """The outcomes a reminder names (the first OUTCOMES_SHOWN, then how many more)."""
    codes = ", ".join(o.code for o in outcomes[:OUTCOMES_SHOWN])
    more = len(outcomes) - OUTCOMES_SHOWN
    return _("%(codes)s and %(more)s more", codes=codes, more=more) if more > 0 else codes


# Each reminder's words are a function: notify() writes them in each recipient's language.


def _drafted_reminders(year: int, when: date, today: date) -> list[tuple[User, object, str]]:
    """Who is reminded of the drafted-by date, with the text and link: those with assessments not submitted."""
    link = path_for("home.my_work")

    def text(outcomes):
        return lambda: _("Reminder: assessments of %(year)s are due by %(when)s. You are responsible for these "
                         "outcomes, whose assessment is not submitted yet: %(outcomes)s.", year=year,
                         when=_when_text(when, today), outcomes=_outcome_list(outcomes))

    return [(user, text(outcomes), link) for user, outcomes in missing_assessments(year).items()]


def _reviewed_reminders(year: int, when: date, today: date) -> list[tuple[User, object, str]]:
    """Who is reminded of the reviewed-by date: the Secretary General, when items of the year wait for review."""
    assessments, values = awaiting_review(year)
    if not assessments + values:
        return []

    def text():
        return _("Reminder: the review of %(year)s is due by %(when)s. You are the Secretary General, and "
                 "%(assessments)s and %(values)s of %(year)s wait for your review.", year=year,
                 when=_when_text(when, today),
                 assessments=ngettext("%(num)s assessment", "%(num)s assessments", assessments),
                 values=ngettext("%(num)s indicator value", "%(num)s indicator values", values))

    return [(user, text, path_for("review.queue")) for user in secretaries_general()]


def _meeting_reminders(year: int, when: date, today: date) -> list[tuple[User, object, str]]:
    """Who is reminded of the Board meeting: the Secretary General, as the year's evaluation is not final yet (only
    open years are reminded of; marking the evaluation final locks its year)."""

    def text():
        return _("Reminder: the Board meeting for %(year)s is on %(when)s. You are the Secretary General, and the "
                 "Board evaluation %(year)s is not marked final yet.", year=year, when=_when_text(when, today))

    return [(user, text, path_for("reports.board_meeting", year=year)) for user in secretaries_general()]


RECIPIENTS = {"drafted_by": _drafted_reminders, "reviewed_by": _reviewed_reminders,
              "meeting_date": _meeting_reminders}


def _claim(user: User, kind: str, year: int, offset: int) -> bool:
    """Record a reminder as sent; False when it was already (its unique key holds even across workers: another
    worker's uncommitted row makes this insert wait, then do nothing)."""
    # INSERT ... ON CONFLICT DO NOTHING rather than a savepoint: SQLite's driver commits a savepoint it began.
    if db.session.get_bind().dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as dialect_insert
    else:
        from sqlalchemy.dialects.sqlite import insert as dialect_insert
    statement = (dialect_insert(ReminderSent)
                 .values(user_id=user.id, date_kind=kind, year=year, offset_days=offset, sent_at=utcnow())
                 .on_conflict_do_nothing(index_elements=["user_id", "date_kind", "year", "offset_days"])
                 .returning(ReminderSent.id))
    return db.session.execute(statement).first() is not None


def send_reminders(today: date) -> int:
    """Send every reminder due today to those whose part is missing, each once; return how many were sent."""
    locked = locked_years()
    rows = db.session.scalars(select(BoardYear).where(BoardYear.year.in_(PLAN_YEARS), BoardYear.year.not_in(locked)))
    sent_before = {(r.user_id, r.date_kind, r.year, r.offset_days) for r in db.session.scalars(
        select(ReminderSent).where(ReminderSent.year.in_(PLAN_YEARS)))}
    sent = 0
    for row in list(rows):
        for kind in DATE_FIELDS:
            when = getattr(row, kind)
            offset = due_offset(when, today) if when else None
            if offset is None:
                continue
            for user, text, link in RECIPIENTS[kind](row.year, when, today):
                if (user.id, kind, row.year, offset) in sent_before or not _claim(user, kind, row.year, offset):
                    continue
                notify([user], f"reminder_{kind}", text, link)
                sent += 1
    return sent
