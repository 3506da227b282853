"""The interface's languages: which one a request speaks, and the catalogues that translate it."""
from babel import Locale
from flask import current_app, has_app_context, has_request_context, request
from flask_babel import force_locale, get_locale
from flask_login import current_user

# The association's three working languages, each named in itself (the picker reads the same in every language).
LANGUAGES = {"en": "English", "fr": "Français", "es": "Español"}
DEFAULT_LANGUAGE = "en"
# Before logging in, a visitor may pick a language on the login page (?lang=fr): kept in this cookie a year.
LANGUAGE_COOKIE = "lang"
LANGUAGE_COOKIE_SECONDS = 365 * 24 * 3600


def select_locale() -> str | None:
    """The request's language: the user's choice, else one picked at login (?lang=), else the browser's."""
    if not has_request_context():
        return None  # a job or a command: English unless the caller forces a language (flask_babel.force_locale)
    chosen = getattr(current_user, "language", None) if current_user else None
    if chosen in LANGUAGES:
        return chosen
    for picked in (request.args.get(LANGUAGE_COOKIE), request.cookies.get(LANGUAGE_COOKIE)):
        if picked in LANGUAGES:
            return picked
    return request.accept_languages.best_match(LANGUAGES, default=DEFAULT_LANGUAGE)


def remember_picked_language(response):
    """Keep the language a visitor picked with ?lang= (the login page's switch) for the pages that follow."""
    picked = request.args.get(LANGUAGE_COOKIE)
    if picked in LANGUAGES and request.cookies.get(LANGUAGE_COOKIE) != picked:
        response.set_cookie(LANGUAGE_COOKIE, picked, max_age=LANGUAGE_COOKIE_SECONDS, httponly=True, samesite="Lax",
                            secure=current_app.config.get("SESSION_COOKIE_SECURE", False))
    return response


def language_name(code: str | None) -> str:
    """A language's name in itself, for pickers and labels."""
    return LANGUAGES.get(code or DEFAULT_LANGUAGE, LANGUAGES[DEFAULT_LANGUAGE])


def current_locale() -> Locale:
    """The locale dates and numbers are written in: the page's (or the forced) language, else English."""
    locale = get_locale() if has_app_context() else None
    return locale or Locale.parse(DEFAULT_LANGUAGE)


def recipient_language(user) -> str:
    """The language of what is written to a person away from their browser (emails): theirs, else English."""
    chosen = getattr(user, "language", None)
    return chosen if chosen in LANGUAGES else DEFAULT_LANGUAGE


def speaking_to(user):
    """Write within this block in the recipient's language (an email, a notification): a context manager."""
    return force_locale(recipient_language(user))
