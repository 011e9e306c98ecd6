"""Many users at once on a team installation, with processes killed along the way
(issue 22, point 3): 20 simulated users for 5 minutes on PostgreSQL and SeaweedFS,
the web app in two processes with two job workers, and in turn a job worker, a web
process, SeaweedFS and PostgreSQL killed with SIGKILL (the store and the database
started again after a few seconds, as a service manager would).

    scripts/with-postgres.sh scripts/with-seaweedfs.sh .venv/bin/python bench/bench_team.py
    ... bench/bench_team.py --users 3 --seconds 30            # a quick look

Prints, per action (a cited claim through the API, a pair judged in the review
queue, an evidence upload, an item's check started as a job), how many were
accepted, the rate and the p95 of the answer time; then what the counts found:
accepted writes missing or found twice, jobs that did not end, server errors or
deadlocks shown to a user, and whether `khavaran verify` passed.  The driver is
bench/team_load.py; tests/web/test_team_smoke.py runs a small version of it in
`make test`.
"""

from __future__ import annotations

import argparse
import os
import secrets
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).parent))
from khavaran.services.registry import open_registry  # noqa: E402
from khavaran.settings import Settings  # noqa: E402
from khavaran.storage.engine import make_engine  # noqa: E402
from team_load import Kill, Team, children, cmdline, run  # noqa: E402


def _need(name: str) -> str:
    value = os.environ.get(name)
    if not value:
        sys.exit(f"bench_team: {name} is not set: run under scripts/with-postgres.sh "
                 "scripts/with-seaweedfs.sh (see this file's docstring)")
    return value


def _admin(sql: str) -> Any:
    from sqlalchemy import text

    engine = make_engine(_need("KHAVARAN_TEST_PG_URL"))
    try:
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            result = conn.execute(text(sql))
            return result.scalar() if result.returns_rows else None
    finally:
        engine.dispose()


def _pg_postmaster() -> tuple[int, str]:
    data = str(_admin("SHOW data_directory"))
    pid = int(Path(data, "postmaster.pid").read_text().split()[0])
    return pid, data


def kill_postgres() -> str:
    """SIGKILL the server, then start it again with its own options (it recovers)."""
    pid, data = _pg_postmaster()
    started = time.monotonic()
    os.kill(pid, signal.SIGKILL)
    time.sleep(5)
    # pg_ctl restart reads the options the server was started with (postmaster.opts).
    pg_ctl = next(Path("/usr/lib/postgresql").glob("*/bin/pg_ctl"))
    as_postgres = ["runuser", "-u", "postgres", "--"] if os.getuid() == 0 else []
    subprocess.run([*as_postgres, str(pg_ctl), "-D", data, "-l", f"{data}/../server.log",
                    "-w", "restart"], check=True, stdout=subprocess.DEVNULL,
                   stderr=subprocess.DEVNULL)
    return f"PostgreSQL {pid}, answering again after {time.monotonic() - started:.0f} s"


class Store:
    """The run's SeaweedFS: found by its S3 port, killed and started again as it was."""

    def __init__(self) -> None:
        port = _need("KHAVARAN_TEST_S3_ENDPOINT").rsplit(":", 1)[1]
        self.restarted: subprocess.Popen[bytes] | None = None
        found = [p for p in (int(d) for d in os.listdir("/proc") if d.isdigit())
                 if b"weed\0server" in cmdline(p) and f"-s3.port={port}".encode() in cmdline(p)]
        if not found:
            sys.exit("bench_team: the SeaweedFS server was not found")
        self.pid = found[0]
        self.argv = [a.decode() for a in cmdline(self.pid).split(b"\0") if a]

    def kill(self) -> str:
        old = self.pid
        started = time.monotonic()
        os.kill(old, signal.SIGKILL)
        for c in children(old):
            os.kill(c, signal.SIGKILL)
        time.sleep(5)
        log = open(os.environ.get("BENCH_TEAM_WEED_LOG", os.devnull), "wb")  # noqa: SIM115
        self.restarted = subprocess.Popen(self.argv, stdout=log, stderr=log)
        self.pid = self.restarted.pid
        return f"SeaweedFS {old}, answering again after {self._wait_ready(started):.0f} s"

    def _wait_ready(self, started: float) -> float:
        """Seconds from the kill until the store takes a write again (it elects its
        master and finds its volumes first, which takes a while)."""
        import boto3

        s3 = boto3.client("s3", endpoint_url=_need("KHAVARAN_TEST_S3_ENDPOINT"),
                          aws_access_key_id=_need("KHAVARAN_TEST_S3_KEY"),
                          aws_secret_access_key=_need("KHAVARAN_TEST_S3_SECRET"),
                          region_name="us-east-1")
        while time.monotonic() - started < 120:
            try:
                s3.put_object(Bucket=_need("KHAVARAN_TEST_S3_BUCKET"), Key="ready", Body=b"")
                s3.delete_object(Bucket=_need("KHAVARAN_TEST_S3_BUCKET"), Key="ready")
                break
            except Exception:  # noqa: BLE001 - not up yet
                time.sleep(0.5)
        return time.monotonic() - started

    def stop(self) -> None:
        if self.restarted is not None and self.restarted.poll() is None:
            self.restarted.kill()
            self.restarted.wait()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--users", type=int, default=20)
    parser.add_argument("--seconds", type=float, default=300)
    parser.add_argument("--no-kills", action="store_true", help="the same load, nothing killed")
    args = parser.parse_args()

    admin = _need("KHAVARAN_TEST_PG_URL")
    key, secret = _need("KHAVARAN_TEST_S3_KEY"), _need("KHAVARAN_TEST_S3_SECRET")
    endpoint, bucket = _need("KHAVARAN_TEST_S3_ENDPOINT"), _need("KHAVARAN_TEST_S3_BUCKET")
    name = f"khavaran_team_{secrets.token_hex(4)}"
    _admin(f"CREATE DATABASE {name}")
    db_url = admin.rsplit("/", 1)[0] + "/" + name
    vault = f"s3://{bucket}/team-{secrets.token_hex(4)}/evidence"
    store = Store()
    with tempfile.TemporaryDirectory(prefix="khavaran-team-") as tmp:
        home = Path(tmp) / "home"
        env = {**os.environ, "KHAVARAN_S3_ENDPOINT": endpoint, "AWS_ACCESS_KEY_ID": key,
               "AWS_SECRET_ACCESS_KEY": secret}
        env.pop("KHAVARAN_VAULT", None)
        base = [sys.executable, "-m", "khavaran", "--home", str(home), "--db", db_url]
        for step in (["init"], ["demo", "--case"], ["vault", "migrate", "--to", vault]):
            subprocess.run([*base, *step], env=env, check=True, stdout=subprocess.DEVNULL)
        env["KHAVARAN_VAULT"] = vault
        registry = open_registry(Settings(home=home, db_url=db_url, actor="bench"))
        team = Team(home, db_url, env)
        s = args.seconds
        kills = [] if args.no_kills else [
            Kill(s * 0.2, "a job worker", team.kill_worker),
            Kill(s * 0.4, "a web process", team.kill_web_process),
            Kill(s * 0.6, "SeaweedFS", store.kill),
            Kill(s * 0.8, "PostgreSQL", kill_postgres)]
        print(f"bench_team: {args.users} users for {s:.0f} s on PostgreSQL and SeaweedFS, "
              "2 web processes, 2 job workers", flush=True)
        try:
            outcome = run(registry, team, users=args.users, seconds=s, kills=kills)
        finally:
            registry.close()
            store.stop()
            _admin(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
    for line in outcome.lines():
        print(line)
    for bad in outcome.tally.bad[:10]:
        print("  shown to a user:", bad)
    for what in (outcome.missing + outcome.twice)[:10]:
        print("  count:", what)
    if outcome.verify_rc != 0:
        print(outcome.verify_out[-2000:])
    notes = [ln for ln in outcome.verify_out.splitlines() if ln.startswith("NOTE: ")]
    print(f"  verify's notes (uploads a kill left, for `vault tidy`): {len(notes)}")
    for note in notes[:5]:
        print("   ", note[:160])


if __name__ == "__main__":
    main()
