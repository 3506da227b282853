"""The reports page in a real Chromium: each year's readiness before generating, the archive with the earlier
drafts folded, the fingerprint in each report's details, and a report opened in the browser."""
import hashlib
import re

import pytest
from sqlalchemy import select

from tests.browser.a11y import assert_accessible
from tests.browser.test_mobile import COMPLETE_YEAR, YEAR, live_server  # noqa: F401  (the same live tracker)

pytestmark = pytest.mark.browser


def _report(instance, report_id: int):
    """A report's row, read straight from the server's database."""
    from tracker.extensions import db
    from tracker.reports.models import Report

    with instance.app_context():
        report = db.session.get(Report, report_id)
        db.session.expunge(report)
        return report


def _not_approved(instance, year: int) -> int:
    """Count the outcomes without an approved assessment in a year, straight from the server's database."""
    from sqlalchemy import func

    from tracker.assessments.models import Assessment
    from tracker.extensions import db
    from tracker.plan.models import Outcome

    with instance.app_context():
        return db.session.scalar(select(func.count(Outcome.id))) - db.session.scalar(
            select(func.count(Assessment.id)).where(Assessment.year == year, Assessment.review_state == "approved"))


def _row(page, name: str, version: int):
    """The archive row of one report, shown or folded away."""
    cell = page.get_by_role("cell", name=re.compile(rf"^{re.escape(name)} version {version}$"), include_hidden=True)
    return page.get_by_role("row", include_hidden=True).filter(has=cell)


def test_the_secretary_general_reads_each_years_readiness_and_the_archive(page, login_as, live_server):  # noqa: F811
    login_as(page, "secretary_general")
    page.goto("/reports/")
    readiness = page.get_by_role("region", name="Ready for a final report?")
    ready = readiness.locator(f"#readiness-{COMPLETE_YEAR}")
    assert "Ready" in ready.inner_text() and "Not ready" not in ready.inner_text()
    assert f"{COMPLETE_YEAR} is locked" in ready.inner_text()
    year = readiness.locator(f"#readiness-{YEAR}")
    missing_count = _not_approved(live_server.instance, YEAR)
    assert missing_count == 34  # the sample's one approved assessment of 2022 (L1.A1.O1) aside
    assert "Not ready" in year.inner_text()
    assert f"{missing_count} outcome assessments are not approved" in year.inner_text()
    missing = year.get_by_role("link", name="L1.A1.O2", exact=True)
    assert not missing.is_visible()  # folded until asked for
    year.get_by_text(f"What is missing in {YEAR}").click()
    assert missing.is_visible() and "not written" in year.inner_text()
    assert year.get_by_role("link", name="L1.A1.O1", exact=True).count() == 0  # approved: not missing

    # 2022 was generated twice: the latest draft is shown, the earlier one folded away but kept.
    latest, earlier = _row(page, f"Board evaluation {YEAR}", 2), _row(page, f"Board evaluation {YEAR}", 1)
    assert latest.is_visible() and "Draft" in latest.inner_text()
    assert earlier.count() == 1 and not earlier.is_visible()
    page.locator("summary", has_text="1 earlier draft").click()
    assert earlier.is_visible()

    # The fingerprint is in the report's details, not in the list.
    final = _row(page, f"Board evaluation {COMPLETE_YEAR}", 1)
    fingerprint = final.locator("code")
    assert not fingerprint.is_visible() and "Final" in final.inner_text()
    final.locator("summary", has_text="Details").click()
    stored = _report(live_server.instance, live_server.sample["final"])
    assert fingerprint.is_visible() and fingerprint.inner_text().strip() == stored.sha256
    assert f"{stored.pages}" in final.locator("dl").inner_text()
    assert_accessible(page)
    assert page.console_log.errors == []


def test_a_board_member_opens_the_final_report_in_the_browser(page, login_as, live_server):  # noqa: F811
    login_as(page, "board")
    page.goto("/reports/")
    assert page.get_by_role("region", name="Ready for a final report?").count() == 0  # work under review: not theirs
    assert page.get_by_text(re.compile(r"earlier drafts?")).count() == 0
    assert page.get_by_role("cell", name=re.compile(rf"^Board evaluation {YEAR} ")).count() == 0  # drafts only
    row = _row(page, f"Board evaluation {COMPLETE_YEAR}", 1)
    row.locator("summary", has_text="Details").click()
    shown = row.locator("code").inner_text().strip()
    assert_accessible(page)

    link = row.get_by_role("link", name=re.compile(r"^Open .* in the browser$"))
    href = link.get_attribute("href")
    assert href == f"/reports/{live_server.sample['final']}/open"
    response = page.request.get(href)  # the same session as the page: the link's own checks apply
    assert response.status == 200 and response.headers["content-type"] == "application/pdf"
    assert response.headers["content-disposition"].startswith("inline;")
    assert response.headers["x-content-type-options"] == "nosniff"
    assert "default-src 'none'" in response.headers["content-security-policy"]
    body = response.body()
    assert body.startswith(b"%PDF") and hashlib.sha256(body).hexdigest() == shown

    # A draft is not there for a Board member, even by its address.
    draft = page.request.get(f"/reports/{live_server.sample['draft']}/open")
    assert draft.status == 404
    assert page.console_log.errors == []


def test_the_open_link_shows_the_pdf_in_the_browser(page, login_as, live_server):  # noqa: F811
    """Following the link, Chromium shows the PDF in its own viewer, on the report's address: nothing is saved."""
    login_as(page, "staff")
    page.goto("/reports/")
    downloads = []
    page.on("download", lambda download: downloads.append(download))
    link = _row(page, f"Board evaluation {YEAR}", 2).get_by_role("link", name=re.compile(r"^Open"))
    with page.expect_navigation(url=re.compile(rf"/reports/{live_server.sample['draft']}/open$")) as info:
        link.click()
    response = info.value
    assert response.status == 200 and response.headers["content-type"] == "application/pdf"
    assert response.headers["content-disposition"].startswith("inline;")
    assert page.evaluate("document.contentType") == "application/pdf"  # the browser's PDF viewer has it
    assert downloads == []
