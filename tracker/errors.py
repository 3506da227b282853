"""Friendly error pages: never a traceback."""
from urllib.parse import urlsplit

from flask import Flask, render_template, request
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException, RequestEntityTooLarge

from .extensions import db

MESSAGES = {
    400: ("Bad request", "The request could not be understood."),
    401: ("Please log in", "You need to log in to do this."),
    403: ("Not allowed", "Your role does not allow this page or action."),
    404: ("Not found", "There is nothing at this address."),
    405: ("Not allowed", "This action is not available here."),
    413: ("File too large", "The upload is larger than the tracker accepts."),
    429: ("Too many attempts", "Please wait a moment and try again."),
    500: ("Something went wrong", "The error was logged. Nothing was saved. Please try again."),
}


def render_error(code: int, detail: str | None = None, back_url: str | None = None):
    """Render the error page for a status code."""
    title, message = MESSAGES.get(code, ("Error", "Something went wrong."))
    return render_template("errors/error.html", code=code, title=title, message=detail or message,
                           back_url=back_url), code


def same_origin_referrer() -> str | None:
    """The page the request came from, as a local path, if it is on this site."""
    referrer = request.referrer
    if not referrer:
        return None
    parts = urlsplit(referrer)
    if parts.scheme not in ("http", "https") or parts.netloc != request.host or not parts.path.startswith("/") \
            or parts.path.startswith("//"):
        return None
    return parts.path + (f"?{parts.query}" if parts.query else "")


def register(app: Flask) -> None:
    """Install the error handlers."""

    @app.errorhandler(CSRFError)
    def csrf_error(error):
        db.session.rollback()
        return render_error(400, "The form expired or did not come from this site. Go back, reload it and try again.")

    @app.errorhandler(RequestEntityTooLarge)
    def too_large(error):
        db.session.rollback()
        limit = app.config["MAX_UPLOAD_MB"]
        return render_error(413, f"The upload is larger than the limit of {limit} MB. Nothing was saved. "
                                 "Go back and choose a smaller file.", back_url=same_origin_referrer())

    @app.errorhandler(HTTPException)
    def http_error(error):
        db.session.rollback()
        return render_error(error.code or 500)

    @app.errorhandler(Exception)
    def unexpected(error):
        db.session.rollback()
        app.logger.exception("Unhandled error on %s %s", request.method, request.path)
        return render_error(500)
