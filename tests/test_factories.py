"""The shared factories write what they say, and count_queries counts what it says (the other tests build on them)."""
from datetime import date


def test_factories_link_everything(app, make_user, make_activity, make_assessment, make_indicator, make_note,
                                   make_value):
    staff = make_user("staff")
    activity = make_activity(outcomes=("L1.A1.O1", "L2.A2.O3"), members=("Seoul", "Montréal"), partners=("UCLG",),
                             participants=10, women=6, men=4, spent=100, responsible=staff, start=date(2021, 5, 1))
    assert [o.code for o in activity.outcomes] == ["L1.A1.O1", "L2.A2.O3"]
    assert sorted(m.city for m in activity.members) == ["Montréal", "Seoul"]
    assert activity.partners[0].name == "United Cities and Local Governments"
    assert activity.year == 2021 and activity.version == 1
    note = make_note(activity=activity)
    assert note.activity_id == activity.id
    indicator = make_indicator(targets={2021: 5, 2022: (1, 3)}, direction="range")
    assert [(t.year, t.target_max) for t in indicator.targets][1][1] == 3
    assert make_value(indicator, 2021, 4).review_state == "approved"
    assert make_assessment("L1.A1.O1", 2021).status == "on_track"


def test_count_queries_records_each_statement_of_the_block_only(app, count_queries, find_outcome):
    from sqlalchemy import select

    from tracker.extensions import db
    from tracker.plan.models import Outcome

    with count_queries() as statements:
        db.session.execute(select(Outcome.id).where(Outcome.code == "L1.A1.O1")).all()
        db.session.execute(select(Outcome.code)).all()
    assert len(statements) == 2 and all(s.lstrip().upper().startswith("SELECT") for s in statements)
    assert "outcome" in statements[0].lower()
    find_outcome("L2.A1.O1")  # after the block: not recorded
    assert len(statements) == 2
    with count_queries() as nothing:
        pass
    assert nothing == []
