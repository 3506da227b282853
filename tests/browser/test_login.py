"""Logging in and out in a real browser: messages next to the field, keyboard only, the session really ends."""
import re

import pytest

from .a11y import assert_accessible
from .helpers import click_and_wait, tab_until
from .liveserver import ROLE_EMAILS, USER_PASSWORD

pytestmark = pytest.mark.browser


def _focused_id(page) -> str:
    return page.evaluate("document.activeElement.id")


def test_login_page_is_accessible(page):
    page.goto("/login")
    assert page.title().startswith("Log in")
    assert_accessible(page)


def test_wrong_password_shows_message_next_to_field(page):
    page.goto("/login")
    page.get_by_label("Email").fill(ROLE_EMAILS["staff"])
    page.get_by_label("Password").fill("not the password at all")
    click_and_wait(page, page.get_by_role("button", name="Log in"))  # the form posts back to its own URL
    assert re.search(r"/login$", page.url)
    password = page.get_by_label("Password")
    message = page.locator("#password-errors")
    assert message.is_visible()
    assert message.inner_text() == "The email or password is not right."
    # Next to the field: in the field's own group, and announced with it by screen readers.
    assert page.locator("div.mb-3", has=page.locator("#password")).locator("#password-errors").count() == 1
    assert "password-errors" in password.get_attribute("aria-describedby").split()
    assert password.get_attribute("aria-invalid") == "true"
    assert page.get_by_label("Email").input_value() == ROLE_EMAILS["staff"]  # kept, so only the password is retyped
    assert_accessible(page)


def test_login_with_the_keyboard_only(page):
    page.goto("/login")
    # The skip link comes first and shows itself when focused.
    page.keyboard.press("Tab")
    skip = page.get_by_role("link", name="Skip to content")
    assert page.evaluate("document.activeElement.textContent.trim()") == "Skip to content"
    assert skip.is_visible()

    tab_until(page, "el.id === 'email'")
    page.keyboard.type(ROLE_EMAILS["staff"])
    page.keyboard.press("Tab")
    assert _focused_id(page) == "password"
    page.keyboard.type(USER_PASSWORD)
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.type") == "submit"  # the button follows the fields
    page.keyboard.press("Shift+Tab")
    page.keyboard.press("Enter")

    page.wait_for_url(re.compile(r"/my-work$"))  # staff land on their home
    assert page.get_by_role("heading", level=1).is_visible()
    assert page.get_by_role("button", name="Log out").count() == 1


def test_login_returns_to_the_page_asked_for(page):
    page.goto("/plan/outcomes/L2.A1.O1")
    assert "/login?next=" in page.url
    page.get_by_label("Email").fill(ROLE_EMAILS["board"])
    page.get_by_label("Password").fill(USER_PASSWORD)
    page.get_by_label("Password").press("Enter")
    page.wait_for_url(re.compile(r"/plan/outcomes/L2\.A1\.O1$"))


def test_logout_ends_the_session(page, login_as):
    login_as(page, "secretary_general")
    page.goto("/plan/outcomes/L1.A1.O1")
    outcome_title = page.get_by_role("heading", level=1).inner_text()

    page.get_by_role("button", name="Log out").click()
    page.wait_for_url(re.compile(r"/login\?bye=1$"))
    assert page.get_by_text("You are logged out.").is_visible()

    # A protected page, typed in or reached with Back, now asks for a login and shows nothing of the plan.
    page.goto("/plan/outcomes/L1.A1.O1")
    assert re.search(r"/login\?next=", page.url)
    page.go_back()
    page.go_back()
    page.wait_for_load_state()
    assert "/login" in page.url
    assert outcome_title not in page.content()
    assert page.get_by_role("button", name="Log out").count() == 0
