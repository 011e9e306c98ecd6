"""Full-text search of the vault's texts: either script finds both, every word
must be there, purged items go, and nothing that names a protected person (or
is a protected witness's testimony) is ever found."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import func, select

from khavaran.demo.case import build_demo_case
from khavaran.errors import ValidationError
from khavaran.services import evidence, purge, text_search
from khavaran.services.registry import Registry
from khavaran.storage.vault_tables import evidence_indexed
from web_site import protected_strings


def _add(registry: Registry, path: Path, text: str, source: str = "t-list") -> str:
    path.write_text(text, encoding="utf-8")
    return evidence.add_evidence(registry, [path], source_id=source,
                                 actor="tester")[0].item_id


def _found(registry: Registry, query: str) -> list[str]:
    return [h.item_id for h in text_search.search_texts(registry, query)]


def test_either_script_finds_both_and_every_word_must_be_there(
        vault_registry: Registry, tmp_path: Path) -> None:
    fa = _add(vault_registry, tmp_path / "fa.txt",
              "گواهی ساختگی: در زندان گلزارآباد، مرداد ۱۳۶۷، کمیسیون زندانیان را فراخواند.\n")
    en = _add(vault_registry, tmp_path / "en.txt",
              "A fictional statement: the Golzarabad commission sat in Mordad 1367.\n")
    translation = evidence.derive(vault_registry, fa, kind="translation", actor="tester",
                                  file=_write(tmp_path / "tr.txt", "Golzarabad prison, 1988."),
                                  tool="a translator").item_id
    assert set(_found(vault_registry, "Golzarabad")) == {fa, en, translation}
    assert set(_found(vault_registry, "گلزارآباد")) == {fa, en, translation}
    assert set(_found(vault_registry, "golzarabad ۱۳۶۷")) == {fa, en}
    assert _found(vault_registry, "Golzarabad Tabriz") == []
    hit = next(h for h in text_search.search_texts(vault_registry, "Golzarabad")
               if h.item_id == fa)
    assert hit.found == "گلزارآباد" and hit.kind == "original" and "زندان" in hit.before
    assert next(h for h in text_search.search_texts(vault_registry, "Golzarabad")
                if h.item_id == translation).kind == "translation"


def _write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def test_the_index_is_filled_once_and_a_purged_text_goes(vault_registry: Registry,
                                                         tmp_path: Path) -> None:
    item = _add(vault_registry, tmp_path / "a.txt", "A fictional letter from Narvandi.\n")
    assert _found(vault_registry, "narvandi") == [item]
    assert text_search.refresh_index(vault_registry) == 0  # nothing new to read
    with vault_registry.read() as conn:
        assert conn.execute(select(func.count()).select_from(evidence_indexed)).scalar_one() == 1
    purge.purge(vault_registry, item, reason="consent withdrawn", approved_by="Bahar",
                actor="tester")
    assert _found(vault_registry, "narvandi") == []
    with vault_registry.read() as conn:
        assert conn.execute(select(func.count()).select_from(evidence_indexed)).scalar_one() == 0


def test_an_empty_query_is_refused(vault_registry: Registry) -> None:
    with pytest.raises(ValidationError, match="give a word to look for"):
        text_search.search_texts(vault_registry, " ؟ ! ")


def test_nothing_naming_a_protected_person_is_found(demo_registry: Registry,
                                                   tmp_path: Path) -> None:
    assert build_demo_case(demo_registry)
    # The protected witness's testimony and its redaction hold these words.
    assert _found(demo_registry, "religious judge") == []
    # A report of another source that names the witness, in either script.
    secrets = protected_strings(demo_registry)
    for n, name in enumerate(secrets[:2]):
        _add(demo_registry, tmp_path / f"r{n}.txt",
             f"Report {n} (fictional): Quillfeather spoke with {name} in 1367.\n",
             source="demo-report-1")
    plain = _add(demo_registry, tmp_path / "plain.txt",
                 "Report (fictional): Quillfeather spoke with nobody protected.\n",
                 source="demo-report-1")
    assert _found(demo_registry, "Quillfeather") == [plain]
    for name in secrets[:2]:
        assert _found(demo_registry, name) == []
