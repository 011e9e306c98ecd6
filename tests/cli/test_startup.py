"""Start-up: every command pays for what `import khavaran.cli` imports, so the
heavy libraries are imported only by the code that uses them."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

HEAVY = ("numpy", "scipy", "weasyprint", "pandas")
# Not heavy, but more than `khavaran date` or `--help` should pay for.
STORAGE = ("sqlalchemy", "alembic", "fastapi", "argon2", "pyotp")


def _modules_after(statement: str) -> set[str]:
    code = f"{statement}\nimport json, sys\nprint(json.dumps(sorted(sys.modules)))"
    out = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True,
                         text=True).stdout
    return set(json.loads(out.splitlines()[-1]))


def test_importing_the_command_line_imports_no_heavy_library() -> None:
    loaded = _modules_after("import khavaran.cli")
    assert "khavaran.cli.registry" in loaded  # the commands are registered
    assert not [m for m in loaded if m.split(".")[0] in HEAVY]


def test_importing_the_command_line_imports_no_storage_or_web_library() -> None:
    # The account, report and tracker commands once imported their services
    # (SQLAlchemy, Argon2, pyotp), and storage/ddl.py imported Alembic.
    loaded = _modules_after("import khavaran.cli")
    assert not [m for m in loaded if m.split(".")[0] in STORAGE]


def test_khavaran_date_runs_without_the_storage_layer(tmp_path) -> None:
    # Typer reads every command's options when it runs one: an option's help
    # that names a service constant would import the service for every command.
    code = ("import json, sys\nsys.argv = ['khavaran', 'date', '1367/05/06']\n"
            "from khavaran.cli import app\n"
            "try:\n    app()\nexcept SystemExit:\n    pass\n"
            "print(json.dumps(sorted(sys.modules)))")
    out = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True,
                         text=True, env={"KHAVARAN_HOME": str(tmp_path), "PATH": ""}).stdout
    assert "6 Mordad 1367 SH" in out
    loaded = set(json.loads(out.splitlines()[-1]))
    assert not [m for m in loaded if m.split(".")[0] in STORAGE + HEAVY]


@pytest.mark.parametrize("statement", ["import numpy", "import scipy.special"])
def test_the_check_sees_a_heavy_import(statement: str) -> None:
    # The check above would pass vacuously if the subprocess could not see imports.
    loaded = _modules_after(f"import khavaran.cli\n{statement}")
    assert statement.split()[1].split(".")[0] in {m.split(".")[0] for m in loaded}


def test_import_help_lists_the_kinds_the_reader_accepts(cli) -> None:
    # The command line names the kinds without importing the readers (pydantic).
    from khavaran.services.readers import CSV_KINDS

    result = cli("import", "--help", user=None)
    assert ", ".join(CSV_KINDS) in " ".join(result.output.split())


def test_dossier_help_lists_the_disclosure_levels(cli) -> None:
    from khavaran.export.disclosure import LEVELS

    result = cli("dossier", "build", "--help", user=None)
    assert f"One of {', '.join(LEVELS)}." in " ".join(result.output.split())


def test_a_search_limit_out_of_range_is_refused(cli) -> None:
    result = cli("search", "Hosseini", "--limit", "401", user=None)
    assert result.exit_code == 1 and "limit must be 1 to 400" in result.output


def test_an_old_schema_is_still_refused_with_a_reason(cli) -> None:
    with cli.registry.write() as conn:
        from sqlalchemy import text

        conn.execute(text("UPDATE alembic_version SET version_num = '0003'"))
    result = cli("search", "Hosseini", user=None)
    assert result.exit_code == 1 and "run 'khavaran init' to migrate it" in result.output
