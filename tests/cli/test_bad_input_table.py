"""Bad input to every kind of command, in one table: each gets a clear message
naming the file, line or field (or the id), a non-zero exit that is not a
traceback, and leaves the registry exactly as it was."""

from __future__ import annotations

import gzip
import io
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import func, select

from khavaran.services.registry import Registry
from khavaran.storage import queries
from khavaran.storage.account_tables import access_log
from khavaran.storage.tables import history
from khavaran.storage.vault_tables import evidence_item, ledger_entry

LIST_HEADER = "source,record_id,name,father_name,birth_year,age,death_date,city,prison,gender\n"
ROW = "demo-list-a,ZZ1,Ali Karimi,Hassan,1340,,1367/05/10,Tehran,Evin,m\n"
SOURCE_HEADER = "id,kind,title,publisher_type,reliability,fictional\n"


@dataclass(frozen=True)
class Case:
    name: str
    args: Callable[[Path], list[str]]  # given a folder to write files in
    says: tuple[str, ...]  # each must be in the message (lower case compared)


def _file(name: str, data: bytes | str) -> Callable[[Path], Path]:
    def make(folder: Path) -> Path:
        path = folder / name
        path.write_bytes(data.encode("utf-8") if isinstance(data, str) else data)
        return path
    return make


def _import(name: str, data: bytes | str, *extra: str) -> Callable[[Path], list[str]]:
    return lambda folder: ["import", str(_file(name, data)(folder)), *extra]


def _xlsx_cut() -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("[Content_Types].xml", "<Types/>" * 200)
        z.writestr("xl/workbook.xml", "<workbook/>" * 200)
    return buf.getvalue()[:300]


CASES = [
    # Files that cannot be read as they are.
    Case("empty list", _import("empty.csv", "", "--kind", "list"), ("empty.csv",)),
    Case("empty jsonl", _import("empty.jsonl", ""), ("empty.jsonl",)),
    Case("utf-16 csv", _import("u16.csv", (LIST_HEADER + ROW).encode("utf-16"), "--kind",
                               "list"), ("u16.csv",)),
    Case("stray byte", _import("stray.csv", LIST_HEADER.encode() + ROW.encode().replace(
        b"Ali", b"Al\xe9"), "--kind", "list"), ("stray.csv", "line 2")),
    Case("nul byte", _import("nul.csv", LIST_HEADER + ROW.replace("Ali", "A\x00li"), "--kind",
                             "list"), ("nul.csv",)),
    Case("truncated jsonl", _import("cut.jsonl", '{"type": "source", "id": "x-1", "ki'),
         ("cut.jsonl", "line 1")),
    Case("jsonl not an object", _import("array.jsonl", '["type", "source"]\n'),
         ("array.jsonl", "line 1")),
    Case("jsonl lone surrogate", _import("sur.jsonl", '{"type": "source", "id": "\\ud800"}\n'),
         ("sur.jsonl", "line 1")),
    Case("jsonl duplicate key", _import("dup.jsonl", '{"type": "source", "type": "claim"}\n'),
         ("dup.jsonl", "line 1")),
    Case("truncated xlsx", _import("cut.xlsx", _xlsx_cut()), ("cut.xlsx",)),
    Case("gzip as csv", _import("z.csv", gzip.compress(b"a,b\n1,2\n"), "--kind", "list"),
         ("z.csv",)),
    Case("a folder", lambda folder: ["import", str(folder)], ("is a directory",)),
    Case("no such file", lambda folder: ["import", str(folder / "missing.csv")],
         ("missing.csv",)),
    Case("unknown kind", _import("k.csv", LIST_HEADER + ROW, "--kind", "lists"), ("kind",)),
    Case("huge field", _import("huge.csv", LIST_HEADER + ROW.replace("Ali", "A" * 200_000),
                               "--kind", "list"), ("huge.csv", "line 2")),
    Case("header only width", _import("wide.csv", ",".join(f"c{i}" for i in range(200_000))
                                      + "\n", "--kind", "list"), ("wide.csv",)),
    # Values that are wrong.
    Case("bad date in a list", _import("date.csv", LIST_HEADER + ROW.replace(
        "1367/05/10", "1367/13/45"), "--kind", "list"), ("date.csv", "line 2", "death_date")),
    Case("death in the future", lambda folder: [
        "claim", "add", "v-demo-002", "death_date", "1499/01/01", "--source",
        "demo-testimony-02"], ("death_date",)),
    Case("bad date on a claim", lambda folder: [
        "claim", "add", "v-demo-002", "death_date", "not a date", "--source",
        "demo-testimony-02"], ("death_date",)),
    Case("bad source kind", _import("src.csv", SOURCE_HEADER + "x-src,novel,T,ngo,B,true\n",
                                    "--kind", "source"), ("src.csv", "line 2", "kind")),
    Case("bad reliability", _import("rel.csv", SOURCE_HEADER + "x-src,report,T,ngo,Z,true\n",
                                    "--kind", "source"), ("rel.csv", "line 2", "reliability")),
    Case("unknown source in a list", _import("nosrc.csv", LIST_HEADER + ROW.replace(
        "demo-list-a", "no-such-source"), "--kind", "list"), ("nosrc.csv", "no-such-source")),
    Case("bidi override in a name", _import("bidi.csv", LIST_HEADER + ROW.replace(
        "Ali", "A\u202eli"), "--kind", "list"), ("bidi.csv", "line 2", "name")),
    Case("bad evidence date", lambda folder: [
        "evidence", "add", str(_file("e.txt", "a note (fictional)\n")(folder)), "--source",
        "demo-court-1", "--collected-at", "1367/99/99"], ("collected",)),
    Case("evidence file missing", lambda folder: [
        "evidence", "add", str(folder / "gone.pdf"), "--source", "demo-court-1"],
         ("gone.pdf",)),
    Case("bad jalali date", lambda folder: ["date", "1367/13/40"], ("month 13",)),
    Case("history limit zero", lambda folder: ["history", "--limit", "-5"], ("limit",)),
    # Ids that do not exist.
    Case("unknown person", lambda folder: ["person", "show", "v-no-such"], ("v-no-such",)),
    Case("unknown claim prefer", lambda folder: ["claim", "prefer", "c-nosuch", "--reason",
                                                 "x"], ("c-nosuch",)),
    Case("unknown case to link", lambda folder: [
        "case", "link", "no-such-case", "1", "murder-killed", "--reason", "x", "--claim",
        "c-nosuch"], ("no-such-case",)),
    Case("case on no framework", lambda folder: [
        "case", "new", "x-case", "--framework", "no-such-law", "--suspect", "p-demo-perp-12",
        "--title", "T"],
         ("no-such-law",)),
    Case("unknown claim status", lambda folder: ["claim", "status", "c-nosuch", "convicted",
                                                 "--asserted-by", "a court"], ("c-nosuch",)),
    Case("derive from no item", lambda folder: [
        "evidence", "derive", "ev-nosuch", "--kind", "translation", "--file",
        str(_file("t.txt", "a translation (fictional)\n")(folder)), "--tool", "human: ana"],
         ("ev-nosuch",)),
    Case("jsonl unknown property", _import("prop.jsonl", '{"type": "claim", "entity": '
                                           '"v-demo-002", "property": "shoe_size", "value": '
                                           '"9", "citations": [{"source": "demo-court-1"}]}\n'),
         ("prop.jsonl", "line 1", "shoe_size")),
    Case("jsonl huge credibility", _import("cred.jsonl", '{"type": "claim", "entity": '
                                           '"v-demo-002", "property": "burial_place", "value":'
                                           ' "B", "credibility": 99999999999999999999999, '
                                           '"citations": [{"source": "demo-court-1"}]}\n'),
         ("cred.jsonl", "line 1", "credibility")),
    Case("truncated ods", _import("cut.ods", b"PK\x03\x04" + bytes(50)), ("cut.ods",)),
    Case("unknown case", lambda folder: ["case", "show", "no-such-case"], ("no-such-case",)),
    Case("unknown evidence", lambda folder: ["evidence", "show", "ev-nosuch"], ("ev-nosuch",)),
    Case("unknown source on a claim", lambda folder: [
        "claim", "add", "v-demo-002", "burial_place", "Bagh (fictional)", "--source",
        "no-such-source"], ("no-such-source",)),
    Case("unknown entity on a claim", lambda folder: [
        "claim", "add", "v-no-such", "burial_place", "Bagh (fictional)", "--source",
        "demo-testimony-02"], ("v-no-such",)),
    Case("unknown framework", lambda folder: ["frameworks", "show", "no-such-law"],
         ("no-such-law",)),
    Case("bad judgement", lambda folder: ["dedupe", "judge", "demo-list-a:A0016",
                                          "demo-list-c:C0014", "perhaps", "--yes"],
         ("perhaps",)),
    Case("dossier of no case", lambda folder: ["dossier", "build", "no-such-case", "--out",
                                               str(folder / "bag")], ("no-such-case",)),
    Case("verify a non-bag", lambda folder: ["dossier", "verify", str(folder)], ()),
    # Lists read without the registry.
    Case("link an empty file", lambda folder: ["link", str(_file("l.csv", "")(folder)),
                                               "--out", str(folder / "c.csv")], ("l.csv",)),
    Case("inspect a picture", lambda folder: [
        "lists", "inspect", str(_file("pic.csv", b"\x89PNG\r\n\x1a\n" + bytes(range(256)))(
            folder))], ("pic.csv",)),
    Case("estimate a cut file", lambda folder: [
        "estimate", str(_file("cut.csv", LIST_HEADER[:30])(folder))], ("cut.csv",)),
]


def _state(registry: Registry) -> tuple[object, ...]:
    with registry.read() as conn:
        ledger = conn.execute(select(func.count()).select_from(ledger_entry).where(
            ledger_entry.c.kind.not_in(("verify",)))).scalar()
        return (queries.counts(conn), ledger,
                conn.execute(select(func.count()).select_from(history)).scalar(),
                conn.execute(select(func.count()).select_from(evidence_item)).scalar(),
                conn.execute(select(func.count()).select_from(access_log)).scalar())


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_bad_input_is_refused_clearly_and_changes_nothing(demo_cli, demo_registry, tmp_path,
                                                          case: Case) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    args = case.args(folder)
    before = _state(demo_registry)
    result = demo_cli(*args)
    out = result.output
    # click ends every handled error with SystemExit; anything else is a traceback.
    assert isinstance(result.exception, SystemExit), (out, result.exception)
    assert result.exit_code not in (0, None), out
    assert "Traceback" not in out
    for word in case.says:
        assert word.lower() in out.lower(), out
    assert _state(demo_registry) == before
