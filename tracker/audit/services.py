"""Writing and reading the audit record."""
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import joinedload

from ..extensions import db


def _jsonable(value):
    """Turn dates, decimals and collections into JSON-friendly values."""
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set, frozenset)):
        items = [_jsonable(v) for v in value]
        return sorted(items, key=str) if isinstance(value, (set, frozenset)) else items
    return value


def entity_type_of(entity) -> str:
    """The table name that identifies an entity's kind in the record."""
    return entity.__tablename__


def record(actor, action: str, entity, *, before: dict | None = None, after: dict | None = None,
           summary: str = ""):
    """Add one audit entry to the current transaction (the caller commits it with the change)."""
    from .models import AuditEntry

    entry = AuditEntry(
        user_id=getattr(actor, "id", None),
        action=action,
        entity_type=entity_type_of(entity),
        entity_id=getattr(entity, "id", None),
        summary=summary[:500],
        before=_jsonable(before) if before is not None else None,
        after=_jsonable(after) if after is not None else None,
    )
    db.session.add(entry)
    return entry


def history(entity_type: str, entity_id: int):
    """Every entry about one record, newest first, with its author loaded."""
    from .models import AuditEntry

    return db.session.scalars(
        select(AuditEntry)
        .where(AuditEntry.entity_type == entity_type, AuditEntry.entity_id == entity_id)
        .options(joinedload(AuditEntry.user))
        .order_by(AuditEntry.at.desc(), AuditEntry.id.desc())
    ).all()
