"""Tables of codes and their words, translated when read; numbers written as the reader writes them."""
from babel.numbers import format_decimal
from flask_babel import get_locale


def number(value) -> str:
    """A number with the reader's grouping and decimal mark (English ones outside a request: a job, a test)."""
    return format_decimal(value, locale=get_locale() or "en")


class Labels(dict):
    """Codes and their labels (lazy strings): a label looked up is plain text in the reader's language.

    items() and values() stay lazy, so that form choices built at import time still follow each request's language;
    [] and get() give str, so that callers may join, sort, compare or store them like any text.
    """

    def __getitem__(self, code):
        return str(super().__getitem__(code))

    def get(self, code, default=None):
        """The label of a code as text, or the default for an unknown code."""
        return self[code] if code in self else default
