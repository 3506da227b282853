"""How the report writes numbers, money, shares, dates and texts: plain strings for the template."""
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from urllib.parse import urlsplit


def fmt_int(value) -> str:
    """Format a count with thousands separators, or a dash when unknown."""
    if value is None:
        return "—"
    return f"{int(round(float(value))):,}"


def fmt_number(value, unit: str = "number") -> str:
    """Format an indicator value in its unit."""
    if value is None:
        return "—"
    number = Decimal(str(value))
    if abs(number) >= 10_000_000:  # 608.0 M: a column of nine-digit numbers does not fit a page
        return f"{number / 1_000_000:,.1f} M" if unit != "euros" else f"€{number / 1_000_000:,.1f} M"
    if unit == "percent":
        return f"{number:,.1f} %"
    if unit == "euros":
        return f"€{number:,.0f}"
    if number == number.to_integral_value():
        return f"{int(number):,}"
    return f"{number:,.2f}".rstrip("0").rstrip(".")


def fmt_money(value) -> str:
    """Format an amount in euros."""
    return "—" if value is None else f"€{Decimal(str(value)):,.0f}"


def fmt_percent(value, digits: int = 1) -> str:
    """Format a share already expressed in percent, rounding halves up as people expect (92.5 gives 93)."""
    if value is None:
        return "—"
    number = Decimal(str(value)).quantize(Decimal(1).scaleb(-digits), rounding=ROUND_HALF_UP)
    return f"{number:,.{digits}f} %"


def fmt_date(value: date | None) -> str:
    """Format a date as 5 Mar 2022."""
    return value.strftime("%-d %b %Y") if value else ""


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
