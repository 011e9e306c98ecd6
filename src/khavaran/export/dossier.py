"""Build a dossier of a case: a BagIt bag that a court can verify without us.

The bag holds the exhibits as exact copies of the vault's originals (checked
against their intake hashes as they are copied), each one's custody-ledger
extract, the installation's public key and the standalone verifier, the case
file (case.json) and a PDF report.  It is written into a staging area under the
data home and renamed into place only when complete, in one step with its
record in the ledger (one `export` entry per exhibit and one for the whole
dossier, and an access-log row): a build stopped at any moment leaves either
no bag and no entry, or both (services/staging.py).

Everything in the bag is a function of the case and the ledger as of one
ledger entry (``as_of``), with that entry's time as the bag's date: two
builds at the same head give byte-identical manifests, as long as the
registry facts that are not ledger entries (names, protection) and the
purges stay as they were (docs/dossiers.md).  A statement signed with the
ledger key vouches for bag-info.txt and the payload manifests.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import json
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from importlib import resources
from importlib.metadata import version
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, select

from khavaran.errors import EvidenceError, IntegrityError, NotFoundError, ValidationError
from khavaran.export.bag import BagWriter
from khavaran.export.casefile import case_file
from khavaran.export.disclosure import LEVELS, Disclosure
from khavaran.export.exhibits import Exhibit, collect_exhibits
from khavaran.export.report import render_html, render_pdf
from khavaran.export.screening import screen
from khavaran.export.verify import ANNEX_SUFFIX, SEALED, SIGNATURE, SIGNED_TAGS, STATEMENT
from khavaran.services.case_views import act_views, suspect_view, target_views
from khavaran.services.cases import Case, load_case
from khavaran.services.evidence import _inside
from khavaran.services.integrity import verify_installation
from khavaran.services.ledger_io import write_extract
from khavaran.services.profiles import profile_in
from khavaran.services.protection import hidden_set
from khavaran.services.registry import Registry, require_actor
from khavaran.services.reveals import record_export
from khavaran.services.review import reviews_upto, seen
from khavaran.services.staging import staged
from khavaran.storage import queries
from khavaran.storage.tables import citation, source
from khavaran.storage.tables import claim as claim_table
from khavaran.storage.vault_tables import ledger_entry
from khavaran.vault.keys import load_key, public_keys
from khavaran.vault.ledger import LedgerWriter, body_of, iso
from khavaran.vault.verify_ledger import canonical

__all__ = ["Built", "build_dossier"]

@dataclass
class Built:
    out: Path
    annex: Path | None
    level: str
    seq: int
    head: str
    exhibits: int
    files: int
    octets: int
    withheld: list[dict[str, str]] = field(default_factory=list)
    tagmanifest_sha256: str = ""
    pdf_seconds: float = 0.0  # rendering the report, reported apart by the benchmark


def _resolve_head(conn: Connection, as_of: str | None) -> tuple[int, str, str]:
    """(seq, hash, time) of the ledger entry named by ``as_of`` (a hash or a seq), or
    of the newest entry."""
    q = select(ledger_entry.c.seq, ledger_entry.c.hash, ledger_entry.c.body)
    if as_of is None:
        row = conn.execute(q.order_by(ledger_entry.c.seq.desc()).limit(1)).first()
    elif as_of.isdigit():
        row = conn.execute(q.where(ledger_entry.c.seq == int(as_of))).first()
    else:
        row = conn.execute(q.where(ledger_entry.c.hash == as_of.strip().lower())).first()
    if row is None:
        raise NotFoundError("the ledger is empty" if as_of is None else
                            f"no ledger entry '{as_of}' (give a hash or a seq that "
                            "'khavaran ledger head' or an earlier dossier printed)")
    return row.seq, row.hash, str(body_of(row.body).get("at"))


def _check_out(out: Path, home: Path) -> Path:
    annex = out.with_name(out.name + ANNEX_SUFFIX)
    for path in (out, annex):
        if path.exists() or path.is_symlink():
            raise EvidenceError(f"{path} exists already; choose another --out")
    if _inside(out, home):
        raise EvidenceError(f"{out} is inside the data home ({home}): write the dossier "
                            "outside it")
    if not out.parent.is_dir():
        raise EvidenceError(f"{out.parent} is not a folder")
    return annex


def _refuse_mixing(conn: Connection, case: Case, exhibits: list[Exhibit]) -> None:
    """Fictional demo records and real ones never go into one dossier."""
    entities = {case.suspect_id} | {a for ch in case.charges for a in ch.acts}
    links = [lk for ch in case.charges for ev in ch.elements for lk in ev.links]
    claims = [lk.target for lk in links if lk.kind == "claim"]
    if claims:
        entities |= set(conn.execute(select(claim_table.c.entity_id).where(
            claim_table.c.id.in_(claims))).scalars())
    sources = {s for lk in links for s in lk.sources} | {e.item.source_id for e in exhibits}
    if claims:
        sources |= set(conn.execute(select(citation.c.source_id).where(
            citation.c.claim_id.in_(claims))).scalars())
    flags = {f"record {k}": bool(r["fictional"])
             for k, r in queries.entities(conn, entities).items()}
    flags |= {f"source {r.id}": bool(r.fictional) for r in conn.execute(
        select(source.c.id, source.c.fictional).where(source.c.id.in_(sorted(sources))))}
    fictional = sorted(k for k, v in flags.items() if v)
    real = sorted(k for k, v in flags.items() if not v)
    if fictional and real:
        raise ValidationError(
            f"case {case.id} mixes fictional demo records with real ones, so no dossier is "
            f"built. Fictional: {', '.join(fictional[:5])}; real: {', '.join(real[:5])}"
            + (" (and more)" if len(fictional) > 5 or len(real) > 5 else ""), field="CASE")


def _sources(conn: Connection, case: Case, exhibits: list[Exhibit],
             d: Disclosure) -> dict[str, dict[str, Any]]:
    wanted = {s for ch in case.charges for ev in ch.elements for lk in ev.links
              for s in lk.sources} | {e.item.source_id for e in exhibits}
    bases = queries.source_bases(conn)
    out = {}
    for r in queries.source_rows(conn):
        if r["id"] not in wanted:
            continue
        witness = queries.entity_row(conn, r["witness_id"]) if r["witness_id"] else None
        title = r["title"]
        if witness is not None and witness["protected"] and not d.reveal:
            title = f"testimony of {witness['pseudonym']}"
        out[d.source_id(r["id"])] = {
            "title": title, "kind": r["kind"], "publisher": r["publisher"],
            "publisher_type": r["publisher_type"], "interested_party": r["interested_party"],
            "reliability": r["reliability"], "date": r["date_text"], "url": r["url"],
            "witness": (witness["pseudonym"] if witness["protected"] and not d.reveal
                        else witness["id"]) if witness is not None else None,
            "based_on": [d.source_id(b) for b in bases.get(r["id"], [])],
            "independence_group": d.source_id(case.groups.get(r["id"], r["id"])),
            "fictional": bool(r["fictional"])}
    return dict(sorted(out.items()))


def _copy_exhibit(registry: Registry, bag: BagWriter, e: Exhibit, rel: str) -> None:
    """An exact copy, checked against the hashes taken at intake."""
    with registry.vault.open(e.item.sha256) as src:
        w = bag.add_stream(rel, src)
    if (w.sha256, w.sha512, w.size) != (e.item.sha256, e.item.sha512, e.item.size):
        raise IntegrityError(f"exhibit {e.number} ({e.item.id}): the vault's file no longer "
                             "matches the hashes taken at intake; no dossier was built "
                             "(run 'khavaran evidence verify --all')")


def _extract(registry: Registry, item_id: str, head: tuple[int, str], at: Any) -> bytes:
    fh = io.StringIO(newline="\n")
    write_extract(registry, fh, item_id=item_id, upto=head, at=at)
    return fh.getvalue().encode("utf-8")


def _verifier() -> bytes:
    return resources.files("khavaran.vault").joinpath("verify_ledger.py").read_bytes()


README = """\
Khavaran dossier of case {case} (disclosure level: {level})

{disclaimer}

What is here
  data/case.json        the case: suspect, charges, element matrix, gaps, exhibits
  data/report.pdf       the same, as a report
  data/exhibits/        exact copies of the exhibits (E001...), and working copies
  data/custody/         each exhibit's custody-ledger extract (.jsonl),
                        public-key.txt and verify_ledger.py (standalone)

How to check it without Khavaran
  1. The bag:    bagit.py --validate THIS_FOLDER   (Library of Congress bagit)
  2. Exhibits:   sha256sum / sha512sum of each file = manifest and case.json
  3. Custody:    {custody}
  4. Signature:  dossier-statement.json names the SHA-256 of bag-info.txt and of
                 both payload manifests, and is signed with the same KEY
                 (Ed25519, dossier-signature.txt in hex):
                   xxd -r -p dossier-signature.txt > sig.bin
                   echo 302a300506032b6570032100KEY | xxd -r -p > key.der
                   openssl pkeyutl -verify -pubin -keyform DER -inkey key.der \\
                       -rawin -in dossier-statement.json -sigfile sig.bin
                   sha256sum bag-info.txt manifest-sha256.txt manifest-sha512.txt
                 So no file can be changed, added or removed and the manifests
                 made again without the signature failing.

Built as of custody-ledger entry {seq}, head {head} ({at}).
"""


# Step 3 of the README names an extract that is in the bag: at prosecutor and
# public level an exhibit's extract may be withheld (case.json says which).
CUSTODY_STEP = """\
python3 data/custody/verify_ledger.py {path} \\
                     --public-key KEY
                 and so each .jsonl in data/custody/, with KEY obtained from
                 the installation independently; the key in public-key.txt
                 only says which key to ask for. Extracts withheld at this
                 level are listed under "withheld" in case.json."""
NO_CUSTODY_STEP = """\
no custody extract is in this bag at this disclosure level (each
                 is listed under "withheld" in case.json, with why); the
                 signature (4) still vouches for every exhibit's bytes."""


def build_dossier(registry: Registry, case_id: str, out: Path, *, level: str = "internal",
                  as_of: str | None = None, actor: str | None,
                  progress: Callable[[str, int, int], None] | None = None) -> Built:
    """Build the dossier of ``case_id`` at disclosure ``level`` into the folder ``out``.

    ``progress(step, done, total)``, if given, is told each step as it starts
    (verify, case, exhibits with their count, report, publish): a background
    job shows it (services/dossier_jobs.py).
    """
    actor = require_actor(actor)
    say = progress or (lambda step, done, total: None)
    if level not in LEVELS:
        raise ValidationError(f"disclosure level must be one of {', '.join(LEVELS)}",
                              field="--disclosure")
    out = Path(out)
    annex_out = _check_out(out, registry.settings.home)
    key = load_key(registry.settings)
    # A dossier states what the registry and the vault hold: never from an
    # installation that does not verify.
    say("verify", 0, 0)
    checked = verify_installation(registry, actor=actor)
    if not checked.ok:
        first = "; ".join(checked.problems[:3])
        more = len(checked.problems) - 3
        raise IntegrityError(f"the installation does not verify, so no dossier is built: "
                             f"{first}" + (f"; and {more} more" if more > 0 else "")
                             + " (khavaran verify lists them all)")
    revealed: set[str] = set()
    say("case", 0, 0)
    with registry.read() as conn:
        seq, head_hash, at_text = _resolve_head(conn, as_of)
        at = dt.datetime.strptime(at_text, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=dt.UTC)
        case = load_case(conn, case_id, upto=seq)
        unreadable = [ch.number for ch in case.charges if ch.missing]
        if unreadable:
            raise ValidationError(
                f"case {case.id}: charge(s) {', '.join(map(str, unreadable))} name a crime or "
                f"mode that the framework {case.framework.id} no longer has, so no dossier is "
                "built: a dossier never drops a charge (khavaran case show lists them)",
                field="CASE")
        hidden = hidden_set(conn)
        internal = Disclosure.build(conn, "internal", hidden, [])
        targets = target_views(conn, case, hidden, reveal=level == "internal", upto=seq)
        exhibits = collect_exhibits(conn, case, targets, hidden, upto=seq,
                                    internal=level == "internal")
        _refuse_mixing(conn, case, exhibits)
        d = Disclosure.build(conn, level, hidden, [e.item.id for e in exhibits])
        if not d.reveal:
            screen(exhibits, lambda e: registry.vault.local_file(e.item.sha256), d.leaks)
            _require_reviews(conn, exhibits, level, seq)
            if d.leaks(case.id):
                raise IntegrityError(f"the case id {case.id} names a protected person, and "
                                     "a dossier names its case: build it at the internal "
                                     "level only; nothing was written")
        ledger: dict[str, Any] = {"seq": seq, "head": head_hash, "at": at_text,
                                  "public_keys": public_keys(conn)}
        views = {}
        for who in (d, internal) if level == "prosecutor" else (d,):
            views[who.level] = (
                suspect_view(conn, case, reveal=who.reveal, revealed=revealed),
                {ch.number: act_views(conn, ch.acts, reveal=who.reveal, revealed=revealed)
                 for ch in case.charges},
                target_views(conn, case, hidden, reveal=who.reveal, upto=seq),
                _sources(conn, case, exhibits, who))
        identities = ([{"pseudonym": pseudonym, "profile": asdict(
                          profile_in(conn, pid, reveal=True, revealed=revealed))}
                       for pid, pseudonym in sorted(_people(conn, case, views).items())]
                      if level == "prosecutor" else [])

    # Built in a staging area under the data home (services/staging.py): protected
    # testimony is never staged beside the output.
    with staged(registry.settings.home) as area:
        work = area.folder
        annex = BagWriter(work / "annex") if level == "prosecutor" else None
        bag = BagWriter(work / "bag")
        included: dict[str, dict[str, str | None]] = {}
        annexed: dict[str, dict[str, str | None]] = {}
        for n, e in enumerate(exhibits):
            say("exhibits", n, len(exhibits))
            paths: dict[str, str | None] = {"file": None, "custody": None}
            if e.purged:
                d.withhold(f"exhibit {e.number}", "it was purged from the vault; only its "
                           "record and hashes remain")
            elif d.reveal or not e.identifying:
                _copy_exhibit(registry, bag, e, f"exhibits/{e.file_name}")
                paths["file"] = f"data/exhibits/{e.file_name}"
            else:
                why = "; ".join(e.identifying)
                if annex is not None:
                    _copy_exhibit(registry, annex, e, f"exhibits/{e.file_name}")
                    annexed[e.number] = {"file": f"data/exhibits/{e.file_name}"}
                    d.withhold(f"exhibit {e.number}", f"{why}: it is in the sealed annex")
                else:
                    redacted = any(x.parent == e.number and x.kind == "redaction"
                                   and not x.identifying for x in exhibits)
                    d.withhold(f"exhibit {e.number}", why + (
                        ": its redacted copy is included instead" if redacted else
                        ": no redacted copy exists (khavaran evidence derive ITEM --kind "
                        "redaction --file ...)"))
            extract = _extract(registry, e.item.id, (seq, head_hash), at)
            if d.reveal or not d.leaks(extract.decode("utf-8")):
                bag.add_bytes(f"custody/{e.number}.jsonl", extract)
                paths["custody"] = f"data/custody/{e.number}.jsonl"
            elif annex is not None:
                annex.add_bytes(f"custody/{e.number}.jsonl", extract)
                annexed.setdefault(e.number, {})["custody"] = f"data/custody/{e.number}.jsonl"
                d.withhold(f"custody extract of {e.number}", "its signed entries name a "
                           "protected person and cannot be edited: it is in the sealed annex")
            else:
                d.withhold(f"custody extract of {e.number}", "its signed entries name a "
                           "protected person or sensitive metadata and cannot be edited")
            included[e.number] = paths
        keys = "".join(f"{kid} {pk}\n" for kid, pk in sorted(ledger["public_keys"].items()))
        for b in (bag, annex) if annex is not None else (bag,):
            b.add_bytes("custody/public-key.txt", keys.encode())
            b.add_bytes("custody/verify_ledger.py", _verifier())

        suspect, acts, tviews, sources = views[level]
        doc = d.clean(case_file(case, suspect=suspect, acts=acts, targets=tviews,
                                exhibits=exhibits, included=included, disclosure=d,
                                ledger=ledger, sources=sources))
        withheld = [asdict(w) for w in d.withheld]
        doc["withheld"] = withheld
        say("report", 0, 0)
        started = time.perf_counter()
        page = render_html(doc, withheld)
        extracts = [p["custody"] for p in included.values() if p["custody"]]
        custody = (CUSTODY_STEP.format(path=extracts[0]) if extracts else NO_CUSTODY_STEP)
        readme = README.format(case=case.id, level=level, disclaimer=doc["disclaimer"],
                               seq=seq, head=head_hash, at=at_text, custody=custody)
        texts = {"case.json": _json(doc), "README.txt": readme}
        if not d.reveal:
            for name, text in [*texts.items(), ("report.pdf", page)]:
                if d.leaks(text):  # the views and the filter above should make this impossible
                    raise IntegrityError(f"refusing to write {name}: it would disclose a "
                                         "protected person; nothing was written")
        for name, text in texts.items():
            bag.add_bytes(name, text.encode("utf-8"))
        bag.add_bytes("report.pdf", render_pdf(page))
        pdf_seconds = time.perf_counter() - started

        info = [("Source-Organization", f"Khavaran installation, ledger key {key.key_id}"),
                ("Bagging-Date", at_text[:10]),
                ("External-Identifier", case.id),
                ("Bag-Software-Agent", f"khavaran {version('khavaran')}"),
                ("Khavaran-Disclosure", level),
                ("Khavaran-Ledger-Seq", str(seq)),
                ("Khavaran-Ledger-Head", head_hash),
                ("Khavaran-Fictional", "yes" if case.fictional else "no")]
        annex_tags = ""
        if annex is not None:
            sealed = _json({"format": "khavaran-sealed-annex/1", "case": case.id,
                            "warning": "UNDER SEAL: identities of protected people. Keep "
                                       "apart from the dossier; disclose only by order.",
                            "identities": identities, "exhibits": annexed,
                            "case_file": case_file(case, suspect=views["internal"][0],
                                                   acts=views["internal"][1],
                                                   targets=views["internal"][2],
                                                   exhibits=exhibits, included=included,
                                                   disclosure=internal, ledger=ledger,
                                                   sources=views["internal"][3])})
            annex.add_bytes("sealed.json", sealed.encode("utf-8"))
            # Signed like the dossier, so an edited sealed.json is found even when the
            # annex's manifests were made again.
            annex_tags = annex.finish(
                [*info, ("Khavaran-Sealed", "yes: under seal, identities of protected "
                         "people")],
                lambda written: _statement(written, key, case.id, SEALED, seq, head_hash))[
                "tagmanifest-sha256.txt"]
            info.append(("Khavaran-Sealed-Annex-Tagmanifest-SHA256", annex_tags))
        tags = bag.finish(info, lambda written: _statement(written, key, case.id, level,
                                                          seq, head_hash))
        # The export is committed to the ledger between the journal and the renames:
        # a build killed before the commit leaves a staging area and no entry (the
        # next command removes the area), one killed after it leaves both, and the
        # next command finishes the renames.
        say("publish", 0, 0)
        moves = [(work / "bag", out)]
        if annex is not None:
            moves.append((work / "annex", annex_out))
        area.publish(moves, lambda tag: _record(
            registry, key, case, exhibits, level=level, seq=seq, head=head_hash,
            tags=tags["tagmanifest-sha256.txt"], actor=actor, revealed=revealed, tag=tag))
    return Built(out, annex_out if level == "prosecutor" else None, level, seq, head_hash,
                 sum(1 for p in included.values() if p["file"]), len(bag.payload),
                 sum(w.size for w in bag.payload.values()), withheld,
                 tags["tagmanifest-sha256.txt"], pdf_seconds)


def _require_reviews(conn: Connection, exhibits: list[Exhibit], level: str, seq: int) -> None:
    """Deny by default: an exhibit goes into the main bag only if a person reviewed
    that item, with those bytes, for ``level``, and was shown every flag the screen
    raises now (services/review.py).  The others are withheld, never refused."""
    reviews = reviews_upto(conn, [e.item.id for e in exhibits], level, seq)
    for e in exhibits:
        r = reviews.get(e.item.id)
        if r is None or r.sha256 != e.item.sha256:
            # (Not the id of an item that identifies a protected person: see casefile.)
            item = "ITEM (its id is in the internal dossier)" if e.protected else e.item.id
            e.identifying.append(
                f"nobody has reviewed it for {level} disclosure (khavaran evidence review "
                f"{item} --level {level} --reason ...)")
        elif not seen(e.identifying, r):
            e.identifying.append(f"the screen flags what its review (ledger entry {r.seq}) "
                                 "was not shown: review it again")
        else:
            e.identifying.clear()


def _statement(tags: dict[str, bytes], key: Any, case_id: str, level: str, seq: int,
               head: str) -> dict[str, bytes]:
    """A statement, signed with the ledger key, of the bag's info and payload
    manifests: with it no file of the payload can be changed, added or removed,
    and the manifests re-made, without the signature failing.  Ed25519 signatures
    are deterministic, so the same bag gets the same bytes."""
    body = canonical({
        "format": "khavaran-dossier-statement/1", "key": key.key_id,
        "public_key": key.public_hex, "case": case_id, "disclosure": level,
        "ledger_seq": seq, "ledger_head": head, "tag_files": sorted(tags),
        "sha256": {name: hashlib.sha256(tags[name]).hexdigest() for name in SIGNED_TAGS}})
    return {STATEMENT: body.encode("utf-8"), SIGNATURE: (key.sign(body) + "\n").encode()}


def _json(doc: Any) -> str:
    def default(value: Any) -> str:
        if isinstance(value, dt.datetime):
            return iso(value)
        if isinstance(value, dt.date):
            return value.isoformat()
        raise TypeError(f"cannot write {type(value).__name__} to JSON")

    return json.dumps(doc, ensure_ascii=False, indent=2, sort_keys=True, default=default) + "\n"


def _people(conn: Connection, case: Case, views: dict[str, Any]) -> dict[str, str]:
    """The protected people a case touches (victims, witnesses, people of linked claims),
    with their pseudonyms."""
    ids = {case.suspect_id}
    for acts in views["internal"][1].values():
        ids |= {a.victim_id for a in acts if a.victim_id}
    links = [lk for ch in case.charges for ev in ch.elements for lk in ev.links]
    claims = [lk.target for lk in links if lk.kind == "claim"]
    if claims:
        ids |= set(conn.execute(select(claim_table.c.entity_id).where(
            claim_table.c.id.in_(claims))).scalars())
    sources = {s for lk in links for s in lk.sources}
    if sources:
        ids |= {w for w in conn.execute(select(source.c.witness_id).where(
            source.c.id.in_(sorted(sources)))).scalars() if w}
    return {i: r["pseudonym"] for i, r in queries.entities(conn, ids).items() if r["protected"]}


def _record(registry: Registry, key: Any, case: Case, exhibits: list[Exhibit], *, level: str,
            seq: int, head: str, tags: str, actor: str, revealed: set[str],
            tag: str) -> None:
    now = registry.now()
    with registry.write() as conn:
        ledger = LedgerWriter(conn, key)
        for e in exhibits:
            ledger.append("export", item=e.item.id, actor=actor, at=now, data={
                "case": case.id, "exhibit": e.number, "disclosure": level,
                "dossier_tagmanifest_sha256": tags})
        ledger.append("export", item=None, actor=actor, at=now, data={
            "case": case.id, "disclosure": level, "as_of_seq": seq, "as_of": head,
            "exhibits": len(exhibits), "dossier_tagmanifest_sha256": tags})
        record_export(registry, actor=actor, what=f"dossier of case {case.id} ({level})",
                      target=case.id, revealed=revealed, tag=tag, conn=conn)
