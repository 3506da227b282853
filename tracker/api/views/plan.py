"""The plan, its outcomes and the reference lists that activities point to."""
from flask_babel import gettext as _
from flask_smorest import abort
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from ...activities.models import ACTIVITY_KINDS, ACTIVITY_STATUSES
from ...core.access import allow
from ...core.roles import EVERYONE
from ...extensions import db
from ...plan.models import Axis, Challenge, Member, OrientingTheme, Outcome, OutcomeKind, Partner
from ...plan.queries import current_plan, outcome_by_code, plan_as_dict
from .. import schemas
from ..blueprint import bp, errors

TAGS = ["Plan"]


@bp.route("/plan", tags=TAGS)
@allow(*EVERYONE)
@errors(401, 403, 429)
@bp.response(200, schemas.PlanTree)
def plan():
    """The whole plan: action lines with their key ideas, axes and outcomes."""
    found = current_plan()
    if found is None:
        abort(404, message=_("The plan is not loaded yet."))
    return plan_as_dict(found)


@bp.route("/outcomes", tags=TAGS)
@allow(*EVERYONE)
@errors(401, 403, 429)
@bp.response(200, schemas.OutcomeList)
def outcomes():
    """Every outcome in plan order, with its axis and line."""
    rows = db.session.scalars(select(Outcome).options(selectinload(Outcome.axis).selectinload(Axis.line))
                              .order_by(Outcome.position)).all()
    return {"items": rows}


@bp.route("/outcomes/<code>", tags=TAGS)
@allow(*EVERYONE)
@errors(401, 403, 404, 429)
@bp.response(200, schemas.OutcomeOut)
def outcome(code: str):
    """One outcome, by its code (L1.A2.O3)."""
    found = outcome_by_code(code)
    if found is None:
        abort(404, message=_("There is no outcome %(code)s.", code=code[:30]))
    return found


@bp.route("/reference", tags=TAGS)
@allow(*EVERYONE)
@errors(401, 403, 429)
@bp.response(200, schemas.Reference)
def reference():
    """The codes and ids an activity uses: kinds, statuses, kinds of outcome, themes, challenges, members, partners."""
    return {
        "kinds": [{"code": code, "label": label} for code, label in ACTIVITY_KINDS.items()],
        "statuses": [{"code": code, "label": label} for code, label in ACTIVITY_STATUSES.items()],
        "outcome_kinds": [{"code": k.code, "label": k.name}
                          for k in db.session.scalars(select(OutcomeKind).order_by(OutcomeKind.position))],
        "themes": db.session.scalars(select(OrientingTheme).order_by(OrientingTheme.position)).all(),
        "challenges": db.session.scalars(select(Challenge).order_by(Challenge.position)).all(),
        "members": db.session.scalars(select(Member).order_by(Member.city)).all(),
        "partners": db.session.scalars(select(Partner).order_by(func.lower(Partner.name))).all(),
    }
