"""The cache of reader views (services/versioned.py), as users see it: a write
makes the next read fresh, a revealed identity never reaches another reader,
and a view of a protected person served from the cache is still logged."""

from __future__ import annotations

from khavaran.services.access_log import read_log
from khavaran.storage import reading_queries
from web_site import WITNESS, Site, site  # noqa: F401


def _version(site: Site) -> str | None:
    with site.registry.read() as conn:
        return reading_queries.registry_version(conn)


def _burial(site: Site, value: str) -> None:
    r = site.client.post("/api/v1/claims", headers=site.as_("investigator"), json={
        "entity": "v-demo-002", "property": "burial_place", "value": value,
        "sources": ["demo-testimony-02"], "locator": "minute 3"})
    assert r.status_code == 201, r.text


def test_a_write_makes_the_next_read_fresh(site: Site) -> None:
    viewer = site.as_("viewer")
    for _ in range(2):  # the second answer comes from the cache
        assert "Plot 7, row 2" not in site.client.get("/api/v1/persons/v-demo-002",
                                                      headers=viewer).text
        assert "Plot 7, row 2" not in site.client.get("/persons/v-demo-002?lang=en",
                                                      headers=viewer).text
    before = _version(site)
    _burial(site, "Plot 7, row 2")
    assert _version(site) != before
    assert "Plot 7, row 2" in site.client.get("/api/v1/persons/v-demo-002",
                                              headers=viewer).text
    assert "Plot 7, row 2" in site.client.get("/persons/v-demo-002?lang=en",
                                              headers=viewer).text
    # Search too: a new person is found at once, on the API and the page.
    for path in ("/api/v1/search?q=Zartosht+Testpour", "/search?q=Zartosht+Testpour&lang=en"):
        assert "p-cache-new" not in site.client.get(path, headers=viewer).text
    writer = site.as_("investigator")
    assert site.client.post("/api/v1/persons", headers=writer, json={
        "id": "p-cache-new", "fictional": True}).status_code == 201
    assert site.client.post("/api/v1/claims", headers=writer, json={
        "entity": "p-cache-new", "property": "name", "value": "Zartosht Testpour",
        "sources": ["demo-testimony-02"]}).status_code == 201
    for path in ("/api/v1/search?q=Zartosht+Testpour", "/search?q=Zartosht+Testpour&lang=en"):
        assert "p-cache-new" in site.client.get(path, headers=viewer).text, path


def test_a_viewer_never_gets_a_revealed_view(site: Site) -> None:
    viewer, lawyer = site.as_("viewer"), site.as_("investigator")
    # The viewer's hidden view is cached first: the reveal is not served from it.
    hidden = site.client.get(f"/api/v1/persons/{WITNESS}", headers=viewer)
    assert hidden.status_code == 200 and "Witness W-1" in hidden.text
    shown = site.client.post(f"/api/v1/persons/{WITNESS}/reveal", headers=lawyer,
                             json={"reason": "preparing the hearing"})
    assert shown.status_code == 200 and any(s in shown.text for s in site.secrets)
    # Then the revealed view is not served to the viewer, nor to the lawyer
    # viewing without a reveal, on the API or the page, in either language.
    for who in (viewer, lawyer):
        for path in (f"/api/v1/persons/{WITNESS}", f"/persons/{WITNESS}?lang=en",
                     f"/persons/{WITNESS}?lang=fa", "/search?q=Witness+W-1&lang=en",
                     "/api/v1/search?q=Witness+W-1"):
            r = site.client.get(path, headers=who)
            assert r.status_code == 200 and "Witness W-1" in r.text, path
            assert all(s not in r.text for s in site.secrets), path


def test_a_cached_view_of_a_protected_person_is_still_logged(site: Site) -> None:
    viewer = site.as_("viewer")
    site.client.get(f"/api/v1/persons/{WITNESS}", headers=viewer)
    site.client.get(f"/persons/{WITNESS}?lang=en", headers=viewer)
    version = _version(site)
    before = read_log(site.registry, target=WITNESS, action="view-protected").total
    for _ in range(3):  # each served from the cache
        assert site.client.get(f"/api/v1/persons/{WITNESS}", headers=viewer).status_code == 200
        assert site.client.get(f"/persons/{WITNESS}?lang=en", headers=viewer).status_code == 200
    # Logging a view changes nothing a reader sees: the cache stays valid...
    assert _version(site) == version
    # ...and every view is in the access log, with who and how.
    log = read_log(site.registry, target=WITNESS, action="view-protected")
    assert log.total == before + 6
    assert {(e.actor, e.via) for e in log.entries[:6]} == {("t-viewer", "web")}
