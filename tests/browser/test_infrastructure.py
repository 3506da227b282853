"""The browser test set-up itself: a failing test leaves a screenshot, a missing Chromium fails the run (no skip)."""
import os
import subprocess
import sys

import pytest

from .liveserver import PROJECT_ROOT

pytestmark = pytest.mark.browser

FAILING_TEST = '''
def test_fails_on_the_login_page(page):
    page.goto("/login")
    assert page.get_by_role("heading", level=1).inner_text() == "Not the login page"


def test_uses_the_browser(page):
    page.goto("/login")
'''


def _run_pytest(folder, **env) -> subprocess.CompletedProcess:
    """Run pytest on a throw-away test folder that uses these fixtures (its conftest imports them)."""
    (folder / "conftest.py").write_text("from tests.browser.conftest import *  # noqa: F401,F403\n"
                                        "from tests.browser.conftest import pytest_runtest_makereport  # noqa: F401\n")
    (folder / "test_sample.py").write_text(FAILING_TEST)
    environment = {**os.environ, "PYTHONPATH": str(PROJECT_ROOT), **env}
    environment.pop("PYTEST_XDIST_WORKER", None)
    return subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-rs", str(folder)],
                          cwd=folder, env=environment, capture_output=True, text=True, timeout=300)


def test_a_failing_browser_test_leaves_a_screenshot_and_the_server_log(tmp_path):
    artifacts = tmp_path / "artifacts"
    folder = tmp_path / "suite"
    folder.mkdir()
    result = _run_pytest(folder, TRACKER_TEST_ARTIFACTS=str(artifacts))
    assert result.returncode == 1, result.stdout + result.stderr
    assert "1 failed, 1 passed" in result.stdout, result.stdout
    shot = artifacts / "test_fails_on_the_login_page.png"
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and shot.stat().st_size > 5000
    assert "Listening at" in (artifacts / "test_fails_on_the_login_page.server.log").read_text()
    assert sorted(p.name for p in artifacts.iterdir()) == ["test_fails_on_the_login_page.png",
                                                           "test_fails_on_the_login_page.server.log"]


def test_a_missing_chromium_fails_the_run_instead_of_skipping(tmp_path):
    folder = tmp_path / "suite"
    folder.mkdir()
    result = _run_pytest(folder, TRACKER_TEST_CHROMIUM=str(tmp_path / "no-chromium-here"),
                         TRACKER_TEST_ARTIFACTS=str(tmp_path / "artifacts"))
    assert result.returncode == 1, result.stdout + result.stderr
    assert "Chromium is missing" in result.stdout and "setup_browser.sh" in result.stdout
    assert "2 errors" in result.stdout and "skipped" not in result.stdout
