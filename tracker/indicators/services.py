"""Rules for indicators: definitions, yearly targets, status overrides, entered values under review, and
the plain rows that pages and the PDF report show.

Services never commit; every change is audited in the caller's transaction. Changes to a locked year raise
tracker.core.errors.YearLocked; values go through the review workflow of tracker.core.review.
"""
from decimal import Decimal, InvalidOperation

from flask import current_app, has_request_context
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import or_, select
from sqlalchemy.orm import selectinload

from ..activities.models import ACTIVITY_KINDS, Activity, activity_outcome
from ..core import review
from ..core.access import can_review, can_write, require_steering, require_writer
from ..core.audit import record
from ..core.errors import Invalid, NotAllowed
from ..core.models import utcnow
from ..core.text import has_visible, strip_invisible
from ..core.years import ensure_unlocked, require_plan_year
from ..evidence.models import Evidence
from ..extensions import db
from ..plan.models import Axis, Outcome
from ..plan.responsibles import is_responsible
from . import compute
from .models import DIRECTIONS, METHODS, STATUSES, UNITS, Indicator, IndicatorTarget, IndicatorValue
from .progress import evaluate, thresholds

INDICATOR_FIELDS = ("code", "name", "definition", "outcome_id", "unit", "direction", "baseline_value",
                    "baseline_year", "cumulative", "method", "method_kinds", "position", "active")
MAX_NUMBER = Decimal("99999999999999")  # Numeric(18, 4) holds 14 digits before the point


class TargetReasonRequired(Invalid):
    """Changing a target that was already set needs a reason."""

    def __init__(self):
        super().__init__(_("Give the reason for changing a target that was already set."), field="reason")


# ---------------------------------------------------------------- reading


def get_indicator(indicator_id: int) -> Indicator | None:
    """One indicator with its outcome, targets and values loaded."""
    return db.session.scalar(
        select(Indicator).where(Indicator.id == indicator_id)
        .options(selectinload(Indicator.outcome).selectinload(Outcome.axis).selectinload(Axis.line),
                 selectinload(Indicator.targets), selectinload(Indicator.values)))


def plan_wide_indicators(include_inactive: bool = False) -> list[Indicator]:
    """The indicators of the plan as a whole, in order, with their targets loaded."""
    query = select(Indicator).where(Indicator.outcome_id.is_(None))
    if not include_inactive:
        query = query.where(Indicator.active.is_(True))
    return list(db.session.scalars(query.options(selectinload(Indicator.targets))
                                   .order_by(Indicator.position, Indicator.code)))


def indicators_for_outcomes(outcome_ids=None, include_inactive: bool = False) -> list[Indicator]:
    """The indicators of some outcomes (every outcome when None), in plan order, with targets loaded."""
    query = (select(Indicator).join(Outcome, Outcome.id == Indicator.outcome_id)
             .options(selectinload(Indicator.targets), selectinload(Indicator.outcome)))
    if outcome_ids is not None:
        query = query.where(Indicator.outcome_id.in_(list(outcome_ids)))
    if not include_inactive:
        query = query.where(Indicator.active.is_(True))
    return list(db.session.scalars(query.order_by(Outcome.position, Indicator.position, Indicator.code)))


def _can_trace() -> bool:
    """Links can be built in a request, or outside one when SERVER_NAME is set (the PDF from the CLI)."""
    return has_request_context() or bool(current_app.config.get("SERVER_NAME"))


def indicator_rows(indicators: list[Indicator], years) -> list[dict]:
    """Plain rows for pages and the PDF: baseline and, per year, target, actual, progress, status, pending."""
    indicators = list(indicators)
    years = list(years)
    if not indicators:
        return []
    ids = [i.id for i in indicators]
    actual = compute.actuals(indicators, years)
    targets = {(t.indicator_id, t.year): t for t in db.session.scalars(
        select(IndicatorTarget).where(IndicatorTarget.indicator_id.in_(ids), IndicatorTarget.year.in_(years)))}
    unapproved = {(indicator_id, year): state for indicator_id, year, state in db.session.execute(
        select(IndicatorValue.indicator_id, IndicatorValue.year, IndicatorValue.review_state)
        .where(IndicatorValue.indicator_id.in_(ids), IndicatorValue.year.in_(years),
               IndicatorValue.review_state != "approved"))}
    outcome_ids = {i.outcome_id for i in indicators if i.outcome_id is not None}
    codes = dict(db.session.execute(select(Outcome.id, Outcome.code).where(Outcome.id.in_(sorted(outcome_ids))))
                 .all()) if outcome_ids else {}
    on_track_at, attention_at = thresholds()
    traceable = _can_trace()
    rows = []
    for ind in indicators:
        outcome_code = codes.get(ind.outcome_id)
        per_year = {}
        for year in years:
            target = targets.get((ind.id, year))
            value = actual.get((ind.id, year))
            result = evaluate(ind.direction, target.target if target else None,
                              target.target_max if target else None, value,
                              on_track_at=on_track_at, attention_at=attention_at)
            override = target.status_override if target else None
            per_year[year] = {
                "target": target.target if target else None,
                "target_max": target.target_max if target else None,
                "actual": value,
                "progress": result.progress,
                "status": override or result.status,
                "computed_status": result.status,
                "status_override": override,
                "override_reason": target.override_reason if target else None,
                "pending": (ind.id, year) in unapproved,
                "pending_state": unapproved.get((ind.id, year)),
                "trace_url": compute.trace_url(ind, year, outcome_code=outcome_code) if traceable else None,
            }
        rows.append({
            "id": ind.id, "code": ind.code, "name": ind.name, "definition": ind.definition,
            "unit": ind.unit, "unit_label": str(UNITS.get(ind.unit, ind.unit)),
            "direction": ind.direction, "direction_label": str(DIRECTIONS.get(ind.direction, ind.direction)),
            "cumulative": ind.cumulative, "method": ind.method,
            "method_label": str(METHODS.get(ind.method, ind.method)),
            "method_kinds": list(ind.method_kinds or []),
            "method_kind_labels": [str(ACTIVITY_KINDS.get(kind, kind)) for kind in ind.method_kinds or []],
            "outcome_id": ind.outcome_id, "outcome_code": outcome_code,
            "active": ind.active,
            "baseline": {"value": ind.baseline_value, "year": ind.baseline_year},
            "years": per_year,
        })
    return rows


MAX_EVIDENCE_OFFERED = 500  # the most recent, for a plan-wide indicator (an outcome has far fewer)


def outcome_evidence(indicator: Indicator) -> list[Evidence]:
    """The evidence a value may point to: of the indicator's outcome and its activities (any, if plan-wide)."""
    query = (select(Evidence).outerjoin(Activity, Activity.id == Evidence.activity_id)
             .where(Evidence.live(), Activity.live()))
    if indicator.outcome_id is not None:
        linked = select(activity_outcome.c.activity_id).where(activity_outcome.c.outcome_id == indicator.outcome_id)
        query = query.where(or_(Evidence.outcome_id == indicator.outcome_id, Evidence.activity_id.in_(linked)))
    return list(db.session.scalars(query.options(selectinload(Evidence.activity), selectinload(Evidence.outcome))
                                   .order_by(Evidence.added_at.desc(), Evidence.id.desc()).limit(MAX_EVIDENCE_OFFERED)))


def evidence_belongs(indicator: Indicator, evidence_id: int) -> bool:
    """Tell whether a piece of evidence may support a value of this indicator."""
    query = (select(Evidence.id).outerjoin(Activity, Activity.id == Evidence.activity_id)
             .where(Evidence.id == evidence_id, Evidence.live(), Activity.live()))
    if indicator.outcome_id is not None:
        linked = select(activity_outcome.c.activity_id).where(activity_outcome.c.outcome_id == indicator.outcome_id)
        query = query.where(or_(Evidence.outcome_id == indicator.outcome_id, Evidence.activity_id.in_(linked)))
    return db.session.scalar(query) is not None


# ---------------------------------------------------------------- defining indicators


def _indicator_snapshot(indicator: Indicator) -> dict:
    """The audited fields of an indicator."""
    return {name: getattr(indicator, name) for name in INDICATOR_FIELDS}


def _check_definition(data: dict, current: Indicator | None = None) -> None:
    """Refuse unknown units, directions, methods and duplicate codes."""
    if data.get("unit") not in UNITS:
        raise Invalid(_("Choose a unit."), field="unit")
    if data.get("direction") not in DIRECTIONS:
        raise Invalid(_("Choose a direction."), field="direction")
    if data.get("method") not in METHODS:
        raise Invalid(_("Choose how values are obtained."), field="method")
    code = (data.get("code") or "").strip()
    if not code:
        raise Invalid(_("Give the indicator a code."), field="code")
    if not has_visible(data.get("name")):
        raise Invalid(_("Give the indicator a name."), field="name")
    clash = db.session.scalar(select(Indicator.id).where(Indicator.code == code))
    if clash is not None and (current is None or clash != current.id):
        raise Invalid(_("There is already an indicator with the code %(code)s.", code=code), field="code")


def create_indicator(actor, data: dict) -> Indicator:
    """Define a new indicator (Secretary General or admin)."""
    require_steering(actor)
    _check_definition(data)
    indicator = Indicator(**{k: v for k, v in data.items() if k in INDICATOR_FIELDS})
    if indicator.method == "manual":
        indicator.method_kinds = None
    db.session.add(indicator)
    db.session.flush()
    record(actor, "create", indicator, after=_indicator_snapshot(indicator),
           summary=f"Indicator {indicator.code} defined")
    return indicator


def update_indicator(actor, indicator: Indicator, data: dict) -> Indicator:
    """Change an indicator's definition (Secretary General or admin)."""
    require_steering(actor)
    _check_definition(data, indicator)
    before = _indicator_snapshot(indicator)
    for name, value in data.items():
        if name in INDICATOR_FIELDS:
            setattr(indicator, name, value)
    if indicator.method == "manual":
        indicator.method_kinds = None
    after = _indicator_snapshot(indicator)
    if before != after:
        db.session.flush()
        record(actor, "update", indicator, before=before, after=after, summary=f"Indicator {indicator.code} changed")
    return indicator


# ---------------------------------------------------------------- targets and overrides


def _number(value, label: str | None = None, field: str | None = None) -> Decimal | None:
    """Turn input into a Decimal that the database can hold, or None for blank (label: "The 2022 target")."""
    label = label or _("The value")
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    try:
        number = value if isinstance(value, Decimal) else Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        raise Invalid(_("%(what)s must be a number.", what=label), field=field) from None
    if not number.is_finite():
        raise Invalid(_("%(what)s must be a number.", what=label), field=field)
    if number.copy_abs() > MAX_NUMBER:  # not abs(): it overflows the decimal context on 1e999999999
        raise Invalid(_("%(what)s is too large.", what=label), field=field)
    return number.quantize(Decimal("0.0001"))


def _target_row(indicator: Indicator, year: int) -> IndicatorTarget | None:
    """The target row of a year, if any."""
    return db.session.scalar(select(IndicatorTarget).where(IndicatorTarget.indicator_id == indicator.id,
                                                           IndicatorTarget.year == year))


def _target_snapshot(row: IndicatorTarget | None) -> dict | None:
    """The audited fields of a target row."""
    if row is None:
        return None
    return {"indicator_id": row.indicator_id, "year": row.year, "target": row.target, "target_max": row.target_max,
            "status_override": row.status_override, "override_reason": row.override_reason}


def set_targets(actor, indicator: Indicator, targets: dict, reason: str = "") -> list[int]:
    """Set the targets per year {year: target or (low, high)}; changing an existing target needs a reason.

    Returns the years whose target changed. Nothing is written if any year is refused.
    """
    require_steering(actor)
    reason = strip_invisible(reason or "")
    planned = []
    for year, value in sorted(targets.items()):
        require_plan_year(year)
        low, high = value if isinstance(value, tuple) else (value, None)
        low, high = (_number(low, _("The %(year)s target", year=year), f"target_{year}"),
                     _number(high, _("The %(year)s upper bound", year=year), f"target_max_{year}"))
        if indicator.direction != "range":
            high = None
        elif low is not None and high is None:
            raise Invalid(_("Give the upper bound of the %(year)s range.", year=year), field=f"target_max_{year}")
        elif low is None and high is not None:
            raise Invalid(_("Give the lower bound of the %(year)s range.", year=year), field=f"target_{year}")
        elif low is not None and high < low:
            raise Invalid(_("The %(year)s upper bound must not be below the lower bound.", year=year),
                          field=f"target_max_{year}")
        row = _target_row(indicator, year)
        old = (row.target, row.target_max) if row else (None, None)
        if (_number(old[0]), _number(old[1])) == (low, high):
            continue
        ensure_unlocked(year)
        if old[0] is not None and not has_visible(reason):
            raise TargetReasonRequired()
        planned.append((year, row, low, high))
    for year, row, low, high in planned:
        before = _target_snapshot(row)
        if row is None:
            row = IndicatorTarget(indicator_id=indicator.id, year=year)
            db.session.add(row)
        row.target, row.target_max = low, high
        db.session.flush()
        action = "create" if before is None or before["target"] is None else ("delete" if low is None else "update")
        shown = format(low.normalize(), "f") if low is not None else "cleared"  # 10, not 10.0000
        record(actor, action, row, before=before, after={**_target_snapshot(row), "reason": reason},
               summary=f"Target of {indicator.code} for {year}: {shown}"
                       + (f" (reason: {reason})" if reason else ""))
    return [year for year, *_ in planned]


def set_override(actor, indicator: Indicator, year: int, status: str, reason: str) -> IndicatorTarget:
    """Override the status of a year (Secretary General or admin) with a reason."""
    require_steering(actor)
    require_plan_year(year, field="year")
    if status not in STATUSES:
        raise Invalid(_("Choose a status."), field="status")
    reason = strip_invisible(reason or "")
    if not has_visible(reason):
        raise Invalid(_("Give the reason for overriding the status."), field="reason")
    ensure_unlocked(year)
    row = _target_row(indicator, year)
    before = _target_snapshot(row)
    if row is None:
        row = IndicatorTarget(indicator_id=indicator.id, year=year)
        db.session.add(row)
    row.status_override, row.override_reason = status, reason
    row.override_by_id, row.override_at = actor.id, utcnow()
    db.session.flush()
    with force_locale("en"):  # the record is written in English, whatever the page's language
        status_label = str(STATUSES[status])
    record(actor, "override", row, before=before, after=_target_snapshot(row),
           summary=f"Status of {indicator.code} for {year} set to {status_label}: {reason}"[:500])
    return row


def clear_override(actor, indicator: Indicator, year: int) -> None:
    """Remove a status override, so that the computed status applies again."""
    require_steering(actor)
    ensure_unlocked(year)
    row = _target_row(indicator, year)
    if row is None or row.status_override is None:
        return
    before = _target_snapshot(row)
    row.status_override = row.override_reason = None
    row.override_by_id = row.override_at = None
    db.session.flush()
    record(actor, "override", row, before=before, after=_target_snapshot(row),
           summary=f"Status override of {indicator.code} for {year} cleared")


# ---------------------------------------------------------------- values entered by staff


def value_for(indicator: Indicator, year: int) -> IndicatorValue | None:
    """The value entered for a year, whatever its review state."""
    return db.session.scalar(select(IndicatorValue).where(IndicatorValue.indicator_id == indicator.id,
                                                          IndicatorValue.year == year))


def not_responsible_for_values(indicator: Indicator) -> str:
    """Why a staff member may not enter an indicator's values, and what to do about it."""
    if indicator.outcome is None:
        return _("Only the staff responsible for its outcome can enter the values of its indicators. Ask to be "
                 "assigned on the outcome page.")
    return _("Only the staff responsible for %(code)s can enter the values of its indicators. Ask to be assigned "
             "on the outcome page.", code=indicator.outcome.code)


def can_edit_value(user, indicator: Indicator, value: IndicatorValue | None) -> bool:
    """Staff enter values of plan-wide indicators and of outcomes they are responsible for, and edit their own."""
    if can_review(user):
        return True
    if not can_write(user):
        return False
    if value is not None and value.entered_by_id == user.id:
        return True
    if indicator.outcome_id is None:
        return True
    return is_responsible(user, indicator.outcome_id)


def save_value(actor, indicator: Indicator, year: int, value, note: str = "", evidence_id: int | None = None,
               version=None) -> IndicatorValue:
    """Enter or change a value for a year; changing a submitted or approved value makes it a draft again."""
    require_writer(actor, _("Board members read values; they do not enter them."))
    if indicator.is_computed:
        raise Invalid(_("This indicator is computed from the activity log; its values are not typed in."))
    require_plan_year(year)
    ensure_unlocked(year)
    row = value_for(indicator, year)
    if not can_edit_value(actor, indicator, row):
        raise NotAllowed(not_responsible_for_values(indicator))
    number = _number(value, field="value")
    if number is None:
        raise Invalid(_("Enter a value."), field="value")
    if evidence_id is not None and not evidence_belongs(indicator, evidence_id):
        raise Invalid(_("This evidence does not belong to the indicator's outcome."), field="evidence_id")
    changes = {"value": number, "note": (note or "").strip(), "evidence_id": evidence_id}
    if row is None:
        return review.create(actor, IndicatorValue(indicator=indicator, year=year, entered_by_id=actor.id, **changes),
                             f"Value of {indicator.code} for {year} entered: {number}")
    # The one who entered the value stays its author; review.edit records the last editor beside them.
    review.edit(actor, row, changes, version=version,
                summary=f"Value of {indicator.code} for {year} changed to {number}")
    return row


def submit_value(actor, value: IndicatorValue) -> IndicatorValue:
    """Submit a value for review."""
    require_writer(actor, _("Board members cannot submit values."))
    ensure_unlocked(value.year)
    if not can_edit_value(actor, value.indicator, value):
        raise NotAllowed(not_responsible_for_values(value.indicator))
    return review.submit(actor, value)


def indicator_history(indicator: Indicator, limit: int = 50) -> list:
    """The audit entries about an indicator, its targets and its values, newest first (one query)."""
    from ..audit.models import AuditEntry

    target_ids = select(IndicatorTarget.id).where(IndicatorTarget.indicator_id == indicator.id)
    value_ids = select(IndicatorValue.id).where(IndicatorValue.indicator_id == indicator.id)
    return list(db.session.scalars(
        select(AuditEntry).where(or_(
            (AuditEntry.entity_type == "indicator") & (AuditEntry.entity_id == indicator.id),
            (AuditEntry.entity_type == "indicator_target") & AuditEntry.entity_id.in_(target_ids),
            (AuditEntry.entity_type == "indicator_value") & AuditEntry.entity_id.in_(value_ids)))
        .options(selectinload(AuditEntry.user)).order_by(AuditEntry.at.desc(), AuditEntry.id.desc()).limit(limit)))
