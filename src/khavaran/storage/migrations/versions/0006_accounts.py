"""accounts, API tokens, web sessions and the append-only access log

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-05 09:30:00
"""
from alembic import op
import sqlalchemy as sa

from khavaran.storage.ddl import drop_triggers, protect_append_only

revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('account',
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('role', sa.String(length=32), nullable=False),
    sa.Column('password_hash', sa.Text(), nullable=False),
    sa.Column('totp_secret', sa.Text(), nullable=True),
    sa.Column('totp_pending', sa.Text(), nullable=True),
    sa.Column('disabled', sa.Boolean(), server_default=sa.text('false'), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('created_by', sa.String(length=200), nullable=False),
    sa.PrimaryKeyConstraint('name', name=op.f('pk_account'))
    )
    op.create_table('api_token',
    sa.Column('id', sa.String(length=32), nullable=False),
    sa.Column('account', sa.String(length=200), nullable=False),
    sa.Column('digest', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('created_by', sa.String(length=200), nullable=False),
    sa.Column('revoked_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('revoked_by', sa.String(length=200), nullable=True),
    sa.ForeignKeyConstraint(['account'], ['account.name'], name=op.f('fk_api_token_account_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_api_token')),
    sa.UniqueConstraint('digest', name=op.f('uq_api_token_digest'))
    )
    op.create_table('recovery_code',
    sa.Column('digest', sa.String(length=64), nullable=False),
    sa.Column('account', sa.String(length=200), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('used_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['account'], ['account.name'], name=op.f('fk_recovery_code_account_account')),
    sa.PrimaryKeyConstraint('digest', name=op.f('pk_recovery_code'))
    )
    op.create_index(op.f('ix_recovery_code_account'), 'recovery_code', ['account'])
    op.create_table('web_session',
    sa.Column('digest', sa.String(length=64), nullable=False),
    sa.Column('account', sa.String(length=200), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('ended_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['account'], ['account.name'], name=op.f('fk_web_session_account_account')),
    sa.PrimaryKeyConstraint('digest', name=op.f('pk_web_session'))
    )
    op.create_table('access_log',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('actor', sa.String(length=200), nullable=False),
    sa.Column('action', sa.String(length=32), nullable=False),
    sa.Column('target', sa.String(length=200), nullable=True),
    sa.Column('outcome', sa.String(length=16), nullable=False),
    sa.Column('client', sa.String(length=64), nullable=True),
    sa.Column('via', sa.String(length=8), nullable=False),
    sa.Column('reason', sa.Text(), nullable=True),
    sa.Column('seq', sa.BigInteger(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_access_log'))
    )
    op.create_index(op.f('ix_access_log_actor_at'), 'access_log', ['actor', 'at'])
    op.create_index(op.f('ix_access_log_client_at'), 'access_log', ['client', 'at'])
    op.create_index(op.f('ix_access_log_action_at'), 'access_log', ['action', 'at'])
    protect_append_only('access_log')


def downgrade() -> None:
    drop_triggers('access_log')
    op.drop_table('access_log')
    op.drop_table('web_session')
    op.drop_table('recovery_code')
    op.drop_table('api_token')
    op.drop_table('account')
