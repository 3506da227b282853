"""Activities as CSV, JSON or XLSX, streamed in batches so large logs need little memory: every non-deleted one
for the command line (machine column names), or the list page's filtered rows for its downloads (headers and
kinds and statuses in the reader's language)."""
import csv
import json
from typing import IO, Iterator

from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, select
from sqlalchemy.orm import selectinload

from ..core.sorting import Sort
from ..core.spreadsheet import DATE, INTEGER, MONEY, TEXT, Column, safe_cell, write_xlsx
from ..extensions import db
from . import services
from .models import ACTIVITY_KINDS, ACTIVITY_STATUSES, Activity

COLUMNS = ("id", "title", "kind", "status", "start_date", "end_date", "year", "place", "outcomes", "members",
           "partners", "participants_total", "participants_women", "participants_men", "participants_other",
           "budget_planned", "budget_spent", "responsible")
# The kind of each command-line column in a workbook (the others are text).
COLUMN_KINDS = {"id": INTEGER, "start_date": DATE, "end_date": DATE, "year": INTEGER, "participants_total": INTEGER,
                "participants_women": INTEGER, "participants_men": INTEGER, "participants_other": INTEGER,
                "budget_planned": MONEY, "budget_spent": MONEY}
BATCH = 500
FORMATS = ("csv", "json", "xlsx")

def _live_activities(stmt: Select, batch: int | None = None) -> Iterator[Activity]:
    """Yield the activities of a select with their links loaded, a batch at a time, forgetting each after use."""
    stmt = stmt.options(selectinload(Activity.outcomes), selectinload(Activity.members),
                        selectinload(Activity.partners), selectinload(Activity.responsible))
    for partition in db.session.scalars(stmt.execution_options(yield_per=batch or BATCH)).partitions():
        for a in partition:
            yield a
            db.session.expunge(a)  # done with it: the session must not keep every row of a large log


def iter_activities(year: int | None = None, batch: int | None = None, *, typed: bool = False) -> Iterator[dict]:
    """Yield each non-deleted activity as a dict of plain values (lists for outcomes, members, partners); typed:
    dates and amounts as dates and Decimals (for a workbook) rather than text."""
    stmt = select(Activity).where(Activity.live()).order_by(Activity.id)
    if year is not None:
        stmt = stmt.where(Activity.year == year)
    for a in _live_activities(stmt, batch):
        yield _typed_row(a) if typed else _row(a)


def _typed_row(a: Activity) -> dict:
    """One activity as typed values: dates, integers, Decimals, lists."""
    return {
        "id": a.id, "title": a.title, "kind": a.kind, "status": a.status, "start_date": a.start_date,
        "end_date": a.end_date, "year": a.year, "place": a.place, "outcomes": [o.code for o in a.outcomes],
        "members": [m.city for m in a.members], "partners": [p.name for p in a.partners],
        "participants_total": a.participants_total, "participants_women": a.participants_women,
        "participants_men": a.participants_men, "participants_other": a.participants_other,
        "budget_planned": a.budget_planned, "budget_spent": a.budget_spent,
        "responsible": a.responsible.email if a.responsible else None,
    }


def _row(a: Activity) -> dict:
    """One activity as plain values (dates and amounts as text, as JSON and the CSV have always given them)."""
    row = _typed_row(a)
    row.update(start_date=a.start_date.isoformat(), end_date=a.end_date.isoformat(),
               budget_planned=None if a.budget_planned is None else f"{a.budget_planned:.2f}",
               budget_spent=None if a.budget_spent is None else f"{a.budget_spent:.2f}")
    return row


def write_csv(out: IO[str], rows) -> int:
    """Write rows as CSV with a header; lists joined with ";", formula-like text quoted. Return the row count."""
    writer = csv.writer(out)
    writer.writerow(COLUMNS)
    count = 0
    for row in rows:
        writer.writerow([safe_cell(row[c]) for c in COLUMNS])  # a title "=HYPERLINK(...)" is text, never run
        count += 1
    return count


def write_json(out: IO[str], rows) -> int:
    """Write rows as one JSON array, an object per line. Return how many rows were written."""
    count = 0
    out.write("[")
    for row in rows:
        out.write(",\n" if count else "\n")
        out.write(json.dumps(row, ensure_ascii=False))
        count += 1
    out.write("\n]\n" if count else "]\n")
    return count


def write_workbook(out: IO[bytes], rows) -> int:
    """Write rows as an XLSX sheet with the command line's columns, typed. Return how many rows were written."""
    columns = [Column(name, COLUMN_KINDS.get(name, TEXT), 40 if name in ("title", "members", "partners") else None)
               for name in COLUMNS]
    return write_xlsx(out, columns, ([row[c] for c in COLUMNS] for row in rows), title="activities")


def export(out: IO, fmt: str, year: int | None = None) -> int:
    """Write every non-deleted activity (of one plan year, if given) in a format: csv, json or xlsx (binary out)."""
    if fmt == "xlsx":
        return write_workbook(out, iter_activities(year, typed=True))
    writer = {"csv": write_csv, "json": write_json}[fmt]
    return writer(out, iter_activities(year))


# ---------------------------------------------------------------- the list page's downloads


def list_columns() -> list[Column]:
    """The columns of the list's download, headed in the reader's language."""
    return [
        Column(_l("Reference"), INTEGER, 10), Column(_l("Title"), TEXT, 50), Column(_l("Kind"), TEXT, 22),
        Column(_l("Status"), TEXT, 13), Column(_l("Start date"), DATE), Column(_l("End date"), DATE),
        Column(_l("Plan year"), INTEGER), Column(_l("Place"), TEXT, 18), Column(_l("Outcomes"), TEXT, 22),
        Column(_l("Members"), TEXT, 30), Column(_l("Partners"), TEXT, 30), Column(_l("Participants"), INTEGER, 12),
        Column(_l("Women"), INTEGER), Column(_l("Men"), INTEGER), Column(_l("Other or not stated"), INTEGER, 12),
        Column(_l("Planned budget (EUR)"), MONEY, 16), Column(_l("Spent budget (EUR)"), MONEY, 16),
        Column(_l("Responsible"), TEXT, 24),
    ]


def _list_row(a: Activity) -> list:
    """One activity as the list's download shows it: plain words for kind and status, people by name."""
    return [
        a.id, a.title, ACTIVITY_KINDS.get(a.kind, a.kind),
        ACTIVITY_STATUSES.get(a.status, a.status), a.start_date, a.end_date,
        a.year, a.place, [o.code for o in a.outcomes], [m.city for m in a.members], [p.name for p in a.partners],
        a.participants_total, a.participants_women, a.participants_men, a.participants_other, a.budget_planned,
        a.budget_spent, a.responsible.name if a.responsible else None,
    ]


def list_rows(params: dict, sort: Sort | None = None) -> Iterator[list]:
    """Every activity of the filtered list, in the list's order (not a page of it), in a fixed number of queries
    per batch."""
    for a in _live_activities(services.ordered_query(params, sort)):
        yield _list_row(a)
