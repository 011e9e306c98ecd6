"""Publishing a person on the public memorial: recorded in history, refused for
a protected person, seen by the next read (the cache follows the registry's
version), and what the demo publishes."""

from __future__ import annotations

import pytest

from khavaran.demo import PUBLISHED, UNPUBLISHED
from khavaran.errors import NotFoundError, ValidationError
from khavaran.services import publishing, reading
from khavaran.services.registry import Registry
from khavaran.storage.publishing import published_ids
from web_site import WITNESS


def test_the_demo_publishes_most_documented_victims(demo_registry: Registry) -> None:
    with demo_registry.read() as conn:
        shown = published_ids(conn)
    assert "v-demo-001" in shown
    assert set(shown) == set(PUBLISHED)
    assert not set(UNPUBLISHED) & set(shown)
    assert len(PUBLISHED) > 3 * len(UNPUBLISHED)


def test_publish_and_unpublish_are_in_history(demo_registry: Registry) -> None:
    assert publishing.publish(demo_registry, "v-demo-018", actor="ana", reason="reviewed")
    assert not publishing.publish(demo_registry, "v-demo-018", actor="ana", reason="again")
    assert publishing.published(demo_registry, "v-demo-018")
    assert publishing.unpublish(demo_registry, "v-demo-018", actor="bo", reason="family asked")
    assert not publishing.published(demo_registry, "v-demo-018")
    changes = reading.record_history(demo_registry, "v-demo-018", actor="t")
    seen = [(c.action, c.actor, c.reason) for c in changes if c.field == "published"]
    assert seen == [("publish", "ana", "reviewed"), ("unpublish", "bo", "family asked")]


def test_a_protected_person_is_never_published(demo_registry: Registry) -> None:
    with pytest.raises(ValidationError, match="protected"):
        publishing.publish(demo_registry, WITNESS, actor="ana", reason="by mistake")
    assert not publishing.published(demo_registry, WITNESS)


def test_a_published_person_protected_later_is_not_public(demo_registry: Registry) -> None:
    from khavaran.services.editing import protect

    protect(demo_registry, "v-demo-002", pseudonym="Person P-2", actor="ana", reason="at risk")
    with demo_registry.read() as conn:
        assert publishing.is_public(conn, "v-demo-002") is None
        assert publishing.is_public(conn, "v-demo-001") == "v-demo-001"


@pytest.mark.parametrize("bad", ["", "  "])
def test_publishing_needs_a_reason(demo_registry: Registry, bad: str) -> None:
    with pytest.raises(ValidationError, match="why"):
        publishing.publish(demo_registry, "v-demo-018", actor="ana", reason=bad)


def test_only_a_person_is_published(demo_registry: Registry) -> None:
    with pytest.raises(NotFoundError):
        publishing.publish(demo_registry, "pl-demo-golzar", actor="ana", reason="x")
    with pytest.raises(NotFoundError):
        publishing.publish(demo_registry, "v-nobody", actor="ana", reason="x")


def test_the_cli_publishes_and_unpublishes(demo_cli) -> None:  # type: ignore[no-untyped-def]
    done = demo_cli("person", "publish", "v-demo-019", "--reason", "reviewed")
    assert done.exit_code == 0, done.output
    assert "v-demo-019 is published" in done.output
    done = demo_cli("person", "unpublish", "v-demo-019", "--reason", "family asked")
    assert done.exit_code == 0, done.output
    assert "no longer published" in done.output
    refused = demo_cli("person", "publish", WITNESS, "--reason", "x")
    assert refused.exit_code != 0
    assert "protected" in refused.output


def test_the_cli_puts_a_place_on_the_public_map_and_takes_it_off(  # type: ignore[no-untyped-def]
        demo_cli) -> None:
    done = demo_cli("place", "publish", "pl-demo-tarandasht", "--reason", "a known city")
    assert done.exit_code == 0 and "pl-demo-tarandasht is on the public map" in done.output
    done = demo_cli("place", "publish", "pl-demo-tarandasht", "--reason", "again")
    assert "was already on the public map" in done.output
    done = demo_cli("place", "unpublish", "pl-demo-tarandasht", "--reason", "not confirmed")
    assert done.exit_code == 0 and "no longer on the public map" in done.output
    refused = demo_cli("place", "publish", "v-demo-001", "--reason", "x")
    assert refused.exit_code != 0 and "no place with id 'v-demo-001'" in refused.output
    refused = demo_cli("place", "publish", "pl-demo-golzar")
    assert refused.exit_code != 0 and "--reason" in refused.output


def test_publish_many_leaves_protected_people_out(demo_registry: Registry) -> None:
    done = publishing.publish_many(demo_registry, actor="bench", reason="all at once")
    assert done > 100
    with demo_registry.read() as conn:
        shown = set(published_ids(conn))
    assert "v-demo-018" in shown and WITNESS not in shown
    assert publishing.publish_many(demo_registry, actor="bench", reason="again") == 0
