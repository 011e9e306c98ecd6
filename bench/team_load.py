"""Many users at once on a team installation (issue 22, point 3).

A copy of the demo registry on PostgreSQL with its vault on an S3 store is served
by `khavaran serve --workers 2` (two web processes, and the job worker serve
starts) beside one more `khavaran worker`.  Simulated users, each a thread with an
API token, go round four actions over loopback for a while:

- **claim**: add a cited claim through the JSON API (a value of their own, so that
  each can be found again);
- **judge**: open the review queue and judge the pair it shows "unsure";
- **upload**: upload a small file of random bytes as evidence through the form;
- **verify**: start a check of one evidence item, a background job.

Along the way processes are killed with SIGKILL (``Kill``).  Afterwards every
accepted write is looked for in the registry (counted, not assumed): each accepted
claim and upload once, each user's judgements at least as many as were accepted
and at most that plus the ones whose answer was lost to a kill; every job ended;
and `khavaran verify` must pass.  An answer a user should never see (a server
error, a deadlock) is listed.

Used by bench/bench_team.py (20 users, 5 minutes, four kills) and by the smoke
test in tests/web/test_team_smoke.py (3 users, 20 seconds, one kill).
"""

from __future__ import annotations

import hashlib
import itertools
import os
import re
import secrets
import signal
import statistics
import subprocess
import sys
import threading
import time
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import httpx2 as httpx
from sqlalchemy import func, select

from khavaran.services import accounts
from khavaran.services.registry import Registry
from khavaran.storage.job_tables import job
from khavaran.storage.tables import claim, link_judgement
from khavaran.storage.vault_tables import evidence_item

ACTIONS = ("claim", "judge", "upload", "verify")
VICTIM = "v-demo-002"  # a fictional victim of the demo
SOURCE = "demo-testimony-02"
_HIDDEN = re.compile(r'name="(a|b)" value="([^"]*)"')


def free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def children(pid: int) -> list[int]:
    try:
        text = Path(f"/proc/{pid}/task/{pid}/children").read_text()
    except FileNotFoundError:
        return []
    return [int(c) for c in text.split()]


def cmdline(pid: int) -> bytes:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes()
    except FileNotFoundError:
        return b""


@dataclass
class Team:
    """`khavaran serve --workers 2` and one more `khavaran worker`, on one registry."""

    home: Path
    db_url: str
    env: dict[str, str]
    port: int = field(default_factory=free_port)
    serve: subprocess.Popen[bytes] | None = None
    workers: list[subprocess.Popen[bytes]] = field(default_factory=list)

    def _command(self, *args: str) -> list[str]:
        return [sys.executable, "-m", "khavaran", "--home", str(self.home), "--db", self.db_url,
                *args]

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        # The server's log (errors it met, and why) stays beside the data home.
        log = open(self.home.parent / "serve.log", "ab")  # noqa: SIM115 - the server's
        self.serve = subprocess.Popen(self._command("serve", "--port", str(self.port),
                                                    "--workers", "2"),
                                      env=self.env, stdout=log, stderr=log)
        log.close()
        self.start_worker()
        self.wait_web()

    def start_worker(self) -> None:
        self.workers.append(subprocess.Popen(self._command("worker"), env=self.env,
                                             stdout=subprocess.DEVNULL,
                                             stderr=subprocess.DEVNULL))

    def wait_web(self, timeout: float = 90) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"{self.base}/login", timeout=2).status_code == 200 and \
                        len(self.web_processes()) == 2:
                    return
            except httpx.TransportError:
                pass
            time.sleep(0.2)
        raise RuntimeError("the web app did not start")

    def web_processes(self) -> list[int]:
        assert self.serve is not None
        return [c for c in children(self.serve.pid) if b"spawn_main" in cmdline(c)]

    def kill_web_process(self) -> str:
        """SIGKILL one web process; serve's supervisor starts another."""
        pid = self.web_processes()[0]
        os.kill(pid, signal.SIGKILL)
        return f"web process {pid}"

    def kill_worker(self) -> str:
        """SIGKILL the extra job worker, then start another (as a service manager
        would: Restart=on-failure)."""
        proc = self.workers.pop(0)
        proc.kill()
        proc.wait()
        self.start_worker()
        return f"job worker {proc.pid}"

    def stop(self) -> None:
        for proc in [*self.workers, *([self.serve] if self.serve else [])]:
            if proc.poll() is None:
                proc.terminate()
        for proc in [*self.workers, *([self.serve] if self.serve else [])]:
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()

    def verify(self) -> subprocess.CompletedProcess[str]:
        return subprocess.run(self._command("verify"), env=self.env, capture_output=True,
                              text=True, timeout=600, check=False)


@dataclass
class Kill:
    at: float  # seconds into the run
    name: str
    do: Callable[[], str]


@dataclass
class Tally:
    """What the users sent and were told (guarded by a lock: users are threads)."""

    lock: threading.Lock = field(default_factory=threading.Lock)
    claims: dict[str, str] = field(default_factory=dict)  # accepted id -> value
    claim_values: list[str] = field(default_factory=list)  # every value sent
    uploads: set[str] = field(default_factory=set)  # accepted SHA-256
    judged: dict[str, int] = field(default_factory=lambda: defaultdict(int))  # per user
    lost: dict[str, int] = field(default_factory=lambda: defaultdict(int))  # per action
    lost_judged: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    jobs: set[str] = field(default_factory=set)
    done: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    seconds: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    bad: list[str] = field(default_factory=list)  # answers no user should see
    t0: float = field(default_factory=time.monotonic)
    refused: dict[str, int] = field(default_factory=lambda: defaultdict(int))  # 4xx
    unavailable: dict[str, int] = field(default_factory=lambda: defaultdict(int))  # 503


def _gist(text: str) -> str:
    """What an answer says: an error page's message, or the JSON error's."""
    found = re.search(r'role="alert">([^<]*)<', text) or \
        re.search(r'"message":"([^"]*)"', text) or re.search(r"<p>([^<]{10,})</p>", text)
    return (found.group(1) if found else text)[:300]


class User(threading.Thread):
    def __init__(self, name: str, token: str, base: str, tally: Tally, stop: threading.Event,
                 items: list[str], first: int) -> None:
        super().__init__(daemon=True, name=name)
        self.user, self.tally, self.stop, self.items = name, tally, stop, items
        self.client = httpx.Client(base_url=base, timeout=60, follow_redirects=False,
                                   headers={"authorization": f"Bearer {token}"})
        self.turn = itertools.islice(itertools.cycle(ACTIONS), first, None)
        self.n = 0

    def run(self) -> None:
        try:
            while not self.stop.is_set():
                action = next(self.turn)
                self.n += 1
                started = time.perf_counter()
                try:
                    ok = getattr(self, action)()
                except Exception as exc:  # noqa: BLE001 - a bug here, reported, not hidden
                    if not isinstance(exc, httpx.TransportError):
                        with self.tally.lock:
                            self.tally.bad.append(f"{action}: {type(exc).__name__}: {exc}")
                        return
                    # The answer was lost (a web process killed while it answered):
                    # the write may or may not have been made.
                    with self.tally.lock:
                        self.tally.lost[action] += 1
                        if action == "judge":
                            self.tally.lost_judged[self.user] += 1
                    time.sleep(0.2)
                    continue
                with self.tally.lock:
                    if ok:
                        self.tally.done[action] += 1
                        self.tally.seconds[action].append(time.perf_counter() - started)
        finally:
            self.client.close()

    def _check(self, action: str, answer: httpx.Response) -> bool:
        text = answer.text
        if answer.status_code == 503 and "deadlock" not in text.lower() and \
                answer.headers.get("retry-after"):
            # A server it needs is down (a kill): told so, and to try again.
            with self.tally.lock:
                self.tally.unavailable[action] += 1
            time.sleep(0.2)
            return False
        if answer.status_code >= 500 or "deadlock" in text.lower():
            with self.tally.lock:
                at = time.monotonic() - self.tally.t0
                self.tally.bad.append(f"{at:5.1f} s {action}: {answer.status_code} "
                                      f"{_gist(text)!r}")
            return False
        if answer.status_code >= 400:
            with self.tally.lock:
                self.tally.refused[f"{action} {answer.status_code}"] += 1
            return False
        return True

    def claim(self) -> bool:
        value = f"Team plot {self.user}-{self.n}"
        with self.tally.lock:
            self.tally.claim_values.append(value)
        answer = self.client.post("/api/v1/claims", json={
            "entity": VICTIM, "property": "burial_place", "value": value,
            "sources": [SOURCE], "locator": f"page {self.n}"})
        if not self._check("claim", answer):
            return False
        with self.tally.lock:
            self.tally.claims[answer.json()["id"]] = value
        return True

    def judge(self) -> bool:
        page = self.client.get("/review")
        if not self._check("judge", page):
            return False
        pair = dict(_HIDDEN.findall(page.text))
        if set(pair) != {"a", "b"}:
            return False  # nothing left to judge
        answer = self.client.post("/review", data={**pair, "decision": "unsure"})
        if not self._check("judge", answer):
            return False
        with self.tally.lock:
            self.tally.judged[self.user] += 1
        return True

    def upload(self) -> bool:
        body = secrets.token_bytes(64 * 1024)
        answer = self.client.post("/evidence/new", data={"source": SOURCE},
                                  files={"file": (f"{self.user}-{self.n}.bin", body,
                                                  "application/octet-stream")})
        if not self._check("upload", answer):
            return False
        where = answer.headers.get("location", "")
        with self.tally.lock:
            self.tally.uploads.add(hashlib.sha256(body).hexdigest())
            if where.startswith("/evidence/"):
                self.items.append(where.rsplit("/", 1)[1])
        return True

    def verify(self) -> bool:
        with self.tally.lock:
            item = self.items[self.n % len(self.items)] if self.items else None
        if item is None:  # nothing uploaded yet
            return self.upload()
        answer = self.client.post(f"/evidence/{item}/verify")
        if not self._check("verify", answer):
            return False
        where = answer.headers.get("location", "")
        if "/jobs/" in where:
            with self.tally.lock:
                self.tally.jobs.add(where.rsplit("/", 1)[1].split("?")[0])
        return True


@dataclass
class Outcome:
    seconds: float
    tally: Tally
    kills: list[str]
    missing: list[str]  # accepted writes not found
    twice: list[str]  # writes found more than once
    jobs_left: list[str]  # jobs not ended
    jobs_ended: dict[str, int]
    verify_rc: int
    verify_out: str
    server_log: list[str] = field(default_factory=list)  # the server's error lines

    def p95(self, action: str) -> float | None:
        s = sorted(self.tally.seconds.get(action, []))
        if len(s) < 2:
            return s[0] if s else None
        return statistics.quantiles(s, n=20, method="inclusive")[18]

    def lines(self) -> list[str]:
        t = self.tally
        out = [f"run: {self.seconds:.0f} s; kills: {', '.join(self.kills) or 'none'}"]
        for a in ACTIONS:
            p = self.p95(a)
            out.append(f"  {a:<7} accepted {t.done[a]:>5}  {t.done[a] / self.seconds:6.2f}/s  "
                       f"p95 {p * 1000 if p is not None else float('nan'):7.1f} ms  "
                       f"answer lost {t.lost[a]}")
        out.append(f"  refused (4xx): {dict(t.refused) or 'none'}")
        out.append(f"  told a server is down, try again (503): {dict(t.unavailable) or 'none'}")
        out.append(f"  server errors or deadlocks shown: {len(t.bad)}")
        out.append(f"  accepted writes missing: {len(self.missing)}; found twice: "
                   f"{len(self.twice)}")
        out.append(f"  jobs: {dict(self.jobs_ended)}; still queued or running 120 s after "
                   f"the users stopped (the workers' backlog): {len(self.jobs_left)}")
        out.append(f"  khavaran verify: exit {self.verify_rc}")
        out += [f"  server log: {line}" for line in self.server_log[:10]]
        return out


def make_users(registry: Registry, count: int) -> dict[str, str]:
    """``count`` investigators (name -> API token)."""
    made = {}
    for i in range(count):
        name = f"team-{i:02d}-{secrets.token_hex(2)}"
        accounts.add_account(registry, name, "investigator", actor="bench-setup",
                             password=secrets.token_urlsafe(16), second_factor=False)
        made[name] = accounts.issue_token(registry, name, actor="bench-setup")
    return made


def run(registry: Registry, team: Team, *, users: int, seconds: float,
        kills: list[Kill]) -> Outcome:
    """Start the team, let ``users`` work for ``seconds`` while ``kills`` happen,
    then count what was written."""
    tokens = make_users(registry, users)
    items: list[str] = []  # the items uploaded so far, shared by the users
    stop = threading.Event()
    done_kills: list[str] = []
    try:
        team.start()  # inside: a server that failed to start is stopped too
        tally = Tally()
        started = time.monotonic()
        crowd = [User(name, token, team.base, tally, stop, items, i)
                 for i, (name, token) in enumerate(tokens.items())]
        for user in crowd:
            user.start()
        for kill in sorted(kills, key=lambda k: k.at):
            time.sleep(max(0.0, started + kill.at - time.monotonic()))
            done_kills.append(f"{kill.name} ({kill.do()}) at {kill.at:.0f} s")
        time.sleep(max(0.0, started + seconds - time.monotonic()))
        stop.set()
        for user in crowd:
            user.join(timeout=120)
        elapsed = time.monotonic() - started
        left = _settle_jobs(registry, tally.jobs)
    finally:
        stop.set()
        team.stop()
    missing, twice = _count(registry, tally, set(tokens))
    ended = _job_states(registry, tally.jobs)
    checked = team.verify()
    logged = (team.home.parent / "serve.log").read_text(errors="replace").splitlines()
    return Outcome(elapsed, tally, done_kills, missing, twice, left, ended, checked.returncode,
                   checked.stdout + checked.stderr,
                   [line for line in logged if "internal error on" in line])


def _job_states(registry: Registry, ids: set[str]) -> dict[str, int]:
    """How the started jobs ended, as their pages say (a running job whose worker
    was killed reads as interrupted)."""
    from khavaran.services import jobs as job_service

    states: dict[str, int] = defaultdict(int)
    for job_id in ids:
        states[job_service.job_of(registry, job_id).state] += 1
    return dict(states)


def _settle_jobs(registry: Registry, ids: set[str], timeout: float = 120) -> list[str]:
    """Wait for the started jobs to end (the workers are still up); those that did not."""
    from khavaran.services import jobs as job_service

    deadline = time.monotonic() + timeout
    while True:
        with registry.read() as conn:
            left = list(conn.execute(select(job.c.id).where(
                job.c.id.in_(ids), job.c.state.in_(("queued", "running")))).scalars())
        # A running job of a killed worker reads as interrupted (its heartbeat stops):
        # the services' reading of it, not the stored word, decides.
        left = [j for j in left if not job_service.job_of(registry, j).finished]
        if not left or time.monotonic() > deadline:
            return left
        time.sleep(0.5)


def _count(registry: Registry, tally: Tally, names: set[str]) -> tuple[list[str], list[str]]:
    missing, twice = [], []
    with registry.read() as conn:
        found: dict[str, int] = defaultdict(int)
        for cid, value in conn.execute(select(claim.c.id, claim.c.value).where(
                claim.c.entity_id == VICTIM, claim.c.value.like("Team plot %"))):
            found[value] += 1
            if cid in tally.claims and tally.claims[cid] != value:
                missing.append(f"claim {cid} holds {value!r}, not {tally.claims[cid]!r}")
        for cid, value in tally.claims.items():
            if found.get(value, 0) == 0:
                missing.append(f"claim {cid} ({value!r})")
        twice += [f"claim value {v!r} x{n}" for v, n in found.items() if n > 1]
        shas = dict(conn.execute(select(evidence_item.c.sha256, func.count()).where(
            evidence_item.c.sha256.in_(tally.uploads)).group_by(evidence_item.c.sha256)).all())
        missing += [f"upload {s}" for s in tally.uploads if s not in shas]
        judged = dict(conn.execute(select(link_judgement.c.created_by, func.count()).where(
            link_judgement.c.created_by.in_(names)).group_by(link_judgement.c.created_by)).all())
    for name in names:
        have, told = judged.get(name, 0), tally.judged.get(name, 0)
        if have < told:
            missing.append(f"{name}'s judgements: {have} found, {told} accepted")
        if have > told + tally.lost_judged.get(name, 0):
            twice.append(f"{name}'s judgements: {have} found, {told} accepted "
                         f"(+{tally.lost_judged.get(name, 0)} unanswered)")
    return missing, twice
