""""Correct this entry" on the public memorial, and its review queue in the team
app: plain text shown escaped, a 10,000-character limit, a signed challenge, a
honeypot, a rate limit per address; take-down requests first."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from khavaran.services import corrections, reading
from khavaran.web.public_app import create_public_app
from web_site import Site, site  # noqa: F401  (the fixture)

PERSON = "v-demo-001"


@pytest.fixture
def visitor(site: Site) -> Iterator[TestClient]:
    app = create_public_app(site.registry.settings, registry=site.registry)
    with TestClient(app, base_url="https://testserver") as client:
        yield client


def _form(client: TestClient, person: str = PERSON, **fields: str) -> dict[str, str]:
    """The form as a person fills it in: the sum worked out from the page."""
    html = client.get(f"/persons/{person}?lang=en").text
    token = re.search(r'name="token" value="([^"]+)"', html)
    asked = re.search(r"How much is (\d) plus (\d)\?", html)
    assert token and asked, "no challenge on the page"
    a, b = int(asked.group(1)), int(asked.group(2))
    # The sum is asked in words only: the token does not give it away.
    assert not any(part == str(n) for part in token.group(1).split(".") for n in (a, b))
    return {"kind": "correction", "text": "The date of death is wrong.",
            "token": token.group(1), "answer": str(a + b), "website": "", **fields}


def _send(client: TestClient, person: str = PERSON, **fields: str):  # type: ignore[no-untyped-def]
    return client.post(f"/persons/{person}/correct?lang=en", data=_form(client, person,
                                                                          **fields),
                       follow_redirects=False)


def test_a_correction_is_kept_as_plain_text_and_shown_escaped(site: Site,
                                                             visitor: TestClient) -> None:
    text = ('<script>alert("x")</script> see <a href="https://example.org/x">this</a> '
            "https://example.org/y — تاریخ درست ۱۳۶۷/۰۵/۱۰ است")
    r = _send(visitor, text=text)
    assert r.status_code == 303
    assert r.headers["location"].startswith(f"/persons/{PERSON}?sent=1")
    assert "Thank you" in visitor.get(r.headers["location"] + "&lang=en").text
    [kept] = corrections.queue(site.registry)
    assert kept.text == text and kept.kind == "correction" and kept.person_id == PERSON
    page = site.client.get("/corrections?lang=en", headers=site.as_("investigator"))
    assert page.status_code == 200
    assert "&lt;script&gt;alert(" in page.text
    assert "<script>alert" not in page.text and 'href="https://example.org' not in page.text


def test_a_text_over_the_limit_is_refused_plainly(site: Site, visitor: TestClient) -> None:
    r = _send(visitor, text="x" * 100_000)
    assert r.status_code == 422
    assert "longer than 10,000 characters" in r.text
    assert corrections.queue(site.registry) == []
    # Exactly the limit is accepted.
    assert _send(visitor, text="y" * corrections.MAX_TEXT).status_code == 303


@pytest.mark.parametrize("change", [{"answer": "1000"}, {"answer": "two"}, {"answer": ""},
                                    {"token": "1.0123456789abcdef.forged"}, {"website": "http://spam"}])
def test_a_wrong_challenge_or_a_filled_honeypot_is_refused(
        site: Site, visitor: TestClient, change: dict[str, str]) -> None:
    r = _send(visitor, **change)
    assert r.status_code == 422
    assert "The answer to the question is wrong" in r.text
    assert "The date of death is wrong." in r.text  # what was typed is kept
    assert corrections.queue(site.registry) == []


def test_a_token_signed_with_another_answer_is_refused(visitor: TestClient) -> None:
    form = _form(visitor)
    issued, nonce, sig = form["token"].split(".")
    form["token"] = f"{int(issued) + 1}.{nonce}.{sig}"
    assert visitor.post(f"/persons/{PERSON}/correct", data=form).status_code == 422
    form = _form(visitor)
    form["answer"] = "9" * 5000  # no number that long is read (Python refuses some)
    assert visitor.post(f"/persons/{PERSON}/correct", data=form).status_code == 422


def test_an_answered_challenge_is_good_for_one_message_on_one_page(
        site: Site, visitor: TestClient) -> None:
    form = _form(visitor)
    first = visitor.post(f"/persons/{PERSON}/correct", data=form, follow_redirects=False)
    assert first.status_code == 303
    again = visitor.post(f"/persons/{PERSON}/correct", data=form, follow_redirects=False)
    assert again.status_code == 422 and "The answer to the question is wrong" in again.text
    other = next(p for p in ("v-demo-002", "v-demo-003") if p != PERSON)
    elsewhere = visitor.post(f"/persons/{other}/correct", data=_form(visitor),
                             follow_redirects=False)
    assert elsewhere.status_code == 422
    assert len(corrections.queue(site.registry)) == 1


def test_the_persian_answer_may_be_typed_in_persian_digits(site: Site,
                                                          visitor: TestClient) -> None:
    form = _form(visitor)
    form["answer"] = form["answer"].translate(str.maketrans("0123456789", "۰۱۲۳۴۵۶۷۸۹"))
    r = visitor.post(f"/persons/{PERSON}/correct", data=form, follow_redirects=False)
    assert r.status_code == 303


def test_messages_are_rate_limited_per_address(site: Site, visitor: TestClient) -> None:
    for _ in range(corrections.PER_HOUR):
        assert _send(visitor).status_code == 303
    r = _send(visitor)
    assert r.status_code == 429
    assert "Too many messages from your address" in r.text
    assert len(corrections.queue(site.registry)) == corrections.PER_HOUR


def test_no_message_about_a_person_the_memorial_does_not_show(visitor: TestClient) -> None:
    form = _form(visitor)
    for other in ("v-demo-018", "p-demo-witness-01", "nobody"):
        assert visitor.post(f"/persons/{other}/correct", data=form).status_code == 404


def test_take_down_requests_come_first_and_done_takes_the_page_down(
        site: Site, visitor: TestClient) -> None:
    assert _send(visitor, text="first: a correction").status_code == 303
    assert _send(visitor, kind="take-down", text="I am his sister: please take it down"
                 ).status_code == 303
    queue = corrections.queue(site.registry)
    assert [c.kind for c in queue] == ["take-down", "correction"]
    page = site.client.get("/corrections?lang=en", headers=site.as_("investigator")).text
    assert page.index("please take it down") < page.index("first: a correction")
    r = site.client.post(f"/corrections/{queue[0].id}/done", data={"reason": "spoke to her"},
                         headers=site.as_("investigator"), follow_redirects=False)
    assert r.status_code == 303
    assert visitor.get(f"/persons/{PERSON}").status_code == 404  # the next request
    r = site.client.post(f"/corrections/{queue[1].id}/reject", data={"reason": ""},
                         headers=site.as_("investigator"))
    assert r.status_code == 422
    r = site.client.post(f"/corrections/{queue[1].id}/reject",
                         data={"reason": "no source given"},
                         headers=site.as_("investigator"), follow_redirects=False)
    assert r.status_code == 303
    assert corrections.queue(site.registry) == []
    changes = reading.record_history(site.registry, PERSON, actor="t")
    done = [(c.action, c.reason) for c in changes if c.field in ("correction", "published")]
    assert ("take-down-done", "spoke to her") in done
    assert ("correction-rejected", "no source given") in done
    assert any(a == "unpublish" for a, _ in done)


@pytest.mark.parametrize("role", ["analyst", "viewer"])
def test_only_roles_that_may_publish_see_the_queue(site: Site, role: str) -> None:
    assert site.client.get("/corrections", headers=site.as_(role)).status_code == 403
    r = site.client.post(f"/persons/{PERSON}/unpublish", data={"publish_reason": "x"},
                         headers=site.as_(role))
    assert r.status_code == 403


def test_the_person_page_publishes_and_unpublishes(site: Site, visitor: TestClient) -> None:
    page = site.client.get("/persons/v-demo-018?lang=en", headers=site.as_("investigator"))
    assert "This person is not on the public memorial." in page.text
    assert visitor.get("/persons/v-demo-018").status_code == 404
    r = site.client.post("/persons/v-demo-018/publish", data={"publish_reason": "reviewed"},
                         headers=site.as_("investigator"), follow_redirects=False)
    assert r.status_code == 303
    assert visitor.get("/persons/v-demo-018").status_code == 200
    page = site.client.get("/persons/v-demo-018?lang=en", headers=site.as_("investigator"))
    assert "This person is on the public memorial." in page.text
    r = site.client.post("/persons/v-demo-018/unpublish", data={"publish_reason": ""},
                         headers=site.as_("investigator"))
    assert r.status_code == 422
    assert "Say why" in r.text
    r = site.client.post("/persons/p-demo-witness-01/publish",
                         data={"publish_reason": "x"}, headers=site.as_("admin"))
    assert r.status_code == 422
    assert "A protected person is never published." in r.text


def test_a_wrong_answer_uses_the_question_up(site: Site, visitor: TestClient) -> None:
    form = _form(visitor)
    right = form["answer"]
    wrong = visitor.post(f"/persons/{PERSON}/correct", data={**form, "answer": str(
        int(right) % 18 + 1)}, follow_redirects=False)
    assert wrong.status_code == 422
    # The same question, now answered right: a robot cannot try the 17 sums.
    again = visitor.post(f"/persons/{PERSON}/correct", data=form, follow_redirects=False)
    assert again.status_code == 422 and "The answer to the question is wrong" in again.text
    assert _send(visitor).status_code == 303  # a new question is good


def test_wrong_answers_are_rate_limited_per_address(site: Site, visitor: TestClient) -> None:
    for _ in range(corrections.WRONG_PER_HOUR):
        assert _send(visitor, answer="1000").status_code == 422
    r = _send(visitor)  # even the right answer, until the hour is over
    assert r.status_code == 429
    assert "Too many wrong answers from your address" in r.text
    assert "The date of death is wrong." in r.text  # what was typed is kept
    assert corrections.queue(site.registry) == []
    fa = visitor.post(f"/persons/{PERSON}/correct?lang=fa", data=_form(visitor))
    assert fa.status_code == 429 and "پاسخ‌های نادرست بسیاری" in fa.text
