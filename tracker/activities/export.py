"""Every non-deleted activity as CSV or JSON, streamed in batches so large logs need little memory."""
import csv
import json
from typing import IO, Iterator

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from ..core.spreadsheet import safe_cell
from ..extensions import db
from .models import Activity

COLUMNS = ("id", "title", "kind", "status", "start_date", "end_date", "year", "place", "outcomes", "members",
           "partners", "participants_total", "participants_women", "participants_men", "participants_other",
           "budget_planned", "budget_spent", "responsible")
BATCH = 500


def iter_activities(year: int | None = None, batch: int | None = None) -> Iterator[dict]:
    """Yield each non-deleted activity as a dict of plain values (lists for outcomes, members, partners)."""
    stmt = (select(Activity).where(Activity.live())
            .options(selectinload(Activity.outcomes), selectinload(Activity.members),
                     selectinload(Activity.partners), selectinload(Activity.responsible))
            .order_by(Activity.id).execution_options(yield_per=batch or BATCH))
    if year is not None:
        stmt = stmt.where(Activity.year == year)
    for partition in db.session.scalars(stmt).partitions():
        for a in partition:
            yield _row(a)
            db.session.expunge(a)  # done with it: the session must not keep every row of a large log


def _row(a: Activity) -> dict:
    """One activity as plain values."""
    return {
        "id": a.id, "title": a.title, "kind": a.kind, "status": a.status,
        "start_date": a.start_date.isoformat(), "end_date": a.end_date.isoformat(), "year": a.year,
        "place": a.place, "outcomes": [o.code for o in a.outcomes], "members": [m.city for m in a.members],
        "partners": [p.name for p in a.partners], "participants_total": a.participants_total,
        "participants_women": a.participants_women, "participants_men": a.participants_men,
        "participants_other": a.participants_other,
        "budget_planned": None if a.budget_planned is None else f"{a.budget_planned:.2f}",
        "budget_spent": None if a.budget_spent is None else f"{a.budget_spent:.2f}",
        "responsible": a.responsible.email if a.responsible else None,
    }


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


def export(out: IO[str], fmt: str, year: int | None = None) -> int:
    """Write every non-deleted activity (of one plan year, if given) in a format: csv or json."""
    writer = {"csv": write_csv, "json": write_json}[fmt]
    return writer(out, iter_activities(year))
