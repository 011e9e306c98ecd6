"""Export the registry as JSON Lines, in the import format (lossless).

`import` of a full export into an empty registry gives the same records,
claims, citations, statuses, consents and history.  Without
``include_protected`` the identifying facts of protected people are left out,
and the export says how many.
"""

from __future__ import annotations

import datetime as dt
import json
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from khavaran.services.protection import HiddenSet, hidden_set
from khavaran.services.registry import Registry, require_actor
from khavaran.services.reveals import export_to_file, record_export
from khavaran.storage import queries
from khavaran.storage.repo import person_key
from khavaran.storage.tables import consent, entity, history, source_record

__all__ = ["ExportReport", "export"]


@dataclass
class ExportReport:
    written: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    withheld: int = 0
    protected: list[str] = field(default_factory=list)


def _iso(value: Any) -> Any:
    # SQLite gives back timestamps without a zone; they were written in UTC.
    if isinstance(value, dt.datetime):
        aware = value if value.tzinfo else value.replace(tzinfo=dt.UTC)
        return aware.astimezone(dt.UTC).isoformat()
    return value


def _lines(conn: Any, reveal: bool, report: ExportReport) -> Iterator[dict[str, Any]]:
    hidden = HiddenSet({}, set()) if reveal else hidden_set(conn)
    if reveal:
        # Only a full export carries the key that list persons' ids are made
        # with: with it and a list, anyone could find a protected person's row.
        yield {"type": "setting", "name": "person-key", "value": person_key(conn).hex()}
    report.protected = sorted(queries.protected_entities(conn))
    pseudonyms = {eid: row["pseudonym"] for eid, row in queries.protected_entities(conn).items()}
    bases = queries.source_bases(conn)
    for s in queries.source_rows(conn):
        line = {"type": "source", "id": s["id"], "kind": s["kind"], "title": s["title"],
                "reliability": s["reliability"], "author": s["author"],
                "publisher": s["publisher"], "publisher_type": s["publisher_type"],
                "interested_party": bool(s["interested_party"]), "date": s["date_text"],
                "date_calendar": s["date_calendar"], "language": s["language"],
                "based_on": bases.get(s["id"], []), "witness": s["witness_id"],
                "url": s["url"], "note": s["note"], "fictional": bool(s["fictional"]),
                "created_at": _iso(s["created_at"]), "created_by": s["created_by"]}
        if s["witness_id"] in hidden.people:
            # A testimony's title or author often names its witness.
            line |= {"title": f"testimony of {pseudonyms[s['witness_id']]}", "author": None,
                     "url": None, "note": None}
            report.withheld += 1
        yield line
    for e in queries.iter_table(conn, entity, entity.c.id):
        # A list person merged with a protected one is protected as a whole.
        shut = e["id"] in hidden.people
        yield {"type": "entity", "id": e["id"], "schema": e["schema"],
               "fictional": bool(e["fictional"]), "protected": bool(e["protected"]) or shut,
               "pseudonym": pseudonyms[e["id"]] if shut else e["pseudonym"],
               "created_at": _iso(e["created_at"]), "created_by": e["created_by"]}
    record_keys: dict[str, dict[str, str]] = {}
    for r in queries.iter_table(conn, source_record, source_record.c.id):
        if r["person_id"] in hidden.people:
            report.withheld += 1  # the row's number in the list points at the person
            continue
        record_keys[r["id"]] = {"source": r["source_id"], "record_id": r["record_id"]}
        yield {"type": "record", "source": r["source_id"], "record_id": r["record_id"],
               "person": r["person_id"], "raw": json.loads(r["raw"]),
               "created_at": _iso(r["created_at"]), "created_by": r["created_by"]}
    for page in queries.claim_pages(conn):
        ids = [c["id"] for c in page]
        cites: dict[str, list[dict[str, Any]]] = defaultdict(list)
        for ci in queries.citations_for(conn, ids):
            cites[ci["claim_id"]].append({
                "source": ci["source_id"], "locator": ci["locator"], "quote": ci["quote"],
                "created_at": _iso(ci["created_at"]), "created_by": ci["created_by"]})
        stats: dict[str, list[dict[str, Any]]] = defaultdict(list)
        for st in queries.statuses_for(conn, ids):
            stats[st["claim_id"]].append({
                "status": st["status"], "asserted_by": st["asserted_by"],
                "date": st["date_text"], "date_calendar": st["date_calendar"],
                "source": st["source_id"], "locator": st["locator"],
                "created_at": _iso(st["created_at"]), "created_by": st["created_by"]})
        for c in page:
            if c["id"] in hidden.claims:
                report.withheld += 1
                continue
            yield {"type": "claim", "entity": c["entity_id"], "property": c["property"],
                   "value": c["value"], "qualifier": c["qualifier"],
                   "calendar": c["date_calendar"], "citations": cites[c["id"]],
                   "statuses": stats[c["id"]], "credibility": c["credibility"],
                   "assessment": c["assessment"],
                   "record": record_keys.get(c["record_id"]) if c["record_id"] else None,
                   "preferred": bool(c["preferred"]), "preferred_by": c["preferred_by"],
                   "preferred_at": _iso(c["preferred_at"]),
                   "created_at": _iso(c["created_at"]), "created_by": c["created_by"]}
    for co in queries.iter_table(conn, consent, consent.c.id):
        if co["person_id"] in hidden.people:
            report.withheld += 1
            continue
        yield {"type": "consent", "person": co["person_id"], "scope": co["scope"],
               "purpose": co["purpose"], "given": co["given_text"],
               "withdrawn": bool(co["withdrawn"]), "withdrawn_date": co["withdrawn_text"],
               "note": co["note"], "created_at": _iso(co["created_at"]),
               "created_by": co["created_by"]}
    for h in queries.iter_table(conn, history, history.c.id):
        # A reveal is written at the same moment as the change that needed it:
        # beside every other record's history it would tie that change (a new
        # relative, say) to the protected person.  The witness's own history
        # and the access log keep it.
        if hidden.hides_history(h) or (not reveal and h["action"] == "reveal-protected"):
            report.withheld += 1
            continue
        yield {"type": "history", "at": _iso(h["at"]), "actor": h["actor"],
               "action": h["action"], "entity_id": h["entity_id"], "claim_id": h["claim_id"],
               "field": h["field"], "old_value": h["old_value"], "new_value": h["new_value"],
               "reason": h["reason"]}


def export(registry: Registry, out: IO[str] | Path, *, include_protected: bool = False,
           actor: str | None = None) -> ExportReport:
    """Write the whole registry to ``out`` as JSON Lines.

    Parameters: ``out`` a path (written to a temporary file, then renamed, so a
    failed export leaves no half file) or an open text stream;
    ``include_protected`` include protected people's identities (needs ``actor``;
    recorded in history).
    """
    if include_protected:
        require_actor(actor)  # before a single line is written
    report = ExportReport()
    what = "export" + (" --include-protected" if include_protected else "")

    def revealed() -> list[str]:
        # Only an export with identities reveals anyone: the protected people a
        # plain one withholds are not revealed by it.
        return report.protected if include_protected else []

    if isinstance(out, Path):
        export_to_file(registry, out, lambda fh: _write(registry, fh, include_protected, report),
                       actor=actor, what=what, revealed=revealed)
        return report
    _write(registry, out, include_protected, report)
    record_export(registry, actor=actor, what=what, revealed=revealed())
    return report


def _write(registry: Registry, out: IO[str], include_protected: bool,
           report: ExportReport) -> None:
    with registry.read() as conn:
        for line in _lines(conn, include_protected, report):
            out.write(json.dumps(line, ensure_ascii=False, default=str) + "\n")
            report.written[line["type"]] += 1
