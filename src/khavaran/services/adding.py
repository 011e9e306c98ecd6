"""Adding one source or one record, as a form or the JSON API does: checked and
written by the same ingest as an import, in one transaction, with history."""

from __future__ import annotations

from khavaran.model.records import EntityIn, SourceIn
from khavaran.services.ingest import Batch, IngestReport, ingest
from khavaran.services.registry import Registry

__all__ = ["add_entity", "add_source"]


def add_source(registry: Registry, new: SourceIn, *, actor: str,
               reason: str | None = None) -> IngestReport:
    """Add a source (the same one again adds nothing; a different one under the
    same id is refused)."""
    label = f"source add {new.id}" + (f": {reason}" if reason else "")
    with registry.write() as conn:
        return ingest(conn, Batch(sources=[new]), actor=actor, now=registry.now(), label=label)


def add_entity(registry: Registry, new: EntityIn, *, actor: str,
               reason: str | None = None) -> IngestReport:
    """Add a record (a person, place, unit...); its facts are then added as
    cited claims."""
    label = f"{new.schema.lower()} add {new.id}" + (f": {reason}" if reason else "")
    with registry.write() as conn:
        return ingest(conn, Batch(entities=[new]), actor=actor, now=registry.now(),
                      label=label)
