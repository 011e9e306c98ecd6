"""The registry in the ledger: what sealing costs an import, and what `khavaran verify`
costs next to verifying the ledger alone (issue 13's figures).

    python bench/bench_seal.py [--persons 30000] [--rounds 2] [--entries 1000000]

1. Import: the same three fictional lists (bench/data.py, 10 claims a row) into a fresh
   SQLite registry, once as Khavaran does it (every write transaction sealed in the
   signed ledger) and once with the same import service but without the seal, in
   alternating rounds in this process; the best round of each is compared.
2. Verify: the sealed registry of part 1, its ledger grown to --entries entries, checked
   by `verify_installation` (what `khavaran verify` runs: vault and ledger, triggers,
   every sealed row) against `verification.verify` alone (the ledger and vault check
   that `evidence verify --all` runs), in the same run.

The machine is shared: read the ratios, printed with both times.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import Connection, func, select

sys.path.insert(0, str(Path(__file__).parent))
from bench_vault import build_ledger  # noqa: E402
from data import write_lists, write_sources  # noqa: E402
from khavaran.services import integrity, verification  # noqa: E402
from khavaran.services.importing import import_files  # noqa: E402
from khavaran.services.registry import Registry, init_registry  # noqa: E402
from khavaran.settings import Settings  # noqa: E402
from khavaran.storage.tables import claim  # noqa: E402
from khavaran.storage.vault_tables import ledger_entry  # noqa: E402


class Unsealed(Registry):
    """The baseline only: the same transactions, nothing sealed in the ledger."""

    @contextmanager
    def write(self) -> Iterator[Connection]:
        with self.engine.begin() as conn:
            yield conn


def fresh(home: Path, sealed: bool) -> Registry:
    registry, _ = init_registry(Settings(home=home, db_url=f"sqlite:///{home}/k.db",
                                         actor="bench"))
    if sealed:
        return registry
    return Unsealed(registry.settings, registry.engine)


def timed_import(home: Path, lists: list[Path], sources: Path, sealed: bool
                 ) -> tuple[float, float, int, Registry]:
    """(wall seconds, CPU seconds of this process, claims, the registry)."""
    home.mkdir()
    registry = fresh(home, sealed)
    import_files(registry, [(sources, "source")], actor="bench")
    start, cpu = time.perf_counter(), time.process_time()
    report = import_files(registry, [(p, "list") for p in lists], actor="bench")
    return (time.perf_counter() - start, time.process_time() - cpu, report.added["claims"],
            registry)


def bench_import(root: Path, persons: int, rounds: int) -> Registry:
    data = root / "data"
    data.mkdir()
    write_sources(data / "sources.csv")
    lists = write_lists(data, persons)
    best: dict[bool, float] = {}
    best_cpu: dict[bool, float] = {}
    claims = 0
    keep: Registry | None = None
    for n in range(rounds):
        for sealed in (True, False):
            secs, cpu, claims, registry = timed_import(root / f"r{n}-{sealed}", lists,
                                                       data / "sources.csv", sealed)
            print(f"  round {n + 1}, {'sealed' if sealed else 'unsealed'}: {secs:.2f} s "
                  f"= {claims / secs:,.0f} claims/s (CPU {cpu:.2f} s)", flush=True)
            best[sealed] = min(best.get(sealed, secs), secs)
            best_cpu[sealed] = min(best_cpu.get(sealed, cpu), cpu)
            if sealed and keep is None:
                keep = registry
            else:
                registry.close()
    assert keep is not None
    print(f"import of {persons:,} persons = {claims:,} claims into SQLite, best of {rounds}:")
    print(f"  with the registry in the ledger: {best[True]:.2f} s = "
          f"{claims / best[True]:,.0f} claims/s")
    print(f"  without (same import, no seal):  {best[False]:.2f} s = "
          f"{claims / best[False]:,.0f} claims/s")
    print(f"  ratio (throughput sealed / unsealed) = {best[False] / best[True]:.2f}"
          f"   (goals: >= 0.75 and >= 15,000 claims/s)")
    print(f"  the same ratio in CPU seconds of this process (steadier when the machine is "
          f"shared): {best_cpu[False] / best_cpu[True]:.2f} "
          f"({best_cpu[True]:.2f} s against {best_cpu[False]:.2f} s)")
    return keep


def bench_verify(registry: Registry, entries: int) -> None:
    with registry.read() as conn:
        have = conn.execute(select(func.count()).select_from(ledger_entry)).scalar_one()
    if entries > have:
        start = time.perf_counter()
        build_ledger(registry, entries - have, items=1000)
        print(f"  (grew the ledger by {entries - have:,} entries in "
              f"{time.perf_counter() - start:.0f} s)", flush=True)
    with registry.read() as conn:
        claims = conn.execute(select(func.count()).select_from(claim)).scalar_one()
        have = conn.execute(select(func.count()).select_from(ledger_entry)).scalar_one()
    start = time.perf_counter()
    alone = verification.verify(registry, None, actor="bench")
    ledger_secs = time.perf_counter() - start
    start = time.perf_counter()
    whole = integrity.verify_installation(registry, actor="bench")
    whole_secs = time.perf_counter() - start
    assert not alone.problems and whole.ok, (alone.problems[:3], whole.problems[:3])
    parts = ", ".join(f"{k} {v:.1f} s" for k, v in whole.seconds.items())
    print(f"verify: {claims:,} claims, {have:,} ledger entries, "
          f"{whole.rows:,} sealed rows, {whole.seals:,} seals:")
    print(f"  the ledger and vault alone (evidence verify --all): {ledger_secs:.1f} s")
    print(f"  khavaran verify (all of it): {whole_secs:.1f} s ({parts})")
    print(f"  ratio khavaran verify / ledger alone = {whole_secs / ledger_secs:.2f}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--persons", type=int, default=30000)
    ap.add_argument("--rounds", type=int, default=2)
    ap.add_argument("--entries", type=int, default=1_000_000)
    ap.add_argument("--skip-verify", action="store_true")
    args = ap.parse_args()
    print(f"load average at start: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    with tempfile.TemporaryDirectory() as tmp:
        registry = bench_import(Path(tmp), args.persons, args.rounds)
        if not args.skip_verify:
            bench_verify(registry, args.entries)
        registry.close()
    print(f"load average at end: {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
