"""Report requests: each click on "Generate", the job that renders it, its progress and the report it made

Revision ID: a14b00000001
Revises: a14a00000001
Create Date: 2026-12-05 00:00:00

"""
from alembic import op
import sqlalchemy as sa

revision = "a14b00000001"
down_revision = "a14a00000001"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "report_request",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=8), nullable=False),
        sa.Column("year", sa.Integer(), nullable=True),
        sa.Column("active_key", sa.String(length=16), nullable=True),
        sa.Column("state", sa.String(length=8), nullable=False),
        sa.Column("stage", sa.String(length=16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("requested_by_id", sa.Integer(), nullable=True),
        sa.Column("requested_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("heartbeat_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("filename", sa.String(length=200), nullable=True),
        sa.Column("report_id", sa.Integer(), nullable=True),
        sa.Column("error", sa.String(length=500), nullable=True),
        sa.CheckConstraint("state IN ('queued', 'running', 'done', 'failed')", name=op.f("ck_report_request_state")),
        sa.ForeignKeyConstraint(["report_id"], ["report.id"], name=op.f("fk_report_request_report_id_report")),
        sa.ForeignKeyConstraint(["requested_by_id"], ["user.id"],
                                name=op.f("fk_report_request_requested_by_id_user")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_report_request")),
        sa.UniqueConstraint("active_key", name=op.f("uq_report_request_active_key")),
    )


def downgrade():
    op.drop_table("report_request")
