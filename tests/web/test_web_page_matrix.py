"""The authorisation matrix of the pages: every page and fragment route, every
role and anonymous, signed in with a session as a browser is; a form without
its token refused; no protected string to anyone without clearance.

Areas add their routes to PAGES; test_every_page_route_is_in_the_matrix fails
when a route is served but not listed here."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from fastapi.testclient import TestClient

from khavaran.model import ids
from web_site import ROLES, WITNESS, Site, form_token, page_sign_in, site  # noqa: F401

OK, LOGIN, DENIED, GONE = 200, 303, 403, 303
READ = {None: LOGIN, "admin": OK, "investigator": OK, "analyst": OK, "viewer": OK}
ADMIN = {None: LOGIN, "admin": OK, "investigator": DENIED, "analyst": DENIED,
         "viewer": DENIED}
OPEN = dict.fromkeys((None, *ROLES), OK)
# An admin's change redirects back to /admin (303) or shows what to hand over (200).
ADMIN_CHANGE = {None: LOGIN, "admin": (OK, 303), "investigator": DENIED,
                "analyst": DENIED, "viewer": DENIED}
SIGNED = {None: LOGIN, "admin": 303, "investigator": 303, "analyst": 303, "viewer": 303}
# Data entry (web/entry_pages.py): roles that may write; a change redirects (303).
WRITE = {None: LOGIN, "admin": OK, "investigator": OK, "analyst": OK, "viewer": DENIED}


def _writes(status: int) -> dict[str | None, Any]:
    return {None: LOGIN, "admin": status, "investigator": status, "analyst": status,
            "viewer": DENIED}


def _publishes(status: int) -> dict[str | None, Any]:
    """The public memorial's side of the team app: roles that may publish."""
    return {None: LOGIN, "admin": status, "investigator": status, "analyst": DENIED,
            "viewer": DENIED}


def _jobs(status: int) -> dict[str | None, Any]:
    """A job's pages (web/dossier_pages.py): a dossier's for who may export, a
    verification's for who may write; an unknown job is unknown to both."""
    return {None: LOGIN, "admin": status, "investigator": status, "analyst": status,
            "viewer": DENIED}


def _exports(status: int) -> dict[str | None, Any]:
    """Dossiers (web/dossier_pages.py): roles that may export."""
    return {None: LOGIN, "admin": status, "investigator": status, "analyst": DENIED,
            "viewer": DENIED}


MATRIX_CLAIM = ids.claim_id("v-demo-001", "burial_place", None, "Matrix place", None)
MATRIX_CONSENT = ids.consent_id("v-demo-001", "matrix", "test", None)

Form = Callable[[str], dict[str, str]] | dict[str, str] | None

# (method, path, form, expected status by role)
PAGES: list[tuple[str, str, Form, dict[str | None, Any]]] = [
    ("GET", "/login", None, OPEN),
    ("GET", "/account", None, READ),
    ("GET", "/admin", None, ADMIN),
    ("GET", "/admin/log?actor=t-viewer", None, ADMIN),
    ("POST", "/admin/users", lambda r: {"name": f"new-{r}", "role": "viewer"}, ADMIN_CHANGE),
    ("POST", "/admin/users/new-admin/role", {"role": "analyst"}, ADMIN_CHANGE),
    ("POST", "/admin/users/new-admin/token", {}, ADMIN_CHANGE),
    ("POST", "/account/two-factor", {}, READ),
    ("POST", "/account/language", {"language": "en"}, SIGNED),
    ("POST", "/account/password", {"current": "x", "new": "y", "again": "z"},
     {None: LOGIN, **dict.fromkeys(ROLES, 422)}),
    # The reading pages (test_web_read_pages.py has what they show).
    ("GET", "/", None, READ),
    ("GET", "/search?q=Hosseini", None, READ),
    ("GET", "/dashboard?wave=1", None, READ),
    ("GET", "/dashboard/timeline.svg", None, READ),
    ("GET", "/dashboard/timeline.png", None, READ),
    ("GET", "/network", None, READ),
    ("GET", "/network.svg", None, READ),
    ("GET", "/network.png", None, READ),
    ("GET", "/map", None, READ),
    ("GET", "/map.svg", None, READ),
    ("GET", "/map.png", None, READ),
    ("GET", "/dashboard/estimate?city=Atlantis", None,
     {None: LOGIN, **dict.fromkeys(ROLES, 422)}),
    ("GET", "/search/results?q=Hosseini", None, READ),
    ("GET", "/persons/v-demo-001", None, READ),
    ("GET", f"/persons/{WITNESS}", None, READ),
    ("GET", f"/persons/{WITNESS}/history", None, READ),
    ("GET", "/sources/demo-testimony-01", None, READ),
    ("GET", "/units/u-demo-commission-1", None, READ),
    ("GET", "/places/pl-demo-golzar", None, READ),
    ("GET", "/events/e-demo-arrest-000", None, READ),
    # The tracker's reports (test_web_report_pages.py has what they show); a
    # protected person's report answers as an unknown id's, an unknown country 422.
    ("GET", "/reports", None, READ),
    ("GET", "/reports/matrix", None, READ),
    ("GET", "/reports/matrix/pdf", None, READ),
    ("GET", "/reports/timeline", None, READ),
    ("GET", "/reports/timeline/pdf?lang=fa", None, READ),
    ("GET", "/reports/impunity/p-demo-perp-12", None, READ),
    ("GET", f"/reports/impunity/{WITNESS}", None, {None: LOGIN, **dict.fromkeys(ROLES, 404)}),
    ("GET", f"/reports/impunity/{WITNESS}/pdf", None,
     {None: LOGIN, **dict.fromkeys(ROLES, 404)}),
    ("GET", "/reports/country/se", None, READ),
    ("GET", "/reports/country/atlantis/pdf", None, {None: LOGIN, **dict.fromkeys(ROLES, 422)}),
    # Cases and evidence (test_web_case_pages.py has what they show).
    ("GET", "/cases", None, READ),
    ("GET", "/cases/no-such-case", None, {None: LOGIN, **dict.fromkeys(ROLES, 404)}),
    ("GET", "/evidence/ev-" + "0" * 32, None, {None: LOGIN, **dict.fromkeys(ROLES, 404)}),
    ("GET", "/evidence/new?source=demo-report-1", None, WRITE),
    ("POST", "/evidence/new", {"source": "demo-report-1"}, _writes(422)),  # no file
    ("POST", "/cases/no-such-case/links", {"element": "1:x", "kind": "claim"}, _writes(404)),
    ("POST", "/cases/no-such-case/links/1/withdraw", {"withdraw": "x"}, _writes(404)),
    ("POST", "/evidence/ev-" + "0" * 32 + "/review", {"level": "public", "reason": "x"},
     _writes(404)),
    # Dossiers (test_web_dossier_pages.py has what they show and do).
    ("POST", "/cases/no-such-case/dossiers", {"level": "public"}, _exports(404)),
    ("GET", "/jobs/j-" + "0" * 24, None, _jobs(404)),
    ("GET", "/jobs/j-" + "0" * 24 + "/progress", None, _jobs(404)),
    ("POST", "/jobs/j-" + "0" * 24 + "/rerun", {}, _jobs(404)),
    ("GET", "/jobs/j-" + "0" * 24 + "/dossier", None, _jobs(404)),
    ("GET", "/jobs/j-" + "0" * 24 + "/annex", None, _jobs(404)),
    ("GET", "/dossiers/verify", None, READ),
    # Verification as a job (web/verify_pages.py): an item by who may write, the
    # whole installation by who may export.
    ("POST", "/evidence/ev-" + "0" * 32 + "/verify", {}, _writes(404)),
    ("GET", "/verify", None, _exports(OK)),
    # Redaction (web/redact_pages.py): who may write; an unknown item is unknown.
    ("GET", "/evidence/ev-" + "0" * 32 + "/redact", None, _writes(404)),
    ("GET", "/evidence/ev-" + "0" * 32 + "/redact/page/1.png", None, _writes(404)),
    ("POST", "/evidence/ev-" + "0" * 32 + "/redact", {"boxes": "0,0,1,1"}, _writes(404)),
    ("POST", "/evidence/ev-" + "0" * 32 + "/links", {"target": "c-x", "locator": "p. 1"},
     _writes(404)),
    # Full-text search of the vault's texts (web/text_search_pages.py).
    ("GET", "/evidence/search?q=golzarabad", None, WRITE),
    # An item's content shown, and the file itself (web/view_pages.py).
    ("GET", "/evidence/ev-" + "0" * 32 + "/view", None, _writes(404)),
    ("GET", "/evidence/ev-" + "0" * 32 + "/page/1.png", None, _writes(404)),
    ("GET", "/evidence/ev-" + "0" * 32 + "/download", None, _writes(404)),
    # A PDF's text or an image's OCR, as a job (web/derive_pages.py).
    ("POST", "/evidence/ev-" + "0" * 32 + "/derive", {"kind": "text"}, _writes(404)),
    ("POST", "/verify", {}, _exports(303)),
    ("POST", "/dossiers/verify", {}, {None: LOGIN, **dict.fromkeys(ROLES, 422)}),  # no file
    # Without a reason: refused to who may not reveal, asked again of who may.
    ("POST", "/persons/v-demo-001/reveal", {"reason": ""},
     {None: LOGIN, "admin": 422, "investigator": 422, "analyst": DENIED, "viewer": DENIED}),
    # The review queue (test_web_review_queue.py): a reader may look, a writer judges.
    ("GET", "/review", None, READ),
    ("POST", "/review", {"a": "demo-list-a:A0016", "b": "demo-list-c:C0014",
                         "decision": "unsure"}, _writes(303)),
    # The xref queue (test_web_xref_pages.py): a reader may look, a writer judges
    # (nothing imported here: the candidate is unknown) and matches again (a job).
    ("GET", "/xref", None, READ),
    ("POST", "/xref", {"person": "p-demo-perp-11", "ref": "demo_sanctions:demo-sanc-001",
                       "decision": "unsure"}, _writes(422)),
    ("POST", "/xref/run", {}, _writes(303)),
    ("POST", "/xref/lists", {}, _writes(422)),  # no file
    ("GET", "/sources/new", None, WRITE),
    ("POST", "/sources/new", lambda r: {"title": f"Fictional matrix source {r}",
                                        "kind": "report", "fictional": "1"}, _writes(303)),
    ("GET", "/sources/pick?q=demo", None, READ),
    ("GET", "/persons/new", None, WRITE),
    ("POST", "/persons/new", {"fictional": "1"}, _writes(303)),
    ("GET", "/persons/v-demo-001/claims/new", None, WRITE),
    ("POST", "/persons/v-demo-001/claims/new", {
        "property": "burial_place", "value": "Matrix place", "source": "demo-testimony-02",
        "credibility": "6", "assessment": "alleged"}, _writes(303)),
    ("GET", f"/claims/{MATRIX_CLAIM}/prefer", None, WRITE),
    ("POST", f"/claims/{MATRIX_CLAIM}/prefer", {"reason": "matrix"}, _writes(303)),
    ("POST", f"/claims/{MATRIX_CLAIM}/assess", {"assessment": "contested",
                                                "reason": "matrix"}, _writes(303)),
    ("GET", "/persons/v-demo-002/protect", None, WRITE),
    ("POST", "/persons/v-demo-002/protect", {"pseudonym": "Matrix P", "reason": "matrix"},
     _writes(303)),
    ("GET", "/persons/v-demo-001/consents", None, WRITE),
    ("POST", "/persons/v-demo-001/consents", {"scope": "matrix", "purpose": "test"},
     _writes(303)),
    ("POST", f"/persons/v-demo-001/consents/{MATRIX_CONSENT}/withdraw", {}, _writes(303)),
    # The public memorial (test_public_corrections.py has what they do).
    ("GET", "/corrections", None, _publishes(OK)),
    ("POST", "/corrections/r-nosuch/reject", {"reason": "matrix"}, _publishes(404)),
    ("POST", "/persons/v-demo-019/publish", {"publish_reason": "matrix"}, _publishes(303)),
    ("POST", "/persons/v-demo-019/unpublish", {"publish_reason": "matrix"},
     _publishes(303)),
    ("POST", "/places/pl-demo-tarandasht/publish", {"publish_reason": "matrix"},
     _publishes(303)),
    ("POST", "/places/pl-demo-tarandasht/unpublish", {"publish_reason": "matrix"},
     _publishes(303)),
    ("GET", "/import", None, WRITE),
    ("POST", "/import", {}, _writes(422)),  # no file: the form again
    ("POST", "/import/confirm", {"token": "0" * 26}, _writes(404)),  # no such upload
    ("GET", "/import/" + "0" * 26, None, _writes(404)),
    ("GET", "/import/" + "0" * 26 + "/progress", None, _writes(404)),
    ("POST", "/logout", {}, SIGNED),  # last: it ends the sessions
]
# Routes a browser does not open by a link, listed so that the check below
# knows they are covered elsewhere (with the test that covers them).
ELSEWHERE = {
    ("POST", "/login"): "test_web_account_pages.py",
    ("POST", "/account/two-factor/confirm"): "test_web_account_pages.py",
    ("POST", "/admin/users/{name}/disable"): "test_web_admin_pages.py",
    ("POST", "/admin/tokens/{token_id}/revoke"): "test_web_admin_pages.py",
}


def _clients(site: Site) -> dict[str | None, TestClient]:
    made: dict[str | None, TestClient] = {None: TestClient(site.client.app,
                                                           base_url="https://testserver")}
    for role in ROLES:
        client = TestClient(site.client.app, base_url="https://testserver")
        site.client, keep = client, site.client
        assert page_sign_in(site, role, code=site.accounts[role].recovery[0]
                            ).status_code == 303
        site.client = keep
        made[role] = client
    return made


def _token(client: TestClient) -> str:
    page = client.get("/account", follow_redirects=False)
    return form_token(page.text) if page.status_code == 200 else ""


def _served(site: Site) -> set[tuple[str, str]]:
    found = set()
    for route in site.client.app.router.routes:
        candidates = getattr(route, "effective_candidates", None)
        for c in candidates() if candidates else [route]:
            path = getattr(c, "path", "")
            if path.startswith(("/api/", "/static")) or not path:
                continue
            for method in getattr(c, "methods", None) or ():
                if method != "HEAD":
                    found.add((method, path))
    return found


def test_every_page_route_is_in_the_matrix(site: Site) -> None:
    listed = {(m, p.split("?")[0]) for m, p, _, _ in PAGES}
    templated = _served(site)
    assert ("GET", "/account") in templated and len(templated) > 10
    missing = []
    for method, path in templated:
        if (method, path) in ELSEWHERE:
            continue
        pattern = path.replace("{", "").replace("}", "")
        if not any(m == method and (p == path or _fits(path, p)) for m, p in listed):
            missing.append(f"{method} {path} ({pattern})")
    assert missing == [], "page routes missing from PAGES: " + ", ".join(sorted(missing))


def _fits(template: str, path: str) -> bool:
    a, b = template.strip("/").split("/"), path.strip("/").split("/")
    return len(a) == len(b) and all(x == y or x.startswith("{") for x, y in zip(a, b,
                                                                             strict=True))


def test_page_for_every_role(site: Site) -> None:
    clients = _clients(site)
    tokens = {role: _token(c) for role, c in clients.items()}
    for method, path, form, expected in PAGES:
        for role, client in clients.items():
            data = form(role or "anon") if callable(form) else form
            if method == "POST":
                data = {**(data or {}), "csrf": tokens[role]}
            r = client.request(method, path, data=data, follow_redirects=False)
            want = expected[role]
            assert r.status_code in (want if isinstance(want, tuple) else (want,)), (
                method, path, role, r.status_code)
            if role is None and r.status_code == 303 and path != "/logout":
                assert r.headers["location"].startswith("/login?next=")
            leaked = [s for s in site.secrets if s in r.text]
            assert not leaked, (path, role, leaked)


@pytest.mark.parametrize(("method", "path", "form"),
                         [(m, p, f) for m, p, f, _ in PAGES if m == "POST"],
                         ids=[p for m, p, _, _ in PAGES if m == "POST"])
def test_a_form_without_its_token_is_refused(site: Site, method: str, path: str,
                                             form: Form) -> None:
    page_sign_in(site, "admin")
    data = form("admin") if callable(form) else form
    r = site.client.post(path, data={**(data or {}), "csrf": "forged"},
                         follow_redirects=False)
    assert r.status_code == DENIED, (path, r.status_code)
    assert WITNESS not in r.text
