"""procrastinate's job queue, on PostgreSQL

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-07 12:30:00

On PostgreSQL the background jobs are queued, taken and finished by procrastinate
(storage/job_queue.py); this installs its schema (tables, types and functions
named procrastinate_*) as the pinned version ships it.  A later version of
procrastinate brings its own migration scripts: apply them in a migration of
ours.  SQLite has no queue: nothing is done there.
"""
from alembic import op

revision = '0017'
down_revision = '0016'
branch_labels = None
depends_on = None


def upgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name != "postgresql":
        return
    from khavaran.storage.job_queue import schema_sql

    # The raw connection, so that the schema's '%' and ':' reach the server as written
    # (no parameters: psycopg sends it as one script).
    bind.connection.driver_connection.execute(schema_sql())


def downgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name != "postgresql":
        return
    bind.connection.driver_connection.execute("""
DO $$
DECLARE r record;
BEGIN
  FOR r IN SELECT tablename FROM pg_tables
           WHERE schemaname = current_schema() AND tablename LIKE 'procrastinate\\_%' LOOP
    EXECUTE format('DROP TABLE %I CASCADE', r.tablename);
  END LOOP;
  FOR r IN SELECT p.oid::regprocedure AS f FROM pg_proc p
           JOIN pg_namespace n ON n.oid = p.pronamespace
           WHERE n.nspname = current_schema() AND p.proname LIKE 'procrastinate\\_%' LOOP
    EXECUTE format('DROP FUNCTION %s CASCADE', r.f);
  END LOOP;
  FOR r IN SELECT t.typname FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace
           WHERE n.nspname = current_schema() AND t.typname LIKE 'procrastinate\\_%'
             AND t.typtype IN ('e', 'c') LOOP
    EXECUTE format('DROP TYPE %I CASCADE', r.typname);
  END LOOP;
END $$;
""")
