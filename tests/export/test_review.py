"""Dossiers deny by default (issue 12): an exhibit goes into a public or
prosecutor bag only when a person reviewed it for that level, and the screen,
now an aid that flags, reads every form a protected name was slipped past it in."""

from __future__ import annotations

import json
import random
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from leaky_forms import NAME, NAME_FA, clean_forms, leaky_forms

from case_scenario import build
from khavaran.export.dossier import build_dossier
from khavaran.export.screening import UNREADABLE, texts_of
from khavaran.model.types.persian_name import normalize
from khavaran.services import cases, editing, evidence
from khavaran.services.registry import Registry
from khavaran.services.review import flags_of, review_item
from khavaran.vault.keys import load_key

NAMED = "its text names a protected person"


@pytest.fixture
def scenario(registry: Registry, tmp_path: Path):
    return build(registry, tmp_path / "files")


def add(registry: Registry, folder: Path, name: str, data: bytes) -> str:
    folder.mkdir(parents=True, exist_ok=True)
    # At public level original file names are searched for too: keep them apart.
    path = folder / f"file-{name}"
    path.write_bytes(data)
    return evidence.add_evidence(registry, [path], source_id="s-fx-report",
                                 actor="tester")[0].item_id


def flags(registry: Registry, item: str, level: str = "public") -> list[str]:
    with registry.read() as conn:
        return flags_of(registry, conn, item, level)


def link(registry: Registry, scenario, item: str) -> None:
    cases.link_evidence(registry, scenario.case_id, 1, scenario.elements["contextual"],
                        item_id=item, locator="whole file", reasoning="bears on it",
                        stance="supports", actor="tester")


def case_json(bag: Path) -> dict:
    return json.loads((bag / "data" / "case.json").read_text("utf-8"))


def every_byte(folder: Path) -> bytes:
    return b"".join(p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file())


@pytest.mark.parametrize("form", sorted(leaky_forms()))
def test_the_screen_flags_the_name_in_every_form(registry, scenario, tmp_path, form):
    item = add(registry, tmp_path / "in", form, leaky_forms()[form])
    assert NAMED in flags(registry, item), form


@pytest.mark.parametrize("form", sorted(clean_forms()))
def test_the_screen_does_not_flag_files_that_name_nobody(registry, scenario, tmp_path, form):
    item = add(registry, tmp_path / "in", form, clean_forms()[form])
    assert flags(registry, item) == []


@pytest.mark.parametrize("data", [random.Random(12).randbytes(4096),
                                  leaky_forms()["zip-of-text"][:-30]],
                         ids=["unknown-binary", "damaged-zip"])
def test_a_file_the_screen_cannot_read_is_flagged_unreadable(registry, scenario, tmp_path,
                                                             data):
    item = add(registry, tmp_path / "in", "blob", data)
    assert UNREADABLE in flags(registry, item)


@pytest.mark.parametrize("level", ["public", "prosecutor"])
def test_no_leaky_form_reaches_the_main_bag(registry, scenario, tmp_path, cli, level):
    forms = leaky_forms()
    items = {form: add(registry, tmp_path / "in", form, data) for form, data in forms.items()}
    for item in items.values():
        link(registry, scenario, item)
    out = tmp_path / level
    build_dossier(registry, scenario.case_id, out, level=level, actor="tester")
    doc = case_json(out)
    found = every_byte(out)
    for form, item in items.items():
        e = next(x for x in doc["exhibits"] if x["item"] == item)
        assert e["file"] is None, form
        assert e["metadata"] == {}, form
        why = next(w["why"] for w in doc["withheld"] if w["what"] == f"exhibit {e['number']}")
        assert f"nobody has reviewed it for {level} disclosure" in why, form
        assert forms[form] not in found, form
    for needle in (NAME, NAME_FA, "Namdar"):
        assert needle.encode() not in found
    key = load_key(registry.settings).public_hex
    checked = cli("dossier", "verify", str(out), "--public-key", key)
    assert checked.exit_code == 0, checked.output
    annex = out.with_name(out.name + ".sealed-annex")
    if level == "prosecutor":
        sealed = every_byte(annex)
        assert all(data in sealed for data in forms.values())


def test_a_review_lets_an_item_in_at_its_level_only(registry, scenario, tmp_path):
    item = add(registry, tmp_path / "in", "note.txt", b"The commission met in 1367.\n")
    link(registry, scenario, item)
    done = review_item(registry, item, level="public", reason="read: names nobody",
                       actor="tester")
    assert done.flags == []
    public, prosecutor = tmp_path / "public", tmp_path / "prosecutor"
    build_dossier(registry, scenario.case_id, public, level="public", actor="tester")
    build_dossier(registry, scenario.case_id, prosecutor, level="prosecutor", actor="tester")
    assert next(e for e in case_json(public)["exhibits"] if e["item"] == item)["file"]
    assert next(e for e in case_json(prosecutor)["exhibits"]
                if e["item"] == item)["file"] is None
    # A dossier as of a head before the review does not see it.
    earlier = tmp_path / "earlier"
    build_dossier(registry, scenario.case_id, earlier, level="public",
                  as_of=str(done.seq - 1), actor="tester")
    assert next(e for e in case_json(earlier)["exhibits"] if e["item"] == item)["file"] is None


def test_a_flag_the_review_was_not_shown_withholds_the_item_again(registry, scenario,
                                                                  tmp_path):
    item = add(registry, tmp_path / "in", "note.txt",
               b"Dariush Fictional-Sadeghi was taken to the commission.\n")
    link(registry, scenario, item)
    review_item(registry, item, level="public", reason="read: a victim already public",
                actor="tester")
    # Later the victim's family asks for protection: the reviewer never saw that flag.
    editing.protect(registry, "p-fx-victim-2", pseudonym="Victim V-2", actor="tester",
                    reason="family's request")
    out = tmp_path / "public"
    build_dossier(registry, scenario.case_id, out, level="public", actor="tester")
    doc = case_json(out)
    e = next(x for x in doc["exhibits"] if x["item"] == item)
    assert e["file"] is None
    why = next(w["why"] for w in doc["withheld"] if w["what"] == f"exhibit {e['number']}")
    assert NAMED in why and "was not shown" in why
    assert b"Sadeghi" not in every_byte(out)


def test_the_review_command_records_and_prints_the_flags(cli, scenario, registry, tmp_path):
    item = add(registry, tmp_path / "in", "mail.eml", leaky_forms()["email-base64"])
    done = cli("evidence", "review", item, "--level", "prosecutor", "--reason", "checked")
    assert done.exit_code == 0, done.output
    assert f"flagged: {NAMED}" in done.output
    assert f"{item} reviewed for prosecutor disclosure" in done.output
    log = cli("evidence", "log", item)
    assert "review" in log.output
    bad = cli("evidence", "review", item, "--level", "internal", "--reason", "x")
    assert bad.exit_code != 0 and "--level must be one of prosecutor, public" in bad.output
    nobody = cli("evidence", "review", "ev-" + "0" * 32, "--level", "public", "--reason", "x")
    assert nobody.exit_code != 0 and "no evidence item" in nobody.output
    unnamed = cli("evidence", "review", item, "--level", "public", "--reason", "x", user=None)
    assert unnamed.exit_code != 0


ENCODINGS = {
    "utf-8": lambda t: t.encode("utf-8"),
    "utf-16-le": lambda t: t.encode("utf-16-le"),
    "cp1256": lambda t: t.replace("ی", "ي").replace("ک", "ك").encode("cp1256"),
    "html-references": lambda t: "".join(f"&#{ord(c)};" for c in t).encode(),
}
WORDS = st.text(alphabet="ابپتثجچحخدذرزسشصطظعغفقکگلمنوهی ", max_size=60)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(before=WORDS, after=WORDS, encoding=st.sampled_from(sorted(ENCODINGS)))
def test_a_name_among_any_persian_text_is_read_in_every_encoding(
        tmp_path_factory, before, after, encoding):
    path = tmp_path_factory.mktemp("screen") / "f"
    path.write_bytes(ENCODINGS[encoding](f"{before} {NAME_FA} {after}"))
    term = normalize(NAME_FA)
    mime = "text/html" if encoding == "html-references" else "application/octet-stream"
    assert any(f" {term} " in f" {normalize(t)} " for t in texts_of(path, mime))
