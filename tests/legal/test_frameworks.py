"""Frameworks load from YAML and are refused whole, naming file and path, when wrong."""

from __future__ import annotations

import copy

import pytest
import yaml

from khavaran.errors import NotFoundError, ValidationError
from khavaran.legal.frameworks import (
    framework,
    framework_from,
    load_frameworks,
    means_of_proof,
)

GOOD = {
    "id": "test-law",
    "title": {"en": "Test law"},
    "jurisdiction": {"en": "Test courts"},
    "applies_from": "1965-01-01",
    "reviewed": {"by": "a tester", "on": "2026-11-25", "scope": "nothing, it is a test"},
    "jurisdiction_notes": {"limit": {"en": "a note"}},
    "contexts": {"ctx": {"label": {"en": "context"}, "elements": [
        {"id": "ctx-attack", "kind": "contextual", "text": {"en": "an attack"},
         "ref": "art. 1", "proof": ["un-report"]}]}},
    "crimes": {"murder": {"label": {"en": "murder"}, "article": "art. 2", "context": "ctx",
                          "notes": ["limit"], "elements": [
        {"id": "murder-killed", "kind": "material", "text": {"en": "killed"},
         "ref": "art. 2", "proof": ["witness-testimony"]}]}},
    "modes": {"perpetrator": {"label": {"en": "perpetrator"}, "article": "art. 3",
                              "elements": [
        {"id": "perp-intent", "kind": "mental", "text": {"en": "meant it"}, "ref": "art. 3",
         "proof": ["witness-testimony"]}]}},
}


def load(data: object) -> object:
    return framework_from("legal/frameworks/test-law.yaml",
                          yaml.safe_dump(data, allow_unicode=True).encode(), means_of_proof())


def test_a_good_file_loads_with_its_context_first() -> None:
    fw = load(GOOD)
    assert [e.id for e in fw.crime_elements("murder")] == ["ctx-attack", "murder-killed"]
    assert len(fw.sha256) == 64


@pytest.mark.parametrize(("change", "path", "message"), [
    (lambda d: d["crimes"]["murder"]["elements"][0].update(texte="x"),
     "crimes.murder.elements[0].texte", "unknown field"),
    (lambda d: d.update(sponsor="x"), "sponsor", "unknown field"),
    (lambda d: d["crimes"]["murder"]["elements"][0].pop("kind"),
     "crimes.murder.elements[0].kind", "Field required"),
    (lambda d: d["crimes"]["murder"].update(elements=[]),
     "crimes.murder.elements", "at least 1"),
    (lambda d: d.pop("reviewed"), "reviewed", "Field required"),
    (lambda d: d["crimes"]["murder"]["elements"][0].update(kind="moral"),
     "crimes.murder.elements[0].kind", "'contextual', 'material' or 'mental'"),
    (lambda d: d["crimes"]["murder"].update(context="nowhere"),
     "crimes.murder.context", "no context 'nowhere'"),
    (lambda d: d["crimes"]["murder"].update(notes=["limit", "gone"]),
     "crimes.murder.notes[1]", "no jurisdiction note 'gone'"),
    (lambda d: d["modes"]["perpetrator"]["elements"][0].update(proof=["telepathy"]),
     "modes.perpetrator.elements[0].proof[0]", "unknown means of proof 'telepathy'"),
    (lambda d: d["modes"]["perpetrator"]["elements"][0].update(id="murder-killed"),
     "modes.perpetrator.elements[0].id", "used twice"),
    (lambda d: d.update(id="other-law"), "id", "must be the file name"),
    (lambda d: d.update(applies_from="not a date"), "applies_from", "date"),
])
def test_a_bad_file_is_refused_naming_file_and_path(change, path, message) -> None:
    data = copy.deepcopy(GOOD)
    change(data)
    with pytest.raises(ValidationError) as err:
        load(data)
    text = str(err.value)
    assert "legal/frameworks/test-law.yaml" in text
    assert err.value.field == path
    assert message in text


def test_broken_yaml_names_the_line() -> None:
    with pytest.raises(ValidationError) as err:
        framework_from("x.yaml", b"id: x\ncrimes: [\n", means_of_proof())
    assert err.value.file == "x.yaml" and err.value.line is not None


@pytest.mark.parametrize(("after", "extra", "path"), [
    (None, "modes:\n  ordering: {}\n", "modes"),  # a second block at the end
    ("      kind: material\n", "      kind: mental\n", "crimes.murder.elements[0].kind"),
    ("    en: a note\n", "  limit:\n    en: another\n", "jurisdiction_notes.limit"),
])
def test_a_key_given_twice_is_refused_naming_file_line_and_key(after, extra, path) -> None:
    # PyYAML alone keeps the later of two equal keys, silently.  The text is edited
    # because a Python mapping cannot hold one key twice.
    text = yaml.safe_dump(GOOD, allow_unicode=True)
    at = len(text) if after is None else text.index(after) + len(after)
    text = text[:at] + extra + text[at:]
    lines = text.splitlines()
    second = text[:at].count("\n") + 1
    head = lines[second - 1].split(":")[0] + ":"
    first = max(n for n, line in enumerate(lines[:second - 1], 1) if line.startswith(head))
    key = path.rsplit(".", 1)[-1]
    fw = None
    with pytest.raises(ValidationError) as err:
        fw = framework_from("legal/frameworks/test-law.yaml", text.encode(), means_of_proof())
    assert fw is None
    assert (err.value.file, err.value.line, err.value.field) == (
        "legal/frameworks/test-law.yaml", second, path)
    message = str(err.value)
    assert message.startswith(f"legal/frameworks/test-law.yaml, line {second}, field '{path}'")
    assert f"the key '{key}' is given twice in one mapping (first on line {first})" in message


def test_the_shipped_frameworks_load() -> None:
    known = load_frameworks()
    assert {"rome-statute", "sweden-nouri"} <= set(known)
    for fw in known.values():
        assert fw.reviewed.by and fw.reviewed.on
        for key in fw.crimes:
            assert fw.crime_elements(key)


def test_unknown_framework_crime_and_mode_are_named() -> None:
    with pytest.raises(NotFoundError, match="no framework 'narnia'"):
        framework("narnia")
    fw = framework("rome-statute")
    with pytest.raises(NotFoundError, match="no crime 'piracy'"):
        fw.crime("piracy")
    with pytest.raises(NotFoundError, match="no mode of liability 'luck'"):
        fw.mode("luck")
