"""The notification list (opening it marks them read) and how each person wants them emailed."""
from flask import Blueprint, current_app, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from ..core.access import allow
from ..core.roles import EVERYONE
from ..core.transaction import attempt
from . import services
from .forms import DeliveryForm

bp = Blueprint("notifications", __name__, url_prefix="/notifications")


@bp.app_context_processor
def bell():
    """Give every page the bell's count, asked (one query) only when the navbar is drawn."""
    return {"unread_notifications": lambda: services.unread_count(current_user)}


def _render(form: DeliveryForm, notifications, unread_ids, status: int = 200):
    """The list with the settings form."""
    return render_template("notifications/index.html", notifications=notifications, unread_ids=unread_ids,
                           form=form, hour="%02d" % current_app.config["DIGEST_HOUR_UTC"]), status


@bp.route("/")
@allow(*EVERYONE)
def index():
    """My latest notifications, newest first; opening the list marks them read (in this request's one commit)."""
    notifications = services.latest(current_user)
    unread_ids = {n.id for n in notifications if n.read_at is None}
    if unread_ids:
        attempt(lambda: services.mark_read(current_user, notifications))
    form = DeliveryForm(delivery="digest" if current_user.email_digest else "immediate")
    return _render(form, notifications, unread_ids)


@bp.route("/settings", methods=["POST"])
@allow(*EVERYONE)
def settings():
    """Choose immediate emails or one daily digest."""
    form = DeliveryForm()
    if form.validate_on_submit():
        digest = form.delivery.data == "digest"
        if attempt(lambda: services.set_email_digest(current_user, digest), form=form).ok:
            flash(_("You will get one digest a day.") if digest else _("You will get an email for each notification."),
                  "success")
            return redirect(url_for("notifications.index"))
    return _render(form, services.latest(current_user), set(), 400)
