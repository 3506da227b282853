"""Spreadsheets out: cells that a spreadsheet opens as data, never as a formula (OWASP's advice on CSV injection),
and one table writer for CSV and XLSX downloads (typed cells, number and date formats, a frozen and filtered header,
column widths).

A table is a list of `Column`s and rows of plain values in the same order. The XLSX writer is XlsxWriter in its
streaming mode (rows go to a temporary file as they come, as the Board report's annex does: a general-purpose
workbook model took seconds on a large year); text is always written as text, so a title "=HYPERLINK(...)" stays
a title. The CSV writer yields lines, so that a page can stream a long list.
"""
import csv
import io
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timezone
from decimal import Decimal
from typing import IO

import xlsxwriter
from flask import Response, stream_with_context

# A cell beginning with one of these is a formula (or becomes one) in Excel, LibreOffice and Google Sheets.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")

# The kinds of column, each with its cell type and number format.
TEXT, INTEGER, NUMBER, MONEY, PERCENT, DATE, DATETIME = "text", "integer", "number", "money", "percent", "date", \
    "datetime"
NUMBER_FORMATS = {INTEGER: "#,##0", NUMBER: "#,##0.00##", MONEY: "#,##0.00", PERCENT: "0.0%", DATE: "yyyy-mm-dd",
                  DATETIME: "yyyy-mm-dd hh:mm"}
DEFAULT_WIDTHS = {TEXT: 24, INTEGER: 10, NUMBER: 12, MONEY: 14, PERCENT: 10, DATE: 11, DATETIME: 16}
MAX_TEXT = 32767  # the most characters a spreadsheet cell holds
MAX_SHEET_TITLE = 31
XLSX_MIMETYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CSV_CONTENT_TYPE = "text/csv; charset=utf-8"
CSV_BATCH = 200  # rows per chunk of a streamed CSV: fewer, larger writes to the socket


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


@dataclass(frozen=True)
class Column:
    """A column of a table: its header, the kind of its cells and its width in characters."""

    label: str
    kind: str = TEXT
    width: float | None = None

    @property
    def shown_width(self) -> float:
        """The width to give the column: the one asked for, else enough for the header and the kind's values."""
        if self.width is not None:
            return self.width
        return max(DEFAULT_WIDTHS[self.kind], min(len(str(self.label)) + 2, 40))


# ---------------------------------------------------------------- CSV


def _plain_number(value) -> str:
    """A number without an exponent nor trailing zeros (Numeric(18, 4) gives 15000.0000)."""
    number = value if isinstance(value, Decimal) else Decimal(str(value))
    text = format(number, "f")
    return text.rstrip("0").rstrip(".") if "." in text else text


def csv_value(value, kind: str = TEXT):
    """One value as a CSV cell of its column's kind: ISO dates, plain numbers, "85.5%" shares, safe text."""
    if value is None:
        return ""
    if kind == DATE and isinstance(value, date):
        return (value.date() if isinstance(value, datetime) else value).isoformat()
    if kind == DATETIME and isinstance(value, datetime):
        return _naive_utc(value).isoformat(sep=" ", timespec="minutes")
    if kind == MONEY and isinstance(value, (int, float, Decimal)):
        return f"{Decimal(str(value)):.2f}"
    if kind == PERCENT and isinstance(value, (int, float, Decimal)):
        # Excel, LibreOffice and Google Sheets read "85.5%" as the number 0.855 shown as a percentage.
        return _plain_number(Decimal(str(value)) * 100) + "%"
    if kind in (INTEGER, NUMBER) and isinstance(value, (int, float, Decimal)) and not isinstance(value, bool):
        return _plain_number(value)
    if isinstance(value, (list, tuple)):
        value = "; ".join(str(item) for item in value)
    return safe_text(str(value))


def csv_lines(columns: Sequence[Column], rows: Iterable[Sequence], *, bom: bool = True) -> Iterator[str]:
    """The table as CSV text in chunks: the header, then rows a batch at a time (for a streamed response)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    if bom:
        buffer.write("\ufeff")  # without it, Excel reads UTF-8 as its legacy code page: "BogotÃ¡"
    writer.writerow([safe_text(str(c.label)) for c in columns])
    pending = 0
    for row in rows:
        writer.writerow([csv_value(value, column.kind) for column, value in zip(columns, row)])
        pending += 1
        if pending >= CSV_BATCH:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
            pending = 0
    yield buffer.getvalue()


# ---------------------------------------------------------------- XLSX


def _naive_utc(value: datetime) -> datetime:
    """A datetime as UTC without a zone (a spreadsheet cell has none); a naive one is already UTC here."""
    return value.astimezone(timezone.utc).replace(tzinfo=None) if value.tzinfo else value


def sheet_title(title: str) -> str:
    """A worksheet name a spreadsheet accepts: at most 31 characters, none of []:*?/\\."""
    cleaned = "".join(" " if ch in "[]:*?/\\" else ch for ch in str(title))
    return cleaned[:MAX_SHEET_TITLE].strip("' ") or "Sheet1"  # nor may it begin or end with an apostrophe


class _Formats:
    """The cell formats of a workbook, made once each."""

    def __init__(self, book):
        self.header = book.add_format({"bold": True, "text_wrap": True, "valign": "top", "bg_color": "#E8EEF4",
                                       "bottom": 1})
        self.kinds = {kind: book.add_format({"num_format": spec}) for kind, spec in NUMBER_FORMATS.items()}
        self.text = book.add_format({"num_format": "@"})
        # Marked as text too, so that editing the cell in Excel keeps it text rather than running it.
        self.formula_like = book.add_format({"num_format": "@", "quote_prefix": True})


def _write_text(sheet, row: int, col: int, value, formats: _Formats) -> None:
    """A text cell, always a string (never a formula), cut to what a cell holds."""
    if isinstance(value, (list, tuple)):
        value = "; ".join(str(item) for item in value)
    text = str(value)[:MAX_TEXT]
    if not text:
        return  # an empty list is an empty cell, not an empty string
    sheet.write_string(row, col, text, formats.formula_like if text.startswith(FORMULA_STARTS) else formats.text)


def _write_cell(sheet, row: int, col: int, value, kind: str, formats: _Formats) -> None:
    """One typed cell: dates as dates, numbers as numbers with their format, anything else as text."""
    if value is None:
        return
    if kind in (DATE, DATETIME) and isinstance(value, date):
        shown = value.date() if kind == DATE and isinstance(value, datetime) else value
        sheet.write_datetime(row, col, _naive_utc(shown) if isinstance(shown, datetime) else shown,
                             formats.kinds[kind])
    elif kind in (INTEGER, NUMBER, MONEY, PERCENT) and isinstance(value, (int, float, Decimal)) \
            and not isinstance(value, bool):
        whole = kind == NUMBER and Decimal(str(value)) == Decimal(str(value)).to_integral_value()
        sheet.write_number(row, col, float(value), formats.kinds[INTEGER if whole else kind])
    else:
        _write_text(sheet, row, col, value, formats)


def _write_sheet(book, formats: _Formats, title: str, columns: Sequence[Column], rows: Iterable[Sequence]) -> int:
    """One worksheet: header frozen and filtered, widths set, then the rows in order. Return the row count."""
    sheet = book.add_worksheet(sheet_title(title))
    for col, column in enumerate(columns):
        sheet.set_column(col, col, column.shown_width)
        sheet.write_string(0, col, str(column.label), formats.header)
    sheet.freeze_panes(1, 0)
    count = 0
    for count, row in enumerate(rows, start=1):
        for col, (column, value) in enumerate(zip(columns, row)):
            _write_cell(sheet, count, col, value, column.kind, formats)
    sheet.autofilter(0, 0, max(count, 1), len(columns) - 1)
    return count


def write_xlsx(out: IO[bytes], columns: Sequence[Column], rows: Iterable[Sequence], *, title: str,
               notes: Sequence[str] = (), notes_title: str = "Notes") -> int:
    """Write a table (and optional lines of notes on a second sheet) as an XLSX file. Return the row count."""
    book = xlsxwriter.Workbook(out, {"constant_memory": True, "remove_timezone": True,
                                     "strings_to_formulas": False, "strings_to_urls": False})
    formats = _Formats(book)
    count = _write_sheet(book, formats, title, columns, rows)
    if notes:
        sheet = book.add_worksheet(sheet_title(notes_title))
        sheet.set_column(0, 0, 110)
        for row, line in enumerate(notes):
            _write_text(sheet, row, 0, line, formats)
    book.close()
    return count


# ---------------------------------------------------------------- downloads


def _attachment(response: Response, filename: str) -> Response:
    """Mark a response as a file to save, never kept by a shared cache (it holds the tracker's data)."""
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    response.headers["Cache-Control"] = "private, no-store"
    return response


def download(fmt: str, columns: Sequence[Column], rows: Iterable[Sequence], *, filename: str, title: str,
             notes: Sequence[str] = (), notes_title: str = "Notes") -> Response:
    """A table as a file to download: CSV streamed as the rows come, or XLSX; `filename` has no extension."""
    if fmt == "csv":
        response = Response(stream_with_context(csv_lines(columns, rows)), content_type=CSV_CONTENT_TYPE)
        return _attachment(response, f"{filename}.csv")
    # The rows go to XlsxWriter's temporary file as they come; only the compressed workbook is held in memory.
    out = io.BytesIO()
    write_xlsx(out, columns, rows, title=title, notes=notes, notes_title=notes_title)
    return _attachment(Response(out.getvalue(), mimetype=XLSX_MIMETYPE), f"{filename}.xlsx")
