"""Actual values of indicators: computed from the activity log, or the approved value staff entered.

`actuals()` runs a fixed number of grouped queries whatever the number of indicators, years or
activities: one per family of methods that the given indicators use (activity aggregates per outcome,
activity aggregates plan-wide, distinct members, distinct partners, evidence attached to outcomes,
approved manual values). Everything else is arithmetic in Python over the grouped rows.

Rules (shared with the trace links, so that a number can always be explained):
- soft-deleted activities and evidence never count;
- counts, members, partners, participants and women's share use completed activities only;
  budget spent and evidence use completed and in-progress activities (work actually done);
- an indicator on an outcome counts the activities linked to that outcome; a plan-wide indicator
  counts every activity once, even when it serves several outcomes;
- `method_kinds`, when set, restricts the activities to those kinds (evidence attached straight to an
  outcome has no kind, so it only counts when no kinds are set);
- cumulative indicators aggregate the plan years from the first up to the year asked (distinct counts
  stay distinct over the period); a manual cumulative value is the approved value entered for that year;
- counts are 0 when nothing matches (a real zero); sums of optional fields (participants, budget)
  and women's share are None when no activity recorded them, so that no status comes from missing data;
- women's share is of the total participants (women, men and other or not stated), over the activities
  that record how many women took part.
"""
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from flask import current_app, url_for
from sqlalchemy import and_, case, extract, func, select

from ..activities.models import Activity, activity_member, activity_outcome, activity_partner
from ..activities.rules import COMPLETED_STATUSES, DONE_STATUSES, counted
from ..core.years import PLAN_YEARS
from ..evidence.models import Evidence
from ..extensions import db
from .models import Indicator, IndicatorValue

PLAN_START = PLAN_YEARS[0]
# Methods answered from the grouped activity aggregates.
AGGREGATE_METHODS = frozenset({"completed_activities", "participants", "women_share", "budget_spent",
                               "evidence_count"})
DISTINCT_TABLES = {"members_engaged": (activity_member, "member_id"),
                   "partners_engaged": (activity_partner, "partner_id")}
# Which activity statuses each computed method looks at (the trace link uses the same).
METHOD_STATUSES = {method: COMPLETED_STATUSES for method in
                   ("completed_activities", "members_engaged", "partners_engaged", "participants", "women_share")}
METHOD_STATUSES.update({"budget_spent": DONE_STATUSES, "evidence_count": DONE_STATUSES})
_SHARE_QUANTUM = Decimal("0.01")


@dataclass
class _Aggregate:
    """Grouped figures of the activities of one (scope, year, kind, status)."""

    count: int = 0
    participants: Decimal | None = None
    women: Decimal | None = None
    gendered_total: Decimal | None = None  # the participants of the activities that record how many were women
    budget: Decimal | None = None
    evidence: int = 0


def _dec(value) -> Decimal | None:
    """Turn a database number into a Decimal (SQLite hands back floats for sums of decimals)."""
    if value is None:
        return None
    if isinstance(value, Decimal):
        return value
    if isinstance(value, float):
        return Decimal(repr(value)).quantize(Decimal("0.0001"))
    return Decimal(value)


def _add(total: Decimal | None, value: Decimal | None) -> Decimal | None:
    """Add two optional numbers, None only if both are None."""
    if value is None:
        return total
    return value if total is None else total + value


def period(indicator: Indicator, year: int) -> list[int]:
    """The years whose activity counts for an indicator's value of a year."""
    if indicator.cumulative and year >= PLAN_START:
        return list(range(PLAN_START, year + 1))
    return [year]


def _aggregate_columns(evidence_per_activity):
    """The grouped figures, shared by the per-outcome and plan-wide queries."""
    women_known = and_(Activity.participants_women.is_not(None), Activity.participants_total.is_not(None))
    return [
        func.count(Activity.id),
        func.sum(Activity.participants_total),
        func.sum(case((women_known, Activity.participants_women), else_=None)),
        func.sum(case((women_known, Activity.participants_total), else_=None)),
        func.sum(Activity.budget_spent),
        func.sum(evidence_per_activity.c.n),
    ]


def _aggregates(years: set[int], outcome_ids: set[int], plan_wide: bool) -> dict:
    """Grouped activity figures keyed (outcome_id or None for plan-wide, year, kind, status)."""
    base_filter = counted(years, DONE_STATUSES)
    # Evidence counted only for the activities the figures read, not grouped over the whole evidence table.
    evidence_per_activity = (
        select(Evidence.activity_id.label("activity_id"), func.count(Evidence.id).label("n"))
        .join(Activity, Activity.id == Evidence.activity_id)
        .where(Evidence.live(), *base_filter)
        .group_by(Evidence.activity_id)
        .subquery()
    )
    result: dict[tuple, _Aggregate] = {}

    def store(scope, row):
        """Keep one grouped row under its scope."""
        year, kind, status, count, participants, women, gendered_total, budget, evidence = row
        result[(scope, year, kind, status)] = _Aggregate(
            count=int(count or 0), participants=_dec(participants), women=_dec(women),
            gendered_total=_dec(gendered_total), budget=_dec(budget), evidence=int(evidence or 0))

    if outcome_ids:
        rows = db.session.execute(
            select(activity_outcome.c.outcome_id, Activity.year, Activity.kind, Activity.status,
                   *_aggregate_columns(evidence_per_activity))
            .select_from(Activity)
            .join(activity_outcome, activity_outcome.c.activity_id == Activity.id)
            .outerjoin(evidence_per_activity, evidence_per_activity.c.activity_id == Activity.id)
            .where(*base_filter, activity_outcome.c.outcome_id.in_(sorted(outcome_ids)))
            .group_by(activity_outcome.c.outcome_id, Activity.year, Activity.kind, Activity.status)
        )
        for outcome_id, *rest in rows:
            store(outcome_id, rest)
    if plan_wide:
        rows = db.session.execute(
            select(Activity.year, Activity.kind, Activity.status, *_aggregate_columns(evidence_per_activity))
            .select_from(Activity)
            .outerjoin(evidence_per_activity, evidence_per_activity.c.activity_id == Activity.id)
            .where(*base_filter)
            .group_by(Activity.year, Activity.kind, Activity.status)
        )
        for row in rows:
            store(None, row)
    return result


def _distinct(method: str, years: set[int], outcome_ids: set[int], plan_wide: bool) -> dict:
    """Distinct members (or partners) of completed activities, as {(scope, year, kind): set of ids}."""
    table, column_name = DISTINCT_TABLES[method]
    linked = table.c[column_name]
    query = (
        select(Activity.year, Activity.kind, activity_outcome.c.outcome_id, linked)
        .distinct()
        .select_from(Activity)
        .join(table, table.c.activity_id == Activity.id)
        .where(*counted(years, COMPLETED_STATUSES))
    )
    if plan_wide:  # activities serving no outcome still count plan-wide
        query = query.outerjoin(activity_outcome, activity_outcome.c.activity_id == Activity.id)
    else:
        query = query.join(activity_outcome, activity_outcome.c.activity_id == Activity.id).where(
            activity_outcome.c.outcome_id.in_(sorted(outcome_ids)))
    result: dict[tuple, set[int]] = defaultdict(set)
    for year, kind, outcome_id, linked_id in db.session.execute(query):
        if outcome_id is not None and outcome_id in outcome_ids:
            result[(outcome_id, year, kind)].add(linked_id)
        if plan_wide:
            result[(None, year, kind)].add(linked_id)
    return result


def _outcome_evidence(years: set[int], outcome_ids: set[int], plan_wide: bool) -> dict:
    """Evidence attached straight to an outcome (no activity), counted by the year it was added."""
    year_added = extract("year", Evidence.added_at)
    query = (
        select(year_added, Evidence.outcome_id, func.count(Evidence.id))
        .where(Evidence.live(), Evidence.activity_id.is_(None), Evidence.outcome_id.is_not(None),
               year_added.in_(sorted(years)))
        .group_by(year_added, Evidence.outcome_id)
    )
    if not plan_wide:
        query = query.where(Evidence.outcome_id.in_(sorted(outcome_ids)))
    result: dict[tuple, int] = defaultdict(int)
    for year, outcome_id, count in db.session.execute(query):
        year = int(year)
        result[(outcome_id, year)] += int(count)
        result[(None, year)] += int(count)
    return result


def _approved_values(indicator_ids: list[int], years: set[int]) -> dict:
    """The approved manual values, keyed (indicator_id, year)."""
    rows = db.session.execute(
        select(IndicatorValue.indicator_id, IndicatorValue.year, IndicatorValue.value)
        .where(IndicatorValue.indicator_id.in_(indicator_ids), IndicatorValue.year.in_(sorted(years)),
               IndicatorValue.review_state == "approved")
    )
    return {(indicator_id, year): _dec(value) for indicator_id, year, value in rows}


def _kind_matches(indicator: Indicator, kind: str) -> bool:
    """Whether an activity kind is counted by the indicator."""
    return not indicator.method_kinds or kind in indicator.method_kinds


def _from_aggregates(indicator: Indicator, years: list[int], aggregates: dict, index: dict,
                     outcome_evidence: dict) -> Decimal | None:
    """The value of an aggregate method over some years."""
    scope, method = indicator.outcome_id, indicator.method
    statuses = METHOD_STATUSES[method]
    count = evidence = 0
    participants = women = gendered_total = budget = None
    for year in years:
        for kind, status in index.get((scope, year), ()):
            if status not in statuses or not _kind_matches(indicator, kind):
                continue
            agg = aggregates[(scope, year, kind, status)]
            count += agg.count
            evidence += agg.evidence
            participants = _add(participants, agg.participants)
            women = _add(women, agg.women)
            gendered_total = _add(gendered_total, agg.gendered_total)
            budget = _add(budget, agg.budget)
        if method == "evidence_count" and not indicator.method_kinds:
            evidence += outcome_evidence.get((scope, year), 0)
    if method == "completed_activities":
        return Decimal(count)
    if method == "evidence_count":
        return Decimal(evidence)
    if method == "participants":
        return participants
    if method == "budget_spent":
        return budget
    # women_share: of the total, so that other or not stated participants are in the denominator
    if not gendered_total:
        return None
    return (Decimal(100) * women / gendered_total).quantize(_SHARE_QUANTUM)


def _from_distinct(indicator: Indicator, years: list[int], distinct: dict, kinds_index: dict) -> Decimal:
    """The number of distinct members or partners over some years."""
    seen: set[int] = set()
    scope = indicator.outcome_id
    for year in years:
        for kind in kinds_index.get((scope, year), ()):
            if _kind_matches(indicator, kind):
                seen |= distinct[(scope, year, kind)]
    return Decimal(len(seen))


@dataclass
class _Inputs:
    """What the computed methods read, fetched once for every indicator of a page or report."""

    periods: dict
    aggregates: dict = field(default_factory=dict)
    aggregate_index: dict = field(default_factory=lambda: defaultdict(list))
    outcome_evidence: dict = field(default_factory=dict)
    distinct: dict = field(default_factory=dict)
    approved: dict = field(default_factory=dict)


def _needs(indicators: list[Indicator], years: list[int], periods: dict, methods) -> tuple[set[int], set[int], bool]:
    """Years, outcomes and whether plan-wide figures are needed for the indicators of these methods."""
    chosen = [ind for ind in indicators if ind.method in methods]
    span = {y for ind in chosen for year in years for y in periods[(ind.id, year)]}
    outcome_ids = {ind.outcome_id for ind in chosen if ind.outcome_id is not None}
    return span, outcome_ids, any(ind.outcome_id is None for ind in chosen)


def _load_aggregates(inputs: _Inputs, indicators: list[Indicator], years: list[int]) -> None:
    """The grouped activity aggregates (and outcome evidence) that the aggregate methods read."""
    span, outcome_ids, plan_wide = _needs(indicators, years, inputs.periods, AGGREGATE_METHODS)
    if not span:
        return
    inputs.aggregates = _aggregates(span, outcome_ids, plan_wide)
    for scope, year, kind, status in inputs.aggregates:
        inputs.aggregate_index[(scope, year)].append((kind, status))
    if any(ind.method == "evidence_count" for ind in indicators):
        inputs.outcome_evidence = _outcome_evidence(*_needs(indicators, years, inputs.periods, {"evidence_count"}))


def _load_distinct(inputs: _Inputs, indicators: list[Indicator], years: list[int]) -> None:
    """The distinct members and partners engaged, for the methods that count them."""
    for method in DISTINCT_TABLES:
        span, outcome_ids, plan_wide = _needs(indicators, years, inputs.periods, {method})
        if span:
            rows = _distinct(method, span, outcome_ids, plan_wide)
            kinds_index: dict = defaultdict(set)
            for scope, year, kind in rows:
                kinds_index[(scope, year)].add(kind)
            inputs.distinct[method] = (rows, kinds_index)


def _value(ind: Indicator, year: int, inputs: _Inputs) -> Decimal | None:
    """One indicator's actual value for one year, from the inputs."""
    if ind.method == "manual":
        return inputs.approved.get((ind.id, year))
    if ind.method in DISTINCT_TABLES:
        rows, kinds_index = inputs.distinct[ind.method]
        return _from_distinct(ind, inputs.periods[(ind.id, year)], rows, kinds_index)
    if ind.method in AGGREGATE_METHODS:
        return _from_aggregates(ind, inputs.periods[(ind.id, year)], inputs.aggregates, inputs.aggregate_index,
                                inputs.outcome_evidence)
    return None  # an unknown method gives no data rather than a wrong number


def actuals(indicators: list[Indicator], years: list[int]) -> dict[tuple[int, int], Decimal | None]:
    """Every indicator's actual value for every year, keyed (indicator_id, year), in a fixed number of queries."""
    years = sorted(set(years))
    if not indicators or not years:
        return {}
    inputs = _Inputs(periods={(ind.id, year): period(ind, year) for ind in indicators for year in years})
    _load_aggregates(inputs, indicators, years)
    _load_distinct(inputs, indicators, years)
    manual_ids = [ind.id for ind in indicators if ind.method == "manual"]
    inputs.approved = _approved_values(manual_ids, set(years)) if manual_ids else {}
    return {(ind.id, year): _value(ind, year, inputs) for ind in indicators for year in years}


def trace_url(indicator: Indicator, year: int, *, outcome_code: str | None = None) -> str | None:
    """Link to the activity list behind a computed value (cumulative: every year, filtered otherwise alike)."""
    if not indicator.is_computed or indicator.method not in METHOD_STATUSES:
        return None
    if "activities.index" not in current_app.view_functions:
        return None
    params: dict = {}
    if not indicator.cumulative:
        params["year"] = year
    if indicator.outcome_id is not None:
        params["outcome"] = outcome_code or indicator.outcome.code
    params["status"] = list(METHOD_STATUSES[indicator.method])
    if indicator.method_kinds:
        params["kind"] = list(indicator.method_kinds)
    return url_for("activities.index", **params)


def trace_urls_by_year(indicator: Indicator, year: int, *, outcome_code: str | None = None) -> list[tuple[int, str]]:
    """For a value of a year, one activity-list link per year it covers (several for cumulative indicators)."""
    if trace_url(indicator, year, outcome_code=outcome_code) is None:
        return []
    params: dict = {"status": list(METHOD_STATUSES[indicator.method])}
    if indicator.outcome_id is not None:
        params["outcome"] = outcome_code or indicator.outcome.code
    if indicator.method_kinds:
        params["kind"] = list(indicator.method_kinds)
    return [(y, url_for("activities.index", year=y, **params)) for y in period(indicator, year)]
