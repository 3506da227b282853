"""Pages of the import: the templates, the upload, the preview of every row, the confirm."""
from flask import Blueprint, Response, abort, flash, redirect, render_template, url_for
from flask_babel import ngettext
from flask_login import current_user
from sqlalchemy.exc import IntegrityError

from ..core.access import allow
from ..core.roles import EDITORS
from ..core.transaction import attempt
from . import services, template
from .forms import VALID_ONLY, ConfirmForm, UploadForm
from .models import PENDING
from .reading import MAX_BYTES

bp = Blueprint("imports", __name__, url_prefix="/imports/activities")

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@bp.route("/template.xlsx")
@allow(*EDITORS)
def template_xlsx():
    """The workbook to fill in, with the valid values on a second sheet."""
    return Response(template.template_xlsx(current_user.email), mimetype=XLSX_TYPE,
                    headers={"Content-Disposition": "attachment; filename=activities-template.xlsx"})


@bp.route("/template.csv")
@allow(*EDITORS)
def template_csv():
    """The CSV file to fill in."""
    return Response(template.template_csv(current_user.email), mimetype="text/csv",
                    headers={"Content-Disposition": "attachment; filename=activities-template.csv"})


@bp.route("/", methods=["GET", "POST"])
@allow(*EDITORS)
def upload():
    """Upload a spreadsheet of activities; it is checked and kept for its preview (nothing is imported yet)."""
    form = UploadForm()
    if form.validate_on_submit():
        chosen = form.file.data
        content = chosen.stream.read(MAX_BYTES + 1)  # one byte more than the limit is enough to refuse it
        result = attempt(lambda: services.store_upload(current_user, chosen.filename, content), form=form,
                         field="file")
        if result.ok:
            return redirect(url_for("imports.show", import_id=result.value.id))
    return render_template("imports/upload.html", form=form, uploads=services.recent_uploads(current_user))


def _own_upload(import_id: int):
    """The current user's upload, or 404 (another person's upload is not shown to anyone else)."""
    upload = services.get_upload(current_user, import_id)
    if upload is None:
        abort(404)
    return upload


@bp.route("/<int:import_id>")
@allow(*EDITORS)
def show(import_id: int):
    """The preview: every row with its problems next to the cell, and the choice of what to import."""
    upload = _own_upload(import_id)
    return _render_preview(upload, ConfirmForm())


def _render_preview(upload, form: ConfirmForm, status: int = 200):
    """The preview page of an upload."""
    result = services.preview(upload, current_user)
    return render_template("imports/preview.html", upload=upload, preview=result, form=form, states=services,
                           pending=upload.state == PENDING), status


@bp.route("/<int:import_id>/confirm", methods=["POST"])
@allow(*EDITORS)
def confirm(import_id: int):
    """Import the rows: all or nothing, or only the valid ones; one transaction."""
    upload = _own_upload(import_id)
    form = ConfirmForm()
    if form.validate_on_submit():
        valid_only = form.mode.data == VALID_ONLY
        # Another upload of the same rows confirmed at the same instant: roll back, run again, skip those rows.
        result = attempt(lambda: services.confirm(current_user, upload, valid_only=valid_only), form=form,
                         field="mode", retry_on=(IntegrityError,))
        if result.ok:
            count = len(result.value)
            flash(ngettext("%(num)d activity imported.", "%(num)d activities imported.", count), "success")
            return redirect(url_for("imports.show", import_id=upload.id))
        return _render_preview(services.get_upload(current_user, import_id), form, result.status)
    return _render_preview(upload, form)  # the choice is missing or unknown: said next to it
