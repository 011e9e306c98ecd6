"""The authorisation matrix: every route, every role and anonymous, the status
expected, and no protected string (the demo witness's names in both scripts
and identifying facts) in any response a user without clearance gets."""

from __future__ import annotations

from typing import Any

import pytest

from khavaran.services.access_log import read_log
from khavaran.storage import accounts as store
from web_site import ROLES, WITNESS, Site, site  # noqa: F401  (site: the fixture)

OK, NO_AUTH, DENIED = 200, 401, 403
READ = {None: NO_AUTH, "admin": OK, "investigator": OK, "analyst": OK, "viewer": OK}
WRITE = {None: NO_AUTH, "admin": 201, "investigator": 201, "analyst": 201, "viewer": DENIED}
REVEAL = {None: NO_AUTH, "admin": OK, "investigator": OK, "analyst": DENIED, "viewer": DENIED}
ADMIN = {None: NO_AUTH, "admin": OK, "investigator": DENIED, "analyst": DENIED,
         "viewer": DENIED}
OPEN = dict.fromkeys((None, *ROLES), OK)


def _source(role: str) -> dict[str, Any]:
    return {"id": f"api-src-{role}", "kind": "report", "title": "Fictional report",
            "fictional": True}


def _claim(role: str) -> dict[str, Any]:
    return {"entity": "v-demo-002", "property": "burial_place", "value": f"Plot {role}",
            "sources": ["demo-testimony-02"], "locator": "minute 3"}


ROUTES: list[tuple[str, str, Any, dict[str | None, int]]] = [
    ("GET", "/api/v1/health", None, OPEN),
    ("GET", "/api/v1/openapi.json", None, OPEN),
    ("GET", "/api/v1/auth/me", None, READ),
    ("GET", "/api/v1/search?q=Witness%20W-1", None, READ),
    ("GET", "/api/v1/search?q=Hosseini&limit=5&offset=5", None, READ),
    ("GET", f"/api/v1/persons/{WITNESS}", None, READ),
    ("GET", "/api/v1/persons/v-demo-001", None, READ),
    ("GET", "/api/v1/sources/demo-testimony-01", None, READ),
    ("GET", f"/api/v1/history/{WITNESS}", None, READ),
    ("POST", f"/api/v1/persons/{WITNESS}/reveal", {"reason": "preparing a hearing"}, REVEAL),
    ("POST", "/api/v1/sources", _source, WRITE),
    ("POST", "/api/v1/persons", lambda r: {"id": f"p-api-{r}", "fictional": True}, WRITE),
    ("POST", "/api/v1/claims", _claim, WRITE),
    ("GET", "/api/v1/access-log", None, ADMIN),
]


@pytest.mark.parametrize(("method", "path", "body", "expected"), ROUTES,
                         ids=[f"{m} {p}" for m, p, _, _ in ROUTES])
def test_route_for_every_role(site: Site, method: str, path: str, body: Any,
                              expected: dict[str | None, int]) -> None:
    for role in (None, *ROLES):
        payload = body(role or "anon") if callable(body) else body
        r = site.client.request(method, path, json=payload, headers=site.as_(role))
        assert r.status_code == expected[role], (role, r.text)
        if r.status_code >= 400:
            assert set(r.json()) == {"error"}
        cleared = role in ("admin", "investigator") and path.endswith("/reveal")
        if not cleared:
            seen = r.text + " ".join(f"{k}: {v}" for k, v in r.headers.items())
            leaked = [s for s in site.secrets if s in seen]
            assert not leaked, (role, leaked)


def test_a_real_name_finds_nothing_and_says_nothing(site: Site) -> None:
    for secret in site.secrets:
        for role in ROLES:
            r = site.client.get("/api/v1/search", params={"q": secret},
                                headers=site.as_(role))
            assert r.status_code in (200, 422)
            assert WITNESS not in r.text and secret not in r.text


def test_forbidden_is_decided_before_the_body_is_read(site: Site) -> None:
    with site.registry.read() as conn:
        before = store.log_rows(conn, action="denied")[1]
    r = site.client.post("/api/v1/sources", content=b"{not json",
                         headers={**site.as_("viewer"), "content-type": "application/json"})
    assert r.status_code == 403
    assert r.json()["error"]["code"] == "forbidden"
    page = read_log(site.registry, action="denied")
    assert page.total == before + 1
    assert page.entries[0].actor == "t-viewer" and "may not write" in (page.entries[0].reason
                                                                        or "")


def test_a_cleared_user_sees_the_pseudonym_until_revealing(site: Site) -> None:
    shown = site.client.get(f"/api/v1/persons/{WITNESS}", headers=site.as_("investigator"))
    assert shown.json()["title"] == "Witness W-1 (protected)"
    assert not any(s in shown.text for s in site.secrets)
    no_reason = site.client.post(f"/api/v1/persons/{WITNESS}/reveal", json={"reason": " "},
                                 headers=site.as_("investigator"))
    assert no_reason.status_code == 422
    assert no_reason.json()["error"]["field"] == "reason"
    revealed = site.client.post(f"/api/v1/persons/{WITNESS}/reveal",
                                json={"reason": "preparing a hearing"},
                                headers=site.as_("investigator"))
    assert revealed.status_code == 200 and revealed.json()["revealed"] is True
    assert all(s in revealed.text for s in site.secrets)
    log = read_log(site.registry, target=WITNESS)
    assert [(e.action, e.actor, e.reason) for e in log.entries[:2]] == [
        ("reveal", "t-investigator", "preparing a hearing"),
        ("view-protected", "t-investigator", None)]
