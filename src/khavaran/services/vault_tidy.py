"""Remove what killed commands left in an object store: `khavaran vault tidy`.

An intake tells the database of its uploads before they begin (table
vault_upload, services/evidence.py) and clears them in the transaction that
records its items.  A row still there names an upload whose command was killed
between the upload and the commit.  Its object is removed only when the row is
older than ``older_than`` (no intake still running began then), no newer row
names the same bytes (another intake may be about to record them), and, under
the database's vault lock, no item that is not purged holds it.  An intake
checks under that same lock that its objects are still there before it commits,
so one that raced the tidy anyway is refused ("went away"), never left without
its file.  An object that no row names (put there by hand, or by another
registry sharing the bucket) is never touched: verify names it.

A vault folder settles its own leftovers under its lock at each change
(vault/blobs.py): there this only does that.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from sqlalchemy import delete, select

from khavaran.services.access_log import record
from khavaran.services.evidence import live_digests
from khavaran.services.registry import Registry
from khavaran.storage.repo import chunks
from khavaran.storage.vault_tables import vault_upload

__all__ = ["Tidy", "tidy"]


@dataclass
class Tidy:
    removed: list[str] = field(default_factory=list)  # addresses (to be) removed
    cleared: int = 0  # rows of uploads since recorded, or whose object is gone
    young: int = 0  # uploads begun less than older_than ago: left for now
    dry_run: bool = False


def tidy(registry: Registry, *, actor: str, older_than: dt.timedelta = dt.timedelta(hours=1),
         dry_run: bool = False) -> Tidy:
    """Remove the objects of uploads never recorded that began before ``older_than``
    ago; ``dry_run`` only lists them.  Recorded in the access log."""
    out = Tidy(dry_run=dry_run)
    vault, live = registry.vault, live_digests(registry)
    if not vault.uploads_recorded:
        if not dry_run:
            vault.settle(live)
        return out
    cutoff = registry.now() - older_than
    with registry.read() as conn:
        rows = conn.execute(select(vault_upload.c.sha256, vault_upload.c.started_at)).all()
    newest: dict[str, dt.datetime] = {}
    for r in rows:
        at = _aware(r.started_at)
        newest[r.sha256] = max(at, newest.get(r.sha256, at))
    old = {sha for sha, at in newest.items() if at <= cutoff}
    out.young = len(newest) - len(old)
    if not old:
        return out
    with live.holding(old) as alive:
        for sha in sorted(old - alive):
            if vault.exists(sha):
                out.removed.append(vault.where(sha))
                if not dry_run:
                    vault.remove(sha)
    out.cleared = len(old) - len(out.removed)
    if dry_run:
        return out
    # After the removals: a tidy killed in between finds the objects gone next time.
    with registry.write() as conn:
        for part in chunks(sorted(old)):
            conn.execute(delete(vault_upload).where(vault_upload.c.sha256.in_(part))
                         .where(vault_upload.c.started_at <= cutoff))
    record(registry, actor=actor, action="vault-tidy", target=registry.settings.vault,
           reason=f"{len(out.removed)} object(s) of uploads never recorded removed")
    return out


def _aware(at: dt.datetime) -> dt.datetime:
    # SQLite gives back the UTC time it was given, without its zone.
    return at if at.tzinfo else at.replace(tzinfo=dt.UTC)
