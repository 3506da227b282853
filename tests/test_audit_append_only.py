"""The audit record is append-only in the database itself: triggers refuse every UPDATE and DELETE of audit_entry,
whatever the code or the connection that sends it (SQLite and PostgreSQL)."""
import pytest
from sqlalchemy import delete, func, select, text, update
from sqlalchemy.exc import IntegrityError

from tracker.audit.models import APPEND_ONLY_MESSAGE, AuditEntry
from tracker.auth.models import User
from tracker.extensions import db


@pytest.fixture
def entry(app, make_user):
    """One committed audit entry by a staff member."""
    row = AuditEntry(user_id=make_user("staff").id, action="update", entity_type="activity", entity_id=7,
                     summary="Renamed the forum", after={"title": "Forum"})
    db.session.add(row)
    db.session.commit()
    return row


def _stored(entry_id: int) -> tuple | None:
    """The entry as the database holds it, read through a fresh connection."""
    with db.engine.connect() as conn:
        row = conn.execute(select(AuditEntry.summary, AuditEntry.action, AuditEntry.user_id)
                           .where(AuditEntry.id == entry_id)).one_or_none()
    return tuple(row) if row else None


def _refused(work) -> None:
    """Run a write through the session and flush: the database refuses it; roll back."""
    with pytest.raises(IntegrityError, match=APPEND_ONLY_MESSAGE):
        work()
        db.session.flush()
    db.session.rollback()


def test_an_update_through_the_session_is_refused_and_changes_nothing(entry):
    before = _stored(entry.id)

    def rewrite():
        entry.summary = "Nothing happened"

    _refused(rewrite)
    _refused(lambda: db.session.execute(update(AuditEntry).where(AuditEntry.id == entry.id).values(action="x")))
    _refused(lambda: db.session.execute(text("UPDATE audit_entry SET user_id = NULL")))
    assert _stored(entry.id) == before == ("Renamed the forum", "update", entry.user_id)


def test_a_delete_through_the_session_is_refused_and_changes_nothing(entry):
    before = _stored(entry.id)
    _refused(lambda: db.session.delete(entry))
    _refused(lambda: db.session.execute(delete(AuditEntry).where(AuditEntry.id == entry.id)))
    assert _stored(entry.id) == before


def test_emptying_the_table_is_refused(entry):
    # PostgreSQL's TRUNCATE skips row triggers, so a statement trigger refuses it; SQLite has only DELETE.
    statement = "TRUNCATE audit_entry" if db.engine.dialect.name == "postgresql" else "DELETE FROM audit_entry"
    _refused(lambda: db.session.execute(text(statement)))
    assert db.session.scalar(select(func.count()).select_from(AuditEntry)) == 1


def test_new_entries_are_still_added(entry):
    db.session.add(AuditEntry(action="create", entity_type="activity", entity_id=8, summary="Added"))
    db.session.commit()
    assert db.session.scalar(select(func.count()).select_from(AuditEntry)) == 2


def test_an_account_with_a_history_cannot_be_deleted(entry):
    # Its ON DELETE SET NULL would rewrite the entries: accounts are deactivated instead.
    _refused(lambda: db.session.delete(db.session.get(User, entry.user_id)))
    assert db.session.get(User, entry.user_id) is not None and _stored(entry.id)[2] == entry.user_id
