"""Property tests for the import parsers: what a file says is what is read."""

from __future__ import annotations

import csv
import io
import json

from hypothesis import given, settings
from hypothesis import strategies as st

from khavaran.errors import ValidationError
from khavaran.services.readers import csv_rows, delimiter, read_text

KEY = bytes(32)
# Any text a list might hold, Persian script, controls and line separators
# included; NUL is refused by design, and cells are stored trimmed.
cell = st.text(st.characters(blacklist_characters="\x00", blacklist_categories=("Cs",)),
               max_size=30).map(str.strip)


@settings(max_examples=150, deadline=None)
@given(names=st.lists(cell.filter(bool), min_size=1, max_size=5), city=cell)
def test_a_csv_list_is_read_back_verbatim(names: list[str], city: str) -> None:
    out = io.StringIO(newline="")
    writer = csv.writer(out)  # the standard dialect: CRLF, so a bare CR is quoted
    writer.writerow(["source", "record_id", "name", "city"])
    for i, name in enumerate(names):
        writer.writerow(["s", str(i), name, city])
    batch = read_text(out.getvalue(), "l.csv", "list", KEY)
    assert [r.raw["name"] for r in batch.records] == names
    assert [r.raw["city"] for r in batch.records] == [city] * len(names)
    values = [c.value for c in batch.claims if c.property == "name"]
    assert values == names


@settings(max_examples=150, deadline=None)
@given(title=cell.filter(bool), note=st.text(max_size=40).filter(lambda s: "\x00" not in s))
def test_a_jsonl_line_is_read_back_verbatim(title: str, note: str) -> None:
    line = json.dumps({"type": "source", "id": "s", "kind": "report", "title": title,
                       "note": note}, ensure_ascii=False)
    [source] = read_text(line + "\n", "x.jsonl", None, KEY).sources
    assert (source.title, source.note) == (title, note)


@settings(max_examples=200, deadline=None)
@given(text=st.text(max_size=200))
def test_any_text_is_read_or_refused_with_a_located_error(text: str) -> None:
    for name, kind in (("x.csv", "list"), ("x.jsonl", None)):
        try:
            read_text(text, name, kind, KEY)
        except ValidationError as exc:
            assert exc.file == name


@given(st.lists(st.text(alphabet=st.sampled_from("abcéنام"), min_size=1, max_size=8),
                min_size=2, max_size=5, unique=True), st.sampled_from([",", ";", "\t"]))
def test_the_separator_is_read_from_the_header(header: list[str], sep: str) -> None:
    text = sep.join(header) + "\n" + sep.join(reversed(header)) + "\n"
    got, rows = csv_rows(text, "liste.csv")
    assert got == header
    assert [list(r.values()) for _, r in rows] == [header[::-1]]


def test_a_semicolon_header_without_a_comma_is_semicolon_separated() -> None:
    assert delimiter("N°;Nom;Prénom\n1;Karimi;Ali\n") == ";"
    assert delimiter("a,b;c\n") == ","
    assert delimiter("name\n") == ","
