"""The README's five-minute tour, run as written, command by command, on each
database: a newcomer's first steps must not fail."""

from __future__ import annotations

import os
import pty
import re
import subprocess
import sys
from pathlib import Path

from khavaran.services.registry import Registry

ROOT = Path(__file__).parent.parent
BIN = Path(sys.executable).parent


def tour_commands() -> list[str]:
    """The commands of the README's tour, continuation lines joined, comments kept."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Five-minute tour", 1)[1]
    block = re.search(r"```sh\n(.*?)```", section, re.DOTALL)
    assert block, "the tour has no sh block"
    commands: list[str] = []
    pending = ""
    for line in block.group(1).splitlines():
        if pending:
            pending += " " + line.strip()
        elif line.strip() and not line.lstrip().startswith("#"):
            pending = line.strip()
        if pending and not pending.endswith("\\"):
            commands.append(pending)
            pending = ""
        elif pending:
            pending = pending[:-1].rstrip()
    return commands


def test_the_tour_is_found() -> None:
    commands = tour_commands()
    assert commands[0].startswith("khavaran overview") and len(commands) > 30
    assert any(c.startswith(".venv/bin/bagit.py --validate bag") for c in commands)


def test_every_command_of_the_readme_tour_runs_as_written(registry: Registry,
                                                          tmp_path: Path) -> None:
    work = tmp_path / "clone"
    work.mkdir()
    (work / "tests").symlink_to(ROOT / "tests")
    (work / ".venv").symlink_to(Path(sys.prefix))
    env = {k: v for k, v in os.environ.items() if not k.startswith("KHAVARAN_")}
    env.update(PATH=f"{BIN}{os.pathsep}{env.get('PATH', '')}",
               KHAVARAN_HOME=str(registry.settings.home), KHAVARAN_DB=registry.settings.db_url)

    def run(command: str, answer: str | None = None) -> subprocess.CompletedProcess[str]:
        if answer is None:
            return subprocess.run(["bash", "-c", f"set -o pipefail; {command}"], cwd=work,
                                  env=env, input="", capture_output=True, text=True,
                                  timeout=300)
        # A command that asks first asks only at a terminal: the user's, here a
        # pseudo-terminal on which the answer is typed.
        main, side = pty.openpty()
        try:
            os.write(main, answer.encode())
            return subprocess.run(["bash", "-c", f"set -o pipefail; {command}"], cwd=work,
                                  env=env, stdin=side, capture_output=True, text=True,
                                  timeout=300)
        finally:
            os.close(side)
            os.close(main)

    for setup in ("khavaran init", "khavaran demo --case"):  # what `make run` does first
        assert run(setup).returncode == 0, setup
    item = None
    seen: set[str] = set()
    for command in tour_commands():
        if command.startswith("export "):
            name, _, value = command.split()[1].partition("=")
            env[name] = value
            continue
        if item:  # "use an id above": the README's ev-… placeholder
            command = command.replace("ev-…", item)
        assert "ev-…" not in command, f"no evidence id printed before: {command}"
        # Commands that ask first get the user's answer.
        result = run(command, "y\n" if "asks first" in command else None)
        out = result.stdout + result.stderr
        assert "Traceback" not in out, f"{command}\n{out}"
        if "# refused" in command:
            assert result.returncode != 0, f"not refused: {command}\n{out}"
        else:
            assert result.returncode == 0, f"{command}\n{out}"
        ids = re.findall(r"^(ev-[0-9a-f]+) ", result.stdout, re.MULTILINE)
        if command.startswith("khavaran evidence add") and ids:
            item = ids[-1]
        if command.startswith("python3 verify_ledger.py"):
            assert "OK" in out, out
        if command.startswith("khavaran import") and command in seen:
            assert "added: nothing new" in out, out  # re-running an import adds nothing
        seen.add(command)
    assert item is not None and (work / "bag" / "bagit.txt").is_file()
