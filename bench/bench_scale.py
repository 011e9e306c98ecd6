"""Scale benchmark: a registry of a million claims and a vault of 100,000 items
on PostgreSQL and SeaweedFS, through the command line and the web app.

    KHAVARAN_TEST_PG_FSYNC=on KHAVARAN_TEST_S3_VOLUME_MB=1024 KHAVARAN_TEST_S3_VOLUMES=0 \\
      scripts/with-postgres.sh scripts/with-seaweedfs.sh \\
      .venv/bin/python bench/bench_scale.py [--persons 100000] [--items 100000]
                                            [--median-kb 16] [--seconds 30] [--tmp DIR]

The three variables give the PostgreSQL server fsync (as a real one has) and
SeaweedFS room for gigabytes.  Everything is made for the run and thrown away.
In order, each step timed as a user runs it (the `khavaran` command, so its
start-up is counted):

1. `khavaran import` of the sources and three victim lists: ``--persons`` rows,
   ten claims each (bench/data.py).
2. ``--items`` files of random bytes, sizes log-normal around ``--median-kb``
   (a scanned page or a short document), in folders of ``--chunk``.  Baseline:
   `weed upload -dir` of every folder, straight to the same SeaweedFS (its
   master and volume server, no S3 gateway and no database); a bare boto3
   PUT of each file through the S3 gateway, as many at once as an intake sends
   (what the gateway itself costs); and the same PUT followed by a read-back
   GET checked by SHA-256 (the least an intake that reads back can do).  The
   store's and the client's CPU seconds are printed beside each.  Then `khavaran
   evidence add FOLDER` of each folder: hashed, uploaded through the S3
   gateway with its SHA-256, read back, recorded with its ledger entry, one
   transaction per folder.  The figure is items per second, as a ratio to
   weed's (goal at least 0.7).
3. `khavaran verify`: the registry's rows against the ledger, the ledger's
   chain and signatures, and every object re-hashed from the store.
4. The web app (`khavaran serve --workers 2`): the person page and the search
   page driven by wrk for ``--seconds`` each, next to a static file.
5. `khavaran backup --out`, `backup verify`, and `restore` into a new database
   and home; baseline: `pg_dump -Fc` of the same database.
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import os
import random
import resource
import secrets
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from bench_api import drive, free_port, peak_rss_kib  # noqa: E402
from bench_pages import static_path, wait_for  # noqa: E402
from bench_team import Store, _admin, _need  # noqa: E402
from data import SOURCES, write_lists, write_sources  # noqa: E402
from khavaran.services import accounts  # noqa: E402
from khavaran.services.registry import open_registry  # noqa: E402
from khavaran.services.search import search  # noqa: E402
from khavaran.settings import Settings  # noqa: E402
from khavaran.storage.engine import libpq_url  # noqa: E402
from khavaran.vault.s3 import TRANSFERS  # noqa: E402

KHAVARAN = Path(sys.executable).parent / "khavaran"
WEED = Path(sys.executable).parent / "weed"
QUERIES = ["Hosseini", "حسینی", "Karimi", "Mohammad Rezaei", "Ahmadi", "محمدی", "Jafari",
           "Moradi", "Zahra Kazemi", "رضایی"]


class Run:
    """The run's installation: its command line, environment and timings."""

    def __init__(self, home: Path, db_url: str, vault: str) -> None:
        self.home, self.db_url, self.vault = home, db_url, vault
        self.env = {**os.environ, "KHAVARAN_S3_ENDPOINT": _need("KHAVARAN_TEST_S3_ENDPOINT"),
                    "AWS_ACCESS_KEY_ID": _need("KHAVARAN_TEST_S3_KEY"),
                    "AWS_SECRET_ACCESS_KEY": _need("KHAVARAN_TEST_S3_SECRET"),
                    "KHAVARAN_VAULT": vault, "KHAVARAN_USER": "bench"}

    def base(self) -> list[str]:
        return [str(KHAVARAN), "--home", str(self.home), "--db", self.db_url]

    def khavaran(self, *args: str, quiet: bool = True) -> float:
        """Seconds the command took; it must succeed."""
        return timed([*self.base(), *args], self.env, quiet=quiet)


def timed(argv: Sequence[str], env: dict[str, str] | None = None, *,
          quiet: bool = True) -> float:
    start = time.perf_counter()
    done = subprocess.run(list(argv), env=env, capture_output=quiet, text=True)
    took = time.perf_counter() - start
    if done.returncode != 0:
        tail = (done.stdout or "")[-1500:] + (done.stderr or "")[-1500:]
        raise SystemExit(f"{' '.join(argv[:6])} ... exited {done.returncode}:\n{tail}")
    return took


def make_files(root: Path, items: int, chunk: int, median_kb: float, seed: int) -> list[Path]:
    """Folders of unique random files; returns the folders."""
    rng = random.Random(seed)
    folders = []
    for n in range(items):
        if n % chunk == 0:
            folders.append(root / f"{n // chunk:04d}")
            folders[-1].mkdir(parents=True)
        size = int(min(16 * median_kb * 1024, max(512, rng.lognormvariate(0, 1.0)
                                                         * median_kb * 1024)))
        (folders[-1] / f"doc-{n:07d}.bin").write_bytes(os.urandom(size))
    return folders


def weed_master() -> str:
    """host:port.grpcport: weed's clients assume port + 10000 for gRPC otherwise."""
    flags = dict(a.split("=", 1) for a in Store().argv if "=" in a)
    return f"127.0.0.1:{flags['-master.port']}.{flags['-master.port.grpc']}"


def weed_upload(folders: list[Path]) -> tuple[float, int]:
    """Seconds, files stored: weed's own client, folder by folder, as our intake goes."""
    master = weed_master()
    stored = 0
    start = time.perf_counter()
    for folder in folders:
        out = subprocess.run([str(WEED), "upload", f"-master={master}", f"-dir={folder}"],
                             capture_output=True, text=True, check=True).stdout
        stored += out.count('"fid"')
    return time.perf_counter() - start, stored


def bare_put(folders: list[Path], *, read_back: bool = False) -> float:
    """Seconds to PUT every file through the S3 gateway, as many at once as an
    intake sends, with nothing else: no database, no staging.  With ``read_back``,
    each is then read back and its SHA-256 checked: the least that an intake
    following the issue's rule (read back and verified before it commits) can do."""
    import boto3
    from botocore.config import Config

    s3 = boto3.client("s3", endpoint_url=_need("KHAVARAN_TEST_S3_ENDPOINT"),
                      aws_access_key_id=_need("KHAVARAN_TEST_S3_KEY"),
                      aws_secret_access_key=_need("KHAVARAN_TEST_S3_SECRET"),
                      region_name="us-east-1",
                      config=Config(max_pool_connections=2 * TRANSFERS,
                                    request_checksum_calculation="when_required",
                                    response_checksum_validation="when_required",
                                    s3={"addressing_style": "path"}))
    bucket, prefix = _need("KHAVARAN_TEST_S3_BUCKET"), f"bare-{secrets.token_hex(4)}"

    def put(path: Path) -> None:
        body = path.read_bytes()
        key = f"{prefix}/{path.parent.name}/{path.name}"
        s3.put_object(Bucket=bucket, Key=key, Body=body)
        if read_back:
            got = s3.get_object(Bucket=bucket, Key=key)["Body"]
            digest = hashlib.sha256()
            while chunk := got.read(1 << 20):
                digest.update(chunk)
            if digest.digest() != hashlib.sha256(body).digest():
                raise SystemExit(f"{key} did not read back as written")

    start = time.perf_counter()
    with ThreadPoolExecutor(TRANSFERS) as pool:
        for d in folders:
            list(pool.map(put, sorted(d.iterdir())))
    return time.perf_counter() - start


class Cpu:
    """CPU seconds spent by the store (SeaweedFS, all of its parts in one process)
    and by the client (this process's threads and the commands it ran) while a
    step ran: on two cores the two compete, so together they bound the step."""

    def __init__(self) -> None:
        self.store_pid = Store().pid
        self.tick = os.sysconf("SC_CLK_TCK")

    def _now(self) -> tuple[float, float]:
        fields = Path(f"/proc/{self.store_pid}/stat").read_text().rsplit(")", 1)[1].split()
        store = (int(fields[11]) + int(fields[12])) / self.tick
        me, kids = (resource.getrusage(w) for w in (resource.RUSAGE_SELF,
                                                    resource.RUSAGE_CHILDREN))
        return store, me.ru_utime + me.ru_stime + kids.ru_utime + kids.ru_stime

    @contextlib.contextmanager
    def measuring(self) -> Iterator[list[float]]:
        spent: list[float] = []
        store0, client0 = self._now()
        yield spent
        store1, client1 = self._now()
        spent.extend([store1 - store0, client1 - client0])


def cpu_note(spent: list[float]) -> str:
    return f"  cpu: store {spent[0]:6.1f} s, client {spent[1]:6.1f} s"


def line(what: str, seconds: float, extra: str = "") -> None:
    print(f"  {what:<44} {seconds:9.1f} s{extra}", flush=True)


def pg_dump(db_url: str, out: Path) -> float:
    tool = next(Path("/usr/lib/postgresql").glob("*/bin/pg_dump"))
    return timed([str(tool), "-Fc", "-f", str(out), libpq_url(db_url)])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--persons", type=int, default=100_000)
    ap.add_argument("--items", type=int, default=100_000)
    ap.add_argument("--chunk", type=int, default=1000, help="files per evidence add")
    ap.add_argument("--median-kb", type=float, default=16)
    ap.add_argument("--seconds", type=int, default=30, help="wrk's time per route")
    ap.add_argument("--connections", type=int, default=8)
    ap.add_argument("--tmp", type=Path, default=None, help="where the files go")
    args = ap.parse_args()
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is missing: scripts/system-packages.sh --bench installs it")
    admin = _need("KHAVARAN_TEST_PG_URL")
    fsync = _admin("SHOW fsync")
    name = f"khavaran_scale_{secrets.token_hex(4)}"
    restored_db = name + "_restored"
    _admin(f"CREATE DATABASE {name}")
    _admin(f"CREATE DATABASE {restored_db}")
    db_url = admin.rsplit("/", 1)[0] + "/" + name
    vault = f"s3://{_need('KHAVARAN_TEST_S3_BUCKET')}/scale-{secrets.token_hex(4)}/evidence"
    folder = Path(tempfile.mkdtemp(prefix="bench-scale-", dir=args.tmp))
    print(f"bench_scale: {args.persons:,} persons, {args.items:,} items; PostgreSQL "
          f"(fsync {fsync}), SeaweedFS; load {os.getloadavg()[0]:.1f} on {os.cpu_count()} "
          "cores", flush=True)
    try:
        run = Run(folder / "home", db_url, vault)
        run.khavaran("init")
        lists = folder / "lists"
        lists.mkdir()
        write_sources(lists / "sources.csv")
        paths = write_lists(lists, args.persons)
        run.khavaran("import", str(lists / "sources.csv"))
        took = run.khavaran("import", *map(str, paths))
        settings = Settings(home=run.home, db_url=db_url, actor="bench", vault=vault,
                            s3_endpoint=run.env["KHAVARAN_S3_ENDPOINT"])
        registry = open_registry(settings)
        claims = registry_claims(registry)
        line(f"import of {args.persons:,} list rows ({claims:,} claims)", took,
             f"  {claims / took:8,.0f} claims/s  database {db_size(name)}")

        if args.items:
            intake(run, registry, args, folder, name)

        line("khavaran verify (registry, ledger, every object)", run.khavaran("verify"))
        web(run, registry, args, folder)
        registry.close()

        dump_s = pg_dump(db_url, folder / "baseline.pgdump")
        line("pg_dump -Fc (baseline)", dump_s)
        backup = folder / "backup"
        line("khavaran backup --out", run.khavaran("backup", "--out", str(backup)),
             f"  {du(backup) / 1e9:.2f} GB")
        line("khavaran backup verify", run.khavaran("backup", "verify", str(backup)))
        restored = Run(folder / "restored", admin.rsplit("/", 1)[0] + "/" + restored_db,
                       vault)
        restored.env.pop("KHAVARAN_VAULT")  # a restore rebuilds the folder vault
        line("khavaran restore (new database and home)",
             timed([str(KHAVARAN), "restore", str(backup), "--home", str(restored.home),
                    "--db", restored.db_url], restored.env))
    finally:
        shutil.rmtree(folder, ignore_errors=True)
        _admin(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        _admin(f"DROP DATABASE IF EXISTS {restored_db} WITH (FORCE)")


def intake(run: Run, registry: object, args: argparse.Namespace, folder: Path,
           name: str) -> None:
    """Step 2: the files, weed's upload and a bare PUT as baselines, then the intake."""
    folders = make_files(folder / "files", args.items, args.chunk, args.median_kb, 1988)
    total = sum(f.stat().st_size for d in folders for f in d.iterdir())
    print(f"  {args.items:,} files, {total / 1e9:.2f} GB (median {args.median_kb:g} kB) "
          f"in {len(folders)} folders", flush=True)
    cpu = Cpu()
    with cpu.measuring() as spent:
        weed_s, stored = weed_upload(folders)
    if stored != args.items:
        raise SystemExit(f"weed upload stored {stored} of {args.items} files")
    line("weed upload (baseline)", weed_s, f"  {args.items / weed_s:8,.1f} items/s  "
         f"{total / weed_s / 1e6:6.1f} MB/s" + cpu_note(spent))
    for what, read_back in (("", False), (" and read back", True)):
        with cpu.measuring() as spent:
            put_s = bare_put(folders, read_back=read_back)
        line(f"boto3 PUT{what}, {TRANSFERS} at once", put_s,
             f"  {args.items / put_s:8,.1f} items/s  {total / put_s / 1e6:6.1f} MB/s  "
             f"{weed_s / put_s:.2f} of weed's" + cpu_note(spent))
    start = time.perf_counter()
    with cpu.measuring() as spent:
        for d in folders:
            run.khavaran("evidence", "add", str(d), "--source", SOURCES[0])
    add_s = time.perf_counter() - start
    ratio = weed_s / add_s
    line("khavaran evidence add", add_s, f"  {args.items / add_s:8,.1f} items/s  "
         f"{total / add_s / 1e6:6.1f} MB/s  {ratio:.2f} of weed's (goal at least 0.7: "
         f"{'met' if ratio >= 0.7 else 'MISSED'})" + cpu_note(spent))
    items = registry_items(registry)
    if items != args.items:
        raise SystemExit(f"the vault holds {items} items, not {args.items}")
    shutil.rmtree(folder / "files")
    print(f"  database with the vault's records: {db_size(name)}", flush=True)


def registry_claims(registry: object) -> int:
    from khavaran.storage import queries

    with registry.read() as conn:  # type: ignore[attr-defined]
        return int(queries.counts(conn)["claims"])


def registry_items(registry: object) -> int:
    from sqlalchemy import func, select

    from khavaran.storage.vault_tables import evidence_item

    with registry.read() as conn:  # type: ignore[attr-defined]
        return int(conn.execute(select(func.count()).select_from(evidence_item)).scalar_one())


def db_size(name: str) -> str:
    return str(_admin(f"SELECT pg_size_pretty(pg_database_size('{name}'))"))


def du(path: Path) -> int:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())


def web(run: Run, registry: object, args: argparse.Namespace, folder: Path) -> None:
    accounts.add_account(registry, "bench-viewer", "viewer", actor="bench",  # type: ignore[arg-type]
                         password="bench password 123")
    token = accounts.issue_token(registry, "bench-viewer", actor="bench")  # type: ignore[arg-type]
    ids = sorted({h.id for q in QUERIES
                  for h in search(registry, q, limit=30, schema="Person")})  # type: ignore[arg-type]
    port = free_port()
    server = subprocess.Popen([*run.base(), "serve", "--port", str(port), "--workers", "2"],
                              env=run.env, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    static = static_path()
    try:
        wait_for(base + static)
        routes = [("static " + static, [static], None),
                  ("GET /persons/{id}", [f"/persons/{i}" for i in ids], 100.0),
                  ("GET /search?q=", [f"/search?q={urllib.request.quote(q)}"
                                      for q in QUERIES], 150.0)]
        print(f"  web app: 2 workers; wrk, {args.connections} connections, {args.seconds} s "
              f"per route; {len(ids)} person pages, {len(QUERIES)} queries", flush=True)
        baseline = 0.0
        for what, paths, goal in routes:
            rps, p50, p95 = drive(base, paths, token, args.seconds, args.connections, folder)
            baseline = baseline or rps
            verdict = "" if goal is None else \
                f"  (goal p95 < {goal:g} ms: {'met' if p95 < goal else 'MISSED'})"
            print(f"    {what:<30} {rps:8.1f} req/s ({rps / baseline:6.3f} of static)  "
                  f"p50 {p50:7.1f} ms  p95 {p95:7.1f} ms{verdict}", flush=True)
        print(f"    peak memory of the server: {peak_rss_kib(server.pid) / 1024:.0f} MiB")
    finally:
        server.terminate()
        server.wait(timeout=30)


if __name__ == "__main__":
    main()
