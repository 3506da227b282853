"""Who is responsible for each outcome: the staff who write its assessments and values."""
from sqlalchemy import delete, insert, select

from ..auth.models import User
from ..core import signals
from ..core.access import require_steering
from ..core.audit import Ref, record
from ..core.errors import Invalid
from ..core.roles import EDITORS
from ..extensions import db
from .models import Outcome, outcome_responsible


def responsible_ids(outcome_id: int) -> set[int]:
    """The ids of the staff responsible for an outcome."""
    return set(db.session.scalars(select(outcome_responsible.c.user_id)
                                  .where(outcome_responsible.c.outcome_id == outcome_id)))


def is_responsible(user, outcome_id: int | None) -> bool:
    """Tell whether a user is responsible for an outcome."""
    if outcome_id is None or getattr(user, "id", None) is None:
        return False
    return db.session.scalar(select(outcome_responsible.c.user_id).where(
        outcome_responsible.c.outcome_id == outcome_id, outcome_responsible.c.user_id == user.id)) is not None


def responsible_outcomes(user) -> list[Outcome]:
    """The outcomes a user is responsible for, in plan order."""
    return list(db.session.scalars(
        select(Outcome).join(outcome_responsible, outcome_responsible.c.outcome_id == Outcome.id)
        .where(outcome_responsible.c.user_id == user.id).order_by(Outcome.position)))


def responsibles_by_outcome(outcome_ids=None) -> dict[int, list[User]]:
    """The responsible users of each outcome (one query)."""
    query = select(outcome_responsible.c.outcome_id, User).join(User, User.id == outcome_responsible.c.user_id)
    if outcome_ids is not None:
        query = query.where(outcome_responsible.c.outcome_id.in_(list(outcome_ids)))
    result: dict[int, list[User]] = {}
    for outcome_id, user in db.session.execute(query.order_by(User.name)):
        result.setdefault(outcome_id, []).append(user)
    return result


def assignable_users() -> list[User]:
    """Active accounts that can be made responsible for an outcome (those who may record work)."""
    return list(db.session.scalars(select(User).where(User.active.is_(True), User.role.in_(EDITORS))
                                   .order_by(User.name)))


def set_responsibles(actor, outcome: Outcome, users: list[User]) -> None:
    """Make exactly these users responsible for an outcome (Secretary General or admin), audited."""
    require_steering(actor, "Only the Secretary General or an administrator assigns outcomes.")
    wrong = [u.email for u in users if u.role not in EDITORS or not u.active]
    if wrong:
        raise Invalid("Only active staff accounts can be responsible for an outcome: " + ", ".join(wrong),
                      field="users")
    before = responsible_ids(outcome.id)
    after = {u.id for u in users}
    if before == after:
        return
    if before - after:
        db.session.execute(delete(outcome_responsible).where(outcome_responsible.c.outcome_id == outcome.id,
                                                             outcome_responsible.c.user_id.in_(before - after)))
    for user_id in sorted(after - before):
        db.session.execute(insert(outcome_responsible).values(outcome_id=outcome.id, user_id=user_id))
    record(actor, "update", Ref("outcome_responsible", outcome.id), before={"user_ids": sorted(before)},
           after={"user_ids": sorted(after)}, summary=f"Responsible staff of {outcome.code} changed")
    signals.responsibles_added.send(outcome, actor=actor, added=sorted(after - before))
