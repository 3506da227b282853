"""The starter indicators: the plan's 2020 headline figures as plan-wide baselines, and a few computed
indicators per action line. Idempotent by code; existing indicators (and the Secretary General's
targets and edits) are never overwritten. Targets are left to the Secretary General.
"""
from decimal import Decimal

from sqlalchemy import select

from ..audit.services import record
from ..extensions import db
from ..plan.models import Outcome
from .models import Indicator
from .services import INDICATOR_FIELDS

BASELINE_YEAR = 2020

# (code, name, unit, baseline, definition quoting the plan)
PLAN_WIDE = [
    ("PW-MEMBERS", "Member governments", "number", 141,
     "Local and metropolitan governments that are members of Metropolis. The plan: \"Metropolis is its members "
     "(see Appendix II): 141 local and metropolitan governments from 61 countries.\""),
    ("PW-COUNTRIES", "Countries with members", "number", 61,
     "Countries where at least one member government is based. The plan: \"141 local and metropolitan "
     "governments from 61 countries.\""),
    ("PW-PEOPLE", "People living in members' territories", "people", 608_000_000,
     "People living in the territories where members operate. The plan: \"Services that we deliver make an "
     "impact on the lives of more than 608 million people living in the territories where our members "
     "operate.\""),
    ("PW-LEADERS", "Urban leaders engaged in learning opportunities and events per year", "people", 1000,
     "Urban leaders taking part in Metropolis learning opportunities and events in the year. The plan: \"Each "
     "year, more than 1,000 urban leaders engage in our learning opportunities and events.\""),
    ("PW-EXPERTS", "Experts collaborating with Metropolis", "people", 100,
     "Experts who collaborate with the association. The plan: \"more than 100 experts in fields such as urban "
     "planning, gender, equality, mobility, innovation, and energy governance collaborate with us.\""),
    ("PW-FOLLOWERS", "Social media followers", "people", 32000,
     "People following Metropolis on social media at the end of the year. The plan: \"More than 32,000 people "
     "follow us on social media.\""),
    ("PW-OBS-INDICATORS", "Metropolis Observatory indicators", "number", 38,
     "Key indicators of metropolitan governance tracked by the Metropolis Observatory. The plan: \"track data "
     "from around the world on 38 key indicators of metropolitan governance.\""),
    ("PW-OBS-SPACES", "Metropolitan spaces with Observatory data", "number", 71,
     "Metropolitan spaces for which the Observatory holds data. The plan: \"we have collected, through "
     "Metropolis Observatory, data on key indicators from 71 metropolitan spaces across the globe.\""),
]

# (code, outcome, name, method, kinds, unit, direction, cumulative, definition)
STARTER = [
    ("L1-RECOMMENDATIONS", "L1.A1.O1", "Policy recommendations and statements issued", "completed_activities",
     ["statement", "publication"], "number", "higher", False,
     "Completed statements, declarations and publications carrying policy recommendations in the year."),
    ("L1-DEBATES", "L1.A1.O2", "Policy debates held", "completed_activities", ["policy_debate"], "number",
     "higher", False, "Completed policy debates that inform and define positions, in the year."),
    ("L1-EVENTS", "L1.A2.O3", "Global and regional political events with Metropolis participation",
     "completed_activities", ["event", "mission"], "number", "higher", False,
     "Completed events and missions in global and regional political forums, in the year."),
    ("L1-PARTNERS", "L1.A3.O3", "Partner organisations engaged since 2021", "partners_engaged", None, "number",
     "higher", True,
     "Distinct multilateral actors, networks, think tanks and agencies involved in completed activities, "
     "counted once over the plan period up to the year."),
    ("L2-TRAININGS", "L2.A2.O3", "Learning sessions held", "completed_activities", ["training"], "number",
     "higher", False, "Completed learning and capacity-building sessions for senior managers and practitioners."),
    ("L2-PARTICIPANTS", "L2.A2.O3", "Participants in learning sessions", "participants", ["training"], "people",
     "higher", False, "Participants recorded in completed learning sessions of the year."),
    ("L2-WOMEN", "L2.A2.O3", "Women's share of learning participants", "women_share", ["training"], "percent",
     "range", False,
     "Women as a share of the participants of completed learning sessions whose gender split is recorded."),
    ("L3-MEMBERS", "L3.A1.O2", "Members engaged in activities", "members_engaged", None, "number", "higher", False,
     "Distinct member governments involved in completed activities of the year."),
    ("L3-BUDGET", "L3.A2.O3", "Budget spent on activities", "budget_spent", None, "euros", "lower", False,
     "Budget spent on completed and ongoing activities of the year, against the planned envelope."),
    ("L3-EVIDENCE", "L3.A3.O4", "Pieces of evidence recorded", "evidence_count", None, "number", "higher", False,
     "Files, links and notes recorded as evidence of the year's activities and outcomes (traceability)."),
]


def seed_indicators() -> dict:
    """Create the starter indicators that are missing; return how many were created. Does not commit."""
    existing = set(db.session.scalars(select(Indicator.code)))
    outcomes = dict(db.session.execute(select(Outcome.code, Outcome.id)).all())
    new = []
    for position, (code, name, unit, baseline, definition) in enumerate(PLAN_WIDE, start=1):
        if code in existing:
            continue
        new.append(Indicator(code=code, name=name, definition=definition, outcome_id=None, unit=unit,
                             direction="higher", baseline_value=Decimal(baseline), baseline_year=BASELINE_YEAR,
                             cumulative=False, method="manual", method_kinds=None, position=position))
    for position, (code, outcome_code, name, method, kinds, unit, direction, cumulative,
                   definition) in enumerate(STARTER, start=1):
        if code in existing or outcome_code not in outcomes:
            continue  # the plan must be seeded first; `seed plan` does both in order
        new.append(Indicator(code=code, name=name, definition=definition, outcome_id=outcomes[outcome_code],
                             unit=unit, direction=direction, cumulative=cumulative, method=method,
                             method_kinds=kinds, position=position))
    db.session.add_all(new)
    db.session.flush()
    for indicator in new:  # like an indicator the Secretary General defines, each starts its record
        record(None, "create", indicator, after={name: getattr(indicator, name) for name in INDICATOR_FIELDS},
               summary=f"Indicator {indicator.code} seeded")
    return {"indicators": len(new)}
