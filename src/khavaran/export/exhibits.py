"""The exhibits of a dossier: which vault items, in which order, and which of
them may go into a bag of a given disclosure level.

Exhibits are numbered E001, E002... in the order the case first cites them
(charge by charge, element by element, link by link), so the same case at the
same ledger head always gets the same numbers.  A working copy (translation,
transcript, redaction...) goes with its original as E001-translation-1.
"""

from __future__ import annotations

import mimetypes
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Connection, func, select

from khavaran.services.case_views import TargetView
from khavaran.services.cases import Case
from khavaran.services.protection import HiddenSet
from khavaran.storage.tables import source
from khavaran.storage.vault_tables import (
    evidence_derivation,
    evidence_intake,
    evidence_item,
    evidence_link,
    evidence_meta,
    evidence_purge,
    ledger_entry,
)
from khavaran.vault.ledger import body_of, data_of, iter_entries

__all__ = ["Exhibit", "collect_exhibits", "describe"]


@dataclass
class Exhibit:
    number: str
    item: Any  # the evidence_item row
    kind: str  # "original", or the kind of working copy
    parent: str | None  # the original's exhibit number, for a working copy
    identifying: list[str] = field(default_factory=list)  # why it would identify someone
    # It would identify a protected person: withheld, its id and hashes go too (with
    # the file's bytes they would tell that it is, say, a protected witness's testimony).
    protected: bool = False
    purged: bool = False
    original_names: list[str] = field(default_factory=list)
    metadata: list[tuple[str, str, bool]] = field(default_factory=list)
    custody: dict[str, Any] = field(default_factory=dict)

    @property
    def file_name(self) -> str:
        ext = mimetypes.guess_extension(self.item.media_type.split(";")[0]) or ".bin"
        return f"{self.number}{ext}"


def _first_seq(conn: Connection, item_ids: list[str]) -> dict[str, int]:
    rows = conn.execute(select(ledger_entry.c.item_id, func.min(ledger_entry.c.seq))
                        .where(ledger_entry.c.item_id.in_(item_ids))
                        .group_by(ledger_entry.c.item_id))
    return {r[0]: r[1] for r in rows}


def collect_exhibits(conn: Connection, case: Case, targets: dict[int, TargetView],
                     hidden: HiddenSet, *, upto: int, internal: bool) -> list[Exhibit]:
    """Every vault item the case's links reach, with their working copies, as of
    ledger entry ``upto``."""
    order: list[str] = []
    for ch in case.charges:
        for ev in ch.elements:
            for lk in ev.links:
                order += [i for i in targets[lk.id].item_ids if i not in order]
    born = _first_seq(conn, order)
    order = [i for i in order if born.get(i, upto + 1) <= upto]
    out: list[Exhibit] = []
    for n, item_id in enumerate(order, start=1):
        item = conn.execute(select(evidence_item).where(evidence_item.c.id == item_id)).one()
        number = f"E{n:03d}"
        out.append(Exhibit(number, item, "original" if item.role == "original" else "copy",
                           None))
        copies = conn.execute(select(evidence_derivation).where(
            evidence_derivation.c.parent_id == item_id)
            .order_by(evidence_derivation.c.kind, evidence_derivation.c.created_at,
                      evidence_derivation.c.child_id)).all()
        copy_born = _first_seq(conn, [c.child_id for c in copies])
        counts: dict[str, int] = {}
        for c in copies:
            if copy_born.get(c.child_id, upto + 1) > upto:
                continue
            counts[c.kind] = counts.get(c.kind, 0) + 1
            child = conn.execute(select(evidence_item).where(
                evidence_item.c.id == c.child_id)).one()
            out.append(Exhibit(f"{number}-{c.kind}-{counts[c.kind]}", child, c.kind, number))
    describe(conn, out, hidden, upto=upto, internal=internal)
    return out


def describe(conn: Connection, exhibits: list[Exhibit], hidden: HiddenSet, *, upto: int,
              internal: bool) -> None:
    """Fill in each exhibit's purge, original names, metadata, custody summary and
    the reasons it would identify someone (``identifying``)."""
    ids = [e.item.id for e in exhibits]
    purged = set(conn.execute(select(evidence_purge.c.item_id).where(
        evidence_purge.c.item_id.in_(ids))).scalars())
    witness = {r.id: r.witness_id for r in conn.execute(select(source.c.id,
                                                                source.c.witness_id))}
    hidden_links = {r.item_id for r in conn.execute(select(evidence_link.c.item_id).where(
        evidence_link.c.item_id.in_(ids), evidence_link.c.claim_id.in_(sorted(hidden.claims))))}
    by_number = {e.number: e for e in exhibits}
    for e in exhibits:
        e.purged = e.item.id in purged
        e.original_names = sorted(set(conn.execute(select(evidence_intake.c.original_name)
                                                   .where(evidence_intake.c.item_id == e.item.id))
                                      .scalars()))
        e.metadata = [(r.field, r.value, bool(r.sensitive)) for r in conn.execute(
            select(evidence_meta).where(evidence_meta.c.item_id == e.item.id)
            .order_by(evidence_meta.c.field))]
        # A redaction is made to be shown: it inherits its original's source, not its
        # reasons to be withheld (its own metadata still counts).
        if e.kind != "redaction" and witness.get(e.item.source_id) in hidden.people:
            e.identifying.append("it is the testimony of a protected witness")
            e.protected = True
        if e.item.id in hidden_links:
            e.identifying.append("it is evidence of a fact that identifies a protected person")
            e.protected = True
        if not internal and any(sensitive for _f, _v, sensitive in e.metadata):
            e.identifying.append("it carries sensitive metadata (such as GPS or an author)")
        e.custody = _custody(conn, e.item.id, upto)
    # A copy of an identifying original identifies too, unless it is its redaction.
    for e in exhibits:
        if e.parent and e.kind != "redaction":
            parent = by_number[e.parent]
            e.identifying += [f"its original {parent.number}: {why}"
                              for why in parent.identifying]
            e.protected = e.protected or parent.protected


def _custody(conn: Connection, item_id: str, upto: int) -> dict[str, Any]:
    """A summary of the item's ledger entries up to ``upto``."""
    entries = list(iter_entries(conn, item_id, upto=upto))
    kinds: dict[str, int] = {}
    holder = None
    for e in entries:
        kinds[e.kind] = kinds.get(e.kind, 0) + 1
        body = body_of(e.body)
        if e.kind in ("intake", "derive") and holder is None:
            holder = body.get("actor")
        elif e.kind == "transfer":
            holder = data_of(e.body).get("to", holder)
    first = body_of(entries[0].body) if entries else {}
    last = body_of(entries[-1].body) if entries else {}
    return {"entries": len(entries), "events": kinds, "custodian": holder,
            "taken_in": {"at": first.get("at"), "by": first.get("actor")},
            "last": {"kind": last.get("kind"), "at": last.get("at"),
                     "hash": entries[-1].hash if entries else None}}
