"""Progress and status against targets: both directions, ranges, thresholds, and properties (Hypothesis)."""
from decimal import Decimal

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from tracker.indicators.progress import PROGRESS_CAP, Evaluation, evaluate, evaluate_configured, thresholds

D = Decimal
RANK = {"off_track": 0, "needs_attention": 1, "on_track": 2}


@pytest.mark.parametrize("target, actual, progress, status", [
    (100, 100, "1", "on_track"),
    (100, 85, "0.85", "on_track"),  # the threshold itself is on track
    (100, 84, "0.84", "needs_attention"),
    (100, 50, "0.5", "needs_attention"),
    (100, 49, "0.49", "off_track"),
    (100, 0, "0", "off_track"),
    (100, -20, "0", "off_track"),
    (100, 250, "2.5", "on_track"),
    (1, 10 ** 9, str(PROGRESS_CAP), "on_track"),  # capped
    (0, 0, "1", "on_track"),  # a zero target is reached by anything at or above it
    (0, 7, "1", "on_track"),
    (0, -1, "0", "off_track"),
    ("0.5", "0.25", "0.5", "needs_attention"),
])
def test_higher_is_better(target, actual, progress, status):
    assert evaluate("higher", D(str(target)), None, D(str(actual))) == Evaluation(D(progress), status)


@pytest.mark.parametrize("target, actual, progress, status", [
    (10, 10, "1", "on_track"),
    (10, 8, "1.25", "on_track"),
    (10, 11, "0.909", "on_track"),  # 0.90909... shown rounded down
    (10, 15, "0.6666", "needs_attention"),
    (10, 25, "0.4", "off_track"),
    (10, 0, "1", "on_track"),  # nothing at all is as low as it gets
    (0, 0, "1", "on_track"),
    (0, 5, "0", "off_track"),
    (10, -3, "1", "on_track"),
    (-10, -12, "1", "on_track"),
    (-10, -5, "0.5", "needs_attention"),
    (-10, 5, "0", "off_track"),
])
def test_lower_is_better(target, actual, progress, status):
    assert evaluate("lower", D(target), None, D(actual)) == Evaluation(D(progress), status)


@pytest.mark.parametrize("low, high, actual, progress, status", [
    (40, 60, 50, "1", "on_track"),
    (40, 60, 40, "1", "on_track"),
    (40, 60, 60, "1", "on_track"),
    (40, 60, 37, "0.85", "on_track"),  # 3 below, a width of 20
    (40, 60, 35, "0.75", "needs_attention"),
    (40, 60, 70, "0.5", "needs_attention"),
    (40, 60, 90, "0", "off_track"),
    (60, 40, 50, "1", "on_track"),  # bounds given the wrong way round
    (50, None, 50, "1", "on_track"),  # a single value: its size is the scale
    (50, 50, 45, "0.9", "on_track"),
    (50, 50, 20, "0.4", "off_track"),
    (0, 0, 1, "0", "off_track"),  # zero width around zero: any distance is off
])
def test_stay_within_a_range(low, high, actual, progress, status):
    result = evaluate("range", D(low), None if high is None else D(high), D(actual))
    assert result == Evaluation(D(progress), status)


@pytest.mark.parametrize("direction", ["higher", "lower", "range"])
def test_no_status_from_missing_data(direction):
    assert evaluate(direction, None, None, D(5)) == Evaluation(None, None)
    assert evaluate(direction, D(5), D(9), None) == Evaluation(None, None)
    assert evaluate(direction, None, None, None) == Evaluation(None, None)


def test_thresholds_are_arguments():
    assert evaluate("higher", D(100), None, D(80)).status == "needs_attention"
    assert evaluate("higher", D(100), None, D(80), on_track_at=D("0.75")).status == "on_track"
    assert evaluate("higher", D(100), None, D(40), attention_at=D("0.3")).status == "needs_attention"


def test_thresholds_come_from_the_configuration(app):
    assert thresholds() == (D("0.85"), D("0.5"))
    old = app.config["STATUS_ON_TRACK_AT"], app.config["STATUS_ATTENTION_AT"]
    app.config.update(STATUS_ON_TRACK_AT=0.9, STATUS_ATTENTION_AT=0.6)
    try:
        assert thresholds() == (D("0.9"), D("0.6"))
        assert evaluate_configured("higher", D(100), None, D(88)).status == "needs_attention"
        assert evaluate_configured("higher", D(100), None, D(55)).status == "off_track"
    finally:
        app.config.update(STATUS_ON_TRACK_AT=old[0], STATUS_ATTENTION_AT=old[1])


def test_cumulative_targets_compare_running_totals():
    """A cumulative target of 2, 4 and 9 against running totals of 2, 2+2 and 2+2+1 activities."""
    targets, per_year = {2021: 2, 2022: 4, 2023: 9}, {2021: 2, 2022: 2, 2023: 1}
    running, statuses = 0, {}
    for year in sorted(targets):
        running += per_year[year]
        statuses[year] = evaluate("higher", D(targets[year]), None, D(running)).status
    assert statuses == {2021: "on_track", 2022: "on_track", 2023: "needs_attention"}


numbers = st.decimals(allow_nan=False, allow_infinity=False)
optional = st.none() | numbers
directions = st.sampled_from(["higher", "lower", "range"])


@settings(max_examples=400, deadline=None)
@given(directions, optional, optional, optional)
def test_never_raises_and_status_iff_data(direction, target, target_max, actual):
    result = evaluate(direction, target, target_max, actual)
    assert (result.status is None) == (target is None or actual is None)
    assert (result.progress is None) == (result.status is None)
    if result.progress is not None:
        assert D(0) <= result.progress <= PROGRESS_CAP
        assert result.status in RANK


@settings(max_examples=300, deadline=None)
@given(directions, numbers, numbers, numbers)
@example("higher", D(100), None, D("84.99999"))  # just below the threshold stays below it
def test_shown_progress_agrees_with_the_status(direction, target, target_max, actual):
    result = evaluate(direction, target, target_max, actual)
    expected = ("on_track" if result.progress >= D("0.85") else
                "needs_attention" if result.progress >= D("0.5") else "off_track")
    assert result.status == expected
    assert result.progress == result.progress.quantize(D("0.0001"))


@settings(max_examples=200, deadline=None)
@given(st.sampled_from([D(0), D(1), D("1E+30"), D("-1E-30"), D("1E-30"), D("1E+999999")]), numbers)
def test_extremes_do_not_overflow(target, actual):
    for direction in ("higher", "lower", "range"):
        assert evaluate(direction, target, target * 2, actual).status in RANK


@settings(max_examples=300, deadline=None)
@given(numbers, numbers, numbers)
def test_higher_is_monotonic_in_actual(target, a, b):
    low, high = sorted((a, b))
    first, second = evaluate("higher", target, None, low), evaluate("higher", target, None, high)
    assert first.progress <= second.progress
    assert RANK[first.status] <= RANK[second.status]


@settings(max_examples=300, deadline=None)
@given(numbers, numbers, numbers)
def test_lower_status_never_improves_as_actual_grows(target, a, b):
    low, high = sorted((a, b))
    assert RANK[evaluate("lower", target, None, low).status] >= RANK[evaluate("lower", target, None, high).status]


@settings(max_examples=200, deadline=None)
@given(st.integers(-10 ** 6, 10 ** 6), st.integers(0, 10 ** 6), st.integers(-10 ** 7, 10 ** 7))
@example(0, 20000, -1)  # 0.99995 must not be shown as 1
def test_inside_a_range_is_on_track(low, width, actual):
    result = evaluate("range", D(low), D(low + width), D(actual))
    inside = low <= actual <= low + width
    if inside:
        assert result == Evaluation(D(1), "on_track")
    else:
        assert result.progress < 1
