"""Importing activities from a spreadsheet: template, upload checks, preview per cell, all or nothing, once only."""
import csv
import io
import threading
from datetime import date, datetime

import pytest
from openpyxl import Workbook, load_workbook
from sqlalchemy import func, select
from werkzeug.datastructures import FileStorage
from werkzeug.test import encode_multipart

from tracker.activities.export import export
from tracker.activities.models import Activity
from tracker.audit.models import AuditEntry
from tracker.core.years import lock_year
from tracker.extensions import db
from tracker.imports import services
from tracker.imports.models import ActivityImport, ImportedRow
from tracker.imports.reading import MAX_ROWS
from tracker.imports.template import TEMPLATE_COLUMNS


def row(n: int = 1, **overrides) -> dict:
    """A valid row of the template's columns (overrides replace cells)."""
    values = {
        "title": f"Peer learning session {n}", "kind": "training", "status": "completed",
        "start_date": "2022-03-15", "end_date": "2022-03-16", "place": "Barcelona",
        "outcomes": "L1.A1.O1;L2.A2.O3", "members": "Bogota;Seoul", "partners": "UCLG",
        "participants_total": "40", "participants_women": "22", "participants_men": "17", "participants_other": "1",
        "budget_planned": "1500", "budget_spent": "1499.50", "responsible": "", "description": "Shared practices.",
    }
    values.update(overrides)
    return values


def csv_file(rows, columns=TEMPLATE_COLUMNS) -> bytes:
    """A UTF-8 CSV file of rows."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(columns)
    for values in rows:
        writer.writerow([values.get(c, "") for c in columns])
    return out.getvalue().encode("utf-8")


def xlsx_file(rows, columns=TEMPLATE_COLUMNS) -> bytes:
    """A workbook of rows (cells as given: text, numbers or dates)."""
    book = Workbook()
    sheet = book.active
    sheet.append(list(columns))
    for values in rows:
        sheet.append([values.get(c) for c in columns])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def upload(client, content: bytes, name: str = "activities.csv"):
    """Post a file to the upload form."""
    # Encoded in memory: the test client would spool a large body to a temporary file it never closes.
    boundary, body = encode_multipart({"file": FileStorage(io.BytesIO(content), filename=name)})
    return client.post("/imports/activities/", data=body, content_type=f"multipart/form-data; boundary={boundary}")


def uploaded(client, content: bytes, name: str = "activities.csv") -> int:
    """Upload a file that is accepted, and return its import's id."""
    response = upload(client, content, name)
    assert response.status_code == 302, response.get_data(as_text=True)
    return int(response.headers["Location"].rstrip("/").rsplit("/", 1)[-1])


def confirm(client, import_id: int, mode: str = "all"):
    """Confirm an import in a mode: all (or nothing) or valid_only."""
    return client.post(f"/imports/activities/{import_id}/confirm", data={"mode": mode})


def activity_count() -> int:
    return db.session.scalar(select(func.count()).select_from(Activity))


@pytest.fixture
def staff(client_as):
    return client_as("staff")


def test_thousand_rows_with_a_bad_one_import_nothing_then_the_valid_ones_once(staff):
    rows = [row(n) for n in range(1, 1001)]
    rows[499]["outcomes"] = "L1.A1.O1;L9.A1.O1"  # sheet row 501
    import_id = uploaded(staff, csv_file(rows))

    page = staff.get(f"/imports/activities/{import_id}").get_data(as_text=True)
    assert "999 ready to import" in page and "1 with problems" in page
    assert "Unknown outcome code L9.A1.O1" in page

    response = confirm(staff, import_id, "all")
    assert response.status_code == 200
    assert "1 row has problems, so nothing was imported." in response.get_data(as_text=True)
    assert activity_count() == 0
    assert db.session.get(ActivityImport, import_id).state == "pending"

    response = confirm(staff, import_id, "valid_only")
    assert response.status_code == 302
    assert activity_count() == 999
    assert "row 501" not in " ".join(db.session.scalars(select(AuditEntry.summary)))
    assert db.session.scalar(select(func.count()).select_from(ImportedRow)) == 999

    # The same file again, uploaded anew: every valid row is already imported, nothing is created twice.
    again = uploaded(staff, csv_file(rows))
    page = staff.get(f"/imports/activities/{again}").get_data(as_text=True)
    assert "999 already imported" in page and "0 ready to import" in page
    response = confirm(staff, again, "valid_only")
    assert "Nothing to import" in response.get_data(as_text=True)
    assert activity_count() == 999
    # And the first upload cannot be confirmed a second time.
    assert confirm(staff, import_id, "valid_only").status_code == 409
    assert activity_count() == 999


def test_imported_activity_has_every_value_and_is_audited_as_imported(staff, find_outcome, find_member):
    import_id = uploaded(staff, csv_file([row(1, responsible=staff.user.email, place="online")]), "spring.csv")
    assert confirm(staff, import_id).status_code == 302
    activity = db.session.scalars(select(Activity)).one()
    assert (activity.title, activity.kind, activity.status, activity.year) == ("Peer learning session 1", "training",
                                                                               "completed", 2022)
    assert (activity.start_date, activity.end_date, activity.place) == (date(2022, 3, 15), date(2022, 3, 16),
                                                                        "online")
    assert [o.code for o in activity.outcomes] == ["L1.A1.O1", "L2.A2.O3"]
    assert {m.city for m in activity.members} == {"Bogota", "Seoul"}
    assert [p.acronym for p in activity.partners] == ["UCLG"]
    assert (activity.participants_total, activity.participants_women, activity.participants_other) == (40, 22, 1)
    assert str(activity.budget_spent) == "1499.50"
    assert activity.responsible_id == activity.created_by_id == staff.user.id
    entry = db.session.scalars(select(AuditEntry).where(AuditEntry.entity_type == "activity")).one()
    assert entry.action == "create" and entry.user_id == staff.user.id
    assert entry.summary == f"Created activity “Peer learning session 1” by import #{import_id} of “spring.csv”, row 2"
    assert entry.after["outcomes"] == ["L1.A1.O1", "L2.A2.O3"]
    uploaded_entry, summary = db.session.scalars(select(AuditEntry).where(AuditEntry.entity_type == "activity_import")
                                                 .order_by(AuditEntry.id)).all()
    assert (uploaded_entry.action, uploaded_entry.after["filename"]) == ("upload", "spring.csv")
    assert (summary.action, summary.after["created"], summary.entity_id) == ("import", 1, import_id)


def _preview(user, rows, make=csv_file):
    """The preview of rows, checked by the service."""
    upload_row = services.store_upload(user, "check.csv" if make is csv_file else "check.xlsx", make(rows))
    return services.preview(upload_row, user)


def test_each_kind_of_problem_is_said_next_to_its_cell(app, make_user, make_activity):
    user = make_user("staff")
    sg = make_user("secretary_general")
    lock_year(sg, 2021)
    existing = make_activity(title="Exported earlier")
    problems = {
        "unknown outcome": (row(outcomes="L9.A1.O1"), "outcomes", "Unknown outcome code L9.A1.O1"),
        "no outcome": (row(outcomes=""), "outcomes", "Choose at least one outcome this activity serves."),
        "member": (row(members="Seoul;Parris"), "members", "No member city named “Parris”"),
        "partner": (row(partners="Nobody Org"), "partners", "No partner organisation named “Nobody Org”"),
        "bad date": (row(start_date="15/03/2022"), "start_date", "Enter a date as YYYY-MM-DD, for example 2022-03-15."),
        "no date": (row(start_date=""), "start_date", "Give the start date."),
        "end first": (row(end_date="2022-03-01"), "end_date", "The end date is before the start date."),
        "sum": (row(participants_total="50"), "participants_total",
                "Women, men and other or not stated add up to 40, not the total of 50."),
        "count": (row(participants_men="many"), "participants_men", "Enter a whole number, like 120."),
        "budget": (row(budget_planned="-5"), "budget_planned", "An amount cannot be negative."),
        "money": (row(budget_spent="12 euros"), "budget_spent", "Enter an amount in euros, like 1500 or 1500.50."),
        "kind": (row(kind="party"), "kind", "Unknown kind “party”"),
        "status": (row(status="done"), "status", "Unknown status “done”"),
        "title": (row(title=""), "title", "Give the activity a title."),
        "responsible": (row(responsible="ghost@example.org"), "responsible",
                        "No active staff member has the email “ghost@example.org”."),
        "locked": (row(start_date="2021-05-01", end_date=""), "start_date", "2021 is locked"),
        "year": (row(year="2023"), "year", "The plan year is the start date's year, 2022"),
        "id": (row(id="999999"), "id", "There is no activity number 999999"),
    }
    columns = ("id", "year", *TEMPLATE_COLUMNS)
    upload_row = services.store_upload(user, "check.csv", csv_file([p[0] for p in problems.values()], columns))
    result = services.preview(upload_row, user)
    for (name, (_, column, message)), checked in zip(problems.items(), result.rows):
        assert checked.state == services.PROBLEM, name
        assert list(checked.problems) == [column], (name, checked.problems)
        assert any(message in m for m in checked.problems[column]), (name, checked.problems)

    # Names in any case, kinds and statuses by their names; a repeated row and a row of the tracker.
    rows = [row(1, kind="Training or learning session", status="In progress", members="bogota; SEOUL",
                partners="United Cities and Local Governments"),
            row(1, status="in_progress"), row(2, id=str(existing.id))]
    result = services.preview(services.store_upload(user, "check.csv", csv_file(rows, ("id", *TEMPLATE_COLUMNS))),
                              user)
    assert [r.state for r in result.rows] == [services.READY, services.PROBLEM, services.EXISTS]
    assert result.rows[1].problems == {"row": ["This row repeats row 2: remove one of the two."]}
    assert result.rows[2].activity_id == existing.id


def test_unknown_names_suggest_the_ones_meant(app, make_user):
    user = make_user("staff")
    rows = [row(members="Barcelona;Paris;Bogotà", partners="UN Habitat")]
    checked = services.preview(services.store_upload(user, "names.csv", csv_file(rows)), user).rows[0]
    assert checked.problems["members"] == [
        "No member city named “Barcelona”: did you mean Barcelona (city) / Barcelona (metropolitan area)?",
        "No member city named “Paris”: did you mean Greater Paris?",
        "No member city named “Bogotà”: did you mean Bogota?"]
    assert checked.problems["partners"] == ["No partner organisation named “UN Habitat”: did you mean UN-Habitat?"]


def test_preview_page_shows_the_message_in_the_cell(staff):
    import_id = uploaded(staff, csv_file([row(1), row(2, members="Parris")]))
    page = staff.get(f"/imports/activities/{import_id}").get_data(as_text=True)
    cell = page.split('id="row-3"', 1)[1].split("</tr>", 1)[0]
    assert 'data-problem="members"' in cell and "No member city named “Parris”" in cell
    assert 'data-problem' not in page.split('id="row-2"', 1)[1].split("</tr>", 1)[0]


def test_xlsx_template_filled_in_and_imported(staff):
    response = staff.get("/imports/activities/template.xlsx")
    assert response.status_code == 200 and response.mimetype.endswith("spreadsheetml.sheet")
    book = load_workbook(io.BytesIO(response.data))
    sheet, values = book.worksheets
    assert sheet.freeze_panes == "A2"
    assert [c.value for c in sheet[1]] == list(TEMPLATE_COLUMNS)
    assert sheet.cell(row=2, column=1).value.startswith("Example")
    listed = {c.value for col in values.iter_cols() for c in col}
    assert {"L1.A1.O1", "Bogota", "UN-Habitat", "policy_debate", "in_progress"} <= listed

    # Fill it in as a spreadsheet does: real dates and numbers in the cells, the example row replaced.
    sheet.delete_rows(2)
    sheet.append(["Mission to Seoul", "mission", "completed", datetime(2022, 6, 1), date(2022, 6, 3), "Seoul",
                  "L2.A2.O3", "Seoul", "", 12, 5, 7, None, 3000, 2875.25, staff.user.email, ""])
    out = io.BytesIO()
    book.save(out)
    import_id = uploaded(staff, out.getvalue(), "filled.xlsx")
    assert confirm(staff, import_id).status_code == 302
    activity = db.session.scalars(select(Activity)).one()
    assert (activity.title, activity.start_date, activity.end_date) == ("Mission to Seoul", date(2022, 6, 1),
                                                                       date(2022, 6, 3))
    assert (activity.participants_total, str(activity.budget_planned), str(activity.budget_spent)) == \
        (12, "3000.00", "2875.25")


def test_csv_template_and_the_same_rows_from_csv_and_xlsx_are_one_row(staff):
    response = staff.get("/imports/activities/template.csv")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    lines = response.data.decode("utf-8-sig").splitlines()
    assert lines[0].split(",") == list(TEMPLATE_COLUMNS) and len(lines) == 2

    assert confirm(staff, uploaded(staff, csv_file([row(1)]))).status_code == 302
    as_cells = row(1, participants_total=40, participants_women=22, participants_men=17, participants_other=1,
                   budget_planned=1500, budget_spent=1499.5, start_date=date(2022, 3, 15))
    result = staff.get(f"/imports/activities/{uploaded(staff, xlsx_file([as_cells]), 'same.xlsx')}")
    assert "1 already imported" in result.get_data(as_text=True)
    assert activity_count() == 1


def test_an_exported_file_with_new_rows_imports_back(app, staff, make_activity):
    make_activity(title="Already there", outcomes=("L1.A1.O2",), members=("Bogota",))
    out = io.StringIO()
    export(out, "csv")
    exported = out.getvalue().rstrip("\r\n") + "\r\n" + ",".join(
        ["", "A new one", "event", "planned", "2023-02-01", "2023-02-01", "", "Madrid", "L1.A1.O1", "", "",
         "", "", "", "", "", "", ""]) + "\r\n"
    import_id = uploaded(staff, exported.encode("utf-8"), "export.csv")
    page = staff.get(f"/imports/activities/{import_id}").get_data(as_text=True)
    assert "1 ready to import" in page and "1 already in the tracker" in page
    assert confirm(staff, import_id).status_code == 302
    assert sorted(db.session.scalars(select(Activity.title))) == ["A new one", "Already there"]


def test_french_spreadsheet_csv_with_semicolons(staff):
    text = "title;kind;status;start_date;outcomes;members\n" \
           "Atelier;event;planned;2022-09-01;\"L1.A1.O1;L1.A1.O2\";Montréal\n"
    import_id = uploaded(staff, b"\xef\xbb\xbf" + text.encode("utf-8"))  # with the byte order mark Excel writes
    assert confirm(staff, import_id).status_code == 302
    activity = db.session.scalars(select(Activity)).one()
    assert [o.code for o in activity.outcomes] == ["L1.A1.O1", "L1.A1.O2"]


@pytest.mark.parametrize("content, name, message", [
    (b"", "a.csv", "Choose a file to upload."),  # the browser sends no file at all
    (b"%PDF-1.4 not a sheet", "a.pdf", "Choose an Excel workbook (.xlsx) or a CSV file (.csv)"),
    (b"%PDF-1.4 not a sheet", "a.xlsx", "This file is not a real Excel workbook"),
    (b"PK\x03\x04 broken zip", "a.xlsx", "This file is not a real Excel workbook"),
    ("title,kind\nCafé,event\n".encode("latin-1"), "a.csv", "This CSV file is not in UTF-8"),
    (b"name,when\nx,y\n", "a.csv", "Unknown columns “name”, “when”"),
    (b"title,kind,status,outcomes\nx,event,planned,L1.A1.O1\n", "a.csv", "The column “start_date” is missing"),
    (b"title,kind,title,status,start_date,outcomes\n", "a.csv", "The column “title” appears more than once"),
    (b"title,kind,status,start_date,outcomes\n", "a.csv", "no activities below them"),
    (b"\n\n", "a.csv", "The first row must name the columns"),
])
def test_bad_uploads_are_refused_next_to_the_field(staff, content, name, message):
    data = {"file": (io.BytesIO(content), name)} if content else {}
    response = staff.post("/imports/activities/", data=data, content_type="multipart/form-data")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert message in html and 'id="file-errors"' in html
    assert db.session.scalar(select(func.count()).select_from(ActivityImport)) == 0


def test_size_and_row_limits(staff):
    big = csv_file([row(1)]) + b"x" * (5 * 1024 * 1024)
    assert "larger than the limit of 5 MB" in upload(staff, big).get_data(as_text=True)
    many = csv_file([row(n) for n in range(MAX_ROWS + 1)])
    assert "more than 5,000 rows" in upload(staff, many).get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(ActivityImport)) == 0


@pytest.mark.parametrize("role, allowed", [("staff", True), ("secretary_general", True), ("admin", True),
                                           ("board", False)])
def test_roles(client_as, make_user, role, allowed):
    client = client_as(role)
    owner = client.user
    upload_row = services.store_upload(owner, "mine.csv", csv_file([row(1)]))
    db.session.commit()
    urls = ["/imports/activities/", "/imports/activities/template.xlsx", "/imports/activities/template.csv",
            f"/imports/activities/{upload_row.id}"]
    for url in urls:
        assert client.get(url).status_code == (200 if allowed else 403), url
    assert (confirm(client, upload_row.id).status_code == 302) is allowed
    assert (activity_count() == 1) is allowed
    index = client.get("/activities/").get_data(as_text=True)
    assert ("/imports/activities/" in index) is allowed


def test_another_user_can_neither_see_nor_confirm_my_import(staff, client_as):
    import_id = uploaded(staff, csv_file([row(1)]))
    for other in (client_as("staff"), client_as("admin")):
        assert other.get(f"/imports/activities/{import_id}").status_code == 404
        assert confirm(other, import_id).status_code == 404
        assert f"/imports/activities/{import_id}" not in other.get("/imports/activities/").get_data(as_text=True)
    assert activity_count() == 0
    assert f"/imports/activities/{import_id}" in staff.get("/imports/activities/").get_data(as_text=True)


def test_two_uploads_of_one_file_confirmed_one_after_the_other_create_it_once(staff):
    first, second = uploaded(staff, csv_file([row(1), row(2)])), uploaded(staff, csv_file([row(2), row(3)]))
    assert confirm(staff, first).status_code == 302
    assert confirm(staff, second).status_code == 302
    assert sorted(db.session.scalars(select(Activity.title))) == [f"Peer learning session {n}" for n in (1, 2, 3)]
    assert db.session.get(ActivityImport, second).created_count == 1


def test_preview_reads_lookups_once_whatever_the_rows(app, make_user, count_queries):
    user = make_user("staff")
    small = services.store_upload(user, "s.csv", csv_file([row(1)]))
    large = services.store_upload(user, "l.csv", csv_file([row(n) for n in range(1, 201)]))
    db.session.commit()
    with count_queries() as one:
        services.preview(small, user)
    db.session.expire_all()
    with count_queries() as many:
        services.preview(large, user)
    assert len(many) == len(one)


def _confirm_in_threads(app, clients_and_ids) -> list[int]:
    """Confirm imports from several threads at once (each its own client and session); their status codes."""
    statuses: list[int] = [0] * len(clients_and_ids)

    def run(index, client, import_id):
        with app.app_context():  # the thread's own database session
            statuses[index] = confirm(client, import_id).status_code

    threads = [threading.Thread(target=run, args=(i, c, n)) for i, (c, n) in enumerate(clients_and_ids)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not any(thread.is_alive() for thread in threads)
    return statuses


def test_two_confirms_of_one_upload_at_once_import_it_once(app, staff, login):
    import_id = uploaded(staff, csv_file([row(n) for n in range(1, 51)]))
    second = login(app.test_client(), staff.user)
    statuses = _confirm_in_threads(app, [(staff, import_id), (second, import_id)])
    assert sorted(statuses) == [302, 409]
    assert activity_count() == 50


def test_two_uploads_of_one_file_confirmed_at_once_create_it_once(app, staff, login, monkeypatch):
    rows = [row(n) for n in range(1, 51)]
    first, second = uploaded(staff, csv_file(rows)), uploaded(staff, csv_file(rows))
    checks: list[int] = []
    postgres = db.engine.dialect.name == "postgresql"
    if postgres:
        # Both confirms claim their upload and read the earlier imports before either writes (SQLite lets one writer
        # in at a time, so there the second simply waits for the first).
        both_claimed, seen = threading.Barrier(2), threading.local()
        check_all = services.preview

        def preview_after_both_claims(upload_row, owner):
            checks.append(upload_row.id)
            if not getattr(seen, "once", False):
                seen.once = True
                both_claimed.wait(timeout=30)
            return check_all(upload_row, owner)

        monkeypatch.setattr(services, "preview", preview_after_both_claims)
    other = login(app.test_client(), staff.user)
    statuses = _confirm_in_threads(app, [(staff, first), (other, second)])
    assert sorted(statuses) == [200, 302]  # the second finds nothing left to import
    if postgres:  # the second's fingerprints clashed with the first's: rolled back, checked again, then shown
        assert sorted(checks.count(n) for n in (first, second)) == [1, 3]
    assert activity_count() == 50
    assert db.session.scalar(select(func.count()).select_from(ImportedRow)) == 50
