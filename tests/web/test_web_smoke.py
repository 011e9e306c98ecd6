from __future__ import annotations

from web_site import WITNESS, Site, site  # noqa: F401  (site: the fixture)


def test_viewer_sees_the_pseudonym(site: Site) -> None:
    r = site.client.get(f"/api/v1/persons/{WITNESS}", headers=site.as_("viewer"))
    assert r.status_code == 200, r.text
    assert r.json()["title"] == "Witness W-1 (protected)"
    assert not any(s in r.text for s in site.secrets)
