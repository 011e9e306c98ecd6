"""A form with a file, read as it arrives: the fields before the file, then the
file's bytes chunk by chunk, so that an upload is never held whole in memory
nor spooled anywhere but where the caller writes it (the staging area).

Browsers send a form's parts in the order of its fields: the upload form puts
its token and options before the file, so they are known before the first
byte of the file is written.
"""

from __future__ import annotations

import io
from collections.abc import AsyncIterator, Callable, Iterator
from typing import Any, BinaryIO, cast

from anyio import from_thread
from python_multipart.multipart import MultipartParser, parse_options_header
from starlette.requests import Request

from khavaran.errors import ValidationError

__all__ = ["BlockingReader", "StreamedForm", "stream_form", "streamed_files"]

MAX_FIELD = 10_000  # bytes of a field that is not a file


class StreamedForm:
    def __init__(self, request: Request) -> None:
        kind, options = parse_options_header(request.headers.get("content-type", ""))
        boundary = options.get(b"boundary")
        if kind != b"multipart/form-data" or not boundary:
            raise ValidationError("send the file as a form (multipart/form-data)",
                                  field="file")
        self._events: list[tuple[str, bytes]] = []
        self._stream = request.stream().__aiter__()
        self._ended = False

        def on(name: str) -> Any:
            return lambda: self._events.append((name, b""))

        def data(name: str) -> Any:
            return lambda buf, start, end: self._events.append((name, bytes(buf[start:end])))

        self._parser = MultipartParser(boundary, {
            "on_part_begin": on("begin"), "on_header_field": data("hfield"),
            "on_header_value": data("hvalue"), "on_header_end": on("hend"),
            "on_headers_finished": on("hdone"), "on_part_data": data("data"),
            "on_part_end": on("end")})

    async def _next(self) -> tuple[str, bytes] | None:
        while not self._events:
            if self._ended:
                return None
            try:
                chunk = await self._stream.__anext__()
            except StopAsyncIteration:
                self._ended = True
                self._parser.finalize()
                continue
            try:
                self._parser.write(chunk)
            except Exception:
                raise ValidationError("the form could not be read", field="file") from None
        return self._events.pop(0)

    async def fields_until_file(self) -> tuple[dict[str, str], str | None]:
        """The fields before the first file, and that file's name (None: no file)."""
        fields: dict[str, str] = {}
        header, value = b"", b""
        disposition: dict[bytes, bytes] = {}
        current: bytearray | None = None
        while (event := await self._next()) is not None:
            name, data = event
            if name == "begin":
                disposition, header, value = {}, b"", b""
            elif name == "hfield":
                header += data
            elif name == "hvalue":
                value += data
            elif name == "hend":
                if header.lower() == b"content-disposition":
                    disposition = parse_options_header(value)[1]
                header, value = b"", b""
            elif name == "hdone":
                if b"filename" in disposition:
                    filename = disposition[b"filename"].decode("utf-8", "replace")
                    if filename:
                        return fields, filename
                current = bytearray()
            elif name == "data" and current is not None:
                if len(current) + len(data) > MAX_FIELD:
                    raise ValidationError("a form field is too long", field="form")
                current += data
            elif name == "end" and current is not None:
                key = disposition.get(b"name", b"").decode("utf-8", "replace")
                fields[key] = current.decode("utf-8", "replace")
                current = None
        return fields, None

    async def file_chunks(self) -> AsyncIterator[bytes]:
        """The bytes of the file found by ``fields_until_file``; a body that
        ends before the file does (a cut-off upload) raises, so that a part of
        a file is never taken for the whole of it."""
        while (event := await self._next()) is not None:
            name, data = event
            if name == "data":
                if data:
                    yield data
            elif name == "end":
                return
        raise ValidationError("the upload was cut off before the end of the file: nothing "
                              "was kept", field="file")


class BlockingReader(io.RawIOBase):
    """A streamed file read from a worker thread, as a file: each read waits
    for the event loop to parse more of the request (anyio.from_thread), so
    that sync code (hashing, writing to the vault) takes the upload as it
    arrives.  Counts the bytes against ``limit`` across the whole form."""

    def __init__(self, chunks: AsyncIterator[bytes], tally: list[int], limit: int,
                 too_large: Callable[[int], Exception]) -> None:
        super().__init__()
        self._chunks, self._tally, self._limit = chunks, tally, limit
        self._too_large = too_large
        self._rest = b""
        self._done = False

    def readable(self) -> bool:
        return True

    async def _gather(self, want: int) -> bytes:
        """Up to ``want`` bytes, in one crossing from the worker thread to the
        event loop (one per 64 KiB chunk of the parser costs throughput)."""
        out = bytearray()
        while len(out) < want:
            try:
                chunk = await self._chunks.__anext__()
            except StopAsyncIteration:
                self._done = True
                break
            self._tally[0] += len(chunk)
            if self._tally[0] > self._limit:
                raise self._too_large(self._limit)
            out += chunk
        return bytes(out)

    def read(self, size: int | None = -1) -> bytes:
        want = size if size is not None and size >= 0 else 1 << 62
        out = bytearray(self._rest[:want])
        self._rest = self._rest[want:]
        # Gathered to the size asked: the hashing threads work best on large chunks.
        if len(out) < want and not self._done:
            got = from_thread.run(self._gather, want - len(out))
            take = want - len(out)
            out += got[:take]
            self._rest = got[take:]
        return bytes(out)


def streamed_files(form: StreamedForm, first: str, limit: int,
                   too_large: Callable[[int], Exception]) -> Iterator[tuple[str, BinaryIO]]:
    """Every file of the form in turn, from the one ``fields_until_file`` found:
    (name, reader) pairs for a worker thread (each reader must be read to its
    end before the next pair is asked for)."""
    tally, name = [0], first
    while True:
        yield name, cast(BinaryIO, BlockingReader(form.file_chunks(), tally, limit, too_large))
        _fields, following = from_thread.run(form.fields_until_file)
        if following is None:
            return
        name = following


def stream_form(request: Request) -> StreamedForm:
    return StreamedForm(request)
