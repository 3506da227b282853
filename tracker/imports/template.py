"""The sheet to fill in: the import's columns with an example row, and (in the workbook) the values they accept."""
import csv
import io

from flask_babel import gettext as _
from sqlalchemy import func, select

from ..activities.models import ACTIVITY_KINDS, ACTIVITY_STATUSES
from ..core.spreadsheet import safe_cell
from ..extensions import db
from ..plan.models import Member, Outcome, Partner

# The export's columns without the two the tracker fills in (id, year), and the description.
TEMPLATE_COLUMNS = ("title", "kind", "status", "start_date", "end_date", "place", "outcomes", "members", "partners",
                    "participants_total", "participants_women", "participants_men", "participants_other",
                    "budget_planned", "budget_spent", "responsible", "description")


def example_row(email: str) -> dict:
    """A filled-in row that shows the format of each column (replace it with your activities)."""
    return {
        "title": _("Example: policy debate on metropolitan finance (replace this row)"), "kind": "policy_debate",
        "status": "completed", "start_date": "2022-05-10", "end_date": "2022-05-11", "place": "Bogota",
        "outcomes": "L1.A1.O2;L3.A2.O1", "members": "Bogota;Seoul", "partners": "UCLG",
        "participants_total": 120, "participants_women": 64, "participants_men": 52, "participants_other": 4,
        "budget_planned": "15000.00", "budget_spent": "14250.50", "responsible": email,
        "description": _("Leaders debated fiscal autonomy."),
    }


def template_csv(email: str) -> bytes:
    """The CSV template: the header and the example row, UTF-8 with a byte order mark (Excel then reads accents)."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(TEMPLATE_COLUMNS)
    example = example_row(email)
    writer.writerow([safe_cell(example[c]) for c in TEMPLATE_COLUMNS])
    return out.getvalue().encode("utf-8-sig")


def _valid_values() -> list[tuple[str, list[tuple]]]:
    """Each list of accepted values with its heading: outcomes, members, partners, kinds, statuses."""
    outcomes = db.session.execute(select(Outcome.code, Outcome.title).order_by(Outcome.position)).all()
    members = db.session.execute(select(Member.city, Member.institution).order_by(Member.city)).all()
    partners = db.session.execute(select(Partner.name, Partner.acronym).order_by(func.lower(Partner.name))).all()
    return [
        (_("Outcome code"), [tuple(r) for r in outcomes]),
        (_("Member city"), [tuple(r) for r in members]),
        (_("Partner organisation"), [(name, acronym or "") for name, acronym in partners]),
        (_("Kind"), list(ACTIVITY_KINDS.items())),
        (_("Status"), list(ACTIVITY_STATUSES.items())),
    ]


def template_xlsx(email: str) -> bytes:
    """The workbook template: the activities sheet (header frozen, an example row) and a sheet of valid values."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    book = Workbook()
    sheet = book.active
    sheet.title = _("Activities")
    sheet.append(TEMPLATE_COLUMNS)
    example = example_row(email)
    sheet.append([example[c] for c in TEMPLATE_COLUMNS])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    sheet.freeze_panes = "A2"  # the header stays in view while scrolling down a long list
    for letter, width in zip("ABCDEFGHIJKLMNOPQ", (40, 14, 12, 12, 12, 14, 22, 18, 18, 10, 10, 10, 10, 12, 12, 24, 40)):
        sheet.column_dimensions[letter].width = width
    values = book.create_sheet(_("Valid values"))
    values.append([_("Lists in one cell are separated by “;”. Dates are written YYYY-MM-DD. Kinds and statuses "
                     "take the code (first column) or the name.")])
    values.append([])
    start = 1
    for heading, items in _valid_values():
        values.cell(row=3, column=start, value=heading).font = Font(bold=True)
        for offset, item in enumerate(items, start=4):
            for i, text in enumerate(item):
                values.cell(row=offset, column=start + i, value=text)
        start += 3  # a code and its name, then an empty column
    values.freeze_panes = "A4"
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
