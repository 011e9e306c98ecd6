"""A protected witness's testimony in the vault: which items are theirs, and the
one answer every command gives for such an item to a caller who has not asked
to reveal.

The original and its working copies keep the testimony's source, so all of
them are the witness's.  Knowing that an item exists, what it is, who holds
it, or that it can be reviewed, copied or purged tells that the witness gave
testimony: each use answers as for an unknown id (the same message, before
anything is written) unless ``include_protected`` with a named actor, and
such a use is recorded as a reveal.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from sqlalchemy import Connection, select

from khavaran.errors import NotFoundError
from khavaran.services.registry import Registry, require_actor
from khavaran.services.reveals import record_reveals
from khavaran.storage import queries
from khavaran.storage.repo import chunks
from khavaran.storage.tables import source
from khavaran.storage.vault_tables import evidence_item

__all__ = ["guard_item", "protected_witness", "record_item_reveal", "withheld_items"]


def protected_witness(conn: Connection, item_id: str) -> str | None:
    """The protected witness whose testimony the item is (or a copy of), if any."""
    q = (select(source.c.witness_id).join(evidence_item, evidence_item.c.source_id == source.c.id)
         .where(evidence_item.c.id == item_id))
    witness = conn.execute(q).scalar()
    row = queries.entity_row(conn, witness) if witness else None
    return witness if row is not None and row["protected"] else None


def withheld_items(conn: Connection, item_ids: Iterable[str]) -> set[str]:
    """Those of ``item_ids`` that are a protected witness's testimony: a page or
    list that shows items leaves them out, as the commands answer them unknown."""
    pairs: list[tuple[str, str]] = []
    for part in chunks(sorted(set(item_ids))):
        pairs += [(r.id, r.witness_id) for r in conn.execute(
            select(evidence_item.c.id, source.c.witness_id)
            .join(source, source.c.id == evidence_item.c.source_id)
            .where(evidence_item.c.id.in_(part), source.c.witness_id.is_not(None)))]
    protected = {w for w in {w for _, w in pairs}
                 if (row := queries.entity_row(conn, w)) is not None and row["protected"]}
    return {i for i, w in pairs if w in protected}


def guard_item(conn: Connection, item_id: str, include_protected: bool,
               actor: str | None) -> str | None:
    """The item's protected witness, if any; an item of one answers as unknown
    unless ``include_protected`` (which needs ``actor``).

    Call it where the command would look the item up, after the checks that
    come first for an unknown id too, so that both answer alike."""
    if include_protected:
        require_actor(actor)
    witness = protected_witness(conn, item_id)
    if witness is not None and not include_protected:
        raise NotFoundError(f"no evidence item with id '{item_id}'")
    return witness


def record_item_reveal(conn: Connection, registry: Registry, witness: str | None,
                       actor: str | None, what: str) -> None:
    """Record, in the caller's transaction, that ``what`` (the command) was done
    with a protected witness's testimony on request.

    The item's id is left out of the record: the reveal is written to the
    witness's history too, which readers see, and an item's id is half its
    SHA-256, enough to tell which file is the witness's testimony."""
    if witness is not None:
        command = _ITEM_ID.sub("", what).strip()
        record_reveals(conn, registry, actor=actor, ids=[witness],
                       reason=f"{command} --include-protected")


_ITEM_ID = re.compile(r"\s*\bev-[0-9a-f]+\b")
