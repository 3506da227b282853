"""The Board evaluation and the final evaluation as PDF: figures against the database, draft rule, safety,
metadata, the archive, the pages and who may use them, the command line."""
import hashlib
import io
import re
from datetime import date, datetime, timezone
from pathlib import Path

import pytest
from pypdf import PdfReader
from sqlalchemy import func, select

from tracker.assessments.models import Assessment
from tracker.audit.models import AuditEntry
from tracker.evidence.models import Evidence
from tracker.extensions import db
from tracker.plan.models import Outcome
from tracker.reports import services
from tracker.reports.build import build_report
from tracker.reports.fetcher import ALLOWED_FILES, FetchRefused, ReportFetcher
from tracker.reports.models import Report, ReportSummary
from tracker.reports.pdf import render_pdf
from tracker.reports.scorecard import short_title

PAYLOADS = ('<img src="file:///etc/passwd">', '<img src="http://example.com/x.png">',
            '<link rel="attachment" href="file:///etc/passwd">')
HOSTILE = " ".join(PAYLOADS)

# The year's activities as the test knows them; the expected figures are counted from this list by hand.
ACTIVITIES = [
    dict(title="Housing policy debate", status="completed", start=date(2022, 3, 1), outcomes=("L1.A1.O1", "L2.A2.O3"),
         members=("Seoul", "Montréal"), partners=("UCLG",), participants=120, women=70, men=50),
    dict(title="Gender equality training", status="completed", start=date(2022, 6, 10), outcomes=("L1.A1.O3",),
         members=("Seoul", "Berlin", "Abidjan"), partners=("UCLG", "UN-Habitat"), participants=45, women=30, men=15),
    dict(title="Mission to the regional forum", status="in_progress", start=date(2022, 9, 1), outcomes=("L1.A2.O3",),
         members=("Johannesburg",), participants=30),
    dict(title="Campaign on climate resilience", status="planned", start=date(2022, 11, 1), outcomes=("L3.A1.O2",),
         members=("Mexico City",)),
    dict(title="Cancelled summit", status="cancelled", start=date(2022, 5, 1), outcomes=("L1.A1.O1",),
         members=("Buenos Aires",)),
    dict(title="Deleted event", status="completed", start=date(2022, 4, 1), outcomes=("L1.A1.O1",),
         members=("Brussels",), participants=999, deleted=True),
    dict(title="Last year's congress", status="completed", start=date(2021, 10, 5), outcomes=("L1.A1.O1",),
         members=("Brussels",), participants=40),
]


def _text(data: bytes) -> str:
    """The PDF's text with whitespace normalised (titles may wrap)."""
    return " ".join(" ".join(page.extract_text() or "" for page in PdfReader(io.BytesIO(data)).pages).split())


def _page_texts(data: bytes) -> list[str]:
    """Each page's text, whitespace normalised."""
    return [" ".join((page.extract_text() or "").split()) for page in PdfReader(io.BytesIO(data)).pages]


def _figure(text: str, label: str) -> str:
    """The value printed right after a headline row label."""
    match = re.search(re.escape(label) + r" ([0-9][0-9,.]*)", text)
    assert match, f"{label!r} not found in the report"
    return match.group(1)


def _generate(kind="board", year=2022, actor=None, now=None):
    """Generate and commit a report; return the service's result."""
    result = services.generate_report(actor, kind, year, now=now)
    db.session.commit()
    return result


@pytest.fixture
def all_approved(approve_year):
    """all_approved(year): every outcome approved, and one plan-wide indicator with a target and an approved value."""
    return approve_year


# ---------------------------------------------------------------------------------------------- the contents


def test_report_figures_and_titles_equal_the_database(app, make_activity, make_indicator, make_value, all_approved):
    for spec in ACTIVITIES:
        make_activity(**spec)
    all_approved(2022)
    pending = make_indicator(code="PW-SURVEY", name="Members satisfied with services", targets={2022: 80},
                             unit="percent")
    make_value(pending, 2022, 55, state="submitted")
    make_indicator(code="L1-DEBATES-HELD", name="Debates held on recommendations", outcome_code="L1.A1.O1",
                   method="completed_activities", targets={2022: 2})

    result = _generate()
    text = _text(result.rendered.data)

    titles = db.session.scalars(select(Outcome.title)).all()
    assert len(titles) == 35
    for title in titles:
        assert " ".join(title.split()) in text, title

    # Headline figures, counted by hand from the specs (deleted, cancelled and other years excluded).
    live = [a for a in ACTIVITIES if not a.get("deleted") and a["start"].year == 2022]
    completed = [a for a in live if a["status"] == "completed"]
    work_plan = [a for a in live if a["status"] != "cancelled"]
    assert _figure(text, "Activities in the work plan") == str(len(work_plan))
    assert _figure(text, "Completed") == str(len(completed))
    assert _figure(text, "Members engaged") == str(len({m for a in completed for m in a["members"]}))
    assert _figure(text, "Partners engaged") == str(len({p for a in completed for p in a["partners"]}))
    assert _figure(text, "Participants") == str(sum(a["participants"] for a in completed))
    assert _figure(text, "Women participants") == str(sum(a["women"] for a in completed))

    # The approved indicator value from the baseline: 2021, 2022, the target and the share of it; the value under
    # review is not shown as such.
    assert "Policy briefs published PW-BRIEFS — — 37 40 93 % of target On track" in text
    assert "Members satisfied with services PW-SURVEY — — pending approval 80.0 %" in text
    assert "55.0 %" not in text
    # A computed indicator on an outcome: the completed, live activities serving L1.A1.O1, counted by hand per year.
    serving = [a for a in completed if "L1.A1.O1" in a["outcomes"]]
    last_year = [a for a in ACTIVITIES if a["status"] == "completed" and a["start"].year == 2021
                 and "L1.A1.O1" in a["outcomes"]]
    assert (f"Debates held on recommendations — {len(last_year)} {len(serving)} 2 {50 * len(serving)} % of target"
            in text)

    # Activities: named under their outcomes and listed in the annex; deleted ones nowhere.
    for spec in live:
        assert spec["title"] in text
    assert "Deleted event" not in text and "Last year's congress" not in text
    assert "Approved narrative for L2.A2.O3." in text
    assert f"Annex A: activities 2022 {len(live)} activities recorded, {len(completed)} completed" in text
    assert "Europe: 1 of" in text  # Berlin (Seoul and Montréal are elsewhere)

    # Nothing is pending except one value: a draft, and the readiness page says why.
    assert result.report.draft is True
    assert "1 indicator value awaits approval" in text
    assert "PW-SURVEY Members satisfied with services (plan-wide): the 2022 value is submitted" in text


def test_metadata_pages_and_tags(app):
    result = _generate()
    reader = PdfReader(io.BytesIO(result.rendered.data))
    assert reader.metadata.title == "Board of Directors — annual evaluation 2022"
    assert reader.metadata.author == "Metropolis Secretariat General"
    assert reader.metadata.creation_date is not None
    root = reader.trailer["/Root"]
    assert "/StructTreeRoot" in root and root["/MarkInfo"]["/Marked"]  # tagged
    assert root["/Lang"] == "en"
    assert b"pdfuaid" in root["/Metadata"].get_object().get_data()  # PDF/UA-1 identification
    box = reader.pages[0].mediabox
    assert (round(float(box.width) / 72 * 25.4), round(float(box.height) / 72 * 25.4)) == (210, 297)  # A4
    pages = _page_texts(result.rendered.data)
    total = len(pages)
    assert result.report.pages == total
    for number, page in enumerate(pages[1:], start=2):  # the cover has no footer
        assert f"Page {number} of {total}" in page
        assert "Board of Directors — annual evaluation 2022" in page
    assert "How the plan stands in 2022: the 35 outcomes" in pages[1]  # the scorecard, right after the cover


def test_draft_on_every_page_with_readiness_until_everything_is_approved(app, all_approved):
    all_approved(2022)
    row = db.session.scalar(select(Outcome).where(Outcome.code == "L2.A3.O1"))
    first = db.session.scalar(select(Assessment).where(Assessment.outcome_id == row.id))
    first.review_state = "submitted"
    db.session.commit()

    draft = _generate()
    pages = _page_texts(draft.rendered.data)
    assert draft.report.draft is True
    assert all("DRAFT" in page for page in pages)
    assert "Readiness: what blocks a final report" in pages[-1]  # last, so page 2 says how the plan stands
    assert "1 Awaiting approval" in pages[1]  # the scorecard counts the outcome as pending, not as on track
    assert f"{row.code} {short_title(row.title, 70)} awaiting review" in pages[-1]  # one row per outcome
    assert f"Approved narrative for {row.code}." not in " ".join(pages)  # only approved narratives appear

    first.review_state = "approved"
    db.session.commit()
    final = _generate()
    text = _text(final.rendered.data)
    assert final.report.draft is False
    assert "DRAFT" not in text and "Draft" not in text and "Readiness" not in text
    assert f"Approved narrative for {row.code}." in text


def test_templates_get_plain_data_in_a_fixed_number_of_queries(app, make_activity, make_note, count_queries):
    def plain(value):
        if isinstance(value, dict):
            return all(isinstance(k, (str, int)) and plain(v) for k, v in value.items())
        if isinstance(value, (list, tuple)):
            return all(plain(v) for v in value)
        return value is None or isinstance(value, (str, int, float, bool))

    def statements_for(activities: int) -> int:
        for i in range(activities):
            activity = make_activity(title=f"Activity {activities}-{i}", start=date(2022, 1 + i % 12, 1),
                                     outcomes=("L1.A1.O1", "L2.A1.O1"), members=("Seoul",), partners=("UCLG",),
                                     commit=False)
            db.session.flush()
            make_note(activity=activity, title=f"Minutes {i}", commit=False)
        db.session.commit()
        with count_queries() as statements:
            data = build_report("board", 2022)
        assert plain(data)
        return len(statements)

    few = statements_for(3)
    many = statements_for(30)
    assert few == many


def test_final_evaluation_covers_every_year(app, make_activity, make_assessment):
    make_activity(title="Congress of 2021", start=date(2021, 5, 3))
    make_activity(title="Forum of 2023", start=date(2023, 2, 3))
    make_assessment("L1.A1.O1", 2021, achieved="The 2021 narrative.")
    make_assessment("L1.A1.O1", 2023, achieved="The 2023 narrative.", state="submitted")
    db.session.add(ReportSummary(scope="final", text="Three years of active listening."))
    db.session.commit()
    result = _generate("final", None)
    text = _text(result.rendered.data)
    assert result.report.kind == "final" and result.report.year is None
    assert "General Assembly — final evaluation 2021-2023" in text
    assert "Figure 2021 2022 2023 2021-2023" in text
    assert "Congress of 2021" in text and "Forum of 2023" in text
    assert "The 2021 narrative." in text and "The 2023 narrative." not in text
    assert "Three years of active listening." in text
    assert result.path.name.startswith("final-evaluation-2021-2023-")


# ---------------------------------------------------------------------------------------------- safety


def test_fetcher_serves_only_data_and_bundled_files():
    fetcher = ReportFetcher()
    for url in ("file:///etc/passwd", "http://example.com/x.png", "https://example.com/", "ftp://example.com/a",
                "fonts/DejaVuSans.ttf", "../../etc/passwd", "report:/x.png", "data:text/html,<b>x</b>"):
        with pytest.raises(FetchRefused):
            fetcher(url)
    assert fetcher.served == []
    assert len(fetcher.refused) == 8
    for url in ALLOWED_FILES:
        assert fetcher(url).read()
    assert fetcher(  # a tiny SVG, as the charts are embedded
        "data:image/svg+xml;base64,PHN2ZyB4bWxucz0iaHR0cDovL3d3dy53My5vcmcvMjAwMC9zdmciLz4=").content_type == \
        "image/svg+xml"


def test_weasyprint_cannot_reach_files_or_network_even_with_raw_html(app):
    html = ('<html lang="en"><head><title>t</title><link rel="attachment" href="file:///etc/passwd">'
            '<link rel="stylesheet" href="http://example.com/s.css"></head><body><p>x</p>'
            '<img src="file:///etc/passwd" alt=""><img src="http://example.com/x.png" alt="">'
            '<a rel="attachment" href="file:///etc/passwd">a</a></body></html>')
    rendered = render_pdf(html, title="t", created=datetime.now(timezone.utc))
    assert rendered.fetcher.served == []
    assert set(rendered.fetcher.refused) >= {"file:///etc/passwd", "http://example.com/x.png",
                                             "http://example.com/s.css"}
    _assert_no_attachments(rendered.data)


def _assert_no_attachments(data: bytes, expected: tuple[str, ...] = ()) -> None:
    """Nothing from the HTML is embedded: the PDF's files are exactly the app's own (`expected`)."""
    reader = PdfReader(io.BytesIO(data))
    assert sorted(reader.attachments) == sorted(expected)
    for page in reader.pages:
        for annotation in page.get("/Annots") or []:
            assert annotation.get_object().get("/Subtype") != "/FileAttachment"
    assert b"root:x:0:0" not in data


def test_hostile_text_is_escaped_and_nothing_is_fetched(app, make_user, make_activity, make_assessment):
    author = make_user("staff")
    activity = make_activity(title=HOSTILE[:200], description=HOSTILE, outcomes=("L1.A1.O1",), members=("Seoul",))
    db.session.add(Evidence(kind="link", title="Link " + PAYLOADS[0], url="file:///etc/passwd",
                            activity_id=activity.id, added_by_id=author.id))
    db.session.add(Evidence(kind="link", title="Real link", url="https://metropolis.org/report",
                            activity_id=activity.id, added_by_id=author.id))
    make_assessment("L1.A1.O1", 2022, achieved=HOSTILE)
    db.session.add(ReportSummary(scope="2022", text=HOSTILE))
    db.session.commit()

    result = _generate()
    fetcher = result.rendered.fetcher
    assert fetcher.refused == []  # never even asked: the markup reached WeasyPrint as text
    assert all(url.startswith("data:image/svg+xml") or url in ALLOWED_FILES for url in fetcher.served)
    _assert_no_attachments(result.rendered.data, expected=("activities-2022.xlsx",))
    text = _text(result.rendered.data)
    assert '<img src="file:///etc/passwd">' in text
    assert '<link rel="attachment" href="file:///etc/passwd">' in text
    # Only http(s) evidence becomes a link annotation.
    uris = [a.get_object()["/A"].get("/URI") for page in PdfReader(io.BytesIO(result.rendered.data)).pages
            for a in page.get("/Annots") or [] if a.get_object().get("/Subtype") == "/Link"
            and "/URI" in a.get_object().get("/A", {})]
    assert "https://metropolis.org/report" in uris
    assert not any("passwd" in uri or "example.com" in uri for uri in uris)


# ---------------------------------------------------------------------------------------------- the archive


def test_archive_never_overwrites(app, monkeypatch):
    moment = datetime(2022, 12, 1, 10, 15, 2, tzinfo=timezone.utc)
    first = _generate(now=moment)
    second = _generate(now=moment)  # same second: the random part keeps names apart
    rows = db.session.scalars(select(Report).order_by(Report.id)).all()
    assert len(rows) == 2 and rows[0].filename != rows[1].filename
    assert re.fullmatch(r"board-evaluation-2022-20221201T101502Z-[0-9a-f]{8}\.pdf", rows[0].filename)
    for row, result in zip(rows, (first, second)):
        data = (Path(app.config["EXPORTS_FOLDER"]) / row.filename).read_bytes()
        assert hashlib.sha256(data).hexdigest() == row.sha256 == hashlib.sha256(result.rendered.data).hexdigest()
        assert row.size == len(data) and row.pages > 5 and row.generated_at is not None
    entries = db.session.scalars(select(AuditEntry).where(AuditEntry.entity_type == "report")).all()
    assert sorted(e.entity_id for e in entries if e.action == "generate") == [rows[0].id, rows[1].id]

    # Even a name clash cannot replace a file: exclusive creation refuses, and the first file stays intact.
    monkeypatch.setattr(services.secrets, "token_hex", lambda n: "abcd1234")
    taken = Path(app.config["EXPORTS_FOLDER"]) / "board-evaluation-2022-20221201T101502Z-abcd1234.pdf"
    taken.write_bytes(b"earlier file")
    with pytest.raises(services.ReportError):
        services.write_archive_file(b"new content", "board", 2022, moment)
    assert taken.read_bytes() == b"earlier file"


def test_download_checks_the_fingerprint(app, client_as):
    result = _generate()
    board = client_as("staff")
    url = f"/reports/{result.report.id}/download"
    with board.get(url) as response:
        assert response.status_code == 200
        assert response.mimetype == "application/pdf"
        assert response.headers["Content-Disposition"].startswith("attachment;")
        assert result.report.filename in response.headers["Content-Disposition"]
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        assert hashlib.sha256(response.data).hexdigest() == result.report.sha256
    with client_as("admin").get(url) as response:
        assert response.status_code == 200

    result.path.write_bytes(result.rendered.data + b"%tampered")
    with board.get(url) as response:
        assert response.status_code == 409
        assert "damaged" in response.get_data(as_text=True)
    result.path.unlink()
    with board.get(url) as response:
        assert response.status_code == 409
    with board.get("/reports/999999/download") as response:
        assert response.status_code == 404


# ---------------------------------------------------------------------------------------------- pages and roles


def test_board_reads_the_archive_but_cannot_act(app, client_as):
    result = _generate()
    db.session.get(Report, result.report.id).is_final = True  # the Board reads final reports only
    db.session.commit()
    board = client_as("board")
    page = board.get("/reports/").get_data(as_text=True)
    assert result.report.sha256 in page and "Board evaluation 2022" in page and "Command line" in page
    assert "Generate the Board evaluation" not in page and "Mark final" not in page
    assert board.post("/reports/generate", data={"kind": "board", "year": "2022"}).status_code == 403
    assert board.get("/reports/summary/2022").status_code == 403
    assert board.post("/reports/summary/2022", data={"text": "x"}).status_code == 403
    assert board.post(f"/reports/{result.report.id}/final").status_code == 403
    staff = client_as("staff")
    assert staff.get("/reports/").status_code == 200
    assert staff.post("/reports/generate", data={"kind": "final"}).status_code == 403
    assert db.session.scalar(select(func.count(Report.id))) == 1
    assert db.session.scalar(select(func.count(AuditEntry.id)).where(AuditEntry.action == "mark_final")) == 0


def test_secretary_general_generates_from_the_page(app, client_as):
    sg = client_as("secretary_general")
    page = sg.get("/reports/").get_data(as_text=True)
    assert "Generate the Board evaluation" in page and "Board evaluation 2021" in page
    response = sg.post("/reports/generate", data={"kind": "board", "year": "2022"})
    assert response.status_code == 302 and "/reports/requests/" in response.location
    report = db.session.scalar(select(Report))  # the job ran at the commit (tests run jobs where enqueued)
    assert report.kind == "board" and report.year == 2022 and report.generated_by_id == sg.user.id
    assert report.draft is True
    progress = sg.get(response.location).get_data(as_text=True)
    assert "Ready" in progress and f"{report.pages} pages" in progress and "DRAFT" in progress
    page = sg.get("/reports/").get_data(as_text=True)
    assert "DRAFT" in page and report.sha256 in page
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.entity_type == "report"))
    assert entry.action == "generate" and entry.user_id == sg.user.id and entry.after["sha256"] == report.sha256


def test_generate_refuses_bad_input(app, client_as):
    sg = client_as("admin")
    response = sg.post("/reports/generate", data={"kind": "board", "year": "1999"})
    assert response.status_code == 400
    assert "Choose a plan year between 2021 and 2023." in response.get_data(as_text=True)
    response = sg.post("/reports/generate", data={"kind": "annual-everything"})
    assert response.status_code == 400
    assert "Choose which report to generate." in response.get_data(as_text=True)
    assert sg.post("/reports/generate", data={}).status_code == 400
    assert db.session.scalar(select(func.count(Report.id))) == 0
    assert not Path(app.config["EXPORTS_FOLDER"]).exists() or not any(Path(app.config["EXPORTS_FOLDER"]).iterdir())


def test_summary_is_saved_audited_and_printed(app, client_as):
    sg = client_as("secretary_general")
    assert sg.get("/reports/summary/2022").status_code == 200
    assert sg.get("/reports/summary/1999").status_code == 404
    response = sg.post("/reports/summary/2022", data={"text": "x" * 20_001})
    assert response.status_code == 400
    assert "under 20,000 characters" in response.get_data(as_text=True)
    assert db.session.get(ReportSummary, "2022") is None
    text = "A year of listening to members.\n\nSecond paragraph."
    assert sg.post("/reports/summary/2022", data={"text": text}).status_code == 302
    assert db.session.get(ReportSummary, "2022").text == text
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.entity_type == "report_summary"))
    assert entry.action == "create" and entry.after["text"] == text
    assert sg.post("/reports/summary/2022", data={"text": "Changed."}).status_code == 302
    assert db.session.scalar(select(func.count(AuditEntry.id)).where(AuditEntry.entity_type == "report_summary")) == 2
    result = _generate()
    text = _text(result.rendered.data)
    assert "Executive summary Changed." in text and "Written by the tracker" not in text


def test_mark_final_locks_the_year(app, client_as, all_approved):
    from tracker.core.years import is_locked

    sg = client_as("secretary_general")
    draft = _generate()
    assert draft.report.draft is True
    sg.post(f"/reports/{draft.report.id}/final")
    assert db.session.get(Report, draft.report.id).is_final is False and not is_locked(2022)

    all_approved(2022)
    complete = _generate(actor=sg.user)
    assert complete.report.draft is False
    page = sg.get("/reports/").get_data(as_text=True)
    assert f"/reports/{complete.report.id}/final" in page and f"/reports/{draft.report.id}/final" not in page
    assert sg.post(f"/reports/{complete.report.id}/final").status_code == 302
    assert db.session.get(Report, complete.report.id).is_final is True
    assert is_locked(2022)
    actions = {e.action for e in db.session.scalars(select(AuditEntry).where(AuditEntry.entity_type == "report"))}
    assert "mark_final" in actions
    assert sg.post(f"/reports/{complete.report.id}/final").status_code == 302  # again: refused, nothing changes
    assert db.session.scalar(select(func.count(AuditEntry.id)).where(AuditEntry.action == "mark_final")) == 1


# ---------------------------------------------------------------------------------------------- command line


def test_cli_writes_board_report(app, runner):
    result = runner.invoke(args=["report", "board", "--year", "2022"])
    assert result.exit_code == 0, result.output
    report = db.session.scalar(select(Report))
    assert report.generated_by_id is None and report.kind == "board"
    path = Path(app.config["EXPORTS_FOLDER"]) / report.filename
    assert f"path:   {path}" in result.output
    assert f"pages:  {report.pages}" in result.output
    assert f"sha256: {report.sha256}" in result.output
    assert "draft:  yes" in result.output
    assert runner.invoke(args=["report", "board", "--year", "2030"]).exit_code != 0
