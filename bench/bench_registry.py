"""Registry benchmark: import rate on SQLite and PostgreSQL, search latency.

    make bench            (starts a throw-away PostgreSQL server for the PG figure)
    python bench/bench_registry.py [--persons N] [--search-persons N]

Speeds are shown next to a baseline run in the same process (plain sqlite3
executemany of the same number of rows into bare tables, and a primary-key
lookup), because these machines are shared and noisy: the ratio travels
better than the absolute figure.
"""

from __future__ import annotations

import argparse
import os
import sqlite3
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path

from sqlalchemy import create_engine, text

sys.path.insert(0, str(Path(__file__).parent))
from data import write_lists, write_sources  # noqa: E402
from khavaran.demo.names import FAMILY, LATIN_VARIANTS, MALE  # noqa: E402
from khavaran.services.importing import import_files  # noqa: E402
from khavaran.services.registry import Registry, init_registry  # noqa: E402
from khavaran.services.search import search  # noqa: E402
from khavaran.settings import Settings  # noqa: E402
from khavaran.storage import queries  # noqa: E402


def baseline_inserts(folder: Path, claims: int) -> float:
    """Seconds for sqlite3 to insert claims, citations and history rows into bare tables."""
    db = sqlite3.connect(folder / "baseline.db")
    db.execute("PRAGMA journal_mode=WAL")
    for t in ("claim", "citation", "history"):
        db.execute(f"CREATE TABLE {t} (a TEXT, b TEXT, c TEXT, d TEXT, e TEXT, f TEXT)")
    rows = [(f"c-{i:024x}", f"p-{i // 10:024x}", "name", "Ali Karimi", "ali karimi", "x")
            for i in range(claims)]
    start = time.perf_counter()
    for t in ("claim", "citation", "history"):
        db.executemany(f"INSERT INTO {t} VALUES (?,?,?,?,?,?)", rows)
    db.commit()
    elapsed = time.perf_counter() - start
    db.close()
    return elapsed


def timed_import(registry: Registry, folder: Path, persons: int) -> tuple[float, dict, dict]:
    write_sources(folder / "sources.csv")
    lists = write_lists(folder, persons)
    import_files(registry, [(folder / "sources.csv", "source")], actor="bench")
    start = time.perf_counter()
    report = import_files(registry, [(p, "list") for p in lists], actor="bench")
    elapsed = time.perf_counter() - start
    with registry.read() as conn:
        rows = {"claims": queries.counts(conn)["claims"],
                "citations": queries.counts(conn)["citations"],
                "history": queries.counts(conn)["history"]}
        rows["search index entries"] = int(conn.execute(
            text("SELECT count(*) FROM search_token")).scalar_one())
    return elapsed, dict(report.added), rows


def sqlite_registry(folder: Path) -> Registry:
    registry, _ = init_registry(Settings(home=folder, db_url=f"sqlite:///{folder}/k.db",
                                         actor="bench"))
    return registry


def pg_registry(folder: Path) -> tuple[Registry, str] | None:
    url = os.environ.get("KHAVARAN_TEST_PG_URL")
    if not url:
        return None
    name = f"bench_{uuid.uuid4().hex[:8]}"
    admin = create_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f"CREATE DATABASE {name}"))
    admin.dispose()
    registry, _ = init_registry(Settings(home=folder, db_url=url.rsplit("/", 1)[0] + "/" + name,
                                         actor="bench"))
    return registry, name


def drop_pg(name: str) -> None:
    admin = create_engine(os.environ["KHAVARAN_TEST_PG_URL"], isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
    admin.dispose()


def search_queries() -> list[str]:
    """100 fixed queries: 50 in Latin script (with variant spellings), 50 in Persian."""
    latin, persian = [], []
    for i in range(50):
        g, f = MALE[i % len(MALE)], FAMILY[(i * 7) % len(FAMILY)]
        variants = LATIN_VARIANTS.get(f[0], [f[0]])
        gv = LATIN_VARIANTS.get(g[0], [g[0]])
        forms = [f"{g[0]} {f[0]}", f[0], variants[i % len(variants)], f"{g[0]} {variants[0]}",
                 f"{gv[i % len(gv)].upper()} {f[0]}"]
        latin.append(forms[i % len(forms)])
        pforms = [f"{g[1]} {f[1]}", f[1], f"{g[1]} {f[1].replace('ی', 'ي')}", g[1],
                  f"{f[1]} {g[1]}"]
        persian.append(pforms[i % len(pforms)])
    return latin + persian


def bench_search(registry: Registry) -> dict[str, float]:
    qs = search_queries()
    search(registry, qs[0])  # warm the connection pool and caches once
    times, hits = [], []
    for q in qs:
        start = time.perf_counter()
        found = search(registry, q, limit=20)
        times.append((time.perf_counter() - start) * 1000)
        hits.append(len(found))
    ids = [f"p-{i:024x}" for i in range(100)]
    base = []
    with registry.read() as conn:
        for rid in ids:
            start = time.perf_counter()
            queries.entity_row(conn, rid)
            base.append((time.perf_counter() - start) * 1000)
    times.sort()
    return {"p50": statistics.median(times), "p95": times[94], "max": times[-1],
            "zero-hit queries": sum(1 for h in hits if h == 0),
            "baseline pk lookup p50": statistics.median(base)}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--persons", type=int, default=30000)
    ap.add_argument("--search-persons", type=int, default=100000)
    ap.add_argument("--skip-pg", action="store_true")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        claims = args.persons * 10
        (root / "base").mkdir()
        base = baseline_inserts(root / "base", claims)
        (root / "sqlite").mkdir()
        secs, added, rows = timed_import(sqlite_registry(root / "sqlite"), root / "sqlite",
                                         args.persons)
        print(f"import into SQLite: {args.persons:,} persons, {added['claims']:,} claims in "
              f"{secs:.1f} s = {added['claims'] / secs:,.0f} claims/s")
        print(f"  rows written: {', '.join(f'{v:,} {k}' for k, v in rows.items())}")
        print(f"  baseline (bare sqlite3 executemany of {3 * claims:,} rows): {base:.1f} s; "
              f"ratio import/baseline = {secs / base:.1f}")
        if not args.skip_pg and (pg := pg_registry(root / "pg")):
            registry, name = pg
            (root / "pgdata").mkdir()
            try:
                psecs, padded, _ = timed_import(registry, root / "pgdata", args.persons)
            finally:
                registry.close()
                drop_pg(name)
            print(f"import into PostgreSQL: {padded['claims']:,} claims in {psecs:.1f} s = "
                  f"{padded['claims'] / psecs:,.0f} claims/s (ratio to SQLite {psecs / secs:.2f})")
        (root / "search").mkdir()
        registry = sqlite_registry(root / "search")
        ssecs, _, _ = timed_import(registry, root / "search", args.search_persons)
        figures = bench_search(registry)
        print(f"search over {args.search_persons:,} persons (SQLite, through the service "
              f"layer, 100 fixed queries, 50 Latin + 50 Persian): "
              f"p50 {figures['p50']:.1f} ms, p95 {figures['p95']:.1f} ms, "
              f"max {figures['max']:.1f} ms; {figures['zero-hit queries']} queries found "
              f"nothing")
        print(f"  baseline primary-key lookup p50 {figures['baseline pk lookup p50']:.2f} ms; "
              f"ratio search p95/baseline = "
              f"{figures['p95'] / figures['baseline pk lookup p50']:.0f}")
        print(f"  (building it: {args.search_persons * 10:,} claims imported in {ssecs:.0f} s)")


if __name__ == "__main__":
    main()
