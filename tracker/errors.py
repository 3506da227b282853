"""Friendly error pages: never a traceback, and never "nothing was saved" after a change was committed."""
from flask import Flask, g, request
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import OperationalError
from werkzeug.exceptions import HTTPException, RequestEntityTooLarge

from .core import security_log
from .core.access import Refusal
from .core.http import render_error, rollback_quietly, same_origin_referrer
from .core.transaction import committed_in_this_request

SAVED_BUT_NOT_SHOWN = _l("Your change was saved, but the page that follows could not be shown. The error was "
                         "logged. Do not send the form again: open the page anew to see your change.")


def register(app: Flask) -> None:
    """Install the error handlers."""

    @app.errorhandler(CSRFError)
    def csrf_error(error):
        rollback_quietly()
        security_log.event("csrf_failed", outcome=security_log.DENIED, reason=error.description)
        return render_error(400, _("The form expired or did not come from this site. Go back, reload it and try "
                                   "again."))

    @app.errorhandler(RequestEntityTooLarge)
    def too_large(error):
        rollback_quietly()
        limit = app.config["MAX_UPLOAD_MB"]
        return render_error(413, _("The upload is larger than the limit of %(limit)s MB. Nothing was saved. "
                                   "Go back and choose a smaller file.", limit=limit), back_url=same_origin_referrer())

    @app.errorhandler(Refusal)
    def refused(error):
        rollback_quietly()
        g.refusal_reason = error.reason  # for the security log's access_denied event
        return render_error(403, error.reason, link=error.link, link_label=error.link_label)

    @app.errorhandler(HTTPException)
    def http_error(error):
        rollback_quietly()
        return render_error(error.code or 500)

    @app.errorhandler(OperationalError)
    def database_unavailable(error):
        rollback_quietly()
        app.logger.exception("Database error on %s %s", request.method, request.path)
        return render_error(503, SAVED_BUT_NOT_SHOWN if committed_in_this_request() else None)

    @app.after_request
    def log_forbidden(response):
        # Here rather than in the 403 handler: a view may answer 403 without raising.
        if response.status_code == 403:
            reason = {"reason": g.refusal_reason} if "refusal_reason" in g else {}
            security_log.event("access_denied", outcome=security_log.DENIED, status=403, endpoint=request.endpoint,
                               **reason)
        return response

    @app.errorhandler(Exception)
    def unexpected(error):
        rollback_quietly()
        app.logger.exception("Unhandled error on %s %s", request.method, request.path)
        return render_error(500, SAVED_BUT_NOT_SHOWN if committed_in_this_request() else None)
