"""A small fictional case, built through the services as a user would build it.

Suspect "Bahram Fictional-Kazemi" sat on a fictional death commission and is a
serving official; two victims (one protected); a protected witness whose two
testimonies are one witness; a news article based on an NGO report (not
independent of it); a party's statement that contradicts.  Evidence files: a
court judgment with a Persian translation, the protected witness's testimony
with a redacted copy, and a photo of a grave site carrying GPS.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import select

from files import photo_with_gps
from khavaran.legal.frameworks import framework
from khavaran.services import cases, custody, evidence
from khavaran.services.importing import import_files
from khavaran.services.registry import Registry
from khavaran.services.review import REVIEW_LEVELS, review_item
from khavaran.storage.tables import claim

# What must never appear in a prosecutor's or public bag.
PROTECTED_NAMES = ["Shirin Fictional-Namdar", "شیرین نامدار", "Kourosh Fictional-Rahimi",
                   "12 Fictional Lane"]
PSEUDONYM_KEYS = ["p-fx-witness-a", "p-fx-victim-1", "s-fx-testimony-a1"]
# The photo's position, in any number of decimals, but not as the tail of a longer
# number (a bag's Payload-Oxum, "<bytes>.<files>", once gave "...35.61" by chance).
COORDINATES = [re.compile(rb"(?<![0-9])35\.61"), re.compile(rb"(?<![0-9])51\.54")]
# The exhibits a documenter has reviewed for disclosure at every level.
REVIEWED = ("judgment", "translation", "redaction")

SOURCES = [
    dict(id="s-fx-court", kind="court_record", title="Fictional court judgment",
         publisher_type="court", reliability="A", date="2021-10-11"),
    dict(id="s-fx-report", kind="report", title="Fictional NGO report", publisher_type="ngo",
         reliability="B", date="2012-12-01"),
    dict(id="s-fx-news", kind="news_article", title="Fictional news story",
         publisher_type="media", reliability="C", date="2013-01-05",
         based_on=["s-fx-report"]),
    dict(id="s-fx-testimony-a1", kind="testimony",
         title="Testimony of Shirin Fictional-Namdar, part 1", reliability="B",
         witness="p-fx-witness-a", date="2019"),
    dict(id="s-fx-testimony-a2", kind="testimony",
         title="Testimony of Shirin Fictional-Namdar, part 2", reliability="B",
         witness="p-fx-witness-a", date="2020"),
    dict(id="s-fx-testimony-b", kind="testimony", title="Testimony of Parvin Fictional-Azadi",
         reliability="B", witness="p-fx-witness-b", date="2019"),
    dict(id="s-fx-party", kind="official_statement", title="Fictional government denial",
         publisher_type="government", reliability="D", interested_party=True, date="1989"),
]


def _lines() -> list[dict[str, object]]:
    out: list[dict[str, object]] = []

    def entity(eid: str, schema: str, **kw: object) -> None:
        out.append({"type": "entity", "id": eid, "schema": schema, "fictional": True, **kw})

    def fact(eid: str, prop: str, value: str, *srcs: str, **kw: object) -> None:
        out.append({"type": "claim", "entity": eid, "property": prop, "value": value,
                    "citations": [{"source": s, "locator": "p. 1"} for s in srcs],
                    "credibility": 2, **kw})

    for s in SOURCES:
        out.append({"type": "source", "fictional": True, **s})
    # The witnesses come before the testimonies that name them: sources are read first.
    entity("p-fx-suspect", "Person")
    fact("p-fx-suspect", "name", "Bahram Fictional-Kazemi", "s-fx-report", qualifier="full")
    fact("p-fx-suspect", "name", "بهرام کاظمی‌نیا", "s-fx-report", qualifier="full")
    fact("p-fx-suspect", "alive_as_of", "2025-03-01", "s-fx-news")
    fact("p-fx-suspect", "immunity", "claims functional immunity as a serving official",
         "s-fx-news")
    fact("p-fx-suspect", "travel", "attended a conference in Fictionalia, 2024", "s-fx-news")
    entity("u-fx-commission", "Unit")
    fact("u-fx-commission", "kind", "death_commission", "s-fx-report")
    fact("u-fx-commission", "name", "Golzarabad death commission (fictional)", "s-fx-report")
    entity("u-fx-court", "Unit")
    fact("u-fx-court", "kind", "court", "s-fx-news")
    fact("u-fx-court", "name", "Fictional Supreme Court", "s-fx-news")
    entity("post-fx-1", "Posting")
    status = [{"status": "reported_by_ngo", "asserted_by": "Fictional NGO", "date": "2012",
               "source": "s-fx-report"}]
    fact("post-fx-1", "person", "p-fx-suspect", "s-fx-report", statuses=status)
    fact("post-fx-1", "unit", "u-fx-commission", "s-fx-report")
    fact("post-fx-1", "title", "religious judge", "s-fx-report")
    entity("post-fx-2", "Posting")
    fact("post-fx-2", "person", "p-fx-suspect", "s-fx-news")
    fact("post-fx-2", "unit", "u-fx-court", "s-fx-news")
    fact("post-fx-2", "title", "chief justice", "s-fx-news")
    fact("post-fx-2", "start_date", "2019", "s-fx-news")
    entity("p-fx-victim-1", "Person", protected=True, pseudonym="Victim V-1")
    fact("p-fx-victim-1", "name", "Kourosh Fictional-Rahimi", "s-fx-report", qualifier="full")
    fact("p-fx-victim-1", "death_date", "1367/05/10", "s-fx-report", "s-fx-court",
         calendar="jalali")
    entity("p-fx-victim-2", "Person")
    fact("p-fx-victim-2", "name", "Dariush Fictional-Sadeghi", "s-fx-report", qualifier="full")
    fact("p-fx-victim-2", "death_date", "1367/05/12", "s-fx-report", "s-fx-news",
         calendar="jalali")
    entity("p-fx-witness-a", "Person", protected=True, pseudonym="Witness Alpha")
    fact("p-fx-witness-a", "name", "Shirin Fictional-Namdar", "s-fx-testimony-a1",
         qualifier="full")
    fact("p-fx-witness-a", "name", "شیرین نامدار", "s-fx-testimony-a1", qualifier="full")
    fact("p-fx-witness-a", "residence", "12 Fictional Lane, Golzarabad", "s-fx-testimony-a1")
    out.append({"type": "consent", "person": "p-fx-witness-a", "given": "1401/03/15",
                "scope": "testimony may be quoted", "purpose": "prosecution"})
    entity("p-fx-witness-b", "Person")
    fact("p-fx-witness-b", "name", "Parvin Fictional-Azadi", "s-fx-testimony-b",
         qualifier="full")
    for n, victim in ((1, "p-fx-victim-1"), (2, "p-fx-victim-2")):
        entity(f"act-fx-{n}", "Act")
        fact(f"act-fx-{n}", "act_type", "killing", "s-fx-report")
        fact(f"act-fx-{n}", "victim", victim, "s-fx-report")
    return out


@dataclass
class Scenario:
    case_id: str = "fx-case"
    items: dict[str, str] = field(default_factory=dict)
    elements: dict[str, str] = field(default_factory=dict)


def build(registry: Registry, tmp: Path, *, framework_id: str = "rome-statute") -> Scenario:
    """The registry's records, vault files and the case; returns their ids."""
    sc = Scenario()
    tmp.mkdir(parents=True, exist_ok=True)
    data = tmp / "case.jsonl"
    data.write_text("".join(json.dumps(x, ensure_ascii=False) + "\n" for x in _lines()),
                    encoding="utf-8")
    import_files(registry, [(data, None)], actor="tester")

    def add(name: str, content: bytes | None, source: str) -> str:
        path = tmp / name
        if content is not None:
            path.write_bytes(content)
        return evidence.add_evidence(registry, [path], source_id=source, actor="tester")[0].item_id

    sc.items["judgment"] = add("judgment.txt", b"Judgment: the commission ordered the "
                               b"executions of 1988 (fictional).\n", "s-fx-court")
    translation = tmp / "judgment-fa.txt"
    translation.write_text("حکم: هیئت دستور اعدام‌ها را داد (ساختگی).\n", encoding="utf-8")
    sc.items["translation"] = evidence.derive(
        registry, sc.items["judgment"], kind="translation", actor="tester", file=translation,
        tool="human translator").item_id
    sc.items["testimony"] = add("testimony-shirin.txt", b"I, Shirin Fictional-Namdar of 12 "
                                b"Fictional Lane, saw the commission (fictional).\n",
                                "s-fx-testimony-a1")
    redacted = tmp / "testimony-redacted.txt"
    redacted.write_text("I, [REDACTED], saw the commission (fictional).\n", encoding="utf-8")
    sc.items["redaction"] = evidence.derive(
        registry, sc.items["testimony"], kind="redaction", actor="tester", file=redacted,
        tool="manual redaction", include_protected=True).item_id
    photo_with_gps(tmp / "grave-site-photo.jpg")
    sc.items["photo"] = add("grave-site-photo.jpg", None, "s-fx-report")

    with registry.read() as conn:
        death = conn.execute(select(claim.c.id).where(
            claim.c.entity_id == "p-fx-victim-1", claim.c.property == "death_date")).scalar()
        death2 = conn.execute(select(claim.c.id).where(
            claim.c.entity_id == "p-fx-victim-2", claim.c.property == "death_date")).scalar()
    assert death and death2
    custody.link_claim(registry, sc.items["photo"], death2, locator="whole image",
                       actor="tester")

    fw = framework(framework_id)
    crime = "cah-murder" if framework_id == "rome-statute" else next(iter(fw.crimes))
    mode = next(iter(fw.modes))
    elements = fw.crime_elements(crime)
    material = next(e.id for e in elements if e.kind == "material")
    context = next(e.id for e in elements if e.kind == "contextual")
    mental = next(e.id for e in elements if e.kind == "mental")
    sc.elements = {"material": material, "contextual": context, "mental": mental}
    cases.new_case(registry, sc.case_id, suspect="p-fx-suspect", framework_id=framework_id,
                   title="The fictional Golzarabad commission", actor="tester")
    cases.add_charge(registry, sc.case_id, crime=crime, mode=mode,
                     acts=["act-fx-1", "act-fx-2"], actor="tester")

    def link(element: str, **kw: object) -> int:
        return cases.link_evidence(registry, sc.case_id, 1, element, actor="tester",
                                   stance=str(kw.pop("stance", "supports")),
                                   reasoning=str(kw.pop("reasoning", "bears on it")),
                                   **kw)  # type: ignore[arg-type]

    # Material element: two independent sources (report + court) -> corroborated.
    link(material, claim_id=death, reasoning="the death of the victim, from two sources")
    link(material, item_id=sc.items["judgment"], locator="line 1",
         reasoning="the court found the executions")
    # Contextual element: the report and the news story based on it -> one source only.
    link(context, claim_id=death2, reasoning="the pattern of killings")
    link(context, item_id=sc.items["photo"], locator="whole image",
         reasoning="the mass grave, photographed")
    # Mental element: two testimonies of one witness -> single source; then contested.
    link(mental, testimony="s-fx-testimony-a1", locator="para 3",
         reasoning="Shirin Fictional-Namdar heard the judge say he knew")
    link(mental, testimony="s-fx-testimony-a2", locator="para 1", reasoning="same witness")
    link(mental, item_id=sc.items["testimony"], locator="line 1",
         reasoning="the witness's own words", include_protected=True)
    # A documenter read the files that name nobody and cleared them for disclosure.
    for name in REVIEWED:
        for level in REVIEW_LEVELS:
            review_item(registry, sc.items[name], level=level, actor="tester",
                        reason="read in full: names no protected person",
                        include_protected=True)
    return sc
