"""Generate synthetic activities in bulk for benchmarks (`seed demo --activities N`)."""
# Benchmarks need thousands of activities: going through activities.services.create_activity would cost a
# dozen statements per row, so the rows, their links and their audit entries go in with Core bulk inserts
# instead, a few statements per batch of BATCH. What the service would guarantee is kept by hand: values
# within its bounds, version 1, no row in a locked year, and one "create" audit entry per activity.
import random
from datetime import date, timedelta

from sqlalchemy import func, insert, select

from ..activities.models import (
    ACTIVITY_KINDS,
    Activity,
    activity_member,
    activity_outcome,
    activity_partner,
    activity_theme,
)
from ..audit.models import AuditEntry
from ..auth.models import User
from ..core.errors import YearLocked
from ..core.models import utcnow
from ..core.roles import EDITORS
from ..core.years import PLAN_YEARS, locked_years
from ..extensions import db
from ..plan.models import Member, OrientingTheme, Outcome, Partner
from .seed import STAFF_EMAILS, PlanMissing, activity_status, money

SYNTHETIC_PREFIX = "Synthetic activity "
_KINDS = tuple(ACTIVITY_KINDS)
_PLACES = ("online", "Barcelona", "Seoul", "Mexico City", "Johannesburg", "Montréal", "Berlin", "Guangzhou",
           "Buenos Aires", "Abidjan", "Istanbul", "Jakarta")
BATCH = 2000


def synthetic_count() -> int:
    """Count the synthetic activities."""
    return db.session.scalar(select(func.count(Activity.id)).where(
        Activity.is_demo.is_(True), Activity.title.startswith(SYNTHETIC_PREFIX, autoescape=True))) or 0


def _synthetic_row(i: int, seed: int, people: list[int], now) -> tuple[dict, random.Random]:
    """Return the column values of synthetic activity number i (the same for the same seed and number)."""
    rng = random.Random(seed * 1_000_003 + i)
    start = date(2021, 1, 1) + timedelta(days=rng.randrange(3 * 365))
    end = start + timedelta(days=rng.choice((0, 0, 0, 1, 2, 6, 30)))
    end = min(end, date(start.year, 12, 31))
    status = activity_status(rng, start, end, "event")
    total = None if status in ("planned", "cancelled") or rng.random() < 0.2 else rng.randint(0, 500)
    women = None if total is None else rng.randint(0, total)
    men = None if total is None else rng.randint(0, total - women)
    planned = None if rng.random() < 0.3 else money(rng.randint(0, 50_000))
    spent = None if planned is None or status == "planned" else money(float(planned) * rng.uniform(0, 1.1))
    person = people[i % len(people)] if people else None
    return {
        "title": f"{SYNTHETIC_PREFIX}{i:05d}", "kind": rng.choice(_KINDS), "status": status,
        "start_date": start, "end_date": end, "year": start.year, "place": rng.choice(_PLACES),
        "description": "Generated for volume tests (seed demo --activities).",
        "participants_total": total, "participants_women": women, "participants_men": men,
        "participants_other": None if total is None else total - women - men,
        "budget_planned": planned, "budget_spent": spent, "responsible_id": person, "created_by_id": person,
        "created_at": now, "updated_at": now, "is_demo": True, "version": 1, "outcome_kind_id": None,
        "deleted_at": None,
    }, rng


def _snapshot(row: dict, links: tuple, names: dict) -> dict:
    """Return the audit snapshot of a synthetic activity, in the shape activities.services.snapshot gives."""
    outcomes, members, partners, themes = links
    return {
        "title": row["title"], "kind": row["kind"], "outcome_kind": None, "start_date": row["start_date"],
        "end_date": row["end_date"], "year": row["year"], "status": row["status"], "description": row["description"],
        "place": row["place"], "outcomes": [code for _, code in sorted(names["outcomes"][x] for x in outcomes)],
        "themes": [name for _, name in sorted(names["themes"][x] for x in themes)], "challenges": [],
        "members": [{"id": x, "city": names["members"][x]} for x in sorted(members)],
        "partners": [{"id": x, "name": names["partners"][x]} for x in sorted(partners)],
        "participants_total": row["participants_total"], "participants_women": row["participants_women"],
        "participants_men": row["participants_men"], "participants_other": row["participants_other"],
        "budget_planned": None if row["budget_planned"] is None else f"{row['budget_planned']:.2f}",
        "budget_spent": None if row["budget_spent"] is None else f"{row['budget_spent']:.2f}",
        "responsible_id": row["responsible_id"], "deleted_at": None,
    }


def _jsonable(value):
    """Turn dates into text, as the audit record stores them."""
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    return value.isoformat() if isinstance(value, date) else value


def seed_synthetic(count: int, seed: int = 1) -> int:
    """Top the synthetic activities up to `count` with Core bulk inserts; return how many were created."""
    existing = synthetic_count()
    if existing >= count:
        return 0
    outcomes = db.session.execute(select(Outcome.id, Outcome.position, Outcome.code).order_by(Outcome.id)).all()
    if not outcomes:
        raise PlanMissing()
    locked = sorted(locked_years() & set(PLAN_YEARS))
    if locked:  # the rows spread over the whole plan: a final Board evaluation's year must not change
        raise YearLocked(locked[0])
    names = {
        "outcomes": {i: (position, code) for i, position, code in outcomes},
        "members": dict(db.session.execute(select(Member.id, Member.city)).all()),
        "partners": dict(db.session.execute(select(Partner.id, Partner.name)).all()),
        "themes": {i: (position, name) for i, position, name in db.session.execute(
            select(OrientingTheme.id, OrientingTheme.position, OrientingTheme.name))},
    }
    outcome_ids = [i for i, _, _ in outcomes]
    member_ids = sorted(names["members"])
    partner_ids = sorted(names["partners"])
    theme_ids = sorted(names["themes"])
    demo_staff = list(db.session.scalars(select(User.id).where(User.email.in_(STAFF_EMAILS)).order_by(User.id)))
    people = demo_staff or list(db.session.scalars(
        select(User.id).where(User.active.is_(True), User.role.in_(EDITORS)).order_by(User.id)))
    table = Activity.__table__
    now = utcnow()
    created = 0
    for first in range(existing + 1, count + 1, BATCH):
        numbers = range(first, min(first + BATCH, count + 1))
        rows, links = [], {}
        for i in numbers:
            row, rng = _synthetic_row(i, seed, people, now)
            rows.append(row)
            links[row["title"]] = (rng.sample(outcome_ids, rng.randint(1, 3)),
                                   rng.sample(member_ids, rng.randint(0, 5)),
                                   rng.sample(partner_ids, rng.randint(0, 2)),
                                   rng.sample(theme_ids, rng.randint(0, 2)))
        db.session.execute(insert(table), rows)
        ids = dict(db.session.execute(select(table.c.title, table.c.id).where(
            table.c.is_demo.is_(True), table.c.title.in_(list(links)))).all())
        outcome_rows, member_rows, partner_rows, theme_rows, audit_rows = [], [], [], [], []
        for row in rows:
            title = row["title"]
            activity_id = ids[title]
            outcomes_of, members_of, partners_of, themes_of = links[title]
            outcome_rows += [{"activity_id": activity_id, "outcome_id": x} for x in outcomes_of]
            member_rows += [{"activity_id": activity_id, "member_id": x} for x in members_of]
            partner_rows += [{"activity_id": activity_id, "partner_id": x} for x in partners_of]
            theme_rows += [{"activity_id": activity_id, "orienting_theme_id": x} for x in themes_of]
            audit_rows.append({
                "at": now, "user_id": row["created_by_id"], "action": "create", "entity_type": table.name,
                "entity_id": activity_id, "after": _jsonable(_snapshot(row, links[title], names)),
                "summary": f"Created synthetic activity “{title}” (seed demo --activities)"})
        for target, target_rows in ((activity_outcome, outcome_rows), (activity_member, member_rows),
                                    (activity_partner, partner_rows), (activity_theme, theme_rows),
                                    (AuditEntry.__table__, audit_rows)):
            if target_rows:
                db.session.execute(insert(target), target_rows)
        created += len(rows)
    return created
