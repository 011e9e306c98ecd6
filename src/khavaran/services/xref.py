"""Cross-reference the registry's alleged perpetrators with imported FtM persons.

`khavaran xref` compares every alleged perpetrator of the registry (a person
with the role alleged_perpetrator; protected people never) with every Person
of the reference area (services/ftm_import.py), with the linkage engine that
links victim lists (khavaran.linkage): every name in either script against
every name, birth years, gender.  Nationality and positions add their own
reasons.  Candidate matches are stored (xref_candidate) and make a queue, the
likeliest first; nothing is a fact about the person until a reviewer judges a
candidate "same".

A "same" judgement turns what the dataset says about that entity into cited
claims and actions, through the usual ingest (so it is checked, sealed and
in history like any import): a source for the dataset (its name and date),
the entity's positions as postings, and each of its sanctions as a
sanction_designation action by its authority on its listing date.  An
authority that no actor of the vocabulary names (model/vocab/accountability.yaml)
is reported, not guessed.  Judgements are append-only; the latest counts: a
"different" or "unsure" after a "same" retracts what the "same" wrote, and a
"same" again restores it (services/xref_retract.py).
"""

from __future__ import annotations

import json
import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from hashlib import blake2b
from typing import Any

from sqlalchemy import Connection, delete, insert, select

from khavaran.errors import NotFoundError, ValidationError
from khavaran.linkage.compare import Comparison, Frequencies, Reason, compare, match_probability
from khavaran.linkage.features import Features, prepare
from khavaran.linkage.link import cross_pairs
from khavaran.linkage.lists import LinkRecord
from khavaran.model.loader import load_model
from khavaran.model.records import CitationIn, ClaimIn, EntityIn, SourceIn, Where
from khavaran.services import actions as actions_service
from khavaran.services.ingest import Batch, IngestReport, ingest
from khavaran.services.profiles import display_names
from khavaran.services.registry import Registry, require_actor
from khavaran.services.xref_retract import restore, retract, written_by
from khavaran.storage import queries
from khavaran.storage.reference_tables import (
    ref_dataset,
    ref_entity,
    xref_candidate,
    xref_judgement,
)
from khavaran.storage.repo import chunks
from khavaran.storage.tables import claim, entity

__all__ = ["XREF_MIN", "XrefCandidate", "XrefOutcome", "XrefRun", "judge_xref", "run_xref",
           "source_id_of", "xref_queue"]

# Candidates less likely than this are not stored.
XREF_MIN = 0.05
DECISIONS = ("same", "different", "unsure")
NAME_PROPS = ("name", "alias", "previousName", "weakAlias")
NATIONALITY_PROPS = ("nationality", "citizenship", "country")
NATIONALITY_AGREE, NATIONALITY_DIFFER = 1.0, -3.0
POSITION_AGREE = 1.5
# The registry's people are Iran's officials of 1988 unless a claim says otherwise.
HOME_COUNTRY = "ir"
_WORD = re.compile(r"\w{4,}")
_COMMON = frozenset({"of", "the", "and", "fictional", "demo", "republic", "islamic", "iran"})


@dataclass
class XrefRun:
    suspects: int = 0
    persons: int = 0
    compared: int = 0
    stored: int = 0


@dataclass(frozen=True)
class XrefCandidate:
    person_id: str
    person: str          # as a reader sees it
    dataset: str
    ref_id: str
    caption: str
    probability: float
    weight: float
    reasons: list[Reason]
    properties: dict[str, list[str]]
    sanctions: list[dict[str, list[str]]]

    @property
    def ref(self) -> str:
        return f"{self.dataset}:{self.ref_id}"


@dataclass
class XrefOutcome:
    decision: str
    person_id: str
    ref: str
    report: IngestReport | None = None
    actions: list[str] = field(default_factory=list)
    postings: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    retracted: list[str] = field(default_factory=list)  # postings and actions taken back
    restored: list[str] = field(default_factory=list)   # given back by a later "same"


def _hidden(conn: Connection) -> set[str]:
    return set(queries.protected_entities(conn))


def _suspects(conn: Connection) -> dict[str, dict[str, list[Any]]]:
    """Alleged perpetrators (not protected): their names, birth years, gender,
    positions (posting titles and units, occupation)."""
    hidden = _hidden(conn)
    ids = {r for r in conn.execute(
        select(claim.c.entity_id).join(entity, entity.c.id == claim.c.entity_id)
        .where(claim.c.property == "role", claim.c.value == "alleged_perpetrator",
               entity.c.schema == "Person")).scalars() if r not in hidden}
    out: dict[str, dict[str, list[Any]]] = {i: defaultdict(list) for i in sorted(ids)}
    for c in queries.claims_for(conn, list(out)):
        prop = c["property"]
        if prop in ("name", "birth_year", "birth_date", "gender", "occupation",
                    "residence_country"):
            out[c["entity_id"]][prop].append(c["value"])
    postings: dict[str, str] = {}
    for part in chunks(sorted(out)):
        q = select(claim.c.entity_id, claim.c.value).where(
            claim.c.property == "person", claim.c.value.in_(part),
            claim.c.assessment != "rejected")  # a retracted posting is no position
        postings.update({r.entity_id: r.value for r in conn.execute(q)})
    units = []
    for c in queries.claims_for(conn, list(postings), ["title", "unit"]):
        if c["property"] == "title":
            out[postings[c["entity_id"]]]["position"].append(c["value"])
        else:
            units.append((postings[c["entity_id"]], c["value"]))
    names = display_names(conn, [u for _, u in units])
    for pid, uid in units:
        out[pid]["position"].append(names.get(uid, uid))
    return out


def _ref_persons(conn: Connection) -> list[Any]:
    return list(conn.execute(select(ref_entity.c.dataset, ref_entity.c.id,
                                    ref_entity.c.properties)
                             .where(ref_entity.c.schema == "Person")
                             .order_by(ref_entity.c.dataset, ref_entity.c.id)))


def _occupancies(conn: Connection, dataset: str | None = None
                 ) -> dict[tuple[str, str], list[tuple[str, str, str, str]]]:
    """(dataset, holder id) -> (occupancy id, post's name, start, end) of every
    Occupancy (FtM's dated hold of a Position, as OpenSanctions' PEP data gives it)."""
    q = select(ref_entity.c.dataset, ref_entity.c.id, ref_entity.c.schema,
               ref_entity.c.properties).where(ref_entity.c.schema.in_(["Occupancy", "Position"]))
    if dataset is not None:
        q = q.where(ref_entity.c.dataset == dataset)
    posts: dict[tuple[str, str], str] = {}
    held = []
    for r in conn.execute(q.order_by(ref_entity.c.dataset, ref_entity.c.id)):
        props = _props(r.properties)
        if r.schema == "Position":
            posts[r.dataset, r.id] = (props.get("name") or [r.id])[0]
        else:
            held.append((r.dataset, r.id, props))
    out: dict[tuple[str, str], list[tuple[str, str, str, str]]] = defaultdict(list)
    for ds, oid, props in held:
        for post in props.get("post", []):
            for holder in props.get("holder", []):
                out[ds, holder].append((oid, posts.get((ds, post), post),
                                        (props.get("startDate") or [""])[0],
                                        (props.get("endDate") or [""])[0]))
    return out


def _props(stored: str) -> dict[str, list[str]]:
    data = json.loads(stored)
    return {str(k): [str(v) for v in vs] for k, vs in data.get("properties", {}).items()}


def _ref_names(props: dict[str, list[str]]) -> list[str]:
    names = [n for p in NAME_PROPS for n in props.get(p, [])]
    for first in props.get("firstName", []):
        for last in props.get("lastName", []):
            names.append(f"{first} {last}")
    return list(dict.fromkeys(names))


def _features(source: str, key: int, names: Iterable[str], birth: str, gender: str
              ) -> list[Features]:
    out = []
    for name in names:
        rec = LinkRecord(source=source, record_id=str(key), name=name, birth_year=birth,
                         gender=gender)
        try:
            out.append(prepare(rec))
        except ValidationError:
            try:  # a birth date the engine cannot read: compare the name alone
                out.append(prepare(LinkRecord(source=source, record_id=str(key), name=name,
                                              gender=gender)))
            except ValidationError:
                continue
    return out


def _words(texts: Iterable[str]) -> set[str]:
    return {w for t in texts for w in _WORD.findall(t.casefold()) if w not in _COMMON}


def _extra(cmp: Comparison, suspect: dict[str, list[Any]], props: dict[str, list[str]]) -> None:
    """Nationality and positions, which the list linker does not know."""
    nations = {v.lower() for p in NATIONALITY_PROPS for v in props.get(p, [])}
    home = {str(v).lower() for v in suspect.get("residence_country", [])} | {HOME_COUNTRY}
    if nations:
        same = nations & home
        cmp.add("nationality", "agree" if same else "differ",
                NATIONALITY_AGREE if same else NATIONALITY_DIFFER,
                ", ".join(sorted(nations)) + ("" if same else f" vs {HOME_COUNTRY}"))
    shared = _words(suspect.get("position", [])) & _words(props.get("position", []))
    if shared:
        cmp.add("position", "agree", POSITION_AGREE,
                f"{'; '.join(props['position'])} ({', '.join(sorted(shared))})")


def run_xref(registry: Registry) -> XrefRun:
    """Compare every alleged perpetrator with every imported Person and store the
    candidates (those at XREF_MIN or likelier), replacing the stored ones."""
    run = XrefRun()
    with registry.read() as conn:
        suspects = _suspects(conn)
        persons = _ref_persons(conn)
        held = _occupancies(conn)
    run.suspects, run.persons = len(suspects), len(persons)
    left: list[Features] = []
    left_of: list[str] = []
    for pid, s in suspects.items():
        birth = (s.get("birth_year") or s.get("birth_date") or [""])[0]
        gender = (s.get("gender") or [""])[0]
        for f in _features("registry", len(left_of), s.get("name", []), birth, gender):
            left.append(f)
            left_of.append(pid)
    right: list[Features] = []
    right_of: list[int] = []
    props_of: list[dict[str, list[str]]] = []
    for n, row in enumerate(persons):
        props = _props(row.properties)
        titles = [t for _, t, _, _ in held.get((row.dataset, row.id), [])]
        if titles:
            props["position"] = list(dict.fromkeys([*props.get("position", []), *titles]))
        props_of.append(props)
        birth = (props.get("birthDate") or [""])[0][:4]
        gender = (props.get("gender") or [""])[0]
        gender = gender if gender in ("male", "female") else ""
        for f in _features("reference", n, _ref_names(props), birth, gender):
            right.append(f)
            right_of.append(n)
    freq = Frequencies([*left, *right])
    best: dict[tuple[str, int], Comparison] = {}
    for i, j in cross_pairs(left, right):
        run.compared += 1
        key = (left_of[i], right_of[j])
        cmp = compare(left[i], right[j], freq)
        if key not in best or best[key].weight < cmp.weight:
            best[key] = cmp
    rows = []
    for (pid, n), cmp in best.items():
        _extra(cmp, suspects[pid], props_of[n])
        probability = match_probability(cmp.weight, freq.prior)
        if probability < XREF_MIN:
            continue
        rows.append({"person_id": pid, "dataset": persons[n].dataset, "ref_id": persons[n].id,
                     "weight": cmp.weight, "probability": probability,
                     "reasons": json.dumps([[r.field, r.verdict, r.weight, r.detail]
                                            for r in cmp.reasons], ensure_ascii=False)})
    with registry.write() as conn:
        conn.execute(delete(xref_candidate))
        for part in chunks(rows, 5000):
            conn.execute(insert(xref_candidate), list(part))
    run.stored = len(rows)
    return run


def _latest(conn: Connection) -> dict[tuple[str, str, str], str]:
    out: dict[tuple[str, str, str], str] = {}
    for r in conn.execute(select(xref_judgement).order_by(xref_judgement.c.id)):
        out[r.person_id, r.dataset, r.ref_id] = r.decision
    return out


def _sanctions(conn: Connection, dataset: str, ref_id: str) -> list[tuple[str, dict[str,
                                                                                     list[str]]]]:
    """The Sanction entities of ``dataset`` whose entity is ``ref_id``."""
    q = select(ref_entity.c.id, ref_entity.c.properties).where(
        ref_entity.c.dataset == dataset, ref_entity.c.schema == "Sanction",
        ref_entity.c.properties.contains(json.dumps(ref_id)))
    out = []
    for r in conn.execute(q.order_by(ref_entity.c.id)):
        props = _props(r.properties)
        if ref_id in props.get("entity", []):
            out.append((str(r.id), props))
    return out


def xref_queue(registry: Registry, *, limit: int = 20, include_judged: bool = False
               ) -> list[XrefCandidate]:
    """Stored candidates to judge, the likeliest first (judged ones only with
    ``include_judged``); protected people are never among them."""
    with registry.read() as conn:
        hidden = _hidden(conn)
        latest = _latest(conn)
        q = select(xref_candidate, ref_entity.c.caption, ref_entity.c.properties).join(
            ref_entity, (ref_entity.c.dataset == xref_candidate.c.dataset)
            & (ref_entity.c.id == xref_candidate.c.ref_id)).order_by(
            xref_candidate.c.probability.desc(), xref_candidate.c.person_id,
            xref_candidate.c.dataset, xref_candidate.c.ref_id)
        picked = []
        for r in conn.execute(q):
            key = (r.person_id, r.dataset, r.ref_id)
            if r.person_id in hidden or (key in latest and not include_judged):
                continue
            picked.append(r)
            if limit and len(picked) >= limit:
                break
        names = display_names(conn, [r.person_id for r in picked])
        return [XrefCandidate(
            r.person_id, names.get(r.person_id, r.person_id), r.dataset, r.ref_id, r.caption,
            r.probability, r.weight, [Reason(*x) for x in json.loads(r.reasons)],
            _props(r.properties), [p for _, p in _sanctions(conn, r.dataset, r.ref_id)])
            for r in picked]


def source_id_of(dataset: str, sha256: str) -> str:
    """The registry source that cites a dataset as imported from the file whose
    SHA-256 this is: each version of a dataset is a source of its own, so that a
    newer file neither rewrites what an older one is cited for nor clashes with it."""
    return f"ftm-{dataset}-{sha256[:12]}"


def _actor(props: dict[str, list[str]]) -> str | None:
    """The actor code of a sanction's authority: named by a vocabulary label, or
    the government (or regional body) of the sanction's country."""
    model = load_model()
    vocab = model.vocabs["actor"]
    for text in props.get("authority", []):
        wanted = text.strip().casefold()
        for code, entry in vocab.items():
            if wanted in (code, entry.en.casefold(), entry.fa.casefold()):
                return str(code)
    for country in props.get("country", []):
        for code, entry in vocab.items():
            if (entry.attr("jurisdiction") == country.lower()
                    and entry.attr("branch") in ("government", "regional_body")):
                return str(code)
    return None


def _confirm(conn: Connection, registry: Registry, person_id: str, dataset: Any,
             ref_id: str, props: dict[str, list[str]], actor: str, out: XrefOutcome) -> None:
    sid = source_id_of(dataset.name, dataset.sha256)
    where = Where(f"xref {dataset.name}:{ref_id}", None)
    batch = Batch()
    batch.sources.append(SourceIn(
        id=sid, kind="list", title=f"{dataset.title} (FtM dataset {dataset.name}, "
        f"{dataset.date.isoformat()})", date=dataset.date.isoformat(),
        note=f"imported with khavaran import --format ftm; SHA-256 {dataset.sha256}",
        fictional=bool(dataset.fictional), where=where))
    cite = [CitationIn(sid, f"entity {ref_id}")]
    held = _occupancies(conn, dataset.name).get((dataset.name, ref_id), [])
    for occ_id, title, start, end in held:
        post = "po-xref-" + blake2b(f"{person_id}\x1f{dataset.name}\x1f{occ_id}".encode(),
                                    digest_size=10).hexdigest()
        at = [CitationIn(sid, f"entity {occ_id}")]
        batch.entities.append(EntityIn(post, "Posting", fictional=bool(dataset.fictional),
                                       where=where))
        for prop, value in (("person", person_id), ("title", title), ("start_date", start),
                            ("end_date", end)):
            if value:
                batch.claims.append(ClaimIn(post, prop, value, citations=at, where=where))
        out.postings.append(post)
    for title in props.get("position", []):
        if title in {t for _, t, _, _ in held}:
            continue  # the same post, dated, from its Occupancy
        post = "po-xref-" + blake2b(f"{person_id}\x1f{dataset.name}\x1f{ref_id}\x1f{title}"
                                    .encode(), digest_size=10).hexdigest()
        batch.entities.append(EntityIn(post, "Posting", fictional=bool(dataset.fictional),
                                       where=where))
        batch.claims.append(ClaimIn(post, "person", person_id, citations=cite, where=where))
        batch.claims.append(ClaimIn(post, "title", title, citations=cite, where=where))
        out.postings.append(post)
    for sanction_id, s in _sanctions(conn, dataset.name, ref_id):
        code = _actor(s)
        date = (s.get("listingDate") or s.get("startDate") or s.get("date") or [""])[0]
        authority = "; ".join(s.get("authority", []) or s.get("country", [])) or "none given"
        if code is None:
            out.notes.append(f"sanction {sanction_id}: authority '{authority}' is no actor of "
                             "the vocabulary (model/vocab/accountability.yaml): not recorded")
            continue
        if not date:
            out.notes.append(f"sanction {sanction_id}: no listing date: not recorded")
            continue
        action = actions_service.ActionIn(
            action_type="sanction_designation", actor=code, date=date[:10], source=sid,
            locator=f"entity {sanction_id}", targets=[person_id],
            regime="; ".join(s.get("program", [])) or None,
            document="; ".join(s.get("recordId", []) or s.get("authorityId", [])) or None,
            fictional=bool(dataset.fictional))
        one = actions_service.batch_for(action, where)
        batch.extend(one)
        out.actions.append(one.entities[0].id)
    out.report = ingest(conn, batch, actor=actor, label=f"xref {dataset.name}:{ref_id}",
                        now=registry.now())


def judge_xref(registry: Registry, person_id: str, ref: str, decision: str, *,
               actor: str | None, note: str | None = None) -> XrefOutcome:
    """Judge a candidate: is the registry's ``person_id`` the entity ``ref``
    (DATASET:ENTITY_ID)?  "same" also writes the entity's positions and
    sanctions as cited postings and actions, in the same transaction; a later
    "different" or "unsure" takes them back (services/xref_retract.py)."""
    actor = require_actor(actor)
    if decision not in DECISIONS:
        raise ValidationError(f"'{decision}' is not one of {', '.join(DECISIONS)}",
                              field="decision")
    name, sep, ref_id = ref.partition(":")
    if not sep or not name or not ref_id:
        raise ValidationError(f"'{ref}' is not DATASET:ENTITY_ID", field="entity")
    out = XrefOutcome(decision, person_id, ref)
    with registry.write() as conn:
        row = queries.entity_row(conn, person_id)
        if row is None or row["schema"] != "Person" or person_id in _hidden(conn):
            raise NotFoundError(f"no person with id '{person_id}'")
        dataset = conn.execute(select(ref_dataset).where(ref_dataset.c.name == name)).first()
        found = conn.execute(select(ref_entity.c.schema, ref_entity.c.properties).where(
            ref_entity.c.dataset == name, ref_entity.c.id == ref_id)).first()
        if dataset is None or found is None or found.schema != "Person":
            raise NotFoundError(f"no imported Person '{ref_id}' in dataset '{name}'")
        if decision == "same" and bool(row["fictional"]) != bool(dataset.fictional):
            kinds = ("fictional", "real") if row["fictional"] else ("real", "fictional")
            raise ValidationError(f"'{person_id}' is {kinds[0]} and dataset '{name}' is "
                                  f"{kinds[1]}: they cannot be one person", field="decision")
        conn.execute(insert(xref_judgement).values(
            person_id=person_id, dataset=name, ref_id=ref_id, decision=decision,
            note=note, created_at=registry.now(), created_by=actor))
        written = written_by(conn, person_id, name, _locators(conn, name, ref_id))
        why = f"xref judged {person_id} and {ref} {decision}" + (f": {note}" if note else "")
        if decision == "same":
            # Before the ingest, which keeps a stored claim's grades as they are.
            out.restored = restore(conn, registry, written, actor=actor, reason=why)
            _confirm(conn, registry, person_id, dataset, ref_id, _props(found.properties),
                     actor, out)
        else:
            out.retracted = retract(conn, registry, written, actor=actor, reason=why)
    return out


def _locators(conn: Connection, dataset: str, ref_id: str) -> set[str]:
    """How _confirm's citations point into the dataset for the entity ``ref_id``."""
    held = _occupancies(conn, dataset).get((dataset, ref_id), [])
    return {f"entity {x}" for x in [ref_id, *(o for o, _, _, _ in held),
                                    *(s for s, _ in _sanctions(conn, dataset, ref_id))]}
