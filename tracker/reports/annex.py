"""The report's full activity list as a spreadsheet, attached to the PDF: typed cells, a frozen, filtered header.

A Board reads no table of thousands of rows; the PDF prints a compact list and attaches this file with every
field, numbered as in the PDF's Annex A. It is written from the rows the report already read (no second query)
with XlsxWriter's streaming mode: a 5,000-activity year in a fraction of a second, where a general-purpose
workbook model took seconds.
"""
import io
from decimal import Decimal

import xlsxwriter
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

# (header, key of the report's activity row, width, kind of cell)
COLUMNS = (
    (_l("No."), "ref", 7, "text"), (_l("Title"), "title", 50, "text"), (_l("Kind"), "kind_label", 18, "text"),
    (_l("Status"), "status_label", 12, "text"), (_l("Start date"), "start", 11, "date"),
    (_l("End date"), "end", 11, "date"),
    (_l("Place"), "place", 18, "text"), (_l("Outcomes"), "outcomes", 22, "text"),
    (_l("Members"), "members", 30, "text"), (_l("Partners"), "partners", 30, "text"),
    (_l("Participants"), "participants", 12, "count"), (_l("Women"), "women", 9, "count"),
    (_l("Men"), "men", 9, "count"), (_l("Budget planned (EUR)"), "budget_planned", 16, "money"),
    (_l("Budget spent (EUR)"), "budget_spent", 16, "money"),
)
FORMATS = {"date": {"num_format": "d mmm yyyy"}, "count": {"num_format": "#,##0"},
           "money": {"num_format": "#,##0.00"}, "text": {}}


def _write(sheet, row: int, column: int, kind: str, value, style) -> None:
    """One typed cell: text always as text (a title beginning with "=" is never a formula)."""
    if value is None:
        return
    if kind == "date":
        sheet.write_datetime(row, column, value, style)
    elif kind in ("count", "money"):
        sheet.write_number(row, column, float(value) if isinstance(value, Decimal) else value, style)
    else:
        sheet.write_string(row, column, "; ".join(value) if isinstance(value, list) else str(value))


def activities_workbook(activities: list[dict]) -> bytes:
    """The report's activities (in Annex A's order, with their numbers) as an XLSX file."""
    out = io.BytesIO()
    book = xlsxwriter.Workbook(out, {"constant_memory": True, "in_memory": True})
    sheet = book.add_worksheet(_("Activities")[:31])  # a sheet's name is at most 31 characters
    styles = {kind: book.add_format(spec) for kind, spec in FORMATS.items()}
    bold = book.add_format({"bold": True})
    for column, (title, _key, width, kind) in enumerate(COLUMNS):
        sheet.set_column(column, column, width, styles[kind] if kind != "text" else None)
        sheet.write_string(0, column, str(title), bold)
    sheet.freeze_panes(1, 0)
    sheet.autofilter(0, 0, len(activities), len(COLUMNS) - 1)
    for row, activity in enumerate(activities, start=1):
        for column, (_title, key, _width, kind) in enumerate(COLUMNS):
            _write(sheet, row, column, kind, activity.get(key), styles[kind])
    book.close()
    return out.getvalue()
