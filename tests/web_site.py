"""A web app over a fresh copy of the demo registry, with one account per role,
each with a second factor and an API token."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pyotp
import pytest
from fastapi.testclient import TestClient

from khavaran.services import accounts, profiles
from khavaran.services.protection import identifying_properties
from khavaran.services.registry import Registry
from khavaran.web import create_app

ROLES = ("admin", "investigator", "analyst", "viewer")
PASSWORD = "correct horse battery staple"
WITNESS = "p-demo-witness-01"


@dataclass
class Account:
    name: str
    role: str
    token: str
    totp: str
    recovery: list[str]
    used: int | None = None  # the last time step whose code was handed out

    def code(self) -> str:
        """A code not handed out before: each is accepted once only, so a test
        that signs in again takes the next step's code (good within the window)."""
        totp = pyotp.TOTP(self.totp)
        now = totp.timecode(dt.datetime.now(dt.UTC))
        # Now's code first (one step before now would leave the window at the next
        # step boundary); then the next step's.
        step = now if self.used is None or self.used < now else self.used + 1
        step = min(step, now + 1)  # past the window: a used code, which is refused
        self.used = step
        return totp.generate_otp(step)


@dataclass
class Site:
    registry: Registry
    client: TestClient
    accounts: dict[str, Account]
    secrets: list[str]  # what must never reach a user without clearance

    def as_(self, role: str | None) -> dict[str, str]:
        return {"authorization": f"Bearer {self.accounts[role].token}"} if role else {}


def protected_strings(registry: Registry) -> list[str]:
    """The demo witness's names (both scripts) and identifying facts."""
    shown = profiles.show(registry, WITNESS, include_protected=True, actor="test-setup")
    secret = identifying_properties()["Person"]
    values = [f.value for prop, facts in shown.facts.items() if prop in secret for f in facts]
    assert any(not v.isascii() for v in values) and any(v.isascii() for v in values)
    return values


def make_accounts(registry: Registry, prefix: str) -> dict[str, Account]:
    """One account per role (PREFIX-ROLE), each with a second factor and a token."""
    made = {}
    for role in ROLES:
        new = accounts.add_account(registry, f"{prefix}-{role}", role, actor="test-setup",
                                   password=PASSWORD, second_factor=True)
        token = accounts.issue_token(registry, new.name, actor="test-setup")
        assert new.totp_secret
        made[role] = Account(new.name, role, token, new.totp_secret, new.recovery_codes)
    return made


@pytest.fixture
def site(demo_registry: Registry) -> Iterator[Site]:
    made = make_accounts(demo_registry, "t")
    secrets = protected_strings(demo_registry)
    app = create_app(demo_registry.settings, registry=demo_registry)
    with TestClient(app, base_url="https://testserver") as client:
        yield Site(demo_registry, client, made, secrets)


def page_sign_in(site: Site, role: str, *, next_url: str = "/account",
                 code: str | None = None, lang: str = "en") -> Any:
    """Sign in through the sign-in page's form, as a browser would."""
    form = site.client.get(f"/login?lang={lang}&next={next_url}")
    assert form.status_code == 200
    token = form.text.split('name="login_csrf" value="')[1].split('"')[0]
    a = site.accounts[role]
    return site.client.post("/login", data={
        "login_csrf": token, "next": next_url, "name": a.name, "password": PASSWORD,
        "code": code if code is not None else a.code()}, follow_redirects=False)


def form_token(html: str) -> str:
    """The hidden form token of a page, the same in every form of it."""
    tokens = re.findall(r'name="csrf" value="([^"]*)"', html)
    assert tokens and tokens[0], "no form token on the page"
    assert set(tokens) == {tokens[0]}, f"forms with different or empty tokens: {set(tokens)}"
    return tokens[0]


@pytest.fixture
def case_site(site: Site) -> Site:
    """The demo site with its case built (evidence, a protected witness's testimony)."""
    from khavaran.demo.case import build_demo_case

    assert build_demo_case(site.registry)
    return site


def evidence_items(site: Site) -> tuple[list[str], list[str]]:
    """The site's evidence items: (open ones, a protected witness's testimony)."""
    from khavaran.services.witness_items import protected_witness
    from khavaran.storage.vault_tables import evidence_item

    with site.registry.read() as conn:
        ids = [r.id for r in conn.execute(evidence_item.select().order_by(evidence_item.c.id))]
        hidden = [i for i in ids if protected_witness(conn, i)]
    return [i for i in ids if i not in hidden], hidden

