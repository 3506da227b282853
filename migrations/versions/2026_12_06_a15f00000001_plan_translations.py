"""The plan in French and Spanish: translations of the lines', axes' and outcomes' titles, the key ideas, the
orienting themes and the indicators' names, beside the English as adopted (empty until the Secretary General
writes them)

Revision ID: a15f00000001
Revises: a14c00000001
Create Date: 2026-12-06 00:00:00

"""
from alembic import op
import sqlalchemy as sa

revision = "a15f00000001"
down_revision = "a14c00000001"
branch_labels = None
depends_on = None

# table -> (column stem, type): each gets <stem>_fr and <stem>_es, nullable.
COLUMNS = {
    "action_line": [("title", sa.String(length=300))],
    "axis": [("title", sa.String(length=300))],
    "outcome": [("title", sa.String(length=300))],
    "key_idea": [("text", sa.String(length=300))],
    "orienting_theme": [("name", sa.String(length=100)), ("description", sa.Text())],
    "indicator": [("name", sa.String(length=200))],
}
LANGUAGES = ("fr", "es")


def upgrade():
    for table, columns in COLUMNS.items():
        with op.batch_alter_table(table) as batch:
            for stem, kind in columns:
                for language in LANGUAGES:
                    batch.add_column(sa.Column(f"{stem}_{language}", kind, nullable=True))


def downgrade():
    for table, columns in COLUMNS.items():
        with op.batch_alter_table(table) as batch:
            for stem, _ in reversed(columns):
                for language in reversed(LANGUAGES):
                    batch.drop_column(f"{stem}_{language}")
