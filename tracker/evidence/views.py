"""Pages of the evidence feature: add to an activity or an outcome, download, edit, delete."""
import re
import unicodedata
from urllib.parse import quote

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, send_file, url_for
from flask_babel import format_decimal
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from werkzeug.routing import BuildError

from ..activities.models import Activity
from ..core.access import allow, refuse
from ..core.errors import StaleEdit
from ..core.http import render_error
from ..core.roles import EDITORS, EVERYONE
from ..core.transaction import attempt, show_error
from ..extensions import db
from ..plan.models import Outcome
from ..urls import local_path
from . import (
    sections,  # noqa: F401  (registers the outcome page section)
    services,
    storage,
    validation,
)
from .forms import AddEvidenceForm, DeleteEvidenceForm, EditEvidenceForm
from .models import EVIDENCE_KINDS, Evidence

bp = Blueprint("evidence", __name__, url_prefix="/evidence")

# What a downloaded file may do if a browser opens it anyway: nothing.
DOWNLOAD_CSP = "default-src 'none'; sandbox"
STALE_MESSAGE = _l("Someone else changed this evidence while you were editing it. Their version is shown now; "
                   "make your change again if it is still needed.")


@bp.app_context_processor
def evidence_helpers() -> dict:
    """Let every template (the evidence panel in particular) ask who may change a piece of evidence."""
    return {
        "can_edit_evidence": services.can_edit_evidence,
        "evidence_kinds": EVIDENCE_KINDS,
        "evidence_accept": validation.ACCEPT_ATTRIBUTE,
        "evidence_types": validation.ACCEPTED_SUMMARY,
        "evidence_limit_mb": current_app.config["MAX_UPLOAD_MB"],
    }


@bp.app_template_filter("filesize")
def filesize(size) -> str:
    """Format a size in bytes as 12 KB or 3.4 MB, with the reader's decimal mark."""
    if size is None:
        return ""
    if size < 1024:
        return _("%(size)s bytes", size=format_decimal(size))
    if size < 1024 * 1024:
        return _("%(size)s KB", size=format_decimal(round(size / 1024), "#,##0"))
    return _("%(size)s MB", size=format_decimal(size / (1024 * 1024), "#,##0.0"))


@bp.route("/activity/<int:activity_id>", methods=["GET", "POST"])
@allow(*EDITORS)
def add_to_activity(activity_id: int):
    """Add a file, a link or a note to an activity."""
    activity = db.session.get(Activity, activity_id)
    if activity is None or activity.is_deleted:
        abort(404)
    return _add(activity=activity)


@bp.route("/outcome/<code>", methods=["GET", "POST"])
@allow(*EDITORS)
def add_to_outcome(code: str):
    """Add a file, a link or a note directly to an outcome."""
    outcome = db.session.scalar(select(Outcome).where(Outcome.code == code))
    if outcome is None:
        abort(404)
    return _add(outcome=outcome)


@bp.route("/<int:evidence_id>/download")
@allow(*EVERYONE)
def download(evidence_id: int):
    """Send a file as an attachment that a browser will neither sniff nor run."""
    item = services.get_visible(evidence_id)
    if item is None or item.kind != "file" or item.file is None:
        abort(404)
    if not services.can_read_evidence(current_user, item):
        abort(404)  # as if it were not there: a Board member does not learn of work still under review
    path = storage.path_for(item.file)
    if not path.is_file():
        current_app.logger.error("Evidence %s: file %s is missing from the store", item.id, item.file.sha256)
        return render_error(404, _("This file is missing from the evidence store. Please tell an administrator."))
    name = item.original_filename or "evidence"
    response = send_file(path, mimetype=item.file.mime_type, as_attachment=True, download_name=name,
                         conditional=True, etag=item.file.sha256, max_age=0)
    response.headers["Content-Disposition"] = content_disposition(name)
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Content-Security-Policy"] = DOWNLOAD_CSP
    response.headers["Cache-Control"] = "private, no-store"
    return response


@bp.route("/<int:evidence_id>/edit", methods=["GET", "POST"])
@allow(*EDITORS)
def edit(evidence_id: int):
    """Change a piece of evidence's title, and the address of a link or the text of a note."""
    item = _editable_or_abort(evidence_id)
    form = EditEvidenceForm(obj=item, kind=item.kind)
    if request.method == "GET":
        form.version.data = str(item.version)
        form.next.data = request.args.get("next", "")
    status = 200
    back = local_path(form.next.data, _parent_url(item))  # worked out before the commit: nothing may fail after it
    if form.validate_on_submit():
        if form.version.data != str(item.version):
            status = _show_current(form, item)
        else:
            result = attempt(lambda: services.update(current_user, item, title=form.title.data,
                                                     url=form.url.data if "url" in form else None,
                                                     note=form.note.data if "note" in form else None),
                             form=form, field="title", show=False)
            if result.ok:
                changed = result.value
                flash(_("Evidence saved.") if changed else _("Nothing was changed."), "success" if changed else "info")
                return redirect(back)
            if isinstance(result.error, StaleEdit):
                status = _show_current(form, _editable_or_abort(evidence_id))
            else:
                show_error(result.error, form, "title")
    return render_template("evidence/edit.html", form=form, item=item, back_url=back), status


@bp.route("/<int:evidence_id>/delete", methods=["POST"])
@allow(*EDITORS)
def delete(evidence_id: int):
    """Delete a piece of evidence (it stays in the record, hidden from every page)."""
    item = _editable_or_abort(evidence_id)
    form = DeleteEvidenceForm()
    if not form.validate_on_submit():
        abort(400)
    back = local_path(form.next.data, _parent_url(item))
    message = _("Deleted “%(title)s”.", title=item.title)  # read before the commit expires it
    if attempt(lambda: services.delete(current_user, item)).ok:
        flash(message, "success")
    return redirect(back)


def content_disposition(name: str) -> str:
    """An attachment header with an ASCII fallback name and the exact name in RFC 5987 form."""
    stem, dot, ext = name.rpartition(".") if "." in name else (name, "", "")

    def ascii_only(text: str) -> str:
        text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
        return re.sub(r"[^A-Za-z0-9 ._()\[\]-]", "_", text).strip(" .")

    fallback = (ascii_only(stem) or "evidence") + (dot + ascii_only(ext) if ascii_only(ext) else "")
    return f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(name, safe='')}"


def _add(*, activity: Activity | None = None, outcome: Outcome | None = None):
    """Show the add form, or add the evidence it describes and go back to where the user came from."""
    form = AddEvidenceForm(max_bytes=services.max_upload_bytes())
    if request.method == "GET":
        form.next.data = request.args.get("next", "")
        if request.args.get("kind") in EVIDENCE_KINDS:
            form.kind.data = request.args["kind"]
    parent_url = _activity_url(activity) if activity is not None else url_for("plan.outcome", code=outcome.code)
    after = local_path(form.next.data, parent_url + "#evidence")  # worked out before the commit, which nothing follows
    status = 200
    if form.validate_on_submit():
        # A concurrent upload of the same file may win the race for its stored-file row: the retry reuses it.
        # The title is read inside the transaction: after the commit nothing may touch the database.
        result = attempt(lambda: _create_from(form, activity=activity, outcome=outcome).title, form=form,
                         field="title", retry_on=(IntegrityError,))
        status = result.status
        if result.ok:
            flash(_("Added “%(title)s”.", title=result.value), "success")
            return redirect(after)
    return render_template("evidence/add.html", form=form, activity=activity, outcome=outcome,
                           back_url=local_path(form.next.data, parent_url)), status


def _create_from(form: AddEvidenceForm, *, activity, outcome) -> Evidence:
    """Call the service for the kind of evidence the form describes."""
    parent = {"activity": activity, "outcome": outcome}
    if form.kind.data == "file":
        upload = form.file.data
        return services.add_file(current_user, **parent, title=form.title.data, stream=upload.stream,
                                 filename=upload.filename)
    if form.kind.data == "link":
        return services.add_link(current_user, **parent, title=form.title.data, url=form.url.data)
    return services.add_note(current_user, **parent, title=form.title.data, note=form.note.data)


def _show_current(form: EditEvidenceForm, item: Evidence) -> int:
    """Refuse a save based on an old version: show the other person's values with a message (409)."""
    form.title.data = item.title
    if "url" in form:
        form.url.data = item.url
    if "note" in form:
        form.note.data = item.note
    form.version.data = str(item.version)
    form.form_errors.append(STALE_MESSAGE)
    return 409


def _editable_or_abort(evidence_id: int) -> Evidence:
    """A visible piece of evidence the current user may change: 404 if there is none, 403 if not theirs."""
    item = services.get_visible(evidence_id)
    if item is None:
        abort(404)
    if not services.can_edit_evidence(current_user, item):
        refuse(_("Only the person who added this evidence, the Secretary General or an administrator can change it."),
               link=_parent_url(item), link_label=_("Back to where it is attached"))
    return item


def _parent_url(item: Evidence) -> str:
    """The page of the activity or outcome a piece of evidence belongs to."""
    if item.activity_id is not None:
        return _activity_url(item.activity or db.session.get(Activity, item.activity_id))
    return url_for("plan.outcome", code=item.outcome.code)


def _activity_url(activity: Activity) -> str:
    """The activity's own page (the activities feature names it), or the evidence form if there is none yet."""
    if "activities.detail" in current_app.view_functions:
        for rule in current_app.url_map.iter_rules("activities.detail"):
            if len(rule.arguments) == 1:
                try:
                    return url_for("activities.detail", **{next(iter(rule.arguments)): activity.id})
                except BuildError:
                    continue
    return url_for("evidence.add_to_activity", activity_id=activity.id)


