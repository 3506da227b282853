"""Spreadsheets out: the activity list, indicator and assessment downloads, the IPTT, and `activities export
--format xlsx`: typed cells, a frozen and filtered header, formula-like text kept as text, the pages' access rules."""
import csv
import io
import re
from datetime import date, datetime
from decimal import Decimal

import pytest
from openpyxl import load_workbook

from tracker.activities import export as activity_export
from tracker.assessments import export as assessment_export
from tracker.core.review import REVIEW_LABELS
from tracker.core.spreadsheet import DATE, INTEGER, MONEY, NUMBER, PERCENT, TEXT, Column, csv_lines, write_xlsx
from tracker.indicators import export as indicator_export
from tracker.indicators import services as indicator_services
from tracker.indicators.models import DIRECTIONS, METHODS, STATUSES, UNITS
from tracker.indicators.progress import evaluate_configured

FORMULAS = ("=HYPERLINK(\"http://evil.example\",\"Click\")", "+1+1", "-2+3", "@SUM(A1:A2)", "=cmd|' /C calc'!A0")


def _book(response):
    """The first worksheet of a downloaded workbook, and the workbook."""
    assert response.status_code == 200, response.data[:300]
    assert response.mimetype == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    book = load_workbook(io.BytesIO(response.data))
    return book.worksheets[0], book


def _records(sheet) -> list[dict]:
    """The rows of a sheet as dicts by header."""
    rows = list(sheet.iter_rows(values_only=True))
    return [dict(zip(rows[0], row)) for row in rows[1:]]


def _csv(response) -> list[dict]:
    assert response.status_code == 200, response.data[:300]
    assert response.mimetype == "text/csv"
    text = response.get_data(as_text=True)
    assert text.startswith("\ufeff")  # Excel reads the accents of "Bogotá" right
    return list(csv.DictReader(io.StringIO(text[1:])))


def _filename(response) -> str:
    return re.search(r'filename="?([^";]+)', response.headers["Content-Disposition"]).group(1)


def _number(value):
    """A database number as a workbook cell reads back."""
    return None if value is None else float(value)


def _assert_frozen_filtered_header(sheet, columns: int, rows: int):
    assert sheet.freeze_panes == "A2"
    last = sheet.cell(row=1, column=columns).column_letter
    assert sheet.auto_filter.ref == f"A1:{last}{max(rows, 1) + 1}"
    assert all(cell.font.b for cell in sheet[1])
    assert all(sheet.column_dimensions[sheet.cell(row=1, column=i).column_letter].width >= 8
               for i in range(1, columns + 1))


# ---------------------------------------------------------------- the IPTT


@pytest.fixture
def measured(make_indicator, make_value, make_activity, make_user):
    """Indicators of every sort: plan-wide manual (approved and awaiting approval), computed, a range, an override,
    on outcomes of two lines."""
    sg = make_user("secretary_general")
    briefs = make_indicator(code="PW-BRIEFS", name="Policy briefs published", targets={2021: 10, 2022: 20, 2023: 40},
                            baseline=3, baseline_year=2020)
    make_value(briefs, 2021, 12)
    make_value(briefs, 2022, 15, state="submitted")  # not an actual yet: pending
    events = make_indicator(code="L1-EVENTS", name="Events held", outcome_code="L1.A1.O1",
                            method="completed_activities", targets={2022: 4, 2023: 4})
    for day in (1, 2, 3):
        make_activity(title=f"Event {day}", start=date(2022, 3, day), outcomes=("L1.A1.O1",))
    share = make_indicator(code="L3-WOMEN", name="Women's share", outcome_code="L3.A2.O1", unit="percent",
                           direction="range", targets={2022: (40, 60), 2023: (45, 55)})
    make_value(share, 2022, Decimal("38.5"))
    costs = make_indicator(code="L2-COST", name="Cost per event", outcome_code="L2.A2.O3", unit="euros",
                           direction="lower", targets={2022: 1000, 2023: 900})
    make_value(costs, 2022, 1250, state="draft")
    target = next(t for t in events.targets if t.year == 2022)
    target.status_override, target.override_reason, target.override_by_id = "on_track", "Two more in April", sg.id
    from tracker.extensions import db
    db.session.commit()
    return {"briefs": briefs, "events": events, "share": share, "costs": costs}


def _expected_rows(years):
    """The indicator rows as the pages and the Board report compute them, in the IPTT's order."""
    indicators = indicator_services.plan_wide_indicators() + indicator_services.indicators_for_outcomes()
    return {r["code"]: r for r in indicator_services.indicator_rows(indicators, years)}


def test_iptt_of_the_whole_plan_round_trips_against_the_database(client_as, measured):
    client = client_as("staff")
    response = client.get("/indicators/iptt.xlsx")
    assert _filename(response) == "metropolis-iptt-2021-2023.xlsx"
    sheet, book = _book(response)
    records = _records(sheet)
    expected = _expected_rows([2021, 2022, 2023])
    # Plan-wide first, then by line, axis and outcome in plan order.
    assert [r["Indicator code"] for r in records] == ["PW-BRIEFS", "L1-EVENTS", "L2-COST", "L3-WOMEN"]
    assert records[0]["Action line"] == "The plan as a whole" and records[0]["Outcome code"] is None
    assert records[1]["Action line"].startswith("L1 ") and records[1]["Axis"].startswith("L1.A1 ")
    assert records[1]["Outcome code"] == "L1.A1.O1"
    for record in records:
        row = expected[record["Indicator code"]]
        assert record["Indicator"] == row["name"]
        assert record["Unit"] == UNITS[row["unit"]] and record["Direction"] == DIRECTIONS[row["direction"]]
        assert record["How it is measured"] == METHODS[row["method"]]
        assert record["Baseline"] == (None if row["baseline"]["value"] is None else float(row["baseline"]["value"]))
        for year in (2021, 2022, 2023):
            cell = row["years"][year]
            assert record[f"Target {year}"] == _number(cell["target"]), (record["Indicator code"], year)
            assert record[f"Target {year}, upper bound"] == _number(cell["target_max"])
            assert record[f"Actual {year}"] == _number(cell["actual"]), (record["Indicator code"], year)
            assert record[f"Share of target {year}"] == pytest.approx(_number(cell["progress"])) \
                if cell["progress"] is not None else record[f"Share of target {year}"] is None
            status = STATUSES.get(cell["status"])
            if cell["status_override"]:
                status += " (set by the Secretary General)"
            assert record[f"Status {year}"] == status, (record["Indicator code"], year)
        assert record["Life-of-plan target"] == _number(row["years"][2023]["target"])
    briefs, events, share, costs = records[0], records[1], records[3], records[2]
    # Only approved values count: 2021's approved 12 is the actual; 2022's submitted 15 is pending, not counted.
    assert (briefs["Actual 2021"], briefs["Approval 2021"]) == (12, "Approved value")
    assert (briefs["Actual 2022"], briefs["Approval 2022"]) == (None, "Awaiting approval (submitted)")
    assert briefs["Share of target 2021"] == pytest.approx(1.2) and briefs["Status 2021"] == "On track"
    assert (costs["Actual 2022"], costs["Approval 2022"]) == (None, "Awaiting approval (draft)")
    assert events["Actual 2022"] == 3 and events["Approval 2022"] == "Computed from the activity log"
    assert events["Status 2022"] == "On track (set by the Secretary General)"
    # The share and status equal progress.py's, for a range too (38.5 against 40-60).
    range_result = evaluate_configured("range", Decimal(40), Decimal(60), Decimal("38.5"))
    assert share["Share of target 2022"] == pytest.approx(float(range_result.progress))
    assert share["Status 2022"] == STATUSES[range_result.status]
    assert share["Life-of-plan target"] == 45 and share["Life-of-plan target, upper bound"] == 55
    # Typed: numbers are numbers shown as numbers and percentages.
    header = [c.value for c in sheet[1]]
    share_cell = sheet.cell(row=2, column=header.index("Share of target 2021") + 1)
    assert share_cell.data_type == "n" and share_cell.number_format == "0.0%"
    assert sheet.cell(row=2, column=header.index("Baseline year") + 1).value == 2020
    _assert_frozen_filtered_header(sheet, len(header), len(records))
    notes = [row[0] for row in book["Notes"].iter_rows(values_only=True)]
    assert any("only approved values count" in line for line in notes)
    assert any("2023" in line and "Life-of-plan" in line for line in notes)


def test_iptt_of_a_year_has_that_year_and_the_life_of_plan_target(client_as, measured):
    response = client_as("secretary_general").get("/indicators/iptt/2022.xlsx")
    assert _filename(response) == "metropolis-iptt-2022.xlsx"
    sheet, _ = _book(response)
    header = [c.value for c in sheet[1]]
    assert not any("2021" in h or "2023" in h for h in header)
    assert {"Target 2022", "Actual 2022", "Share of target 2022", "Status 2022", "Approval 2022",
            "Life-of-plan target"} <= set(header)
    by_code = {r["Indicator code"]: r for r in _records(sheet)}
    assert by_code["PW-BRIEFS"]["Life-of-plan target"] == 40 and by_code["PW-BRIEFS"]["Target 2022"] == 20


def test_iptt_csv_and_unknown_years(client_as, measured):
    client = client_as("staff")
    rows = _csv(client.get("/indicators/iptt/2022.csv"))
    briefs = next(r for r in rows if r["Indicator code"] == "PW-BRIEFS")
    assert (briefs["Target 2022"], briefs["Actual 2022"], briefs["Approval 2022"]) == \
        ("20", "", "Awaiting approval (submitted)")
    events = next(r for r in rows if r["Indicator code"] == "L1-EVENTS")
    assert events["Share of target 2022"] == "75%"
    assert client.get("/indicators/iptt/2019.xlsx").status_code == 404
    assert client.get("/indicators/iptt/2022.pdf").status_code == 404


def test_board_members_read_that_a_value_waits_not_its_review_state(client_as, measured):
    sheet, _ = _book(client_as("board").get("/indicators/iptt/2022.xlsx"))
    by_code = {r["Indicator code"]: r for r in _records(sheet)}
    assert by_code["PW-BRIEFS"]["Actual 2022"] is None
    assert by_code["PW-BRIEFS"]["Approval 2022"] == "Awaiting approval"
    assert by_code["L2-COST"]["Approval 2022"] == "Awaiting approval"


def test_indicators_page_download_follows_the_page(client_as, measured):
    from tracker.extensions import db
    measured["costs"].active = False
    db.session.commit()
    sg_rows = _records(_book(client_as("secretary_general").get("/indicators/export.xlsx?year=2022"))[0])
    assert {r["Indicator code"]: r["Active"] for r in sg_rows}["L2-COST"] == "No"  # steering see inactive ones
    response = client_as("board").get("/indicators/export.xlsx?year=2022")
    assert _filename(response) == "metropolis-indicators-2022.xlsx"
    board_rows = _records(_book(response)[0])
    assert "L2-COST" not in {r["Indicator code"] for r in board_rows} and "Active" not in board_rows[0]
    page = client_as("staff").get("/indicators/?year=2022").get_data(as_text=True)
    assert "/indicators/iptt/2022.xlsx" in page and "/indicators/export.csv?year=2022" in page


def test_the_iptt_reads_in_a_fixed_number_of_queries(client_as, make_indicator, make_value, count_queries):
    client = client_as("staff")

    def queries_for(count: int, start: int) -> int:
        for n in range(start, start + count):
            indicator = make_indicator(code=f"Q-{n}", outcome_code="L1.A1.O1", targets={2022: 5})
            make_value(indicator, 2022, 3)
        with count_queries() as statements:
            assert client.get("/indicators/iptt.xlsx").status_code == 200
        return len(statements)

    assert queries_for(2, 0) == queries_for(20, 2)


# ---------------------------------------------------------------- the activity list


@pytest.fixture
def log(make_user, make_activity):
    ana = make_user("staff", name="Ana Ruiz")
    make_activity(title="Housing debate", kind="policy_debate", start=date(2022, 5, 1), end=date(2022, 5, 2),
                  outcomes=("L1.A1.O2",), members=("Bogota", "Seoul"), partners=("UCLG",), participants=120,
                  women=64, men=52, other=4, planned=15000, spent=14250.5, responsible=ana, place="Bogotá")
    make_activity(title="Finance training", kind="training", start=date(2022, 9, 1), responsible=ana)
    make_activity(title="Old event", kind="event", start=date(2021, 3, 1))
    make_activity(title="Deleted event", kind="event", start=date(2022, 1, 1), deleted=True)
    for title in FORMULAS:
        make_activity(title=title, kind="event", start=date(2022, 2, 1), status="planned")
    return ana


def _page_ids(client, query: str) -> list[int]:
    page = client.get("/activities/?" + query).get_data(as_text=True)
    body = page.split("<tbody>", 1)[1].split("</tbody>", 1)[0]
    return [int(i) for i in re.findall(r'href="/activities/(\d+)"', body)]


@pytest.mark.parametrize("query", ["year=2022", "year=2022&kind=event&kind=training", "q=debate",
                                   "status=planned&sort=title", "member=999999&year=2021", "year=abc",
                                   "sort=-dates"])
def test_list_download_is_the_filtered_list_the_page_shows(client_as, log, query):
    client = client_as("board")
    ids = _page_ids(client, query)
    csv_ids = [int(r["Reference"]) for r in _csv(client.get("/activities/export.csv?" + query))]
    xlsx_ids = [r["Reference"] for r in _records(_book(client.get("/activities/export.xlsx?" + query))[0])]
    assert csv_ids == xlsx_ids == ids


def test_list_download_has_typed_cells_and_plain_words(client_as, log):
    response = client_as("staff").get("/activities/export.xlsx?year=2022&kind=policy_debate")
    assert _filename(response) == "metropolis-activities-2022.xlsx"
    sheet, _ = _book(response)
    (debate,) = _records(sheet)
    assert (debate["Kind"], debate["Status"]) == ("Policy debate", "Completed")
    assert debate["Start date"] == datetime(2022, 5, 1) and debate["End date"] == datetime(2022, 5, 2)
    assert debate["Place"] == "Bogotá" and debate["Responsible"] == "Ana Ruiz"
    assert (debate["Members"], debate["Partners"]) == ("Bogota; Seoul", "United Cities and Local Governments")
    assert (debate["Participants"], debate["Women"], debate["Men"], debate["Other or not stated"]) == (120, 64, 52, 4)
    assert (debate["Planned budget (EUR)"], debate["Spent budget (EUR)"]) == (15000, 14250.5)
    header = [c.value for c in sheet[1]]
    row = sheet[2]
    assert row[header.index("Start date")].is_date and row[header.index("Start date")].number_format == "yyyy-mm-dd"
    assert row[header.index("Spent budget (EUR)")].number_format == "#,##0.00"
    assert row[header.index("Participants")].data_type == "n"
    _assert_frozen_filtered_header(sheet, len(header), 1)
    (row,) = _csv(client_as("staff").get("/activities/export.csv?year=2022&kind=policy_debate"))
    assert (row["Start date"], row["Spent budget (EUR)"], row["Participants"]) == ("2022-05-01", "14250.50", "120")


def test_formula_like_titles_stay_text(client_as, log):
    client = client_as("staff")
    sheet, _ = _book(client.get("/activities/export.xlsx?status=planned"))
    header = [c.value for c in sheet[1]]
    cells = [row[header.index("Title")] for row in sheet.iter_rows(min_row=2)]
    assert sorted(c.value for c in cells) == sorted(FORMULAS)
    assert all(c.data_type == "s" and c.quotePrefix for c in cells)
    titles = [r["Title"] for r in _csv(client.get("/activities/export.csv?status=planned"))]
    assert sorted(titles) == sorted("'" + f for f in FORMULAS)


def test_list_download_reads_in_a_fixed_number_of_queries(client_as, make_activity, count_queries):
    client = client_as("staff")

    def queries_for(count: int) -> int:
        for n in range(count):
            make_activity(title=f"Workshop {n}", members=("Seoul",), partners=("UCLG",))
        with count_queries() as statements:
            assert len(_csv(client.get("/activities/export.csv"))) >= count
        return len(statements)

    assert queries_for(3) == queries_for(30)


def test_list_page_offers_the_downloads_with_its_filters(client_as, log):
    page = client_as("board").get("/activities/?year=2022&kind=event&sort=title").get_data(as_text=True)
    assert "/activities/export.csv?year=2022&amp;kind=event&amp;sort=title" in page
    assert "/activities/export.xlsx?year=2022&amp;kind=event&amp;sort=title" in page


def test_downloads_need_a_login(client, log, measured):
    for url in ("/activities/export.csv", "/indicators/iptt.xlsx", "/indicators/export.csv",
                "/assessments/export.xlsx"):
        response = client.get(url)
        assert response.status_code == 302 and "/login" in response.headers["Location"], url


# ---------------------------------------------------------------- the command line


def test_cli_export_as_a_workbook(runner, log, tmp_path):
    target = tmp_path / "log.xlsx"
    result = runner.invoke(args=["activities", "export", "--format", "xlsx", "--year", "2022",
                                 "--output", str(target)])
    assert result.exit_code == 0, result.output
    assert "7 activities written" in result.output
    sheet = load_workbook(target).worksheets[0]
    assert [c.value for c in sheet[1]] == list(activity_export.COLUMNS)
    records = {r["title"]: r for r in _records(sheet)}
    debate = records["Housing debate"]
    assert debate["start_date"] == datetime(2022, 5, 1) and debate["year"] == 2022
    assert debate["budget_spent"] == 14250.5 and debate["kind"] == "policy_debate"
    assert debate["outcomes"] == "L1.A1.O2" and debate["members"] == "Bogota; Seoul"
    assert set(FORMULAS) <= set(records)
    title_column = list(activity_export.COLUMNS).index("title")
    assert all(row[title_column].data_type == "s" for row in sheet.iter_rows(min_row=2))
    assert sheet.freeze_panes == "A2" and sheet.auto_filter.ref == "A1:R8"


def test_cli_workbook_to_standard_output(runner, log):
    result = runner.invoke(args=["activities", "export", "--format", "xlsx", "--year", "2021"])
    assert result.exit_code == 0, result.output
    sheet = load_workbook(io.BytesIO(result.stdout_bytes)).worksheets[0]
    assert [r["title"] for r in _records(sheet)] == ["Old event"]


# ---------------------------------------------------------------- assessments


@pytest.fixture
def assessed(make_assessment, make_user, assign_responsible):
    ana = make_user("staff", name="Ana Ruiz")
    assign_responsible(ana, "L1.A1.O1")
    make_assessment("L1.A1.O1", 2022, status="on_track", achieved="=Three debates held", author=ana)
    draft = make_assessment("L1.A1.O2", 2022, status="off_track", state="returned", achieved="Work in progress",
                            author=ana)
    draft.review_note = "Add the figures"
    from tracker.extensions import db
    db.session.commit()


def test_assessments_as_the_outcome_pages_show_them(client_as, assessed):
    staff = _records(_book(client_as("staff").get("/assessments/export.xlsx?year=2022"))[0])
    assert len(staff) == 35 and [r["Outcome code"] for r in staff[:2]] == ["L1.A1.O1", "L1.A1.O2"]
    first, second = staff[0], staff[1]
    assert (first["Status"], first["Review"], first["What was achieved"]) == ("On track", "Approved",
                                                                                "=Three debates held")
    assert first["Responsible staff"] == "Ana Ruiz" and first["Year"] == 2022
    assert (second["Status"], second["Review"], second["Reviewer's note"]) == ("Off track", "Returned for changes",
                                                                                "Add the figures")
    assert staff[2]["Review"] == "Not written yet"
    response = client_as("board").get("/assessments/export.xlsx?year=2022")
    assert _filename(response) == "metropolis-assessments-2022.xlsx"
    sheet, _ = _book(response)
    board = _records(sheet)
    assert board[0]["What was achieved"] == "=Three debates held"
    header = [c.value for c in sheet[1]]
    assert sheet.cell(row=2, column=header.index("What was achieved") + 1).data_type == "s"
    assert (board[1]["Status"], board[1]["Review"], board[1]["What was achieved"]) == \
        (None, "Not yet approved", None)  # withheld until approved, as on the outcome page
    assert "Reviewer's note" not in board[0]


def test_assessments_of_the_whole_plan_and_bad_years(client_as, assessed):
    client = client_as("secretary_general")
    rows = _csv(client.get("/assessments/export.csv"))
    assert len(rows) == 35 * 3 and {r["Year"] for r in rows} == {"2021", "2022", "2023"}
    assert rows[1]["What was achieved"] == "'=Three debates held"  # CSV: formula-like text is quoted
    assert client.get("/assessments/export.csv?year=1999").status_code == 404
    assert client.get("/assessments/export.csv?year=x").status_code == 404
    assert client.get("/assessments/export.csv?year=" + "9" * 5000).status_code == 404
    page = client.get("/overview/?year=2022").get_data(as_text=True)
    assert "/assessments/export.xlsx?year=2022" in page


def test_reports_page_offers_the_iptt(client_as):
    page = client_as("board").get("/reports/").get_data(as_text=True)
    for href in ("/indicators/iptt/2021.xlsx", "/indicators/iptt/2022.xlsx", "/indicators/iptt/2023.xlsx",
                 "/indicators/iptt.xlsx", "/indicators/iptt/2022.csv"):
        assert href in page


# ---------------------------------------------------------------- the shared writer


def test_writer_keeps_every_text_cell_text_and_types_the_rest(tmp_path):
    columns = [Column("Text", TEXT), Column("List", TEXT), Column("Count", INTEGER), Column("Amount", MONEY),
               Column("Share", PERCENT), Column("Value", NUMBER), Column("Day", DATE)]
    rows = [[f, [f, "x"], -3, Decimal("-12.50"), Decimal("0.8551"), Decimal("2.5000"), date(2022, 1, 31)]
            for f in FORMULAS] + [["\x01control\x1f", [], None, None, None, Decimal("7.0000"), None]]
    out = io.BytesIO()
    assert write_xlsx(out, columns, rows, title="A title: with [odd] chars that is far too long") == len(rows)
    sheet = load_workbook(io.BytesIO(out.getvalue())).worksheets[0]
    assert sheet.title == "A title  with  odd  chars that"
    for row, formula in zip(sheet.iter_rows(min_row=2), FORMULAS):
        assert (row[0].value, row[0].data_type) == (formula, "s")
        assert row[1].value == f"{formula}; x" and row[1].data_type == "s"
        assert (row[2].value, row[3].value, row[4].value, row[5].value) == (-3, -12.5, 0.8551, 2.5)
        assert row[5].number_format == "#,##0.00##" and row[6].value == datetime(2022, 1, 31)
    last = list(sheet.iter_rows(min_row=len(rows) + 1, values_only=True))[0]
    assert last[1] is None and last[5] == 7  # an empty list is an empty cell; a whole number shows as one
    assert sheet.cell(row=len(rows) + 1, column=6).number_format == "#,##0"
    text = "".join(csv_lines(columns, rows, bom=False))
    first = next(csv.reader(io.StringIO(text.splitlines()[1])))
    assert first == ["'" + FORMULAS[0], "'" + FORMULAS[0] + "; x", "-3", "-12.50", "85.51%", "2.5", "2022-01-31"]


def test_download_review_words_cover_every_review_state():
    assert set(assessment_export.REVIEW_WORDS) == set(REVIEW_LABELS)
    assert set(indicator_export.REVIEW_WORDS) == set(REVIEW_LABELS) - {"approved"}
