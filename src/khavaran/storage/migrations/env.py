"""Alembic environment: always given a live connection by storage/migrate.py."""

from alembic import context

from khavaran.storage import (  # noqa: F401  (registers their tables)
    account_tables,
    case_tables,
    job_tables,
    reference_tables,
    vault_tables,
)
from khavaran.storage.tables import metadata

connection = context.config.attributes.get("connection")
if connection is None:  # pragma: no cover - only reached by misuse of the alembic CLI
    raise RuntimeError("run migrations through khavaran.storage.migrate.upgrade()")

context.configure(
    connection=connection,
    target_metadata=metadata,
    render_as_batch=connection.dialect.name == "sqlite",
)
with context.begin_transaction():
    context.run_migrations()
