"""Pages of the indicators feature: the list, definitions, targets, overrides, values and their review."""
from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from ..core.access import allow, can_review, refuse, sees_unapproved
from ..core.errors import YearLocked
from ..core.forms import YearFilterForm, review_form
from ..core.http import INLINE
from ..core.review import REVIEW_LABELS
from ..core.roles import EDITORS, EVERYONE, STEERING
from ..core.sorting import read_sort, sorted_rows
from ..core.spreadsheet import download
from ..core.transaction import attempt, show_error
from ..core.years import PLAN_YEARS, current_plan_year, is_locked, locked_years
from ..extensions import db
from ..plan.queries import all_outcomes, current_plan
from ..urls import local_path
from . import (
    compute,
    export,
    sections,  # noqa: F401  (registers the outcome page section)
    services,
)
from .forms import PLAN_WIDE, IndicatorForm, OverrideForm, ValueForm, decimal_or_none, targets_form, targets_from_form
from .models import METHODS, STATUSES, Indicator, IndicatorValue

bp = Blueprint("indicators", __name__, url_prefix="/indicators")


def _indicator_or_404(indicator_id: int) -> Indicator:
    """Fetch an indicator or answer 404."""
    indicator = services.get_indicator(indicator_id)
    if indicator is None:
        abort(404)
    return indicator


def _value_or_404(value_id: int) -> IndicatorValue:
    """Fetch an entered value (with its indicator) or answer 404."""
    return db.one_or_404(select(IndicatorValue).where(IndicatorValue.id == value_id)
                         .options(selectinload(IndicatorValue.indicator)))


# The columns each table of the list sorts by (within its outcome); anything else in ?sort= is ignored.
INDICATOR_SORT = ("plan", "name", "unit", "actual", "progress", "status")
_STATUS_ORDER = {code: position for position, code in enumerate(STATUSES)}


def _sort_keys(year: int) -> dict:
    """How each sortable column reads a row of the year shown."""
    return {
        "plan": lambda r: r["position"],
        "name": lambda r: r["name"].lower(),
        "unit": lambda r: r["unit_label"].lower(),
        "actual": lambda r: r["years"][year]["actual"],
        "progress": lambda r: r["years"][year]["progress"],
        "status": lambda r: _STATUS_ORDER.get(r["years"][year]["status"]),
    }


@bp.route("/")
@allow(*EVERYONE)
def index():
    """Every indicator, plan-wide first then by line and outcome, with a year's target, actual and status."""
    form = YearFilterForm(request.args, data={"year": current_plan_year()})
    year = form.year.data if form.validate() else current_plan_year()
    steering = can_review(current_user)
    indicators = services.plan_wide_indicators(include_inactive=steering) + services.indicators_for_outcomes(
        include_inactive=steering)
    sort = read_sort(request.args, INDICATOR_SORT, "plan")
    keys = _sort_keys(year)
    rows = services.indicator_rows(indicators, [year])
    for position, row in enumerate(rows):
        row["position"] = position  # the plan's order, the default and the tie-breaker
    rows = sorted_rows(rows, sort, keys)
    plan = current_plan()
    groups = []  # (line, [(outcome, rows)])
    by_outcome: dict[int, list] = {}
    for row in rows:
        if row["outcome_id"] is not None:
            by_outcome.setdefault(row["outcome_id"], []).append(row)
    for line in plan.lines if plan else []:
        outcomes = [(o, by_outcome[o.id]) for axis in line.axes for o in axis.outcomes if o.id in by_outcome]
        if outcomes:
            groups.append((line, outcomes))
    return render_template("indicators/index.html", form=form, year=year, locked=is_locked(year),
                           plan_rows=[r for r in rows if r["outcome_id"] is None], groups=groups, sort=sort)


@bp.route("/export.<any(csv, xlsx):fmt>")
@allow(*EVERYONE)
def export_list(fmt: str):
    """The indicators page's table of a year as a spreadsheet (inactive indicators too, for those who see them)."""
    form = YearFilterForm(request.args, data={"year": current_plan_year()})
    year = form.year.data if form.validate() else current_plan_year()
    columns, rows = export.table(year, reader=sees_unapproved(current_user),
                                 include_inactive=can_review(current_user))
    return download(fmt, columns, rows, filename=f"metropolis-indicators-{year}",
                    title=_("Indicators %(year)s", year=year), notes=export.notes(year), notes_title=_("Notes"))


@bp.route("/iptt.<any(csv, xlsx):fmt>", defaults={"year": None})
@bp.route("/iptt/<int:year>.<any(csv, xlsx):fmt>")
@allow(*EVERYONE)
def iptt(fmt: str, year: int | None):
    """The indicator performance tracking table of a plan year, or of the whole plan, as a spreadsheet."""
    if year is not None and year not in PLAN_YEARS:
        abort(404)
    columns, rows = export.table(year, reader=sees_unapproved(current_user))
    period = export.period_label(year)
    return download(fmt, columns, rows, filename=f"metropolis-iptt-{period}",
                    title=_("IPTT %(period)s", period=period), notes=export.notes(year), notes_title=_("Notes"))


def _render_form(form, indicator=None, status=200):
    """The definition form page."""
    return render_template("indicators/form.html", form=form, indicator=indicator), status


@bp.route("/new", methods=["GET", "POST"])
@allow(*STEERING)
def new():
    """Define an indicator."""
    form = IndicatorForm(all_outcomes())
    if request.method == "GET":
        outcome_id = request.args.get("outcome", type=int)
        form.outcome_id.data = outcome_id if outcome_id in {c[0] for c in form.outcome_id.choices} else PLAN_WIDE
    if form.validate_on_submit():
        result = attempt(lambda: services.create_indicator(current_user, form.data_for_service()), form=form)
        if result.ok:
            flash(_("Indicator %(code)s defined. Set its targets below.", code=result.value.code), "success")
            return redirect(url_for("indicators.detail", indicator_id=result.value.id))
    return _render_form(form)


@bp.route("/<int:indicator_id>/edit", methods=["GET", "POST"])
@allow(*STEERING)
def edit(indicator_id: int):
    """Change an indicator's definition."""
    indicator = _indicator_or_404(indicator_id)
    form = IndicatorForm(all_outcomes(), obj=indicator)
    if request.method == "GET":
        form.name.data = indicator.name_en  # the English is edited here; its translations on the plan's page
        form.outcome_id.data = indicator.outcome_id or PLAN_WIDE
        form.method_kinds.data = list(indicator.method_kinds or [])
        form.baseline_value.data = decimal_or_none(indicator.baseline_value)
    if form.validate_on_submit():
        result = attempt(lambda: services.update_indicator(current_user, indicator, form.data_for_service()),
                         form=form)
        if result.ok:
            flash(_("Indicator %(code)s saved.", code=indicator.code), "success")
            return redirect(url_for("indicators.detail", indicator_id=indicator.id))
        return _render_form(form, indicator, status=result.status)
    return _render_form(form, indicator)


def _targets_form_for(indicator, **kwargs):
    """The targets form, filled with the current targets unless posted."""
    data = {}
    for target in indicator.targets:
        data[f"target_{target.year}"] = decimal_or_none(target.target)
        data[f"target_max_{target.year}"] = decimal_or_none(target.target_max)
    return targets_form(indicator, prefix="targets", data=data, **kwargs)


def render_detail(indicator_id: int, **forms):
    """The indicator's page, with a review form that failed shown with its errors."""
    return _render_detail(_indicator_or_404(indicator_id), **forms)


def _render_detail(indicator, *, targets=None, override=None, review_errors=None, status=200):
    """The indicator's page, with any form that failed shown with its errors."""
    row = services.indicator_rows([indicator], PLAN_YEARS)[0]
    reader = sees_unapproved(current_user)
    values = {v.year: v for v in db.session.scalars(
        select(IndicatorValue).where(IndicatorValue.indicator_id == indicator.id)
        .options(selectinload(IndicatorValue.entered_by), selectinload(IndicatorValue.edited_by),
                 selectinload(IndicatorValue.reviewed_by)))
        if reader or v.is_approved}  # the Board reads approved values only
    steering = can_review(current_user)
    review_forms = {v.year: review_form(f"v{v.id}", (review_errors or {}).get(v.id)) for v in values.values()}
    traces = {year: compute.trace_urls_by_year(indicator, year,
                                               outcome_code=indicator.outcome.code if indicator.outcome else None)
              for year in PLAN_YEARS} if indicator.is_computed else {}
    return render_template(
        "indicators/detail.html", indicator=indicator, row=row, values=values, traces=traces,
        years=PLAN_YEARS, locked=locked_years(), methods=METHODS, statuses=STATUSES, review_states=REVIEW_LABELS,
        show_notes=reader,
        targets_form=(targets or _targets_form_for(indicator, formdata=None)) if steering else None,
        override_form=(override or OverrideForm(prefix="override", formdata=None)) if steering else None,
        review_forms=review_forms, history=services.indicator_history(indicator) if steering else [],
        can_enter={year: services.can_edit_value(current_user, indicator, values.get(year))
                   for year in PLAN_YEARS} if not indicator.is_computed else {},
    ), status


@bp.route("/<int:indicator_id>")
@allow(*EVERYONE)
def detail(indicator_id: int):
    """One indicator: the per-year table, trace links, values under review, and (for steering) targets."""
    return _render_detail(_indicator_or_404(indicator_id))


@bp.route("/<int:indicator_id>/targets", methods=["POST"])
@allow(*STEERING)
def targets(indicator_id: int):
    """Set the targets per year; a changed target needs a reason."""
    indicator = _indicator_or_404(indicator_id)
    form = _targets_form_for(indicator)
    if not form.validate_on_submit():
        return _render_detail(indicator, targets=form)
    result = attempt(lambda: services.set_targets(current_user, indicator, targets_from_form(form),
                                                  form.reason.data), form=form)
    if not result.ok:
        return _render_detail(indicator, targets=form, status=result.status)
    changed = result.value
    flash(_("Targets saved for %(years)s.", years=", ".join(map(str, changed))) if changed
          else _("The targets did not change."), "success" if changed else "info")
    return redirect(url_for("indicators.detail", indicator_id=indicator.id))


@bp.route("/<int:indicator_id>/override", methods=["POST"])
@allow(*STEERING)
def override(indicator_id: int):
    """Override (or clear) the status of a year, with a reason."""
    indicator = _indicator_or_404(indicator_id)
    form = OverrideForm(prefix="override")
    if not form.validate_on_submit():
        return _render_detail(indicator, override=form)
    if form.status.data:
        result = attempt(lambda: services.set_override(current_user, indicator, form.year.data, form.status.data,
                                                       form.reason.data), form=form, field="reason")
        message = _("Status for %(year)s set to %(status)s.", year=form.year.data, status=STATUSES[form.status.data])
    else:
        result = attempt(lambda: services.clear_override(current_user, indicator, form.year.data), form=form)
        message = _("Status override for %(year)s cleared.", year=form.year.data)
    if not result.ok:
        return _render_detail(indicator, override=form, status=result.status)
    flash(message, "success")
    return redirect(url_for("indicators.detail", indicator_id=indicator.id))


def _save_value(indicator, year: int, form, submitting: bool):
    """Save the value as a draft and, if asked, submit it, in one transaction."""
    row = services.save_value(current_user, indicator, year, form.value.data, form.note.data,
                              form.evidence_id.data or None, version=form.version.data)
    if submitting:
        services.submit_value(current_user, row)
    return row


@bp.route("/<int:indicator_id>/values/<int:year>", methods=["GET", "POST"])
@allow(*EDITORS)
def value(indicator_id: int, year: int):
    """Enter or change the value of a year, with a note and optional evidence."""
    indicator = _indicator_or_404(indicator_id)
    if year not in PLAN_YEARS or indicator.is_computed:
        abort(404)
    existing = services.value_for(indicator, year)
    if not services.can_edit_value(current_user, indicator, existing):
        refuse(services.not_responsible_for_values(indicator),
               link=url_for("plan.outcome", code=indicator.outcome.code, _anchor="assessments"),
               link_label=_("Go to %(code)s to ask to be assigned", code=indicator.outcome.code))
    offered = services.outcome_evidence(indicator)
    form = ValueForm(offered, outcome_code=indicator.outcome.code if indicator.outcome else None)
    if request.method == "GET" and existing is not None:
        form.value.data = decimal_or_none(existing.value)
        form.note.data = existing.note
        form.evidence_id.data = existing.evidence_id or 0
        form.version.data = str(existing.version)
    locked = is_locked(year)
    status = 200
    if request.method == "POST" and locked:
        show_error(YearLocked(year), form)
        status = 409
    elif form.validate_on_submit():
        submitting = request.form.get("then") == "submit"
        result = attempt(lambda: _save_value(indicator, year, form, submitting), form=form)
        if result.ok:
            return _after_saving_value(indicator, year, submitting)
        status = result.status
    return render_template("indicators/value.html", indicator=indicator, year=year, form=form, existing=existing,
                           locked=locked, facts=_value_facts(indicator, year), offered=len(offered),
                           max_offered=services.MAX_EVIDENCE_OFFERED), status


def _value_facts(indicator, year: int) -> dict:
    """What the value form shows beside the figure: the baseline, the year's target, the previous year's value."""
    row = services.indicator_rows([indicator], [year])[0]
    previous = services.value_for(indicator, year - 1) if year - 1 in PLAN_YEARS else None
    return {"row": row, "cell": row["years"][year], "previous": previous}


def _after_saving_value(indicator, year: int, submitted: bool):
    """A draft stays on its form; a submitted value lands on its indicator's table; either way with the
    confirmation where the eyes are (INLINE)."""
    if submitted:
        flash(_("Value of %(code)s for %(year)s saved and submitted for review.", code=indicator.code, year=year),
              INLINE)
        return redirect(url_for("indicators.detail", indicator_id=indicator.id, _anchor="saved"))
    flash(_("Draft saved: value of %(code)s for %(year)s. It is not submitted yet.", code=indicator.code, year=year),
          INLINE)
    return redirect(url_for("indicators.value", indicator_id=indicator.id, year=year, _anchor="saved"))


@bp.route("/values/<int:value_id>/submit", methods=["POST"])
@allow(*EDITORS)
def submit_value(value_id: int):
    """Submit an entered value for review."""
    row = _value_or_404(value_id)
    back = local_path(request.form.get("next"), url_for("indicators.detail", indicator_id=row.indicator_id))
    # Both before the commit: nothing may fail after it.
    message = _("Value for %(year)s submitted for review.", year=row.year)
    if attempt(lambda: services.submit_value(current_user, row)).ok:
        flash(message, "success")
    return redirect(back)
