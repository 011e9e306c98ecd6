"""Fixtures: real SQLite files and, when KHAVARAN_TEST_PG_URL is set (as `make
test` does), a real PostgreSQL server.  Tests that take the `registry` or
`db_url` fixture run once per database.
"""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine, text
from typer.testing import CliRunner

from khavaran.cli import app
from khavaran.demo import publish_demo, write_demo
from khavaran.services import link_pairs
from khavaran.services.importing import import_files
from khavaran.services.registry import Registry, init_registry
from khavaran.settings import Settings
from khavaran.storage.engine import make_engine

PG_URL = os.environ.get("KHAVARAN_TEST_PG_URL")
if os.environ.get("KHAVARAN_REQUIRE_PG") == "1" and not PG_URL:
    raise RuntimeError("KHAVARAN_REQUIRE_PG=1 but no KHAVARAN_TEST_PG_URL: "
                       "run the suite with `make test`, which starts PostgreSQL")
BACKENDS = ["sqlite", "postgres"] if PG_URL else ["sqlite"]


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "backend" in metafunc.fixturenames:
        metafunc.parametrize("backend", BACKENDS)
    if "pg_backend" in metafunc.fixturenames:  # PostgreSQL-only behaviour
        metafunc.parametrize("pg_backend", ["postgres"] if PG_URL else [])


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if "[postgres" in item.nodeid or "-postgres" in item.nodeid:
            item.add_marker(pytest.mark.postgres)
    # The browser tests last: Playwright's sync API keeps an event loop running in
    # the worker until the session ends, and asyncio.run() in any later test of
    # that worker would fail.  xdist hands tests out in this order.
    items.sort(key=lambda item: "/e2e/" in f"/{item.nodeid}")


def _admin_url() -> str:
    assert PG_URL
    return PG_URL


def _pg_execute(sql: str) -> None:
    engine = create_engine(_admin_url(), isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(text(sql))
    engine.dispose()


def _pg_db_url(name: str) -> str:
    return _admin_url().rsplit("/", 1)[0] + "/" + name


class Templates:
    """Migrated (and demo-loaded) databases, built once and copied per test."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.made: dict[str, str] = {}

    def template(self, backend: str, with_demo: bool) -> str:
        key = f"{backend}-{'demo' if with_demo else 'empty'}"
        if key in self.made:
            return self.made[key]
        if backend == "sqlite":
            path = self.root / f"{key}.db"
            url = f"sqlite:///{path}"
        else:
            name = f"tpl_{key.replace('-', '_')}_{uuid.uuid4().hex[:8]}"
            _pg_execute(f"CREATE DATABASE {name}")
            url = _pg_db_url(name)
        settings = Settings(home=self.root / key, db_url=url, actor="test")
        registry, _ = init_registry(settings)
        if with_demo:
            import_files(registry, write_demo(self.root / key / "demo"), actor="khavaran demo")
            link_pairs.refresh(registry)  # as `khavaran demo` does
            publish_demo(registry)
        registry.close()
        if backend == "sqlite":
            with make_engine(url).connect() as conn:  # fold the WAL into the main file
                conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
        self.made[key] = url if backend == "sqlite" else url.rsplit("/", 1)[1]
        return self.made[key]

    def copy(self, backend: str, with_demo: bool, dest: Path) -> str:
        tpl = self.template(backend, with_demo)
        # The ledger key registered in the database goes with it.
        key = f"{backend}-{'demo' if with_demo else 'empty'}"
        shutil.copytree(self.root / key / "keys", dest / "keys")
        if backend == "sqlite":
            target = dest / "khavaran.db"
            shutil.copy(tpl.split(":///", 1)[1], target)
            return f"sqlite:///{target}"
        name = f"t_{uuid.uuid4().hex[:12]}"
        _pg_execute(f"CREATE DATABASE {name} TEMPLATE {tpl}")
        return _pg_db_url(name)


@pytest.fixture(scope="session")
def templates(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Templates]:
    t = Templates(tmp_path_factory.mktemp("templates"))
    yield t
    if PG_URL:
        for key, name in t.made.items():
            if key.startswith("postgres"):
                _pg_execute(f"DROP DATABASE IF EXISTS {name}")


def _registry(templates: Templates, backend: str, tmp_path: Path, demo: bool) -> Iterator[Registry]:
    home = tmp_path / f"home-{uuid.uuid4().hex[:8]}"
    home.mkdir()
    url = templates.copy(backend, demo, home)
    registry = Registry(Settings(home=home, db_url=url, actor="tester"), make_engine(url))
    yield registry
    registry.close()
    if backend == "postgres":
        _pg_execute(f"DROP DATABASE IF EXISTS {url.rsplit('/', 1)[1]} WITH (FORCE)")


@pytest.fixture
def registry(templates: Templates, backend: str, tmp_path: Path) -> Iterator[Registry]:
    """An empty, migrated registry on each database."""
    yield from _registry(templates, backend, tmp_path, demo=False)


@pytest.fixture
def pg_registry(templates: Templates, pg_backend: str, tmp_path: Path) -> Iterator[Registry]:
    """An empty registry on PostgreSQL only."""
    yield from _registry(templates, pg_backend, tmp_path, demo=False)


@pytest.fixture
def demo_registry(templates: Templates, backend: str, tmp_path: Path) -> Iterator[Registry]:
    """A registry holding the demo data, on each database (a fresh copy per test)."""
    yield from _registry(templates, backend, tmp_path, demo=True)


class Cli:
    """Runs `khavaran` in-process against one registry, as a user would."""

    def __init__(self, registry: Registry) -> None:
        self.registry = registry
        self.runner = CliRunner()

    def __call__(self, *args: str, user: str | None = "tester", input: str | None = None):
        base = ["--home", str(self.registry.settings.home), "--db", self.registry.settings.db_url]
        if user:
            base += ["--as", user]
        env = {"KHAVARAN_USER": None, "KHAVARAN_HOME": None, "KHAVARAN_DB": None}
        return self.runner.invoke(app, [*base, *args], input=input, env=env)


@pytest.fixture
def cli(registry: Registry) -> Cli:
    return Cli(registry)


@pytest.fixture
def demo_cli(demo_registry: Registry) -> Cli:
    return Cli(demo_registry)


@pytest.fixture
def vault_registry(registry: Registry) -> Iterator[Registry]:
    """An empty registry holding the test sources (t-list, t-report, ...)."""
    sources = Path(__file__).parent / "fixtures" / "sources.csv"
    import_files(registry, [(sources, "source")], actor="tester")
    yield registry


# The browser tests' fixtures (tests/live_site.py): here, so that every module
# shares one chromium and one server per database for the whole run.
@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    """One chromium for the run (Playwright's sync API allows one at a time)."""
    from playwright.sync_api import sync_playwright

    from live_site import FLAGS, chromium

    with sync_playwright() as p:
        launched = p.chromium.launch(executable_path=chromium(), args=FLAGS)
        yield launched
        launched.close()


@pytest.fixture(scope="session", params=BACKENDS)
def live(request: pytest.FixtureRequest, templates: Templates, browser: Any,
         tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    """The demo served by `khavaran serve` on each database, once for the run."""
    from live_site import live_site

    backend = request.param
    home = tmp_path_factory.mktemp(f"live-{backend}")
    url = templates.copy(backend, True, home)
    registry = Registry(Settings(home=home, db_url=url, actor="tester"), make_engine(url))
    yield from live_site(registry, browser)
    registry.close()
    if backend == "postgres":
        _pg_execute(f"DROP DATABASE IF EXISTS {url.rsplit('/', 1)[1]} WITH (FORCE)")


def pytest_terminal_summary(terminalreporter: Any) -> None:
    from live_site import SHOTS

    if SHOTS.exists():
        terminalreporter.write_line(f"browser screenshots: {SHOTS}")
