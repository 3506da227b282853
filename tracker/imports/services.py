"""Importing activities: keep an upload, check every row with the activity form's rules, create the clean ones once."""
import difflib
import hashlib
import json
from dataclasses import dataclass, field

from flask_babel import gettext as _
from flask_babel import ngettext
from sqlalchemy import select, update
from sqlalchemy.orm import defer
from werkzeug.datastructures import MultiDict

from ..activities import services as activities
from ..activities.forms import ActivityForm
from ..activities.models import ACTIVITY_KINDS, ACTIVITY_STATUSES, Activity
from ..audit.services import record
from ..auth.models import User
from ..core.errors import Conflict, Invalid
from ..core.models import utcnow
from ..core.roles import EDITORS
from ..core.years import YearLocked
from ..evidence.validation import clean_filename
from ..extensions import db
from ..plan.models import Member, Outcome, Partner
from . import reading
from .models import IMPORTED, PENDING, ActivityImport, ImportedRow

READY, PROBLEM, DONE, EXISTS = "ready", "problem", "done", "exists"
ROW = "row"  # problems of the row as a whole, not of one cell
# The activity form's field behind each column (the others: outcomes, members, partners, responsible, year, id).
FORM_FIELDS = {
    "title": "title", "kind": "kind", "status": "status", "start_date": "start_date", "end_date": "end_date",
    "place": "place", "description": "description", "participants_total": "participants_total",
    "participants_women": "participants_women", "participants_men": "participants_men",
    "participants_other": "participants_other", "budget_planned": "budget_planned", "budget_spent": "budget_spent",
    "outcomes": "outcomes", "members": "members", "partners": "partners", "responsible": "responsible",
}
COLUMN_OF = {form_field: column for column, form_field in FORM_FIELDS.items()}


class RowForm(ActivityForm):
    """The activity form, filled from a sheet's row: the same parsing and rules, no CSRF token (no browser posts
    it), and links whose ids come from the import's lookups (loaded once, so never a query per row)."""

    class Meta:
        """Filled by the import, not posted."""

        csrf = False

    def check_known(self, model, field) -> None:
        """Nothing to check: every id was found in the lookups."""


@dataclass
class Lookups:
    """Everything a row is checked against, each read once per import."""

    refs: activities.References
    outcomes: dict[str, int]
    members: dict[str, int]
    partners: dict[str, int]
    users: dict[str, int]
    fingerprints: dict[str, int]  # {fingerprint: activity id} of the rows imported before
    live_ids: set[int]  # activities named in the id column that exist and are not deleted
    choices: activities.FormChoices
    kinds: dict[str, str]
    statuses: dict[str, str]
    member_names: dict[int, str] = field(default_factory=dict)  # {id: city}, for "did you mean"
    partner_names: dict[int, str] = field(default_factory=dict)


@dataclass
class RowCheck:
    """One row of the sheet: its cells, the problems of each, and what the import would do with it."""

    number: int
    values: dict[str, str]
    problems: dict[str, list[str]] = field(default_factory=dict)
    data: activities.ActivityData | None = None
    fingerprint: str | None = None
    state: str = READY
    activity_id: int | None = None

    def add(self, column: str, message: str) -> None:
        """Note a problem of a cell (or of the row, with ROW)."""
        self.problems.setdefault(column, []).append(message)


@dataclass
class Preview:
    """What an import would do: every row with its state and problems."""

    upload: ActivityImport
    columns: list[str]
    rows: list[RowCheck]
    lookups: Lookups

    def count(self, state: str) -> int:
        """How many rows are in a state."""
        return sum(1 for row in self.rows if row.state == state)

    @property
    def ready(self) -> list[RowCheck]:
        """The rows that would become activities."""
        return [row for row in self.rows if row.state == READY]


# --- the upload ---------------------------------------------------------------------------------------------------


def store_upload(owner, filename: str, content: bytes) -> ActivityImport:
    """Check an uploaded sheet (content, size, columns) and keep it in the database for its preview."""
    kind = reading.file_type(content, filename)
    reading.read_table(content, kind)  # a wrong header is said now, next to the file field
    upload = ActivityImport(owner_id=owner.id, filename=clean_filename(filename), file_type=kind,
                            sha256=hashlib.sha256(content).hexdigest(), content=content, state=PENDING)
    db.session.add(upload)
    db.session.flush()
    record(owner, "upload", upload, after={"filename": upload.filename, "sha256": upload.sha256,
                                           "bytes": len(content)},
           summary=f"Uploaded “{upload.filename}” to import activities (import #{upload.id})")
    return upload


def get_upload(owner, import_id: int) -> ActivityImport | None:
    """An upload of this owner's, or None (someone else's is as good as absent)."""
    if not 0 < import_id <= activities.MAX_DB_ID:
        return None
    return db.session.scalar(select(ActivityImport).where(ActivityImport.id == import_id,
                                                          ActivityImport.owner_id == owner.id))


def recent_uploads(owner, limit: int = 10) -> list[ActivityImport]:
    """This owner's latest uploads, newest first (without their bytes)."""
    return list(db.session.scalars(select(ActivityImport).where(ActivityImport.owner_id == owner.id)
                                   .options(defer(ActivityImport.content))
                                   .order_by(ActivityImport.created_at.desc(), ActivityImport.id.desc())
                                   .limit(limit)))


# --- checking the rows --------------------------------------------------------------------------------------------


def _key(text: str) -> str:
    """How names are compared: case and spaces do not matter."""
    return " ".join(str(text).split()).casefold()


def load_lookups(table: reading.Table) -> Lookups:
    """Read the outcomes, members, partners, users, earlier imports and the activities the sheet names, once."""
    refs = activities.References.load()
    outcomes = {_key(o.code): o.id for o in refs.rows[Outcome].values()}
    members = {_key(m.city): m.id for m in refs.rows[Member].values()}
    partners: dict[str, int] = {}
    for p in refs.rows[Partner].values():
        for name in (p.name, p.label, p.acronym, *p.alias_list):
            if name:
                partners.setdefault(_key(name), p.id)
    # Loading the users puts them in the session: the form's responsible check then finds them without a query.
    users = {_key(u.email): u.id for u in db.session.scalars(select(User).where(User.active.is_(True),
                                                                                User.role.in_(EDITORS)))}
    fingerprints = dict(db.session.execute(select(ImportedRow.fingerprint, ImportedRow.activity_id)).all())
    ids = {activities.parse_id(values.get("id")) for _, values in table.rows if values.get("id")} - {None}
    live_ids = set(db.session.scalars(select(Activity.id).where(Activity.id.in_(ids), Activity.live()))) \
        if ids else set()
    choices = activities.FormChoices([], [], [], [], [], [(code, code) for code in refs.outcome_kinds], [])
    return Lookups(refs, outcomes, members, partners, users, fingerprints, live_ids, choices,
                   _codes(ACTIVITY_KINDS), _codes(ACTIVITY_STATUSES),
                   {m.id: m.city for m in refs.rows[Member].values()},
                   {p.id: p.name for p in refs.rows[Partner].values()})


def _codes(labels: dict[str, str]) -> dict[str, str]:
    """Each code by itself and by its name ("policy_debate" and "Policy debate")."""
    return {_key(code): code for code in labels} | {_key(label): code for code, label in labels.items()}


def _items(cell: str) -> list[str]:
    """The items of a list cell ("L1.A1.O1; L2.A1.O2"), without blanks or repeats."""
    return list(dict.fromkeys(item.strip() for item in cell.split(";") if item.strip()))


def _resolve(row: RowCheck, column: str, mapping: dict[str, int], message: str,
             names: dict[int, str] | None = None) -> list[str]:
    """The ids (as form values) of the names in a list cell; a problem for each unknown name (with the names it
    may have meant, when `names` gives how each id is written)."""
    ids = []
    for name in _items(row.values.get(column, "")):
        found = mapping.get(_key(name))
        if found is not None:
            ids.append(str(found))
            continue
        problem = message % {"name": name}
        close = _close_names(name, mapping, names) if names else []
        if close:
            problem = _("%(problem)s: did you mean %(names)s?", problem=problem, names=" / ".join(close))
        row.add(column, problem)
    return ids


def _close_names(name: str, mapping: dict[str, int], names: dict[int, str], limit: int = 3) -> list[str]:
    """The names a mistyped or shortened one may mean ("Paris": Greater Paris; "Barcelona": its two members)."""
    wanted = _key(name)
    keys = [key for key in mapping if wanted in key] or difflib.get_close_matches(wanted, mapping, n=limit,
                                                                                  cutoff=0.75)
    return list(dict.fromkeys(names[mapping[key]] for key in keys))[:limit]


def _choice(row: RowCheck, column: str, mapping: dict[str, str], message: str) -> str:
    """The code of a kind or status given by its code or its name; a problem if it is neither."""
    value = row.values.get(column, "")
    if not value:
        return ""
    code = mapping.get(_key(value))
    if code is None:
        row.add(column, message % {"name": value})
        return value
    return code


def _formdata(row: RowCheck, lookups: Lookups, owner) -> MultiDict:
    """The row as the activity form would receive it, names turned into ids; unknown names noted as problems."""
    values = row.values
    data = MultiDict({name: values.get(column, "") for column, name in FORM_FIELDS.items()
                      if column not in ("outcomes", "members", "partners", "responsible", "kind", "status")})
    data["kind"] = _choice(row, "kind", lookups.kinds,
                           _("Unknown kind “%(name)s”: use one of the kinds listed in the template."))
    data["status"] = _choice(row, "status", lookups.statuses,
                             _("Unknown status “%(name)s”: use one of the statuses listed in the template."))
    data.setlist("outcomes", _resolve(row, "outcomes", lookups.outcomes, _("Unknown outcome code %(name)s")))
    data.setlist("members", _resolve(row, "members", lookups.members, _("No member city named “%(name)s”"),
                                     lookups.member_names))
    data.setlist("partners", _resolve(row, "partners", lookups.partners,
                                      _("No partner organisation named “%(name)s”"),
                                      lookups.partner_names))
    email = values.get("responsible", "")
    responsible = lookups.users.get(_key(email)) if email else owner.id  # none given: whoever imports
    if responsible is None:
        row.add("responsible", _("No active staff member has the email “%(email)s”.", email=email))
    data["responsible"] = str(responsible or "")
    return data


def _fingerprint(data: activities.ActivityData) -> str:
    """The row's normalised values, hashed: the same activity gives the same print from a CSV or a workbook."""
    values = {name: value for name, value in vars(data).items()}
    for name in ("outcome_ids", "theme_ids", "challenge_ids", "member_ids", "partner_ids"):
        values[name] = sorted(values[name])
    values["end_date"] = data.end_date or data.start_date
    values["title"] = " ".join(data.title.split())
    return hashlib.sha256(json.dumps(values, sort_keys=True, default=str).encode()).hexdigest()


def check_row(row: RowCheck, lookups: Lookups, owner) -> None:
    """Check one row with the activity form's parsing and rules, then the plan year, the locks and the id."""
    form = RowForm(formdata=_formdata(row, lookups, owner), choices=lookups.choices)
    valid = form.validate()
    for name, errors in form.errors.items():
        column = COLUMN_OF.get(name, ROW)
        if column not in row.problems:  # an unknown name already says what is wrong with the cell
            for message in errors:
                row.add(column, str(message))
    if valid and not row.problems:
        row.data = form.to_data()
        _check_year(row, lookups)
    _check_id(row, lookups)


def _check_year(row: RowCheck, lookups: Lookups) -> None:
    """The plan year is the start date's (a year column, if filled, must agree); a locked year takes no rows."""
    year = row.data.start_date.year
    given = row.values.get("year", "")
    if given and given != str(year):
        row.add("year", _("The plan year is the start date's year, %(year)s: correct it or leave it empty.",
                          year=year))
    if year in lookups.refs.locked_years:
        row.add("start_date", str(YearLocked(year)))


def _check_id(row: RowCheck, lookups: Lookups) -> None:
    """A row of an exported sheet names its activity: it is already in the tracker and is left as it is."""
    raw = row.values.get("id", "")
    if not raw:
        return
    activity_id = activities.parse_id(raw)
    if activity_id in lookups.live_ids:
        row.state, row.activity_id = EXISTS, activity_id
        row.problems.clear()  # nothing of it is imported: its cells do not matter
    else:
        row.add("id", _("There is no activity number %(id)s: leave the id empty to add this row as a new activity.",
                        id=raw))


def preview(upload: ActivityImport, owner) -> Preview:
    """Check every row of an upload: ready, with problems, already imported, or already in the tracker."""
    table = reading.read_table(upload.content, upload.file_type)
    lookups = load_lookups(table)
    rows, seen = [], {}
    for number, values in table.rows:
        row = RowCheck(number, values)
        check_row(row, lookups, owner)
        if row.data is not None and row.state == READY:
            row.fingerprint = _fingerprint(row.data)
            if row.fingerprint in lookups.fingerprints:
                row.state, row.activity_id = DONE, lookups.fingerprints[row.fingerprint]
            elif row.fingerprint in seen and not row.problems:
                row.add(ROW, _("This row repeats row %(number)s: remove one of the two.", number=seen[row.fingerprint]))
            seen.setdefault(row.fingerprint, number)
        if row.problems and row.state == READY:
            row.state = PROBLEM
        rows.append(row)
    return Preview(upload, table.columns, rows, lookups)


# --- the import ---------------------------------------------------------------------------------------------------


def source_of(upload: ActivityImport, row_number: int) -> str:
    """Where an imported activity came from, as the audit record says it."""
    return f"import #{upload.id} of “{upload.filename}”, row {row_number}"


def confirm(actor, upload: ActivityImport, *, valid_only: bool) -> list[Activity]:
    """Create the activities of an upload in one transaction (the caller commits), each audited as imported.

    All or nothing unless `valid_only`: then rows with problems are left out. Rows imported before (same
    fingerprint) or already in the tracker are never created again. Two confirms at once: the first claims the
    upload, the second finds it imported; two uploads of one file at once: the fingerprints' unique constraint
    refuses the second (the caller retries it, and it then sees those rows as imported).
    """
    claimed = db.session.execute(update(ActivityImport)
                                 .where(ActivityImport.id == upload.id, ActivityImport.state == PENDING)
                                 .values(state=IMPORTED, imported_at=utcnow())
                                 .execution_options(synchronize_session=False))
    if claimed.rowcount != 1:
        raise Conflict(_("This file was already imported: upload it again to see what it would add now."))
    db.session.refresh(upload)
    result = preview(upload, actor)
    problems = result.count(PROBLEM)
    if problems and not valid_only:
        raise Invalid(ngettext("%(num)d row has problems, so nothing was imported. Correct it in the file and upload "
                               "it again, or choose to import only the rows without problems.",
                               "%(num)d rows have problems, so nothing was imported. Correct them in the file and "
                               "upload it again, or choose to import only the rows without problems.", problems),
                      field="mode")
    if not result.ready:
        raise Invalid(_("Nothing to import: every row is already in the tracker or has problems."), field="mode")
    created = activities.create_activities(
        actor, [(row.data, source_of(upload, row.number)) for row in result.ready], refs=result.lookups.refs)
    db.session.add_all(ImportedRow(fingerprint=row.fingerprint, import_id=upload.id, row_number=row.number,
                                   activity_id=activity.id) for row, activity in zip(result.ready, created))
    db.session.flush()  # a fingerprint imported meanwhile by another confirm fails here, before the record
    upload.created_count = len(created)
    record(actor, "import", upload, after={"filename": upload.filename, "sha256": upload.sha256,
                                           "created": len(created), "with_problems_left_out": problems,
                                           "already_there": result.count(DONE) + result.count(EXISTS)},
           summary=f"Imported {len(created)} activities from “{upload.filename}” (import #{upload.id})")
    return created
