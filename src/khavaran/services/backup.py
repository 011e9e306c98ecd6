"""Backups that are checked, and restoring one into a new installation.

A backup directory holds::

    manifest.json      every other file with its SHA-256, the database kind, the
                       ledger head it holds at least, and the signing key
    manifest.sig       the ledger key's Ed25519 signature of manifest.json (hex)
    public-keys.json   the ledger's public keys, by key id
    database.sqlite    the database (SQLite) -- or database.pgdump (pg_dump -Fc)
    blobs/ab/cd/abcd.. the vault's originals and copies, by SHA-256

A backup is written into a staging directory beside DIR (``.DIR.partial-*``)
and renamed to DIR when complete; a directory of that name is never accepted.
A second backup into the same DIR copies only the blobs it does not hold yet
(the others are hard-linked from the previous backup) and then replaces it.
Blobs of purged items are not carried into later backups.

The vault lock is held while the database is copied and the blobs are
copied, so that the blobs match the database: intakes and purges wait.
Backups and restores are recorded in the access log and the ledger, never in
the registry's history.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import os
import re
import shutil
import stat
import time
import uuid
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from sqlalchemy import delete, select

from khavaran.errors import ConfigError, EvidenceError, IntegrityError, StorageError
from khavaran.services.access_log import record, record_in
from khavaran.services.registry import Registry, init_registry
from khavaran.settings import Settings
from khavaran.storage.snapshot import (
    DUMP_NAMES,
    database_kind,
    dump_database,
    restore_database,
    sqlite_path,
)
from khavaran.storage.vault_tables import evidence_item, evidence_purge, vault_upload
from khavaran.vault.blobs import Vault
from khavaran.vault.keyring import check_new_passphrase
from khavaran.vault.keys import is_protected, load_key, public_keys, trusted_keys
from khavaran.vault.ledger import LedgerWriter, head, iso
from khavaran.vault.verify_ledger import canonical, key_id

__all__ = ["FORMAT", "BackupCheck", "BackupReport", "RestoreReport", "backup", "restore",
           "verify_backup"]

FORMAT = "khavaran-backup/1"
MANIFEST, SIGNATURE, KEYS = "manifest.json", "manifest.sig", "public-keys.json"
BLOBS = "blobs"
_UNFINISHED = re.compile(r"^\..+\.(partial|old)-[0-9a-f]{32}$")
_CHUNK = 1 << 20


@dataclass
class BackupReport:
    out: Path
    database: str
    files: int = 0
    blobs_copied: int = 0
    blobs_kept: int = 0
    bytes_copied: int = 0
    manifest_sha256: str = ""
    seconds: float = 0.0


@dataclass
class BackupCheck:
    problems: list[str] = field(default_factory=list)
    files: int = 0
    manifest: dict[str, Any] = field(default_factory=dict)
    manifest_sha256: str = ""

    @property
    def ok(self) -> bool:
        return not self.problems


@dataclass
class RestoreReport:
    home: Path
    db_url: str
    blobs: int
    trusted: list[str]
    manifest_sha256: str


# -- backup -------------------------------------------------------------------


def backup(registry: Registry, out: Path, *, actor: str) -> BackupReport:
    """Write a checked backup of ``registry`` to the directory ``out``.

    Parameters: ``out`` a new or empty directory, or an earlier backup (then
    only new blobs are copied); ``actor`` who is recorded as taking it.
    """
    start = time.perf_counter()
    settings = registry.settings
    kind = database_kind(settings.db_url)
    out = out.absolute()
    if _inside(out, settings.home.absolute()):
        raise ConfigError(f"{out} is inside the data home: write backups elsewhere")
    key = load_key(settings)  # before anything is written: no key, no backup
    report = BackupReport(out, kind)
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise StorageError(f"cannot create {out.parent}: {exc.strerror}") from None
    with _dir_lock(out):
        _recover(out)
        previous = _previous(out)
        stage = out.parent / f".{out.name}.partial-{uuid.uuid4().hex}"
        stage.mkdir()
        try:
            at_least = _ledger_head(registry)  # read first: the copy holds at least this
            files = _fill(registry, stage, kind, previous, report)
            with registry.read() as conn:
                keys = public_keys(conn)
            keys[key.key_id] = key.public_hex
            files[KEYS] = _write_hashed(stage / KEYS, canonical(keys).encode())
            manifest: dict[str, Any] = {
                "format": FORMAT, "created_at": iso(registry.now()), "database": kind,
                "database_file": DUMP_NAMES[kind], "key": key.key_id,
                "public_key": key.public_hex, "ledger_head": at_least,
                "files": dict(sorted(files.items()))}
            if is_protected(settings.home):
                # Its restore must be protected too (restore refuses otherwise).
                manifest["passphrase"] = True
            text = canonical(manifest).encode("utf-8")
            _write_hashed(stage / MANIFEST, text)
            _write_hashed(stage / SIGNATURE, key.sign(text.decode("utf-8")).encode())
            _fsync_tree(stage)
            report.manifest_sha256 = hashlib.sha256(text).hexdigest()
            # Recorded before it is complete: no backup that verifies goes unrecorded.
            record(registry, actor=actor, action="backup", target=report.manifest_sha256,
                   reason=f"backup to {out}"[:1000])
            _swap(stage, out)
        except BaseException:
            shutil.rmtree(stage, ignore_errors=True)
            raise
    report.files = len(files)
    report.seconds = time.perf_counter() - start
    return report


def _ledger_head(registry: Registry) -> dict[str, Any]:
    with registry.read() as conn:
        seq, last = head(conn)
    return {"seq": seq, "hash": last}


def _fill(registry: Registry, stage: Path, kind: str, previous: dict[str, str],
          report: BackupReport) -> dict[str, str]:
    """The database and blobs into ``stage``; returns {relative path: sha256}."""
    files: dict[str, str] = {}
    vault = registry.vault
    with vault.locked():  # no blob is placed or removed, no intake commits meanwhile
        dump = stage / DUMP_NAMES[kind]
        dump_database(registry.settings.db_url, dump)
        files[dump.name] = _sha256_of(dump)
        todo: list[tuple[str, Path]] = []
        for sha, size in sorted(_live_blobs(registry).items()):
            rel = f"{BLOBS}/{sha[:2]}/{sha[2:4]}/{sha}"
            target = stage / rel
            target.parent.mkdir(parents=True, exist_ok=True)
            old = previous.get(rel)
            if old == sha and _linked(_backup_dir_of(stage) / rel, target, size):
                report.blobs_kept += 1
            else:
                todo.append((sha, target))
                report.blobs_copied += 1
                report.bytes_copied += size
            files[rel] = sha
        vault.each(lambda job: _copy_blob(vault, job[1], job[0]), todo)
    return files


def _backup_dir_of(stage: Path) -> Path:
    name = stage.name[1:].rsplit(".partial-", 1)[0]
    return stage.parent / name


def _live_blobs(registry: Registry) -> dict[str, int]:
    """sha256 -> size of every blob the database says must be in the vault."""
    with registry.read() as conn:
        rows = conn.execute(select(evidence_item.c.sha256, evidence_item.c.size)
                            .where(~evidence_item.c.id.in_(select(evidence_purge.c.item_id))))
        return {r.sha256: r.size for r in rows}


def _linked(old: Path, new: Path, size: int) -> bool:
    """Hard-link a blob of the previous backup; False if it is not there or not whole."""
    try:
        info = old.lstat()
        if not stat.S_ISREG(info.st_mode) or info.st_size != size:
            return False
        os.link(old, new)
    except OSError:
        return False
    return True


def _copy_blob(vault: Vault, dst: Path, sha: str) -> None:
    digest = hashlib.sha256()
    try:
        src = vault.open(sha)
    except EvidenceError:
        raise IntegrityError(f"the vault has no file for sha256 {sha}: run 'khavaran "
                             "evidence verify --all'; no backup was written") from None
    with src, open(dst, "xb") as fout:
        while chunk := src.read(_CHUNK):
            digest.update(chunk)
            fout.write(chunk)
        fout.flush()
        os.fsync(fout.fileno())
    if digest.hexdigest() != sha:
        raise IntegrityError(f"the vault's file {vault.where(sha)} has changed (sha256 is now "
                             f"{digest.hexdigest()}): run 'khavaran evidence verify --all'; "
                             "no backup was written")
    os.chmod(dst, 0o444)


def _previous(out: Path) -> dict[str, str]:
    """The files of the backup already at ``out``; {} for none or an empty folder."""
    if not out.exists():
        return {}
    if not out.is_dir():
        raise ConfigError(f"{out} is a file, not a folder")
    if not (out / MANIFEST).is_file():
        if any(out.iterdir()):
            raise ConfigError(f"{out} is neither empty nor a backup: give a new folder")
        return {}
    try:
        files = json.loads((out / MANIFEST).read_bytes())["files"]
        return {str(k): str(v) for k, v in files.items()}
    except (ValueError, KeyError, TypeError, AttributeError):
        return {}  # damaged: copy every blob again


@contextlib.contextmanager
def _dir_lock(out: Path) -> Iterator[None]:
    """One backup at a time into ``out``."""
    fd = os.open(out.parent / f".{out.name}.lock", os.O_RDWR | os.O_CREAT, 0o600)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise ConfigError(f"another backup into {out} is running") from None
        yield
    finally:
        os.close(fd)


def _recover(out: Path) -> None:
    """Finish or clear what a killed backup into ``out`` left (the lock is held)."""
    olds = sorted(out.parent.glob(f".{out.name}.old-*"))
    if olds and not out.exists():
        os.rename(olds.pop(), out)  # killed between the two renames of _swap
    for leftover in olds + sorted(out.parent.glob(f".{out.name}.partial-*")):
        _remove_tree(leftover)


def _swap(stage: Path, out: Path) -> None:
    if out.exists() and any(out.iterdir()):
        old = out.parent / f".{out.name}.old-{uuid.uuid4().hex}"
        os.rename(out, old)
        os.rename(stage, out)
        _fsync_dir(out.parent)
        _remove_tree(old)
    else:
        os.rename(stage, out)  # replaces an empty folder
        _fsync_dir(out.parent)


def _remove_tree(path: Path) -> None:
    def writable(func: Any, p: str, _exc: Any) -> None:
        os.chmod(os.path.dirname(p), 0o700)
        func(p)
    shutil.rmtree(path, onerror=writable)


# -- verify -------------------------------------------------------------------


def verify_backup(folder: Path, public_keys: Sequence[str] = ()) -> BackupCheck:
    """Check a backup offline: the manifest's signature, then every file.

    Parameters: ``folder`` the backup; ``public_keys`` keys (64 hex digits)
    one of which must have signed it (default: the key named in the backup).
    """
    check = BackupCheck()
    if _UNFINISHED.match(folder.name):
        check.problems.append(f"{folder} is an unfinished backup (killed part way)")
        return check
    if not folder.is_dir():
        check.problems.append(f"{folder} is not a folder")
        return check
    manifest = _signed_manifest(folder, public_keys, check)
    if manifest is None:
        return check
    listed: dict[str, str] = manifest["files"]
    for rel, sha in listed.items():
        if rel.startswith("/") or ".." in rel.split("/") or (
                rel.startswith(BLOBS + "/") and rel != f"{BLOBS}/{sha[:2]}/{sha[2:4]}/{sha}"):
            check.problems.append(f"the manifest lists {rel!r}, which a backup never holds")
            return check
    present = set(_walk(folder, check))
    for rel in sorted(present - set(listed)):
        check.problems.append(f"extra file: {rel} (not in the manifest)")
    for rel in sorted(set(listed) - present):
        check.problems.append(f"missing file: {rel}")
    for rel in sorted(present & set(listed)):
        check.files += 1
        now = _sha256_of(folder / rel)
        if now != listed[rel]:
            check.problems.append(f"changed file: {rel} (sha256 is {now}, the manifest says "
                                  f"{listed[rel]})")
    if manifest.get("database_file") not in listed:
        check.problems.append("the manifest names no database file")
    return check


def _signed_manifest(folder: Path, pinned: Sequence[str],
                     check: BackupCheck) -> dict[str, Any] | None:
    try:
        text = (folder / MANIFEST).read_bytes()
        signature = bytes.fromhex((folder / SIGNATURE).read_text().strip())
    except FileNotFoundError as exc:
        check.problems.append(f"missing file: {Path(str(exc.filename)).name} (not a finished "
                              "backup)")
        return None
    except ValueError:
        check.problems.append(f"changed file: {SIGNATURE} (not a hex signature)")
        return None
    check.manifest_sha256 = hashlib.sha256(text).hexdigest()
    try:
        manifest = json.loads(text)
        public = str(manifest["public_key"])
        files = manifest["files"]
        if manifest.get("format") != FORMAT or not isinstance(files, dict):
            raise ValueError
        key = Ed25519PublicKey.from_public_bytes(bytes.fromhex(public))
    except (ValueError, KeyError, TypeError):
        check.problems.append(f"changed file: {MANIFEST} (not a {FORMAT} manifest)")
        return None
    wanted = [k.strip().lower() for k in pinned]
    if wanted and public.lower() not in wanted:
        check.problems.append(f"the backup is signed by key {key_id(public)}, not by the "
                              "--public-key given")
        return None
    try:
        key.verify(signature, text)
    except InvalidSignature:
        check.problems.append(f"changed file: {MANIFEST} (its signature does not verify "
                              f"with key {key_id(public)})")
        return None
    check.manifest = manifest
    return dict(manifest)


def _walk(folder: Path, check: BackupCheck) -> Iterator[str]:
    for root, dirs, names in os.walk(folder):
        for name in names + [d for d in dirs if (Path(root) / d).is_symlink()]:
            path = Path(root) / name
            rel = path.relative_to(folder).as_posix()
            if rel in (MANIFEST, SIGNATURE):
                continue
            if path.is_symlink() or not path.is_file():
                check.problems.append(f"extra file: {rel} (not a regular file)")
                continue
            yield rel


# -- restore ------------------------------------------------------------------


def restore(folder: Path, home: Path, *, db_url: str | None, actor: str,
            public_keys: Sequence[str] = (), passphrase: str | None = None) -> RestoreReport:
    """Rebuild a working installation at ``home`` from a backup that verifies.

    Parameters: ``folder`` the backup; ``home`` a new (or empty) data home;
    ``db_url`` the database to restore into (SQLite: default home/khavaran.db;
    PostgreSQL: a new, empty database); ``actor`` who is recorded;
    ``public_keys`` as for verify_backup; ``passphrase`` protect the new
    installation's keys with it (required for the backup of a protected
    installation).  The new installation gets its own signing key, which
    endorses the backup's key in the ledger.
    """
    check = verify_backup(folder, public_keys)
    if not check.ok:
        raise IntegrityError(f"{folder} fails verification, nothing was restored: "
                             + "; ".join(check.problems[:20]))
    manifest = check.manifest
    if passphrase is not None:
        check_new_passphrase(passphrase)
    elif manifest.get("passphrase") is True:
        raise ConfigError("this is the backup of an installation protected by a passphrase: "
                          "give the restored one a passphrase too (restore --passphrase, or "
                          "KHAVARAN_PASSPHRASE_FILE); nothing was restored")
    kind = str(manifest["database"])
    home = home.absolute()
    if home.exists() and (not home.is_dir() or any(home.iterdir())):
        raise ConfigError(f"{home} exists and is not empty: restore into a new data home")
    if db_url is None:
        if kind != "sqlite":
            raise ConfigError("this backup holds a PostgreSQL database: give --db the URL "
                              "of a new, empty database")
    elif database_kind(db_url) != kind:
        raise ConfigError(f"this backup holds a {kind} database: give --db a {kind} URL")
    home.parent.mkdir(parents=True, exist_ok=True)
    stage = home.parent / f".{home.name}.restoring-{uuid.uuid4().hex}"
    stage.mkdir()
    url = db_url or f"sqlite:///{stage / 'khavaran.db'}"
    database_written = False
    try:
        restore_database(folder / str(manifest["database_file"]), kind, url)
        database_written = True
        blobs = _put_blobs(folder, stage, manifest["files"])
        trusted = _adopt(Settings(home=stage, db_url=url, actor=actor), manifest,
                         check.manifest_sha256, actor, passphrase)
        os.rename(stage, home)  # onto an empty folder too: replaced in one step
        _fsync_dir(home.parent)
    except BaseException:
        shutil.rmtree(stage, ignore_errors=True)
        if database_written and db_url is not None and kind == "sqlite":
            sqlite_path(db_url).unlink(missing_ok=True)
        raise
    final_url = db_url or f"sqlite:///{home / 'khavaran.db'}"
    return RestoreReport(home, final_url, blobs, trusted, check.manifest_sha256)


def _put_blobs(folder: Path, stage: Path, files: dict[str, str]) -> int:
    vault = stage / "vault" / "sha256"
    count = 0
    for rel, sha in files.items():
        if not rel.startswith(BLOBS + "/"):
            continue
        target = vault / sha[:2] / sha[2:4] / sha
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(folder / rel, target)
        with open(target, "rb") as fh:
            os.fsync(fh.fileno())
        os.chmod(target, 0o444)
        count += 1
    return count


def _adopt(settings: Settings, manifest: dict[str, Any], manifest_sha: str,
           actor: str, passphrase: str | None) -> list[str]:
    """Give the restored installation its key, trusting the backup's; record it."""
    registry, _ = init_registry(settings, passphrase=passphrase)
    try:
        key = load_key(settings)
        added = []
        with registry.write() as conn:
            # Uploads the original had under way went to its vault, which is not this
            # one; kept, they would let `vault tidy` here, pointed at the old store,
            # remove objects the original has recorded since the backup.
            conn.execute(delete(vault_upload))
            trusted = trusted_keys(conn, key)
            public = str(manifest["public_key"]).lower()
            if key_id(public) not in trusted:
                LedgerWriter(conn, key).append("key", item=None, actor=actor,
                                               at=registry.now(), data={
                    "trust": key_id(public), "public_key": public,
                    "reason": f"restored from backup {manifest_sha}"})
                added.append(key_id(public))
            record_in(conn, registry, actor=actor, action="restore", target=manifest_sha,
                      reason=f"restored from the backup of {manifest.get('created_at')}")
    finally:
        registry.close()
    return added


# -- files --------------------------------------------------------------------


def _sha256_of(path: Path) -> str:
    with open(path, "rb") as fh:
        return hashlib.file_digest(fh, "sha256").hexdigest()


def _write_hashed(path: Path, data: bytes) -> str:
    with open(path, "xb") as fh:
        fh.write(data)
        fh.flush()
        os.fsync(fh.fileno())
    return hashlib.sha256(data).hexdigest()


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _fsync_tree(root: Path) -> None:
    for folder, _dirs, _names in os.walk(root):
        _fsync_dir(Path(folder))


def _inside(path: Path, home: Path) -> bool:
    try:
        path.resolve().relative_to(home.resolve())
    except ValueError:
        return False
    return True
