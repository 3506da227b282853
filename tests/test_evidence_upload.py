"""Uploading files as evidence over HTTP: attacks refused, accepted types stored once, atomically, within limits."""
import hashlib
import io
from pathlib import Path

import pytest
from sqlalchemy import func, select
from werkzeug.datastructures import FileStorage
from werkzeug.test import encode_multipart

from tracker.audit.models import AuditEntry
from tracker.evidence import storage
from tracker.evidence.models import Evidence, StoredFile
from tracker.extensions import db

from .test_evidence_validation import ACCEPTED, HTML, SVG, ooxml_bytes, pdf_bytes, plain_zip_bytes


@pytest.fixture
def staff(client_as):
    """A staff member's client."""
    return client_as("staff")


@pytest.fixture
def activity(app, make_activity):
    """An activity to attach evidence to."""
    return make_activity(title="Policy Debate: housing")


def upload(client, activity_id, content, name, title="", **headers):
    """Post a file to an activity's evidence form."""
    # Encoded in memory: the test client would spool a large body to a temporary file it never closes.
    boundary, body = encode_multipart({"kind": "file", "title": title,
                                       "file": FileStorage(io.BytesIO(content), filename=name)})
    return client.post(f"/evidence/activity/{activity_id}", data=body,
                       content_type=f"multipart/form-data; boundary={boundary}", headers=headers)


def _count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def _evidence_files(app) -> list[Path]:
    root = Path(app.config["EVIDENCE_FOLDER"])
    return sorted(p for p in root.rglob("*") if p.is_file()) if root.exists() else []


def _assert_nothing_saved(app):
    assert _count(Evidence) == 0
    assert _count(StoredFile) == 0
    assert db.session.scalar(select(func.count()).select_from(AuditEntry)
                             .where(AuditEntry.entity_type == "evidence")) == 0
    assert _evidence_files(app) == []


@pytest.mark.parametrize("name, build, mime", ACCEPTED, ids=[a[0] for a in ACCEPTED])
def test_each_accepted_type_is_stored(app, staff, activity, name, build, mime):
    content = build()
    response = upload(staff, activity.id, content, name)
    assert response.status_code == 302, response.get_data(as_text=True)
    item = db.session.scalar(select(Evidence))
    assert (item.kind, item.title, item.original_filename, item.activity_id) == ("file", name, name, activity.id)
    assert item.added_by_id == staff.user.id
    assert item.file.mime_type == mime
    assert item.file.sha256 == hashlib.sha256(content).hexdigest() and item.file.size == len(content)
    assert storage.path_for(item.file).read_bytes() == content


@pytest.mark.parametrize("name, content, message", [
    ("report.pdf", HTML, "This file is not a real PDF"),
    ("notes.txt", HTML, "web page, SVG or script markup"),
    ("logo.png", SVG, "This file is not a real PNG image"),
    ("minutes.docx", plain_zip_bytes(), "This file is not a real Word document"),
    ("page.html", HTML, "Files ending in .html are not accepted"),
    ("empty.pdf", b"", "The file is empty."),
], ids=["html-as-pdf", "html-as-txt", "svg-as-png", "zip-as-docx", "html", "empty"])
def test_upload_attacks_are_refused_next_to_the_field(app, staff, activity, name, content, message):
    response = upload(staff, activity.id, content, name, title="Innocent title")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert message in html
    assert 'id="file-errors"' in html and "is-invalid" in html  # next to the file field
    assert 'value="Innocent title"' in html  # what was typed is kept
    _assert_nothing_saved(app)


def test_no_file_chosen(app, staff, activity):
    response = staff.post(f"/evidence/activity/{activity.id}", data={"kind": "file", "title": "Report"},
                          content_type="multipart/form-data")
    assert "Choose a file to upload." in response.get_data(as_text=True)
    _assert_nothing_saved(app)


def _raw_multipart(filename_header: str, content: bytes) -> tuple[bytes, str]:
    """A multipart body written by hand, as a hostile client would, with the filename header verbatim."""
    boundary = "----evidence-boundary"
    body = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"kind\"\r\n\r\nfile\r\n"
            f"--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{filename_header}\"\r\n"
            "Content-Type: application/pdf\r\n\r\n").encode() + content + f"\r\n--{boundary}--\r\n".encode()
    return body, f"multipart/form-data; boundary={boundary}"


@pytest.mark.parametrize("header_name", ["../../x.pdf", "..\\\\..\\\\x.pdf", "/tmp/x.pdf", "..%2F..%2Fx.pdf"])
def test_path_in_the_name_never_reaches_the_disk(app, staff, activity, header_name):
    evidence_root = Path(app.config["EVIDENCE_FOLDER"]).resolve()
    watch = evidence_root.parent.parent  # the session's temporary tree around the evidence folder
    def files():
        return {p for p in watch.rglob("*") if p.is_file() and ".sqlite" not in p.name}

    before = files()
    content = pdf_bytes("traversal " + header_name)
    body, content_type = _raw_multipart(header_name, content)
    response = staff.post(f"/evidence/activity/{activity.id}", data=body, content_type=content_type)
    assert response.status_code == 302, response.get_data(as_text=True)
    item = db.session.scalar(select(Evidence))
    assert "/" not in item.original_filename and "\\" not in item.original_filename
    assert item.original_filename.endswith("x.pdf") and not item.original_filename.startswith(".")
    added = files() - before
    sha = hashlib.sha256(content).hexdigest()
    assert added == {evidence_root / sha[:2] / sha}  # one new file, named by its hash, inside the store
    assert not (evidence_root.parent.parent / "x.pdf").exists()


def test_backslash_name_is_stored_with_its_last_part(app, staff, activity):
    body, content_type = _raw_multipart("..\\\\..\\\\x.pdf", pdf_bytes())
    staff.post(f"/evidence/activity/{activity.id}", data=body, content_type=content_type)
    assert db.session.scalar(select(Evidence.original_filename)) == "x.pdf"


def test_slightly_oversized_file_gets_a_clear_message(app, staff, activity, monkeypatch):
    monkeypatch.setitem(app.config, "MAX_UPLOAD_MB", 1)
    monkeypatch.setitem(app.config, "MAX_CONTENT_LENGTH", 2 * 1024 * 1024)
    content = pdf_bytes() + b"0" * (1024 * 1024)
    response = upload(staff, activity.id, content, "big.pdf")
    assert response.status_code == 200
    assert "The file is larger than the limit of 1 MB." in response.get_data(as_text=True)
    _assert_nothing_saved(app)
    # Just under the limit is fine.
    response = upload(staff, activity.id, content[:1024 * 1024], "fits.pdf")
    assert response.status_code == 302


def test_far_oversized_body_gets_the_friendly_413_page_with_a_way_back(app, staff, activity, monkeypatch):
    monkeypatch.setitem(app.config, "MAX_UPLOAD_MB", 1)
    monkeypatch.setitem(app.config, "MAX_CONTENT_LENGTH", 2 * 1024 * 1024)
    content = pdf_bytes() + b"0" * (3 * 1024 * 1024)
    form_page = f"http://localhost/evidence/activity/{activity.id}?next=/plan/"
    response = upload(staff, activity.id, content, "huge.pdf", Referer=form_page)
    html = response.get_data(as_text=True)
    assert response.status_code == 413
    assert "File too large" in html and "larger than the limit of 1 MB" in html
    assert f'href="/evidence/activity/{activity.id}?next=/plan/"' in html
    assert "Go back to the previous page" in html
    assert "Traceback" not in html
    _assert_nothing_saved(app)
    # A referrer from another site is not offered as the way back.
    response = upload(staff, activity.id, content, "huge.pdf", Referer="https://evil.example/phish")
    html = response.get_data(as_text=True)
    assert response.status_code == 413
    assert "evil.example" not in html and "Go back to the previous page" not in html
    assert 'href="/plan/"' in html


def test_same_file_twice_is_stored_once(app, staff, activity, client_as, make_activity):
    content = pdf_bytes("annual report 2022")
    assert upload(staff, activity.id, content, "report.pdf").status_code == 302
    other = client_as("staff")
    other_activity = make_activity(title="Board meeting")
    assert upload(other, other_activity.id, content, "copy of report.pdf", title="Same report").status_code == 302
    assert _count(StoredFile) == 1
    rows = db.session.scalars(select(Evidence).order_by(Evidence.id)).all()
    assert [r.original_filename for r in rows] == ["report.pdf", "copy of report.pdf"]
    assert rows[0].file_id == rows[1].file_id
    sha = hashlib.sha256(content).hexdigest()
    assert _evidence_files(app) == [Path(app.config["EVIDENCE_FOLDER"]) / sha[:2] / sha]


@pytest.mark.parametrize("step", ["replace", "fsync"])
def test_crash_while_storing_saves_nothing(app, staff, activity, monkeypatch, step):
    def boom(*args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(storage.os, step, boom)
    content = pdf_bytes("crash " + step)
    response = upload(staff, activity.id, content, "report.pdf")
    monkeypatch.undo()
    html = response.get_data(as_text=True)
    assert response.status_code == 500
    assert "could not be stored" in html and "Nothing was saved" in html
    _assert_nothing_saved(app)  # no row, no file at the final path, no temporary left
    sha = hashlib.sha256(content).hexdigest()
    assert not (Path(app.config["EVIDENCE_FOLDER"]) / sha[:2] / sha).exists()
    # Once the disk is fine again the same upload works.
    assert upload(staff, activity.id, content, "report.pdf").status_code == 302
    assert _count(Evidence) == 1


def test_file_is_on_disk_before_its_row_is_committed(app, staff, activity, monkeypatch):
    """A crash at commit time leaves at most an orphan file (listed by storage.orphans), never a row without file."""
    content = pdf_bytes("commit fails")
    original_commit = db.session.commit
    seen = {}

    def failing_commit():
        stored = db.session.scalar(select(StoredFile).where(StoredFile.sha256 == hashlib.sha256(content).hexdigest()))
        seen["on_disk"] = storage.path_for(stored).is_file() if stored else None
        raise RuntimeError("database went away")

    monkeypatch.setattr(db.session, "commit", failing_commit)
    response = upload(staff, activity.id, content, "report.pdf")
    monkeypatch.setattr(db.session, "commit", original_commit)
    assert response.status_code == 500
    assert seen["on_disk"] is True
    assert _count(Evidence) == 0 and _count(StoredFile) == 0
    sha = hashlib.sha256(content).hexdigest()
    assert storage.orphans() == [Path(app.config["EVIDENCE_FOLDER"]) / sha[:2] / sha]


def test_title_defaults_to_the_file_name_and_can_be_given(app, staff, activity):
    upload(staff, activity.id, ooxml_bytes("docx"), "Informe año 2022.docx")
    upload(staff, activity.id, pdf_bytes(), "scan0001.pdf", title="Signed agreement with UCLG")
    titles = db.session.scalars(select(Evidence.title).order_by(Evidence.id)).all()
    assert titles == ["Informe año 2022.docx", "Signed agreement with UCLG"]


def test_upload_to_an_outcome(app, staff):
    response = staff.post("/evidence/outcome/L2.A2.O7", data={
        "kind": "file", "title": "Gender toolkit", "file": (io.BytesIO(pdf_bytes("toolkit")), "toolkit.pdf")},
        content_type="multipart/form-data")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/plan/outcomes/L2.A2.O7")
    item = db.session.scalar(select(Evidence))
    assert item.activity_id is None and item.outcome.code == "L2.A2.O7"
