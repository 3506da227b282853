"""Forms and navigation work with the keyboard alone, with a visible focus."""
import re

import pytest

from .helpers import tab_until

pytestmark = pytest.mark.browser

# The focused element's outline and shadow once its transitions (Bootstrap's focus ring fades in) have finished.
FOCUS_STYLE = """async () => { const el = document.activeElement;
    await Promise.all(el.getAnimations().map(animation => animation.finished.catch(() => null)));
    const s = getComputedStyle(el);
    return {outline: s.outlineStyle, shadow: s.boxShadow}; }"""


def _focus_is_visible(page) -> bool:
    """Tell whether the focused element shows a focus indicator (read after its focus transition has ended)."""
    style = page.evaluate(FOCUS_STYLE)
    return style["outline"] not in ("none", "") or style["shadow"] not in ("none", "")


def test_invitation_form_with_the_keyboard_only(page, login_as):
    login_as(page, "admin")
    page.goto("/admin/users/new")
    values = {"name": "Kim Keyboard", "email": "kim@example.org"}
    order = []
    tab_until(page, "el.tagName === 'INPUT' && el.form && el.form.method === 'post' && el.type !== 'hidden'")
    for _ in range(10):
        field = page.evaluate("({id: document.activeElement.id, tag: document.activeElement.tagName,"
                              " type: document.activeElement.type})")
        order.append(field["id"])
        assert _focus_is_visible(page), f"no visible focus on {field}"
        if field["id"] in values:
            page.keyboard.type(values[field["id"]])
        elif field["id"] == "role":
            page.keyboard.press("End")  # the last role: Board member
        if field["type"] == "submit":
            break
        page.keyboard.press("Tab")
    assert set(values) | {"role"} <= set(order), order
    assert order[-1] == "submit"
    page.keyboard.press("Enter")

    page.wait_for_url(re.compile(r"/admin/users$"))
    row = page.get_by_role("row", name=re.compile("kim@example.org"))
    assert row.get_by_role("cell", name="Board member").is_visible()
    assert row.get_by_text("invited").is_visible()  # until they choose their password from the email


def test_skip_link_jumps_to_the_content(page, login_as):
    login_as(page, "staff")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent.trim()") == "Skip to content"
    page.keyboard.press("Enter")
    page.keyboard.press("Tab")
    # The next stop is inside the main content, past the navigation bar.
    assert page.evaluate("document.querySelector('main').contains(document.activeElement)")


def test_login_form_shows_where_the_focus_is(page):
    page.goto("/login")
    for target in ("#email", "#password", "#submit"):
        page.focus(target)
        assert _focus_is_visible(page), target
