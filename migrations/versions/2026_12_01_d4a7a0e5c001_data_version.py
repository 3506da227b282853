"""data version

Revision ID: d4a7a0e5c001
Revises: b10c0e000001
Create Date: 2026-12-01 09:00:00.000000

"""
import secrets

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'd4a7a0e5c001'
down_revision = "b10c0e000001"
branch_labels = None
depends_on = None


def upgrade():
    data_version = op.create_table('data_version',
    sa.Column('id', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('epoch', sa.String(length=32), nullable=False),
    sa.CheckConstraint('id = 1', name=op.f('ck_data_version_single_row')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_data_version'))
    )
    # The one row, so that no request has to create it; a fresh epoch starts this database's series of versions.
    op.bulk_insert(data_version, [{'id': 1, 'version': 0, 'epoch': secrets.token_hex(8)}])


def downgrade():
    op.drop_table('data_version')
