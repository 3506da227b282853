"""Checking what people upload or type as evidence: file types by content, safe names, links and notes."""
import codecs
import os
import re
import unicodedata
import zipfile
import zlib
from urllib.parse import urlsplit

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from ..activities.labels import Labels, number
from ..core.errors import Invalid

HEAD_SIZE = 8192  # bytes read to recognise a file (the HTML/script check of text reads the whole file)
CHUNK_SIZE = 64 * 1024
MAX_FILENAME = 255
MAX_TITLE = 200
MAX_URL = 2000
MAX_NOTE = 2000

PDF = "application/pdf"
PNG = "image/png"
JPEG = "image/jpeg"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
PPTX = "application/vnd.openxmlformats-officedocument.presentationml.presentation"
DOC = "application/msword"
XLS = "application/vnd.ms-excel"
PPT = "application/vnd.ms-powerpoint"
CSV = "text/csv"
TXT = "text/plain"

# What each accepted type is called in messages, alone and (for "it looks like ...") with its article.
LABELS = Labels({
    PDF: _l("PDF"), PNG: _l("PNG image"), JPEG: _l("JPEG image"), DOCX: _l("Word document"),
    XLSX: _l("Excel workbook"), PPTX: _l("PowerPoint presentation"), DOC: _l("Word document (.doc)"),
    XLS: _l("Excel workbook (.xls)"), PPT: _l("PowerPoint presentation (.ppt)"), CSV: _l("CSV file"),
    TXT: _l("plain text file"),
})
A_LABELS = Labels({
    PDF: _l("a PDF"), PNG: _l("a PNG image"), JPEG: _l("a JPEG image"), DOCX: _l("a Word document"),
    XLSX: _l("an Excel workbook"), PPTX: _l("a PowerPoint presentation"), DOC: _l("a Word document (.doc)"),
    XLS: _l("an Excel workbook (.xls)"), PPT: _l("a PowerPoint presentation (.ppt)"), CSV: _l("a CSV file"),
    TXT: _l("a plain text file"),
})
# The extension a name must end in for each type; the first is the one suggested.
EXTENSIONS = {
    ".pdf": PDF, ".png": PNG, ".jpg": JPEG, ".jpeg": JPEG, ".docx": DOCX, ".xlsx": XLSX, ".pptx": PPTX,
    ".doc": DOC, ".xls": XLS, ".ppt": PPT, ".csv": CSV, ".txt": TXT,
}
ACCEPTED_SUMMARY = _l("PDF, Word, Excel, PowerPoint, PNG, JPEG, CSV or plain text")
ACCEPT_ATTRIBUTE = ",".join(EXTENSIONS)  # for <input type="file" accept="...">

_PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
_JPEG_MAGIC = b"\xff\xd8\xff"
_ZIP_MAGIC = b"PK\x03\x04"
_OLE2_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
# Markup a browser could be talked into rendering: refused even in a .txt or .csv.
_MARKUP = (b"<html", b"<!doctype", b"<script", b"<svg", b"<?xml", b"<body", b"<iframe", b"<object", b"<embed")
# An Office document is a ZIP: its central directory is read (never unpacked) and a bomb is refused by what it
# declares. Real documents hold hundreds of parts, tens of MB at most, XML compressed 5 to 20 times.
ZIP_MAX_ENTRIES = 2000
ZIP_MAX_TOTAL = 100 * 1024 * 1024  # bytes once unpacked, all parts together
ZIP_MAX_RATIO = 100  # unpacked bytes per packed byte, for a part and for the whole
ZIP_RATIO_FROM = 1024 * 1024  # parts (and totals) smaller than this cannot hurt whatever their ratio
_ZIP_LOCAL_HEADER = 30  # bytes of a local file header before its name
# Archives inside a document (a nested bomb, or a package hiding another), by name and by their first bytes.
_ARCHIVE_EXTENSIONS = (".zip", ".docx", ".xlsx", ".pptx", ".docm", ".xlsm", ".pptm", ".jar", ".7z", ".rar", ".gz",
                       ".tgz", ".bz2", ".xz", ".tar", ".cab")
_ARCHIVE_MAGICS = (b"PK\x03\x04", b"PK\x05\x06", b"PK\x07\x08", b"\x1f\x8b", b"BZh", b"\xfd7zXZ\x00",
                   b"7z\xbc\xaf\x27\x1c", b"Rar!\x1a\x07", b"MSCF")
# The main part of each Office Open XML package.
_OOXML_MAIN_PARTS = {"word/document.xml": DOCX, "xl/workbook.xml": XLSX, "ppt/presentation.xml": PPTX}
_OOXML_DIRS = {"word/": DOCX, "xl/": XLSX, "ppt/": PPTX}
# Stream names (UTF-16LE in the compound file's directory) that tell the legacy Office formats apart.
_OLE2_STREAMS = ((DOC, "WordDocument"), (XLS, "Workbook"), (XLS, "Book"), (PPT, "PowerPoint Document"))
# Characters that are invisible but change how a name reads (bidirectional overrides and the like).
_INVISIBLE = {"Cc", "Cf", "Zl", "Zp"}


class Refused(Invalid):
    """An upload, link or note that cannot be accepted; the message says why, in plain words."""

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message, field=field)  # the form field the message belongs next to


def clean_filename(name: str | None) -> str:
    """Keep only the last part of a name with invisible characters removed, at most 255 characters."""
    name = unicodedata.normalize("NFC", name or "")
    name = re.split(r"[/\\]", name)[-1]  # browsers on Windows may send a full C:\...\ path
    name = "".join(c for c in name if unicodedata.category(c) not in _INVISIBLE)
    name = name.strip().lstrip(".").strip()  # no hidden files, no "..", no leading blanks
    if not name:
        return "file"
    if len(name) > MAX_FILENAME:
        stem, ext = os.path.splitext(name)
        ext = ext if len(ext) <= 16 else ""
        name = stem[:MAX_FILENAME - len(ext)].rstrip() + ext
    return name


def extension_of(name: str) -> str:
    """The lower-case extension of a file name, with its dot ('' if none)."""
    return os.path.splitext(name)[1].lower()


def sniff(head: bytes, filename: str, stream=None) -> tuple[str, str]:
    """Tell a file's type from its first bytes (and, for ZIP and OLE2 files, the stream), checked against its name."""
    if not head:
        raise Refused(_("The file is empty."))
    ext = extension_of(clean_filename(filename))
    expected = EXTENSIONS.get(ext)
    if expected is None:
        if ext:
            raise Refused(_("Files ending in %(ext)s are not accepted. Choose a %(types)s file.", ext=ext,
                            types=ACCEPTED_SUMMARY))
        raise Refused(_("Files without an extension such as .pdf are not accepted. Choose a %(types)s file.",
                        types=ACCEPTED_SUMMARY))
    detected = _detect(head, stream, expected)
    if detected is None or not _agrees(detected, expected):
        raise Refused(_mismatch_message(expected, detected, ext, head, stream))
    # A text file named .csv stays a CSV file; the name decides between the two text types.
    mime = expected if detected in (CSV, TXT) else detected
    return mime, LABELS[mime]


def check_upload(stream, filename: str, max_bytes: int) -> tuple[str, str]:
    """Check an uploaded stream's size and type; leave it rewound for storing."""
    try:
        return _check_upload(stream, filename, max_bytes)
    except Refused as refused:
        refused.field = refused.field or "file"
        raise


def _check_upload(stream, filename: str, max_bytes: int) -> tuple[str, str]:
    """Do the upload checks for check_upload."""
    size = _size_of(stream)
    if size == 0:
        raise Refused(_("The file is empty."))
    if size is not None and size > max_bytes:
        raise Refused(_("The file is larger than the limit of %(limit)s MB.", limit=megabytes(max_bytes)))
    stream.seek(0)
    head = stream.read(HEAD_SIZE)
    try:
        return sniff(head, filename, stream)
    finally:
        stream.seek(0)


def check_url(url: str | None) -> str:
    """Return a link's address if it is an http or https address with a host."""
    try:
        return _check_url(url)
    except Refused as refused:
        refused.field = "url"
        raise


def _check_url(url: str | None) -> str:
    """Do the link checks for check_url."""
    url = (url or "").strip()
    if not url:
        raise Refused(_("Give the address of the link."))
    if len(url) > MAX_URL:
        raise Refused(_("The address is longer than %(max)s characters.", max=MAX_URL))
    if any(c.isspace() or unicodedata.category(c) in _INVISIBLE for c in url):
        raise Refused(_("The address contains spaces or invisible characters: copy it again from the browser."))
    try:
        parts = urlsplit(url)
        hostname = parts.hostname
        parts.port  # noqa: B018  (raises on a malformed port)
    except ValueError:
        raise Refused(_("This is not a valid web address.")) from None
    scheme = parts.scheme.lower()
    if scheme not in ("http", "https"):
        if scheme in ("javascript", "data", "file", "ftp", "vbscript", "blob", "mailto"):
            raise Refused(_("Links starting with “%(scheme)s:” are not accepted: give an http:// or https:// address.",
                            scheme=scheme))
        if not scheme or "." in scheme:
            raise Refused(_("Start the address with https:// (or http://)."))
        raise Refused(_("Only http:// and https:// addresses are accepted."))
    if not hostname:
        raise Refused(_("The address has no site name after https://."))
    if parts.username or parts.password:
        raise Refused(_("Remove the user name or password from the address."))
    return url


def check_note(note: str | None) -> str:
    """Return a note's text if it is not empty and not too long."""
    note = (note or "").replace("\r\n", "\n").strip()  # browsers send CRLF but count a line break as one
    if not note:
        raise Refused(_("Write the note."), field="note")
    if len(note) > MAX_NOTE:
        raise Refused(_("The note is longer than %(max)s characters (%(length)s): shorten it or attach a file.",
                        max=MAX_NOTE, length=len(note)), field="note")
    return note


def megabytes(max_bytes: int) -> str:
    """The limit in MB, without a trailing .0."""
    value = max_bytes / (1024 * 1024)
    return f"{value:g}"


def _size_of(stream) -> int | None:
    """The stream's length in bytes, if it can seek."""
    try:
        stream.seek(0, os.SEEK_END)
        size = stream.tell()
        stream.seek(0)
        return size
    except (AttributeError, OSError, ValueError):
        return None


def _detect(head: bytes, stream, expected: str) -> str | None:
    """The accepted type the content really is, or None."""
    if head.startswith(b"%PDF-"):
        return PDF
    if head.startswith(_PNG_MAGIC):
        return PNG
    if head.startswith(_JPEG_MAGIC):
        return JPEG
    if head.startswith(_ZIP_MAGIC):
        return _ooxml_type(stream)
    if head.startswith(_OLE2_MAGIC):
        return _ole2_type(head, stream)
    if _looks_like_text(head, stream):
        return CSV if expected == CSV else TXT
    return None


def _agrees(detected: str, expected: str) -> bool:
    """Whether the content matches the type the name promises (a text file may be named .txt or .csv)."""
    return detected == expected or (detected in (CSV, TXT) and expected in (CSV, TXT))


def _ooxml_type(stream) -> str | None:
    """Word, Excel or PowerPoint if the ZIP is an Office Open XML package without macros, else None."""
    if stream is None:
        return None
    position = stream.tell()
    try:
        stream.seek(0)
        with zipfile.ZipFile(stream) as archive:  # reads the central directory only
            names = {info.filename for info in archive.infolist()}
            check_zip_declarations(archive.infolist())
            _refuse_nested_archives(archive)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, EOFError, NotImplementedError,
            RuntimeError, zlib.error):  # unreadable, encrypted or oddly compressed: not a document we take
        return None
    finally:
        stream.seek(position)
    if "[Content_Types].xml" not in names or any(n.lower().endswith("vbaproject.bin") for n in names):
        return None
    for part, mime in _OOXML_MAIN_PARTS.items():
        if part in names:
            return mime
    for prefix, mime in _OOXML_DIRS.items():
        if any(n.startswith(prefix) for n in names):
            return mime
    return None


def check_zip_declarations(infos: list[zipfile.ZipInfo]) -> None:
    """Refuse a ZIP bomb by what its central directory declares: parts, unpacked size, ratio, overlapping parts."""
    if len(infos) > ZIP_MAX_ENTRIES:
        raise Refused(_("This document has %(parts)s parts, more than the %(max)s a real one could need: it looks "
                        "like a ZIP bomb.", parts=number(len(infos)), max=number(ZIP_MAX_ENTRIES)))
    total = sum(info.file_size for info in infos)
    packed = sum(info.compress_size for info in infos)
    if total > ZIP_MAX_TOTAL:
        raise Refused(_("Unpacked, this document would take %(size)s MB, more than the %(max)s MB accepted: it "
                        "looks like a ZIP bomb.", size=megabytes(total), max=megabytes(ZIP_MAX_TOTAL)))
    for size, packed_size in [(total, packed)] + [(info.file_size, info.compress_size) for info in infos]:
        if size > ZIP_RATIO_FROM and size > ZIP_MAX_RATIO * max(packed_size, 1):
            raise Refused(_("This document is compressed %(ratio)s times, more than the %(max)s times a real one "
                            "is: it looks like a ZIP bomb.", ratio=number(round(size / max(packed_size, 1))),
                            max=number(ZIP_MAX_RATIO)))
    ordered = sorted(infos, key=lambda info: info.header_offset)
    for first, second in zip(ordered, ordered[1:]):
        if first.header_offset + _ZIP_LOCAL_HEADER + first.compress_size > second.header_offset:
            raise Refused(_("The parts of this document overlap one another, as in a ZIP bomb."))


def _refuse_nested_archives(archive: zipfile.ZipFile) -> None:
    """Refuse an archive or package inside a document, named as one or starting like one (its first bytes only)."""
    for info in archive.infolist():
        name = info.filename.rsplit("/", 1)[-1]
        if not info.is_dir() and (extension_of(name) in _ARCHIVE_EXTENSIONS or _starts_like_archive(archive, info)):
            raise Refused(_("This document contains another archive or document (%(name)s), which is not "
                            "accepted. Save it without embedded files, or as PDF.", name=name[:80]))


def _starts_like_archive(archive: zipfile.ZipFile, info: zipfile.ZipInfo) -> bool:
    """Whether a part's first bytes are those of an archive (inflating a few kilobytes, whatever it declares)."""
    with archive.open(info) as part:
        return part.read(8).startswith(_ARCHIVE_MAGICS)


def _ole2_type(head: bytes, stream) -> str | None:
    """Legacy Word, Excel or PowerPoint, told apart by the stream names in the compound file."""
    needles = [(mime, name.encode("utf-16-le")) for mime, name in _OLE2_STREAMS]
    for chunk in _chunks(head, stream, overlap=64):
        for mime, needle in needles:
            if needle in chunk:
                return mime
    return None


def _chunks(head: bytes, stream, overlap: int = 0):
    """Yield the whole content in chunks (overlapping a little, so that no needle falls between two)."""
    if stream is None:
        yield head
        return
    position = stream.tell()
    try:
        stream.seek(0)
        tail = b""
        while True:
            block = stream.read(CHUNK_SIZE)
            if not block:
                break
            yield tail + block
            tail = block[-overlap:] if overlap else b""
    finally:
        stream.seek(position)


def _looks_like_text(head: bytes, stream) -> bool:
    """Plain text: UTF-8 (or Windows-1252), no NUL bytes, and no markup a browser would render."""
    if _has_markup(head, stream):
        return False
    return _decodes(head, stream, "utf-8-sig") or _decodes(head, stream, "cp1252")


def _has_markup(head: bytes, stream) -> bool:
    """Whether markup a browser would render appears anywhere in the content (the upload limit bounds the read)."""
    overlap = max(len(marker) for marker in _MARKUP) - 1  # a marker split between two chunks is still found
    return any(marker in chunk.lower() for chunk in _chunks(head, stream, overlap=overlap) for marker in _MARKUP)


def _decodes(head: bytes, stream, encoding: str) -> bool:
    """Whether the whole content decodes in an encoding and has no NUL character."""
    decoder = codecs.getincrementaldecoder(encoding)()
    try:
        for chunk in _chunks(head, stream):
            if b"\x00" in chunk:
                return False
            decoder.decode(chunk)
        decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        return False
    return True


def _mismatch_message(expected: str, detected: str | None, ext: str, head: bytes, stream=None) -> str:
    """Say plainly that the content is not what its name claims, and what it seems to be."""
    label = LABELS[expected]
    if expected in (CSV, TXT):  # both "a ... file"
        if _has_markup(head, stream):
            return _("This file is not a %(type)s: it contains web page, SVG or script markup.", type=label)
        if detected is None and b"\x00" in head:
            return _("This file is not a %(type)s: save it as UTF-8 text.", type=label)
    if expected in (DOCX, XLSX, PPTX) and head.startswith(_ZIP_MAGIC) and detected is None:
        return _("This file is not a real %(type)s (it is a ZIP archive, or a document with macros, which are not "
                 "accepted), so the name ending in %(ext)s is misleading. Choose the right file.", type=label, ext=ext)
    what = _what_it_is(detected, head)
    # One whole sentence per case (word order differs between languages); only "plain text file" takes no "real".
    if what and expected == TXT:
        return _("This file is not a %(type)s (it looks like %(what)s), so the name ending in %(ext)s is "
                 "misleading. Choose the right file.", type=label, what=what, ext=ext)
    if what:
        return _("This file is not a real %(type)s (it looks like %(what)s), so the name ending in %(ext)s is "
                 "misleading. Choose the right file.", type=label, what=what, ext=ext)
    if expected == TXT:
        return _("This file is not a %(type)s, so the name ending in %(ext)s is misleading. Choose the right file.",
                 type=label, ext=ext)
    return _("This file is not a real %(type)s, so the name ending in %(ext)s is misleading. Choose the right file.",
             type=label, ext=ext)


def _what_it_is(detected: str | None, head: bytes) -> str:
    """A short description of what the content seems to be, for messages."""
    if detected:
        return A_LABELS[detected]
    lowered = head[:1024].lower()
    if b"<svg" in lowered:
        return _("an SVG image")
    if any(marker in lowered for marker in _MARKUP):
        return _("a web page or script")
    try:
        import filetype

        kind = filetype.guess(head)
    except Exception:  # noqa: BLE001  (a best-effort hint, never a reason to fail)
        kind = None
    return _("a .%(ext)s file", ext=kind.extension) if kind else ""
