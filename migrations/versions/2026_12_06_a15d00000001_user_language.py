"""Each user's language for the interface and their emails ("en", "fr", "es"; empty follows the browser)

Revision ID: a15d00000001
Revises: a15f00000001
Create Date: 2026-12-06 00:00:00

"""
from alembic import op
import sqlalchemy as sa

revision = "a15d00000001"
down_revision = "a15f00000001"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("user") as batch:
        batch.add_column(sa.Column("language", sa.String(length=8), nullable=True))


def downgrade():
    with op.batch_alter_table("user") as batch:
        batch.drop_column("language")
