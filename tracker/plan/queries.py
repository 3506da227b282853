"""Reading the plan: the whole tree in a fixed number of queries."""
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from ..core.i18n import DEFAULT_LANGUAGE
from ..extensions import db
from .models import ActionLine, Axis, Member, Outcome, Partner, Plan
from .reference import country_name

SEARCH_LIMIT = 50  # more matches than a picker shows at once


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


def member_search_text(member: Member) -> str:
    """What a member is found by: city, institution, country (in English and as the reader says it) and region."""
    english = country_name(member.country, DEFAULT_LANGUAGE)
    return f"{member.city} {member.institution} {member.country_name} {english} {member.region}"


def partner_search_text(partner: Partner) -> str:
    """What a partner is found by: its name, acronym and aliases (and its kind)."""
    return " ".join([partner.label, *partner.alias_list, partner.kind])


def _member_rank(member: Member, needle: str) -> int | None:
    """How well a member matches: its city first, then its country, then anything else; None if not at all."""
    city = member.city.lower()
    if city.startswith(needle):
        return 0
    if needle in city:
        return 1
    if needle in member.country_name.lower():
        return 2
    if needle in member_search_text(member).lower():
        return 3
    return None


def search_members(query: str, limit: int = SEARCH_LIMIT) -> list[Member]:
    """Members matching the text, best first: city names before country matches ("Mexico" → Mexico City first)."""
    needle = " ".join(query.split()).lower()
    if not needle:
        return []
    members = db.session.scalars(select(Member).order_by(Member.city, Member.id)).all()  # one query, 141 rows
    ranked = [(rank, m.city.lower(), m.id, m) for m in members if (rank := _member_rank(m, needle)) is not None]
    return [m for *_, m in sorted(ranked, key=lambda r: r[:3])][:limit]


def search_partners(query: str, limit: int = SEARCH_LIMIT) -> list[Partner]:
    """Partners whose name, acronym or one of its aliases contains the text ("State Department"), by name."""
    needle = " ".join(query.split()).lower()
    if not needle:
        return []
    partners = db.session.scalars(select(Partner).order_by(Partner.name, Partner.id)).all()  # a short list
    return [p for p in partners if needle in partner_search_text(p).lower()][:limit]
