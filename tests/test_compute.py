"""Computed indicator values against hand-counted activities, and a fixed number of queries."""
from datetime import date, datetime, timezone
from decimal import Decimal
from urllib.parse import parse_qs, urlsplit

import pytest
from flask import Flask
from sqlalchemy import select

from tracker.core.models import utcnow
from tracker.extensions import db
from tracker.indicators import compute
from tracker.indicators.models import Indicator

A = "L2.A2.O3"  # learning and capacity building
B = "L1.A1.O1"  # policy recommendations


@pytest.fixture
def log(app, make_activity, make_note):
    """A hand-counted activity log over 2021-2022 (see the comments for what each activity adds)."""
    # 1: completed training on A; 2 members, 1 partner; 30 people (18 women, 12 men); 1000 spent; 2 live notes.
    a1 = make_activity(kind="training", outcomes=(A,), members=("Seoul", "Montréal"), partners=("UCLG",),
                       participants=30, women=18, men=12, spent=1000)
    make_note(activity=a1)
    make_note(activity=a1, title="Slides")
    gone = make_note(activity=a1, title="Deleted")
    gone.deleted_at = utcnow()
    # 2: completed training on A and B; members Seoul and Abidjan; 20 people (8 women, 10 men, 2 other or not
    # stated); 500 spent.
    a2 = make_activity(kind="training", outcomes=(A, B), members=("Seoul", "Abidjan"), participants=20, women=8,
                       men=10, other=2, spent=500)
    make_note(activity=a2)
    # 3: completed event on B; Abidjan; partners UCLG and UN-Habitat; 100 people, gender unknown; 2000 spent.
    make_activity(kind="event", outcomes=(B,), members=("Abidjan",), partners=("UCLG", "UN-Habitat"),
                  participants=100, spent=2000)
    # 4: training in progress on A: 300 spent and one note count for budget and evidence only.
    a4 = make_activity(kind="training", status="in_progress", outcomes=(A,), members=("Accra",), participants=50,
                       women=25, men=25, spent=300)
    make_note(activity=a4)
    # 5: planned and 6: cancelled: nothing counts.
    make_activity(kind="training", status="planned", outcomes=(A,), members=("Accra",), participants=7, spent=999)
    make_activity(kind="training", status="cancelled", outcomes=(A,), participants=7, spent=999)
    # 7: soft-deleted completed training: nothing counts, not even its evidence.
    a7 = make_activity(kind="training", outcomes=(A,), members=("Accra",), participants=1000, women=1000, men=0,
                       spent=9999, deleted=True)
    make_note(activity=a7)
    # 8: completed statement with no outcome: only plan-wide indicators see it.
    make_activity(kind="statement", outcomes=(), members=("Accra",), participants=5, women=5, men=0, spent=50)
    # 9: completed training on A in 2021: Montréal again and Addis Ababa; 10 people (5/5); 100 spent.
    make_activity(kind="training", outcomes=(A,), members=("Montréal", "Addis Ababa"), partners=("UN-Habitat",),
                  participants=10, women=5, men=5, spent=100, start=date(2021, 6, 1))
    # Evidence straight on outcome A, added in 2022; a deleted one; and one added in 2021.
    for title, added, deleted in (("Report", 2022, False), ("Old", 2022, True), ("Earlier", 2021, False)):
        note = make_note(outcome_code=A, title=title, commit=False)
        note.added_at = datetime(added, 5, 1, 12, tzinfo=timezone.utc)
        note.deleted_at = utcnow() if deleted else None
    db.session.commit()


def _values(indicator, years=(2021, 2022)):
    result = compute.actuals([indicator], list(years))
    return {year: result[(indicator.id, year)] for year in years}


def test_completed_activities_per_outcome_and_plan_wide(app, log, make_indicator):
    on_a = make_indicator(code="A-ALL", outcome_code=A, method="completed_activities")
    on_b = make_indicator(code="B-ALL", outcome_code=B, method="completed_activities")
    plan = make_indicator(code="PW-ALL", method="completed_activities")
    assert _values(on_a) == {2021: 1, 2022: 2}  # 9; 1 and 2
    assert _values(on_b) == {2021: 0, 2022: 2}  # 2 and 3
    assert _values(plan) == {2021: 1, 2022: 4}  # 2 serves two outcomes but counts once; 8 has no outcome


def test_method_kinds_filter(app, log, make_indicator):
    trainings = make_indicator(code="PW-TRAIN", method="completed_activities", kinds=["training"])
    events = make_indicator(code="B-EVENTS", outcome_code=B, method="completed_activities",
                            kinds=["event", "statement"])
    assert _values(trainings) == {2021: 1, 2022: 2}
    assert _values(events) == {2021: 0, 2022: 1}


def test_distinct_members_and_partners(app, log, make_indicator):
    members_a = make_indicator(code="A-MEM", outcome_code=A, method="members_engaged")
    members_plan = make_indicator(code="PW-MEM", method="members_engaged")
    partners_b = make_indicator(code="B-PART", outcome_code=B, method="partners_engaged")
    partners_plan = make_indicator(code="PW-PART", method="partners_engaged")
    assert _values(members_a) == {2021: 2, 2022: 3}  # Seoul, Montréal, Abidjan (Accra only in excluded ones)
    assert _values(members_plan) == {2021: 2, 2022: 4}  # + Accra from the statement
    assert _values(partners_b) == {2021: 0, 2022: 2}  # UCLG, UN-Habitat
    assert _values(partners_plan) == {2021: 1, 2022: 2}


def test_participants_women_share_budget(app, log, make_indicator):
    people = make_indicator(code="A-PPL", outcome_code=A, method="participants")
    women = make_indicator(code="A-WOM", outcome_code=A, method="women_share", unit="percent")
    women_plan = make_indicator(code="PW-WOM", method="women_share", unit="percent")
    budget = make_indicator(code="A-EUR", outcome_code=A, method="budget_spent", unit="euros")
    budget_plan = make_indicator(code="PW-EUR", method="budget_spent", unit="euros")
    assert _values(people) == {2021: 10, 2022: 50}
    # 2022 on A: (18 + 8) women of all (30 + 20) participants: the share is of the total, the 2 other or not
    # stated included (not of women and men only, which would give 26 of 48).
    assert _values(women) == {2021: Decimal("50.00"), 2022: Decimal("52.00")}
    # Plan-wide adds the statement (5 women of 5); the event, which does not record women, is left out.
    assert _values(women_plan)[2022] == (Decimal(100) * 31 / 55).quantize(Decimal("0.01"))
    assert _values(budget) == {2021: Decimal("100"), 2022: Decimal("1800")}  # 1000 + 500 + 300 in progress
    assert _values(budget_plan)[2022] == Decimal("3850")  # + 2000 event + 50 statement


def test_evidence_count(app, log, make_indicator):
    on_a = make_indicator(code="A-EV", outcome_code=A, method="evidence_count")
    on_a_trainings = make_indicator(code="A-EV-T", outcome_code=A, method="evidence_count", kinds=["training"])
    on_b = make_indicator(code="B-EV", outcome_code=B, method="evidence_count")
    plan = make_indicator(code="PW-EV", method="evidence_count")
    # 2022 on A: 2 live notes of 1, 1 of 2, 1 of the activity in progress, 1 straight on the outcome.
    assert _values(on_a) == {2021: 1, 2022: 5}
    assert _values(on_a_trainings) == {2021: 0, 2022: 4}  # evidence on the outcome itself has no kind
    assert _values(on_b) == {2021: 0, 2022: 1}
    assert _values(plan) == {2021: 1, 2022: 5}


def test_no_data_gives_none_for_sums_and_zero_for_counts(app, make_activity, make_indicator):
    make_activity(kind="event", outcomes=(A,), participants=None, spent=None)
    count = make_indicator(code="C", outcome_code=A, method="completed_activities")
    people = make_indicator(code="P", outcome_code=A, method="participants")
    share = make_indicator(code="W", outcome_code=A, method="women_share")
    budget = make_indicator(code="E", outcome_code=A, method="budget_spent")
    assert _values(count, [2022]) == {2022: 1}
    assert _values(people, [2022]) == {2022: None}
    assert _values(share, [2022]) == {2022: None}
    assert _values(budget, [2022]) == {2022: None}
    assert _values(count, [2023]) == {2023: 0}


def test_cumulative_aggregates_the_plan_years(app, log, make_activity, make_indicator):
    make_activity(kind="training", outcomes=(A,), members=("Seoul", "Accra"), participants=4, start=date(2023, 2, 1))
    count = make_indicator(code="A-C", outcome_code=A, method="completed_activities", cumulative=True)
    members = make_indicator(code="A-M", outcome_code=A, method="members_engaged", cumulative=True)
    people = make_indicator(code="A-P", outcome_code=A, method="participants", cumulative=True)
    share = make_indicator(code="A-W", outcome_code=A, method="women_share", cumulative=True)
    years = (2021, 2022, 2023)
    assert _values(count, years) == {2021: 1, 2022: 3, 2023: 4}
    # Montréal and Addis Ababa; + Seoul and Abidjan; + Accra: Seoul and Montréal are not counted twice.
    assert _values(members, years) == {2021: 2, 2022: 4, 2023: 5}
    assert _values(people, years) == {2021: 10, 2022: 60, 2023: 64}
    assert _values(share, years)[2022] == (Decimal(100) * 31 / 60).quantize(Decimal("0.01"))


def test_manual_values_count_only_when_approved(app, make_user, make_indicator, make_value):
    indicator = make_indicator(code="PW-X")
    cumulative = make_indicator(code="PW-Y", cumulative=True)
    make_value(indicator, 2021, 140, state="approved")
    make_value(indicator, 2022, 150, state="submitted")
    make_value(cumulative, 2021, 10)
    make_value(cumulative, 2022, 25)
    assert _values(indicator, (2021, 2022, 2023)) == {2021: 140, 2022: None, 2023: None}
    assert _values(cumulative) == {2021: 10, 2022: 25}  # as entered, not added up


@pytest.fixture
def indicators_of_every_method(make_indicator):
    """indicators_of_every_method(n) -> n indicators cycling over every method, on outcomes and plan-wide."""

    def _indicators(n: int):
        """n indicators cycling over every computed method and manual, on outcomes and plan-wide."""
        methods = ["completed_activities", "members_engaged", "partners_engaged", "participants", "women_share",
                   "budget_spent", "evidence_count", "manual"]
        outcomes = [A, B, None]
        rows = [make_indicator(code=f"Q-{i}", method=methods[i % len(methods)], outcome_code=outcomes[i % 3],
                               cumulative=bool(i % 2), commit=False) for i in range(n)]
        db.session.commit()
        return rows

    return _indicators


@pytest.fixture
def fill_log(make_activity, make_note):
    """fill_log(n): n activities of both kinds over the three years, every fourth with a note."""

    def _fill(n: int):
        for i in range(n):
            activity = make_activity(kind=("training", "event")[i % 2], outcomes=((A,), (B,), (A, B))[i % 3],
                                     members=(("Seoul",), ("Accra", "Abidjan"))[i % 2], partners=("UCLG",),
                                     participants=10, women=4, men=6, spent=10, start=date(2021 + i % 3, 3, 1),
                                     commit=False)
            if i % 4 == 0:
                db.session.flush()
                make_note(activity=activity, commit=False)
        db.session.commit()

    return _fill


@pytest.fixture
def queries_for(count_queries):
    """queries_for(indicators) -> how many SQL statements compute.actuals sends for them, as a page loads them."""

    def _queries_for(indicators):
        ids = [i.id for i in indicators]
        db.session.expire_all()
        fresh = db.session.scalars(select(Indicator).where(Indicator.id.in_(ids))).all()  # as a page would load them
        with count_queries() as statements:
            compute.actuals(fresh, [2021, 2022, 2023])
        return len(statements)

    return _queries_for


def test_query_count_does_not_grow_with_activities(app, make_value, indicators_of_every_method, fill_log, queries_for):
    indicators = indicators_of_every_method(16)
    for indicator in indicators:
        if indicator.method == "manual":
            make_value(indicator, 2022, 1, commit=False)
    fill_log(5)
    few = queries_for(indicators)
    fill_log(45)
    many = queries_for(indicators)
    assert few == many == 6  # one per family of methods


def test_query_count_is_the_same_for_2_and_10_indicators(app, make_indicator, indicators_of_every_method, fill_log,
                                                         more_indicators, queries_for):
    fill_log(10)
    two = [make_indicator(code="C-A", outcome_code=A, method="completed_activities"),
           make_indicator(code="M-PW", method="members_engaged")]
    more = [make_indicator(code=f"MORE-{i}", outcome_code=(A, B)[i % 2], cumulative=bool(i % 3),
                           method=("completed_activities", "members_engaged")[i % 2],
                           kinds=["training"] if i % 4 == 0 else None) for i in range(8)]
    ten = two + more
    assert len(ten) == 10
    assert queries_for(two) == queries_for(ten) == 2
    every_method = indicators_of_every_method(16)
    assert queries_for(every_method) == queries_for(every_method + more_indicators(24)) == 6


@pytest.fixture
def more_indicators(make_indicator):
    """more_indicators(n) -> n more indicators of five methods, on an outcome and plan-wide."""

    def _indicators_extra(n: int):
        methods = ["members_engaged", "evidence_count", "manual", "women_share", "partners_engaged"]
        rows = [make_indicator(code=f"X-{i}", method=methods[i % len(methods)], outcome_code=(A, None)[i % 2],
                               commit=False) for i in range(n)]
        db.session.commit()
        return rows

    return _indicators_extra


def _link_app():
    """A bare app with an activity list endpoint, so that links are checked whatever the activities feature has."""
    link_app = Flask(__name__)
    link_app.add_url_rule("/activities/", endpoint="activities.index", view_func=lambda: "")
    return link_app


def test_trace_url_lists_the_activities_behind_a_value():
    indicator = Indicator(id=1, outcome_id=7, method="completed_activities", method_kinds=["training", "event"],
                          cumulative=False)
    budget = Indicator(id=2, outcome_id=None, method="budget_spent", cumulative=True)
    manual = Indicator(id=3, outcome_id=None, method="manual", cumulative=False)
    with _link_app().test_request_context():
        url = compute.trace_url(indicator, 2022, outcome_code=A)
        assert urlsplit(url).path == "/activities/"
        assert parse_qs(urlsplit(url).query) == {"year": ["2022"], "outcome": [A], "status": ["completed"],
                                                 "kind": ["training", "event"]}
        budget_query = parse_qs(urlsplit(compute.trace_url(budget, 2022)).query)
        assert budget_query == {"status": ["completed", "in_progress"]}  # cumulative and plan-wide: all years
        by_year = compute.trace_urls_by_year(budget, 2022)
        assert [(y, parse_qs(urlsplit(u).query)["year"]) for y, u in by_year] == [(2021, ["2021"]), (2022, ["2022"])]
        assert compute.trace_url(manual, 2022) is None


def test_trace_url_is_none_without_an_activity_list():
    with Flask(__name__).test_request_context():
        assert compute.trace_url(Indicator(id=1, outcome_id=None, method="participants", cumulative=False),
                                 2022) is None
