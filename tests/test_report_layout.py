"""The demo year's Board evaluation and the final evaluation, laid out by WeasyPrint and checked box by box: nothing
wider than the text column, no heading left at the foot of a page, no near-empty page."""
import pytest
from weasyprint import HTML
from weasyprint.formatting_structure import boxes

from tests.conftest import _empty_data_tables
from tracker.demo.seed import seed_demo
from tracker.extensions import db
from tracker.reports import fetcher
from tracker.reports.build import build_report
from tracker.reports.pdf import render_html

HEADINGS = ("h2", "h3", "h4", "h5")
LEAST_FILLED = 0.15  # of the page's text area, for every page but the last


def _walk(box):
    """The box and all its descendants, depth first."""
    yield box
    for child in getattr(box, "children", ()):
        yield from _walk(child)


def _pages(kind, year):
    """Lay the report out (no PDF written): one (page box, every box inside it) pair per page."""
    html = render_html(build_report(kind, year))
    document = HTML(string=html, base_url=fetcher.BASE_URL, url_fetcher=fetcher.ReportFetcher()).render()
    return [(page._page_box, list(_walk(page._page_box.children[0]))) for page in document.pages]


@pytest.fixture(scope="module")
def laid_out(_app):
    """Both reports of the demo record, laid out once for the module (the rows are deleted right after)."""
    with _app.app_context():
        try:
            seed_demo()
            db.session.commit()
            return {"board 2022": _pages("board", 2022), "final": _pages("final", None)}
        finally:
            _empty_data_tables()
            db.session.remove()


@pytest.mark.parametrize("report", ["board 2022", "final"])
def test_nothing_is_wider_than_the_text_column(laid_out, report):
    too_wide = []
    for number, (page, inside) in enumerate(laid_out[report], start=1):
        right = page.content_box_x() + page.width
        too_wide += [(number, box.element_tag, box.element.get("class")) for box in inside
                     if isinstance(box, boxes.BlockLevelBox) and box.position_x + box.margin_width() > right + 0.5]
    assert too_wide == []


@pytest.mark.parametrize("report", ["board 2022", "final"])
def test_no_heading_ends_a_page(laid_out, report):
    stranded = []
    for number, (_, inside) in enumerate(laid_out[report], start=1):
        lines = [box for box in inside if isinstance(box, (boxes.LineBox, boxes.TableRowBox))]
        bottom = max(box.position_y + box.margin_height() for box in lines)
        headings = [box for box in inside if isinstance(box, boxes.BlockBox) and box.element_tag in HEADINGS]
        stranded += [(number, box.element_tag) for box in headings
                     if box.position_y + box.margin_height() >= bottom - 1]
    assert stranded == []


@pytest.mark.parametrize("report", ["board 2022", "final"])
def test_no_page_but_the_last_is_near_empty(laid_out, report):
    fill = []
    for page, inside in laid_out[report][:-1]:
        lines = [box for box in inside if isinstance(box, (boxes.LineBox, boxes.TableRowBox))]
        bottom = max(box.position_y + box.margin_height() for box in lines)
        fill.append((bottom - page.content_box_y()) / page.height)
    assert min(fill) >= LEAST_FILLED, [round(f, 2) for f in fill]
    assert 15 <= len(laid_out["board 2022"]) <= 22  # "about 20 pages" for the demo year
