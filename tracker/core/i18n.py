"""The interface's languages: which one a request speaks, and the catalogues that translate it."""
from babel import Locale
from flask import current_app, has_app_context, has_request_context, request
from flask_babel import force_locale, get_locale, gettext
from flask_login import current_user
from markupsafe import Markup, escape
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.hybrid import hybrid_property

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
    chosen = _users_choice()
    if chosen in LANGUAGES:
        return chosen
    for picked in (request.args.get(LANGUAGE_COOKIE), request.cookies.get(LANGUAGE_COOKIE)):
        if picked in LANGUAGES:
            return picked
    return request.accept_languages.best_match(LANGUAGES, default=DEFAULT_LANGUAGE)


def _users_choice() -> str | None:
    """The logged-in user's language, or None (also when the database cannot say: its error page must still
    render, in the browser's language)."""
    try:
        return getattr(current_user, "language", None) if current_user else None
    except SQLAlchemyError:
        return None


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


# The languages the plan's own text is translated into (English is the plan as adopted, kept verbatim).
TRANSLATED = ("fr", "es")


def current_language() -> str:
    """The language being spoken now: the request's (or a forced one), English outside any."""
    language = current_locale().language
    return language if language in LANGUAGES else DEFAULT_LANGUAGE


class Localized(str):
    """A text of the plan in the reader's language; where no translation is written, the English, marked as such.

    It is a str (comparisons, sorting, formatting and JSON see the text itself); only HTML rendering differs: the
    English shown in place of a missing translation is wrapped in a span saying so. The span's attributes carry
    no double quote, so that the text stays well-formed even where a template puts it in an attribute.
    """

    fallback: bool = False

    def __new__(cls, text: str, *, fallback: bool = False):
        made = super().__new__(cls, text)
        made.fallback = fallback
        return made

    @property
    def plain(self) -> str:
        """The text alone, for an attribute (a tooltip, a label) where no markup belongs."""
        return str(self)

    def __html__(self) -> Markup:
        """Escape the text; mark the English that stands in for a missing translation."""
        if not self.fallback:
            return escape(str(self))
        return Markup("<span lang=en class=untranslated title='%s'>%s</span>") % (gettext("Not yet translated"),
                                                                                 str(self))


def localized(english: str | None, translations: dict[str, str | None]) -> Localized | None:
    """The text for the current language: its translation, or the English marked as not yet translated."""
    if english is None:
        return None
    language = current_language()
    if language == DEFAULT_LANGUAGE:
        return Localized(english)
    text = translations.get(language)
    if text and text.strip():
        return Localized(text)
    return Localized(english, fallback=True)


def translated_text(english: str, stem: str) -> hybrid_property:
    """An attribute reading the current language's text (`<stem>_fr`, `<stem>_es`), English in queries and writes.

    On an instance it is a Localized text; on the class, the English column, so that queries filter and sort by
    the plan's own words; setting it sets the English.
    """

    def read(self) -> Localized | None:
        return localized(getattr(self, english), {code: getattr(self, f"{stem}_{code}") for code in TRANSLATED})

    def write(self, value: str) -> None:
        setattr(self, english, value)

    def column(cls):
        return getattr(cls, english)

    read.__name__ = write.__name__ = column.__name__ = stem
    read.__doc__ = f"The {stem} in the reader's language (the English where not yet translated)."
    return hybrid_property(read, write, expr=column)


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
