"""A protected person's identifying claims are known by keyed ids only.

A plain claim id is a hash of the fact it states; the keyed id is a hash of the
plain one keyed with the registry's secret.  The plain id answers as unknown, to
everyone, from the moment its person is protected.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from alembic import command
from sqlalchemy import select

from khavaran.errors import NotFoundError
from khavaran.model import ids
from khavaran.model.records import CitationIn, ClaimIn
from khavaran.services import editing, history, profiles
from khavaran.services.importing import import_files
from khavaran.services.integrity import verify_installation
from khavaran.services.registry import Registry, init_registry
from khavaran.storage import repo
from khavaran.storage.migrate import _config
from khavaran.storage.tables import claim, claim_alias

WITNESS = "p-demo-witness-01"


def _names(registry: Registry, person: str) -> list[str]:
    shown = profiles.show(registry, person, include_protected=True, actor="lawyer-1")
    return [f.claim_id for f in shown.facts["name"]]


def _plain_names(registry: Registry, person: str) -> list[str]:
    with registry.read() as conn:
        return list(conn.execute(select(claim.c.id).where(
            claim.c.entity_id == person, claim.c.property == "name")).scalars())


def test_a_protected_persons_names_are_shown_and_found_by_keyed_ids(
        demo_registry: Registry) -> None:
    shown, plain = _names(demo_registry, WITNESS), _plain_names(demo_registry, WITNESS)
    assert len(shown) == len(plain) == 2 and not set(shown) & set(plain)
    with demo_registry.read() as conn:
        key = repo.person_key(conn)
    # Keyed with this registry's secret: another secret gives other ids.
    assert sorted(shown) == sorted(ids.keyed_id(p, key) for p in plain)
    assert not set(shown) & {ids.keyed_id(p, bytes(32)) for p in plain}
    for keyed, old in zip(sorted(shown), sorted(plain, key=lambda p: ids.keyed_id(p, key)),
                          strict=True):
        assert [c.claim_id for c in history.history(
            demo_registry, keyed, include_protected=True, actor="lawyer-1")] == [keyed]
        assert history.history(demo_registry, old, include_protected=True,
                               actor="lawyer-1") == []
        with pytest.raises(NotFoundError, match=f"no claim with id '{old}'"):
            editing.assess(demo_registry, old, actor="lawyer-1", reason="x", credibility=4,
                           include_protected=True)
        assert editing.assess(demo_registry, keyed, actor="lawyer-1", reason="x",
                              credibility=4, include_protected=True) == 1


def test_protecting_a_person_keys_the_claims_they_already_have(
        demo_registry: Registry) -> None:
    person = "p-demo-witness-02"
    before = _plain_names(demo_registry, person)
    assert before and sorted(_names(demo_registry, person)) == sorted(before)
    editing.protect(demo_registry, person, pseudonym="V-1", actor="lawyer-1",
                    reason="threatened")
    after = _names(demo_registry, person)
    assert len(after) == len(before) and not set(after) & set(before)
    for old in before:
        with pytest.raises(NotFoundError):
            editing.prefer(demo_registry, old, actor="lawyer-1", reason="x",
                           include_protected=True)
    assert editing.prefer(demo_registry, after[0], actor="lawyer-1", reason="x",
                          include_protected=True)[-1] == after[0]


def test_init_keys_the_claims_of_a_registry_made_before_keyed_ids(
        demo_registry: Registry) -> None:
    keyed = sorted(_names(demo_registry, WITNESS))
    cfg = _config()
    with demo_registry.engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.downgrade(cfg, "0008")
    registry, _ = init_registry(demo_registry.settings)
    try:
        assert any("keyed ids" in n for n in registry.notes)
        assert sorted(_names(registry, WITNESS)) == keyed
        with registry.read() as conn:
            assert len(conn.execute(select(claim_alias)).all()) >= 2
        # Going back to 0008 dropped the memorial's `publication` table (migration
        # 0012) with its rows, which the ledger remembers: that loss is the
        # downgrade's own, and verify names it; nothing else differs.
        problems = verify_installation(registry, actor="tester").problems
        assert [p for p in problems if not p.startswith("publication row ")] == []
    finally:
        registry.close()


def test_a_relation_naming_a_protected_person_is_keyed(registry: Registry,
                                                       tmp_path: Path) -> None:
    fixtures = Path(__file__).parent.parent / "fixtures"
    people = tmp_path / "p.csv"
    people.write_text("id,fictional,protected,pseudonym,name:full,source\n"
                      "p-w,true,true,W-1,Reza Karimi,t-report\n"
                      "p-r,true,false,,Ali Karimi,t-report\n", encoding="utf-8")
    import_files(registry, [(fixtures / "sources.csv", "source"), (people, "Person")],
                 actor="a")
    # Tying someone to a protected person is a reveal: asked for on purpose.
    relation_id, _ = editing.add_claim(registry, _relation(), actor="a",
                                       include_protected=True)
    plain = ids.claim_id("p-r", "relative_of", "sibling", "p-w", None)
    assert relation_id != plain
    with pytest.raises(NotFoundError):
        editing.assess(registry, plain, actor="a", reason="x", credibility=2)


def _relation() -> ClaimIn:
    return ClaimIn(entity="p-r", property="relative_of", value="p-w", qualifier="sibling",
                   citations=[CitationIn(source="t-report", locator="p. 2")])


def test_a_protected_persons_list_row_is_known_by_its_keyed_id(
        demo_registry: Registry) -> None:
    from khavaran.services import dedupe
    from khavaran.storage.tables import source_record

    with demo_registry.read() as conn:
        rows = conn.execute(select(source_record).where(
            source_record.c.source_id == "demo-list-a").order_by(
            source_record.c.record_id).limit(2)).mappings().all()
    mine, other = rows
    editing.protect(demo_registry, mine["person_id"], pseudonym="R-9", actor="a", reason="r")
    plain = f"demo-list-a:{mine['record_id']}"
    for ref in (plain, "demo-list-a:Z9999"):
        with pytest.raises(NotFoundError, match="no record '.*' in source 'demo-list-a'"):
            dedupe.judgements(demo_registry, ref)
    with demo_registry.read() as conn:
        keyed = ids.keyed_id(mine["id"], repo.person_key(conn))
    outcome = dedupe.judge(demo_registry, keyed, f"demo-list-a:{other['record_id']}",
                           "different", actor="a")
    assert outcome.applied
    # A judgement naming a protected row is itself withheld (it would tie the
    # person to the other record); from the other row it never shows the plain ref.
    assert dedupe.judgements(demo_registry, keyed) == []
    seen = dedupe.judgements(demo_registry, f"demo-list-a:{other['record_id']}")
    assert plain not in repr(seen)
