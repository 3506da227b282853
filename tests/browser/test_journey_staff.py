"""A staff member's journey in a real Chromium: record an activity, attach evidence, find it, edit it, read its history.

Also the same form filled in and sent with the keyboard alone.
"""
import io
import re
import secrets

import pytest
from playwright.sync_api import expect

from tests.browser.a11y import assert_accessible
from tests.browser.helpers import click_and_wait, tab_until
from tests.browser.liveserver import ROLE_EMAILS, USER_PASSWORD, serving

pytestmark = pytest.mark.browser

FORUM = "Metropolitan housing forum"  # the sample activity: 2022, L1.A1.O1 and L2.A1.O1, Berlin and Seoul


@pytest.fixture(scope="module")
def live_server(tmp_path_factory):
    """A live tracker of this module's own: these journeys save activities and evidence."""
    with serving(tmp_path_factory.mktemp("live-journey-staff")) as server:
        yield server


def _unique(text: str) -> str:
    """A title no other test uses."""
    return f"{text} {secrets.token_hex(3)}"


def _pdf(text: str) -> bytes:
    """A real one-page PDF (pypdf), with some text of its own in its metadata so each file is different."""
    from pypdf import PdfWriter

    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    writer.add_metadata({"/Title": text})
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


def _tick(page, list_name: str, search: str, label: re.Pattern) -> None:
    """Narrow a checklist with its filter box, then tick the one entry whose label matches."""
    page.locator(f"#{list_name}-filter").fill(search)
    entries = page.locator(f"#{list_name}-list").get_by_label(label)
    expect(entries).to_have_count(1)
    entries.check()
    expect(entries).to_be_checked()


def _open_evidence_form(page):
    """The evidence panel, with its add form unfolded (it is folded once there is some evidence)."""
    panel = page.locator("#evidence")
    details = panel.locator("details.evidence-add")
    if details.get_attribute("open") is None:
        details.locator("summary").click()
    return panel


def _result_titles(page) -> list[str]:
    """The titles listed in the activity table (none when nothing matches)."""
    table = page.locator("table.activity-table")
    if table.count() == 0:
        return []
    return [t.strip() for t in table.locator("tbody tr td:first-child a").all_inner_texts()]


def _history_change(page, label: str) -> tuple[str, str]:
    """The (before, after) of a field in the newest change listed in the history."""
    newest = page.locator(".activity-history > li").first
    row = newest.locator("table.history-table tbody tr").filter(
        has=page.locator("th", has_text=re.compile(rf"^\s*{re.escape(label)}\s*$")))
    assert row.count() == 1, f"The newest history entry does not list {label}: {newest.inner_text()}"
    cells = row.locator("td")
    return cells.nth(0).inner_text().strip(), cells.nth(1).inner_text().strip()


def test_record_find_edit_and_trace_an_activity(page, login_as, live_server):
    title = _unique("Urban resilience workshop")
    pdf = _pdf(title)

    # Log in through the form, then record the activity.
    login_as(page, "staff")
    click_and_wait(page, page.get_by_role("navigation", name="Main").get_by_role("link", name="Activities"))
    page.wait_for_url(re.compile(r"/activities/$"))
    click_and_wait(page, page.get_by_role("link", name="New activity"))
    page.wait_for_url(re.compile(r"/activities/new$"))
    page.get_by_label("Title").fill(title)
    page.get_by_label("Kind", exact=True).select_option(label="Training or learning session")
    page.get_by_label("Status", exact=True).select_option(label="Planned")
    page.get_by_label("Start date").fill("2022-06-15")
    page.get_by_label("End date").fill("2022-06-14")  # before the start: refused below
    page.get_by_label("Place").fill("Lisbon")
    # Two outcomes from different action lines, three members and a partner, each found with its filter box.
    _tick(page, "outcomes", "L1.A1.O1", re.compile(r"^L1\.A1\.O1 "))
    _tick(page, "outcomes", "L3.A1.O2", re.compile(r"^L3\.A1\.O2 "))
    expect(page.locator('[data-count-for="outcomes-list"]')).to_have_text("2 selected")
    _tick(page, "members", "Abidjan", re.compile(r"^Abidjan \("))
    _tick(page, "members", "Lisbon", re.compile(r"^Lisbon \("))
    _tick(page, "members", "Quito", re.compile(r"^Quito \("))
    expect(page.locator('[data-count-for="members-list"]')).to_have_text("3 selected")
    _tick(page, "partners", "UN-Habitat", re.compile(r"^UN-Habitat"))
    page.get_by_label("Participants in total").fill("40")
    page.get_by_label("Women", exact=True).fill("25")
    page.get_by_label("Men", exact=True).fill("15")
    click_and_wait(page, page.get_by_role("button", name="Save activity"))

    # The error sits next to the end date, the field points at it, the rest of the form is kept.
    assert page.url.endswith("/activities/new")
    end = page.get_by_label("End date")
    error = page.locator("#end_date-errors")
    assert error.inner_text().strip() == "The end date is before the start date."
    assert end.get_attribute("aria-invalid") == "true"
    assert "end_date-errors" in end.get_attribute("aria-describedby").split()
    assert end.locator("xpath=..").locator("#end_date-errors").count() == 1  # in the field's own group
    end_box, error_box = end.bounding_box(), error.bounding_box()
    # Just under the input (after its one-line help text), aligned with it.
    assert 0 <= error_box["y"] - (end_box["y"] + end_box["height"]) < 80
    assert abs(error_box["x"] - end_box["x"]) < 2
    assert page.get_by_role("alert").filter(has_text="Nothing was saved").is_visible()
    assert page.get_by_label("Title").input_value() == title
    assert page.locator('[data-count-for="outcomes-list"]').inner_text() == "2 selected"
    assert page.locator('[data-count-for="members-list"]').inner_text() == "3 selected"
    assert_accessible(page)

    end.fill("2022-06-16")
    click_and_wait(page, page.get_by_role("button", name="Save activity"))
    page.wait_for_url(re.compile(r"/activities/\d+$"))
    activity_url = page.url
    assert page.get_by_role("heading", level=1).inner_text().strip() == title
    facts = page.locator(".activity-facts")
    assert "Planned" in facts.inner_text() and "Training or learning session" in facts.inner_text()
    outcomes = page.get_by_role("heading", name="Outcomes it serves").locator("xpath=following-sibling::ul[1]")
    codes = sorted(c.strip() for c in outcomes.locator(".text-body-secondary").all_inner_texts())
    assert codes == ["L1.A1.O1", "L3.A1.O2"]
    members = page.get_by_role("heading", name="Members involved (3)").locator("xpath=following-sibling::ul[1]")
    assert sorted(m.split(" (")[0] for m in members.locator("li").all_inner_texts()) == ["Abidjan", "Lisbon", "Quito"]
    partners = page.get_by_role("heading", name="Partner organisations (1)").locator("xpath=following-sibling::ul[1]")
    assert partners.inner_text().strip() == "UN-Habitat"
    participants = {row.locator("th").inner_text().strip(): row.locator("td").inner_text().strip()
                    for row in page.get_by_role("heading", name="Participants").locator(
                        "xpath=following-sibling::table[1]").locator("tr").all()}
    assert (participants["In total"], participants["Women"], participants["Men"]) == ("40", "25", "15")

    # Evidence: a PDF, then a link.
    panel = _open_evidence_form(page)
    panel.get_by_label("Title").fill("Workshop report")
    panel.get_by_label("File to upload").set_input_files(
        files=[{"name": "workshop-report.pdf", "mimeType": "application/pdf", "buffer": pdf}])
    click_and_wait(page, panel.get_by_role("button", name="Add evidence"))
    page.wait_for_url(activity_url)
    assert page.locator("#evidence").get_by_role("link", name="Workshop report", exact=True).is_visible()
    panel = _open_evidence_form(page)
    panel.get_by_role("radio", name="Link").check()
    panel.get_by_label("Title").fill("Workshop page")
    panel.get_by_label("Link address").fill("https://www.metropolis.org/workshops/resilience")
    click_and_wait(page, panel.get_by_role("button", name="Add evidence"))
    page.wait_for_url(activity_url)
    link = page.locator("#evidence").get_by_role("link", name="Workshop page", exact=True)
    assert link.get_attribute("href") == "https://www.metropolis.org/workshops/resilience"

    # Find it in the list: year and outcome alone also match the sample forum; the member leaves only ours.
    click_and_wait(page, page.get_by_role("navigation", name="Main").get_by_role("link", name="Activities"))
    page.wait_for_url(re.compile(r"/activities/$"))
    filters = page.get_by_role("search", name="Filter activities")
    filters.get_by_label("Year").select_option("2022")
    filters.get_by_label("Outcome").select_option("L1.A1.O1")
    click_and_wait(page, filters.get_by_role("button", name="Filter"))
    page.wait_for_url(re.compile(r"outcome=L1\.A1\.O1"))
    titles = _result_titles(page)
    assert title in titles and FORUM in titles
    filters.get_by_label("Member").select_option(label="Abidjan")
    click_and_wait(page, filters.get_by_role("button", name="Filter"))
    page.wait_for_url(re.compile(r"member=\d+"))
    assert _result_titles(page) == [title]
    assert page.locator("#result-count").inner_text().startswith("1 activity matches the filters")
    # The free text narrows the same way, and a text of another activity finds nothing here.
    filters.get_by_label("Search title, description, place").fill(title.split()[-1])
    click_and_wait(page, filters.get_by_role("button", name="Filter"))
    page.wait_for_url(re.compile(r"q="))
    assert _result_titles(page) == [title]
    filters.get_by_label("Search title, description, place").fill("housing forum")
    click_and_wait(page, filters.get_by_role("button", name="Filter"))
    page.wait_for_url(re.compile(r"q=housing"))
    assert _result_titles(page) == []
    assert page.get_by_text("No activity matches these filters.").is_visible()

    # Edit it: a new title and status.
    page.goto(activity_url)
    click_and_wait(page, page.get_by_role("link", name="Edit", exact=True))
    page.wait_for_url(re.compile(r"/activities/\d+/edit$"))
    new_title = title.replace("workshop", "workshop (revised)")
    page.get_by_label("Title").fill(new_title)
    page.get_by_label("Status", exact=True).select_option(label="Completed")
    click_and_wait(page, page.get_by_role("button", name="Save activity"))
    page.wait_for_url(activity_url)
    assert page.get_by_role("heading", level=1).inner_text().strip() == new_title

    # The history shows the change, before and after.
    assert page.get_by_role("heading", name="History").is_visible()
    newest = page.locator(".activity-history > li").first
    assert "Staff Tester · changed it" in newest.inner_text()
    assert _history_change(page, "Title") == (title, new_title)
    assert _history_change(page, "Status") == ("Planned", "Completed")
    entries = page.locator(".activity-history > li")
    assert entries.count() == 2 and "Staff Tester · created it" in entries.last.inner_text()

    # The PDF comes back byte for byte.
    with page.expect_download() as info:
        page.locator("#evidence").get_by_role("link", name="Workshop report", exact=True).click()
    download = info.value
    assert download.suggested_filename == "workshop-report.pdf"
    with open(download.path(), "rb") as handle:
        assert handle.read() == pdf
    assert page.console_log.errors == []


def _focused(page) -> dict:
    """The focused element: id, tag, type, value and the text of its label."""
    return page.evaluate("""() => { const el = document.activeElement;
        return {id: el.id, tag: el.tagName, type: el.type || '', value: el.value || '',
                label: el.labels && el.labels.length ? el.labels[0].innerText.trim() : ''}; }""")


def _press(page, key: str, then_focused):
    """Press a key that moves the focus, and wait until the focus is where it should be (a locator)."""
    page.keyboard.press(key)
    expect(then_focused).to_be_focused()


def _type(page, field_id: str, text: str) -> None:
    """Type into the focused field, and wait until the field holds what was typed."""
    field = page.locator(f"#{field_id}")
    expect(field).to_be_focused()
    page.keyboard.type(text)
    expect(field).to_have_value(text)


def _tick_with_keys(page, filter_id: str, search: str, label_prefix: str) -> None:
    """From a checklist's filter box: type to narrow it, Tab to the entry, Space to tick it, Shift+Tab back."""
    box = page.locator(f"#{filter_id}")
    expect(box).to_be_focused()
    page.keyboard.press("Control+A")
    page.keyboard.type(search)
    expect(box).to_have_value(search)
    # Wait until the page script has narrowed the list (every entry hidden unless ticked or matching), so that Tab
    # walks the narrowed list; the entry wanted is in it, once.
    list_id = box.get_attribute("data-filter-for")
    page.wait_for_function("""([listId, needle]) => Array.from(document.querySelectorAll(`#${listId} [data-label]`))
        .every(item => item.hidden === !(item.querySelector('input:checked')
                                         || item.dataset.label.toLowerCase().includes(needle)))""",
                           arg=[list_id, search.strip().lower()])
    if box.get_attribute("data-rank-url"):  # and until the server's ranking has moved the best matches up
        page.wait_for_function("([listId, needle]) => document.getElementById(listId).dataset.ranked === needle",
                               arg=[list_id, search.strip()])
    listed = page.locator(f"#{list_id} [data-label]:visible")
    entry = listed.filter(has=page.locator("label").filter(has_text=re.compile(r"^\s*" + re.escape(label_prefix)))
                          ).locator("input[type=checkbox]")
    expect(entry).to_have_count(1)
    for presses in range(1, 6):  # noqa: B007  (read after the loop: as many Shift+Tab to go back)
        page.keyboard.press("Tab")
        field = _focused(page)
        if field["type"] == "checkbox" and field["label"].startswith(label_prefix):
            break
    else:
        raise AssertionError(f"Tab never reached {label_prefix} in the list after {filter_id}")
    expect(entry).to_be_focused()
    page.keyboard.press("Space")
    expect(entry).to_be_checked()
    # Back to the search box with Shift+Tab: ticking may have added a stop on the way (the chosen item's chip).
    for _ in range(presses + 3):
        page.keyboard.press("Shift+Tab")
        if _focused(page)["id"] == filter_id:
            break
    else:
        raise AssertionError(f"Shift+Tab never came back to {filter_id}")
    expect(box).to_be_focused()


def _choose_with_keys(page, wanted: str) -> None:
    """On a focused select, move with the arrow keys to the option of this value."""
    for _ in range(30):
        if _focused(page)["value"] == wanted:
            return
        page.keyboard.press("ArrowDown")
    raise AssertionError(f"The arrow keys never reached {wanted!r} (at {_focused(page)})")


def _type_date(page, field_id: str, iso: str) -> None:
    """Type a date into a focused date input, in the order of the browser's locale (en-US: month, day, year)."""
    field = page.locator(f"#{field_id}")
    expect(field).to_be_focused()
    year, month, day = iso.split("-")
    page.keyboard.type(month + day + year)
    expect(field).to_have_value(iso)


def _fill_with_keys(page, typed: dict) -> list[str]:
    """Tab through the activity form to its save button, filling each field with the keys alone."""
    by_keys = {
        "kind": lambda: _choose_with_keys(page, "training"),
        "status": lambda: _choose_with_keys(page, "completed"),
        "start_date": lambda: _type_date(page, "start_date", "2023-04-18"),
        "end_date": lambda: _type_date(page, "end_date", "2023-04-19"),
        "outcomes-filter": lambda: (_tick_with_keys(page, "outcomes-filter", "L1.A2.O2", "L1.A2.O2 "),
                                    _tick_with_keys(page, "outcomes-filter", "L3.A3.O1", "L3.A3.O1 ")),
        "members-filter": lambda: _tick_with_keys(page, "members-filter", "Kazan", "Kazan ("),
        "partners-filter": lambda: _tick_with_keys(page, "partners-filter", "LSE", "LSE Cities"),
    }
    visited = []
    for _ in range(120):
        field = _focused(page)
        visited.append(field["id"])
        if field["type"] == "submit":
            return visited
        if field["id"] in typed:
            _type(page, field["id"], typed[field["id"]])
        elif field["id"] in by_keys:
            by_keys[field["id"]]()
        page.keyboard.press("Tab")
    raise AssertionError(f"Tab never reached the save button; visited {visited}")


def test_activity_form_with_the_keyboard_alone(page, live_server):
    title = _unique("Keyboard-only peer learning session")
    # Log in with the keyboard too, asking for the form directly.
    page.goto("/login?next=/activities/new")
    tab_until(page, "el.id === 'email'")
    _type(page, "email", ROLE_EMAILS["staff"])
    _press(page, "Tab", page.locator("#password"))
    _type(page, "password", USER_PASSWORD)
    with page.expect_navigation(url=re.compile(r"^[^?]*/activities/new$")):  # the login page's URL ends the same
        page.keyboard.press("Enter")

    tab_until(page, "el.id === 'title'")
    typed = {"title": title, "place": "Kazan", "description": "Peer learning among members, keyboard only.",
             "participants_total": "12", "participants_women": "7", "participants_men": "5"}
    visited = _fill_with_keys(page, typed)
    assert {"title", "kind", "status", "start_date", "end_date", "outcomes-filter", "members-filter",
            "partners-filter"} <= set(visited), visited
    expect(page.locator('[data-count-for="outcomes-list"]')).to_have_text("2 selected")
    expect(page.locator('[data-count-for="members-list"]')).to_have_text("1 selected")
    expect(page.locator('[data-count-for="partners-list"]')).to_have_text("1 selected")
    with page.expect_navigation(url=re.compile(r"/activities/\d+$")):
        page.keyboard.press("Enter")
    assert page.get_by_role("heading", level=1).inner_text().strip() == title
    facts = page.locator(".activity-facts").inner_text()
    assert "Completed" in facts and "Training or learning session" in facts and "Kazan" in facts
    outcomes = page.get_by_role("heading", name="Outcomes it serves").locator("xpath=following-sibling::ul[1]")
    codes = sorted(c.strip() for c in outcomes.locator(".text-body-secondary").all_inner_texts())
    assert codes == ["L1.A2.O2", "L3.A3.O1"]
    assert page.get_by_role("heading", name="Members involved (1)").is_visible()
    assert "LSE Cities" in page.get_by_role("heading", name="Partner organisations (1)").locator(
        "xpath=following-sibling::ul[1]").inner_text()
    assert page.get_by_role("row", name=re.compile(r"Women's share")).inner_text().strip().endswith("58%")
    assert page.console_log.errors == []
