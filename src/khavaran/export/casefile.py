"""The machine-readable case file (case.json) of a dossier.

Plain JSON, documented in docs/dossiers.md; the PDF report is rendered from the
same structure after the disclosure filter, so the two never disagree.
"""

from __future__ import annotations

import dataclasses
from typing import Any

from khavaran.export.disclosure import Disclosure
from khavaran.export.exhibits import Exhibit
from khavaran.legal.assessment import STATUSES
from khavaran.legal.frameworks import DISCLAIMER, means_of_proof
from khavaran.services.case_views import ActView, SuspectView, TargetView, timing_warnings
from khavaran.services.cases import Case, framework_warnings
from khavaran.vault.ledger import iso

__all__ = ["FORMAT", "case_file"]

FORMAT = "khavaran-dossier/1"


def case_file(case: Case, *, suspect: SuspectView, acts: dict[int, list[ActView]],
              targets: dict[int, TargetView], exhibits: list[Exhibit],
              included: dict[str, dict[str, str | None]], disclosure: Disclosure,
              ledger: dict[str, Any], sources: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """``included``: exhibit number -> paths of its file and custody extract in the bag
    (None where withheld)."""
    fw = case.framework
    proofs = means_of_proof()
    number_of = {e.item.id: e.number for e in exhibits}
    warnings = timing_warnings(case, acts)
    charges = []
    for ch in case.charges:
        crime, mode = fw.crimes[ch.crime], fw.modes[ch.mode]
        elements = []
        for ev in ch.elements:
            e = ev.element
            elements.append({
                "id": e.id, "part": ev.part, "kind": e.kind, "text": e.text.en,
                "text_fa": e.text.fa, "ref": e.ref, "status": ev.status,
                "status_label": STATUSES[ev.status], "independent_sources": ev.independent,
                "means_of_proof": [proofs[p].en for p in e.proof],
                "links": [{
                    "id": lk.id, "stance": lk.stance, "kind": lk.kind,
                    "evidence": targets[lk.id].label, "locator": lk.locator,
                    "reasoning": lk.reasoning, "linked_by": lk.created_by,
                    "linked_at": iso(lk.created_at), "ledger_seq": lk.seq,
                    "sources": [disclosure.source_id(s) for s in lk.sources],
                    "exhibits": [number_of[i] for i in targets[lk.id].item_ids
                                 if i in number_of],
                } for lk in ev.links],
            })
        charges.append({
            "number": ch.number, "crime": ch.crime, "crime_label": crime.label.en,
            "crime_label_fa": crime.label.fa, "crime_article": crime.article,
            "mode": ch.mode, "mode_label": mode.label.en, "mode_article": mode.article,
            "notes": [fw.jurisdiction_notes[n].en for n in [*crime.notes, *mode.notes]],
            "warnings": warnings.get(ch.number, []),
            "counts": [dataclasses.asdict(a) | {
                "victim_id": a.victim_id if disclosure.reveal or not a.victim_protected
                else None} for a in acts[ch.number]],
            "charged_by": ch.created_by, "charged_at": iso(ch.created_at),
            "ledger_seq": ch.seq, "elements": elements,
        })
    gaps = [{"charge": ch.number, "element": ev.element.id, "kind": ev.element.kind,
             "text": ev.element.text.en, "status": ev.status,
             "means_of_proof": [proofs[p].en for p in ev.element.proof]}
            for ch in case.charges for ev in ch.elements if ev.status != "corroborated"]
    return {
        "format": FORMAT,
        "disclaimer": DISCLAIMER,
        "fictional": case.fictional,
        "case": {"id": case.id, "title": case.title, "opened_by": case.created_by,
                 "opened_at": iso(case.created_at), "ledger_seq": case.seq},
        "framework": {"id": fw.id, "title": fw.title.en, "jurisdiction": fw.jurisdiction.en,
                      "applies_from": fw.applies_from.isoformat(),
                      "reviewed_by": fw.reviewed.by, "reviewed_on": fw.reviewed.on.isoformat(),
                      "sha256": fw.sha256, "sha256_when_opened": case.framework_sha256,
                      "notes": {k: n.en for k, n in fw.jurisdiction_notes.items()}},
        "disclosure": disclosure.level,
        "ledger": ledger,
        "suspect": dataclasses.asdict(suspect),
        "charges": charges,
        "gaps": gaps,
        "withdrawn_links": [{"id": lk.id, "charge": lk.number, "element": lk.element,
                             "stance": lk.stance, "reason": lk.withdrawn,
                             "linked_by": lk.created_by} for lk in case.withdrawn],
        # Links to elements the framework no longer has: on record, counted nowhere.
        "orphaned_links": [{"id": lk.id, "charge": lk.number, "element": lk.element,
                            "stance": lk.stance, "reasoning": lk.reasoning,
                            "linked_by": lk.created_by} for lk in case.orphaned],
        "framework_warnings": framework_warnings(case),
        "sources": sources,
        "exhibits": [_exhibit(e, included.get(e.number), disclosure) for e in exhibits],
    }


def _exhibit(e: Exhibit, paths: dict[str, str | None] | None, d: Disclosure) -> dict[str, Any]:
    paths = paths or {"file": None, "custody": None}
    out: dict[str, Any] = {
        "number": e.number, "item": e.item.id, "kind": e.kind, "of": e.parent,
        "media_type": e.item.media_type, "size": e.item.size, "sha256": e.item.sha256,
        "sha512": e.item.sha512, "source": d.source_id(e.item.source_id),
        "file": paths["file"], "custody_extract": paths["custody"], "custody": e.custody,
        "purged": e.purged,
    }
    if e.protected and not d.reveal and not paths["file"]:
        # Withheld because it would identify a protected person: not its id, hashes
        # or size either, which would let whoever holds the file recognise it.
        out.update(item=None, size=None, sha256=None, sha512=None)
    # Original file names often name people: kept at `prosecutor` only for exhibits
    # that go into the dossier itself (the sealed annex has the others').
    if d.reveal or (d.level == "prosecutor" and not e.identifying):
        out["original_names"] = e.original_names
    # Deny by default: what an exhibit's file says of itself (authors, titles) is
    # disclosed only with the file, which a person has reviewed.
    out["metadata"] = {name: value for name, value, sensitive in e.metadata
                       if d.reveal or (paths["file"] and not sensitive)}
    return out
