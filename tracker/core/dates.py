"""The one way dates and timestamps are written for people: "3 Mar 2022" and "3 Mar 2022, 14:05 UTC" in English,
"3 mars 2022" in French, "3 mar 2022" in Spanish (Babel's month names for the page's language)."""
from datetime import date, datetime, timezone

from babel.dates import format_date as babel_date
from babel.dates import format_datetime as babel_datetime

from .i18n import current_locale

# CLDR patterns: day, short month, year (unambiguous in every language's order); times in UTC, 24 hours.
DATE_FORMAT = "d MMM y"
TIMESTAMP_FORMAT = "d MMM y, HH:mm 'UTC'"


def format_date(value: date) -> str:
    """Write a day as 3 Mar 2022 in the page's language (English outside a request)."""
    return babel_date(value, DATE_FORMAT, locale=current_locale())


def format_timestamp(value: datetime) -> str:
    """Write a moment as 3 Mar 2022, 14:05 UTC (stored times without a zone are UTC already)."""
    if value.tzinfo is not None:
        value = value.astimezone(timezone.utc).replace(tzinfo=None)
    # A naive time: Babel writes it as it is, without moving it into a zone of its own.
    return babel_datetime(value, TIMESTAMP_FORMAT, tzinfo=timezone.utc, locale=current_locale())


def _parse_iso(text: str) -> date | datetime | None:
    """A date or timestamp written as ISO 8601 (as audit snapshots store them), or None."""
    try:
        return date.fromisoformat(text) if len(text) == 10 else datetime.fromisoformat(text)
    except ValueError:
        return None


def format_when(value) -> str:
    """Write a date or a timestamp (or its ISO text) the one way; other text as it is, None as nothing."""
    if value is None:
        return ""
    if isinstance(value, str):
        parsed = _parse_iso(value.strip()) if len(value.strip()) >= 10 else None
        return value if parsed is None else format_when(parsed)
    if isinstance(value, datetime):
        return format_timestamp(value)
    if isinstance(value, date):
        return format_date(value)
    return str(value)


def as_utc(moment: datetime | None) -> datetime | None:
    """A stored time with its UTC zone (SQLite hands times back without one)."""
    if moment is not None and moment.tzinfo is None:
        return moment.replace(tzinfo=timezone.utc)
    return moment
