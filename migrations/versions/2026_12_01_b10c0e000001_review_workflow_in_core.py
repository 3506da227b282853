"""The core: review states checked by the database, values remember when they were submitted, live evidence indexed

Revision ID: b10c0e000001
Revises: c6b639d94087
Create Date: 2026-12-01 21:20:00

"""
from alembic import op
import sqlalchemy as sa

revision = "b10c0e000001"
down_revision = "c6b639d94087"
branch_labels = None
depends_on = None

STATES = "review_state IN ('draft', 'submitted', 'returned', 'approved')"


def upgrade():
    # Rows written before this revision hold only these four states (the services never wrote others).
    with op.batch_alter_table("assessment", schema=None) as batch_op:
        batch_op.create_check_constraint(batch_op.f("ck_assessment_review_state"), STATES)
    with op.batch_alter_table("indicator_value", schema=None) as batch_op:
        batch_op.add_column(sa.Column("submitted_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.create_check_constraint(batch_op.f("ck_indicator_value_review_state"), STATES)
    with op.batch_alter_table("evidence", schema=None) as batch_op:  # lists read only live evidence
        batch_op.create_index(batch_op.f("ix_evidence_deleted_at"), ["deleted_at"], unique=False)


def downgrade():
    with op.batch_alter_table("evidence", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_evidence_deleted_at"))
    with op.batch_alter_table("indicator_value", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("ck_indicator_value_review_state"), type_="check")
        batch_op.drop_column("submitted_at")
    with op.batch_alter_table("assessment", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("ck_assessment_review_state"), type_="check")
