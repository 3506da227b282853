"""Pages of the assessments feature: writing and reviewing assessments, my updates, the review queue,
responsible staff, and locking years."""
from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from flask_wtf import FlaskForm
from sqlalchemy.orm.exc import StaleDataError
from wtforms import SelectField

from ..auth.access import allow
from ..auth.roles import ADMINS, EDITORS, EVERYONE, STEERING
from ..extensions import db
from ..plan.models import PLAN_YEARS
from ..plan.queries import outcome_by_code
from ..urls import local_path
from . import sections  # noqa: F401  (registers the outcome page section)
from . import services
from .forms import AssessmentForm, LockForm, ReopenForm, ResponsiblesForm, ReviewForm, review_form
from .models import ASSESSMENT_STATUSES, Assessment

bp = Blueprint("assessments", __name__, url_prefix="/assessments")


class YearFilterForm(FlaskForm):
    """The year shown on "my updates" (a GET filter)."""

    class Meta:
        csrf = False

    year = SelectField("Year", coerce=int, choices=[(y, str(y)) for y in PLAN_YEARS])


def _outcome_or_404(code: str):
    """Fetch an outcome by code or answer 404."""
    outcome = outcome_by_code(code)
    if outcome is None:
        abort(404)
    return outcome





def _outcome_page(assessment_or_outcome) -> str:
    """The outcome page, at its assessments block."""
    outcome = getattr(assessment_or_outcome, "outcome", None) or assessment_or_outcome
    return url_for("plan.outcome", code=outcome.code, _anchor="assessments")


@bp.route("/<code>/<int:year>", methods=["GET", "POST"])
@allow(*EDITORS)
def edit(code: str, year: int):
    """Write or change an outcome's assessment for a year."""
    outcome = _outcome_or_404(code)
    if year not in PLAN_YEARS:
        abort(404)
    assessment = services.assessment_for(outcome.id, year)
    if not services.can_edit_assessment(current_user, outcome.id, assessment):
        abort(403)
    form = AssessmentForm(obj=assessment)
    if request.method == "GET" and assessment is not None:
        form.version.data = str(assessment.version)
    locked = services.is_locked(year)
    status = 200
    if request.method == "POST" and locked:
        form.form_errors.append(str(services.YearLocked(year)))
        status = 409
    elif form.validate_on_submit():
        data = {"status": form.status.data, "achieved": form.achieved.data, "difficulties": form.difficulties.data,
                "next_steps": form.next_steps.data, "version": form.version.data}
        submitted = request.form.get("then") == "submit"
        try:
            saved = services.save_draft(current_user, outcome, year, data)
            if submitted:
                services.submit(current_user, saved)
            db.session.commit()
        except (services.StaleEdit, StaleDataError):
            db.session.rollback()
            form.form_errors.append(str(services.StaleEdit()))
            status = 409
        except PermissionError:
            db.session.rollback()
            abort(403)
        except ValueError as error:
            db.session.rollback()
            form.form_errors.append(str(error))
        else:
            flash(f"Assessment of {outcome.code} for {year} saved"
                  + (" and submitted for review." if submitted else " as a draft."), "success")
            return redirect(_outcome_page(outcome))
    return render_template("assessments/edit.html", outcome=outcome, year=year, form=form, assessment=assessment,
                           locked=locked, statuses=ASSESSMENT_STATUSES), status


@bp.route("/<int:assessment_id>/submit", methods=["POST"])
@allow(*EDITORS)
def submit(assessment_id: int):
    """Submit an assessment for review."""
    assessment = db.get_or_404(Assessment, assessment_id)
    try:
        services.submit(current_user, assessment)
    except PermissionError:
        db.session.rollback()
        abort(403)
    except ValueError as error:
        db.session.rollback()
        flash(str(error), "error")
    else:
        db.session.commit()
        flash(f"Assessment of {assessment.outcome.code} for {assessment.year} submitted for review.", "success")
    return redirect(local_path(request.form.get("next"), _outcome_page(assessment)))


@bp.route("/<int:assessment_id>/review", methods=["POST"])
@allow(*STEERING)
def review(assessment_id: int):
    """Approve a submitted assessment, or return it with a note."""
    assessment = db.get_or_404(Assessment, assessment_id)
    form = ReviewForm()
    back = local_path(request.form.get("next"), _outcome_page(assessment))
    if not form.validate_on_submit():
        if back.startswith(url_for("assessments.review_queue")):
            return render_queue(errors={f"a{assessment.id}": form})
        flash("; ".join(e for errors in form.errors.values() for e in errors), "error")
        return redirect(back)
    return apply_review(form, f"Assessment of {assessment.outcome.code} for {assessment.year}",
                        approve=lambda: services.approve(current_user, assessment),
                        send_back=lambda note: services.return_(current_user, assessment, note), back=back)


def apply_review(form, label: str, *, approve, send_back, back: str):
    """Approve or return an item as the review form decides, commit, say what happened and go back."""
    try:
        if form.decision.data == "approve":
            approve()
        else:
            send_back(form.note.data)
    except ValueError as error:
        db.session.rollback()
        flash(str(error), "error")
    else:
        db.session.commit()
        flash(f"{label} " + ("approved." if form.decision.data == "approve" else "returned with your note."),
              "success")
    return redirect(back)


@bp.route("/mine")
@allow(*EDITORS)
def my_updates():
    """What is due from me this year: missing assessments and values, drafts, items returned to me."""
    form = YearFilterForm(request.args, data={"year": services.current_plan_year()})
    year = form.year.data if form.validate() else services.current_plan_year()
    return render_template("assessments/my_updates.html", form=form, year=year,
                           due=services.due_for(current_user, year))


def render_queue(errors: dict | None = None):
    """The review queue page, with a review form that failed shown with its errors."""
    queue = services.review_queue()
    forms = {}
    for assessment in queue["assessments"]:
        key = f"a{assessment.id}"
        forms[key] = review_form(key, (errors or {}).get(key))
    for value in queue["values"]:
        key = f"v{value.id}"
        forms[key] = review_form(key, (errors or {}).get(key))
    return render_template("assessments/review_queue.html", queue=queue, forms=forms,
                           locked=services.locked_years())


@bp.route("/review")
@allow(*STEERING)
def review_queue():
    """Submitted assessments and values waiting for the Secretary General."""
    return render_queue()


@bp.route("/<code>/responsibles", methods=["POST"])
@allow(*STEERING)
def responsibles(code: str):
    """Set the staff responsible for an outcome."""
    outcome = _outcome_or_404(code)
    candidates = services.assignable_users()
    form = ResponsiblesForm(candidates)
    if not form.validate_on_submit():
        flash("Choose among the listed staff: " + "; ".join(form.users.errors), "error")
        return redirect(_outcome_page(outcome))
    chosen = [u for u in candidates if u.id in set(form.users.data or [])]
    try:
        services.set_responsibles(current_user, outcome, chosen)
    except ValueError as error:
        db.session.rollback()
        flash(str(error), "error")
    else:
        db.session.commit()
        flash(f"Responsible staff of {outcome.code} saved.", "success")
    return redirect(_outcome_page(outcome))


def _render_years(lock_form=None, reopen_form=None, status=200):
    """The years page with their lock state."""
    locks = {lock.year: lock for lock in services.year_locks()}
    return render_template("assessments/years.html", years=PLAN_YEARS, locks=locks,
                           lock_form=lock_form or LockForm(prefix="lock", formdata=None),
                           reopen_form=reopen_form or ReopenForm(prefix="reopen", formdata=None)), status


@bp.route("/years")
@allow(*EVERYONE)
def years():
    """Which plan years are locked, and (for steering and admins) locking and reopening."""
    return _render_years()


@bp.route("/years/lock", methods=["POST"])
@allow(*STEERING)
def lock_year():
    """Lock a year once its Board evaluation is final."""
    form = LockForm(prefix="lock")
    if not form.validate_on_submit():
        return _render_years(lock_form=form)
    try:
        services.lock_year(current_user, form.year.data, form.reason.data or services.DEFAULT_LOCK_REASON)
    except ValueError as error:
        db.session.rollback()
        form.year.errors.append(str(error))
        return _render_years(lock_form=form)
    db.session.commit()
    flash(f"{form.year.data} is locked: its values and assessments can no longer change.", "success")
    return redirect(url_for("assessments.years"))


@bp.route("/years/reopen", methods=["POST"])
@allow(*ADMINS)
def reopen_year():
    """Reopen a locked year (administrators), with a reason that is recorded."""
    form = ReopenForm(prefix="reopen")
    if not form.validate_on_submit():
        return _render_years(reopen_form=form)
    try:
        services.reopen_year(current_user, form.year.data, form.reason.data)
    except ValueError as error:
        db.session.rollback()
        form.year.errors.append(str(error))
        return _render_years(reopen_form=form)
    db.session.commit()
    flash(f"{form.year.data} is reopened; the reason is recorded.", "success")
    return redirect(url_for("assessments.years"))

