"""End-to-end fixtures: a live tracker (real config, CSRF on) on 127.0.0.1 and Debian's Chromium driven by Playwright.

The browser tests run in the normal `make test`: a missing Chromium is a failure with a clear message, never a skip.
"""
import os
import re
import shutil
from pathlib import Path

import pytest

from .liveserver import ARTIFACTS, ROLE_EMAILS, USER_PASSWORD, second_factor_code, serving

# Debian's Chromium; the variable exists only so that a test can prove a missing browser fails the run.
CHROMIUM = Path(os.environ.get("TRACKER_TEST_CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic"]
NAVIGATION_TIMEOUT_MS = 15_000


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item, call):
    """Keep each phase's report on the test item, so fixtures can tell whether the test failed."""
    report = yield
    setattr(item, f"rep_{report.when}", report)
    return report


@pytest.fixture(scope="session")
def live_server(tmp_path_factory):
    """The tracker served from a fresh, migrated and seeded instance with one user per role and some work.

    The ids of the sample records are on `server.sample` (activity, indicator).
    """
    with serving(tmp_path_factory.mktemp("live")) as server:
        yield server


_SHARED = {"users": 0}  # one Playwright and one Chromium per process, however many modules use the fixture


@pytest.fixture(scope="session")
def browser():
    """Debian's Chromium, headless, driven by Playwright (never a downloaded browser).

    Test modules outside tests/browser/ may import this fixture: every import shares the same browser, since
    Playwright's sync API allows only one instance per thread.
    """
    if not CHROMIUM.exists():
        pytest.fail(f"Chromium is missing: {CHROMIUM} does not exist. The browser tests need Debian's chromium: run "
                    "`sudo bash tests/setup_browser.sh` (or `apt-get install chromium`) and run the tests again.",
                    pytrace=False)
    if "browser" not in _SHARED:
        from playwright.sync_api import sync_playwright

        playwright = sync_playwright().start()
        try:
            _SHARED["browser"] = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True,
                                                            args=CHROMIUM_ARGS)
        except Exception as error:  # noqa: BLE001  (any launch problem is reported the same way)
            playwright.stop()
            pytest.fail(f"Playwright could not start {CHROMIUM}: {error}", pytrace=False)
        _SHARED["playwright"] = playwright
    _SHARED["users"] += 1
    yield _SHARED["browser"]
    _SHARED["users"] -= 1
    if _SHARED["users"] == 0:
        _SHARED.pop("browser").close()
        _SHARED.pop("playwright").stop()


class ConsoleLog:
    """The console errors and uncaught page errors of one page."""

    def __init__(self, page):
        self.errors: list[str] = []
        page.on("console", self._on_console)
        page.on("pageerror", lambda error: self.errors.append(f"pageerror: {error}"))

    def _on_console(self, message) -> None:
        if message.type == "error":
            self.errors.append(f"console.{message.type}: {message.text} ({message.location.get('url', '')})")


def _artifact_name(nodeid: str) -> str:
    """A file name for a test id."""
    return re.sub(r"[^A-Za-z0-9_.-]+", "_", nodeid.split("::", 1)[-1]).strip("_")[:150]


@pytest.fixture
def page(request, browser, live_server):
    """A fresh browser context and page on the live server; a screenshot in test-artifacts/ if the test fails."""
    failures_before = request.session.testsfailed
    # A fixed locale: date inputs take their keys in its order (month, day, year), whatever the machine's.
    context = browser.new_context(base_url=live_server.base_url, viewport={"width": 1280, "height": 900},
                                  locale="en-US")
    context.set_default_timeout(NAVIGATION_TIMEOUT_MS)
    new_page = context.new_page()
    new_page.console_log = ConsoleLog(new_page)
    yield new_page
    report = getattr(request.node, "rep_call", None)
    # The hook above sets rep_call for tests under tests/browser/; modules elsewhere that import this fixture
    # are told apart by the session's failure count, which the call phase's report has already raised.
    failed = report.failed if report is not None else request.session.testsfailed > failures_before
    if failed:
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        name = _artifact_name(request.node.nodeid)
        try:
            new_page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)
        except Exception as error:  # noqa: BLE001  (a failed screenshot must not hide the test's own failure)
            (ARTIFACTS / f"{name}.screenshot-error.txt").write_text(str(error))
        shutil.copyfile(live_server.log_path, ARTIFACTS / f"{name}.server.log")
    context.close()


@pytest.fixture
def login_as(live_server):
    """Log a page in through the login form: login_as(page, role) -> the page, on the plan tree."""

    def do_login(page, role: str):
        # Since login lands on the role's home, ask for the plan tree explicitly: the tests start from there.
        page.goto("/login?next=/plan/")
        page.get_by_label("Email").fill(ROLE_EMAILS[role])
        page.get_by_label("Password").fill(USER_PASSWORD)
        page.get_by_role("button", name="Log in").click()
        page.wait_for_url(re.compile(r"/plan/$|/login/code"))
        if "/login/code" in page.url:  # the roles that need a second factor type their code
            page.get_by_label("Code").fill(second_factor_code(role))
            page.get_by_role("button", name="Continue").click()
            page.wait_for_url(re.compile(r"/plan/$"))
        return page

    return do_login
