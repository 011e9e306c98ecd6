"""Every web route that takes an id answers an id it would hide exactly as it
answers an id that does not exist: same status, same page with the id swapped.

The ids an insider could know or compute: a protected witness's testimony item
(its id is a hash of the file), the plain id of a claim naming the witness (a
hash of the fact: anyone can compute it for a guessed name) and the witness's
consent record.  Routes are found from the app, so a new route that takes an id
fails here until it is listed."""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy import select

from khavaran.demo.case import build_demo_case
from khavaran.services.custody import protected_witness
from khavaran.storage.tables import claim, consent
from khavaran.storage.vault_tables import evidence_item
from web_site import WITNESS, Site, site  # noqa: F401

UNKNOWN = {"item_id": "ev-" + "0" * 32, "claim_id": "c-" + "0" * 24,
           "consent_id": "co-" + "0" * 24}
# Parameters whose ids are shown by design (a protected person's own id is
# shown with the pseudonym), or that are not records at all.
# A correction is a visitor's message about a published person, read by roles that
# may publish, who are cleared to reveal anyway.
# A job's id is random, not derived from any record, and its page is shown only
# to roles that may export (and reveal, for the levels that hold identities).
# A report's country is a jurisdiction code from the vocabularies, not a record; a
# page is a page number of an item.
OPEN = {"page", "person_id", "source_id", "case_id", "event_id", "place_id", "unit_id", "name",
        "token_id", "token", "link_id", "action", "correction_id", "job_id", "code"}
FILLED = {"page": "1", "person_id": WITNESS, "case_id": "demo-commission", "link_id": "1",
          "action": "prefer"}
FORM = {"reason": "r", "level": "public", "assessment": "contested", "withdraw": "r",
        "element": "1:murder-intent", "stance": "supports", "kind": "claim", "target": "x"}


def _hidden(site: Site) -> dict[str, list[str]]:
    with site.registry.read() as conn:
        items = [i for i in conn.execute(select(evidence_item.c.id)).scalars()
                 if protected_witness(conn, i)]
        claims = list(conn.execute(select(claim.c.id).where(
            claim.c.entity_id == WITNESS, claim.c.property == "name")).scalars())
        consents = list(conn.execute(select(consent.c.id).where(
            consent.c.person_id == WITNESS)).scalars())
    assert items and claims and consents, (items, claims, consents)
    return {"item_id": items, "claim_id": claims, "consent_id": consents,
            "record_id": items + claims}


def _routes(site: Site) -> list[tuple[str, str, tuple[str, ...]]]:
    out = []
    for route in site.client.app.routes:  # type: ignore[attr-defined]
        # FastAPI keeps included routers as a tree: walk its leaves.
        candidates = getattr(route, "effective_candidates", None)
        for c in candidates() if candidates else [route]:
            path = getattr(c, "path", "")
            if "{" not in path or path.startswith("/static"):
                continue
            params = re.findall(r"{(\w+)(?::\w+)?}", path)
            for method in sorted(set(getattr(c, "methods", None) or ()) - {"HEAD"}):
                out.append((method, path, params))
    return sorted(set((m, p, tuple(ps)) for m, p, ps in out))  # type: ignore[misc]


def _fill(path: str, values: dict[str, str]) -> str:
    return re.sub(r"{(\w+)(?::\w+)?}", lambda m: values[m.group(1)], path)


def _call(site: Site, method: str, path: str) -> Any:
    # An analyst may write but is not cleared to reveal identities.
    headers = site.as_("analyst")
    if method == "GET":
        return site.client.get(path + "?lang=en", headers=headers)
    return site.client.post(path + "?lang=en", headers=headers, data=FORM)


def test_every_route_taking_an_id_answers_a_hidden_id_as_an_unknown_one(site: Site) -> None:
    assert build_demo_case(site.registry)
    hidden = _hidden(site)
    tried, unlisted = 0, []
    for method, path, params in _routes(site):
        secret = [p for p in params if p not in OPEN]
        if not secret:
            continue
        for name in secret:
            if name not in hidden:
                unlisted.append(f"{method} {path}: {name}")
                continue
            for value in hidden[name]:
                unknown = UNKNOWN.get(name) or UNKNOWN[
                    "item_id" if value.startswith("ev-") else "claim_id"]
                answers = [_call(site, method, _fill(path, {**FILLED, **dict.fromkeys(
                    secret, "x"), name: v})) for v in (value, unknown)]
                assert answers[0].status_code == answers[1].status_code, \
                    (method, path, value, answers[0].status_code, answers[1].status_code)
                assert answers[0].text.replace(value, unknown) == answers[1].text, \
                    (method, path, value)
                tried += 1
    assert unlisted == [], "routes taking an id this test does not know: " + ", ".join(unlisted)
    assert tried >= 8


def test_a_protected_persons_impunity_report_answers_as_an_unknown_ids(site: Site) -> None:
    """A person's id is shown by design, but their report is not: the witness's
    (protected) answers exactly as an id that does not exist."""
    unknown = "p-" + "0" * 8
    for path in ("/reports/impunity/{}", "/reports/impunity/{}/pdf"):
        answers = [_call(site, "GET", path.format(pid)) for pid in (WITNESS, unknown)]
        assert answers[0].status_code == answers[1].status_code == 404
        assert answers[0].text.replace(WITNESS, unknown) == answers[1].text


def test_the_xref_form_answers_a_protected_person_as_an_unknown_one(site: Site) -> None:
    """/xref takes its person in the form, not the path: the check above does not see
    it.  The witness (protected) is refused in the same words as an id that does not
    exist, with and without htmx (test_web_xref_pages.py has the rest)."""
    unknown = "p-" + "0" * 8
    for headers in ({}, {"hx-request": "true"}):
        answers = [site.client.post("/xref?lang=en", headers={**site.as_("analyst"), **headers},
                                    data={"person": pid, "ref": "demo_sanctions:demo-sanc-001",
                                          "decision": "same"}) for pid in (WITNESS, unknown)]
        assert answers[0].status_code == answers[1].status_code
        assert answers[0].text.replace(WITNESS, unknown) == answers[1].text
        assert not [s for s in site.secrets if s in answers[0].text]
