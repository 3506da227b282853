"""The outcome × year grid: each outcome's assessment status in each plan year, as plain data and as a viewer sees it.

`build()` shapes the rows the overview's plan query already loaded (no statement of its own); it is cached with the
rest of the page's data, whoever asks. `for_viewer()` then decides what a given reader may see: a Board member
sees approved statuses only (an assessment under review shows as "Not yet approved", with no proposed status), as
on the outcome page (tracker.assessments.sections) and in the Board evaluation.
"""
from flask_babel import lazy_gettext as _l

from ..assessments.models import ASSESSMENT_STATUSES
from ..core.years import PLAN_YEARS

# What a cell can show, in the order the counts and the legend list them: the approved statuses, then the work
# not yet approved (readers see which state it is in; the Board only that it is not approved), then nothing.
KEYS = {
    "achieved": _l("Achieved"),
    "on_track": _l("On track"),
    "needs_attention": _l("Needs attention"),
    "off_track": _l("Off track"),
    "not_started": _l("Not started"),
    "submitted": _l("In review"),
    "preparing": _l("Draft or returned"),
    "pending": _l("Not yet approved"),
    "none": _l("Not assessed"),
}
# How the review state of an assessment not yet approved is said next to its proposed status.
STATE_LABELS = {"submitted": _l("in review"), "draft": _l("draft"), "returned": _l("returned")}


def build(plan: dict) -> dict:
    """Return the grid of the plan query's data: years, and lines -> axes -> outcomes with one cell per year.

    A cell: year, assessment_id, status (as written, approved or not) and state (its review state), or
    assessment_id None when the outcome has no assessment that year.
    """
    by_year = plan["by_year"]
    lines = []
    for line in plan["lines"]:
        axes = []
        for axis in line["axes"]:
            outcomes = []
            for item in axis["outcomes"]:
                rows = by_year.get(item["id"], {})
                cells = [{"year": year, "assessment_id": rows[year]["id"] if year in rows else None,
                          "status": rows[year]["status"] if year in rows else None,
                          "state": rows[year]["state"] if year in rows else "none"} for year in PLAN_YEARS]
                outcomes.append({"id": item["id"], "code": item["code"], "title": item["title"], "cells": cells})
            axes.append({"code": axis["code"], "title": axis["title"], "outcomes": outcomes})
        lines.append({"code": line["code"], "title": line["title"], "axes": axes})
    return {"years": list(PLAN_YEARS), "lines": lines}


def _view_cell(code: str, cell: dict, *, reader: bool, reviewer: bool) -> dict:
    """Return what one viewer sees of a cell: key (colour and pattern), label, state (review state words), text."""
    state = cell["state"]
    if state == "approved":
        key, label, words = cell["status"], ASSESSMENT_STATUSES.get(cell["status"], cell["status"]), None
    elif state == "none":
        key, label, words = "none", KEYS["none"], None
    elif reader:
        key = "submitted" if state == "submitted" else "preparing"
        label, words = ASSESSMENT_STATUSES.get(cell["status"], cell["status"]), STATE_LABELS.get(state, state)
    else:  # a Board member: nothing of an assessment that is not approved
        key, label, words = "pending", KEYS["pending"], None
    label, words = str(label), (str(words) if words else None)
    shown_id = cell["assessment_id"] if state == "approved" or reader else None
    return {
        "year": cell["year"], "key": key, "label": label, "state": words,
        # The review state itself (not its words) for the counts of what a staff member is asked to do.
        "review_state": state if words else None,
        "text": label + (f" · {words}" if words else ""),
        "assessment_id": shown_id, "code": code,
        "awaits_viewer": reviewer and state == "submitted",
    }


def for_viewer(grid: dict, *, reader: bool, reviewer: bool) -> dict:
    """Return the grid as one viewer sees it, with the count of outcomes per key and year.

    reader: may read work under review (staff, Secretary General, admin); reviewer: approves it (Secretary
    General, admin). Counts: {year: [(key, label, count)]} in the order of KEYS, zeros left out.
    """
    tally = {year: dict.fromkeys(KEYS, 0) for year in grid["years"]}
    lines = []
    for line in grid["lines"]:
        axes = []
        for axis in line["axes"]:
            outcomes = []
            for item in axis["outcomes"]:
                cells = [_view_cell(item["code"], cell, reader=reader, reviewer=reviewer) for cell in item["cells"]]
                for cell in cells:
                    tally[cell["year"]][cell["key"]] += 1
                outcomes.append(dict(item, cells=cells))
            axes.append(dict(axis, outcomes=outcomes))
        lines.append(dict(line, axes=axes, outcome_count=sum(len(axis["outcomes"]) for axis in axes)))
    counts = {year: [(key, str(KEYS[key]), count) for key, count in keys.items() if count]
              for year, keys in tally.items()}
    return {"years": grid["years"], "lines": lines, "counts": counts}


def concerning(view: dict, outcome_ids: set[int], years) -> dict:
    """Count, over some years, the cells of the outcomes a staff member answers for, by what they ask of them."""
    found = {"outcomes": 0, "returned": 0, "draft": 0, "submitted": 0, "none": 0}
    for line in view["lines"]:
        for axis in line["axes"]:
            for item in axis["outcomes"]:
                if item["id"] not in outcome_ids:
                    continue
                found["outcomes"] += 1
                for cell in item["cells"]:
                    if cell["year"] in years:
                        key = "none" if cell["key"] == "none" else cell["review_state"]
                        if key in found and key != "outcomes":
                            found[key] += 1
    return found
