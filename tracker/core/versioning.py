"""The data version: one row the database holds, moved on in the same transaction as every write.

Anything that caches what the database says (the overview's figures and charts) keys its entries by this version:
a worker, or another machine, that reads the version reads what every other worker committed, so no process has to
tell another that something changed. The version moves on in every transaction that wrote through a Session:
ORM changes (new, changed or deleted objects, link rows included) and DML executed through `session.execute`
(Core `insert`/`update`/`delete`, bulk loads). Writes that go around the Session (a raw connection, an
external tool) call `bump()` themselves.

The increment is issued once per transaction, just before the commit. On PostgreSQL the UPDATE locks the row until
the commit, so concurrent writers queue on it: taking that lock last, when the transaction holds every other lock
it will take and waits for nothing else, means no transaction can hold it while waiting for another one, hence no
deadlock through it.
"""
import re
import secrets

from flask import g, has_request_context
from sqlalchemy import CheckConstraint, String, event, insert, inspect, select, update
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Mapped, Session, mapped_column

from ..extensions import db

ROW_ID = 1
_CHANGED = "data_version_changed"  # session.info key: this transaction wrote something
_BUMPED = "data_version_bumped"  # session.info key: the increment was issued, the commit follows
_MEMO = "data_version"  # flask.g key: the version read for this request
# Raw SQL through session.execute(text(...)) carries no statement type: treat what reads like DML as a write.
_TEXT_DML = re.compile(r"\s*(insert|update|delete|replace|merge|upsert)\b", re.IGNORECASE)


class DataVersion(db.Model):
    """The single row holding the version of the data."""

    __tablename__ = "data_version"
    __table_args__ = (CheckConstraint(f"id = {ROW_ID}", name="single_row"),)

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    version: Mapped[int] = mapped_column(nullable=False, default=0)
    # Chosen when the row is created: a row deleted and created again (a test emptying every table, a rebuilt
    # database) starts a new series, so an (epoch, version) pair never names two different states of the data.
    epoch: Mapped[str] = mapped_column(String(32), nullable=False)


TABLE = DataVersion.__table__


def new_epoch() -> str:
    """Return a fresh random epoch for a newly created version row."""
    return secrets.token_hex(8)


def _insert_row(connection: Connection) -> None:
    """Create the row unless it exists, without failing when a concurrent transaction creates it first."""
    values = {"id": ROW_ID, "version": 0, "epoch": new_epoch()}
    dialect = connection.dialect.name
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as dialect_insert
    elif dialect == "sqlite":
        from sqlalchemy.dialects.sqlite import insert as dialect_insert
    else:  # no portable "insert if absent": a lone insert, which only a concurrent creation could make fail
        connection.execute(insert(TABLE).values(**values))
        return
    connection.execute(dialect_insert(TABLE).values(**values).on_conflict_do_nothing(index_elements=["id"]))


def bump(connection: Connection | None = None) -> None:
    """Move the data version on, in a connection's transaction (by default at the session's next commit)."""
    if connection is None:
        db.session.info[_CHANGED] = True  # the commit issues the increment, late, with its own flush
        return
    increment = update(TABLE).where(TABLE.c.id == ROW_ID).values(version=TABLE.c.version + 1)
    if connection.execute(increment).rowcount == 0:
        _insert_row(connection)  # first write since the table was created or emptied
        connection.execute(increment)


def current_version() -> str:
    """Return the data version as "epoch.version", read in one query (once per request)."""
    if has_request_context() and _MEMO in g:
        return g.get(_MEMO)
    row = db.session.execute(select(TABLE.c.epoch, TABLE.c.version).where(TABLE.c.id == ROW_ID)).one_or_none()
    if row is None:
        # Created on first use in its own short transaction, so that a read-only request commits nothing of its own.
        with db.engine.begin() as connection:
            _insert_row(connection)
            row = connection.execute(select(TABLE.c.epoch, TABLE.c.version).where(TABLE.c.id == ROW_ID)).one()
    value = f"{row.epoch}.{row.version}"
    if has_request_context():  # one request reads one version: its page and its charts agree
        g.setdefault(_MEMO, value)
    return value


def _forget_memo() -> None:
    """Drop the request's memoised version: this process has just committed a newer one."""
    if has_request_context():
        g.pop(_MEMO, None)


@event.listens_for(Session, "after_flush")
def _note_flush(session: Session, flush_context) -> None:
    """Remember that this transaction wrote objects (the lists still hold what the flush wrote)."""
    if session.new or session.deleted or any(session.is_modified(obj) for obj in session.dirty):
        session.info[_CHANGED] = True


@event.listens_for(Session, "do_orm_execute")
def _note_statement(state) -> None:
    """Remember that this transaction ran DML through the session (bulk loads, Core updates and deletes)."""
    if state.is_insert or state.is_update or state.is_delete:
        state.session.info[_CHANGED] = True
    elif not state.is_select and _TEXT_DML.match(str(getattr(state.statement, "text", ""))):
        state.session.info[_CHANGED] = True


@event.listens_for(Session, "before_commit")
def _bump_before_commit(session: Session) -> None:
    """Issue the one increment of a transaction that wrote, as its last statement before COMMIT."""
    if session.in_nested_transaction():
        return  # a savepoint being released: the outer transaction's commit counts
    if session.new or session.dirty or session.deleted:
        session.flush()  # what commit would flush next, so that the increment comes after it
    if session.info.pop(_CHANGED, False):
        bump(session.connection(bind_arguments={"mapper": inspect(DataVersion)}))
        session.info[_BUMPED] = True


@event.listens_for(Session, "after_commit")
def _after_commit(session: Session) -> None:
    """A committed increment makes the request's memoised version stale."""
    if session.info.pop(_BUMPED, False):
        _forget_memo()


@event.listens_for(Session, "after_transaction_end")
def _after_transaction_end(session: Session, transaction) -> None:
    """Start the next transaction clean: a rolled-back one changed nothing (a savepoint leaves the outer mark)."""
    if transaction.parent is None:
        session.info.pop(_CHANGED, None)
        session.info.pop(_BUMPED, None)
