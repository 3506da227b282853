"""The language of each report: chosen by the Secretary General when generating, kept on the request and on the
archived report (earlier reports were all in English)

Revision ID: a15e00000001
Revises: a15c00000001
Create Date: 2026-12-06 00:00:00

"""
from alembic import op
import sqlalchemy as sa

revision = "a15e00000001"
down_revision = "a15c00000001"
branch_labels = None
depends_on = None


def upgrade():
    for table in ("report", "report_request"):
        with op.batch_alter_table(table) as batch:
            batch.add_column(sa.Column("language", sa.String(length=5), nullable=False, server_default="en"))


def downgrade():
    # SQLite drops a column by copying the table, reflecting it and the tables it refers to (a request refers to
    # its report), and cannot reflect the expression index of the report's unique version: take the index off for
    # the copies and put it back after.
    op.drop_index("uq_report_kind_year_version", table_name="report")
    for table in ("report_request", "report"):
        with op.batch_alter_table(table) as batch:
            batch.drop_column("language")
    op.create_index("uq_report_kind_year_version", "report", ["kind", sa.text("coalesce(year, 0)"), "version"],
                    unique=True)
