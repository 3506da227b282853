"""The overview's first screen: the 35 outcomes × the plan years at 1366×768 without scrolling, cells that drill down,
and a phone width with no sideways scroll."""
import re

import pytest
from playwright.sync_api import expect

from .a11y import assert_accessible
from .helpers import click_and_wait

pytestmark = pytest.mark.browser

LAPTOP = {"width": 1366, "height": 768}
PHONE = {"width": 390, "height": 844}


def _bottom(locator) -> float:
    box = locator.bounding_box()
    assert box is not None
    return box["y"] + box["height"]


@pytest.mark.parametrize("role", ["secretary_general", "board"])
def test_the_whole_grid_is_in_the_first_screen(page, login_as, role):
    page.set_viewport_size(LAPTOP)
    login_as(page, role)
    page.goto("/overview/?year=2022")
    assert page.evaluate("window.scrollY") == 0
    grid = page.locator("#outcome-grid")
    # The grid is the page's first section, right under the title and the year chooser.
    assert page.evaluate("document.querySelector('main section').id") == "outcome-grid"
    rows = grid.locator("tr[data-outcome]")
    assert rows.count() == 35
    assert grid.locator("thead th.grid-year").all_inner_texts() == ["2021", "2022", "2023"] * 3
    # Every row, the counts and (for the Secretary General) the line of what waits are above the fold.
    lowest = max(_bottom(rows.nth(i)) for i in range(rows.count()))
    assert lowest <= LAPTOP["height"], f"the grid's last row ends at {lowest:.0f} px"
    assert _bottom(grid.locator(".grid-counts")) <= LAPTOP["height"]
    assert grid.locator(".grid-counts").inner_text().startswith("2022:")
    if role == "secretary_general":
        waiting = grid.get_by_role("link", name=re.compile(r"^\d+ waiting for your review$"))
        if waiting.count():
            assert _bottom(waiting) <= LAPTOP["height"]
        else:
            assert grid.get_by_text("Nothing waits for your review").is_visible()
    else:
        assert grid.get_by_text("Approved assessments only.").is_visible()
    # Titles are shortened on screen only: the full title stays in the page.
    first = grid.locator("tr[data-outcome] th a").first
    assert " ".join(first.inner_text().split()) == first.get_attribute("title")
    assert_accessible(page)
    assert page.console_log.errors == []


def test_a_cell_drills_down_to_that_years_assessment(page, login_as):
    page.set_viewport_size(LAPTOP)
    login_as(page, "staff")
    page.goto("/overview/?year=2022")
    row = page.locator('#outcome-grid tr[data-outcome="L1.A1.O1"]')
    cell = row.locator('td[data-year="2022"] a')
    assert " ".join(cell.inner_text().split()).startswith("L1.A1.O1 2022: ")
    title = row.locator("th a").get_attribute("title")
    click_and_wait(page, cell)
    page.wait_for_url(re.compile(r"/plan/outcomes/L1\.A1\.O1#assessment-2022$"))
    assert title.startswith("L1.A1.O1 ") and page.get_by_role("heading", level=1).inner_text().strip() == title[9:]
    card = page.locator("#assessment-2022")
    assert card.get_by_role("heading", name="2022").count() == 1
    expect(card).to_be_in_viewport()
    assert page.console_log.errors == []


@pytest.mark.parametrize("role", ["secretary_general", "staff", "board"])
def test_no_sideways_scroll_on_a_phone(page, login_as, role):
    login_as(page, role)
    page.set_viewport_size(PHONE)
    for year in ("2022", "all"):
        page.goto(f"/overview/?year={year}")
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= PHONE["width"], f"{role}, {year}: the page is {width} px wide"
        grid = page.locator("#outcome-grid")
        assert grid.locator("tr[data-outcome]").count() == 35
        box = grid.bounding_box()
        assert box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"]
    assert_accessible(page)
    assert page.console_log.errors == []
