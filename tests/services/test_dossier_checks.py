"""A built dossier as one tar (export/archive.py), and an uploaded archive
checked against the installation's keys (services/dossier_checks.py): a good
dossier verifies, a changed one names its problems, and anything that is not
a bag gets a plain answer."""

from __future__ import annotations

import io
import tarfile
import zipfile
from pathlib import Path

import pytest

from case_scenario import build
from khavaran.export.archive import tar_size, tar_stream
from khavaran.export.dossier import build_dossier
from khavaran.export.verify import verify_dossier
from khavaran.services.dossier_checks import check_upload
from khavaran.services.registry import Registry
from khavaran.services.staging import STAGING

LIMIT = 1 << 30


@pytest.fixture
def bag(registry: Registry, tmp_path: Path) -> Path:
    build(registry, tmp_path / "files")
    out = tmp_path / "out" / "bag"
    out.parent.mkdir()
    build_dossier(registry, "fx-case", out, level="public", actor="tester")
    return out


def _tar(folder: Path, name: str = "fx-case-public") -> bytes:
    return b"".join(tar_stream(folder, name))


def test_the_tar_is_streamed_whole_and_unpacks_to_a_bag_that_verifies(
        registry, bag, tmp_path):
    body = _tar(bag)
    assert len(body) == tar_size(bag, "fx-case-public") and len(body) % tarfile.RECORDSIZE == 0
    assert body == _tar(bag)  # the same bag, the same bytes
    with tarfile.open(fileobj=io.BytesIO(body)) as t:
        t.extractall(tmp_path / "x", filter="data")
    check = verify_dossier(tmp_path / "x" / "fx-case-public")
    assert check.ok, check.problems


def test_an_uploaded_dossier_verifies_against_the_installations_key(registry, bag):
    verdict = check_upload(registry, "fx.tar", io.BytesIO(_tar(bag)), limit=LIMIT)
    assert verdict.kind == "verified", verdict.problems
    assert (verdict.case, verdict.level) == ("fx-case", "public")
    assert any("signed by key" in n for n in verdict.notes)
    # Nothing of it is kept.
    assert list((registry.settings.home / STAGING).iterdir()) == []


def test_a_zip_of_the_bag_folder_verifies_too(registry, bag):
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        for p in sorted(bag.rglob("*")):
            if p.is_file():
                z.write(p, f"bag/{p.relative_to(bag).as_posix()}")
    verdict = check_upload(registry, "fx.zip", io.BytesIO(buf.getvalue()), limit=LIMIT)
    assert verdict.kind == "verified", verdict.problems


def test_a_changed_dossier_names_its_problems(registry, bag):
    report = bag / "data" / "case.json"
    report.write_text(report.read_text("utf-8").replace("fx-case", "fx-kase"), "utf-8")
    verdict = check_upload(registry, "fx.tar", io.BytesIO(_tar(bag)), limit=LIMIT)
    assert verdict.kind == "problems" and verdict.problems
    assert any("does not validate" in p for p in verdict.problems)


def _tar_of(members: dict[str, bytes], link: str | None = None) -> bytes:
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w") as t:
        for name, data in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            t.addfile(info, io.BytesIO(data))
        if link:
            info = tarfile.TarInfo("bag/evil")
            info.type, info.linkname = tarfile.SYMTYPE, link
            t.addfile(info)
    return buf.getvalue()


@pytest.mark.parametrize(("body", "says"), [
    (b"just some text, not an archive", "not a tar or zip archive"),
    (b"", "not a tar or zip archive"),
    (_tar_of({"notes/readme.txt": b"hello"}), "holds no BagIt bag"),
    (_tar_of({"../escape.txt": b"x"}), "outside itself"),
    (_tar_of({"bag/bagit.txt": b"x"}, link="/etc/passwd"), "a link or a device"),
    (_tar_of({"bag/bagit.txt": b"BagIt-Version: 0.97\n"}), "x.tar is not a readable BagIt"),
])
def test_what_is_not_a_dossier_gets_a_plain_answer(registry, body, says):
    verdict = check_upload(registry, "x.tar", io.BytesIO(body), limit=LIMIT)
    assert verdict.kind in ("not-a-bag", "problems")
    assert says in verdict.reason or any(says in p for p in verdict.problems), verdict
    assert STAGING not in str(verdict)  # the server's folders are not shown
    assert list((registry.settings.home / STAGING).iterdir()) == []


def test_an_archive_that_unpacks_past_the_limit_is_refused(registry):
    body = _tar_of({"bag/bagit.txt": b"x" * 5000})
    verdict = check_upload(registry, "x.tar", io.BytesIO(body), limit=1000)
    assert verdict.kind == "not-a-bag" and "more than the upload limit" in verdict.reason
