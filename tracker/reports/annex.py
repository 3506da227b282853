"""The report's full activity list as a spreadsheet, attached to the PDF: typed cells, a frozen, filtered header.

A Board reads no table of thousands of rows; the PDF prints a compact list and attaches this file with every
field, numbered as in the PDF's Annex A.
"""
import io
from datetime import date
from decimal import Decimal

from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from ..activities.export import iter_activities

# (header, key in the export row, width, number format)
COLUMNS = (
    ("No.", "ref", 7, None), ("Title", "title", 50, None), ("Kind", "kind", 14, None),
    ("Status", "status", 12, None), ("Start", "start_date", 11, "d mmm yyyy"), ("End", "end_date", 11, "d mmm yyyy"),
    ("Place", "place", 18, None), ("Outcomes", "outcomes", 22, None), ("Members", "members", 30, None),
    ("Partners", "partners", 30, None), ("Participants", "participants_total", 12, "#,##0"),
    ("Women", "participants_women", 9, "#,##0"), ("Men", "participants_men", 9, "#,##0"),
    ("Budget planned (EUR)", "budget_planned", 16, "#,##0.00"), ("Budget spent (EUR)", "budget_spent", 16, "#,##0.00"),
)
DATES = ("start_date", "end_date")
MONEY = ("budget_planned", "budget_spent")


def _value(key: str, row: dict, refs: dict):
    """A cell's typed value: dates as dates, money as decimals, lists joined."""
    if key == "ref":
        return refs.get(row["id"], "")
    value = row[key]
    if value is None:
        return None
    if key in DATES:
        return date.fromisoformat(value)
    if key in MONEY:
        return Decimal(value)
    if isinstance(value, list):
        return "; ".join(value)
    return value


def activities_workbook(years: list[int], refs: dict[int, str]) -> bytes:
    """Every live activity of the years as an XLSX file, in the order of the PDF's Annex A."""
    book = Workbook()
    sheet = book.active
    sheet.title = "Activities"
    sheet.append([header for header, *_ in COLUMNS])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    rows = [row for year in years for row in iter_activities(year)]
    rows.sort(key=lambda row: (row["start_date"], row["id"]))  # Annex A's order, so that the numbers follow
    for row in rows:
        sheet.append([_value(key, row, refs) for _, key, _, _ in COLUMNS])
    for index, (_, _key, width, number_format) in enumerate(COLUMNS, start=1):
        letter = get_column_letter(index)
        sheet.column_dimensions[letter].width = width
        for (cell,) in sheet.iter_rows(min_row=2, min_col=index, max_col=index):
            if number_format:
                cell.number_format = number_format
            elif isinstance(cell.value, str) and cell.data_type == "f":
                cell.data_type = "s"  # a title beginning with "=" is text, never a formula
    sheet.freeze_panes = "A2"
    sheet.auto_filter.ref = sheet.dimensions
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
