"""Reviewed items remember their last editor (nobody approves what they wrote or edited), backfilled from the audit

Revision ID: a12d00000001
Revises: a12b00000001
Create Date: 2026-12-03 00:00:00

"""
from alembic import op
import sqlalchemy as sa

revision = "a12d00000001"
down_revision = "a12b00000001"
branch_labels = None
depends_on = None

TABLES = ("assessment", "indicator_value")


def _latest(table: str, column: str, actions: str, newest: bool = True) -> str:
    """A correlated subquery: one column of the newest (or oldest) audit entry of the row with one of the actions."""
    order = "DESC" if newest else "ASC"
    return (f"(SELECT e.{column} FROM audit_entry e WHERE e.entity_type = '{table}' AND e.entity_id = {table}.id "
            f"AND e.action IN ({actions}) ORDER BY e.at {order}, e.id {order} LIMIT 1)")


def upgrade():
    for table in TABLES:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(sa.Column("edited_by_id", sa.Integer(), nullable=True))
            batch_op.add_column(sa.Column("edited_at", sa.DateTime(timezone=True), nullable=True))
            batch_op.create_foreign_key(batch_op.f(f"fk_{table}_edited_by_id_user"), "user", ["edited_by_id"], ["id"])
    # Every write went through the services, which audit it: the last 'create' or 'update' entry names the last
    # editor. Rows without such an entry keep NULL (nobody is then known to have edited them).
    for table in TABLES:
        written = "'create', 'update'"
        op.execute(f"UPDATE {table} SET edited_by_id = {_latest(table, 'user_id', written)}, "
                   f"edited_at = {_latest(table, 'at', written)} "
                   f"WHERE EXISTS {_latest(table, 'id', written)}")
    # A value's entered_by used to be overwritten by each editor: the one who entered it is the 'create' entry's.
    first = _latest("indicator_value", "user_id", "'create'", newest=False)
    op.execute(f"UPDATE indicator_value SET entered_by_id = {first} WHERE {first} IS NOT NULL")


def downgrade():
    for table in reversed(TABLES):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_constraint(batch_op.f(f"fk_{table}_edited_by_id_user"), type_="foreignkey")
            batch_op.drop_column("edited_at")
            batch_op.drop_column("edited_by_id")
