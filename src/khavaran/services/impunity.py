"""Per person: what is alleged, how strong the case is, what was done, and what
has not been done where it could be (rules in legal/impunity_rules.yaml).

A gap is a reading of what the registry holds, not a finding: an action that
was taken but never recorded here makes a false gap, and the report says so.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from typing import Any

from sqlalchemy import Connection, select

from khavaran.errors import NotFoundError, ValidationError
from khavaran.legal.frameworks import framework
from khavaran.model import safe_yaml
from khavaran.model.loader import load_model
from khavaran.model.types.fuzzy_date import parse_date
from khavaran.services import cases as cases_service
from khavaran.services.actions import ActionView, Cite, actions_in, label_of
from khavaran.services.careers import Career, career_of
from khavaran.services.profiles import Fact, Profile, profile_in
from khavaran.storage.case_tables import legal_case
from khavaran.storage.tables import claim, entity

__all__ = ["CaseStrength", "Gap", "ImpunityReport", "alleged", "alleged_perpetrators",
           "gaps_for", "impunity_report", "rules"]

KINDS = {"peer_designation", "presence_without_case", "call_without_follow_up"}


@cache
def rules() -> dict[str, dict[str, Any]]:
    """The rules, checked at load: each needs a known kind and both texts."""
    file = "legal/impunity_rules.yaml"
    data = safe_yaml.load(resources.files("khavaran.legal").joinpath(
        "impunity_rules.yaml").read_text("utf-8"))
    for rid, rule in data.items():
        if not isinstance(rule, dict) or rule.get("kind") not in KINDS:
            raise ValidationError(f"unknown kind (one of {sorted(KINDS)})", file=file,
                                  field=f"{rid}.kind")
        for key in ("en", "fa"):
            if not rule.get(key):
                raise ValidationError("each rule needs an 'en' and a 'fa' text", file=file,
                                      field=f"{rid}.{key}")
    return dict(data)


@dataclass
class Gap:
    rule: str
    en: str
    fa: str
    based_on: list[str] = field(default_factory=list)  # action ids and claim ids read
    sources: list[Cite] = field(default_factory=list)  # the sources of what was read


@dataclass
class CaseStrength:
    case_id: str
    title: str
    elements: list[tuple[int, str, str, int]]  # (charge, element, status, independent)
    texts: dict[str, tuple[str, str]] = field(default_factory=dict)  # element: (en, fa)


@dataclass
class ImpunityReport:
    person_id: str
    name: str
    fictional: bool
    allegations: list[Fact]
    cases: list[CaseStrength]
    career: Career
    actions: list[ActionView]
    gaps: list[Gap]


def alleged_perpetrators(conn: Connection) -> list[str]:
    """Ids of people with an alleged-perpetrator role (protected people left out)."""
    q = (select(claim.c.entity_id).join(entity, entity.c.id == claim.c.entity_id)
         .where(claim.c.property == "role", claim.c.value == "alleged_perpetrator",
                entity.c.protected.is_(False)).distinct().order_by(claim.c.entity_id))
    return list(conn.execute(q).scalars())


_PERSIAN_DIGITS = str.maketrans({str(i): chr(0x06F0 + i) for i in range(10)})


def _fill(rule: dict[str, Any], lang: str, values: dict[str, str]) -> str:
    return str(rule[lang]).format(**values)


def _count(n: int, lang: str) -> str:
    return str(n).translate(_PERSIAN_DIGITS) if lang == "fa" else str(n)


def _date(text: str, lang: str) -> str:
    """A date as entered, for a Persian text in the Solar Hijri calendar and
    Persian digits (a Persian reader should not have to convert 2019-05-20)."""
    if lang != "fa" or not text:
        return text
    try:
        return parse_date(text).persian_text()
    except (ValidationError, ValueError):
        return text


def _lbl(vocab: str, code: str | None, lang: str) -> str:
    return label_of(vocab, code, lang) if code else "?"


def _peer_designation(rid: str, rule: dict[str, Any], person: str, every: list[ActionView],
                      perpetrators: set[str], **_: Any) -> list[Gap]:
    out = []
    by_jur: dict[str, dict[str, set[str]]] = {}
    for a in every:
        if a.jurisdiction is None:
            continue
        regimes = by_jur.setdefault(a.jurisdiction, {})
        for t, _n in a.targets:
            if a.action_type in rule["designations"]:
                regimes.setdefault(a.regime or "a sanctions regime", set()).add(t)
            elif a.action_type in rule.get("lifted_by", []):
                for names in regimes.values():
                    names.discard(t)
    for jur, regimes in sorted(by_jur.items()):
        listed = set().union(*regimes.values()) if regimes else set()
        if person in listed:
            continue
        for regime, names in sorted(regimes.items()):
            others = (names & perpetrators) - {person}
            if others:
                texts = {lang: _fill(rule, lang, {
                    "jurisdiction": _lbl("jurisdiction", jur, lang),
                    "count": _count(len(others), lang),
                    "regime": regime}) for lang in ("en", "fa")}
                out.append(Gap(rid, texts["en"], texts["fa"],
                               [a.id for a in every if a.jurisdiction == jur
                                and a.action_type in rule["designations"]]))
    return out


def _presence_without_case(rid: str, rule: dict[str, Any], career: Career,
                           mine: list[ActionView], **_: Any) -> list[Gap]:
    out = []
    model = load_model()
    where: dict[str, list[Fact]] = {}
    for prop in rule["presence"]:
        for f in career.standing.get(prop, []):
            where.setdefault(f.value, []).append(f)
    for jur, facts in sorted(where.items()):
        entry = model.vocabs["jurisdiction"].get(jur)
        fw_id = entry.attr("universal_jurisdiction") if entry else None
        if not fw_id:
            continue
        if any(a.jurisdiction == jur and a.action_type in rule["answers"] for a in mine):
            continue
        fw = framework(fw_id)
        how = {lang: ", ".join(sorted({_lbl("person_presence", f.property, lang)
                                       for f in facts})) for lang in ("en", "fa")}
        texts = {lang: _fill(rule, lang, {
            "jurisdiction": _lbl("jurisdiction", jur, lang),
            "framework": getattr(fw.title, lang, None) or fw.title.en, "how": how[lang]})
            for lang in ("en", "fa")}
        out.append(Gap(rid, texts["en"], texts["fa"], [f.claim_id for f in facts]))
    return out


def _call_without_follow_up(rid: str, rule: dict[str, Any], every: list[ActionView],
                            mine: list[ActionView], **_: Any) -> list[Gap]:
    out = []
    for call in mine:
        if call.action_type not in rule["calls"] or not call.addressee:
            continue
        answered = any(a.follows == call.id or (
            a.actor == call.addressee and a.start and call.start and a.start >= call.start
            and a.id != call.id and (set(a.subjects) & set(call.subjects)
                                     or {t for t, _ in a.targets} & {t for t, _ in call.targets}))
            for a in every)
        if answered:
            continue
        texts = {lang: _fill(rule, lang, {
            "actor": _lbl("actor", call.actor, lang),
            "addressee": _lbl("actor", call.addressee, lang),
            "date": _date(call.date, lang),
            "label": call.label(lang)}) for lang in ("en", "fa")}
        out.append(Gap(rid, texts["en"], texts["fa"], [call.id]))
    return out


CHECKS: dict[str, Callable[..., list[Gap]]] = {"peer_designation": _peer_designation,
          "presence_without_case": _presence_without_case,
          "call_without_follow_up": _call_without_follow_up}


def gaps_for(person: str, career: Career, every: list[ActionView],
             perpetrators: set[str]) -> list[Gap]:
    """The gaps of one person, by every rule in order."""
    mine = [a for a in every if person in {t for t, _ in a.targets}
            or "killings_1988" in a.subjects]
    out: list[Gap] = []
    for rid, rule in rules().items():
        out.extend(CHECKS[rule["kind"]](rid, rule, person=person, career=career, every=every,
                                        mine=mine, perpetrators=perpetrators))
    # A gap is read from actions and facts: its sources are theirs.
    cites: dict[str, list[Cite]] = {a.id: a.sources for a in every}
    for facts in career.standing.values():
        for f in facts:
            cites[f.claim_id] = [Cite(c.source_id, c.title, c.locator) for c in f.citations]
    for gap in out:
        gap.sources = list(dict.fromkeys(c for ref in gap.based_on for c in cites.get(ref, [])))
    return out


def alleged(profile: Profile) -> bool:
    """Whether a person's profile, as its reader sees it, holds an alleged-perpetrator
    role: the person has an impunity report (a protected person never does)."""
    return not profile.protected and any(
        f.value == "alleged_perpetrator" for f in profile.facts.get("role", []))


def _case_strength(conn: Connection, person: str) -> list[CaseStrength]:
    out = []
    for case_id in conn.execute(select(legal_case.c.id).where(
            legal_case.c.suspect_id == person).order_by(legal_case.c.id)).scalars():
        case = cases_service.load_case(conn, case_id)
        out.append(CaseStrength(case.id, case.title, [
            (ch.number, ev.element.id, ev.status, ev.independent)
            for ch in case.charges for ev in ch.elements], {
            ev.element.id: (ev.element.text.en, ev.element.text.fa or ev.element.text.en)
            for ch in case.charges for ev in ch.elements}))
    return out


def impunity_report(conn: Connection, person: str) -> ImpunityReport:
    """The impunity report of one alleged perpetrator (protected people: not found)."""
    perpetrators = alleged_perpetrators(conn)
    row = conn.execute(select(entity).where(entity.c.id == person)).mappings().first()
    if row is None or row["protected"] or row["schema"] != "Person":
        raise NotFoundError(f"no person with id '{person}'")
    profile = profile_in(conn, person)
    career = career_of(profile)
    every = actions_in(conn)
    mine = [a for a in every if person in {t for t, _ in a.targets}]
    allegations = [f for facts in profile.facts.values() for f in facts if f.allegation]
    allegations += [f for _p, rel in profile.related for facts in rel.facts.values()
                    for f in facts if f.allegation and f.value == person
                    and rel.schema == "Posting"]
    return ImpunityReport(person, profile.title, profile.fictional, allegations,
                          _case_strength(conn, person), career, mine,
                          gaps_for(person, career, every, set(perpetrators)))
