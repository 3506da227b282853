"""An indicator as the report reads it: baseline, each year's approved actual, the target, and what it means."""
from decimal import Decimal

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from .formatting import fmt_number, fmt_percent, target_label

STATUS_LABELS = {"on_track": _l("On track"), "needs_attention": _l("Needs attention"), "off_track": _l("Off track")}


def _cell(row: dict, year: int) -> dict:
    """One year's figures of an indicator row."""
    return (row.get("years") or {}).get(year) or {}


def _actual(row: dict, year: int) -> str:
    """The approved actual of a year, or why there is none."""
    cell = _cell(row, year)
    if cell.get("actual") is not None:
        return fmt_number(cell["actual"], row.get("unit", "number"))
    return _("pending approval") if cell.get("pending") else "—"


def meaning(row: dict, year: int) -> str:
    """What the actual means against the target, by the indicator's direction (a ceiling is not a goal)."""
    cell, unit = _cell(row, year), row.get("unit", "number")
    actual, target, high = cell.get("actual"), cell.get("target"), cell.get("target_max")
    if actual is None or target is None:
        return "—"
    if row.get("direction") == "lower":
        if not target:
            return _("%(actual)s of a %(ceiling)s ceiling", actual=fmt_number(actual, unit),
                     ceiling=fmt_number(target, unit))
        return _("%(actual)s of a %(ceiling)s ceiling (%(share)s used)", actual=fmt_number(actual, unit),
                 ceiling=fmt_number(target, unit),
                 share=fmt_percent(Decimal(str(actual)) * 100 / Decimal(str(target)), 0))
    if row.get("direction") == "range" and high is not None:
        inside = Decimal(str(target)) <= Decimal(str(actual)) <= Decimal(str(high))
        band = target_label(target, high, unit)
        return _("within %(range)s", range=band) if inside else _("outside %(range)s", range=band)
    progress = cell.get("progress")
    if progress is None:
        return "—"
    return _("%(share)s of target", share=fmt_percent(Decimal(str(progress)) * 100, 0))


def _status(row: dict, year: int) -> dict:
    """The indicator's status for a year, by its direction, or "no data"."""
    cell = _cell(row, year)
    status = cell.get("status_override") or cell.get("status")
    return {"status": status or "none", "label": str(STATUS_LABELS[status]) if status in STATUS_LABELS
            else _("No data")}


def indicator(row: dict, years: list[int]) -> dict:
    """An indicator as the report prints it: baseline, each year's actual, the target, meaning and status."""
    unit, baseline, last = row.get("unit", "number"), row.get("baseline") or {}, years[-1]
    return {
        "code": row.get("code", ""), "name": row.get("name", ""),
        "baseline": fmt_number(baseline.get("value"), unit) if baseline.get("value") is not None else "—",
        "baseline_year": str(baseline.get("year") or ""),
        "actuals": [{"year": y, "value": _actual(row, y)} for y in years],
        "target": target_label(_cell(row, last).get("target"), _cell(row, last).get("target_max"), unit),
        "meaning": meaning(row, last), **_status(row, last),
        "direction": row.get("direction", "higher"),
    }
