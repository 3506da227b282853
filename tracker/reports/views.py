"""Pages of the reports feature: the archive, generating, the summaries, downloading, marking final."""
import io

from flask import Blueprint, abort, current_app, flash, redirect, render_template, send_file, url_for
from flask_login import current_user

from ..core.access import allow
from ..core.roles import EVERYONE, STEERING
from ..core.transaction import attempt
from ..core.years import current_plan_year
from ..extensions import db
from . import services
from .build import summary_inputs
from .forms import GenerateReportForm, MarkFinalForm, SummaryForm
from .models import Report

bp = Blueprint("reports", __name__, url_prefix="/reports")


def _render_index(board_form=None, status: int = 200):
    """The archive page, with the generate forms and summaries for those who may use them."""
    steering = current_user.role in STEERING
    return render_template(
        "reports/index.html", reports=services.list_reports(), steering=steering,
        board_form=board_form or GenerateReportForm(formdata=None, default_year=current_plan_year()),
        summaries=services.summary_scopes() if steering else [],
    ), status


@bp.route("/")
@allow(*EVERYONE)
def index():
    """Every generated report; for the Secretary General also the generate forms and the summaries."""
    return _render_index()


@bp.route("/generate", methods=["POST"])
@allow(*STEERING)
def generate():
    """Generate a report now (a few seconds at demo size) and archive it."""
    form = GenerateReportForm()
    if not form.validate_on_submit():
        if form.kind.errors:
            flash(form.kind.errors[0], "error")
        return _render_index(board_form=form, status=400)
    generated = attempt(lambda: services.generate_report(current_user, form.kind.data, form.year_value))
    if not generated.ok:
        return redirect(url_for("reports.index"))
    report = generated.value.report
    what = "Final evaluation" if report.kind == "final" else f"Board evaluation {report.year}"
    flash(f"{what} generated: {report.pages} pages{', marked DRAFT (see its readiness page)' if report.draft else ''}.",
          "warning" if report.draft else "success")
    return redirect(url_for("reports.index"))


@bp.route("/summary/<scope>", methods=["GET", "POST"])
@allow(*STEERING)
def summary(scope: str):
    """Write the Secretary General's summary for a year's Board evaluation or for the final evaluation."""
    if scope not in services.SUMMARY_SCOPES:
        abort(404)
    existing = services.get_summary(scope)
    inputs = summary_inputs(scope)
    # An empty summary starts from the tracker's draft, so the Secretary General edits rather than writes.
    written = existing.text if existing and existing.text.strip() else "\n\n".join(inputs["draft"])
    form = SummaryForm(data={"text": written})
    if form.validate_on_submit():
        if attempt(lambda: services.save_summary(current_user, scope, form.text.data or ""), form=form,
                   field="text").ok:
            flash("Summary saved. It appears in the next report you generate.", "success")
            return redirect(url_for("reports.index"))
    status = 400 if form.errors else 200
    label = "the final evaluation" if scope == "final" else f"the Board evaluation {scope}"
    return render_template("reports/summary.html", form=form, scope=scope, label=label, existing=existing,
                           inputs=inputs, drafted=not (existing and existing.text.strip())), status


@bp.route("/<int:report_id>/download")
@allow(*EVERYONE)
def download(report_id: int):
    """Send an archived PDF, after checking it is the very file that was generated."""
    report = db.get_or_404(Report, report_id)
    data = services.verified_content(report)
    if data is None:
        current_app.logger.error("Report %s (%s) is missing or does not match its SHA-256", report.id, report.filename)
        return render_template("errors/error.html", code=409, title="File damaged",
                               message="The archived file is missing or damaged: it no longer matches the "
                                       "fingerprint recorded when it was generated. Ask the Secretariat to "
                                       "generate the report again."), 409
    response = send_file(io.BytesIO(data), mimetype="application/pdf", as_attachment=True,
                         download_name=report.filename, max_age=0)
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


@bp.route("/<int:report_id>/final", methods=["POST"])
@allow(*STEERING)
def mark_final(report_id: int):
    """Mark a complete Board evaluation final: its year locks."""
    report = db.get_or_404(Report, report_id)
    form = MarkFinalForm()
    if not form.validate_on_submit():
        abort(400)
    if attempt(lambda: services.mark_final(current_user, report)).ok:
        flash(f"The Board evaluation {report.year} is final; {report.year} is locked.", "success")
    return redirect(url_for("reports.index"))
