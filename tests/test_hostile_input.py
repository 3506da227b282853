"""Hostile input never breaks a page: redirect targets, numbers, nameless form parts, Host headers, a database that
does not answer, zip bombs, markup deep in a text file, invisible titles, formulas in CSV cells, `seed demo` in
production."""
import csv
import html as html_lib
import io
import re
import struct
import zipfile
import zlib

import pytest
from sqlalchemy import event, func, select
from werkzeug.datastructures import FileStorage
from werkzeug.test import encode_multipart

from tracker import create_app, urls
from tracker.activities.models import Activity
from tracker.activities.services import ActivityData, create_activity
from tracker.audit.models import AuditEntry
from tracker.auth.models import User
from tracker.core.errors import Invalid
from tracker.core.http import same_origin_referrer
from tracker.core.spreadsheet import safe_cell
from tracker.core.text import has_visible, strip_invisible
from tracker.evidence import services as evidence_services
from tracker.evidence import validation
from tracker.evidence.models import Evidence, StoredFile
from tracker.extensions import db
from tracker.indicators.models import Indicator, IndicatorTarget, IndicatorValue
from tracker.reports.models import BoardItem

from .test_evidence_validation import OOXML_PARTS, ooxml_bytes


def _count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def error_next_to(page: str, field_id: str) -> str:
    """The text of the error block rendered for a field (empty if none)."""
    match = re.search(rf'id="{re.escape(field_id)}-errors">(.*?)</div>', page, re.S)
    return html_lib.unescape(match.group(1)) if match else ""


# ---------------------------------------------------------------- 1. redirect targets

HOSTILE_TARGETS = [
    "/plan/\r\nSet-Cookie: session=stolen", "/plan/\n", "/plan/\r", "/\t/evil.example", "/plan/\x00", "/plan/\x1b[2J",
    "/plan/\x7f", "/plan/\x85", "/a\u2028b", "/a\u202eb", "/a b", "//evil.example", "/\\evil.example",
    "/plan\\..\\x", "https://evil.example/", "javascript:alert(1)", "plan/", "", None, "/" + "a" * 2001,
]


@pytest.mark.parametrize("target", HOSTILE_TARGETS)
def test_a_hostile_redirect_target_falls_back_to_the_default(target):
    assert not urls.is_local_path(target)
    assert urls.local_path(target, "/overview/") == "/overview/"


@pytest.mark.parametrize("target", ["/plan/", "/plan/outcomes/L1.A1.O1#evidence", "/activities/?year=2022&q=a%20b",
                                    "/plan/outcomes/Bogot\u00e1"])
def test_a_local_path_is_kept(target):
    assert urls.local_path(target, "/overview/") == target


def test_login_with_crlf_in_next_goes_home(client_as):
    staff = client_as("staff")
    response = staff.get("/login?next=/plan/%0d%0aSet-Cookie:%20session=stolen")
    assert response.status_code == 302
    assert response.headers["Location"] == "/"
    assert "stolen" not in str(response.headers)


@pytest.mark.parametrize("referrer", ["http://localhost/activities/\x00x", "http://localhost/a\u2028b",
                                      "http://localhost//evil.example/", "http://evil.example/activities/"])
def test_a_hostile_referrer_gives_no_way_back(app, referrer):
    with app.test_request_context("/", headers={"Referer": referrer}):
        assert same_origin_referrer() is None
    with app.test_request_context("/", headers={"Referer": "http://localhost/activities/?year=2022"}):
        assert same_origin_referrer() == "/activities/?year=2022"


def test_evidence_added_with_a_crlf_next_is_saved_once_and_redirects_home(client_as, make_activity):
    staff = client_as("staff")
    activity = make_activity(title="Policy Debate: housing")
    response = staff.post(f"/evidence/activity/{activity.id}",
                          data={"kind": "note", "title": "Minutes", "note": "Agreed.", "next": "/plan/\r\nX: y"})
    assert response.status_code == 302
    assert response.headers["Location"] == f"/activities/{activity.id}#evidence"
    assert _count(Evidence) == 1


def test_evidence_edited_with_a_crlf_next_redirects_to_its_page(client_as, make_activity, make_note):
    staff = client_as("staff")
    activity = make_activity(title="Policy Debate: housing")
    note = make_note(activity=activity, added_by=staff.user)
    response = staff.post(f"/evidence/{note.id}/edit", data={"title": "Minutes, corrected", "note": "Agreed.",
                                                             "version": str(note.version), "next": "/x\r\nX: y"})
    assert response.status_code == 302 and response.headers["Location"] == f"/activities/{activity.id}"
    db.session.refresh(note)
    assert note.title == "Minutes, corrected"


def test_a_failure_after_the_commit_never_says_nothing_was_saved(app, client_as, make_activity, monkeypatch):
    from tracker.evidence import views

    def broken_flash(*args, **kwargs):
        raise RuntimeError("the page after the commit broke")

    monkeypatch.setattr(views, "flash", broken_flash)
    staff = client_as("staff")
    activity = make_activity(title="Policy Debate: housing")
    response = staff.post(f"/evidence/activity/{activity.id}", data={"kind": "note", "title": "Minutes",
                                                                     "note": "Agreed."})
    page = response.get_data(as_text=True)
    assert response.status_code == 500
    assert "Your change was saved" in page and "Do not send the form again" in page
    assert "Nothing was saved" not in page
    assert _count(Evidence) == 1


# ---------------------------------------------------------------- 2. numbers beyond range

BAD_NUMBERS = ["1e400", "-1e309", "inf", "-Infinity", "nan", "sNaN", "9" * 400, "1e999999999", "-1e999999999",
               "1e-400", "0.000000001"]


@pytest.fixture
def sg(client_as):
    """The Secretary General's client."""
    return client_as("secretary_general")


@pytest.fixture
def indicator(make_indicator):
    """A manual indicator of an outcome."""
    return make_indicator(code="L1-DEBATES", name="Debates held", outcome_code="L1.A1.O1")


@pytest.mark.parametrize("raw", BAD_NUMBERS)
def test_an_out_of_range_value_is_refused_next_to_its_field(sg, indicator, raw):
    response = sg.post(f"/indicators/{indicator.id}/values/2022", data={"value": raw})
    assert response.status_code == 200
    assert re.search("too large|Enter a number|decimals", error_next_to(response.get_data(as_text=True), "value"))
    assert _count(IndicatorValue) == 0


@pytest.mark.parametrize("raw", BAD_NUMBERS)
def test_an_out_of_range_target_is_refused_next_to_its_field(sg, indicator, raw):
    response = sg.post(f"/indicators/{indicator.id}/targets", data={"targets-target_2022": raw})
    assert response.status_code == 200
    message = error_next_to(response.get_data(as_text=True), "targets-target_2022")
    assert re.search("too large|Enter a number|decimals", message)
    assert _count(IndicatorTarget) == 0


@pytest.mark.parametrize("raw", ["1e999999999", "-1e309", "nan", "1e-400"])
def test_an_out_of_range_baseline_is_refused_next_to_its_field(sg, indicator, raw):
    response = sg.post(f"/indicators/{indicator.id}/edit", data={
        "code": "L1-DEBATES", "name": "Debates held", "outcome_id": "0", "unit": "number", "direction": "higher",
        "method": "manual", "baseline_value": raw, "baseline_year": "2020"})
    assert response.status_code == 200
    assert re.search("too large|Enter a number|decimals",
                     error_next_to(response.get_data(as_text=True), "baseline_value"))
    assert db.session.get(Indicator, indicator.id).baseline_value is None


@pytest.mark.parametrize("field", ["budget_planned", "budget_spent", "participants_total"])
@pytest.mark.parametrize("raw", ["1e400", "-1e309", "inf", "nan", "9" * 400, "1e999999999", "1e-400"])
def test_an_out_of_range_activity_figure_is_refused_next_to_its_field(client_as, activity_form_data, field, raw):
    staff = client_as("staff")
    data = activity_form_data(staff.user, **{field: raw})
    if field == "participants_total":
        data.pop("participants_women"), data.pop("participants_men")
    response = staff.post("/activities/new", data=data)
    assert response.status_code == 200
    assert error_next_to(response.get_data(as_text=True), field)
    assert _count(Activity) == 0


def test_the_value_service_refuses_what_overflows_the_decimal_context(app, make_user, indicator):
    from decimal import Decimal

    from tracker.indicators.services import save_value

    sg_user = make_user("secretary_general")
    for raw in (Decimal("1e999999999"), Decimal("-1e999999999"), "inf", float("nan")):
        with pytest.raises(Invalid):
            save_value(sg_user, indicator, 2022, raw)
    db.session.rollback()


# ---------------------------------------------------------------- 3. a multipart part without a name


def _nameless_multipart(filename: str | None = None) -> tuple[bytes, str]:
    """A multipart body with a part whose Content-Disposition has no name=, as a hostile client may send."""
    boundary = "----nameless"
    disposition = "form-data" + (f'; filename="{filename}"' if filename else "")
    body = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"email\"\r\n\r\nana@example.org\r\n"
            f"--{boundary}\r\nContent-Disposition: {disposition}\r\n\r\nno name here\r\n"
            f"--{boundary}--\r\n").encode()
    return body, f"multipart/form-data; boundary={boundary}"


@pytest.mark.parametrize("filename", [None, "x.pdf"])
def test_a_nameless_part_is_a_400_page_in_the_csrf_check(app, csrf_app, filename):
    body, content_type = _nameless_multipart(filename)
    response = csrf_app.test_client().post("/login", data=body, content_type=content_type)
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "Bad request" in page and "<html" in page


def test_a_nameless_part_is_a_400_page_in_a_form(client_as, make_activity):
    staff = client_as("staff")
    activity = make_activity()
    body, content_type = _nameless_multipart("x.pdf")
    response = staff.post(f"/evidence/activity/{activity.id}", data=body, content_type=content_type)
    assert response.status_code == 400 and "Bad request" in response.get_data(as_text=True)
    assert _count(Evidence) == 0


# ---------------------------------------------------------------- 4. Host headers and a database that is down


@pytest.mark.parametrize("host", ["a" * 300, "a" * 64, "a" * 64 + ".example.org", "www." + "b" * 100 + ".org"])
def test_an_unusable_host_header_gets_a_plain_400_page(client_as, client, host):
    for who in (client, client_as("staff")):
        response = who.get("/plan/", headers={"Host": host})
        assert response.status_code == 400
        page = response.get_data(as_text=True)
        assert "Bad request" in page and "Traceback" not in page
        assert "frame-ancestors 'none'" in response.headers["Content-Security-Policy"]


@pytest.fixture
def app_without_database(tmp_path):
    """An application whose database cannot be opened: every query fails."""
    broken = create_app("testing", SQLALCHEMY_DATABASE_URI="sqlite:///" + str(tmp_path / "missing" / "no.sqlite"),
                        EVIDENCE_FOLDER=str(tmp_path / "evidence"))
    yield broken
    with broken.app_context():
        db.engine.dispose()


def test_error_pages_render_when_the_database_is_down(app_without_database):
    client = app_without_database.test_client()
    with client.session_transaction() as session:  # a logged-in browser: loading its user needs the database
        session["_user_id"] = "some-login-session-token"
    for path, status, words in (("/plan/", 503, "database did not answer"), ("/activities/", 503, "Nothing was saved"),
                                ("/nowhere", 404, "There is nothing at this address")):
        response = client.get(path)
        page = response.get_data(as_text=True)
        assert response.status_code == status, path
        assert words in page and "<html" in page and "Traceback" not in page
        assert "frame-ancestors 'none'" in response.headers["Content-Security-Policy"]


def test_error_pages_render_when_the_database_goes_away_mid_request(app, csrf_app, make_user, login):
    from tracker.core.access import allow

    def refuse(dialect, connection_record, cargs, cparams):
        raise dialect.loaded_dbapi.OperationalError("the database server went away")

    @csrf_app.route("/database-goes-away-test")
    @allow("staff")
    def goes_away():
        db.session.close()  # the user is loaded; now every pooled connection goes and no new one can be made
        db.engine.dispose()
        event.listen(db.engine, "do_connect", refuse)
        db.session.execute(select(1))

    client = login(csrf_app.test_client(), make_user("staff"))
    for path in ("/database-goes-away-test", "/plan/"):  # then even loading the user fails
        response = client.get(path)
        page = response.get_data(as_text=True)
        assert response.status_code == 503, path
        assert "database did not answer" in page and "Traceback" not in page
        assert response.headers["Content-Security-Policy"]


# ---------------------------------------------------------------- 5. zip bombs


def _raw_zip(entries, *, overlap: bool = False) -> bytes:
    """A ZIP written by hand from (name, raw deflate data, crc, unpacked size); overlap=True points every central
    directory entry at the first local header, as an overlapping-files bomb does."""
    out, central = io.BytesIO(), []
    for name, data, crc, size in entries:
        encoded = name.encode()
        offset = 0 if overlap and central else out.tell()
        if not (overlap and central):
            out.write(struct.pack("<IHHHHHIIIHH", 0x04034B50, 20, 0, 8, 0, 0x5421, crc, len(data), size,
                                  len(encoded), 0) + encoded + data)
        central.append(struct.pack("<IHHHHHHIIIHHHHHII", 0x02014B50, 20, 20, 0, 8, 0, 0x5421, crc, len(data), size,
                                   len(encoded), 0, 0, 0, 0, 0, offset) + encoded)
    start = out.tell()
    out.write(b"".join(central))
    out.write(struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, len(central), len(central), out.tell() - start, start, 0))
    return out.getvalue()


def _deflated(content: bytes) -> tuple[bytes, int, int]:
    """Raw deflate data, CRC and size of some content."""
    packer = zlib.compressobj(9, zlib.DEFLATED, -15)
    return packer.compress(content) + packer.flush(), zlib.crc32(content), len(content)


def _zeros_deflated(mebibytes: int) -> tuple[bytes, int, int]:
    """Deflate data of `mebibytes` MiB of zeros, built in a second: one fully flushed block of a MiB, repeated."""
    zeros = bytes(1 << 20)
    packer = zlib.compressobj(9, zlib.DEFLATED, -15)
    block = packer.compress(zeros) + packer.flush(zlib.Z_FULL_FLUSH)  # a full flush: each copy stands alone
    crc = 0
    for _ in range(mebibytes):
        crc = zlib.crc32(zeros, crc)
    return block * mebibytes + packer.flush(), crc, mebibytes << 20


DOCX_TYPES = (f'<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
              f'<Override PartName="/{OOXML_PARTS["docx"][0]}" ContentType="{OOXML_PARTS["docx"][1]}"/></Types>'
              ).encode()


def _bomb_docx(mebibytes: int) -> bytes:
    """A .docx whose document part is `mebibytes` MiB of zeros (1 GiB packs to about 1 MB)."""
    return _raw_zip([("[Content_Types].xml", *_deflated(DOCX_TYPES)),
                     (OOXML_PARTS["docx"][0], *_zeros_deflated(mebibytes))])


def _docx_with(extra: dict) -> bytes:
    """A minimal real .docx with extra parts {name: bytes}."""
    buffer = io.BytesIO(ooxml_bytes("docx"))
    with zipfile.ZipFile(buffer, "a", zipfile.ZIP_DEFLATED) as archive:
        for name, content in extra.items():
            archive.writestr(name, content)
    return buffer.getvalue()


def _refusal(content: bytes, name: str = "minutes.docx") -> str:
    with pytest.raises(validation.Refused) as refused:
        validation.check_upload(io.BytesIO(content), name, 20 * 1024 * 1024)
    assert refused.value.field == "file"
    return refused.value.message


def test_the_hand_made_bombs_are_real_zip_files():
    small = _bomb_docx(20)
    with zipfile.ZipFile(io.BytesIO(small)) as archive:
        assert archive.testzip() is None  # every part inflates to its declared size with its CRC
        assert archive.getinfo("word/document.xml").file_size == 20 << 20
    big = _bomb_docx(1024)
    assert len(big) < 1_100_000  # 1 GiB in about 1 MB
    with zipfile.ZipFile(io.BytesIO(big)) as archive, archive.open("word/document.xml") as part:
        assert part.read(1 << 16) == bytes(1 << 16)


def test_a_gibibyte_document_in_a_megabyte_is_refused():
    message = _refusal(_bomb_docx(1024))
    assert "1024 MB" in message and "ZIP bomb" in message


@pytest.mark.parametrize("name", ["budget.xlsx", "slides.pptx"])
def test_a_bomb_is_refused_under_any_office_name(name):
    kind = name.rsplit(".", 1)[1]
    part = OOXML_PARTS[kind][0]
    bomb = _raw_zip([("[Content_Types].xml", *_deflated(b"<Types/>")), (part, *_zeros_deflated(200))])
    assert "ZIP bomb" in _refusal(bomb, name)


def test_a_part_compressed_more_than_a_hundred_times_is_refused():
    message = _refusal(_bomb_docx(20))  # 20 MiB, under the size limit, but about 1000:1
    assert "compressed" in message and "ZIP bomb" in message


def test_overlapping_parts_are_refused():
    parts = [("[Content_Types].xml", *_deflated(DOCX_TYPES)), ("word/document.xml", *_deflated(b"<document/>"))]
    assert "overlap" in _refusal(_raw_zip(parts, overlap=True))


def test_too_many_parts_are_refused():
    message = _refusal(_docx_with({f"word/media/p{i}.xml": b"<p/>" for i in range(2000)}))
    assert "2,003 parts" in message


@pytest.mark.parametrize("extra", [
    {"word/embeddings/inner.zip": ooxml_bytes("docx")},
    {"word/embeddings/Sheet1.xlsx": ooxml_bytes("xlsx")},
    {"word/media/image1.png": _bomb_docx(5)},  # a nested bomb named as an image
    {"word/media/archive.gz": b"not even gzip"},
    {"word/media/data.bin": b"\x1f\x8b\x08\x00" + b"\x00" * 20},  # gzip by its first bytes
])
def test_a_nested_archive_is_refused(extra):
    message = _refusal(_docx_with(extra))
    assert "contains another archive or document" in message


def test_a_document_whose_central_directory_cannot_be_read_is_refused():
    whole = ooxml_bytes("docx")
    assert "not a real Word document" in _refusal(whole[:-10])


def test_an_ordinary_document_with_images_is_still_accepted():
    content = _docx_with({"word/media/image1.png": b"\x89PNG\r\n\x1a\n" + b"\x00" * 2000,
                          "word/styles.xml": b"<w:styles/>" * 5000})
    assert validation.check_upload(io.BytesIO(content), "minutes.docx", 20 * 1024 * 1024)[0] == validation.DOCX


def test_a_bomb_upload_saves_nothing(client_as, make_activity):
    staff = client_as("staff")
    activity = make_activity()
    boundary, body = encode_multipart({"kind": "file", "title": "",
                                       "file": FileStorage(io.BytesIO(_bomb_docx(1024)), filename="minutes.docx")})
    response = staff.post(f"/evidence/activity/{activity.id}", data=body,
                          content_type=f"multipart/form-data; boundary={boundary}")
    assert response.status_code == 200
    assert "ZIP bomb" in error_next_to(response.get_data(as_text=True), "file")
    assert _count(Evidence) == 0 and _count(StoredFile) == 0


# ---------------------------------------------------------------- 6. markup anywhere in a text file


@pytest.mark.parametrize("offset", [2000, 8192 - 3, 64 * 1024 - 4, 300_000])
def test_markup_anywhere_in_a_text_file_is_refused(offset):
    text = ("Minutes of the working session. " * (offset // 32 + 1))[:offset]
    content = (text + "<script>fetch('/admin/users')</script>\nmore minutes\n").encode()
    for name in ("minutes.txt", "participants.csv"):
        assert "markup" in _refusal(content, name)


def test_a_long_plain_text_file_is_accepted():
    content = ("Minutes: the Observatory publishes twice a year; 3 < 4 and <b> is not markup.\n" * 5000).encode()
    assert validation.check_upload(io.BytesIO(content), "minutes.txt", 20 * 1024 * 1024)[0] == validation.TXT


# ---------------------------------------------------------------- 7. titles made of invisible characters

INVISIBLE = ["\u200b", "\u200b\u2060\ufeff", "\u00ad", "\u200e\u200f", "\u202e\u202c", "\u2800\u3164",
             " \u200b\u00a0", "\u034f", "\u200b\u0301", "\U000e0041"]


@pytest.mark.parametrize("title", INVISIBLE)
def test_an_invisible_activity_title_is_refused(client_as, activity_form_data, title):
    staff = client_as("staff")
    response = staff.post("/activities/new", data=activity_form_data(staff.user, title=title))
    assert response.status_code == 200
    assert "title" in error_next_to(response.get_data(as_text=True), "title")
    assert _count(Activity) == 0


@pytest.mark.parametrize("title", INVISIBLE)
def test_an_invisible_evidence_title_is_refused(client_as, make_activity, make_note, title):
    staff = client_as("staff")
    activity = make_activity()
    response = staff.post(f"/evidence/activity/{activity.id}", data={"kind": "note", "title": title, "note": "x"})
    assert response.status_code == 200 and "title" in error_next_to(response.get_data(as_text=True), "title")
    note = make_note(activity=activity, added_by=staff.user, title="Minutes")
    response = staff.post(f"/evidence/{note.id}/edit", data={"title": title, "note": "x", "version": "1"})
    assert response.status_code == 200
    db.session.refresh(note)
    assert note.title == "Minutes" and _count(Evidence) == 1


@pytest.mark.parametrize("title", INVISIBLE[::3])
def test_invisible_names_and_texts_are_refused_everywhere(sg, client_as, indicator, title):
    response = sg.post(f"/indicators/{indicator.id}/edit", data={
        "code": "L1-DEBATES", "name": title, "outcome_id": "0", "unit": "number", "direction": "higher",
        "method": "manual"})
    assert response.status_code == 200 and error_next_to(response.get_data(as_text=True), "name")
    assert db.session.get(Indicator, indicator.id).name == "Debates held"
    admin = client_as("admin")
    response = admin.post("/admin/users/new", data={"email": "new@example.org", "name": title, "role": "staff",
                                                    "new_password": "a long and fine passphrase",
                                                    "confirm": "a long and fine passphrase"})
    assert response.status_code == 200 and error_next_to(response.get_data(as_text=True), "name")
    assert db.session.scalar(select(User).where(User.email == "new@example.org")) is None
    response = sg.post("/reports/board/2022/items", data={"kind": "risk", "text": title})
    assert error_next_to(response.get_data(as_text=True), "text") and _count(BoardItem) == 0


@pytest.mark.parametrize("title", INVISIBLE[::2])
def test_services_refuse_invisible_titles_too(app, make_user, make_activity, title, find_outcome):
    from datetime import date

    staff = make_user("staff")
    with pytest.raises(Invalid):
        create_activity(staff, ActivityData(title=title, kind="event", status="completed",
                                            start_date=date(2022, 3, 1), end_date=date(2022, 3, 1),
                                            outcome_ids=[find_outcome("L1.A1.O1").id]))
    db.session.rollback()
    with pytest.raises(Invalid):
        evidence_services.add_note(staff, activity=make_activity(), title=title, note="What was agreed")
    db.session.rollback()
    assert _count(Evidence) == 0 and _count(AuditEntry) == 0


def test_visible_text_keeps_what_shows_and_strips_only_the_edges():
    england = "\U0001f3f4\U000e0067\U000e0062\U000e0065\U000e006e\U000e0067\U000e007f"
    assert strip_invisible(f"Visit to London {england}") == f"Visit to London {england}"  # the flag stays whole
    assert strip_invisible("\u200b\ufeff Policy Debate\u200b\u00ad ") == "Policy Debate"
    assert strip_invisible("\u200fמפגש\u200f") == "מפגש"
    assert strip_invisible("Seoul\u200dBusan") == "Seoul\u200dBusan"  # inside, a joiner is the author's choice
    assert all(has_visible(t) for t in ("x", "é", "e\u0301", "東京", "\u2764\ufe0f", england, "\ue000"))
    assert not any(has_visible(t) for t in INVISIBLE)


def test_a_title_with_invisible_edges_is_saved_without_them(client_as, activity_form_data):
    staff = client_as("staff")
    response = staff.post("/activities/new", data=activity_form_data(staff.user, title="\u200bUSE platform\u2060"))
    assert response.status_code == 302
    assert db.session.scalar(select(Activity.title)) == "USE platform"


# ---------------------------------------------------------------- 8. formulas in CSV cells

FORMULAS = ['=HYPERLINK("http://evil.example","Click")', "+1+1", "-2+3", "@SUM(A1:A9)", "\tcmd", "\r=1"]


def test_csv_export_neutralises_formula_cells(runner, make_activity):
    for i, title in enumerate(FORMULAS):
        make_activity(title=title, place="=cmd|' /C calc'!A0" if i == 0 else "Seoul", participants=120 + i)
    result = runner.invoke(args=["activities", "export", "--format", "csv"])
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert [r["title"] for r in rows] == ["'" + t for t in FORMULAS]
    assert rows[0]["place"] == "'=cmd|' /C calc'!A0" and rows[1]["place"] == "Seoul"
    assert [r["participants_total"] for r in rows] == [str(120 + i) for i in range(len(FORMULAS))]
    assert all(not cell.startswith(tuple("=+-@\t\r")) for row in rows for cell in row.values())


def test_csv_cells_keep_numbers_as_numbers():
    from decimal import Decimal

    assert [safe_cell(v) for v in (-12.5, -3, Decimal("-4.50"), 0)] == [-12.5, -3, Decimal("-4.50"), 0]
    assert safe_cell("-12.5") == "'-12.5"  # text that looks like a number is text: it cannot be a formula
    assert safe_cell(["Seoul", "=cmd"]) == "Seoul;'=cmd" and safe_cell(["@x", "y"]) == "'@x;y"
    assert safe_cell(None) == "" and safe_cell("Barcelona") == "Barcelona" and safe_cell(True) == "True"


# ---------------------------------------------------------------- 9. seed demo in production


@pytest.fixture
def production_app(_app):
    """A production application on the test database."""
    prod = create_app("production", SECRET_KEY="p" * 48, SQLALCHEMY_DATABASE_URI=_app.config["SQLALCHEMY_DATABASE_URI"])
    yield prod
    with prod.app_context():
        db.engine.dispose()


@pytest.mark.parametrize("args", [["seed", "demo"], ["seed", "demo", "--activities", "10"]])
def test_seed_demo_refuses_to_run_in_production(app, production_app, args):
    with production_app.app_context():  # as `flask --app wsgi` runs it, under TRACKER_ENV=production
        result = production_app.test_cli_runner().invoke(args=args)
    assert result.exit_code != 0
    assert "does not run in production" in result.output
    assert _count(User) == 0 and _count(Activity) == 0


def test_seed_demo_refuses_when_the_environment_says_production(app, runner, monkeypatch):
    monkeypatch.setenv("TRACKER_ENV", "production")
    result = runner.invoke(args=["seed", "demo", "--activities", "5"])
    assert result.exit_code != 0 and "does not run in production" in result.output
    assert _count(Activity) == 0
