"""When the database or the object store does not answer, a user is told so in
plain words, in their language, with 503 and Retry-After (not "internal error"),
nothing is taken in, and the app works again as soon as the server is back."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from conftest import _pg_execute
from khavaran.services import accounts
from khavaran.services.registry import Registry
from khavaran.storage.vault_tables import evidence_item
from khavaran.web import create_app
from khavaran.web.public_app import create_public_app
from s3_store import ENDPOINT, on_store


def _client(registry: Registry) -> Iterator[tuple[TestClient, dict[str, str]]]:
    accounts.add_account(registry, "inv", "investigator", actor="setup", password="x" * 20)
    token = accounts.issue_token(registry, "inv", actor="setup")
    app = create_app(registry.settings, registry=registry)
    with TestClient(app, base_url="https://testserver") as client:
        yield client, {"authorization": f"Bearer {token}"}


@pytest.fixture
def pg_client(pg_registry: Registry) -> Iterator[tuple[TestClient, dict[str, str]]]:
    yield from _client(pg_registry)


def test_a_database_that_does_not_answer_is_a_plain_503_then_it_works_again(
        pg_registry: Registry, pg_client: tuple[TestClient, dict[str, str]]) -> None:
    client, auth = pg_client
    name = pg_registry.settings.db_url.rsplit("/", 1)[1]
    assert client.get("/api/v1/search?q=x", headers=auth).status_code == 200
    # As a restart looks to the app: its connections cut, new ones refused.
    _pg_execute(f"ALTER DATABASE {name} ALLOW_CONNECTIONS false")
    _pg_execute(f"SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                f"WHERE datname = '{name}'")
    try:
        api = client.get("/api/v1/search?q=x", headers=auth)
        assert api.status_code == 503 and api.headers["retry-after"]
        assert api.json()["error"]["code"] == "unavailable"
        assert "not answering" in api.json()["error"]["message"]
        page = client.get("/review?lang=fa", headers=auth)
        assert page.status_code == 503
        assert "پایگاه داده اکنون پاسخ نمی‌دهد" in page.text
        assert "internal error" not in page.text
    finally:
        _pg_execute(f"ALTER DATABASE {name} ALLOW_CONNECTIONS true")
    assert client.get("/api/v1/search?q=x", headers=auth).status_code == 200


def test_the_public_memorial_says_in_words_that_it_is_away_then_works_again(
        pg_registry: Registry) -> None:
    name = pg_registry.settings.db_url.rsplit("/", 1)[1]
    app = create_public_app(pg_registry.settings, registry=pg_registry)
    with TestClient(app, base_url="https://testserver") as client:
        assert client.get("/search?q=x").status_code == 200
        _pg_execute(f"ALTER DATABASE {name} ALLOW_CONNECTIONS false")
        _pg_execute(f"SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                    f"WHERE datname = '{name}'")
        try:
            page = client.get("/search?q=x&lang=fa")
            assert page.status_code == 503 and page.headers["retry-after"]
            assert "یادمان اکنون پاسخ نمی‌دهد" in page.text
            english = client.get("/search?q=x&lang=en")
            assert english.status_code == 503
            assert "The memorial is not answering just now" in english.text
            assert "Not available for a moment" in english.text
        finally:
            _pg_execute(f"ALTER DATABASE {name} ALLOW_CONNECTIONS true")
        assert client.get("/search?q=x").status_code == 200


@pytest.mark.parametrize("store", ["seaweedfs"] if ENDPOINT else [])
def test_an_object_store_that_does_not_answer_takes_nothing_in_and_says_so(
        demo_registry: Registry, monkeypatch: pytest.MonkeyPatch, store: str) -> None:
    import socket

    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        closed = s.getsockname()[1]
    away = on_store(demo_registry, monkeypatch, endpoint=f"http://127.0.0.1:{closed}")
    with demo_registry.read() as conn:
        before = conn.execute(select(func.count()).select_from(evidence_item)).scalar()
    for client, auth in _client(away):
        answer = client.post("/evidence/new?lang=en", headers=auth,
                             data={"source": "demo-testimony-02"},
                             files={"file": ("note.txt", b"a fictional note\n", "text/plain")})
        assert answer.status_code == 503, answer.text[:500]
        assert answer.headers["retry-after"]
        assert "The evidence store is not answering just now" in answer.text
        assert "Not available for a moment" in answer.text
        # The store's address and keys are for the administrator's log, not the page.
        assert "127.0.0.1" not in answer.text and "s3://" not in answer.text
    with demo_registry.read() as conn:
        assert conn.execute(select(func.count()).select_from(evidence_item)).scalar() == before
