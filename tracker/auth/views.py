"""Login (password, then the second factor), logout, and the account page: password, sessions, second factor."""
import time

from flask import Blueprint, flash, g, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import refresh
from flask_login import current_user, login_user, logout_user

from ..core import i18n, security_log
from ..core.access import allow
from ..core.roles import EVERYONE
from ..core.transaction import attempt
from ..extensions import login_manager
from ..urls import local_path
from . import invitations, second_factor, services, sessions, throttle, tokens
from .access import answers_json
from .forms import (
    ActionForm,
    ChangePasswordForm,
    ChoosePasswordForm,
    CodeForm,
    EnableSecondFactorForm,
    LanguageForm,
    LoginForm,
    ProveCodeForm,
    TokenForm,
)
from .models import User

bp = Blueprint("auth", __name__)

PENDING = "second_factor_pending"  # the cookie session's record of a right password awaiting its second factor
PENDING_SECONDS = 300
NEW_SECRET = "second_factor_new_secret"  # the secret being set up, until a code confirms it
NOT_RIGHT = _l("The email or password is not right.")


@login_manager.user_loader
def load_user(token: str):
    """Load the user of a live login session."""
    return sessions.load_session_user(token)


@login_manager.request_loader
def load_token_user(incoming):
    """Without a login session, load the user of a bearer token: on the API only (pages need a login)."""
    if not answers_json():
        return None
    plain = tokens.bearer_token(incoming.headers.get("Authorization"))
    if plain is None:
        return None
    verdict = tokens.verify(plain)
    g.api_token, g.token_refusal = verdict.token, verdict.refusal  # the scope check and the 401 read them
    return verdict.user


def _after_login() -> str:
    """Where a login goes: the page asked for, if it is one of ours."""
    return local_path(request.args.get("next"), url_for("home.index"))


def _sign_in(user: User):
    """Open the login session (a fresh cookie session: nothing from before the login carries over)."""
    target = _after_login()
    opened = attempt(lambda: sessions.open_session(user, request.remote_addr, request.user_agent.string))
    if not opened.ok:
        return redirect(url_for("auth.login"))
    session.clear()
    login_user(user)
    security_log.login_succeeded(user, second_factor=second_factor.enabled(user))
    return redirect(target)


bp.after_app_request(i18n.remember_picked_language)  # the login page's language switch (?lang=fr)


@bp.route("/login", methods=["GET", "POST"])
def login():
    """Log in with email and password; the same answer, in the same time, for every refusal."""
    if current_user.is_authenticated:
        return redirect(_after_login())
    form = LoginForm()
    if form.validate_on_submit():
        checked = attempt(lambda: services.authenticate(form.email.data, form.password.data, request.remote_addr))
        user = checked.value
        if user is None:
            form.password.errors.append(NOT_RIGHT)
            return render_template("auth/login.html", form=form), 200
        if second_factor.enabled(user):
            session[PENDING] = {"user": user.id, "at": time.time()}
            return redirect(url_for("auth.login_code", next=request.args.get("next")))
        return _sign_in(user)
    return render_template("auth/login.html", form=form, logged_out=request.args.get("bye") == "1")


def _pending_user() -> User | None:
    """The user whose password was right a moment ago and who now owes the second factor."""
    pending = session.get(PENDING)
    if not pending or time.time() - pending.get("at", 0) > PENDING_SECONDS:
        return None
    return services.get_user(pending.get("user"))


@bp.route("/login/code", methods=["GET", "POST"])
def login_code():
    """The second step of a login: a code from the authenticator app, or a recovery code."""
    user = _pending_user()
    if user is None:
        session.pop(PENDING, None)
        flash(_("Log in again: the code must follow the password within five minutes."), "info")
        return redirect(url_for("auth.login"))
    form = CodeForm()
    if form.validate_on_submit():
        address = request.remote_addr
        if not throttle.allowed(user.email, address):
            form.code.errors.append(_("This code is not right (or was already used)."))
            security_log.throttled("second_factor", user=user)
        else:
            proved = attempt(lambda: second_factor.verify(user, form.code.data), form=form)
            if proved.ok:
                security_log.second_factor(user, "verify", factor=proved.value)
                session.pop(PENDING, None)
                if proved.value == "recovery":
                    flash(_("You used a recovery code. Make new ones on your account page if few are left."), "warning")
                return _sign_in(user)
            throttle.failed(user.email, address)
            security_log.second_factor(user, "verify", ok=False)
    return render_template("auth/login_code.html", form=form)


@bp.route("/invitation", methods=["GET", "POST"])
def invitation():
    """Choose one's password from an emailed link (?token=...: a query string stays out of the security log)."""
    token = request.args.get("token", "")
    found = attempt(lambda: invitations.usable(token), show=False)
    if not found.ok:
        return render_template("auth/invitation_refused.html", message=str(found.error)), found.status
    form = ChoosePasswordForm()
    if form.validate_on_submit():
        if attempt(lambda: invitations.accept(token, form.new_password.data), form=form).ok:
            flash(_("Your password is set. Log in with it."), "success")
            return redirect(url_for("auth.login"))
    return render_template("auth/invitation.html", form=form, invitation=found.value)


@bp.route("/logout", methods=["POST"])
@allow(*EVERYONE)
def logout():
    """End the login session for good, so a copy of the cookie no longer works; the browser forgets the rest."""
    token = current_user.session_token
    attempt(lambda: sessions.revoke_session(token))
    logout_user()
    session.clear()
    # The browser drops this site's cookies, storage and cached pages; the login page says why it is shown.
    response = redirect(url_for("auth.login", bye=1))
    response.headers["Clear-Site-Data"] = '"cache", "cookies", "storage"'
    return response


@bp.route("/account", methods=["GET", "POST"])
@allow(*EVERYONE)
def account():
    """See one's account, change one's password, and see or end one's sessions."""
    form = ChangePasswordForm()
    if form.validate_on_submit():
        address = request.remote_addr
        # The current password is a password guess like a login's: throttled and counted the same way.
        if not throttle.allowed(current_user.email, address) or not current_user.check_password(
                form.current_password.data):
            throttle.failed(current_user.email, address)
            security_log.login_failed(current_user.email, reason="wrong_current_password", user=current_user)
            form.current_password.errors.append(_("This is not your current password."))
        else:
            changed = attempt(lambda: _change_own_password(form.new_password.data), form=form)
            if changed.ok:
                flash(_("Your password is changed. Your other sessions were logged out."), "success")
                return redirect(url_for("auth.account"))
    return _account_page(form)


def _account_page(form, token_form=None, status: int = 200):
    """The account page, with the password and token forms as posted (with their errors) or fresh."""
    return render_template("auth/account.html", form=form, sessions=sessions.live_sessions(current_user),
                           end_form=ActionForm(), second_factor=second_factor,
                           codes_left=second_factor.recovery_codes_left(current_user),
                           language_form=LanguageForm(language=current_user.language or ""),
                           tokens=tokens.live_tokens(current_user), scope_labels=tokens.SCOPE_LABELS,
                           token_form=token_form or TokenForm(formdata=None),
                           token_problem=tokens.creation_problem(current_user)), status


@bp.route("/account/language", methods=["POST"])
@allow(*EVERYONE)
def account_language():
    """Choose the language of one's pages and emails (or follow the browser's); the next page speaks it."""
    form = LanguageForm()
    if form.validate_on_submit():
        if attempt(lambda: services.set_language(current_user, current_user, form.language.data)).ok:
            refresh()  # the confirmation already speaks the chosen language
            flash(_("Your language is saved."), "success")
    else:
        flash(_("Choose one of the languages offered."), "error")
    return redirect(url_for("auth.account"))



@bp.route("/account/tokens", methods=["POST"])
@allow(*EVERYONE)
def create_token():
    """Create a personal access token for the API and show it, this once."""
    token_form = TokenForm()
    if token_form.validate_on_submit():
        made = attempt(lambda: tokens.create_token(current_user, token_form.name.data, token_form.scope.data,
                                                   token_form.days.data), form=token_form)
        if made.ok:
            return render_template("auth/token_created.html", token=made.value.token, plain=made.value.plain,
                                   scope_labels=tokens.SCOPE_LABELS)
    return _account_page(ChangePasswordForm(formdata=None), token_form, status=200)


@bp.route("/account/tokens/<int:token_id>/revoke", methods=["POST"])
@allow(*EVERYONE)
def revoke_token(token_id: int):
    """Revoke one of one's tokens: whatever uses it is refused from now on."""
    if ActionForm().validate_on_submit():
        if attempt(lambda: tokens.revoke_token(current_user, token_id)).ok:
            flash(_("The token is revoked."), "success")
    return redirect(url_for("auth.account") + "#tokens")


def _change_own_password(password: str) -> None:
    """Set the user's own password, keeping this session, and log the change once it commits."""
    services.set_password(current_user, current_user, password, keep_session=current_user.session_token)
    security_log.password_changed(current_user)


@bp.route("/account/sessions/<int:session_id>/end", methods=["POST"])
@allow(*EVERYONE)
def end_session(session_id: int):
    """End one of one's other sessions (a forgotten computer, say)."""
    if ActionForm().validate_on_submit():
        if attempt(lambda: sessions.end_session(current_user, session_id, current_user.session_token)).ok:
            flash(_("That session is ended."), "success")
    return redirect(url_for("auth.account"))


@bp.route("/account/sessions/end-others", methods=["POST"])
@allow(*EVERYONE)
def end_other_sessions():
    """End every session of mine but this one."""
    if ActionForm().validate_on_submit():
        if attempt(lambda: sessions.revoke_all_sessions(current_user, keep=current_user.session_token)).ok:
            flash(_("Your other sessions are ended."), "success")
    return redirect(url_for("auth.account"))


@bp.route("/account/second-factor", methods=["GET", "POST"])
@allow(*EVERYONE)
def second_factor_setup():
    """Turn the second factor on: scan the QR code, type the code the app shows."""
    if second_factor.enabled(current_user):
        return redirect(url_for("auth.account"))
    secret = session.get(NEW_SECRET) or second_factor.new_secret()
    session[NEW_SECRET] = secret
    form = EnableSecondFactorForm()
    if form.validate_on_submit():
        enabled = attempt(lambda: second_factor.enable(current_user, secret, form.code.data), form=form)
        if enabled.ok:
            session.pop(NEW_SECRET, None)
            return render_template("auth/recovery_codes.html", codes=enabled.value)
    uri = second_factor.provisioning_uri(current_user, secret)
    grouped = " ".join(secret[i:i + 4] for i in range(0, len(secret), 4))  # easier to type; apps ignore spaces
    return render_template("auth/second_factor.html", form=form, secret=grouped, qr=second_factor.qr_svg(uri),
                           required=second_factor.required(current_user))


@bp.route("/account/second-factor/recovery-codes", methods=["POST"])
@allow(*EVERYONE)
def new_recovery_codes():
    """Make new recovery codes (the old ones stop working), proving a current code."""
    form = ProveCodeForm()
    if form.validate_on_submit():
        made = attempt(lambda: second_factor.regenerate_recovery_codes(current_user, form.code.data), show=False)
        if made.ok:
            return render_template("auth/recovery_codes.html", codes=made.value)
        flash(str(made.error), "error")
    return redirect(url_for("auth.account"))


@bp.route("/account/second-factor/off", methods=["POST"])
@allow(*EVERYONE)
def second_factor_off():
    """Turn the second factor off (only where the role does not require it), proving a current code."""
    form = ProveCodeForm()
    if form.validate_on_submit():
        off = attempt(lambda: second_factor.disable(current_user, form.code.data), show=False)
        flash(_("The second factor is off.") if off.ok else str(off.error), "success" if off.ok else "error")
    return redirect(url_for("auth.account"))

