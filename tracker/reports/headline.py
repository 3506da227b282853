"""The headline figures of a report, each defined once, with last year's value and the change (Board report)."""
from decimal import Decimal

from ..activities.rules import CANCELLED
from .formatting import fmt_int, fmt_money, fmt_percent

# (key, label, definition): each figure defined once, on the headline page.
FIGURES = (
    ("planned", "Activities in the work plan", "activities of the year planned, in progress or completed; "
                                                "cancelled ones are counted apart"),
    ("completed", "Completed", "activities of the work plan completed in the year"),
    ("delivery", "Delivered", "completed activities out of all the year planned, cancelled ones included"),
    ("cancelled", "Cancelled", "activities cancelled in the year: outside the work plan, their spending is shown"),
    ("members_engaged", "Members engaged", "distinct members among the 141 listed in the plan's Appendix II named "
                                           "in at least one completed activity"),
    ("partners_engaged", "Partners engaged", "distinct partner organisations named in a completed activity"),
    ("participants", "Participants", "people taking part in completed activities"),
    ("women", "Women participants", "women among them, where activities record it"),
    ("women_share", "Women’s share of participants", "of all participants of completed activities that record women"),
    ("budget_spent", "Budget spent", "spent on completed and in-progress activities"),
    ("cancelled_spent", "Spent on cancelled activities", "spent before an activity was cancelled"),
)
RATES = ("delivery", "women_share")


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
    rate = f" ({fmt_percent(Decimal(completed * 100) / planned, 0)})" if planned else ""
    named = f", {fmt_int(cancelled)} cancelled" if cancelled else ""
    return f"{fmt_int(completed)} of {fmt_int(planned)}{rate}{named}"


def _change(ctx, key: str) -> str | None:
    """A Board report's change since last year: +3, −2, 0, or in percentage points for shares."""
    if ctx.kind != "board" or ctx.year - 1 not in ctx.figures:
        return None
    now, before = _raw(ctx, key, ctx.year), _raw(ctx, key, ctx.year - 1)
    if now is None or before is None:
        return None
    delta = Decimal(str(now)) - Decimal(str(before))
    sign = "+" if delta > 0 else ("−" if delta < 0 else "±")
    if key in RATES:
        return f"{sign}{abs(delta):.1f} pp"
    if key in ("budget_spent", "cancelled_spent"):
        return f"{sign}€{abs(delta):,.0f}"
    return f"{sign}{abs(delta):,.0f}"


def headline(ctx) -> dict:
    """The headline table: this year, last year and the change (Board), or each year and the period (final)."""
    if ctx.kind == "board":
        previous = ctx.year - 1 if ctx.year - 1 in ctx.figures else None
        columns = [str(ctx.year)] + ([str(previous)] if previous else []) + (["Change"] if previous else [])
        periods = [ctx.year] + ([previous] if previous else [])
    else:
        columns = [str(y) for y in ctx.years] + [f"{ctx.years[0]}-{ctx.years[-1]}"]
        periods = [*ctx.years, None]
    rows = []
    for key, label, definition in FIGURES:
        values = [_shown(ctx, key, y) for y in periods]
        change = _change(ctx, key)
        rows.append({"key": key, "label": label, "definition": definition,
                     "value": values[0] if ctx.kind == "board" else values[-1],
                     "values": values + ([change or "—"] if ctx.kind == "board" and len(columns) > 1 else []),
                     "change": change})
    main = ctx.figures[ctx.year if ctx.kind == "board" else None]
    regions = [{"region": r["region"], "engaged": int(r.get("engaged") or 0), "total": int(r.get("total") or 0)}
               for r in main.get("members_by_region", [])]
    return {"columns": columns, "rows": rows, "regions": regions}
