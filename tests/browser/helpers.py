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
