"""Pages of the activities feature: the filtered list, create, view, edit (with version check), delete."""
from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from ..audit.services import history
from ..core.access import allow, refuse
from ..core.errors import StaleEdit
from ..core.roles import EDITORS, EVERYONE
from ..core.spreadsheet import download
from ..core.transaction import attempt, show_error
from . import export as list_export
from . import services
from .forms import ActivityFilterForm, ActivityForm, EditActivityForm
from .sections import activity_page
from .services import FIELD_LABELS, display_value

bp = Blueprint("activities", __name__, url_prefix="/activities")

CONFLICT_MESSAGE = _l("Someone else saved this activity since you opened it.")
NOT_YOURS = _l("Staff change the activities they recorded or are responsible for; the Secretary General and "
               "administrators change any.")


@bp.app_template_filter("activity_value")
def activity_value_filter(value, name: str, users: dict | None = None, outcome_kinds: dict | None = None) -> str:
    """Show a value of an activity's audit snapshot as people read it."""
    return display_value(name, value, users, outcome_kinds)


def _page_number() -> int:
    """The requested page, kept within sane bounds."""
    raw = request.args.get("page", "1")
    page = services.parse_id(raw)
    return min(page, 1_000_000) if page else 1


@bp.route("/")
@allow(*EVERYONE)
def index():
    """Every activity that matches the filters, newest first, a page at a time."""
    form = ActivityFilterForm(formdata=request.args, choices=services.filter_choices())
    form.validate()
    params = form.params()
    per_page = current_app.config.get("PAGE_SIZE", 25)
    sort = services.read_list_sort(request.args)
    sort_args = {} if sort == services.read_list_sort({}) else sort.args()  # the default order needs no arguments
    pagination = services.list_page(params, _page_number(), per_page, sort)
    summary = services.list_summary(params)
    # Header links keep the filters (and start at page 1); page links keep the filters and the order. Lists
    # (kind, status) stay repeated parameters.
    filter_args = {key: request.args.getlist(key) for key in services.FILTER_KEYS if request.args.getlist(key)}
    return render_template("activities/index.html", form=form, pagination=pagination, params=params,
                           summary=summary, filter_args=filter_args, sort=sort,
                           sort_args=sort_args, link_args=dict(filter_args, **sort_args))


@bp.route("/export.<any(csv, xlsx):fmt>")
@allow(*EVERYONE)
def export(fmt: str):
    """The filtered list as the page shows it (every page of it, in its order), as CSV or XLSX."""
    form = ActivityFilterForm(formdata=request.args, choices=services.filter_choices())
    form.validate()  # the same parsing as the page: an invalid filter is left out there, and here too
    params = form.params()
    name = f"metropolis-activities-{params['year']}" if params.get("year") else "metropolis-activities"
    rows = list_export.list_rows(params, services.read_list_sort(request.args))
    return download(fmt, list_export.list_columns(), rows, filename=name, title=_("Activities"))


def _activity_or_404(activity_id: int, *, allow_deleted_view: bool = False):
    """The activity, or 404; soft-deleted ones only for those who may see the record of deletions."""
    activity = services.get_activity(activity_id, include_deleted=True)
    if activity is None:
        abort(404)
    if activity.is_deleted and not (allow_deleted_view and services.can_see_deleted(current_user)):
        abort(404)
    return activity


@bp.route("/new", methods=["GET", "POST"])
@allow(*EDITORS)
def new():
    """Record a new activity."""
    choices = services.form_choices()
    defaults = services.form_defaults(None, current_user) if request.method == "GET" else None
    form = ActivityForm(data=defaults, choices=choices)
    if form.validate_on_submit():
        result = attempt(lambda: services.create_activity(current_user, form.to_data()), form=form)
        if result.ok:
            flash(_("Activity “%(title)s” saved.", title=result.value.title), "success")
            return redirect(url_for("activities.detail", activity_id=result.value.id))
    return render_template("activities/form.html", form=form, activity=None, conflict=None)


@bp.route("/<int:activity_id>")
@allow(*EVERYONE)
def detail(activity_id: int):
    """One activity: all its fields, its evidence and its history."""
    activity = _activity_or_404(activity_id, allow_deleted_view=True)
    entries = history("activity", activity.id)
    user_ids = {activity.responsible_id}
    for entry in entries:
        user_ids.update(v.get("responsible_id") for v in (entry.before or {}, entry.after or {}))
    return render_template(
        "activities/detail.html", activity=activity, history=entries, field_labels=FIELD_LABELS,
        users=services.user_names(user_ids, known=[activity.responsible, activity.created_by]),
        outcome_kinds=services.outcome_kind_names() if entries else {},
        can_edit=services.can_edit_activity(current_user, activity),
        sections=activity_page.render(activity))


@bp.route("/<int:activity_id>/edit", methods=["GET", "POST"])
@allow(*EDITORS)
def edit(activity_id: int):
    """Change an activity; a save based on an outdated version is refused and the difference shown."""
    activity = _activity_or_404(activity_id)
    if not services.can_edit_activity(current_user, activity):
        refuse(NOT_YOURS, link=url_for("activities.detail", activity_id=activity.id),
               link_label=_("Back to the activity"))
    choices = services.form_choices(keep_responsible_id=activity.responsible_id)
    defaults = services.form_defaults(activity, current_user) if request.method == "GET" else None
    form = EditActivityForm(data=defaults, choices=choices, keep_responsible_id=activity.responsible_id)
    conflict = None
    if form.validate_on_submit():
        data = form.to_data()
        result = attempt(lambda: services.update_activity(current_user, activity, data,
                                                          expected_version=form.version.data),
                         form=form, show=False)
        if result.ok:
            flash(_("Activity “%(title)s” saved.", title=activity.title), "success")
            return redirect(url_for("activities.detail", activity_id=activity.id))
        if isinstance(result.error, StaleEdit):  # nothing of this save is written: show both versions
            conflict = services.describe_conflict(activity_id, data)
            # The form now carries the version the user has seen, so saving again is a deliberate choice.
            form.version.raw_data = None
            form.version.data = conflict["version"]
        else:
            show_error(result.error, form)
    if conflict and conflict["deleted"]:
        flash(_("This activity was deleted while you were editing it; your changes were not saved."), "error")
        return redirect(url_for("activities.index"))
    status = 409 if conflict else 200  # a form with errors is an ordinary page; a conflict is not
    return render_template("activities/form.html", form=form, activity=activity, conflict=conflict,
                           conflict_message=CONFLICT_MESSAGE), status


@bp.route("/<int:activity_id>/delete", methods=["POST"])
@allow(*EDITORS)
def delete(activity_id: int):
    """Soft-delete an activity: it leaves lists and totals but stays in the database and the record."""
    activity = _activity_or_404(activity_id)
    if not services.can_edit_activity(current_user, activity):
        refuse(NOT_YOURS, link=url_for("activities.detail", activity_id=activity.id),
               link_label=_("Back to the activity"))
    title = activity.title
    result = attempt(lambda: services.delete_activity(current_user, activity), show=False)
    if isinstance(result.error, StaleEdit):  # someone saved it in the same instant: let the user see it first
        flash(_("Someone else saved this activity since you opened it. Nothing was deleted: look at their change, then "
                "delete again if needed."), "error")
    elif result.error is not None:
        flash(str(result.error), "error")
    if not result.ok:
        return redirect(url_for("activities.detail", activity_id=activity_id))
    flash(_("Activity “%(title)s” deleted.", title=title), "success")
    return redirect(url_for("activities.index"))
