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
    assert set(model.schemas) == {"Person", "Unit", "Posting", "Place", "Event", "Act"}
    assert "allegation" in model.vocabs["person_role"]["alleged_perpetrator"].flags
    assert "implicating" in model.vocabs["unit_kind"]["death_commission"].flags
    for vocab in model.vocabs.values():
        for entry in vocab.values():
            assert entry.en and entry.fa


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
