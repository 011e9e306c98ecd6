"""Changes to what is already in the registry, each written to history.

Claims are never deleted or rewritten: a correction is a new claim, a
judgement is a change of assessment or of the preferred value, and every such
change keeps who, when, the old value, the new value and why.
"""

from __future__ import annotations

from typing import Any

from khavaran.errors import NotFoundError, ValidationError
from khavaran.model import ids
from khavaran.model.loader import load_model
from khavaran.model.records import ClaimIn, Where
from khavaran.services.access_log import record_in
from khavaran.services.ingest import Batch, IngestReport, ingest
from khavaran.services.keyed_ids import claim_by_id, key_protected, shown_id, shown_ids
from khavaran.services.protection import is_hidden_claim
from khavaran.services.registry import Registry
from khavaran.services.rows import date_cols, mixed
from khavaran.storage import queries, repo
from khavaran.storage.tables import claim_status

__all__ = ["add_claim", "add_status", "assess", "prefer", "protect"]


def _why(reason: str) -> str:
    if not reason or not reason.strip():
        raise ValidationError("say why with --reason: history keeps the reason for each change",
                              field="reason")
    return reason.strip()


def _history(registry: Registry, actor: str, action: str, *, entity_id: str,
             claim_id: str | None, field: str, old: Any, new: Any, reason: str) -> dict[str, Any]:
    return {"at": registry.now(), "actor": actor, "action": action, "entity_id": entity_id,
            "claim_id": claim_id, "field": field,
            "old_value": None if old is None else str(old),
            "new_value": None if new is None else str(new), "reason": reason}


def _claim(conn: Any, claim_id: str, include_protected: bool,
           revealed: list[dict[str, Any]] | None = None, actor: str = "",
           registry: Registry | None = None) -> Any:
    row = claim_by_id(conn, claim_id)
    hidden = row is not None and is_hidden_claim(conn, row)
    if row is None or (hidden and not include_protected):
        # The same answer for a hidden claim as for none: no confirming guesses.
        raise NotFoundError(f"no claim with id '{claim_id}'")
    if hidden and revealed is not None and registry is not None:
        record_in(conn, registry, actor=actor, action="reveal", target=row["entity_id"],
                  reason="claim command --include-protected")
        revealed.append(_history(registry, actor, "reveal-protected",
                                 entity_id=row["entity_id"], claim_id=None, field="identity",
                                 old=None, new=None, reason="claim command "
                                 "--include-protected"))
    return row


def add_claim(registry: Registry, claim: ClaimIn, *, actor: str, reason: str | None = None,
              include_protected: bool = False) -> tuple[str, IngestReport]:
    """Add one cited claim (refused without a citation); returns its id.

    Parameters: ``reason`` why (kept in history); ``include_protected`` allows an
    identifying fact about a protected person (the access is recorded).
    """
    label = f"claim add {claim.entity} {claim.property}" + (f": {reason}" if reason else "")
    with registry.write() as conn:
        report = ingest(conn, Batch(claims=[claim]), actor=actor, now=registry.now(),
                        label=label, include_protected=include_protected)
        # A claim that identifies a protected person is known by its keyed id.
        return shown_id(conn, ids.claim_id(claim.entity, claim.property, claim.qualifier,
                                           claim.value.strip(), claim.record)), report


def prefer(registry: Registry, claim_id: str, *, actor: str, reason: str,
           include_protected: bool = False) -> list[str]:
    """Mark one of several conflicting values preferred; the others stay, unpreferred."""
    why = _why(reason)
    with registry.write() as conn:
        hist: list[dict[str, Any]] = []
        row = _claim(conn, claim_id, include_protected, hist, actor, registry)
        if row["preferred"]:
            repo.append_history(conn, hist)
            return []
        now = registry.now()
        for other in repo.preferred_in_group(conn, row["entity_id"], row["property"],
                                             row["qualifier"]):
            repo.update_claim(conn, other, preferred=False)
            hist.append(_history(registry, actor, "unprefer", entity_id=row["entity_id"],
                                 claim_id=other, field="preferred", old=True, new=False,
                                 reason=why))
        repo.update_claim(conn, row["id"], preferred=True, preferred_by=actor,
                          preferred_at=now)
        hist.append(_history(registry, actor, "prefer", entity_id=row["entity_id"],
                             claim_id=row["id"], field="preferred", old=False, new=True,
                             reason=why))
        repo.append_history(conn, hist)
        changed = [h["claim_id"] for h in hist if h["action"] in ("prefer", "unprefer")]
        shown = shown_ids(conn, changed)
    return [shown[c] for c in changed]


def assess(registry: Registry, claim_id: str, *, actor: str, reason: str,
           assessment: str | None = None, credibility: int | None = None,
           include_protected: bool = False) -> int:
    """Change an analyst's assessment and/or the credibility grade; returns changes made."""
    why = _why(reason)
    model = load_model()
    if assessment is not None:
        model.check_code("assessment", assessment, "assessment")
    if credibility is not None and not 1 <= credibility <= 6:
        raise ValidationError(f"credibility {credibility} is not 1–6", field="credibility")
    with registry.write() as conn:
        hist: list[dict[str, Any]] = []
        row = _claim(conn, claim_id, include_protected, hist, actor, registry)
        for name, new in (("assessment", assessment), ("credibility", credibility)):
            if new is not None and row[name] != new:
                repo.update_claim(conn, row["id"], **{name: new})
                hist.append(_history(registry, actor, "assess", entity_id=row["entity_id"],
                                     claim_id=row["id"], field=name, old=row[name], new=new,
                                     reason=why))
        repo.append_history(conn, hist)
    return sum(1 for h in hist if h["action"] == "assess")


def add_status(registry: Registry, claim_id: str, *, status: str, asserted_by: str,
               actor: str, date: str | None = None, source: str | None = None,
               locator: str | None = None, include_protected: bool = False) -> bool:
    """Record a dated procedural step (charged, convicted, ...) of an allegation."""
    load_model().check_code("procedural_status", status, "status")
    if not asserted_by.strip():
        raise ValidationError("a status needs who asserted it", field="asserted_by")
    with registry.write() as conn:
        hist: list[dict[str, Any]] = []
        row = _claim(conn, claim_id, include_protected, hist, actor, registry)
        if not row["allegation"]:
            raise ValidationError(f"claim {claim_id} ({row['property']}) is not an allegation "
                                  "against a person: procedural steps belong to allegations",
                                  field="claim")
        repo.append_history(conn, hist)
        if source:
            known = repo.source_fictional(conn, [source])
            if source not in known:
                raise ValidationError(f"no source with id '{source}'", field="source")
            fictional = repo.entity_info(conn, [row["entity_id"]])[row["entity_id"]].fictional
            if known[source] != fictional:
                raise ValidationError(mixed(f"source '{source}'", known[source],
                                            "the claim's record"), field="source")
        sid = ids.status_id(row["id"], status, date, asserted_by.strip())
        if repo.existing_ids(conn, claim_status, [sid]):
            return False
        repo.insert_rows(conn, claim_status, [{
            "id": sid, "claim_id": row["id"], "status": status,
            **date_cols("date", date, None, "date", Where()), "asserted_by": asserted_by.strip(),
            "source_id": source, "locator": locator, "created_at": registry.now(),
            "created_by": actor}])
        repo.append_history(conn, [_history(registry, actor, "add-status",
                                            entity_id=row["entity_id"], claim_id=row["id"],
                                            field="status", old=None,
                                            new=f"{status} {date or ''}".strip(),
                                            reason=f"asserted by {asserted_by.strip()}")])
    return True


def protect(registry: Registry, person_id: str, *, pseudonym: str, actor: str,
            reason: str) -> None:
    """Mark a person protected under ``pseudonym``: outputs hide who they are."""
    why = _why(reason)
    if not pseudonym.strip():
        raise ValidationError("a protected person needs a pseudonym", field="pseudonym")
    with registry.write() as conn:
        row = queries.entity_row(conn, person_id)
        if row is None or row["schema"] != "Person":
            raise NotFoundError(f"no person with id '{person_id}'")
        repo.update_entity(conn, person_id, protected=True, pseudonym=pseudonym.strip())
        repo.append_history(conn, [_history(
            registry, actor, "protect", entity_id=person_id, claim_id=None, field="protected",
            old=f"{bool(row['protected'])} {row['pseudonym'] or ''}".strip(),
            new=f"True {pseudonym.strip()}", reason=why)])
        # Its claims that identify it are known by keyed ids from now on.
        key_protected(conn, [person_id])
