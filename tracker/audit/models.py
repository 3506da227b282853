"""Audit entries."""
from datetime import datetime

from sqlalchemy import DDL, ForeignKey, Index, String, event
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..auth.models import User
from ..core.models import utcnow
from ..extensions import db


class AuditEntry(db.Model):
    """One change to one record, written in the same transaction as the change."""

    __tablename__ = "audit_entry"
    __table_args__ = (Index("ix_audit_entry_entity", "entity_type", "entity_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(db.DateTime(timezone=True), default=utcnow)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"), index=True)
    action: Mapped[str] = mapped_column(String(32))
    entity_type: Mapped[str] = mapped_column(String(64))
    entity_id: Mapped[int | None]
    summary: Mapped[str] = mapped_column(String(500), default="")
    before: Mapped[dict | None] = mapped_column(db.JSON)
    after: Mapped[dict | None] = mapped_column(db.JSON)

    user: Mapped[User | None] = relationship()

    def changes(self) -> list[tuple[str, object, object]]:
        """The fields that differ between before and after, as (field, before, after)."""
        before, after = self.before or {}, self.after or {}
        keys = list(dict.fromkeys([*before.keys(), *after.keys()]))
        return [(k, before.get(k), after.get(k)) for k in keys if before.get(k) != after.get(k)]


# The record is append-only in the database itself: an UPDATE, DELETE (or TRUNCATE) of audit_entry is refused by a
# trigger, whoever connects. The same SQL is created here after db.create_all() (the tests) and by the migration
# a12e00000001 for `db upgrade`; a later SQLite batch migration that rebuilds audit_entry must create it again.
# Consequence: an account with audit entries cannot be deleted (its ON DELETE SET NULL would update them); accounts
# are deactivated instead.
APPEND_ONLY_MESSAGE = "audit_entry is append-only"
APPEND_ONLY_TRIGGERS = {
    "sqlite": (
        "CREATE TRIGGER audit_entry_no_update BEFORE UPDATE ON audit_entry "
        f"BEGIN SELECT RAISE(ABORT, '{APPEND_ONLY_MESSAGE}'); END",
        "CREATE TRIGGER audit_entry_no_delete BEFORE DELETE ON audit_entry "
        f"BEGIN SELECT RAISE(ABORT, '{APPEND_ONLY_MESSAGE}'); END",
    ),
    "postgresql": (
        "CREATE OR REPLACE FUNCTION audit_entry_append_only() RETURNS trigger LANGUAGE plpgsql AS $$ "
        f"BEGIN RAISE EXCEPTION USING MESSAGE = '{APPEND_ONLY_MESSAGE}: ' || TG_OP || ' refused', "
        "ERRCODE = 'restrict_violation'; END $$",
        "CREATE TRIGGER audit_entry_append_only BEFORE UPDATE OR DELETE ON audit_entry "
        "FOR EACH ROW EXECUTE FUNCTION audit_entry_append_only()",
        "CREATE TRIGGER audit_entry_no_truncate BEFORE TRUNCATE ON audit_entry "
        "FOR EACH STATEMENT EXECUTE FUNCTION audit_entry_append_only()",
    ),
}
# Dropping the table drops its triggers; PostgreSQL's function outlives it unless dropped too.
APPEND_ONLY_DROP = {"postgresql": ("DROP FUNCTION IF EXISTS audit_entry_append_only()",)}

for _dialect, _statements in APPEND_ONLY_TRIGGERS.items():
    for _statement in _statements:
        event.listen(AuditEntry.__table__, "after_create", DDL(_statement).execute_if(dialect=_dialect))
for _dialect, _statements in APPEND_ONLY_DROP.items():
    for _statement in _statements:
        event.listen(AuditEntry.__table__, "after_drop", DDL(_statement).execute_if(dialect=_dialect))
