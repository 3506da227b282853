"""The facts beside an assessment or a value: the outcome's figures, work and evidence of the year, last year's
approved assessment and the history of returns. The review queue reads them for every item of its page, the
assessment form for the one it edits; both in a fixed number of queries (never one per item).

Here, below the review, so that the assessment form and the review queue share one builder and one panel.
"""
from flask_babel import gettext
from sqlalchemy import Integer, cast, func, select, tuple_
from sqlalchemy.orm import selectinload

from ..activities.models import Activity, activity_outcome
from ..audit.models import AuditEntry
from ..core.review import ReviewState
from ..evidence.models import EVIDENCE_KINDS, Evidence
from ..extensions import db
from ..indicators.models import Indicator, IndicatorValue
from ..indicators.services import indicator_rows, indicators_for_outcomes
from .models import Assessment

MAX_TITLES = 5  # activity titles shown per item; the count says how many there are in all
MAX_EVIDENCE = 12  # evidence listed beside the form; the count says how many there are in all


def _key(item) -> str:
    """The page's key of an item: "a12" for an assessment, "v7" for a value."""
    return ("a" if isinstance(item, Assessment) else "v") + str(item.id)


def _outcome_of(item) -> int | None:
    """The outcome an item is about (None for a value of a plan-wide indicator)."""
    return item.outcome_id if isinstance(item, Assessment) else item.indicator.outcome_id


def _indicators(pairs: set, plan_wide_ids: set[int], years: list[int]) -> dict:
    """Indicator rows (baseline, target and actual per year) by outcome id, and by indicator id for plan-wide ones."""
    outcome_ids = {outcome_id for outcome_id, _ in pairs}
    indicators = indicators_for_outcomes(outcome_ids) if outcome_ids else []
    if plan_wide_ids:
        indicators += list(db.session.scalars(select(Indicator).where(Indicator.id.in_(sorted(plan_wide_ids)))))
    by_outcome: dict = {}
    by_indicator: dict = {}
    for row in indicator_rows(indicators, years):
        by_indicator[row["id"]] = row
        if row["outcome_id"] is not None:
            by_outcome.setdefault(row["outcome_id"], []).append(row)
    return {"by_outcome": by_outcome, "by_indicator": by_indicator}


def _activities(outcome_ids: list[int], years: list[int]) -> tuple[dict, dict]:
    """(count, first titles) of the live activities per (outcome id, year): two queries."""
    linked = (Activity.id == activity_outcome.c.activity_id, Activity.live(), Activity.year.in_(years),
              activity_outcome.c.outcome_id.in_(outcome_ids))
    counts = {(o, y): n for o, y, n in db.session.execute(
        select(activity_outcome.c.outcome_id, Activity.year, func.count(Activity.id)).where(*linked)
        .group_by(activity_outcome.c.outcome_id, Activity.year))}
    rank = func.row_number().over(partition_by=(activity_outcome.c.outcome_id, Activity.year),
                                  order_by=(Activity.start_date, Activity.id)).label("rank")
    ranked = (select(activity_outcome.c.outcome_id, Activity.year, Activity.id, Activity.title, rank)
              .where(*linked).subquery())
    titles: dict = {}
    for o, y, activity_id, title in db.session.execute(
            select(ranked.c.outcome_id, ranked.c.year, ranked.c.id, ranked.c.title)
            .where(ranked.c.rank <= MAX_TITLES).order_by(ranked.c.rank)):
        titles.setdefault((o, y), []).append({"id": activity_id, "title": title})
    return counts, titles


def _evidence_counts(outcome_ids: list[int], years: list[int]) -> dict:
    """Live evidence per (outcome id, year): of the outcome's activities of the year, and added to the outcome
    itself in the year (two queries)."""
    counts: dict = {}
    for o, y, n in db.session.execute(
            select(activity_outcome.c.outcome_id, Activity.year, func.count(Evidence.id))
            .join(Activity, Activity.id == Evidence.activity_id)
            .join(activity_outcome, activity_outcome.c.activity_id == Activity.id)
            .where(Evidence.live(), Activity.live(), Activity.year.in_(years),
                   activity_outcome.c.outcome_id.in_(outcome_ids))
            .group_by(activity_outcome.c.outcome_id, Activity.year)):
        counts[(o, y)] = counts.get((o, y), 0) + n
    added_year = cast(func.extract("year", Evidence.added_at), Integer)
    for o, y, n in db.session.execute(
            select(Evidence.outcome_id, added_year, func.count(Evidence.id))
            .where(Evidence.live(), Evidence.outcome_id.in_(outcome_ids), added_year.in_(years))
            .group_by(Evidence.outcome_id, added_year)):
        counts[(o, int(y))] = counts.get((o, int(y)), 0) + n
    return counts


def _last_year(pairs: set) -> dict:
    """The approved assessment of the year before, per (outcome id, year): one query."""
    wanted = sorted({(o, y - 1) for o, y in pairs})
    if not wanted:
        return {}
    rows = db.session.scalars(select(Assessment).where(
        tuple_(Assessment.outcome_id, Assessment.year).in_(wanted),
        Assessment.review_state == ReviewState.APPROVED))
    return {(a.outcome_id, a.year + 1): a for a in rows}


def _returns(items: list) -> dict:
    """The audit entries of each item's returns, oldest first, with who returned it: one query (and its load)."""
    wanted = sorted({(item.__tablename__, item.id) for item in items})
    entries = db.session.scalars(
        select(AuditEntry).where(AuditEntry.action == "return",
                                 tuple_(AuditEntry.entity_type, AuditEntry.entity_id).in_(wanted))
        .options(selectinload(AuditEntry.user)).order_by(AuditEntry.at, AuditEntry.id))
    by_item: dict = {}
    for entry in entries:
        by_item.setdefault((entry.entity_type, entry.entity_id), []).append(
            {"at": entry.at, "by": entry.user.name if entry.user else gettext("someone"),
             "note": (entry.after or {}).get("review_note") or entry.summary})
    return by_item


def _facts(pairs: set, plan_wide: set[int], years: list[int], items: list) -> dict:
    """Everything the entries are made of, for all the (outcome id, year) pairs at once."""
    outcome_ids = sorted({o for o, _ in pairs})
    counts, titles = _activities(outcome_ids, years) if outcome_ids else ({}, {})
    return {"indicators": _indicators(pairs, plan_wide, years), "counts": counts, "titles": titles,
            "evidence": _evidence_counts(outcome_ids, years) if outcome_ids else {},
            "last_year": _last_year(pairs), "returns": _returns(items) if items else {}}


def _entry(facts: dict, pair: tuple, indicator_id: int | None, returns: list) -> dict:
    """The context of one (outcome id, year), or of a plan-wide indicator's year when the outcome is None."""
    rows = facts["indicators"]["by_outcome"].get(pair[0], []) if pair[0] is not None \
        else [facts["indicators"]["by_indicator"][indicator_id]]
    return {
        "year": pair[1],
        "outcome_wide": pair[0] is not None,
        "indicators": rows,
        "activity_count": facts["counts"].get(pair, 0),
        "activities": facts["titles"].get(pair, []),
        "evidence_count": facts["evidence"].get(pair, 0),
        "last_year": facts["last_year"].get(pair),
        "returns": returns,
    }


def context_for(assessments: list[Assessment], values: list[IndicatorValue]) -> dict:
    """The context of every item on the page, keyed like the page's items ("a12", "v7")."""
    items = [*assessments, *values]
    if not items:
        return {}
    pairs = {(_outcome_of(item), item.year) for item in items if _outcome_of(item) is not None}
    years = sorted({item.year for item in items})
    plan_wide = {v.indicator_id for v in values if v.indicator.outcome_id is None}
    facts = _facts(pairs, plan_wide, years, items)
    return {_key(item): _entry(facts, (_outcome_of(item), item.year),
                               None if isinstance(item, Assessment) else item.indicator_id,
                               facts["returns"].get((item.__tablename__, item.id), []))
            for item in items}


def _evidence_items(outcome_id: int, year: int) -> list[dict]:
    """The first pieces of evidence of an outcome's year: of its activities of the year, then added to the outcome
    itself in the year (two queries)."""
    of_activities = db.session.execute(
        select(Evidence.id, Evidence.title, Evidence.kind, Activity.id, Activity.title)
        .join(Activity, Activity.id == Evidence.activity_id)
        .join(activity_outcome, activity_outcome.c.activity_id == Activity.id)
        .where(Evidence.live(), Activity.live(), Activity.year == year, activity_outcome.c.outcome_id == outcome_id)
        .order_by(Activity.start_date, Evidence.id).limit(MAX_EVIDENCE)).all()
    added_year = cast(func.extract("year", Evidence.added_at), Integer)
    of_outcome = db.session.execute(
        select(Evidence.id, Evidence.title, Evidence.kind)
        .where(Evidence.live(), Evidence.outcome_id == outcome_id, added_year == year)
        .order_by(Evidence.added_at, Evidence.id).limit(MAX_EVIDENCE)).all()
    items = [{"id": e, "title": t, "kind": k, "kind_label": EVIDENCE_KINDS.get(k, k),
              "activity": {"id": a, "title": at}} for e, t, k, a, at in of_activities]
    items += [{"id": e, "title": t, "kind": k, "kind_label": EVIDENCE_KINDS.get(k, k), "activity": None}
              for e, t, k in of_outcome]
    return items[:MAX_EVIDENCE]


def outcome_context(outcome_id: int, year: int, assessment: Assessment | None = None) -> dict:
    """The context of writing one outcome's assessment of a year (written or not yet), with its evidence listed."""
    pair = (outcome_id, year)
    items = [assessment] if assessment is not None else []
    facts = _facts({pair}, set(), [year], items)
    entry = _entry(facts, pair, None, facts["returns"].get(("assessment", assessment.id), []) if items else [])
    entry["evidence"] = _evidence_items(outcome_id, year)
    return entry
