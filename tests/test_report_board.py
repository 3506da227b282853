"""The Board's year (meeting date, decisions asked, main risks, what the Board decided), report versions, the data
frozen when a report is marked final, and what changed since."""
import hashlib
import json
from datetime import date

import pytest
from sqlalchemy import func, select

from tracker.assessments import services as assessment_services
from tracker.assessments.models import Assessment
from tracker.audit.models import AuditEntry
from tracker.core import review
from tracker.core.years import lock_year, reopen_year
from tracker.extensions import db
from tracker.indicators.models import IndicatorValue
from tracker.plan.models import Outcome
from tracker.reports import board, services, snapshot
from tracker.reports.models import BoardItem, BoardYear, Report
from tracker.reports.pdf import RenderedPdf
from tracker.reports.snapshot import current_state

ROLES = ("admin", "secretary_general", "staff", "board")


@pytest.fixture
def quick_pdf(monkeypatch):
    """Skip WeasyPrint (seconds per report): the PDF is the rendered HTML's bytes; the data and HTML are real."""
    seen = []

    def fake_render_pdf(html, *, title, created, fetcher=None, attachments=()):
        return RenderedPdf(data=html.encode("utf-8"), pages=1, seconds=0.0, fetcher=None)

    real_render_html = services.render_html

    def capture_render_html(data):
        seen.append(json.dumps(data, default=str, sort_keys=True))
        return real_render_html(data)

    monkeypatch.setattr(services, "render_pdf", fake_render_pdf)
    monkeypatch.setattr(services, "render_html", capture_render_html)
    return seen


@pytest.fixture
def all_approved(approve_year):
    """all_approved(year): every outcome approved, and PW-MEMBERS with a target of 150 and 141 approved."""
    return lambda year: approve_year(year, code="PW-MEMBERS", name="Members", target=150, value=141)


def _ids(*codes) -> list[int]:
    """Outcome ids for codes."""
    return [db.session.scalar(select(Outcome.id).where(Outcome.code == code)) for code in codes]


def _audit(action: str) -> list[AuditEntry]:
    """Audit entries about Board items with an action."""
    return list(db.session.scalars(select(AuditEntry).where(AuditEntry.entity_type == "board_item",
                                                            AuditEntry.action == action)))


def _add(actor, year=2022, kind="decision", text="Approve the budget shift", codes=("L1.A1.O1",)):
    """Add an item through the service and commit."""
    item = board.add_item(actor, year, kind, text, _ids(*codes))
    db.session.commit()
    return item


# ---------------------------------------------------------------------------------------------- pages and access


def test_board_page_renders_for_every_role_and_only_steering_changes_it(app, client_as, make_user):
    sg = make_user("secretary_general")
    _add(sg, text="Approve the new membership fee")
    for role in ROLES:
        client = client_as(role)
        page = client.get("/reports/board/2022")
        assert page.status_code == 200
        html = page.get_data(as_text=True)
        assert "Board meeting 2022" in html and "Approve the new membership fee" in html
        assert "/reports/board/2022" in client.get("/reports/").get_data(as_text=True)
        may_change = role in ("admin", "secretary_general")
        assert ('action="/reports/board/2022/items"' in html) is may_change
    reader = client_as("board")
    item_id = db.session.scalar(select(BoardItem.id))
    for url, data in [("/reports/board/2022/date", {"meeting_date": "2023-03-14"}),
                      ("/reports/board/2022/items", {"kind": "risk", "text": "x"}),
                      (f"/reports/board/items/{item_id}/edit", {"kind": "decision", "text": "x"}),
                      (f"/reports/board/items/{item_id}/delete", {}),
                      (f"/reports/board/items/{item_id}/move", {"direction": "up"}),
                      (f"/reports/board/items/{item_id}/after", {"decided": "x"})]:
        assert reader.post(url, data=data).status_code == 403, url
    assert reader.get(f"/reports/board/items/{item_id}/edit").status_code == 403
    assert client_as("staff").post("/reports/board/2022/items", data={"kind": "risk", "text": "x"}).status_code == 403
    assert db.session.scalar(select(func.count(BoardItem.id))) == 1 and db.session.get(BoardYear, 2022) is None
    assert client_as("board").get("/reports/board/2019").status_code == 404


def test_meeting_date_is_saved_and_audited(app, client_as):
    sg = client_as("secretary_general")
    assert sg.post("/reports/board/2022/date", data={"meeting_date": "2023-03-14"}).status_code == 302
    assert db.session.get(BoardYear, 2022).meeting_date == date(2023, 3, 14)
    assert "14 Mar 2023" in client_as("board").get("/reports/board/2022").get_data(as_text=True)
    assert 'value="2023-03-14"' in sg.get("/reports/board/2022").get_data(as_text=True)
    bad = sg.post("/reports/board/2022/date", data={"meeting_date": "14/03/2023x"})
    assert bad.status_code == 400 and 'id="meeting_date-errors"' in bad.get_data(as_text=True)
    entries = db.session.scalars(select(AuditEntry).where(AuditEntry.entity_type == "board_year")).all()
    assert [(e.entity_id, e.action) for e in entries] == [(2022, "create")]


def test_add_edit_delete_and_reorder_through_the_pages_each_audited(app, client_as):
    sg = client_as("secretary_general")
    first = {"kind": "decision", "text": "Approve the budget shift", "outcomes": _ids("L2.A1.O1", "L1.A1.O1")}
    assert sg.post("/reports/board/2022/items", data=first).status_code == 302
    assert sg.post("/reports/board/2022/items",
                   data={"kind": "decision", "text": "Endorse the housing campaign",
                         "outcomes": _ids("L1.A2.O3")}).status_code == 302
    assert sg.post("/reports/board/2022/items", data={"kind": "risk", "text": "Fewer members pay"}).status_code == 302
    year = board.board_year(2022)
    assert [d["text"] for d in year["decisions"]] == ["Approve the budget shift", "Endorse the housing campaign"]
    assert year["decisions"][0]["outcomes"] == ["L1.A1.O1", "L2.A1.O1"]  # plan order, not the order chosen
    assert year["risks"] == [{"id": year["risks"][0]["id"], "text": "Fewer members pay", "outcomes": [],
                              "decided": None, "follow_up": None}]
    first_id, second_id = (d["id"] for d in year["decisions"])

    assert sg.post(f"/reports/board/items/{second_id}/move", data={"direction": "up"}).status_code == 302
    assert [d["id"] for d in board.board_year(2022)["decisions"]] == [second_id, first_id]
    sg.post(f"/reports/board/items/{second_id}/move", data={"direction": "up"})  # already first: stays
    assert [d["id"] for d in board.board_year(2022)["decisions"]] == [second_id, first_id]

    assert sg.get(f"/reports/board/items/{first_id}/edit").status_code == 200
    edited = sg.post(f"/reports/board/items/{first_id}/edit",
                     data={"text": "Approve the budget shift to Line 3", "outcomes": _ids("L3.A1.O1")})
    assert edited.status_code == 302
    item = db.session.get(BoardItem, first_id)
    assert item.text == "Approve the budget shift to Line 3" and [o.code for o in item.outcomes] == ["L3.A1.O1"]
    assert item.kind == "decision"

    assert sg.post(f"/reports/board/items/{second_id}/delete").status_code == 302
    assert db.session.get(BoardItem, second_id) is None
    assert db.session.get(BoardItem, first_id).position == 1  # the gap closed

    assert len(_audit("create")) == 3 and len(_audit("update")) == 1 and len(_audit("move")) == 1
    deleted = _audit("delete")
    assert len(deleted) == 1 and deleted[0].before["text"] == "Endorse the housing campaign"
    assert deleted[0].before["outcomes"] == ["L1.A2.O3"]


def test_after_the_meeting_records_what_was_decided(app, client_as):
    sg = client_as("secretary_general")
    item = _add(sg.user)
    risk = _add(sg.user, kind="risk", text="Fewer members pay", codes=())
    page = sg.get(f"/reports/board/items/{item.id}/after")
    assert page.status_code == 200 and "Approve the budget shift" in page.get_data(as_text=True)
    assert sg.post(f"/reports/board/items/{item.id}/after",
                   data={"decided": "  Approved, with a review in June.  ", "follow_up": ""}).status_code == 302
    saved = board.board_year(2022)["decisions"][0]
    assert saved["decided"] == "Approved, with a review in June." and saved["follow_up"] is None
    assert sg.get(f"/reports/board/items/{risk.id}/after").status_code == 404
    assert "Approved, with a review in June." in client_as("board").get("/reports/board/2022").get_data(as_text=True)
    assert len(_audit("record_decision")) == 1


@pytest.mark.parametrize("data, field, message", [
    ({"kind": "decision", "text": "   ", "outcomes": "OUT"}, "text", "Write the text."),
    ({"kind": "decision", "text": "x" * 2001, "outcomes": "OUT"}, "text", "Keep it under 2,000 characters."),
    ({"kind": "risk", "text": "Bad \x07 bell"}, "text", "Remove the control characters"),
    ({"kind": "decision", "text": "No outcome"}, "outcomes", "Choose at least one outcome"),
    ({"kind": "decision", "text": "Unknown outcome", "outcomes": "999999"}, "outcomes", "Choose outcomes from the"),
    ({"kind": "decision", "text": "Not an id", "outcomes": "L1"}, "outcomes", "Choose outcomes from the list."),
])
def test_validation_messages_next_to_the_field_and_nothing_saved(app, client_as, data, field, message):
    sg = client_as("secretary_general")
    data = {k: (_ids("L1.A1.O1") if v == "OUT" else v) for k, v in data.items()}
    response = sg.post("/reports/board/2022/items", data=data)
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    errors = html.split(f'id="{field}-errors">', 1)
    assert len(errors) == 2 and message in errors[1].split("</div>", 1)[0]
    assert db.session.scalar(select(func.count(BoardItem.id))) == 0
    assert db.session.scalar(select(func.count(AuditEntry.id)).where(AuditEntry.entity_type == "board_item")) == 0


def test_after_the_meeting_validation(app, client_as):
    sg = client_as("secretary_general")
    item = _add(sg.user)
    response = sg.post(f"/reports/board/items/{item.id}/after", data={"decided": "x" * 2001, "follow_up": "ok"})
    assert response.status_code == 400
    assert "Keep it under 2,000 characters." in response.get_data(as_text=True).split('id="decided-errors">')[1]
    assert db.session.get(BoardItem, item.id).decided is None


def test_services_refuse_without_a_form_too(app, make_user):
    from tracker.core.errors import Invalid, NotAllowed

    sg, reader = make_user("secretary_general"), make_user("board")
    with pytest.raises(NotAllowed):
        board.add_item(reader, 2022, "risk", "A risk", [])
    with pytest.raises(Invalid) as refused:
        board.add_item(sg, 2022, "decision", "A decision", [])
    assert refused.value.field == "outcomes"
    with pytest.raises(Invalid) as refused:
        board.add_item(sg, 2022, "risk", "\x00", [])
    assert refused.value.field == "text"
    db.session.rollback()


# ---------------------------------------------------------------------------------------------- locked year


def test_a_locked_year_refuses_decision_edits_but_accepts_what_was_decided(app, client_as):
    sg = client_as("secretary_general")
    item = _add(sg.user)
    lock_year(sg.user, 2022, "Board evaluation final")
    db.session.commit()

    page = sg.get("/reports/board/2022").get_data(as_text=True)
    assert "2022 is locked" in page and 'action="/reports/board/2022/items"' not in page
    assert f"/reports/board/items/{item.id}/after" in page

    refused = sg.post(f"/reports/board/items/{item.id}/edit", data={"text": "Changed", "outcomes": _ids("L1.A1.O1")})
    assert refused.status_code == 409
    assert "locked" in refused.get_data(as_text=True).split('id="text-errors">')[1].split("</div>")[0]
    added = sg.post("/reports/board/2022/items", data={"kind": "risk", "text": "New risk"})
    assert added.status_code == 409 and "2022 is locked" in added.get_data(as_text=True)
    sg.post(f"/reports/board/items/{item.id}/delete")
    sg.post(f"/reports/board/items/{item.id}/move", data={"direction": "down"})
    sg.post("/reports/board/2022/date", data={"meeting_date": "2023-03-14"})
    assert db.session.get(BoardItem, item.id).text == "Approve the budget shift"
    assert db.session.scalar(select(func.count(BoardItem.id))) == 1 and db.session.get(BoardYear, 2022) is None

    assert sg.post(f"/reports/board/items/{item.id}/after",
                   data={"decided": "Approved.", "follow_up": "Budget moved in April."}).status_code == 302
    decided = board.board_year(2022)["decisions"][0]
    assert (decided["decided"], decided["follow_up"]) == ("Approved.", "Budget moved in April.")
    assert [e.action for e in db.session.scalars(select(AuditEntry).where(AuditEntry.entity_type == "board_item")
                                                 .order_by(AuditEntry.id))] == ["create", "record_decision"]


# ---------------------------------------------------------------------------------------------- services for the PDF


def test_board_year_and_last_year_decisions_are_plain_data(app, make_user):
    sg = make_user("secretary_general")
    assert board.board_year(2021) == {"year": 2021, "meeting_date": None, "decisions": [], "risks": []}
    assert board.last_year_decisions(2021) == []  # the plan's first year has no year before it
    board.set_meeting_date(sg, 2022, date(2023, 3, 14))
    earlier = _add(sg, year=2021, text="Adopt the work plan", codes=("L3.A1.O1", "L1.A1.O1"))
    _add(sg, year=2021, kind="risk", text="An old risk", codes=())
    board.record_after_meeting(sg, earlier.id, "Adopted.", None)
    db.session.commit()
    _add(sg, year=2022, text="Approve the budget")

    year = board.board_year(2022)
    assert year["meeting_date"] == date(2023, 3, 14) and len(year["decisions"]) == 1 and year["risks"] == []
    assert board.last_year_decisions(2022) == [{"id": earlier.id, "text": "Adopt the work plan",
                                                "outcomes": ["L1.A1.O1", "L3.A1.O1"], "decided": "Adopted.",
                                                "follow_up": None}]
    assert board.last_year_decisions(2023) == year["decisions"]
    json.dumps(year, default=str)  # plain data: no ORM object inside


def test_board_services_take_a_fixed_number_of_queries(app, make_user, count_queries):
    sg = make_user("secretary_general")
    _add(sg, year=2021)
    _add(sg, year=2022)
    db.session.expire_all()
    with count_queries() as few:
        board.board_year(2022)
        board.last_year_decisions(2022)
    for n in range(12):
        _add(sg, year=2021, text=f"Decision {n}", codes=("L1.A1.O1", "L2.A1.O1"))
        _add(sg, year=2022, kind="risk" if n % 2 else "decision", text=f"Item {n}", codes=("L3.A1.O1",))
    db.session.expire_all()
    with count_queries() as many:
        year = board.board_year(2022)
        last = board.last_year_decisions(2022)
    assert len(year["decisions"]) + len(year["risks"]) == 13 and len(last) == 13
    assert len(many) == len(few) <= 5


# ---------------------------------------------------------------------------------------------- versions and freezing


def test_versions_count_reports_of_the_same_kind_and_year(app, quick_pdf):
    numbers = []
    for kind, year in [("board", 2022), ("board", 2022), ("board", 2021), ("final", None), ("board", 2022),
                       ("final", None)]:
        numbers.append(services.generate_report(None, kind, year).report.version)
        db.session.commit()
    assert numbers == [1, 2, 1, 1, 3, 2]
    assert board.next_version("board", 2022) == 4 and board.next_version("board", 2023) == 1


def _another_worker_archives(kind, year, version):
    """Commit a report with this version through a connection of its own, as a second worker would."""
    with db.engine.begin() as conn:
        conn.execute(Report.__table__.insert().values(
            kind=kind, year=year, filename=f"other-worker-{kind}-{version}.pdf", sha256="0" * 64, size=1, pages=1,
            draft=True, is_final=False, version=version))


@pytest.mark.parametrize("kind, year", [("board", 2022), ("final", None)])
def test_a_version_taken_by_a_concurrent_generation_is_refused_and_leaves_no_file(app, quick_pdf, monkeypatch,
                                                                                   kind, year):
    real_render = services.render_pdf
    monkeypatch.setattr(services, "render_pdf", lambda html, **kw: (_another_worker_archives(kind, year, 1),
                                                                     real_render(html, **kw))[1])
    with pytest.raises(services.VersionClash, match="version 1"):
        services.generate_report(None, kind, year)
    db.session.rollback()
    assert db.session.scalars(select(Report.filename)).all() == [f"other-worker-{kind}-1.pdf"]
    assert list(services.exports_folder().glob("*.pdf")) == []  # the rendered file was removed with the row


def test_the_generate_page_renders_again_with_the_next_version_after_a_clash(app, client_as, quick_pdf,
                                                                              monkeypatch):
    sg = client_as("secretary_general")
    real_render, clashes = services.render_pdf, []

    def render_while_another_worker_archives(html, **kw):
        if not clashes:  # only the first rendering races another worker for version 1
            clashes.append(1)
            _another_worker_archives("board", 2022, 1)
        return real_render(html, **kw)

    monkeypatch.setattr(services, "render_pdf", render_while_another_worker_archives)
    response = sg.post("/reports/generate", data={"kind": "board", "year": "2022"}, follow_redirects=True)
    page = response.get_data(as_text=True)  # the progress page: the job ran at the commit (tests run jobs at once)
    assert response.status_code == 200 and "Ready" in page and "Version 2," in page
    versions = db.session.execute(select(Report.filename, Report.version).order_by(Report.version)).all()
    assert [v for _, v in versions] == [1, 2] and versions[0].filename == "other-worker-board-1.pdf"
    assert len(list(services.exports_folder().glob("*.pdf"))) == 1


def test_every_report_keeps_the_data_it_was_rendered_from_and_final_freezes_it(app, client_as, all_approved,
                                                                               quick_pdf):
    sg = client_as("secretary_general")
    all_approved(2022)
    generated = services.generate_report(sg.user, "board", 2022)
    db.session.commit()
    report = db.session.get(Report, generated.report.id)
    assert report.draft is False and report.data_json == quick_pdf[-1]  # byte for byte what render_html was given
    assert json.loads(report.data_json)["title"] == "Board of Directors — annual evaluation 2022"
    assert report.frozen_sha256 is None and report.frozen_at is None

    assert sg.post(f"/reports/{report.id}/final").status_code == 302
    report = db.session.get(Report, report.id)
    assert report.is_final
    assert report.frozen_sha256 == hashlib.sha256(report.data_json.encode("utf-8")).hexdigest()
    assert report.frozen_at is not None
    assert snapshot.frozen_data(report) == json.loads(report.data_json)
    freeze = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "freeze"))
    assert freeze.entity_id == report.id and freeze.after["frozen_sha256"] == report.frozen_sha256


def test_damaged_frozen_data_is_detected(app, client_as, all_approved, quick_pdf):
    sg = client_as("secretary_general")
    all_approved(2022)
    report = services.generate_report(sg.user, "board", 2022).report
    services.mark_final(sg.user, report)
    db.session.commit()
    report.data_json = report.data_json.replace("on_track", "achieved")
    db.session.commit()
    with pytest.raises(snapshot.FrozenDataDamaged):
        snapshot.changes_since_final(2022)
    page = client_as("board").get(f"/reports/{report.id}/changes")
    assert page.status_code == 200 and "no longer matches the fingerprint" in page.get_data(as_text=True)


# ---------------------------------------------------------------------------------------------- what changed since


def test_current_state_reads_approved_data_only(app, all_approved, make_assessment):
    all_approved(2022)
    make_assessment("L1.A1.O1", 2023, status="off_track", state="submitted")
    state = current_state(2022)
    assert len(state["outcomes"]) == 35
    first = state["outcomes"]["L1.A1.O1"]
    assert first["status"] == "on_track" and len(first["narrative_hash"]) == 64 and first["updated_at"]
    assert state["indicators"] == {"PW-MEMBERS": {"actual": "141"}}
    assert current_state(2023)["outcomes"]["L1.A1.O1"] == {"status": None, "narrative_hash": None,
                                                           "updated_at": None}
    assert current_state(2023)["indicators"] == {"PW-MEMBERS": {"actual": None}}


def test_changes_since_final_after_the_year_is_reopened(app, client_as, make_user, all_approved, quick_pdf):
    from tracker.core.errors import YearLocked

    sg, admin = make_user("secretary_general"), make_user("admin")
    assert snapshot.changes_since_final(2022) == []  # no final report yet
    indicator = all_approved(2022)
    report = services.generate_report(sg, "board", 2022).report
    db.session.commit()
    services.mark_final(sg, report)
    db.session.commit()
    assert snapshot.changes_since_final(2022) == []

    outcome = db.session.scalar(select(Outcome).where(Outcome.code == "L1.A2.O3"))
    with pytest.raises(YearLocked):  # locked: the record cannot move away from what the Board saw
        assessment_services.save_draft(admin, outcome, 2022, {"status": "needs_attention", "achieved": "x"})
    db.session.rollback()

    reopen_year(admin, 2022, "Correct the 2022 record")
    changed = assessment_services.save_draft(admin, outcome, 2022,
                                             {"status": "needs_attention", "achieved": "Slower than planned."})
    assessment_services.submit(admin, changed)
    review.approve(sg, changed)
    edited = db.session.scalar(select(Assessment).join(Outcome).where(Outcome.code == "L2.A1.O1",
                                                                      Assessment.year == 2022))
    edited.achieved = "A narrative rewritten after the meeting."
    db.session.scalar(select(IndicatorValue).where(IndicatorValue.indicator_id == indicator.id)).value = 143
    db.session.commit()

    changes = snapshot.changes_since_final(2022)
    assert changes == [
        {"kind": "status", "code": "L1.A2.O3", "before": "on_track", "after": "needs_attention"},
        {"kind": "narrative", "code": "L2.A1.O1", "before": changes[1]["before"], "after": changes[1]["after"]},
        {"kind": "value", "code": "PW-MEMBERS", "before": "141", "after": "143"},
    ]
    assert changes[1]["before"] != changes[1]["after"]
    words = [snapshot.describe(c, 2022) for c in changes]
    assert words == ["L1.A2.O3: status On track → Needs attention",
                     "L2.A1.O1: narrative edited after the report was final",
                     "PW-MEMBERS 2022: 141 → 143"]

    reader = client_as("board")
    index = reader.get("/reports/").get_data(as_text=True)
    assert f"/reports/{report.id}/changes" in index and "version 1" in index
    page = reader.get(f"/reports/{report.id}/changes").get_data(as_text=True)
    for line in words:
        assert line in page
    assert reader.get(f"/reports/{report.id + 1}/changes").status_code == 404


def test_a_fresh_final_report_has_nothing_changed_and_an_old_one_nothing_to_compare(app, client_as, all_approved,
                                                                                    quick_pdf):
    sg = client_as("secretary_general")
    all_approved(2022)
    report = services.generate_report(sg.user, "board", 2022).report
    services.mark_final(sg.user, report)
    db.session.commit()
    assert snapshot.changes_since_final(2022) == []
    assert "Nothing has changed since the report was marked final." in \
        sg.get(f"/reports/{report.id}/changes").get_data(as_text=True)
    report.data_json = None  # archived before reports kept their data
    db.session.commit()
    assert "nothing to compare" in sg.get(f"/reports/{report.id}/changes").get_data(as_text=True)
