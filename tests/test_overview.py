"""The progress overview: headline figures against hand counts, the heat map, readiness, charts and roles."""
import re
import xml.etree.ElementTree as ET
from collections import Counter
from datetime import date, datetime, timezone
from decimal import Decimal
from html.parser import HTMLParser

import pytest
from sqlalchemy import select

from tracker.evidence.models import Evidence
from tracker.extensions import db
from tracker.overview import cache, charts, queries
from tracker.plan.models import Member

SVG = "{http://www.w3.org/2000/svg}svg"


@pytest.fixture(autouse=True)
def _fresh_cache():
    """Every test starts with empty overview caches."""
    cache.clear()
    yield
    cache.clear()


# Each activity as the test knows it; the expected figures below are counted from this list in Python.
ACTIVITIES = [
    dict(title="Two-outcome debate", status="completed", start=date(2022, 3, 1), outcomes=("L1.A1.O1", "L2.A2.O3"),
         members=("Seoul", "Montréal"), partners=("UCLG",), participants=100, women=60, men=40, planned=1000,
         spent=800),
    dict(title="Training without gender split", status="completed", start=date(2022, 6, 10), outcomes=("L1.A1.O1",),
         members=("Seoul", "Berlin"), partners=("UCLG", "UN-Habitat"), participants=50, women=20, men=None,
         planned=500, spent=450),
    dict(title="Ongoing mission", status="in_progress", start=date(2022, 9, 1), outcomes=("L1.A2.O3",),
         members=("Johannesburg",), partners=("Eurocities",), participants=30, women=30, men=0, planned=200,
         spent=100),
    dict(title="Planned campaign", status="planned", start=date(2022, 11, 1), outcomes=("L3.A1.O2",),
         members=("Mexico City",), planned=300),
    dict(title="Cancelled forum", status="cancelled", start=date(2022, 5, 1), outcomes=("L1.A1.O1",),
         members=("Buenos Aires",), planned=400, spent=50),
    dict(title="Deleted event", status="completed", start=date(2022, 4, 1), outcomes=("L1.A1.O1",),
         members=("Brussels",), partners=("LSE",), participants=999, women=500, men=499, planned=999, spent=999,
         deleted=True),
    dict(title="Last year's event", status="completed", start=date(2021, 10, 5), outcomes=("L1.A1.O1",),
         members=("Brussels",), participants=40, women=10, men=30, planned=100, spent=90),
]
WORK_PLAN = ("planned", "in_progress", "completed")


@pytest.fixture
def make_all(make_activity):
    """make_all() -> the activities the overview tests count (see the helper)."""

    def _make_all():
        return {spec["title"]: make_activity(**spec) for spec in ACTIVITIES}

    return _make_all


def _expected(years):
    """Count the headline figures from the specs, by hand."""
    live = [a for a in ACTIVITIES if not a.get("deleted") and a["start"].year in years]
    completed = [a for a in live if a["status"] == "completed"]
    # Women over all participants of the activities that record women (the computed indicator's rule).
    gendered = [a for a in completed if a.get("women") is not None and a.get("participants") is not None]
    women, men = sum(a["women"] for a in gendered), sum(a.get("men") or 0 for a in gendered)
    gendered_total = sum(a["participants"] for a in gendered)
    engaged = {city for a in completed for city in a.get("members", ())}
    return {
        "completed": len(completed),
        "planned": len([a for a in live if a["status"] in WORK_PLAN]),
        "cancelled": len([a for a in live if a["status"] == "cancelled"]),
        "members_engaged": len(engaged),
        "engaged_cities": engaged,
        "partners_engaged": len({p for a in completed for p in a.get("partners", ())}),
        "participants": sum(a.get("participants") or 0 for a in completed),
        "women": women,
        "men": men,
        "women_share": round(100 * women / gendered_total, 1),
        "budget_planned": sum(Decimal(str(a.get("planned") or 0)) for a in live if a["status"] in WORK_PLAN),
        "budget_spent": sum(Decimal(str(a.get("spent") or 0)) for a in live
                            if a["status"] in ("completed", "in_progress")),
    }


def test_headline_equals_hand_counts(app, find_member, make_all):
    make_all()
    expected = _expected({2022})
    figures = queries.headline(2022)
    for key in ("completed", "planned", "cancelled", "members_engaged", "partners_engaged", "participants", "women",
                "men", "women_share", "budget_planned", "budget_spent"):
        assert figures[key] == expected[key], key
    # The fixtures were built to exercise each rule: check the counts are the ones meant.
    assert (figures["completed"], figures["planned"], figures["cancelled"]) == (2, 4, 1)
    assert figures["members_engaged"] == 3  # Seoul counted once though in two activities; Brussels deleted
    assert figures["partners_engaged"] == 2
    assert figures["participants"] == 150  # the deleted event's 999 left out
    assert figures["delivery_rate"] == round(100 * 2 / 4, 1)
    assert figures["budget_rate"] == round(float(expected["budget_spent"] * 100 / expected["budget_planned"]), 1)

    members = db.session.scalars(select(Member)).all()
    assert figures["members_total"] == len(members) == 141
    totals = Counter(m.region for m in members)
    engaged = Counter(find_member(city).region for city in expected["engaged_cities"])
    assert {row["region"]: (row["engaged"], row["total"]) for row in figures["members_by_region"]} == \
        {region: (engaged.get(region, 0), total) for region, total in totals.items()}


def test_headline_over_the_whole_period(app, make_all):
    make_all()
    expected = _expected({2021, 2022, 2023})
    figures = queries.headline(None)
    for key in ("completed", "planned", "members_engaged", "participants", "women_share", "budget_spent"):
        assert figures[key] == expected[key], key
    assert figures["completed"] == 3 and figures["members_engaged"] == 4  # last year's Brussels event counts now


def test_headline_shown_on_the_page(client_as, make_all):
    make_all()
    expected = _expected({2022})
    html = client_as("secretary_general").get("/overview/?year=2022").get_data(as_text=True)
    assert _figure(html, "completed") == str(expected["completed"])
    assert _figure(html, "planned") == str(expected["planned"])
    assert _figure(html, "members_engaged") == str(expected["members_engaged"])
    assert _figure(html, "members_total") == "141"
    assert _figure(html, "participants") == str(expected["participants"])
    assert _figure(html, "women_share") == f"{expected['women_share']:.1f}%"
    assert _figure(html, "budget_spent") == f"{float(expected['budget_spent']):,.0f}"
    assert 'data-region="Asia-Pacific">1 of' in html


def _figure(html: str, name: str) -> str:
    match = re.search(rf'data-figure="{name}"[^>]*>([^<]+)<', html)
    assert match, name
    return match.group(1).strip()


class _Rows(HTMLParser):
    """Collect the links and text of the table rows marked with a data attribute."""

    def __init__(self, attribute: str):
        super().__init__()
        self.attribute, self.rows, self.current, self.depth = attribute, {}, None, 0

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "tr" and self.attribute in attrs:
            self.current = self.rows.setdefault(attrs[self.attribute], {"links": [], "text": "", "classes": []})
        elif self.current is not None:
            if tag == "a":
                self.current["links"].append(attrs.get("href"))
            if tag == "td":
                self.current["classes"].append(attrs.get("class") or "")

    def handle_endtag(self, tag):
        if tag == "tr":
            self.current = None

    def handle_data(self, data):
        if self.current is not None:
            self.current["text"] += data


def _heatmap_part(html: str) -> str:
    """The detailed table's part of the page (the grid above it has rows per outcome too)."""
    return html.split('id="heatmap-heading"', 1)[1].split('id="readiness-heading"', 1)[0]


def _rows(html: str, attribute: str) -> dict:
    parser = _Rows(attribute)
    parser.feed(html)
    return parser.rows


def test_heatmap_counts_each_outcome_and_drills_down(app, client_as, make_note, make_all):
    made = make_all()
    make_note(activity=made["Two-outcome debate"])
    make_note(activity=made["Ongoing mission"])
    make_note(activity=made["Planned campaign"])  # not work done yet: not counted
    direct = make_note(outcome_code="L1.A1.O1", title="Direct note")
    deleted = make_note(outcome_code="L1.A1.O1", title="Deleted note")
    direct.added_at = deleted.added_at = datetime(2022, 5, 1, tzinfo=timezone.utc)  # straight on the outcome: by date
    deleted.deleted_at = datetime.now(timezone.utc)
    db.session.commit()

    tree = queries.heatmap(2022)
    flat = {o["code"]: o for o in queries.flat_outcomes(tree)}
    # The two-outcome activity counts for each of its outcomes; the cancelled and deleted ones for none.
    assert (flat["L1.A1.O1"]["activities"], flat["L1.A1.O1"]["completed"]) == (2, 2)
    assert (flat["L2.A2.O3"]["activities"], flat["L2.A2.O3"]["completed"]) == (1, 1)
    assert (flat["L1.A2.O3"]["activities"], flat["L1.A2.O3"]["completed"]) == (1, 0)
    assert flat["L3.A1.O2"]["activities"] == 1 and flat["L3.A1.O2"]["evidence"] == 0
    assert flat["L1.A1.O1"]["evidence"] == 2  # the debate's note and the direct one; the deleted one left out
    assert flat["L2.A2.O3"]["evidence"] == 1
    # A line counts an activity once even when it serves two of its outcomes; the plan holds 35 outcomes.
    lines = {line["code"]: line for line in tree}
    assert lines["L1"]["activities"] == 3 and lines["L2"]["activities"] == 1
    assert sum(line["outcome_count"] for line in tree) == len(flat) == 35

    html = _heatmap_part(client_as("board").get("/overview/?year=2022").get_data(as_text=True))
    row = _rows(html, "data-outcome")["L1.A1.O1"]
    assert "/plan/outcomes/L1.A1.O1" in row["links"]
    work_plan_link = next(link for link in row["links"] if link.startswith("/activities/"))
    assert "outcome=L1.A1.O1" in work_plan_link and "year=2022" in work_plan_link
    assert all(f"status={s}" in work_plan_link for s in WORK_PLAN) and "cancelled" not in work_plan_link
    assert any("status=completed" in link and "in_progress" not in link for link in row["links"])
    assert re.search(r"\b2\s*\(\s*2 completed\s*\)", row["text"])
    line_row = _rows(html, "data-line")["L1"]
    assert any(link.startswith("/activities/") and "line=L1" in link for link in line_row["links"])
    axis_row = _rows(html, "data-axis")["L1.A2"]
    assert any(link.startswith("/activities/") and "axis=L1.A2" in link for link in axis_row["links"])

    # The drill-down shows the activities counted, and only them.
    listing = client_as("staff").get(work_plan_link.replace("&amp;", "&")).get_data(as_text=True)
    assert "Two-outcome debate" in listing and "Training without gender split" in listing
    assert "Cancelled forum" not in listing and "Deleted event" not in listing and "Last year" not in listing


def test_unapproved_assessment_is_pending_without_colour(app, client_as, make_assessment):
    make_assessment("L1.A1.O1", 2022, status="on_track", state="approved")
    make_assessment("L1.A1.O2", 2022, status="off_track", state="submitted")
    make_assessment("L1.A1.O3", 2022, status="off_track", state="draft")
    make_assessment("L1.A2.O1", 2022, status="achieved", state="returned")
    make_assessment("L1.A2.O2", 2021, status="off_track", state="approved")  # another year

    flat = {o["code"]: o for o in queries.flat_outcomes(queries.heatmap(2022))}
    assert (flat["L1.A1.O1"]["status"], flat["L1.A1.O1"]["display"]) == ("on_track", "on_track")
    for code, state in (("L1.A1.O2", "submitted"), ("L1.A1.O3", "draft"), ("L1.A2.O1", "returned")):
        assert flat[code]["status"] is None and flat[code]["display"] == "pending", code
        assert flat[code]["assessment_state"] == state
    assert flat["L1.A2.O2"]["display"] == "none"
    line = queries.heatmap(2022)[0]
    assert line["status"] == "on_track"  # the unapproved "off track" ones do not make the line off track
    assert line["distribution"] == {"on_track": 1, "pending": 3, "none": 6}
    counts = {row["status"]: row["count"] for row in queries.outcome_status_counts(queries.heatmap(2022))}
    assert counts["on_track"] == 1 and counts["pending"] == 3 and counts["off_track"] == 0
    assert counts["none"] == 35 - 4

    html = _heatmap_part(client_as("secretary_general").get("/overview/?year=2022").get_data(as_text=True))
    rows = _rows(html, "data-outcome")
    assert "status-on_track" in rows["L1.A1.O1"]["classes"][0] and "On track" in rows["L1.A1.O1"]["text"]
    for code in ("L1.A1.O2", "L1.A1.O3", "L1.A2.O1"):
        assert rows[code]["classes"][0] == "status-pending" and "Pending review" in rows[code]["text"]
        assert "Off track" not in rows[code]["text"]
    # Over the whole period the 2021 approved judgement stands.
    whole = {o["code"]: o for o in queries.flat_outcomes(queries.heatmap(None))}
    assert whole["L1.A2.O2"]["status"] == "off_track" and whole["L1.A2.O2"]["assessment_year"] == 2021


def test_draft_and_submitted_values_are_pending_not_counted(app, client_as, make_indicator, make_value):
    manual = make_indicator(code="PW-FOLLOWERS", name="Social media followers", targets={2022: 100, 2023: 100})
    make_value(manual, 2022, 80, state="draft")
    make_value(manual, 2023, 90, state="approved")
    on_outcome = make_indicator(code="O-1", name="Outcome measure", outcome_code="L1.A1.O1", targets={2022: 10})
    make_value(on_outcome, 2022, 9, state="submitted")

    row = next(r for r in queries.headline(2022)["indicators"] if r["code"] == "PW-FOLLOWERS")
    assert row["years"][2022]["actual"] is None and row["years"][2022]["pending"]
    assert row["years"][2022]["progress"] is None and row["years"][2022]["status"] is None
    flat = {o["code"]: o for o in queries.flat_outcomes(queries.heatmap(2022))}
    assert flat["L1.A1.O1"]["progress"] is None and flat["L1.A1.O1"]["value_pending"]
    assert flat["L1.A1.O1"]["has_target"] and not flat["L1.A1.O1"]["has_value"]

    html = client_as("board").get("/overview/?year=2022").get_data(as_text=True)
    plan_wide = _rows(html, "data-indicator")["PW-FOLLOWERS"]["text"]
    assert "pending review" in plan_wide.lower() and "80" not in plan_wide
    html = client_as("board").get("/overview/?year=2023").get_data(as_text=True)
    assert "90" in _rows(html, "data-indicator")["PW-FOLLOWERS"]["text"]


def test_readiness_lists_what_each_outcome_lacks(app, client_as, make_activity, make_assessment, make_indicator,
                                                 make_note, make_value):
    # L1.A1.O1 is complete for 2022: an activity with evidence, a target, an approved value, an approved assessment.
    done = make_activity(title="Complete work", outcomes=("L1.A1.O1",))
    make_note(activity=done)
    indicator = make_indicator(code="R-1", outcome_code="L1.A1.O1", targets={2022: 3})
    make_value(indicator, 2022, 3)
    make_assessment("L1.A1.O1", 2022)
    # L1.A1.O2 has only an activity, and a submitted assessment that does not count yet.
    make_activity(title="Lonely activity", outcomes=("L1.A1.O2",))
    make_assessment("L1.A1.O2", 2022, state="submitted")
    # L1.A1.O3 has an indicator with a target and a draft value.
    other = make_indicator(code="R-2", outcome_code="L1.A1.O3", targets={2022: 5})
    make_value(other, 2022, 4, state="draft")

    items = {item["code"]: item for item in queries.readiness(2022)}
    assert "L1.A1.O1" not in items
    assert len(items) == 34
    assert items["L1.A1.O2"]["missing"] == ["evidence", "target", "value", "assessment"]
    assert "assessment submitted" in items["L1.A1.O2"]["notes"] and "no indicator" in items["L1.A1.O2"]["notes"]
    assert items["L1.A1.O3"]["missing"] == ["activity", "evidence", "value", "assessment"]
    assert "a value is waiting for review" in items["L1.A1.O3"]["notes"]
    assert items["L3.A5.O1"]["missing"] == ["activity", "evidence", "target", "value", "assessment"]
    # 2021 has nothing at all: every outcome is incomplete.
    assert len(queries.readiness(2021)) == 35

    html = client_as("staff").get("/overview/?year=2022").get_data(as_text=True)
    assert _figure(html, "incomplete") == "34"
    readiness_rows = _rows(html.split('id="readiness-heading"')[1], "data-outcome")
    assert "L1.A1.O1" not in readiness_rows
    assert "No approved assessment" in readiness_rows["L1.A1.O2"]["text"]
    assert "/plan/outcomes/L1.A1.O2" in readiness_rows["L1.A1.O2"]["links"]


def test_review_queue_shows_only_submitted_items(app, client_as, make_user, make_assessment, make_indicator,
                                                 make_value):
    author = make_user("staff", name="Ana Author")
    make_assessment("L1.A1.O2", 2022, state="submitted", author=author)
    make_assessment("L1.A1.O3", 2022, state="draft", author=author)
    make_assessment("L1.A2.O1", 2022, state="approved", author=author)
    make_assessment("L1.A2.O2", 2021, state="submitted", author=author)
    indicator = make_indicator(code="Q-1", name="Queued measure", targets={2022: 5})
    make_value(indicator, 2022, 4, state="submitted", entered_by=author)
    other = make_indicator(code="Q-2", name="Draft measure")
    make_value(other, 2022, 4, state="draft")

    queue = queries.review_queue(2022)
    assert [(a["outcome_code"], a["author"]) for a in queue["assessments"]] == [("L1.A1.O2", "Ana Author")]
    assert [(v["indicator_code"], v["entered_by"]) for v in queue["values"]] == [("Q-1", "Ana Author")]
    whole = queries.review_queue(None)
    assert [a["outcome_code"] for a in whole["assessments"]] == ["L1.A2.O2", "L1.A1.O2"]  # 2021 first

    html = client_as("staff").get("/overview/?year=2022").get_data(as_text=True)
    assert 'data-assessment=' in html and "Ana Author" in html and "Q-1" in html and "Q-2" not in html.split(
        'id="queue-heading"')[1]
    # A Board member learns how much waits, not what it proposes nor who wrote it.
    board = client_as("board").get("/overview/?year=2022").get_data(as_text=True).split('id="queue-heading"')[1]
    assert 'data-under-review="2"' in board
    assert 'data-assessment=' not in board and "Ana Author" not in board and "(pending)" not in board


def _post_forms_in_main(html: str) -> list[str]:
    main = html.split('<main', 1)[1].split('</main>', 1)[0]
    return re.findall(r'<form[^>]*method="post"[^>]*>', main, flags=re.I)


@pytest.mark.parametrize("role", ["admin", "secretary_general", "staff", "board"])
def test_every_role_sees_the_page(client_as, role, make_assessment):
    make_assessment("L1.A1.O2", 2022, state="submitted")
    client = client_as(role)
    response = client.get("/overview/")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "Headline figures" in html and "The plan in detail" in html and "Report readiness" in html
    # The grid comes first, then the headline figures, the detailed table, readiness and the charts.
    order = [html.index(marker) for marker in ('id="grid-heading"', 'id="headline-heading"', 'id="heatmap-heading"',
                                               'id="readiness-heading"', 'id="charts-heading"')]
    assert order == sorted(order)
    assert _post_forms_in_main(html) == []  # nothing on the page changes data, for any role
    assert 'method="get"' in html
    steering = role in ("admin", "secretary_general")
    assert ("Read-only" in html) is not steering
    if steering:
        assert 'aria-label="Next steps"' in html
    else:
        assert 'aria-label="Next steps"' not in html and "Open the review queue" not in html
        assert "/reports/" not in html.split("<main", 1)[1]


def test_anonymous_is_sent_to_login(client):
    for url in ("/overview/", "/overview/?year=all", "/overview/charts/members.svg?year=2022", "/"):
        response = client.get(url)
        assert response.status_code == 302 and "/login" in response.headers["Location"], url


def test_root_sends_the_secretary_general_to_the_overview(client_as):
    response = client_as("secretary_general").get("/")
    assert response.status_code == 302 and response.headers["Location"].endswith("/overview/")


def test_default_year_and_year_selector(app, client_as):
    app.config["CURRENT_PLAN_YEAR"] = 2021
    try:
        client = client_as("secretary_general")
        html = client.get("/overview/").get_data(as_text=True)
        assert "Progress overview <span class=\"text-body-secondary\">2021</span>" in html
        assert re.search(r'<option selected value="2021">|<option value="2021" selected>', html)
        html = client.get("/overview/?year=all").get_data(as_text=True)
        assert "2021-2023" in html and 'value="all"' in html
        response = client.get("/overview/?year=1999")
        assert response.status_code == 400
        page = response.get_data(as_text=True)
        assert "Choose 2021, 2022, 2023 or the whole plan period." in page and "is-invalid" in page
        assert client.get("/overview/?year=abc").status_code == 400
    finally:
        app.config["CURRENT_PLAN_YEAR"] = None


@pytest.mark.parametrize("name", ["activities", "members", "outcomes"])
def test_charts_are_valid_svg(client_as, name, make_activity):
    make_activity(outcomes=("L1.A1.O1", "L2.A2.O3"), members=("Seoul",), start=date(2022, 3, 4))
    client = client_as("board")
    for year in ("2022", "all"):
        with client.get(f"/overview/charts/{name}.svg?year={year}") as response:
            assert response.status_code == 200
            assert response.mimetype == "image/svg+xml"
            assert response.headers["ETag"]
            csp = response.headers["Content-Security-Policy"]
            assert csp.startswith("default-src 'none'") and "script-src" not in csp  # no script can run in it
            root = ET.fromstring(response.get_data())
            assert root.tag == SVG
    with client.get("/overview/charts/nothing.svg?year=2022") as response:
        assert response.status_code == 404
    with client.get(f"/overview/charts/{name}.svg?year=1850") as response:
        assert response.status_code == 404


def test_page_has_chart_images_with_text_alternatives_and_tables(client_as, make_activity):
    make_activity(outcomes=("L1.A1.O1",), members=("Seoul",), start=date(2022, 3, 4))
    html = client_as("board").get("/overview/?year=2022").get_data(as_text=True)
    images = re.findall(r'<img src="([^"]+)" alt="([^"]+)"', html)
    assert len(images) == 3
    for src, alt in images:
        assert src.startswith("/overview/charts/") and "year=2022" in src and "v=" in src
        assert len(alt) > 20
    assert "Asia-Pacific 1 of" in html  # the members chart's alt names the figures
    assert html.count('<details class="chart-data">') == 3
    charts_section = html.split('id="charts-heading"')[1]
    assert '<th scope="row">Mar</th><td class="text-end">1</td>' in charts_section


def test_charts_are_cached_until_the_data_changes(client_as, monkeypatch, make_activity):
    calls = Counter()
    original = charts.members_by_region

    def counting(*args, **kwargs):
        calls["members"] += 1
        return original(*args, **kwargs)

    monkeypatch.setattr(charts, "members_by_region", counting)
    make_activity(members=("Seoul",))
    client = client_as("secretary_general")
    url = "/overview/charts/members.svg?year=2022"
    with client.get(url) as first:
        etag, body = first.headers["ETag"], first.get_data()
        assert first.headers["Cache-Control"] == "private, no-cache"
    with client.get(url) as second:
        assert second.get_data() == body and second.headers["ETag"] == etag
    assert calls["members"] == 1  # not redrawn
    with client.get(url, headers={"If-None-Match": etag}) as conditional:
        assert conditional.status_code == 304
    # The page's image URL names the data version: the browser may keep that one.
    html = client.get("/overview/?year=2022").get_data(as_text=True)
    versioned = re.search(r'<img src="(/overview/charts/members\.svg[^"]+)"', html).group(1).replace("&amp;", "&")
    with client.get(versioned) as response:
        assert "immutable" in response.headers["Cache-Control"]
    assert calls["members"] == 1

    make_activity(title="Another", members=("Berlin",))  # the data changes: the chart is redrawn
    with client.get(url) as third:
        assert third.headers["ETag"] != etag and third.get_data() != body
        assert b"2 of" not in body and third.status_code == 200
    assert calls["members"] == 2
    with client.get(url, headers={"If-None-Match": etag}) as stale:
        assert stale.status_code == 200


def test_a_core_update_through_the_session_moves_the_version(app, client_as, make_activity):
    """A Core update (as a bulk load or a script would send) changes no ORM object, yet the next page shows it."""
    from tracker.activities.models import Activity

    activity = make_activity(status="planned", members=("Seoul",))
    client = client_as("board")
    before = _figure(client.get("/overview/?year=2022").get_data(as_text=True), "members_engaged")
    version = cache.version()
    db.session.execute(Activity.__table__.update().where(Activity.id == activity.id)
                       .values(status="completed", updated_at=datetime.now(timezone.utc)))
    db.session.commit()  # no ORM object changed: the statement itself counts as a write
    assert cache.version() != version
    after = _figure(client.get("/overview/?year=2022").get_data(as_text=True), "members_engaged")
    assert (before, after) == ("0", "1")


def test_a_write_around_the_session_shows_once_it_bumps(app, client_as, make_activity):
    """A write on a connection of its own is invisible to the cache until that code calls bump()."""
    from tracker.activities.models import Activity
    from tracker.core.versioning import bump

    activity = make_activity(status="planned", members=("Seoul",))
    client = client_as("board")
    assert _figure(client.get("/overview/?year=2022").get_data(as_text=True), "members_engaged") == "0"
    completed = Activity.__table__.update().where(Activity.id == activity.id).values(status="completed")
    with db.engine.begin() as connection:
        connection.execute(completed)
    # The cached page still stands: nothing told the version (the reason bump() exists).
    assert _figure(client.get("/overview/?year=2022").get_data(as_text=True), "members_engaged") == "0"
    with db.engine.begin() as connection:
        connection.execute(Activity.__table__.update().where(Activity.id == activity.id).values(title="Renamed"))
        bump(connection)
    assert _figure(client.get("/overview/?year=2022").get_data(as_text=True), "members_engaged") == "1"


def test_chart_drawing_is_deterministic_and_small():
    data = {"labels": list(queries.MONTHS), "series": [{"code": "L1", "title": "t", "counts": list(range(12))}]}
    first = charts.activities_by_month(data, "Activities")
    assert first == charts.activities_by_month(data, "Activities")
    assert len(first) < 60_000
    rows = [{"status": key, "label": label, "count": 5} for key, label in queries.DISPLAY_STATUSES.items()]
    svg = charts.outcome_statuses(rows, "Status")
    assert ET.fromstring(svg).tag == SVG and b"Pending review" in svg and len(svg) < 60_000


def test_evidence_direct_on_outcome_counts_in_the_year_it_was_added(app, make_note, find_outcome):
    note = make_note(outcome_code="L2.A1.O1")
    note.added_at = datetime(2021, 6, 1, tzinfo=timezone.utc)
    db.session.commit()
    for year, expected in ((2021, 1), (2022, 0), (None, 1)):
        flat = {o["code"]: o for o in queries.flat_outcomes(queries.heatmap(year))}
        assert flat["L2.A1.O1"]["evidence"] == expected, year
    assert db.session.scalar(select(Evidence.outcome_id).where(Evidence.id == note.id)) == find_outcome("L2.A1.O1").id
