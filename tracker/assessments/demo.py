"""Demo assessments for most outcomes: 2021 and 2022 mostly approved with varied statuses, 2023 mixed.

Idempotent: an outcome's assessment of a year is only added when missing, and locked years are left alone.
Staff accounts, if any, are made responsible for outcomes that have nobody yet.
"""
from sqlalchemy import insert, select

from ..auth.models import User
from ..core.models import utcnow
from ..core.roles import SECRETARY_GENERAL, STAFF, STEERING
from ..extensions import db
from ..plan.models import Outcome
from ..core.years import PLAN_YEARS
from ..plan.models import outcome_responsible
from .models import Assessment
from ..indicators.demo import stable_fraction
from ..core.years import locked_years

STATUS_WEIGHTS = [("on_track", 45), ("achieved", 15), ("needs_attention", 22), ("off_track", 12),
                  ("not_started", 6)]
ACHIEVED = {
    "on_track": [
        "Work on {title} advanced as planned: the activities of the year were delivered with members from every "
        "region, and the first results were shared at the Board meeting.",
        "The team delivered the year's programme on {title}, with good participation from members and partners.",
    ],
    "achieved": [
        "The outcome \u201c{title}\u201d was reached this year: the main deliverable was published and presented "
        "to members, who have started to use it.",
        "Everything planned under {title} was completed, and members asked us to build on it next year.",
    ],
    "needs_attention": [
        "Some progress on {title}: two of the planned activities took place, but others were postponed and "
        "participation from some regions was lower than expected.",
        "Work on {title} started, though more slowly than planned; the first exchanges with members were useful.",
    ],
    "off_track": [
        "Little progress on {title} this year: the planned activities could not take place and the budget was "
        "redirected to emergency responses.",
        "Work on {title} stalled after the project lead left; only preparatory contacts were made.",
    ],
    "not_started": [
        "Work on {title} has not started yet; it was scheduled for later in the plan.",
    ],
}
DIFFICULTIES = [
    "Travel restrictions moved most meetings online, which reduced informal exchanges with members.",
    "Staff turnover in the team delayed the preparation of materials.",
    "Co-funding from partners arrived later than expected.",
    "Members' availability was limited during election periods in several metropolises.",
    "Gender-disaggregated data was hard to collect from some partners.",
    "",
]
NEXT_STEPS = [
    "Agree a calendar with the regional secretaries and confirm the host cities for next year.",
    "Publish the results on the Metropolis platforms and present them at the Annual Meeting.",
    "Involve more members from Africa and Latin America through the regional secretaries.",
    "Secure co-funding with partners and launch the call for participants early in the year.",
    "Review the approach with the Secretary General and focus on fewer, larger activities.",
]
RETURN_NOTES = [
    "Please add figures on participation and say which members were involved.",
    "The difficulties section is empty; say what slowed the work down.",
]


def _weighted(rng, pairs):
    """Pick a value from (value, weight) pairs."""
    total = sum(w for _, w in pairs)
    pick = rng.uniform(0, total)
    for value, weight in pairs:
        pick -= weight
        if pick <= 0:
            return value
    return pairs[-1][0]


def seed_demo_assessments(rng) -> dict:
    """Add demo assessments and responsibles where missing; return how many were created."""
    locked = locked_years()
    outcomes = list(db.session.scalars(select(Outcome).order_by(Outcome.position)))
    staff = list(db.session.scalars(select(User).where(User.active.is_(True), User.role == STAFF).order_by(User.id)))
    reviewer = db.session.scalar(select(User).where(User.active.is_(True), User.role == SECRETARY_GENERAL)
                                 .order_by(User.id)) or db.session.scalar(
        select(User).where(User.active.is_(True), User.role.in_(STEERING)).order_by(User.id))
    existing = {(a.outcome_id, a.year) for a in db.session.scalars(select(Assessment))}
    assigned = set(db.session.scalars(select(outcome_responsible.c.outcome_id)))
    created = {"assessments": 0, "responsibles": 0}
    for index, outcome in enumerate(outcomes):
        responsible = staff[index % len(staff)] if staff else None
        if responsible is not None and outcome.id not in assigned:
            db.session.execute(insert(outcome_responsible).values(outcome_id=outcome.id, user_id=responsible.id))
            created["responsibles"] += 1
        title = outcome.title.rstrip(".")
        title = title[0].lower() + title[1:]
        for year in PLAN_YEARS:
            if (outcome.id, year) in existing or year in locked:
                continue
            last = year == PLAN_YEARS[-1]
            if stable_fraction(f"{outcome.code}-{year}") > (0.7 if last else 0.9):
                continue  # some outcomes are not assessed yet (always the same ones, so that reruns add nothing)
            status = _weighted(rng, STATUS_WEIGHTS)
            state = rng.choice(["draft", "submitted", "submitted", "returned", "approved"]) if last else (
                "approved" if rng.random() < 0.92 else "submitted")
            reviewed = state in ("approved", "returned")
            db.session.add(Assessment(
                outcome_id=outcome.id, year=year, status=status,
                achieved=rng.choice(ACHIEVED[status]).format(title=title),
                difficulties=rng.choice(DIFFICULTIES), next_steps=rng.choice(NEXT_STEPS),
                review_state=state, review_note=rng.choice(RETURN_NOTES) if state == "returned" else None,
                author_id=getattr(responsible, "id", None),
                submitted_at=utcnow() if state != "draft" else None,
                reviewed_by_id=getattr(reviewer, "id", None) if reviewed else None,
                reviewed_at=utcnow() if reviewed else None))
            created["assessments"] += 1
    db.session.flush()
    return created
