"""The reporting calendar: each year's "assessments drafted by" and "reviewed by" dates beside its Board meeting,
and the reminders already sent for them (one per person, date, year and offset)

Revision ID: a14c00000001
Revises: a14b00000001
Create Date: 2026-12-05 00:00:00

"""
from alembic import op
import sqlalchemy as sa

revision = "a14c00000001"
down_revision = "a14b00000001"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("board_year") as batch:
        batch.add_column(sa.Column("drafted_by", sa.Date(), nullable=True))
        batch.add_column(sa.Column("reviewed_by", sa.Date(), nullable=True))
    op.create_table(
        "reminder_sent",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("date_kind", sa.String(length=16), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("offset_days", sa.Integer(), nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["user_id"], ["user.id"], name=op.f("fk_reminder_sent_user_id_user"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_reminder_sent")),
        sa.UniqueConstraint("user_id", "date_kind", "year", "offset_days", name="uq_reminder_sent_once"),
    )


def downgrade():
    op.drop_table("reminder_sent")
    with op.batch_alter_table("board_year") as batch:
        batch.drop_column("reviewed_by")
        batch.drop_column("drafted_by")
