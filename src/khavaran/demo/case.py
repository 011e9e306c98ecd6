"""The demo case: the fictional convicted commission member, charged under the
Rome Statute with fictional exhibits in the vault.  Everything here is invented.

Safe to run again: an existing demo case is left as it is.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

from sqlalchemy import select

from khavaran.demo.build import CONVICTED
from khavaran.legal.frameworks import framework
from khavaran.services import cases, custody, evidence, review
from khavaran.services.registry import Registry
from khavaran.storage.case_tables import legal_case
from khavaran.storage.tables import claim

__all__ = ["CASE_ID", "build_demo_case"]

CASE_ID = "demo-commission"
ACTOR = "khavaran demo"

JUDGMENT = """DEMO DISTRICT COURT (FICTIONAL) - JUDGMENT, SECTION 4
The court finds that the Golzarabad commission decided the death sentences of
prisoners in Mordad and Shahrivar 1367, and that the accused sat on it.
This document is invented for the Khavaran demo.
"""
JUDGMENT_FA = """دادگاه بخش نمایشی (ساختگی) - حکم، بخش ۴
دادگاه احراز می‌کند که هیئت گلزارآباد در مرداد و شهریور ۱۳۶۷ حکم اعدام زندانیان را صادر کرد.
این سند برای نمایش خاوران ساخته شده است.
"""
TESTIMONY = """Testimony 01 (fictional). I was held in Golzarabad Central Prison in 1367.
I saw the three members of the commission call prisoners one by one; the
religious judge said they knew what would follow.
"""
# A redaction leaves out what leads back to the witness, the testimony's title too.
REDACTED = """A witness's testimony (fictional, redacted). I was held in [REDACTED] in 1367.
I saw the three members of the commission call prisoners one by one; the
religious judge said they knew what would follow.
"""


def _claims(conn: object, entity: str, prop: str) -> list[str]:
    return list(conn.execute(select(claim.c.id).where(  # type: ignore[attr-defined]
        claim.c.entity_id == entity, claim.c.property == prop).order_by(claim.c.id)).scalars())


def build_demo_case(registry: Registry) -> bool:
    """Open the demo case if it is not there yet; True if it was opened now."""
    # The vault takes in nothing from inside the data home: the files are written
    # to a temporary folder, as if a documenter brought them.
    with tempfile.TemporaryDirectory(prefix="khavaran-demo-") as tmp:
        return _build(registry, Path(tmp))


def _build(registry: Registry, folder: Path) -> bool:
    with registry.read() as conn:
        if conn.execute(select(legal_case.c.id).where(legal_case.c.id == CASE_ID)).first():
            return False
        acts = list(conn.execute(select(claim.c.entity_id).where(
            claim.c.property == "perpetrator", claim.c.ref_id == CONVICTED)
            .order_by(claim.c.entity_id)).scalars())[:6]
        victims = [c.ref_id for c in conn.execute(select(claim.c.ref_id).where(
            claim.c.entity_id.in_(acts), claim.c.property == "victim")
            .order_by(claim.c.entity_id))]
        deaths = [cid for v in victims for cid in _claims(conn, v, "death_date")]
        postings = [c.entity_id for c in conn.execute(select(claim.c.entity_id).where(
            claim.c.property == "person", claim.c.ref_id == CONVICTED))]
        seat = next(cid for p in sorted(postings) for cid in _claims(conn, p, "person")
                    if p.startswith("po-demo-1"))
        # The role claim that cites the court's judgment (demo-court-1).
        convicted = _claims(conn, CONVICTED, "role")[0]
    files = {}
    for name, text in (("judgment.txt", JUDGMENT), ("judgment-fa.txt", JUDGMENT_FA),
                       ("testimony-01.txt", TESTIMONY), ("testimony-01-redacted.txt", REDACTED)):
        files[name] = folder / name
        files[name].write_text(text, encoding="utf-8")

    def take(name: str, source: str) -> str:
        return evidence.add_evidence(registry, [files[name]], source_id=source, actor=ACTOR,
                                     collected_by="demo documenter")[0].item_id

    judgment = take("judgment.txt", "demo-court-1")
    translation = evidence.derive(registry, judgment, kind="translation", actor=ACTOR,
                                  file=files["judgment-fa.txt"],
                                  tool="demo translator (human)").item_id
    testimony = take("testimony-01.txt", "demo-testimony-01")
    # The demo's documenter works on the protected witness's testimony openly,
    # as a user would with --include-protected: the access log shows it.
    redaction = evidence.derive(registry, testimony, kind="redaction", actor=ACTOR,
                                file=files["testimony-01-redacted.txt"],
                                tool="demo redactor (human)", include_protected=True).item_id
    # Dossiers disclose only reviewed exhibits: the judgment, its translation and the
    # testimony's redaction are safe; the testimony itself stays in the sealed annex.
    for item in (judgment, translation, redaction):
        for level in review.REVIEW_LEVELS:
            review.review_item(registry, item, level=level, actor=ACTOR,
                               reason="demo: read in full, names no protected person",
                               include_protected=item == redaction)
    custody.link_claim(registry, judgment, convicted, locator="section 4", actor=ACTOR)

    fw = framework("rome-statute")
    cases.new_case(registry, CASE_ID, suspect=CONVICTED, framework_id=fw.id,
                   title="The Golzarabad commission, 1367 (demo)", actor=ACTOR)
    number = cases.add_charge(registry, CASE_ID, crime="cah-murder", mode="co-perpetration",
                              acts=acts, actor=ACTOR)
    elements = {e.kind: e.id for e in reversed(fw.crime_elements("cah-murder"))}
    mode = fw.modes["co-perpetration"].elements
    testimony_item = testimony

    def link(element: str, reason: str, *, claim_id: str | None = None,
             item_id: str | None = None, testimony: str | None = None,
             locator: str = "") -> None:
        # The protected witness's testimony is linked openly, as with --include-protected.
        cases.link_evidence(registry, CASE_ID, number, element, stance="supports",
                            reasoning=reason, actor=ACTOR, claim_id=claim_id, item_id=item_id,
                            testimony=testimony, locator=locator,
                            include_protected=item_id == testimony_item)

    for cid in deaths[:3]:
        link(elements["material"], "a listed victim of the commission's sentences, dated",
             claim_id=cid)
    link(elements["material"], "the court found the sentences were carried out",
         item_id=judgment, locator="section 4")
    link(elements["contextual"], "killings across several prisons in one month",
         testimony="demo-testimony-02", locator="para 4")
    link(elements["mental"], "the judge said they knew what would follow",
         item_id=testimony, locator="line 3")
    link(mode[0].id, "a seat on the commission, from a report and a testimony", claim_id=seat)
    link(mode[0].id, "convicted by a court for his part in the killings", claim_id=convicted)
    cases.link_evidence(registry, CASE_ID, number, mode[-1].id, stance="contradicts",
                        reasoning="the accused's party says he was not in the province",
                        testimony="demo-testimony-03", locator="para 2", actor=ACTOR)
    return True
