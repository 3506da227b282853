"""Pages of the review: the queue, the decision on an assessment or a value, and each author's updates."""
from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from ..assessments.models import Assessment
from ..core import review
from ..core.access import allow
from ..core.forms import ReviewForm, YearFilterForm, review_form
from ..core.roles import EDITORS, STEERING
from ..core.transaction import attempt
from ..core.years import current_plan_year, locked_years
from ..extensions import db
from ..indicators.models import IndicatorValue
from ..indicators.views import render_detail
from ..urls import local_path
from . import services

bp = Blueprint("review", __name__)


def render_queue(errors: dict | None = None):
    """The review queue page, with a review form that failed shown with its errors."""
    queue = services.queue()
    keys = [f"a{a.id}" for a in queue["assessments"]] + [f"v{v.id}" for v in queue["values"]]
    forms = {key: review_form(key, (errors or {}).get(key)) for key in keys}
    return render_template("review/queue.html", queue=queue, forms=forms, locked=locked_years())


@bp.route("/assessments/review")
@allow(*STEERING)
def queue():
    """Submitted assessments and values waiting for the Secretary General."""
    return render_queue()


def _decide(item, key: str, back: str, show_invalid):
    """Approve the item or return it with a note, as the posted review form says, then go back."""
    form = ReviewForm()
    if not form.validate_on_submit():
        if back.startswith(url_for("review.queue")):
            return render_queue(errors={key: form})
        return show_invalid(form)
    decision = form.decision.data
    if attempt(lambda: review.decide(current_user, item, decision, form.note.data)).ok:
        flash(f"{item.review_label} " + ("approved." if decision == "approve" else "returned with your note."),
              "success")
    return redirect(back)


@bp.route("/assessments/<int:assessment_id>/review", methods=["POST"])
@allow(*STEERING)
def assessment(assessment_id: int):
    """Approve a submitted assessment, or return it with a note."""
    item = db.get_or_404(Assessment, assessment_id)
    back = local_path(request.form.get("next"),
                      url_for("plan.outcome", code=item.outcome.code, _anchor="assessments"))

    def show_invalid(form):
        flash("; ".join(e for errors in form.errors.values() for e in errors), "error")
        return redirect(back)

    return _decide(item, f"a{item.id}", back, show_invalid)


@bp.route("/indicators/values/<int:value_id>/review", methods=["POST"])
@allow(*STEERING)
def value(value_id: int):
    """Approve a submitted value, or return it with a note."""
    item = db.one_or_404(select(IndicatorValue).where(IndicatorValue.id == value_id)
                         .options(selectinload(IndicatorValue.indicator)))
    back = local_path(request.form.get("next"), url_for("indicators.detail", indicator_id=item.indicator_id))
    return _decide(item, f"v{item.id}", back,
                   lambda form: render_detail(item.indicator_id, review_errors={item.id: form}))


@bp.route("/assessments/mine")
@allow(*EDITORS)
def my_updates():
    """What is due from me this year: missing assessments and values, drafts, items returned to me."""
    form = YearFilterForm(request.args, data={"year": current_plan_year()})
    year = form.year.data if form.validate() else current_plan_year()
    return render_template("review/my_updates.html", form=form, year=year,
                           due=services.due_for(current_user, year))
