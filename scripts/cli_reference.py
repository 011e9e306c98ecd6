"""Print docs/cli.md: the --help of every khavaran command.

`make docs` writes it; tests/test_docs.py fails when it is stale.
"""

from __future__ import annotations

import click
import typer
from typer.testing import CliRunner

from khavaran.cli import app


def commands(group: click.Group, prefix: list[str]) -> list[list[str]]:
    out = []
    for name in sorted(group.commands):
        cmd = group.commands[name]
        out.append([*prefix, name])
        if isinstance(cmd, click.Group):
            out.extend(commands(cmd, [*prefix, name]))
    return out


def reference() -> str:
    root = typer.main.get_command(app)
    assert isinstance(root, click.Group)
    runner = CliRunner()
    parts = ["# Command reference", "",
             "Generated from `--help` by `make docs` (scripts/cli_reference.py); "
             "a test fails when it is stale.", ""]
    for path in [[], *commands(root, [])]:
        result = runner.invoke(app, [*path, "--help"], prog_name="khavaran",
                               env={"COLUMNS": "100"}, terminal_width=100)
        title = " ".join(["khavaran", *path])
        parts += [f"## {title}", "", "```", result.output.rstrip(), "```", ""]
    return "\n".join(parts)


if __name__ == "__main__":
    print(reference(), end="")
