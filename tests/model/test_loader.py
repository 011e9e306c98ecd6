"""The schema and vocabularies load, and a broken file is refused by name and path."""

from __future__ import annotations

import shutil
from importlib import resources
from pathlib import Path

import pytest

from khavaran.errors import ValidationError
from khavaran.model.loader import load_model, load_model_from


def test_shipped_model_loads() -> None:
    model = load_model()
    assert set(model.schemas) == {"Person", "Unit", "Posting", "Place", "Event", "Act",
                                  "Action"}
    assert "allegation" in model.vocabs["person_role"]["alleged_perpetrator"].flags
    assert "implicating" in model.vocabs["unit_kind"]["death_commission"].flags
    for vocab in model.vocabs.values():
        for entry in vocab.values():
            assert entry.en and entry.fa
    # an actor names its jurisdiction and branch, checked against their vocabularies
    assert model.vocabs["actor"]["se-court"].attr("jurisdiction") == "se"
    assert model.vocabs["jurisdiction"]["se"].attr("universal_jurisdiction") == "sweden-nouri"


def _copy(tmp_path: Path) -> Path:
    root = tmp_path / "model"
    src = resources.files("khavaran.model")
    shutil.copytree(str(src.joinpath("vocab")), root / "vocab")
    shutil.copy(str(src.joinpath("schema.yaml")), root / "schema.yaml")
    return root


@pytest.mark.parametrize(("file", "old", "new", "where"), [
    ("schema.yaml", "role: {type: vocab, vocab: person_role}",
     "role: {type: vocab, vocab: person_rol}", "Person.properties.role.vocab"),
    ("schema.yaml", "parent: {type: ref, range: Unit}", "parent: {type: ref, range: Unti}",
     "Unit.properties.parent.range"),
    ("schema.yaml", "gender: {type: vocab, vocab: gender}",
     "gender: {type: vocab, vocab: gender, colour: red}", "Person.properties.gender"),
    ("vocab/people.yaml", "victim: {en: victim, fa: قربانی}", "victim: {en: victim}",
     "person_role.victim"),
])
def test_broken_model_names_file_and_path(tmp_path: Path, file: str, old: str, new: str,
                                          where: str) -> None:
    root = _copy(tmp_path)
    path = root / file
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new), encoding="utf-8")
    with pytest.raises(ValidationError) as err:
        load_model_from(root)
    assert err.value.file == file and err.value.field == where


def test_an_actor_naming_an_unknown_jurisdiction_is_refused(tmp_path: Path) -> None:
    root = _copy(tmp_path)
    vocab = root / "vocab" / "accountability.yaml"
    vocab.write_text(vocab.read_text(encoding="utf-8").replace(
        "jurisdiction: se, branch: court", "jurisdiction: atlantis, branch: court"),
        encoding="utf-8")
    with pytest.raises(ValidationError) as exc:
        load_model_from(root)
    assert exc.value.file == "vocab/accountability.yaml"
    assert exc.value.field == "actor.se-court.jurisdiction"
