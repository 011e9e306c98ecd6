"""background jobs: a dossier build started from the web, and what a worker does

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-06 23:50:00

`job`: one row per job, its state, progress and result (services/jobs.py).  Not
sealed and not protected from DELETE: a job's row is the worker's bookkeeping;
what the job writes to the registry is sealed by the service it runs.
"""
from alembic import op
import sqlalchemy as sa

revision = '0013'
down_revision = '0012'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'job',
        sa.Column('id', sa.String(length=32), nullable=False),
        sa.Column('kind', sa.String(length=32), nullable=False),
        sa.Column('params', sa.Text(), nullable=False),
        sa.Column('state', sa.String(length=16), nullable=False),
        sa.Column('step', sa.String(length=32), nullable=True),
        sa.Column('done', sa.Integer(), server_default='0', nullable=False),
        sa.Column('total', sa.Integer(), server_default='0', nullable=False),
        sa.Column('message', sa.Text(), nullable=True),
        sa.Column('result', sa.Text(), nullable=True),
        sa.Column('attempt', sa.Integer(), server_default='0', nullable=False),
        sa.Column('worker', sa.String(length=200), nullable=True),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('created_by', sa.String(length=200), nullable=False),
        sa.Column('started_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('heartbeat_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('finished_at', sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint("state IN ('queued','running','done','failed','interrupted')",
                           name=op.f('ck_job_state')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_job')),
    )
    op.create_index(op.f('ix_job_state_created_at'), 'job', ['state', 'created_at'])


def downgrade() -> None:
    op.drop_index(op.f('ix_job_state_created_at'), table_name='job')
    op.drop_table('job')
