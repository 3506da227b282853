"""Lists sorted by their columns (whitelisted, stable, filters kept) and the year filter's options."""
import re
from datetime import date

import pytest
from sqlalchemy import select

from tests.test_activities_filters import titles
from tracker.extensions import db
from tracker.plan.models import Plan


@pytest.fixture
def log(make_user, make_activity):
    """Four activities whose titles, kinds, statuses, dates and responsible all sort differently."""
    ana, zoe = make_user("staff", name="Ana Alves"), make_user("staff", name="Zoe Zhang")
    make_activity(title="beta workshop", kind="training", status="completed", start=date(2022, 3, 1), responsible=zoe)
    make_activity(title="Alpha debate", kind="policy_debate", status="planned", start=date(2023, 1, 5),
                  responsible=ana)
    make_activity(title="Gamma mission", kind="mission", status="cancelled", start=date(2021, 6, 1))
    make_activity(title="Delta event", kind="event", status="in_progress", start=date(2022, 3, 1), responsible=ana)
    return ana, zoe


@pytest.mark.parametrize("query,expected", [
    ("", ["Alpha debate", "Delta event", "beta workshop", "Gamma mission"]),  # newest first; same day: newer id
    ("?sort=title", ["Alpha debate", "beta workshop", "Delta event", "Gamma mission"]),  # case does not matter
    ("?sort=title&dir=desc", ["Gamma mission", "Delta event", "beta workshop", "Alpha debate"]),
    ("?sort=dates&dir=asc", ["Gamma mission", "beta workshop", "Delta event", "Alpha debate"]),
    # By label: Event, Mission, Policy debate, Training or learning session.
    ("?sort=kind", ["Delta event", "Gamma mission", "Alpha debate", "beta workshop"]),
    # In the workflow's order: planned, in progress, completed, cancelled.
    ("?sort=status", ["Alpha debate", "Delta event", "beta workshop", "Gamma mission"]),
    ("?sort=status&dir=desc", ["Gamma mission", "beta workshop", "Delta event", "Alpha debate"]),
    # Nobody responsible comes last either way; Ana's two keep the dates' order between them.
    ("?sort=responsible", ["Delta event", "Alpha debate", "beta workshop", "Gamma mission"]),
    ("?sort=responsible&dir=desc", ["beta workshop", "Alpha debate", "Delta event", "Gamma mission"]),
])
def test_the_list_sorts_by_each_column(client_as, log, query, expected):
    assert titles(client_as("board"), query) == expected


@pytest.mark.parametrize("query", ["?sort=budget_spent", "?sort=id;drop table activity", "?sort=title&dir=up",
                                   "?sort=__class__", "?sort=&dir=", "?sort=title&sort=dates&dir=sideways"])
def test_an_unknown_sort_is_ignored_not_an_error(client_as, log, query):
    client = client_as("board")
    response = client.get("/activities/" + query)
    assert response.status_code == 200
    if "title" not in query:
        assert titles(client, query) == titles(client, "")


def test_the_sorted_header_says_so_and_links_the_other_way(client_as, log):
    html = client_as("board").get("/activities/?sort=title&dir=asc&year=2022&kind=event&kind=training").get_data(
        as_text=True)
    headers = re.findall(r'<th scope="col"( aria-sort="[a-z]+")?>\s*<a class="sort-link" href="([^"]+)"', html)
    assert len(headers) == 5
    by_sort = {re.search(r"sort=(\w+)", href).group(1): (aria, href.replace("&amp;", "&")) for aria, href in headers}
    assert by_sort["title"][0] == ' aria-sort="ascending"'
    assert "dir=desc" in by_sort["title"][1]
    assert all(aria == "" for key, (aria, _) in by_sort.items() if key != "title")
    for _, href in by_sort.values():  # a header keeps the filters and starts again at page 1
        assert "year=2022" in href and "kind=event" in href and "kind=training" in href and "page=" not in href
    assert "dir=desc" in by_sort["dates"][1]  # dates start newest first
    assert "dir=asc" in by_sort["kind"][1]
    # The filter form keeps the order when the filters change.
    assert '<input type="hidden" name="sort" value="title">' in html


def test_page_links_keep_the_order(app, client_as, log, monkeypatch):
    monkeypatch.setitem(app.config, "PAGE_SIZE", 2)
    html = client_as("board").get("/activities/?sort=title&dir=desc").get_data(as_text=True)
    pages = [href.replace("&amp;", "&") for href in re.findall(r'class="page-link" href="([^"]+)"', html)]
    assert pages and all("sort=title" in href and "dir=desc" in href for href in pages)
    client = client_as("board")
    assert titles(client, "?sort=title&dir=desc&page=2") == ["beta workshop", "Alpha debate"]


def test_sorting_does_not_add_queries(client_as, log, make_activity, count_queries):
    client = client_as("board")
    client.get("/activities/?sort=responsible")
    with count_queries() as few:
        client.get("/activities/?sort=responsible")
    for i in range(10):
        make_activity(title=f"More {i}", start=date(2022, 1, 1 + i))
    with count_queries() as many:
        client.get("/activities/?sort=responsible")
    assert len(many) == len(few)


def _year_options(html: str) -> list[str]:
    select = re.search(r'<select[^>]*id="year"[^>]*>(.*?)</select>', html, re.S).group(1)
    return re.findall(r'<option[^>]*value="(\d*)"', select)


def test_the_year_filter_offers_the_plan_years_and_the_years_with_data(client_as, make_activity):
    client = client_as("board")
    plan = db.session.scalar(select(Plan))
    assert (plan.start_year, plan.end_year) == (2021, 2023)
    assert _year_options(client.get("/activities/").get_data(as_text=True)) == ["", "2023", "2022", "2021"]
    make_activity(title="Follow-up", start=date(2025, 2, 1))
    make_activity(title="Old", start=date(2019, 2, 1))
    make_activity(title="Gone", start=date(2017, 2, 1), deleted=True)  # a deleted activity brings no year
    assert _year_options(client.get("/activities/").get_data(as_text=True)) == ["", "2025", "2023", "2022", "2021",
                                                                                "2019"]


def test_partners_sort_by_their_columns(client_as):
    client = client_as("staff")
    html = client.get("/plan/partners?sort=acronym&dir=desc").get_data(as_text=True)
    acronyms = re.findall(r"<tr><td>[^<]+</td><td>([^<]*)</td>", html)
    given = [a for a in acronyms if a]
    assert given == sorted(given, key=str.lower, reverse=True) and acronyms[-1] == ""  # none given: last
    assert 'aria-sort="descending"' in html
    names = re.findall(r"<tr><td>([^<]+)</td>", client.get("/plan/partners?sort=bogus").get_data(as_text=True))
    assert names == sorted(names, key=str.lower)


def test_members_sort_within_each_region(client_as):
    html = client_as("staff").get("/plan/members?sort=country&dir=desc").get_data(as_text=True)
    for table in re.findall(r"<tbody>(.*?)</tbody>", html, re.S):
        countries = re.findall(r"<td>[^<]*</td><td>[^<]*</td><td>([^<]*)</td>", table)
        assert countries == sorted(countries, key=str.lower, reverse=True)
    assert html.count('aria-sort="descending"') == 5  # one table per region


def test_indicators_sort_by_name_within_each_table(client_as, make_indicator):
    for code, name in (("PW-B", "beta count"), ("PW-A", "Alpha count"), ("PW-C", "Gamma count")):
        make_indicator(code=code, name=name)
    client = client_as("secretary_general")
    html = client.get("/indicators/?year=2022&sort=name&dir=desc").get_data(as_text=True)
    plan_wide = re.search(r'id="plan-wide".*?</table>', html, re.S).group(0)
    names = re.findall(r'<a href="/indicators/\d+">([^<]+)</a>', plan_wide)
    assert names == sorted(names, key=str.lower, reverse=True)
    assert 'aria-sort="descending"' in plan_wide
    assert client.get("/indicators/?sort=nonsense&dir=x").status_code == 200
