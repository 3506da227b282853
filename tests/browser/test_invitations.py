"""In a real browser: an admin invites a person, who follows the link in the email the SMTP server received and
chooses a password; the bell counts unread notifications and opening the list marks them read."""
import re
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from tests.smtp import link_in, text_of

from .a11y import assert_accessible
from .conftest import NAVIGATION_TIMEOUT_MS
from .helpers import click_and_wait
from .liveserver import ROLE_EMAILS, USER_PASSWORD, LiveServer, prepare_instance, second_factor_code

pytestmark = pytest.mark.browser

MAIL_BASE = "http://tracker.invalid"  # the address the emails give; the test opens the same path on its server


@pytest.fixture(scope="module")
def mail_server(tmp_path_factory, request):
    """A tracker whose email reaches an SMTP server in this test process (jobs run at once: no worker needed)."""
    from aiosmtpd.controller import Controller

    from tests.smtp import Mailbox, free_port

    mailbox = Mailbox()
    smtp = Controller(mailbox, hostname="127.0.0.1", port=free_port())
    smtp.start()
    instance = prepare_instance(tmp_path_factory.mktemp("invitations"))
    server = LiveServer(instance, extra_env={"MAIL_SERVER": "127.0.0.1", "MAIL_PORT": str(smtp.port),
                                             "MAIL_USE_TLS": "0", "JOBS_IMMEDIATE": "1",
                                             "BASE_URL": MAIL_BASE}).start()
    server.mailbox = mailbox
    try:
        yield server
    finally:
        server.stop()
        smtp.stop()


@pytest.fixture
def new_page(browser, mail_server):
    """factory: a fresh browser context on the mail server (a person of their own)."""
    contexts = []

    def make():
        context = browser.new_context(base_url=mail_server.base_url, viewport={"width": 1280, "height": 900},
                                      locale="en-US")
        context.set_default_timeout(NAVIGATION_TIMEOUT_MS)
        contexts.append(context)
        return context.new_page()

    yield make
    for context in contexts:
        context.close()


def _log_in(page, email: str, password: str, role: str | None = None) -> None:
    page.goto("/login")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(password)
    click_and_wait(page, page.get_by_role("button", name="Log in"))
    if "/login/code" in page.url:
        page.get_by_label("Code").fill(second_factor_code(role))
        click_and_wait(page, page.get_by_role("button", name="Continue"))


def test_an_invited_person_follows_the_emailed_link_and_sets_a_password(mail_server, new_page):
    admin = new_page()
    _log_in(admin, ROLE_EMAILS["admin"], USER_PASSWORD, "admin")
    admin.goto("/admin/users")
    click_and_wait(admin, admin.get_by_role("link", name="Invite a person"))
    assert_accessible(admin)
    expect(admin.get_by_label("Role")).to_have_value("staff")
    admin.get_by_label("Email").fill("lucia@example.org")
    admin.get_by_label("Name").fill("Lucía Pérez")
    click_and_wait(admin, admin.get_by_role("button", name="Send the invitation"))
    expect(admin.get_by_role("status")).to_contain_text("Invitation sent to lucia@example.org")
    expect(admin.get_by_role("row", name=re.compile("Lucía Pérez"))).to_contain_text("invited")

    [message] = mail_server.mailbox.wait_for("lucia@example.org")
    assert "invited you to the Metropolis Strategic Action Plan tracker" in text_of(message)
    link = urlsplit(link_in(message, MAIL_BASE))
    person = new_page()
    person.goto(f"{link.path}?{link.query}")
    expect(person.get_by_role("heading", name="Welcome, Lucía Pérez")).to_be_visible()
    assert_accessible(person)
    person.get_by_label("New password", exact=True).fill("short")
    person.get_by_label("Repeat the new password").fill("short")
    click_and_wait(person, person.get_by_role("button", name="Set my password"))
    expect(person.locator("#new_password-errors")).to_contain_text("at least 10 characters")
    assert_accessible(person)
    person.get_by_label("New password", exact=True).fill("copper meadow lantern")
    person.get_by_label("Repeat the new password").fill("copper meadow lantern")
    click_and_wait(person, person.get_by_role("button", name="Set my password"))
    expect(person.get_by_role("status")).to_contain_text("Your password is set")
    _log_in(person, "lucia@example.org", "copper meadow lantern")
    expect(person.get_by_role("heading", name="My work")).to_be_visible()

    again = new_page()
    again.goto(f"{link.path}?{link.query}")
    expect(again.locator("[data-refusal]")).to_contain_text("already used")
    assert_accessible(again)


def test_the_bell_counts_unread_notifications_and_the_list_marks_them_read(mail_server, new_page):
    from tracker.auth.models import User
    from tracker.extensions import db
    from tracker.notifications.services import notify

    with mail_server.instance.app_context():
        staff = db.session.scalar(select(User).where(User.email == ROLE_EMAILS["staff"]))
        notify([staff], "approved", "Secretary General approved Assessment of L1.A1.O1 for 2022.",
               "/assessments/L1.A1.O1/2022")
        notify([staff], "responsible", "You were made responsible for outcome L1.A2.O1.", "/plan/outcomes/L1.A2.O1")
        db.session.commit()
    page = new_page()
    _log_in(page, ROLE_EMAILS["staff"], USER_PASSWORD)
    bell = page.get_by_role("link", name=re.compile(r"^Notifications"))
    expect(bell).to_have_accessible_name(re.compile(r"Notifications:\s*2 unread"))
    assert_accessible(page)
    click_and_wait(page, bell)
    expect(page.get_by_role("heading", name="Notifications")).to_be_visible()
    expect(page.locator(".notification-unread")).to_have_count(2)
    expect(page.get_by_text("New", exact=True)).to_have_count(2)  # said in words, not by colour alone
    expect(bell).to_have_accessible_name(re.compile(r"Notifications:\s*none unread"))
    assert_accessible(page)
    page.get_by_label("Email me one daily digest").check()
    click_and_wait(page, page.get_by_role("button", name="Save"))
    expect(page.get_by_role("status")).to_contain_text("one digest a day")
    expect(page.locator(".notification-unread")).to_have_count(0)
    expect(page.get_by_label("Email me one daily digest")).to_be_checked()
