"""The disclosure filter against what a documenter really writes: working copies
that name a protected witness, a redacted photo that kept its GPS position, a
surname alone in a reasoning, Persian spelled with Arabic letters, and a
protected person's birthplace that is also the case's town."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from PIL import Image, ImageDraw

from case_scenario import COORDINATES, build
from khavaran.export.disclosure import NOTICE
from khavaran.export.dossier import build_dossier
from khavaran.services import cases, evidence
from khavaran.services.importing import import_files
from khavaran.services.registry import Registry


@pytest.fixture
def scenario(registry: Registry, tmp_path: Path):
    return build(registry, tmp_path / "files")


def every_byte(folder: Path) -> bytes:
    return b"".join(p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file())


def case_json(bag: Path) -> dict:
    return json.loads((bag / "data" / "case.json").read_text("utf-8"))


def exhibit(doc: dict, item_id: str) -> dict:
    return next(e for e in doc["exhibits"] if e["item"] == item_id)


def derive(registry: Registry, parent: str, kind: str, path: Path, text: str) -> str:
    path.write_text(text, encoding="utf-8")
    return evidence.derive(registry, parent, kind=kind, actor="tester", file=path,
                           tool="human").item_id


@pytest.mark.parametrize("level", ["prosecutor", "public"])
def test_working_copies_that_name_a_protected_witness_stay_out(
        registry, scenario, tmp_path, level):
    judgment = scenario.items["judgment"]
    # The surname alone, and the Persian name with Arabic yeh and no space or ZWNJ.
    transcript = derive(registry, judgment, "transcript", tmp_path / "t.txt",
                        "Read out in court; Ms Namdar was present.\n")
    translation = derive(registry, judgment, "translation", tmp_path / "f.txt",
                         "حکم در حضور شيريننامدار خوانده شد.\n")
    out = tmp_path / level
    build_dossier(registry, "fx-case", out, level=level, actor="tester")
    doc = case_json(out)
    found = every_byte(out)
    for item in (transcript, translation):
        e = exhibit(doc, item)
        assert e["file"] is None
        withheld = [w for w in doc["withheld"] if w["what"] == f"exhibit {e['number']}"]
        assert withheld and "its text names a protected person" in withheld[0]["why"]
    assert b"Namdar" not in found
    assert "شيريننامدار".encode() not in found
    # The judgment itself names nobody: it stays, and so does its first translation.
    assert exhibit(doc, judgment)["file"] is not None
    assert exhibit(doc, scenario.items["translation"])["file"] is not None
    annex = out.with_name(out.name + ".sealed-annex")
    if level == "prosecutor":
        assert b"Ms Namdar was present" in every_byte(annex)
    else:
        assert not annex.exists()


def test_a_redacted_photo_that_kept_its_gps_position_is_withheld(registry, scenario, tmp_path):
    photo = registry.vault.path_of(_item(registry, scenario.items["photo"]).sha256)
    img = Image.open(photo)
    exif = img.getexif()
    ImageDraw.Draw(img).rectangle((0, 0, 30, 30), fill=(0, 0, 0))  # a face blacked out...
    careless = tmp_path / "redacted.jpg"
    img.save(careless, "JPEG", exif=exif)  # ...and the position kept
    redaction = evidence.derive(registry, scenario.items["photo"], kind="redaction",
                                actor="tester", file=careless, tool="image editor").item_id
    out = tmp_path / "public"
    build_dossier(registry, "fx-case", out, level="public", actor="tester")
    doc = case_json(out)
    e = exhibit(doc, redaction)
    assert e["file"] is None
    why = next(w["why"] for w in doc["withheld"] if w["what"] == f"exhibit {e['number']}")
    assert "sensitive metadata" in why
    found = every_byte(out)
    for pattern in COORDINATES:
        assert not pattern.search(found), pattern


def test_free_text_that_gives_a_surname_alone_is_withheld(registry, scenario, tmp_path):
    cases.link_evidence(registry, "fx-case", 1, scenario.elements["contextual"],
                        testimony="s-fx-testimony-b", locator="where Namdar is named",
                        reasoning="Ms Namdar's neighbour saw the lorries", stance="supports",
                        actor="tester")
    out = tmp_path / "public"
    build_dossier(registry, "fx-case", out, level="public", actor="tester")
    text = (out / "data" / "case.json").read_text("utf-8")
    assert "Namdar" not in text and NOTICE in text
    # A word that unprotected people's names share is no secret: the other victim,
    # whose name also has "Fictional", is still named.
    assert "Dariush Fictional-Sadeghi" in text


def test_a_protected_persons_birthplace_does_not_blank_the_case(registry, scenario,
                                                                tmp_path):
    # Someone else, protected, born in the case's town in the year of the killings.
    record = tmp_path / "other.jsonl"
    lines = [
        {"type": "entity", "id": "p-fx-other", "schema": "Person", "fictional": True,
         "protected": True, "pseudonym": "Person O"},
        {"type": "claim", "entity": "p-fx-other", "property": "name",
         "value": "Golnar Fictional-Tehrani", "citations": [{"source": "s-fx-report"}]},
        {"type": "claim", "entity": "p-fx-other", "property": "birth_place",
         "value": "Golzarabad", "citations": [{"source": "s-fx-report"}]},
        {"type": "claim", "entity": "p-fx-other", "property": "birth_year",
         "value": "2002", "citations": [{"source": "s-fx-report"}]},
    ]
    record.write_text("".join(json.dumps(x) + "\n" for x in lines), encoding="utf-8")
    import_files(registry, [(record, None)], actor="tester")
    out = tmp_path / "public"
    build_dossier(registry, "fx-case", out, level="public", actor="tester")
    doc = case_json(out)
    assert doc["case"]["title"] == "The fictional Golzarabad commission"
    # The Rome Statute's date (2002) is not taken for the birth year.
    assert not [w for w in doc["withheld"] if w["what"].startswith("framework")]
    assert b"Golnar" not in every_byte(out)


def test_original_file_names_of_sealed_exhibits_stay_in_the_annex(registry, scenario,
                                                                  tmp_path):
    out = tmp_path / "prosecutor"
    build_dossier(registry, "fx-case", out, level="prosecutor", actor="tester")
    doc = case_json(out)
    # The protected witness's testimony: listed without its id or hashes.
    sealed = next(e for e in doc["exhibits"] if e["item"] is None)
    assert sealed["kind"] == "original" and sealed["sha256"] is None
    assert sealed["file"] is None and "original_names" not in sealed
    # An exhibit that goes into the dossier keeps its original name at this level.
    assert exhibit(doc, scenario.items["judgment"])["original_names"] == ["judgment.txt"]
    assert b"testimony-shirin.txt" not in every_byte(out)
    annex = out.with_name(out.name + ".sealed-annex")
    assert b"testimony-shirin.txt" in every_byte(annex)


def _item(registry: Registry, item_id: str):
    with registry.read() as conn:
        return evidence.require_item(conn, item_id)


def _docx(path: Path, text: str) -> None:
    import zipfile
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("[Content_Types].xml", '<?xml version="1.0"?><Types/>')
        zf.writestr("word/document.xml", f"<w:document><w:body><w:p><w:r><w:t>{text}"
                    "</w:t></w:r></w:p></w:body></w:document>")


def _pdf_titled(path: Path, title: str) -> None:
    from pypdf import PdfWriter
    writer = PdfWriter()
    writer.add_blank_page(200, 200)
    writer.add_metadata({"/Title": title})
    with open(path, "wb") as fh:
        writer.write(fh)


@pytest.mark.parametrize("kind", ["utf-16", "cp1256", "docx", "pdf-title"])
def test_files_that_name_a_protected_witness_in_other_forms_stay_out(
        registry, scenario, tmp_path, kind):
    path = tmp_path / f"statement-{kind}"
    if kind == "utf-16":
        path.write_bytes("Statement heard by Shirin Fictional-Namdar.\n".encode("utf-16"))
    elif kind == "cp1256":
        # The Windows code page has only the Arabic yeh: «شيرين».
        path.write_bytes("گواهي شيرين نامدار\n".encode("cp1256"))
    elif kind == "docx":
        _docx(path, "Statement heard by Shirin Fictional-Namdar.")
    else:
        _pdf_titled(path, "Statement of Shirin Fictional-Namdar")
    item = evidence.add_evidence(registry, [path], source_id="s-fx-report",
                                 actor="tester")[0].item_id
    cases.link_evidence(registry, "fx-case", 1, scenario.elements["contextual"], item_id=item,
                        locator="p. 1", reasoning="a statement", stance="supports",
                        actor="tester")
    out = tmp_path / "public"
    build_dossier(registry, "fx-case", out, level="public", actor="tester")
    assert exhibit(case_json(out), item)["file"] is None
    assert path.read_bytes() not in every_byte(out)
