"""The activity pages in a real Chromium: checklist filters, the Online switch, errors and conflicts stay accessible."""
import re

import pytest
from playwright.sync_api import expect

from tests.browser.a11y import assert_accessible
from tests.browser.helpers import click_and_wait
from tests.browser.liveserver import serving

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def live_server(tmp_path_factory):
    """A live tracker of this module's own: these tests save activities, the shared one stays as it was."""
    with serving(tmp_path_factory.mktemp("live-activities")) as server:
        yield server


def test_member_filter_narrows_the_checklist_and_counts_ticks(page, login_as):
    login_as(page, "staff")
    page.goto("/activities/new")
    members = page.locator("#members-list")
    # expect() retries until the filter script has run: a plain count() could read the list mid-update.
    expect(members.locator("[data-label]:visible")).to_have_count(141)
    page.get_by_label("Filter the list of members involved").fill("seoul")
    visible = members.locator("[data-label]:visible")
    expect(visible).to_have_count(1)
    assert "Seoul" in visible.inner_text()
    # The match moves to the ranked "Best matches" group; the region headings left empty are hidden.
    expect(members.locator(".checklist-heading:visible")).to_have_text(["Best matches"])
    page.get_by_label("Seoul (South Korea)").check()
    expect(page.locator('[data-count-for="members-list"]')).to_have_text("1 selected")
    page.get_by_label("Filter the list of members involved").fill("")
    expect(members.locator("[data-label]:visible")).to_have_count(141)
    assert page.console_log.errors == []


def test_online_disables_the_place(page, login_as):
    login_as(page, "staff")
    page.goto("/activities/new")
    place = page.get_by_label("Place")
    place.fill("Seoul")
    page.get_by_label("Online", exact=True).check()
    expect(place).to_be_disabled()
    expect(place).to_have_value("")
    page.get_by_label("Online", exact=True).uncheck()
    expect(place).to_be_enabled()


def test_create_with_errors_then_save(page, login_as):
    login_as(page, "staff")
    page.goto("/activities/new")
    page.get_by_label("Title").fill("MITI training on data")
    page.get_by_label("Start date").fill("2022-05-10")
    page.get_by_label("End date").fill("2022-05-01")
    click_and_wait(page, page.get_by_role("button", name="Save activity"))  # the form posts back to its own URL
    assert "The end date is before the start date." in page.locator("#end_date-errors").inner_text()
    assert "Choose at least one outcome" in page.locator("#outcomes-errors").inner_text()
    assert page.get_by_label("Title").input_value() == "MITI training on data"  # what was typed is kept
    assert_accessible(page)

    page.get_by_label("Kind", exact=True).select_option("training")
    page.get_by_label("End date").fill("2022-05-11")
    page.get_by_label("Filter the list of outcomes it serves").fill("L2.A2.O3")
    page.locator("#outcomes-list").get_by_label(re.compile(r"^L2\.A2\.O3 ")).check()
    page.get_by_role("button", name="Save activity").click()
    page.wait_for_url(re.compile(r"/activities/\d+$"))
    assert page.get_by_role("heading", level=1).inner_text().startswith("MITI training on data")
    assert page.get_by_role("link", name=re.compile("L2.A2.O3")).count() >= 1
    assert_accessible(page)
    assert page.console_log.errors == []


def test_conflict_page_is_clear_and_accessible(browser, live_server, login_as):  # noqa: F811
    contexts = [browser.new_context(base_url=live_server.base_url) for _ in range(2)]
    try:
        first, second = (context.new_page() for context in contexts)
        login_as(first, "secretary_general")
        login_as(second, "admin")
        url = f"/activities/{live_server.sample['activity']}/edit"
        first.goto(url)
        second.goto(url)
        first.get_by_label("Title").fill("Housing forum (SG's title)")
        first.get_by_role("button", name="Save activity").click()
        first.wait_for_url(re.compile(r"/activities/\d+$"))
        second.get_by_label("Title").fill("Housing forum (admin's title)")
        click_and_wait(second, second.get_by_role("button", name="Save activity"))  # back to its own URL
        alert = second.locator("#conflict")
        assert "Someone else saved this activity since you opened it." in alert.inner_text()
        assert "Housing forum (SG's title)" in alert.inner_text()
        assert second.get_by_label("Title").input_value() == "Housing forum (admin's title)"
        assert_accessible(second)
    finally:
        for context in contexts:
            context.close()


def test_list_with_filters_and_detail_history(page, login_as):
    login_as(page, "board")
    page.goto("/activities/?kind=training&kind=event")
    assert page.get_by_label("Training or learning session").is_checked()
    assert page.locator("#result-count").inner_text().split()[0].isdigit()
    page.get_by_role("link", name="Gender-responsive budgeting training").click()
    page.wait_for_url(re.compile(r"/activities/\d+$"))
    assert page.get_by_role("heading", name="History").is_visible()
    assert page.get_by_role("link", name="Edit").count() == 0  # the board reads only
    assert_accessible(page)
