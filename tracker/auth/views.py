"""Login, logout and the account page."""
from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_user, logout_user

from ..core.access import allow
from ..core.roles import EVERYONE
from ..core.transaction import attempt
from ..extensions import db, login_manager
from ..urls import local_path
from . import services
from .forms import ChangePasswordForm, LoginForm

bp = Blueprint("auth", __name__)


@login_manager.user_loader
def load_user(token: str):
    """Load the user of a live login session."""
    return services.load_session_user(token)





@bp.route("/login", methods=["GET", "POST"])
def login():
    """Log in with email and password."""
    if current_user.is_authenticated:
        return redirect(local_path(request.args.get("next"), url_for("overview.index")))
    form = LoginForm()
    if form.validate_on_submit():
        try:
            user = services.authenticate(form.email.data, form.password.data)
        except services.AccountLocked:
            db.session.commit()
            form.email.errors.append("Too many failed attempts: this account is locked for a while. "
                                     "Try again later or ask an administrator to reset your password.")
            return render_template("auth/login.html", form=form), 429
        if user is None:
            db.session.commit()  # keep the failure count
            form.password.errors.append("The email or password is not right.")
            return render_template("auth/login.html", form=form), 200
        services.open_session(user)
        db.session.commit()
        login_user(user)
        return redirect(local_path(request.args.get("next"), url_for("overview.index")))
    return render_template("auth/login.html", form=form)


@bp.route("/logout", methods=["POST"])
@allow(*EVERYONE)
def logout():
    """End the login session for good, so a copy of the cookie no longer works."""
    services.revoke_session(current_user.session_token)
    db.session.commit()
    logout_user()
    flash("You are logged out.", "info")
    return redirect(url_for("auth.login"))


@bp.route("/account", methods=["GET", "POST"])
@allow(*EVERYONE)
def account():
    """See one's account and change one's password."""
    form = ChangePasswordForm()
    if form.validate_on_submit():
        if not current_user.check_password(form.current_password.data):
            form.current_password.errors.append("This is not your current password.")
        else:
            changed = attempt(lambda: services.set_password(current_user, current_user, form.new_password.data,
                                                            keep_session=current_user.session_token), form=form)
            if changed.ok:
                flash("Your password is changed. Your other sessions were logged out.", "success")
                return redirect(url_for("auth.account"))
    return render_template("auth/account.html", form=form)
