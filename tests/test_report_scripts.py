"""Every script reaches the page and the text layer: the bundled fallback fonts behind "Report Sans", and the
list of characters no bundled font can draw."""
import io
import logging
import shutil
import subprocess
from datetime import datetime, timezone

import pytest
from pypdf import PdfReader

from tests.factories import make_activity
from tracker.extensions import db
from tracker.reports import services
from tracker.reports.fetcher import ALL_FONT_FILES, asset_url
from tracker.reports.glyphs import drawable_codepoints, undrawable
from tracker.reports.models import ReportSummary
from tracker.reports.pdf import render_pdf

SAMPLES = ("São Paulo", "Москва", "Αθήνα", "القاهرة", "ירושלים", "北京市", "臺北市", "東京都", "서울특별시", "🌍🏙️")
VARIATION_SELECTOR = "\ufe0f"  # invisible: it selects the emoji's presentation and has no glyph of its own


def _fonts(data: bytes) -> set[str]:
    """The embedded fonts' names without the subset tag: "Report-Sans", "Report-Sans-CJK", ..."""
    names = set()
    for page in PdfReader(io.BytesIO(data)).pages:
        for font in (page["/Resources"].get("/Font") or {}).values():
            names.add(str(font.get_object()["/BaseFont"]).split("+", 1)[-1])
    return names


def _in_text_layer(sample: str, text: str) -> bool:
    return sample.replace(VARIATION_SELECTOR, "") in text


def test_every_script_of_a_generated_report_reaches_the_text_layer(app, tmp_path, caplog):
    narrative = "Members met in " + ", ".join(SAMPLES) + "."
    make_activity(title="Forum " + " ".join(SAMPLES), outcomes=("L1.A1.O1",), members=("Seoul",))
    db.session.add(ReportSummary(scope="2022", text=narrative))
    db.session.commit()
    with caplog.at_level(logging.WARNING, logger="weasyprint"):
        result = services.generate_report(None, "board", 2022)
    db.session.commit()
    assert not [r.getMessage() for r in caplog.records if ".notdef" in r.getMessage()]  # no box, no blank
    data = result.rendered.data
    assert result.rendered.fetcher.refused == []

    reader = PdfReader(io.BytesIO(data))
    pages = [page.extract_text() or "" for page in reader.pages]
    for sample in SAMPLES:
        assert any(_in_text_layer(sample, text) for text in pages), sample
    assert {"Report-Sans", "Report-Sans-CJK", "Report-Emoji"} <= _fonts(data)

    if shutil.which("pdftoppm"):  # the summary page as an image: glyphs drawn, not blanks (see test below)
        page = next(i for i, text in enumerate(pages, 1) if "北京市" in text)
        subprocess.run(["pdftoppm", "-png", "-r", "80", "-f", str(page), "-l", str(page), "-singlefile",
                        "-", str(tmp_path / "summary")], input=data, check=True, capture_output=True)
        assert (tmp_path / "summary.png").stat().st_size > 5000


def _page(paragraphs: list[str]) -> str:
    """A page with the report's own @font-face rules and stylesheet (the font stack of report.css)."""
    faces = "".join(
        f'@font-face {{ font-family: "{family}"; src: url("{asset_url(name)}"); font-weight: {weight}; }}'
        for family, name, weight in (("Report Sans", "regular", "normal"), ("Report Sans", "bold", "bold"),
                                     ("Report Sans CJK", "cjk", "normal"), ("Report Emoji", "emoji", "normal")))
    body = "".join(f"<p>{text}</p>" for text in paragraphs)
    return (f'<html lang="en"><head><title>t</title><style>{faces}</style>'
            f'<link rel="stylesheet" href="{asset_url("stylesheet")}"></head><body>{body}</body></html>')


def test_the_template_declares_every_bundled_font_and_the_stylesheet_stacks_them():
    from tracker.reports.fetcher import PDF_TEMPLATES_DIR

    template = (PDF_TEMPLATES_DIR / "report.html").read_text()
    for name in ALL_FONT_FILES:
        assert "{{ assets.%s }}" % name in template
    stylesheet = (PDF_TEMPLATES_DIR / "report.css").read_text()
    assert 'html {\n  font-family: "Report Sans", "Report Sans CJK", "Report Emoji";' in stylesheet


def test_latin_text_uses_no_fallback_font(app):
    data = render_pdf(_page(["Ordinary text: São Paulo, Montréal, Москва, Αθήνα."]), title="t",
                      created=datetime.now(timezone.utc)).data
    assert _fonts(data) == {"Report-Sans"}


@pytest.mark.skipif(not shutil.which("pdftoppm"), reason="poppler's pdftoppm is not installed")
def test_cjk_and_emoji_are_drawn_not_blank(app, tmp_path):
    """Each sample alone on a page, rasterised: ink where the text is (a missing glyph is a blank gap)."""
    from PIL import Image

    for index, sample in enumerate(("北京市", "臺北市", "東京都", "서울특별시", "🌍🏙️")):
        data = render_pdf(_page([f'<span style="font-size: 40pt">{sample}</span>']), title="t",
                          created=datetime.now(timezone.utc)).data
        base = tmp_path / f"sample{index}"
        subprocess.run(["pdftoppm", "-png", "-r", "40", "-f", "1", "-l", "1", "-singlefile", "-", str(base)],
                       input=data, check=True, capture_output=True)
        image = Image.open(f"{base}.png").convert("L")
        dark = image.histogram()[:128]
        dark = sum(dark)
        assert dark > 50, sample


def test_undrawable_lists_what_no_bundled_font_has_with_its_context():
    assert undrawable(SAMPLES) == []
    assert undrawable(["", None, "Tab\tand new\nline\u200d\ufe0f"]) == []
    found = undrawable(["The Adlam word 𞤀𞤣𞤤𞤢𞤥 in a name", "a private \ue000 character", "again 𞤀"])
    assert [item.codepoint for item in found][:2] == ["U+1E900", "U+1E923"]
    first = found[0]
    assert first.char == "𞤀" and first.name == "ADLAM CAPITAL LETTER ALIF"
    assert "Adlam word 𞤀" in first.context and len(first.context) <= 25
    assert "U+1E900 ADLAM CAPITAL LETTER ALIF in “" in str(first)
    assert [item.codepoint for item in found].count("U+1E900") == 1  # each character once
    assert "U+E000" in [item.codepoint for item in found]


def test_the_bundled_fonts_cover_the_required_scripts():
    covered = drawable_codepoints()
    for sample in SAMPLES:
        assert all(ord(char) in covered for char in sample.replace(VARIATION_SELECTOR, "")), sample
    assert 0x1E900 not in covered and 0xE000 not in covered


def test_the_coverage_read_from_the_cmap_bytes_equals_fonttools_decoded_cmaps():
    from fontTools.ttLib import TTFont

    from tracker.reports.fetcher import ALL_FONT_FILES

    decoded: set[int] = set()
    for path in ALL_FONT_FILES.values():
        with TTFont(path) as font:
            decoded.update(font.getBestCmap())
    assert drawable_codepoints() == frozenset(decoded)
