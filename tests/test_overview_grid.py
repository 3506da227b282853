"""The overview's outcome × year grid: statuses against the database, counts, what each role sees, the drill-down,
what waits for the viewer, last year's headline figures, and a statement count that does not grow with the data."""
import re
from collections import Counter
from datetime import date
from html.parser import HTMLParser

import pytest
from sqlalchemy import select

from tracker.assessments.models import ASSESSMENT_STATUSES, Assessment
from tracker.core.years import PLAN_YEARS
from tracker.extensions import db
from tracker.overview import cache, grid, queries
from tracker.plan.models import Outcome
from tracker.review import services as review_services


@pytest.fixture(autouse=True)
def _fresh_cache():
    """Every test starts with empty overview caches."""
    cache.clear()
    yield
    cache.clear()


# (outcome, year, status, review state): every state, several years, one outcome assessed in all three.
SPECS = [
    ("L1.A1.O1", 2021, "on_track", "approved"),
    ("L1.A1.O1", 2022, "achieved", "approved"),
    ("L1.A1.O1", 2023, "off_track", "submitted"),
    ("L1.A1.O2", 2022, "off_track", "submitted"),
    ("L1.A1.O3", 2022, "needs_attention", "draft"),
    ("L2.A1.O1", 2022, "not_started", "returned"),
    ("L3.A5.O1", 2022, "off_track", "approved"),
    ("L2.A2.O3", 2023, "needs_attention", "approved"),
]


@pytest.fixture
def assessed(make_assessment, make_user):
    """assessed() -> {(code, year): Assessment} for SPECS, written by one staff member."""

    def _assessed():
        author = make_user("staff", name="Grid Author")
        return {(code, year): make_assessment(code, year, status=status, state=state, author=author)
                for code, year, status, state in SPECS}

    return _assessed


class _Grid(HTMLParser):
    """Collect the grid's cells: {(outcome, year): {key, text, href}}, and the counts per year and key."""

    def __init__(self):
        super().__init__()
        self.cells, self.counts, self.outcome, self.cell, self.count, self.inside = {}, {}, None, None, None, False

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "section" and attrs.get("id") == "outcome-grid":
            self.inside = True
        if not self.inside:
            return
        if tag == "tr" and "data-outcome" in attrs:
            self.outcome = attrs["data-outcome"]
        elif tag == "td" and self.outcome:
            self.cell = self.cells.setdefault((self.outcome, int(attrs["data-year"])),
                                              {"key": attrs["data-key"], "text": "", "href": None})
        elif tag == "a" and self.cell is not None:
            self.cell["href"] = attrs["href"]
        elif tag == "p" and "data-year" in attrs:
            self.count = self.counts.setdefault(int(attrs["data-year"]), {})
        elif tag == "span" and self.count is not None and "data-count" in attrs:
            self.count[attrs["data-count"]] = None  # filled by the text

    def handle_endtag(self, tag):
        if tag == "section":
            self.inside = False
        elif tag == "td":
            self.cell = None
        elif tag == "tr":
            self.outcome = None
        elif tag == "p":
            self.count = None

    def handle_data(self, data):
        if self.cell is not None:
            self.cell["text"] += data
        elif self.count is not None:
            pending = [key for key, value in self.count.items() if value is None]
            if pending and data.strip():
                self.count[pending[0]] = int(data.strip().split()[0])


def _grid(html: str) -> _Grid:
    parser = _Grid()
    parser.feed(html)
    return parser


def _text(cell: dict) -> str:
    return " ".join(cell["text"].split())


def test_grid_data_holds_every_outcome_and_plan_year_as_in_the_database(app, assessed):
    made = assessed()
    data = grid.build(queries._plan_and_assessments(2022))
    assert data["years"] == list(PLAN_YEARS)
    outcomes = [o for line in data["lines"] for axis in line["axes"] for o in axis["outcomes"]]
    assert [o["code"] for o in outcomes] == list(db.session.scalars(select(Outcome.code).order_by(Outcome.position)))
    assert len(outcomes) == 35
    # The verbatim titles, untouched (the page shortens them with CSS only).
    titles = dict(db.session.execute(select(Outcome.code, Outcome.title)).all())
    assert all(o["title"] == titles[o["code"]] for o in outcomes)
    in_db = {(a.outcome.code, a.year): (a.id, a.status, str(a.review_state))
             for a in db.session.scalars(select(Assessment))}
    assert len(in_db) == len(made)
    for item in outcomes:
        assert [cell["year"] for cell in item["cells"]] == list(PLAN_YEARS)
        for cell in item["cells"]:
            expected = in_db.get((item["code"], cell["year"]), (None, None, "none"))
            assert (cell["assessment_id"], cell["status"], cell["state"]) == expected, (item["code"], cell["year"])


def test_secretary_general_sees_statuses_review_states_and_counts(app, client_as, assessed):
    assessed()
    html = client_as("secretary_general").get("/overview/?year=2022").get_data(as_text=True)
    found = _grid(html)
    assert len(found.cells) == 35 * len(PLAN_YEARS)
    assert _text(found.cells[("L1.A1.O1", 2021)]).endswith("On track")
    assert found.cells[("L1.A1.O1", 2022)]["key"] == "achieved"
    assert _text(found.cells[("L1.A1.O1", 2022)]).endswith("Achieved")
    # Not approved: the proposed status with the review state in words, striped rather than coloured.
    assert found.cells[("L1.A1.O2", 2022)]["key"] == "submitted"
    assert _text(found.cells[("L1.A1.O2", 2022)]).endswith("Off track · in review")
    assert found.cells[("L1.A1.O3", 2022)]["key"] == "preparing"
    assert _text(found.cells[("L1.A1.O3", 2022)]).endswith("Needs attention · draft")
    assert _text(found.cells[("L2.A1.O1", 2022)]).endswith("Not started · returned")
    assert found.cells[("L3.A1.O1", 2022)]["key"] == "none"
    assert _text(found.cells[("L3.A1.O1", 2022)]).endswith("Not assessed")
    # Every cell names its outcome and year for a screen reader.
    assert _text(found.cells[("L1.A1.O2", 2022)]).startswith("L1.A1.O2 2022:")

    # The counts of the selected year, as counted from the specs by hand.
    expected = Counter()
    for _code, year, status, state in SPECS:
        if year == 2022:
            expected[status if state == "approved" else ("submitted" if state == "submitted" else "preparing")] += 1
    expected["none"] = 35 - sum(expected.values())
    assert found.counts == {2022: dict(expected)}
    assert found.counts[2022]["none"] == 30


def test_whole_period_counts_every_year(app, client_as, assessed):
    assessed()
    found = _grid(client_as("staff").get("/overview/?year=all").get_data(as_text=True))
    assert sorted(found.counts) == list(PLAN_YEARS)
    for year in PLAN_YEARS:
        assert sum(found.counts[year].values()) == 35
    assert found.counts[2021] == {"on_track": 1, "none": 34}
    assert found.counts[2023] == {"needs_attention": 1, "submitted": 1, "none": 33}


def test_board_member_sees_approved_assessments_only(app, client_as, assessed):
    assessed()
    html = client_as("board").get("/overview/?year=2022").get_data(as_text=True)
    found = _grid(html)
    assert found.cells[("L1.A1.O1", 2022)]["key"] == "achieved"
    assert found.cells[("L3.A5.O1", 2022)]["key"] == "off_track"
    for code, year in (("L1.A1.O2", 2022), ("L1.A1.O3", 2022), ("L2.A1.O1", 2022), ("L1.A1.O1", 2023)):
        cell = found.cells[(code, year)]
        assert cell["key"] == "pending" and _text(cell).endswith("Not yet approved"), (code, year)
        assert cell["href"].endswith(f"#assessment-{year}") and "review" not in cell["href"]
    board_grid = html.split('id="outcome-grid"')[1].split("</section>")[0]
    for label in ("in review", "awaiting review", "draft", "returned", "Not started"):
        assert label not in board_grid, label  # no proposed status, no review state
    assert "Needs attention" not in board_grid.split('data-outcome="L1.A1.O3"')[1].split("</tr>")[0]
    assert found.counts[2022] == {"achieved": 1, "off_track": 1, "pending": 3, "none": 30}
    assert "waiting for your review" not in html and "Approved assessments only." in html
    # What the Board sees is its own: the Secretary General's page, computed from the same cache, still has it all.
    sg = _grid(client_as("secretary_general").get("/overview/?year=2022").get_data(as_text=True))
    assert sg.cells[("L1.A1.O2", 2022)]["key"] == "submitted"


def test_waiting_for_review_equals_the_review_queue(app, client_as, assessed, make_indicator, make_value):
    assessed()
    indicator = make_indicator(code="G-1", name="Grid measure", targets={2022: 5})
    make_value(indicator, 2021, 3, state="submitted")
    make_value(indicator, 2022, 4, state="draft")
    queue = review_services.queue()
    expected = len(queue["assessments"]) + len(queue["values"])
    assert expected == 3  # two submitted assessments (2022 and 2023) and one value (2021)
    client = client_as("secretary_general")
    html = client.get("/overview/?year=2022").get_data(as_text=True)
    waiting = re.search(
        r'data-waiting="(\d+)"[^>]*>\s*<a href="([^"]+)"><strong>(\d+)</strong> waiting for your review', html)
    assert waiting and int(waiting.group(1)) == int(waiting.group(3)) == expected
    assert waiting.group(2) == "/assessments/review"
    assert client.get(waiting.group(2)).status_code == 200
    # Staff and Board members are not asked to review: the line is not there for them.
    for role in ("staff", "board"):
        assert "waiting for your review" not in client_as(role).get("/overview/?year=2022").get_data(as_text=True)


def test_every_cell_drills_down(app, client_as, assessed):
    made = assessed()
    client = client_as("secretary_general")
    found = _grid(client.get("/overview/?year=2022").get_data(as_text=True))
    # Awaiting the viewer's review: the item in the review queue.
    submitted = made[("L1.A1.O2", 2022)]
    href = found.cells[("L1.A1.O2", 2022)]["href"].replace("&amp;", "&")
    assert href == f"/assessments/review?year=2022#item-a{submitted.id}"
    path = href.split("#")[0]
    assert f'id="item-a{submitted.id}"' in client.get(path).get_data(as_text=True)
    # Anything else: the outcome page, at its yearly assessments.
    for code, year in (("L1.A1.O1", 2022), ("L1.A1.O3", 2022), ("L3.A1.O1", 2021)):
        href = found.cells[(code, year)]["href"]
        assert href == f"/plan/outcomes/{code}#assessment-{year}"
        page = client.get(href.split("#")[0]).get_data(as_text=True)
        assert f'id="assessment-{year}"' in page
    # Staff do not review: their submitted cell leads to the outcome page too.
    staff = _grid(client_as("staff").get("/overview/?year=2022").get_data(as_text=True))
    assert staff.cells[("L1.A1.O2", 2022)]["href"] == "/plan/outcomes/L1.A1.O2#assessment-2022"


def test_staff_member_reads_what_concerns_them(app, client_as, make_assessment, assign_responsible):
    client = client_as("staff", name="Responsible Person")
    for code in ("L1.A1.O1", "L1.A1.O2", "L1.A1.O3"):
        assign_responsible(client.user, code)
    make_assessment("L1.A1.O1", 2022, status="on_track", state="returned", author=client.user)
    make_assessment("L1.A1.O2", 2022, status="on_track", state="draft", author=client.user)
    make_assessment("L2.A1.O1", 2022, status="on_track", state="draft")  # not theirs
    html = client.get("/overview/?year=2022").get_data(as_text=True)
    line = re.search(r'data-mine="(\d+)">(.*?)</p>', html, flags=re.S)
    assert line and line.group(1) == "3"
    text = " ".join(re.sub(r"<[^>]+>", " ", line.group(2)).split())
    assert text == "Your 3 outcomes: 1 returned to you, 1 draft to submit, 1 not assessed"
    assert "waiting for your review" not in html


def test_grid_shows_every_plan_year_whatever_the_selection(app, client_as, assessed):
    assessed()
    client = client_as("staff")
    for selection in ("2021", "2023", "all"):
        found = _grid(client.get(f"/overview/?year={selection}").get_data(as_text=True))
        assert {year for _, year in found.cells} == set(PLAN_YEARS), selection
        assert found.cells[("L1.A1.O1", 2022)]["key"] == "achieved", selection


def test_headline_gives_last_year_and_the_change(app, client_as, make_activity):
    make_activity(title="This year", status="completed", start=date(2022, 3, 1), members=("Seoul", "Berlin"),
                  partners=("UCLG",), participants=100, women=50, men=50, planned=1000, spent=900)
    make_activity(title="Planned", status="planned", start=date(2022, 9, 1), planned=500)
    make_activity(title="Last year", status="completed", start=date(2021, 5, 1), members=("Seoul",),
                  participants=40, women=10, men=30, planned=200, spent=100)
    figures = queries.headline(2022, with_previous=True)
    last = queries.headline(2021)
    assert figures["previous"]["year"] == 2021
    for key in queries.CHANGE_KEYS:
        assert figures["previous"][key] == last[key], key
    assert figures["change"]["completed"] == 0
    assert figures["change"]["planned"] == 1
    assert figures["change"]["members_engaged"] == 1
    assert figures["change"]["partners_engaged"] == 1
    assert figures["change"]["participants"] == 60
    assert figures["change"]["women_share"] == round(50.0 - 25.0, 1)
    assert figures["change"]["budget_spent"] == 800
    # The same figures as without the comparison (the Board report asks for them one year at a time).
    alone = queries.headline(2022)
    skip = ("previous", "change", "members_by_region")
    assert {k: v for k, v in figures.items() if k not in skip} == {k: v for k, v in alone.items() if k not in skip}
    assert [(r["region"], r["engaged"], r["total"]) for r in figures["members_by_region"]] == \
        [(r["region"], r["engaged"], r["total"]) for r in alone["members_by_region"]]
    assert queries.headline(2021, with_previous=True)["previous"] is None  # the first plan year
    assert queries.headline(None, with_previous=True)["previous"] is None

    html = client_as("secretary_general").get("/overview/?year=2022").get_data(as_text=True)
    before = re.search(r'data-before="participants">(.*?)</p>', html, flags=re.S).group(1)
    assert " ".join(re.sub(r"<[^>]+>", " ", before).split()) == "2021: 40 · +60"
    assert 'data-change="women_share">+25.0 points<' in html
    assert 'data-change="budget_spent">+€800<' in html


def test_status_labels_come_from_the_assessments_feature():
    assert {key: grid.KEYS[key] for key in ASSESSMENT_STATUSES} == ASSESSMENT_STATUSES


def _statements(count_queries, client, url: str) -> int:
    cache.clear()
    with count_queries() as statements:
        assert client.get(url).status_code == 200
    return len(statements)


@pytest.mark.parametrize("role", ["secretary_general", "staff", "board"])
def test_statements_do_not_grow_with_the_data(app, client_as, count_queries, make_activity, make_assessment, role):
    client = client_as(role)
    make_activity(outcomes=("L1.A1.O1",), members=("Seoul",))
    small = {year: _statements(count_queries, client, f"/overview/?year={year}") for year in ("2022", "all")}
    for index, (code, year, status, state) in enumerate(SPECS):
        make_assessment(code, year, status=status, state=state)
        make_activity(title=f"More {index}", outcomes=(code, "L2.A2.O4"), members=("Berlin", "Seoul"),
                      start=date(year, 4, 1))
    large = {year: _statements(count_queries, client, f"/overview/?year={year}") for year in ("2022", "all")}
    assert small == large
    # The page before the grid sent 16 statements for the Secretary General; the grid and last year's figures
    # add none (staff ask one more: the outcomes they answer for).
    assert large["2022"] <= (17 if role == "staff" else 16)
