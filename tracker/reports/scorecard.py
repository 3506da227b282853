"""The scorecard: every outcome's approved status, its change since the previous year, and the spread per node.

A line or an axis shows the spread of its outcomes' statuses, never a single "worst" one; outcomes whose
assessment awaits approval count as pending, so a draft never reads better than the approved report.
"""
from collections import Counter

from flask_babel import lazy_gettext as _l

from ..assessments.models import ASSESSMENT_STATUSES

# Better to worse, for the change since last year; pending and none have no rank.
RANK = {"achieved": 4, "on_track": 3, "needs_attention": 2, "off_track": 1, "not_started": 0}
ORDER = ("achieved", "on_track", "needs_attention", "off_track", "not_started", "pending", "none")
LABELS = {**ASSESSMENT_STATUSES, "pending": _l("Awaiting approval"), "none": _l("Not assessed")}
# The scorecard's cells are narrow: one or two short words (the status as a table cell says it).
SHORT = {"achieved": _l("Achieved"), "on_track": _l("On track"), "needs_attention": _l("Attention"),
         "off_track": _l("Off track"), "not_started": _l("Not started"), "pending": _l("Pending"),
         "none": _l("None")}
CHANGES = {"better": _l("▲ better"), "worse": _l("▼ worse"), "same": _l("= same"), "new": _l("new"), "unknown": "—"}


def label(status: str) -> str:
    """A status in words, in the current language."""
    return str(LABELS[status])
GOOD = ("achieved", "on_track")
CONCERNS = ("off_track", "not_started")


def status_of(assessment: dict | None) -> str:
    """An outcome's status for the scorecard: the approved one, "pending", or "none"."""
    if assessment is None:
        return "none"
    if assessment["review_state"] != "approved":
        return "pending"
    return assessment["status"]


def change(before: str | None, after: str) -> str:
    """How an approved status moved since the year before: better, worse, same, new, or unknown."""
    if after not in RANK:
        return "unknown"
    if before not in RANK:
        return "new"
    if RANK[after] == RANK[before]:
        return "same"
    return "better" if RANK[after] > RANK[before] else "worse"


def spread(statuses: list[str]) -> list[dict]:
    """How many outcomes stand in each status, in scorecard order, leaving out the empty ones."""
    counts = Counter(statuses)
    return [{"status": s, "label": label(s), "count": counts[s]} for s in ORDER if counts[s]]


def counts(statuses: list[str]) -> list[dict]:
    """The count of outcomes per status, every status listed (zeros included)."""
    tally = Counter(statuses)
    return [{"status": s, "label": label(s), "count": tally[s]} for s in ORDER]


def cell(assessments: dict, outcome_id: int, year: int, previous: int | None) -> dict:
    """One outcome's status in one year, with its change since the previous plan year."""
    status = status_of(assessments.get((outcome_id, year)))
    before = status_of(assessments.get((outcome_id, previous))) if previous else None
    moved = change(before, status)
    return {"year": year, "status": status, "label": label(status), "short": str(SHORT[status]),
            "change": moved, "change_label": str(CHANGES[moved])}


def build(plan: dict, assessments: dict, years: list[int], all_years: list[int]) -> dict:
    """The scorecard of some years: lines, axes and outcomes with their cells, and counts per status per year."""
    previous = {y: (all_years[all_years.index(y) - 1] if all_years.index(y) > 0 else None) for y in years}
    lines, per_year = [], {y: [] for y in years}
    for line in plan["lines"]:
        axes, line_statuses = [], {y: [] for y in years}
        for axis in line["axes"]:
            outcomes, axis_statuses = [], {y: [] for y in years}
            for o in axis["outcomes"]:
                cells = [cell(assessments, o["id"], y, previous[y]) for y in years]
                for done in cells:
                    axis_statuses[done["year"]].append(done["status"])
                # Three year columns leave less room for the title: shorter, so the grid stays on one page.
                outcomes.append({"code": o["code"], "title": o["title"],
                                 "short": short_title(o["title"], 70 if len(years) == 1 else 46),
                                 "anchor": "o-" + o["code"].replace(".", "-"), "cells": cells})
            for y in years:
                line_statuses[y] += axis_statuses[y]
            axes.append({"code": axis["code"], "title": axis["title"], "short": short_title(axis["title"], 80),
                         "outcomes": outcomes, "spread": {y: spread(axis_statuses[y]) for y in years}})
        for y in years:
            per_year[y] += line_statuses[y]
        lines.append({"code": line["code"], "number": line["number"], "title": line["title"], "axes": axes,
                      "spread": {y: spread(line_statuses[y]) for y in years}})
    return {"years": years, "lines": lines, "counts": {y: counts(per_year[y]) for y in years},
            "outcomes": len(per_year[years[-1]])}


def short_title(text: str, length: int) -> str:
    """Shorten a title at a word boundary, with an ellipsis."""
    if len(text) <= length:
        return text
    cut = text[: length - 1].rsplit(" ", 1)[0].rstrip(",;:")
    return cut + "…"
