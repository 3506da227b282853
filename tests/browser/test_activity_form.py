"""The activity form's pickers and the sortable list in a real Chromium: chips, a whole region, ranked search,
required marks, sorting by a header; and the same form without JavaScript."""
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
    with serving(tmp_path_factory.mktemp("live-activity-form")) as server:
        yield server


def _member_filter(page):
    return page.get_by_label("Filter the list of members involved")


def test_required_marks_and_the_form_is_accessible(page, login_as):
    login_as(page, "staff")
    page.goto("/activities/new")
    expect(page.locator("#required-legend")).to_contain_text("required")
    for label in ("Title", "Start date", "Staff member responsible"):
        expect(page.get_by_label(label, exact=True)).to_have_attribute("required", "")
    expect(page.get_by_label("End date")).not_to_have_attribute("required", "")
    expect(page.locator("#outcomes legend")).to_contain_text("(required)")
    assert_accessible(page)


def test_chips_follow_the_ticks_and_remove_them(page, login_as):
    login_as(page, "staff")
    page.goto("/activities/new")
    chips = page.locator('[data-chips-for="members-list"]')
    expect(chips).to_be_visible()
    expect(chips).to_contain_text("None chosen yet.")
    _member_filter(page).fill("seoul")
    page.get_by_label("Seoul (South Korea)").check()
    _member_filter(page).fill("bogota")
    page.get_by_label("Bogota (Colombia)").check()
    # In the list's order (Asia-Pacific before Latin America), not where the search moved them.
    expect(chips.get_by_role("button")).to_have_text([re.compile(r"^Seoul \(South Korea\)"),
                                                      re.compile(r"^Bogota \(Colombia\)")])
    remove = chips.get_by_role("button", name="Remove Seoul (South Korea)")
    remove.click()
    expect(page.get_by_label("Seoul (South Korea)")).not_to_be_checked()
    expect(chips.get_by_role("button")).to_have_count(1)
    expect(page.locator('[data-count-for="members-list"]')).to_have_text("1 selected")
    expect(chips.get_by_role("button", name="Remove Bogota (Colombia)")).to_be_focused()  # the keyboard stays
    chips.get_by_role("button", name="Remove Bogota (Colombia)").press("Enter")
    expect(chips).to_contain_text("None chosen yet.")
    expect(_member_filter(page)).to_be_focused()
    assert_accessible(page)
    assert page.console_log.errors == []


def test_a_whole_region_in_one_action(page, login_as):
    login_as(page, "staff")
    page.goto("/activities/new")
    african = page.locator('#members-list [data-region="Africa"]').count()
    assert african > 5
    page.get_by_label("Add every member of a region").select_option("Africa")
    page.get_by_role("button", name="Add region").click()
    expect(page.locator('[data-count-for="members-list"]')).to_have_text(f"{african} selected")
    expect(page.locator('[data-chips-for="members-list"] button')).to_have_count(african)
    expect(page.locator("[data-region-status]")).to_have_text(f"Added {african} members of Africa.")
    expect(page.locator('#members-list [data-region="Africa"] input:checked')).to_have_count(african)
    expect(page.locator('#members-list [data-region="Europe"] input:checked')).to_have_count(0)
    page.get_by_role("button", name="Remove region").click()
    expect(page.locator('[data-count-for="members-list"]')).to_have_text("0 selected")


def test_typing_mexico_offers_mexico_city_first_and_saves(page, login_as):
    login_as(page, "staff")
    page.goto("/activities/new")
    _member_filter(page).fill("Mexico")
    ranked = page.locator("#members-list .checklist-ranked [data-label]")
    expect(ranked.first).to_have_text("Mexico City (Mexico)")
    expect(ranked).not_to_have_count(0)
    names = ranked.all_inner_texts()
    assert len(names) > 1 and all(name.endswith("(Mexico)") for name in names[1:])  # then the country matches
    visible = page.locator("#members-list [data-label]:visible")
    expect(visible).to_have_count(len(names))
    page.get_by_label("Mexico City (Mexico)").check()
    _member_filter(page).fill("")
    expect(page.locator("#members-list .checklist-ranked")).to_have_count(0)  # back to the regions
    expect(page.locator("#members-list [data-label]:visible")).to_have_count(141)
    # The rest of the form, and save: the chosen member is saved, the empty end date is the start date.
    page.get_by_label("Title", exact=True).fill("Mexico City urban forum")
    page.get_by_label("Kind", exact=True).select_option("event")
    page.get_by_label("Start date").fill("2022-06-02")
    page.get_by_label("Filter the list of outcomes it serves").fill("L1.A1.O2")
    page.locator("#outcomes-list").get_by_label(re.compile(r"^L1\.A1\.O2 ")).check()
    page.get_by_label("Filter the list of partner organisations involved").fill("State Department")
    page.get_by_label("US Department of State").check()  # found by its alias
    page.get_by_role("button", name="Save activity").click()
    page.wait_for_url(re.compile(r"/activities/\d+$"))
    expect(page.locator("main")).to_contain_text("2 Jun 2022")
    expect(page.locator("main")).not_to_contain_text("2 Jun 2022 –")  # one day: no range
    expect(page.locator("main")).to_contain_text("Mexico City")
    expect(page.locator("main")).to_contain_text("US Department of State")
    assert page.console_log.errors == []


def test_sorting_by_clicking_a_header(page, login_as):
    login_as(page, "board")
    page.goto("/activities/")
    title_header = page.locator("th", has=page.get_by_role("link", name=re.compile(r"^Title")))
    expect(title_header).not_to_have_attribute("aria-sort", re.compile("."))
    click_and_wait(page, title_header.get_by_role("link"))
    assert "sort=title" in page.url
    expect(title_header).to_have_attribute("aria-sort", "ascending")
    titles = page.locator("table.activity-table tbody td:first-child a").all_inner_texts()
    assert len(titles) >= 2 and titles == sorted(titles, key=str.lower)
    click_and_wait(page, title_header.get_by_role("link"))
    expect(title_header).to_have_attribute("aria-sort", "descending")
    assert page.locator("table.activity-table tbody td:first-child a").all_inner_texts() == titles[::-1]
    assert_accessible(page)
    # The filters keep the order.
    page.get_by_label("Year").select_option("2022")
    click_and_wait(page, page.get_by_role("button", name="Filter"))
    assert "sort=title" in page.url and "dir=desc" in page.url and "year=2022" in page.url
    expect(title_header).to_have_attribute("aria-sort", "descending")


def test_without_javascript_the_form_is_a_plain_checkbox_list(browser, live_server, login_as):
    context = browser.new_context(base_url=live_server.base_url, java_script_enabled=False, locale="en-US")
    try:
        page = context.new_page()
        login_as(page, "staff")
        page.goto("/activities/new")
        expect(page.locator('[data-chips-for="members-list"]')).to_be_hidden()
        expect(page.locator('[data-regions-for="members-list"]')).to_be_hidden()
        expect(page.locator("#members-list [data-label]:visible")).to_have_count(141)
        page.get_by_label("Title", exact=True).fill("Offline-friendly webinar")
        page.get_by_label("Kind", exact=True).select_option("event")
        page.get_by_label("Start date").fill("2022-07-01")
        page.locator("#outcomes-list").get_by_label(re.compile(r"^L1\.A1\.O2 ")).check()
        page.get_by_label("Accra (Ghana)").check()
        page.get_by_label("Women", exact=True).fill("3")
        page.get_by_label("Men", exact=True).fill("2")
        page.get_by_role("button", name="Save activity").click()
        page.wait_for_url(re.compile(r"/activities/\d+$"))
        expect(page.locator("main")).to_contain_text("Accra")
        total = page.locator("th", has_text="In total").locator("xpath=following-sibling::td")
        expect(total).to_have_text("5")  # only the parts were given: the total is their sum
    finally:
        context.close()
