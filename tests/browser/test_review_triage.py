"""The Secretary General triages the review queue in a real Chromium: filter, tick two items, approve them at once,
and land back on the same filtered list with the message beside it."""
import re

import pytest
from sqlalchemy import select

from tests.browser.a11y import assert_accessible
from tests.browser.helpers import click_and_wait
from tests.browser.liveserver import LiveServer, add_sample_work, prepare_instance

pytestmark = pytest.mark.browser

SUBMITTED = (("L3.A1.O1", 2022), ("L3.A1.O2", 2022), ("L3.A2.O1", 2022), ("L3.A1.O1", 2021))


@pytest.fixture(scope="module")
def live_server(tmp_path_factory, row_factories):
    """A live tracker of this module's own, with four assessments written and submitted by staff."""
    from tracker.auth.models import User
    from tracker.extensions import db

    instance = prepare_instance(tmp_path_factory.mktemp("live-review-triage"))
    sample = add_sample_work(instance)
    with instance.app_context():
        staff = db.session.scalar(select(User).where(User.role == "staff"))
        for code, year in SUBMITTED:
            row_factories.make_assessment(code, year, state="submitted", author=staff,
                                          achieved=f"Progress on {code} in {year}.")
    server = LiveServer(instance).start()
    server.sample = sample
    yield server
    server.stop()


def _states(instance) -> dict:
    """The review state of each submitted outcome's assessment, straight from the server's database."""
    from tracker.assessments.models import Assessment
    from tracker.extensions import db
    from tracker.plan.models import Outcome

    with instance.app_context():
        return {(code, year): state for code, year, state in db.session.execute(
            select(Outcome.code, Assessment.year, Assessment.review_state)
            .join(Outcome, Outcome.id == Assessment.outcome_id))}


def test_secretary_general_filters_selects_two_and_approves_them(page, login_as, live_server):
    login_as(page, "secretary_general")
    page.goto("/assessments/review")
    page.get_by_label("Year").select_option("2022")
    line = page.get_by_label("Action line")
    line.select_option(label=line.locator("option", has_text=re.compile(r"^L3 ")).inner_text())
    click_and_wait(page, page.get_by_role("button", name="Show"))
    assert re.search(r"/assessments/review\?.*year=2022", page.url)
    items = page.locator("article.review-item")
    assert items.count() == 3  # the 2021 one and the other lines' work are filtered out
    assert_accessible(page)

    page.get_by_label("Select assessment L3.A1.O1 2022").check()
    page.get_by_label("Select assessment L3.A2.O1 2022").check()
    click_and_wait(page, page.get_by_role("button", name="Approve selected"))

    assert re.search(r"/assessments/review\?.*year=2022.*#queue-list$", page.url)
    notice = page.locator("#queue-list .review-notice")
    assert notice.is_visible()
    assert "2 approved: Assessment of L3.A1.O1 for 2022; Assessment of L3.A2.O1 for 2022." in notice.inner_text()
    assert items.count() == 1 and page.get_by_label("Select assessment L3.A1.O2 2022").is_visible()
    assert page.get_by_label("Year").input_value() == "2022"  # the same filters
    states = _states(live_server.instance)
    assert [states[key] for key in SUBMITTED] == ["approved", "submitted", "approved", "submitted"]
    assert_accessible(page)
