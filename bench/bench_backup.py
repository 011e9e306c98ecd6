"""Backup and restore benchmark: `khavaran backup`, `backup verify` and `restore`
of a registry of many claims and a vault of many megabytes, next to
`sqlite3 .backup` plus `cp -r` of the vault (the same data, same run).

    python bench/bench_backup.py                        # default: about a minute
    python bench/bench_backup.py --persons 30000 --vault-mb 1024 --files 200
                                                        # about 300,000 claims, 1 GB

Prints each time, as a command (with Python's start-up, printed too) and as the
service call in-process, the ratio to the plain copy, and the claim and byte counts.
The registry is SQLite, in a temporary folder (--keep to keep it).
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from data import write_lists, write_sources  # noqa: E402
from khavaran.services import backup as backups  # noqa: E402
from khavaran.services.importing import import_files  # noqa: E402
from khavaran.services.registry import init_registry, open_registry  # noqa: E402
from khavaran.settings import Settings  # noqa: E402
from khavaran.storage import queries  # noqa: E402

MB = 1 << 20


def khavaran(home: Path, *args: str) -> float:
    """Run the command as a user would; returns its wall-clock seconds."""
    start = time.perf_counter()
    subprocess.run([sys.executable, "-m", "khavaran", "--home", str(home), "--as", "bench",
                    *args], check=True, stdout=subprocess.DEVNULL)
    return time.perf_counter() - start


def timed(*commands: list[str]) -> float:
    start = time.perf_counter()
    for command in commands:
        subprocess.run(command, check=True)
    return time.perf_counter() - start


def write_exhibits(folder: Path, files: int, total_mb: int, seed: int) -> None:
    folder.mkdir(parents=True)
    rng = random.Random(seed)
    size = max(1, total_mb * MB // files)
    for i in range(files):
        with open(folder / f"exhibit-{seed}-{i}.bin", "wb") as fh:
            fh.write(rng.randbytes(size))


def build(home: Path, persons: int, files: int, vault_mb: int) -> tuple[int, str]:
    """A registry of ``persons`` list persons and a vault; returns the claim count
    and a source id."""
    registry, _ = init_registry(Settings(home=home, db_url=f"sqlite:///{home}/khavaran.db",
                                         actor="bench"))
    lists = home.parent / "lists"
    lists.mkdir()
    write_sources(lists / "sources.csv")
    import_files(registry, [(lists / "sources.csv", "source")], actor="bench")
    start = time.perf_counter()
    import_files(registry, [(p, "list") for p in write_lists(lists, persons)], actor="bench")
    with registry.read() as conn:
        claims = int(queries.counts(conn)["claims"])
        source = str(queries.source_rows(conn)[0]["id"])
    registry.close()
    print(f"imported {persons:,} persons ({claims:,} claims) in "
          f"{time.perf_counter() - start:.0f} s")
    write_exhibits(home.parent / "exhibits", files, vault_mb, seed=1)
    seconds = khavaran(home, "evidence", "add", str(home.parent / "exhibits"), "--source",
                       source)
    print(f"took {files} files ({vault_mb} MB) into the vault in {seconds:.1f} s")
    # As a quiet installation would be: the WAL folded into the database file.
    subprocess.run(["sqlite3", str(home / "khavaran.db"), "PRAGMA wal_checkpoint(TRUNCATE);"],
                   check=True, stdout=subprocess.DEVNULL)
    return claims, source


def du(path: Path) -> int:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--persons", type=int, default=5_000, help="list persons to import")
    ap.add_argument("--files", type=int, default=20, help="files in the vault")
    ap.add_argument("--vault-mb", type=int, default=50, help="megabytes in the vault")
    ap.add_argument("--keep", action="store_true", help="keep the temporary folder")
    args = ap.parse_args()
    if shutil.which("sqlite3") is None:
        sys.exit("needs the sqlite3 command (apt-get install sqlite3)")
    root = Path(tempfile.mkdtemp(prefix="khavaran-bench-backup."))
    try:
        home = root / "home"
        claims, source = build(home, args.persons, args.files, args.vault_mb)
        bk, plain = root / "backup", root / "plain"
        settings = Settings(home=home, db_url=f"sqlite:///{home}/khavaran.db", actor="bench")
        rows: list[tuple[str, float, float | None, float | None]] = []
        # What every command pays before it starts work (heavy on a busy machine).
        startup = timed([sys.executable, "-c", "import khavaran.cli"])
        rows.append(("start-up (import khavaran.cli)", startup, None, None))

        def plain_copy() -> float:
            shutil.rmtree(plain, ignore_errors=True)
            return timed(["mkdir", "-p", str(plain)],
                         ["sqlite3", str(home / "khavaran.db"),
                          f".backup {plain / 'khavaran.db'}"],
                         ["cp", "-r", str(home / "vault"), str(plain / "vault")])

        def in_process(call: Callable[[], object]) -> float:
            start = time.perf_counter()
            call()
            return time.perf_counter() - start

        registry = open_registry(settings)
        ours = khavaran(home, "backup", "--out", str(bk))
        inner = in_process(lambda: backups.backup(registry, root / "bk2", actor="bench"))
        rows.append(("backup (first, full)", ours, inner, plain_copy()))
        verify = time.perf_counter()
        subprocess.run([sys.executable, "-m", "khavaran", "backup", "verify", str(bk)],
                       check=True, stdout=subprocess.DEVNULL)
        inner = in_process(lambda: backups.verify_backup(bk))
        rows.append(("backup verify", time.perf_counter() - verify, inner, None))
        write_exhibits(root / "more", 1, 1, seed=2)
        khavaran(home, "evidence", "add", str(root / "more"), "--source", source)
        ours = khavaran(home, "backup", "--out", str(bk))
        inner = in_process(lambda: backups.backup(registry, root / "bk2", actor="bench"))
        rows.append(("backup (second, 1 new file)", ours, inner, plain_copy()))
        registry.close()
        ours = khavaran(root / "unused", "restore", str(bk), "--home", str(root / "restored"))
        inner = in_process(lambda: backups.restore(bk, root / "restored2", db_url=None,
                                                   actor="bench"))
        base = timed(["mkdir", "-p", str(root / "copied")],
                     ["cp", str(plain / "khavaran.db"), str(root / "copied" / "khavaran.db")],
                     ["cp", "-r", str(plain / "vault"), str(root / "copied" / "vault")])
        rows.append(("restore", ours, inner, base))
        print(f"\nregistry: {claims:,} claims, database "
              f"{(home / 'khavaran.db').stat().st_size / MB:.0f} MB, vault "
              f"{du(home / 'vault') / MB:.0f} MB in {args.files + 1} files; "
              f"{os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f}")
        print(f"{'':30} {'command':>9} {'in-process':>11} {'sqlite3 .backup + cp -r':>24} "
              f"{'ratio (in-process)':>19}")
        for name, ours_s, inner_s, base_s in rows:
            cells = [f"{ours_s:8.2f}s", f"{inner_s:10.2f}s" if inner_s is not None else "-",
                     f"{base_s:23.2f}s" if base_s is not None else "-",
                     f"{ours_s / base_s:.1f}x ({inner_s / base_s:.1f}x)"
                     if base_s is not None and inner_s is not None else "-"]
            print(f"{name:30} {cells[0]:>9} {cells[1]:>11} {cells[2]:>24} {cells[3]:>19}")
    finally:
        if args.keep:
            print(f"kept {root}")
        else:
            subprocess.run(["chmod", "-R", "u+w", str(root)], check=False)
            shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
