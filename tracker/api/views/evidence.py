"""Evidence: the metadata of an activity's or an outcome's pieces, and adding or changing links."""
from flask import url_for
from flask_babel import gettext as _
from flask_login import current_user
from flask_smorest import abort
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from ...activities.models import Activity
from ...core.access import allow
from ...core.dates import as_utc
from ...core.errors import StaleEdit
from ...core.roles import EDITORS, EVERYONE
from ...evidence import services
from ...evidence.models import Evidence
from ...extensions import db
from ...plan.models import Outcome
from .. import schemas
from ..blueprint import bp, commit, errors, fail

TAGS = ["Evidence"]


def evidence_dict(item: Evidence, outcome_code: str | None = None) -> dict:
    """A piece of evidence's metadata as the API shows it (a file's bytes are at its download address)."""
    stored = item.file
    return {
        "id": item.id, "version": item.version, "kind": item.kind, "title": item.title,
        "activity_id": item.activity_id, "outcome": outcome_code, "url": item.url, "note": item.note,
        "file": {"filename": item.original_filename, "size": stored.size, "mime_type": stored.mime_type,
                 "sha256": stored.sha256, "download_url": url_for("evidence.download", evidence_id=item.id)}
        if stored is not None else None,
        "added_by": item.added_by, "added_at": as_utc(item.added_at),
    }


def _live_activity(activity_id: int) -> Activity:
    """A live activity, or a JSON 404."""
    found = db.session.get(Activity, activity_id) if 0 < activity_id < 2**31 else None
    if found is None or found.is_deleted:
        abort(404, message=_("There is no activity %(id)s.", id=activity_id))
    return found


def _outcome(code: str) -> Outcome:
    """An outcome by code, or a JSON 404."""
    found = db.session.scalar(select(Outcome).where(Outcome.code == code))
    if found is None:
        abort(404, message=_("There is no outcome %(code)s.", code=code[:30]))
    return found


@bp.route("/activities/<int:activity_id>/evidence", tags=TAGS)
@allow(*EVERYONE)
@errors(401, 403, 404, 429)
@bp.response(200, schemas.EvidenceList)
def activity_evidence(activity_id: int):
    """The evidence of an activity, oldest first."""
    _live_activity(activity_id)
    return {"items": [evidence_dict(item) for item in services.list_for_activity(activity_id)]}


@bp.route("/outcomes/<code>/evidence", tags=TAGS)
@allow(*EVERYONE)
@errors(401, 403, 404, 429)
@bp.response(200, schemas.EvidenceList)
def outcome_evidence(code: str):
    """The evidence attached straight to an outcome (Board members: that of approved years only)."""
    outcome = _outcome(code)
    items = services.readable_for_outcome(current_user, outcome.id, services.list_for_outcome(outcome.id))
    return {"items": [evidence_dict(item, outcome.code) for item in items]}


def _readable(evidence_id: int) -> Evidence:
    """A piece of evidence the user may read, or a JSON 404 (as if absent: the Board does not learn of drafts)."""
    item = services.get_visible(evidence_id) if 0 < evidence_id < 2**31 else None
    if item is None or not services.can_read_evidence(current_user, item):
        abort(404, message=_("There is no evidence %(id)s.", id=evidence_id))
    return item


def _answer(evidence_id: int) -> dict:
    """A piece of evidence as it now stands."""
    db.session.expire_all()
    item = db.session.scalar(select(Evidence).where(Evidence.id == evidence_id)
                             .options(joinedload(Evidence.file), joinedload(Evidence.added_by),
                                      joinedload(Evidence.outcome)))
    return evidence_dict(item, item.outcome.code if item.outcome is not None else None)


@bp.route("/evidence/<int:evidence_id>", tags=TAGS)
@allow(*EVERYONE)
@errors(401, 403, 404, 429)
@bp.response(200, schemas.EvidenceOut)
def get_evidence(evidence_id: int):
    """One piece of evidence's metadata."""
    return _answer(_readable(evidence_id).id)


def _added(make) -> tuple[dict, int, dict]:
    """Add a link through the evidence rules and answer 201 with it."""
    evidence_id = commit(lambda: make().id, field="url")
    return _answer(evidence_id), 201, {"Location": url_for("api.get_evidence", evidence_id=evidence_id)}


@bp.route("/activities/<int:activity_id>/evidence", methods=["POST"], tags=TAGS)
@allow(*EDITORS)
@errors(401, 403, 404, 429)
@bp.arguments(schemas.LinkIn)
@bp.response(201, schemas.EvidenceOut)
def add_activity_link(link: dict, activity_id: int):
    """Add a link (http or https) as evidence of an activity (audited)."""
    activity = _live_activity(activity_id)
    return _added(lambda: services.add_link(current_user, activity=activity, title=link["title"], url=link["url"]))


@bp.route("/outcomes/<code>/evidence", methods=["POST"], tags=TAGS)
@allow(*EDITORS)
@errors(401, 403, 404, 429)
@bp.arguments(schemas.LinkIn)
@bp.response(201, schemas.EvidenceOut)
def add_outcome_link(link: dict, code: str):
    """Add a link (http or https) as evidence straight to an outcome (audited)."""
    outcome = _outcome(code)
    return _added(lambda: services.add_link(current_user, outcome=outcome, title=link["title"], url=link["url"]))


@bp.route("/evidence/<int:evidence_id>", methods=["PATCH"], tags=TAGS)
@allow(*EDITORS)
@errors(401, 403, 404, 409, 429)
@bp.arguments(schemas.LinkPatch)
@bp.response(200, schemas.EvidenceOut)
def update_evidence(changes: dict, evidence_id: int):
    """Change a piece's title, and a link's address; a change based on an older version is refused with 409."""
    item = _readable(evidence_id)
    if not services.can_edit_evidence(current_user, item):
        abort(403, message=_("Only the person who added this evidence, the Secretary General or an administrator "
                             "can change it."))
    if "url" in changes and item.kind != "link":
        abort(422, errors={"url": [_("Only a link has an address.")]})
    if changes["version"] != item.version:
        stale = StaleEdit(_("Someone else changed this evidence since you read it: read it again, then make your "
                            "change."))
        stale.current_version = item.version
        fail(stale)
    commit(lambda: services.update(current_user, item, title=changes.get("title", item.title),
                                   url=changes.get("url", item.url), note=item.note), field="url")
    return _answer(evidence_id)
