"""Administration pages: only the admin role; accounts, roles, tokens, and the
access log with its filters; every change in the log."""

from __future__ import annotations

import pytest

from khavaran.services.access_log import read_log
from web_site import Site, form_token, page_sign_in, site  # noqa: F401


@pytest.mark.parametrize("role", ["investigator", "analyst", "viewer"])
def test_only_the_admin_role_sees_administration(site: Site, role: str) -> None:
    page_sign_in(site, role)
    for path in ("/admin", "/admin/log"):
        r = site.client.get(f"{path}?lang=en")
        assert r.status_code == 403 and "Not allowed" in r.text
    assert 'href="/admin"' not in site.client.get("/account").text  # not in the menu
    assert read_log(site.registry, action="denied").entries[0].actor == f"t-{role}"
    token = form_token(site.client.get("/account").text)
    r = site.client.post("/admin/users", data={"csrf": token, "name": "x1", "role": "admin"})
    assert r.status_code == 403
    assert "x1" not in {u for u in site.client.get("/api/v1/auth/me").text.split('"')}


def test_an_admin_adds_an_account_and_its_secrets_are_shown_once(site: Site) -> None:
    page_sign_in(site, "admin")
    page = site.client.get("/admin?lang=en")
    assert page.status_code == 200 and 'href="/admin"' in page.text
    token = form_token(page.text)
    bad = site.client.post("/admin/users?lang=en", data={"csrf": token, "name": "Bad Name!",
                                                         "role": "viewer"})
    assert bad.status_code == 422 and 'value="Bad Name!"' in bad.text
    assert "an account name is 1-64 lower-case letters" in bad.text
    made = site.client.post("/admin/users?lang=en", data={"csrf": token, "name": "rana",
                                                          "role": "analyst"})
    assert made.status_code == 200 and "Hand these to rana: they are shown once" in made.text
    assert "Recovery codes" in made.text
    again = site.client.get("/admin?lang=en")
    assert "rana" in again.text and "Hand these to" not in again.text
    assert read_log(site.registry, action="account-add").entries[0].target == "rana"


def test_an_admin_changes_a_role_issues_and_revokes_a_token_and_disables(site: Site) -> None:
    page_sign_in(site, "admin")
    token = form_token(site.client.get("/admin").text)
    r = site.client.post("/admin/users/t-viewer/role", data={"csrf": token, "role": "analyst"},
                         follow_redirects=False)
    assert r.status_code == 303
    issued = site.client.post("/admin/users/t-viewer/token?lang=en", data={"csrf": token})
    assert "New API token: shown once" in issued.text
    new = issued.text.split("New API token: shown once</h2>\n<p><code dir=\"ltr\">")[1]
    new = new.split("<")[0]
    assert site.client.get("/api/v1/auth/me", headers={
        "authorization": f"Bearer {new}"}).json()["role"] == "analyst"
    token_id = new.split(".")[0]
    site.client.post(f"/admin/tokens/{token_id}/revoke", data={"csrf": token})
    assert site.client.get("/api/v1/auth/me", headers={
        "authorization": f"Bearer {new}"}).status_code == 401
    site.client.post("/admin/users/t-viewer/disable", data={"csrf": token})
    assert site.client.get("/api/v1/auth/me", headers=site.as_("viewer")).status_code == 401
    actions = [e.action for e in read_log(site.registry, actor="t-admin").entries]
    for action in ("account-role", "token-issue", "token-revoke", "account-disable"):
        assert action in actions


def test_the_access_log_filters_by_who_what_and_when(site: Site) -> None:
    page_sign_in(site, "viewer")
    page_sign_in(site, "admin")
    r = site.client.get("/admin/log?lang=en&actor=t-viewer&action=sign-in")
    assert r.status_code == 200
    rows = r.text.split("<tbody>")[1].split("</tbody>")[0]
    assert rows.count("<tr>") >= 1 and "t-admin" not in rows and "t-viewer" in rows
    bad = site.client.get("/admin/log?lang=en&since=yesterday&action=nonsense")
    assert bad.status_code == 422 and "give a date as YYYY-MM-DD" in bad.text
    later = site.client.get("/admin/log?lang=en&since=2999-01-01")
    assert "0 of 0 entries" in later.text
    fa = site.client.get("/admin/log?lang=fa&actor=t-viewer")
    assert "گزارش دسترسی" in fa.text
