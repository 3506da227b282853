"""`seed demo`: a realistic, clearly marked 2021-2023 record, idempotent; and synthetic volume for benchmarks."""
from collections import Counter

from sqlalchemy import func, select

from tracker.activities.models import Activity, activity_member, activity_outcome
from tracker.assessments.models import Assessment
from tracker.audit.models import AuditEntry
from tracker.auth.models import User
from tracker.core.years import YearLock
from tracker.demo.seed import DEMO_USERS, PROGRAMMES, demo_items, seed_demo
from tracker.demo.synthetic import seed_synthetic, synthetic_count
from tracker.evidence.models import Evidence
from tracker.extensions import db
from tracker.indicators.models import Indicator, IndicatorTarget, IndicatorValue
from tracker.indicators.seed import seed_indicators
from tracker.plan.models import Outcome


def _demo_activities():
    return db.session.scalars(select(Activity).where(Activity.is_demo.is_(True))).all()


def test_demo_record_covers_the_plan(app):
    created = seed_demo()
    db.session.commit()
    activities = _demo_activities()
    assert created["activities"] == len(activities) >= 150
    assert all(a.is_demo for a in activities)
    assert len({a.title for a in activities}) == len(activities)  # titles unique
    assert all(": " in a.title for a in activities)  # "<programme>: <specific>"
    covered = set(db.session.scalars(select(Outcome.code).join(activity_outcome).distinct()))
    assert len(covered) == 35 == db.session.scalar(select(func.count(Outcome.id)))
    assert {a.year for a in activities} == {2021, 2022, 2023}
    statuses = Counter((a.year, a.status) for a in activities)
    for year in (2021, 2022):  # mostly completed
        done = statuses[(year, "completed")]
        assert done / sum(n for (y, _), n in statuses.items() if y == year) > 0.8
    assert statuses[(2023, "planned")] + statuses[(2023, "in_progress")] > 0
    assert sum(n for (_, status), n in statuses.items() if status == "cancelled") > 0
    with_people = [a for a in activities if a.participants_total]
    assert with_people and all((a.participants_women or 0) + (a.participants_men or 0) <= a.participants_total
                               for a in with_people)
    assert any(a.budget_spent for a in activities) and any(a.partners for a in activities)
    assert db.session.scalar(select(func.count()).select_from(activity_member)) > 100


def test_demo_names_the_plans_programmes(app):
    seed_demo()
    titles = " ".join(a.title for a in _demo_activities())
    for name in ("Policy Debates", "Metropolis Observatory", "USE platform", "Cities for Global Health",
                 "MITI trainings", "City Managers Community", "Emergency Governance Initiative",
                 "World Metropolitan Day", "UCLG World Council", "Global Taskforce", "Guangzhou Award",
                 "Gender Mainstreaming", "Pilot Projects", "Board meetings", "General Assembly 2023",
                 "Code of ethics", "Audit", "Carbon footprint policy", "Membership campaigns", "Annual work plan",
                 "National League of Cities"):
        assert name in titles, name
    mission = db.session.scalar(select(Activity).where(Activity.kind == "mission",
                                                       Activity.title.contains("National League of Cities")))
    assert {p.acronym for p in mission.partners} >= {"UCLG", "NLC"}


def test_demo_accounts_and_evidence(app, monkeypatch):
    monkeypatch.setenv("TRACKER_DEMO_PASSWORD", "a demo password for tests")
    created = seed_demo()
    db.session.commit()
    assert created["users"] == len(DEMO_USERS) == 8
    roles = Counter(db.session.scalars(select(User.role).where(User.email.like("%@demo.metropolis.org"))))
    assert roles == {"secretary_general": 1, "board": 1, "staff": 6}
    sg = db.session.scalar(select(User).where(User.email == "sg@demo.metropolis.org"))
    assert sg.check_password("a demo password for tests")
    evidence = db.session.scalars(select(Evidence)).all()
    assert created["evidence"] == len(evidence) > 150
    assert all(e.is_demo and e.activity_id for e in evidence)
    assert {e.kind for e in evidence} == {"link", "note"}
    assert all(e.url.startswith("https://www.metropolis.org/") for e in evidence if e.kind == "link")
    staff_ids = set(db.session.scalars(select(User.id).where(User.role == "staff")))
    assert {a.responsible_id for a in _demo_activities()} <= staff_ids


def test_demo_is_idempotent(app):
    first = seed_demo()
    db.session.commit()
    counts = (db.session.scalar(select(func.count(Activity.id))), db.session.scalar(select(func.count(Evidence.id))),
              db.session.scalar(select(func.count(User.id))))
    second = seed_demo()
    db.session.commit()
    assert first["activities"] >= 150
    assert set(second.values()) == {0}
    assert {"users", "activities", "evidence", "targets", "values", "assessments", "responsibles"} <= set(second)
    assert first["assessments"] > 35 and first["targets"] > 0
    assert counts == (db.session.scalar(select(func.count(Activity.id))),
                      db.session.scalar(select(func.count(Evidence.id))),
                      db.session.scalar(select(func.count(User.id))))


def _audited(entity_type: str) -> set[int]:
    return set(db.session.scalars(select(AuditEntry.entity_id).where(AuditEntry.entity_type == entity_type)))


def test_every_demo_record_has_an_audit_entry(app):
    seed_indicators()  # as `seed plan` does before the demo
    seed_demo()
    db.session.commit()
    for model in (Activity, Evidence, Assessment, IndicatorValue, IndicatorTarget, Indicator):
        ids = set(db.session.scalars(select(model.id)))
        assert ids, model.__tablename__
        assert ids <= _audited(model.__tablename__), model.__tablename__
    sg = db.session.scalar(select(User).where(User.email == "sg@demo.metropolis.org"))
    reviews = db.session.scalars(select(AuditEntry).where(AuditEntry.action.in_(("approve", "return")))).all()
    assert reviews and {e.user_id for e in reviews} == {sg.id}  # the Secretary General reviews the staff's work
    submitters = set(db.session.scalars(select(AuditEntry.user_id).where(AuditEntry.action == "submit")))
    assert submitters and sg.id not in submitters
    activities = db.session.scalars(select(Activity)).all()
    assert all(a.version == 1 and a.is_demo for a in activities)  # marked as demo without a second save
    created_by = dict(db.session.execute(select(AuditEntry.entity_id, AuditEntry.user_id).where(
        AuditEntry.entity_type == "activity", AuditEntry.action == "create")).all())
    assert all(created_by[a.id] == a.created_by_id for a in activities)


def test_demo_leaves_a_locked_year_alone(app):
    db.session.add(YearLock(year=2021, reason="test"))
    db.session.commit()
    created = seed_demo()
    db.session.commit()
    assert created["activities"] > 100
    assert {a.year for a in _demo_activities()} == {2022, 2023}
    assert db.session.scalar(select(func.count(Assessment.id)).where(Assessment.year == 2021)) == 0


def test_synthetic_activities_have_an_audit_entry(app, make_user):
    make_user("staff")
    seed_synthetic(30)
    db.session.commit()
    ids = set(db.session.scalars(select(Activity.id)))
    assert len(ids) == 30 and ids == _audited("activity")
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.entity_type == "activity").limit(1))
    assert entry.action == "create" and entry.after["title"].startswith("Synthetic activity ")


def test_synthetic_refuses_a_locked_year(runner, make_user):
    db.session.add(YearLock(year=2021, reason="test"))
    db.session.commit()
    result = runner.invoke(args=["seed", "demo", "--activities", "10"])
    assert result.exit_code == 1 and "2021 is locked" in result.output
    assert synthetic_count() == 0


def test_demo_items_are_deterministic():
    first, second = demo_items(), demo_items()
    assert [(i["title"], i["start"], i["end"]) for i in first] == [(i["title"], i["start"], i["end"]) for i in second]
    assert all(i["start"] <= i["end"] and 2021 <= i["start"].year <= 2023 for i in first)
    assert len(first) == sum(len(p.items) for p in PROGRAMMES)


def test_seed_demo_command(runner):
    result = runner.invoke(args=["seed", "demo"])
    assert result.exit_code == 0, result.output
    assert "Demo data created" in result.output and "sg@demo.metropolis.org" in result.output
    assert "metropolis-demo-2021" in result.output or "TRACKER_DEMO_PASSWORD" in result.output
    again = runner.invoke(args=["seed", "demo"])
    assert again.exit_code == 0 and "nothing created" in again.output


def test_demo_pages_render(app, client_as):
    seed_demo()
    db.session.commit()
    client = client_as("board")
    html = client.get("/activities/").get_data(as_text=True)
    assert ">demo</span>" in html  # demo rows are marked
    activity = db.session.scalar(select(Activity).where(Activity.title.startswith("Mission to the United States")))
    page = client.get(f"/activities/{activity.id}").get_data(as_text=True)
    assert "Mission report" in page and "created it" in page


def test_synthetic_top_up_is_idempotent(app, make_user):
    make_user("staff")
    assert seed_synthetic(300) == 300
    db.session.commit()
    assert seed_synthetic(300) == 0
    assert seed_synthetic(120) == 0
    db.session.commit()
    assert synthetic_count() == 300 == db.session.scalar(select(func.count(Activity.id)))
    rows = db.session.scalars(select(Activity).order_by(Activity.id)).all()
    assert rows[0].title == "Synthetic activity 00001" and rows[-1].title == "Synthetic activity 00300"
    assert all(a.is_demo and 1 <= len(a.outcomes) <= 3 and len(a.members) <= 5 and len(a.partners) <= 2
               and 2021 <= a.year <= 2023 and a.start_date <= a.end_date and a.version == 1 for a in rows)
    assert all((a.participants_women or 0) + (a.participants_men or 0) <= (a.participants_total or 0) for a in rows)
    assert seed_synthetic(350) == 50
    assert synthetic_count() == 350


def test_synthetic_is_deterministic(app):
    seed_synthetic(20, seed=7)
    first = [(a.title, a.kind, a.start_date, [o.code for o in a.outcomes]) for a in
             db.session.scalars(select(Activity).order_by(Activity.id))]
    db.session.rollback()
    seed_synthetic(20, seed=7)
    second = [(a.title, a.kind, a.start_date, [o.code for o in a.outcomes]) for a in
              db.session.scalars(select(Activity).order_by(Activity.id))]
    assert first == second


def test_seed_demo_activities_option(runner):
    result = runner.invoke(args=["seed", "demo", "--activities", "40"])
    assert result.exit_code == 0, result.output
    assert "40 created, 40 in all" in result.output
    assert "0 created, 40 in all" in runner.invoke(args=["seed", "demo", "--activities", "40"]).output


def test_demo_needs_the_plan(tmp_path):
    from tracker import create_app

    empty = create_app("testing", SQLALCHEMY_DATABASE_URI="sqlite:///" + str(tmp_path / "empty.sqlite"))
    with empty.app_context():
        db.create_all()
        runner = empty.test_cli_runner()
        for args in (["seed", "demo"], ["seed", "demo", "--activities", "10"]):
            result = runner.invoke(args=args)
            assert result.exit_code == 1 and "seed plan" in result.output
        assert db.session.scalar(select(func.count(User.id))) == 0
        db.session.remove()
        db.engine.dispose()
