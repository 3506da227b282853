"""Access control: login on every page, a declared role policy on every view, security headers."""

from flask import abort, current_app, g, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from ..core.access import refuse, role_refusal_reason
from . import second_factor

# Endpoints reachable without logging in. Everything else needs a login and a role policy.
PUBLIC_ENDPOINTS = frozenset({"auth.login", "auth.login_code", "auth.invitation", "static", "bootstrap.static"})

CONTENT_SECURITY_POLICY = "; ".join([
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data:",
    "font-src 'self'",
    "connect-src 'self'",
    "object-src 'none'",
    "base-uri 'self'",
    "form-action 'self'",
    "frame-ancestors 'none'",
])


def answer_in_json(app, *blueprints: str) -> None:
    """Mark blueprints (the API's) whose requests may carry a bearer token and whose refusals are JSON 401 and 403
    answers, never a redirect to the login page."""
    app.extensions.setdefault("tracker_json_blueprints", set()).update(blueprints)


def answers_json() -> bool:
    """Tell whether this request is to a blueprint that answers in JSON (the API)."""
    return request.blueprint in current_app.extensions.get("tracker_json_blueprints", ())


def enforce_access():
    """Before every request: log in first, then check the view's role policy (deny by default)."""
    endpoint = request.endpoint
    if endpoint is None or endpoint in PUBLIC_ENDPOINTS:
        return None  # 404s and public pages
    json = answers_json()
    if not current_user.is_authenticated:
        if request.method == "GET" and not json:
            return redirect(url_for("auth.login", next=request.full_path.rstrip("?")))
        abort(401, description=g.get("token_refusal") or (
            _("Send a personal access token (Authorization: Bearer …) or log in.") if json else None))
    detour = _account_first(endpoint)
    if detour:
        if request.method == "GET" and not json:
            return redirect(url_for(detour))
        refuse(_("Finish setting up your account first: a new password or a second factor is needed."),
               link=url_for(detour), link_label=_("Open your account"))
    view = current_app.view_functions.get(endpoint)
    allowed = getattr(view, "allowed_roles", None)
    if not allowed or current_user.role not in allowed:
        refuse(role_refusal_reason(current_user.role, allowed))
    return None


# What an account that owes a new password or a second factor may still reach.
ACCOUNT_ENDPOINTS = frozenset({"auth.account", "auth.logout", "auth.second_factor_setup"})


def _account_first(endpoint: str) -> str | None:
    """The account page a user must visit before any other: a password someone else chose, then a second factor
    their role requires."""
    if endpoint in ACCOUNT_ENDPOINTS:
        return None
    if current_user.must_change_password:
        return "auth.account"
    if second_factor.required(current_user) and not second_factor.enabled(current_user):
        return "auth.second_factor_setup"
    return None


def security_headers(response):
    """Set the security headers on every response (views may tighten the CSP further)."""
    response.headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("X-Frame-Options", "DENY")
    response.headers.setdefault("Referrer-Policy", "same-origin")
    response.headers.setdefault("Cross-Origin-Opener-Policy", "same-origin")
    response.headers.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
    if current_app.config["HSTS_SECONDS"]:
        response.headers.setdefault("Strict-Transport-Security",
                                    f"max-age={current_app.config['HSTS_SECONDS']}; includeSubDomains")
    if current_user and getattr(current_user, "is_authenticated", False):
        # Pages behind a login must not be kept by shared caches or shown again from history after logout.
        response.headers.setdefault("Cache-Control", "no-store")
    return response
