"""Access control: login on every page, a declared role policy on every view, security headers."""

from flask import abort, current_app, redirect, request, url_for
from flask_login import current_user

# Endpoints reachable without logging in. Everything else needs a login and a role policy.
PUBLIC_ENDPOINTS = frozenset({"auth.login", "static", "bootstrap.static"})

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


def enforce_access():
    """Before every request: log in first, then check the view's role policy (deny by default)."""
    endpoint = request.endpoint
    if endpoint is None or endpoint in PUBLIC_ENDPOINTS:
        return None  # 404s and public pages
    if not current_user.is_authenticated:
        if request.method == "GET":
            return redirect(url_for("auth.login", next=request.full_path.rstrip("?")))
        abort(401)
    view = current_app.view_functions.get(endpoint)
    allowed = getattr(view, "allowed_roles", None)
    if not allowed or current_user.role not in allowed:
        abort(403)
    return None


def security_headers(response):
    """Set the security headers on every response (views may tighten the CSP further)."""
    response.headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("X-Frame-Options", "DENY")
    response.headers.setdefault("Referrer-Policy", "same-origin")
    response.headers.setdefault("Cross-Origin-Opener-Policy", "same-origin")
    response.headers.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
    if current_user and getattr(current_user, "is_authenticated", False):
        # Pages behind a login must not be kept by shared caches or shown again from history after logout.
        response.headers.setdefault("Cache-Control", "no-store")
    return response
