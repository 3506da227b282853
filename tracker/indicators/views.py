"""Pages of the indicators feature: the list, definitions, targets, overrides, values and their review."""
from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from flask_wtf import FlaskForm
from sqlalchemy import select
from sqlalchemy.orm import selectinload
from sqlalchemy.orm.exc import StaleDataError
from wtforms import SelectField

from ..assessments.forms import ReviewForm, review_form
from ..assessments.services import (ReviewError, StaleEdit, YearLocked, can_review, current_plan_year, is_locked,
                                    locked_years)
from ..assessments.views import apply_review, render_queue
from ..auth.access import allow
from ..auth.roles import EDITORS, EVERYONE, STEERING
from ..extensions import db
from ..plan.models import PLAN_YEARS
from ..plan.queries import all_outcomes, current_plan
from ..urls import local_path
from . import sections  # noqa: F401  (registers the outcome page section)
from . import compute, services
from .forms import (PLAN_WIDE, IndicatorForm, OverrideForm, ValueForm, decimal_or_none, targets_form,
                    targets_from_form)
from .models import METHODS, REVIEW_STATES, STATUSES, Indicator, IndicatorValue

bp = Blueprint("indicators", __name__, url_prefix="/indicators")


class YearFilterForm(FlaskForm):
    """The year shown on the list (a GET filter)."""

    class Meta:
        csrf = False

    year = SelectField("Year", coerce=int, choices=[(y, str(y)) for y in PLAN_YEARS])


def _indicator_or_404(indicator_id: int) -> Indicator:
    """Fetch an indicator or answer 404."""
    indicator = services.get_indicator(indicator_id)
    if indicator is None:
        abort(404)
    return indicator


def _value_or_404(value_id: int) -> IndicatorValue:
    """Fetch an entered value (with its indicator) or answer 404."""
    value = db.session.scalar(select(IndicatorValue).where(IndicatorValue.id == value_id)
                              .options(selectinload(IndicatorValue.indicator)))
    if value is None:
        abort(404)
    return value





@bp.route("/")
@allow(*EVERYONE)
def index():
    """Every indicator, plan-wide first then by line and outcome, with a year's target, actual and status."""
    form = YearFilterForm(request.args, data={"year": current_plan_year()})
    year = form.year.data if form.validate() else current_plan_year()
    steering = can_review(current_user)
    indicators = services.plan_wide_indicators(include_inactive=steering) + services.indicators_for_outcomes(
        include_inactive=steering)
    rows = services.indicator_rows(indicators, [year])
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
                           plan_rows=[r for r in rows if r["outcome_id"] is None], groups=groups)


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
        try:
            indicator = services.create_indicator(current_user, form.data_for_service())
        except ValueError as error:
            db.session.rollback()
            form.code.errors.append(str(error))
            return _render_form(form, status=200)
        db.session.commit()
        flash(f"Indicator {indicator.code} defined. Set its targets below.", "success")
        return redirect(url_for("indicators.detail", indicator_id=indicator.id))
    return _render_form(form)


@bp.route("/<int:indicator_id>/edit", methods=["GET", "POST"])
@allow(*STEERING)
def edit(indicator_id: int):
    """Change an indicator's definition."""
    indicator = _indicator_or_404(indicator_id)
    form = IndicatorForm(all_outcomes(), obj=indicator)
    if request.method == "GET":
        form.outcome_id.data = indicator.outcome_id or PLAN_WIDE
        form.method_kinds.data = list(indicator.method_kinds or [])
        form.baseline_value.data = decimal_or_none(indicator.baseline_value)
    if form.validate_on_submit():
        try:
            services.update_indicator(current_user, indicator, form.data_for_service())
            db.session.commit()
        except StaleDataError:
            db.session.rollback()
            form.form_errors.append("Someone else changed this indicator meanwhile. Reload and try again.")
            return _render_form(form, indicator, status=409)
        except ValueError as error:
            db.session.rollback()
            form.code.errors.append(str(error))
            return _render_form(form, indicator)
        flash(f"Indicator {indicator.code} saved.", "success")
        return redirect(url_for("indicators.detail", indicator_id=indicator.id))
    return _render_form(form, indicator)


def _targets_form_for(indicator, **kwargs):
    """The targets form, filled with the current targets unless posted."""
    data = {}
    for target in indicator.targets:
        data[f"target_{target.year}"] = decimal_or_none(target.target)
        data[f"target_max_{target.year}"] = decimal_or_none(target.target_max)
    return targets_form(indicator, prefix="targets", data=data, **kwargs)


def _render_detail(indicator, *, targets=None, override=None, review_errors=None, status=200):
    """The indicator's page, with any form that failed shown with its errors."""
    row = services.indicator_rows([indicator], PLAN_YEARS)[0]
    values = {v.year: v for v in db.session.scalars(
        select(IndicatorValue).where(IndicatorValue.indicator_id == indicator.id)
        .options(selectinload(IndicatorValue.entered_by), selectinload(IndicatorValue.reviewed_by)))}
    steering = can_review(current_user)
    review_forms = {v.year: review_form(f"v{v.id}", (review_errors or {}).get(v.id)) for v in values.values()}
    traces = {year: compute.trace_urls_by_year(indicator, year,
                                               outcome_code=indicator.outcome.code if indicator.outcome else None)
              for year in PLAN_YEARS} if indicator.is_computed else {}
    return render_template(
        "indicators/detail.html", indicator=indicator, row=row, values=values, traces=traces,
        years=PLAN_YEARS, locked=locked_years(), methods=METHODS, statuses=STATUSES, review_states=REVIEW_STATES,
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
    try:
        changed = services.set_targets(current_user, indicator, targets_from_form(form), form.reason.data)
    except services.TargetReasonRequired as error:
        db.session.rollback()
        form.reason.errors.append(str(error))
        return _render_detail(indicator, targets=form)
    except YearLocked as error:
        db.session.rollback()
        form.form_errors.append(str(error))
        return _render_detail(indicator, targets=form, status=409)
    except ValueError as error:
        db.session.rollback()
        form.form_errors.append(str(error))
        return _render_detail(indicator, targets=form)
    db.session.commit()
    flash(f"Targets saved for {', '.join(map(str, changed))}." if changed else "The targets did not change.",
          "success" if changed else "info")
    return redirect(url_for("indicators.detail", indicator_id=indicator.id))


@bp.route("/<int:indicator_id>/override", methods=["POST"])
@allow(*STEERING)
def override(indicator_id: int):
    """Override (or clear) the status of a year, with a reason."""
    indicator = _indicator_or_404(indicator_id)
    form = OverrideForm(prefix="override")
    if not form.validate_on_submit():
        return _render_detail(indicator, override=form)
    try:
        if form.status.data:
            services.set_override(current_user, indicator, form.year.data, form.status.data, form.reason.data)
            message = f"Status for {form.year.data} set to {STATUSES[form.status.data]}."
        else:
            services.clear_override(current_user, indicator, form.year.data)
            message = f"Status override for {form.year.data} cleared."
    except YearLocked as error:
        db.session.rollback()
        form.form_errors.append(str(error))
        return _render_detail(indicator, override=form, status=409)
    except ValueError as error:
        db.session.rollback()
        form.reason.errors.append(str(error))
        return _render_detail(indicator, override=form)
    db.session.commit()
    flash(message, "success")
    return redirect(url_for("indicators.detail", indicator_id=indicator.id))


@bp.route("/<int:indicator_id>/values/<int:year>", methods=["GET", "POST"])
@allow(*EDITORS)
def value(indicator_id: int, year: int):
    """Enter or change the value of a year, with a note and optional evidence."""
    indicator = _indicator_or_404(indicator_id)
    if year not in PLAN_YEARS or indicator.is_computed:
        abort(404)
    existing = services.value_for(indicator, year)
    if not services.can_edit_value(current_user, indicator, existing):
        abort(403)
    form = ValueForm(services.outcome_evidence(indicator))
    if request.method == "GET" and existing is not None:
        form.value.data = decimal_or_none(existing.value)
        form.note.data = existing.note
        form.evidence_id.data = existing.evidence_id or 0
        form.version.data = str(existing.version)
    locked = is_locked(year)
    status = 200
    if request.method == "POST" and locked:
        form.form_errors.append(str(YearLocked(year)))
        status = 409
    elif form.validate_on_submit():
        try:
            row = services.save_value(current_user, indicator, year, form.value.data, form.note.data,
                                      form.evidence_id.data or None, version=form.version.data)
            submitted = request.form.get("then") == "submit"
            if submitted:
                services.submit_value(current_user, row)
            db.session.commit()
        except (StaleEdit, StaleDataError):
            db.session.rollback()
            form.form_errors.append(str(StaleEdit()))
            status = 409
        except PermissionError:
            db.session.rollback()
            abort(403)
        except ReviewError as error:
            db.session.rollback()
            form.form_errors.append(str(error))
        except ValueError as error:
            db.session.rollback()
            form.value.errors.append(str(error))
        else:
            flash(f"Value for {year} saved" + (" and submitted for review." if submitted else " as a draft."),
                  "success")
            return redirect(url_for("indicators.detail", indicator_id=indicator.id))
    return render_template("indicators/value.html", indicator=indicator, year=year, form=form, existing=existing,
                           locked=locked), status


@bp.route("/values/<int:value_id>/submit", methods=["POST"])
@allow(*EDITORS)
def submit_value(value_id: int):
    """Submit an entered value for review."""
    row = _value_or_404(value_id)
    try:
        services.submit_value(current_user, row)
    except PermissionError:
        db.session.rollback()
        abort(403)
    except ValueError as error:  # a review step that does not apply, or a locked year
        db.session.rollback()
        flash(str(error), "error")
    else:
        db.session.commit()
        flash(f"Value for {row.year} submitted for review.", "success")
    return redirect(local_path(request.form.get("next"), url_for("indicators.detail", indicator_id=row.indicator_id)))


@bp.route("/values/<int:value_id>/review", methods=["POST"])
@allow(*STEERING)
def review_value(value_id: int):
    """Approve a submitted value, or return it with a note."""
    row = _value_or_404(value_id)
    form = ReviewForm()
    back = local_path(request.form.get("next"), url_for("indicators.detail", indicator_id=row.indicator_id))
    if not form.validate_on_submit():
        if back.startswith(url_for("assessments.review_queue")):
            return render_queue(errors={f"v{row.id}": form})
        return _render_detail(_indicator_or_404(row.indicator_id), review_errors={row.id: form})
    return apply_review(form, f"Value of {row.indicator.code} for {row.year}",
                        approve=lambda: services.approve_value(current_user, row),
                        send_back=lambda note: services.return_value(current_user, row, note), back=back)
