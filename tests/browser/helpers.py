"""Small helpers for the browser tests."""

MAX_TABS = 25


def tab_until(page, predicate_js: str) -> int:
    """Press Tab until the focused element satisfies a JS predicate on `el`; return how many presses it took."""
    for presses in range(1, MAX_TABS + 1):
        page.keyboard.press("Tab")
        if page.evaluate(f"(() => {{ const el = document.activeElement; return !!(el && ({predicate_js})); }})()"):
            return presses
    raise AssertionError(f"Tab never reached an element with {predicate_js} (focus on "
                         f"{page.evaluate('document.activeElement.outerHTML.slice(0, 120)')})")


def click_and_wait(page, target, timeout: float | None = None) -> None:
    """Click something that loads a new page (a link, a submit button) and wait until that page has loaded.

    Unlike page.wait_for_url, this cannot return at once when a form posts back to the URL it is on.
    """
    with page.expect_navigation(**({"timeout": timeout} if timeout else {})):
        target.click()
