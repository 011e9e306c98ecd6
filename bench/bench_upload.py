"""Evidence upload through the web against `khavaran evidence add`, in one run.

    python bench/bench_upload.py [--mb 1024]

Makes two files of ``--mb`` MB (different bytes, so that neither intake finds
the other's blob), takes one in with `khavaran evidence add` and uploads the
other to `POST /evidence/new` of `khavaran serve` (uvicorn, one worker) with
curl, as a browser sends it (multipart, the fields before the file).  Prints
each time, the throughput, the ratio web / command line (goal at least 0.8),
and how much the server's resident memory grew during the upload (goal: less
than 50 MB, for a 4 GB file too: --mb 4096).
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from bench_api import free_port  # noqa: E402
from bench_pages import wait_for  # noqa: E402
from data import SOURCES, write_sources  # noqa: E402
from khavaran.services import accounts  # noqa: E402
from khavaran.services.importing import import_files  # noqa: E402
from khavaran.services.registry import init_registry  # noqa: E402
from khavaran.settings import Settings  # noqa: E402

KHAVARAN = Path(sys.executable).parent / "khavaran"


def make_file(path: Path, mb: int, salt: bytes) -> None:
    block = os.urandom(1 << 20)
    with path.open("wb") as fh:
        for i in range(mb):
            fh.write(salt + i.to_bytes(8, "big") + block[len(salt) + 8:])


def rss_kib(pid: int) -> int:
    m = re.search(r"VmRSS:\s+(\d+) kB", Path(f"/proc/{pid}/status").read_text())
    return int(m.group(1)) if m else 0


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--mb", type=int, default=1024)
    args = ap.parse_args()
    if shutil.which("curl") is None:
        raise SystemExit("curl is missing: scripts/system-packages.sh --bench installs it")
    folder = Path(tempfile.mkdtemp(prefix="bench-upload-"))
    try:
        home = folder / "home"
        registry, _ = init_registry(Settings(home=home, db_url=f"sqlite:///{home}/khavaran.db",
                                             actor="bench"))
        write_sources(folder / "sources.csv")
        import_files(registry, [(folder / "sources.csv", "source")], actor="bench")
        accounts.add_account(registry, "bench-analyst", "analyst", actor="bench",
                             password="bench password 123")
        token = accounts.issue_token(registry, "bench-analyst", actor="bench")
        registry.close()
        cli_file, web_file = folder / "cli.bin", folder / "web.bin"
        make_file(cli_file, args.mb, b"cli")
        make_file(web_file, args.mb, b"web")
        print(f"two files of {args.mb:,} MB; load {os.getloadavg()[0]:.1f} on "
              f"{os.cpu_count()} cores")

        start = time.perf_counter()
        subprocess.run([str(KHAVARAN), "--home", str(home), "--as", "bench", "evidence", "add",
                        str(cli_file), "--source", SOURCES[0]], check=True,
                       stdout=subprocess.DEVNULL)
        cli_s = time.perf_counter() - start

        port = free_port()
        server = subprocess.Popen([str(KHAVARAN), "--home", str(home), "serve", "--port",
                                   str(port)], stderr=subprocess.DEVNULL)
        base = f"http://127.0.0.1:{port}"
        try:
            wait_for(base + "/login")
            before = rss_kib(server.pid)
            peak = [before]
            done = threading.Event()

            def sample() -> None:
                while not done.wait(0.05):
                    peak[0] = max(peak[0], rss_kib(server.pid))

            watcher = threading.Thread(target=sample, daemon=True)
            watcher.start()
            start = time.perf_counter()
            answer = subprocess.run(
                ["curl", "-s", "-o", "/dev/null", "-w", "%{http_code}", "-H",
                 f"Authorization: Bearer {token}", "-F", f"source={SOURCES[1]}",
                 "-F", f"file=@{web_file};type=application/octet-stream",
                 f"{base}/evidence/new"], capture_output=True, text=True, check=True)
            web_s = time.perf_counter() - start
            done.set()
            watcher.join()
        finally:
            server.terminate()
            server.wait(timeout=30)
        if answer.stdout != "303":
            raise SystemExit(f"the upload was answered {answer.stdout}, not 303")
        grew = (peak[0] - before) / 1024
        print(f"evidence add (command line): {cli_s:6.2f} s  {args.mb / cli_s:7.1f} MB/s")
        print(f"POST /evidence/new (web):    {web_s:6.2f} s  {args.mb / web_s:7.1f} MB/s")
        ratio = cli_s / web_s
        print(f"web / command line: {ratio:.2f} (goal at least 0.8: "
              f"{'met' if ratio >= 0.8 else 'MISSED'})")
        print(f"server memory grew by {grew:.1f} MB during the upload (goal under 50 MB: "
              f"{'met' if grew < 50 else 'MISSED'})")
    finally:
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
