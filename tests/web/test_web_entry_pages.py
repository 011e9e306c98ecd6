"""Data entry pages as a user meets them: a source, a person and a cited claim
made through the forms; bad values beside their fields with the input kept, in
Persian and English; uploads checked before anything is written; refusals."""

from __future__ import annotations

import asyncio
import re
import time
from typing import Any

from khavaran.services import profiles, reading
from khavaran.services.access_log import read_log
from khavaran.storage import queries
from web_site import Site, page_sign_in, site  # noqa: F401


def form_token(html: str) -> str:
    """The token of the page's entry form itself (not of the header's sign-out form)."""
    form = html[html.index('class="entry"'):]
    return form.split('name="csrf" value="')[1].split('"')[0]


def _signed_in(site: Site, role: str = "analyst", lang: str = "en") -> None:
    assert page_sign_in(site, role, lang=lang).status_code == 303


def _post(site: Site, path: str, data: dict[str, str], lang: str = "en") -> Any:
    page = site.client.get(f"{path}?lang={lang}")
    assert page.status_code == 200, page.text
    return site.client.post(f"{path}?lang={lang}", data={"csrf": form_token(page.text),
                                                         **data}, follow_redirects=False)


def _counts(site: Site) -> dict[str, Any]:
    with site.registry.read() as conn:
        return dict(queries.counts(conn))


def test_create_a_source_a_person_and_a_cited_claim(site: Site) -> None:
    _signed_in(site)
    r = _post(site, "/sources/new", {"title": "Fictional report on Example Town",
                                     "kind": "report", "reliability": "B",
                                     "date": "1367/05/06", "fictional": "1"})
    assert r.status_code == 303, r.text
    sid = r.headers["location"].removeprefix("/sources/")
    assert re.fullmatch(r"s-[a-z2-7]{8}", sid)
    assert reading.source(site.registry, sid)["title"] == "Fictional report on Example Town"
    # The picker finds it by words of its title, as radio buttons of the form.
    pick = site.client.get("/sources/pick?q=example+town&lang=en")
    assert pick.status_code == 200
    assert f'name="source_pick" value="{sid}"' in pick.text
    r = _post(site, "/persons/new", {"name": "Parviz Example", "source": "example town",
                                     "source_pick": sid, "locator": "p. 4",
                                     "fictional": "1"})
    assert r.status_code == 303, r.text
    pid = r.headers["location"].removeprefix("/persons/")
    assert re.fullmatch(r"p-[a-z2-7]{8}", pid)
    form = site.client.get(f"/persons/{pid}/claims/new?lang=en")
    assert form.status_code == 200 and 'hx-get="/sources/pick"' in form.text
    r = _post(site, f"/persons/{pid}/claims/new", {
        "property": "death_date", "value": "1367/05/10", "source": sid, "locator": "p. 7",
        "credibility": "2", "assessment": "alleged"})
    assert r.status_code == 303 and r.headers["location"] == f"/persons/{pid}"
    shown = profiles.show(site.registry, pid)
    [death] = shown.facts["death_date"]
    assert death.value == "1367/05/10" and death.credibility == 2
    assert [(c.source_id, c.locator) for c in death.citations] == [(sid, "p. 7")]
    # Judgements on it, as POST forms.
    r = _post(site, f"/claims/{death.claim_id}/assess", {"assessment": "corroborated",
                                                         "reason": "two lists agree"})
    assert r.status_code == 303
    assert profiles.show(site.registry, pid).facts["death_date"][0].assessment == \
        "corroborated"
    r = _post(site, f"/persons/{pid}/consents", {"scope": "testimony", "purpose": "court"})
    assert r.status_code == 303
    page = site.client.get(f"/persons/{pid}/consents?lang=en")
    assert "testimony" in page.text and "in force" in page.text
    r = _post(site, f"/persons/{pid}/protect", {"pseudonym": "Witness W-9", "reason": "risk"})
    assert r.status_code == 303
    assert profiles.show(site.registry, pid).protected


def test_bad_values_are_shown_beside_their_fields_with_the_input_kept(site: Site) -> None:
    _signed_in(site)
    before = _counts(site)
    r = _post(site, "/sources/new", {"title": "Kept <title>", "kind": "", "reliability": "F",
                                     "date": "1367/13/40", "fictional": "1"})
    assert r.status_code == 422
    assert 'id="e-kind">This field is required.' in r.text
    assert 'id="e-date">This date cannot be read' in r.text
    assert 'value="Kept &lt;title&gt;"' in r.text and 'value="1367/13/40"' in r.text
    r = _post(site, "/sources/new", {"title": "", "kind": "report", "reliability": "F",
                                     "date": "1367/13/40"}, lang="fa")
    assert r.status_code == 422 and '<html lang="fa" dir="rtl">' in r.text
    assert 'id="e-title">این فیلد لازم است.' in r.text
    assert 'id="e-date">این تاریخ خوانا نیست' in r.text
    assert '<option value="report" selected>' in r.text  # the choice kept
    r = _post(site, "/persons/new", {"name": "Parviz Example", "locator": "p. 4"}, lang="fa")
    assert r.status_code == 422
    assert 'id="e-source">هر واقعیت به منبع نیاز دارد' in r.text
    assert 'value="Parviz Example"' in r.text and 'value="p. 4"' in r.text
    assert _counts(site) == before


def test_a_bad_claim_value_is_shown_on_the_value_field(site: Site) -> None:
    _signed_in(site)
    person = "v-demo-001"
    before = _counts(site)
    r = _post(site, f"/persons/{person}/claims/new", {
        "property": "death_date", "value": "1367/13/40", "source": "", "credibility": "9",
        "assessment": "alleged"})
    assert r.status_code == 422
    assert 'id="e-source">Every fact needs a source' in r.text
    assert 'id="e-credibility">' in r.text and 'value="1367/13/40"' in r.text
    r = _post(site, f"/persons/{person}/claims/new", {
        "property": "death_date", "value": "1367/13/40", "source": "demo-testimony-02",
        "credibility": "6", "assessment": "alleged"}, lang="fa")
    assert r.status_code == 422 and 'id="e-value">این تاریخ خوانا نیست' in r.text
    assert _counts(site) == before


def test_a_relation_or_association_takes_its_kind_from_the_one_list(site: Site) -> None:
    _signed_in(site)
    form = site.client.get("/persons/p-demo-perp-11/claims/new?lang=fa")
    assert '<optgroup label="وابستگی">' in form.text and ">همکار</option>" in form.text
    before = _counts(site)
    # a kind of name is not a kind of association: refused on the kind's field
    r = _post(site, "/persons/p-demo-perp-11/claims/new", {
        "property": "associate_of", "value": "p-demo-perp-21", "qualifier": "given",
        "source": "demo-news-02", "credibility": "3", "assessment": "alleged"}, lang="en")
    assert r.status_code == 422 and 'id="e-qualifier">' in r.text, r.text
    # nor does a date take one
    r = _post(site, "/persons/p-demo-perp-11/claims/new", {
        "property": "alive_as_of", "value": "1400", "qualifier": "colleague",
        "source": "demo-news-02", "credibility": "3", "assessment": "alleged"}, lang="en")
    assert r.status_code == 422 and 'id="e-qualifier">' in r.text
    assert _counts(site) == before
    r = _post(site, "/persons/p-demo-perp-11/claims/new", {
        "property": "associate_of", "value": "p-demo-perp-21", "qualifier": "superior",
        "source": "demo-news-02", "locator": "p. 1", "credibility": "3",
        "assessment": "alleged"})
    assert r.status_code == 303, r.text
    page = site.client.get("/persons/p-demo-perp-11?lang=en")
    assert "associate of" in page.text and '<span class="qualifier">(superior)</span>' in page.text
    [tie] = profiles.show(site.registry, "p-demo-perp-11").facts["associate_of"]
    assert tie.qualifier == "superior" and tie.citations[0].source_id == "demo-news-02"


def test_a_reader_may_not_use_the_forms(site: Site) -> None:
    _signed_in(site, "viewer")
    for path in ("/sources/new", "/persons/new", "/import", "/persons/v-demo-001/claims/new"):
        r = site.client.get(f"{path}?lang=en")
        assert r.status_code == 403 and "Not allowed" in r.text, path
    r = site.client.post("/sources/new", data={"title": "x", "kind": "report"},
                         headers={"authorization": f"Bearer {site.accounts['viewer'].token}"})
    assert r.status_code == 403
    denied = read_log(site.registry, action="denied").entries
    assert any("viewer may not write" in (e.reason or "") for e in denied)


def test_a_form_without_its_token_is_refused(site: Site) -> None:
    _signed_in(site)
    before = _counts(site)
    r = site.client.post("/sources/new", data={"csrf": "forged", "title": "x",
                                               "kind": "report"}, follow_redirects=False)
    assert r.status_code == 403 and _counts(site) == before
    r = site.client.post("/import", data={"csrf": "forged"},
                         files={"file": ("people.csv", b"id,name\n")})
    assert r.status_code == 403
    assert not (site.registry.settings.home / "staging").exists() or not any(
        (site.registry.settings.home / "staging").iterdir())
    assert read_log(site.registry, action="denied").entries[0].reason.startswith(
        "no valid CSRF token")


PEOPLE = b"""id,name:full,city,source,locator,fictional
p-web-1,Parviz Example,Example Town,demo-testimony-02,row 1,true
p-web-2,Simin Example,Example Town,demo-testimony-02,row 2,true
"""
BAD = b"""id,name:full,death_date,source,fictional
p-web-1,Parviz Example,1367/13/40,demo-testimony-02,true
p-web-2,Simin Example,1367/05/01,no-such-source,true
"""


def _upload(site: Site, data: bytes, name: str = "people.csv", kind: str = "Person",
            lang: str = "en") -> Any:
    page = site.client.get(f"/import?lang={lang}")
    return site.client.post(f"/import?lang={lang}",
                            data={"csrf": form_token(page.text), "kind": kind},
                            files={"file": (name, data, "text/csv")})


def test_an_upload_is_reported_then_imported_all_or_nothing(site: Site) -> None:
    _signed_in(site)
    before = _counts(site)
    bad = _upload(site, BAD)
    assert bad.status_code == 422
    rows = re.findall(r"<tr><td>(\d+)</td><td><bdi>(\w+)</bdi>", bad.text)
    assert rows == [("2", "death_date"), ("3", "source")]
    assert "nothing was written" in bad.text and _counts(site) == before
    good = _upload(site, PEOPLE)
    assert good.status_code == 200 and "No problems found" in good.text
    assert _counts(site) == before  # not yet
    token = good.text.split('name="token" value="')[1].split('"')[0]
    started = site.client.post("/import/confirm?lang=en", data={
        "csrf": form_token(good.text), "token": token}, follow_redirects=False)
    assert started.status_code == 303 and started.headers["location"] == f"/import/{token}"
    done = _finished(site, token, "en")
    assert "Imported, all in one transaction" in done
    assert profiles.show(site.registry, "p-web-2").facts["city"][0].value == "Example Town"
    page = site.client.get(f"/import/{token}?lang=en")
    assert page.status_code == 200 and "Imported, all in one transaction" in page.text
    again = site.client.post("/import/confirm?lang=en", data={
        "csrf": form_token(good.text), "token": token})
    assert again.status_code == 404  # a staged file is imported once
    assert site.client.get(f"/import/{token}/progress",
                           headers=site.as_("admin")).status_code == 404  # not theirs
    twice = _upload(site, PEOPLE)
    token = twice.text.split('name="token" value="')[1].split('"')[0]
    site.client.post("/import/confirm", data={"csrf": form_token(twice.text),
                                              "token": token})
    assert "افزوده: چیز تازه‌ای نبود" in _finished(site, token, "fa")


def _finished(site: Site, token: str, lang: str) -> str:
    """Poll the progress fragment, as the page does, until the import has ended."""
    for _ in range(200):
        r = site.client.get(f"/import/{token}/progress?lang={lang}")
        assert r.status_code == 200 and 'id="import-progress"' in r.text
        if "hx-trigger" not in r.text:
            return str(r.text)
        time.sleep(0.05)
    raise AssertionError("the import did not end")


def test_a_2gb_upload_is_refused_early_with_the_limit(site: Site) -> None:
    """Content-Length says 2 GB: the page answers before reading the body."""
    _signed_in(site)
    page = site.client.get("/import?lang=en")
    assert "Largest file: 200 MB." in page.text
    app = site.client.app
    cookies = "; ".join(f"{k}={v}" for k, v in site.client.cookies.items())
    sent = {"bytes": 0}

    async def receive() -> dict[str, Any]:
        sent["bytes"] += 65536
        return {"type": "http.request", "body": b"x" * 65536, "more_body": True}

    answer: list[dict[str, Any]] = []

    async def send(message: dict[str, Any]) -> None:
        answer.append(message)

    scope = {"type": "http", "method": "POST", "path": "/import", "raw_path": b"/import",
             "query_string": b"lang=fa", "scheme": "https", "http_version": "1.1",
             "server": ("testserver", 443), "client": ("127.0.0.1", 1), "root_path": "",
             "headers": [(b"host", b"testserver"), (b"cookie", cookies.encode()),
                         (b"content-type", b"multipart/form-data; boundary=xyz"),
                         (b"content-length", str(2 * 1000**3).encode())]}
    asyncio.run(app(scope, receive, send))
    start = next(m for m in answer if m["type"] == "http.response.start")
    body = b"".join(m.get("body", b"") for m in answer if m["type"] == "http.response.body")
    assert start["status"] == 413
    assert "از حد ۲۰۰ مگابایت بزرگ‌تر است" in body.decode() or \
        "از حد 200 مگابایت بزرگ‌تر است" in body.decode()
    assert sent["bytes"] == 0  # not a byte of it was read
    staging = site.registry.settings.home / "staging"
    assert not staging.exists() or not any(staging.iterdir())


def test_an_upload_over_a_configured_limit_leaves_nothing(site: Site) -> None:
    _signed_in(site)
    site.client.app.state.max_upload = 100  # type: ignore[attr-defined]
    r = _upload(site, PEOPLE * 5)
    assert r.status_code == 413 and "limit of 0.0001 MB" in r.text
    staging = site.registry.settings.home / "staging"
    assert not staging.exists() or not any(staging.iterdir())


PAGES = ("/sources/new", "/persons/new", "/import", "/persons/v-demo-001/claims/new",
         "/persons/v-demo-001/protect", "/persons/v-demo-001/consents")


def test_every_entry_page_for_every_role(site: Site) -> None:
    """Anonymous: to sign-in; a reader: the 403 page; roles that may write: the form."""
    for path in (*PAGES, "/sources/pick?q=demo"):
        r = site.client.get(path, follow_redirects=False)
        assert r.status_code == 303 and r.headers["location"].startswith("/login?next="), path
    expected = {"viewer": 403, "analyst": 200, "investigator": 200, "admin": 200}
    for role, status in expected.items():
        headers = site.as_(role)
        for path in PAGES:
            assert site.client.get(path, headers=headers).status_code == status, (role, path)
        assert site.client.get("/sources/pick?q=demo", headers=headers).status_code == 200


def test_the_actions_for_the_person_page(site: Site) -> None:
    """The macros a person page includes: the prefer form posts with its token;
    a reader sees none of them."""
    from khavaran.web.i18n import catalogue
    from khavaran.web.pages import environment

    page = environment().from_string(
        '{% from "entry_actions.html" import claim_actions, person_actions with context %}'
        '{{ claim_actions(claim) }}{{ person_actions("v-demo-001") }}')
    dates = profiles.show(site.registry, "v-demo-001").facts["death_date"]
    other = next(f for f in dates if not f.preferred)

    class Role:
        def __init__(self, *perms: str) -> None:
            self.perms = perms

        def may(self, p: str) -> bool:
            return p in self.perms

    class Who:
        def __init__(self, *perms: str) -> None:
            self.role = Role(*perms)

    words = catalogue("en")
    _signed_in(site)
    token = form_token(site.client.get("/sources/new").text)
    html = page.render(who=Who("read", "write"), csrf=token, claim=other.claim_id,
                       _=words.gettext, gettext=words.gettext, ngettext=words.ngettext)
    assert f'action="/claims/{other.claim_id}/prefer"' in html
    assert 'href="/persons/v-demo-001/claims/new"' in html
    r = site.client.post(f"/claims/{other.claim_id}/prefer",
                         data={"csrf": html.split('name="csrf" value="')[1].split('"')[0],
                               "reason": "certificate seen"}, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/persons/v-demo-001"
    assert next(f for f in profiles.show(site.registry, "v-demo-001").facts["death_date"]
                if f.claim_id == other.claim_id).preferred
    reader = page.render(who=Who("read"), csrf="", claim=other.claim_id, _=words.gettext,
                         gettext=words.gettext, ngettext=words.ngettext)
    assert "/prefer" not in reader and "/claims/new" not in reader
