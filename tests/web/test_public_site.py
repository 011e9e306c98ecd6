"""The public memorial (`khavaran serve --public`): only published, unprotected
persons and their public facts; every address of the team app answers 404;
publishing and unpublishing take effect on the next request."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from fastapi.testclient import TestClient
from starlette.routing import Mount, Route

from khavaran.demo import PUBLISHED, PUBLISHED_PLACES, UNPUBLISHED
from khavaran.services import memorial, profiles, publishing
from khavaran.services.registry import Registry
from khavaran.web import create_app
from khavaran.web.public_app import create_public_app
from web_site import WITNESS, protected_strings


@dataclass
class Public:
    registry: Registry
    client: TestClient
    secrets: list[str]


@pytest.fixture
def public(demo_registry: Registry) -> Iterator[Public]:
    secrets = protected_strings(demo_registry)
    app = create_public_app(demo_registry.settings, registry=demo_registry)
    with TestClient(app, base_url="https://testserver") as client:
        yield Public(demo_registry, client, secrets)


def _names(registry: Registry, person_id: str) -> set[str]:
    shown = profiles.show(registry, person_id, schema="Person")
    return {f.value for f in shown.facts.get("name", []) if f.qualifier == "full"}


def _unpublished_names(registry: Registry) -> set[str]:
    """Full names of the unpublished documented victims, less any a published
    person shares (the demo draws names from short lists)."""
    hidden = set().union(*(_names(registry, p) for p in UNPUBLISHED))
    shown = set().union(*(_names(registry, p) for p in PUBLISHED))
    return hidden - shown


def _leaks(public: Public, html: str, unpublished: set[str]) -> list[str]:
    found = [s for s in public.secrets if s in html]
    found += [n for n in unpublished if n in html]
    found += [p for p in (*UNPUBLISHED, WITNESS, "Witness W-1") if p in html]
    return found


def test_every_public_page_shows_no_protected_value_nor_unpublished_person(
        public: Public) -> None:
    unpublished = _unpublished_names(public.registry)
    assert unpublished, "the demo's unpublished victims share every name: nothing to test"
    ids = memorial.public_ids(public.registry)
    assert set(ids) == set(PUBLISHED)
    pages = ["/", "/?lang=en", "/search", "/search?q=a", "/map", "/map?lang=en", "/map.svg"]
    for pid in ids:
        pages += [f"/persons/{pid}", f"/persons/{pid}?lang=en"]
        for name in _names(public.registry, pid):
            pages.append(f"/search?q={name}")
            pages.append(f"/search?q={name.split()[-1]}&lang=en")
    # Searching for what must stay hidden finds nothing public either.
    pages += [f"/search?q={s}" for s in public.secrets]
    pages += [f"/search?q={n}" for n in unpublished]
    for url in pages:
        r = public.client.get(url)
        assert r.status_code == 200, url
        # The search box shows what was typed into it, as typed: not a leak.
        html = re.sub(r'<input id="f-q"[^>]*>', "", r.text)
        assert _leaks(public, html, unpublished) == [], url
    for pid in (*UNPUBLISHED, WITNESS, "p-demo-perp-12", "pl-demo-golzar", "nobody"):
        r = public.client.get(f"/persons/{pid}")
        assert r.status_code == 404, pid
        # The language links lead back to the address asked for: not a leak.
        html = r.text.replace(f"/persons/{pid}?lang=", "")
        assert _leaks(public, html, unpublished) == [], pid


def test_a_public_page_shows_facts_and_sources_but_nothing_for_the_team(
        public: Public) -> None:
    r = public.client.get("/persons/v-demo-001?lang=en")
    assert r.status_code == 200
    html = r.text
    for name in _names(public.registry, "v-demo-001"):
        assert name in html
    assert "death date" in html and "Demo" in html  # a fact and a source's title
    # Nothing of the team app: no claim ids, evidence, history, sign-in, list rows.
    assert not re.search(r"\bc-[0-9a-f]{8}", html)
    for word in ("/evidence/", "/history", "/login", "/sources/", "claim ", "reveal",
                 "csrf", "htmx", "<script"):
        assert word not in html, word
    assert 'dir="ltr"' in html
    assert 'dir="rtl"' in public.client.get("/persons/v-demo-001?lang=fa").text


def test_search_finds_published_people_in_both_scripts(public: Public) -> None:
    names = _names(public.registry, "v-demo-001")
    for name in names:
        r = public.client.get("/search", params={"q": name})
        assert "/persons/v-demo-001" in r.text, name
    assert any(not n.isascii() for n in names) and any(n.isascii() for n in names)


def _routes(routes: list[Any], prefix: str = "") -> Iterator[tuple[str, set[str]]]:
    """(path, methods) of every route, walking routers included as a tree."""
    for route in routes:
        if isinstance(route, Mount):
            continue  # /static: the same files on both
        if hasattr(route, "original_router"):  # an included router
            yield from _routes(route.original_router.routes,
                               prefix + route.include_context.prefix)
            continue
        assert isinstance(route, Route), route
        yield prefix + route.path, set(route.methods or {"GET"})


def test_every_team_route_is_404_on_the_public_site(public: Public) -> None:
    team = create_app(public.registry.settings, registry=public.registry)
    shared = {"/", "/search", "/persons/{person_id}", "/map", "/map.svg"}
    walked = 0
    for template, methods in _routes(team.routes):
        if template in shared:
            continue
        path = re.sub(r"\{[^}]+\}", "v-demo-001", template)
        for method in sorted(methods):
            if method == "HEAD":
                continue
            r = public.client.request(method, path, follow_redirects=False)
            assert r.status_code == 404, (method, path, r.status_code)
            walked += 1
    assert walked > 60
    for path in ("/login", "/api/v1/persons/v-demo-001", "/api/v1/openapi.json", "/docs",
                 "/openapi.json", "/admin", "/cases", "/evidence/new", "/corrections",
                 "/persons/v-demo-001/history", "/sources/demo-report-1"):
        assert public.client.get(path).status_code == 404, path
    # A method the public site does not take at a path it serves is 404 too.
    assert public.client.post("/persons/v-demo-001").status_code == 404
    assert public.client.delete("/").status_code == 404


def test_the_public_map_shows_the_places_published_and_no_team_link(
        public: Public) -> None:
    for lang, word in (("en", "Places of the killings"), ("fa", "مکان‌های کشتار")):
        r = public.client.get(f"/map?lang={lang}")
        assert r.status_code == 200 and word in r.text
        table = r.text.split('<table class="map-places">', 1)[1].split("</table>", 1)[0]
        assert table.count("<tr><td>") == len(PUBLISHED_PLACES)
        assert "Golzarabad" in table and "Tarandasht" not in r.text
        assert r.text.count('class="province"') == 31
        for word in ("/places/", "/sources/", "demo-report", "/map.png", "<script"):
            assert word not in r.text, word
    svg = public.client.get("/map.svg")
    assert svg.headers["content-type"] == "image/svg+xml" and "Tarandasht" not in svg.text
    assert public.client.get("/map.png").status_code == 404  # the team app's only
    publishing.publish_place(public.registry, "pl-demo-tarandasht", actor="ana",
                             reason="a known city")
    assert "Tarandasht" in public.client.get("/map").text
    publishing.unpublish_place(public.registry, "pl-demo-tarandasht", actor="ana",
                               reason="not confirmed")
    assert "Tarandasht" not in public.client.get("/map").text


def test_a_source_that_names_its_witness_is_cited_without_its_title(
        public: Public) -> None:
    """Not only a testimony: a letter or an interview linked to its witness is
    titled after them ("testimony of <pseudonym>" on the team's pages)."""
    from khavaran.model.records import CitationIn, ClaimIn, SourceIn
    from khavaran.services.editing import add_claim
    from khavaran.services.ingest import Batch, ingest

    letter = SourceIn("demo-letter-1", "document", "Letter of a witness (fictional)",
                      witness=WITNESS, fictional=True)
    with public.registry.write() as conn:
        ingest(conn, Batch(sources=[letter]), actor="ana", label="t", include_protected=True)
    for entity, prop, value in (("pl-demo-golzar", "coordinates", "33.1,51.2"),
                                ("v-demo-001", "burial_place", "Golzarabad cemetery")):
        add_claim(public.registry, ClaimIn(entity, prop, value, citations=[
            CitationIn("demo-letter-1", "p. 2")]), actor="ana")
    for url in ("/map?lang=en", "/map.svg", "/persons/v-demo-001?lang=en"):
        html = public.client.get(url).text
        assert re.search(r"a witness&#(39|x27);s testimony", html), url
        assert "Letter of a witness" not in html and "demo-letter-1" not in html, url
        assert _leaks(public, html, set()) == [], url


def test_unpublishing_takes_effect_on_the_next_request(public: Public) -> None:
    assert public.client.get("/persons/v-demo-002").status_code == 200
    name = sorted(_names(public.registry, "v-demo-002"))[0]
    assert "/persons/v-demo-002" in public.client.get("/search", params={"q": name}).text
    publishing.unpublish(public.registry, "v-demo-002", actor="ana", reason="family asked")
    assert public.client.get("/persons/v-demo-002").status_code == 404
    assert "/persons/v-demo-002" not in public.client.get("/search",
                                                          params={"q": name}).text
    publishing.publish(public.registry, "v-demo-018", actor="ana", reason="reviewed")
    assert public.client.get("/persons/v-demo-018").status_code == 200


def test_protecting_a_published_person_takes_them_off_at_once(public: Public) -> None:
    from khavaran.services.editing import protect

    assert public.client.get("/persons/v-demo-003").status_code == 200
    protect(public.registry, "v-demo-003", pseudonym="Person P-3", actor="ana",
            reason="at risk")
    assert public.client.get("/persons/v-demo-003").status_code == 404
    found = public.client.get("/search", params={"q": "Person P-3"}).text
    assert "/persons/v-demo-003" not in found


def test_pages_carry_the_security_headers(public: Public) -> None:
    r = public.client.get("/persons/v-demo-001")
    assert r.headers["content-security-policy"].startswith("default-src 'self'")
    assert r.headers["cache-control"] == "no-store"
    assert public.client.get("/static/app.css").status_code == 200


def test_head_answers_as_get_without_a_body_and_no_redirect_follows_the_host(
        public: Public) -> None:
    """A monitor's HEAD gets what GET would (status and headers) and no body; a
    trailing slash is not redirected, since the address would come from the
    Host header, which the client chooses."""
    for path in ("/", "/search?q=Ahmadi", f"/persons/{PUBLISHED[0]}", "/static/app.css",
                 "/nowhere"):
        get, head = public.client.get(path), public.client.head(path)
        assert (head.status_code, head.content) == (get.status_code, b""), path
        assert head.headers["content-length"] == str(len(get.content)), path
        assert "frame-ancestors 'none'" in head.headers["content-security-policy"]
    for path in ("/search/", f"/persons/{PUBLISHED[0]}/"):
        r = public.client.get(path, headers={"host": "elsewhere.example"},
                              follow_redirects=False)
        assert r.status_code == 404 and "location" not in r.headers, path
