"""Staff write with the facts beside them, in a real Chromium: a staff member who is not responsible for an
outcome is told why and asks to be assigned; the Secretary General grants it; the staff member then writes the
assessment with the outcome's context beside the form, saves a draft and sees the confirmation there, and enters
an indicator value choosing its evidence through the picker's search box.
"""
import re
from datetime import date

import pytest
from playwright.sync_api import expect

from tests.browser.a11y import assert_accessible
from tests.browser.helpers import click_and_wait
from tests.browser.liveserver import serving

pytestmark = pytest.mark.browser

OUTCOME = "L2.A2.O3"


@pytest.fixture(scope="module")
def live_server(tmp_path_factory):
    """A live tracker of this module's own (it writes), with work and evidence on OUTCOME."""
    with serving(tmp_path_factory.mktemp("live-writing-context")) as server:
        server.sample["writing"] = _add_outcome_work(server.instance)
        yield server


def _add_outcome_work(instance) -> dict:
    """An indicator of OUTCOME with a baseline and a target, last year's approved assessment, two activities of
    2022 and a dozen notes called alike (the picker must tell them apart)."""
    from tests.factories import make_activity, make_assessment, make_indicator, make_note, make_value
    from tracker.extensions import db

    with instance.app_context():
        indicator = make_indicator(code="L2-TR", name="Practitioners trained", outcome_code=OUTCOME, baseline=10,
                                   baseline_year=2020, targets={2021: 20, 2022: 40})
        make_value(indicator, 2021, 25)
        make_assessment(OUTCOME, 2021, status="needs_attention", achieved="Two trainings only, both online.")
        dakar = make_activity(title="Training in Dakar", kind="training", outcomes=(OUTCOME,),
                              start=date(2022, 3, 14))
        lima = make_activity(title="Training in Lima", kind="training", outcomes=(OUTCOME,), start=date(2022, 5, 2))
        for n in range(6):
            make_note(activity=dakar, title="Internal report", note=f"Dakar day {n}", commit=False)
            make_note(activity=lima, title="Internal report", note=f"Lima day {n}", commit=False)
        db.session.commit()
        return {"indicator": indicator.id}


def _switch_user(page, login_as, role: str) -> None:
    """Log out with the navigation bar's button, then log in as someone else."""
    click_and_wait(page, page.get_by_role("button", name="Log out"))
    page.wait_for_url(re.compile(r"/login\?bye=1$"))
    login_as(page, role)


def test_ask_to_be_assigned_then_write_with_the_facts_beside(page, login_as, live_server):
    indicator_id = live_server.sample["writing"]["indicator"]
    login_as(page, "staff")

    # Not responsible: the edit page says why, and where to ask.
    page.goto(f"/assessments/{OUTCOME}/2022")
    expect(page.get_by_text(f"Only the staff responsible for {OUTCOME} can write its assessment.")).to_be_visible()
    assert_accessible(page)
    click_and_wait(page, page.get_by_role("link", name=f"Go to {OUTCOME} to ask to be assigned"))
    ownership = page.locator("#ownership")
    expect(ownership.get_by_text(f"Only the staff responsible for {OUTCOME} write its assessments")).to_be_visible()
    click_and_wait(page, ownership.get_by_role("button", name="Ask to be assigned"))
    sent = page.locator("#assessment-saved")
    expect(sent).to_contain_text(f"Your request to be assigned to {OUTCOME} was sent to the Secretary General.")
    expect(sent).to_be_focused()
    expect(ownership.get_by_text("Request pending")).to_be_visible()
    expect(ownership.get_by_role("button", name="Ask to be assigned")).to_have_count(0)
    assert_accessible(page)

    # The Secretary General sees the request in the menu and grants it.
    _switch_user(page, login_as, "secretary_general")
    menu = page.get_by_role("navigation", name="Main").get_by_role("link", name=re.compile(r"^Requests"))
    expect(menu).to_have_text(re.compile(r"Requests\s*1\s*waiting for your decision"))
    click_and_wait(page, menu)
    row = page.locator("table.assignment-requests tbody tr").filter(has_text=OUTCOME)
    expect(row).to_contain_text("Staff")
    assert_accessible(page)
    click_and_wait(page, row.get_by_role("button", name=re.compile(r"^Grant")))
    expect(page.locator("#saved")).to_contain_text(f"is now responsible for {OUTCOME}.")
    expect(page.get_by_text("No request waits for a decision.")).to_be_visible()
    expect(menu).to_have_text("Requests")
    assert_accessible(page)

    # The staff member now writes, with the outcome's facts of the year beside the text.
    _switch_user(page, login_as, "staff")
    page.goto(f"/plan/outcomes/{OUTCOME}")
    expect(page.locator("#ownership").get_by_text(f"You are responsible for {OUTCOME}")).to_be_visible()
    click_and_wait(page, page.get_by_role("link", name="Write the 2022 assessment"))
    facts = page.get_by_role("complementary")
    expect(facts.get_by_role("row", name=re.compile(r"L2-TR Practitioners trained"))).to_contain_text("10 (2020)")
    expect(facts.locator(".ctx-target")).to_have_text("40")
    activities = facts.locator("ul.ctx-activities")
    expect(activities.get_by_role("link", name="Training in Dakar")).to_be_visible()
    expect(activities.get_by_role("link", name="Training in Lima")).to_be_visible()
    expect(facts.get_by_text("Two trainings only, both online.")).to_be_visible()
    expect(facts.locator(".ctx-evidence-count")).to_have_text("12")
    assert_accessible(page)
    page.get_by_label("Status").select_option(label="On track")
    page.get_by_label("What was achieved").fill("Two trainings, in Dakar and Lima, for 60 practitioners.")
    click_and_wait(page, page.get_by_role("button", name="Save draft"))
    page.wait_for_url(re.compile(rf"/assessments/{re.escape(OUTCOME)}/2022#saved$"))
    saved = page.locator("#saved")
    expect(saved).to_have_attribute("role", "status")
    expect(saved).to_contain_text(f"Draft saved: assessment of {OUTCOME} for 2022.")
    expect(saved).to_be_focused()
    expect(saved).to_be_in_viewport()
    expect(page.get_by_label("What was achieved")).to_have_value(
        "Two trainings, in Dakar and Lima, for 60 practitioners.")
    assert_accessible(page)

    # The value form: the figures beside it, and the evidence picker narrowed by the search box.
    page.goto(f"/indicators/{indicator_id}/values/2022")
    expect(page.locator("#fact-baseline")).to_have_text("10 (2020)")
    expect(page.locator("#fact-target")).to_have_text("40")
    expect(page.locator("#fact-previous")).to_contain_text("25")
    choices = page.locator("#evidence-list .form-check")
    expect(choices).to_have_count(13)  # no evidence, and the twelve notes
    assert_accessible(page)
    page.get_by_label("Search the evidence").fill("lima report")
    expect(page.locator("#evidence-list .form-check:visible")).to_have_count(7)  # six of Lima, and "No evidence"
    expect(page.locator("#evidence-count")).to_have_text("7 of 13 shown")
    page.get_by_label("Search the evidence").fill("dakar 14 mar")
    visible = page.locator("#evidence-list .form-check:visible")
    expect(visible).to_have_count(7)
    visible.filter(has_text="Training in Dakar").first.get_by_role("radio").check()
    page.get_by_label("Value").fill("60")
    click_and_wait(page, page.get_by_role("button", name="Save draft"))
    page.wait_for_url(re.compile(rf"/indicators/{indicator_id}/values/2022#saved$"))
    expect(page.locator("#saved")).to_contain_text("Draft saved: value of L2-TR for 2022.")
    expect(page.locator("#saved")).to_be_focused()
    checked = page.locator("#evidence-list input:checked")
    expect(checked).to_have_count(1)
    assert "Training in Dakar" in page.locator(f"label[for='{checked.get_attribute('id')}']").inner_text()
    assert_accessible(page)
    refused = f"403 (FORBIDDEN) ({live_server.base_url}/assessments/{OUTCOME}/2022)"  # the first visit, meant
    assert [error for error in page.console_log.errors if not error.endswith(refused)] == []
