"""Activities: the filtered list, one activity, and recording or changing one through the activity form's rules."""
from datetime import date
from decimal import Decimal

from flask import url_for
from flask_babel import gettext as _
from flask_login import current_user
from flask_smorest import abort
from sqlalchemy import select
from sqlalchemy.orm import joinedload, selectinload
from werkzeug.datastructures import MultiDict

from ...activities import services
from ...activities.forms import ActivityForm, EditActivityForm
from ...activities.models import ACTIVITY_KINDS, ACTIVITY_STATUSES, Activity
from ...core.access import allow
from ...core.dates import as_utc
from ...core.roles import EDITORS, EVERYONE
from ...evidence.services import counts_for_activities
from ...extensions import db
from ...plan.models import Outcome
from .. import schemas
from ..blueprint import bp, commit, errors
from ..paging import page_body, paginate

TAGS = ["Activities"]


def _options():
    """Everything an activity's answer shows, each collection in one query whatever the page size."""
    return (selectinload(Activity.outcomes), selectinload(Activity.members), selectinload(Activity.partners),
            selectinload(Activity.themes), selectinload(Activity.challenges), joinedload(Activity.responsible),
            joinedload(Activity.outcome_kind))


def _money(value) -> str | None:
    """An amount with its cents, as text (no float rounding on the way)."""
    return None if value is None else f"{Decimal(value):.2f}"


def activity_dict(activity: Activity, evidence_count: int = 0) -> dict:
    """An activity as the API shows it."""
    return {
        "id": activity.id, "version": activity.version, "title": activity.title, "kind": activity.kind,
        "kind_label": ACTIVITY_KINDS.get(activity.kind, activity.kind), "status": activity.status,
        "status_label": ACTIVITY_STATUSES.get(activity.status, activity.status),
        "start_date": activity.start_date, "end_date": activity.end_date, "year": activity.year,
        "place": "" if activity.place == services.ONLINE else activity.place,
        "online": activity.place == services.ONLINE, "description": activity.description,
        "outcome_kind": activity.outcome_kind.code if activity.outcome_kind else None,
        "outcomes": [o.code for o in activity.outcomes], "themes": activity.themes,
        "challenges": activity.challenges, "members": activity.members, "partners": activity.partners,
        "participants": {"total": activity.participants_total, "women": activity.participants_women,
                         "men": activity.participants_men, "other": activity.participants_other},
        "budget": {"planned": _money(activity.budget_planned), "spent": _money(activity.budget_spent)},
        "responsible": activity.responsible, "created_at": as_utc(activity.created_at),
        "updated_at": as_utc(activity.updated_at),
        "evidence_count": evidence_count,
    }


def known_outcome(code: str | None, field: str = "outcome") -> int | None:
    """The id of the outcome with this code (None when no code is given); 422 naming the field if there is none."""
    if code is None:
        return None
    found = db.session.scalar(select(Outcome.id).where(Outcome.code == code))
    if found is None:
        abort(422, errors={field: [_("There is no outcome %(code)s.", code=code[:30])]})
    return found


@bp.route("/activities", tags=TAGS)
@allow(*EVERYONE)
@errors(401, 403, 429)
@bp.arguments(schemas.ActivityListArgs, location="query", as_kwargs=True)
@bp.response(200, schemas.ActivityPage, headers={"Link": {"description": "Links to the other pages",
                                                         "schema": {"type": "string"}}})
def list_activities(page: int, per_page: int, year: int | None = None, outcome: str | None = None):
    """The activities (not deleted), newest first, a page at a time; filter by plan year and outcome code."""
    known_outcome(outcome)
    params = {key: value for key, value in (("year", year), ("outcome", outcome)) if value is not None}
    rows, meta, links = paginate(services.filtered_query(params).options(*_options()),
                                 {"page": page, "per_page": per_page})
    counts = counts_for_activities([a.id for a in rows])
    return page_body([activity_dict(a, counts.get(a.id, 0)) for a in rows], meta, links)


def _activity_or_404(activity_id: int) -> Activity:
    """A live activity with what its answer shows, or a JSON 404."""
    found = db.session.scalar(select(Activity).where(Activity.id == activity_id, Activity.live())
                              .options(*_options())) if 0 < activity_id <= services.MAX_DB_ID else None
    if found is None:
        abort(404, message=_("There is no activity %(id)s.", id=activity_id))
    return found


def _answer(activity_id: int) -> dict:
    """An activity as it now stands in the database."""
    db.session.expire_all()
    activity = _activity_or_404(activity_id)
    return activity_dict(activity, counts_for_activities([activity.id]).get(activity.id, 0))


@bp.route("/activities/<int:activity_id>", tags=TAGS)
@allow(*EVERYONE)
@errors(401, 403, 404, 429)
@bp.response(200, schemas.ActivityOut)
def get_activity(activity_id: int):
    """One activity."""
    return _answer(activity_id)


def _form_value(value):
    """A value as a browser would post it in the activity form."""
    if isinstance(value, bool):
        return "y" if value else None
    if isinstance(value, date):
        return value.isoformat()
    return None if value is None else str(value)


def _form_post(values: dict) -> MultiDict:
    """The activity form's post for these values (lists as repeated fields; empty values left out)."""
    post = MultiDict()
    for name, value in values.items():
        for item in (value if isinstance(value, list | tuple) else [value]):
            text = _form_value(item)
            if text is not None:
                post.add(name, text)
    return post


def _outcome_ids(codes: list[str]) -> list[int]:
    """The ids of outcomes given by code; 422 on the outcomes field naming the unknown ones."""
    found = dict(db.session.execute(select(Outcome.code, Outcome.id).where(Outcome.code.in_(codes))).all()) \
        if codes else {}
    unknown = [code for code in codes if code not in found]
    if unknown:
        abort(422, errors={"outcomes": [_("Unknown outcome codes: %(codes)s.", codes=", ".join(unknown[:5]))]})
    return [found[code] for code in codes]


def _checked(form_class, values: dict, **form_options):
    """Run the activity form's rules on the values, as the page does; 422 with every field's messages."""
    values = dict(values)
    if "outcomes" in values and values["outcomes"] is not None:
        values["outcomes"] = _outcome_ids(list(values["outcomes"]))
    form = form_class(formdata=_form_post(values), meta={"csrf": False}, **form_options)
    if not form.validate():
        abort(422, errors={name: list(messages) for name, messages in form.errors.items()})
    return form


@bp.route("/activities", methods=["POST"], tags=TAGS)
@allow(*EDITORS)
@errors(401, 403, 409, 429)
@bp.arguments(schemas.ActivityIn)
@bp.response(201, schemas.ActivityOut)
def create_activity(values: dict):
    """Record an activity (the same rules as the activity form; audited)."""
    values.setdefault("responsible", None)
    if values["responsible"] is None:
        values["responsible"] = current_user.id
    form = _checked(ActivityForm, values, choices=services.form_choices())
    data = form.to_data()
    activity_id = commit(lambda: services.create_activity(current_user, data).id)
    return _answer(activity_id), 201, {"Location": url_for("api.get_activity", activity_id=activity_id)}


@bp.route("/activities/<int:activity_id>", methods=["PATCH"], tags=TAGS)
@allow(*EDITORS)
@errors(401, 403, 404, 409, 429)
@bp.arguments(schemas.ActivityPatch)
@bp.response(200, schemas.ActivityOut)
def update_activity(changes: dict, activity_id: int):
    """Change some fields of an activity; a change based on an older version is refused with 409 (audited)."""
    activity = _activity_or_404(activity_id)
    if not services.can_edit_activity(current_user, activity):
        abort(403, message=_("Staff change the activities they recorded or are responsible for; the Secretary "
                             "General and administrators change any."))
    current = services.form_defaults(activity, current_user)
    current["outcomes"] = [o.code for o in activity.outcomes]  # the API speaks in outcome codes
    if "place" in changes and "online" not in changes:
        current["online"] = False  # a place given is where it took place
    if changes.get("online") and "place" not in changes:
        current["place"] = ""  # online now: the city it had no longer applies
    form = _checked(EditActivityForm, {**current, **changes},
                    choices=services.form_choices(keep_responsible_id=activity.responsible_id),
                    keep_responsible_id=activity.responsible_id)
    data = form.to_data()
    commit(lambda: services.update_activity(current_user, activity, data, expected_version=changes["version"]))
    return _answer(activity_id)
