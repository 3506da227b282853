"""The administrator's user management pages."""
from flask import Blueprint, current_app, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from ..auth import second_factor
from ..auth.forms import ActionForm
from ..auth.invitations import pending_invitations
from ..auth.models import User
from ..core.access import allow
from ..core.roles import ADMINS
from ..core.transaction import attempt
from ..extensions import db
from . import services
from .forms import InviteForm, SendLinkForm, UserForm

bp = Blueprint("admin", __name__, url_prefix="/admin")


@bp.route("/users")
@allow(*ADMINS)
def users():
    """Every account."""
    rows = db.session.scalars(select(User).order_by(User.name)).all()
    return render_template("admin/users.html", users=rows, invited=pending_invitations())


@bp.route("/users/new", methods=["GET", "POST"])
@allow(*ADMINS)
def invite():
    """Invite a person by email: they choose their own password from the link."""
    form = InviteForm()
    if form.validate_on_submit():
        result = attempt(lambda: services.invite(current_user, form.email.data, form.name.data, form.role.data,
                                                 form.language.data), form=form)
        if result.ok:
            flash(_("Invitation sent to %(email)s: the link works for %(hours)s hours.",
                    email=result.value.user.email, hours=current_app.config["INVITATION_HOURS"]), "success")
            return redirect(url_for("admin.users"))
    return render_template("admin/invite.html", form=form)


@bp.route("/users/<int:user_id>", methods=["GET", "POST"])
@allow(*ADMINS)
def edit_user(user_id: int):
    """Change a user's name, role or active flag."""
    user = db.get_or_404(User, user_id)
    form = UserForm(obj=user)
    if form.validate_on_submit():
        if user.id == current_user.id and (form.role.data != user.role or not form.active.data):
            form.role.errors.append(_("You cannot change your own role or deactivate yourself; ask another "
                                      "administrator."))
        else:
            result = attempt(lambda: services.update_user(current_user, user, name=form.name.data,
                                                          role=form.role.data, active=form.active.data), form=form)
            if result.ok:
                flash(_("Saved %(email)s.", email=user.email), "success")
                return redirect(url_for("admin.users"))
    return render_template("admin/user_form.html", form=form, user=user, link_form=SendLinkForm())


@bp.route("/users/<int:user_id>/password-link", methods=["POST"])
@allow(*ADMINS)
def send_link(user_id: int):
    """Email a user a new link to set their password (an invitation again while they have none)."""
    user = db.get_or_404(User, user_id)
    if SendLinkForm().validate_on_submit():
        if attempt(lambda: services.send_password_link(current_user, user)).ok:
            flash(_("A link to set a password was emailed to %(email)s.", email=user.email), "success")
    return redirect(url_for("admin.edit_user", user_id=user.id))


@bp.route("/users/<int:user_id>/second-factor", methods=["POST"])
@allow(*ADMINS)
def reset_second_factor(user_id: int):
    """Turn off a user's lost second factor (never one's own: another administrator or the command line does it)."""
    user = db.get_or_404(User, user_id)
    if ActionForm().validate_on_submit():
        if attempt(lambda: second_factor.reset_by_admin(current_user, user)).ok:
            flash(_("The second factor of %(email)s is off; they set it up again at their next login.",
                    email=user.email), "success")
    return redirect(url_for("admin.edit_user", user_id=user.id))
