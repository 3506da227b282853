"""What each role's home shows: the staff's work of the year and what came back to them; the latest final report."""
from flask_babel import gettext as _
from sqlalchemy import func, or_, select
from sqlalchemy.orm import selectinload, undefer

from ..assessments.models import Assessment
from ..calendar.services import calendar_of_year
from ..core.review import ReviewState
from ..core.roles import ADMIN, BOARD, SECRETARY_GENERAL, STAFF
from ..core.years import YearLock
from ..extensions import db
from ..indicators.models import Indicator, IndicatorValue
from ..plan.models import outcome_responsible
from ..reports.models import BoardYear, Report
from ..reports.snapshot import FrozenDataDamaged, frozen_data
from ..review.services import due_for

HOME_ENDPOINTS = {
    SECRETARY_GENERAL: "overview.index",
    STAFF: "home.my_work",
    BOARD: "home.evaluation",
    ADMIN: "admin.users",
}


def home_endpoint(role: str | None) -> str:
    """The endpoint of a role's home (the overview for a role without one of its own)."""
    return HOME_ENDPOINTS.get(role, "overview.index")


def returned_count(user) -> int:
    """How many assessments and values were returned to a user (as "My updates" lists them), in one query."""
    # The same rule as the review feature's list: written by the user or of an outcome they answer for, in an
    # open year (nothing of a locked year can change, so it is not work).
    mine = select(outcome_responsible.c.outcome_id).where(outcome_responsible.c.user_id == user.id)
    locked = select(YearLock.year)
    assessments = (select(func.count(Assessment.id))
                   .where(Assessment.review_state == ReviewState.RETURNED, Assessment.year.not_in(locked),
                          or_(Assessment.author_id == user.id, Assessment.outcome_id.in_(mine))))
    values = (select(func.count(IndicatorValue.id))
              .join(Indicator, Indicator.id == IndicatorValue.indicator_id)
              .where(IndicatorValue.review_state == ReviewState.RETURNED, IndicatorValue.year.not_in(locked),
                     or_(IndicatorValue.entered_by_id == user.id, Indicator.outcome_id.in_(mine))))
    return db.session.scalar(select(assessments.scalar_subquery() + values.scalar_subquery())) or 0


def my_work(user, year: int) -> dict:
    """A user's outcomes with the state of each one's assessment, what is due for the year and by when, and what
    was returned to them."""
    due = due_for(user, year)
    outcome_ids = [o.id for o in due["outcomes"]]
    states = dict(db.session.execute(select(Assessment.outcome_id, Assessment.review_state)
                                     .where(Assessment.year == year, Assessment.outcome_id.in_(outcome_ids))).all())
    meeting = db.session.scalar(select(BoardYear.meeting_date).where(BoardYear.year == year))
    return {**due, "states": {o.id: states.get(o.id) for o in due["outcomes"]}, "meeting_date": meeting,
            "calendar": calendar_of_year(year),
            "returned_count": len(due["returned_assessments"]) + len(due["returned_values"])}


def latest_final_report() -> Report | None:
    """The newest report marked final, with its frozen data loaded."""
    return db.session.scalars(
        select(Report).where(Report.is_final.is_(True)).options(undefer(Report.data_json),
                                                               selectinload(Report.generated_by))
        .order_by(Report.generated_at.desc(), Report.id.desc()).limit(1)).first()


def evaluation() -> dict:
    """The Board's home: the latest final report, its frozen scorecard, and why the scorecard is missing if it is."""
    report = latest_final_report()
    if report is None:
        return {"report": None, "scorecard": None, "problem": None}
    try:
        data = frozen_data(report)
    except FrozenDataDamaged as error:
        return {"report": report, "scorecard": None, "problem": str(error)}
    if data is None or "scorecard" not in data:
        return {"report": report, "scorecard": None, "problem": _("The data of this report was not frozen when it "
                                                                  "was marked final: its scorecard is in the PDF.")}
    return {"report": report, "scorecard": scorecard_view(data["scorecard"]), "problem": None,
            "title": data.get("title"), "period": data.get("period")}


def scorecard_view(card: dict) -> dict:
    """The frozen scorecard as the page reads it: one row per status with its count in each year."""
    years = [int(y) for y in card["years"]]
    per_year = {int(y): {row["status"]: row for row in rows} for y, rows in card["counts"].items()}  # JSON: text keys
    statuses = card["counts"][str(years[0])] if years else []
    counts = [{"status": row["status"], "label": row["label"],
               "counts": [per_year.get(y, {}).get(row["status"], {}).get("count", 0) for y in years]}
              for row in statuses]
    return {"years": years, "lines": card["lines"], "counts": counts, "outcomes": card.get("outcomes")}
