"""Reading an uploaded sheet: checked by content and size, then its header row and its rows as plain text cells."""
import csv
import io
import warnings
import zipfile
from dataclasses import dataclass
from datetime import date, datetime

from flask_babel import format_number, ngettext
from flask_babel import gettext as _

from ..activities.export import COLUMNS
from ..core.errors import Invalid
from ..evidence import validation

MAX_BYTES = 5 * 1024 * 1024
MAX_ROWS = 5000
XLSX, CSV = "xlsx", "csv"
# The export's columns, and a description (which the export leaves out): an exported sheet, fixed, reads back.
KNOWN_COLUMNS = (*COLUMNS, "description")
REQUIRED_COLUMNS = ("title", "kind", "status", "start_date", "outcomes")
FIELD = "file"  # the upload form's field, where every message about the file goes


@dataclass
class Table:
    """A sheet's column names (normalised) and its non-empty rows, each with its row number in the sheet."""

    columns: list[str]
    rows: list[tuple[int, dict[str, str]]]


def file_type(content: bytes, filename: str) -> str:
    """Tell an upload's type (xlsx or csv) from its content and name; refuse anything else with a plain message."""
    if not content:
        raise Invalid(_("The file is empty."), field=FIELD)
    if len(content) > MAX_BYTES:
        raise Invalid(_("The file is larger than the limit of %(mb)s MB: split it into smaller files.",
                        mb=validation.megabytes(MAX_BYTES)), field=FIELD)
    ext = validation.extension_of(validation.clean_filename(filename))
    if ext not in (".xlsx", ".csv"):
        raise Invalid(_("Choose an Excel workbook (.xlsx) or a CSV file (.csv), like the template."), field=FIELD)
    stream = io.BytesIO(content)
    try:
        mime, _label = validation.sniff(content[:validation.HEAD_SIZE], filename, stream)
    except validation.Refused as refused:
        raise Invalid(_("This file is not a real %(kind)s: %(reason)s", kind=_kind_name(ext),
                        reason=str(refused)), field=FIELD) from None
    return XLSX if mime == validation.XLSX else CSV


def _kind_name(ext: str) -> str:
    """What a file type is called in messages."""
    return _("Excel workbook") if ext == ".xlsx" else _("CSV file")


def read_table(content: bytes, kind: str) -> Table:
    """The header row and the rows of a checked upload; refuse missing, unknown or repeated columns."""
    raw = _xlsx_rows(content) if kind == XLSX else _csv_rows(content)
    header = next(raw, None)
    columns = [_column_name(cell) for cell in header or ()]
    while columns and not columns[-1]:
        columns.pop()  # empty cells after the last column name
    if not columns:
        raise Invalid(_("The first row must name the columns, as in the template: it is empty."), field=FIELD)
    _check_columns(columns)
    rows = []
    for number, cells in enumerate(raw, start=2):
        values = {name: _text(cells[i]) if i < len(cells) else "" for i, name in enumerate(columns) if name}
        if not any(values.values()):
            continue  # an empty line in the sheet is not a row of activities
        if len(rows) >= MAX_ROWS:
            raise _too_many_rows()
        rows.append((number, values))
    if not rows:
        raise Invalid(_("The file has the column names but no activities below them."), field=FIELD)
    return Table(columns, rows)


def _too_many_rows() -> Invalid:
    """The refusal of a sheet with more rows than an import takes."""
    return Invalid(_("The file has more than %(max)s rows: split it into smaller files.",
                     max=format_number(MAX_ROWS)), field=FIELD)


def _check_columns(columns: list[str]) -> None:
    """Every required column once, and nothing the import does not know."""
    named = [c for c in columns if c]
    unknown = [c for c in named if c not in KNOWN_COLUMNS]
    if unknown:
        raise Invalid(ngettext("Unknown column “%(names)s”: name the columns as in the template (%(known)s).",
                               "Unknown columns “%(names)s”: name the columns as in the template (%(known)s).",
                               len(unknown), names="”, “".join(unknown), known=", ".join(KNOWN_COLUMNS)),
                      field=FIELD)
    repeated = sorted({c for c in named if named.count(c) > 1})
    if repeated:
        raise Invalid(_("The column “%(name)s” appears more than once: keep one.", name=repeated[0]), field=FIELD)
    missing = [c for c in REQUIRED_COLUMNS if c not in named]
    if missing:
        raise Invalid(ngettext("The column “%(names)s” is missing: the first row must name the columns, as in the "
                               "template.",
                               "The columns “%(names)s” are missing: the first row must name the columns, as in the "
                               "template.", len(missing), names="”, “".join(missing)), field=FIELD)


def _column_name(cell) -> str:
    """A header cell as a column name: trimmed, lower case, spaces as underscores ("Start date" is start_date)."""
    return "_".join(_text(cell).lower().split())


def _text(value) -> str:
    """A cell as text: dates as YYYY-MM-DD, whole numbers without ".0", nothing as ""."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    text = str(value).strip()
    # The export writes a formula-like text with a leading quote (so that no spreadsheet runs it): read it back.
    return text[1:] if text.startswith("'") and text[1:2] in ("=", "+", "-", "@") else text


def _csv_rows(content: bytes):
    """The rows of a UTF-8 CSV file (with or without a byte order mark), split on the header's separator."""
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise Invalid(_("This CSV file is not in UTF-8: in your spreadsheet choose “Save as” and the type “CSV "
                        "UTF-8”, then upload it again."), field=FIELD) from None
    if "\x00" in text:
        raise Invalid(_("This CSV file contains binary data: save it again as “CSV UTF-8”."), field=FIELD)
    first = text.split("\n", 1)[0]
    # Spreadsheets in French or Spanish save CSV with ";" between cells; lists inside a cell are then quoted.
    delimiter = max((",", ";", "\t"), key=first.count)
    try:
        yield from csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    except csv.Error:
        raise Invalid(_("This CSV file cannot be read (a quote is not closed?): save it again from your "
                        "spreadsheet."), field=FIELD) from None


def _xlsx_rows(content: bytes):
    """The rows of the first sheet of a workbook, as values (formulas give their last computed value)."""
    from openpyxl import load_workbook  # only an import of a workbook needs it

    unreadable = _("This Excel workbook cannot be read: open it in your spreadsheet, save it again as .xlsx and "
                   "upload it.")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # openpyxl warns about styles and extensions it does not read
        try:
            book = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
        except (zipfile.BadZipFile, KeyError, ValueError, TypeError, OSError, IndexError):
            raise Invalid(unreadable, field=FIELD) from None
        rows = []
        try:
            for row in book.worksheets[0].iter_rows(values_only=True) if book.worksheets else ():
                if len(rows) > MAX_ROWS + 1000:  # blank rows are skipped later; this bounds a sheet of blanks
                    raise _too_many_rows()
                rows.append(row)
        except (zipfile.BadZipFile, KeyError, ValueError, TypeError, OSError, IndexError):
            raise Invalid(unreadable, field=FIELD) from None
        finally:
            book.close()
    return iter(rows)
