"""Cases: a suspect, charges under one legal framework, and the evidence
linked to each element of each charge.

Every change is one transaction that also appends a `case` entry to the
custody ledger holding the SHA-256 of the row it wrote; the row keeps that
entry's sequence number, so a case can be read back as of any ledger head
(`load_case(..., upto=SEQ)`), which is what a dossier is built from.

A case is read against the framework as shipped now.  When that text has lost
a crime, mode or element the case used (the file was edited or upgraded), the
case still loads: the charge keeps its record with no elements (`Charge.missing`
says why) and the link is kept in `Case.orphaned`, counted in no status;
`framework_warnings` words both for the user.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Connection, func, insert, select

from khavaran.errors import NotFoundError, ValidationError
from khavaran.legal.assessment import SourceFacts, independent_groups, status
from khavaran.legal.frameworks import Element, Framework, framework
from khavaran.services.evidence import require_item
from khavaran.services.keyed_ids import claim_by_id
from khavaran.services.protection import is_hidden_claim
from khavaran.services.registry import Registry, require_actor
from khavaran.services.witness_items import guard_item, record_item_reveal
from khavaran.storage import queries
from khavaran.storage.case_tables import (
    case_charge,
    case_charge_act,
    case_link,
    case_link_withdrawal,
    legal_case,
)
from khavaran.storage.tables import citation, source
from khavaran.vault.keys import load_key
from khavaran.vault.ledger import LedgerWriter, iso
from khavaran.vault.verify_ledger import canonical

__all__ = ["Case", "Charge", "ElementView", "Link", "add_charge", "case_ids", "charge_elements",
           "framework_warnings", "link_evidence", "load_case", "new_case", "read_case",
           "row_digest", "withdraw_link"]

CASE_ID = re.compile(r"[a-z0-9][a-z0-9-]{0,62}")
STANCES = ("supports", "contradicts")


@dataclass
class Link:
    id: int
    number: int
    element: str
    stance: str
    kind: str  # claim | evidence | testimony
    target: str
    locator: str
    reasoning: str
    created_by: str
    created_at: dt.datetime
    seq: int
    sources: list[str] = field(default_factory=list)
    withdrawn: str | None = None  # the reason, if withdrawn


@dataclass
class ElementView:
    element: Element
    part: str  # crime | mode
    status: str = "no-evidence"
    independent: int = 0
    links: list[Link] = field(default_factory=list)


@dataclass
class Charge:
    number: int
    crime: str
    mode: str
    acts: list[str]
    seq: int
    created_by: str
    created_at: dt.datetime
    elements: list[ElementView] = field(default_factory=list)
    # Why the charge has no elements: the framework no longer has its crime or mode.
    missing: str | None = None


@dataclass
class Case:
    id: str
    title: str
    suspect_id: str
    framework: Framework
    framework_sha256: str  # of the file the case was opened with
    fictional: bool
    seq: int
    created_by: str
    created_at: dt.datetime
    charges: list[Charge] = field(default_factory=list)
    groups: dict[str, str] = field(default_factory=dict)  # source -> independence group
    withdrawn: list[Link] = field(default_factory=list)  # links withdrawn, kept for the record
    # Live links to an element (or a charge) the framework no longer has: kept, never counted.
    orphaned: list[Link] = field(default_factory=list)

    @property
    def framework_changed(self) -> bool:
        return self.framework.sha256 != self.framework_sha256


def row_digest(row: dict[str, Any]) -> str:
    """What the ledger entry of a case row commits to."""
    shown = {k: (iso(v) if isinstance(v, dt.datetime) else v) for k, v in row.items()}
    return hashlib.sha256(canonical(shown).encode("utf-8")).hexdigest()


def _record(registry: Registry, conn: Connection, actor: str, now: dt.datetime,
            case_id: str, action: str, row: dict[str, Any]) -> int:
    key = load_key(registry.settings)
    entry = LedgerWriter(conn, key).append("case", item=None, actor=actor, at=now, data={
        "case": case_id, "action": action, "record": row_digest(row)})
    return entry.seq


def _case_row(conn: Connection, case_id: str) -> Any:
    row = conn.execute(select(legal_case).where(legal_case.c.id == case_id)).mappings().first()
    if row is None:
        raise NotFoundError(f"no case '{case_id}' (khavaran case new)")
    return row


def case_ids(registry: Registry) -> list[str]:
    with registry.read() as conn:
        return list(conn.execute(select(legal_case.c.id).order_by(legal_case.c.id)).scalars())


def new_case(registry: Registry, case_id: str, *, suspect: str, framework_id: str,
             title: str, actor: str | None) -> None:
    actor = require_actor(actor)
    if not CASE_ID.fullmatch(case_id):
        raise ValidationError("a case id is lower-case letters, digits and dashes "
                              "(e.g. gohardasht-1988)", field="CASE")
    if not title.strip():
        raise ValidationError("give the case a title with --title", field="--title")
    fw = framework(framework_id)
    with registry.write() as conn:
        person = queries.entity_row(conn, suspect)
        if person is None or person["schema"] != "Person":
            raise NotFoundError(f"no person with id '{suspect}' to name as suspect")
        if conn.execute(select(legal_case.c.id).where(legal_case.c.id == case_id)).first():
            raise ValidationError(f"a case '{case_id}' exists already", field="CASE")
        now = registry.now()
        row = {"id": case_id, "title": title.strip(), "suspect_id": suspect,
               "framework": fw.id, "framework_sha256": fw.sha256,
               "created_at": now, "created_by": actor}
        seq = _record(registry, conn, actor, now, case_id, "new", row)
        conn.execute(insert(legal_case).values(**row, seq=seq))


def _same_world(conn: Connection, case: Any, what: str, fictional: bool) -> None:
    """Fictional demo records and real ones never meet in one case."""
    suspect = queries.entity_row(conn, case["suspect_id"])
    assert suspect is not None
    if bool(suspect["fictional"]) != fictional:
        kinds = ("fictional", "real") if fictional else ("real", "fictional")
        raise ValidationError(f"{what} is {kinds[0]} but case {case['id']} is about a "
                              f"{kinds[1]} suspect: fictional demo records and real ones are "
                              "never mixed", field=what.split()[0])


def add_charge(registry: Registry, case_id: str, *, crime: str, mode: str,
               acts: list[str], actor: str | None) -> int:
    """Charge the suspect with ``crime`` by ``mode`` for ``acts``; returns its number."""
    actor = require_actor(actor)
    with registry.write() as conn:
        case = _case_row(conn, case_id)
        fw = framework(case["framework"])
        fw.crime(crime)
        fw.mode(mode)
        found = queries.entities(conn, acts)
        for act in acts:
            if act not in found or found[act]["schema"] != "Act":
                raise NotFoundError(f"no act with id '{act}' (acts are records of kind Act)")
            _same_world(conn, case, f"act {act}", bool(found[act]["fictional"]))
        if len(set(acts)) != len(acts):
            raise ValidationError("an act is given twice", field="--act")
        number = (conn.execute(select(func.max(case_charge.c.number)).where(
            case_charge.c.case_id == case_id)).scalar() or 0) + 1
        now = registry.now()
        row = {"case_id": case_id, "number": number, "crime": crime, "mode": mode,
               "acts": sorted(acts), "created_at": now, "created_by": actor}
        seq = _record(registry, conn, actor, now, case_id, "charge", row)
        conn.execute(insert(case_charge).values(
            case_id=case_id, number=number, crime=crime, mode=mode, seq=seq,
            created_at=now, created_by=actor))
        for act in sorted(acts):
            conn.execute(insert(case_charge_act).values(case_id=case_id, number=number,
                                                        act_id=act))
    return number


def charge_elements(fw: Framework, crime: str, mode: str) -> list[tuple[str, Element]]:
    """The elements of a charge, as (part, element): the crime's, then the mode's."""
    return ([("crime", e) for e in fw.crime_elements(crime)]
            + [("mode", e) for e in fw.mode(mode).elements])


def link_evidence(registry: Registry, case_id: str, number: int, element: str, *,
                  stance: str, reasoning: str, actor: str | None, claim_id: str | None = None,
                  item_id: str | None = None, testimony: str | None = None,
                  locator: str = "", include_protected: bool = False) -> int:
    """Link one piece of evidence to one element of one charge; returns the link's id.

    Parameters: ``include_protected`` allow a protected witness's testimony as
    ``item_id`` (services/witness_items.py; recorded).
    """
    actor = require_actor(actor)
    targets = [t for t in (claim_id, item_id, testimony) if t]
    if len(targets) != 1:
        raise ValidationError("link exactly one of --claim, --evidence or --testimony",
                              field="--claim")
    if stance not in STANCES:
        raise ValidationError(f"stance must be one of {', '.join(STANCES)}", field="--stance")
    if not reasoning.strip():
        raise ValidationError("say briefly why with --reason", field="--reason")
    locator = locator.strip()
    if (item_id or testimony) and not locator:
        raise ValidationError("say where in it with --locator (a page, paragraph or time)",
                              field="--locator")
    with registry.write() as conn:
        case = _case_row(conn, case_id)
        charge = conn.execute(select(case_charge).where(
            case_charge.c.case_id == case_id, case_charge.c.number == number)).first()
        if charge is None:
            raise NotFoundError(f"case {case_id} has no charge {number}")
        fw = framework(case["framework"])
        keys = [e.id for _part, e in charge_elements(fw, charge.crime, charge.mode)]
        if element not in keys:
            raise ValidationError(
                f"charge {number} ({charge.crime} by {charge.mode}) has no element "
                f"'{element}'; its elements are: {', '.join(keys)}", field="ELEMENT")
        witness = guard_item(conn, item_id, include_protected, actor) if item_id else None
        _same_world(conn, case, *_target_world(conn, claim_id, item_id, testimony))
        if claim_id:  # stored by its plain id, as every row that refers to a claim
            claim_id = claim_by_id(conn, claim_id)["id"]
        now = registry.now()
        row = {"case_id": case_id, "number": number, "element": element, "stance": stance,
               "claim_id": claim_id, "item_id": item_id, "source_id": testimony,
               "locator": locator, "reasoning": reasoning.strip(), "created_at": now,
               "created_by": actor}
        seq = _record(registry, conn, actor, now, case_id, "link", row)
        record_item_reveal(conn, registry, witness, actor, f"case link --evidence {item_id}")
        key = conn.execute(insert(case_link).values(**row, seq=seq)).inserted_primary_key
        assert key is not None
        return int(key[0])


def _target_world(conn: Connection, claim_id: str | None, item_id: str | None,
                  testimony: str | None) -> tuple[str, bool]:
    if claim_id:
        row = claim_by_id(conn, claim_id)
        if row is None or is_hidden_claim(conn, row):
            # A claim that identifies a protected person answers as one that does not
            # exist: its id is a hash of the fact, so a guess must not be confirmed.
            raise NotFoundError(f"no claim with id '{claim_id}'")
        entity = queries.entity_row(conn, row["entity_id"])
        assert entity is not None
        return f"claim {claim_id}", bool(entity["fictional"])
    if item_id:
        item = require_item(conn, item_id)
        return f"evidence {item_id}", _source(conn, item.source_id).fictional
    assert testimony
    src = _source(conn, testimony)
    if src.kind != "testimony":
        raise ValidationError(f"source {testimony} is a {src.kind}, not a testimony: link a "
                              "claim it supports (--claim) or its file (--evidence)",
                              field="--testimony")
    return f"testimony {testimony}", bool(src.fictional)


def _source(conn: Connection, source_id: str) -> Any:
    row = conn.execute(select(source).where(source.c.id == source_id)).first()
    if row is None:
        raise NotFoundError(f"no source with id '{source_id}'")
    return row


def withdraw_link(registry: Registry, case_id: str, link_id: int, *, reason: str,
                  actor: str | None) -> Link:
    """Withdraw a link made in error; it stops counting and stays on record."""
    actor = require_actor(actor)
    if not reason.strip():
        raise ValidationError("say why with --reason", field="--reason")
    with registry.write() as conn:
        _case_row(conn, case_id)
        row = conn.execute(select(case_link).where(case_link.c.id == link_id,
                                                   case_link.c.case_id == case_id)).first()
        if row is None:
            raise NotFoundError(f"case {case_id} has no link {link_id} (khavaran case matrix "
                                f"{case_id} shows the links' numbers)")
        if conn.execute(select(case_link_withdrawal.c.link_id).where(
                case_link_withdrawal.c.link_id == link_id)).first():
            raise ValidationError(f"link {link_id} is withdrawn already", field="LINK")
        now = registry.now()
        record = {"link_id": link_id, "reason": reason.strip(), "created_at": now,
                  "created_by": actor}
        seq = _record(registry, conn, actor, now, case_id, "withdraw", record)
        conn.execute(insert(case_link_withdrawal).values(**record, seq=seq))
    return _link(row)


# -- reading ------------------------------------------------------------------


def read_case(registry: Registry, case_id: str, *, upto: int | None = None) -> Case:
    with registry.read() as conn:
        return load_case(conn, case_id, upto=upto)


def load_case(conn: Connection, case_id: str, *, upto: int | None = None) -> Case:
    """The case as it stood when the ledger's entry ``upto`` was the newest (now if None),
    every element assessed."""
    row = _case_row(conn, case_id)
    if upto is not None and row["seq"] > upto:
        raise NotFoundError(f"case {case_id} did not exist yet at ledger entry {upto}")
    fw = framework(row["framework"])
    suspect = queries.entity_row(conn, row["suspect_id"])
    assert suspect is not None
    case = Case(row["id"], row["title"], row["suspect_id"], fw, row["framework_sha256"],
                bool(suspect["fictional"]), row["seq"], row["created_by"], row["created_at"])
    limit = upto if upto is not None else 2**62
    acts: dict[int, list[str]] = {}
    for a in conn.execute(select(case_charge_act).where(case_charge_act.c.case_id == case_id)
                          .order_by(case_charge_act.c.act_id)):
        acts.setdefault(a.number, []).append(a.act_id)
    for c in conn.execute(select(case_charge).where(
            case_charge.c.case_id == case_id, case_charge.c.seq <= limit)
            .order_by(case_charge.c.number)):
        charge = Charge(c.number, c.crime, c.mode, acts.get(c.number, []), c.seq,
                        c.created_by, c.created_at, missing=_missing(fw, c.crime, c.mode))
        if charge.missing is None:
            charge.elements = [ElementView(e, part)
                               for part, e in charge_elements(fw, c.crime, c.mode)]
        case.charges.append(charge)
    links = [_link(r) for r in conn.execute(select(case_link).where(
        case_link.c.case_id == case_id, case_link.c.seq <= limit).order_by(case_link.c.id))]
    gone = {r.link_id: r.reason for r in conn.execute(select(case_link_withdrawal).where(
        case_link_withdrawal.c.link_id.in_([lk.id for lk in links]),
        case_link_withdrawal.c.seq <= limit))}
    for lk in links:
        lk.withdrawn = gone.get(lk.id)
    case.withdrawn = [lk for lk in links if lk.withdrawn is not None]
    links = [lk for lk in links if lk.withdrawn is None]
    _resolve_sources(conn, links)
    case.groups = _groups(conn)
    by_key = {(ch.number, ev.element.id): ev for ch in case.charges for ev in ch.elements}
    for link in links:
        view = by_key.get((link.number, link.element))
        if view is None:  # made under an older text of the framework
            case.orphaned.append(link)
        else:
            view.links.append(link)
    for view in by_key.values():
        view.status, view.independent = status(
            [lk.sources for lk in view.links if lk.stance == "supports"],
            sum(1 for lk in view.links if lk.stance == "contradicts"), case.groups)
    return case


def _missing(fw: Framework, crime: str, mode: str) -> str | None:
    """What of a charge the framework no longer has, or None."""
    gone = ([f"crime '{crime}'"] if crime not in fw.crimes else []) + (
        [f"mode of liability '{mode}'"] if mode not in fw.modes else [])
    return f"the framework {fw.id} has no {' and no '.join(gone)}" if gone else None


def framework_warnings(case: Case) -> list[str]:
    """One warning for each charge and each link that the framework as shipped now can no
    longer read: its crime, mode or element was renamed or removed since the case was
    opened.  Both stay on record; neither counts toward any status."""
    fw = case.framework
    changed = ("the framework changed since the case was opened"
               + (f" (file SHA-256 {case.framework_sha256[:12]}... then, {fw.sha256[:12]}... "
                  "now)" if case.framework_changed else ""))
    out = [f"charge {ch.number} ({ch.crime} by {ch.mode}): {ch.missing}; {changed}. The "
           "charge stays on record but none of its elements can be assessed; charge again "
           "under a current crime and mode" for ch in case.charges if ch.missing]
    unread = {ch.number for ch in case.charges if ch.missing}
    for lk in case.orphaned:
        why = (f"is on charge {lk.number}, which the framework can no longer read"
               if lk.number in unread else
               f"is to an element the framework {fw.id} no longer has for that charge")
        out.append(f"link [{lk.id}] ({lk.stance} '{lk.element}' of charge {lk.number}, "
                   f"linked by {lk.created_by}) {why}; {changed}. The link stays on record "
                   "and counts toward no status; link the evidence again to a current "
                   "element")
    return out


def _link(r: Any) -> Link:
    kind, target = (("claim", r.claim_id) if r.claim_id else ("evidence", r.item_id)
                    if r.item_id else ("testimony", r.source_id))
    return Link(r.id, r.number, r.element, r.stance, kind, target, r.locator, r.reasoning,
                r.created_by, r.created_at, r.seq)


def _resolve_sources(conn: Connection, links: list[Link]) -> None:
    """The sources each link rests on: a claim's citations, an item's source, a testimony."""
    claim_ids = sorted({lk.target for lk in links if lk.kind == "claim"})
    cited: dict[str, set[str]] = {}
    if claim_ids:
        for r in conn.execute(select(citation.c.claim_id, citation.c.source_id)
                              .where(citation.c.claim_id.in_(claim_ids))):
            cited.setdefault(r.claim_id, set()).add(r.source_id)
    for lk in links:
        if lk.kind == "claim":
            lk.sources = sorted(cited.get(lk.target, set()))
        elif lk.kind == "evidence":
            lk.sources = [require_item(conn, lk.target, live=False).source_id]
        else:
            lk.sources = [lk.target]


def _groups(conn: Connection) -> dict[str, str]:
    """Every source's independence group."""
    bases = queries.source_bases(conn)
    rows = {r["id"]: r for r in queries.source_rows(conn)}
    facts = {sid: SourceFacts(r["witness_id"], tuple(bases.get(sid, ())))
             for sid, r in rows.items()}
    return independent_groups(facts)
