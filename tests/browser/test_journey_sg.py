"""The Secretary General's journey in a real Chromium: targets, the review of assessments written by staff, the
overview of a year, and the Board evaluation generated and downloaded."""
import hashlib
import re
import secrets

import pytest

from tests.browser.a11y import assert_accessible
from tests.browser.helpers import click_and_wait
from tests.browser.liveserver import serving

pytestmark = pytest.mark.browser

OUTCOME = "L2.A3.O1"  # no sample work on it: everything this journey shows comes from the journey itself
REPORT_TIMEOUT_MS = 90_000  # WeasyPrint takes a few seconds, more on a busy machine


@pytest.fixture(scope="module")
def live_server(tmp_path_factory):
    """A live tracker of this module's own: this journey reviews assessments and archives a report."""
    with serving(tmp_path_factory.mktemp("live-journey-sg")) as server:
        yield server


def _flash(page, text: str):
    """The flashed message containing this text."""
    return page.locator("main .alert").filter(has_text=text)


def _switch_user(page, login_as, role: str) -> None:
    """Log out with the navigation bar's button, then log in as someone else."""
    click_and_wait(page, page.get_by_role("button", name="Log out"))
    page.wait_for_url(re.compile(r"/login\?bye=1$"))
    login_as(page, role)


def _card(page, year: int):
    """The assessment card of a year on the outcome page."""
    return page.locator("#assessments .assessment-card").filter(
        has=page.get_by_role("heading", level=3, name=re.compile(rf"^{year}\b")))


def _write_and_submit(page, year: int, status: str, achieved: str) -> None:
    """As staff, from the outcome page: write the year's assessment and submit it for review."""
    page.goto(f"/plan/outcomes/{OUTCOME}")
    click_and_wait(page, page.get_by_role("link", name=f"Write the {year} assessment"))
    page.wait_for_url(re.compile(rf"/assessments/{re.escape(OUTCOME)}/{year}$"))
    page.get_by_label("Status").select_option(label=status)
    page.get_by_label("What was achieved").fill(achieved)
    click_and_wait(page, page.get_by_role("button", name="Save and submit for review"))
    page.wait_for_url(re.compile(rf"/plan/outcomes/{re.escape(OUTCOME)}#assessment-saved$"))
    assert _flash(page, f"Assessment of {OUTCOME} for {year} saved and submitted for review.").is_visible()
    assert _card(page, year).get_by_text("Awaiting review").is_visible()


def test_secretary_general_steers_the_year(page, login_as, live_server):
    code = f"SG-{secrets.token_hex(3).upper()}"
    login_as(page, "secretary_general")

    # An indicator on the outcome, defined from the outcome page.
    page.goto(f"/plan/outcomes/{OUTCOME}")
    outcome_title = page.get_by_role("heading", level=1).inner_text().strip()
    click_and_wait(page, page.get_by_role("link", name=f"New indicator for {OUTCOME}"))
    page.wait_for_url(re.compile(r"/indicators/new\?outcome=\d+$"))
    assert page.get_by_label("Outcome").locator("option:checked").inner_text().startswith(OUTCOME)
    page.get_by_label("Code").fill(code)
    page.get_by_label("Name").fill("Members using the SDG localisation guidelines")
    page.get_by_label("Unit").select_option(label="Number")
    page.get_by_label("Direction").select_option(label="Higher is better")
    click_and_wait(page, page.get_by_role("button", name="Save indicator"))
    page.wait_for_url(re.compile(r"/indicators/\d+$"))
    indicator_url = page.url
    assert _flash(page, f"Indicator {code} defined.").is_visible()

    # Targets for the three plan years; changing one later needs a reason.
    targets = page.get_by_role("region", name="Targets")
    for year, value in ((2021, "4"), (2022, "8"), (2023, "12")):
        targets.get_by_label(f"{year} target", exact=True).fill(value)
    click_and_wait(page, targets.get_by_role("button", name="Save targets"))
    page.wait_for_url(indicator_url)
    assert _flash(page, "Targets saved for 2021, 2022, 2023.").is_visible()
    progress = page.get_by_role("table", name=re.compile(rf"Target, actual and status of {code}"))
    assert [progress.get_by_role("row", name=re.compile(rf"^{y}")).get_by_role("cell").first.inner_text().strip()
            for y in (2021, 2022, 2023)] == ["4", "8", "12"]

    targets.get_by_label("2022 target", exact=True).fill("10")
    click_and_wait(page, targets.get_by_role("button", name="Save targets"))
    reason = page.get_by_label("Reason for the change")
    assert "Give the reason for changing a target that was already set." in page.locator(
        f"#{reason.get_attribute('id')}-errors").inner_text()
    assert reason.get_attribute("aria-invalid") == "true"
    assert targets.get_by_label("2022 target", exact=True).input_value() == "10"  # what was typed is kept
    assert_accessible(page)
    reason.fill("Two more members joined the pilot.")
    click_and_wait(page, targets.get_by_role("button", name="Save targets"))
    page.wait_for_url(indicator_url)
    assert _flash(page, "Targets saved for 2022.").is_visible()
    assert progress.get_by_role("row", name=re.compile(r"^2022")).get_by_role("cell").first.inner_text() == "10"
    history = page.get_by_role("region", name="History")
    assert history.get_by_text(f"Target of {code} for 2022: 10 (reason: Two more members joined the pilot.)"
                               ).is_visible()

    # The staff member becomes responsible for the outcome.
    page.goto(f"/plan/outcomes/{OUTCOME}")
    section = page.locator("#assessments")
    section.get_by_text("Assign staff").click()
    section.get_by_label("Staff Tester (Staff)").check()
    click_and_wait(page, section.get_by_role("button", name="Save responsibles"))
    page.wait_for_url(re.compile(rf"/plan/outcomes/{re.escape(OUTCOME)}#assessments$"))
    assert _flash(page, f"Responsible staff of {OUTCOME} saved.").is_visible()
    assert "Staff Tester" in page.get_by_role("heading", name="Responsible staff").locator(
        "xpath=following-sibling::p[1]").inner_text()

    # Staff write and submit two assessments.
    _switch_user(page, login_as, "staff")
    _write_and_submit(page, 2022, "On track", "Twelve members adopted the guidelines.")
    _write_and_submit(page, 2021, "Needs attention", "The guidelines were drafted.")

    # The Secretary General approves one from the review queue and returns the other with a note.
    _switch_user(page, login_as, "secretary_general")
    click_and_wait(page, page.get_by_role("navigation", name="Main").get_by_role("link", name="Review"))
    page.wait_for_url(re.compile(r"/assessments/review$"))
    queue = page.get_by_role("region", name=re.compile(r"^Assessments \(\d+\)"))

    def item(year):
        return queue.locator("article").filter(
            has=page.get_by_role("heading", level=3, name=re.compile(rf"^{re.escape(OUTCOME)} .* · {year}$")))

    assert item(2021).count() == 1 and item(2022).count() == 1
    assert_accessible(page)
    click_and_wait(page, item(2022).get_by_role("button", name="Approve"))
    page.wait_for_url(re.compile(r"/assessments/review#item-a\d+$"))  # back at the next item of the list
    assert _flash(page, f"Assessment of {OUTCOME} for 2022 approved.").is_visible()
    assert item(2022).count() == 0
    item(2021).get_by_label("Note to the author").fill("Say which members took part in the drafting.")
    click_and_wait(page, item(2021).get_by_role("button", name="Return with note"))
    page.wait_for_url(re.compile(r"/assessments/review#(item-[av]\d+|queue-list)$"))
    assert _flash(page, f"Assessment of {OUTCOME} for 2021 returned with your note.").is_visible()
    assert item(2021).count() == 0

    page.goto(f"/plan/outcomes/{OUTCOME}")
    approved = _card(page, 2022)
    assert approved.locator(".badge", has_text=re.compile(r"^Approved$")).is_visible()
    assert approved.get_by_text("Approved by Secretary General Tester.").is_visible()
    returned = _card(page, 2021)
    assert returned.get_by_text("Returned for changes").is_visible()

    # The overview of 2022: the approved status colours the outcome's row; its link leads to the outcome.
    click_and_wait(page, page.get_by_role("navigation", name="Main").get_by_role("link", name="Overview"))
    page.wait_for_url(re.compile(r"/overview/"))
    chooser = page.get_by_role("search", name="Choose the plan year")
    chooser.get_by_label("Plan year", exact=True).select_option("2022")
    click_and_wait(page, chooser.get_by_role("button", name="Show"))
    page.wait_for_url(re.compile(r"/overview/\?year=2022$"))
    assert page.get_by_role("heading", level=1).inner_text().strip() == "Progress overview 2022"
    heatmap = page.get_by_role("table", name=re.compile(r"The plan's action lines, axes and outcomes"))
    assert heatmap.locator("tr.heat-outcome").count() == 35
    row = heatmap.locator(f'tr[data-outcome="{OUTCOME}"]')
    assert row.locator('[data-kind="status"]').inner_text().strip() == "On track"
    assert "status-on_track" in row.locator('[data-kind="status"]').get_attribute("class")
    assert row.locator('[data-kind="assessment"]').inner_text().strip() == "Approved"
    assert_accessible(page)
    click_and_wait(page, row.get_by_role("link", name=re.compile(rf"^{re.escape(OUTCOME)} ")))
    page.wait_for_url(re.compile(rf"/plan/outcomes/{re.escape(OUTCOME)}$"))
    assert page.get_by_role("heading", level=1).inner_text().strip() == outcome_title

    # The Board evaluation of 2022, generated and downloaded: the very file whose fingerprint the archive shows.
    click_and_wait(page, page.get_by_role("navigation", name="Main").get_by_role("link", name="Reports"))
    page.wait_for_url(re.compile(r"/reports/$"))
    generate = page.get_by_role("region", name="Generate a report")
    generate.get_by_label("Plan year", exact=True).select_option("2022")
    with page.expect_navigation(url=re.compile(r"/reports/requests/\d+$")):
        generate.get_by_role("button", name="Generate the Board evaluation").click()  # answers at once
    # The progress page refreshes itself until the job worker has rendered the report.
    page.get_by_role("heading", name="Ready").wait_for(timeout=REPORT_TIMEOUT_MS)
    assert "pages" in page.get_by_role("status").inner_text()
    click_and_wait(page, page.get_by_role("link", name="See it in the archive"))
    page.wait_for_url(re.compile(r"/reports/#report-\d+$"))
    named = page.get_by_role("cell", name=re.compile(r"^Board evaluation 2022 version \d+$"))
    row = page.get_by_role("row").filter(has=named)
    assert row.count() == 1
    assert "Secretary General Tester" in row.inner_text()
    row.locator("summary", has_text="Details").click()  # the fingerprint is in the report's details
    shown_sha = row.locator("code").inner_text().strip()
    assert re.fullmatch(r"[0-9a-f]{64}", shown_sha)
    with page.expect_download() as info:
        row.get_by_role("link", name=re.compile(r"^Download")).click()
    download = info.value
    assert download.suggested_filename.endswith(".pdf")
    with open(download.path(), "rb") as handle:
        content = handle.read()
    assert content.startswith(b"%PDF")
    assert hashlib.sha256(content).hexdigest() == shown_sha
    assert page.console_log.errors == []

    # Back to the staff member: the returned assessment waits for them, with the note.
    _switch_user(page, login_as, "staff")
    page.goto(f"/plan/outcomes/{OUTCOME}")
    returned = _card(page, 2021)
    assert returned.get_by_text("Returned for changes").is_visible()
    assert returned.get_by_text("Reviewer's note: Say which members took part in the drafting.").is_visible()
    assert returned.get_by_role("link", name="Edit the 2021 assessment").is_visible()
    click_and_wait(page, page.get_by_role("navigation", name="Main").get_by_role("link", name="My updates"))
    page.get_by_label("Year").select_option("2021")
    click_and_wait(page, page.get_by_role("button", name="Show"))
    page.wait_for_url(re.compile(r"/assessments/mine\?year=2021$"))
    waiting = page.get_by_role("region", name=re.compile(r"^Returned to you"))
    assert waiting.get_by_role("link", name=f"Assessment of {OUTCOME} for 2021").is_visible()
    assert waiting.get_by_text("Note: Say which members took part in the drafting.").is_visible()
