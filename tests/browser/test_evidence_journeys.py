"""Evidence in a real Chromium: the panel's kind switch, uploading and downloading, errors, all accessible."""
import re

import pytest
from playwright.sync_api import expect

from tests.browser.a11y import assert_accessible
from tests.browser.helpers import click_and_wait
from tests.browser.liveserver import serving
from tests.test_evidence_validation import HTML, pdf_bytes

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def live_server(tmp_path_factory):
    """A live tracker of this module's own: these tests add evidence, the shared one stays as it was."""
    with serving(tmp_path_factory.mktemp("live-evidence")) as server:
        yield server


def _open_add_form(page):
    """Open the panel's add form (folded away once there is evidence) and return the panel."""
    panel = page.locator("#evidence")
    details = panel.locator("details.evidence-add")
    if details.get_attribute("open") is None:
        details.locator("summary").click()
    return panel


def test_kind_switch_and_adding_a_link(page, login_as, live_server):  # noqa: F811
    login_as(page, "staff")
    page.goto(f"/activities/{live_server.sample['activity']}")
    panel = _open_add_form(page)
    expect(panel.get_by_label("File to upload")).to_be_visible()
    expect(panel.get_by_label("Link address")).to_be_hidden()  # the script shows only what the kind needs
    panel.get_by_role("radio", name="Link").check()
    expect(panel.get_by_label("Link address")).to_be_visible()
    expect(panel.get_by_label("File to upload")).to_be_hidden()
    panel.get_by_label("Title").fill("Forum on the Metropolis website")
    panel.get_by_label("Link address").fill("https://www.metropolis.org/forum")
    panel.get_by_role("button", name="Add evidence").click()
    page.wait_for_url(re.compile(rf"/activities/{live_server.sample['activity']}"))
    link = page.locator("#evidence").get_by_role("link", name="Forum on the Metropolis website", exact=True)
    assert link.get_attribute("href") == "https://www.metropolis.org/forum"
    assert link.get_attribute("rel") == "noopener noreferrer"
    assert_accessible(page)
    assert page.console_log.errors == []


def test_upload_then_download_as_attachment(page, login_as, live_server):  # noqa: F811
    login_as(page, "staff")
    page.goto(f"/activities/{live_server.sample['activity']}")
    panel = _open_add_form(page)
    content = pdf_bytes("browser upload")
    panel.get_by_label("File to upload").set_input_files(
        files=[{"name": "Informe año 2022.pdf", "mimeType": "application/pdf", "buffer": content}])
    panel.get_by_role("button", name="Add evidence").click()
    page.wait_for_url(re.compile(rf"/activities/{live_server.sample['activity']}"))
    link = page.locator("#evidence").get_by_role("link", name="Informe año 2022.pdf", exact=True)
    with page.expect_download() as info:
        link.click()
    download = info.value
    assert download.suggested_filename == "Informe año 2022.pdf"
    with open(download.path(), "rb") as handle:
        assert handle.read() == content
    assert page.console_log.errors == []


def test_refused_upload_shows_an_accessible_error(page, login_as, live_server):  # noqa: F811
    login_as(page, "staff")
    page.goto(f"/evidence/activity/{live_server.sample['activity']}")
    page.get_by_label("Title").fill("Annual report")
    page.get_by_label("File to upload").set_input_files(
        files=[{"name": "report.pdf", "mimeType": "application/pdf", "buffer": HTML}])
    click_and_wait(page, page.get_by_role("button", name="Add evidence"))  # the form posts back to its own URL
    assert "This file is not a real PDF" in page.locator("#file-errors").inner_text()
    assert page.get_by_label("Title").input_value() == "Annual report"
    assert page.get_by_label("File to upload").get_attribute("aria-describedby").endswith("file-errors")
    assert_accessible(page)
    assert page.console_log.errors == []


def test_outcome_section_for_the_board(page, login_as, live_server):  # noqa: F811
    login_as(page, "staff")
    page.goto("/evidence/outcome/L1.A1.O1")
    page.get_by_role("radio", name="Note").check()
    page.get_by_label("Title").fill("Outcome remark")
    page.get_by_label("Text of the note").fill("Recommendations adopted by the Board.")
    page.get_by_role("button", name="Add evidence").click()
    page.wait_for_url(re.compile(r"/plan/outcomes/L1\.A1\.O1"))
    page.context.clear_cookies()
    login_as(page, "board")
    page.goto("/plan/outcomes/L1.A1.O1")
    section = page.locator("section", has=page.get_by_role("heading", name="Evidence for this outcome"))
    # Evidence attached straight to an outcome reaches the Board once that year's assessment is approved.
    assert "Recommendations adopted by the Board." not in section.inner_text()
    with live_server.instance.app_context():
        from tests.factories import make_assessment
        from tracker.core.years import current_plan_year
        make_assessment("L1.A1.O1", current_plan_year(), state="approved")
    page.reload()
    assert "Recommendations adopted by the Board." in section.inner_text()
    assert section.locator("form").count() == 0  # board members read only
    assert_accessible(page)
    assert page.console_log.errors == []
