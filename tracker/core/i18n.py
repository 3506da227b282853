"""The interface's languages: which one a request speaks, and the catalogues that translate it."""
from flask import has_request_context, request
from flask_login import current_user

# The association's three working languages, each named in itself (the picker reads the same in every language).
LANGUAGES = {"en": "English", "fr": "Français", "es": "Español"}
DEFAULT_LANGUAGE = "en"


def select_locale() -> str | None:
    """The language of this request: the user's choice, else the browser's preference, else English."""
    if not has_request_context():
        return None  # a job or a command: English unless the caller forces a language (flask_babel.force_locale)
    chosen = getattr(current_user, "language", None) if current_user else None
    if chosen in LANGUAGES:
        return chosen
    return request.accept_languages.best_match(LANGUAGES, default=DEFAULT_LANGUAGE)


def language_name(code: str | None) -> str:
    """A language's name in itself, for pickers and labels."""
    return LANGUAGES.get(code or DEFAULT_LANGUAGE, LANGUAGES[DEFAULT_LANGUAGE])
