"""Evidence checks without HTTP: file types by content, safe names, links, notes, and the file store's layout."""
import hashlib
import io
import os
import time
import zipfile

import pytest
from sqlalchemy import func, select

from tracker.evidence import storage, validation
from tracker.evidence.models import StoredFile
from tracker.extensions import db

# Tiny but real files of every accepted type, built here so that the tests need no fixtures on disk.


def pdf_bytes(text: str = "Minutes of the Board") -> bytes:
    """A minimal well-formed PDF."""
    return (b"%PDF-1.4\n1 0 obj <</Type/Catalog/Pages 2 0 R>> endobj\n"
            b"2 0 obj <</Type/Pages/Kids[]/Count 0>> endobj\n"
            + f"% {text}\n".encode() + b"trailer <</Root 1 0 R>>\n%%EOF\n")


def png_bytes(colour: str = "red") -> bytes:
    """A 2x2 PNG image."""
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (2, 2), colour).save(buffer, "PNG")
    return buffer.getvalue()


def jpeg_bytes() -> bytes:
    """A 2x2 JPEG image."""
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (2, 2), "blue").save(buffer, "JPEG")
    return buffer.getvalue()


OOXML_PARTS = {
    "docx": ("word/document.xml", "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"),
    "xlsx": ("xl/workbook.xml", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"),
    "pptx": ("ppt/presentation.xml",
             "application/vnd.openxmlformats-officedocument.presentationml.presentation.main+xml"),
}


def _entry(name: str) -> zipfile.ZipInfo:
    """A ZIP entry with a fixed date, so that the same archive gives the same bytes (and test ids) every time."""
    return zipfile.ZipInfo(name, date_time=(2022, 1, 1, 0, 0, 0))


def ooxml_bytes(kind: str, *, macros: bool = False) -> bytes:
    """A minimal Office Open XML package (.docx, .xlsx or .pptx)."""
    part, content_type = OOXML_PARTS[kind]
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(_entry("[Content_Types].xml"), (
            '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/'
            f'content-types"><Override PartName="/{part}" ContentType="{content_type}"/></Types>'))
        archive.writestr(_entry("_rels/.rels"), '<?xml version="1.0"?><Relationships/>')
        archive.writestr(_entry(part), '<?xml version="1.0"?><document/>')
        if macros:
            archive.writestr(_entry(part.split("/")[0] + "/vbaProject.bin"), b"\x00" * 64)
    return buffer.getvalue()


def plain_zip_bytes() -> bytes:
    """A ZIP archive that is not an Office document."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr(_entry("readme.txt"), "hello")
        archive.writestr(_entry("payload/index.html"), "<html><script>alert(1)</script></html>")
    return buffer.getvalue()


def ole2_bytes(stream: str = "WordDocument") -> bytes:
    """The start of a legacy Office compound file naming one stream in its directory."""
    header = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 504
    return header + stream.encode("utf-16-le") + b"\x00" * 512


CSV = "city,participants,women\nBarcelona,120,64\nMontréal,80,41\n".encode()
TXT = "Agreed at the Board meeting: the Observatory publishes twice a year.\n".encode()
HTML = b"<!DOCTYPE html>\n<html><body><script>fetch('/admin/users')</script></body></html>\n"
SVG = b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(document.domain)"></svg>'

ACCEPTED = [
    ("report.pdf", pdf_bytes, "application/pdf"),
    ("photo.png", png_bytes, "image/png"),
    ("photo.jpg", jpeg_bytes, "image/jpeg"),
    ("photo.JPEG", jpeg_bytes, "image/jpeg"),
    ("minutes.docx", lambda: ooxml_bytes("docx"), validation.DOCX),
    ("budget.xlsx", lambda: ooxml_bytes("xlsx"), validation.XLSX),
    ("slides.pptx", lambda: ooxml_bytes("pptx"), validation.PPTX),
    ("old.doc", lambda: ole2_bytes("WordDocument"), "application/msword"),
    ("old.xls", lambda: ole2_bytes("Workbook"), "application/vnd.ms-excel"),
    ("old.ppt", lambda: ole2_bytes("PowerPoint Document"), "application/vnd.ms-powerpoint"),
    ("participants.csv", lambda: CSV, "text/csv"),
    ("notes.txt", lambda: TXT, "text/plain"),
    ("windows.txt", lambda: "Caf\u00e9 \u2013 r\u00e9sum\u00e9\r\n".encode("cp1252"), "text/plain"),
]


def _check(content: bytes, name: str, limit: int = 20 * 1024 * 1024):
    return validation.check_upload(io.BytesIO(content), name, limit)


@pytest.mark.parametrize("name, build, mime", ACCEPTED, ids=[a[0] for a in ACCEPTED])
def test_every_accepted_type_is_recognised_by_content(name, build, mime):
    stream = io.BytesIO(build())
    detected, label = validation.check_upload(stream, name, 20 * 1024 * 1024)
    assert detected == mime
    assert label == validation.LABELS[mime]
    assert stream.tell() == 0  # rewound, ready to be stored


@pytest.mark.parametrize("name, content, message", [
    ("report.pdf", HTML, "This file is not a real PDF"),
    ("notes.txt", HTML, "web page, SVG or script markup"),
    ("data.csv", b"<script>alert(1)</script>\n", "web page, SVG or script markup"),
    ("photo.png", SVG, "This file is not a real PNG image (it looks like an SVG image)"),
    ("photo.png", jpeg_bytes(), "This file is not a real PNG image (it looks like a JPEG image)"),
    ("minutes.docx", plain_zip_bytes(), "This file is not a real Word document"),
    ("minutes.docx", ooxml_bytes("docx", macros=True), "macros"),
    ("minutes.docx", ooxml_bytes("xlsx"), "it looks like an Excel workbook"),
    ("minutes.docx", b"PK\x03\x04 not really a zip", "not a real Word document"),
    ("old.doc", ole2_bytes("Something else"), "not a real Word document (.doc)"),
    ("report.pdf", b"\x7fELF\x02\x01\x01" + b"\x00" * 64, "This file is not a real PDF"),
    ("notes.txt", "UTF-16 text".encode("utf-16"), "save it as UTF-8 text"),
    ("notes.txt", b"abc\x81\x8d\x8f\x90\x9d", "not a plain text file"),
    ("page.html", HTML, "Files ending in .html are not accepted"),
    ("drawing.svg", SVG, "Files ending in .svg are not accepted"),
    ("tool.exe", b"MZ\x90\x00", "Files ending in .exe are not accepted"),
    ("report", pdf_bytes(), "Files without an extension"),
    ("empty.pdf", b"", "The file is empty."),
], ids=lambda value: value if isinstance(value, str) and len(value) < 30 else "")
def test_refused_uploads_say_why(name, content, message):
    with pytest.raises(validation.Refused) as refused:
        _check(content, name)
    assert message in refused.value.message
    assert refused.value.field == "file"


def test_size_limit_is_exact_and_clear():
    content = pdf_bytes() + b"0" * (1024 * 1024 - len(pdf_bytes()))
    assert len(content) == 1024 * 1024
    assert _check(content, "a.pdf", limit=1024 * 1024)[0] == "application/pdf"
    with pytest.raises(validation.Refused, match=r"^The file is larger than the limit of 1 MB\.$"):
        _check(content + b"0", "a.pdf", limit=1024 * 1024)
    with pytest.raises(validation.Refused, match="limit of 20 MB"):
        _check(b"%PDF-" + b"0" * (20 * 1024 * 1024), "a.pdf")


def test_text_is_decoded_whole_across_chunks():
    text = ("Participantes: São Paulo, Bogotá, Montréal — " * 4000).encode()  # multi-byte characters over chunks
    assert len(text) > 3 * validation.CHUNK_SIZE
    assert _check(text, "list.txt")[0] == "text/plain"
    with pytest.raises(validation.Refused):
        _check(text + b"\x00", "list.txt")  # a NUL byte far after the head still makes it binary


@pytest.mark.parametrize("raw, clean", [
    ("../../x.pdf", "x.pdf"),
    ("..\\..\\x.pdf", "x.pdf"),
    ("C:\\Users\\ana\\Desktop\\Informe final.pdf", "Informe final.pdf"),
    ("/etc/passwd", "passwd"),
    ("..", "file"),
    ("", "file"),
    (None, "file"),
    (".htaccess", "htaccess"),
    ("report\x00.pdf", "report.pdf"),
    ("line\nbreak\r.pdf", "linebreak.pdf"),
    ("invoice\u202efdp.exe", "invoicefdp.exe"),  # a right-to-left override would show it as ...exe.pdf
    ("  Año 2022 – informe.pdf ", "Año 2022 – informe.pdf"),
])
def test_clean_filename_keeps_only_a_harmless_last_part(raw, clean):
    assert validation.clean_filename(raw) == clean


def test_clean_filename_limits_length_and_keeps_the_extension():
    cleaned = validation.clean_filename("a" * 400 + ".pdf")
    assert len(cleaned) == 255 and cleaned.endswith(".pdf")


@pytest.mark.parametrize("url, message", [
    ("javascript:alert(document.cookie)", "“javascript:” are not accepted"),
    ("JavaScript:alert(1)", "“javascript:” are not accepted"),
    ("data:text/html;base64,PHNjcmlwdD4=", "“data:” are not accepted"),
    ("file:///etc/passwd", "“file:” are not accepted"),
    ("ftp://files.example.org/report.pdf", "“ftp:” are not accepted"),
    ("java\tscript:alert(1)", "spaces or invisible characters"),
    ("www.metropolis.org/news", "Start the address with https://"),
    ("https://", "no site name"),
    ("http:///path-only", "no site name"),
    ("https://user:secret@example.org/", "Remove the user name or password"),
    ("https://example.org:99999/", "not a valid web address"),
    ("gopher://example.org/", "Only http:// and https:// addresses are accepted."),
    ("", "Give the address of the link."),
    ("https://example.org/" + "a" * 2000, "longer than 2000 characters"),
])
def test_links_refused(url, message):
    with pytest.raises(validation.Refused) as refused:
        validation.check_url(url)
    assert message in refused.value.message
    assert refused.value.field == "url"


def test_links_accepted():
    address = "https://www.metropolis.org/news?x=1#top"
    assert validation.check_url(f"  {address} ") == address
    assert validation.check_url("http://localhost:8080/a") == "http://localhost:8080/a"
    long_ok = "https://example.org/" + "a" * (2000 - len("https://example.org/"))
    assert validation.check_url(long_ok) == long_ok


def test_note_length():
    assert validation.check_note("x" * 2000) == "x" * 2000
    assert validation.check_note(("line\r\n" * 400).strip()) == ("line\n" * 400).strip()  # CRLF counts as one
    with pytest.raises(validation.Refused, match="longer than 2000 characters"):
        validation.check_note("x" * 2001)
    with pytest.raises(validation.Refused, match="Write the note"):
        validation.check_note("   ")


# The file store.

def _files_under(folder) -> list:
    return sorted(p for p in folder.rglob("*") if p.is_file())


def test_store_writes_content_addressed_file_once(app):
    content = pdf_bytes("stored once")
    sha = hashlib.sha256(content).hexdigest()
    first = storage.store(io.BytesIO(content), mime_type="application/pdf")
    db.session.commit()
    path = storage.path_for(first)
    assert path == storage.root() / sha[:2] / sha
    assert path.read_bytes() == content and first.size == len(content)
    assert storage.verify(first)
    second = storage.store(io.BytesIO(content), mime_type="application/pdf")
    assert second is first
    assert db.session.scalar(select(func.count()).select_from(StoredFile)) == 1
    assert _files_under(storage.root()) == [path]  # no second copy, no temporary left over


def test_verify_notices_a_damaged_or_missing_file(app):
    stored = storage.store(io.BytesIO(pdf_bytes("to damage")), mime_type="application/pdf")
    db.session.commit()
    path = storage.path_for(stored)
    path.write_bytes(pdf_bytes("to damagX"))  # same size, other content
    assert not storage.verify(stored)
    path.unlink()
    assert not storage.verify(stored)
    # Storing the same content again repairs the missing file.
    assert storage.store(io.BytesIO(pdf_bytes("to damage"))) is stored
    assert storage.verify(stored)


@pytest.mark.parametrize("step", ["fsync", "replace", "write"])
def test_store_crash_leaves_neither_half_file_nor_temporary(app, monkeypatch, step):
    content = pdf_bytes(f"crash at {step}")
    sha = hashlib.sha256(content).hexdigest()

    def boom(*args, **kwargs):
        raise OSError(28, "No space left on device")

    if step == "write":
        class Failing(io.BytesIO):
            def read(self, size=-1):
                if self.tell() > 10:
                    raise OSError(5, "Input/output error")
                return super().read(min(size, 11) if size and size > 0 else 11)
        stream = Failing(content)
    else:
        monkeypatch.setattr(storage.os, step, boom)
        stream = io.BytesIO(content)
    with pytest.raises(OSError):
        storage.store(stream, mime_type="application/pdf")
    monkeypatch.undo()
    assert not storage.path_for(sha).exists()
    assert _files_under(storage.root()) == []
    assert db.session.scalar(select(func.count()).select_from(StoredFile)) == 0


def test_store_enforces_a_size_limit_while_streaming(app):
    with pytest.raises(storage.FileTooLarge):
        storage.store(io.BytesIO(b"x" * 5000), max_bytes=4096)
    assert _files_under(storage.root()) == []


def test_path_for_refuses_anything_but_a_hash(app):
    for bad in ("../../etc/passwd", "ab", "A" * 64, "g" * 64):
        with pytest.raises(ValueError):
            storage.path_for(bad)


def test_orphans_lists_files_without_rows_and_stale_temporaries(app):
    kept = storage.store(io.BytesIO(b"kept content"))
    db.session.commit()
    orphan = storage.store(io.BytesIO(b"uncommitted content"))
    orphan_path = storage.path_for(orphan)
    db.session.rollback()  # the row is gone, the file stays: what a crash between write and commit leaves
    fresh_tmp = storage.root() / storage.TMP_DIR / "upload-fresh.part"
    stale_tmp = storage.root() / storage.TMP_DIR / "upload-stale.part"
    fresh_tmp.write_bytes(b"being written")
    stale_tmp.write_bytes(b"left by a crash")
    old = time.time() - 7200
    os.utime(stale_tmp, (old, old))
    (storage.root() / "README").write_text("not ours")
    found = storage.orphans()
    assert found == sorted([orphan_path, stale_tmp])
    assert storage.path_for(kept) not in found
