"""Remove what killed commands left in an object store: `khavaran vault tidy`.

An intake tells the database of its uploads before they begin (table
vault_upload, services/evidence.py) and clears them in the transaction that
records its items.  A row still there names an upload whose command was killed
between the upload and the commit.  Its object is removed only when, with both
vault locks held (this machine's, under which no intake of this machine runs,
and the database's, under which no intake anywhere commits), the newest row
naming those bytes is older than ``older_than`` and no item that is not purged
holds them.  An intake on another machine checks under the database's lock that
its objects are still there before it commits, so one that raced the tidy is
refused ("went away"), never recorded without its file.  An object that no row
names (put there by hand, or by another registry sharing the prefix) is never
touched: verify names it.

Times are the database's (PostgreSQL's clock, for every machine alike).  A vault
folder settles its own leftovers under its lock at each change (vault/blobs.py):
there this only does that.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field

from sqlalchemy import Connection, delete, select, text

from khavaran.errors import EvidenceError, StoreUnavailableError
from khavaran.services.access_log import record
from khavaran.services.evidence import live_digests, live_in
from khavaran.services.registry import Registry
from khavaran.storage.repo import chunks
from khavaran.storage.vault_lock import database_now, lock_vault
from khavaran.storage.vault_tables import vault_upload

__all__ = ["DEFAULT_AGE", "Tidy", "tidy"]

# Longer than any intake's uploads take: a row younger may be a live intake's.
DEFAULT_AGE = dt.timedelta(hours=24)


@dataclass
class Tidy:
    removed: list[str] = field(default_factory=list)  # addresses (to be) removed
    refused: list[str] = field(default_factory=list)  # the store would not delete them
    # other bytes than their address says: no upload of ours, left for a person (and
    # for verify, which fails on them once their rows are cleared)
    foreign: list[str] = field(default_factory=list)
    cleared: int = 0  # rows of uploads since recorded, or whose object is gone
    young: int = 0  # uploads begun less than older_than ago: left for now
    dry_run: bool = False


def tidy(registry: Registry, *, actor: str, older_than: dt.timedelta = DEFAULT_AGE,
         dry_run: bool = False) -> Tidy:
    """Remove the objects of uploads never recorded that began at least
    ``older_than`` ago; ``dry_run`` only lists them.  Recorded in the access log."""
    out = Tidy(dry_run=dry_run)
    vault = registry.vault
    if not vault.uploads_recorded:
        if not dry_run:
            vault.settle(live_digests(registry))
        return out
    failure: BaseException | None = None
    with vault.locked():  # this machine's intakes (on SQLite, every intake) wait
        try:
            with registry.write() as conn:
                if conn.dialect.name == "postgresql":
                    # what committed while we waited for the lock, whatever the default
                    conn.execute(text("SET TRANSACTION ISOLATION LEVEL READ COMMITTED"))
                lock_vault(conn)
                cutoff = database_now(conn) - older_than
                old = _old(conn, cutoff, out)
                for sha in sorted(old - live_in(conn, old)):
                    if not vault.exists(sha):
                        continue
                    if getattr(vault.rehash(sha), "sha256", None) != sha:
                        out.foreign.append(vault.where(sha))
                        continue
                    if dry_run:
                        out.removed.append(vault.where(sha))
                        continue
                    try:
                        vault.remove(sha)
                    except StoreUnavailableError:
                        raise
                    except EvidenceError:  # refused (object lock): kept, and its row
                        out.refused.append(vault.where(sha))
                        continue
                    out.removed.append(vault.where(sha))
                out.cleared = len(old) - len(out.removed) - len(out.refused) - len(out.foreign)
                if not dry_run:
                    kept = {w.rsplit("/", 1)[-1] for w in out.refused}
                    _clear(conn, sorted(old - kept), cutoff)
        except BaseException as exc:  # noqa: BLE001 - recorded, then raised again
            failure = exc
        finally:
            if not dry_run and (out.removed or failure is None):
                # Even when it stopped part way: what it removed is on record.
                record(registry, actor=actor, action="vault-tidy",
                       target=registry.settings.vault,
                       outcome="ok" if failure is None else "failed",
                       reason=f"{len(out.removed)} object(s) of uploads never recorded "
                              f"removed, {len(out.refused)} refused by the store")
    if failure is not None:
        raise failure
    return out


def _old(conn: Connection, cutoff: dt.datetime, out: Tidy) -> set[str]:
    """The digests whose newest upload began before ``cutoff`` (read under the locks:
    an upload begun since, of the same bytes, keeps them)."""
    newest: dict[str, dt.datetime] = {}
    for r in conn.execute(select(vault_upload.c.sha256, vault_upload.c.started_at)):
        at = _aware(r.started_at)
        newest[r.sha256] = max(at, newest.get(r.sha256, at))
    old = {sha for sha, at in newest.items() if at <= cutoff}
    out.young = len(newest) - len(old)
    return old


def _clear(conn: Connection, digests: Iterable[str], cutoff: dt.datetime) -> None:
    for part in chunks(list(digests)):
        conn.execute(delete(vault_upload).where(vault_upload.c.sha256.in_(part))
                     .where(vault_upload.c.started_at <= cutoff))


def _aware(at: dt.datetime) -> dt.datetime:
    # SQLite gives back the UTC time it was given, without its zone.
    return at if at.tzinfo else at.replace(tzinfo=dt.UTC)
