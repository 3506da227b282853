"""The overview's database work is a fixed number of statements, whatever the size of the activity log."""
import pytest

from tracker.demo.synthetic import seed_synthetic
from tracker.extensions import db
from tracker.indicators.seed import seed_indicators
from tracker.overview import cache

MAX_STATEMENTS = 19  # the bar: under twenty


def _page_statements(count_queries, client, url: str, *, cold: bool) -> list[str]:
    """The statements one page request sends; cold: with the overview's caches emptied first."""
    if cold:
        cache.clear()
    with count_queries() as statements:
        response = client.get(url)
    assert response.status_code == 200
    return list(statements)


@pytest.fixture
def everything_present(make_activity, make_assessment, make_indicator, make_note, make_value):
    """everything_present(): give every part of the page something to show: indicators of each method, values,
    assessments, evidence."""

    def _everything_present():
        """Give every part of the page something to show: indicators of each method, values, assessments, evidence."""
        seed_indicators()
        db.session.commit()
        activity = make_activity(outcomes=("L1.A1.O1", "L2.A2.O3"), members=("Seoul",), partners=("UCLG",))
        make_note(activity=activity)
        make_note(outcome_code="L1.A2.O1")
        make_assessment("L1.A1.O1", 2022)
        make_assessment("L1.A1.O2", 2022, state="submitted")
        manual = make_indicator(code="T-MANUAL", targets={2022: 10, 2021: 5, 2023: 15})
        make_value(manual, 2022, 8, state="submitted")
        make_value(manual, 2021, 4)

    return _everything_present


@pytest.mark.slow
def test_statement_count_does_not_grow_with_the_data(app, client_as, count_queries, everything_present):
    everything_present()
    client = client_as("secretary_general")
    counts = {}
    for size in (100, 5000):
        seed_synthetic(size)
        db.session.commit()
        for year in ("2022", "all"):
            url = f"/overview/?year={year}"
            cold = _page_statements(count_queries, client, url, cold=True)
            warm = _page_statements(count_queries, client, url, cold=False)
            # The menu's badge (requests to be assigned waiting for the Secretary General) is one statement on
            # every page, cached data or not; the overview's own work is the rest.
            assert [s for s in warm if "assignment_request" in s] == [s for s in cold if "assignment_request" in s]
            assert len([s for s in warm if "assignment_request" in s]) == 1
            counts[(size, year)] = (len(cold), len([s for s in warm if "assignment_request" not in s]))
            # Nothing repeats per outcome or per activity: no statement is sent twice.
            assert len(set(cold)) == len(cold), (size, year)
    assert counts[(100, "2022")] == counts[(5000, "2022")]
    assert counts[(100, "all")] == counts[(5000, "all")]
    for cold, warm in counts.values():
        assert cold <= MAX_STATEMENTS
        # The login, the data version, the bell's unread count and the year's reporting calendar (one row by its
        # key; nothing else) once the data is cached.
        assert warm < cold and warm <= 4


@pytest.mark.slow
def test_chart_statement_count_does_not_grow_with_the_data(app, client_as, count_queries):
    client = client_as("board")
    counts = []
    for size in (100, 5000):
        seed_synthetic(size)
        db.session.commit()
        cache.clear()
        with count_queries() as statements:
            with client.get("/overview/charts/activities.svg?year=2022") as response:
                assert response.status_code == 200
        counts.append(len(statements))
    assert counts[0] == counts[1] <= MAX_STATEMENTS
