"""At 390 px wide (a phone), no page of the tracker scrolls sideways, for any role; the navigation opens with the
locally bundled Bootstrap; the pages whose tables became stacked cards pass axe-core at that width.

The pages are derived from the app's own GET routes, so a new page is measured as soon as it exists.
"""
import re

import pytest
from sqlalchemy import select

from tests.browser.a11y import BLOCKING_IMPACTS, axe_violations, format_violations
from tests.browser.liveserver import ROLE_EMAILS, HttpSession, LiveServer, add_sample_work, prepare_instance

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}
YEAR = 2022
COMPLETE_YEAR = 2021  # every assessment approved: its Board evaluation is marked final
# Not pages a person reads at this width: files (PDF, evidence, charts, spreadsheets), the login steps, and the
# overview (whose narrow layout is another piece of work).
NOT_MEASURED = {"static", "bootstrap.static", "reports.download", "reports.open_pdf", "evidence.download",
                "overview.index", "overview.chart", "auth.login", "auth.login_code", "activities.export",
                "indicators.export_list", "indicators.iptt", "assessments.export_table",
                # An upload's preview is its owner's alone (each role would need its own upload): not yet measured.
                "imports.show", "imports.template_xlsx", "imports.template_csv"}
# The API answers JSON to programs, not pages to people (its reference page, api_docs.reference, is measured).
NOT_PAGES = ("api.", "api_reference.")
# The pages whose tables were made to stack on narrow screens (or wrapped): axe-core runs on them at 390 px.
STACKED = {"reports.index", "admin.users", "plan.partners", "indicators.index", "activities.index", "home.my_work",
           "auth.account", "reports.summary", "assessments.years"}

# The elements wider than the viewport that are not clipped by a scrolling ancestor (an absolutely positioned
# element escapes every overflow box up to its containing block), narrowest last: the culprit is usually there.
OVERFLOWING_JS = """() => {
  const width = document.documentElement.clientWidth;
  const outOfFlow = s => s.position === 'absolute' || s.position === 'fixed';
  const clipped = el => {
    let free = outOfFlow(getComputedStyle(el));
    for (let p = el.parentElement; p && p !== document.body; p = p.parentElement) {
      const s = getComputedStyle(p);
      if (!free || s.position !== 'static') { if (s.overflowX !== 'visible') return true; free = outOfFlow(s); }
    }
    return false;
  };
  const found = [];
  for (const el of document.querySelectorAll('body *')) {
    const box = el.getBoundingClientRect();
    if (box.width && box.right > width + 0.5 && !clipped(el)) {
      found.push({right: Math.round(box.right), html: el.outerHTML.slice(0, 160)});
    }
  }
  return found.sort((a, b) => b.right - a.right).slice(-3);
}"""


def _measured_paths(instance, role: str, values: dict) -> dict[str, str]:
    """Every GET page of the app the role may open, {endpoint: path}, its arguments filled from `values`."""
    from flask import url_for

    with instance.app_context() as app:
        pages, unfilled = {}, []
        for rule in app.url_map.iter_rules():
            if "GET" not in rule.methods or rule.endpoint in NOT_MEASURED or rule.endpoint.startswith(NOT_PAGES):
                continue
            if role not in getattr(app.view_functions[rule.endpoint], "allowed_roles", ()):
                continue
            if not rule.arguments <= set(values):
                unfilled.append(rule.rule)
                continue
            with app.test_request_context():
                pages[rule.endpoint] = url_for(rule.endpoint, **{name: values[name] for name in rule.arguments})
    assert not unfilled, f"Give test_mobile a sample value for the arguments of {unfilled} (or list it as not measured)"
    return pages


@pytest.fixture(scope="module")
def live_server(tmp_path_factory, row_factories):
    """A live tracker with the sample work, a Board item, and Board evaluations of 2021 (final) and 2022 (draft)."""
    from tracker.auth.models import User
    from tracker.evidence.models import Evidence
    from tracker.extensions import db
    from tracker.plan.models import Outcome
    from tracker.reports.models import BoardItem, Report, ReportRequest

    instance = prepare_instance(tmp_path_factory.mktemp("live-mobile"))
    sample = add_sample_work(instance)
    with instance.app_context():
        staff = db.session.scalar(select(User).where(User.email == ROLE_EMAILS["staff"]))
        for code in db.session.scalars(select(Outcome.code).order_by(Outcome.position)).all():
            row_factories.make_assessment(code, COMPLETE_YEAR, author=staff, commit=False)
        item = BoardItem(year=YEAR, kind="decision", text="Approve the work plan of the next year", position=1,
                         created_by_id=staff.id)
        db.session.add(item)
        db.session.commit()
        sample.update(item_id=item.id, user_id=staff.id, evidence_id=db.session.scalar(
            select(Evidence.id).where(Evidence.kind == "file")))
    server = LiveServer(instance, jobs=True).start()
    secretary_general = HttpSession(server).login("secretary_general")
    for year in (COMPLETE_YEAR, YEAR, YEAR):  # two drafts of 2022: the earlier one is folded away
        secretary_general.generate_report("board", year)
    with instance.app_context():
        final = db.session.scalar(select(Report).where(Report.year == COMPLETE_YEAR))
        assert final.draft is False
        sample.update(final=final.id, draft=db.session.scalar(
            select(Report.id).where(Report.year == YEAR).order_by(Report.version.desc())),
            request_id=db.session.scalar(select(ReportRequest.id).where(ReportRequest.report_id == final.id)))
    status, body, _ = secretary_general.request("POST", f"/reports/{sample['final']}/final",
                                                {"csrf_token": secretary_general.csrf_token("/reports/")})
    assert status == 302, f"Marking the report final answered {status}: {body[:500]}"
    server.sample = sample
    yield server
    server.stop()


@pytest.fixture
def phone(browser, live_server):
    """A page in a 390 x 844 viewport on the live server."""
    context = browser.new_context(base_url=live_server.base_url, viewport=PHONE, locale="en-US")
    context.set_default_timeout(15_000)
    yield context.new_page()
    context.close()


def _values(sample: dict) -> dict:
    """The values the routes' arguments are filled with: the sample records, an outcome, a year."""
    return {"activity_id": sample["activity"], "indicator_id": sample["indicator"],
            "evidence_id": sample["evidence_id"], "report_id": sample["final"], "item_id": sample["item_id"],
            "user_id": sample["user_id"], "request_id": sample["request_id"],
            "code": "L1.A1.O1", "year": YEAR, "scope": str(YEAR)}


@pytest.mark.parametrize("role", list(ROLE_EMAILS))
def test_no_page_scrolls_sideways_on_a_phone(phone, login_as, live_server, role):
    login_as(phone, role)
    pages = _measured_paths(live_server.instance, role, _values(live_server.sample))
    assert len(pages) >= 10, pages
    problems = []
    for endpoint, path in sorted(pages.items()):
        response = phone.goto(path)
        assert response.status == 200, f"{role}: {path} answered {response.status}"
        phone.wait_for_load_state("load")
        scroll, client = phone.evaluate("[document.documentElement.scrollWidth, document.documentElement.clientWidth]")
        if scroll > client:
            widest = "\n      ".join(f"right edge {e['right']}px: {e['html']}" for e in phone.evaluate(OVERFLOWING_JS))
            problems.append(f"{path} is {scroll}px wide in a {client}px viewport; overflowing:\n      {widest}")
        if endpoint in STACKED:
            blocking = [v for v in axe_violations(phone) if v["impact"] in BLOCKING_IMPACTS]
            if blocking:
                problems.append(f"{path} at 390 px:\n{format_violations(blocking)}")
    assert not problems, f"As {role}:\n  " + "\n  ".join(problems)


def test_the_login_page_and_an_error_page_fit_a_phone(phone, login_as):
    phone.goto("/login")
    assert phone.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    login_as(phone, "board")
    assert phone.goto("/plan/outcomes/no-such-outcome").status == 404
    assert phone.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]


def test_the_phone_measure_would_catch_a_wide_element(phone, login_as):
    """The check is real: an element wider than the phone makes the page scroll and is named."""
    login_as(phone, "staff")
    phone.evaluate("""() => { const wide = document.createElement('div'); wide.id = 'too-wide';
                              wide.style.width = '600px'; wide.style.height = '1rem';
                              document.querySelector('main').appendChild(wide); }""")
    assert phone.evaluate("document.documentElement.scrollWidth") > PHONE["width"]
    assert any('id="too-wide"' in e["html"] for e in phone.evaluate(OVERFLOWING_JS))


def test_the_navigation_opens_on_a_phone_with_the_bundled_bootstrap(phone, login_as):
    login_as(phone, "staff")
    scripts = phone.evaluate("Array.from(document.scripts, s => s.getAttribute('src'))")
    assert scripts and all(src.startswith("/") for src in scripts), scripts  # nothing from a CDN
    navigation = phone.get_by_role("navigation", name="Main")
    reports = navigation.get_by_role("link", name="Reports")
    assert not reports.is_visible()  # folded behind the toggler at this width
    toggler = navigation.get_by_role("button", name="Toggle navigation")
    toggler.click()
    reports.wait_for(state="visible")
    assert toggler.get_attribute("aria-expanded") == "true"
    reports.click()
    phone.wait_for_url(re.compile(r"/reports/$"))
    assert phone.get_by_role("heading", level=1).inner_text().strip() == "Reports"


def test_a_stacked_table_names_each_value_after_its_column(phone, login_as):
    """On a phone, the activities list is one card per activity; each value says which column it is."""
    login_as(phone, "staff")
    phone.goto("/activities/")
    row = phone.locator("table.table-stack tbody tr").filter(has_text="Metropolitan housing forum")
    box = row.bounding_box()
    assert box["width"] <= PHONE["width"]
    cells = row.locator("td")
    labels = [cells.nth(i).get_attribute("data-label") for i in range(cells.count())]
    assert labels[0].startswith("Title") and all(labels), labels  # every column of the list has a name
    shown = phone.evaluate("el => getComputedStyle(el, '::before').content", cells.nth(0).element_handle())
    assert shown == f'"{labels[0]}"'
