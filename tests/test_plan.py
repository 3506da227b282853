"""The seeded plan: counts, verbatim titles, idempotent seeding, JSON output, pages."""
import json

from sqlalchemy import func, select

from tracker.extensions import db
from tracker.plan.models import (
    ActionLine,
    Axis,
    Challenge,
    ChallengeTopic,
    KeyIdea,
    Member,
    OrientingTheme,
    Outcome,
    OutcomeKind,
    Partner,
    Plan,
)
from tracker.plan.seed import seed_plan

EXPECTED_COUNTS = {Plan: 1, ActionLine: 3, KeyIdea: 17, Axis: 11, Outcome: 35, OrientingTheme: 5, Challenge: 4,
                   OutcomeKind: 3, Member: 141}


def _counts():
    return {model: db.session.scalar(select(func.count()).select_from(model)) for model in
            (*EXPECTED_COUNTS, ChallengeTopic, Partner)}


def test_seeded_hierarchy_counts(app):
    counts = _counts()
    for model, expected in EXPECTED_COUNTS.items():
        assert counts[model] == expected, model.__name__
    assert counts[Partner] >= 20


def test_titles_are_verbatim(app):
    lines = {line.code: line.title for line in db.session.scalars(select(ActionLine))}
    assert lines == {
        "L1": "Strengthen global leadership on metropolitan diplomacy and advocacy",
        "L2": "Build adaptive capacities for metropolitan governance",
        "L3": "Foster within Metropolis an accountable and sustainable internal governance culture",
    }
    outcomes = {o.code: o.title for o in db.session.scalars(select(Outcome))}
    assert outcomes["L1.A1.O1"] == "Policy recommendations on issues critical to the metropolitan future"
    assert outcomes["L1.A3.O2"] == "Active participation in the Global Taskforce of Local and Regional Governments"
    assert outcomes["L2.A2.O7"] == "Tools to mainstream gender in metropolitan policies"
    assert outcomes["L3.A2.O1"] == "Committed membership organization."  # the plan's own full stop
    assert outcomes["L3.A5.O1"] == ("Risk-aware and adaptive management to be able to respond to emergencies, "
                                    "or other unexpected events")
    axis = db.session.scalar(select(Axis).where(Axis.code == "L2.A3"))
    assert axis.title == ("Localizing global agendas at the metropolitan scale, in particular the 2030 Agenda and its "
                          "Sustainable Development Goals")
    per_axis = dict(db.session.execute(select(Axis.code, func.count(Outcome.id)).join(Outcome)
                                       .group_by(Axis.code)).all())
    assert per_axis == {"L1.A1": 3, "L1.A2": 4, "L1.A3": 3, "L2.A1": 3, "L2.A2": 7, "L2.A3": 2, "L3.A1": 4,
                        "L3.A2": 3, "L3.A3": 4, "L3.A4": 1, "L3.A5": 1}
    ideas = db.session.scalars(select(KeyIdea).join(ActionLine).where(ActionLine.code == "L2")
                               .order_by(KeyIdea.position)).all()
    assert [i.text for i in ideas][0] == ("Apply a forward-looking lens to the question of how to build the "
                                          "metropolises of the future")
    assert len(ideas) == 6


def test_codes_and_order_are_stable(app):
    positions = db.session.scalars(select(Outcome.position).order_by(Outcome.position)).all()
    assert positions == list(range(1, 36))
    first, last = (db.session.scalar(select(Outcome).where(Outcome.position == p)) for p in (1, 35))
    assert (first.code, last.code) == ("L1.A1.O1", "L3.A5.O1")


def test_reference_lists(app):
    assert [t.name for t in db.session.scalars(select(OrientingTheme).order_by(OrientingTheme.position))] == [
        "Sustainability", "Social cohesion", "Economic development", "Gender equality", "Quality of life"]
    challenges = db.session.scalars(select(Challenge).order_by(Challenge.position)).all()
    assert [c.name for c in challenges] == ["Urban growth", "Resilience", "Public legitimacy", "Digital disruption"]
    assert "Affordable housing" in [t.name for t in challenges[0].topics]
    kinds = [k.name for k in db.session.scalars(select(OutcomeKind).order_by(OutcomeKind.position))]
    assert kinds == ["Statements, declarations and positionings", "Policy recommendations",
                     "Practical and technical learning projects"]
    regions = dict(db.session.execute(select(Member.region, func.count()).group_by(Member.region)).all())
    assert set(regions) == {"Africa", "Asia-Pacific", "Europe", "Latin America and the Caribbean", "North America"}
    assert sum(regions.values()) == 141
    barcelona = db.session.scalar(select(Member).where(Member.city == "Barcelona (metropolitan area)"))
    assert (barcelona.institution, barcelona.country, barcelona.region) == (
        "Àrea Metropolitana de Barcelona (AMB)", "ES", "Europe")
    assert db.session.scalar(select(Member).where(Member.city == "Montréal")).region == "North America"
    partners = set(db.session.scalars(select(Partner.name)))
    assert {"United Cities and Local Governments", "Global Taskforce of Local and Regional Governments",
            "Eurocities", "Mayors Migration Council"} <= partners
    assert not any("Metropolis" == p for p in partners)


def test_seeding_twice_changes_nothing(app):
    before = _counts()
    created = seed_plan()
    db.session.commit()
    assert sum(created.values()) == 0
    assert _counts() == before


def test_seed_cli_is_idempotent(runner):
    result = runner.invoke(args=["seed", "plan"])
    assert result.exit_code == 0, result.output
    assert "nothing created" in result.output


def test_plan_show_json(runner):
    result = runner.invoke(args=["plan", "show", "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["plan"]["title"] == "Metropolis Strategic Action Plan 2021-2023"
    assert [line["code"] for line in data["lines"]] == ["L1", "L2", "L3"]
    assert sum(len(line["key_ideas"]) for line in data["lines"]) == 17
    axes = [axis for line in data["lines"] for axis in line["axes"]]
    assert len(axes) == 11
    outcomes = [o for axis in axes for o in axis["outcomes"]]
    assert len(outcomes) == 35
    assert set(outcomes[0]) == {"code", "number", "title"}
    assert set(data["lines"][0]) == {"code", "number", "title", "key_ideas", "axes"}
    assert outcomes[-1]["code"] == "L3.A5.O1"


def test_plan_tree_page(client_as):
    client = client_as("board")
    html = client.get("/plan/").get_data(as_text=True)
    assert "Strengthen global leadership on metropolitan diplomacy and advocacy" in html
    assert html.count('href="/plan/outcomes/') == 35
    assert "Create and maintain alliances with key actors" in html


def test_outcome_page(client_as):
    client = client_as("staff")
    response = client.get("/plan/outcomes/L1.A3.O1")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "Contribute to UCLG activities and debates as the metropolitan section" in html
    assert "Global alliances strategy vis-à-vis other networks and actors" in html
    assert client.get("/plan/outcomes/L9.A9.O9").status_code == 404


def test_members_and_partners_pages(client_as):
    client = client_as("staff")
    html = client.get("/plan/members").get_data(as_text=True)
    assert "141 governments" in html and "Ajuntament de Barcelona" in html
    assert "Eurocities" in client.get("/plan/partners").get_data(as_text=True)
