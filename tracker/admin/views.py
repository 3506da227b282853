"""The administrator's user management pages."""
from flask import Blueprint, flash, redirect, render_template, url_for
from flask_login import current_user
from sqlalchemy import select

from ..auth import second_factor
from ..auth.forms import ActionForm
from ..auth.models import User
from ..core.access import allow
from ..core.roles import ADMINS
from ..core.transaction import attempt
from ..extensions import db
from . import services
from .forms import CreateUserForm, ResetPasswordForm, UserForm

bp = Blueprint("admin", __name__, url_prefix="/admin")


@bp.route("/users")
@allow(*ADMINS)
def users():
    """Every account."""
    rows = db.session.scalars(select(User).order_by(User.name)).all()
    return render_template("admin/users.html", users=rows)


@bp.route("/users/new", methods=["GET", "POST"])
@allow(*ADMINS)
def create_user():
    """Create an account."""
    form = CreateUserForm()
    if form.validate_on_submit():
        result = attempt(lambda: services.create_user(current_user, form.email.data, form.name.data, form.role.data,
                                                      form.new_password.data, active=form.active.data), form=form)
        if result.ok:
            flash(f"Account created for {result.value.email}.", "success")
            return redirect(url_for("admin.users"))
    return render_template("admin/user_form.html", form=form, user=None)


@bp.route("/users/<int:user_id>", methods=["GET", "POST"])
@allow(*ADMINS)
def edit_user(user_id: int):
    """Change a user's name, role or active flag."""
    user = db.get_or_404(User, user_id)
    form = UserForm(obj=user)
    if form.validate_on_submit():
        if user.id == current_user.id and (form.role.data != user.role or not form.active.data):
            form.role.errors.append("You cannot change your own role or deactivate yourself; ask another admin.")
        else:
            result = attempt(lambda: services.update_user(current_user, user, name=form.name.data,
                                                          role=form.role.data, active=form.active.data), form=form)
            if result.ok:
                flash(f"Saved {user.email}.", "success")
                return redirect(url_for("admin.users"))
    return render_template("admin/user_form.html", form=form, user=user, reset_form=ResetPasswordForm())


@bp.route("/users/<int:user_id>/password", methods=["POST"])
@allow(*ADMINS)
def reset_password(user_id: int):
    """Set a new password for a user and end their sessions."""
    user = db.get_or_404(User, user_id)
    reset_form = ResetPasswordForm()
    if reset_form.validate_on_submit():
        if attempt(lambda: services.reset_password(current_user, user, reset_form.new_password.data),
                   form=reset_form).ok:
            flash(f"New password set for {user.email}; their sessions were ended.", "success")
            return redirect(url_for("admin.edit_user", user_id=user.id))
    return render_template("admin/user_form.html", form=UserForm(obj=user), user=user, reset_form=reset_form), 200


@bp.route("/users/<int:user_id>/second-factor", methods=["POST"])
@allow(*ADMINS)
def reset_second_factor(user_id: int):
    """Turn off a user's lost second factor (never one's own: another administrator or the command line does it)."""
    user = db.get_or_404(User, user_id)
    if ActionForm().validate_on_submit():
        if attempt(lambda: second_factor.reset_by_admin(current_user, user)).ok:
            flash(f"The second factor of {user.email} is off; they set it up again at their next login.", "success")
    return redirect(url_for("admin.edit_user", user_id=user.id))
