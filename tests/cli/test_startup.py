"""Start-up: every command pays for what `import khavaran.cli` imports, so the
heavy libraries are imported only by the code that uses them."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

HEAVY = ("numpy", "scipy", "weasyprint", "pandas")
# Not heavy, but more than `khavaran date` or `--help` should pay for.
STORAGE = ("sqlalchemy", "alembic", "fastapi", "argon2", "pyotp", "cryptography", "jinja2")
# What reading the registry (search, person show) does not need: signing keys,
# the ORM, the migration tool, NumPy (search ranks without rapidfuzz's cdist).
NOT_FOR_READING = HEAVY + ("alembic", "fastapi", "jinja2", "cryptography", "sqlalchemy.orm",
                           "argon2", "pyotp")


# The sources under test, when they are not the installed ones.
_PYTHONPATH = {k: v for k, v in os.environ.items() if k == "PYTHONPATH"}


def _modules_after(statement: str) -> set[str]:
    code = f"{statement}\nimport json, sys\nprint(json.dumps(sorted(sys.modules)))"
    out = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True,
                         text=True).stdout
    return set(json.loads(out.splitlines()[-1]))


def test_importing_the_command_line_imports_no_heavy_library() -> None:
    loaded = _modules_after("from khavaran.cli import app")
    assert "khavaran.cli.registry" in loaded  # the commands are registered
    assert not [m for m in loaded if m.split(".")[0] in HEAVY]


def test_importing_the_command_line_imports_no_storage_or_web_library() -> None:
    # The account, report and tracker commands once imported their services
    # (SQLAlchemy, Argon2, pyotp), and storage/ddl.py imported Alembic.
    loaded = _modules_after("from khavaran.cli import app")
    assert not [m for m in loaded if m.split(".")[0] in STORAGE]


def test_khavaran_date_runs_without_the_storage_layer(tmp_path) -> None:
    # Typer reads every command's options when it runs one: an option's help
    # that names a service constant would import the service for every command.
    code = ("import json, sys\nsys.argv = ['khavaran', 'date', '1367/05/06']\n"
            "from khavaran.cli import app\n"
            "try:\n    app()\nexcept SystemExit:\n    pass\n"
            "print(json.dumps(sorted(sys.modules)))")
    out = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True,
                         text=True, env={**_PYTHONPATH, "KHAVARAN_HOME": str(tmp_path),
                                         "PATH": ""}).stdout
    assert "6 Mordad 1367 SH" in out
    loaded = set(json.loads(out.splitlines()[-1]))
    assert not [m for m in loaded if m.split(".")[0] in STORAGE + HEAVY]


@pytest.mark.parametrize("statement", ["import numpy", "import scipy.special"])
def test_the_check_sees_a_heavy_import(statement: str) -> None:
    # The check above would pass vacuously if the subprocess could not see imports.
    loaded = _modules_after(f"from khavaran.cli import app\n{statement}")
    assert statement.split()[1].split(".")[0] in {m.split(".")[0] for m in loaded}


def _run_main(args: list[str], env: dict[str, str]) -> tuple[str, set[str]]:
    # As the `khavaran` script runs: khavaran.cli.main, not the full `app`.
    code = (f"import json, sys\nsys.argv = ['khavaran', *{args!r}]\n"
            "from khavaran.cli import main\n"
            "try:\n    main()\nexcept SystemExit:\n    pass\n"
            "print(json.dumps(sorted(sys.modules)))")
    out = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True,
                         text=True, env={**_PYTHONPATH, "PATH": "", **env}).stdout
    return out, set(json.loads(out.splitlines()[-1]))


def test_khavaran_date_loads_only_its_own_command_family(tmp_path) -> None:
    out, loaded = _run_main(["date", "1367/05/06"], {"KHAVARAN_HOME": str(tmp_path)})
    assert "6 Mordad 1367 SH" in out
    assert "khavaran.cli.registry" in loaded
    assert not {"khavaran.cli.evidence", "khavaran.cli.cases", "khavaran.cli.accounts"} & loaded
    assert not [m for m in loaded if m.split(".")[0] in STORAGE + HEAVY + ("yaml",)]


def test_search_and_person_show_read_without_keys_orm_or_numpy(demo_cli) -> None:
    settings = demo_cli.registry.settings
    env = {"KHAVARAN_HOME": str(settings.home), "KHAVARAN_DB": settings.db_url}
    out, loaded = _run_main(["search", "Hosseini"], env)
    assert "Hosseini" in out
    assert not [m for m in loaded if m in NOT_FOR_READING or m.split(".")[0] in NOT_FOR_READING]
    out, loaded = _run_main(["person", "show", "v-demo-001"], env)
    assert "v-demo-001" in out
    assert not [m for m in loaded if m in NOT_FOR_READING or m.split(".")[0] in NOT_FOR_READING]
    if settings.db_url.startswith("sqlite"):
        # A table's PostgreSQL-only index option once loaded that dialect for everyone.
        assert "sqlalchemy.dialects.postgresql" not in loaded


def test_every_command_is_found_in_the_family_that_registers_it() -> None:
    from khavaran.cli import FAMILIES, FAMILY_OF, app

    found: dict[str, set[str]] = {}
    for command in app.registered_commands:
        assert command.callback is not None
        name = command.name or command.callback.__name__
        found.setdefault(name, set()).add(command.callback.__module__)
    for group in app.registered_groups:
        assert group.name is not None and group.typer_instance is not None
        found.setdefault(group.name, set()).update(
            c.callback.__module__ for c in group.typer_instance.registered_commands
            if c.callback is not None)
    assert {name: {f"khavaran.cli.{f}" for f in FAMILY_OF.get(name, ())} for name in found} \
        == found
    assert set(FAMILY_OF) == set(found)
    assert {f for fs in FAMILY_OF.values() for f in fs} == set(FAMILIES)


@pytest.mark.parametrize(("args", "names"), [
    (["--home", "h", "--as=x", "date", "1367"], ("registry",)),
    (["person", "show", "v-1"], ("entry", "records", "tracker")),
    (["--help"], None), ([], None), (["no-such-command"], None),
])
def test_the_family_is_read_past_the_global_options(args, names) -> None:
    from khavaran.cli import FAMILIES, _families_for

    assert _families_for(args) == (names or FAMILIES)


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
