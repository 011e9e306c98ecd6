"""Check a batch of records as a whole and write it in one transaction.

Every import, and every single claim added by hand, goes through `ingest`:
it refuses the whole batch at the first record it cannot accept (naming file,
line and field), writes nothing partial, and skips rows that are already in
the registry, so running the same import twice changes nothing.
"""

from __future__ import annotations

import datetime as dt
import json
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Connection

from khavaran.errors import DanglingReferenceError, ValidationError
from khavaran.model import ids
from khavaran.model.loader import Model, load_model
from khavaran.model.records import (
    ClaimIn,
    ConsentIn,
    EntityIn,
    HistoryIn,
    RecordIn,
    SettingIn,
    SourceIn,
    Where,
)
from khavaran.services.claims import ClaimChecker
from khavaran.services.keyed_ids import key_protected
from khavaran.services.plausibility import batch_warnings
from khavaran.services.rows import date_cols, mixed, parse_time, stamp
from khavaran.storage import repo
from khavaran.storage.tables import (
    citation,
    claim,
    claim_status,
    consent,
    entity,
    history,
    search_token,
    source,
    source_basis,
    source_record,
)

__all__ = ["Batch", "IngestReport", "ingest"]


@dataclass
class Batch:
    sources: list[SourceIn] = field(default_factory=list)
    entities: list[EntityIn] = field(default_factory=list)
    records: list[RecordIn] = field(default_factory=list)
    claims: list[ClaimIn] = field(default_factory=list)
    consents: list[ConsentIn] = field(default_factory=list)
    history: list[HistoryIn] = field(default_factory=list)
    settings: list[SettingIn] = field(default_factory=list)

    def extend(self, other: Batch) -> None:
        for name in ("sources", "entities", "records", "claims", "consents", "history",
                     "settings"):
            getattr(self, name).extend(getattr(other, name))


@dataclass
class IngestReport:
    added: Counter[str] = field(default_factory=Counter)
    unchanged: Counter[str] = field(default_factory=Counter)
    notes: list[str] = field(default_factory=list)
    # Accepted, but worth a look at the source: dates that cannot all be true,
    # characters taken out of names.
    warnings: list[str] = field(default_factory=list)

    @property
    def changed_anything(self) -> bool:
        return any(self.added.values())


def _no_nul(record: Any, fields: tuple[str, ...]) -> None:
    # PostgreSQL cannot store U+0000 and SQLite would: refuse it on both, so that
    # a registry can always move from one to the other.
    for name in fields:
        value = getattr(record, name)
        if isinstance(value, str) and "\x00" in value:
            raise ValidationError("the value holds a NUL character (U+0000)", field=name,
                                  file=record.where.file, line=record.where.line)


def _err(exc: ValidationError, where: Where) -> ValidationError:
    return exc.located(file=where.file, line=where.line)


class _Ingest:
    def __init__(self, conn: Connection, model: Model, batch: Batch, actor: str,
                 now: dt.datetime, label: str, progress: Callable[[int], None] | None,
                 include_protected: bool = False) -> None:
        self.conn, self.model, self.batch = conn, model, batch
        self.actor, self.now, self.label, self.progress = actor, now, label, progress
        self.include_protected = include_protected
        self.report = IngestReport()
        self.rows: dict[str, list[dict[str, Any]]] = {}
        self.hist: list[dict[str, Any]] = []
        # (table, id, new values) of rows already in the registry that change
        self.updates: list[tuple[str, str, dict[str, Any]]] = []
        self.revealed: set[str] = set()
        self.referred: set[str] = set()  # protected people a new fact refers to
        self.prepared: list[Any] = []  # the checked claims (PreparedClaim)

    def add(self, table: str, row: dict[str, Any]) -> None:
        self.rows.setdefault(table, []).append(row)

    def log(self, action: str, *, entity_id: str | None = None, claim_id: str | None = None,
            field_name: str | None = None, new: str | None = None,
            old: str | None = None, reason: str | None = None) -> None:
        self.hist.append({"at": self.now, "actor": self.actor, "action": action,
                          "entity_id": entity_id, "claim_id": claim_id, "field": field_name,
                          "old_value": old, "new_value": new, "reason": reason or self.label})

    # -- lookups that see both this batch and the registry --------------------
    def load_known(self) -> None:
        b = self.batch
        self._batch_entities = {e.id: e for e in b.entities}
        self._batch_sources = {s.id: s for s in b.sources}
        ref_props = {name for s in self.model.schemas.values()
                     for name, p in s.properties.items() if p.type == "ref"}
        ent_refs = {e.id for e in b.entities} | {r.person for r in b.records}
        ent_refs |= {c.person for c in b.consents} | {s.witness for s in b.sources if s.witness}
        for c in b.claims:
            ent_refs.add(c.entity)
            if c.property in ref_props:
                ent_refs.add(c.value.strip())
        self.db_entities = repo.entity_info(self.conn, ent_refs)
        src_refs = {s.id for s in b.sources} | {r.source for r in b.records}
        for c in b.claims:
            src_refs.update(ci.source for ci in c.citations)
            src_refs.update(st.source for st in c.statuses if st.source)
        for s in b.sources:
            src_refs.update(s.based_on)
        self.db_sources = repo.source_fictional(self.conn, src_refs)

    def entity(self, entity_id: str, where: Where, field_name: str, *,
               reference: bool = False) -> tuple[str, bool]:
        """The kind and fictional mark of a record of this batch or the registry;
        with ``reference``, the answer for an unknown one is that of gate_reference."""
        e = self._batch_entities.get(entity_id)
        if e is not None:
            return e.schema, bool(e.fictional)
        info = self.db_entities.get(entity_id)
        if info is None:
            raise DanglingReferenceError(_no_target(entity_id, reference), field=field_name,
                                         file=where.file, line=where.line)
        return info.schema, info.fictional

    def entity_schema(self, entity_id: str) -> str | None:
        e = self._batch_entities.get(entity_id)
        if e is not None:
            return e.schema
        info = self.db_entities.get(entity_id)
        return info.schema if info else None

    def gate_protected(self, entity_id: str, field_name: str) -> None:
        """Identifying facts of a person protected before this batch need
        include_protected; the error is the same whether they exist or not."""
        if not self.include_protected:
            raise ValidationError(
                f"'{entity_id}' is a protected person: adding identifying facts needs "
                "--include-protected (and the access is recorded)", field=field_name)
        self.revealed.add(entity_id)

    def gate_reference(self, entity_id: str, where: Where, field_name: str) -> None:
        """A fact that refers to a person protected before this batch (a relative
        of theirs) would confirm that the id exists and tie someone to them:
        without include_protected it answers as a reference to no record."""
        if not self.was_protected(entity_id):
            return
        if not self.include_protected:
            raise DanglingReferenceError(_no_target(entity_id, True), field=field_name,
                                         file=where.file, line=where.line)
        self.referred.add(entity_id)

    def was_protected(self, entity_id: str) -> bool:
        """Protected in the registry before this batch."""
        info = self.db_entities.get(entity_id)
        return bool(info and info.protected)

    def source_is_fictional(self, source_id: str, where: Where, field_name: str) -> bool:
        s = self._batch_sources.get(source_id)
        if s is not None:
            return s.fictional
        if source_id in self.db_sources:
            return self.db_sources[source_id]
        raise DanglingReferenceError(f"no source with id '{source_id}'", field=field_name,
                                     file=where.file, line=where.line)

    # -- each kind of record --------------------------------------------------
    def _inherit_fictional(self) -> None:
        person_source = {r.person: r for r in self.batch.records}
        for e in self.batch.entities:
            if e.fictional is None:
                rec = person_source.get(e.id)
                e.fictional = (self.source_is_fictional(rec.source, rec.where, "source")
                               if rec else False)

    def _same_source(self, s: SourceIn, row: dict[str, Any]) -> None:
        """A source already in the registry must be imported unchanged."""
        if not hasattr(self, "_db_source_rows"):
            ids_ = [x.id for x in self.batch.sources if x.id in self.db_sources]
            self._db_source_rows = repo.source_rows(self.conn, ids_)
            self._db_bases = repo.source_basis_of(self.conn, ids_)
        old = self._db_source_rows[s.id]
        fields = ["kind", "title", "author", "publisher", "publisher_type", "interested_party",
                  "date_text", "language", "witness_id", "reliability", "url", "note",
                  "fictional"]
        changed = [f for f in fields if (old[f] or None) != (row[f] or None)]
        if set(s.based_on) != self._db_bases.get(s.id, set()):
            changed.append("based_on")
        if changed:
            raise ValidationError(
                f"source '{s.id}' is already in the registry with a different "
                f"{', '.join(changed)}; an import does not change a source",
                field=changed[0], file=s.where.file, line=s.where.line)

    def sources(self) -> None:
        seen: set[str] = set()
        for s in self.batch.sources:
            if s.id in seen:
                raise ValidationError(f"source '{s.id}' appears twice", field="id",
                                      file=s.where.file, line=s.where.line)
            seen.add(s.id)
        self._no_basis_cycle()
        m = self.model
        for s in self.batch.sources:
            w = s.where
            try:
                if not s.id.strip():
                    raise ValidationError("empty source id", field="id")
                m.check_code("source_kind", s.kind, "kind")
                m.check_code("source_reliability", s.reliability, "reliability")
                if s.publisher_type:
                    m.check_code("publisher_type", s.publisher_type, "publisher_type")
                if not s.title.strip():
                    raise ValidationError("a source needs a title", field="title")
            except ValidationError as exc:
                raise _err(exc, w) from None
            for b in s.based_on:
                if b == s.id:
                    raise ValidationError("a source cannot be based on itself",
                                          field="based_on", file=w.file, line=w.line)
                if self.source_is_fictional(b, w, "based_on") != s.fictional:
                    raise ValidationError(mixed(f"'{b}'", not s.fictional, f"'{s.id}'"),
                                          field="based_on", file=w.file, line=w.line)
            _no_nul(s, ("id", "title", "author", "publisher", "language", "url", "note"))
            if s.witness:
                if self.was_protected(s.witness):
                    try:  # its title or author may name them
                        self.gate_protected(s.witness, "witness")
                    except ValidationError as exc:
                        raise _err(exc, w) from None
                schema, witness_fictional = self.entity(s.witness, w, "witness")
                if schema != "Person":
                    raise ValidationError(f"witness '{s.witness}' is a {schema}, not a Person",
                                          field="witness", file=w.file, line=w.line)
                if witness_fictional != s.fictional:
                    raise ValidationError(mixed(f"witness '{s.witness}'", witness_fictional,
                                                f"source '{s.id}'"),
                                          field="witness", file=w.file, line=w.line)
            row = {
                "id": s.id, "kind": s.kind, "title": s.title, "author": s.author,
                "publisher": s.publisher, "publisher_type": s.publisher_type,
                "interested_party": s.interested_party,
                **date_cols("date", s.date, s.date_calendar, "date", w),
                "language": s.language, "witness_id": s.witness, "reliability": s.reliability,
                "url": s.url, "note": s.note, "fictional": s.fictional,
                **stamp(s.created_at, s.created_by, self.actor, self.now, w),
            }
            if s.id in self.db_sources:
                self._same_source(s, row)
                self.report.unchanged["sources"] += 1
                continue
            self.add("source", row)
            for b in s.based_on:
                self.add("source_basis", {"source_id": s.id, "based_on_id": b})
            self.log("add-source", field_name="source", new=s.id)
            self.report.added["sources"] += 1

    def _no_basis_cycle(self) -> None:
        """Sources based on each other in a circle say nothing about where a fact
        came from.  A stored source's bases never change, so a circle can only
        run through sources of this batch."""
        bases = {s.id: s.based_on for s in self.batch.sources}
        state: dict[str, int] = {}  # 1: on the current path, 2: done
        for s in self.batch.sources:
            stack: list[tuple[str, int]] = [(s.id, 0)]
            path: list[str] = []
            while stack:
                sid, i = stack.pop()
                if i == 0:
                    if state.get(sid) == 2:
                        continue
                    state[sid] = 1
                    path.append(sid)
                nexts = [b for b in bases.get(sid, []) if b in bases and b != sid]
                if i < len(nexts):
                    stack.append((sid, i + 1))
                    b = nexts[i]
                    if state.get(b) == 1:
                        loop = path[path.index(b):] + [b]
                        w = self._batch_sources[loop[0]].where
                        raise ValidationError(
                            "sources are based on each other in a circle: "
                            + " -> ".join(loop), field="based_on", file=w.file, line=w.line)
                    if state.get(b) != 2:
                        stack.append((b, 0))
                else:
                    state[sid] = 2
                    path.pop()

    def entities(self) -> None:
        self._inherit_fictional()
        seen: dict[str, EntityIn] = {}
        for e in self.batch.entities:
            w = e.where
            first = seen.get(e.id)
            if first is not None:
                # Several rows may describe one record (a row per source), if they
                # agree on what it is.
                fields = ("schema", "fictional", "protected", "pseudonym")
                if any(getattr(first, f) != getattr(e, f) for f in fields):
                    raise ValidationError(
                        f"record '{e.id}' appears twice with different kind, fictional, "
                        "protected or pseudonym", field="id", file=w.file, line=w.line)
                continue
            seen[e.id] = e
            try:
                if not e.id.strip():
                    raise ValidationError("empty id", field="id")
                self.model.schema(e.schema)
            except ValidationError as exc:
                raise _err(exc, w) from None
            if e.protected and not (e.pseudonym or "").strip():
                raise ValidationError("a protected person needs a pseudonym", field="pseudonym",
                                      file=w.file, line=w.line)
            known = self.db_entities.get(e.id)
            if known is not None:
                if (known.schema, known.fictional) != (e.schema, e.fictional):
                    raise ValidationError(
                        f"'{e.id}' is already a {'fictional ' if known.fictional else ''}"
                        f"{known.schema} in the registry", field="id", file=w.file, line=w.line)
                self._protection(e, known)
                self.report.unchanged["entities"] += 1
                continue
            self.add("entity", {"id": e.id, "schema": e.schema, "fictional": e.fictional,
                                "protected": e.protected, "pseudonym": e.pseudonym,
                                **stamp(e.created_at, e.created_by, self.actor, self.now, w)})
            self.log("add-record", entity_id=e.id, field_name="schema", new=e.schema)
            self.report.added["entities"] += 1

    def _protection(self, e: EntityIn, known: repo.EntityInfo) -> None:
        """An import may protect a person already in the registry, never unprotect one."""
        w = e.where
        if e.protected and not known.protected:
            self.updates.append(("entity", e.id, {"protected": True, "pseudonym": e.pseudonym}))
            self.log("protect", entity_id=e.id, field_name="protected", old="False",
                     new=f"True {e.pseudonym}")
            self.report.added["people protected"] += 1
        elif e.protected and known.pseudonym != e.pseudonym:
            raise ValidationError(
                f"'{e.id}' is already protected under another pseudonym; a pseudonym is not "
                "changed by import", field="pseudonym", file=w.file, line=w.line)
        elif not e.protected and known.protected:
            self.report.notes.append(f"{e.id} stays protected: an import never lifts protection")

    def unique_records(self) -> None:
        seen: set[tuple[str, str]] = set()
        for r in self.batch.records:
            key = (r.source, r.record_id)
            if key in seen:
                raise ValidationError(f"record_id '{r.record_id}' appears twice in source "
                                      f"'{r.source}'", field="record_id", file=r.where.file,
                                      line=r.where.line)
            seen.add(key)

    def records(self) -> None:
        rids = [ids.record_id(r.source, r.record_id) for r in self.batch.records]
        db_raw = {rid: raw for rid, (raw, _) in repo.record_raw(self.conn, rids).items()}
        for r, rid in zip(self.batch.records, rids, strict=True):
            w = r.where
            if self.was_protected(r.person):
                try:
                    self.gate_protected(r.person, "record_id")
                except ValidationError as exc:
                    raise _err(exc, w) from None
            source_fictional = self.source_is_fictional(r.source, w, "source")
            schema, person_fictional = self.entity(r.person, w, "person")
            if person_fictional != source_fictional:
                raise ValidationError(mixed(f"'{r.person}'", person_fictional,
                                            f"source '{r.source}'"),
                                      field="person", file=w.file, line=w.line)
            if schema != "Person":
                raise ValidationError(f"'{r.person}' is a {schema}, not a Person",
                                      field="person", file=w.file, line=w.line)
            raw = json.dumps(r.raw, ensure_ascii=False, sort_keys=True)
            if rid in db_raw:
                if db_raw[rid] != raw:
                    raise ValidationError(
                        f"record '{r.record_id}' of source '{r.source}' was imported before "
                        "with different content; import a new version of the list as a new "
                        "source (based on the old one)", field="record_id",
                        file=w.file, line=w.line)
                self.report.unchanged["records"] += 1
                continue
            self.add("source_record", {
                "id": rid, "source_id": r.source, "record_id": r.record_id,
                "person_id": r.person, "raw": raw,
                **stamp(r.created_at, r.created_by, self.actor, self.now, w)})
            self.log("add-source-record", entity_id=r.person, field_name="record", new=rid)
            self.report.added["records"] += 1
        self.record_ids = set(rids) | set(db_raw)

    def claims(self) -> None:
        checker = ClaimChecker(self)
        prepared = [checker.check(c) for c in self.batch.claims]
        checker.check_allegations(prepared)
        self.prepared = prepared
        # A claim about a record that is new in this batch cannot be in the
        # registry yet, nor can its citations: only ask about the others.
        old = [p for p in prepared if p.row["entity_id"] in self.db_entities]
        grades = repo.claim_grades(self.conn, [p.id for p in old])
        db_claims = set(grades)
        regraded = {p.id for p in old if p.id in grades
                    and grades[p.id] != (p.row["credibility"], p.row["assessment"])}
        if regraded:
            self.report.notes.append(
                f"{len(regraded)} claim(s) were already present with another credibility or "
                "assessment: the registry keeps its grades (change them with claim assess)")
        self._one_preferred(prepared)
        db_cites = repo.existing_ids(self.conn, citation,
                                     [ci["id"] for p in old for ci in p.citations])
        db_stats = repo.existing_ids(self.conn, claim_status,
                                     [st["id"] for p in old for st in p.statuses])
        seen: set[str] = set()
        for p in prepared:
            if p.id in db_claims or p.id in seen:
                self.report.unchanged["claims"] += 1
            else:
                self.add("claim", p.row)
                for key in p.keys:
                    self.add("search_token", {"key": key, "entity_id": p.row["entity_id"],
                                              "claim_id": p.id})
                self.log("add-claim", entity_id=p.row["entity_id"], claim_id=p.id,
                         field_name=p.row["property"], new=p.row["value"])
                self.report.added["claims"] += 1
            seen.add(p.id)
            for ci in p.citations:
                if ci["id"] in db_cites or ci["id"] in seen:
                    continue
                seen.add(ci["id"])
                self.add("citation", ci)
                if p.id in db_claims:
                    self.log("add-citation", entity_id=p.row["entity_id"], claim_id=p.id,
                             field_name="citation", new=f"{ci['source_id']} {ci['locator']}")
                self.report.added["citations"] += 1
            for st in p.statuses:
                if st["id"] in db_stats or st["id"] in seen:
                    continue
                seen.add(st["id"])
                self.add("claim_status", st)
                self.log("add-status", entity_id=p.row["entity_id"], claim_id=p.id,
                         field_name="status", new=st["status"])
                self.report.added["statuses"] += 1

    def _one_preferred(self, prepared: list[Any]) -> None:
        """At most one value of a fact is preferred; changing it is `claim prefer`."""
        chosen: dict[tuple[str, str, str | None], str] = {}
        for p in prepared:
            if not p.row["preferred"]:
                continue
            key = (p.row["entity_id"], p.row["property"], p.row["qualifier"])
            w = p.source.where
            if chosen.setdefault(key, p.id) != p.id:
                raise ValidationError("two values of this fact are marked preferred",
                                      field="preferred", file=w.file, line=w.line)
            if p.row["entity_id"] in self.db_entities:
                others = set(repo.preferred_in_group(self.conn, *key)) - {p.id}
                if others:
                    raise ValidationError(
                        f"{key[1]} of '{key[0]}' already has a preferred value "
                        f"({sorted(others)[0]}): change it with claim prefer",
                        field="preferred", file=w.file, line=w.line)

    def consents(self) -> None:
        cids = [ids.consent_id(c.person, c.scope, c.purpose, c.given)
                for c in self.batch.consents]
        db = repo.consent_withdrawn(self.conn, cids)
        for c, cid in zip(self.batch.consents, cids, strict=True):
            w = c.where
            _no_nul(c, ("scope", "purpose", "note"))
            if self.was_protected(c.person):
                try:
                    self.gate_protected(c.person, "person")
                except ValidationError as exc:
                    raise _err(exc, w) from None
            schema, _ = self.entity(c.person, w, "person")
            if schema != "Person":
                raise ValidationError(f"'{c.person}' is a {schema}, not a Person",
                                      field="person", file=w.file, line=w.line)
            if not c.scope.strip() or not c.purpose.strip():
                raise ValidationError("a consent needs what was agreed (scope) and for "
                                      "which use (purpose)", field="scope", file=w.file,
                                      line=w.line)
            if cid in db:
                if c.withdrawn and not db[cid]:
                    self.updates.append(("consent", cid, {
                        "withdrawn": True,
                        **date_cols("withdrawn", c.withdrawn_date, None, "withdrawn_date", w)}))
                    self.log("withdraw-consent", entity_id=c.person, field_name="consent",
                             old=f"in force: {c.scope}", new=f"withdrawn {c.withdrawn_date or ''}")
                    self.report.added["consents withdrawn"] += 1
                elif db[cid] and not c.withdrawn:
                    self.report.notes.append(
                        f"consent {cid} of {c.person} stays withdrawn: an import never "
                        "restores a withdrawn consent")
                else:
                    self.report.unchanged["consents"] += 1
                continue
            self.add("consent", {
                "id": cid, "person_id": c.person, "scope": c.scope, "purpose": c.purpose,
                **date_cols("given", c.given, None, "given", w),
                "withdrawn": c.withdrawn,
                **date_cols("withdrawn", c.withdrawn_date, None, "withdrawn_date", w),
                "note": c.note, **stamp(c.created_at, c.created_by, self.actor, self.now, w)})
            self.log("add-consent", entity_id=c.person, field_name="consent", new=c.scope)
            self.report.added["consents"] += 1

    def restored_history(self) -> None:
        if not self.batch.history:
            return
        if repo.count_rows(self.conn, history) > 0:
            self.report.notes.append(
                f"{len(self.batch.history)} history rows in the file were not restored: "
                "history is restored only into an empty registry")
            return
        for h in self.batch.history:
            self.add("history_restored", {
                "at": parse_time(h.at, "at", h.where), "actor": h.actor, "action": h.action,
                "entity_id": h.entity_id, "claim_id": h.claim_id, "field": h.field,
                "old_value": h.old_value, "new_value": h.new_value, "reason": h.reason})
        # Restored rows say what the file says; record that they were restored.
        self.log("restore-history", field_name="history",
                 new=f"{len(self.batch.history)} earlier rows restored as the file gives them")
        self.report.added["history rows restored"] = len(self.batch.history)

    def restored_settings(self) -> None:
        """A full export carries the key of list persons' ids; it is taken over only
        by a registry that holds no list rows yet, so that later imports of the
        same lists meet the same persons."""
        for s in self.batch.settings:
            if s.name != "person-key":
                raise ValidationError(f"unknown setting '{s.name}'", field="name",
                                      file=s.where.file, line=s.where.line)
            if repo.count_rows(self.conn, source_record) > 0:
                self.report.notes.append("the person key in the file was not taken over: "
                                         "this registry already holds list rows")
                continue
            self.updates.append(("installation", s.name, {"value": s.value}))
            self.log("restore-setting", field_name=s.name, new="(secret)")

    def write(self) -> None:
        if self.progress:
            self.progress(0)  # everything is checked: writing starts
        order = [("history_restored", history), ("entity", entity), ("source", source),
                 ("source_basis", source_basis), ("source_record", source_record),
                 ("claim", claim), ("citation", citation), ("claim_status", claim_status),
                 ("search_token", search_token), ("consent", consent)]
        for name, table in order:
            rows = self.rows.get(name)
            if rows:
                repo.insert_rows(self.conn, table, rows,
                                 self.progress if name == "claim" else None)
        for kind, row_id, values in self.updates:
            if kind == "entity":
                repo.update_entity(self.conn, row_id, **values)
            elif kind == "claim":
                repo.update_claim(self.conn, row_id, **values)
            elif kind == "installation":
                repo.set_installation(self.conn, row_id, values["value"])
            else:
                repo.update_consent(self.conn, row_id, **values)
        # Claims that identify a protected person are known by keyed ids.
        touched = {r["id"] for r in self.rows.get("entity", [])}
        touched |= {r[k] for r in self.rows.get("claim", []) for k in ("entity_id", "ref_id")
                    if r.get(k)}
        touched |= {row_id for kind, row_id, _ in self.updates if kind == "entity"}
        if touched:
            key_protected(self.conn, touched)
        for eid in sorted(self.revealed):
            self.log("reveal-protected", entity_id=eid, field_name="identity")
        for eid in sorted(self.referred - self.revealed):
            # The batch's label names the record that refers to them, which their
            # own history must not tie to them.
            self.log("reveal-protected", entity_id=eid, field_name="identity",
                     reason="a fact referring to them, added with --include-protected")
        if self.batch.history and self.report.added["history rows restored"]:
            # The restored history already holds how each row came to be.
            keep = {"restore-history", "restore-setting", "reveal-protected"}
            self.hist = [h for h in self.hist if h["action"] in keep]
        if self.report.changed_anything:
            summary = ", ".join(f"{n} {k}" for k, n in sorted(self.report.added.items()))
            # A batch that touched a protected person is told under their id, so
            # that it is withheld with their facts (protection.HiddenSet): beside
            # the other records' history its reason and its moment would tie the
            # change (a new relative) to them.
            concerned = sorted(self.revealed | self.referred)
            self.log("import", entity_id=concerned[0] if concerned else None,
                     field_name="batch", new=summary)
        repo.append_history(self.conn, self.hist)


def ingest(conn: Connection, batch: Batch, *, actor: str, label: str,
           now: dt.datetime | None = None, model: Model | None = None,
           progress: Callable[[int], None] | None = None,
           include_protected: bool = False) -> IngestReport:
    """Check ``batch`` whole, then write what is new, inside ``conn``'s transaction.

    Parameters: ``conn`` an open connection in a transaction (the caller commits);
    ``batch`` the records; ``actor`` who makes the change; ``label`` why (recorded
    in history, e.g. the file imported); ``progress`` called with claim counts;
    ``include_protected`` allows adding identifying facts about people already
    protected (each such person is recorded as revealed to ``actor``).
    """
    run = _Ingest(conn, model or load_model(), batch, actor,
                  now or dt.datetime.now(dt.UTC), label, progress, include_protected)
    run.load_known()
    run.unique_records()
    run.entities()
    run.sources()
    run.records()
    run.claims()
    run.report.warnings.extend(batch_warnings(run))
    run.consents()
    run.restored_history()
    run.restored_settings()
    run.write()
    return run.report


def _no_target(entity_id: str, reference: bool) -> str:
    """The refusal of a reference to an unknown record.  A protected person gets
    the same words, which say what to do in that case without saying whether
    it is one: their id is on every page, a relation to them is not."""
    text = f"no record with id '{entity_id}'"
    if reference:
        text += ("; a reference to a protected person answers the same, and needs "
                 "--include-protected (the access is recorded)")
    return text
