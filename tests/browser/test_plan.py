"""The plan tree and the outcome pages in a real browser."""
import re

import pytest

from .a11y import assert_accessible

pytestmark = pytest.mark.browser

OUTCOME_LINK = 'a[href*="/plan/outcomes/"]'


def test_plan_tree_lists_every_outcome_and_is_accessible(page, login_as):
    login_as(page, "staff")
    assert page.locator(".plan-tree h2").count() == 3  # action lines
    assert page.locator(".plan-tree h3").count() == 11  # axes
    links = page.locator(OUTCOME_LINK)
    assert links.count() == 35
    codes = [re.search(r"/plan/outcomes/(.+)$", href).group(1) for href in links.evaluate_all(
        "links => links.map(a => a.getAttribute('href'))")]
    assert len(set(codes)) == 35 and all(re.fullmatch(r"L\d\.A\d+\.O\d+", code) for code in codes)
    # Every link leads somewhere, with the browser's own session.
    for code in codes:
        response = page.request.get(f"/plan/outcomes/{code}")
        assert response.status == 200, code
        response.dispose()
    assert_accessible(page)


def test_follow_an_outcome_link_to_its_page(page, login_as):
    login_as(page, "board")
    link = page.locator(OUTCOME_LINK).nth(12)
    code = link.locator("span").inner_text()
    title = link.inner_text().removeprefix(code).strip()
    link.click()

    page.wait_for_url(re.compile(rf"/plan/outcomes/{re.escape(code)}$"))
    assert page.get_by_role("heading", level=1).inner_text() == title
    breadcrumb = page.get_by_role("navigation", name="breadcrumb")
    assert breadcrumb.get_by_role("link", name="Plan").is_visible()
    assert breadcrumb.locator('[aria-current="page"]').inner_text() == code
    assert_accessible(page)

    # Back up to the axis through the breadcrumb: it lands on the tree, on that axis.
    axis_code = code.rsplit(".", 1)[0]
    breadcrumb.get_by_role("link", name=re.compile(rf"^{re.escape(axis_code)} ")).click()
    page.wait_for_url(re.compile(rf"/plan/#{re.escape(axis_code)}$"))
    assert page.locator(f'[id="{axis_code}"]').is_visible()


def test_action_line_jump_links_work_from_the_keyboard(page, login_as):
    login_as(page, "staff")
    jump = page.get_by_role("navigation", name="Action lines").get_by_role("link", name="L3")
    jump.focus()
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"/plan/#L3$"))
    assert page.locator('[id="L3"]').is_visible()
