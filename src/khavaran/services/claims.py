"""Check claims: every fact cited, every allegation with status and asserter."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from khavaran.errors import DanglingReferenceError, UncitedClaimError, ValidationError
from khavaran.model import ids
from khavaran.model.records import ClaimIn
from khavaran.model.values import clean_value
from khavaran.services.rows import date_cols, mixed, parse_time, stamp
from khavaran.storage import repo

if TYPE_CHECKING:
    from khavaran.services.ingest import _Ingest

__all__ = ["ClaimChecker", "PreparedClaim"]




@dataclass
class PreparedClaim:
    id: str
    row: dict[str, Any]
    citations: list[dict[str, Any]]
    statuses: list[dict[str, Any]]
    keys: tuple[str, ...]
    source: ClaimIn
    implicating_unit: bool = False


class ClaimChecker:
    """Turns ClaimIn into rows, seeing the batch and the registry through ``run``."""

    def __init__(self, run: _Ingest) -> None:
        self.run = run
        self.model = run.model
        self.assessments = set(run.model.vocabs["assessment"])
        self.new_stamp = {"created_at": run.now, "created_by": run.actor}

    def check(self, c: ClaimIn) -> PreparedClaim:
        try:
            return self._check(c)
        except ValidationError as exc:
            raise exc.located(file=c.where.file, line=c.where.line) from None

    def _check(self, c: ClaimIn) -> PreparedClaim:
        run, model, w = self.run, self.model, c.where
        schema_name, fictional = run.entity(c.entity, w, "entity")
        schema = model.schemas[schema_name]
        prop = schema.properties.get(c.property)
        if prop is None:
            raise ValidationError(
                f"a {schema_name} has no property '{c.property}' "
                f"(one of {', '.join(schema.properties)})", field="property")
        if (prop.identifying or c.record is not None) and run.was_protected(c.entity):
            # Saying whether such a fact is already there would confirm a guess
            # at a protected person's identity.
            run.gate_protected(c.entity, c.property)
        clean = clean_value(model, prop, c.value, qualifier=c.qualifier, calendar=c.calendar,
                            field=c.property)
        if clean.warnings:
            at = f"{w.file}, line {w.line}: " if w.file else ""
            run.report.warnings.extend(f"{at}{c.entity}: {text}" for text in clean.warnings)
        if clean.ref_id is not None:
            run.gate_reference(clean.ref_id, w, c.property)
            target, target_fictional = run.entity(clean.ref_id, w, c.property, reference=True)
            if target != prop.range:
                raise DanglingReferenceError(
                    f"'{clean.ref_id}' is a {target}, but {c.property} must be a {prop.range}",
                    field=c.property)
            if target_fictional != fictional:
                raise ValidationError(
                    "a fictional record cannot refer to a real one, nor the reverse",
                    field=c.property)
        if not c.citations:
            raise UncitedClaimError(
                f"the claim '{c.property} = {c.value}' has no citation: every fact needs a "
                "source", field="source")
        if c.record is not None and c.record not in run.record_ids:
            raise DanglingReferenceError(f"no source record '{c.record}'", field="record")
        if not isinstance(c.credibility, int) or not 1 <= c.credibility <= 6:
            raise ValidationError(f"credibility '{c.credibility}' is not 1–6 (Admiralty scale)",
                                  field="credibility")
        if c.assessment not in self.assessments:
            model.check_code("assessment", c.assessment, "assessment")
        cid = ids.claim_id(c.entity, c.property, c.qualifier, clean.value, c.record)
        citations = []
        for ci in c.citations:
            if not ci.source:
                raise UncitedClaimError("a citation without a source", field="source")
            if run.source_is_fictional(ci.source, w, "source") != fictional:
                raise ValidationError(mixed(f"source '{ci.source}'", not fictional,
                                            f"'{c.entity}'"), field="source")
            locator = (ci.locator or "").strip()
            citations.append({
                "id": ids.citation_id(cid, ci.source, locator), "claim_id": cid,
                "source_id": ci.source, "locator": locator, "quote": ci.quote,
                **self._stamp(ci.created_at, ci.created_by, w)})
        statuses = []
        for st in c.statuses:
            model.check_code("procedural_status", st.status, "status")
            if not (st.asserted_by or "").strip():
                raise ValidationError("a status needs who asserted it", field="asserted_by")
            if st.source and run.source_is_fictional(st.source, w, "status source") != fictional:
                raise ValidationError(mixed(f"status source '{st.source}'", not fictional,
                                            f"'{c.entity}'"), field="status_source")
            statuses.append({
                "id": ids.status_id(cid, st.status, st.date, st.asserted_by), "claim_id": cid,
                "status": st.status, **date_cols("date", st.date, st.date_calendar,
                                                   "status_date", w),
                "asserted_by": st.asserted_by.strip(), "source_id": st.source,
                "locator": st.locator, **self._stamp(st.created_at, st.created_by, w)})
        allegation = prop.allegation is True or (
            prop.type == "vocab" and prop.vocab is not None
            and "allegation" in model.vocabs[prop.vocab][clean.value].flags)
        row = {
            "id": cid, "entity_id": c.entity, "property": c.property, "qualifier": c.qualifier,
            "value": clean.value, "value_norm": clean.norm, "ref_id": clean.ref_id,
            "date_calendar": clean.date_calendar, "date_start": clean.date_start,
            "date_end": clean.date_end, "record_id": c.record, "credibility": c.credibility,
            "assessment": c.assessment, "allegation": allegation, "preferred": c.preferred,
            "preferred_by": c.preferred_by if c.preferred else None,
            "preferred_at": self._time(c.preferred_at, w) if c.preferred else None,
            **self._stamp(c.created_at, c.created_by, w),
        }
        if c.preferred and not row["preferred_at"]:
            row["preferred_at"], row["preferred_by"] = run.now, c.preferred_by or run.actor
        return PreparedClaim(cid, row, citations, statuses, clean.keys, c,
                             implicating_unit=prop.allegation == "implicating_unit")

    def _stamp(self, at: str | None, by: str | None, w: Any) -> dict[str, Any]:
        if at is None and by is None:
            return self.new_stamp
        return stamp(at, by, self.run.actor, self.run.now, w)

    def _time(self, at: str | None, w: Any) -> dt.datetime | None:
        return parse_time(at, "preferred_at", w) if at else None

    def check_allegations(self, prepared: list[PreparedClaim]) -> None:
        """Mark seats in implicating units, then require status and asserter."""
        self._mark_implicating(prepared)
        dropped = 0
        for p in prepared:
            if p.statuses and not p.row["allegation"]:
                # A CSV row's status columns cover all its values; a procedural
                # step belongs to the allegation among them only.
                dropped += len(p.statuses)
                p.statuses = []
            if p.row["allegation"] and not p.statuses:
                c = p.source
                raise ValidationError(
                    f"'{c.property} = {c.value}' links a person to a crime: it needs a "
                    "procedural status (e.g. reported_by_ngo) and who asserted it",
                    field="status", file=c.where.file, line=c.where.line)
        if dropped:
            self.run.report.notes.append(
                f"{dropped} procedural status(es) given for values that are not allegations "
                "were not recorded (statuses belong to allegations)")

    def _mark_implicating(self, prepared: list[PreparedClaim]) -> None:
        """A posting's person claim is an allegation when the posting's unit is of an
        implicating kind (a death commission).  The three facts may arrive in any
        order and in different imports, so whichever of them this batch adds, the
        others are looked up in the registry too."""
        conn = self.run.conn
        implicating = {code for code, e in self.model.vocabs["unit_kind"].items()
                       if "implicating" in e.flags}
        by_prop: dict[str, list[PreparedClaim]] = {}
        for p in prepared:
            by_prop.setdefault(p.row["property"], []).append(p)
        postings = {p.row["entity_id"] for p in by_prop.get("person", []) if p.implicating_unit}
        postings |= {p.row["entity_id"] for p in by_prop.get("unit", [])
                     if self.run.entity_schema(p.row["entity_id"]) == "Posting"}
        newly = {p.row["entity_id"] for p in by_prop.get("kind", [])
                 if p.row["value"] in implicating}
        if newly:
            postings |= set(repo.referring(conn, newly, "unit"))
        if not postings:
            return
        units: dict[str, set[str]] = {}
        for p in by_prop.get("unit", []):
            if p.row["entity_id"] in postings:
                units.setdefault(p.row["entity_id"], set()).add(p.row["value"])
        for posting, unit in repo.claim_values(conn, postings, "unit"):
            units.setdefault(posting, set()).add(unit)
        all_units = {u for us in units.values() for u in us}
        kinds: dict[str, set[str]] = {}
        for p in by_prop.get("kind", []):
            if p.row["entity_id"] in all_units:
                kinds.setdefault(p.row["entity_id"], set()).add(p.row["value"])
        for unit, kind in repo.claim_values(conn, all_units, "kind"):
            kinds.setdefault(unit, set()).add(kind)
        seats = {posting for posting, us in units.items()
                 if any(kinds.get(u, set()) & implicating for u in us)}
        if not seats:
            return
        in_batch = {p.id: p for p in by_prop.get("person", []) if p.row["entity_id"] in seats}
        for p in in_batch.values():
            p.row["allegation"] = True
        # Person claims already in the registry become allegations now: they
        # must already carry a status, or get one in this batch.
        stored = repo.claims_of(conn, seats, "person")
        with_status = repo.claims_with_status(conn, [c.id for c in stored])
        for c in stored:
            if c.allegation:
                continue
            if c.id not in with_status and not (c.id in in_batch and in_batch[c.id].statuses):
                raise ValidationError(
                    f"this makes posting '{c.entity_id}' a seat on a {', '.join(implicating)}: "
                    f"its person claim {c.id} ({c.value}) links a person to a crime and needs "
                    f"a procedural status first (khavaran claim status {c.id} ...)",
                    field="kind")
            self.run.updates.append(("claim", c.id, {"allegation": True}))
            self.run.log("mark-allegation", entity_id=c.entity_id, claim_id=c.id,
                         field_name="allegation", old="False", new="True")
