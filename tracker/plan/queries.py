"""Reading the plan: the whole tree in a fixed number of queries."""
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from ..extensions import db
from .models import ActionLine, Axis, Outcome, Plan


def current_plan() -> Plan | None:
    """The plan, with its lines, key ideas, axes and outcomes loaded."""
    return db.session.scalar(
        select(Plan).options(
            selectinload(Plan.lines).selectinload(ActionLine.key_ideas),
            selectinload(Plan.lines).selectinload(ActionLine.axes).selectinload(Axis.outcomes),
        )
    )


def outcome_by_code(code: str) -> Outcome | None:
    """One outcome with its axis and line."""
    return db.session.scalar(
        select(Outcome).where(Outcome.code == code)
        .options(selectinload(Outcome.axis).selectinload(Axis.line))
    )


def all_outcomes() -> list[Outcome]:
    """Every outcome in plan order."""
    return list(db.session.scalars(select(Outcome).order_by(Outcome.position)))


def plan_as_dict(plan: Plan) -> dict:
    """The hierarchy as plain data, for JSON and templates."""
    return {
        "plan": {"code": plan.code, "title": plan.title, "motto": plan.motto, "start_year": plan.start_year,
                 "end_year": plan.end_year},
        "lines": [
            {
                "code": line.code, "number": line.number, "title": line.title,
                "key_ideas": [idea.text for idea in line.key_ideas],
                "axes": [
                    {
                        "code": axis.code, "number": axis.number, "title": axis.title,
                        "outcomes": [{"code": o.code, "number": o.number, "title": o.title} for o in axis.outcomes],
                    }
                    for axis in line.axes
                ],
            }
            for line in plan.lines
        ],
    }
