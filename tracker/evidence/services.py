"""Evidence rules: who may read and change what, adding files, links and notes, editing and soft deletion (audited)."""
from collections.abc import Callable

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import and_, case, func, select
from sqlalchemy.orm import joinedload, selectinload

from ..activities.models import Activity, activity_outcome
from ..activities.rules import COMPLETED, counted
from ..audit.services import record
from ..core.access import sees_unapproved
from ..core.errors import Invalid, NotAllowed, Unavailable, YearLocked
from ..core.models import utcnow
from ..core.roles import ADMIN, EDITORS, SECRETARY_GENERAL, STAFF
from ..core.text import has_visible, strip_invisible
from ..core.years import PLAN_YEARS, is_locked
from ..extensions import db
from ..plan.models import Outcome
from . import storage, validation
from .models import Evidence


def _visible():
    """The query for evidence that is not deleted, with what a panel shows joined in (one statement)."""
    return (select(Evidence).where(Evidence.live())
            .options(joinedload(Evidence.added_by), joinedload(Evidence.file))
            .order_by(Evidence.added_at, Evidence.id))


def list_for_activity(activity_id: int) -> list[Evidence]:
    """The evidence of one activity, oldest first, without deleted pieces."""
    return list(db.session.scalars(_visible().where(Evidence.activity_id == activity_id)))


def list_for_activities(activity_ids) -> dict[int, list[Evidence]]:
    """The evidence of several activities in one query, grouped by activity id."""
    ids = list(activity_ids)
    grouped: dict[int, list[Evidence]] = {activity_id: [] for activity_id in ids}
    if ids:
        for item in db.session.scalars(_visible().where(Evidence.activity_id.in_(ids))):
            grouped[item.activity_id].append(item)
    return grouped


def list_for_outcome(outcome_id: int) -> list[Evidence]:
    """The evidence attached directly to an outcome (not through an activity), without deleted pieces."""
    return list(db.session.scalars(_visible().where(Evidence.outcome_id == outcome_id)))


def counts_for_activities(activity_ids) -> dict[int, int]:
    """How many pieces of evidence each activity has, in one grouped query (activities without any are absent)."""
    ids = list(activity_ids)
    if not ids:
        return {}
    rows = db.session.execute(
        select(Evidence.activity_id, func.count(Evidence.id))
        .where(Evidence.activity_id.in_(ids), Evidence.live())
        .group_by(Evidence.activity_id)
    )
    return {activity_id: count for activity_id, count in rows}


def get_visible(evidence_id: int) -> Evidence | None:
    """A piece of evidence that is neither deleted nor attached to a deleted activity, or None."""
    item = db.session.scalar(select(Evidence).where(Evidence.id == evidence_id)
                             .options(selectinload(Evidence.file), selectinload(Evidence.activity),
                                      selectinload(Evidence.outcome)))
    if item is None or item.is_deleted:
        return None
    if item.activity is not None and item.activity.is_deleted:
        return None
    return item


# Which years of an outcome have an approved assessment: the assessments feature (a higher layer) plugs in its
# answer; without it the Board reads no evidence attached straight to an outcome.
_approved_years: list[Callable[[int], set[int]]] = []


def use_approved_years(source: Callable[[int], set[int]]) -> None:
    """Make `source(outcome_id) -> {year, ...}` the one that tells which years of an outcome are approved."""
    _approved_years[:] = [source]


def _outcome_years_approved(outcome_id: int) -> set[int]:
    """The years whose assessment of an outcome is approved (none when nobody has said)."""
    return _approved_years[0](outcome_id) if _approved_years else set()


def backed_year(evidence: Evidence) -> int:
    """The plan year whose assessment a piece of outcome evidence backs: the year it was added, within the plan."""
    return min(max(evidence.added_at.year, PLAN_YEARS[0]), PLAN_YEARS[-1])


def can_read_evidence(user, evidence: Evidence, approved: set[int] | None = None) -> bool:
    """Tell whether a user may read (download, see listed) a piece of evidence."""
    # The activity log is not reviewed: everyone reads an activity's evidence. Evidence attached straight to an
    # outcome backs that outcome's yearly assessment: a Board member reads it once that assessment is approved.
    if sees_unapproved(user) or evidence.activity_id is not None:
        return True
    if approved is None:
        approved = _outcome_years_approved(evidence.outcome_id)
    return evidence.added_at is not None and backed_year(evidence) in approved


def readable_for_outcome(user, outcome_id: int, items: list[Evidence]) -> list[Evidence]:
    """The pieces of an outcome's own evidence that a user may read (one query for the approved years)."""
    if sees_unapproved(user):
        return items
    approved = _outcome_years_approved(outcome_id)
    return [item for item in items if can_read_evidence(user, item, approved)]


def can_add_evidence(user) -> bool:
    """Staff, the Secretary General and admins may add evidence to any activity or outcome."""
    return bool(getattr(user, "is_authenticated", False)) and user.role in EDITORS


def can_edit_evidence(user, evidence: Evidence) -> bool:
    """Admins and the Secretary General may change any evidence; staff only what they added."""
    if not getattr(user, "is_authenticated", False):
        return False
    if user.role in (ADMIN, SECRETARY_GENERAL):
        return True
    return user.role == STAFF and evidence.added_by_id is not None and evidence.added_by_id == user.id


def snapshot(evidence: Evidence) -> dict:
    """The audited values of a piece of evidence (never the file's bytes)."""
    stored = evidence.file
    return {
        "kind": evidence.kind,
        "title": evidence.title,
        "url": evidence.url,
        "note": evidence.note,
        "sha256": stored.sha256 if stored else None,
        "size": stored.size if stored else None,
        "original_filename": evidence.original_filename,
        "activity_id": evidence.activity_id,
        "outcome_id": evidence.outcome_id,
    }


def max_upload_bytes() -> int:
    """The upload limit in bytes, from MAX_UPLOAD_MB."""
    return int(current_app.config["MAX_UPLOAD_MB"] * 1024 * 1024)


def add_file(actor, *, activity: Activity | None = None, outcome: Outcome | None = None, title: str | None,
             stream, filename: str) -> Evidence:
    """Check, store and attach an uploaded file; raise validation.Refused if it is not acceptable."""
    _ensure_year_open(activity)  # before storing, so that a refusal leaves no file behind
    limit = max_upload_bytes()
    mime, _label = validation.check_upload(stream, filename, limit)
    safe_name = validation.clean_filename(filename)
    title = _title(title, default=safe_name)  # before storing, so that a refused title leaves no file behind
    try:
        stored = storage.store(stream, mime_type=mime, max_bytes=limit)
    except storage.FileTooLarge:
        raise validation.Refused(_("The file is larger than the limit of %(limit)s MB.",
                                   limit=validation.megabytes(limit)), field="file") from None
    except OSError as error:
        current_app.logger.exception("Could not store an evidence file")
        raise Unavailable(_("The file could not be stored because of a problem on the server. Nothing was saved; "
                            "please try again, and tell an administrator if it happens again."),
                          field="file") from error
    evidence = Evidence(kind="file", title=title, file=stored,
                        original_filename=safe_name)
    return _create(actor, evidence, activity, outcome)


def add_link(actor, *, activity: Activity | None = None, outcome: Outcome | None = None, title: str | None,
             url: str) -> Evidence:
    """Attach a link (http or https only); raise validation.Refused if it is not acceptable."""
    _ensure_year_open(activity)
    evidence = Evidence(kind="link", title=_title(title), url=validation.check_url(url))
    return _create(actor, evidence, activity, outcome)


def add_note(actor, *, activity: Activity | None = None, outcome: Outcome | None = None, title: str | None,
             note: str) -> Evidence:
    """Attach a short note; raise validation.Refused if it is not acceptable."""
    _ensure_year_open(activity)
    evidence = Evidence(kind="note", title=_title(title), note=validation.check_note(note))
    return _create(actor, evidence, activity, outcome)


def update(actor, evidence: Evidence, *, title: str | None = None, url: str | None = None,
           note: str | None = None) -> bool:
    """Change a piece's title, and its address or text for links and notes; tell whether anything changed."""
    _require_editor(actor, evidence)
    _ensure_year_open(evidence.activity)
    before = snapshot(evidence)
    new_title = _title(title, default=evidence.original_filename if evidence.kind == "file" else None)
    new_url = validation.check_url(url) if evidence.kind == "link" else evidence.url
    new_note = validation.check_note(note) if evidence.kind == "note" else evidence.note
    if (new_title, new_url, new_note) == (evidence.title, evidence.url, evidence.note):
        return False
    evidence.title, evidence.url, evidence.note = new_title, new_url, new_note
    db.session.flush()
    record(actor, "update", evidence, before=before, after=snapshot(evidence),
           summary=f"Changed {evidence.kind} evidence “{evidence.title}”")
    return True


def delete(actor, evidence: Evidence) -> None:
    """Hide a piece of evidence from every page and list; the row and the file stay for the record."""
    _require_editor(actor, evidence)
    if evidence.is_deleted:
        return
    _ensure_year_open(evidence.activity)
    before = snapshot(evidence)
    evidence.deleted_at = utcnow()
    db.session.flush()
    record(actor, "delete", evidence, before=before, after={**before, "deleted_at": evidence.deleted_at},
           summary=f"Deleted {evidence.kind} evidence “{evidence.title}”")


def _ensure_year_open(activity: Activity | None) -> None:
    """Refuse evidence changes on an activity of a locked year: its Board evaluation counted what was there."""
    if activity is not None and is_locked(activity.year):
        raise validation.Refused(str(YearLocked(activity.year)))


def _require_editor(actor, evidence: Evidence) -> None:
    """Refuse a change the actor may not make (the views answer 403 before getting here)."""
    if not can_edit_evidence(actor, evidence):
        raise NotAllowed(_("You may change only the evidence you added."))


def _title(title: str | None, default: str | None = None) -> str:
    """A title: the one given, else the default, at most 200 characters; refuse none at all."""
    title = strip_invisible(title or "") or strip_invisible(default or "")
    if not title:
        raise validation.Refused(_("Give the evidence a title."), field="title")
    if not has_visible(title):
        raise validation.Refused(
            _("Give the evidence a title with visible characters: this has only invisible ones."), field="title")
    if any(ord(c) < 32 for c in title):
        raise validation.Refused(_("Remove the control characters from the title."), field="title")
    if len(title) > validation.MAX_TITLE:
        if default and title == strip_invisible(default):
            return title[:validation.MAX_TITLE]  # a long file name is shortened, not refused
        raise validation.Refused(_("The title is longer than %(max)d characters.", max=validation.MAX_TITLE),
                                 field="title")
    return title


def _create(actor, evidence: Evidence, activity: Activity | None, outcome: Outcome | None) -> Evidence:
    """Attach new evidence to exactly one parent, record who added it, and audit it."""
    if (activity is None) == (outcome is None):
        raise Invalid(_("Evidence belongs to one activity or one outcome."))
    if not can_add_evidence(actor):
        raise NotAllowed(_("Your role does not allow adding evidence."))
    if activity is not None and activity.is_deleted:
        raise Invalid(_("This activity is deleted."))
    evidence.activity_id = activity.id if activity is not None else None
    evidence.outcome_id = outcome.id if outcome is not None else None
    evidence.added_by_id = actor.id
    evidence.added_at = utcnow()
    db.session.add(evidence)
    db.session.flush()
    parent = f"activity {activity.id}" if activity is not None else f"outcome {outcome.code}"
    record(actor, "create", evidence, after=snapshot(evidence),
           summary=f"Added {evidence.kind} evidence “{evidence.title}” to {parent}")
    return evidence


def outcome_year_counts(outcome_id: int) -> list[dict]:
    """Per plan year: the outcome's activities, how many are completed, and their evidence (one grouped query)."""
    completed = func.count(func.distinct(case((Activity.status == COMPLETED, Activity.id))))
    rows = db.session.execute(
        select(Activity.year, func.count(func.distinct(Activity.id)), completed, func.count(Evidence.id))
        .join(activity_outcome, activity_outcome.c.activity_id == Activity.id)
        .outerjoin(Evidence, and_(Evidence.activity_id == Activity.id, Evidence.live()))
        .where(activity_outcome.c.outcome_id == outcome_id, *counted(PLAN_YEARS))
        .group_by(Activity.year)).all()
    found = {year: (total, done, evidence) for year, total, done, evidence in rows}
    return [dict(zip(("year", "total", "completed", "evidence"), (year, *found.get(year, (0, 0, 0)))))
            for year in PLAN_YEARS]
