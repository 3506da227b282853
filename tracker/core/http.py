"""Error pages as every feature renders them: a status, a plain message, and a way back."""
from urllib.parse import urlsplit

from flask import render_template, request

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
