"""Evidence intake under real faults: real files, real child processes, no mocks.

* a `khavaran evidence add` killed with SIGKILL at random moments leaves all of
  its files taken in or none, and the next command settles what it left;
* writers appending to the ledger at the same time never fork its chain;
* a vault disk that fills up mid-intake takes nothing in and says so in one line;
* inputs that cannot be read (missing, broken link, device, pipe, unreadable,
  vanished, empty folder) or an unknown source refuse the whole intake.
"""

from __future__ import annotations

import collections
import hashlib
import json
import os
import random
import signal
import subprocess
import sys
import textwrap
import time
from collections.abc import Iterator
from pathlib import Path
from typing import NoReturn

import pytest
from sqlalchemy import func, select

from khavaran.services.evidence import item_id_of
from khavaran.services.registry import Registry
from khavaran.storage.vault_tables import evidence_intake, evidence_item, ledger_entry

FIXTURES = Path(__file__).parent.parent / "fixtures"
MiB = 1 << 20
# A child that sets a fault up for itself, then becomes `python ARGS...`.
_LAUNCH = "import os, sys\n{setup}\nos.execv(sys.executable, [sys.executable, *sys.argv[1:]])"
# Lower the file size limit: a write past it fails with EFBIG (Python ignores SIGXFSZ).
_FSIZE = ("import resource, signal\nsignal.signal(signal.SIGXFSZ, signal.SIG_IGN)\n"
          "resource.setrlimit(resource.RLIMIT_FSIZE, ({limit}, {limit}))")
# Root without CAP_DAC_OVERRIDE (1) and CAP_DAC_READ_SEARCH (2) obeys file modes.
_NO_DAC = ("import ctypes\nlibc = ctypes.CDLL(None, use_errno=True)\n"
           "for cap in (1, 2):\n"
           "    if libc.prctl(24, cap, 0, 0, 0):  # PR_CAPBSET_DROP\n"
           "        raise OSError(ctypes.get_errno(), 'prctl(PR_CAPBSET_DROP)')")


# -- helpers ----------------------------------------------------------------------


def _argv(registry: Registry, *args: str, setup: str | None = None) -> list[str]:
    s = registry.settings
    cmd = ["-m", "khavaran", "--home", str(s.home), "--db", s.db_url, "--as", "tester", *args]
    if setup is None:
        return [sys.executable, *cmd]
    return [sys.executable, "-c", _LAUNCH.format(setup=setup), *cmd]


def _env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("KHAVARAN_")}
    env["PYTHONUNBUFFERED"] = "1"
    return env


def _spawn(registry: Registry, *args: str, setup: str | None = None) -> subprocess.Popen[str]:
    return subprocess.Popen(_argv(registry, *args, setup=setup), stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, env=_env())


def _run(registry: Registry, *args: str,
         setup: str | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(_argv(registry, *args, setup=setup), capture_output=True, text=True,
                          env=_env(), timeout=120, check=False)


def _import_sources(cli) -> None:
    result = cli("import", str(FIXTURES / "sources.csv"), "--kind", "source")
    assert result.exit_code == 0, result.output


def _verify_all(cli) -> None:
    result = cli("evidence", "verify", "--all")
    assert result.exit_code == 0, result.output
    assert "all verified" in result.output


def _write(path: Path, data: bytes) -> str:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return hashlib.sha256(data).hexdigest()


def _content(rng: random.Random, label: str, size: int) -> bytes:
    """``size`` bytes no other call returns (the label leads), cheap to make."""
    block = rng.randbytes(MiB)
    head = f"{label}\n".encode()
    return (head + block * (size // MiB + 1))[:size]


def _rows(registry: Registry, digests: set[str]) -> tuple[int, int, int]:
    """Item rows, intake rows and `intake` ledger entries for these digests."""
    ids = [item_id_of(d) for d in digests]
    with registry.read() as conn:
        items = conn.execute(select(func.count()).select_from(evidence_item)
                             .where(evidence_item.c.sha256.in_(sorted(digests)))).scalar()
        intakes = conn.execute(select(func.count()).select_from(evidence_intake)
                               .where(evidence_intake.c.item_id.in_(ids))).scalar()
        entries = conn.execute(select(func.count()).select_from(ledger_entry)
                               .where(ledger_entry.c.item_id.in_(ids),
                                      ledger_entry.c.kind == "intake")).scalar()
    return items or 0, intakes or 0, entries or 0


def _count(registry: Registry, table) -> int:
    with registry.read() as conn:
        return conn.execute(select(func.count()).select_from(table)).scalar() or 0


def _blobs(registry: Registry) -> list[Path]:
    return sorted(p for p in registry.vault.blobs.rglob("*") if p.is_file())


def _parts(registry: Registry) -> list[Path]:
    # Anything left in vault/tmp: staging folders and the copies in them.
    return sorted(registry.vault.tmp.iterdir()) if registry.vault.tmp.is_dir() else []


def _intents(registry: Registry) -> list[Path]:
    pending = registry.vault.pending
    return sorted(pending.glob("*.intent")) if pending.is_dir() else []


def _nothing_taken_in(registry: Registry) -> None:
    assert _count(registry, evidence_item) == 0
    assert _count(registry, evidence_intake) == 0
    # The registry's own seals (kind `registry`, written by init and the fixture)
    # are not the vault's: no custody entry may be left.
    with registry.read() as conn:
        custody = conn.execute(select(func.count()).select_from(ledger_entry)
                               .where(ledger_entry.c.kind != "registry")).scalar()
    assert custody == 0
    assert _blobs(registry) == []
    assert _parts(registry) == []


def _one_line_error(stderr: str, *needles: str) -> None:
    assert "Traceback" not in stderr, stderr
    lines = [line for line in stderr.splitlines() if line.strip()]
    assert len(lines) == 1, stderr
    for needle in needles:
        assert needle in lines[0], lines[0]


def _wait_for_part(proc: subprocess.Popen[str], tmp: Path) -> bool:
    """Until the child has begun streaming a file into vault/tmp (or has exited)."""
    while proc.poll() is None:
        if tmp.is_dir() and any(tmp.glob("*.d/*.part")):
            return True
        time.sleep(0.001)
    return False


# -- 1. SIGKILL at random moments ---------------------------------------------------

ATTEMPTS = 14


def _intake_folder(folder: Path, rng: random.Random, attempt: int) -> set[str]:
    """A note, a scan of 1-3 MiB and a recording of 6-14 MiB, none seen before."""
    note = f"attempt {attempt}: witness statement {rng.random()}\n".encode() * 40
    return {
        _write(folder / "a-note.txt", note),
        _write(folder / "b-scan.bin", _content(rng, f"scan {attempt}",
                                               rng.randint(1 * MiB, 3 * MiB))),
        _write(folder / "c-recording.bin", _content(rng, f"recording {attempt}",
                                                    rng.randint(6 * MiB, 14 * MiB))),
    }


def _where_killed(registry: Registry, digests: set[str], registered: bool) -> str:
    """Where the kill landed, judged from what it left before anything settled it."""
    if registered:
        return "after the commit, before settling" if _intents(registry) else "at the end"
    if any(registry.vault.has(d) for d in digests):
        return "blobs placed, not committed"
    if _intents(registry):
        return "under the lock, before placing"
    if _parts(registry):
        return "while streaming"
    return "before intake began"


@pytest.mark.slow
def test_sigkill_at_random_moments_takes_in_all_or_nothing(
        registry: Registry, cli, tmp_path: Path) -> None:
    _import_sources(cli)
    vault = registry.vault
    rng = random.Random(1367)
    # Measure one intake first: when streaming begins, how long the intake proper
    # lasts (until nothing is left in vault/tmp or vault/pending) and the whole command.
    digests = _intake_folder(tmp_path / "in0", rng, 0)
    began = time.monotonic()
    proc = _spawn(registry, "evidence", "add", str(tmp_path / "in0"), "--source", "t-list")
    assert _wait_for_part(proc, vault.tmp)
    streaming = time.monotonic() - began
    while proc.poll() is None and (_parts(registry) or _intents(registry)):
        time.sleep(0.001)
    busy = max(time.monotonic() - began - streaming, 0.05)
    out, err = proc.communicate(timeout=120)
    whole = time.monotonic() - began
    assert proc.returncode == 0, err
    assert _rows(registry, digests) == (3, 3, 3)

    window = busy * 1.3
    outcomes: collections.Counter[str] = collections.Counter()
    for attempt in range(1, ATTEMPTS + 1):
        folder = tmp_path / f"in{attempt}"
        digests = _intake_folder(folder, rng, attempt)
        proc = _spawn(registry, "evidence", "add", str(folder), "--source", "t-list")
        targeted = rng.random() >= 0.25
        if not targeted:  # any moment of the command's life, start-up included
            time.sleep(rng.uniform(0.0, whole))
        else:  # a moment of the intake proper, or just after it
            _wait_for_part(proc, vault.tmp)
            time.sleep(rng.uniform(0.0, window))
        if proc.poll() is None:
            os.kill(proc.pid, signal.SIGKILL)
        out, err = proc.communicate(timeout=120)

        rows = _rows(registry, digests)
        assert rows in ((0, 0, 0), (3, 3, 3)), f"attempt {attempt}: half an intake {rows}"
        registered = rows == (3, 3, 3)
        if proc.returncode == 0:
            assert registered, err
            outcome = "finished"
        else:
            assert proc.returncode == -signal.SIGKILL, err
            outcome = _where_killed(registry, digests, registered)
        outcomes[outcome] += 1
        if targeted:  # the load on the machine varies: keep the kills around the intake
            window *= 0.5 if outcome in ("finished", "at the end") else 1.15

        # The next command settles what the killed one left, and all verifies.
        _verify_all(cli)
        assert _parts(registry) == [], f"attempt {attempt}: a .part was left in vault/tmp"
        assert _intents(registry) == [], f"attempt {attempt}: an intent was left"
        for d in digests:
            if registered:
                assert vault.has(d) and vault.shape_problem(d) is None
            else:
                assert not vault.has(d), f"attempt {attempt}: a blob with no item"
        for path in folder.iterdir():
            path.unlink()
        folder.rmdir()

    print(f"\nSIGKILL outcomes over {ATTEMPTS} attempts (first command: {whole:.2f} s, "
          f"streaming began at {streaming:.2f} s, intake lasted {busy:.2f} s): "
          f"{dict(outcomes)}")
    killed = ATTEMPTS - outcomes["finished"]
    mid_intake = killed - outcomes["before intake began"] - outcomes["at the end"]
    assert killed >= 6, f"too few kills landed while the child ran: {dict(outcomes)}"
    assert mid_intake >= 4, f"too few kills landed during the intake itself: {dict(outcomes)}"


# -- 2. concurrent ledger writers ---------------------------------------------------

WORKERS, ROUNDS = 3, 12
_WORKER = textwrap.dedent("""
    import sys, time
    from pathlib import Path
    from khavaran.services import custody, evidence
    from khavaran.services.registry import open_registry
    from khavaran.settings import Settings

    home, url, name, rounds, plan, go, item, files = sys.argv[1:]
    registry = open_registry(Settings(home=Path(home), db_url=url, actor=name))
    with registry.read():
        pass  # connected before the start, so that the writers really overlap
    Path(f"{go}.{name}").touch()
    while not Path(go).exists():
        time.sleep(0.001)
    started = time.time()
    for i in range(int(rounds)):
        for step in plan.split(","):
            if step == "transfer":
                custody.transfer(registry, item, to=f"{name}-{i}", reason="load", actor=name)
            elif step == "download":
                custody.download(registry, item, Path(files) / f"out-{name}-{i}",
                                 actor=name, purpose="load")
            else:
                evidence.add_evidence(registry, [Path(files) / f"{name}-{i}.txt"],
                                      source_id="t-list", actor=name)
    print(started, time.time())
    registry.close()
""")


def _seed(registry: Registry, cli, tmp_path: Path) -> str:
    """Sources, and one item for the workers to transfer and download."""
    _import_sources(cli)
    _write(tmp_path / "seed.txt", b"the item every worker transfers\n")
    result = cli("evidence", "add", str(tmp_path / "seed.txt"), "--source", "t-list")
    assert result.exit_code == 0, result.output
    (seed,) = [w for w in result.output.split() if w.startswith("ev-")]
    return seed


def _race(registry: Registry, tmp_path: Path, seed: str, plans: list[str]) -> None:
    """Start one worker per plan at once; all must succeed, and overlap in time."""
    files = tmp_path / "files"
    for w in range(len(plans)):
        for i in range(ROUNDS):
            _write(files / f"w{w}-{i}.txt", f"worker {w} round {i} page\n".encode() * 20)
    go = tmp_path / "go"
    s = registry.settings
    procs = [subprocess.Popen([sys.executable, "-c", _WORKER, str(s.home), s.db_url, f"w{w}",
                               str(ROUNDS), plan, str(go), seed, str(files)],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                              env=_env()) for w, plan in enumerate(plans)]
    ready = [Path(f"{go}.w{w}") for w in range(len(plans))]
    deadline = time.monotonic() + 60
    while not all(p.exists() for p in ready) and time.monotonic() < deadline:
        time.sleep(0.005)  # until all have started up and connected
    go.touch()
    outputs = [proc.communicate(timeout=120) for proc in procs]  # reaps every child
    assert [p.returncode for p in procs] == [0] * len(plans), [err for _, err in outputs]
    spans = [tuple(map(float, out.split())) for out, _ in outputs]
    assert max(a for a, _ in spans) < min(b for _, b in spans), f"no overlap: {spans}"


@pytest.mark.slow
def test_concurrent_writers_never_fork_the_ledger(registry: Registry, cli,
                                                  tmp_path: Path) -> None:
    seed = _seed(registry, cli, tmp_path)
    # One worker takes files in, the others download: every one transfers custody.  (Only
    # one intakes: concurrent intakes can lose a staged file, see the test below.)
    plans = ["intake,transfer"] + ["transfer,download"] * (WORKERS - 1)
    _race(registry, tmp_path, seed, plans)

    with registry.read() as conn:
        rows = list(conn.execute(select(ledger_entry.c.seq, ledger_entry.c.hash,
                                        ledger_entry.c.prev, ledger_entry.c.kind,
                                        ledger_entry.c.body).order_by(ledger_entry.c.seq)))
    assert [r.seq for r in rows] == list(range(1, len(rows) + 1))
    # The registry's seals (init, the seed's source) are not custody entries.
    custody = [r for r in rows if r.kind != "registry"]
    assert len(custody) == 1 + WORKERS * ROUNDS * 2  # the seed's intake, two per round
    for before, after in zip(rows, rows[1:], strict=False):
        assert after.prev == before.hash, f"entry {after.seq} does not follow {before.seq}"
    for r in rows:
        assert hashlib.sha256(r.body.encode()).hexdigest() == r.hash
    kinds = collections.Counter(r.kind for r in custody)
    assert kinds == {"intake": 1 + ROUNDS, "transfer": WORKERS * ROUNDS,
                     "download": (WORKERS - 1) * ROUNDS}
    assert _count(registry, evidence_item) == 1 + ROUNDS
    # The writers' entries interleave: they did append at the same time.
    actors = [json.loads(r.body)["actor"] for r in custody[1:]]
    switches = sum(a != b for a, b in zip(actors, actors[1:], strict=False))
    assert switches >= WORKERS, f"the writers took turns, they did not overlap: {actors}"
    _verify_all(cli)


@pytest.mark.slow
def test_concurrent_intakes_keep_each_others_staged_files(registry: Registry, cli,
                                                          tmp_path: Path) -> None:
    seed = _seed(registry, cli, tmp_path)
    _race(registry, tmp_path, seed, ["intake"] * WORKERS)
    assert _count(registry, evidence_item) == 1 + WORKERS * ROUNDS
    _verify_all(cli)
    assert _parts(registry) == [] and _intents(registry) == []


# -- 3. a disk that fills up mid-intake ---------------------------------------------

VAULT_DISK = 4 * MiB


def _cannot(reason: str) -> NoReturn:
    """This machine cannot set up the fault: a failure, never a quiet skip.

    Our machines and CI run as root, where every fault below can be made.
    """
    pytest.fail(f"{reason}: the fault tests need root (our machines and CI run as root)")


@pytest.fixture
def small_vault(registry: Registry) -> Iterator[Path]:
    """HOME/vault on a tmpfs of 4 MiB of its own: a real disk that fills up."""
    vault = registry.settings.home / "vault"
    vault.mkdir(exist_ok=True)
    if os.geteuid() != 0:
        _cannot("mounting a small tmpfs for the vault needs root")
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={VAULT_DISK}", "khavaran-test",
                           str(vault)], capture_output=True, text=True, check=False)
    if done.returncode != 0:
        _cannot(f"cannot mount a tmpfs here: {done.stderr.strip()}")
    try:
        yield vault
    finally:
        if subprocess.run(["umount", str(vault)], check=False).returncode != 0:
            subprocess.run(["umount", "-l", str(vault)], check=False)


def _fill_fault(request: pytest.FixtureRequest, fault: str) -> str | None:
    """The child's set-up for a full disk: a file size limit, or a 4 MiB vault disk."""
    if fault == "tmpfs":
        request.getfixturevalue("small_vault")
        return None
    return _FSIZE.format(limit=VAULT_DISK)


@pytest.mark.parametrize("fault", ["fsize-limit", "tmpfs"])
def test_disk_full_mid_intake_takes_nothing_in(registry: Registry, cli, tmp_path: Path,
                                               request: pytest.FixtureRequest,
                                               fault: str) -> None:
    setup = _fill_fault(request, fault)
    _import_sources(cli)
    rng = random.Random(5)
    _write(tmp_path / "batch" / "a-letter.txt", b"a small letter\n" * 50)
    big = tmp_path / "batch" / "b-film.bin"
    _write(big, _content(rng, "film", 12 * MiB))
    done = _run(registry, "evidence", "add", str(tmp_path / "batch"), "--source", "t-list",
                setup=setup)
    assert done.returncode == 1, done.stdout + done.stderr
    _one_line_error(done.stderr, str(big), "disk is full", "nothing was taken in")
    _nothing_taken_in(registry)
    assert _intents(registry) == []
    _verify_all(cli)
    assert _parts(registry) == [] and _intents(registry) == []


def test_disk_full_at_the_intent_takes_nothing_in(registry: Registry, cli, tmp_path: Path,
                                                  small_vault: Path) -> None:
    """A file exactly as large as the vault's free space: the intent no longer fits."""
    _import_sources(cli)
    exact = tmp_path / "exact.bin"
    _write(exact, _content(random.Random(6), "exact", VAULT_DISK))
    done = _run(registry, "evidence", "add", str(exact), "--source", "t-list")
    assert done.returncode == 1, done.stdout + done.stderr
    _one_line_error(done.stderr, "disk is full", "nothing was taken in")
    _nothing_taken_in(registry)
    assert _intents(registry) == []
    _verify_all(cli)
    assert _parts(registry) == [] and _intents(registry) == []


def test_disk_full_in_the_last_chunk_is_not_stored_truncated(registry: Registry, cli,
                                                             tmp_path: Path) -> None:
    _import_sources(cli)
    # The limit falls inside the file's last 1 MiB chunk: that write is short, not
    # refused; only writing the rest of the chunk fails.
    limit = VAULT_DISK + 256 * 1024
    odd = tmp_path / "odd.bin"
    sha = _write(odd, _content(random.Random(7), "odd", VAULT_DISK + 512 * 1024))
    done = _run(registry, "evidence", "add", str(odd), "--source", "t-list",
                setup=_FSIZE.format(limit=limit))
    if done.returncode == 0:  # then the stored copy must be whole
        path = registry.vault.path_of(sha)
        assert hashlib.sha256(path.read_bytes()).hexdigest() == sha, \
            "the vault holds a truncated copy under the whole file's hash"
    else:
        _one_line_error(done.stderr, str(odd), "disk is full", "nothing was taken in")
        _nothing_taken_in(registry)
    _verify_all(cli)


# -- 4. inputs that cannot be taken in ----------------------------------------------

BAD_INPUTS = ["missing", "broken-link", "device", "fifo-in-folder", "empty-folder",
              "unreadable", "unreadable-in-folder", "unknown-source"]


def _bad_input(case: str, tmp_path: Path) -> tuple[list[str], str, str]:
    """(paths, the text naming what is wrong, the text saying why)."""
    bad = tmp_path / "bad"
    bad.mkdir()
    if case == "missing":
        return [str(bad / "nowhere.pdf")], str(bad / "nowhere.pdf"), "not there"
    if case == "broken-link":
        (bad / "link.pdf").symlink_to(bad / "deleted.pdf")
        return [str(bad / "link.pdf")], str(bad / "link.pdf"), "a broken link"
    if case == "device":
        return ["/dev/null"], "/dev/null", "is a device, pipe or socket"
    if case == "fifo-in-folder":
        os.mkfifo(bad / "pipe")  # opening it to read would block for ever
        return [str(bad)], str(bad / "pipe"), "is a device, pipe or socket"
    if case == "empty-folder":
        return [str(bad)], str(bad), "the folder has no files"
    if case == "unreadable":  # named on the command line: click refuses it (exit 2)
        _write(bad / "sealed.pdf", b"%PDF-1.4 sealed\n")
        (bad / "sealed.pdf").chmod(0)
        return [str(bad / "sealed.pdf")], str(bad / "sealed.pdf"), "is not readable"
    if case == "unreadable-in-folder":  # found in a folder: refused when it is opened
        _write(bad / "a-open.txt", b"readable, streamed in before the sealed one\n")
        _write(bad / "b-sealed.pdf", b"%PDF-1.4 sealed\n")
        (bad / "b-sealed.pdf").chmod(0)
        return [str(bad)], str(bad / "b-sealed.pdf"), "cannot be read (Permission denied)"
    assert case == "unknown-source"
    _write(bad / "fine.txt", b"a fine file\n")
    return [str(bad / "fine.txt")], "'no-such-source'", "no source with id"


@pytest.mark.parametrize(("case", "with_good"), [
    pytest.param(case, with_good, id=f"{case}-{'with-good-files' if with_good else 'alone'}")
    for case in BAD_INPUTS for with_good in (False, True)
    # Click refuses an unreadable PATH before anything runs; the folder holds a good file.
    if (case, with_good) not in {("unreadable", True), ("unreadable-in-folder", False)}])
def test_bad_input_refuses_the_whole_intake(registry: Registry, cli, tmp_path: Path,
                                            case: str, with_good: bool) -> None:
    _import_sources(cli)
    paths, names, why = _bad_input(case, tmp_path)
    if with_good:
        first = tmp_path / "good" / "first.txt"
        _write(first, b"a good file, taken in before the bad one\n")
        last = tmp_path / "good" / "last.txt"
        _write(last, b"a good file, taken in after the bad one\n")
        paths = [str(first), *paths, str(last)]
    source = "no-such-source" if case == "unknown-source" else "t-list"
    args = ("evidence", "add", *paths, "--source", source)
    if case.startswith("unreadable") and os.geteuid() == 0:
        # Root reads mode-000 files: run the command as root without DAC override.
        done = _run(registry, *args, setup=_NO_DAC)
        if "prctl(PR_CAPBSET_DROP)" in done.stderr:
            _cannot("root here cannot drop CAP_DAC_OVERRIDE, so it reads mode-000 files")
        assert done.returncode != 0, done.stdout + done.stderr
        assert "Traceback" not in done.stderr, done.stderr
        assert names in done.stderr and why in done.stderr, done.stderr
    else:
        result = cli(*args)
        assert result.exit_code != 0, result.output
        assert isinstance(result.exception, SystemExit), result.exception  # no traceback
        assert names in result.output and why in result.output, result.output
    _nothing_taken_in(registry)
    assert _intents(registry) == []
    _verify_all(cli)


@pytest.mark.slow
def test_file_vanishing_mid_intake_refuses_the_whole_intake(registry: Registry, cli,
                                                            tmp_path: Path) -> None:
    _import_sources(cli)
    batch = tmp_path / "batch"
    _write(batch / "a-archive.bin", _content(random.Random(8), "archive", 48 * MiB))
    gone = batch / "b-gone.txt"
    _write(gone, b"deleted while the archive streams in\n")
    proc = _spawn(registry, "evidence", "add", str(batch), "--source", "t-list")
    assert _wait_for_part(proc, registry.vault.tmp), "the intake ended before streaming"
    gone.unlink()  # listed already, not yet opened: the archive takes ~0.1 s to stream
    out, err = proc.communicate(timeout=120)
    assert proc.returncode == 1, out + err
    _one_line_error(err, str(gone), "vanished before it could be read", "nothing was taken in")
    _nothing_taken_in(registry)
    assert _intents(registry) == []
    _verify_all(cli)
