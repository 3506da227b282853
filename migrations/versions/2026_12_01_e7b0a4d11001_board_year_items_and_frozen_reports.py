"""board year, board items and frozen reports

Revision ID: e7b0a4d11001
Revises: d4a7a0e5c001
Create Date: 2026-12-01 12:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'e7b0a4d11001'
down_revision = 'd4a7a0e5c001'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('board_year',
    sa.Column('year', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('meeting_date', sa.Date(), nullable=True),
    sa.Column('updated_by_id', sa.Integer(), nullable=True),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['updated_by_id'], ['user.id'], name=op.f('fk_board_year_updated_by_id_user')),
    sa.PrimaryKeyConstraint('year', name=op.f('pk_board_year'))
    )
    op.create_table('board_item',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=8), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('decided', sa.Text(), nullable=True),
    sa.Column('follow_up', sa.Text(), nullable=True),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_by_id', sa.Integer(), nullable=True),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("kind IN ('decision', 'risk')", name=op.f('ck_board_item_kind')),
    sa.ForeignKeyConstraint(['created_by_id'], ['user.id'], name=op.f('fk_board_item_created_by_id_user')),
    sa.ForeignKeyConstraint(['updated_by_id'], ['user.id'], name=op.f('fk_board_item_updated_by_id_user')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_board_item'))
    )
    with op.batch_alter_table('board_item', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_board_item_year'), ['year'], unique=False)

    op.create_table('board_item_outcome',
    sa.Column('board_item_id', sa.Integer(), nullable=False),
    sa.Column('outcome_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['board_item_id'], ['board_item.id'], name=op.f('fk_board_item_outcome_board_item_id_board_item'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['outcome_id'], ['outcome.id'], name=op.f('fk_board_item_outcome_outcome_id_outcome')),
    sa.PrimaryKeyConstraint('board_item_id', 'outcome_id', name=op.f('pk_board_item_outcome'))
    )

    with op.batch_alter_table('report', schema=None) as batch_op:
        batch_op.add_column(sa.Column('version', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('data_json', sa.Text(), nullable=True))
        batch_op.add_column(sa.Column('frozen_sha256', sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column('frozen_at', sa.DateTime(timezone=True), nullable=True))
    # Reports archived before this revision are numbered in the order they were made, per (kind, year).
    op.execute("UPDATE report SET version = (SELECT COUNT(*) FROM report AS earlier "
               "WHERE earlier.kind = report.kind "
               "AND (earlier.year = report.year OR (earlier.year IS NULL AND report.year IS NULL)) "
               "AND earlier.id <= report.id)")
    with op.batch_alter_table('report', schema=None) as batch_op:
        batch_op.alter_column('version', existing_type=sa.Integer(), nullable=False)


def downgrade():
    with op.batch_alter_table('report', schema=None) as batch_op:
        batch_op.drop_column('frozen_at')
        batch_op.drop_column('frozen_sha256')
        batch_op.drop_column('data_json')
        batch_op.drop_column('version')

    op.drop_table('board_item_outcome')
    with op.batch_alter_table('board_item', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_board_item_year'))

    op.drop_table('board_item')
    op.drop_table('board_year')
