"""Business rules of activities: who may edit, reference checks, create/update/delete with audit, list filters."""
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, and_, case, func, or_, select
from sqlalchemy.orm import joinedload, selectinload

from ..audit.services import history, record
from ..auth.models import User
from ..core.dates import format_when
from ..core.errors import Invalid, StaleEdit, YearLocked
from ..core.models import utcnow
from ..core.roles import ADMIN, EDITORS, SECRETARY_GENERAL, STAFF, STEERING
from ..core.sorting import Sort, order_clauses, read_sort
from ..core.text import has_visible
from ..core.years import ensure_unlocked, locked_years
from ..extensions import db
from ..plan.models import (
    REGIONS,
    ActionLine,
    Axis,
    Challenge,
    Member,
    OrientingTheme,
    Outcome,
    OutcomeKind,
    Partner,
    Plan,
)
from ..plan.queries import member_search_text, partner_search_text
from ..plan.reference import region_name
from .labels import Labels, number
from .models import ACTIVITY_KINDS, ACTIVITY_STATUSES, Activity, activity_member, activity_outcome, activity_partner

# Bounds of the input the rules accept; the form and the demo generator use the same numbers.
MIN_DATE = date(2015, 1, 1)
MAX_DATE = date(2030, 12, 31)
MAX_PARTICIPANTS = 1_000_000
MAX_BUDGET = Decimal("100000000")
MAX_TITLE = 200
MAX_PLACE = 200
MAX_DESCRIPTION = 5000
MAX_SELECTED = 500  # more ids than any list holds: refused before it reaches the database
MAX_DB_ID = 2_147_483_647  # larger numbers cannot be ids (and overflow SQLite's integer)
ONLINE = "online"

# Labels of the fields of an audit snapshot, in display order.
FIELD_LABELS = Labels({
    "title": _l("Title"),
    "kind": _l("Kind"),
    "outcome_kind": _l("Kind of outcome"),
    "start_date": _l("Start date"),
    "end_date": _l("End date"),
    "year": _l("Plan year"),
    "status": _l("Status"),
    "description": _l("Description"),
    "place": _l("Place"),
    "outcomes": _l("Outcomes"),
    "themes": _l("Orienting themes"),
    "challenges": _l("Challenges"),
    "members": _l("Members"),
    "partners": _l("Partners"),
    "participants_total": _l("Participants"),
    "participants_women": _l("Women"),
    "participants_men": _l("Men"),
    "participants_other": _l("Other or not stated"),
    "budget_planned": _l("Planned budget (EUR)"),
    "budget_spent": _l("Spent budget (EUR)"),
    "responsible_id": _l("Responsible"),
    "deleted_at": _l("Deleted at"),
})


DATE_FIELDS = ("start_date", "end_date", "deleted_at")


class VersionConflict(StaleEdit):
    """Someone else saved the activity since the form was loaded."""

    def __init__(self, current_version: int):
        super().__init__(_("Someone else saved this activity since you opened it."))
        self.current_version = current_version


@dataclass
class ActivityData:
    """The clean values of an activity, as the form gives them."""

    title: str
    kind: str
    status: str
    start_date: date
    end_date: date | None = None  # none given: a one-day activity, it ends on its start date
    description: str = ""
    place: str = ""
    outcome_kind: str | None = None  # an OutcomeKind code
    outcome_ids: list[int] = field(default_factory=list)
    theme_ids: list[int] = field(default_factory=list)
    challenge_ids: list[int] = field(default_factory=list)
    member_ids: list[int] = field(default_factory=list)
    partner_ids: list[int] = field(default_factory=list)
    participants_total: int | None = None
    participants_women: int | None = None
    participants_men: int | None = None
    participants_other: int | None = None
    budget_planned: Decimal | None = None
    budget_spent: Decimal | None = None
    responsible_id: int | None = None


# --- who may do what -------------------------------------------------------------------------------------------


def can_edit_activity(user, activity: Activity) -> bool:
    """Tell whether a user may change or delete an activity: admin/SG always, staff their own, board never."""
    role = getattr(user, "role", None)
    if role in STEERING:
        return True
    if role == STAFF:
        return user.id in (activity.created_by_id, activity.responsible_id)
    return False


def can_see_deleted(user) -> bool:
    """Tell whether a user may open soft-deleted activities (they stay in the record)."""
    return getattr(user, "role", None) in (ADMIN, SECRETARY_GENERAL)


# --- reading ----------------------------------------------------------------------------------------------------


def _detail_options():
    """The relations an activity page shows: collections one query each, single references joined in."""
    # Joining the many-to-one references saves a round trip and an ORM load step each (the page's hot path).
    return (
        selectinload(Activity.outcomes).joinedload(Outcome.axis).joinedload(Axis.line),
        selectinload(Activity.members), selectinload(Activity.partners), selectinload(Activity.themes),
        selectinload(Activity.challenges), joinedload(Activity.responsible), joinedload(Activity.created_by),
        joinedload(Activity.outcome_kind),
    )


def get_activity(activity_id: int, *, include_deleted: bool = False) -> Activity | None:
    """One activity with everything its page shows, or None (also for soft-deleted ones unless asked)."""
    if not 0 < activity_id <= MAX_DB_ID:
        return None
    stmt = select(Activity).where(Activity.id == activity_id).options(*_detail_options())
    if not include_deleted:
        stmt = stmt.where(Activity.live())
    return db.session.scalar(stmt)


def parse_id(raw) -> int | None:
    """Read a database id from text: a positive integer in range, else None."""
    try:
        value = int(str(raw).strip())
    except (TypeError, ValueError):
        return None
    return value if 0 < value <= MAX_DB_ID else None


def unknown_ids(model, ids) -> list[int]:
    """The ids among `ids` that name no row of `model` (one query)."""
    wanted = {i for i in ids if isinstance(i, int)}
    if not wanted:
        return []
    in_range = {i for i in wanted if 0 < i <= MAX_DB_ID}
    found = set(db.session.scalars(select(model.id).where(model.id.in_(in_range)))) if in_range else set()
    return sorted(wanted - found)


def responsible_problem(user_id: int | None, keep_id: int | None = None) -> str | None:
    """Explain why a user cannot be responsible for an activity (active admin, SG or staff), or return None."""
    if user_id is None:
        return _("Choose the staff member responsible.")
    if user_id == keep_id and keep_id is not None:
        return None  # an activity may keep the person it had, even if they have left since
    user = db.session.get(User, user_id) if 0 < user_id <= MAX_DB_ID else None
    if user is None:
        return _("This person is not in the list of users.")
    if not user.active or user.role not in EDITORS:
        return _("Choose an active staff member, the Secretary General or an administrator.")
    return None


@dataclass
class FormChoices:
    """Everything the activity form offers, each list read in one query."""

    outcome_groups: list  # [(group label, [(id, label, search text)])]
    member_groups: list
    partners: list
    themes: list
    challenges: list
    outcome_kinds: list  # [(code, name)]
    responsibles: list  # [(id, label)]
    regions: tuple = REGIONS  # the member picker ticks a whole region at once


def form_choices(keep_responsible_id: int | None = None) -> FormChoices:
    """Read the lists the activity form offers (outcomes by line and axis, members by region, partners, ...)."""
    outcomes = db.session.scalars(
        select(Outcome).options(joinedload(Outcome.axis).joinedload(Axis.line)).order_by(Outcome.position)).all()
    outcome_groups: dict[str, list] = {}
    for o in outcomes:
        group = f"{o.axis.code} {o.axis.title}"
        outcome_groups.setdefault(group, []).append((o.id, f"{o.code} {o.title}",
                                                     f"{o.code} {o.title} {o.axis.line.code} {o.axis.title}"))
    members = db.session.scalars(select(Member).order_by(Member.city)).all()
    member_groups: dict[str, list] = {region_name(region): [] for region in REGIONS}  # headings, in the reader's words
    for m in members:
        member_groups.setdefault(region_name(m.region), []).append(
            (m.id, f"{m.city} ({m.country_name})", member_search_text(m), {"city": m.city, "region": m.region}))
    partners = [(p.id, p.label, partner_search_text(p), {})
                for p in db.session.scalars(select(Partner).order_by(func.lower(Partner.name)))]
    themes = [(t.id, t.name) for t in db.session.scalars(select(OrientingTheme).order_by(OrientingTheme.position))]
    challenges = [(c.id, c.name) for c in db.session.scalars(select(Challenge).order_by(Challenge.position))]
    kinds = [(k.code, k.name) for k in db.session.scalars(select(OutcomeKind).order_by(OutcomeKind.position))]
    users = db.session.scalars(
        select(User).where(or_(and_(User.active.is_(True), User.role.in_(EDITORS)),
                               User.id == (keep_responsible_id or 0)))
        .order_by(User.name)).all()
    responsibles = [(u.id, u.name if u.active else _("%(name)s (inactive)", name=u.name)) for u in users]
    return FormChoices(list(outcome_groups.items()), [(r, items) for r, items in member_groups.items() if items],
                       partners, themes, challenges, kinds, responsibles)


def form_defaults(activity: Activity | None, user) -> dict:
    """The values an edit form starts with (or a new form: today's date, the current user responsible)."""
    if activity is None:
        return {"status": "planned", "responsible": getattr(user, "id", None), "start_date": None,
                "end_date": None}
    return {
        "title": activity.title, "kind": activity.kind, "status": activity.status,
        "outcome_kind": activity.outcome_kind.code if activity.outcome_kind else "",
        "start_date": activity.start_date, "end_date": activity.end_date,
        "description": activity.description, "online": activity.place == ONLINE,
        "place": "" if activity.place == ONLINE else activity.place,
        "outcomes": [o.id for o in activity.outcomes], "themes": [t.id for t in activity.themes],
        "challenges": [c.id for c in activity.challenges], "members": [m.id for m in activity.members],
        "partners": [p.id for p in activity.partners],
        "participants_total": activity.participants_total, "participants_women": activity.participants_women,
        "participants_men": activity.participants_men, "participants_other": activity.participants_other,
        "budget_planned": activity.budget_planned,
        "budget_spent": activity.budget_spent, "responsible": activity.responsible_id,
        "version": activity.version,
    }


# --- snapshots for the record -------------------------------------------------------------------------------------


def snapshot(activity: Activity) -> dict:
    """Every field of an activity as plain data, for the audit record."""
    return {
        "title": activity.title,
        "kind": activity.kind,
        "outcome_kind": activity.outcome_kind.code if activity.outcome_kind else None,
        "start_date": activity.start_date,
        "end_date": activity.end_date,
        "year": activity.year,
        "status": activity.status,
        "description": activity.description,
        "place": activity.place,
        "outcomes": [o.code for o in activity.outcomes],
        "themes": [t.name for t in activity.themes],
        "challenges": [c.name for c in activity.challenges],
        "members": [{"id": m.id, "city": m.city} for m in sorted(activity.members, key=lambda m: m.id)],
        "partners": [{"id": p.id, "name": p.name} for p in sorted(activity.partners, key=lambda p: p.id)],
        "participants_total": activity.participants_total,
        "participants_women": activity.participants_women,
        "participants_men": activity.participants_men,
        "participants_other": activity.participants_other,
        "budget_planned": _money(activity.budget_planned),
        "budget_spent": _money(activity.budget_spent),
        "responsible_id": activity.responsible_id,
        "deleted_at": activity.deleted_at,
    }


def _money(value) -> str | None:
    """Amounts with two decimals, so that 1500 and 1500.00 compare equal in the record."""
    return None if value is None else f"{Decimal(value):.2f}"


def _rows_by_id(model, ids) -> list:
    """Rows of a reference list with these ids, in id order."""
    ids = [i for i in ids if 0 < i <= MAX_DB_ID]
    return db.session.scalars(select(model).where(model.id.in_(ids)).order_by(model.id)).all() if ids else []


def data_snapshot(data: ActivityData) -> dict:
    """What an activity would look like with these values, in the shape of `snapshot` (for a conflict)."""
    outcomes = sorted(_rows_by_id(Outcome, data.outcome_ids), key=lambda o: o.position)
    themes = sorted(_rows_by_id(OrientingTheme, data.theme_ids), key=lambda t: t.position)
    challenges = sorted(_rows_by_id(Challenge, data.challenge_ids), key=lambda c: c.position)
    return {
        "title": data.title, "kind": data.kind, "outcome_kind": data.outcome_kind or None,
        "start_date": data.start_date.isoformat(), "end_date": (data.end_date or data.start_date).isoformat(),
        "year": data.start_date.year, "status": data.status, "description": data.description,
        "place": data.place, "outcomes": [o.code for o in outcomes], "themes": [t.name for t in themes],
        "challenges": [c.name for c in challenges],
        "members": [{"id": m.id, "city": m.city} for m in _rows_by_id(Member, data.member_ids)],
        "partners": [{"id": p.id, "name": p.name} for p in _rows_by_id(Partner, data.partner_ids)],
        "participants_total": data.participants_total, "participants_women": data.participants_women,
        "participants_men": data.participants_men, "participants_other": data.participants_other,
        "budget_planned": _money(data.budget_planned),
        "budget_spent": _money(data.budget_spent), "responsible_id": data.responsible_id, "deleted_at": None,
    }


def outcome_kind_names() -> dict[str, str]:
    """The plan's names of its kinds of outcome by code (one query), for showing a snapshot's code."""
    return dict(db.session.execute(select(OutcomeKind.code, OutcomeKind.name)).all())


def display_value(name: str, value, users: dict | None = None, outcome_kinds: dict | None = None) -> str:
    """Show a snapshot value as people read it (lists joined, labels for codes, names for user ids)."""
    if value is None or value == "" or value == []:
        return "—"
    if name == "kind":
        return ACTIVITY_KINDS.get(value, str(value))
    if name == "status":
        return ACTIVITY_STATUSES.get(value, str(value))
    if name == "outcome_kind" and outcome_kinds is not None:
        return outcome_kinds.get(value, str(value))
    if name == "place" and value == ONLINE:
        return _("Online")
    if name == "responsible_id" and users is not None:
        return users.get(value) or _("user #%(id)s", id=value)
    if name in DATE_FIELDS:
        return format_when(value)  # the snapshot keeps ISO text; people read 3 Mar 2022
    if isinstance(value, list):
        return ", ".join(item.get("city") or item.get("name") or str(item.get("id")) if isinstance(item, dict)
                         else str(item) for item in value)
    return str(value)


def user_names(ids, known=()) -> dict[int, str]:
    """Names of users by id: those of the already loaded users given, the others in one query (none if no other)."""
    names = {user.id: user.name for user in known if user is not None}
    missing = {i for i in ids if isinstance(i, int) and i not in names}
    if missing:
        names.update(db.session.execute(select(User.id, User.name).where(User.id.in_(missing))).all())
    return names


def snapshot_differences(theirs: dict, yours: dict) -> list[tuple[str, object, object]]:
    """The fields that differ between two snapshots, as (field, theirs, yours), in display order."""
    return [(name, theirs.get(name), yours.get(name)) for name in FIELD_LABELS
            if name not in ("deleted_at", "year") and theirs.get(name) != yours.get(name)]


def describe_conflict(activity_id: int, data: ActivityData) -> dict:
    """What the other person saved: the fields where it differs from this form, and who saved it when."""
    current = get_activity(activity_id, include_deleted=True)
    theirs = {name: value.isoformat() if isinstance(value, date) else value
              for name, value in snapshot(current).items()}
    yours = data_snapshot(data)
    differences = snapshot_differences(theirs, yours)
    entries = history("activity", activity_id)
    last = entries[0] if entries else None
    names = user_names([theirs.get("responsible_id"), yours.get("responsible_id")])
    kinds = outcome_kind_names()
    return {
        "version": current.version,
        "deleted": current.is_deleted,
        "saved_by": last.user.name if last and last.user else None,
        "saved_at": last.at if last else current.updated_at,
        "rows": [(FIELD_LABELS[name], display_value(name, a, names, kinds), display_value(name, b, names, kinds))
                 for name, a, b in differences],
    }


# --- writing ------------------------------------------------------------------------------------------------------


@dataclass
class References:
    """The reference lists read once, for callers that save many activities (an import): no query per activity."""

    rows: dict  # {model: {id: row}}
    outcome_kinds: dict[str, int]  # {code: id}
    locked_years: set[int]

    @classmethod
    def load(cls) -> "References":
        """Read every outcome, theme, challenge, member, partner, kind of outcome and locked year (one query each)."""
        rows = {model: {row.id: row for row in db.session.scalars(select(model))}
                for model in (Outcome, OrientingTheme, Challenge, Member, Partner)}
        kinds = dict(db.session.execute(select(OutcomeKind.code, OutcomeKind.id)).all())
        return cls(rows, kinds, locked_years())

    def by_id(self, model, ids) -> list:
        """Rows of a reference list with these ids, in id order (unknown ids are left out)."""
        known = self.rows[model]
        return [known[i] for i in sorted(set(ids)) if i in known]


def _apply(activity: Activity, data: ActivityData, refs: References | None = None) -> None:
    """Copy clean values and links onto an activity (reference rows from `refs` when given, else queried)."""
    # Read every referenced row before touching the activity: a query in between would autoflush a half-made
    # change (and bump the version once per flush).
    with db.session.no_autoflush:
        if refs is not None:
            outcome_kind_id = refs.outcome_kinds.get(data.outcome_kind) if data.outcome_kind else None
        else:
            outcome_kind_id = (db.session.scalar(select(OutcomeKind.id).where(OutcomeKind.code == data.outcome_kind))
                               if data.outcome_kind else None)
        rows = refs.by_id if refs is not None else _rows_by_id
        outcomes = sorted(rows(Outcome, data.outcome_ids), key=lambda o: o.position)
        themes = rows(OrientingTheme, data.theme_ids)
        challenges = rows(Challenge, data.challenge_ids)
        members = rows(Member, data.member_ids)
        partners = rows(Partner, data.partner_ids)
    activity.title = data.title
    activity.kind = data.kind
    activity.status = data.status
    activity.start_date = data.start_date
    activity.end_date = data.end_date or data.start_date
    activity.year = data.start_date.year  # the plan year follows from the dates
    activity.description = data.description or ""
    activity.place = data.place or ""
    activity.outcome_kind_id = outcome_kind_id
    activity.participants_total = data.participants_total
    activity.participants_women = data.participants_women
    activity.participants_men = data.participants_men
    activity.participants_other = data.participants_other
    activity.budget_planned = data.budget_planned
    activity.budget_spent = data.budget_spent
    activity.responsible_id = data.responsible_id
    activity.outcomes = outcomes
    activity.themes = themes
    activity.challenges = challenges
    activity.members = members
    activity.partners = partners


def _require_title(data: ActivityData) -> None:
    """An activity is named by something a reader can see (not zero-width spaces alone)."""
    if not has_visible(data.title):
        raise Invalid(_("Give the activity a title."), field="title")


def participants_problem(total: int | None, women: int | None, men: int | None, other: int | None) -> str | None:
    """Explain why the parts of the participants do not make the total, or return None.

    The parts are women, men and "other or not stated"; once any part is given they must add up to the total (an
    empty part counts as 0). An empty total with parts given is fine: `participants_sum` fills it in.
    """
    parts = (women, men, other)
    if total is None or all(part is None for part in parts):
        return None
    given = sum(part or 0 for part in parts)
    if given == total:
        return None
    return _("Women, men and other or not stated add up to %(given)s, not the total of %(total)s. Correct a part or "
             "the total (people whose gender is not known go under other or not stated).",
             given=number(given), total=number(total))


def participants_sum(total: int | None, women: int | None, men: int | None, other: int | None) -> int | None:
    """The total of participants: as given, or the sum of the parts when only parts are given."""
    if total is not None or all(part is None for part in (women, men, other)):
        return total
    return (women or 0) + (men or 0) + (other or 0)


def _check_participants(data: ActivityData) -> None:
    """The parts of the participants make the total (the form says so first; this guards every other caller)."""
    problem = participants_problem(data.participants_total, data.participants_women, data.participants_men,
                                   data.participants_other)
    if problem:
        raise Invalid(problem, field="participants_total")
    data.participants_total = participants_sum(data.participants_total, data.participants_women,
                                               data.participants_men, data.participants_other)


def create_activity(actor, data: ActivityData) -> Activity:
    """Add an activity and its audit entry to the transaction (the caller commits)."""
    return create_activities(actor, [(data, None)])[0]


def create_activities(actor, items, refs: References | None = None) -> list[Activity]:
    """Add activities and their audit entries with one flush (the caller commits); each item is (data, source).

    `refs` gives the reference lists already read (an import saves many activities at once); a source says where
    an activity came from in the audit record ("import #3 of “activities.xlsx”, row 12").
    """
    created = []
    for data, source in items:
        _require_title(data)
        _check_participants(data)
        # A final Board evaluation's year takes no new work.
        if refs is None:
            ensure_unlocked(data.start_date.year, field="start_date")
        elif data.start_date.year in refs.locked_years:
            raise YearLocked(data.start_date.year, field="start_date")
        activity = Activity(created_by_id=getattr(actor, "id", None))
        _apply(activity, data, refs)
        db.session.add(activity)
        created.append((activity, source))
    db.session.flush()  # one flush: the inserts of many activities go in batches, not a round trip each
    for activity, source in created:
        summary = f"Created activity “{activity.title}”" + (f" by {source}" if source else "")
        record(actor, "create", activity, after=snapshot(activity), summary=summary)
    return [activity for activity, _ in created]


def update_activity(actor, activity: Activity, data: ActivityData, expected_version: int | None) -> Activity:
    """Change an activity if nobody saved it since `expected_version`; audit before and after.

    Raises VersionConflict when the version differs; the flush raises StaleDataError if another save lands
    between this check and the write (the caller rolls back either way).
    """
    if expected_version != activity.version:
        raise VersionConflict(activity.version)
    _require_title(data)
    _check_participants(data)
    for year in {activity.year, data.start_date.year}:  # neither out of nor into a locked year
        ensure_unlocked(year, field="start_date")
    before = snapshot(activity)
    _apply(activity, data)
    activity.updated_at = utcnow()  # always an UPDATE, so the version moves even when only links changed
    db.session.flush()
    after = snapshot(activity)
    record(actor, "update", activity, before=before, after=after, summary=f"Edited activity “{activity.title}”")
    return activity


def delete_activity(actor, activity: Activity) -> Activity:
    """Soft-delete an activity: out of lists and totals, still in the database and the record."""
    ensure_unlocked(activity.year)
    before = snapshot(activity)
    activity.deleted_at = utcnow()
    db.session.flush()
    record(actor, "delete", activity, before=before, after=snapshot(activity),
           summary=f"Deleted activity “{activity.title}”")
    return activity


# --- the list -------------------------------------------------------------------------------------------------------

FILTER_KEYS = ("year", "line", "axis", "outcome", "kind", "status", "member", "partner", "region", "responsible", "q")


def _in_plan_node(params: dict):
    """The condition for activities serving an outcome, or any outcome of an axis or of a line, if one is chosen."""
    for key, column in (("outcome", Outcome.code), ("axis", Axis.code), ("line", ActionLine.code)):
        if params.get(key):
            return Activity.id.in_(
                select(activity_outcome.c.activity_id).join(Outcome, Outcome.id == activity_outcome.c.outcome_id)
                .join(Axis, Axis.id == Outcome.axis_id).join(ActionLine, ActionLine.id == Axis.line_id)
                .where(column == params[key]))
    return None


# Each list filter: its parameter and the condition it adds.
FILTER_CONDITIONS = {
    "year": lambda year: Activity.year == year,
    "kind": lambda kinds: Activity.kind.in_(kinds),
    "status": lambda statuses: Activity.status.in_(statuses),
    "member": lambda member_id: Activity.id.in_(
        select(activity_member.c.activity_id).where(activity_member.c.member_id == member_id)),
    "partner": lambda partner_id: Activity.id.in_(
        select(activity_partner.c.activity_id).where(activity_partner.c.partner_id == partner_id)),
    "region": lambda region: Activity.id.in_(
        select(activity_member.c.activity_id).join(Member, Member.id == activity_member.c.member_id)
        .where(Member.region == region)),
    "responsible": lambda user_id: Activity.responsible_id == user_id,
    "q": lambda needle: or_(Activity.title.icontains(needle, autoescape=True),
                            Activity.description.icontains(needle, autoescape=True),
                            Activity.place.icontains(needle, autoescape=True)),
}


def filtered_query(params: dict) -> Select:
    """One select of the non-deleted activities matching the list filters, newest first."""
    conditions = [Activity.live(), _in_plan_node(params)]
    conditions += [condition(params[key]) for key, condition in FILTER_CONDITIONS.items() if params.get(key)]
    return (select(Activity).where(*[c for c in conditions if c is not None])
            .order_by(Activity.start_date.desc(), Activity.id.desc()))


def _label_order(column, labels: dict, by_label: bool):
    """Sort codes by their label (alphabetically) or in the order the labels are declared (a workflow)."""
    codes = sorted(labels, key=lambda code: labels[code].lower()) if by_label else list(labels)  # reader's words
    return case({code: position for position, code in enumerate(codes)}, value=column, else_=len(codes))


# The columns the list sorts by (anything else in ?sort= is ignored) and the ones that start newest first.
SORT_COLUMNS = ("title", "kind", "status", "dates", "responsible")
SORT_FIRST_DESCENDING = ("dates",)
DEFAULT_SORT = "dates"


def _sort_columns() -> dict:
    """The expression each sortable column orders by."""
    return {
        "title": func.lower(Activity.title),
        "kind": _label_order(Activity.kind, ACTIVITY_KINDS, by_label=True),
        "status": _label_order(Activity.status, ACTIVITY_STATUSES, by_label=False),
        "dates": Activity.start_date,
        "responsible": select(func.lower(User.name)).where(User.id == Activity.responsible_id).scalar_subquery(),
    }


def read_list_sort(args) -> Sort:
    """The list's order from the query string (an unknown column falls back to the dates, newest first)."""
    return read_sort(args, SORT_COLUMNS, DEFAULT_SORT, first_descending=SORT_FIRST_DESCENDING)


def ordered_query(params: dict, sort: Sort | None = None) -> Select:
    """The filtered list in the chosen order (the page and its downloads read the same rows in the same order)."""
    sort = sort or read_list_sort({})
    # Ties (same title, same day) keep one order across pages: the end date, then the id.
    order = order_clauses(sort, _sort_columns(), [Activity.start_date, Activity.id])
    return filtered_query(params).order_by(None).order_by(*order)


def list_page(params: dict, page: int, per_page: int, sort: Sort | None = None):
    """One page of the filtered list in the chosen order, with outcomes and responsible loaded (fixed queries)."""
    stmt = ordered_query(params, sort).options(selectinload(Activity.outcomes), selectinload(Activity.responsible))
    return db.paginate(stmt, page=page, per_page=per_page, error_out=False, count=True)


def list_summary(params: dict) -> dict:
    """Totals of the filtered list: activities per status, participants and budgets (two queries)."""
    ids = filtered_query(params).order_by(None).with_only_columns(Activity.id).scalar_subquery()
    by_status = dict(db.session.execute(
        select(Activity.status, func.count()).where(Activity.id.in_(ids)).group_by(Activity.status)).all())
    totals = db.session.execute(
        select(func.coalesce(func.sum(Activity.participants_total), 0),
               func.coalesce(func.sum(Activity.participants_women), 0),
               func.coalesce(func.sum(Activity.participants_men), 0),
               func.coalesce(func.sum(Activity.participants_other), 0),
               func.coalesce(func.sum(Activity.budget_planned), 0),
               func.coalesce(func.sum(Activity.budget_spent), 0)).where(Activity.id.in_(ids))).one()
    return {"by_status": [(code, label, by_status.get(code, 0)) for code, label in ACTIVITY_STATUSES.items()],
            "participants": totals[0], "women": totals[1], "men": totals[2], "other": totals[3],
            "planned": totals[4], "spent": totals[5]}


def list_years() -> list[int]:
    """The years the list's year filter offers, newest first: the plan's years and every year that has activities."""
    plans = db.session.execute(select(Plan.start_year, Plan.end_year)).all()
    years = {year for start, end in plans for year in range(start, end + 1)}
    years.update(db.session.scalars(select(Activity.year).where(Activity.live()).distinct()))
    return sorted(years, reverse=True)


def filter_choices() -> dict:
    """The options of the list's filters (lines, axes, outcomes, members, partners, responsible users)."""
    lines = db.session.execute(select(ActionLine.code, ActionLine.title).order_by(ActionLine.position)).all()
    axes = db.session.execute(select(Axis.code, Axis.title).join(ActionLine)
                              .order_by(ActionLine.position, Axis.position)).all()
    outcomes = db.session.execute(select(Outcome.code, Outcome.title).order_by(Outcome.position)).all()
    members = db.session.execute(select(Member.id, Member.city, Member.region).order_by(Member.region,
                                                                                         Member.city)).all()
    partners = db.session.execute(select(Partner.id, Partner.name).order_by(func.lower(Partner.name))).all()
    users = db.session.execute(select(User.id, User.name).where(User.role.in_(EDITORS)).order_by(User.name)).all()
    return {"years": list_years(), "lines": lines, "axes": axes, "outcomes": outcomes, "members": members,
            "partners": partners, "users": users}


# --- the outcome page --------------------------------------------------------------------------------------------


def outcome_activities(outcome_id: int, limit: int = 20) -> tuple[list[Activity], int]:
    """The most recent non-deleted activities serving an outcome, and how many there are in all."""
    linked = select(activity_outcome.c.activity_id).where(activity_outcome.c.outcome_id == outcome_id)
    base = select(Activity).where(Activity.live(), Activity.id.in_(linked))
    total = db.session.scalar(base.with_only_columns(func.count(Activity.id)))
    rows = db.session.scalars(base.options(selectinload(Activity.responsible))
                              .order_by(Activity.start_date.desc(), Activity.id.desc()).limit(limit)).all()
    return list(rows), total or 0
