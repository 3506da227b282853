"""Load the plan and its reference lists from the package's data files; idempotent."""
import csv
import json
from pathlib import Path

from sqlalchemy import select

from ..extensions import db
from .models import (
    REGIONS,
    ActionLine,
    Axis,
    Challenge,
    ChallengeTopic,
    KeyIdea,
    Member,
    OrientingTheme,
    Outcome,
    OutcomeKind,
    Partner,
    Plan,
)

DATA = Path(__file__).with_name("data")


def _json(name: str):
    """Read a JSON data file."""
    return json.loads((DATA / name).read_text(encoding="utf-8"))


def _csv(name: str) -> list[dict]:
    """Read a CSV data file."""
    with (DATA / name).open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def _upsert(model, key: dict, **values):
    """Fetch the row with this natural key and set its values, creating it if missing."""
    row = db.session.scalar(select(model).filter_by(**key))
    if row is None:
        row = model(**key, **values)
        db.session.add(row)
        return row, True
    for name, value in values.items():
        if getattr(row, name) != value:
            setattr(row, name, value)
    return row, False


def seed_plan() -> dict:  # noqa: C901  (untouched since the first version; one step per reference list)
    """Load everything; return how many rows were created per kind. Does not commit."""
    created: dict[str, int] = {}

    def count(kind: str, was_created: bool) -> None:
        created[kind] = created.get(kind, 0) + int(was_created)

    data = _json("plan.json")
    plan, new = _upsert(Plan, {"code": data["code"]}, title=data["title"], motto=data["motto"],
                        start_year=data["start_year"], end_year=data["end_year"])
    count("plan", new)
    db.session.flush()
    outcome_position = 0
    for line_data in data["lines"]:
        n = line_data["number"]
        line, new = _upsert(ActionLine, {"code": f"L{n}"}, plan_id=plan.id, number=n, title=line_data["title"],
                            position=n)
        count("action_lines", new)
        db.session.flush()
        for position, text in enumerate(line_data["key_ideas"], start=1):
            _, new = _upsert(KeyIdea, {"line_id": line.id, "position": position}, text=text)
            count("key_ideas", new)
        for axis_data in line_data["axes"]:
            a = axis_data["number"]
            axis, new = _upsert(Axis, {"code": f"L{n}.A{a}"}, line_id=line.id, number=a, title=axis_data["title"],
                                position=a)
            count("axes", new)
            db.session.flush()
            for o, title in enumerate(axis_data["outcomes"], start=1):
                outcome_position += 1
                _, new = _upsert(Outcome, {"code": f"L{n}.A{a}.O{o}"}, axis_id=axis.id, number=o, title=title,
                                 position=outcome_position)
                count("outcomes", new)

    reference = _json("reference.json")
    for position, theme in enumerate(reference["orienting_themes"], start=1):
        _, new = _upsert(OrientingTheme, {"name": theme["name"]}, description=theme["description"], position=position)
        count("orienting_themes", new)
    for position, item in enumerate(reference["challenges"], start=1):
        challenge, new = _upsert(Challenge, {"name": item["name"]}, description=item["description"],
                                 position=position)
        count("challenges", new)
        db.session.flush()
        for topic_position, topic in enumerate(item["topics"], start=1):
            _, new = _upsert(ChallengeTopic, {"challenge_id": challenge.id, "name": topic["name"]},
                             description=topic["description"], position=topic_position)
            count("challenge_topics", new)
    for position, kind in enumerate(reference["outcome_kinds"], start=1):
        _, new = _upsert(OutcomeKind, {"code": kind["code"]}, name=kind["name"], description=kind["description"],
                         position=position)
        count("outcome_kinds", new)

    for position, row in enumerate(_csv("members.csv"), start=1):
        if row["region"] not in REGIONS:
            raise ValueError(f"Unknown region {row['region']!r} for {row['city']}")
        _, new = _upsert(Member, {"city": row["city"], "institution": row["institution"]}, country=row["country"],
                         region=row["region"], position=position)
        count("members", new)
    for row in _csv("partners.csv"):
        aliases = "\n".join(a.strip() for a in (row.get("aliases") or "").split("|") if a.strip())
        _, new = _upsert(Partner, {"name": row["name"]}, acronym=row["acronym"] or None, kind=row["kind"],
                         source=row["source"], aliases=aliases)
        count("partners", new)
    db.session.flush()
    return created
