"""Write the demo record from its data files through the feature services, so that it carries a real audit trail."""
# Idempotent: accounts are matched by email, activities by title, targets, values and assessments by indicator
# or outcome and year; only what is missing is added, and locked years are left alone. Which items are left
# out depends on the item only, so a second run adds nothing.
import json
import os
import random
import re
import zlib
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from functools import cache
from pathlib import Path

from sqlalchemy import select, update

from ..activities.models import Activity
from ..activities.services import ActivityData, create_activity
from ..assessments import services as assessment_services
from ..assessments.models import Assessment
from ..audit.services import record
from ..auth import second_factor
from ..auth.models import User
from ..auth.services import find_user_by_email, user_snapshot
from ..core import review
from ..core.errors import Invalid
from ..core.models import utcnow
from ..core.roles import EDITORS, SECRETARY_GENERAL, STAFF, STEERING
from ..core.years import PLAN_YEARS, locked_years
from ..evidence import services as evidence_services
from ..evidence.models import Evidence
from ..extensions import db
from ..indicators import services as indicator_services
from ..indicators.models import Indicator, IndicatorTarget, IndicatorValue
from ..indicators.seed import seed_indicators
from ..plan.models import Challenge, Member, OrientingTheme, Outcome, OutcomeKind, Partner
from ..plan.responsibles import responsibles_by_outcome, set_responsibles

DATA = Path(__file__).with_name("data")
DEFAULT_DEMO_PASSWORD = "metropolis-demo-2021"


@cache
def load(name: str):
    """Read one of the demo's JSON data files (read once per process; callers must not change the result)."""
    with open(DATA / f"{name}.json", encoding="utf-8") as handle:
        return json.load(handle)


DEMO_USERS: tuple[tuple[str, str, str], ...] = tuple((u["email"], u["name"], u["role"]) for u in load("users"))
STAFF_EMAILS = tuple(email for email, _, role in DEMO_USERS if role == "staff")
# The second factor of the demo's administrator and Secretary General (their roles require one): add this key to
# an authenticator app, or print the current code with `flask seed demo-code`. Demo data only: never production.
DEMO_TOTP_SECRET = "MTRPLSDEMOSECNDFACTRKEYBARCELONA"
SG_EMAIL = next(email for email, _, role in DEMO_USERS if role == SECRETARY_GENERAL)
# Where the record stands in the demo: later 2023 work is still planned or under way.
AS_OF = date.fromisoformat(load("activities")["as_of"])


class PlanMissing(Invalid):
    """Demo data hangs on the plan's outcomes and reference lists: they must be seeded first."""

    def __init__(self):
        super().__init__("The plan is not in the database: run `flask --app wsgi seed plan` first.")


def demo_password() -> str:
    """Return the demo accounts' password: TRACKER_DEMO_PASSWORD, or the documented default."""
    return os.environ.get("TRACKER_DEMO_PASSWORD") or DEFAULT_DEMO_PASSWORD


# --- the programmes ------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Programme:
    """A line of work the plan names, and the dated activities the demo records for it."""

    name: str
    kind: str
    outcomes: tuple[str, ...]
    about: str
    items: tuple[dict, ...]  # {month: YYYY-MM, specific, place, and overrides: kind, outcomes, days, members...}
    outcome_kind: str | None = None
    partners: tuple[str, ...] = ()
    members: tuple[str, ...] = ()  # always involved
    random_members: tuple[int, int] = (0, 4)  # how many more members to draw
    themes: tuple[str, ...] = ()
    challenges: tuple[str, ...] = ()
    people: tuple[int, int] | None = (25, 120)
    budget: tuple[int, int] | None = (1500, 12000)
    days: int = 1
    owner: int = 0  # index into the demo staff
    links: str = "news"  # metropolis.org section the link evidence points to


def _frozen(value):
    """Turn JSON lists into tuples, so that programmes are as immutable as the literals they replace."""
    return tuple(_frozen(v) for v in value) if isinstance(value, list) else value


def _programmes() -> tuple[Programme, ...]:
    """Read the programmes of activities.json, each completed with the file's defaults."""
    data = load("activities")
    programmes = []
    for entry in data["programmes"]:
        values = {**data["defaults"], **entry}
        values["items"] = tuple({k: _frozen(v) for k, v in item.items()} for item in entry["items"])
        programmes.append(Programme(**{k: v if k == "items" else _frozen(v) for k, v in values.items()}))
    return tuple(programmes)


PROGRAMMES: tuple[Programme, ...] = _programmes()
ITEM_FIELDS = ("month", "specific", "place")  # the rest of an item overrides its programme


def slug(text: str) -> str:
    """Return a URL slug of a text."""
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")[:80]


def activity_status(rng: random.Random, start: date, end: date, kind: str) -> str:
    """Draw a status: completed before the demo's date, under way across it, planned after; a few cancelled."""
    if kind != "internal" and rng.random() < 0.04:
        return "cancelled"
    if start > AS_OF:
        return "planned"
    if end > AS_OF:
        return "in_progress"
    return "completed"


def money(value: float) -> Decimal:
    """Return euros with cents."""
    return Decimal(f"{value:.2f}")


def _people(rng: random.Random, span) -> tuple[int | None, int | None, int | None, int | None]:
    """Draw participants in total, women, men and other or not stated (the parts add up to the total)."""
    if span is None:
        return None, None, None, None
    total = rng.randint(*span)
    women = round(total * rng.uniform(0.36, 0.64))
    men = max(0, total - women - rng.randint(0, max(0, total // 40)))
    return total, women, men, total - women - men


def _budget(rng: random.Random, span, status: str) -> tuple[Decimal | None, Decimal | None]:
    """Draw the planned budget, and what was spent given how far the activity went."""
    if span is None:
        return None, None
    planned = round(rng.randint(*span), -2)
    share = {"completed": rng.uniform(0.72, 1.08), "in_progress": rng.uniform(0.2, 0.6),
             "cancelled": rng.uniform(0, 0.12), "planned": None}[status]
    return money(planned), (None if share is None else money(planned * share))


def stable_fraction(key: str) -> float:
    """Return a number in [0, 1) that depends only on the key: the same items are left out on every run."""
    return zlib.crc32(key.encode("utf-8")) / 2 ** 32


@dataclass
class _Lookups:
    """The reference rows the demo draws from, read once."""

    outcomes: dict = field(default_factory=dict)
    members: dict = field(default_factory=dict)
    partners: dict = field(default_factory=dict)
    themes: dict = field(default_factory=dict)
    challenges: dict = field(default_factory=dict)
    outcome_kinds: dict = field(default_factory=dict)

    @classmethod
    def load(cls) -> "_Lookups":
        """Read the plan's outcomes and reference lists."""
        partners = {}
        for p in db.session.scalars(select(Partner)):
            partners[p.name] = p
            if p.acronym:
                partners[p.acronym] = p
        return cls(
            outcomes={o.code: o for o in db.session.scalars(select(Outcome))},
            members={m.city: m for m in db.session.scalars(select(Member).order_by(Member.id))},
            partners=partners,
            themes={t.name: t for t in db.session.scalars(select(OrientingTheme))},
            challenges={c.name: c for c in db.session.scalars(select(Challenge))},
            outcome_kinds={k.code: k for k in db.session.scalars(select(OutcomeKind))},
        )


def demo_items() -> list[dict]:
    """List the demo activities as plain specs, in a fixed order (titles unique, dates deterministic)."""
    rng = random.Random(2021)
    specs, seen = [], set()
    for programme in PROGRAMMES:
        for item in programme.items:
            month, specific, place = (item[name] for name in ITEM_FIELDS)
            extra = {k: v for k, v in item.items() if k not in ITEM_FIELDS}
            title = f"{programme.name}: {specific}"
            base, n = title, 2
            while title in seen:  # the same meeting every year: keep titles unique
                title, n = f"{base} ({month[:4]})" if n == 2 else f"{base} ({month[:4]}, {n - 1})", n + 1
            seen.add(title)
            year, mon = (int(part) for part in month.split("-"))
            start = date(year, mon, rng.randint(1, 28))
            days = extra.get("days", programme.days)
            end = min(start + timedelta(days=max(days, 1) - 1), date(year, 12, 31))
            specs.append({"programme": programme, "title": title, "specific": specific, "place": place,
                          "start": start, "end": end, "extra": extra})
    return specs


# --- accounts ------------------------------------------------------------------------------------------------------


def _ensure_demo_users() -> tuple[dict[str, User], int]:
    """Create the demo accounts that are missing; return them by email and how many were created."""
    users, created, password_hash = {}, 0, None
    for email, name, role in DEMO_USERS:
        user = find_user_by_email(email)
        if user is None:
            # Not auth.services.create_user: it hashes each password (scrypt, deliberately slow), and the demo
            # accounts share the documented password, so one hash serves all; the audit entry is the same.
            if password_hash is None:
                probe = User()
                probe.set_password(demo_password())
                password_hash = probe.password_hash
            user = User(email=email, name=name, role=role, active=True, password_hash=password_hash)
            if role in second_factor.REQUIRED_FOR:  # a documented key, like the documented password
                user.totp_secret, user.totp_enabled_at = DEMO_TOTP_SECRET, utcnow()
            db.session.add(user)
            db.session.flush()
            record(None, "create", user, after=user_snapshot(user), summary="Demo account (seed demo)")
            created += 1
        users[email] = user
    return users, created


def _first(roles) -> User | None:
    """Return the first active user with one of the roles, if any."""
    return db.session.scalar(select(User).where(User.active.is_(True), User.role.in_(roles)).order_by(User.id))


def _reviewer(reviewer: User | None) -> User:
    """Return the account that reviews: the one given, else the first Secretary General or administrator."""
    reviewer = reviewer or _first((SECRETARY_GENERAL,)) or _first(STEERING)
    if reviewer is None:
        raise RuntimeError("The demo's targets and reviews need a Secretary General or administrator account.")
    return reviewer


# --- the orchestrator ----------------------------------------------------------------------------------------------


def seed_demo() -> dict:
    """Create the demo accounts, activities, evidence, measurements and assessments missing; return counts."""
    look = _Lookups.load()
    if not look.outcomes:
        raise PlanMissing()
    users, users_created = _ensure_demo_users()
    staff = [users[email] for email in STAFF_EMAILS]
    sg = users[SG_EMAIL]  # reviews the staff's work, so that nobody approves their own
    created = {"users": users_created}
    created.update(seed_demo_activities(look, staff))
    # The measurement layer comes last: responsibles, authors and reviewers are the demo users made above.
    created.update(seed_demo_measurements(random.Random(2022), author=staff[0], reviewer=sg))
    created.update(seed_demo_assessments(random.Random(2023), staff=staff, reviewer=sg))
    return created


def seed_demo_activities(look: _Lookups, staff: list[User]) -> dict:
    """Create the demo activities and their evidence that are missing, as their staff owners; return counts."""
    existing = set(db.session.scalars(select(Activity.title).where(Activity.is_demo.is_(True))))
    locked = locked_years()
    all_members = list(look.members.values())
    activity_ids, evidence_ids = [], []
    for index, spec in enumerate(demo_items()):
        if spec["title"] in existing or spec["start"].year in locked:
            continue
        programme, extra = spec["programme"], spec["extra"]
        rng = random.Random(f"demo-{index}")  # per item, so a partial earlier run changes nothing else
        kind = extra.get("kind", programme.kind)
        status = extra.get("status") or activity_status(rng, spec["start"], spec["end"], kind)
        total, women, men, other = _people(rng, extra.get("people", programme.people))
        if status in ("planned", "cancelled"):
            total = women = men = other = None
        planned, spent = _budget(rng, extra.get("budget", programme.budget), status)
        members = [look.members[c] for c in (*programme.members, *extra.get("members", ()))]
        low, high = programme.random_members
        pool = [m for m in all_members if m not in members]
        members += rng.sample(pool, rng.randint(low, high)) if high else []
        partner_names = dict.fromkeys((*programme.partners, *extra.get("partners", ())))
        outcome_codes = dict.fromkeys((*programme.outcomes, *extra.get("outcomes", ())))
        outcome_kind = extra.get("outcome_kind", programme.outcome_kind)
        owner = staff[(programme.owner + (index % 3 == 2)) % len(staff)]  # mostly the programme's owner
        activity = create_activity(owner, ActivityData(
            title=spec["title"], kind=kind, status=status, start_date=spec["start"], end_date=spec["end"],
            description=f"{programme.about} This activity: {spec['specific']}.", place=spec["place"],
            outcome_kind=outcome_kind if outcome_kind in look.outcome_kinds else None,
            outcome_ids=[look.outcomes[c].id for c in outcome_codes],
            theme_ids=[look.themes[t].id for t in extra.get("themes", programme.themes)],
            challenge_ids=[look.challenges[c].id for c in extra.get("challenges", programme.challenges)],
            member_ids=sorted({m.id for m in members}), partner_ids=[look.partners[p].id for p in partner_names],
            participants_total=total, participants_women=women, participants_men=men, participants_other=other,
            budget_planned=planned, budget_spent=spent, responsible_id=owner.id))
        activity_ids.append(activity.id)
        evidence_ids += [e.id for e in _add_demo_evidence(rng, activity, programme, owner)]
    # The services take no demo flag: it marks rows, it is not part of their content. One UPDATE per table
    # sets it without an ORM flush, so each new row keeps version 1 and its audit entry stays the only one.
    if activity_ids:
        db.session.execute(update(Activity).where(Activity.id.in_(activity_ids)).values(is_demo=True)
                           .execution_options(synchronize_session="evaluate"))
    if evidence_ids:
        db.session.execute(update(Evidence).where(Evidence.id.in_(evidence_ids)).values(is_demo=True)
                           .execution_options(synchronize_session="evaluate"))
    return {"activities": len(activity_ids), "evidence": len(evidence_ids)}


def _add_demo_evidence(rng: random.Random, activity: Activity, programme: Programme, owner: User) -> list[Evidence]:
    """Add the notes and links that prove a demo activity (none yet for planned or cancelled ones)."""
    if activity.status in ("planned", "cancelled"):
        return []
    texts = load("evidence")
    section = "publications" if activity.kind == "publication" else programme.links
    fields = {"title": activity.title, "section": section, "slug": slug(activity.title)}
    pieces = [evidence_services.add_link(owner, activity=activity, title=texts["link"]["title"].format(**fields),
                                         url=texts["link"]["url"].format(**fields))]
    if activity.status == "completed" and (activity.kind != "publication" or rng.random() < 0.5):
        who = f"{activity.participants_total} participants" if activity.participants_total else "the team"
        pieces.append(evidence_services.add_note(owner, activity=activity, title=texts["report"]["title"],
                                                 note=texts["report"]["note"].format(**fields, who=who)))
    for note in texts["notes"]:
        if note["programme"] == programme.name and note["kind"] == activity.kind:
            pieces.append(evidence_services.add_note(owner, activity=activity, title=note["title"],
                                                     note=note["note"]))
    return pieces


# --- measurements --------------------------------------------------------------------------------------------------


def _review(item, state: str, author: User, reviewer: User, note: str | None, submit) -> None:
    """Take a freshly saved draft to its demo review state with the services' own steps."""
    if state == "draft":
        return
    submit(author, item)
    if state == "approved" and reviewer.id != author.id:  # one's own work waits for another reviewer
        review.approve(reviewer, item)
    elif state == "returned":
        review.return_(reviewer, item, note)


def seed_demo_measurements(rng, *, author: User | None = None, reviewer: User | None = None) -> dict:
    """Add demo targets for 2021-2023 and entered values (approved 2021-2022, mixed 2023); return counts."""
    # Staff (`author`, else the first staff account) enter the values; the Secretary General (`reviewer`, else
    # the first one or an administrator) sets the targets and reviews, so that nobody approves their own work.
    data = load("indicators")
    seed_indicators()
    locked = locked_years()
    author = author or _first((STAFF,)) or _first(STEERING)
    reviewer = _reviewer(reviewer)
    targets_of = {code: [tuple(goal) if isinstance(goal, list) else goal for goal in per_year]
                  for code, per_year in data["targets"].items()}
    indicators = {i.code: i for i in db.session.scalars(select(Indicator).where(Indicator.code.in_(list(targets_of))))}
    ids = [i.id for i in indicators.values()]
    targets = {(t.indicator_id, t.year): t for t in db.session.scalars(
        select(IndicatorTarget).where(IndicatorTarget.indicator_id.in_(ids)))}
    values = {(v.indicator_id, v.year) for v in db.session.scalars(
        select(IndicatorValue).where(IndicatorValue.indicator_id.in_(ids)))}
    created = {"targets": 0, "values": 0}
    for code, per_year in targets_of.items():
        indicator = indicators.get(code)
        if indicator is None:
            continue
        goals = {year: goal for year, goal in zip(PLAN_YEARS, per_year) if year not in locked}
        missing = {year: goal for year, goal in goals.items()
                   if getattr(targets.get((indicator.id, year)), "target", None) is None}  # never the SG's edits
        created["targets"] += len(indicator_services.set_targets(reviewer, indicator, missing))
        if indicator.method != "manual":
            continue
        for year, goal in goals.items():
            if (indicator.id, year) in values:
                continue
            last = year == PLAN_YEARS[-1]
            if last and stable_fraction(f"{code}-{year}") < 0.2:
                continue  # some 2023 values are still missing
            state = rng.choice(data["states_last_year"]) if last else "approved"
            # Mostly near the target, sometimes well short, so that the overview shows every colour.
            share = rng.choice(data["shares_of_target"])
            low = goal[0] if isinstance(goal, tuple) else goal
            number = (Decimal(low) * Decimal(str(share))).quantize(Decimal(1))
            value = indicator_services.save_value(author, indicator, year, number, note=rng.choice(data["notes"]))
            _review(value, state, author, reviewer, data["return_note"], indicator_services.submit_value)
            created["values"] += 1
    db.session.flush()
    return created


# --- assessments ---------------------------------------------------------------------------------------------------


def _weighted(rng, weights: dict):
    """Pick a key of {value: weight}."""
    pairs = list(weights.items())
    total = sum(w for _, w in pairs)
    pick = rng.uniform(0, total)
    for value, weight in pairs:
        pick -= weight
        if pick <= 0:
            return value
    return pairs[-1][0]


def _author(responsibles: list[User], preferred: User | None, reviewer: User) -> User:
    """Return who writes an outcome's assessment: its demo staff, else someone responsible, else the reviewer."""
    if preferred is not None and preferred in responsibles:
        return preferred
    others = [u for u in responsibles if u.active and u.role in EDITORS]
    return others[0] if others else reviewer  # outcomes assigned before the demo keep their own staff


def seed_demo_assessments(rng, *, staff: list[User] | None = None, reviewer: User | None = None) -> dict:
    """Add demo assessments and responsibles where missing (2021-2022 mostly approved, 2023 mixed); return counts."""
    # `staff` (else every active staff account) are made responsible in turn and write the assessments; the
    # Secretary General (`reviewer`, else the first one or an administrator) assigns them and reviews.
    data = load("assessments")
    locked = locked_years()
    outcomes = list(db.session.scalars(select(Outcome).order_by(Outcome.position)))
    if staff is None:
        staff = list(db.session.scalars(select(User).where(User.active.is_(True), User.role == STAFF)
                                        .order_by(User.id)))
    reviewer = _reviewer(reviewer)
    existing = {(a.outcome_id, a.year) for a in db.session.scalars(select(Assessment))}
    assigned = responsibles_by_outcome()
    created = {"assessments": 0, "responsibles": 0}
    for index, outcome in enumerate(outcomes):
        responsible = staff[index % len(staff)] if staff else None
        if responsible is not None and outcome.id not in assigned:
            set_responsibles(reviewer, outcome, [responsible])
            assigned[outcome.id] = [responsible]
            created["responsibles"] += 1
        title = outcome.title.rstrip(".")
        title = title[0].lower() + title[1:]
        for year in PLAN_YEARS:
            if (outcome.id, year) in existing or year in locked:
                continue
            last = year == PLAN_YEARS[-1]
            if stable_fraction(f"{outcome.code}-{year}") > (0.7 if last else 0.9):
                continue  # some outcomes are not assessed yet (always the same ones, so that reruns add nothing)
            status = _weighted(rng, data["status_weights"])
            state = rng.choice(data["states_last_year"]) if last else (
                "approved" if rng.random() < data["approved_share_earlier_years"] else "submitted")
            texts = {"status": status, "achieved": rng.choice(data["achieved"][status]).format(title=title),
                     "difficulties": rng.choice(data["difficulties"]), "next_steps": rng.choice(data["next_steps"])}
            note = rng.choice(data["return_notes"]) if state == "returned" else None
            author = _author(assigned.get(outcome.id, []), responsible, reviewer)
            assessment = assessment_services.save_draft(author, outcome, year, texts)
            _review(assessment, state, author, reviewer, note, assessment_services.submit)
            created["assessments"] += 1
    db.session.flush()
    return created
