"""Staff ask to be made responsible for an outcome; the Secretary General grants or declines

Revision ID: a13b00000001
Revises: a12e00000001
Create Date: 2026-12-04 00:00:00

"""
from alembic import op
import sqlalchemy as sa

revision = "a13b00000001"
down_revision = "a12e00000001"
branch_labels = None
depends_on = None

PENDING_ONLY = sa.text("state = 'pending'")


def upgrade():
    op.create_table(
        "assignment_request",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("outcome_id", sa.Integer(), nullable=False),
        sa.Column("requester_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("state", sa.String(length=10), nullable=False),
        sa.Column("decided_by_id", sa.Integer(), nullable=True),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint("state IN ('pending', 'granted', 'declined')", name=op.f("ck_assignment_request_state_known")),
        sa.ForeignKeyConstraint(["decided_by_id"], ["user.id"], name=op.f("fk_assignment_request_decided_by_id_user")),
        sa.ForeignKeyConstraint(["outcome_id"], ["outcome.id"], name=op.f("fk_assignment_request_outcome_id_outcome")),
        sa.ForeignKeyConstraint(["requester_id"], ["user.id"], name=op.f("fk_assignment_request_requester_id_user")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_assignment_request")),
    )
    op.create_index(op.f("ix_assignment_request_outcome_id"), "assignment_request", ["outcome_id"])
    op.create_index(op.f("ix_assignment_request_requester_id"), "assignment_request", ["requester_id"])
    op.create_index(op.f("ix_assignment_request_state"), "assignment_request", ["state"])
    op.create_index("uq_assignment_request_pending", "assignment_request", ["outcome_id", "requester_id"],
                    unique=True, sqlite_where=PENDING_ONLY, postgresql_where=PENDING_ONLY)


def downgrade():
    op.drop_table("assignment_request")
