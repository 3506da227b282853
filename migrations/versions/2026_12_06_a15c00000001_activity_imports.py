"""Imports of activities from a spreadsheet: the uploads kept between preview and confirm, and the rows imported
(each row's fingerprint once, so that importing a file twice creates nothing twice)

Revision ID: a15c00000001
Revises: a15a00000001
Create Date: 2026-12-06 00:00:00

"""
from alembic import op
import sqlalchemy as sa

revision = "a15c00000001"
down_revision = "a15a00000001"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "activity_import",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("owner_id", sa.Integer(), nullable=False),
        sa.Column("filename", sa.String(length=255), nullable=False),
        sa.Column("file_type", sa.String(length=8), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("content", sa.LargeBinary(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("imported_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_count", sa.Integer(), nullable=True),
        sa.CheckConstraint("state IN ('pending', 'imported')", name=op.f("ck_activity_import_state_known")),
        sa.ForeignKeyConstraint(["owner_id"], ["user.id"], name=op.f("fk_activity_import_owner_id_user"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_activity_import")),
    )
    op.create_index(op.f("ix_activity_import_owner_id"), "activity_import", ["owner_id"])
    op.create_table(
        "imported_row",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("fingerprint", sa.String(length=64), nullable=False),
        sa.Column("import_id", sa.Integer(), nullable=False),
        sa.Column("row_number", sa.Integer(), nullable=False),
        sa.Column("activity_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["activity_id"], ["activity.id"], name=op.f("fk_imported_row_activity_id_activity"),
                                ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["import_id"], ["activity_import.id"],
                                name=op.f("fk_imported_row_import_id_activity_import"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_imported_row")),
        sa.UniqueConstraint("fingerprint", name=op.f("uq_imported_row_fingerprint")),
    )
    op.create_index(op.f("ix_imported_row_activity_id"), "imported_row", ["activity_id"])
    op.create_index(op.f("ix_imported_row_import_id"), "imported_row", ["import_id"])


def downgrade():
    op.drop_table("imported_row")
    op.drop_table("activity_import")
