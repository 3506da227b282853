"""Evidence pages: the role matrix, downloads, links and notes, editing, soft deletion, the audit record, panels."""
import io
import re
from urllib.parse import quote

import pytest
from flask import render_template
from sqlalchemy import func, select

from tracker import create_app
from tracker.audit.models import AuditEntry
from tracker.core.models import utcnow
from tracker.evidence import services, storage
from tracker.evidence.models import Evidence
from tracker.extensions import db

from .conftest import IsolatedClient
from .test_evidence_validation import pdf_bytes

ROLE_CASES = ("admin", "secretary_general", "owner", "other_staff", "board")


@pytest.fixture
def add_file(find_outcome):
    """add_file(user, *, activity= or outcome_code=, content=, name=, title=): store a file and attach it as
    evidence through the service, committed."""

    def add_file(user, *, activity=None, outcome_code=None, content=None, name="report.pdf", title="Report"):
        """Store a file and attach it as evidence through the service, committed."""
        parent = {"activity": activity} if activity is not None else {"outcome": find_outcome(outcome_code)}
        item = services.add_file(user, **parent, title=title, stream=io.BytesIO(content or pdf_bytes(name)),
                                 filename=name)
        db.session.commit()
        return item

    return add_file


@pytest.fixture
def add_link(find_outcome):
    """add_link(user, *, activity= or outcome_code=, url=, title=): attach a link through the service, committed."""

    def add_link(user, *, activity=None, outcome_code=None, url="https://www.metropolis.org/news", title="News item"):
        """Attach a link through the service, committed."""
        parent = {"activity": activity} if activity is not None else {"outcome": find_outcome(outcome_code)}
        item = services.add_link(user, **parent, title=title, url=url)
        db.session.commit()
        return item

    return add_link


def _audit(entity_id=None, action=None):
    query = select(AuditEntry).where(AuditEntry.entity_type == "evidence").order_by(AuditEntry.id)
    if entity_id is not None:
        query = query.where(AuditEntry.entity_id == entity_id)
    if action is not None:
        query = query.where(AuditEntry.action == action)
    return db.session.scalars(query).all()


@pytest.fixture
def clients(client_as):
    """A logged-in client for each case of the matrix (the owner is the staff member who adds the evidence)."""
    made = {case: client_as("staff" if case in ("owner", "other_staff") else case) for case in ROLE_CASES}
    return made


# --- who may do what -------------------------------------------------------------------------------------------

EXPECTED = {
    #  action:          admin, SG, owner, other staff, board
    "add_activity_get": (200, 200, 200, 200, 403),
    "add_activity_post": (302, 302, 302, 302, 403),
    "add_outcome_get": (200, 200, 200, 200, 403),
    "add_outcome_post": (302, 302, 302, 302, 403),
    "download": (200, 200, 200, 200, 200),
    "edit_get": (200, 200, 200, 403, 403),
    "edit_post": (302, 302, 302, 403, 403),
    "delete_post": (302, 302, 302, 403, 403),
}


@pytest.mark.parametrize("case", ROLE_CASES)
def test_role_matrix(app, clients, case, make_activity, add_file, add_link):
    owner = clients["owner"].user
    activity = make_activity(created_by=owner)
    stored = add_file(owner, activity=activity)
    link = add_link(owner, activity=activity)
    client = clients[case]
    expected = dict(zip(EXPECTED, (row[ROLE_CASES.index(case)] for row in EXPECTED.values())))
    link_id, file_id = link.id, stored.id
    audit_before = len(_audit())

    results = {
        "add_activity_get": client.get(f"/evidence/activity/{activity.id}").status_code,
        "add_activity_post": client.post(f"/evidence/activity/{activity.id}", data={
            "kind": "note", "title": "Minutes", "note": "Agreed"}).status_code,
        "add_outcome_get": client.get("/evidence/outcome/L1.A1.O1").status_code,
        "add_outcome_post": client.post("/evidence/outcome/L1.A1.O1", data={
            "kind": "link", "title": "Declaration", "url": "https://example.org/declaration"}).status_code,
    }
    with client.get(f"/evidence/{file_id}/download") as response:
        results["download"] = response.status_code
    results["edit_get"] = client.get(f"/evidence/{link_id}/edit").status_code
    results["edit_post"] = client.post(f"/evidence/{link_id}/edit", data={
        "title": "Renamed", "url": "https://example.org/renamed", "version": "1"}).status_code
    results["delete_post"] = client.post(f"/evidence/{link_id}/delete").status_code
    assert results == expected

    # Refused requests changed nothing; allowed ones each left exactly one audit entry.
    link = db.session.get(Evidence, link_id)
    may_edit = expected["edit_post"] == 302
    assert (link.title == "Renamed") is may_edit
    assert (link.deleted_at is not None) is may_edit
    may_add = expected["add_activity_post"] == 302
    assert len(_audit()) - audit_before == (2 if may_add else 0) + (2 if may_edit else 0)


def test_anonymous_is_sent_to_log_in(app, make_user, add_file):
    owner = make_user("staff")
    item = add_file(owner, outcome_code="L1.A1.O1")
    client = app.test_client()
    for url in (f"/evidence/{item.id}/download", f"/evidence/{item.id}/edit", "/evidence/outcome/L1.A1.O1"):
        response = client.get(url)
        assert response.status_code == 302 and "/login" in response.headers["Location"], url
    for url in (f"/evidence/{item.id}/edit", f"/evidence/{item.id}/delete", "/evidence/outcome/L1.A1.O1"):
        assert client.post(url, data={"kind": "note", "title": "x", "note": "y"}).status_code == 401, url
    assert db.session.get(Evidence, item.id).deleted_at is None
    assert len(_audit()) == 1


def test_can_edit_evidence_rule(app, make_user, make_note, find_outcome):
    owner, other = make_user("staff"), make_user("staff")
    item = make_note(outcome_code="L1.A1.O1", added_by=owner)
    assert services.can_edit_evidence(owner, item)
    assert not services.can_edit_evidence(other, item)
    assert services.can_edit_evidence(make_user("admin"), item)
    assert services.can_edit_evidence(make_user("secretary_general"), item)
    assert not services.can_edit_evidence(make_user("board"), item)
    orphan = make_note(outcome_code="L1.A1.O1", added_by=None)  # added by a removed account: staff cannot claim it
    assert not services.can_edit_evidence(other, orphan)
    with pytest.raises(services.NotAllowed):
        services.delete(other, item)
    with pytest.raises(services.NotAllowed):
        services.add_note(make_user("board"), outcome=find_outcome("L1.A1.O1"), title="x", note="y")


# --- downloads ---------------------------------------------------------------------------------------------------

def test_download_headers_and_content(app, client_as, add_file):
    staff = client_as("staff")
    content = pdf_bytes("Informe")
    item = add_file(staff.user, outcome_code="L1.A1.O1", content=content, name="Informe año 2022 \"final\".pdf")
    with staff.get(f"/evidence/{item.id}/download") as response:
        assert response.status_code == 200
        assert response.data == content
        assert response.mimetype == "application/pdf"
        disposition = response.headers["Content-Disposition"]
        assert disposition.startswith("attachment;")
        assert "filename*=UTF-8''" + quote('Informe año 2022 "final".pdf', safe="") in disposition
        assert 'filename="Informe ano 2022 _final_.pdf"' in disposition  # an ASCII fallback with no stray quote
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        assert response.headers["Content-Security-Policy"] == "default-src 'none'; sandbox"
        assert "no-store" in response.headers["Cache-Control"] and "private" in response.headers["Cache-Control"]


def test_content_disposition_fallback_for_names_without_ascii():
    from tracker.evidence.views import content_disposition

    assert content_disposition("報告.pdf") == \
        "attachment; filename=\"evidence.pdf\"; filename*=UTF-8''%E5%A0%B1%E5%91%8A.pdf"
    assert content_disposition("a;b\r\n.txt").startswith('attachment; filename="a_b__.txt"; filename*=UTF-8\'\'a%3Bb')


@pytest.mark.parametrize("role", ["admin", "secretary_general", "staff", "board"])
def test_every_role_downloads(app, client_as, make_user, make_assessment, role, add_file):
    item = add_file(make_user("staff"), outcome_code="L3.A1.O1", content=pdf_bytes(role), name=f"{role}.pdf")
    make_assessment("L3.A1.O1", services.backed_year(item), state="approved")  # the Board reads approved work
    with client_as(role).get(f"/evidence/{item.id}/download") as response:
        assert response.status_code == 200 and response.data == pdf_bytes(role)


def test_download_refuses_what_is_not_a_live_file(app, client_as, make_user, make_activity, make_note, add_file):
    client = client_as("admin")
    owner = make_user("staff")
    deleted = add_file(owner, outcome_code="L1.A1.O1", content=pdf_bytes("deleted"))
    services.delete(owner, deleted)
    db.session.commit()
    note = make_note(outcome_code="L1.A1.O1", added_by=owner)
    gone_activity = make_activity(title="Cancelled later")
    on_gone = add_file(owner, activity=gone_activity, content=pdf_bytes("on gone activity"))
    gone_activity.deleted_at = utcnow()
    db.session.commit()
    for item_id in (deleted.id, note.id, on_gone.id, 999999):
        with client.get(f"/evidence/{item_id}/download") as response:
            assert response.status_code == 404, item_id


def test_download_of_a_missing_file_is_a_clear_404(app, client_as, add_file):
    client = client_as("staff")
    item = add_file(client.user, outcome_code="L1.A1.O1")
    storage.path_for(item.file).unlink()
    with client.get(f"/evidence/{item.id}/download") as response:
        assert response.status_code == 404
        assert "missing from the evidence store" in response.get_data(as_text=True)


# --- links and notes over HTTP -----------------------------------------------------------------------------------

@pytest.mark.parametrize("url, message", [
    ("javascript:alert(document.cookie)", "are not accepted: give an http:// or https:// address"),
    ("data:text/html,<script>alert(1)</script>", "“data:” are not accepted"),
    ("file:///etc/passwd", "“file:” are not accepted"),
    ("ftp://example.org/x", "“ftp:” are not accepted"),
    ("", "Give the address of the link."),
])
def test_link_refusals_are_shown_next_to_the_field(app, client_as, url, message, make_activity):
    activity = make_activity()
    response = client_as("staff").post(f"/evidence/activity/{activity.id}", data={
        "kind": "link", "title": "Press release", "url": url})
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert message in html.replace("&#34;", '"').replace("&lt;", "<").replace("&gt;", ">")
    assert 'id="url-errors"' in html
    assert db.session.scalar(select(func.count()).select_from(Evidence)) == 0


def test_add_link_and_note(app, client_as, make_activity):
    client = client_as("staff")
    activity = make_activity()
    response = client.post(f"/evidence/activity/{activity.id}", data={
        "kind": "link", "title": "Article", "url": " https://www.metropolis.org/news/policy-debate ",
        "note": "ignored for a link", "next": "/plan/outcomes/L1.A1.O1"})
    assert response.status_code == 302 and response.headers["Location"] == "/plan/outcomes/L1.A1.O1"
    response = client.post(f"/evidence/activity/{activity.id}", data={
        "kind": "note", "title": "Minutes", "note": "Line one\r\nLine two", "next": "https://evil.example/"})
    assert response.status_code == 302 and "evil.example" not in response.headers["Location"]
    link, note = db.session.scalars(select(Evidence).order_by(Evidence.id)).all()
    assert (link.kind, link.url, link.note) == ("link", "https://www.metropolis.org/news/policy-debate", None)
    assert (note.kind, note.note, note.url) == ("note", "Line one\nLine two", None)


def test_adding_returns_to_the_activity_page_which_shows_the_panel(app, client_as, make_activity):
    client = client_as("staff")
    activity = make_activity(title="MITI training on metropolitan finance")
    response = client.post(f"/evidence/activity/{activity.id}", data={
        "kind": "note", "title": "Trainers' report", "note": "Thirty participants from 12 members"})
    assert response.status_code == 302
    assert response.headers["Location"] == f"/activities/{activity.id}#evidence"
    html = client.get(f"/activities/{activity.id}").get_data(as_text=True)
    assert "Thirty participants from 12 members" in html
    assert f'action="/evidence/activity/{activity.id}"' in html


def test_note_and_title_rules(app, client_as):
    client = client_as("staff")
    url = "/evidence/outcome/L1.A1.O1"
    html = client.post(url, data={"kind": "note", "title": "Long", "note": "x" * 2001}).get_data(as_text=True)
    assert "The note is longer than 2000 characters" in html and 'id="note-errors"' in html
    html = client.post(url, data={"kind": "note", "title": "", "note": "Text"}).get_data(as_text=True)
    assert "Give the evidence a title." in html and 'id="title-errors"' in html
    html = client.post(url, data={"kind": "note", "title": "t" * 201, "note": "Text"}).get_data(as_text=True)
    assert "The title is longer than 200 characters." in html
    html = client.post(url, data={"kind": "note", "title": "Minutes", "note": ""}).get_data(as_text=True)
    assert "Write the note." in html
    html = client.post(url, data={"kind": "video", "title": "x"}).get_data(as_text=True)
    assert "Not a valid choice" in html
    assert db.session.scalar(select(func.count()).select_from(Evidence)) == 0
    assert client.post(url, data={"kind": "note", "title": "Minutes", "note": "x" * 2000}).status_code == 302


def test_add_page_and_unknown_or_deleted_parents(app, client_as, make_activity):
    client = client_as("staff")
    activity = make_activity(title="World Metropolitan Day 2022")
    html = client.get(f"/evidence/activity/{activity.id}?kind=link").get_data(as_text=True)
    assert "World Metropolitan Day 2022" in html and 'enctype="multipart/form-data"' in html
    assert re.search(r'<input checked[^>]*value="link"', html)  # ?kind=link preselects the kind
    assert client.get("/evidence/outcome/L9.A9.O9").status_code == 404
    assert client.get("/evidence/activity/999999").status_code == 404
    deleted = make_activity(title="Deleted one", deleted=True)
    assert client.get(f"/evidence/activity/{deleted.id}").status_code == 404
    response = client.post(f"/evidence/activity/{deleted.id}", data={"kind": "note", "title": "x", "note": "y"})
    assert response.status_code == 404
    assert db.session.scalar(select(func.count()).select_from(Evidence)) == 0


# --- editing and deleting ----------------------------------------------------------------------------------------

def test_edit_link_note_and_file(app, client_as, make_note, add_file, add_link):
    client = client_as("staff")
    link = add_link(client.user, outcome_code="L1.A2.O1")
    note = make_note(outcome_code="L1.A2.O1", added_by=client.user)
    stored = add_file(client.user, outcome_code="L1.A2.O1", name="scan.pdf", title="Scan")

    html = client.get(f"/evidence/{link.id}/edit").get_data(as_text=True)
    assert 'name="url"' in html and 'name="note"' not in html
    response = client.post(f"/evidence/{link.id}/edit", data={
        "title": "Declaration", "url": "javascript:alert(1)", "version": "1"})
    assert response.status_code == 200 and "“javascript:” are not accepted" in response.get_data(as_text=True)
    response = client.post(f"/evidence/{link.id}/edit", data={
        "title": "Declaration", "url": "https://example.org/declaration", "version": "1"})
    assert response.status_code == 302 and response.headers["Location"] == "/plan/outcomes/L1.A2.O1"

    html = client.get(f"/evidence/{note.id}/edit").get_data(as_text=True)
    assert 'name="note"' in html and 'name="url"' not in html
    client.post(f"/evidence/{note.id}/edit", data={"title": "Minutes", "note": "Corrected text", "version": "1"})

    html = client.get(f"/evidence/{stored.id}/edit").get_data(as_text=True)
    assert 'name="url"' not in html and 'name="note"' not in html and "scan.pdf" in html
    client.post(f"/evidence/{stored.id}/edit", data={"title": "", "version": "1"})  # empty: back to the file name

    link, note, stored = (db.session.get(Evidence, i) for i in (link.id, note.id, stored.id))
    assert (link.title, link.url, link.version) == ("Declaration", "https://example.org/declaration", 2)
    assert note.note == "Corrected text"
    assert stored.title == "scan.pdf"


def test_second_save_of_an_old_version_is_refused(app, client_as, add_link):
    first, second = client_as("admin"), client_as("secretary_general")
    link = add_link(first.user, outcome_code="L1.A1.O1", title="Original")
    assert 'name="version" type="hidden" value="1"' in first.get(f"/evidence/{link.id}/edit").get_data(as_text=True)
    assert second.post(f"/evidence/{link.id}/edit", data={
        "title": "Second's title", "url": link.url, "version": "1"}).status_code == 302
    response = first.post(f"/evidence/{link.id}/edit", data={"title": "First's title", "url": link.url,
                                                             "version": "1"})
    html = response.get_data(as_text=True)
    assert response.status_code == 409
    assert "Someone else changed this evidence" in html
    assert "Second&#39;s title" in html  # the other person's change is shown
    assert db.session.get(Evidence, link.id).title == "Second's title"
    assert len(_audit(link.id, "update")) == 1


def test_unchanged_save_writes_no_audit_entry(app, client_as, add_link):
    client = client_as("staff")
    link = add_link(client.user, outcome_code="L1.A1.O1")
    response = client.post(f"/evidence/{link.id}/edit", data={"title": link.title, "url": link.url, "version": "1"})
    assert response.status_code == 302
    assert _audit(link.id, "update") == []


def test_soft_delete_hides_evidence_everywhere(app, client_as, make_activity, find_outcome, add_file, add_link):
    client = client_as("staff")
    activity = make_activity()
    on_activity = add_file(client.user, activity=activity, title="Attendance list")
    on_outcome = add_link(client.user, outcome_code="L1.A3.O2", title="Taskforce statement")
    page = client.get("/plan/outcomes/L1.A3.O2").get_data(as_text=True)
    assert "Taskforce statement" in page
    assert [e.id for e in services.list_for_activity(activity.id)] == [on_activity.id]
    assert services.counts_for_activities([activity.id]) == {activity.id: 1}

    for item in (on_activity, on_outcome):
        response = client.post(f"/evidence/{item.id}/delete", data={"next": "/plan/outcomes/L1.A3.O2"})
        assert response.status_code == 302 and response.headers["Location"] == "/plan/outcomes/L1.A3.O2"

    client.get("/plan/outcomes/L1.A3.O2")  # shows (and so clears) the "Deleted ..." messages
    page = client.get("/plan/outcomes/L1.A3.O2").get_data(as_text=True)
    assert "Taskforce statement" not in page and f"/evidence/{on_outcome.id}/" not in page
    assert services.list_for_activity(activity.id) == []
    assert services.list_for_outcome(find_outcome("L1.A3.O2").id) == []
    assert services.counts_for_activities([activity.id]) == {}
    with client.get(f"/evidence/{on_activity.id}/download") as response:
        assert response.status_code == 404
    assert client.get(f"/evidence/{on_outcome.id}/edit").status_code == 404
    assert client.post(f"/evidence/{on_outcome.id}/delete").status_code == 404
    # The rows and the file stay for the record.
    assert db.session.get(Evidence, on_activity.id).deleted_at is not None
    assert storage.path_for(db.session.get(Evidence, on_activity.id).file).is_file()


# --- the audit record --------------------------------------------------------------------------------------------

def test_audit_entries_for_create_update_delete(app, client_as, make_activity):
    client = client_as("staff")
    activity = make_activity()
    content = pdf_bytes("audited")
    client.post(f"/evidence/activity/{activity.id}", data={
        "kind": "file", "title": "Agreement", "file": (io.BytesIO(content), "agreement.pdf")},
        content_type="multipart/form-data")
    item = db.session.scalar(select(Evidence))
    (created,) = _audit(item.id, "create")
    assert created.user_id == client.user.id and created.at is not None
    assert created.before is None
    assert created.after == {"kind": "file", "title": "Agreement", "url": None, "note": None,
                             "sha256": item.file.sha256, "size": len(content), "original_filename": "agreement.pdf",
                             "activity_id": activity.id, "outcome_id": None}
    assert "Agreement" in created.summary

    client.post(f"/evidence/{item.id}/edit", data={"title": "Signed agreement", "version": "1"})
    (updated,) = _audit(item.id, "update")
    assert updated.changes() == [("title", "Agreement", "Signed agreement")]

    client.post(f"/evidence/{item.id}/delete")
    (deleted,) = _audit(item.id, "delete")
    assert deleted.before["title"] == "Signed agreement" and deleted.before["sha256"] == item.file.sha256
    assert [field for field, _, _ in deleted.changes()] == ["deleted_at"]
    assert len(_audit(item.id)) == 3
    assert not any(isinstance(v, bytes) for e in _audit(item.id) for v in (e.after or {}).values())


def test_refused_or_failed_changes_write_no_audit_entry(app, client_as, monkeypatch, make_activity):
    client = client_as("staff")
    activity = make_activity()
    client.post(f"/evidence/activity/{activity.id}", data={"kind": "link", "title": "x", "url": "javascript:x"})
    monkeypatch.setattr(storage.os, "replace", lambda *a: (_ for _ in ()).throw(OSError("disk")))
    client.post(f"/evidence/activity/{activity.id}", data={
        "kind": "file", "file": (io.BytesIO(pdf_bytes()), "a.pdf")}, content_type="multipart/form-data")
    assert _audit() == []


# --- panels ------------------------------------------------------------------------------------------------------

def test_outcome_page_section_by_role(app, client_as, make_activity, make_note, make_assessment, add_link):
    owner, other, admin, board = (client_as(r) for r in ("staff", "staff", "admin", "board"))
    activity = make_activity(outcomes=("L2.A1.O1",))
    mine = add_link(owner.user, outcome_code="L2.A1.O1", title="Observatory issue",
                    url="https://www.metropolis.org/observatory")
    make_note(outcome_code="L2.A1.O1", title="Board remark", note="First line\nSecond line", added_by=admin.user)
    add_link(owner.user, activity=activity, title="Only on the activity")
    edit_url = f"/evidence/{mine.id}/edit"

    html = owner.get("/plan/outcomes/L2.A1.O1").get_data(as_text=True)
    assert "Evidence for this outcome" in html
    assert "Observatory issue" in html and "Board remark" in html
    assert "Only on the activity" not in html  # activity evidence lives on the activity's page
    assert 'rel="noopener noreferrer"' in html and ">https://www.metropolis.org/observatory<" in html
    assert "First line\nSecond line" in html
    assert edit_url in html and html.count("/edit?next=") == 1  # the owner may edit only their own
    assert 'action="/evidence/outcome/L2.A1.O1"' in html and 'enctype="multipart/form-data"' in html
    assert f"Added by {owner.user.name}" in html

    html = other.get("/plan/outcomes/L2.A1.O1").get_data(as_text=True)
    assert edit_url not in html and 'action="/evidence/outcome/L2.A1.O1"' in html
    html = admin.get("/plan/outcomes/L2.A1.O1").get_data(as_text=True)
    assert html.count("/edit?next=") == 2 and f'action="/evidence/{mine.id}/delete"' in html
    html = board.get("/plan/outcomes/L2.A1.O1").get_data(as_text=True)
    assert "Observatory issue" not in html and "First line" not in html  # its year's assessment is not approved
    make_assessment("L2.A1.O1", services.backed_year(mine), state="approved")
    html = board.get("/plan/outcomes/L2.A1.O1").get_data(as_text=True)
    assert "Observatory issue" in html and "First line\nSecond line" in html
    assert "/edit" not in html and "/delete" not in html and 'action="/evidence/outcome/' not in html
    assert "<script>" not in html and "style=" not in html and " onclick" not in html


def test_activity_panel_contract(app, make_user, make_activity, add_file, add_link):
    owner = make_user("staff")
    activity = make_activity()
    add_file(owner, activity=activity, title="Attendance list", name="attendance.csv",
             content=b"name,city\nAna,Barcelona\n")
    add_link(owner, activity=activity, title="Video")
    with app.test_request_context(f"/activities/{activity.id}"):
        html = render_template("evidence/_panel.html", evidence_items=services.list_for_activity(activity.id),
                               parent_kind="activity", parent_id=activity.id, can_add=True)
    assert "Attendance list" in html and "attendance.csv" in html and "Video" in html
    assert f'action="/evidence/activity/{activity.id}"' in html
    assert 'enctype="multipart/form-data"' in html and 'name="csrf_token"' in html
    assert f'name="next" value="/activities/{activity.id}"' in html
    for name in ('name="kind"', 'name="title"', 'type="file"', 'name="url"', 'name="note"'):
        assert name in html
    assert "/evidence/" in html and "/download" in html
    assert "/edit" not in html  # nobody logged in here: no edit buttons
    with app.test_request_context("/"):
        html = render_template("evidence/_panel.html", evidence_items=[], parent_kind="activity",
                               parent_id=activity.id, can_add=False)
    assert "No evidence yet." in html and "<form" not in html


def test_lists_load_in_a_fixed_number_of_queries(app, count_queries, make_user, make_activity, make_note):
    owners = [make_user("staff") for _ in range(3)]
    activity = make_activity()
    for n in range(12):
        make_note(activity=activity, title=f"Note {n}", added_by=owners[n % 3], commit=False)
    db.session.commit()
    db.session.expire_all()
    with count_queries() as statements:
        items = services.list_for_activity(activity.id)
        names = [item.added_by.name for item in items] + [str(item.file) for item in items]
    assert len(items) == 12 and len(names) == 24
    assert len(statements) <= 3  # evidence, users, files: whatever the number of pieces
    grouped = services.list_for_activities([activity.id, 999999])
    assert len(grouped[activity.id]) == 12 and grouped[999999] == []


def test_panel_form_works_with_csrf_on(app, _app, client_as, login):
    """The hand-written panel form carries a valid CSRF token; without one the post is refused."""
    csrf_app = create_app("testing", SQLALCHEMY_DATABASE_URI=_app.config["SQLALCHEMY_DATABASE_URI"],
                          EVIDENCE_FOLDER=_app.config["EVIDENCE_FOLDER"], WTF_CSRF_ENABLED=True)
    csrf_app.test_client_class = IsolatedClient
    user = client_as("staff").user
    try:
        client = login(csrf_app.test_client(), user)
        html = client.get("/plan/outcomes/L1.A1.O1").get_data(as_text=True)
        panel = html[html.index('action="/evidence/outcome/L1.A1.O1"'):]
        token = panel.split('name="csrf_token" value="')[1].split('"')[0]
        data = {"kind": "note", "title": "Minutes", "note": "Agreed"}
        assert client.post("/evidence/outcome/L1.A1.O1", data=data).status_code == 400
        assert client.post("/evidence/outcome/L1.A1.O1", data={**data, "csrf_token": token}).status_code == 302
        assert db.session.scalar(select(func.count()).select_from(Evidence)) == 1
    finally:
        with csrf_app.app_context():  # this second app has its own connection pool: close it
            db.session.remove()
            db.engine.dispose()
