"""The docs say what the code does: settings, commands, CLI reference."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import click
import typer

from khavaran.cli import app
from khavaran.settings import SETTINGS

ROOT = Path(__file__).parent.parent


def _commands(group: click.Group, prefix: str = "") -> dict[str, click.Command]:
    out = {}
    for name, cmd in group.commands.items():
        out[f"{prefix}{name}"] = cmd
        if isinstance(cmd, click.Group):
            out.update(_commands(cmd, f"{prefix}{name} "))
    return out


def test_every_setting_is_documented() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    for s in SETTINGS:
        assert s.option in readme and s.env in readme, s.name
        assert s.help


def test_every_command_has_help_and_an_example() -> None:
    root = typer.main.get_command(app)
    assert isinstance(root, click.Group)
    for name, cmd in _commands(root).items():
        assert cmd.help, f"'{name}' has no help"
        if not isinstance(cmd, click.Group):
            assert "Example: khavaran" in cmd.help, f"'{name}' has no usage example"


def test_cli_reference_is_current() -> None:
    spec = importlib.util.spec_from_file_location("cli_reference",
                                                  ROOT / "scripts" / "cli_reference.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    assert (ROOT / "docs" / "cli.md").read_text(encoding="utf-8") == module.reference(), \
        "docs/cli.md is stale: run `make docs`"


def test_readme_starts_with_the_two_commands() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    setup = readme.index("## Set-up")
    assert readme.index("make run") > setup and readme.index("make test") > setup
    assert readme.index("make run") < readme.index("## Five-minute tour")
    for link in ("docs/model.md", "docs/import-formats.md", "docs/dates.md", "docs/search.md",
                 "docs/storage.md", "docs/errors.md", "docs/cli.md", "docs/benchmarks.md",
                 "docs/evidence.md", "docs/linkage.md", "docs/estimation.md",
                 "docs/frameworks.md", "docs/cases.md", "docs/dossiers.md"):
        assert (ROOT / link).exists(), link
