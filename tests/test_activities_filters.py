"""The activity list: each filter narrows the list correctly, pagination, the count, bad parameters."""
import re
from datetime import date

import pytest

from tracker.activities import services


@pytest.fixture
def log(make_user, make_activity):
    """A small activity log whose rows differ in every filtered attribute."""
    ana, jordi = make_user("staff", name="Ana"), make_user("staff", name="Jordi")
    rows = {
        "seoul": make_activity(title="MITI training in Seoul", kind="training", status="completed",
                               start=date(2021, 3, 1), outcomes=("L2.A2.O3",), members=("Seoul",),
                               responsible=ana, place="Seoul", description="Finance for planners"),
        "debate": make_activity(title="Policy Debate on housing", kind="policy_debate", status="completed",
                                start=date(2022, 5, 1), outcomes=("L1.A1.O2",), members=("Bogota",),
                                partners=("UCLG",), responsible=jordi, place="Bogota"),
        "gtf": make_activity(title="Global Taskforce retreat", kind="meeting", status="planned",
                             start=date(2023, 11, 1), outcomes=("L1.A3.O2",), partners=("Global Taskforce of Local "
                                                                                        "and Regional Governments",),
                             responsible=ana, place="online"),
        "audit": make_activity(title="External audit 100% done", kind="internal", status="cancelled",
                               start=date(2022, 4, 1), outcomes=("L3.A3.O3",), members=("Abidjan",),
                               responsible=jordi, place="Barcelona"),
        "gone": make_activity(title="Deleted debate", kind="policy_debate", status="completed",
                              start=date(2022, 6, 1), outcomes=("L1.A1.O2",), members=("Bogota",),
                              responsible=jordi, deleted=True),
    }
    return rows, ana, jordi


def titles(client, query: str = "") -> list[str]:
    """The activity titles the list shows for a query string, in order."""
    response = client.get("/activities/" + query)
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    return re.findall(r'<td><a href="/activities/\d+">([^<]+)</a>', html)


def test_unfiltered_list_is_newest_first_without_deleted(client_as, log):
    assert titles(client_as("board")) == ["Global Taskforce retreat", "Policy Debate on housing",
                                          "External audit 100% done", "MITI training in Seoul"]


@pytest.mark.parametrize("query,expected", [
    ("?year=2022", {"Policy Debate on housing", "External audit 100% done"}),
    ("?year=2021", {"MITI training in Seoul"}),
    ("?line=L1", {"Policy Debate on housing", "Global Taskforce retreat"}),
    ("?line=L3", {"External audit 100% done"}),
    ("?axis=L1.A3", {"Global Taskforce retreat"}),
    ("?axis=L2.A2", {"MITI training in Seoul"}),
    ("?outcome=L1.A1.O2", {"Policy Debate on housing"}),
    ("?kind=training", {"MITI training in Seoul"}),
    ("?kind=training&kind=meeting", {"MITI training in Seoul", "Global Taskforce retreat"}),
    ("?status=completed", {"MITI training in Seoul", "Policy Debate on housing"}),
    ("?status=planned&status=cancelled", {"Global Taskforce retreat", "External audit 100% done"}),
    ("?region=Africa", {"External audit 100% done"}),
    ("?region=Latin+America+and+the+Caribbean", {"Policy Debate on housing"}),
    ("?q=seoul", {"MITI training in Seoul"}),
    ("?q=FINANCE", {"MITI training in Seoul"}),  # the description, case-insensitive
    ("?q=online", {"Global Taskforce retreat"}),  # the place
    ("?q=100%25", {"External audit 100% done"}),  # a literal %, not a wildcard
    ("?q=_", set()),
    ("?year=2022&status=completed", {"Policy Debate on housing"}),
    ("?line=L1&year=2023", {"Global Taskforce retreat"}),
])
def test_each_filter_narrows(client_as, log, query, expected):
    assert set(titles(client_as("staff"), query)) == expected


def test_member_partner_and_responsible_filters(client_as, log, find_member, find_partner):
    rows, ana, jordi = log
    client = client_as("board")
    assert titles(client, f"?member={find_member('Bogota').id}") == ["Policy Debate on housing"]
    assert titles(client, f"?partner={find_partner('UCLG').id}") == ["Policy Debate on housing"]
    assert titles(client, f"?responsible={ana.id}") == ["Global Taskforce retreat", "MITI training in Seoul"]
    assert titles(client, f"?responsible={jordi.id}&year=2022") == ["Policy Debate on housing",
                                                                   "External audit 100% done"]


def test_count_of_results_is_shown(client_as, log):
    html = client_as("board").get("/activities/?year=2022").get_data(as_text=True)
    assert re.search(r"<strong>2</strong> activities match the filters", html)


@pytest.mark.parametrize("query", ["?year=abc", "?year=1800", "?member=99999999999999999999999", "?member=-1",
                                   "?outcome=%00", "?outcome=L9.A9.O9", "?kind=party", "?status=",
                                   "?responsible=x", "?q=%00bad", "?q=" + "x" * 300, "?page=abc", "?page=0",
                                   "?page=99999999999999999999", "?region=Atlantis", "?partner=1.5"])
def test_bad_filter_values_are_ignored_not_errors(client_as, log, query):
    assert len(titles(client_as("board"), query)) == 4


def test_unknown_filter_value_is_flagged_next_to_it(client_as, log):
    html = client_as("board").get("/activities/?outcome=L9.A9.O9").get_data(as_text=True)
    assert 'id="outcome-errors"' in html and "this filter was ignored" in html


def test_pagination(app, client_as, monkeypatch, make_activity):
    monkeypatch.setitem(app.config, "PAGE_SIZE", 5)
    for day in range(1, 13):
        make_activity(title=f"Activity {day:02d}", start=date(2022, 1, day), kind="event")
    make_activity(title="Other kind", start=date(2022, 2, 1), kind="meeting")
    client = client_as("board")
    assert titles(client, "?kind=event") == [f"Activity {d:02d}" for d in (12, 11, 10, 9, 8)]
    assert titles(client, "?kind=event&page=2") == [f"Activity {d:02d}" for d in (7, 6, 5, 4, 3)]
    assert titles(client, "?kind=event&page=3") == ["Activity 02", "Activity 01"]
    assert titles(client, "?kind=event&page=4") == []
    html = client.get("/activities/?kind=event&page=2").get_data(as_text=True)
    assert "<strong>12</strong> activities" in html and "showing 6–10" in html
    # Page links keep the filters.
    assert 'href="/activities/?page=3&amp;kind=event"' in html
    assert 'aria-current="page">2<' in html


def test_filtered_query_is_one_select(app, log, find_member, find_partner):
    stmt = services.filtered_query({"year": 2022, "line": "L1", "kind": ["policy_debate"], "status": ["completed"],
                                    "member": find_member("Bogota").id, "partner": find_partner("UCLG").id,
                                    "region": "Latin America and the Caribbean", "q": "housing"})
    assert [a.title for a in app.extensions["sqlalchemy"].session.scalars(stmt)] == ["Policy Debate on housing"]


def test_summary_compares_plan_and_delivery(app, log):
    summary = services.list_summary({"year": 2022})
    by_status = {code: n for code, label, n in summary["by_status"]}
    assert by_status == {"planned": 0, "in_progress": 0, "completed": 1, "cancelled": 1}


def test_links_from_other_pages_use_the_shared_parameters(client_as, log, find_member, find_partner):
    rows, ana, jordi = log
    client = client_as("board")
    query = f"?year=2022&line=L1&axis=L1.A1&outcome=L1.A1.O2&kind=policy_debate&status=completed" \
            f"&member={find_member('Bogota').id}&partner={find_partner('UCLG').id}" \
            f"&region=Latin+America+and+the+Caribbean" \
            f"&responsible={jordi.id}&q=housing"
    assert titles(client, query) == ["Policy Debate on housing"]
