"""Pages of the assessments feature: writing and submitting assessments, responsible staff, and locking years."""
from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy.exc import IntegrityError

from ..core.access import allow, refuse, sees_unapproved
from ..core.errors import YearLocked
from ..core.http import INLINE
from ..core.review import ReviewState
from ..core.roles import ADMINS, EDITORS, EVERYONE, STAFF, STEERING
from ..core.spreadsheet import download
from ..core.transaction import attempt, show_error
from ..core.years import DEFAULT_LOCK_REASON, PLAN_YEARS, is_locked, lock_year, reopen_year, year_locks
from ..extensions import db
from ..plan.queries import outcome_by_code
from ..plan.responsibles import assignable_users, responsibles_by_outcome, set_responsibles
from ..urls import local_path
from . import (
    export,
    sections,  # noqa: F401  (registers the outcome page section)
    services,
)
from .context import outcome_context
from .forms import AssessmentForm, AssignmentDecisionForm, LockForm, ReopenForm, ResponsiblesForm
from .models import ASSESSMENT_STATUSES, Assessment, AssignmentRequest

bp = Blueprint("assessments", __name__, url_prefix="/assessments")


def _outcome_or_404(code: str):
    """Fetch an outcome by code or answer 404."""
    outcome = outcome_by_code(code)
    if outcome is None:
        abort(404)
    return outcome


def _outcome_page(outcome) -> str:
    """The outcome page, at its assessments block."""
    return url_for("plan.outcome", code=outcome.code, _anchor="assessments")


def _confirmed_on_outcome_page(outcome) -> str:
    """The outcome page at the confirmation atop its assessments block (landing on a focusable target keeps the
    focus that app.js gives it: a browser clears the focus when it scrolls to a target that cannot take it)."""
    return url_for("plan.outcome", code=outcome.code, _anchor="assessment-saved")


def _save_and_maybe_submit(outcome, year: int, form, submitting: bool):
    """Save the assessment as a draft and, if asked, submit it, in one transaction."""
    saved = services.save_draft(current_user, outcome, year, {
        "status": form.status.data, "achieved": form.achieved.data, "difficulties": form.difficulties.data,
        "next_steps": form.next_steps.data, "version": form.version.data})
    if submitting:
        services.submit(current_user, saved)
    return saved


@bp.route("/export.<any(csv, xlsx):fmt>")
@allow(*EVERYONE)
def export_table(fmt: str):
    """Every outcome's assessment of a year (?year=2022) or of the whole plan, as the outcome pages show them."""
    raw = request.args.get("year", "all")
    year = next((y for y in PLAN_YEARS if str(y) == raw), None)  # compared as text: any string is safe to try
    if raw != "all" and year is None:
        abort(404)
    columns, rows = export.table(year, reader=sees_unapproved(current_user))
    period = export.period_label(year)
    return download(fmt, columns, rows, filename=f"metropolis-assessments-{period}",
                    title=_("Assessments %(period)s", period=period))


@bp.route("/<code>/<int:year>", methods=["GET", "POST"])
@allow(*EDITORS)
def edit(code: str, year: int):
    """Write or change an outcome's assessment for a year."""
    outcome = _outcome_or_404(code)
    if year not in PLAN_YEARS:
        abort(404)
    assessment = services.assessment_for(outcome.id, year)
    if not services.can_edit_assessment(current_user, outcome.id, assessment):
        refuse(services.not_responsible(outcome.code, services.WRITE),
               link=_outcome_page(outcome), link_label=_("Go to %(code)s to ask to be assigned", code=outcome.code))
    form = AssessmentForm(obj=assessment)
    if request.method == "GET" and assessment is not None:
        form.version.data = str(assessment.version)
    locked = is_locked(year)
    status = 200
    if request.method == "POST" and locked:
        show_error(YearLocked(year), form)
        status = 409
    elif form.validate_on_submit():
        submitting = request.form.get("then") == "submit"
        result = attempt(lambda: _save_and_maybe_submit(outcome, year, form, submitting), form=form)
        if result.ok:
            return _after_save(outcome, year, submitting, result.value)
        status = result.status
    return render_template("assessments/edit.html", outcome=outcome, year=year, form=form, assessment=assessment,
                           locked=locked, statuses=ASSESSMENT_STATUSES,
                           context=outcome_context(outcome.id, year, assessment)), status


def _after_save(outcome, year: int, submitted: bool, saved: Assessment):
    """A draft stays on its form; a submitted assessment lands on the outcome's assessments; either way the
    confirmation is shown where the eyes are (INLINE), not at the top of a long page."""
    if not submitted and saved.review_state in (ReviewState.SUBMITTED, ReviewState.APPROVED):  # nothing changed
        message = _("Nothing changed: the assessment of %(code)s for %(year)s stays approved.", code=outcome.code,
                    year=year) if saved.review_state == ReviewState.APPROVED else \
            _("Nothing changed: the assessment of %(code)s for %(year)s stays submitted.", code=outcome.code, year=year)
        flash(message, INLINE)
        return redirect(url_for("assessments.edit", code=outcome.code, year=year, _anchor="saved"))
    if submitted:
        flash(_("Assessment of %(code)s for %(year)s saved and submitted for review. The Secretary General "
                "will approve it or return it with a note.", code=outcome.code, year=year), INLINE)
        return redirect(_confirmed_on_outcome_page(outcome))
    flash(_("Draft saved: assessment of %(code)s for %(year)s. It is not submitted yet.", code=outcome.code, year=year),
          INLINE)
    return redirect(url_for("assessments.edit", code=outcome.code, year=year, _anchor="saved"))


@bp.route("/<int:assessment_id>/submit", methods=["POST"])
@allow(*EDITORS)
def submit(assessment_id: int):
    """Submit an assessment for review."""
    assessment = db.get_or_404(Assessment, assessment_id)
    back = local_path(request.form.get("next"), _outcome_page(assessment.outcome))  # before the commit
    message = _("Assessment of %(code)s for %(year)s submitted for review.", code=assessment.outcome.code,
                year=assessment.year)
    if attempt(lambda: services.submit(current_user, assessment)).ok:
        flash(message, "success")
    return redirect(back)


@bp.route("/<code>/responsibles", methods=["POST"])
@allow(*STEERING)
def responsibles(code: str):
    """Set the staff responsible for an outcome."""
    outcome = _outcome_or_404(code)
    candidates = assignable_users()
    form = ResponsiblesForm(candidates)
    if not form.validate_on_submit():
        flash(_("Choose among the listed staff: %(errors)s", errors="; ".join(map(str, form.users.errors))), "error")
        return redirect(_outcome_page(outcome))
    chosen = [u for u in candidates if u.id in set(form.users.data or [])]
    if attempt(lambda: set_responsibles(current_user, outcome, chosen)).ok:
        flash(_("Responsible staff of %(code)s saved.", code=outcome.code), "success")
    return redirect(_outcome_page(outcome))


@bp.route("/<code>/ask-to-be-assigned", methods=["POST"])
@allow(STAFF)
def ask_to_be_assigned(code: str):
    """Ask the Secretary General to be made responsible for an outcome."""
    outcome = _outcome_or_404(code)
    if attempt(lambda: services.request_assignment(current_user, outcome), retry_on=(IntegrityError,)).ok:
        flash(_("Your request to be assigned to %(code)s was sent to the Secretary General. This page shows "
                "their answer.", code=outcome.code), INLINE)
        return redirect(_confirmed_on_outcome_page(outcome))
    return redirect(_outcome_page(outcome))


@bp.route("/assignment-requests")
@allow(*STEERING)
def assignment_requests():
    """The requests to be assigned to an outcome: the pending ones to decide, and the latest decided."""
    requests = services.assignment_requests()
    outcome_ids = {item.outcome_id for item in requests["pending"]}
    return render_template("assessments/assignment_requests.html", requests=requests,
                           responsibles=responsibles_by_outcome(outcome_ids) if outcome_ids else {})


@bp.route("/assignment-requests/<int:request_id>", methods=["POST"])
@allow(*STEERING)
def decide_assignment(request_id: int):
    """Grant (the requester becomes responsible for the outcome) or decline a request to be assigned."""
    item = db.get_or_404(AssignmentRequest, request_id)
    form = AssignmentDecisionForm()
    if not form.validate_on_submit():
        flash(_("Choose to grant or to decline the request."), "error")
        return redirect(url_for("assessments.assignment_requests"))
    grant = form.decision.data == "grant"
    name, code = item.requester.name, item.outcome.code  # before the commit: nothing may fail after it
    if attempt(lambda: services.decide_assignment(current_user, item, grant)).ok:
        flash(_("%(name)s is now responsible for %(code)s.", name=name, code=code) if grant
              else _("Request of %(name)s to be assigned to %(code)s declined.", name=name, code=code), INLINE)
    return redirect(url_for("assessments.assignment_requests"))


def _render_years(lock_form=None, reopen_form=None, status=200):
    """The years page with their lock state."""
    locks = {lock.year: lock for lock in year_locks()}
    return render_template("assessments/years.html", years=PLAN_YEARS, locks=locks,
                           lock_form=lock_form or LockForm(prefix="lock", formdata=None),
                           reopen_form=reopen_form or ReopenForm(prefix="reopen", formdata=None)), status


@bp.route("/years")
@allow(*EVERYONE)
def years():
    """Which plan years are locked, and (for steering and admins) locking and reopening."""
    return _render_years()


@bp.route("/years/lock", methods=["POST"], endpoint="lock_year")
@allow(*STEERING)
def lock():
    """Lock a year once its Board evaluation is final."""
    form = LockForm(prefix="lock")
    if not form.validate_on_submit():
        return _render_years(lock_form=form)
    result = attempt(lambda: lock_year(current_user, form.year.data, form.reason.data or DEFAULT_LOCK_REASON),
                     form=form, field="year")
    if not result.ok:
        return _render_years(lock_form=form)
    flash(_("%(year)s is locked: its values and assessments can no longer change.", year=form.year.data), "success")
    return redirect(url_for("assessments.years"))


@bp.route("/years/reopen", methods=["POST"], endpoint="reopen_year")
@allow(*ADMINS)
def reopen():
    """Reopen a locked year (administrators), with a reason that is recorded."""
    form = ReopenForm(prefix="reopen")
    if not form.validate_on_submit():
        return _render_years(reopen_form=form)
    if not attempt(lambda: reopen_year(current_user, form.year.data, form.reason.data), form=form,
                   field="year").ok:
        return _render_years(reopen_form=form)
    flash(_("%(year)s is reopened; the reason is recorded.", year=form.year.data), "success")
    return redirect(url_for("assessments.years"))
