"""One error shape, pinned; the same security headers on every response."""

from __future__ import annotations

import pytest

from khavaran.web.security import MAX_BODY
from web_site import Site, site  # noqa: F401  (site: the fixture)

SHAPE = {"error": {"code", "message", "field", "line"}}


def _shape(body: dict[str, object]) -> dict[str, set[str]]:
    return {k: set(v) for k, v in body.items() if isinstance(v, dict)}


def _secure(headers: dict[str, str] | object) -> None:
    h = {k.lower(): v for k, v in headers.items()}  # type: ignore[attr-defined]
    csp = h["content-security-policy"]
    script = next(p for p in csp.split(";") if p.strip().startswith("script-src"))
    assert "unsafe-inline" not in script and "frame-ancestors 'none'" in csp
    assert h["referrer-policy"] == "no-referrer"
    assert h["x-content-type-options"] == "nosniff"


def test_error_shape_is_pinned(site: Site) -> None:
    cases = [
        (site.client.get("/api/v1/persons/v-demo-001"), 401, "unauthorized", None),
        (site.client.get("/api/v1/persons/v-demo-001",
                         headers={"authorization": "Bearer tk-forged.nothing"}), 401,
         "unauthorized", None),
        (site.client.get("/api/v1/access-log", headers=site.as_("viewer")), 403, "forbidden",
         None),
        (site.client.get("/api/v1/persons/p-nobody", headers=site.as_("viewer")), 404,
         "not_found", None),
        (site.client.get("/api/v1/search?q=x&limit=0", headers=site.as_("viewer")), 422,
         "invalid", "limit"),
        (site.client.post("/api/v1/claims", json={"entity": "v-demo-002"},
                          headers=site.as_("analyst")), 422, "invalid", "property"),
        (site.client.post("/api/v1/claims", json={
            "entity": "v-demo-002", "property": "burial_place", "value": "X",
            "sources": ["no-such-source"]}, headers=site.as_("analyst")), 422, "invalid",
         "source"),
        (site.client.delete("/api/v1/health"), 405, "method_not_allowed", None),
        (site.client.get("/api/v1/nowhere"), 404, "not_found", None),
    ]
    for r, status, code, field in cases:
        assert r.status_code == status, r.text
        assert _shape(r.json()) == SHAPE
        assert r.json()["error"]["code"] == code
        assert r.json()["error"]["field"] == field, r.text
        _secure(r.headers)
    assert cases[0][0].headers["www-authenticate"] == "Bearer"


def test_oversized_bodies_are_refused_before_anything_reads_them(site: Site) -> None:
    big = b"{" + b" " * MAX_BODY + b"}"
    r = site.client.post("/api/v1/sources", content=big, headers={
        **site.as_("admin"), "content-type": "application/json"})
    assert r.status_code == 413
    assert r.json()["error"] == {"code": "too_large", "field": "body", "line": None,
                                 "message": f"the body is larger than {MAX_BODY} bytes"}
    _secure(r.headers)

    def chunks():  # type: ignore[no-untyped-def]
        yield b"{}"

    r = site.client.post("/api/v1/sources", content=chunks(), headers=site.as_("admin"))
    assert r.status_code == 411
    _secure(r.headers)


@pytest.mark.parametrize("method", ["GET", "HEAD", "OPTIONS", "POST", "PUT", "DELETE"])
def test_security_headers_whatever_the_method_or_status(site: Site, method: str) -> None:
    for path in ("/api/v1/health", "/api/v1/openapi.json", "/api/v1/persons/v-demo-001",
                 "/nowhere"):
        r = site.client.request(method, path, headers=site.as_("viewer"))
        _secure(r.headers)


def test_openapi_document_needs_no_token(site: Site) -> None:
    doc = site.client.get("/api/v1/openapi.json").json()
    assert doc["openapi"].startswith("3.")
    for path in ("/api/v1/search", "/api/v1/persons/{person_id}", "/api/v1/sources/{source_id}",
                 "/api/v1/sources", "/api/v1/persons", "/api/v1/claims",
                 "/api/v1/history/{record_id}", "/api/v1/access-log"):
        assert path in doc["paths"]
    claim = doc["paths"]["/api/v1/claims"]["post"]["requestBody"]["content"]
    assert "sources" in claim["application/json"]["schema"]["required"]


def test_head_is_get_without_a_body_and_a_trailing_slash_is_not_redirected(
        site: Site) -> None:
    for path in ("/login", "/api/v1/health", "/static/app.css"):
        get, head = site.client.get(path), site.client.head(path)
        assert (head.status_code, head.content) == (get.status_code, b""), path
        assert head.headers["content-length"] == str(len(get.content)), path
    r = site.client.get("/login/", headers={"host": "elsewhere.example"},
                        follow_redirects=False)
    assert r.status_code == 404 and "location" not in r.headers
