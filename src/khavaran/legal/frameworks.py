"""Load and check the legal frameworks shipped as YAML (legal/frameworks/*.yaml).

A framework is data, not code: the crimes of one law, their elements, the
modes of liability and, for every element, the kinds of evidence that usually
prove it.  A file with an unknown field, a missing part, a key given twice or a
dangling reference is refused whole, with a message naming the file and the
path inside it (docs/frameworks.md describes the format).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from collections.abc import Iterator
from functools import cache
from importlib import resources
from importlib.resources.abc import Traversable
from typing import Annotated, Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, StringConstraints
from pydantic import ValidationError as PydanticError

from khavaran.errors import NotFoundError, ValidationError

__all__ = [
    "DISCLAIMER", "Context", "Crime", "Element", "Framework", "Label", "Mode", "Note", "ProofKind",
    "Review", "framework",
    "framework_from", "load_frameworks", "means_of_proof",
]

DISCLAIMER = ("An analytical aid, not legal advice: the framework states the law in our own "
              "words and a qualified lawyer must check every assessment built on it.")

Key = Annotated[str, StringConstraints(pattern=r"^[a-z0-9]+(-[a-z0-9]+)*$")]
Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Label(_Strict):
    en: Text
    fa: Text | None = None


class ProofKind(_Strict):
    en: Text
    fa: Text


class Element(_Strict):
    id: Key
    kind: Literal["contextual", "material", "mental"]
    text: Label
    ref: Text
    proof: Annotated[list[Key], Field(min_length=1)]
    note: Text | None = None


Elements = Annotated[list[Element], Field(min_length=1)]


class Context(_Strict):
    label: Label
    elements: Elements


class Crime(_Strict):
    label: Label
    article: Text
    context: Key | None = None
    notes: list[Key] = []
    elements: Elements


class Mode(_Strict):
    label: Label
    article: Text
    notes: list[Key] = []
    elements: Elements


class Note(_Strict):
    en: Text
    fa: Text | None = None
    ref: Text | None = None


class Review(_Strict):
    by: Text
    on: dt.date
    scope: Text


class Framework(_Strict):
    id: Key
    title: Label
    jurisdiction: Label
    applies_from: dt.date
    reviewed: Review
    jurisdiction_notes: dict[Key, Note] = {}
    contexts: dict[Key, Context] = {}
    crimes: Annotated[dict[Key, Crime], Field(min_length=1)]
    modes: Annotated[dict[Key, Mode], Field(min_length=1)]
    # The SHA-256 of the file's bytes: a case records which text it was built on.
    sha256: str = ""

    def crime(self, key: str) -> Crime:
        if key not in self.crimes:
            raise NotFoundError(f"framework {self.id} has no crime '{key}' "
                                f"(one of {', '.join(self.crimes)})")
        return self.crimes[key]

    def mode(self, key: str) -> Mode:
        if key not in self.modes:
            raise NotFoundError(f"framework {self.id} has no mode of liability '{key}' "
                                f"(one of {', '.join(self.modes)})")
        return self.modes[key]

    def crime_elements(self, key: str) -> list[Element]:
        """The elements of a crime, its contextual elements first."""
        crime = self.crime(key)
        shared = self.contexts[crime.context].elements if crime.context else []
        return [*shared, *crime.elements]


def _located(file: str, loc: tuple[Any, ...], message: str,
             line: int | None = None) -> ValidationError:
    path = ".".join(f"[{p}]" if isinstance(p, int) else str(p) for p in loc).replace(".[", "[")
    return ValidationError(message, file=file, field=path or "(top)", line=line)


def _references(fw: Framework, proofs: dict[str, ProofKind]) -> Iterator[tuple[tuple[Any, ...],
                                                                                 str]]:
    """Every dangling reference and repeated element id, as (path, message)."""
    seen: dict[str, str] = {}

    def elements(where: tuple[Any, ...], items: list[Element]) -> Iterator[tuple[Any, str]]:
        for i, e in enumerate(items):
            if e.id in seen:
                yield (*where, i, "id"), f"element id '{e.id}' is used twice (also {seen[e.id]})"
            seen[e.id] = ".".join(map(str, where))
            for j, p in enumerate(e.proof):
                if p not in proofs:
                    yield (*where, i, "proof", j), f"unknown means of proof '{p}'"

    for name, ctx in fw.contexts.items():
        yield from elements(("contexts", name, "elements"), ctx.elements)
    for group, parts in (("crimes", fw.crimes), ("modes", fw.modes)):
        for name, part in parts.items():
            if isinstance(part, Crime) and part.context and part.context not in fw.contexts:
                yield (group, name, "context"), f"no context '{part.context}' in contexts"
            for i, note in enumerate(part.notes):
                if note not in fw.jurisdiction_notes:
                    yield (group, name, "notes", i), f"no jurisdiction note '{note}'"
            yield from elements((group, name, "elements"), part.elements)


class _Loader(yaml.SafeLoader):
    """YAML 1.2 booleans: only true and false.  YAML 1.1 also reads on, off, yes and no
    as booleans, which would turn the key `on` of `reviewed` into True."""


_Loader.yaml_implicit_resolvers = {
    first: [r for r in resolvers if r[0] != "tag:yaml.org,2002:bool"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()}
_Loader.add_implicit_resolver("tag:yaml.org,2002:bool",
                              re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"),
                              list("tTfF"))


def _repeated_keys(node: yaml.Node, loc: tuple[Any, ...] = (),
                   seen: set[int] | None = None) -> Iterator[tuple[tuple[Any, ...], str,
                                                                  int, int]]:
    """Every key given twice in one mapping, as (path, key, line, line of the first).

    PyYAML keeps the last of two equal keys without a word, so a second `modes:`
    block would silently replace the first."""
    seen = set() if seen is None else seen
    if id(node) in seen:  # an alias met again (or a recursive one)
        return
    seen.add(id(node))
    if isinstance(node, yaml.MappingNode):
        first: dict[tuple[str, str], int] = {}
        for key, value in node.value:
            where = (*loc, key.value) if isinstance(key, yaml.ScalarNode) else loc
            if isinstance(key, yaml.ScalarNode):
                line = key.start_mark.line + 1
                if (key.tag, key.value) in first:
                    yield where, key.value, line, first[(key.tag, key.value)]
                first.setdefault((key.tag, key.value), line)
            yield from _repeated_keys(value, where, seen)
    elif isinstance(node, yaml.SequenceNode):
        for i, item in enumerate(node.value):
            yield from _repeated_keys(item, (*loc, i), seen)


def _parse(file: str, raw: bytes) -> Any:
    """The YAML document in ``raw``; refused, naming file and line, when it is not valid
    YAML or gives a key twice in one mapping."""
    loader = _Loader(raw)
    try:
        node = loader.get_single_node()
        if node is None:
            return None
        for loc, key, line, earlier in _repeated_keys(node):
            raise _located(file, loc, f"the key '{key}' is given twice in one mapping (first "
                           f"on line {earlier}); the later one would silently replace the "
                           "earlier", line=line)
        return loader.construct_document(node)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        raise ValidationError(f"not valid YAML: {getattr(exc, 'problem', exc)}", file=file,
                              line=mark.line + 1 if mark else None) from None
    finally:
        loader.dispose()


def framework_from(file: str, raw: bytes, proofs: dict[str, ProofKind]) -> Framework:
    """Check one framework file's bytes; ``file`` names it in messages."""
    data = _parse(file, raw)
    if not isinstance(data, dict):
        raise ValidationError("a framework file must be a mapping", file=file, field="(top)")
    try:
        fw = Framework.model_validate({**data, "sha256": hashlib.sha256(raw).hexdigest()})
    except PydanticError as exc:
        err = exc.errors()[0]
        more = f" (and {exc.error_count() - 1} more)" if exc.error_count() > 1 else ""
        message = ("unknown field" if err["type"] == "extra_forbidden" else err["msg"]) + more
        raise _located(file, err["loc"], message) from None
    stem = re.sub(r"\.ya?ml$", "", file.rsplit("/", 1)[-1])
    if fw.id != stem:
        raise _located(file, ("id",), f"the id '{fw.id}' must be the file name ('{stem}')")
    for loc, message in _references(fw, proofs):
        raise _located(file, loc, message)
    return fw


def _package() -> Traversable:
    return resources.files("khavaran.legal")


@cache
def means_of_proof() -> dict[str, ProofKind]:
    file = "legal/means_of_proof.yaml"
    data = _parse(file, _package().joinpath("means_of_proof.yaml").read_bytes())
    if not isinstance(data, dict) or not data:
        raise ValidationError("must be a mapping of kinds of evidence", file=file)
    out = {}
    for key, value in data.items():
        try:
            out[str(key)] = ProofKind.model_validate(value)
        except PydanticError as exc:
            err = exc.errors()[0]
            raise _located(file, (key, *err["loc"]), "unknown field"
                           if err["type"] == "extra_forbidden" else err["msg"]) from None
    return out


@cache
def load_frameworks() -> dict[str, Framework]:
    """Every shipped framework by id, checked; the first bad file stops the load."""
    proofs = means_of_proof()
    folder = _package().joinpath("frameworks")
    out = {}
    for entry in sorted(folder.iterdir(), key=lambda e: e.name):
        if entry.name.endswith((".yaml", ".yml")):
            fw = framework_from(f"legal/frameworks/{entry.name}", entry.read_bytes(), proofs)
            out[fw.id] = fw
    return out


def framework(framework_id: str) -> Framework:
    known = load_frameworks()
    if framework_id not in known:
        raise NotFoundError(f"no framework '{framework_id}' (one of {', '.join(known)})")
    return known[framework_id]
