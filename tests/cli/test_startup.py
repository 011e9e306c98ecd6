"""Start-up: every command pays for what `import khavaran.cli` imports, so the
heavy libraries are imported only by the code that uses them."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

HEAVY = ("numpy", "scipy", "weasyprint", "pandas")


def _modules_after(statement: str) -> set[str]:
    code = f"{statement}\nimport json, sys\nprint(json.dumps(sorted(sys.modules)))"
    out = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True,
                         text=True).stdout
    return set(json.loads(out.splitlines()[-1]))


def test_importing_the_command_line_imports_no_heavy_library() -> None:
    loaded = _modules_after("import khavaran.cli")
    assert "khavaran.cli.registry" in loaded  # the commands are registered
    assert not [m for m in loaded if m.split(".")[0] in HEAVY]


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
