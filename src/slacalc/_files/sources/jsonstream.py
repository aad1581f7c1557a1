"""Records of a JSON export, read incrementally with the standard library alone.

Helpdesk exports come as JSON Lines (one record, or one page of records, per
line), as one top-level array of records, or as API pages: an object such as
``{"tickets": [...], "next_page": ...}``, possibly several pages one after the
other. :func:`json_records` yields the records of all of these while holding
only one record (and a read-ahead of about a megabyte) in memory: each value
is decoded with :meth:`json.JSONDecoder.raw_decode` (the C scanner) from a
sliding buffer, and the array of a page is walked element by element instead
of being decoded whole. No third-party streaming parser is needed.

A syntax error in JSON Lines costs that line only (a bad record, then the
next line). Inside an array or a page there is no safe place to resume, so
the error is reported with its line and column as the last record.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from typing import IO, Any

__all__ = ["JsonError", "json_records", "ticket_records"]

_CHUNK = 1 << 20
_MAX_RECORD = 256 << 20
_WS = " \t\r\n"
_DECODER = json.JSONDecoder()


class JsonError:
    """A place in the file that is not valid JSON (yielded instead of a record).

    *ends*: nothing after it can be read (inside an array or a page); in JSON
    Lines the error costs its line and the next line is read.
    """

    __slots__ = ("column", "ends", "line", "message")

    def __init__(self, line: int, column: int, message: str, *, ends: bool = True) -> None:
        self.line = line
        self.column = column
        self.message = message
        self.ends = ends

    def bad(self, position: int) -> Any:
        """The bad record a reader yields for this error, record *position* of the file."""
        from slacalc._files.sources._core import BadRecord

        rest = "; the rest of the file cannot be read" if self.ends else ""
        return BadRecord(
            self.line,
            f"record {position}: {self.message} at line {self.line} column {self.column}{rest}",
            position,
        )


def json_records(
    stream: IO[str], page_keys: Sequence[str], *, lines: bool = False, first_line: int = 1
) -> Iterator[tuple[int, Any | JsonError]]:
    """Yield ``(line, record)`` for every record of a JSON or JSON Lines *stream*.

    A top-level array yields its elements; a top-level object that has one
    of *page_keys* holding an array is a page and yields that array's
    elements (its other members are skipped); any other top-level object is
    a record. With *lines*, each line is one value (JSON Lines), and
    *first_line* is the number of the stream's first line (a part of a
    longer file, as ``--jobs`` reads it).
    """
    if lines:
        yield from _lines(stream, page_keys, first_line)
    else:
        yield from _Scanner(stream, tuple(page_keys)).run()


def _lines(
    stream: IO[str], page_keys: Sequence[str], first_line: int = 1
) -> Iterator[tuple[int, Any | JsonError]]:
    raw_decode = _DECODER.raw_decode
    keys = tuple(page_keys)
    for line, text in enumerate(stream, start=first_line):
        # raw_decode is json.loads without its two whitespace regexes; anything it does not
        # take whole (leading blanks, a BOM, an error) goes through json.loads for its message
        try:
            value, end = raw_decode(text)
            whole = end == len(text) or not text[end:].strip(_WS)
        except json.JSONDecodeError:
            whole = False
        if not whole:
            if text.isspace():
                continue
            try:
                value = json.loads(
                    text.rstrip("\r\n")
                )  # an error placed on this line, not past its end
            except json.JSONDecodeError as exc:
                yield line, JsonError(line, exc.colno, f"invalid JSON: {exc.msg}", ends=False)
                continue
        if type(value) is dict:
            for key in keys:
                if key in value:
                    items = value[key]
                    if type(items) is list:
                        for item in items:
                            yield line, item
                        break
            else:
                yield line, value
            continue
        yield from _flatten(line, value, page_keys)


def _flatten(line: int, value: Any, page_keys: Sequence[str]) -> Iterator[tuple[int, Any]]:
    if isinstance(value, list):
        for item in value:
            yield line, item
        return
    if isinstance(value, dict):
        for key in page_keys:
            items = value.get(key)
            if isinstance(items, list):
                for item in items:
                    yield line, item
                return
    yield line, value


class _Scanner:
    """A sliding window over the stream, decoding one value at a time."""

    def __init__(self, stream: IO[str], page_keys: tuple[str, ...]) -> None:
        self.stream = stream
        self.page_keys = page_keys
        self.buf = ""
        self.pos = 0
        self.eof = False
        self.line = 1  # line number at self.pos
        self._counted = 0  # self.buf[:_counted] newlines are in self.line

    # --- buffer

    def _more(self) -> bool:
        if self.eof:
            return False
        chunk = self.stream.read(_CHUNK)
        if not chunk:
            self.eof = True
            return False
        if self.pos:
            self._sync_line()
            self.buf = self.buf[self.pos :]
            self._counted -= self.pos
            self.pos = 0
        self.buf += chunk
        return True

    def _sync_line(self) -> None:
        if self.pos > self._counted:
            self.line += self.buf.count("\n", self._counted, self.pos)
            self._counted = self.pos

    def _skip_ws(self) -> str:
        """The next significant character (consumed not), or '' at the end."""
        while True:
            buf, pos = self.buf, self.pos
            n = len(buf)
            while pos < n and buf[pos] in _WS:
                pos += 1
            self.pos = pos
            if pos < n:
                return buf[pos]
            if not self._more():
                return ""

    def _where(self, pos: int) -> tuple[int, int]:
        self._sync_line()
        line = self.line + self.buf.count("\n", self.pos, pos) if pos >= self.pos else self.line
        start = self.buf.rfind("\n", 0, pos) + 1
        return line, pos - start + 1

    def _decode(self) -> Any:
        """Decode one value at self.pos, reading more input while it is incomplete."""
        self._skip_ws()
        while True:
            try:
                value, end = _DECODER.raw_decode(self.buf, self.pos)
            except json.JSONDecodeError as exc:
                # An error near the end of the window may be a value cut by the chunk
                # boundary (`{"public": tr`, `nul`, a long string): read on and retry.
                truncated = exc.pos >= len(self.buf) - 64 or exc.msg.startswith("Unterminated")
                room = len(self.buf) - self.pos < _MAX_RECORD
                if truncated and not self.eof and room and self._more():
                    continue
                line, col = self._where(exc.pos)
                raise _Stop(JsonError(line, col, f"invalid JSON: {exc.msg}")) from None
            at_end = end >= len(self.buf) and not self.eof
            if at_end and isinstance(value, int | float) and self._more():
                continue  # a number may go on in the next chunk
            self.pos = end
            return value

    def _expect(self, chars: str, what: str) -> str:
        c = self._skip_ws()
        if not c or c not in chars:
            line, col = self._where(self.pos)
            found = "the end of the file" if not c else repr(c)
            raise _Stop(JsonError(line, col, f"invalid JSON: expected {what}, found {found}"))
        self.pos += 1
        return c

    # --- structure

    def run(self) -> Iterator[tuple[int, Any | JsonError]]:
        try:
            while True:
                c = self._skip_ws()
                if not c:
                    return
                self._sync_line()
                if c == "[":
                    self.pos += 1
                    yield from self._array()
                elif c == "{":
                    yield from self._object()
                else:
                    line = self.line
                    yield line, self._decode()
        except _Stop as stop:
            yield stop.error.line, stop.error

    def _array(self) -> Iterator[tuple[int, Any]]:
        if self._skip_ws() == "]":
            self.pos += 1
            return
        while True:
            self._skip_ws()
            self._sync_line()
            line = self.line
            yield line, self._decode()
            if self._expect(",]", "',' or ']' after an array element") == "]":
                return

    def _object(self) -> Iterator[tuple[int, Any]]:
        self._sync_line()
        start_line = self.line
        self.pos += 1  # '{'
        members: dict[str, Any] = {}
        page = False
        if self._skip_ws() == "}":
            self.pos += 1
            yield start_line, members
            return
        while True:
            if self._skip_ws() != '"':
                self._expect('"', "a member name")
            key = self._decode()
            self._expect(":", "':' after a member name")
            if key in self.page_keys and self._skip_ws() == "[":
                page = True
                self.pos += 1
                yield from self._array()
            else:
                members[key] = self._decode()
            if self._expect(",}", "',' or '}' after a member") == "}":
                break
        if not page:
            yield start_line, members


class _Stop(Exception):
    def __init__(self, error: JsonError) -> None:
        super().__init__(error.message)
        self.error = error


def ticket_records(
    stream: IO[str],
    fmt: str,
    page_keys: Sequence[str],
    build: Any,
    mapping: Any,
    tally: Any,
    id_key: str = "id",
    first_line: int = 1,
) -> Iterator[tuple[int, Any]]:
    """Yield ``(line, ticket)`` or ``(line, BadRecord)`` for a source whose records are whole tickets.

    *build(record, mapping, tally)* returns the ticket's draft; any
    ``SlacalcError`` it raises makes the record a bad record. *first_line*:
    as for :func:`json_records` (JSON Lines only).
    """
    from slacalc._files.sources._core import RecordError, bad
    from slacalc.exceptions import SlacalcError

    records = json_records(stream, page_keys, lines=fmt == "jsonl", first_line=first_line)
    for position, (line, record) in enumerate(records, start=1):
        if isinstance(record, JsonError):
            yield line, record.bad(position)
            if record.ends:
                return
            continue
        ident = record.get(id_key) if isinstance(record, dict) else None
        try:
            if not isinstance(record, dict):
                raise RecordError(None, record, "a ticket object")
            yield line, build(record, mapping, tally).build()
        except SlacalcError as exc:
            yield line, bad(line, position, ident, exc)
