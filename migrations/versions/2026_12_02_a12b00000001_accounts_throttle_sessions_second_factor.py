"""accounts: throttling instead of lock-out, session activity, second factor

Revision ID: a12b00000001
Revises: f1a2b3c4d001
Create Date: 2026-12-02 01:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'a12b00000001'
down_revision = 'f1a2b3c4d001'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('rate_limit',
    sa.Column('key', sa.String(length=255), nullable=False),
    sa.Column('count', sa.Integer(), nullable=False),
    sa.Column('expires_at', sa.Float(), nullable=False),
    sa.PrimaryKeyConstraint('key', name=op.f('pk_rate_limit'))
    )
    with op.batch_alter_table('rate_limit', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_rate_limit_expires_at'), ['expires_at'], unique=False)

    op.create_table('recovery_code',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('code_hash', sa.String(length=255), nullable=False),
    sa.Column('used_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['user_id'], ['user.id'], name=op.f('fk_recovery_code_user_id_user'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_recovery_code'))
    )
    with op.batch_alter_table('recovery_code', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_recovery_code_user_id'), ['user_id'], unique=False)

    # Plain ALTER TABLE (SQLite 3.35+ drops columns itself): a batch copy of "user" would have to drop the table
    # that every other table references, which SQLite refuses with foreign keys on and rows in place.
    op.add_column('user', sa.Column('must_change_password', sa.Boolean(), nullable=False, server_default=sa.false()))
    op.add_column('user', sa.Column('totp_secret', sa.String(length=64), nullable=True))
    op.add_column('user', sa.Column('totp_enabled_at', sa.DateTime(timezone=True), nullable=True))
    op.add_column('user', sa.Column('totp_last_step', sa.Integer(), nullable=True))
    op.drop_column('user', 'failed_logins')
    op.drop_column('user', 'locked_until')

    with op.batch_alter_table('login_session', schema=None) as batch_op:
        batch_op.add_column(sa.Column('last_seen_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('address', sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column('user_agent', sa.String(length=200), nullable=True))
        batch_op.create_index(batch_op.f('ix_login_session_revoked_at'), ['revoked_at'], unique=False)
    op.execute("UPDATE login_session SET last_seen_at = created_at")
    with op.batch_alter_table('login_session', schema=None) as batch_op:
        batch_op.alter_column('last_seen_at', existing_type=sa.DateTime(timezone=True), nullable=False)


def downgrade():
    with op.batch_alter_table('login_session', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_login_session_revoked_at'))
        batch_op.drop_column('user_agent')
        batch_op.drop_column('address')
        batch_op.drop_column('last_seen_at')

    op.add_column('user', sa.Column('locked_until', sa.DateTime(timezone=True), nullable=True))
    op.add_column('user', sa.Column('failed_logins', sa.Integer(), nullable=False, server_default='0'))
    op.drop_column('user', 'totp_last_step')
    op.drop_column('user', 'totp_enabled_at')
    op.drop_column('user', 'totp_secret')
    op.drop_column('user', 'must_change_password')

    with op.batch_alter_table('recovery_code', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_recovery_code_user_id'))
    op.drop_table('recovery_code')
    with op.batch_alter_table('rate_limit', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_rate_limit_expires_at'))
    op.drop_table('rate_limit')
