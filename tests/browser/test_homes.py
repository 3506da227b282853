"""Each role's home in a real Chromium: the brand link (the site root) leads each role to its own page, which
axe-core finds free of serious or critical violations."""
import re
from datetime import datetime, timezone

import pytest
from sqlalchemy import insert, select

from tests.browser.a11y import assert_accessible
from tests.browser.helpers import click_and_wait
from tests.browser.liveserver import ROLE_EMAILS, LiveServer, add_sample_work, prepare_instance

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def live_server(tmp_path_factory, row_factories):
    """A live tracker with the sample work, an outcome of the staff member with a return, and a final 2022 report
    whose frozen data holds the scorecard."""
    from tracker.auth.models import User
    from tracker.extensions import db
    from tracker.plan.models import Outcome, outcome_responsible
    from tracker.reports.build import build_report
    from tracker.reports.models import Report
    from tracker.reports.snapshot import encode, fingerprint

    instance = prepare_instance(tmp_path_factory.mktemp("live-homes"))
    sample = add_sample_work(instance)
    with instance.app_context():
        staff = db.session.scalar(select(User).where(User.email == ROLE_EMAILS["staff"]))
        outcome = db.session.scalar(select(Outcome).where(Outcome.code == "L1.A1.O1"))
        db.session.execute(insert(outcome_responsible).values(outcome_id=outcome.id, user_id=staff.id))
        returned = row_factories.make_assessment("L1.A2.O1", 2021, state="returned", author=staff)
        returned.review_note = "Say which cities took part."
        data_json = encode(build_report("board", 2022))
        now = datetime.now(timezone.utc)
        db.session.add(Report(kind="board", year=2022, filename="homes-board-2022.pdf", sha256="0" * 64, size=0,
                              pages=9, draft=False, is_final=True, generated_at=now, data_json=data_json,
                              frozen_sha256=fingerprint(data_json), frozen_at=now))
        db.session.commit()
    server = LiveServer(instance).start()
    server.sample = sample
    yield server
    server.stop()


def _go_home(page, login_as, role: str, path: re.Pattern):
    """Log in, then follow the brand link (the site root) to the role's home."""
    login_as(page, role)
    brand = page.get_by_role("navigation", name="Main").get_by_role("link", name=re.compile(r"^Metropolis"))
    click_and_wait(page, brand)
    page.wait_for_url(path)


def test_staff_home_is_my_work_with_the_returned_badge(page, login_as):
    _go_home(page, login_as, "staff", re.compile(r"/my-work$"))
    main = page.get_by_role("main")
    assert main.get_by_role("heading", name="My work", level=1).is_visible()
    assert main.get_by_role("heading", name="Returned to you (1)").is_visible()
    assert main.get_by_text("Say which cities took part.").is_visible()
    menu = page.get_by_role("navigation", name="Main")
    assert menu.get_by_role("link", name="My work 1 returned to you", exact=True).is_visible()
    assert main.get_by_role("row", name=re.compile(r"L1\.A1\.O1")).is_visible()
    assert_accessible(page)


def test_secretary_general_home_is_the_overview(page, login_as):
    _go_home(page, login_as, "secretary_general", re.compile(r"/overview/$"))
    assert page.get_by_role("navigation", name="Main").get_by_role("link", name=re.compile(r"^My work")).count() == 0
    assert_accessible(page)


def test_board_home_is_the_latest_final_evaluation_and_its_scorecard(page, login_as):
    _go_home(page, login_as, "board", re.compile(r"/evaluation$"))
    main = page.get_by_role("main")
    assert main.get_by_role("heading", name="Board of Directors — annual evaluation 2022", level=1).is_visible()
    assert main.get_by_role("link", name="Download the PDF").is_visible()
    assert main.get_by_role("heading", name=re.compile(r"^Outcomes per status")).is_visible()
    assert main.locator("tr[data-outcome]").count() == 35
    assert main.locator('tr[data-outcome="L1.A1.O1"] td').first.inner_text().startswith("On track")
    assert_accessible(page)


def test_admin_home_is_the_accounts(page, login_as):
    _go_home(page, login_as, "admin", re.compile(r"/admin/users$"))
    assert page.get_by_role("main").get_by_role("heading", name="Users").is_visible()
    assert page.get_by_role("main").get_by_role("cell", name=ROLE_EMAILS["board"], exact=True).is_visible()
    assert_accessible(page)
