"""audit_entry append-only: triggers refuse UPDATE and DELETE (and TRUNCATE on PostgreSQL)

Revision ID: a12e00000001
Revises: a12d00000001
Create Date: 2026-12-03 00:00:00.000000

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = 'a12e00000001'
down_revision = 'a12d00000001'
branch_labels = None
depends_on = None

# The same SQL as tracker/audit/models.py creates after db.create_all(), copied here: a migration must keep
# doing what it did when it was written, whatever the models become.
MESSAGE = "audit_entry is append-only"
TRIGGERS = {
    "sqlite": (
        "CREATE TRIGGER audit_entry_no_update BEFORE UPDATE ON audit_entry "
        f"BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END",
        "CREATE TRIGGER audit_entry_no_delete BEFORE DELETE ON audit_entry "
        f"BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END",
    ),
    "postgresql": (
        "CREATE OR REPLACE FUNCTION audit_entry_append_only() RETURNS trigger LANGUAGE plpgsql AS $$ "
        f"BEGIN RAISE EXCEPTION USING MESSAGE = '{MESSAGE}: ' || TG_OP || ' refused', "
        "ERRCODE = 'restrict_violation'; END $$",
        "CREATE TRIGGER audit_entry_append_only BEFORE UPDATE OR DELETE ON audit_entry "
        "FOR EACH ROW EXECUTE FUNCTION audit_entry_append_only()",
        "CREATE TRIGGER audit_entry_no_truncate BEFORE TRUNCATE ON audit_entry "
        "FOR EACH STATEMENT EXECUTE FUNCTION audit_entry_append_only()",
    ),
}
DROPS = {
    "sqlite": ("DROP TRIGGER IF EXISTS audit_entry_no_update", "DROP TRIGGER IF EXISTS audit_entry_no_delete"),
    "postgresql": ("DROP TRIGGER IF EXISTS audit_entry_no_truncate ON audit_entry",
                   "DROP TRIGGER IF EXISTS audit_entry_append_only ON audit_entry",
                   "DROP FUNCTION IF EXISTS audit_entry_append_only()"),
}


def upgrade():
    for statement in TRIGGERS.get(op.get_bind().dialect.name, ()):
        op.execute(statement)


def downgrade():
    for statement in DROPS.get(op.get_bind().dialect.name, ()):
        op.execute(statement)
