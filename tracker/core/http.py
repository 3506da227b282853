"""Error pages as every feature renders them: a status, a plain message, and a way back."""
from urllib.parse import urlsplit

from flask import Request, current_app, render_template, request
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from werkzeug.datastructures import ImmutableMultiDict
from werkzeug.exceptions import BadRequest

from ..extensions import db, login_manager
from ..urls import local_path

# The flash category of a confirmation shown beside the form or block it is about (and focused), rather than at the
# top of the page: the page that receives it renders it (templates/_macros/forms.html, inline_status).
INLINE = "inline"

MESSAGES = {
    400: (_l("Bad request"), _l("The request could not be understood.")),
    401: (_l("Please log in"), _l("You need to log in to do this.")),
    403: (_l("Not allowed"), _l("Your role does not allow this page or action.")),
    404: (_l("Not found"), _l("There is nothing at this address.")),
    405: (_l("Not allowed"), _l("This action is not available here.")),
    413: (_l("File too large"), _l("The upload is larger than the tracker accepts.")),
    429: (_l("Too many attempts"), _l("Please wait a moment and try again.")),
    500: (_l("Something went wrong"), _l("The error was logged. Nothing was saved. Please try again.")),
    503: (_l("Not available just now"), _l("The tracker's database did not answer. Nothing was saved. "
                                          "Please try again in a few minutes.")),
}


class TrackerRequest(Request):
    """A request whose form never holds a part without a name: such a body is refused with a 400."""

    def _load_form_data(self) -> None:
        """Parse the form; a multipart part without name= (a None key the CSRF check would trip on) is refused."""
        super()._load_form_data()
        if None in self.form or None in self.files:
            for _name, upload in self.files.items(multi=True):
                upload.close()  # the request will not close what it no longer holds
            # Keep nothing of it: any later reader of the form sees an empty one, never the None key.
            self.__dict__["form"] = self.__dict__["files"] = ImmutableMultiDict()
            raise BadRequest("A part of the form has no name.")


def render_error(code: int, detail: str | None = None, back_url: str | None = None, *, link: str | None = None,
                 link_label: str | None = None):
    """Render the error page for a status code, even when the database is down or the Host header is unusable."""
    title, message = MESSAGES.get(code, (_("Error"), _("Something went wrong.")))
    context = {"code": code, "title": str(title), "message": str(detail or message), "back_url": back_url,
               "link": link, "link_label": link_label or _("Go there")}
    _load_user_or_anonymous()
    try:
        return render_template("errors/error.html", **context), code
    except Exception:  # noqa: BLE001  (the full page needs routing and the database; this one must still answer)
        current_app.logger.exception("The error page of a %s could not be rendered; sending the plain one", code)
        rollback_quietly()
        login_manager._update_request_context_with_user()  # anonymous: the response headers ask who is logged in
        home = request.script_root + "/"
        page = current_app.jinja_env.get_template("errors/plain.html").render(
            **context, home=home, language=_page_language(),
            stylesheet=request.script_root + current_app.static_url_path + "/css/app.css")
        return page, code


def _page_language() -> str:
    """The plain page's language code, for its <html lang> (it has no context processors)."""
    from .i18n import current_locale

    return current_locale().language


def _load_user_or_anonymous() -> None:
    """Load who is logged in, or take them as anonymous when that fails (a database that does not answer)."""
    try:
        current_user.is_authenticated  # noqa: B018  (loads the user once for the page and the headers)
    except Exception:  # noqa: BLE001  (whatever the database raised, the error page goes on without a user)
        rollback_quietly()
        login_manager._update_request_context_with_user()  # no argument: the anonymous user


def rollback_quietly() -> None:
    """Roll the session back; a database that cannot even roll back must not stop an error page."""
    try:
        db.session.rollback()
    except Exception:  # noqa: BLE001
        current_app.logger.warning("Rollback failed while answering an error", exc_info=True)


def same_origin_referrer() -> str | None:
    """The page the request came from, as a local path, if it is on this site."""
    referrer = request.referrer
    if not referrer:
        return None
    try:
        parts = urlsplit(referrer)
    except ValueError:
        return None
    if parts.scheme not in ("http", "https") or parts.netloc != request.host:
        return None
    return local_path(parts.path + (f"?{parts.query}" if parts.query else ""), None)
