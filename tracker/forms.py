"""Reusable form validators and helpers shared by every feature."""
from wtforms.validators import ValidationError


class NoControlCharacters:
    """Refuse text with control characters (other than tab and newlines)."""

    def __init__(self, message: str | None = None):
        self.message = message or "Remove the control characters from this text."

    def __call__(self, form, field):
        value = field.data or ""
        if isinstance(value, str) and any(ord(c) < 32 and c not in "\t\r\n" for c in value):
            raise ValidationError(self.message)


def strip_filter(value):
    """Strip surrounding whitespace from text input."""
    return value.strip() if isinstance(value, str) else value
