"""Gather everything a report shows into plain data (dicts, lists, strings, numbers): no ORM object leaves here.

The report's own data (activities with their outcomes, members, partners and evidence; assessments;
readiness) is read with a fixed number of set-based queries whatever the year's size. Headline figures
and indicator rows come from the overview and indicators features, so that the PDF says what the pages say.
"""
from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import datetime, timezone
from functools import cached_property
from urllib.parse import urlsplit

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from sqlalchemy import or_, select

from ..activities.models import (
    ACTIVITY_KINDS,
    ACTIVITY_STATUSES,
    Activity,
    activity_member,
    activity_outcome,
    activity_partner,
)
from ..activities.rules import CANCELLED, COMPLETED, counted
from ..assessments.models import Assessment
from ..core.errors import Invalid
from ..core.years import PLAN_YEARS
from ..evidence.models import Evidence
from ..extensions import db
from ..indicators import services as indicator_services
from ..indicators.models import Indicator, IndicatorTarget, IndicatorValue
from ..overview import queries as overview
from ..plan.models import REGIONS, Member, Partner
from ..plan.queries import all_outcomes, current_plan
from ..plan.responsibles import responsibles_by_outcome
from . import glyphs, measures, scorecard, snapshot, summary
from .board import board_year, last_year_decisions
from .formatting import fmt_date, fmt_int, paragraphs, report_locale, safe_link
from .headline import headline as headline_figures
from .models import ReportSummary
from .pdf import AUTHOR

KINDS = ("board", "final")
MAIN_ACTIVITIES = {"board": 3, "final": 4}  # named per outcome; the annex lists every activity once
EVIDENCE_PER_OUTCOME = 4
# Beyond this many activities the PDF prints no row per activity: a Board reads no table of thousands of rows,
# and the attached spreadsheet holds them all, numbered as the outcomes refer to them.
ANNEX_ROWS = 300
# How the readiness page says why a value does not count yet.
REVIEW_LABELS = {"draft": _l("in draft"), "submitted": _l("submitted, awaiting review"),
                 "returned": _l("returned for changes")}


def _review_label(state: str) -> str:
    """A review state in plain words (never the stored code)."""
    return str(REVIEW_LABELS[state]) if state in REVIEW_LABELS else _("not approved")


# ---------------------------------------------------------------- the plan

def _plan_tree() -> dict:
    """The plan with lines, key ideas, axes and outcomes as plain data."""
    plan = current_plan()
    if plan is None:
        raise Invalid(_("No plan in the database: run `flask --app wsgi seed plan` first."))
    return {
        "title": plan.title, "motto": plan.motto, "code": plan.code,
        "years": list(plan.years),
        "lines": [
            {"id": line.id, "code": line.code, "number": line.number, "title": line.title,
             "key_ideas": [idea.text for idea in line.key_ideas],
             "axes": [
                 {"id": axis.id, "code": axis.code, "number": axis.number, "title": axis.title,
                  "outcomes": [{"id": o.id, "code": o.code, "number": o.number, "title": o.title}
                               for o in axis.outcomes]}
                 for axis in line.axes]}
            for line in plan.lines],
    }


# ---------------------------------------------------------------- activities (Core selects: fast at any size)

def _activities(years: list[int]) -> list[dict]:
    """Read every live activity of the years with its outcomes, members and partners, in four queries."""
    in_years = counted(years)
    rows = db.session.execute(
        select(Activity.id, Activity.title, Activity.kind, Activity.status, Activity.start_date, Activity.end_date,
               Activity.year, Activity.place, Activity.participants_total, Activity.participants_women,
               Activity.participants_men, Activity.budget_planned, Activity.budget_spent)
        .where(*in_years).order_by(Activity.start_date, Activity.id)
    ).all()
    by_id = {}
    activities = []
    for row in rows:
        item = {
            "id": row.id, "title": row.title, "kind": row.kind, "kind_label": str(ACTIVITY_KINDS.get(row.kind, "")),
            "status": row.status, "status_label": str(ACTIVITY_STATUSES.get(row.status, "")),
            "start": row.start_date, "date": fmt_date(row.start_date),
            "dates": fmt_date(row.start_date) if row.end_date == row.start_date
            else f"{fmt_date(row.start_date)} – {fmt_date(row.end_date)}",
            "year": row.year, "place": row.place or "",
            "participants": row.participants_total, "women": row.participants_women, "men": row.participants_men,
            "participants_label": fmt_int(row.participants_total) if row.participants_total is not None else "",
            "budget_spent": row.budget_spent, "budget_planned": row.budget_planned, "end": row.end_date,
            "outcome_ids": [], "outcomes": [], "members": [], "member_ids": [], "partners": [], "partner_ids": [],
            "evidence": [],
        }
        by_id[row.id] = item
        activities.append(item)
    if not activities:
        return activities
    links = db.session.execute(
        select(activity_outcome.c.activity_id, activity_outcome.c.outcome_id)
        .join(Activity, Activity.id == activity_outcome.c.activity_id).where(*in_years)
    ).all()
    for activity_id, outcome_id in links:
        by_id[activity_id]["outcome_ids"].append(outcome_id)
    members = db.session.execute(
        select(activity_member.c.activity_id, Member.id, Member.city)
        .join(Activity, Activity.id == activity_member.c.activity_id)
        .join(Member, Member.id == activity_member.c.member_id)
        .where(*in_years).order_by(Member.city)
    ).all()
    for activity_id, member_id, city in members:
        by_id[activity_id]["members"].append(city)
        by_id[activity_id]["member_ids"].append(member_id)
    partners = db.session.execute(
        select(activity_partner.c.activity_id, Partner.id, Partner.name, Partner.acronym)
        .join(Activity, Activity.id == activity_partner.c.activity_id)
        .join(Partner, Partner.id == activity_partner.c.partner_id)
        .where(*in_years).order_by(Partner.name)
    ).all()
    for activity_id, partner_id, name, acronym in partners:
        by_id[activity_id]["partners"].append(acronym or name)
        by_id[activity_id]["partner_ids"].append(partner_id)
    return activities


def _evidence(activity_ids: list[int], outcome_ids: list[int], years: list[int]) -> tuple[dict, dict]:
    """Evidence of the given activities, and evidence attached straight to outcomes in the years (by date added)."""
    by_activity: dict[int, list[dict]] = defaultdict(list)
    by_outcome: dict[int, list[dict]] = defaultdict(list)
    query = (select(Evidence.id, Evidence.kind, Evidence.title, Evidence.url, Evidence.activity_id,
                    Evidence.outcome_id, Evidence.added_at)
             .where(Evidence.live()).order_by(Evidence.added_at, Evidence.id))
    conditions = []
    if activity_ids:
        conditions.append(Evidence.activity_id.in_(activity_ids))
    if outcome_ids:
        conditions.append(Evidence.activity_id.is_(None) & Evidence.outcome_id.in_(outcome_ids))
    if not conditions:
        return by_activity, by_outcome
    for row in db.session.execute(query.where(or_(*conditions))):
        item = {"title": row.title, "kind": row.kind, "url": safe_link(row.url) if row.kind == "link" else None,
                "host": ""}
        if item["url"]:
            item["host"] = urlsplit(item["url"]).netloc
        if row.activity_id is not None:
            by_activity[row.activity_id].append(item)
        elif row.added_at is not None and row.added_at.year in years:
            by_outcome[row.outcome_id].append(item)
    return by_activity, by_outcome


# ---------------------------------------------------------------- assessments, indicators and readiness

def _assessments(years: list[int]) -> dict[tuple[int, int], dict]:
    """Every assessment of the years as {(outcome_id, year): {status, review_state, narrative}}."""
    rows = db.session.execute(
        select(Assessment.outcome_id, Assessment.year, Assessment.status, Assessment.review_state,
               Assessment.achieved, Assessment.difficulties, Assessment.next_steps)
        .where(Assessment.year.in_(years))
    ).all()
    return {(r.outcome_id, r.year): {"status": r.status, "review_state": r.review_state, "achieved": r.achieved,
                                     "difficulties": r.difficulties, "next_steps": r.next_steps} for r in rows}


def _indicator_gaps(years: list[int], outcome_codes: dict[int, str]) -> tuple[list[str], list[str]]:
    """Active indicators without a target for a year, and manual values entered but not approved."""
    indicators = db.session.execute(
        select(Indicator.id, Indicator.code, Indicator.name, Indicator.outcome_id, Indicator.method)
        .where(Indicator.active.is_(True)).order_by(Indicator.position, Indicator.code)
    ).all()
    if not indicators:
        return [], []
    ids = [i.id for i in indicators]
    targets = {(t.indicator_id, t.year) for t in db.session.execute(
        select(IndicatorTarget.indicator_id, IndicatorTarget.year)
        .where(IndicatorTarget.indicator_id.in_(ids), IndicatorTarget.year.in_(years),
               IndicatorTarget.target.is_not(None)))}
    pending = db.session.execute(
        select(IndicatorValue.indicator_id, IndicatorValue.year, IndicatorValue.review_state)
        .where(IndicatorValue.indicator_id.in_(ids), IndicatorValue.year.in_(years),
               IndicatorValue.review_state != "approved")
        .order_by(IndicatorValue.year)
    ).all()
    names = {i.id: i for i in indicators}
    manual = {i.id for i in indicators if i.method == "manual"}

    def label(ind) -> str:
        where = (outcome_codes.get(ind.outcome_id) if ind.outcome_id else None) or _("plan-wide")
        return f"{ind.code} {ind.name} ({where})"

    no_target = [_("%(indicator)s: no target for %(years)s", indicator=label(ind),
                   years=", ".join(str(y) for y in years if (ind.id, y) not in targets))
                 for ind in indicators if any((ind.id, y) not in targets for y in years)]
    unapproved = [_("%(indicator)s: the %(year)s value is %(state)s", indicator=label(names[p.indicator_id]),
                    year=p.year, state=_review_label(p.review_state)) for p in pending if p.indicator_id in manual]
    return no_target, unapproved


# ---------------------------------------------------------------- headline figures and indicator rows

def _indicator_rows(years: list[int]) -> dict:
    """Every active indicator's rows for the years, split as the overview expects (computed once per report)."""
    plan_wide = indicator_services.plan_wide_indicators()
    per_outcome = indicator_services.indicators_for_outcomes(None)
    rows = indicator_services.indicator_rows(plan_wide + per_outcome, years)
    plan_wide_ids = {indicator.id for indicator in plan_wide}
    return {"plan_wide": [r for r in rows if r["id"] in plan_wide_ids],
            "per_outcome": [r for r in rows if r["id"] not in plan_wide_ids]}




# ---------------------------------------------------------------- assembling the report

def report_title(kind: str, year: int | None) -> str:
    """Return the report's title, as on the cover and in the footer."""
    if kind == "final":
        return _("General Assembly — final evaluation %(first)s-%(last)s", first=PLAN_YEARS[0], last=PLAN_YEARS[-1])
    return _("Board of Directors — annual evaluation %(year)s", year=year)


@dataclass
class _Context:
    """What every section of one report reads, gathered once in a fixed number of queries."""

    kind: str
    year: int | None
    years: list[int]
    plan: dict
    outcomes: dict
    activities: list[dict]
    by_outcome: dict
    assessments: dict
    indicators: dict
    figures: dict
    responsible: dict

    @cached_property
    def outcome_indicators(self) -> dict[int, list[dict]]:
        """The indicator rows of each outcome, grouped once."""
        grouped: dict[int, list[dict]] = defaultdict(list)
        for row in self.indicators["per_outcome"]:
            grouped[row.get("outcome_id")].append(row)
        return dict(grouped)

    @property
    def last(self) -> int:
        """The year the report ends with: its year, or the last plan year."""
        return self.years[-1]


def _context(kind: str, year: int | None) -> _Context:
    """Read the plan, the activities, the assessments, the indicator rows and the overview figures."""
    plan = _plan_tree()
    years = [year] if kind == "board" else list(plan["years"])
    outcomes = {o["id"]: o for line in plan["lines"] for axis in line["axes"] for o in axis["outcomes"]}
    codes = {oid: o["code"] for oid, o in outcomes.items()}
    activities = _activities(years)
    by_outcome: dict[int, list[dict]] = defaultdict(list)
    for number, activity in enumerate(activities, start=1):
        activity["ref"] = f"A{number}"  # the activity's one full entry is in the annex; outcomes refer to it
        activity["outcomes"] = sorted(codes[o] for o in activity["outcome_ids"] if o in codes)
        for outcome_id in activity["outcome_ids"]:
            by_outcome[outcome_id].append(activity)
    # The year before a Board report's year gives the trend; its assessments give the change of status.
    trend_years = sorted({*years, *([year - 1] if kind == "board" and year - 1 in PLAN_YEARS else [])})
    indicators = _indicator_rows(trend_years)
    figures = {y: overview.for_report(y, indicators)["headline"] for y in trend_years}
    if kind == "final":
        figures[None] = overview.for_report(None, indicators)["headline"]
    responsible = {oid: [u.name for u in users] for oid, users in responsibles_by_outcome(list(outcomes)).items()}
    return _Context(kind, year, years, plan, outcomes, activities, by_outcome, _assessments(trend_years),
                    indicators, figures, responsible)


def build_report(kind: str, year: int | None = None, *, now: datetime | None = None) -> dict:
    """Gather the whole report as plain data: kind "board" (one year) or "final" (every plan year)."""
    return build(kind, year, now=now)[0]


def build(kind: str, year: int | None = None, *, now: datetime | None = None) -> tuple[dict, list[dict]]:
    """The report's plain data, and its activity rows (numbered as in Annex A) for the attached spreadsheet."""
    if kind not in KINDS:
        raise ValueError(f"Unknown report kind {kind!r}")
    if kind == "board" and year not in PLAN_YEARS:
        raise ValueError(f"The Board evaluation is for a plan year ({PLAN_YEARS[0]}-{PLAN_YEARS[-1]}).")
    now = now or datetime.now(timezone.utc)
    ctx = _context(kind, year)
    card = scorecard.build(ctx.plan, ctx.assessments, ctx.years, list(PLAN_YEARS))
    headline = headline_figures(ctx)
    outcome_sections = {o["id"]: _outcome_section(ctx, o) for o in ctx.outcomes.values()}
    readiness = _readiness(ctx)
    data = {
        "kind": kind, "year": year, "years": ctx.years,
        "period": str(year) if kind == "board" else f"{ctx.years[0]}-{ctx.years[-1]}",
        "title": report_title(kind, year), "author": AUTHOR,
        "audience": _("Board of Directors") if kind == "board" else _("General Assembly"),
        "language": report_locale().language,  # <html lang>: WeasyPrint hyphenates by it
        "plan": {"title": ctx.plan["title"], "motto": ctx.plan["motto"], "code": ctx.plan["code"]},
        "created_iso": now.isoformat(timespec="seconds"), "date": fmt_date(now, "d MMMM y"),
        "generated_on": fmt_date(now),  # the cover's "generated", in the report's language
        "draft": bool(readiness["reasons"]), "readiness": readiness,
        "scorecard": card, "summary": _summary(ctx, card, headline, outcome_sections),
        "headline": headline, "plan_indicators": _plan_indicators(ctx),
        "lines": _lines(ctx, outcome_sections),
        "annex": _annex(ctx, outcome_sections, readiness["targets"]),
        "version": None,  # the archive numbers it when it is generated
        **_board(ctx),
    }
    # Text no bundled font can draw is named on the readiness page rather than left as a blank.
    readiness["undrawable"] = [str(u) for u in glyphs.undrawable(_strings(data))]
    return data, ctx.activities


def _strings(value):
    """Every string inside the report's data, where the template may print it."""
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from _strings(item)
    elif isinstance(value, (list, tuple)):
        for item in value:
            yield from _strings(item)


def _board(ctx: _Context) -> dict:
    """The Board's year (meeting, decisions, risks, last year's decisions) and what changed since last year's final."""
    if ctx.kind != "board":
        return {"board": None, "changes": [], "changes_year": None, "compare": None}
    previous = ctx.year - 1 if ctx.year - 1 in PLAN_YEARS else None
    board = board_year(ctx.year)
    board["meeting_date"] = fmt_date(board["meeting_date"]) if board["meeting_date"] else None
    board["last_year"] = last_year_decisions(ctx.year)
    changes = [snapshot.describe(c, previous) for c in snapshot.changes_since_final(previous)] if previous else []
    return {"board": board, "changes": changes, "changes_year": previous, "compare": snapshot.current_state(ctx.year)}


def _plan_indicators(ctx: _Context) -> list[dict]:
    """The plan-wide indicators from the 2020 baseline: the previous year and this one (Board), or every year."""
    years = sorted(y for y in ctx.figures if y is not None) if ctx.kind == "board" else ctx.years
    return [measures.indicator(row, years) for row in ctx.indicators["plan_wide"]]


# ---------------------------------------------------------------- per outcome

def _conflicts(status: str, indicators: list[dict]) -> list[str]:
    """Where the assessment and the indicators tell different stories."""
    notes = []
    if status == "achieved":
        notes += [_("Assessed “%(status)s”, but %(code)s stands at %(meaning)s.", status=scorecard.label(status),
                    code=i["code"], meaning=i["meaning"]) for i in indicators
                  if i["status"] in ("off_track", "needs_attention")]
    if status in ("off_track", "not_started") and indicators and all(i["status"] == "on_track" for i in indicators):
        notes.append(_("Assessed “%(status)s”, while every indicator of the outcome is on track.",
                       status=scorecard.label(status)))
    return notes


def _outcome_section(ctx: _Context, o: dict) -> dict:
    """One outcome's part: status and change, approved narrative, indicators, main activities, evidence."""
    cells = [scorecard.cell(ctx.assessments, o["id"], y, y - 1 if y - 1 in PLAN_YEARS else None)
             for y in ctx.years]
    narratives = []
    for y in ctx.years:
        a = ctx.assessments.get((o["id"], y))
        if a and a["review_state"] == "approved":
            narratives.append({"year": y, "achieved": paragraphs(a["achieved"]),
                               "difficulties": paragraphs(a["difficulties"]),
                               "next_steps": paragraphs(a["next_steps"])})
    rows = ctx.outcome_indicators.get(o["id"], [])
    years = sorted(y for y in ctx.figures if y is not None)
    indicators = [measures.indicator(r, years) for r in rows]
    items = ctx.by_outcome.get(o["id"], [])
    main = _main_activities(items, MAIN_ACTIVITIES[ctx.kind])
    last = ctx.assessments.get((o["id"], ctx.last)) or {}
    return {
        "id": o["id"], "code": o["code"], "title": o["title"], "short": scorecard.short_title(o["title"], 70),
        "anchor": "o-" + o["code"].replace(".", "-"), "cells": cells, "narratives": narratives,
        # The final evaluation speaks of each outcome's latest approved status; a Board report of its year's.
        "status": next((c["status"] for c in reversed(cells) if c["status"] in scorecard.RANK), cells[-1]["status"])
        if ctx.kind == "final" else cells[-1]["status"],
        "change": cells[-1]["change"],
        "difficulties": last.get("difficulties", "") if last.get("review_state") == "approved" else "",
        "responsible": ctx.responsible.get(o["id"], []),
        "indicators": indicators, "years": years,
        "conflicts": _conflicts(cells[-1]["status"], indicators),
        "activities": [{"ref": a["ref"], "title": a["title"], "date": a["date"], "status": a["status_label"],
                        "participants": a["participants_label"]} for a in main],
        "more": max(len(items) - len(main), 0), "activity_count": len(items),
        "completed_count": sum(1 for a in items if a["status"] == COMPLETED),
        "cancelled_count": sum(1 for a in items if a["status"] == CANCELLED),
        "main_ids": [a["id"] for a in main],
    }


def _attach_evidence(ctx: _Context, sections: dict) -> None:
    """Give each outcome the titles of its evidence: of its main activities, then attached to it directly."""
    main_ids = sorted({i for s in sections.values() for i in s["main_ids"]})
    by_activity, by_outcome = _evidence(main_ids, list(sections), ctx.years)
    for oid, section in sections.items():
        found = [e for i in section["main_ids"] for e in by_activity.get(i, [])] + by_outcome.get(oid, [])
        section["evidence"] = found[:EVIDENCE_PER_OUTCOME]
        section["more_evidence"] = max(len(found) - EVIDENCE_PER_OUTCOME, 0)


def _lines(ctx: _Context, sections: dict) -> list[dict]:
    """The lines and axes with their outcomes' sections, in plan order."""
    _attach_evidence(ctx, sections)
    return [{"code": line["code"], "number": line["number"], "title": line["title"],
             "anchor": "l-" + line["code"], "key_ideas": line["key_ideas"],
             "axes": [{"code": axis["code"], "title": axis["title"], "anchor": "a-" + axis["code"].replace(".", "-"),
                       "outcomes": [sections[o["id"]] for o in axis["outcomes"]]} for axis in line["axes"]]}
            for line in ctx.plan["lines"]]


# ---------------------------------------------------------------- summary, readiness, annexes, contents

def summary_inputs(scope: str) -> dict:
    """The summary the tracker drafts for a scope ("2022" or "final") and the figures it rests on, for the editor."""
    kind, year = ("final", None) if scope == "final" else ("board", int(scope))
    ctx = _context(kind, year)
    card = scorecard.build(ctx.plan, ctx.assessments, ctx.years, list(PLAN_YEARS))
    headline = headline_figures(ctx)
    sections = [_outcome_section(ctx, o) for o in ctx.outcomes.values()]
    return {"draft": summary.draft(ctx.last, sections, headline["rows"], card["outcomes"]),
            "counts": card["counts"][ctx.last], "headline": headline, "year": ctx.last,
            "concerns": [s for s in sections if s["status"] in scorecard.CONCERNS]}


def _summary(ctx: _Context, card: dict, headline: dict, sections: dict) -> dict:
    """The Secretary General's summary, or until she writes it, the draft made from the data."""
    saved = db.session.get(ReportSummary, str(ctx.year) if ctx.kind == "board" else "final")
    if saved is not None and saved.text.strip():
        return {"paragraphs": paragraphs(saved.text), "drafted": False}
    drafted = summary.draft(ctx.last, list(sections.values()), headline["rows"], card["outcomes"],
                            final=ctx.kind == "final")
    if ctx.kind == "final":
        drafted.insert(0, summary.promised(ctx.plan, list(sections.values()), ctx.last, _plan_indicators(ctx)))
    return {"paragraphs": drafted, "drafted": True}


def _readiness(ctx: _Context) -> dict:
    """What blocks a final report: assessments and values it uses that are not approved."""
    return _readiness_of(ctx.outcomes, ctx.assessments, ctx.years)


def readiness_by_year(years=PLAN_YEARS) -> dict[int, dict]:
    """What would block a final Board evaluation of each year now, without building any report.

    The same rule as the report's own readiness page, read in a fixed number of queries (a few per plan year).
    """
    outcomes = {o.id: {"code": o.code, "title": o.title} for o in all_outcomes()}
    assessments = _assessments(list(years))
    return {year: _readiness_of(outcomes, assessments, [year]) for year in years}


def _readiness_of(outcomes_by_id: dict, assessments: dict, years: list[int]) -> dict:
    """The readiness of a report on these years, from the outcomes and the assessments already read."""
    codes = {oid: o["code"] for oid, o in outcomes_by_id.items()}
    no_target, unapproved_values = _indicator_gaps(years, codes)
    outcomes, missing = [], 0  # one row per outcome, its state in each year ("" where approved)
    for oid, o in outcomes_by_id.items():
        states = [_readiness_state(assessments.get((oid, y))) for y in years]
        if any(states):
            outcomes.append({"code": o["code"], "short": scorecard.short_title(o["title"], 70), "states": states})
            missing += sum(1 for state in states if state)
    reasons = []
    if missing:
        reasons.append(ngettext("%(num)s outcome assessment is not approved",
                                "%(num)s outcome assessments are not approved", missing))
    if unapproved_values:
        reasons.append(ngettext("%(num)s indicator value awaits approval", "%(num)s indicator values await approval",
                                len(unapproved_values)))
    return {"reasons": reasons, "outcomes": outcomes, "missing": missing, "values": unapproved_values,
            "targets": no_target}


def _readiness_state(assessment: dict | None) -> str:
    """What an assessment lacks for the report: "" when approved, else its state in plain words."""
    if assessment is None:
        return _("not written")
    if assessment["review_state"] == "approved":
        return ""
    if assessment["review_state"] == "submitted":
        return _("awaiting review")  # shorter than the label, to keep one line per year in the table
    return _review_label(assessment["review_state"])


def _annex(ctx: _Context, sections: dict, no_target: list[str]) -> dict:
    """Every activity once, members by region and partners engaged, and the indicator notes."""
    completed = [a for a in ctx.activities if a["status"] == COMPLETED]
    regions, partners = _engaged(completed)
    with_indicator = set(ctx.outcome_indicators)
    listed = ctx.activities if len(ctx.activities) <= ANNEX_ROWS else []
    return {"activities": [_annex_row(a, ctx.kind == "final") for a in listed], "count": len(ctx.activities),
            "completed": len(completed), "regions": regions, "partners": partners, "attached": None,
            "no_indicator": [s["code"] for s in sections.values() if s["id"] not in with_indicator],
            "no_target": no_target}


def _main_activities(items: list[dict], limit: int) -> list[dict]:
    """The activities worth naming for an outcome: completed first, then the largest, then the earliest."""
    ranked = sorted(items, key=lambda a: (a["status"] != COMPLETED, a["status"] == CANCELLED,
                                          -(a["participants"] or 0), a["start"], a["id"]))
    return ranked[:limit]


def _engaged(completed: list[dict]) -> tuple[list[dict], list[dict]]:
    """Members by region and partners, as engaged in completed activities (the overview's counting rule)."""
    engaged_members = Counter(mid for a in completed for mid in set(a["member_ids"]))
    regions: dict[str, dict] = {}
    for m in db.session.execute(select(Member.id, Member.city, Member.region).order_by(Member.city)):
        region = regions.setdefault(m.region, {"region": m.region, "engaged": 0, "total": 0, "members": []})
        region["total"] += 1
        if m.id in engaged_members:
            region["engaged"] += 1
            region["members"].append(f"{m.city} ({engaged_members[m.id]})")
    region_rows = [regions[r] for r in REGIONS if r in regions] + \
        [regions[r] for r in sorted(set(regions) - set(REGIONS))]
    engaged_partners = Counter(pid for a in completed for pid in set(a["partner_ids"]))
    partners = [{"name": p.name, "acronym": p.acronym or "", "kind": p.kind, "activities": engaged_partners[p.id]}
                for p in db.session.execute(select(Partner.id, Partner.name, Partner.acronym, Partner.kind)
                                            .order_by(Partner.name))
                if p.id in engaged_partners]
    return region_rows, partners


def _annex_row(activity: dict, with_year: bool) -> dict:
    """An activity as a row of the annex: its number, a date, and one text on two lines (cheap to lay out)."""
    facts = [activity["kind_label"], activity["status_label"].lower()]
    if activity["participants"] is not None:
        women = activity["women"]
        facts.append(ngettext("%(count)s participant", "%(count)s participants", activity["participants"],
                              count=fmt_int(activity["participants"])) if women is None
                     else ngettext("%(count)s participant (%(women)s women)",
                                   "%(count)s participants (%(women)s women)", activity["participants"],
                                   count=fmt_int(activity["participants"]), women=fmt_int(women)))
    links = [", ".join(activity["outcomes"]) or _("no outcome")]
    if activity["members"]:
        links.append(_("members: %(names)s", names=", ".join(activity["members"])))
    if activity["partners"]:
        links.append(_("partners: %(names)s", names=", ".join(activity["partners"])))
    return {"ref": activity["ref"], "date": fmt_date(activity["start"], "d MMM y" if with_year else "d MMM"),
            "text": f"{activity['title']} — {', '.join(facts)}\n" + "; ".join(links)}
