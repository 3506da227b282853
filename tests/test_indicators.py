"""Indicators: seeding, rows for pages and reports, targets, overrides, entered values and their review, pages."""
import random
from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from tracker.audit.models import AuditEntry
from tracker.core import review
from tracker.core.errors import DomainError, NotAllowed, ReviewError, YearLocked
from tracker.core.years import YearLock, lock_year
from tracker.demo.seed import seed_demo_measurements
from tracker.extensions import db
from tracker.indicators import services
from tracker.indicators.models import Indicator, IndicatorTarget, IndicatorValue
from tracker.indicators.seed import seed_indicators

CODE = "L2.A2.O3"
PLAN_WIDE_BASELINES = {
    "PW-MEMBERS": ("number", 141), "PW-COUNTRIES": ("number", 61), "PW-PEOPLE": ("people", 608_000_000),
    "PW-LEADERS": ("people", 1000), "PW-EXPERTS": ("people", 100), "PW-FOLLOWERS": ("people", 32000),
    "PW-OBS-INDICATORS": ("number", 38), "PW-OBS-SPACES": ("number", 71),
}


def _value(indicator_id, year) -> IndicatorValue | None:
    db.session.expire_all()
    return db.session.scalar(select(IndicatorValue).where(IndicatorValue.indicator_id == indicator_id,
                                                          IndicatorValue.year == year))


def _targets(indicator_id) -> dict:
    db.session.expire_all()
    return {t.year: t for t in db.session.scalars(select(IndicatorTarget)
                                                  .where(IndicatorTarget.indicator_id == indicator_id))}


def _entries(entity_type):
    return db.session.scalars(select(AuditEntry).where(AuditEntry.entity_type == entity_type)
                              .order_by(AuditEntry.id)).all()


# ---------------------------------------------------------------- seed and demo


def test_seeded_plan_wide_indicators_with_their_2020_baselines(app):
    assert seed_indicators()["indicators"] >= 16
    db.session.commit()
    plan_wide = {i.code: i for i in services.plan_wide_indicators()}
    assert set(plan_wide) == set(PLAN_WIDE_BASELINES)
    for code, (unit, baseline) in PLAN_WIDE_BASELINES.items():
        indicator = plan_wide[code]
        assert (indicator.unit, indicator.baseline_value, indicator.baseline_year) == (unit, Decimal(baseline), 2020)
        assert indicator.method == "manual" and indicator.direction == "higher" and indicator.targets == []
    assert plan_wide["PW-MEMBERS"].name == "Member governments"
    assert "141 local and metropolitan governments from 61 countries" in plan_wide["PW-MEMBERS"].definition
    starters = services.indicators_for_outcomes()
    assert 8 <= len(starters) <= 12 and all(i.is_computed for i in starters)
    assert {i.outcome.code.split(".")[0] for i in starters} == {"L1", "L2", "L3"}
    methods = {i.method for i in starters}
    assert methods == {"completed_activities", "members_engaged", "partners_engaged", "participants", "women_share",
                       "budget_spent", "evidence_count"}
    debates = db.session.scalar(select(Indicator).where(Indicator.code == "L1-DEBATES"))
    assert (debates.outcome.code, debates.method_kinds) == ("L1.A1.O2", ["policy_debate"])
    assert db.session.scalar(select(func.count()).select_from(IndicatorTarget)) == 0


def test_seeding_twice_creates_nothing_and_keeps_the_secretary_generals_changes(app, make_user):
    seed_indicators()
    db.session.commit()
    sg = make_user("secretary_general")
    members = db.session.scalar(select(Indicator).where(Indicator.code == "PW-MEMBERS"))
    services.set_targets(sg, members, {2021: 150})
    members.name = "Members (renamed)"
    db.session.commit()
    count = db.session.scalar(select(func.count()).select_from(Indicator))
    assert seed_indicators() == {"indicators": 0}
    db.session.commit()
    assert db.session.scalar(select(func.count()).select_from(Indicator)) == count
    assert members.name == "Members (renamed)" and _targets(members.id)[2021].target == 150


def test_cli_seed_plan_also_seeds_indicators(app, runner):
    result = runner.invoke(args=["seed", "plan"])
    assert result.exit_code == 0, result.output
    assert f"{len(PLAN_WIDE_BASELINES) + 10} indicators" in result.output
    again = runner.invoke(args=["seed", "plan"])
    assert "already up to date" in again.output
    assert db.session.scalar(select(func.count()).select_from(Indicator)) == len(PLAN_WIDE_BASELINES) + 10


def test_demo_measurements_are_mixed_and_idempotent(app, make_user):
    make_user("staff")
    make_user("secretary_general")
    created = seed_demo_measurements(random.Random(3))
    db.session.commit()
    assert created["targets"] == 18 * 3
    values = db.session.scalars(select(IndicatorValue)).all()
    assert {v.review_state for v in values if v.year < 2023} == {"approved"}
    assert len({v.review_state for v in values if v.year == 2023}) >= 3
    assert len([v for v in values if v.year == 2023]) < len([v for v in values if v.year == 2022])
    assert seed_demo_measurements(random.Random(4)) == {"targets": 0, "values": 0}
    rows = services.indicator_rows(services.plan_wide_indicators(), [2021, 2022])
    statuses = {row["years"][year]["status"] for row in rows for year in (2021, 2022)}
    assert len(statuses - {None}) >= 2  # the overview shows colours


# ---------------------------------------------------------------- rows for pages and reports


def test_indicator_rows_follow_the_contract(app, make_indicator, make_value):
    indicator = make_indicator(code="PW-A", name="Followers", unit="people", baseline=32000, baseline_year=2020,
                               targets={2021: 36000, 2022: 40000})
    make_value(indicator, 2021, 35000, state="approved")
    make_value(indicator, 2022, 41000, state="submitted")
    row = services.indicator_rows([indicator], [2021, 2022, 2023])[0]
    assert {k: row[k] for k in ("id", "code", "name", "unit", "direction", "cumulative", "method", "outcome_code")} \
        == {"id": indicator.id, "code": "PW-A", "name": "Followers", "unit": "people", "direction": "higher",
            "cumulative": False, "method": "manual", "outcome_code": None}
    assert row["baseline"] == {"value": Decimal(32000), "year": 2020}
    first, pending, empty = (row["years"][y] for y in (2021, 2022, 2023))
    assert {"target", "target_max", "actual", "progress", "status", "status_override", "override_reason", "pending",
            "trace_url"} <= set(first)
    assert (first["actual"], first["progress"], first["status"], first["pending"]) == (
        Decimal(35000), Decimal("0.9722"), "on_track", False)
    assert (pending["actual"], pending["status"], pending["pending"]) == (None, None, True)  # not counted yet
    assert (empty["target"], empty["actual"], empty["status"], empty["pending"]) == (None, None, None, False)


def test_cumulative_computed_indicator_status(app, make_activity, make_indicator):
    indicator = make_indicator(code="L2-C", outcome_code=CODE, method="completed_activities", cumulative=True,
                               targets={2021: 2, 2022: 5, 2023: 8})
    for start in (date(2021, 3, 1), date(2021, 9, 1), date(2022, 4, 1), date(2023, 1, 9)):
        make_activity(outcomes=(CODE,), start=start)
    row = services.indicator_rows([indicator], [2021, 2022, 2023])[0]
    assert [(row["years"][y]["actual"], row["years"][y]["status"]) for y in (2021, 2022, 2023)] == [
        (2, "on_track"), (3, "needs_attention"), (4, "needs_attention")]
    assert row["outcome_code"] == CODE


def test_lower_and_range_directions_in_rows(app, make_activity, make_indicator):
    budget = make_indicator(code="E", outcome_code=CODE, method="budget_spent", direction="lower", unit="euros",
                            targets={2022: 1000})
    share = make_indicator(code="W", outcome_code=CODE, method="women_share", direction="range", unit="percent",
                           targets={2022: (40, 60)})
    make_activity(outcomes=(CODE,), spent=1500, participants=10, women=3, men=7)
    rows = {r["code"]: r["years"][2022] for r in services.indicator_rows([budget, share], [2022])}
    assert (rows["E"]["actual"], rows["E"]["progress"], rows["E"]["status"]) == (
        Decimal(1500), Decimal("0.6666"), "needs_attention")
    assert (rows["W"]["actual"], rows["W"]["progress"], rows["W"]["status"]) == (
        Decimal("30.00"), Decimal("0.5"), "needs_attention")


# ---------------------------------------------------------------- targets and overrides


def test_targets_need_a_reason_when_they_change_and_are_audited(app, make_user, make_indicator):
    sg, staff = make_user("secretary_general"), make_user("staff")
    indicator = make_indicator(code="PW-T")
    with pytest.raises(NotAllowed):
        services.set_targets(staff, indicator, {2021: 5})
    assert services.set_targets(sg, indicator, {2021: 5, 2022: 8, 2023: None}) == [2021, 2022]
    db.session.commit()
    with pytest.raises(services.TargetReasonRequired):
        services.set_targets(sg, indicator, {2021: 5, 2022: 9, 2023: 12})
    db.session.rollback()
    assert _targets(indicator.id)[2022].target == 8 and 2023 not in _targets(indicator.id)  # nothing written
    assert services.set_targets(sg, indicator, {2021: "5.0000", 2022: 8}) == []  # the same figures change nothing
    assert services.set_targets(sg, indicator, {2022: 9, 2023: 12}, reason="Two new members joined") == [2022, 2023]
    db.session.commit()
    entries = _entries("indicator_target")
    assert [e.action for e in entries] == ["create", "create", "update", "create"]
    change = entries[2]
    assert change.before["target"] == "8.0000" and change.after["target"] == "9.0000"
    assert change.after["reason"] == "Two new members joined" and "Two new members joined" in change.summary


def test_range_targets_need_both_bounds(app, make_user, make_indicator):
    sg = make_user("secretary_general")
    indicator = make_indicator(code="W", direction="range")
    with pytest.raises(DomainError, match="upper bound"):
        services.set_targets(sg, indicator, {2022: (40, None)})
    with pytest.raises(DomainError, match="must not be below"):
        services.set_targets(sg, indicator, {2022: (60, 40)})
    services.set_targets(sg, indicator, {2022: (40, 60)})
    db.session.commit()
    assert (_targets(indicator.id)[2022].target, _targets(indicator.id)[2022].target_max) == (40, 60)


def test_status_override_needs_a_reason_and_is_audited(app, make_user, make_indicator, make_value):
    sg, staff = make_user("secretary_general"), make_user("staff")
    indicator = make_indicator(code="PW-O", targets={2022: 100})
    make_value(indicator, 2022, 30)
    with pytest.raises(NotAllowed):
        services.set_override(staff, indicator, 2022, "on_track", "because")
    with pytest.raises(DomainError, match="reason"):
        services.set_override(sg, indicator, 2022, "on_track", " ")
    services.set_override(sg, indicator, 2022, "on_track", "The campaign started late but is working")
    services.set_override(sg, indicator, 2021, "needs_attention", "No data collected")  # no target row before
    db.session.commit()
    row = services.indicator_rows([indicator], [2021, 2022])[0]["years"]
    assert (row[2022]["status"], row[2022]["computed_status"], row[2022]["override_reason"]) == (
        "on_track", "off_track", "The campaign started late but is working")
    assert row[2021]["status"] == "needs_attention" and row[2021]["target"] is None
    services.clear_override(sg, indicator, 2022)
    db.session.commit()
    assert services.indicator_rows([indicator], [2022])[0]["years"][2022]["status"] == "off_track"
    entries = _entries("indicator_target")
    assert [e.action for e in entries] == ["override", "override", "override"]
    assert entries[0].after["status_override"] == "on_track" and entries[2].after["status_override"] is None


# ---------------------------------------------------------------- values under review


def test_value_review_transitions_and_who_may_make_them(app, make_user, make_indicator, assign_responsible):
    staff, other, sg, board = (make_user("staff"), make_user("staff"), make_user("secretary_general"),
                               make_user("board"))
    indicator = make_indicator(code="L2-V", outcome_code=CODE)
    computed = make_indicator(code="L2-P", outcome_code=CODE, method="participants")
    with pytest.raises(NotAllowed):
        services.save_value(staff, indicator, 2022, 10)  # not responsible for the outcome
    assign_responsible(staff)
    with pytest.raises(NotAllowed):
        services.save_value(board, indicator, 2022, 10)
    with pytest.raises(DomainError, match="computed"):
        services.save_value(staff, computed, 2022, 10)
    value = services.save_value(staff, indicator, 2022, 10, "From the attendance lists")
    assert (value.review_state, value.entered_by_id) == ("draft", staff.id)
    with pytest.raises(NotAllowed):
        services.submit_value(other, value)
    services.submit_value(staff, value)
    with pytest.raises(NotAllowed):
        review.approve(staff, value)
    with pytest.raises(NotAllowed):
        review.return_(board, value, "no")
    with pytest.raises(ReviewError):
        review.return_(sg, value, "")
    review.return_(sg, value, "Which lists?")
    assert (value.review_state, value.review_note) == ("returned", "Which lists?")
    services.submit_value(staff, value)
    review.approve(sg, value)
    db.session.commit()
    assert services.indicator_rows([indicator], [2022])[0]["years"][2022]["actual"] == 10
    services.save_value(staff, indicator, 2022, 12, "Corrected")
    db.session.commit()
    row = services.indicator_rows([indicator], [2022])[0]["years"][2022]
    assert (row["actual"], row["pending"], _value(indicator.id, 2022).review_state) == (None, True, "draft")
    actions = [e.action for e in _entries("indicator_value")]
    assert actions == ["create", "submit", "return", "submit", "approve", "update"]
    assert _entries("indicator_value")[-1].before["value"] == "10.0000"


def test_plan_wide_values_are_open_to_every_staff_member(app, make_user, make_indicator):
    staff = make_user("staff")
    indicator = make_indicator(code="PW-S")
    services.save_value(staff, indicator, 2022, 33000)
    db.session.commit()
    assert _value(indicator.id, 2022).value == 33000


# ---------------------------------------------------------------- pages


def test_secretary_general_defines_and_edits_an_indicator(app, client_as, find_outcome):
    sg = client_as("secretary_general")
    assert sg.get(f"/indicators/new?outcome={find_outcome(CODE).id}").status_code == 200
    form = {"code": "L2-NEW", "name": "Practitioners trained", "definition": "People trained", "unit": "people",
            "direction": "higher", "outcome_id": find_outcome(CODE).id, "baseline_value": "120",
            "baseline_year": "2020",
            "method": "participants", "method_kinds": ["training"], "position": "3", "active": "y"}
    response = sg.post("/indicators/new", data=form)
    assert response.status_code == 302
    indicator = db.session.scalar(select(Indicator).where(Indicator.code == "L2-NEW"))
    assert (indicator.outcome_id, indicator.method_kinds, indicator.baseline_value) == (
        find_outcome(CODE).id, ["training"], Decimal(120))
    again = sg.post("/indicators/new", data=form)
    assert again.status_code == 200 and "already an indicator with the code L2-NEW" in again.get_data(as_text=True)
    response = sg.post("/indicators/new", data={**form, "code": "L2-BAD", "baseline_year": ""})
    assert "Give the year of the baseline value" in response.get_data(as_text=True)
    response = sg.post("/indicators/new", data={**form, "code": "L2-MAN", "method": "manual"})
    assert "Activity kinds only apply to computed indicators" in response.get_data(as_text=True)
    response = sg.post(f"/indicators/{indicator.id}/edit", data={**form, "outcome_id": "0", "name": "Renamed",
                                                                 "method_kinds": []})
    assert response.status_code == 302
    db.session.expire_all()
    indicator = db.session.get(Indicator, indicator.id)
    assert (indicator.name, indicator.outcome_id, indicator.method_kinds) == ("Renamed", None, None)
    assert [e.action for e in _entries("indicator")] == ["create", "update"]
    assert db.session.scalar(select(func.count()).select_from(Indicator)) == 1


def test_targets_page_asks_for_a_reason_next_to_the_field(app, client_as, make_indicator):
    sg = client_as("secretary_general")
    indicator = make_indicator(code="PW-T", targets={2021: 5})
    response = sg.post(f"/indicators/{indicator.id}/targets",
                       data={"targets-target_2021": "6", "targets-target_2022": "9", "targets-reason": ""})
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and "Give the reason for changing a target" in html
    assert 'id="targets-reason-errors"' in html
    assert _targets(indicator.id)[2021].target == 5 and 2022 not in _targets(indicator.id)  # no partial write
    response = sg.post(f"/indicators/{indicator.id}/targets", data={"targets-target_2021": "lots"})
    assert response.status_code == 200 and "Not a valid decimal value" in response.get_data(as_text=True)
    response = sg.post(f"/indicators/{indicator.id}/targets", data={"targets-target_2021": "1e40"})
    assert "too large" in response.get_data(as_text=True)
    response = sg.post(f"/indicators/{indicator.id}/targets",
                       data={"targets-target_2021": "6", "targets-target_2022": "9",
                             "targets-reason": "The Board raised the bar"})
    assert response.status_code == 302
    assert {y: t.target for y, t in _targets(indicator.id).items()} == {2021: 6, 2022: 9}


def test_override_page(app, client_as, make_indicator):
    sg = client_as("secretary_general")
    indicator = make_indicator(code="PW-O", targets={2022: 100})
    response = sg.post(f"/indicators/{indicator.id}/override",
                       data={"override-year": "2022", "override-status": "on_track", "override-reason": ""})
    assert response.status_code == 200 and "Give the reason for overriding" in response.get_data(as_text=True)
    assert _targets(indicator.id)[2022].status_override is None
    sg.post(f"/indicators/{indicator.id}/override",
            data={"override-year": "2022", "override-status": "on_track", "override-reason": "Late start"})
    assert _targets(indicator.id)[2022].status_override == "on_track"
    html = sg.get(f"/indicators/{indicator.id}").get_data(as_text=True)
    assert "set by the Secretary General: Late start" in html
    sg.post(f"/indicators/{indicator.id}/override", data={"override-year": "2022", "override-status": ""})
    assert _targets(indicator.id)[2022].status_override is None


def test_staff_enters_submits_and_sg_reviews_a_value(app, client_as, make_indicator):
    staff, sg = client_as("staff"), client_as("secretary_general")
    indicator = make_indicator(code="PW-V", targets={2022: 30000})
    url = f"/indicators/{indicator.id}/values/2022"
    assert staff.get(url).status_code == 200
    response = staff.post(url, data={"value": "abc"})
    assert response.status_code == 200 and "Not a valid decimal value" in response.get_data(as_text=True)
    assert staff.post(url, data={"value": ""}).get_data(as_text=True).count("Enter a value.") == 1
    assert _value(indicator.id, 2022) is None
    response = staff.post(url, data={"value": "0", "note": "Start"})
    assert response.status_code == 302 and _value(indicator.id, 2022).value == 0  # zero is a value
    value_id = _value(indicator.id, 2022).id
    staff.post(url, data={"value": "33000", "note": "Platform statistics", "version": "1", "then": "submit"})
    assert (_value(indicator.id, 2022).value, _value(indicator.id, 2022).review_state) == (33000, "submitted")
    assert staff.post(f"/indicators/values/{value_id}/review", data={"decision": "approve"}).status_code == 403
    html = sg.get(f"/indicators/{indicator.id}").get_data(as_text=True)
    assert "pending" in html and "Awaiting review" in html
    response = sg.post(f"/indicators/values/{value_id}/review", data={"decision": "return", "note": ""})
    assert response.status_code == 200 and "Write a note saying what needs to change" in response.get_data(as_text=True)
    sg.post(f"/indicators/values/{value_id}/review", data={"decision": "return", "note": "Which platforms?"})
    assert _value(indicator.id, 2022).review_state == "returned"
    assert staff.post(f"/indicators/values/{value_id}/submit").status_code == 302
    sg.post(f"/indicators/values/{value_id}/review", data={"decision": "approve"})
    assert _value(indicator.id, 2022).review_state == "approved"
    html = client_as("board").get("/indicators/?year=2022").get_data(as_text=True)
    assert "33,000" in html and "On track" in html


def test_value_evidence_must_belong_to_the_outcome(app, client_as, make_activity, make_indicator, make_note):
    sg = client_as("secretary_general")
    indicator = make_indicator(code="L2-E", outcome_code=CODE)
    ours = make_note(activity=make_activity(outcomes=(CODE,)), title="Attendance list")
    theirs = make_note(outcome_code="L1.A1.O1", title="Elsewhere")
    url = f"/indicators/{indicator.id}/values/2022"
    html = sg.get(url).get_data(as_text=True)
    assert "Attendance list" in html and "Elsewhere" not in html
    response = sg.post(url, data={"value": "4", "evidence_id": str(theirs.id)})
    assert response.status_code == 200
    assert f"choose evidence of {CODE} or of its activities" in response.get_data(as_text=True)
    assert _value(indicator.id, 2022) is None
    assert sg.post(url, data={"value": "4", "evidence_id": str(ours.id)}).status_code == 302
    assert _value(indicator.id, 2022).evidence_id == ours.id
    with pytest.raises(DomainError, match="does not belong"):
        services.save_value(sg.user, indicator, 2021, 4, evidence_id=theirs.id)


def test_value_pages_refuse_who_may_not(app, client_as, make_indicator, make_value, assign_responsible):
    staff, board = client_as("staff"), client_as("board")
    on_outcome = make_indicator(code="L2-R", outcome_code=CODE)
    computed = make_indicator(code="L2-P", outcome_code=CODE, method="participants")
    value = make_value(on_outcome, 2022, 5, state="submitted")
    assert staff.get(f"/indicators/{on_outcome.id}/values/2022").status_code == 403  # not responsible
    assert staff.post(f"/indicators/values/{value.id}/submit").status_code == 403
    assert staff.get(f"/indicators/{computed.id}/values/2022").status_code == 404
    assert staff.get(f"/indicators/{on_outcome.id}/values/2019").status_code == 404
    assign_responsible(staff.user)
    assert staff.get(f"/indicators/{on_outcome.id}/values/2022").status_code == 200
    for url in (f"/indicators/{on_outcome.id}/values/2022", f"/indicators/values/{value.id}/submit",
                f"/indicators/values/{value.id}/review", f"/indicators/{on_outcome.id}/targets",
                f"/indicators/{on_outcome.id}/override", "/indicators/new", f"/indicators/{on_outcome.id}/edit"):
        assert board.post(url, data={"value": "1", "decision": "approve"}).status_code == 403, url
    for url in ("/indicators/new", f"/indicators/{on_outcome.id}/edit"):
        assert staff.get(url).status_code == 403
    assert staff.post(f"/indicators/{on_outcome.id}/targets", data={"targets-target_2022": "1"}).status_code == 403
    assert _value(on_outcome.id, 2022).review_state == "submitted"


def test_locked_year_refuses_values_targets_and_overrides(app, client_as, make_indicator, make_value):
    sg = client_as("secretary_general")
    indicator = make_indicator(code="PW-L", targets={2022: 10})
    make_value(indicator, 2022, 9, state="approved")
    lock_year(sg.user, 2022)
    db.session.commit()
    url = f"/indicators/{indicator.id}/values/2022"
    html = sg.get(url).get_data(as_text=True)
    assert "2022 is locked" in html and 'name="value"' not in html
    response = sg.post(url, data={"value": "11"})
    assert response.status_code == 409 and "2022 is locked" in response.get_data(as_text=True)
    response = sg.post(f"/indicators/{indicator.id}/targets",
                       data={"targets-target_2022": "12", "targets-reason": "More ambition"})
    assert response.status_code == 409 and "2022 is locked" in response.get_data(as_text=True)
    response = sg.post(f"/indicators/{indicator.id}/override",
                       data={"override-year": "2022", "override-status": "off_track", "override-reason": "x"})
    assert response.status_code == 409
    assert _value(indicator.id, 2022).value == 9 and _targets(indicator.id)[2022].target == 10
    assert _targets(indicator.id)[2022].status_override is None
    response = sg.post(f"/indicators/{indicator.id}/targets", data={"targets-target_2022": "10",
                                                                    "targets-target_2023": "12"})
    assert response.status_code == 302 and _targets(indicator.id)[2023].target == 12  # open years still change
    with pytest.raises(YearLocked):
        services.save_value(sg.user, indicator, 2022, 11)
    assert db.session.get(YearLock, 2022) is not None


def test_pages_show_indicators_by_plan_then_outcome(app, client_as, make_activity):
    seed_indicators()
    db.session.commit()
    board = client_as("board")
    html = board.get("/indicators/?year=2022").get_data(as_text=True)
    assert html.index("Member governments") < html.index("Policy debates held")
    assert "141" in html and "608,000,000" in html
    assert board.get("/indicators/?year=1999").status_code == 200  # an unknown year falls back to the default
    debates = db.session.scalar(select(Indicator).where(Indicator.code == "L2-PARTICIPANTS"))
    make_activity(kind="training", outcomes=(CODE,), participants=42, start=date(2022, 5, 5))
    html = board.get(f"/indicators/{debates.id}").get_data(as_text=True)
    assert "Participants in learning sessions" in html and "42" in html
    html = board.get(f"/plan/outcomes/{CODE}").get_data(as_text=True)
    assert 'id="indicators"' in html and "Women&#39;s share of learning participants" in html
    assert "New indicator" not in html


def test_outcome_section_marks_pending_values(app, client_as, make_indicator, make_value):
    staff = client_as("staff")
    indicator = make_indicator(code="L2-M", name="Guides published", outcome_code=CODE, targets={2022: 2})
    make_value(indicator, 2022, 2, state="draft")
    html = staff.get(f"/plan/outcomes/{CODE}").get_data(as_text=True)
    assert "Guides published" in html and "pending" in html and "No data" in html


def test_role_policy_of_indicator_routes(app):
    editors, steering = {"admin", "secretary_general", "staff"}, {"admin", "secretary_general"}
    everyone = editors | {"board"}
    expected = {
        "indicators.index": everyone, "indicators.detail": everyone, "indicators.new": steering,
        "indicators.edit": steering, "indicators.targets": steering, "indicators.override": steering,
        "indicators.value": editors, "indicators.submit_value": editors,
        "indicators.export_list": everyone, "indicators.iptt": everyone,
    }
    actual = {endpoint: set(view.allowed_roles) for endpoint, view in app.view_functions.items()
              if endpoint.startswith("indicators.")}
    assert actual == expected
