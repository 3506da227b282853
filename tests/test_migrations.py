"""Migrations apply to an empty database and agree with the models (no pending autogenerate changes)."""
import logging
import uuid
import warnings

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade
from sqlalchemy import create_engine, inspect, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import IntegrityError

from tracker import create_app
from tracker.core import security_log
from tracker.extensions import db


@pytest.fixture
def empty_database_url(database_url, tmp_path):
    """A brand-new empty database of the same kind as the test database."""
    url = make_url(database_url)
    if url.get_backend_name() == "sqlite":
        yield "sqlite:///" + str(tmp_path / "migrations.sqlite")
        return
    name = f"tracker_migrations_{uuid.uuid4().hex[:8]}"
    admin = create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield url.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def test_migrations_apply_and_match_models(empty_database_url, tmp_path):
    app = create_app("testing", SQLALCHEMY_DATABASE_URI=empty_database_url, EVIDENCE_FOLDER=str(tmp_path / "e"))
    with app.app_context():
        upgrade()
        assert not logging.getLogger(security_log.LOGGER_NAME).disabled  # Alembic's logging set-up leaves it on
        with db.engine.connect() as conn, warnings.catch_warnings():
            # SQLite cannot reflect an expression index (the report's unique version): it is checked below by
            # what it does instead, on every backend.
            warnings.filterwarnings("ignore", "Skipped unsupported reflection of expression-based index")
            warnings.filterwarnings("ignore", "autogenerate skipping metadata-specified expression-based index")
            context = MigrationContext.configure(conn, opts={"compare_type": True, "include_object": _compared})
            diff = compare_metadata(context, db.metadata)
        assert diff == [], f"Models and migrations disagree: {diff}"
        _assert_report_versions_are_unique()
        _assert_audit_is_append_only()
        tables = set(inspect(db.engine).get_table_names())
        assert {"plan", "outcome", "member", "user", "audit_entry"} <= tables
        downgrade(revision="base")
        assert set(inspect(db.engine).get_table_names()) <= {"alembic_version"}
        upgrade()
        db.engine.dispose()


def _assert_audit_is_append_only():
    """The migrated database refuses to change or remove an audit entry; one step down, it no longer does."""
    with db.engine.begin() as conn:
        conn.execute(text("INSERT INTO audit_entry (at, action, entity_type, summary) "
                          "VALUES (CURRENT_TIMESTAMP, 'create', 'activity', 'x')"))
    for statement in ("UPDATE audit_entry SET summary = 'y'", "DELETE FROM audit_entry"):
        with pytest.raises(IntegrityError, match="append-only"), db.engine.begin() as conn:
            conn.execute(text(statement))
    downgrade(revision="a12d00000001")
    with db.engine.begin() as conn:
        assert conn.execute(text("UPDATE audit_entry SET summary = 'y'")).rowcount == 1
    upgrade()
    with pytest.raises(IntegrityError, match="append-only"), db.engine.begin() as conn:
        conn.execute(text("DELETE FROM audit_entry"))


EXPRESSION_INDEXES = {"uq_report_kind_year_version"}


def _compared(obj, name, type_, reflected, compare_to) -> bool:
    """Compare everything but the expression indexes, which reflection does not render comparably."""
    return not (type_ == "index" and name in EXPRESSION_INDEXES)


def _assert_report_versions_are_unique():
    """The migrated database refuses a second report with the same kind, year and version (a NULL year too)."""
    row = ("INSERT INTO report (kind, year, filename, sha256, size, pages, draft, is_final, generated_at, version) "
           "VALUES ('final', NULL, :name, 'x', 1, 1, false, false, CURRENT_TIMESTAMP, 1)")
    with db.engine.begin() as conn:
        conn.execute(text(row), {"name": "a.pdf"})
    with pytest.raises(IntegrityError), db.engine.begin() as conn:
        conn.execute(text(row), {"name": "b.pdf"})
    with db.engine.begin() as conn:
        conn.execute(text("DELETE FROM report"))


def test_the_last_editor_is_backfilled_from_the_audit(empty_database_url, tmp_path):
    """a12d00000001 takes the last editor from the audit and gives an overwritten entered_by back to its author."""
    # Rows without an entry keep NULL.
    app = create_app("testing", SQLALCHEMY_DATABASE_URI=empty_database_url, EVIDENCE_FOLDER=str(tmp_path / "e"))
    with app.app_context():
        upgrade(revision="f1a2b3c4d001")
        with db.engine.begin() as conn:
            for user_id, role in ((1, "staff"), (2, "secretary_general")):
                conn.execute(text('INSERT INTO "user" (id, email, name, role, password_hash, active, failed_logins, '
                                  "created_at) VALUES (:id, :email, :role, :role, 'x', true, 0, CURRENT_TIMESTAMP)"),
                             {"id": user_id, "email": f"{role}@example.org", "role": role})
            conn.execute(text("INSERT INTO indicator (id, code, name, definition, unit, direction, cumulative, method, "
                              "position, active, created_at) VALUES (1, 'M-1', 'M', '', 'number', 'higher', false, "
                              "'manual', 0, true, CURRENT_TIMESTAMP)"))
            for value_id, year in ((1, 2021), (2, 2022)):  # value 1: entered by staff, then changed by the SG
                conn.execute(text("INSERT INTO indicator_value (id, indicator_id, year, value, note, review_state, "
                                  "entered_by_id, entered_at, version) VALUES (:id, 1, :year, 5, '', 'submitted', 2, "
                                  "CURRENT_TIMESTAMP, 1)"), {"id": value_id, "year": year})
            for entry_id, user_id, action, at in ((1, 1, "create", "2022-03-01 10:00:00"),
                                                  (2, 2, "update", "2022-03-02 10:00:00"),
                                                  (3, 1, "submit", "2022-03-03 10:00:00")):
                conn.execute(text("INSERT INTO audit_entry (id, at, user_id, action, entity_type, entity_id, summary) "
                                  "VALUES (:id, :at, :user, :action, 'indicator_value', 1, '')"),
                             {"id": entry_id, "at": at, "user": user_id, "action": action})
        upgrade()
        with db.engine.connect() as conn:
            rows = conn.execute(text("SELECT id, entered_by_id, edited_by_id, edited_at FROM indicator_value "
                                     "ORDER BY id")).all()
        assert [(r.id, r.entered_by_id, r.edited_by_id) for r in rows] == [(1, 1, 2), (2, 2, None)]
        assert "2022-03-02" in str(rows[0].edited_at) and rows[1].edited_at is None
        db.engine.dispose()


def test_partner_names_lose_a_repeated_acronym(empty_database_url, tmp_path):
    """a13c00000001 turns "Name (ACR)" with acronym ACR into "Name", unless that name is already taken; it records
    the participants that women and men left over as other or not stated."""
    app = create_app("testing", SQLALCHEMY_DATABASE_URI=empty_database_url, EVIDENCE_FOLDER=str(tmp_path / "e"))
    rows = [("International Association of Francophone Mayors (AIMF)", "AIMF"), ("Taken (TKN)", "TKN"),
            ("Taken", None), ("No acronym (NA)", None), ("LSE Cities (London School)", "LSE")]
    with app.app_context():
        upgrade(revision="a12e00000001")
        with db.engine.begin() as conn:
            for name, acronym in rows:
                conn.execute(text("INSERT INTO partner (name, acronym, kind, source) VALUES (:n, :a, 'other', 'x')"),
                             {"n": name, "a": acronym})
            for title, total, women, men in (("split", 20, 8, 10), ("whole", 5, 2, 3), ("no men", 9, 4, None),
                                             ("none", None, None, None)):
                conn.execute(text(
                    "INSERT INTO activity (title, kind, start_date, end_date, year, status, description, place, "
                    "participants_total, participants_women, participants_men, created_at, updated_at, is_demo, "
                    "version) VALUES (:t, 'event', '2022-01-01', '2022-01-01', 2022, 'completed', '', '', :total, "
                    ":women, :men, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP, false, 1)"),
                    {"t": title, "total": total, "women": women, "men": men})
        upgrade(revision="a13c00000001")
        with db.engine.connect() as conn:
            names = set(conn.scalars(text("SELECT name FROM partner")))
            aliases = set(conn.scalars(text("SELECT aliases FROM partner")))
        assert names == {"International Association of Francophone Mayors", "Taken (TKN)", "Taken",
                         "No acronym (NA)", "LSE Cities (London School)"}
        assert aliases == {""}
        with db.engine.connect() as conn:
            other = dict(conn.execute(text("SELECT title, participants_other FROM activity")).all())
        assert other == {"split": 2, "whole": 0, "no men": None, "none": None}
        downgrade(revision="a12e00000001")
        db.engine.dispose()
