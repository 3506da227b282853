"""The API's blueprints and rules: a bearer token or a session, scope and CSRF on writes, JSON errors, a rate limit."""
import time

from flask import Blueprint as FlaskBlueprint
from flask import current_app, g, request
from flask_babel import gettext as _
from flask_login import current_user
from flask_smorest import Api, Blueprint
from flask_smorest import abort as smorest_abort
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import OperationalError
from werkzeug.exceptions import HTTPException, InternalServerError, RequestEntityTooLarge

from ..auth.tokens import allows_write
from ..core.access import Refusal
from ..core.errors import Conflict, DomainError
from ..core.http import rollback_quietly
from ..core.transaction import attempt, committed_in_this_request
from ..extensions import csrf, limiter

PREFIX = "/api/v1"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})

bp = Blueprint("api", __name__, url_prefix=PREFIX,
               description="The plan, activities, evidence, indicators and assessments, as JSON.")
# The OpenAPI document itself: the same authentication and JSON errors, outside the document.
reference_bp = Blueprint("api_reference", __name__, url_prefix=PREFIX)
# The browsable reference: a page like the others (a login, or the login page; HTML error pages).
docs_bp = FlaskBlueprint("api_docs", __name__, url_prefix=PREFIX)


class TrackerApi(Api):
    """flask-smorest's Api, without its app-wide JSON error handler: the pages keep their own error pages."""

    def _register_error_handlers(self):
        """Leave errors to the API blueprints' handlers (see `register_errors`)."""


# The error answers operations document, each a response component of the document (see `register`).
ERROR_RESPONSES = {
    401: ("UNAUTHORIZED", "No token or login, or a token that is not valid, expired or revoked."),
    403: ("FORBIDDEN", "The role, the record's owner or the token's scope does not allow this."),
    404: ("NOT_FOUND", "Nothing at this address (or nothing this role may read there)."),
    409: ("CONFLICT", "Someone saved a newer version (current_version says which), or the year is locked."),
    429: ("TOO_MANY_REQUESTS", "Too many requests with this token or login: wait a minute."),
}


def errors(*codes: int):
    """Document the error answers an operation gives, beside the 422 of its arguments."""

    def decorate(view):
        for code in codes:
            view = bp.alt_response(code, response=ERROR_RESPONSES[code][0])(view)
        return view

    return decorate


def _rate_key() -> str:
    """Count requests per token, else per user, else per address (an anonymous request is refused anyway)."""
    if current_user.is_authenticated:
        token = g.get("api_token")
        return f"api:token:{token.id}" if token is not None else f"api:user:{current_user.id}"
    return f"api:address:{request.remote_addr}"


def _rate_limit() -> str:
    """The API's limit per token or user (API_RATE_LIMIT)."""
    return current_app.config["API_RATE_LIMIT"]


limiter.limit(_rate_limit, key_func=_rate_key)(bp)
csrf.exempt(bp)  # a token needs no CSRF token; a session cookie still does (`_scope_and_csrf`)


@bp.before_request
def _scope_and_csrf():
    """Writes: a read-only token is refused; a session cookie must carry its CSRF token, as a form does."""
    if request.method in SAFE_METHODS:
        return
    token = g.get("api_token")
    if not allows_write(token):
        smorest_abort(403, message=_("This token is read only: create a read and write token to change data."))
    if token is None and current_app.config["WTF_CSRF_ENABLED"]:
        csrf.protect()  # a browser's cookie rides along with any site's request: only our pages know the token


def error_body(code: int, message: str, errors: dict | None = None) -> dict:
    """The one shape of every API error: code, status name, message, and per-field messages when there are."""
    from werkzeug.http import HTTP_STATUS_CODES

    body = {"code": code, "status": HTTP_STATUS_CODES.get(code, "Error"), "message": message}
    if errors:
        body["errors"] = errors
    return body


def _field_errors(data) -> dict | None:
    """webargs' errors by location ({"json": {"title": [...]}}) as errors by field ({"title": [...]})."""
    messages = (data or {}).get("errors") or (data or {}).get("messages")
    if not isinstance(messages, dict):
        return None
    flat: dict = {}
    for location, fields in messages.items():
        if isinstance(fields, dict):
            flat.update(fields)
        else:
            flat[location] = fields
    return flat


# What an error without a message of its own says.
def _default_message(code: int) -> str:
    """A plain sentence for a status."""
    return {
        400: _("The request could not be understood."),
        401: _("Send a personal access token (Authorization: Bearer …) or log in."),
        403: _("Your role does not allow this."),
        404: _("There is nothing at this address."),
        405: _("This method is not available here."),
        409: _("This clashes with the current state of the data."),
        413: _("The request is larger than the tracker accepts."),
        422: _("Some values are not valid."),
        429: _("Too many requests: wait a minute and try again."),
    }.get(code, _("Something went wrong. The error was logged."))


def _http_error(error: HTTPException):
    """Any HTTP error of the API as JSON (a 401 also says how to authenticate)."""
    rollback_quietly()
    code = error.code or 500
    data = getattr(error, "data", None) or {}
    message = data.get("message")
    if not message and isinstance(error, Refusal):
        message = error.reason
        g.refusal_reason = error.reason  # for the security log's access_denied event
    if not message and isinstance(error, CSRFError):
        message = _("A request with a session cookie must send its CSRF token (X-CSRFToken header), or use a "
                    "personal access token instead.")
    if not message and error.description and error.description != type(error).description:
        message = str(error.description)
    body = error_body(code, message or _default_message(code), _field_errors(data) if code == 422 else None)
    if data.get("current_version") is not None:
        body["current_version"] = data["current_version"]
    headers = {"WWW-Authenticate": 'Bearer realm="api"'} if code == 401 else {}
    if code == 429 and limiter.current_limit is not None:  # when the window ends, so a script knows how long
        headers["Retry-After"] = str(max(1, int(limiter.current_limit.reset_at - time.time()) + 1))
    return body, code, headers


def _database_error(error):
    """The database did not answer: 503, saying whether the change was saved."""
    rollback_quietly()
    current_app.logger.exception("Database error on %s %s", request.method, request.path)
    message = (_("Your change was saved, but the answer could not be sent. Read the item again before retrying.")
               if committed_in_this_request() else _("The database did not answer. Nothing was saved; try again."))
    return error_body(503, message), 503


def _unexpected(error):
    """A programming error: a JSON 500, logged, never a traceback."""
    if isinstance(error, HTTPException):
        return _http_error(error)
    rollback_quietly()
    current_app.logger.exception("Unhandled error on %s %s", request.method, request.path)
    return _http_error(InternalServerError())


def register_errors(*blueprints) -> None:
    """Answer every error of these blueprints in JSON (blueprint handlers come before the app's pages).

    Called once, at import: a blueprint takes no new handler once an app has registered it.
    """
    for blueprint in blueprints:
        # Flask looks handlers up by status code first: the app's page handlers for these codes would win over
        # a blueprint's handler of HTTPException, so the blueprint names them too.
        for error in (Refusal, CSRFError, RequestEntityTooLarge):
            blueprint.register_error_handler(error, _http_error)
        blueprint.register_error_handler(HTTPException, _http_error)
        blueprint.register_error_handler(OperationalError, _database_error)
        blueprint.register_error_handler(Exception, _unexpected)


def fail(error: DomainError, field: str | None = None):
    """Answer a refused change: 409 for a conflict, else 422, with the message on its field when it has one."""
    code = 409 if isinstance(error, Conflict) else (error.status if error.status >= 500 else 422)
    name = error.field or field
    errors = {name: [str(error)]} if name and code == 422 else None
    extra = {"current_version": getattr(error, "current_version", None)}
    smorest_abort(code, message=str(error), errors=errors, **extra)


def commit(work, field: str | None = None):
    """Run a change through the transaction boundary (one commit); a refusal becomes its JSON error, on its own
    field or else on `field`."""
    result = attempt(work, show=False)
    if not result.ok:
        fail(result.error, field)
    return result.value


register_errors(bp, reference_bp)
