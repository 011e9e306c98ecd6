"""`vault migrate --to URL`: copy every live file of the vault to another vault.

From the folder vault to an object store (``s3://BUCKET/PREFIX``) or back
(``disk``: the folder vault in the data home).  Each file is read from where it
is now, checked against the digests the database holds, put at its address in
the target (which, on a store, is read back and re-hashed), and checked there.
A file already in the target with its recorded bytes is skipped: an interrupted
migration is finished by running it again.  Nothing is removed from the
source, and nothing is switched: the setting to use afterwards is printed.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select

from khavaran.errors import ConfigError, EvidenceError, IntegrityError
from khavaran.services.registry import Registry, make_vault
from khavaran.storage.vault_tables import evidence_item, evidence_purge
from khavaran.vault.blobs import Vault
from khavaran.vault.streaming import Digests

__all__ = ["Migration", "migrate"]


@dataclass
class Migration:
    target: str  # the setting that names the target: an s3:// URL, or None for disk
    copied: int = 0
    skipped: int = 0
    bytes_copied: int = 0

    @property
    def setting(self) -> str:
        return (f"KHAVARAN_VAULT={self.target}" if self.target != "disk"
                else "no KHAVARAN_VAULT (unset it, and give no --vault)")


def migrate(registry: Registry, to: str) -> Migration:
    target_setting = to.strip()
    if target_setting != "disk" and not target_setting.startswith("s3://"):
        raise ConfigError(f"--to: '{to}' is neither s3://BUCKET/PREFIX nor disk")
    target = make_vault(dataclasses.replace(
        registry.settings, vault=None if target_setting == "disk" else target_setting))
    source = registry.vault
    if _same(source, target):
        raise ConfigError(f"--to: {to} is the vault in use already: nothing to move")
    report = Migration(target_setting)
    # The lock is this machine's: no intake or purge here while files move.
    with source.locked():
        for item in _live_items(registry):
            want = Digests(item.sha256, item.sha512, item.size)
            if target.rehash(item.sha256) == want:
                report.skipped += 1
                continue
            if target.exists(item.sha256):
                raise IntegrityError(f"{target.where(item.sha256)} holds other bytes than item "
                                     f"{item.id}: it was left as it is, and the migration "
                                     "stopped; run 'khavaran evidence verify --all' with "
                                     "that vault")
            _copy(source, target, item.id, want)
            report.copied += 1
            report.bytes_copied += item.size
    return report


def _copy(source: Vault, target: Vault, item_id: str, want: Digests) -> None:
    with target.staging() as area:
        with source.open(want.sha256) as src:
            staged = area.stage(src, source.where(want.sha256))
        if staged.digests != want:
            staged.discard()
            raise IntegrityError(f"the file of item {item_id} at {source.where(want.sha256)} "
                                 "has changed: it was not copied, and the migration stopped; "
                                 "run 'khavaran evidence verify --all'")
        target.place(staged)
    if target.rehash(want.sha256) != want:
        raise EvidenceError(f"{target.where(want.sha256)} did not read back as written: the "
                            "migration stopped")


def _same(a: Vault, b: Vault) -> bool:
    return type(a) is type(b) and a.where("0" * 64) == b.where("0" * 64)


def _live_items(registry: Registry) -> list[Any]:
    with registry.read() as conn:
        return list(conn.execute(
            select(evidence_item.c.id, evidence_item.c.sha256, evidence_item.c.sha512,
                   evidence_item.c.size)
            .where(~evidence_item.c.id.in_(select(evidence_purge.c.item_id)))
            .order_by(evidence_item.c.id)))
