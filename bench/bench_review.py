"""Review queue benchmark: the next pair (`GET /review`) at 65,000 records, next
to a primary-key page of the same app (`GET /persons/{id}`) in the same run.

    python bench/bench_review.py [--persons 30000] [--judge 50] [--home DIR]

Builds a registry from bench/linkage_data.py's five fictional lists (30,000
persons give 65,172 records, with their real duplicates; the import scores the
queue's stored pairs, and the time to score them all again is printed), then in process,
with the TestClient and an analyst's API token: the next pair page, a
judgement and the next pair after it (the queue as a reviewer walks it), and a
person page, each as median and p95.  In process rather than wrk: one request
at a time is what a reviewer makes, and the machine is shared.  --home keeps
the registry between runs (built when the folder is empty).
"""

from __future__ import annotations

import argparse
import re
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from fastapi.testclient import TestClient

sys.path.insert(0, str(Path(__file__).parent))
from khavaran.services import accounts, dedupe, link_pairs  # noqa: E402
from khavaran.services.importing import import_files  # noqa: E402
from khavaran.services.registry import Registry, init_registry  # noqa: E402
from khavaran.settings import Settings  # noqa: E402
from khavaran.web import create_app  # noqa: E402
from linkage_data import LISTS, generate, write_dataset  # noqa: E402


def open_registry(home: Path) -> Registry:
    registry, _ = init_registry(Settings(home=home, db_url=f"sqlite:///{home}/khavaran.db",
                                         actor="bench"))
    return registry


def build(home: Path, persons: int) -> Registry:
    registry = open_registry(home)
    folder = home / "lists"
    paths = write_dataset(generate(persons), folder)
    sources = folder / "sources.csv"
    sources.write_text("id,kind,title,publisher_type,reliability,fictional\n" + "".join(
        f"{ls.source},list,Benchmark list {ls.source} (fictional),ngo,C,true\n"
        for ls in LISTS), encoding="utf-8")
    import_files(registry, [(sources, "source")], actor="bench")
    start = time.perf_counter()
    import_files(registry, [(p, "list") for p in paths], actor="bench")
    print(f"imported {persons:,} persons in {time.perf_counter() - start:.0f} s")
    return registry


def timed(label: str, calls: list[Callable[[], object]]) -> float:
    times = []
    for call in calls:
        start = time.perf_counter()
        call()
        times.append((time.perf_counter() - start) * 1000)
    times.sort()
    p95 = times[min(len(times) - 1, int(len(times) * 0.95))]
    print(f"  {label:<38} n={len(times):4d}  median {statistics.median(times):7.1f} ms  "
          f"p95 {p95:7.1f} ms")
    return p95


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--persons", type=int, default=30000)
    ap.add_argument("--judge", type=int, default=50, help="judgements made (and next pairs)")
    ap.add_argument("--home", type=Path, default=None)
    ap.add_argument("--rescore", action="store_true", help="time scoring every pair again")
    args = ap.parse_args()
    home = args.home or Path(tempfile.mkdtemp(prefix="bench-review-"))
    home.mkdir(parents=True, exist_ok=True)
    registry = build(home, args.persons) if not (home / "khavaran.db").exists() \
        else open_registry(home)
    with registry.read() as conn:
        records = conn.exec_driver_sql("select count(*) from source_record").scalar_one()
    start = time.perf_counter()
    stored = link_pairs.refresh(registry, rescore=args.rescore)
    print(f"{records:,} records; {stored:,} pairs scored in {time.perf_counter() - start:.1f} s "
          "(all of them with --rescore, else none: the import scored them)")
    name = f"bench-analyst-{int(time.time())}"
    accounts.add_account(registry, name, "analyst", actor="bench", password="bench password 1")
    token = accounts.issue_token(registry, name, actor="bench")
    headers = {"authorization": f"Bearer {token}"}
    app = create_app(registry.settings, registry=registry)
    with TestClient(app, base_url="https://testserver") as client:
        first = client.get("/review?lang=en", headers=headers)
        assert first.status_code == 200, first.text[:500]
        left = re.search(r'id="left">(\d+)', first.text)
        print(f"  pairs left to judge: {left.group(1) if left else '?'}")
        pair, _ = dedupe.next_pair(registry)
        assert pair is not None
        person = pair.a.member

        def page() -> None:
            assert client.get("/review", headers=headers).status_code == 200

        def judge_and_next() -> None:
            r = client.get("/review", headers=headers)
            a = re.search(r'name="a" value="([^"]+)"', r.text)
            b = re.search(r'name="b" value="([^"]+)"', r.text)
            assert a and b
            done = client.post("/review", headers=headers, follow_redirects=False,
                               data={"a": a.group(1), "b": b.group(1), "decision": "unsure"})
            assert done.status_code == 303, done.text[:500]

        def person_page() -> None:
            assert client.get(f"/persons/{person}", headers=headers).status_code == 200

        for rnd in range(2):
            print(f"round {rnd + 1}")
            review = timed("GET /review (next pair)", [page] * args.judge)
            walk = timed("GET /review, then judge unsure", [judge_and_next] * args.judge)
            pk = timed("GET /persons/{id} (primary key)", [person_page] * args.judge)
            print(f"  next pair p95 / person page p95: {review / pk:.1f}x; "
                  f"judge+next p95 {walk:.0f} ms")
    registry.close()


if __name__ == "__main__":
    main()
