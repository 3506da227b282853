"""Pages of the reports feature: the archive, generating, the summaries, downloading, marking final, the Board
meeting of each year, and what changed since a report was final."""
import io

from flask import Blueprint, abort, current_app, flash, redirect, render_template, send_file, url_for
from flask_babel import gettext as _
from flask_login import current_user

from ..core.access import allow
from ..core.i18n import language_name
from ..core.roles import EVERYONE, STEERING
from ..core.transaction import attempt
from ..core.years import PLAN_YEARS, current_plan_year, is_locked
from ..extensions import db
from . import board, requests, services, snapshot
from .build import summary_inputs
from .forms import (
    AfterMeetingForm,
    BoardItemForm,
    GenerateReportForm,
    MarkFinalForm,
    MeetingDateForm,
    MoveForm,
    SummaryForm,
)
from .models import Report

bp = Blueprint("reports", __name__, url_prefix="/reports")


def _render_index(board_form=None, status: int = 200):
    """The archive page, with the generate forms and summaries for those who may use them."""
    steering = current_user.role in STEERING
    return render_template(
        "reports/index.html", groups=services.archive(current_user), readiness=services.readiness(current_user),
        steering=steering,
        board_form=board_form or GenerateReportForm(formdata=None, default_year=current_plan_year()),
        under_way=requests.under_way() if steering else [],
        summaries=services.summary_scopes() if steering else [], years=PLAN_YEARS, language_name=language_name,
    ), status


@bp.route("/")
@allow(*EVERYONE)
def index():
    """Every generated report; for the Secretary General also the generate forms and the summaries."""
    return _render_index()


@bp.route("/generate", methods=["POST"])
@allow(*STEERING)
def generate():
    """Ask a worker for a report and show its progress (a second click joins the request under way)."""
    form = GenerateReportForm()
    if not form.validate_on_submit():
        for errors in (form.kind.errors, form.language.errors):
            if errors:
                flash(errors[0], "error")
        return _render_index(board_form=form, status=400)
    filed = attempt(lambda: requests.request_report(current_user, form.kind.data, form.year_value,
                                                    form.language.data), retry_on=(requests.RequestClash,))
    if not filed.ok:
        return redirect(url_for("reports.index"))
    request, new = filed.value
    if not new:
        flash(_("%(report)s (%(language)s) is already being generated: here is its progress.",
                report=services.report_name(request), language=language_name(request.language)), "info")
    return redirect(url_for("reports.progress", request_id=request.id))


@bp.route("/requests/<int:request_id>")
@allow(*STEERING)
def progress(request_id: int):
    """How far the worker is with a requested report; the PDF when it is ready (the page reloads until then)."""
    request = requests.get(request_id)
    if request is None:
        abort(404)
    return render_template("reports/progress.html", request=request, shown=requests.describe(request))


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
            flash(_("Summary saved. It appears in the next report you generate."), "success")
            return redirect(url_for("reports.index"))
    status = 400 if form.errors else 200
    label = _("the final evaluation") if scope == "final" else _("the Board evaluation %(year)s", year=scope)
    return render_template("reports/summary.html", form=form, scope=scope, label=label, existing=existing,
                           inputs=inputs, drafted=not (existing and existing.text.strip())), status


def _readable_or_404(report_id: int) -> Report:
    """A report the current user may read: a Board member asking for one not marked final gets 404, as if absent."""
    report = db.get_or_404(Report, report_id)
    if not services.may_read(current_user, report):
        abort(404)
    return report


# An archived PDF opened in the browser's own viewer: nothing of the page may load, run or frame it.
OPEN_CSP = "default-src 'none'; object-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"


def _send_report(report_id: int, inline: bool):
    """Send an archived PDF (to open or to save), after checking it is the very file that was generated."""
    report = _readable_or_404(report_id)
    data = services.verified_content(report)
    if data is None:
        current_app.logger.error("Report %s (%s) is missing or does not match its SHA-256", report.id, report.filename)
        return render_template("errors/error.html", code=409, title=_("File damaged"),
                               message=_("The archived file is missing or damaged: it no longer matches the "
                                         "fingerprint recorded when it was generated. Ask the Secretariat to "
                                         "generate the report again.")), 409
    response = send_file(io.BytesIO(data), mimetype="application/pdf", as_attachment=not inline,
                         download_name=report.filename, max_age=0)
    response.headers["X-Content-Type-Options"] = "nosniff"
    if inline:
        response.headers["Content-Security-Policy"] = OPEN_CSP
        response.headers["Cache-Control"] = "private, no-store"
    return response


@bp.route("/<int:report_id>/download")
@allow(*EVERYONE)
def download(report_id: int):
    """Send an archived PDF to save."""
    return _send_report(report_id, inline=False)


@bp.route("/<int:report_id>/open")
@allow(*EVERYONE)
def open_pdf(report_id: int):
    """Show an archived PDF in the browser (the same file and checks as the download)."""
    return _send_report(report_id, inline=True)


@bp.route("/<int:report_id>/final", methods=["POST"])
@allow(*STEERING)
def mark_final(report_id: int):
    """Mark a complete Board evaluation final: its year locks."""
    report = db.get_or_404(Report, report_id)
    form = MarkFinalForm()
    if not form.validate_on_submit():
        abort(400)
    if attempt(lambda: services.mark_final(current_user, report)).ok:
        flash(_("The Board evaluation %(year)s is final; %(year)s is locked.", year=report.year)
              if report.kind == "board"
              else _("The final evaluation 2021-2023 is final: Board members can now read it."), "success")
    return redirect(url_for("reports.index"))


# ---------------------------------------------------------------- the Board meeting of each year


def _plan_year_or_404(year: int) -> int:
    """The year, if it is one of the plan's."""
    if year not in PLAN_YEARS:
        abort(404)
    return year


def _item_or_404(item_id: int):
    """A decision or risk, or 404."""
    item = board.get_item(item_id)
    if item is None:
        abort(404)
    return item


def _render_board(year: int, date_form=None, item_form=None, status: int = 200):
    """The Board meeting page of a year, with the forms for those who may change it."""
    meeting = board.meeting_of(year)
    items = board.items_of(year)
    if date_form is None:
        date_form = MeetingDateForm(formdata=None, data={name: getattr(meeting, name) if meeting else None
                                                           for name in board.DATE_FIELDS})
    steering = current_user.role in STEERING
    return render_template(
        "reports/board.html", year=year, meeting=meeting, locked=is_locked(year), steering=steering,
        decisions=[i for i in items if i.kind == "decision"], risks=[i for i in items if i.kind == "risk"],
        date_form=date_form, item_form=item_form or (BoardItemForm(formdata=None) if steering else None),
    ), status


@bp.route("/board/<int:year>")
@allow(*EVERYONE)
def board_meeting(year: int):
    """The Board meeting of a year: its date, the decisions asked of it and the main risks, and what it decided."""
    return _render_board(_plan_year_or_404(year))


@bp.route("/board/<int:year>/date", methods=["POST"])
@allow(*STEERING)
def board_date(year: int):
    """Save the year's reporting calendar: assessments drafted by, reviewed by, and the Board meeting."""
    _plan_year_or_404(year)
    form = MeetingDateForm()
    status = 400
    if form.validate_on_submit():
        result = attempt(lambda: board.set_dates(current_user, year, form.drafted_by.data, form.reviewed_by.data,
                                                 form.meeting_date.data), form=form)
        if result.ok:
            flash(_("Reporting calendar %(year)s saved.", year=year), "success")
            return redirect(url_for("reports.board_meeting", year=year))
        status = result.status
    return _render_board(year, date_form=form, status=status)


@bp.route("/board/<int:year>/items", methods=["POST"])
@allow(*STEERING)
def board_add(year: int):
    """Add a decision asked of the Board or a main risk."""
    _plan_year_or_404(year)
    form = BoardItemForm()
    status = 400
    if form.validate_on_submit():
        result = attempt(lambda: board.add_item(current_user, year, form.kind.data, form.text.data,
                                                form.outcomes.data), form=form)
        if result.ok:
            flash(_("Decision added.") if form.kind.data == "decision" else _("Risk added."), "success")
            return redirect(url_for("reports.board_meeting", year=year))
        status = result.status
    return _render_board(year, item_form=form, status=status)


@bp.route("/board/items/<int:item_id>/edit", methods=["GET", "POST"])
@allow(*STEERING)
def board_edit(item_id: int):
    """Change a decision's or risk's text and outcomes."""
    item = _item_or_404(item_id)
    form = BoardItemForm(data={"text": item.text, "outcomes": [o.id for o in item.outcomes]}, fixed_kind=item.kind)
    status = 200
    if form.validate_on_submit():
        result = attempt(lambda: board.edit_item(current_user, item.id, form.text.data, form.outcomes.data),
                         form=form)
        if result.ok:
            flash(_("Decision saved.") if item.kind == "decision" else _("Risk saved."), "success")
            return redirect(url_for("reports.board_meeting", year=item.year))
        status = result.status
    elif form.errors:
        status = 400
    return render_template("reports/board_item.html", item=item, form=form, locked=is_locked(item.year)), status


@bp.route("/board/items/<int:item_id>/delete", methods=["POST"])
@allow(*STEERING)
def board_delete(item_id: int):
    """Delete a decision or risk."""
    item = _item_or_404(item_id)
    year, kind = item.year, item.kind
    if attempt(lambda: board.delete_item(current_user, item.id)).ok:
        flash(_("Decision deleted.") if kind == "decision" else _("Risk deleted."), "success")
    return redirect(url_for("reports.board_meeting", year=year))


@bp.route("/board/items/<int:item_id>/move", methods=["POST"])
@allow(*STEERING)
def board_move(item_id: int):
    """Move a decision or risk up or down its list."""
    item = _item_or_404(item_id)
    form = MoveForm()
    if not form.validate_on_submit():
        abort(400)
    attempt(lambda: board.move_item(current_user, item.id, form.direction.data))
    return redirect(url_for("reports.board_meeting", year=item.year) + f"#item-{item.id}")


@bp.route("/board/items/<int:item_id>/after", methods=["GET", "POST"])
@allow(*STEERING)
def board_after(item_id: int):
    """Record what the Board decided on a decision asked of it, and what was done since (also in a locked year)."""
    item = _item_or_404(item_id)
    if item.kind != "decision":
        abort(404)
    form = AfterMeetingForm(data={"decided": item.decided or "", "follow_up": item.follow_up or ""})
    status = 200
    if form.validate_on_submit():
        result = attempt(lambda: board.record_after_meeting(current_user, item.id, form.decided.data,
                                                            form.follow_up.data), form=form)
        if result.ok:
            flash(_("What the Board decided is saved."), "success")
            return redirect(url_for("reports.board_meeting", year=item.year))
        status = result.status
    elif form.errors:
        status = 400
    return render_template("reports/board_after.html", item=item, form=form), status


@bp.route("/<int:report_id>/changes")
@allow(*EVERYONE)
def changes(report_id: int):
    """What changed in the record since the Board saw a final report (of a year: the final evaluation has none)."""
    report = db.get_or_404(Report, report_id)
    if not report.is_final or report.kind != "board":
        abort(404)
    damaged, listed = None, None
    try:
        found = snapshot.compare_frozen(snapshot.frozen_data(report), report.year)
        listed = None if found is None else [snapshot.describe(c, report.year) for c in found]
    except snapshot.FrozenDataDamaged as error:
        current_app.logger.error("Report %s: %s", report.id, error)
        damaged = str(error)
    return render_template("reports/changes.html", report=report, changes=listed, damaged=damaged)
