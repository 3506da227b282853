"""The API reference page and a personal access token, in a real browser (the live server's CSP, CSRF on)."""
import re

import pytest

pytestmark = pytest.mark.browser


def test_the_reference_renders_every_operation_without_a_csp_error(page, login_as, live_server):
    login_as(page, "staff")
    outside = []
    page.on("request", lambda sent: outside.append(sent.url)
            if not sent.url.startswith(live_server.base_url) and not sent.url.startswith("data:") else None)
    spec = page.request.get("/api/v1/openapi.json").json()
    operations = sum(1 for item in spec["paths"].values() for method in item if method in ("get", "post", "patch"))
    page.goto("/api/v1/docs")
    page.locator(".opblock").first.wait_for()
    assert page.locator(".opblock").count() == operations
    # Try one out: the browser's own login answers it.
    page.locator(".opblock-get .opblock-summary-path", has_text=re.compile(r"^/api/v1/plan$")).click()
    page.get_by_role("button", name="Try it out").click()
    page.get_by_role("button", name="Execute").click()
    status = page.locator(".live-responses-table tbody .response-col_status").first
    status.wait_for()
    assert status.inner_text().strip() == "200"
    assert page.console_log.errors == []  # a CSP violation is a console error in Chromium
    assert outside == []  # nothing loads from the network


def test_a_write_from_the_page_carries_its_csrf_token(page, login_as, live_server):
    login_as(page, "staff")
    page.goto("/api/v1/docs")
    url = f"/api/v1/activities/{live_server.sample['activity']}/evidence"
    body = {"title": "Press release", "url": "https://metropolis.org/news"}
    answers = page.evaluate("""async ([url, body]) => {
        const token = document.getElementById("api-reference").dataset.csrfToken;
        const send = headers => fetch(url, {method: "POST", credentials: "same-origin",
            headers: {"Content-Type": "application/json", ...headers}, body: JSON.stringify(body)});
        return [(await send({})).status, (await send({"X-CSRFToken": token})).status];
    }""", [url, body])
    assert answers == [400, 201]  # a cookie without the page's token is refused


def test_a_token_made_on_the_account_page_works_once_shown(page, login_as, live_server):
    login_as(page, "staff")
    page.goto("/account#tokens")
    page.get_by_label("Name").fill("Nightly export")
    page.get_by_label("Read only").check()
    page.get_by_role("button", name="Create token").click()
    plain = page.locator("#new-token").input_value()
    assert plain.startswith("mtk_")
    headers = {"Authorization": f"Bearer {plain}"}
    fresh = page.context.browser.new_context(base_url=live_server.base_url)  # no cookie: the token alone
    try:
        reading = fresh.request.get("/api/v1/outcomes", headers=headers)
        writing = fresh.request.post("/api/v1/activities", headers=headers, data={"title": "x"})
        assert (reading.status, writing.status) == (200, 403)  # read only
    finally:
        fresh.close()
    page.goto("/account")
    assert plain not in page.content() and "Nightly export" in page.content()
