"""Tables of codes and their words, translated when read; numbers written as the reader writes them."""
from babel.numbers import format_decimal
from flask_babel import get_locale


def number(value) -> str:
    """A number with the reader's grouping and decimal mark (English ones outside a request: a job, a test)."""
    return format_decimal(value, locale=get_locale() or "en")


class Labels(dict):
    """Codes and their labels (lazy strings): whatever reads a label gets plain text in the reader's language.

    [], get(), items() and values() give str, so that callers may join, sort, compare, serialise or write them to a
    workbook like any text; choices() keeps them lazy, for form choices built at import time.
    """

    def __getitem__(self, code):
        return str(super().__getitem__(code))

    def get(self, code, default=None):
        """The label of a code as text, or the default for an unknown code."""
        return self[code] if code in self else default

    def items(self) -> list[tuple[str, str]]:
        """(code, label) pairs, labels as text in the reader's language."""
        return [(code, str(label)) for code, label in super().items()]

    def values(self) -> list[str]:
        """The labels as text in the reader's language."""
        return [str(label) for label in super().values()]

    def choices(self) -> list:
        """(code, lazy label) pairs for a form field defined at import time: each request reads its own language."""
        return list(super().items())
