"""The streamed form reader: whatever the file holds and however the body is cut
into chunks, the fields before the file and the file's bytes come out unchanged."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from starlette.requests import Request

from khavaran.errors import ValidationError
from khavaran.settings import parse_size
from khavaran.web.multipart import stream_form

BOUNDARY = "----khavaran-test-boundary"


def _body(fields: dict[str, str], name: str, data: bytes) -> bytes:
    out = b""
    for key, value in fields.items():
        out += (f"--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"{key}\"\r\n\r\n"
                ).encode() + value.encode() + b"\r\n"
    out += (f"--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"file\"; "
            f"filename=\"{name}\"\r\nContent-Type: text/csv\r\n\r\n").encode()
    return out + data + f"\r\n--{BOUNDARY}--\r\n".encode()


def _read(body: bytes, cuts: list[int], content_type: str | None = None
          ) -> tuple[dict[str, str], str | None, bytes]:
    points = sorted({c % (len(body) + 1) for c in cuts} | {0, len(body)})
    chunks = [body[a:b] for a, b in zip(points, points[1:], strict=False)]

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": chunks.pop(0) if chunks else b"",
                "more_body": bool(chunks)}

    headers = [(b"content-type",
                (content_type or f"multipart/form-data; boundary={BOUNDARY}").encode())]
    request = Request({"type": "http", "method": "POST", "headers": headers}, receive)

    async def run() -> tuple[dict[str, str], str | None, bytes]:
        form = stream_form(request)
        fields, name = await form.fields_until_file()
        data = b"".join([c async for c in form.file_chunks()])
        return fields, name, data

    return asyncio.run(run())


@settings(max_examples=200, deadline=None)
@given(token=st.text(st.characters(codec="utf-8", exclude_characters="\r\n"), max_size=80),
       data=st.binary(max_size=3000), cuts=st.lists(st.integers(0, 10_000), max_size=12))
def test_fields_and_file_survive_any_chunking(token: str, data: bytes, cuts: list[int]) -> None:
    body = _body({"csrf": token, "kind": "Person"}, "people.csv", data)
    fields, name, got = _read(body, cuts)
    assert fields == {"csrf": token, "kind": "Person"}
    assert name == "people.csv" and got == data


def test_a_persian_file_name_is_kept() -> None:
    body = _body({}, "فهرست.csv", b"id\n")
    assert _read(body, [5])[1] == "فهرست.csv"


def test_a_body_that_is_not_a_form_is_refused() -> None:
    with pytest.raises(ValidationError) as caught:
        _read(b"id,name\n", [], content_type="text/csv")
    assert caught.value.field == "file"


@given(st.integers(1, 10**12), st.sampled_from(["", "b", "KB", "MB", "GB", "KiB", "MiB",
                                                   "GiB", "k", "m", "g"]),
       st.sampled_from(["", " "]))
def test_sizes_read_in_any_unit(n: int, unit: str, space: str) -> None:
    factor = {"": 1, "b": 1, "KB": 1000, "MB": 1000**2, "GB": 1000**3, "KiB": 1024,
              "MiB": 1024**2, "GiB": 1024**3, "k": 1000, "m": 1000**2, "g": 1000**3}[unit]
    assert parse_size(f"{n}{space}{unit}") == n * factor


@pytest.mark.parametrize("text", ["", "lots", "-5MB", "0", "5 TB", "MB", "1e3x"])
def test_sizes_that_are_not_sizes(text: str) -> None:
    with pytest.raises(Exception, match="is not a size"):
        parse_size(text)
