"""Plain-text rendering of services' results for the terminal."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from typing import TYPE_CHECKING, Any

import typer

from khavaran.cli.lazy import lazy_module

if TYPE_CHECKING:
    from khavaran.model import loader
    from khavaran.services.profiles import Fact, Profile
else:
    loader = lazy_module("khavaran.model.loader")

__all__ = ["echo_json", "render_profile"]

FICTIONAL = "FICTIONAL (demo data, not real people)"
SCRIPTS = {"fa": "Persian script", "latin": "Latin script", "mixed": "mixed scripts"}


def echo_json(value: Any) -> None:
    def default(o: Any) -> Any:
        if isinstance(o, dt.date | dt.datetime):
            return o.isoformat()
        raise TypeError(type(o))

    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        value = dataclasses.asdict(value)
    typer.echo(json.dumps(value, ensure_ascii=False, indent=2, default=default))


def _label(schema: str, prop: str) -> str:
    p = loader.load_model().schemas[schema].properties.get(prop)
    return (p.label if p and p.label else prop).replace("_", " ")


def _compact_line(schema: str, fact: Fact, indent: str) -> list[str]:
    qual = ", ".join(x for x in (fact.qualifier, SCRIPTS.get(fact.script or "")) if x)
    qual = f" ({qual})" if qual else ""
    cites = "; ".join(f"{c.source_id}{' ' + c.locator if c.locator else ''}"
                      for c in fact.citations)
    tag = "ALLEGATION, " if fact.allegation else ""
    lines = [f"{indent}{_label(schema, fact.property)}{qual}: {fact.shown}  "
             f"[{tag}{fact.assessment}; sources: {cites}]"]
    for st in fact.statuses:
        lines.append(f"{indent}    status: {st.label}, {st.date or 'undated'} "
                     f"(asserted by {st.asserted_by})")
    return lines


def _fact_lines(schema: str, fact: Fact, indent: str) -> list[str]:
    qual = ", ".join(x for x in (fact.qualifier, SCRIPTS.get(fact.script or "")) if x)
    qual = f" ({qual})" if qual else ""
    flags = [f"credibility {fact.credibility}", fact.assessment]
    if fact.allegation:
        flags.insert(0, "ALLEGATION")
    if fact.preferred:
        when = fact.preferred_at.date().isoformat() if fact.preferred_at else ""
        flags.append(f"preferred by {fact.preferred_by} {when}".rstrip())
    flags.append(f"claim {fact.claim_id}")
    lines = [f"{indent}{_label(schema, fact.property)}{qual}: {fact.shown}   [{' · '.join(flags)}]"]
    prop = loader.load_model().schemas[schema].properties.get(fact.property)
    if prop is not None and prop.type == "date" and fact.value.strip() not in fact.shown:
        # Two claims of one date in different words print alike: the wording tells them apart.
        lines.append(f"{indent}    as written: {fact.value}")
    for st in fact.statuses:
        src = f", source {st.source_id}" if st.source_id else ""
        lines.append(f"{indent}    status: {st.label}, {st.date or 'undated'} "
                     f"(asserted by {st.asserted_by}{src})")
    for c in fact.citations:
        where = f", {c.locator}" if c.locator else ""
        party = ", interested party" if c.interested_party else ""
        lines.append(f"{indent}    source: {c.title} [{c.source_id}{where}] "
                     f"({c.publisher_type or 'publisher type unknown'}, reliability "
                     f"{c.reliability}{party})")
    return lines


def render_profile(p: Profile, indent: str = "", *, compact: bool = False,
                   max_related: int | None = None) -> list[str]:
    """Text lines for a profile; ``compact`` gives one line per fact (used for
    related records); ``max_related`` shortens long lists of related records."""
    schema_label = loader.load_model().schemas[p.schema].label_en
    head = f"{indent}{schema_label.capitalize()} {p.id}: {p.title}"
    lines = [head]
    if compact:
        for facts in p.facts.values():
            for fact in facts:
                lines.extend(_compact_line(p.schema, fact, indent + "  "))
        return lines
    if p.fictional:
        lines.append(f"{indent}  {FICTIONAL}")
    if p.protected and not p.revealed:
        lines.append(f"{indent}  PROTECTED: shown under a pseudonym; {p.withheld} identifying "
                     "fact(s) withheld (use --include-protected; access is recorded)")
    elif p.revealed:
        lines.append(f"{indent}  PROTECTED, identity revealed: this access is recorded")
    if p.members:
        lines.append(f"{indent}  MERGED by linkage judgements from {len(p.members)} list "
                     f"records ({', '.join(p.members)}); khavaran dedupe log shows who and why")
    for warning in p.warnings:
        lines.append(f"{indent}  WARNING: {warning}")
    for prop in p.conflicts:
        lines.append(f"{indent}  CONFLICT: the sources disagree on {_label(p.schema, prop)}; "
                     "all values are kept below")
    for facts in p.facts.values():
        for fact in facts:
            lines.extend(_fact_lines(p.schema, fact, indent + "  "))
    for r in p.records:
        lines.append(f"{indent}  record {r['record_id']} of {r['source']}: "
                     + json.dumps(r["raw"], ensure_ascii=False, sort_keys=True))
    for c in p.consents:
        state = "WITHDRAWN" if c["withdrawn"] else "in force"
        withdrawn = f", withdrawn {c['withdrawn_shown']}" if c["withdrawn_shown"] else ""
        lines.append(f"{indent}  consent: {c['scope']} for {c['purpose']}, given "
                     f"{c['given_shown'] or 'undated'}{withdrawn} ({state})")
    related = p.related if max_related is None else p.related[:max_related]
    for prop, other in related:
        lines.append(f"{indent}  -- as {prop} in:")
        lines.extend(render_profile(other, indent + "    ", compact=True))
    if len(related) < len(p.related):
        lines.append(f"{indent}  ... and {len(p.related) - len(related)} more related records "
                     f"(khavaran {p.schema.lower()} show {p.id})")
    return lines
