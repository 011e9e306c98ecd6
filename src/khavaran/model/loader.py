"""Load and check the schema and vocabularies shipped as YAML.

A mistake in these files must stop Khavaran at start, with a message naming
the file and the path inside it, never half-load.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from importlib.resources.abc import Traversable
from typing import Any

import yaml

from khavaran.errors import ValidationError
from khavaran.model import safe_yaml

__all__ = ["Model", "Property", "Schema", "VocabEntry", "load_model", "load_model_from"]

TYPES = {"name", "text", "date", "vocab", "ref", "number", "coordinates"}
PROPERTY_KEYS = {
    "type", "vocab", "qualifier", "range", "identifying", "allegation", "search", "min", "max",
    "label",
}
VOCAB_FLAGS = {"allegation", "implicating"}
# Attributes that name a code of another vocabulary (None: free text checked elsewhere).
VOCAB_ATTRS: dict[str, str | None] = {"jurisdiction": "jurisdiction", "branch": "actor_branch",
                                      "universal_jurisdiction": None}


@dataclass(frozen=True)
class VocabEntry:
    code: str
    en: str
    fa: str
    flags: frozenset[str] = frozenset()
    attrs: tuple[tuple[str, str], ...] = ()

    def attr(self, name: str) -> str | None:
        return dict(self.attrs).get(name)


@dataclass(frozen=True)
class Property:
    name: str
    type: str
    vocab: str | None = None
    qualifier: str | None = None
    range: str | None = None
    identifying: bool = False
    allegation: bool | str = False
    search: bool = False
    min: int | None = None
    max: int | None = None
    label: str | None = None


@dataclass(frozen=True)
class Schema:
    name: str
    label_en: str
    label_fa: str
    properties: dict[str, Property] = field(default_factory=dict)


@dataclass(frozen=True)
class Model:
    schemas: dict[str, Schema]
    vocabs: dict[str, dict[str, VocabEntry]]

    def schema(self, name: str) -> Schema:
        try:
            return self.schemas[name]
        except KeyError:
            known = ", ".join(sorted(self.schemas))
            raise ValidationError(f"unknown kind '{name}' (one of {known})",
                                  field="schema") from None

    def vocab_label(self, vocab: str, code: str) -> str:
        entry = self.vocabs[vocab].get(code)
        return f"{entry.en} / {entry.fa}" if entry else code

    def check_code(self, vocab: str, code: str, field_name: str) -> VocabEntry:
        entry = self.vocabs[vocab].get(code)
        if entry is None:
            allowed = ", ".join(self.vocabs[vocab])
            raise ValidationError(f"'{code}' is not a {vocab} (one of {allowed})", field=field_name)
        return entry


def _fail(file: str, path: str, message: str) -> ValidationError:
    return ValidationError(message, file=file, field=path)


def _read(root: Traversable, name: str) -> Any:
    text = root.joinpath(name).read_text(encoding="utf-8")
    try:
        return safe_yaml.load(text)
    except yaml.YAMLError as exc:
        raise ValidationError(f"not valid YAML: {exc}", file=name) from None


def _load_vocabs(root: Traversable) -> dict[str, dict[str, VocabEntry]]:
    vocabs: dict[str, dict[str, VocabEntry]] = {}
    files: dict[tuple[str, str], str] = {}
    folder = root.joinpath("vocab")
    for item in sorted(folder.iterdir(), key=lambda p: p.name):
        if not item.name.endswith(".yaml"):
            continue
        file = f"vocab/{item.name}"
        data = _read(root, file)
        if not isinstance(data, dict):
            raise _fail(file, "", "expected a mapping of vocabularies")
        for vname, entries in data.items():
            if vname in vocabs:
                raise _fail(file, vname, "vocabulary defined twice")
            if not isinstance(entries, dict) or not entries:
                raise _fail(file, vname, "expected a non-empty mapping of codes")
            vocab: dict[str, VocabEntry] = {}
            for code, spec in entries.items():
                path = f"{vname}.{code}"
                if not isinstance(spec, dict) or not spec.get("en") or not spec.get("fa"):
                    raise _fail(file, path, "each code needs an 'en' and a 'fa' label")
                unknown = set(spec) - {"en", "fa"} - VOCAB_FLAGS - set(VOCAB_ATTRS)
                if unknown:
                    raise _fail(file, path, f"unknown key(s) {sorted(unknown)}")
                flags = frozenset(k for k in VOCAB_FLAGS if spec.get(k) is True)
                attrs = tuple(sorted((k, str(spec[k])) for k in VOCAB_ATTRS if k in spec))
                vocab[str(code)] = VocabEntry(str(code), spec["en"], spec["fa"], flags, attrs)
                files[(vname, str(code))] = file
            vocabs[vname] = vocab
    _check_attrs(vocabs, files)
    return vocabs


def _check_attrs(vocabs: dict[str, dict[str, VocabEntry]],
                 files: dict[tuple[str, str], str]) -> None:
    for vname, vocab in vocabs.items():
        for code, entry in vocab.items():
            for key, value in entry.attrs:
                target = VOCAB_ATTRS[key]
                if target is not None and value not in vocabs.get(target, {}):
                    raise _fail(files[(vname, code)], f"{vname}.{code}.{key}",
                                f"'{value}' is not a code of the vocabulary '{target}'")


def _load_property(file: str, path: str, pname: str, spec: Any, vocabs: dict[str, Any],
                   schema_names: set[str]) -> Property:
    if not isinstance(spec, dict):
        raise _fail(file, path, "expected a mapping")
    unknown = set(spec) - PROPERTY_KEYS
    if unknown:
        raise _fail(file, path, f"unknown key(s) {sorted(unknown)}")
    ptype = spec.get("type")
    if ptype not in TYPES:
        raise _fail(file, f"{path}.type", f"unknown type '{ptype}' (one of {sorted(TYPES)})")
    for key in ("vocab", "qualifier"):
        if spec.get(key) is not None and spec[key] not in vocabs:
            raise _fail(file, f"{path}.{key}", f"no vocabulary named '{spec[key]}'")
    if ptype == "vocab" and not spec.get("vocab"):
        raise _fail(file, path, "a vocab property needs 'vocab'")
    if ptype == "ref" and spec.get("range") not in schema_names:
        raise _fail(file, f"{path}.range", f"no kind named '{spec.get('range')}'")
    allegation = spec.get("allegation", False)
    if allegation not in (True, False, "implicating_unit"):
        raise _fail(file, f"{path}.allegation", "must be true, false or implicating_unit")
    label = spec.get("label", {}).get("en") if isinstance(spec.get("label"), dict) else None
    return Property(
        name=pname, type=ptype, vocab=spec.get("vocab"), qualifier=spec.get("qualifier"),
        range=spec.get("range"), identifying=bool(spec.get("identifying")),
        allegation=allegation, search=bool(spec.get("search")),
        min=spec.get("min"), max=spec.get("max"), label=label,
    )


@cache
def load_model() -> Model:
    """The model shipped in the package, read once."""
    return load_model_from(resources.files("khavaran.model"))


def load_model_from(root: Traversable) -> Model:
    """Read schema.yaml and vocab/*.yaml under ``root``; raise ValidationError on any flaw."""
    vocabs = _load_vocabs(root)
    file = "schema.yaml"
    data = _read(root, file)
    if not isinstance(data, dict):
        raise _fail(file, "", "expected a mapping of kinds")
    names = set(data)
    schemas = {}
    for sname, sspec in data.items():
        if not isinstance(sspec, dict) or not isinstance(sspec.get("properties"), dict):
            raise _fail(file, str(sname), "each kind needs 'properties'")
        unknown = set(sspec) - {"label", "properties"}
        if unknown:
            raise _fail(file, str(sname), f"unknown key(s) {sorted(unknown)}")
        label = sspec.get("label") or {}
        props = {
            pname: _load_property(file, f"{sname}.properties.{pname}", pname, pspec, vocabs, names)
            for pname, pspec in sspec["properties"].items()
        }
        schemas[sname] = Schema(sname, str(label.get("en", sname)), str(label.get("fa", sname)),
                                props)
    return Model(schemas=schemas, vocabs=vocabs)
