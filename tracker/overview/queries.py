"""The overview's data: headline figures, the plan as a heat map, report readiness and chart series.

Everything here returns plain data (dicts, lists, numbers, strings) and runs a fixed number of grouped
queries whatever the size of the activity log: GROUP BY outcome / axis / line / region / month, never a
query per outcome or per activity. `page_data()` shares the parts the sections have in common, so that
the whole page stays under twenty statements.

Counting rules (those of tracker.indicators.compute):
- soft-deleted activities and evidence (deleted_at set) are never counted;
- the work plan is the non-cancelled activities (planned, in progress, completed);
- completed activities give the delivery, members, partners and participants figures; budget spent and
  evidence count completed and in-progress activities (work actually done);
- an activity serving two outcomes counts once in the headline totals, once per outcome in the heat map,
  and once in a line or axis holding both;
- only approved assessments and approved manual values count; the others are shown as "pending".

`year=None` means the whole plan period (2021-2023).
"""
from collections import defaultdict
from datetime import datetime, timezone
from decimal import Decimal

from babel.dates import get_month_names
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import Integer, Select, String, and_, case, distinct, extract, func, literal, select, union_all

from ..activities.models import Activity, activity_member, activity_outcome, activity_partner
from ..activities.rules import COMPLETED_STATUSES, DONE_STATUSES, WORK_PLAN_STATUSES, counted
from ..assessments.models import ASSESSMENT_STATUSES, Assessment
from ..auth.models import User
from ..core.i18n import DEFAULT_LANGUAGE, TRANSLATED, current_language, localized
from ..core.review import REVIEW_LABELS
from ..core.years import PLAN_YEARS
from ..evidence.models import Evidence
from ..extensions import db
from ..indicators.models import Indicator, IndicatorValue
from ..plan.models import REGIONS, ActionLine, Axis, Member, Outcome, Partner
from . import grid

# Worst first: the status a line or axis takes from its outcomes' approved assessments.
STATUS_SEVERITY = ("off_track", "needs_attention", "not_started", "on_track", "achieved")
DISPLAY_STATUSES = {**{key: ASSESSMENT_STATUSES[key] for key in reversed(STATUS_SEVERITY)},
                    "pending": _l("Pending review"), "none": _l("No assessment")}
ASSESSMENT_STATES = {"none": _l("None"), **{str(state): label for state, label in REVIEW_LABELS.items()}}
READINESS_ITEMS = {
    "activity": _l("No activity"),
    "evidence": _l("No evidence"),
    "target": _l("No target"),
    "value": _l("No value"),
    "assessment": _l("No approved assessment"),
}
MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def month_label(month: int) -> str:
    """A month's short name in the reader's language (Babel's, from CLDR; English as in MONTHS)."""
    language = current_language()
    if language == DEFAULT_LANGUAGE:
        return MONTHS[month - 1]
    return get_month_names("abbreviated", locale=language)[month].rstrip(".").capitalize()


def years_of(year: int | None) -> tuple[int, ...]:
    """Return the plan years a selection covers (None: the whole period)."""
    return PLAN_YEARS if year is None else (year,)


def _activity_filters(year: int | None, statuses=None) -> list:
    """Return the conditions selecting live activities of a year (or of the whole period)."""
    return counted(years_of(year), statuses)


def _rate(part, whole, digits: int = 1) -> float | None:
    """Return part/whole as a percentage, or None when there is nothing to divide by."""
    if not whole:
        return None
    return round(float(part) * 100 / float(whole), digits)


def _money(value) -> Decimal:
    """Return a sum of money as a Decimal with cents (SQLite hands sums back as floats)."""
    return Decimal(str(value or 0)).quantize(Decimal("0.01"))


def _once(memo: dict | None, key, compute):
    """Compute a part once per page (memo shared by the sections), or every time without a memo."""
    if memo is None:
        return compute()
    if key not in memo:
        memo[key] = compute()
    return memo[key]


# ---------------------------------------------------------------------------------------------------------------
# Indicators (through the indicators feature's services)
# ---------------------------------------------------------------------------------------------------------------

def indicator_rows_for(year: int | None) -> dict:
    """Return the active indicators' rows for the selection, split into plan-wide and per-outcome ones."""
    from ..indicators.services import indicator_rows

    # One query for every active indicator, in the order the pages use (the rows load their own targets).
    indicators = list(db.session.scalars(
        select(Indicator).outerjoin(Outcome, Outcome.id == Indicator.outcome_id)
        .where(Indicator.active.is_(True))
        .order_by(Outcome.position.is_not(None), Outcome.position, Indicator.position, Indicator.code)))
    rows = indicator_rows(indicators, list(years_of(year)))
    return {
        "plan_wide": [row for row in rows if row["outcome_id"] is None],
        "per_outcome": [row for row in rows if row["outcome_id"] is not None],
    }


def _year_cell(row: dict, year: int) -> dict:
    """Return one year's figures of an indicator row (empty when the row has none for that year)."""
    return (row.get("years") or {}).get(year) or {}


def _indicator_view(row: dict, year: int | None) -> dict:
    """Return the figures of an indicator that stand for the selection: the year, or the latest year with data."""
    if year is not None:
        return _year_cell(row, year)
    for candidate in reversed(PLAN_YEARS):
        cell = _year_cell(row, candidate)
        if cell.get("progress") is not None or cell.get("actual") is not None:
            return cell
    return _year_cell(row, PLAN_YEARS[-1])


def for_report(year: int | None, indicators: dict) -> dict:
    """The headline figures and the outcome tree of a selection, reusing the indicator rows a report computed."""
    memo = {"indicators": indicators}
    return {"headline": headline(year, memo=memo), "tree": heatmap(year, memo=memo)}


# ---------------------------------------------------------------------------------------------------------------
# Headline figures
# ---------------------------------------------------------------------------------------------------------------

def headline(year: int | None, *, memo: dict | None = None, with_previous: bool = False) -> dict:
    """Return the headline figures of a plan year (None: the whole period) as plain data, in a fixed number of queries.

    Keys: year, years, completed, in_progress, planned_only (status "planned"), planned (the work plan:
    planned + in progress + completed), cancelled, delivery_rate (completed / planned, %), members_total
    (rows of the member table: 141), members_engaged (distinct members of completed activities),
    members_share (%), members_by_region [{region, engaged, total}], partners_engaged (distinct partners of
    completed activities), participants, women, men (sums over completed activities), women_share (% women
    of all the participants of completed activities that record how many women took part), budget_planned (the
    work plan), budget_spent (completed and in-progress activities), budget_rate (%), indicators (the
    plan-wide indicator rows of tracker.indicators.services.indicator_rows). Budgets are Decimals; rates are
    floats, or None when there is nothing to divide by. With with_previous, also previous (the same figures for
    the plan year before, without indicators and regions; None for 2021 and the whole period) and change
    ({key: this year - last year} for CHANGE_KEYS, rates in points), in the same statements.
    """
    previous = previous_year(year) if with_previous else None
    shown = [year] if previous is None else [year, previous]
    # The rule of the computed indicator (indicators/compute.py): women over all participants of the activities
    # that record women, so that "other or not stated" participants are in the denominator.
    gendered = and_(Activity.participants_women.is_not(None), Activity.participants_total.is_not(None))
    partners = [select(func.count(Partner.id)).where(_engaged(activity_partner, "partner_id", Partner.id, y))
                .scalar_subquery() for y in shown]
    # One pass grouped by year over both years' activities: last year's figures cost no extra statement.
    rows = db.session.execute(
        select(
            Activity.year,
            Activity.status,
            func.count(Activity.id),
            func.sum(Activity.participants_total),
            func.sum(case((gendered, Activity.participants_women))),
            func.sum(case((gendered, Activity.participants_men))),
            func.sum(case((gendered, Activity.participants_total))),
            func.sum(Activity.budget_planned),
            func.sum(Activity.budget_spent),
            *partners,
        )
        .where(*counted(set(years_of(year)) | ({previous} if previous else set())))
        .group_by(Activity.year, Activity.status)
    ).all()
    regions = members_by_region(year, previous=previous)
    figures = _figures(year, [row for row in rows if previous is None or row[0] != previous], regions, 0)
    indicators = _once(memo, "indicators", lambda: indicator_rows_for(year))
    figures["indicators"] = indicators["plan_wide"]
    if previous is not None:
        figures["previous"] = _figures(previous, [row for row in rows if row[0] == previous], regions, 1)
        figures["change"] = {key: _change(figures[key], figures["previous"][key]) for key in CHANGE_KEYS}
    else:
        figures["previous"], figures["change"] = None, {}
    return figures


# The headline figures compared with last year (rates in percentage points).
CHANGE_KEYS = ("completed", "planned", "delivery_rate", "members_engaged", "partners_engaged", "participants",
               "women_share", "budget_spent", "budget_rate")


def previous_year(year: int | None) -> int | None:
    """Return the plan year before a selected one (None for the first year and for the whole period)."""
    return year - 1 if year is not None and year - 1 in PLAN_YEARS else None


def _change(now, before):
    """Return now - before, or None when either is missing."""
    if now is None or before is None:
        return None
    return round(now - before, 1) if isinstance(now, float) or isinstance(before, float) else now - before


def _figures(year: int | None, rows: list, regions: list[dict], which: int) -> dict:
    """Sum up the grouped rows of one selection into its headline figures (which: 0 this year, 1 last year)."""
    counts = {status: 0 for status in (*WORK_PLAN_STATUSES, "cancelled")}
    budget_planned = budget_spent = Decimal(0)
    participants = women = men = gendered_total = partners_engaged = 0
    for _year, status, count, total, n_women, n_men, n_gendered, planned, spent, *n_partners in rows:
        counts[status] = counts.get(status, 0) + count
        partners_engaged = int(n_partners[which] or 0)
        if status in DONE_STATUSES:
            budget_spent += _money(spent)
        if status in WORK_PLAN_STATUSES:
            budget_planned += _money(planned)
        if status == "completed":
            participants, women, men = participants + int(total or 0), women + int(n_women or 0), men + int(n_men or 0)
            gendered_total += int(n_gendered or 0)
    work_plan = sum(counts[status] for status in WORK_PLAN_STATUSES)
    engaged_key = "engaged" if which == 0 else "engaged_before"
    members_total = sum(row["total"] for row in regions)
    members_engaged = sum(row.get(engaged_key, 0) for row in regions)
    return {
        "year": year,
        "years": list(years_of(year)),
        "completed": counts["completed"],
        "in_progress": counts["in_progress"],
        "planned_only": counts["planned"],
        "planned": work_plan,
        "cancelled": counts["cancelled"],
        "delivery_rate": _rate(counts["completed"], work_plan),
        "members_total": members_total,
        "members_engaged": members_engaged,
        "members_share": _rate(members_engaged, members_total),
        "members_by_region": regions if which == 0 else [],
        "partners_engaged": partners_engaged,
        "participants": participants,
        "women": women,
        "men": men,
        "women_share": _rate(women, gendered_total),
        "budget_planned": budget_planned,
        "budget_spent": budget_spent,
        "budget_rate": _rate(budget_spent, budget_planned),
    }


def _engaged(link, column: str, key, year: int | None):
    """Return the condition "took part in a completed activity of the selection" for a member or partner."""
    # EXISTS per member (141) or partner stops at the first match: cheaper than a DISTINCT over every link row.
    return (
        select(literal(1))
        .select_from(link.join(Activity, Activity.id == link.c.activity_id))
        .where(link.c[column] == key, *_activity_filters(year, COMPLETED_STATUSES))
        .exists()
    )


def members_by_region(year: int | None, *, previous: int | None = None) -> list[dict]:
    """Return, per Metropolis region, the members engaged in completed activities and the members there.

    With a previous year, each row also has engaged_before: the members engaged that year (same statement).
    """
    engaged = [case((_engaged(activity_member, "member_id", Member.id, y), 1), else_=0)
               for y in ([year] if previous is None else [year, previous])]
    rows = db.session.execute(
        select(Member.region, func.count(Member.id), *(func.sum(column) for column in engaged))
        .group_by(Member.region)
    ).all()
    found = {region: (total, [int(count or 0) for count in counts]) for region, total, *counts in rows}
    order = [region for region in REGIONS if region in found] + sorted(set(found) - set(REGIONS))
    result = []
    for region in order:
        total, counts = found[region]
        row = {"region": region, "engaged": counts[0], "total": total}
        if previous is not None:
            row["engaged_before"] = counts[1]
        result.append(row)
    return result


# ---------------------------------------------------------------------------------------------------------------
# The plan as a heat map
# ---------------------------------------------------------------------------------------------------------------

def _plan_and_assessments(year: int | None) -> dict:
    """Return the plan tree in order and each outcome's assessments of every plan year, in one query.

    "assessments" holds those of the selection (ascending years), "by_year" every plan year's ({outcome id:
    {year: row}}): the grid shows all three years whatever year is selected, at no extra statement.
    """
    rows = db.session.execute(
        select(ActionLine.id, ActionLine.code, ActionLine.number, *_titles(ActionLine),
               Axis.id, Axis.code, Axis.number, *_titles(Axis),
               Outcome.id, Outcome.code, Outcome.number, *_titles(Outcome),
               Assessment.id, Assessment.year, Assessment.status, Assessment.review_state,
               Assessment.submitted_at, Assessment.updated_at, User.name)
        .select_from(Outcome)
        .join(Axis, Axis.id == Outcome.axis_id)
        .join(ActionLine, ActionLine.id == Axis.line_id)
        .outerjoin(Assessment, and_(Assessment.outcome_id == Outcome.id, Assessment.year.in_(PLAN_YEARS)))
        .outerjoin(User, User.id == Assessment.author_id)
        .order_by(ActionLine.position, Axis.position, Outcome.position, Assessment.year)
    ).all()
    selected = set(years_of(year))
    lines: dict[int, dict] = {}
    axes: dict[int, dict] = {}
    outcomes: dict[int, dict] = {}
    assessments: dict[int, list[dict]] = defaultdict(list)
    by_year: dict[int, dict[int, dict]] = defaultdict(dict)
    for (l_id, l_code, l_number, l_title, a_id, a_code, a_number, a_title, o_id, o_code, o_number, o_title,
         s_id, s_year, s_status, s_state, s_submitted, s_updated, s_author) in _with_titles(rows):
        if l_id not in lines:
            lines[l_id] = {"id": l_id, "code": l_code, "number": l_number, "title": l_title, "axes": []}
        if a_id not in axes:
            axes[a_id] = {"id": a_id, "code": a_code, "number": a_number, "title": a_title, "outcomes": []}
            lines[l_id]["axes"].append(axes[a_id])
        if o_id not in outcomes:
            outcomes[o_id] = {"id": o_id, "code": o_code, "number": o_number, "title": o_title}
            axes[a_id]["outcomes"].append(outcomes[o_id])
        if s_id is not None:
            row = {"id": s_id, "year": s_year, "status": s_status, "state": str(s_state),
                   "submitted_at": s_submitted or s_updated, "author": s_author,
                   "outcome_code": o_code, "outcome_title": o_title}
            by_year[o_id][s_year] = row
            if s_year in selected:
                assessments[o_id].append(row)
    return {"lines": list(lines.values()), "assessments": dict(assessments), "by_year": dict(by_year)}


def _titles(model) -> tuple:
    """The title columns of a plan node: the English, then each translation."""
    return (model.title_en, *(getattr(model, f"title_{code}") for code in TRANSLATED))


def _with_titles(rows):
    """Turn each row's title columns (English, French, Spanish) into the title in the current language."""
    width = 1 + len(TRANSLATED)
    for row in rows:
        row = list(row)
        # Each node (line, axis, outcome) is id, code, number, then its titles; from the last, so indexes hold.
        for start in reversed([3 + node * (3 + width) for node in range(3)]):
            english, *others = row[start:start + width]
            row[start:start + width] = [localized(english, dict(zip(TRANSLATED, others)))]
        yield row


def _assessment_summary(rows: list[dict]) -> dict:
    """Sum up an outcome's assessments of the selection (ascending years).

    For one year: that year's assessment. For the whole period: the state of the latest assessment, and the
    status of the latest approved one (an older approved judgement stands while a newer one waits for review).
    """
    summary = {"state": "none", "status": None, "year": None, "approved_year": None}
    for row in rows:
        summary["state"], summary["year"] = row["state"], row["year"]
        if row["state"] == "approved":
            summary["status"], summary["approved_year"] = row["status"], row["year"]
    return summary


def _distinct_counts(link, level: str, columns: tuple) -> Select:
    """Return a grouped select counting the distinct activities of each node (axis, line) over the link CTE."""
    pairs = select(link.c.activity_id, link.c.status, *(link.c[name] for name in columns)).distinct().subquery()
    node = pairs.c[columns[0]]
    when = [pairs.c[name] for name in columns[1:]] or [literal(0, Integer), literal(0, Integer)]
    return (select(literal("activities", String), literal(level, String), node, *when, func.count(),
                   func.sum(case((pairs.c.status == "completed", 1), else_=0)))
            .group_by(node, *(pairs.c[name] for name in columns[1:])))


def _counts(year: int | None) -> dict:
    """Return activity and evidence counts per outcome, axis and line, and activities per line and month, in one query.

    Keys (what, level, id) give (count, completed): activities are the work plan (distinct activities, and
    how many of them are completed); evidence is the pieces attached to completed or in-progress activities
    serving the outcome, or straight to the outcome (no activity) and added during the selected years (the
    rules of the indicators' evidence count). Keys ("activities", "month", line id, (year, month)) give the
    work-plan activities of a line starting that month, for the chart by month.

    Why this shape: an outcome holds an activity once (the link's key), so outcomes need no DISTINCT; axes
    and lines count each activity once through a DISTINCT projection, and the line's months come out of the
    same projection (an activity has one start month), which is cheaper than COUNT(DISTINCT) per group.
    """
    years = years_of(year)
    activity_link = (
        select(Activity.id.label("activity_id"), Activity.status.label("status"),
               Activity.year.label("year"), extract("month", Activity.start_date).label("month"),
               activity_outcome.c.outcome_id.label("outcome_id"), Outcome.axis_id.label("axis_id"),
               Axis.line_id.label("line_id"))
        .select_from(Activity.__table__.join(activity_outcome, activity_outcome.c.activity_id == Activity.id)
                     .join(Outcome, Outcome.id == activity_outcome.c.outcome_id)
                     .join(Axis, Axis.id == Outcome.axis_id))
        .where(*_activity_filters(year, WORK_PLAN_STATUSES))
        .cte("activity_link")
    )
    per_outcome = (select(literal("activities", String), literal("outcome", String), activity_link.c.outcome_id,
                          literal(0, Integer), literal(0, Integer), func.count(),
                          func.sum(case((activity_link.c.status == "completed", 1), else_=0)))
                   .group_by(activity_link.c.outcome_id))
    through_activities = (
        select(Evidence.id.label("evidence_id"), activity_outcome.c.outcome_id.label("outcome_id"))
        .select_from(Evidence.__table__.join(Activity, Activity.id == Evidence.activity_id)
                     .join(activity_outcome, activity_outcome.c.activity_id == Activity.id))
        .where(Evidence.live(), *_activity_filters(year, DONE_STATUSES))
    )
    # A range on the column itself: portable and index-friendly (no date functions).
    direct = select(Evidence.id.label("evidence_id"), Evidence.outcome_id.label("outcome_id")).where(
        Evidence.live(), Evidence.activity_id.is_(None), Evidence.outcome_id.is_not(None),
        Evidence.added_at >= datetime(years[0], 1, 1, tzinfo=timezone.utc),
        Evidence.added_at < datetime(years[-1] + 1, 1, 1, tzinfo=timezone.utc))
    pieces = union_all(through_activities, direct).subquery("evidence_piece")
    evidence_link = (
        select(pieces.c.evidence_id, Outcome.id.label("outcome_id"), Outcome.axis_id.label("axis_id"),
               Axis.line_id.label("line_id"))
        .select_from(pieces.join(Outcome, Outcome.id == pieces.c.outcome_id).join(Axis, Axis.id == Outcome.axis_id))
        .cte("evidence_link")
    )
    evidence = [select(literal("evidence", String), literal(level, String), evidence_link.c[column],
                       literal(0, Integer), literal(0, Integer), func.count(distinct(evidence_link.c.evidence_id)),
                       literal(0, Integer))
                .group_by(evidence_link.c[column])
                for level, column in (("outcome", "outcome_id"), ("axis", "axis_id"), ("line", "line_id"))]
    rows = db.session.execute(union_all(
        per_outcome, _distinct_counts(activity_link, "axis", ("axis_id",)),
        _distinct_counts(activity_link, "month", ("line_id", "year", "month")), *evidence)).all()
    counts: dict = {}
    for what, level, node, in_year, month, count, completed in rows:
        if level == "month":
            counts[(what, level, node, (int(in_year), int(month)))] = (int(count), int(completed or 0))
            line_count, line_completed = counts.get((what, "line", node), (0, 0))
            counts[(what, "line", node)] = (line_count + int(count), line_completed + int(completed or 0))
        else:
            counts[(what, level, node)] = (int(count), int(completed or 0))
    return counts


def _worst(statuses) -> str | None:
    """Return the worst of some approved statuses, or None."""
    present = [status for status in statuses if status in STATUS_SEVERITY]
    return min(present, key=STATUS_SEVERITY.index) if present else None


def _mean(values) -> float | None:
    """Return the mean of the values that are there, or None."""
    values = [float(value) for value in values if value is not None]
    return sum(values) / len(values) if values else None


def heatmap(year: int | None, *, memo: dict | None = None) -> list[dict]:
    """Return the plan as a heat map: lines -> axes -> outcomes, each with its status and counts.

    An outcome: id, code, number, title, status (its approved assessment's status, else None), display
    (that status, or "pending" while its assessment is not approved, or "none"), assessment_state
    (none/draft/submitted/returned/approved), assessment_year, activities (the work plan), completed,
    evidence, progress (mean progress of its indicators that have one, as a share: 1.0 is the target; None
    without any), indicator_count, has_target, has_value, value_pending. Lines and axes: id, code, number,
    title, the same counts (distinct activities and evidence), status (the worst approved status of their
    outcomes), distribution ({display status: outcomes}), progress (mean of their outcomes') and
    outcome_count.
    """
    plan = _once(memo, "plan", lambda: _plan_and_assessments(year))
    counts = _once(memo, "counts", lambda: _counts(year))
    indicators = _once(memo, "indicators", lambda: indicator_rows_for(year))
    outcome_indicators = defaultdict(list)
    for row in indicators["per_outcome"]:
        outcome_indicators[row["outcome_code"]].append(row)

    tree = [dict(line, axes=[dict(axis, outcomes=[dict(item) for item in axis["outcomes"]])
                             for axis in line["axes"]]) for line in plan["lines"]]
    for line in tree:
        line_outcomes = []
        for axis in line["axes"]:
            for item in axis["outcomes"]:
                assessment = _assessment_summary(plan["assessments"].get(item["id"], []))
                rows = outcome_indicators.get(item["code"], [])
                cells = [_indicator_view(row, year) for row in rows]
                all_cells = [_year_cell(row, y) for row in rows for y in years_of(year)]
                activities, completed = counts.get(("activities", "outcome", item["id"]), (0, 0))
                item.update(
                    status=assessment["status"],
                    display=assessment["status"] or ("pending" if assessment["state"] != "none" else "none"),
                    assessment_state=assessment["state"],
                    assessment_year=assessment["year"],
                    activities=activities,
                    completed=completed,
                    evidence=counts.get(("evidence", "outcome", item["id"]), (0, 0))[0],
                    progress=_mean(cell.get("progress") for cell in cells),
                    indicator_count=len(rows),
                    has_target=any(cell.get("target") is not None for cell in all_cells),
                    has_value=any(cell.get("actual") is not None for cell in all_cells),
                    value_pending=any(bool(cell.get("pending")) for cell in all_cells),
                )
            _aggregate(axis, axis["outcomes"], counts, "axis")
            line_outcomes.extend(axis["outcomes"])
        _aggregate(line, line_outcomes, counts, "line")
    return tree


def _aggregate(node: dict, outcomes: list[dict], counts: dict, level: str) -> None:
    """Give a line or an axis the figures of its outcomes."""
    activities, completed = counts.get(("activities", level, node["id"]), (0, 0))
    distribution = {key: 0 for key in DISPLAY_STATUSES}
    for item in outcomes:
        distribution[item["display"]] += 1
    node.update(
        activities=activities,
        completed=completed,
        evidence=counts.get(("evidence", level, node["id"]), (0, 0))[0],
        status=_worst(item["status"] for item in outcomes),
        distribution={key: count for key, count in distribution.items() if count},
        progress=_mean(item["progress"] for item in outcomes),
        outcome_count=len(outcomes),
    )


def flat_outcomes(tree: list[dict]) -> list[dict]:
    """Return the outcomes of a heat map in plan order, each with its line and axis codes."""
    return [dict(item, line_code=line["code"], axis_code=axis["code"])
            for line in tree for axis in line["axes"] for item in axis["outcomes"]]


def outcome_status_counts(tree: list[dict]) -> list[dict]:
    """Return how many outcomes stand at each display status (pending and none included)."""
    counts = {key: 0 for key in DISPLAY_STATUSES}
    for item in flat_outcomes(tree):
        counts[item["display"]] += 1
    return [{"status": key, "label": str(label), "count": counts[key]} for key, label in DISPLAY_STATUSES.items()]


# ---------------------------------------------------------------------------------------------------------------
# Report readiness and the review queue
# ---------------------------------------------------------------------------------------------------------------

def readiness(year: int | None, *, tree: list[dict] | None = None) -> list[dict]:
    """Return the outcomes that would reach the Board incomplete, each with what it lacks.

    Each entry: code, title, line_code, axis_code, missing (keys of READINESS_ITEMS: activity, evidence,
    target, value, assessment), labels (the same as people say them) and notes (no indicator; values or
    assessments waiting for review, which do not count yet). For the whole period an item counts if any
    plan year has it (the latest approved assessment stands).
    """
    tree = heatmap(year) if tree is None else tree
    result = []
    for item in flat_outcomes(tree):
        missing = [key for key, present in (
            ("activity", item["activities"]), ("evidence", item["evidence"]), ("target", item["has_target"]),
            ("value", item["has_value"]), ("assessment", item["status"] is not None)) if not present]
        if not missing:
            continue
        notes = []
        if not item["indicator_count"]:
            notes.append(_("no indicator"))
        if "value" in missing and item["value_pending"]:
            notes.append(_("a value is waiting for review"))
        if "assessment" in missing and item["assessment_state"] not in ("none", "approved"):
            notes.append(_("assessment %(state)s", state=str(ASSESSMENT_STATES[item["assessment_state"]]).lower()))
        result.append({
            "code": item["code"], "title": item["title"], "line_code": item["line_code"],
            "axis_code": item["axis_code"], "missing": missing,
            "labels": [str(READINESS_ITEMS[key]) for key in missing], "notes": notes,
        })
    return result


def review_queue(year: int | None, *, memo: dict | None = None) -> dict:
    """Return the assessments and entered values of the selection submitted for review, in plan order.

    "waiting" counts what is submitted over every plan year, as the review queue lists it by default (the grid
    shows every year, and says how many items wait for the reviewer).
    """
    plan = _once(memo, "plan", lambda: _plan_and_assessments(year))
    assessments = sorted(
        (dict(row, status_label=str(ASSESSMENT_STATUSES.get(row["status"], row["status"])))
         for line in plan["lines"] for axis in line["axes"] for item in axis["outcomes"]
         for row in plan["assessments"].get(item["id"], []) if row["state"] == "submitted"),
        key=lambda row: row["year"])  # stable: plan order within a year
    values = db.session.execute(
        select(IndicatorValue.id, IndicatorValue.year, IndicatorValue.value, IndicatorValue.entered_at,
               Indicator.code, Indicator.name_en, Indicator.name_fr, Indicator.name_es, Indicator.unit, Outcome.code,
               User.name)
        .join(Indicator, Indicator.id == IndicatorValue.indicator_id)
        .outerjoin(Outcome, Outcome.id == Indicator.outcome_id)
        .outerjoin(User, User.id == IndicatorValue.entered_by_id)
        .where(IndicatorValue.review_state == "submitted")
        .order_by(IndicatorValue.year, Indicator.code)
    ).all()
    selected = set(years_of(year))
    waiting_assessments = sum(1 for rows in plan["by_year"].values() for row in rows.values()
                              if row["state"] == "submitted")
    return {
        "waiting": {"assessments": waiting_assessments, "values": len(values),
                    "total": waiting_assessments + len(values)},
        "assessments": assessments,
        "values": [
            {"id": v_id, "year": v_year, "value": value, "entered_at": entered_at, "indicator_code": code,
             "indicator_name": localized(name, {"fr": name_fr, "es": name_es}), "unit": unit,
             "outcome_code": outcome_code, "entered_by": author}
            for v_id, v_year, value, entered_at, code, name, name_fr, name_es, unit, outcome_code, author in values
            if v_year in selected
        ],
    }


# ---------------------------------------------------------------------------------------------------------------
# Chart series
# ---------------------------------------------------------------------------------------------------------------

def activities_by_month(year: int | None, *, memo: dict | None = None) -> dict:
    """Return work-plan activities per start month and action line (from the heat map's grouped query).

    Keys: labels (the months of the year, or of each year over the whole period) and series
    [{code, title, counts}], one per action line. An activity serving two lines counts in each of them.
    """
    slots = [(y, m) for y in years_of(year) for m in range(1, 13)]
    labels = [month_label(m) if year is not None else f"{month_label(m)} {y}" for y, m in slots]
    index = {slot: position for position, slot in enumerate(slots)}
    counts: dict[int, list[int]] = defaultdict(lambda: [0] * len(slots))
    for key, (count, _completed) in _once(memo, "counts", lambda: _counts(year)).items():
        if len(key) == 4:  # ("activities", "month", line id, (year, month))
            position = index.get(key[3])
            if position is not None:
                counts[key[2]][position] += count
    lines = _once(memo, "plan", lambda: _plan_and_assessments(year))["lines"]
    return {"labels": labels,
            "series": [{"code": line["code"], "title": line["title"], "counts": list(counts[line["id"]])}
                       for line in lines]}


def progress_band(progress: float | None) -> str:
    """Return the status band a progress share falls in ("none" without one)."""
    from ..indicators.progress import thresholds

    if progress is None:
        return "none"
    on_track_at, attention_at = (float(value) for value in thresholds())
    if progress >= on_track_at:
        return "on_track"
    return "needs_attention" if progress >= attention_at else "off_track"


def page_data(year: int | None) -> dict:
    """Return everything the overview page shows for a selection, computing the shared parts once."""
    memo: dict = {}
    tree = heatmap(year, memo=memo)
    outcome_grid = grid.build(memo["plan"])
    figures = headline(year, memo=memo, with_previous=True)
    return {
        "year": year,
        "years": list(years_of(year)),
        "grid": outcome_grid,
        "headline": figures,
        "heatmap": tree,
        "readiness": readiness(year, tree=tree),
        "review_queue": review_queue(year, memo=memo),
        "charts": {
            "activities": activities_by_month(year, memo=memo),
            "members": figures["members_by_region"],
            "outcomes": outcome_status_counts(tree),
        },
    }
