"""The restrictive fetcher on WeasyPrint 70's URLFetcher API, and the report's only embedded files: the ones
the app passes to render_pdf."""
import base64
import io
from datetime import datetime, timezone

import pytest
from pypdf import PdfReader

from tracker.reports.fetcher import ALL_FONT_FILES, ALLOWED_FILES, FetchRefused, ReportFetcher, asset_url
from tracker.reports.pdf import render_pdf

PNG = base64.b64encode(bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6360000002000001e221bc330000000049454e44ae426082")).decode()
NOW = datetime(2022, 12, 1, tzinfo=timezone.utc)


def test_the_fetcher_is_a_weasyprint_url_fetcher_that_answers_with_responses():
    from weasyprint.urls import URLFetcher, URLFetcherResponse

    fetcher = ReportFetcher()
    assert isinstance(fetcher, URLFetcher)
    response = fetcher.fetch(asset_url("stylesheet"))
    assert isinstance(response, URLFetcherResponse)
    assert response.content_type == "text/css" and b"@page" in response.read()
    image = fetcher(f"data:image/png;base64,{PNG}")
    assert image.content_type == "image/png" and image.read().startswith(b"\x89PNG")
    assert image.url == "report:/"  # relative URLs inside resolve against the fake base, never a folder


def test_every_bundled_font_is_whitelisted_and_nothing_else_on_disk():
    fetcher = ReportFetcher()
    for name in ALL_FONT_FILES:
        assert asset_url(name) in ALLOWED_FILES
        assert fetcher(asset_url(name)).read()[:4] in (b"\x00\x01\x00\x00", b"OTTO", b"true")
    folder = asset_url("regular").rsplit("/", 1)[0]
    for url in (folder + "/", folder + "/README.txt", folder + "/build_fonts.py", asset_url("regular") + "?x=1",
                asset_url("regular").replace("file://", "file://localhost"), "file:///proc/self/environ",
                "https://fonts.example.com/noto.otf", "data:font/ttf;base64,AAAA"):
        with pytest.raises(FetchRefused):
            fetcher(url)
    with pytest.raises(FetchRefused):  # urllib's own entry point keeps to the same list
        fetcher.open("http://example.com/")
    assert fetcher.served == [asset_url(name) for name in ALL_FONT_FILES]


def test_relative_urls_never_reach_the_working_directory(app, tmp_path, monkeypatch):
    (tmp_path / "secret.css").write_text("p { color: red }")
    (tmp_path / "secret.png").write_bytes(base64.b64decode(PNG))
    monkeypatch.chdir(tmp_path)
    html = ('<html lang="en"><head><title>t</title><link rel="stylesheet" href="secret.css">'
            '<style>@import url(secret.css); @font-face { font-family: X; src: url(secret.ttf) }</style></head>'
            '<body><img src="secret.png" alt=""><img src="./secret.png" alt=""><p>x</p></body></html>')
    rendered = render_pdf(html, title="t", created=NOW)
    assert rendered.fetcher.served == []
    # The fake base does not join ("report:" is not a hierarchical scheme): they arrive relative, and are refused.
    assert sorted(set(rendered.fetcher.refused)) == ["./secret.png", "secret.css", "secret.png", "secret.ttf"]
    assert b"color" not in rendered.data and b"\x89PNG" not in rendered.data


def _embedded(data: bytes) -> dict[str, tuple[bytes, str]]:
    """The PDF's embedded files (name tree), as {name: (bytes, description)}, and no file annotations."""
    reader = PdfReader(io.BytesIO(data))
    for page in reader.pages:
        for annotation in page.get("/Annots") or []:
            assert annotation.get_object().get("/Subtype") != "/FileAttachment"
    names = reader.trailer["/Root"].get("/Names")
    if names is None or "/EmbeddedFiles" not in names.get_object():
        return {}
    tree = names.get_object()["/EmbeddedFiles"].get_object()["/Names"]
    files = {}
    for index in range(0, len(tree), 2):
        spec = tree[index + 1].get_object()
        files[str(spec["/UF"])] = (spec["/EF"]["/F"].get_object().get_data(), str(spec.get("/Desc", "")))
    assert set(files) == set(reader.attachments)
    return files


HOSTILE_HTML = ('<html lang="en"><head><title>t</title><link rel="attachment" href="file:///etc/passwd">'
                f'<link rel="attachment" href="data:image/png;base64,{PNG}" title="from the HTML"></head><body>'
                f'<p><a rel="attachment" href="data:image/png;base64,{PNG}">an allowed image as attachment</a></p>'
                '<p><a rel="attachment" href="file:///etc/passwd">passwd</a></p></body></html>')


def test_nothing_the_html_names_becomes_an_embedded_file(app):
    rendered = render_pdf(HOSTILE_HTML, title="t", created=NOW)
    assert _embedded(rendered.data) == {}
    assert b"root:x:0:0" not in rendered.data


def test_exactly_the_apps_attachments_are_embedded(app):
    sheet = b"PK\x03\x04 spreadsheet bytes made by the app"
    rendered = render_pdf(HOSTILE_HTML, title="t", created=NOW, attachments=[
        ("activities-2022.xlsx", sheet, "The year's activities as a spreadsheet"),
        ("notes.csv", b"a,b\n1,2\n", "Notes")])
    assert _embedded(rendered.data) == {
        "activities-2022.xlsx": (sheet, "The year's activities as a spreadsheet"),
        "notes.csv": (b"a,b\n1,2\n", "Notes")}
    reader = PdfReader(io.BytesIO(rendered.data))
    assert reader.trailer["/Root"]["/MarkInfo"]["/Marked"]  # still the tagged PDF/UA-1 variant
    assert reader.pdf_header == "%PDF-1.7"
    assert b"pdfuaid" in reader.trailer["/Root"]["/Metadata"].get_object().get_data()


@pytest.mark.parametrize("bad", [("", b"x", "d"), ("../x.csv", b"x", "d"), ("a/b.csv", b"x", "d"),
                                 ("x.csv", "not bytes", "d")])
def test_attachments_must_be_plain_names_and_bytes(app, bad):
    with pytest.raises((ValueError, TypeError)):
        render_pdf("<p>x</p>", title="t", created=NOW, attachments=[bad])
