"""Reviews for disclosure: a person's word that an item may leave in a dossier.

At the `public` and `prosecutor` levels a dossier puts an exhibit into its
main bag only when someone has reviewed that very item (the same SHA-256) for
that level.  No automatic screen can read every way a file may name someone
(a name split across a Word file's runs, an e-mail in base64, an old code
page...), so the screen only flags: the review records who looked, when, why,
and which flags they were shown.  A reviewed item that is flagged for
something the reviewer was not shown (a person protected since, a new working
copy's metadata) is withheld again until it is reviewed anew.

Reviews are custody-ledger entries (kind ``review``), signed and chained like
every other use of an item, so a dossier built ``--as-of`` an earlier head
sees only the reviews made by then.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, select

from khavaran.errors import ValidationError
from khavaran.export.disclosure import Disclosure
from khavaran.export.exhibits import Exhibit, describe
from khavaran.export.screening import screen
from khavaran.services.evidence import require_item
from khavaran.services.protection import hidden_set
from khavaran.services.registry import Registry, require_actor
from khavaran.services.witness_items import guard_item, record_item_reveal
from khavaran.storage.vault_tables import evidence_derivation, ledger_entry
from khavaran.vault.keys import load_key
from khavaran.vault.ledger import LedgerWriter, body_of, head

__all__ = ["REVIEW_LEVELS", "Review", "flags_of", "review_item", "reviews_upto", "seen"]

REVIEW_LEVELS = ("prosecutor", "public")
# A working copy inherits its original's flags under the original's exhibit
# number, which differs from one dossier to the next.
_NUMBERED = re.compile(r"^its original E\d{3,}: ")


@dataclass(frozen=True)
class Review:
    item_id: str
    level: str
    sha256: str
    reason: str
    flags: list[str]
    seq: int
    actor: str


def _norm(flag: str) -> str:
    return _NUMBERED.sub("its original: ", flag)


def seen(flags: list[str], review: Review) -> bool:
    """Whether the reviewer was shown every one of ``flags``."""
    return {_norm(f) for f in flags} <= {_norm(f) for f in review.flags}


def flags_of(registry: Registry, conn: Connection, item_id: str, level: str) -> list[str]:
    """What the automatic screen finds in an item (and in its original, for a working
    copy that is not a redaction) at ``level``: the same reasons a dossier gives."""
    seq, _ = head(conn)
    hidden = hidden_set(conn)
    item = require_item(conn, item_id)
    parent = conn.execute(select(evidence_derivation.c.parent_id, evidence_derivation.c.kind)
                          .where(evidence_derivation.c.child_id == item_id)).first()
    exhibits = []
    if parent is not None:
        exhibits.append(Exhibit("E001", require_item(conn, parent.parent_id, live=False),
                                "original", None))
        exhibits.append(Exhibit("E001-copy", item, parent.kind, "E001"))
    else:
        exhibits.append(Exhibit("E001", item, "original" if item.role == "original"
                                else "copy", None))
    describe(conn, exhibits, hidden, upto=seq, internal=False)
    d = Disclosure.build(conn, level, hidden, [e.item.id for e in exhibits])
    screen([e for e in exhibits if not e.purged],
           lambda e: registry.vault.local_file(e.item.sha256), d.leaks)
    return sorted(set(exhibits[-1].identifying))


def review_item(registry: Registry, item_id: str, *, level: str, reason: str,
                actor: str | None, include_protected: bool = False) -> Review:
    """Record that ``actor`` reviewed ``item_id`` for disclosure at ``level``.

    :param level: ``public`` or ``prosecutor``.
    :param reason: why it may be disclosed; kept in the ledger for ever, so it must
        name no protected person.
    :param include_protected: review a protected witness's testimony
        (services/witness_items.py; recorded).
    :returns: the review, with the flags the screen raised, which it now covers.
    """
    actor = require_actor(actor)
    if level not in REVIEW_LEVELS:
        raise ValidationError(f"--level must be one of {', '.join(REVIEW_LEVELS)}",
                              field="--level")
    if not reason.strip():
        raise ValidationError("say why the item may be disclosed (--reason)", field="--reason")
    key = load_key(registry.settings)
    with registry.read() as conn:
        witness = guard_item(conn, item_id, include_protected, actor)
        item = require_item(conn, item_id)
        flags = flags_of(registry, conn, item_id, level)
    with registry.write() as conn:
        entry = LedgerWriter(conn, key).append(
            "review", item=item_id, actor=actor, at=registry.now(),
            data={"level": level, "sha256": item.sha256, "reason": reason.strip(),
                  "flags_seen": flags})
        record_item_reveal(conn, registry, witness, actor, f"evidence review {item_id}")
    return Review(item_id, level, item.sha256, reason.strip(), flags, entry.seq, actor)


def reviews_upto(conn: Connection, item_ids: list[str], level: str,
                 upto: int) -> dict[str, Review]:
    """The newest review of each item for ``level``, as of ledger entry ``upto``."""
    out: dict[str, Review] = {}
    rows = conn.execute(select(ledger_entry.c.seq, ledger_entry.c.item_id, ledger_entry.c.body)
                        .where(ledger_entry.c.kind == "review",
                               ledger_entry.c.item_id.in_(item_ids),
                               ledger_entry.c.seq <= upto).order_by(ledger_entry.c.seq))
    for r in rows:
        body: dict[str, Any] = body_of(r.body)
        data = body.get("data") if isinstance(body.get("data"), dict) else {}
        if not isinstance(data, dict) or data.get("level") != level:
            continue
        flags = data.get("flags_seen")
        out[r.item_id] = Review(r.item_id, level, str(data.get("sha256")),
                                str(data.get("reason")),
                                [str(f) for f in flags] if isinstance(flags, list) else [],
                                r.seq, str(body.get("actor")))
    return out
