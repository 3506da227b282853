"""CSV cells that a spreadsheet opens as data, never as a formula (OWASP's advice on CSV injection)."""
from decimal import Decimal

# A cell beginning with one of these is a formula (or becomes one) in Excel, LibreOffice and Google Sheets.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_text(text: str) -> str:
    """Text as a cell: prefixed with a single quote when a spreadsheet would read it as a formula."""
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def safe_cell(value):
    """A value as a CSV cell: numbers stay numbers (-12.5 is a number); text is made safe; None is empty."""
    if value is None:
        return ""
    if isinstance(value, (int, float, Decimal)) and not isinstance(value, bool):
        return value
    if isinstance(value, (list, tuple)):
        # Each item too: a spreadsheet set to split on ";" would make every item a cell of its own.
        return safe_text(";".join(safe_text(str(item)) for item in value))
    return safe_text(str(value))
