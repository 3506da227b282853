"""The indicator performance tracking table (IPTT) as a spreadsheet: one row per indicator, grouped by line, axis
and outcome, with the baseline, then per year the target, the actual, the share of target and the status, and the
life-of-plan target.

The figures are those of `services.indicator_rows` (the pages' and the Board report's): only approved values are
actuals, a value under review is marked as awaiting approval, and share and status come from progress.py.
"""
from collections.abc import Iterator, Sequence
from decimal import Decimal

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from ..core.models import utcnow
from ..core.spreadsheet import INTEGER, NUMBER, PERCENT, TEXT, Column
from ..core.years import PLAN_YEARS
from ..plan.queries import current_plan
from . import services
from .models import DIRECTIONS, METHODS, STATUSES, UNITS
from .progress import thresholds

LAST_YEAR = PLAN_YEARS[-1]  # the life-of-plan target is the target set for the plan's last year

# A value awaiting approval, by its review state (lower case: it follows "Awaiting approval").
REVIEW_WORDS = {"draft": _l("draft"), "submitted": _l("submitted"), "returned": _l("returned for changes")}


def _word(labels: dict, code) -> str:
    """A code in the reader's words: the model's label, else the code."""
    return str(labels.get(code, code or ""))


def period_label(year: int | None) -> str:
    """A year, or the whole plan period, as file names and titles say it."""
    return str(year) if year is not None else f"{PLAN_YEARS[0]}-{PLAN_YEARS[-1]}"


def _placement(plan) -> tuple[dict, list[int]]:
    """Where each outcome sits (line, axis, outcome) and the outcomes in plan order."""
    where, order = {}, []
    for line in plan.lines if plan else []:
        for axis in line.axes:
            for outcome in axis.outcomes:
                where[outcome.id] = (line, axis, outcome)
                order.append(outcome.id)
    return where, order


def _has_ranges(rows: list[dict], years) -> bool:
    """Whether any target of the table has an upper bound (then each target gets an upper-bound column)."""
    return any(row["years"][y]["target_max"] is not None for row in rows for y in years)


def columns(years: Sequence[int], *, ranges: bool, with_active: bool) -> list[Column]:
    """The table's columns: the indicator, its baseline, each year's figures and the life-of-plan target."""
    cols = [Column(_("Action line"), TEXT, 30), Column(_("Axis"), TEXT, 30), Column(_("Outcome code"), TEXT, 11),
            Column(_("Outcome"), TEXT, 40), Column(_("Indicator code"), TEXT, 14), Column(_("Indicator"), TEXT, 40),
            Column(_("Definition"), TEXT, 40), Column(_("Unit"), TEXT, 10), Column(_("Direction"), TEXT, 18),
            Column(_("How it is measured"), TEXT, 24), Column(_("Cumulative"), TEXT, 11)]
    if with_active:
        cols.append(Column(_("Active"), TEXT, 8))
    cols += [Column(_("Baseline"), NUMBER, 11), Column(_("Baseline year"), INTEGER, 10)]
    for year in years:
        cols.append(Column(_("Target %(year)s", year=year), NUMBER, 11))
        if ranges:
            cols.append(Column(_("Target %(year)s, upper bound", year=year), NUMBER, 12))
        cols += [Column(_("Actual %(year)s", year=year), NUMBER, 11),
                 Column(_("Share of target %(year)s", year=year), PERCENT, 11),
                 Column(_("Status %(year)s", year=year), TEXT, 16),
                 Column(_("Approval %(year)s", year=year), TEXT, 22)]
    cols.append(Column(_("Life-of-plan target"), NUMBER, 12))
    if ranges:
        cols.append(Column(_("Life-of-plan target, upper bound"), NUMBER, 12))
    return cols


def status_text(cell: dict) -> str | None:
    """A year's status in plain words, saying when the Secretary General set it; None without a status."""
    if not cell["status"]:
        return None
    word = _word(STATUSES, cell["status"])
    return _("%(status)s (set by the Secretary General)", status=word) if cell["status_override"] else word


def approval_text(row: dict, cell: dict, *, reader: bool) -> str | None:
    """Whether a year's actual is an approved value, a value awaiting approval, or computed from activities."""
    if cell["pending"]:
        state = REVIEW_WORDS.get(cell["pending_state"])
        # Board members read approved work only: that a value waits, not where it stands in the review.
        return _("Awaiting approval (%(state)s)", state=state) if reader and state else _("Awaiting approval")
    if row["method"] != "manual":
        return _("Computed from the activity log")
    return _("Approved value") if cell["actual"] is not None else None


def _yes_no(flag: bool) -> str:
    """A flag in plain words."""
    return _("Yes") if flag else _("No")


def _group_cells(place) -> list:
    """The line, axis and outcome of a row, or the plan as a whole for a plan-wide indicator."""
    if place is None:
        return [_("The plan as a whole"), None, None, None]
    line, axis, outcome = place
    return [f"{line.code} {line.title}", f"{axis.code} {axis.title}", outcome.code, outcome.title]


def _row_cells(row: dict, place, years, *, ranges: bool, with_active: bool, reader: bool) -> list:
    """One indicator as the table's cells."""
    cells = _group_cells(place) + [
        row["code"], row["name"], row["definition"] or None, _word(UNITS, row["unit"]),
        _word(DIRECTIONS, row["direction"]), _word(METHODS, row["method"]),
        _yes_no(row["cumulative"])]
    if with_active:
        cells.append(_yes_no(row["active"]))
    cells += [row["baseline"]["value"], row["baseline"]["year"]]
    for year in years:
        cell = row["years"][year]
        cells.append(cell["target"])
        if ranges:
            cells.append(cell["target_max"])
        cells += [cell["actual"], cell["progress"], status_text(cell), approval_text(row, cell, reader=reader)]
    last = row["years"][LAST_YEAR]
    cells.append(last["target"])
    if ranges:
        cells.append(last["target_max"])
    return cells


def _ordered(rows: list[dict], where: dict, order: list[int]) -> Iterator[tuple[dict, object]]:
    """Plan-wide rows first, then each outcome's in plan order (line, axis, outcome), each with its place."""
    by_outcome: dict[int, list] = {}
    for row in rows:
        if row["outcome_id"] is None:
            yield row, None
        else:
            by_outcome.setdefault(row["outcome_id"], []).append(row)
    for outcome_id in order:
        for row in by_outcome.get(outcome_id, []):
            yield row, where[outcome_id]


def table(year: int | None, *, reader: bool, include_inactive: bool = False) -> tuple[list[Column], list[list]]:
    """The IPTT of a year (or of the whole plan when None): its columns and rows, in a fixed number of queries."""
    years = [year] if year is not None else list(PLAN_YEARS)
    indicators = services.plan_wide_indicators(include_inactive=include_inactive) + \
        services.indicators_for_outcomes(include_inactive=include_inactive)
    rows = services.indicator_rows(indicators, sorted(set(years) | {LAST_YEAR}))
    where, order = _placement(current_plan())
    ranges = _has_ranges(rows, sorted(set(years) | {LAST_YEAR}))
    options = {"ranges": ranges, "with_active": include_inactive}
    body = [_row_cells(row, place, years, reader=reader, **options) for row, place in _ordered(rows, where, order)]
    return columns(years, **options), body


def _percent(share: Decimal) -> str:
    """A threshold as people read it: 0.85 -> "85%"."""
    return f"{(share * 100).normalize():f}%"


def notes(year: int | None) -> list[str]:
    """What the table's figures mean, for the workbook's notes sheet."""
    on_track_at, attention_at = thresholds()
    return [
        _("Indicator performance tracking table of the Metropolis Strategic Action Plan 2021-2023, %(period)s, "
          "as recorded on %(day)s.", period=period_label(year), day=utcnow().date().isoformat()),
        _("Actual: only approved values count. A value entered but not yet approved is marked as awaiting "
          "approval, and the actual stays empty until it is approved."),
        _("Computed indicators are counted from the activity log; deleted activities never count."),
        _("Share of target: the actual against the year's target, by the indicator's direction (for \"lower is "
          "better\", the target divided by the actual), at most ten times the target."),
        _("Status: on track from %(on_track)s of target, needs attention from %(attention)s, off track below. "
          "A status set by the Secretary General says so.", on_track=_percent(on_track_at),
          attention=_percent(attention_at)),
        _("Life-of-plan target: the target set for %(year)s, the plan's last year (for a cumulative indicator, "
          "the total over the plan).", year=LAST_YEAR),
    ]
