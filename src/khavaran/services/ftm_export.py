"""Export the registry as FollowTheMoney (FtM) entities, one JSON object a line.

The mapping (docs/ftm.md): Person, Unit -> PublicBody or Organization,
Posting -> Position + Occupancy (+ Membership in an implicating unit such as a
death commission, Employment elsewhere), Event -> Event, Action -> Sanction or
Event, court steps of an allegation -> CourtCase + CourtCaseParty,
relative_of -> Family, associate_of -> Associate, Source -> Document.  Every
entity carries its sources as FtM says them: `proof` (the Documents), a
Documentation entity per source linking the Document to it (locators in its
summary), and `sourceUrl`.
Dates become ISO prefixes at their true precision: the narrowest of day,
month or year that holds the whole interval ("Mordad 1367" is "1988"); a date
no prefix holds (the year 1367 spans two Gregorian years) goes, as written,
into the entity's `summary` rather than be made more precise than it is.

Ids are stable across runs: "kh-" and the record's id, or a digest of what a
derived entity links.  Protected people, every claim about them and every
link to them are left out unless an admin asks (``include_protected``, recorded
in history).
"""

from __future__ import annotations

import json
import re
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from hashlib import blake2b
from pathlib import Path
from typing import IO, Any

from sqlalchemy import Connection, RowMapping, select

from khavaran.errors import DateError
from khavaran.model.loader import load_model
from khavaran.model.types.fuzzy_date import parse_date
from khavaran.services import actions as actions_service
from khavaran.services.profiles import display_names
from khavaran.services.registry import Registry, require_actor
from khavaran.services.reveals import export_to_file, record_export
from khavaran.storage import queries
from khavaran.storage.repo import chunks
from khavaran.storage.tables import entity

__all__ = ["FtmReport", "export_ftm", "export_ftm_to", "ftm_entities", "ftm_id", "iso_prefix"]

ID_OK = re.compile(r"^[0-9a-zA-Z]([0-9a-zA-Z.\-]*[0-9a-zA-Z])?$")
NAME_PROPS = {"full": "name", None: "name", "given": "firstName", "family": "lastName",
              "father": "fatherName", "mother": "motherName", "alias": "alias",
              "transliteration": "alias", "historical": "previousName"}
PERSON_PROPS = {"birth_date": "birthDate", "birth_year": "birthDate", "death_date": "deathDate",
                "birth_place": "birthPlace", "residence": "address", "occupation": "position",
                "note": "notes"}
PUBLIC = {"ministry", "judiciary", "court", "prosecutor_office", "prison_administration",
          "intelligence", "government", "death_commission"}
SANCTIONS = {"sanction_designation", "sanction_delisting", "travel_ban"}
# A tie between two people: its FtM schema and the property naming the other.
LINKS = {"relative_of": ("Family", "relative"), "associate_of": ("Associate", "associate")}


def ftm_id(*parts: str) -> str:
    """A record's own id when FtM can take it, else a digest; the same every run."""
    if len(parts) == 1 and ID_OK.match(parts[0]) and len(parts[0]) < 120:
        return f"kh-{parts[0]}"
    return "kh-" + blake2b("\x1f".join(parts).encode("utf-8"), digest_size=16).hexdigest()


def iso_prefix(value: str, calendar: str | None = None) -> str | None:
    """The narrowest ISO prefix (day, month or year) holding the date's interval."""
    try:
        fd = parse_date(value, calendar)
    except DateError:
        return None
    start, end = fd.start, fd.end
    if start is None or end is None:
        return None
    if start == end:
        return start.isoformat()
    if (start.year, start.month) == (end.year, end.month):
        return f"{start.year:04d}-{start.month:02d}"
    if start.year == end.year:
        return f"{start.year:04d}"
    return None


@dataclass
class FtmReport:
    written: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    withheld: int = 0
    protected: list[str] = field(default_factory=list)


class _Entity:
    def __init__(self, fid: str, schema: str) -> None:
        self.id, self.schema = fid, schema
        self.props: dict[str, list[str]] = {}
        # the sources of an entity made from one claim (a Family, an Associate);
        # None: those of every claim about the record it was made from
        self.cites: list[RowMapping] | None = None

    def add(self, prop: str, value: str | None) -> None:
        if value is None or not str(value).strip():
            return
        values = self.props.setdefault(prop, [])
        if value not in values:
            values.append(str(value))

    def add_date(self, prop: str, value: str, calendar: str | None) -> None:
        prefix = iso_prefix(value, calendar)
        if prefix:
            self.add(prop, prefix)
        else:
            self.add("summary", f"{prop}: {value} (no ISO date holds it exactly)")

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, "schema": self.schema, "properties": self.props}


class _Builder:
    def __init__(self, conn: Connection, reveal: bool, report: FtmReport) -> None:
        self.conn, self.reveal, self.report = conn, reveal, report
        self.model = load_model()
        protected = queries.protected_entities(conn)
        report.protected = sorted(protected)
        self.hidden = set() if reveal else set(protected)
        self.pseudonyms = {k: r["pseudonym"] for k, r in protected.items()}
        self.sources = {s["id"]: s for s in queries.source_rows(conn)}
        self.seen: set[str] = set()  # a Position shared by several posts is written once

    def fresh(self, e: _Entity) -> bool:
        if e.id in self.seen:
            return False
        self.seen.add(e.id)
        return True

    def label(self, vocab: str, code: str) -> str:
        return actions_service.label(self.model, vocab, code, "en")

    def documents(self) -> Iterator[_Entity]:
        for sid, s in self.sources.items():
            doc = _Entity(ftm_id("source", sid), "Document")
            doc.add("fileName", sid)
            title = s["title"]
            if s["witness_id"] in self.hidden:
                # A testimony's title often names its witness.
                title = f"testimony of {self.pseudonyms[s['witness_id']]}"
                self.report.withheld += 1
            else:
                doc.add("publisher", s["publisher"])
                doc.add("sourceUrl", s["url"])
            doc.add("title", title)
            if s["date_text"]:
                doc.add_date("date", s["date_text"], s["date_calendar"])
            if s["publisher_type"]:
                doc.add("description", "publisher type: " + self.label(
                    "publisher_type", s["publisher_type"]) + (
                    ", interested party" if s["interested_party"] else ""))
            yield doc

    def cite(self, target: _Entity, cites: list[RowMapping]) -> Iterator[_Entity]:
        """Documentation entities linking ``target`` to each source it cites."""
        locators: dict[str, list[str]] = defaultdict(list)
        for c in cites:
            if c["locator"] and c["locator"] not in locators[c["source_id"]]:
                locators[c["source_id"]].append(c["locator"])
            else:
                locators.setdefault(c["source_id"], [])
        for sid, locs in sorted(locators.items()):
            doc = ftm_id("source", sid)
            target.add("proof", doc)
            if sid in self.sources and self.sources[sid]["witness_id"] not in self.hidden:
                target.add("sourceUrl", self.sources[sid]["url"])
            link = _Entity(ftm_id("doc", target.id, sid), "Documentation")
            link.add("document", doc)
            link.add("entity", target.id)
            link.add("role", "source")
            link.add("summary", "; ".join(locs) or None)
            yield link

    def page(self, rows: dict[str, RowMapping]) -> Iterator[_Entity]:
        visible = {k: r for k, r in rows.items() if k not in self.hidden}
        self.report.withheld += len(rows) - len(visible)
        claims = [c for c in queries.claims_for(self.conn, visible)
                  if c["ref_id"] not in self.hidden]
        cites: dict[str, list[RowMapping]] = defaultdict(list)
        for ci in queries.citations_for(self.conn, [c["id"] for c in claims]):
            cites[ci["claim_id"]].append(ci)
        by_entity: dict[str, list[RowMapping]] = defaultdict(list)
        for c in claims:
            by_entity[c["entity_id"]].append(c)
        refs = {c["ref_id"] for c in claims if c["ref_id"]}
        targets = queries.entities(self.conn, refs)
        names = display_names(self.conn, list(refs), reveal=self.reveal)
        unit_kinds = {c["entity_id"]: c["value"] for c in queries.claims_for(
            self.conn, [r for r in refs if targets[r]["schema"] == "Unit"], ["kind"])}
        for eid, row in visible.items():
            cs = by_entity.get(eid, [])
            all_cites = [ci for c in cs for ci in cites[c["id"]]]
            make = getattr(self, f"_{row['schema'].lower()}", None)
            if make is None:
                continue
            for e in make(eid, cs, names, unit_kinds, cites):
                if row["fictional"] and e.id == ftm_id(eid):
                    e.add("summary", "FICTIONAL: Khavaran demo data, not a real record")
                # the links first: they add `proof` to the entity before it is written
                links = list(self.cite(e, all_cites if e.cites is None else e.cites))
                yield e
                yield from links

    # -- one function per kind of record ---------------------------------------------------
    def _person(self, eid: str, cs: list[RowMapping], names: dict[str, str], _k: Any,
                cites: dict[str, list[RowMapping]]) -> Iterator[_Entity]:
        p = _Entity(ftm_id(eid), "Person")
        for c in cs:
            prop, value = c["property"], c["value"]
            if prop == "name":
                p.add(NAME_PROPS.get(c["qualifier"], "alias"), value)
            elif prop in ("birth_date", "birth_year", "death_date"):
                p.add_date(PERSON_PROPS[prop], value, c["date_calendar"])
            elif prop in PERSON_PROPS:
                p.add(PERSON_PROPS[prop], value)
            elif prop == "gender" and value in ("male", "female"):
                p.add("gender", value)
            elif prop == "residence_country" and len(value) == 2:
                p.add("country", value)
            elif prop == "role":
                p.add("description", self.label("person_role", value))
        if "name" not in p.props:
            p.add("name", eid)  # FtM requires a name; list persons may only have a father's
        yield p
        for c in cs:
            link = LINKS.get(c["property"])
            if link is not None:
                schema, other = link
                tie = _Entity(ftm_id(schema.lower(), eid, c["ref_id"]), schema)
                tie.add("person", p.id)
                tie.add(other, ftm_id(c["ref_id"]))
                tie.add("relationship", c["qualifier"])
                tie.cites = cites[c["id"]]
                yield tie

    def _unit(self, eid: str, cs: list[RowMapping], *_: Any) -> Iterator[_Entity]:
        kind = next((c["value"] for c in cs if c["property"] == "kind"), None)
        u = _Entity(ftm_id(eid), "PublicBody" if kind in PUBLIC else "Organization")
        for c in cs:
            if c["property"] == "name":
                u.add("name" if c["qualifier"] in ("full", None) else "alias", c["value"])
            elif c["property"] == "kind":
                u.add("description", self.label("unit_kind", c["value"]))
            elif c["property"] == "note":
                u.add("notes", c["value"])
        if "name" not in u.props:
            u.add("name", eid)
        yield u

    def _posting(self, eid: str, cs: list[RowMapping], names: dict[str, str],
                 unit_kinds: dict[str, str], _c: Any) -> Iterator[_Entity]:
        one = {c["property"]: c for c in cs}
        person, unit = one.get("person"), one.get("unit")
        if person is None:
            return
        titles = [c["value"] for c in cs if c["property"] == "title"]
        unit_name = names.get(unit["value"], "") if unit else ""
        post = _Entity(ftm_id("post", unit["value"] if unit else "", *sorted(titles)), "Position")
        post.add("name", ", ".join(t for t in [" / ".join(titles), unit_name] if t) or eid)
        if unit:
            post.add("organization", ftm_id(unit["value"]))
        yield post
        occ = _Entity(ftm_id(eid), "Occupancy")
        occ.add("holder", ftm_id(person["value"]))
        occ.add("post", post.id)
        for prop, fprop in (("start_date", "startDate"), ("end_date", "endDate")):
            if prop in one:
                occ.add_date(fprop, one[prop]["value"], one[prop]["date_calendar"])
        if person["allegation"]:
            occ.add("description", "an allegation: see its sources for who asserts it")
        yield occ
        if unit is None:
            return
        seat = unit_kinds.get(unit["value"]) == "death_commission"
        link = _Entity(ftm_id(eid + "-link"), "Membership" if seat else "Employment")
        link.add("member" if seat else "employee", ftm_id(person["value"]))
        link.add("organization" if seat else "employer", ftm_id(unit["value"]))
        link.add("role", " / ".join(titles) or None)
        for prop in ("startDate", "endDate"):
            for v in occ.props.get(prop, []):
                link.add(prop, v)
        yield link

    def _event(self, eid: str, cs: list[RowMapping], names: dict[str, str], *_: Any
               ) -> Iterator[_Entity]:
        ev = _Entity(ftm_id(eid), "Event")
        kind = next((c["value"] for c in cs if c["property"] == "kind"), "event")
        ev.add("name", f"{self.label('event_kind', kind)} ({eid})")
        for c in cs:
            if c["property"] == "date":
                ev.add_date("date", c["value"], c["date_calendar"])
            elif c["property"] == "place":
                ev.add("location", names.get(c["value"], c["value"]).replace(" [fictional]", ""))
            elif c["property"] == "person":
                ev.add("involved", ftm_id(c["value"]))
            elif c["property"] == "description":
                ev.add("summary", c["value"])
        yield ev

    def _action(self, eid: str, cs: list[RowMapping], *_: Any) -> Iterator[_Entity]:
        one = {c["property"]: c for c in cs}
        kind = one["action_type"]["value"] if "action_type" in one else "statement"
        actor = one["actor"]["value"] if "actor" in one else ""
        entry = self.model.vocabs["actor"].get(actor)
        country = entry.attr("jurisdiction") if entry else None
        targets = [c["value"] for c in cs if c["property"] in ("target", "target_unit")]
        if kind in SANCTIONS and targets:
            for t in targets:
                s = _Entity(ftm_id(eid) if len(targets) == 1 else ftm_id(eid, t), "Sanction")
                s.add("entity", ftm_id(t))
                s.add("authority", self.label("actor", actor))
                s.add("program", one["regime"]["value"] if "regime" in one else None)
                s.add("recordId", one["document"]["value"] if "document" in one else None)
                s.add("provisions", self.label("action_type", kind))
                if country and len(country) == 2:
                    s.add("country", country)
                if "date" in one:
                    prop = "endDate" if kind == "sanction_delisting" else "listingDate"
                    s.add_date(prop, one["date"]["value"], one["date"]["date_calendar"])
                yield s
            return
        ev = _Entity(ftm_id(eid), "Event")
        ev.add("name", f"{self.label('action_type', kind)}: {self.label('actor', actor)}")
        if "date" in one:
            ev.add_date("date", one["date"]["value"], one["date"]["date_calendar"])
        for t in targets:
            ev.add("involved", ftm_id(t))
        for c in cs:
            if c["property"] == "subject":
                ev.add("summary", "about " + self.label("action_subject", c["value"]))
            elif c["property"] in ("outcome", "document", "note"):
                ev.add("summary", f"{c['property']}: {c['value']}")
        if country and len(country) == 2:
            ev.add("country", country)
        yield ev

    def court_cases(self) -> Iterator[_Entity]:
        steps = [s for s in actions_service.actions_in(self.conn) if s.derived_from]
        by_claim: dict[str, list[actions_service.ActionView]] = defaultdict(list)
        for s in steps:
            by_claim[str(s.derived_from)].append(s)
        for claim_id, group in sorted(by_claim.items()):
            person = group[0].targets[0][0]
            if person in self.hidden:
                continue
            case = _Entity(ftm_id("case", claim_id), "CourtCase")
            case.add("name", f"{group[0].actor_label()}: {group[0].targets[0][1]}"
                     .replace(" [fictional]", ""))
            case.add("court", group[0].actor_label())
            case.add("status", group[-1].outcome)
            for s in group:
                case.add("summary", f"{s.date}: {s.outcome}")
                if s.action_type == "indictment" and s.date:
                    case.add_date("fileDate", s.date, None)
            party = _Entity(ftm_id("party", claim_id), "CourtCaseParty")
            party.add("case", case.id)
            party.add("party", ftm_id(person))
            party.add("role", "accused")
            sources = {c.source_id for s in group for c in s.sources}
            for e in (case, party):
                for sid in sorted(sources):
                    e.add("proof", ftm_id("source", sid))
                links = list(self._doc_links(e, sources))
                yield e
                yield from links


    def _doc_links(self, target: _Entity, sources: set[str]) -> Iterator[_Entity]:
        for sid in sorted(sources):
            link = _Entity(ftm_id("doc", target.id, sid), "Documentation")
            link.add("document", ftm_id("source", sid))
            link.add("entity", target.id)
            link.add("role", "source")
            yield link


def ftm_entities(conn: Connection, *, reveal: bool, report: FtmReport,
                 page_size: int = 2000) -> Iterator[dict[str, Any]]:
    """Every FtM entity of the registry, as dicts, in a stable order."""
    b = _Builder(conn, reveal, report)
    for doc in b.documents():
        yield doc.to_dict()
    ids = list(conn.execute(select(entity.c.id).order_by(entity.c.id)).scalars())
    for part in chunks(ids, page_size):
        for e in b.page(queries.entities(conn, part)):
            if b.fresh(e):
                yield e.to_dict()
    for e in b.court_cases():
        if b.fresh(e):
            yield e.to_dict()


WHAT = "export --format ftm"


def export_ftm(registry: Registry, out: IO[str], *, include_protected: bool = False,
               actor: str | None = None) -> FtmReport:
    """Write the registry to ``out`` as FtM JSON Lines.

    Parameters: ``include_protected`` also export protected people (an admin's
    explicit choice: needs ``actor``, and the export is recorded in history).
    """
    if include_protected:
        require_actor(actor)
    report = FtmReport()
    _write(registry, out, include_protected, report)
    record_export(registry, actor=actor, what=WHAT + (" --include-protected"
                  if include_protected else ""),
                  revealed=report.protected if include_protected else [])
    return report


def _write(registry: Registry, out: IO[str], include_protected: bool,
           report: FtmReport) -> None:
    with registry.read() as conn:
        for e in ftm_entities(conn, reveal=include_protected, report=report):
            out.write(json.dumps(e, ensure_ascii=False, sort_keys=True) + "\n")
            report.written[e["schema"]] += 1


def export_ftm_to(registry: Registry, out: IO[str] | Path, *, include_protected: bool = False,
                  actor: str | None = None) -> FtmReport:
    """As export_ftm; a path is written to a temporary file and then renamed, so
    a failed export leaves no half file."""
    if not isinstance(out, Path):
        return export_ftm(registry, out, include_protected=include_protected, actor=actor)
    if include_protected:
        require_actor(actor)
    report = FtmReport()
    what = WHAT + (" --include-protected" if include_protected else "")
    export_to_file(registry, out, lambda fh: _write(registry, fh, include_protected, report),
                   actor=actor, what=what,
                   revealed=lambda: report.protected if include_protected else [])
    return report
