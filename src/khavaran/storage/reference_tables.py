"""The reference area: entities imported from FollowTheMoney files, kept apart
from the registry's own claims (services/ftm_import.py), and the cross-reference
queue that matches them against the registry's persons (services/xref.py).

A reference entity is not a claim: nothing here is shown as a fact about a
person until a reviewer confirms a match, and the confirmation writes cited
claims and actions through the usual ingest.  The datasets and the judgements
are sealed (storage/sealing.py) and the judgements append-only; the entities
are a copy of a file whose SHA-256 their dataset keeps, and the candidates are
derived (re-run `khavaran xref` to rebuild them).
"""

from __future__ import annotations

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Column,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    Text,
)

from khavaran.storage.tables import ID, metadata

__all__ = ["ref_dataset", "ref_entity", "xref_candidate", "xref_judgement"]

ref_dataset = Table(
    "ref_dataset", metadata,
    Column("name", String(200), primary_key=True),
    Column("title", Text, nullable=False),
    Column("date", Date, nullable=False),   # the dataset's date, as the file or user gives it
    Column("sha256", String(64), nullable=False),  # of the file last imported
    Column("entities", Integer, nullable=False),
    Column("fictional", Boolean, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("created_by", String(200), nullable=False),
)

ref_entity = Table(
    "ref_entity", metadata,
    Column("dataset", String(200), ForeignKey("ref_dataset.name"), primary_key=True),
    Column("id", String(200), primary_key=True),  # the entity's FtM id
    Column("schema", String(64), nullable=False),
    Column("caption", Text, nullable=False),
    Column("properties", Text, nullable=False),  # JSON, as the file gave them
    Column("line", Integer, nullable=False),
    Index(None, "schema"),
)

xref_candidate = Table(
    "xref_candidate", metadata,
    Column("person_id", ID, ForeignKey("entity.id"), primary_key=True),
    Column("dataset", String(200), primary_key=True),
    Column("ref_id", String(200), primary_key=True),
    Column("weight", Float, nullable=False),
    Column("probability", Float, nullable=False),
    Column("reasons", Text, nullable=False),  # JSON [[field, verdict, weight, detail], ...]
    Index(None, "probability"),
)

xref_judgement = Table(
    "xref_judgement", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("person_id", ID, ForeignKey("entity.id"), nullable=False),
    Column("dataset", String(200), nullable=False),
    Column("ref_id", String(200), nullable=False),
    Column("decision", String(16), nullable=False),
    Column("note", Text),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("created_by", String(200), nullable=False),
    CheckConstraint("decision IN ('same','different','unsure')", name="decision"),
    Index(None, "person_id", "dataset", "ref_id"),
)
