"""Gather everything a report shows into plain data (dicts, lists, strings, numbers): no ORM object leaves here.

The report's own data (activities with their outcomes, members, partners and evidence; assessments;
readiness) is read with a fixed number of set-based queries whatever the year's size. Headline figures
and indicator rows come from the overview and indicators features, so that the PDF says what the pages say.
"""
from collections import Counter, defaultdict
from datetime import date, datetime, timezone
from decimal import ROUND_HALF_UP, Decimal
from urllib.parse import urlsplit

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
from ..assessments.models import ASSESSMENT_STATUSES, Assessment
from ..core.errors import Invalid
from ..core.years import PLAN_YEARS
from ..evidence.models import Evidence
from ..extensions import db
from ..indicators import services as indicator_services
from ..indicators.models import Indicator, IndicatorTarget, IndicatorValue
from ..overview import queries as overview
from ..plan.models import REGIONS, Member, Partner
from ..plan.queries import current_plan
from . import charts
from .models import ReportSummary
from .pdf import AUTHOR

KINDS = ("board", "final")
MAIN_ACTIVITIES = {"board": 5, "final": 8}  # per outcome; the annex lists every activity
EVIDENCE_PER_ACTIVITY = 5
REVIEW_LABELS = {"draft": "in draft", "submitted": "submitted, awaiting review", "returned": "returned for changes"}


# ---------------------------------------------------------------- formatting (plain strings for the template)

def fmt_int(value) -> str:
    """Format a count with thousands separators, or a dash when unknown."""
    if value is None:
        return "—"
    return f"{int(round(float(value))):,}"


def fmt_number(value, unit: str = "number") -> str:
    """Format an indicator value in its unit."""
    if value is None:
        return "—"
    number = Decimal(str(value))
    if unit == "percent":
        return f"{number:,.1f} %"
    if unit == "euros":
        return f"€{number:,.0f}"
    if number == number.to_integral_value():
        return f"{int(number):,}"
    return f"{number:,.2f}".rstrip("0").rstrip(".")


def fmt_money(value) -> str:
    """Format an amount in euros."""
    return "—" if value is None else f"€{Decimal(str(value)):,.0f}"


def fmt_percent(value, digits: int = 1) -> str:
    """Format a share already expressed in percent, rounding halves up as people expect (92.5 gives 93)."""
    if value is None:
        return "—"
    number = Decimal(str(value)).quantize(Decimal(1).scaleb(-digits), rounding=ROUND_HALF_UP)
    return f"{number:,.{digits}f} %"


def fmt_date(value: date | None) -> str:
    """Format a date as 5 Mar 2022."""
    return value.strftime("%-d %b %Y") if value else ""


def paragraphs(text: str | None) -> list[str]:
    """Split a text into paragraphs at blank lines (single newlines stay inside a paragraph)."""
    text = (text or "").replace("\r\n", "\n").strip()
    return [p.strip() for p in text.split("\n\n") if p.strip()] if text else []


def safe_link(url: str | None) -> str | None:
    """Return the URL if it is an http(s) link that can become a PDF link annotation, else None."""
    if not url:
        return None
    try:
        parts = urlsplit(url.strip())
    except ValueError:
        return None
    return url.strip() if parts.scheme in ("http", "https") and parts.netloc else None


# ---------------------------------------------------------------- the plan

def _plan_tree() -> dict:
    """The plan with lines, key ideas, axes and outcomes as plain data."""
    plan = current_plan()
    if plan is None:
        raise Invalid("No plan in the database: run `flask --app wsgi seed plan` first.")
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
            "id": row.id, "title": row.title, "kind": row.kind, "kind_label": ACTIVITY_KINDS.get(row.kind, row.kind),
            "status": row.status, "status_label": ACTIVITY_STATUSES.get(row.status, row.status),
            "start": row.start_date, "date": fmt_date(row.start_date),
            "dates": fmt_date(row.start_date) if row.end_date == row.start_date
            else f"{fmt_date(row.start_date)} – {fmt_date(row.end_date)}",
            "year": row.year, "place": row.place or "",
            "participants": row.participants_total, "women": row.participants_women, "men": row.participants_men,
            "participants_label": fmt_int(row.participants_total) if row.participants_total is not None else "",
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
        where = outcome_codes.get(ind.outcome_id, "plan-wide") if ind.outcome_id else "plan-wide"
        return f"{ind.code} {ind.name} ({where})"

    no_target = [f"{label(ind)}: no target for {', '.join(str(y) for y in years if (ind.id, y) not in targets)}"
                 for ind in indicators if any((ind.id, y) not in targets for y in years)]
    unapproved = [f"{label(names[p.indicator_id])}: the {p.year} value is "
                  f"{REVIEW_LABELS.get(p.review_state, p.review_state)}" for p in pending if p.indicator_id in manual]
    return no_target, unapproved


def _readiness_rows(trees: dict[int, list[dict]]) -> list[dict]:
    """The overview's readiness check for each year: outcomes with what they lack, as display strings."""
    rows = []
    for year, tree in trees.items():
        for item in overview.readiness(year, tree=tree):
            rows.append({"year": year, "code": item["code"], "title": item["title"],
                         "missing": ", ".join(item.get("labels") or item.get("missing") or []),
                         "notes": "; ".join(item.get("notes") or [])})
    return rows


# ---------------------------------------------------------------- headline figures and indicator rows

def _headline(h: dict) -> dict:
    """The overview's headline figures of a selection, as display strings."""
    return {
        "completed": fmt_int(h.get("completed")), "in_progress": fmt_int(h.get("in_progress")),
        "planned_only": fmt_int(h.get("planned_only")), "planned": fmt_int(h.get("planned")),
        "cancelled": fmt_int(h.get("cancelled")), "delivery_rate": fmt_percent(h.get("delivery_rate"), 0),
        "members_engaged": fmt_int(h.get("members_engaged")), "members_total": fmt_int(h.get("members_total")),
        "partners_engaged": fmt_int(h.get("partners_engaged")),
        "participants": fmt_int(h.get("participants")), "women": fmt_int(h.get("women")),
        "men": fmt_int(h.get("men")), "women_share": fmt_percent(h.get("women_share")),
        "budget_planned": fmt_money(h.get("budget_planned")), "budget_spent": fmt_money(h.get("budget_spent")),
        "budget_rate": fmt_percent(h.get("budget_rate"), 0),
        "members_by_region": [{"region": r["region"], "engaged": int(r.get("engaged") or 0),
                               "total": int(r.get("total") or 0)} for r in h.get("members_by_region", [])],
    }


def _plain(value):
    """Turn Decimals into floats or ints for plain-data templates."""
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    return value


def _indicator_table(rows: list[dict], years: list[int]) -> list[dict]:
    """Indicator rows from the indicators feature, reduced to display strings; only approved values show."""
    table = []
    for row in rows:
        unit = row.get("unit", "number")
        baseline = row.get("baseline") or {}
        cells = []
        for year in years:
            cell = (row.get("years") or {}).get(year) or (row.get("years") or {}).get(str(year)) or {}
            pending = bool(cell.get("pending"))
            actual = cell.get("actual")
            progress = cell.get("progress")
            status = cell.get("status_override") or cell.get("status")
            cells.append({
                "year": year,
                "target": _target_label(cell.get("target"), cell.get("target_max"), unit),
                "actual": fmt_number(actual, unit) if actual is not None else ("pending review" if pending else "—"),
                "actual_raw": _plain(actual),
                "progress": fmt_percent(Decimal(str(progress)) * 100, 0) if progress is not None else "—",
                "status": status or "none",
                "status_label": STATUS_LABELS.get(status, "No data") if status else "No data",
                "overridden": bool(cell.get("status_override")),
                "pending": pending,
            })
        table.append({
            "code": row.get("code", ""), "name": row.get("name", ""), "unit": unit,
            "method": row.get("method", ""), "cumulative": bool(row.get("cumulative")),
            "baseline": fmt_number(baseline.get("value"), unit) if baseline.get("value") is not None else "—",
            "baseline_year": str(baseline["year"]) if baseline.get("value") is not None and baseline.get("year")
            else "",
            "years": cells,
        })
    return table


STATUS_LABELS = {"on_track": "On track", "needs_attention": "Needs attention", "off_track": "Off track"}


def _target_label(target, target_max, unit: str) -> str:
    """A target, or a range of two."""
    if target is None:
        return "—"
    if target_max is not None:
        return f"{fmt_number(target, unit)}–{fmt_number(target_max, unit)}"
    return fmt_number(target, unit)


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
        return f"General Assembly — final evaluation {PLAN_YEARS[0]}-{PLAN_YEARS[-1]}"
    return f"Board of Directors — annual evaluation {year}"


def _status_cell(assessment: dict | None, year: int) -> dict:
    """An outcome's status for a year: the approved one, or why there is none."""
    if assessment is None:
        return {"year": year, "status": "none", "label": "No assessment", "approved": False}
    if assessment["review_state"] != "approved":
        return {"year": year, "status": "none",
                "label": "Awaiting approval", "approved": False}
    return {"year": year, "status": assessment["status"],
            "label": ASSESSMENT_STATUSES.get(assessment["status"], assessment["status"]), "approved": True}


def _main_activities(items: list[dict], limit: int) -> list[dict]:
    """The activities worth naming for an outcome: completed first, then the largest, then the earliest."""
    ranked = sorted(items, key=lambda a: (a["status"] != COMPLETED, a["status"] == CANCELLED,
                                          -(a["participants"] or 0), a["start"], a["id"]))
    return ranked[:limit]


def build_report(kind: str, year: int | None = None, *, now: datetime | None = None) -> dict:
    """Gather the whole report as plain data: kind "board" (one year) or "final" (every plan year)."""
    if kind not in KINDS:
        raise ValueError(f"Unknown report kind {kind!r}")
    if kind == "board" and year not in PLAN_YEARS:
        raise ValueError(f"The Board evaluation is for a plan year ({PLAN_YEARS[0]}-{PLAN_YEARS[-1]}).")
    now = now or datetime.now(timezone.utc)
    plan = _plan_tree()
    years = [year] if kind == "board" else list(plan["years"])
    outcomes = {o["id"]: o for line in plan["lines"] for axis in line["axes"] for o in axis["outcomes"]}
    outcome_codes = {oid: o["code"] for oid, o in outcomes.items()}

    # The report's own data: activities and their links, evidence of the activities it names, assessments.
    activities = _activities(years)
    by_outcome: dict[int, list[dict]] = defaultdict(list)
    for activity in activities:
        activity["outcomes"] = sorted(outcome_codes[o] for o in activity["outcome_ids"] if o in outcome_codes)
        for outcome_id in activity["outcome_ids"]:
            by_outcome[outcome_id].append(activity)
    limit = MAIN_ACTIVITIES[kind]
    main = {oid: _main_activities(by_outcome.get(oid, []), limit) for oid in outcomes}
    main_ids = sorted({a["id"] for items in main.values() for a in items})
    evidence_by_activity, evidence_by_outcome = _evidence(main_ids, list(outcomes), years)
    assessments = _assessments(years)

    # Shared with the overview page: indicator rows (computed once), the heat map per year, headline figures.
    indicators = _indicator_rows(years)
    indicator_tables: dict[str, list[dict]] = defaultdict(list)
    for row in indicators["per_outcome"]:
        indicator_tables[row.get("outcome_code")].append(row)
    indicator_tables = {code: _indicator_table(rows, years) for code, rows in indicator_tables.items()}
    figures = {y: overview.for_report(y, indicators) for y in years}
    if kind == "final":
        figures[None] = overview.for_report(None, indicators)  # the whole plan, beside each year
    trees = {y: figures[y]["tree"] for y in years}
    node_status = {(node["code"], y): node for y, tree in trees.items()
                   for line in tree for node in [line, *line["axes"]]}
    periods = [(str(y), y) for y in years] + ([(f"{years[0]}-{years[-1]}", None)] if kind == "final" else [])
    headline = [{"label": label, **_headline(figures[y]["headline"])} for label, y in periods]
    headline_main = headline[-1]

    readiness = _readiness(outcomes, years, assessments, outcome_codes, trees)
    draft = bool(readiness["reasons"])

    chart_list = _charts(kind, plan, years, by_outcome, headline_main)

    summary = db.session.get(ReportSummary, str(year) if kind == "board" else "final")

    lines = [_line_section(line, years, node_status, by_outcome,
                           lambda o: _outcome_section(o, years, assessments, main, by_outcome, evidence_by_activity,
                                                      evidence_by_outcome, indicator_tables))
             for line in plan["lines"]]

    completed = [a for a in activities if a["status"] == COMPLETED]
    region_rows, partners = _engaged(completed)

    toc = _toc(draft, lines)

    return {
        "kind": kind, "year": year, "years": years,
        "period": str(year) if kind == "board" else f"{years[0]}-{years[-1]}",
        "title": report_title(kind, year), "author": AUTHOR,
        "audience": "Board of Directors" if kind == "board" else "General Assembly",
        "plan": {"title": plan["title"], "motto": plan["motto"], "code": plan["code"]},
        "created_iso": now.isoformat(timespec="seconds"), "date": now.strftime("%-d %B %Y"),
        "draft": draft, "readiness": readiness,
        "summary": paragraphs(summary.text if summary else ""),
        "headline": headline, "plan_indicators": _indicator_table(indicators["plan_wide"], years),
        "charts": chart_list, "lines": lines,
        "annex": {"activities": [_annex_row(a, kind == "final") for a in activities], "regions": region_rows,
                  "partners": partners, "completed": len(completed)},
        "toc": toc,
    }


def _readiness(outcomes: dict, years: list[int], assessments: dict, outcome_codes: dict, trees: dict) -> dict:
    """The draft rule: every outcome approved, every indicator targeted, no value awaiting review."""
    not_assessed = sum(1 for oid in outcomes for y in years
                       if (assessments.get((oid, y)) or {}).get("review_state") != "approved")
    no_target, unapproved_values = _indicator_gaps(years, outcome_codes)
    reasons = []
    if not_assessed:
        reasons.append(f"{not_assessed} outcome assessment{'s' if not_assessed != 1 else ''} "
                       f"{'are' if not_assessed != 1 else 'is'} not approved")
    if unapproved_values:
        reasons.append(f"{len(unapproved_values)} indicator value{'s' if len(unapproved_values) != 1 else ''} "
                       f"await{'' if len(unapproved_values) != 1 else 's'} approval")
    if no_target:
        reasons.append(f"{len(no_target)} indicator{'s' if len(no_target) != 1 else ''} "
                       f"lack{'' if len(no_target) != 1 else 's'} a target")
    return {"reasons": reasons, "outcomes": _readiness_rows(trees) if reasons else [],
            "values": unapproved_values, "targets": no_target}


def _charts(kind: str, plan: dict, years: list[int], by_outcome: dict, headline_main: dict) -> list:
    """Members by region; activities by status per line; completed per year (final evaluation only)."""
    chart_list = [charts.members_by_region_chart(headline_main["members_by_region"])] \
        if headline_main["members_by_region"] else []
    line_counts = []
    for line in plan["lines"]:
        seen = {a["id"]: a for axis in line["axes"] for o in axis["outcomes"] for a in by_outcome.get(o["id"], [])}
        line_counts.append({"label": f"Line {line['number']}", "counts": Counter(a["status"] for a in seen.values()),
                            "by_year": Counter(a["year"] for a in seen.values() if a["status"] == COMPLETED)})
    chart_list.append(charts.activities_by_status_chart("Activities by action line and status", line_counts))
    if kind == "final":
        chart_list.append(charts.completed_by_year_chart("Completed activities by action line and year",
                                                         line_counts, years))
    return chart_list


def _line_section(line: dict, years: list[int], node_status: dict, by_outcome: dict, outcome_section) -> dict:
    """One action line of the report: its axes with their outcomes, statuses and activity counts, and its chart."""
    axes = []
    axis_groups = []
    for axis in line["axes"]:
        axis_activities = {a["id"]: a for o in axis["outcomes"] for a in by_outcome.get(o["id"], [])}
        axis_groups.append({"label": f"{axis['code']} {_short(axis['title'], 34)}",
                            "counts": Counter(a["status"] for a in axis_activities.values())})
        axes.append({"code": axis["code"], "number": axis["number"], "title": axis["title"],
                     "anchor": "a-" + axis["code"].replace(".", "-"),
                     "outcomes": [outcome_section(o) for o in axis["outcomes"]],
                     "statuses": [_node_status(node_status.get((axis["code"], y)), y) for y in years],
                     "activity_count": len(axis_activities),
                     "completed_count": sum(1 for a in axis_activities.values() if a["status"] == COMPLETED)})
    return {"code": line["code"], "number": line["number"], "title": line["title"],
            "anchor": "l-" + line["code"], "key_ideas": line["key_ideas"], "axes": axes,
            "statuses": [_node_status(node_status.get((line["code"], y)), y) for y in years],
            "chart": charts.activities_by_status_chart(
                f"Action Line {line['number']}: activities by axis and status", axis_groups)}


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


def _toc(draft: bool, lines: list[dict]) -> list[dict]:
    """The contents page."""
    toc = [{"anchor": "readiness", "label": "Readiness: what is missing", "level": 1}] if draft else []
    toc += [{"anchor": "summary", "label": "Summary by the Secretary General", "level": 1},
            {"anchor": "headline", "label": "Headline figures", "level": 1}]
    for line in lines:
        toc.append({"anchor": line["anchor"], "label": f"Action Line {line['number']}: {line['title']}", "level": 1})
        toc += [{"anchor": a["anchor"], "label": f"{a['code']} {a['title']}", "level": 2} for a in line["axes"]]
    toc += [{"anchor": "annex-activities", "label": "Annex A: activities", "level": 1},
            {"anchor": "annex-members", "label": "Annex B: members engaged by region", "level": 1},
            {"anchor": "annex-partners", "label": "Annex C: partners engaged", "level": 1}]
    return toc


def _node_status(node: dict | None, year: int) -> dict:
    """A line's or an axis's status for a year: the worst approved status of its outcomes, and their spread."""
    if node is None:
        return {"year": year, "status": "none", "label": "No assessment", "distribution": ""}
    status = node.get("status")
    spread = node.get("distribution") or {}
    return {"year": year, "status": status or "none",
            "label": overview.DISPLAY_STATUSES.get(status, "No approved assessment") if status
            else "No approved assessment",
            "distribution": ", ".join(f"{count} {overview.DISPLAY_STATUSES.get(key, key).lower()}"
                                      for key, count in spread.items())}


def _outcome_section(o: dict, years: list[int], assessments: dict, main: dict, by_outcome: dict,
                     evidence_by_activity: dict, evidence_by_outcome: dict, indicator_tables: dict) -> dict:
    """One outcome's part of the report: status, approved narrative, indicators, main activities, evidence."""
    statuses = [_status_cell(assessments.get((o["id"], y)), y) for y in years]
    narratives = []
    for y in years:
        a = assessments.get((o["id"], y))
        if a and a["review_state"] == "approved":
            narratives.append({"year": y, "achieved": paragraphs(a["achieved"]),
                               "difficulties": paragraphs(a["difficulties"]),
                               "next_steps": paragraphs(a["next_steps"])})
    items = main.get(o["id"], [])
    all_items = by_outcome.get(o["id"], [])
    return {
        "code": o["code"], "title": o["title"], "anchor": "o-" + o["code"].replace(".", "-"),
        "statuses": statuses, "narratives": narratives,
        "unapproved_years": [s["year"] for s in statuses if not s["approved"]],
        "indicators": indicator_tables.get(o["code"], []),
        "activities": [_activity_card(a, evidence_by_activity.get(a["id"], [])) for a in items],
        "activity_count": len(all_items),
        "completed_count": sum(1 for a in all_items if a["status"] == COMPLETED),
        "more": max(len(all_items) - len(items), 0),
        "evidence": evidence_by_outcome.get(o["id"], []),
    }


def _short(text: str, length: int) -> str:
    """Shorten a label for a chart axis."""
    return text if len(text) <= length else text[: length - 1].rstrip() + "…"


def _activity_card(activity: dict, evidence: list[dict]) -> dict:
    """An activity as named under an outcome: date, title, members, partners, evidence."""
    return {"date": activity["dates"], "title": activity["title"], "kind": activity["kind_label"],
            "status": activity["status_label"], "members": ", ".join(activity["members"]),
            "partners": ", ".join(activity["partners"]), "participants": activity["participants_label"],
            "evidence": evidence[:EVIDENCE_PER_ACTIVITY],
            "more_evidence": max(len(evidence) - EVIDENCE_PER_ACTIVITY, 0)}


def _annex_row(activity: dict, with_year: bool) -> dict:
    """An activity as a row of the annex table: a date, and one text on two lines (the cheapest rows to lay out)."""
    facts = [activity["kind_label"], activity["status_label"].lower()]
    if activity["participants"] is not None:
        women = activity["women"]
        facts.append(f"{fmt_int(activity['participants'])} participants"
                     + (f" ({fmt_int(women)} women)" if women is not None else ""))
    links = [", ".join(activity["outcomes"]) or "no outcome"]
    if activity["members"]:
        links.append("members: " + ", ".join(activity["members"]))
    if activity["partners"]:
        links.append("partners: " + ", ".join(activity["partners"]))
    return {"date": activity["start"].strftime("%-d %b %Y" if with_year else "%-d %b"),
            "text": f"{activity['title']} — {', '.join(facts)}\n" + "; ".join(links)}
