"""The headline figures of a report, each defined once, with last year's value and the change (Board report)."""
from decimal import Decimal

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext, pgettext

from ..activities.rules import CANCELLED
from .formatting import fmt_decimal, fmt_euros, fmt_int, fmt_money, fmt_percent

# (key, label, definition): each figure defined once, on the headline page.
FIGURES = (
    ("planned", _l("Activities in the work plan"), _l("activities of the year planned, in progress or completed; "
                                                      "cancelled ones are counted apart")),
    ("completed", None, _l("activities of the work plan completed in the year")),  # labels: _label
    ("delivery", _l("Delivered"), _l("completed activities out of all the year planned, cancelled ones included")),
    ("cancelled", None, _l("activities cancelled in the year: outside the work plan, their spending is shown")),
    ("members_engaged", _l("Members engaged"), _l("distinct members among the 141 listed in the plan's Appendix II "
                                                  "named in at least one completed activity")),
    ("partners_engaged", _l("Partners engaged"), _l("distinct partner organisations named in a completed activity")),
    ("participants", _l("Participants"), _l("people taking part in completed activities")),
    ("women", _l("Women participants"), _l("women among them, where activities record it")),
    ("women_share", _l("Women’s share of participants"),
     _l("of all participants of completed activities that record women")),
    ("budget_spent", _l("Budget spent"), _l("spent on completed and in-progress activities")),
    ("cancelled_spent", _l("Spent on cancelled activities"), _l("spent before an activity was cancelled")),
)
RATES = ("delivery", "women_share")


def _label(key: str, label) -> str:
    """A figure's label: "Completed" and "Cancelled" here count activities (plural in French and Spanish), unlike
    the same words as an activity's status."""
    if key == "completed":
        return pgettext("activities counted", "Completed")
    if key == "cancelled":
        return pgettext("activities counted", "Cancelled")
    return str(label)


def _cancelled_spent(ctx, year: int | None) -> Decimal:
    """What cancelled activities of a year (or of the report's years) had spent."""
    return sum((a["budget_spent"] or Decimal(0) for a in ctx.activities
                if a["status"] == CANCELLED and (year is None or a["year"] == year)), Decimal(0))


def _raw(ctx, key: str, year: int | None):
    """One figure's raw value for a year (None: the whole period)."""
    h = ctx.figures.get(year)
    if h is None:
        return None
    if key == "delivery":
        planned = int(h.get("planned") or 0) + int(h.get("cancelled") or 0)
        return Decimal(int(h.get("completed") or 0) * 100) / planned if planned else None
    if key == "cancelled_spent":
        return _cancelled_spent(ctx, year) if year in ctx.years or year is None else None
    return h.get(key)


def _shown(ctx, key: str, year: int | None) -> str:
    """One figure as printed."""
    value, h = _raw(ctx, key, year), ctx.figures.get(year) or {}
    if key == "delivery":  # cancelled activities stay in the count: "49 of 52 (94 %), 3 cancelled"
        return _delivered(h)
    if key == "women_share":
        return fmt_percent(value)
    if key in ("budget_spent", "cancelled_spent"):
        return fmt_money(value)
    return fmt_int(value)


def _delivered(h: dict) -> str:
    """Completed activities out of everything the year planned, the cancelled ones included and named."""
    completed, cancelled = int(h.get("completed") or 0), int(h.get("cancelled") or 0)
    planned = int(h.get("planned") or 0) + cancelled
    if not planned:
        return _("%(done)s of %(planned)s", done=fmt_int(completed), planned=fmt_int(planned))
    rate = fmt_percent(Decimal(completed * 100) / planned, 0)
    if cancelled:
        return ngettext("%(done)s of %(planned)s (%(rate)s), %(cancelled)s cancelled",
                        "%(done)s of %(planned)s (%(rate)s), %(cancelled)s cancelled", cancelled,
                        done=fmt_int(completed), planned=fmt_int(planned), rate=rate, cancelled=fmt_int(cancelled))
    return _("%(done)s of %(planned)s (%(rate)s)", done=fmt_int(completed), planned=fmt_int(planned), rate=rate)


def _change(ctx, key: str) -> str | None:
    """A Board report's change since last year: +3, −2, 0, or in percentage points for shares."""
    if ctx.kind != "board" or ctx.year - 1 not in ctx.figures:
        return None
    now, before = _raw(ctx, key, ctx.year), _raw(ctx, key, ctx.year - 1)
    if now is None or before is None:
        return None
    delta = Decimal(str(now)) - Decimal(str(before))
    sign = "+" if delta > 0 else ("−" if delta < 0 else "±")
    if key in RATES:  # percentage points
        return _("%(sign)s%(points)s pp", sign=sign, points=fmt_decimal(abs(delta), "0.0"))
    if key in ("budget_spent", "cancelled_spent"):
        return f"{sign}{fmt_euros(abs(delta))}"
    return f"{sign}{fmt_decimal(abs(delta), '#,##0')}"


def headline(ctx) -> dict:
    """The headline table: this year, last year and the change (Board), or each year and the period (final)."""
    if ctx.kind == "board":
        previous = ctx.year - 1 if ctx.year - 1 in ctx.figures else None
        columns = [str(ctx.year)] + ([str(previous)] if previous else []) + ([_("Change")] if previous else [])
        periods = [ctx.year] + ([previous] if previous else [])
    else:
        columns = [str(y) for y in ctx.years] + [f"{ctx.years[0]}-{ctx.years[-1]}"]
        periods = [*ctx.years, None]
    rows = []
    for key, label, definition in FIGURES:
        values = [_shown(ctx, key, y) for y in periods]
        change = _change(ctx, key)
        rows.append({"key": key, "label": _label(key, label), "definition": str(definition),
                     "value": values[0] if ctx.kind == "board" else values[-1],
                     "values": values + ([change or "—"] if ctx.kind == "board" and len(columns) > 1 else []),
                     "change": change})
    main = ctx.figures[ctx.year if ctx.kind == "board" else None]
    regions = [{"region": r["region"], "engaged": int(r.get("engaged") or 0), "total": int(r.get("total") or 0)}
               for r in main.get("members_by_region", [])]
    return {"columns": columns, "rows": rows, "regions": regions}
