"""Every main page, as each role sees it: no serious axe-core violation, no console error, no CSP block."""
import re

import pytest

from .a11y import BLOCKING_IMPACTS, assert_accessible, axe_violations
from .helpers import click_and_wait

pytestmark = pytest.mark.browser

# (role that opens it, path). Features add their main pages here as they land.
MAIN_PAGES = [
    ("staff", "/plan/"),
    ("staff", "/plan/outcomes/L1.A1.O1"),  # every feature's section filled with the sample work
    ("board", "/plan/outcomes/L3.A3.O2"),  # the same sections, empty
    ("staff", "/plan/members"),
    ("staff", "/plan/partners"),
    ("board", "/account"),
    ("admin", "/admin/users"),
    ("admin", "/admin/users/new"),
    ("staff", "/plan/outcomes/no-such-outcome"),  # the error page
]


# The main pages of the features built on the foundation; {activity} and {indicator} name the sample records.
FEATURE_PAGES = [
    ("staff", "/activities/"),
    ("staff", "/activities/?year=2022&kind=event&status=completed&outcome=L1.A1.O1"),
    ("staff", "/activities/new"),
    ("staff", "/activities/{activity}"),
    ("staff", "/activities/{activity}/edit"),
    ("staff", "/evidence/activity/{activity}"),
    ("staff", "/indicators/"),
    ("staff", "/indicators/{indicator}"),
    ("secretary_general", "/overview/"),
    ("secretary_general", "/reports/"),
    ("board", "/reports/"),
]


@pytest.mark.parametrize(("role", "path"), MAIN_PAGES + FEATURE_PAGES,
                         ids=[f"{r}:{p}" for r, p in MAIN_PAGES + FEATURE_PAGES])
def test_main_page_is_accessible_without_console_errors(page, login_as, live_server, role, path):
    login_as(page, role)
    response = page.goto(path.format(**live_server.sample))
    expected = 404 if "no-such" in path else 200
    assert response.status == expected
    # The real policy is in force in this browser: the checks below run under it.
    assert "script-src 'self'" in response.headers["content-security-policy"]
    page.wait_for_load_state("load")
    assert_accessible(page)
    if expected == 404:
        page.console_log.errors[:] = [e for e in page.console_log.errors if "status of 404" not in e]
    assert page.console_log.errors == []


def test_login_page_has_no_console_errors(page):
    page.goto("/login")
    page.wait_for_load_state("load")
    assert page.console_log.errors == []


def test_admin_user_edit_page_is_accessible(page, login_as):
    login_as(page, "admin")
    page.goto("/admin/users")
    page.get_by_role("link", name=re.compile(r"Edit\s+staff@example\.org")).click()
    page.wait_for_url(re.compile(r"/admin/users/\d+$"))
    assert page.get_by_role("heading", level=1).inner_text() == "staff@example.org"
    assert page.get_by_role("heading", name="Password").is_visible()
    assert page.get_by_role("button", name="Email a password link").is_visible()
    assert_accessible(page)
    assert page.console_log.errors == []


def test_form_with_errors_is_accessible(page, login_as):
    login_as(page, "admin")
    page.goto("/admin/users/new")
    click_and_wait(page, page.get_by_role("button", name="Send the invitation"))  # posts back to its own URL
    invalid = page.locator('[aria-invalid="true"]')
    assert invalid.count() >= 2
    for index in range(invalid.count()):
        field = invalid.nth(index)
        described = field.get_attribute("aria-describedby").split()
        errors = [d for d in described if d.endswith("-errors")]
        assert errors and page.locator(f"#{errors[0]}").inner_text().strip()
    assert_accessible(page)
    assert page.console_log.errors == []


def test_a_blocked_inline_script_would_be_caught(page, login_as):
    """The console check is real: the CSP blocks an injected inline script and the fixture records it."""
    login_as(page, "staff")
    with page.expect_console_message(lambda message: "Content Security Policy" in message.text):
        page.evaluate("""() => { const s = document.createElement('script');
                                 s.textContent = 'window.__inline_ran = true'; document.body.appendChild(s); }""")
    assert page.evaluate("window.__inline_ran === undefined")
    assert any("Content Security Policy" in error for error in page.console_log.errors), page.console_log.errors


def test_the_accessibility_check_catches_violations(page, live_server):
    """The axe check is real: a page with an unlabelled field and an image without text fails it."""
    page.goto("/login")
    page.evaluate("""() => {
        const input = document.createElement('input'); input.type = 'text'; document.body.appendChild(input);
        const img = document.createElement('img'); img.src = '/static/favicon.svg'; document.body.appendChild(img);
    }""")
    found = {v["id"] for v in axe_violations(page) if v["impact"] in BLOCKING_IMPACTS}
    assert {"label", "image-alt"} <= found
    with pytest.raises(AssertionError, match="label"):
        assert_accessible(page)
