"""What a reader of a case sees: the suspect, the acts charged, each link's
evidence, with protected people under their pseudonyms unless revealed.

Shared by `case show` and the dossier, so that both say the same thing.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from sqlalchemy import Connection, select

from khavaran.model.types.fuzzy_date import parse_date, show_date
from khavaran.services.cases import Case, Link
from khavaran.services.profiles import Fact, display_names, profile_in
from khavaran.services.protection import HiddenSet
from khavaran.storage import queries
from khavaran.storage.tables import claim, source
from khavaran.storage.vault_tables import evidence_item, evidence_link, ledger_entry
from khavaran.vault.ledger import data_of

__all__ = ["ActView", "CitedFact", "Office", "SuspectView", "TargetView", "act_views",
           "early_acts", "suspect_view", "target_views", "timing_warnings"]

# The facts about a suspect that decide where and whether a case can be brought.
STANDING = ("role", "death_date", "alive_as_of", "immunity", "residence", "travel")


@dataclass
class CitedFact:
    label: str
    value: str
    sources: list[str]  # "title [source-id, locator]"
    allegation: bool = False
    statuses: list[str] = field(default_factory=list)


@dataclass
class Office:
    posting: str
    facts: list[CitedFact]
    current: bool


@dataclass
class SuspectView:
    id: str
    name: str
    fictional: bool
    protected: bool
    names: list[CitedFact]
    standing: list[CitedFact]
    offices: list[Office]


@dataclass
class ActView:
    id: str
    label: str
    victim: str | None  # display name (a pseudonym for a protected victim)
    victim_id: str | None
    victim_protected: bool
    latest: dt.date | None = None  # the last day the act can have happened on


@dataclass
class TargetView:
    label: str
    item_ids: list[str]  # evidence items (exhibits) the link reaches
    hidden: bool  # the link's evidence identifies a protected person


def _cited(f: Fact, label: str | None = None) -> CitedFact:
    return CitedFact(label or f.property.replace("_", " "), f.shown,
                     [f"{c.title} [{c.source_id}{', ' + c.locator if c.locator else ''}]"
                      for c in f.citations], f.allegation,
                     [f"{s.label}, {s.date or 'undated'} (asserted by {s.asserted_by})"
                      for s in f.statuses])


def suspect_view(conn: Connection, case: Case, *, reveal: bool,
                 revealed: set[str] | None = None) -> SuspectView:
    p = profile_in(conn, case.suspect_id, reveal=reveal, revealed=revealed)
    standing = [_cited(f) for prop in STANDING for f in p.facts.get(prop, [])]
    offices = []
    for prop, other in p.related:
        if other.schema != "Posting" or prop != "person":
            continue
        facts = [_cited(f) for fs in other.facts.values() for f in fs if f.property != "person"]
        facts += [_cited(f, "held by") for f in other.facts.get("person", [])]
        # Current: it began and has not ended, as far as the sources say.
        current = bool(other.facts.get("start_date")) and not other.facts.get("end_date")
        offices.append(Office(other.title, facts, current))
    offices.sort(key=lambda o: (not o.current, _start(o)))
    return SuspectView(p.id, p.title, p.fictional, p.protected,
                       [_cited(f) for f in p.facts.get("name", [])], standing, offices)


def _start(o: Office) -> str:
    return next((f.value for f in o.facts if f.label == "start date"), "")


def act_views(conn: Connection, act_ids: list[str], *, reveal: bool,
              revealed: set[str] | None = None) -> list[ActView]:
    claims = queries.claims_for(conn, act_ids, ["victim", "act_type", "event"])
    victims = {c["entity_id"]: c["ref_id"] for c in claims if c["property"] == "victim"}
    names = display_names(conn, [*act_ids, *[v for v in victims.values() if v]], reveal=reveal,
                          revealed=revealed)
    people = queries.entities(conn, [v for v in victims.values() if v])
    events = {c["entity_id"]: c["ref_id"] for c in claims if c["property"] == "event"}
    parsed = {c["entity_id"]: parse_date(c["value"], c["date_calendar"])
              for c in queries.claims_for(conn, [e for e in events.values() if e], ["date"])}
    dates = {k: d.both() for k, d in parsed.items()}
    out = []
    for act in act_ids:
        label = names.get(act, act)
        when = dates.get(events.get(act) or "")
        victim = victims.get(act)
        out.append(ActView(act, f"{act}: {label}, {when}" if when else f"{act}: {label}",
                           names.get(victim) if victim else None, victim,
                           bool(victim and people[victim]["protected"]),
                           parsed[events[act]].end if events.get(act) in parsed else None))
    return out


def early_acts(case: Case, views: list[ActView]) -> list[ActView]:
    """The acts that took place before the case's framework applies."""
    return [a for a in views if a.latest is not None and a.latest < case.framework.applies_from]


def timing_warnings(case: Case, acts: dict[int, list[ActView]]) -> dict[int, list[str]]:
    """For each charge, a warning when acts took place before the framework applies."""
    fw = case.framework
    out: dict[int, list[str]] = {}
    for number, views in acts.items():
        early = early_acts(case, views)
        if early:
            out[number] = [
                f"{len(early)} of {len(views)} acts took place before {fw.applies_from}, the "
                f"date from which {fw.title.en} applies: for them it serves as a reference "
                "definition, not as the law of a court that can try them (see the "
                "jurisdiction notes)"]
    return out


def target_views(conn: Connection, case: Case, hidden: HiddenSet, *, reveal: bool,
                 upto: int | None = None) -> dict[int, TargetView]:
    """For each link: what it points at, as a reader sees it, and the exhibits it reaches.

    conn: an open connection.
    case: the case, loaded as of ``upto`` for a dossier.
    hidden: the protected people and the claims that identify them.
    reveal: show protected people by name rather than by pseudonym.
    upto: count only the claims' evidence links made by ledger entry ``upto`` (all
        of them if None), so that a dossier built at a ledger head stays the same.
    """
    links = [lk for ch in case.charges for ev in ch.elements for lk in ev.links]
    out: dict[int, TargetView] = {}
    for lk in links:
        out[lk.id] = _target(conn, lk, hidden, reveal, upto)
    return out


def _linked_items(conn: Connection, claim_id: str, upto: int | None) -> list[str]:
    """The vault items linked to a claim as evidence, as of ledger entry ``upto``.

    An `evidence_link` row carries no ledger position; the `link` entry written in
    the same transaction (its item, with the claim and locator in its data) does."""
    rows = conn.execute(select(evidence_link.c.item_id, evidence_link.c.locator).where(
        evidence_link.c.claim_id == claim_id)).all()
    if upto is None or not rows:
        return sorted({r.item_id for r in rows})
    linked = {(r.item_id, r.locator) for r in rows}
    entries = conn.execute(select(ledger_entry.c.item_id, ledger_entry.c.body).where(
        ledger_entry.c.kind == "link", ledger_entry.c.seq <= upto,
        ledger_entry.c.item_id.in_(sorted({r.item_id for r in rows}))))
    made = set()
    for e in entries:
        data = data_of(e.body)
        if data.get("claim") == claim_id and (e.item_id, data.get("locator")) in linked:
            made.add(e.item_id)
    return sorted(made)


def _target(conn: Connection, lk: Link, hidden: HiddenSet, reveal: bool,
            upto: int | None) -> TargetView:
    if lk.kind == "claim":
        row = conn.execute(select(claim).where(claim.c.id == lk.target)).mappings().one()
        secret = lk.target in hidden.claims
        items = _linked_items(conn, lk.target, upto)
        if secret and not reveal:
            # Not even whose fact it is: a relative's name ties them to the witness.
            return TargetView("a fact identifying a protected person (withheld)", items, True)
        who = display_names(conn, [row["entity_id"]], reveal=reveal).get(row["entity_id"], "")
        # Only a date's claim is stored with its calendar.
        value = (show_date(row["value"], row["date_calendar"]) if row["date_calendar"]
                 else row["value"])
        return TargetView(f"claim {lk.target}: {who}, {row['property'].replace('_', ' ')}: "
                          f"{value}", items, secret)
    if lk.kind == "evidence":
        item = conn.execute(select(evidence_item).where(evidence_item.c.id == lk.target)).one()
        secret = _protected_witness(conn, item.source_id)
        # Not the item's id: it is half the file's SHA-256.
        shown = ("a protected witness's testimony (withheld)" if secret and not reveal
                 else f"{item.id} ({item.media_type})")
        return TargetView(f"{shown}, at {lk.locator}", [item.id], secret)
    src = conn.execute(select(source).where(source.c.id == lk.target)).mappings().one()
    secret = _protected_witness(conn, src["id"])
    title = src["title"]
    if secret and not reveal:
        witness = queries.entity_row(conn, src["witness_id"])
        assert witness is not None
        title = f"testimony of {witness['pseudonym']}"
    items = list(conn.execute(select(evidence_item.c.id).where(
        evidence_item.c.source_id == src["id"], evidence_item.c.role == "original")
        .order_by(evidence_item.c.id)).scalars())
    return TargetView(f"{title}, at {lk.locator}", items, secret)


def _protected_witness(conn: Connection, source_id: str) -> bool:
    row = conn.execute(select(source.c.witness_id).where(source.c.id == source_id)).first()
    if row is None or row.witness_id is None:
        return False
    witness = queries.entity_row(conn, row.witness_id)
    return bool(witness and witness["protected"])
