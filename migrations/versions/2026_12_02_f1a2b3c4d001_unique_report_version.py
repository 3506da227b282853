"""unique report version per kind and year

Revision ID: f1a2b3c4d001
Revises: e7b0a4d11001
Create Date: 2026-12-02 00:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'f1a2b3c4d001'
down_revision = 'e7b0a4d11001'
branch_labels = None
depends_on = None


def upgrade():
    # The previous revision numbered existing reports 1, 2, 3 ... per (kind, year): no duplicates to resolve.
    op.create_index('uq_report_kind_year_version', 'report',
                    ['kind', sa.text('coalesce(year, 0)'), 'version'], unique=True)


def downgrade():
    op.drop_index('uq_report_kind_year_version', table_name='report')
