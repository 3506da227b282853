"""How the report writes numbers, money, shares, dates and texts: plain strings for the template, in the language
of the report being built (flask_babel.force_locale), so "1,234", "1 234" or "1.234" as its readers write them."""
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from urllib.parse import urlsplit

from babel import Locale
from babel.dates import format_date
from babel.numbers import format_currency, format_decimal
from flask_babel import get_locale

ENGLISH = Locale.parse("en")


def report_locale() -> Locale:
    """The locale the report is being written in (English outside an application)."""
    try:
        return get_locale() or ENGLISH
    except RuntimeError:  # no application: a plain script
        return ENGLISH


def fmt_decimal(number, pattern: str) -> str:
    """A number in a Babel pattern, in the report's locale."""
    return format_decimal(number, format=pattern, locale=report_locale())


def format_count(value) -> str:
    """A whole number with the locale's thousands separators ("20,000", "20 000", "20.000")."""
    return fmt_decimal(int(round(float(value))), "#,##0")


def fmt_int(value) -> str:
    """Format a count with thousands separators, or a dash when unknown."""
    if value is None:
        return "—"
    return format_count(value)


def fmt_euros(number) -> str:
    """Whole euros with the sign where the locale writes it: "€1,234", "1 234 €"."""
    locale = report_locale()
    pattern = locale.currency_formats["standard"].pattern.replace(".00", "")  # whole euros: a Board reads no cents
    return format_currency(Decimal(str(number)).quantize(Decimal(1), rounding=ROUND_HALF_UP), "EUR",
                           format=pattern, locale=locale, currency_digits=False)


def fmt_number(value, unit: str = "number") -> str:
    """Format an indicator value in its unit."""
    if value is None:
        return "—"
    number = Decimal(str(value))
    if abs(number) >= 10_000_000:  # 608.0 M: a column of nine-digit numbers does not fit a page
        millions = fmt_decimal(number / 1_000_000, "#,##0.0")
        return f"{millions} M" if unit != "euros" else fmt_euros(0).replace("0", f"{millions} M")
    if unit == "percent":
        return f"{fmt_decimal(number, '#,##0.0')} %"
    if unit == "euros":
        return fmt_euros(number)
    if number == number.to_integral_value():
        return fmt_decimal(int(number), "#,##0")
    return fmt_decimal(number.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP), "#,##0.##")


def fmt_money(value) -> str:
    """Format an amount in euros."""
    return "—" if value is None else fmt_euros(value)


def fmt_percent(value, digits: int = 1) -> str:
    """Format a share already expressed in percent, rounding halves up as people expect (92.5 gives 93)."""
    if value is None:
        return "—"
    number = Decimal(str(value)).quantize(Decimal(1).scaleb(-digits), rounding=ROUND_HALF_UP)
    return f"{fmt_decimal(number, '#,##0.' + '0' * digits if digits else '#,##0')} %"


def fmt_date(value: date | None, pattern: str = "d MMM y") -> str:
    """Format a date as 5 Mar 2022 (5 mars 2022, 5 mar 2022)."""
    return format_date(value, pattern, locale=report_locale()) if value else ""


def paragraphs(text: str | None) -> list[str]:
    """Split a text into paragraphs at blank lines (single newlines stay inside a paragraph)."""
    text = (text or "").replace("\r\n", "\n").strip()
    return [p.strip() for p in text.split("\n\n") if p.strip()] if text else []


def safe_link(url: str | None) -> str | None:
    """Return the URL if it is an http(s) link that can become a PDF link annotation, else None."""
    if not url:
        return None
    try:
        parts = urlsplit(url.strip())
    except ValueError:
        return None
    return url.strip() if parts.scheme in ("http", "https") and parts.netloc else None


def target_label(target, target_max, unit: str) -> str:
    """A target, or a range of two."""
    if target is None:
        return "—"
    if target_max is not None:
        return f"{fmt_number(target, unit)}–{fmt_number(target_max, unit)}"
    return fmt_number(target, unit)
