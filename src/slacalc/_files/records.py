"""One reader of record files for every command: CSV, TSV, JSON Lines and JSON.

:class:`RecordFile` opens a file (or standard input), finds its format and
encoding, and yields ``(line, record)`` for every data row, where *record* is
a ``dict`` (keys stripped and lower-cased) or a :class:`BadRow` saying why the
row cannot be read. A bad row never stops the reading: the rows before and
after it still come out. What stops it is an :class:`InputFileError`, raised
when the file is opened: a binary file, a header without a required column,
an unknown encoding.

The rules, written once (``docs/cli.md`` has them for users):

* **Format**: given, or from the file name (``.csv``; ``.tsv``/``.tab``;
  ``.jsonl``/``.ndjson``; ``.json``), else from the first character (``{``
  JSON Lines, ``[`` a JSON array, anything else CSV).
* **Encoding**: UTF-8, with or without a byte-order mark; a UTF-16 (or
  UTF-32) byte-order mark is honoured; another encoding only when given.
  Every physical line is decoded on its own, so an undecodable byte is an
  error of the row it is in, never of the file.
* **CSV**: the delimiter is given, or detected on the header (comma,
  semicolon or tab; :class:`csv.Sniffer`, checked against the required
  columns); fields may be up to :data:`FIELD_LIMIT` characters; a row with
  fewer fields than the header has empty trailing fields, one with more
  (non-empty) fields is a bad row; a quote that is never closed is reported
  at the line where its record starts, and the lines after that line are
  read again as rows of their own.
* **JSON**: an array of objects, or objects one after the other (JSON Lines,
  also pretty-printed); numbers with a fraction are read as exact
  :class:`~decimal.Decimal`; ``NaN`` and ``Infinity`` are refused.
* **Every value**: a NUL character or a lone surrogate (an undecodable byte)
  anywhere makes the row bad, naming the field.
"""

from __future__ import annotations

import bisect
import codecs
import contextlib
import csv
import heapq
import io
import json
import re
import sys
from collections import deque
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from types import TracebackType
from typing import IO, Any, NamedTuple, cast

from slacalc.exceptions import InputFileError

__all__ = [
    "FIELD_LIMIT",
    "INPUT_FORMATS",
    "BadRow",
    "Chunk",
    "RecordFile",
    "csv_problem",
    "format_from_name",
    "open_bytes",
    "read_records",
    "shorten",
    "undecodable",
]

#: The input formats, as ``--input-format`` names them.
INPUT_FORMATS = ("csv", "tsv", "jsonl", "json")

#: File name endings and the format they mean.
SUFFIXES = {
    ".csv": "csv",
    ".tsv": "tsv",
    ".tab": "tsv",
    ".jsonl": "jsonl",
    ".ndjson": "jsonl",
    ".json": "json",
}

#: The longest CSV field read, in characters (the csv module's default is 128 KiB).
FIELD_LIMIT = 16 * 1024 * 1024

#: Delimiters that CSV detection considers.
DELIMITERS = (",", ";", "\t")

_CHUNK = 64 * 1024

#: Bytes read at a time by :meth:`RecordFile.chunks`.
_BLOCK = 256 * 1024
#: Codecs whose text can be decoded a block at a time exactly as line by line.
_BLOCK_CODECS = frozenset({"utf-8", "ascii", "cp1252", "iso8859-1", "iso8859-15"})
#: Characters :meth:`RecordFile.chunks` leaves to the careful reading of their line:
#: controls (a tab too, unless it separates the fields), Unicode line separators, a
#: byte-order mark. A quote sends the rest of the file through the csv module.
_ODD = "\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029\ufeff"

#: Starts of files that are certainly not text, and what they are.
_MAGIC = (
    (b"PK\x03\x04", "a ZIP archive (an Excel .xlsx workbook is one)"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "an old Excel (.xls) or Office document"),
    (b"%PDF-", "a PDF document"),
    (b"\x89PNG", "a PNG image"),
    (b"\xff\xd8\xff", "a JPEG image"),
    (b"GIF8", "a GIF image"),
    (b"\x1f\x8b", "a gzip-compressed file"),
    (b"BZh", "a bzip2-compressed file"),
    (b"\xfd7zXZ\x00", "an xz-compressed file"),
    (b"SQLite format 3\x00", "an SQLite database"),
)

_EXPORT_HINT = "export it as CSV (UTF-8) or JSON Lines"


@dataclass(frozen=True, slots=True)
class BadRow:
    """A row that could not be read or used: the line its record starts on, and why.

    *ident* is the row's id when it could be read (so that ``explain --id``
    can say why the ticket it looks for is unusable).
    """

    line: int
    message: str
    #: keyword-only, so that subclasses (a helpdesk source's BadRecord) add their own fields
    ident: str | None = field(default=None, kw_only=True)


class _Line(NamedTuple):
    number: int
    text: str
    #: Why the line's bytes do not decode (None when they do), e.g. "byte 0xE9 at column 12".
    problem: str | None


def shorten(value: object, limit: int = 60) -> str:
    """``repr`` of *value*, cut in the middle when longer than *limit* characters.

    >>> shorten("x" * 200_000, 20)
    "'xxxxxx…xxxxxx' (200,000 characters)"
    """
    text = _display(value) if isinstance(value, str) else repr(value)
    if len(text) <= limit:
        return text
    keep = max(limit - 6, 4) // 2
    size = f" ({len(value):,} characters)" if isinstance(value, str) else ""
    return f"{text[:keep]}…{text[-keep:]}{size}"


def _display(text: str) -> str:
    """repr of *text*, with each undecodable byte (a surrogate escape) shown as ``\\xNN``."""
    shown = repr(text)
    return re.sub(r"\\udc([89a-f][0-9a-f])", r"\\x\1", shown)


def format_from_name(path: str) -> str | None:
    """The format a file name implies (``None`` for standard input or an unknown ending)."""
    if path == "-":
        return None
    return SUFFIXES.get(Path(path).suffix.lower())


# ---------------------------------------------------------------------- decoding


def _codec_name(encoding: str) -> str:
    try:
        return codecs.lookup(encoding).name
    except LookupError:
        msg = f"--encoding: unknown encoding {encoding!r}; expected a name such as utf-8, utf-16, cp1252 or latin-1"
        raise InputFileError(msg) from None


def _wide(codec: str) -> tuple[int, str] | None:
    """(code unit size, byte order) of UTF-16 / UTF-32 codecs, whose lines do not split on b'\\n'."""
    match = re.fullmatch(r"utf-(16|32)(-(le|be))?", codec)
    if match is None:
        return None
    return int(match.group(1)) // 8, match.group(3) or "le"


def _decode(raw: bytes, codec: str) -> tuple[str, str | None]:
    try:
        return raw.decode(codec), None
    except UnicodeDecodeError as exc:
        # surrogateescape keeps each undecodable byte as U+DC80..U+DCFF, so the field
        # it is in can be named; the codecs of UTF-16/32 cannot do that, they replace.
        handler = "surrogateescape" if _wide(codec) is None else "replace"
        try:
            text = raw.decode(codec, handler)
        except UnicodeDecodeError:
            text = raw.decode(codec, "replace")
        return text, undecodable(raw, exc)


def undecodable(raw: bytes, exc: UnicodeDecodeError) -> str:
    """Where *raw* (one line) does not decode, in words: ``byte 0xE9 at column 12``."""
    bad = raw[exc.start : exc.end]
    return f"byte {' '.join(f'0x{b:02X}' for b in bad[:4])} at column {exc.start + 1}"


def _byte_lines(stream: IO[bytes], codec: str) -> Iterator[bytes]:
    wide = _wide(codec)
    if wide is None:
        # not ``yield from``: closing this generator would close the file with it
        for line in stream:  # noqa: UP028
            yield line
        return
    size, order = wide
    newline = "\n".encode(f"utf-{size * 8}-{order}")
    buffer = b""
    while True:
        chunk = stream.read(_CHUNK)
        if not chunk:
            break
        buffer += chunk
        start = 0
        while True:
            found = buffer.find(newline, start)
            if found < 0:
                break
            if found % size:  # the bytes of a newline that straddle two code units
                start = found + 1
                continue
            yield buffer[: found + size]
            buffer = buffer[found + size :]
            start = 0
    if buffer:
        yield buffer


def _lines(stream: IO[bytes], codec: str) -> Iterator[_Line]:
    return _decoded(_byte_lines(stream, codec), codec, 1)


def _decoded(byte_lines: Iterable[bytes], codec: str, first: int) -> Iterator[_Line]:
    for number, raw in enumerate(byte_lines, start=first):
        try:
            yield _Line(number, raw.decode(codec), None)
        except UnicodeDecodeError:
            yield _Line(number, *_decode(raw, codec))


def csv_problem(message: str, start: int, end: int, first: str, delimiter: str = ",") -> str:
    """What the ``csv`` module's error *message* means, for a record on lines *start* to *end*.

    *first* is the text of the record's first line. The reader that says it
    reads the lines after the first again, as rows of their own.
    """
    if message.startswith("unexpected end of data"):
        return (
            f"a quoted field is never closed: the quote opened here runs to the end of the file "
            f"(line {end}); expected a closing '\"' (the lines after this one are read again as rows)"
        )
    if message.startswith("field larger than field limit"):
        if end > start:
            return (
                f"a quoted field is not closed within {FIELD_LIMIT // (1024 * 1024)} MiB "
                f"(lines {start}-{end}); expected a closing '\"' (the lines after this one are read again as rows)"
            )
        return f"a field is longer than {FIELD_LIMIT // (1024 * 1024)} MiB; expected shorter fields"
    if "expected after" in message:
        return (
            f"text after a closing quote in {shorten(first.rstrip(), 80)}; "
            f"expected {delimiter!r} or the end of the line after '\"'"
        )
    if "new-line character" in message:
        return "a carriage return inside a field that is not quoted; expected the field in quotes"
    return f"unreadable CSV ({message})"


def _what_binary(head: bytes) -> str | None:
    for magic, what in _MAGIC:
        if head.startswith(magic):
            return what
    return None


# ---------------------------------------------------------------------- values


_BAD_CHAR = re.compile("[\x00\ud800-\udfff]")
#: A JSON escape that may decode to a NUL or a lone surrogate (``\\u0000``, ``\\ud800``); it
#: may also match an escaped backslash before such text, which only costs the closer look.
_RISKY_ESCAPE = re.compile(r"\\u(?:0000|[dD][89a-fA-F])")


def _value_problem(value: str, decode_problem: str | None, codec: str) -> str | None:
    """Why a text value cannot be used (a NUL, an undecodable byte), or None."""
    if decode_problem is not None and ("\ufffd" in value or _BAD_CHAR.search(value)):
        return f"not valid {_codec_label(codec)} text ({decode_problem} of its line) in {shorten(value)}; {_encoding_hint(codec)}"
    found = _BAD_CHAR.search(value)
    if found is None:
        return None
    char = found.group()
    if char == "\x00":
        return f"contains a NUL character in {shorten(value)}; expected text without NUL bytes"
    return f"contains an invalid character U+{ord(char):04X} (a lone surrogate) in {shorten(value)}; expected text"


def _codec_label(codec: str) -> str:
    return {"utf-8": "UTF-8", "utf-8-sig": "UTF-8"}.get(codec, codec)


def _encoding_hint(codec: str) -> str:
    if codec in ("utf-8", "utf-8-sig"):
        return "expected UTF-8 (save the file as 'CSV UTF-8', or give --encoding cp1252 for a Windows export)"
    return f"expected {codec} text"


def _walk_problem(value: Any, key: str, decode_problem: str | None, codec: str) -> str | None:
    """The first unusable text in a JSON value, as ``field: why``."""
    if isinstance(value, str):
        problem = _value_problem(value, decode_problem, codec)
        return None if problem is None else f"{key}: {problem}"
    if isinstance(value, dict):
        for k, v in value.items():
            found = _walk_problem(k, f"{key} (a key)", decode_problem, codec) or _walk_problem(
                v, f"{key}.{k}", decode_problem, codec
            )
            if found:
                return found
    elif isinstance(value, list):
        for i, v in enumerate(value):
            found = _walk_problem(v, f"{key}[{i}]", decode_problem, codec)
            if found:
                return found
    return None


def _refuse_constant(name: str) -> Any:
    msg = f"{name} is not a number JSON allows; expected a finite number or text"
    raise ValueError(msg)


def _decoder() -> json.JSONDecoder:
    return json.JSONDecoder(parse_float=Decimal, parse_constant=_refuse_constant)


def _json_error(exc: ValueError | RecursionError) -> str:
    if isinstance(exc, json.JSONDecodeError):
        return f"invalid JSON: {exc.msg} at column {exc.colno}"
    if isinstance(exc, RecursionError):
        return "invalid JSON: nested too deeply; expected an object of fields"
    return f"invalid JSON: {exc}"


# ---------------------------------------------------------------------- the reader


class RecordFile:
    """An open file of records; iterate it for ``(line, dict | BadRow)``.

    *path* is a file name or ``-`` for standard input (or give an open binary
    *stream*). *required* are the columns a CSV header must have. Opening
    reads the start of the file and raises :class:`InputFileError` when the
    file cannot be records at all. Use it as a context manager.
    """

    def __init__(
        self,
        path: str,
        required: Sequence[str] = (),
        *,
        input_format: str | None = None,
        delimiter: str | None = None,
        encoding: str | None = None,
        stream: IO[bytes] | None = None,
    ) -> None:
        self.path = path
        self.required = tuple(required)
        #: Remarks for the user about how the file was read (a JSON array in a .jsonl file).
        self.notes: list[str] = []
        self.header: tuple[str, ...] | None = None
        self._own = stream is None
        if input_format is not None and input_format not in INPUT_FORMATS:
            msg = f"--input-format: unknown format {input_format!r}; expected one of {', '.join(INPUT_FORMATS)}"
            raise InputFileError(msg)
        if delimiter is not None:
            delimiter = {"\\t": "\t", "tab": "\t", "TAB": "\t"}.get(delimiter, delimiter)
            if len(delimiter) != 1 or delimiter in '"\r\n':
                msg = f"--delimiter: invalid delimiter {delimiter!r}; expected one character such as ',', ';' or '\\t'"
                raise InputFileError(msg)
        self._delimiter = delimiter
        if stream is None:
            stream = open_bytes(path)
        if not hasattr(stream, "peek"):
            stream = io.BufferedReader(cast(Any, stream))
        self._stream: Any = stream
        try:
            self._open(input_format, encoding)
        except BaseException:
            self.close()
            raise

    # -- context manager

    def __enter__(self) -> RecordFile:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        value: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()

    def close(self) -> None:
        """Close the file (never standard input)."""
        if self._own and self.path != "-":
            self._stream.close()

    # -- opening

    def _open(self, input_format: str | None, encoding: str | None) -> None:
        stream = self._stream
        head: bytes = stream.peek(4096)[:4096]
        what = _what_binary(head)
        if what is not None:
            msg = f"{self.path}: this is {what}, not a text file of records; {_EXPORT_HINT}"
            raise InputFileError(msg)
        codec, bom = self._codec(head, encoding)
        if bom:
            stream.read(bom)
        self.codec = codec
        self._source: Iterator[_Line] = _lines(stream, codec)
        self._pushback: deque[_Line] = deque()
        first = self._first_line()
        fmt = input_format or format_from_name(self.path)
        if first is not None and "\x00" in first.text and _wide(codec) is None:
            msg = (
                f"{self.path}: line {first.number} holds NUL bytes: this looks like a binary file, "
                f"or UTF-16 text without a byte-order mark; {_EXPORT_HINT}"
            )
            raise InputFileError(msg)
        start = "" if first is None else first.text.lstrip()[:1]
        if fmt is None:
            fmt = {"{": "jsonl", "[": "json"}.get(start, "csv")
        if fmt == "jsonl" and first is not None and re.match(r"\s*\[\s*(\{|$)", first.text):
            self.notes.append(
                "the file holds a JSON array, not JSON Lines (one object per line); "
                "read as a JSON array (name it .json, or give --input-format json)"
            )
            fmt = "json"
        self.format = fmt
        if fmt in ("csv", "tsv"):
            self._open_csv(first)

    def _codec(self, head: bytes, encoding: str | None) -> tuple[str, int]:
        boms = (
            (codecs.BOM_UTF32_LE, "utf-32-le"),
            (codecs.BOM_UTF32_BE, "utf-32-be"),
            (codecs.BOM_UTF8, "utf-8"),
            (codecs.BOM_UTF16_LE, "utf-16-le"),
            (codecs.BOM_UTF16_BE, "utf-16-be"),
        )
        for bom, codec in boms:
            if head.startswith(bom):
                return codec, len(bom)
        if encoding is None:
            return "utf-8", 0
        codec = _codec_name(encoding)
        if codec == "utf-8-sig":  # a byte-order mark is handled above
            codec = "utf-8"
        if codec in ("utf-16", "utf-32"):
            codec += "-le"
        return codec, 0

    def _first_line(self) -> _Line | None:
        """The first line that is not blank (pushed back, to be read again)."""
        for line in self._source:
            self._pushback.append(line)
            if line.text.strip():
                return line
        return None

    def _next_line(self) -> _Line | None:
        if self._pushback:
            return self._pushback.popleft()
        return next(self._source, None)

    # -- CSV

    def _open_csv(self, first: _Line | None) -> None:
        if csv.field_size_limit() < FIELD_LIMIT:
            csv.field_size_limit(FIELD_LIMIT)
        if first is None:
            self.header = ()
            self._delimiter = self._delimiter or ","
            return
        if first.problem is not None:
            msg = f"{self.path}: line {first.number} (the header): not valid {_codec_label(self.codec)} text ({first.problem}); {_encoding_hint(self.codec)}"
            raise InputFileError(msg)
        if self._delimiter is None:
            self._delimiter = "\t" if self.format == "tsv" else self._sniff(first.text)
        self._consumed: list[_Line] = []
        self._reader = self._csv_reader()
        fields: list[str] = []
        try:
            while not fields:  # blank lines before the header
                fields = next(self._reader)
        except csv.Error as exc:
            msg = f"{self.path}: line {first.number} (the header): {exc}; expected column names separated by {self._delimiter!r}"
            raise InputFileError(msg) from None
        except StopIteration:  # pragma: no cover - first is not blank
            pass
        header = [h.strip().lower() for h in fields]
        for name in header:
            problem = _value_problem(name, None, self.codec)
            if problem:
                msg = f"{self.path}: line {first.number} (the header): {problem}"
                raise InputFileError(msg)
        seen: set[str] = set()
        for name in header:
            if name and name in seen:
                msg = f"{self.path}: line {first.number} (the header): column {name!r} appears twice; expected each column once"
                raise InputFileError(msg)
            seen.add(name)
        missing = [k for k in self.required if k not in seen]
        if missing:
            shown = ", ".join(h for h in header if h) or "nothing"
            hint = ""
            others = [d for d in DELIMITERS if d != self._delimiter and d in first.text]
            if others:
                hint = f"; if the columns are separated by {others[0]!r}, give --delimiter {others[0]!r}"
            msg = (
                f"{self.path}: line {first.number} (the header): missing column {missing[0]!r}; "
                f"expected at least {', '.join(self.required)} (the header has {shown}){hint}"
            )
            raise InputFileError(msg)
        self.header = tuple(header)
        self._header_line = first.number

    def _sniff(self, text: str) -> str:
        """The delimiter of a header line: the sniffer's guess if it yields the required columns."""
        candidates: list[str] = []
        with contextlib.suppress(csv.Error):
            candidates.append(csv.Sniffer().sniff(text, delimiters="".join(DELIMITERS)).delimiter)
        counted = sorted(DELIMITERS, key=lambda d: -text.count(d))
        candidates += [d for d in counted if d not in candidates and text.count(d)]
        if not candidates:
            return ","
        if self.required:
            for delimiter in candidates:
                with contextlib.suppress(csv.Error):
                    names = {
                        h.strip().lower() for h in next(csv.reader([text], delimiter=delimiter))
                    }
                    if all(k in names for k in self.required):
                        return delimiter
        return candidates[0]

    def _feed(self) -> Iterator[str]:
        while True:
            line = self._next_line()
            if line is None:
                return
            self._consumed.append(line)
            yield line.text

    def _csv_reader(self) -> Iterator[list[str]]:
        assert self._delimiter is not None
        return csv.reader(
            self._feed(), delimiter=self._delimiter, quotechar='"', doublequote=True, strict=True
        )

    def _csv_rows(self) -> Iterator[tuple[int, dict[str, Any] | BadRow]]:
        header = self.header or ()
        width = len(header)
        names = header
        all_named = all(header)
        while True:
            self._consumed = []
            try:
                fields = next(self._reader)
            except StopIteration:
                return
            except csv.Error as exc:
                lines = self._consumed
                if not lines:  # pragma: no cover - the csv module reads before it fails
                    return
                yield lines[0].number, BadRow(lines[0].number, self._csv_error(str(exc), lines))
                # read the lines after the record's first line again, as rows of their own
                self._pushback.extendleft(reversed(lines[1:]))
                self._reader = self._csv_reader()
                continue
            lines = self._consumed
            if not fields or not any(fields) or all(not f.strip() for f in fields):
                continue
            start = lines[0].number
            if len(lines) == 1:
                problem = lines[0].problem
                clean = problem is None and not _BAD_CHAR.search(lines[0].text)
            else:
                problem = next((ln.problem for ln in lines if ln.problem), None)
                clean = problem is None and not any(_BAD_CHAR.search(ln.text) for ln in lines)
            too_many = self._too_many(fields, start, lines[-1].number)
            if too_many is not None:
                yield start, too_many
                continue
            if clean:  # the common case: no field to look into
                record = dict(zip(names, fields, strict=False))
                if not all_named:
                    record.pop("", None)
                if len(fields) < width:
                    for name in header[len(fields) :]:
                        if name:
                            record[name] = ""
                yield start, record
                continue
            yield start, self._checked_record(start, fields, problem)

    def _too_many(self, fields: list[str], start: int, end: int) -> BadRow | None:
        """The bad row of a record with more non-empty fields than the header has, else None."""
        header = self.header or ()
        width = len(header)
        if len(fields) <= width or not any(f.strip() for f in fields[width:]):
            return None
        span = (
            f" (the record runs over lines {start}-{end}: is a quote unbalanced?)"
            if end > start
            else ""
        )
        columns = ", ".join(h for h in header)
        return BadRow(
            start,
            f"{len(fields)} fields but the header has {width} ({columns}); expected at most {width}{span}",
        )

    def _checked_record(
        self, start: int, fields: list[str], problem: str | None
    ) -> dict[str, Any] | BadRow:
        """The record of *fields* with every value looked into (a NUL, an undecodable byte)."""
        header = self.header or ()
        width = len(header)
        record: dict[str, Any] = {}
        bad: str | None = None
        for name, value in zip(header, fields, strict=False):
            if not name:
                continue
            why = _value_problem(value, problem, self.codec)
            if why is not None and bad is None:
                bad = f"{name}: {why}"
            record[name] = value
        if bad is None and problem is not None:
            bad = f"not valid {_codec_label(self.codec)} text ({problem}); {_encoding_hint(self.codec)}"
        if bad is None:
            for extra in fields[width:]:
                bad = _value_problem(extra, None, self.codec)
                if bad:
                    break
        if bad is None:
            for name in header[len(fields) :]:
                if name:
                    record[name] = ""
            return record
        ident = record.get("id")
        shown = ident if isinstance(ident, str) and not _BAD_CHAR.search(ident) else None
        return BadRow(start, bad, ident=shown.strip() if shown else None)

    def _csv_error(self, message: str, lines: list[_Line]) -> str:
        assert self._delimiter is not None
        return csv_problem(
            message, lines[0].number, lines[-1].number, lines[0].text, self._delimiter
        )

    # -- CSV a block at a time

    def chunks(self, size: int = 50_000) -> Iterator[Chunk]:
        """The data rows of a CSV file in chunks of about *size* rows, for the column engine.

        Together the chunks hold exactly what iterating the file yields, in
        the same order: each :class:`Chunk` has its plain rows as columns of
        field text (no quote, control character or undecodable byte in any
        of them, one row per physical line) and, in ``others``, every other
        record or bad row as iteration gives it. Plain lines are split a
        block of bytes at a time; a block with quotes is read by the csv
        module in one go; a block the csv module cannot read whole (a quote
        open at its end, an error), with a lone carriage return, or that
        does not decode, sends the rest of the file through the careful
        line-by-line reader. JSON and UTF-16/32 files come whole through
        that reader too.
        """
        header = self.header or ()
        plain = (
            self.format in ("csv", "tsv")
            and bool(header)
            and not self._pushback
            and self.codec in _BLOCK_CODECS
        )
        columns = tuple(h for h in header if h)
        if not plain:
            yield from self._careful_chunks(columns, iter(self), size)
            return
        delimiter = self._delimiter or ","
        odd = re.compile(f"[{_ODD}{'' if delimiter == chr(9) else chr(9)}]")
        number = self._consumed[-1].number + 1 if self._consumed else 2
        stream = self._stream
        codec = self.codec
        pending = b""
        chunk = Chunk(columns, [], [[] for _ in columns], [])
        while True:
            data = stream.read(_BLOCK)
            if data:
                raw = pending + data
                cut = raw.rfind(b"\n") + 1
                if not cut and len(raw) <= FIELD_LIMIT:
                    pending = raw
                    continue
                raw, pending = (raw[:cut], raw[cut:]) if cut else (raw, b"")
            elif pending:
                raw, pending = pending, b""
            else:
                break
            try:
                text = raw.decode(codec)
            except UnicodeDecodeError:
                text = '"'  # let the careful reader name the bytes
            crlf = "\r" in text
            if crlf:
                if text.count("\r") != text.count("\r\n"):
                    text = '"'
                text = text.replace("\r\n", "\n")
            quoted = '"' in text
            if quoted and not crlf and text.count('"') % 2 == 0 and len(raw) <= FIELD_LIMIT:
                # quotes, an even number: the csv module reads the block in one go, unless it
                # finds an error (then the careful reader takes over from the block's start)
                got = self._quoted_block(text, number, delimiter, odd)
                if got is not None:
                    lines, rows, others = got
                    chunk.add_rows(lines, rows)
                    chunk.others.extend(others)
                    number += text.count("\n") + (0 if text.endswith("\n") else 1)
                    if len(chunk.lines) + len(chunk.others) >= size:
                        yield chunk
                        chunk = Chunk(columns, [], [[] for _ in columns], [])
                    continue
            if quoted or len(raw) > FIELD_LIMIT:
                self._source = _decoded(_rest(raw + pending, stream), codec, number)
                self._reader = self._csv_reader()
                if chunk.lines:
                    yield chunk
                    chunk = Chunk(columns, [], [[] for _ in columns], [])
                yield from self._careful_chunks(columns, self._csv_rows(), size, chunk)
                return
            parts = text.split("\n")
            if text.endswith("\n"):
                parts.pop()
            self._block(chunk, parts, number, delimiter, odd)
            number += len(parts)
            if len(chunk.lines) + len(chunk.others) >= size:
                yield chunk
                chunk = Chunk(columns, [], [[] for _ in columns], [])
        if chunk.lines or chunk.others:
            yield chunk

    def _quoted_block(
        self, text: str, number: int, delimiter: str, odd: re.Pattern[str]
    ) -> tuple[list[int], list[list[str]], list[tuple[int, Any]]] | None:
        """A block with quotes read by the csv module: plain rows and the others, or None on an error.

        The csv module reads the block as the careful reader would read its
        lines (the same reader, the same options, the block starting at a
        record's start); a record over several lines, or with a character
        the careful reader looks into, goes to the others as it would have
        come from there. Any error, or a quote still open at the end of the
        block, gives None: the careful reader then reads from the block's start.
        """
        parts = text.split("\n")
        last = parts.pop()
        feed = [p + "\n" for p in parts] + ([last] if last else [])
        reader = csv.reader(feed, delimiter=delimiter, quotechar='"', doublequote=True, strict=True)
        lines: list[int] = []
        rows: list[list[str]] = []
        others: list[tuple[int, Any]] = []
        read = 0  # physical lines read so far
        try:
            for fields in reader:
                start, end = number + read, number + reader.line_num - 1
                careful = end > start or odd.search(feed[read]) is not None
                read = reader.line_num
                sorted_ = self._sorted_record(fields, start, end, careful)
                if isinstance(sorted_, list):
                    rows.append(sorted_)
                    lines.append(start)
                elif sorted_ is not None:
                    others.append(sorted_)
        except csv.Error:
            return None
        if read != len(feed):  # pragma: no cover - the reader reads every line it is given
            return None
        return lines, rows, others

    def _block(
        self, chunk: Chunk, parts: list[str], number: int, delimiter: str, odd: re.Pattern[str]
    ) -> None:
        """Add the lines *parts* (the first on line *number*) to *chunk*."""
        header = self.header or ()
        width = len(header)
        named = [i for i, h in enumerate(header) if h]
        if odd.search("\n".join(parts)) is None and set(
            map(str.count, parts, [delimiter] * len(parts))
        ) == {width - 1}:
            # every line has the header's number of fields: split the block in one go
            flat = delimiter.join(parts).split(delimiter)
            values = [flat[i::width] for i in named]
            lines = list(range(number, number + len(parts)))
            ids = values[chunk.columns.index("id")]
            blank = [i for i, v in enumerate(ids) if not v.strip()]
            if blank:
                # a row without an id is skipped when wholly blank, else read with care
                drop = set(blank)
                for i in blank:
                    fields = [column[i] for column in values]
                    if any(f.strip() for f in flat[i * width : (i + 1) * width]):
                        chunk.others.append(
                            (lines[i], dict(zip(chunk.columns, fields, strict=True)))
                        )
                keep = [i for i in range(len(lines)) if i not in drop]
                lines = [lines[i] for i in keep]
                values = [[column[i] for i in keep] for column in values]
            chunk.lines.extend(lines)
            for target, column in zip(chunk.values, values, strict=True):
                target.extend(column)
            return
        rows: list[list[str]] = []
        lines = []
        for line in parts:
            sorted_ = self._sorted_record(
                line.split(delimiter), number, number, odd.search(line) is not None
            )
            if isinstance(sorted_, list):
                rows.append(sorted_)
                lines.append(number)
            elif sorted_ is not None:
                chunk.others.append(sorted_)
            number += 1
        chunk.add_rows(lines, rows)

    def _sorted_record(
        self, fields: list[str], start: int, end: int, careful: bool
    ) -> list[str] | tuple[int, dict[str, Any] | BadRow] | None:
        """A record of *fields* (lines *start* to *end*) as the careful reader would take it.

        None for a blank record (skipped); ``(line, record or BadRow)`` for one
        that has too many fields or, being *careful* (over several lines, or
        with a character to look into), needs its values checked; else the
        plain row's texts, one per named column.
        """
        if not fields or (not fields[0].strip() and all(not f.strip() for f in fields)):
            return None
        header = self.header or ()
        width = len(header)
        n = len(fields)
        if n > width:
            too_many = self._too_many(fields, start, end)
            if too_many is not None:
                return start, too_many
        if careful:
            return start, self._checked_record(start, fields, None)
        if n != width:
            fields = fields[:width] if n > width else fields + [""] * (width - n)
        if all(header):
            return fields
        return [f for f, h in zip(fields, header, strict=True) if h]

    @staticmethod
    def _careful_chunks(
        columns: tuple[str, ...],
        records: Iterator[tuple[int, dict[str, Any] | BadRow]],
        size: int,
        chunk: Chunk | None = None,
    ) -> Iterator[Chunk]:
        chunk = chunk or Chunk(columns, [], [[] for _ in columns], [])
        for item in records:
            chunk.others.append(item)
            if len(chunk.others) >= size:
                yield chunk
                chunk = Chunk(columns, [], [[] for _ in columns], [])
        if chunk.others:
            yield chunk

    # -- JSON

    def _jsonl_rows(self) -> Iterator[tuple[int, dict[str, Any] | BadRow]]:
        decoder = _decoder()
        while True:
            line = self._next_line()
            if line is None:
                return
            if not line.text.strip():
                continue
            try:
                value = decoder.decode(line.text)
            except (ValueError, RecursionError) as exc:
                if line.problem is not None:
                    message = f"not valid {_codec_label(self.codec)} text ({line.problem}); {_encoding_hint(self.codec)}"
                else:
                    message = _json_error(exc)
                yield line.number, BadRow(line.number, message)
                continue
            # a line decoded cleanly, with no NUL and no escape that could make a NUL or a lone
            # surrogate, holds no value to look into (the common case: the walk is skipped)
            clean = (
                line.problem is None
                and "\x00" not in line.text
                and not _RISKY_ESCAPE.search(line.text)
            )
            yield line.number, self._json_record(line.number, value, line.problem, clean)

    def _json_record(
        self, number: int, value: Any, problem: str | None, clean: bool = False
    ) -> dict[str, Any] | BadRow:
        if not isinstance(value, dict):
            kind = {list: "an array", str: "text", bool: "true/false", type(None): "null"}.get(
                type(value), "a number"
            )
            return BadRow(number, f"expected a JSON object of fields; got {kind}")
        record = {str(k).strip().lower(): v for k, v in value.items()}
        if clean:
            return record
        ident = record.get("id")
        shown = ident.strip() if isinstance(ident, str) and not _BAD_CHAR.search(ident) else None
        for key, item in record.items():
            why = _walk_problem(key, "a field name", problem, self.codec) or _walk_problem(
                item, key, problem, self.codec
            )
            if why is not None:
                return BadRow(number, why, ident=shown)
        if problem is not None:
            return BadRow(
                number,
                f"not valid {_codec_label(self.codec)} text ({problem}); {_encoding_hint(self.codec)}",
                ident=shown,
            )
        return record

    def _json_rows(self) -> Iterator[tuple[int, dict[str, Any] | BadRow]]:
        """A JSON array of objects, or JSON values one after the other.

        After a part that cannot be read, reading goes on at the next line
        that starts an object at the indentation of the array's objects (any
        object's line if there is none), so one broken object costs one row.
        """
        texts: list[str] = []
        problems: list[tuple[int, str]] = []  # (line number, problem)
        starts: list[int] = []  # offset of each line in the text
        offset = 0
        first_number = None
        while True:
            line = self._next_line()
            if line is None:
                break
            if first_number is None:
                first_number = line.number
            starts.append(offset)
            texts.append(line.text)
            offset += len(line.text)
            if line.problem is not None:
                problems.append((line.number, line.problem))
        text = "".join(texts)
        base = first_number or 1

        def line_of(pos: int) -> int:
            return base + max(bisect.bisect_right(starts, pos) - 1, 0)

        def problem_in(a: int, b: int) -> str | None:
            return next((p for n, p in problems if a <= n <= b), None)

        decoder = _decoder()
        ws = re.compile(r"\s*")

        def skip(pos: int) -> int:
            return ws.match(text, pos).end()  # type: ignore[union-attr]

        pos = skip(0)
        in_array = text.startswith("[", pos)
        if in_array:
            pos = skip(pos + 1)
        opened_at = line_of(0)
        indent: int | None = None
        object_line = re.compile(r"\n([ \t]*)\{")

        same_line = re.compile(r",\s*\{")

        def next_object(start: int, after: int | None = None) -> int:
            """Where to read on after a bad part that starts at *start* (its error at *after*).

            The next line after *start*'s that opens an object at the array's
            indentation, else any line that opens one, else (an array on one
            line) the next ``, {`` after the error.
            """
            fallback = None
            for found in object_line.finditer(text, start):
                if indent is None or len(found.group(1)) == indent:
                    return found.end() - 1
                if fallback is None:
                    fallback = found.end() - 1
            if fallback is not None:
                return fallback
            for inline in same_line.finditer(text, start + 1):
                if inline.end() - 1 >= (after or start):
                    return inline.end() - 1
            return len(text)

        def unreadable(at: int, exc: ValueError | RecursionError) -> BadRow:
            where = exc.pos if isinstance(exc, json.JSONDecodeError) else at
            n = line_of(at)
            problem = problem_in(n, line_of(where))
            if problem:
                return BadRow(
                    n,
                    f"not valid {_codec_label(self.codec)} text ({problem}); {_encoding_hint(self.codec)}",
                )
            later = f" (line {line_of(where)})" if line_of(where) != n else ""
            return BadRow(n, _json_error(exc) + later)

        while pos < len(text):
            if text.startswith("]", pos) and in_array:
                rest = skip(pos + 1)
                if rest >= len(text):
                    return
                n = line_of(rest)
                yield n, BadRow(n, "text after the end of the JSON array; expected nothing")
                pos = next_object(pos, pos)
                continue
            start = pos
            if indent is None:
                indent = start - (text.rfind("\n", 0, start) + 1)
            try:
                value, end = decoder.raw_decode(text, pos)
            except (ValueError, RecursionError) as exc:
                bad = unreadable(start, exc)
                yield bad.line, bad
                where = exc.pos if isinstance(exc, json.JSONDecodeError) else start
                pos = next_object(start, where)
                continue
            n = line_of(start)
            record = self._json_record(n, value, problem_in(n, line_of(max(end - 1, start))))
            yield n, record
            if not isinstance(value, dict):  # what it holds may be rows: read its lines again
                pos = next_object(start)
                continue
            pos = skip(end)
            if text.startswith(",", pos):
                pos = skip(pos + 1)
            elif pos < len(text) and not text.startswith("]", pos) and in_array:
                m = line_of(pos)
                yield m, BadRow(m, "expected ',' or ']' after an object of the JSON array")
                pos = next_object(pos, pos)
        if in_array:
            n = line_of(max(len(text) - 1, 0))
            yield (
                n,
                BadRow(
                    n,
                    f"the JSON array opened on line {opened_at} is not closed; expected ']' at the end (is the file cut short?)",
                ),
            )

    # -- iterating

    def __iter__(self) -> Iterator[tuple[int, dict[str, Any] | BadRow]]:
        if self.format in ("csv", "tsv"):
            if self.header:
                yield from self._csv_rows()
        elif self.format == "jsonl":
            yield from self._jsonl_rows()
        else:
            yield from self._json_rows()


@dataclass(slots=True)
class Chunk:
    """A run of rows of a record file, from :meth:`RecordFile.chunks`.

    ``values[k][i]`` is the text of column ``columns[k]`` (the header's
    named columns, in order) in the plain row on line ``lines[i]``;
    ``others`` has every other record or bad row, with its line. Merged by
    line, the two are what iterating the file gives.
    """

    columns: tuple[str, ...]
    lines: list[int]
    values: list[list[str]]
    others: list[tuple[int, dict[str, Any] | BadRow]]

    def add_rows(self, lines: list[int], rows: list[list[str]]) -> None:
        """Append plain *rows* (texts per named column) read on *lines*."""
        self.lines.extend(lines)
        if rows:
            for target, texts in zip(self.values, zip(*rows, strict=True), strict=True):
                target.extend(texts)

    def record(self, i: int) -> dict[str, str]:
        """The plain row *i* as the record iterating the file gives."""
        return {name: column[i] for name, column in zip(self.columns, self.values, strict=True)}

    def records(self) -> Iterator[tuple[int, dict[str, Any] | BadRow]]:
        """Every row of the chunk as iterating the file gives it, in line order."""
        plain = ((line, self.record(i)) for i, line in enumerate(self.lines))
        if not self.others:
            return cast(Iterator[tuple[int, dict[str, Any] | BadRow]], plain)
        return heapq.merge(plain, self.others, key=lambda item: item[0])


def _rest(head: bytes, stream: IO[bytes]) -> Iterator[bytes]:
    """The lines of *head* and then of *stream* (whose first line may finish *head*'s last)."""
    parts = head.split(b"\n")
    tail = parts.pop()
    for part in parts:
        yield part + b"\n"
    if tail:
        yield tail + stream.readline()
    for line in stream:  # noqa: UP028 - ``yield from`` would close the file with the generator
        yield line


def open_bytes(path: str) -> IO[bytes]:
    """*path* opened for reading bytes (standard input for ``-``); a clear error when it cannot be."""
    if path == "-":
        stdin = sys.stdin
        buffer = getattr(stdin, "buffer", None)
        if buffer is not None:
            return buffer  # type: ignore[no-any-return]
        return io.BytesIO(stdin.read().encode("utf-8"))
    try:
        return open(path, "rb")  # closed by RecordFile.close
    except IsADirectoryError:
        msg = f"{path}: is a folder; expected a file of records"
        raise InputFileError(msg) from None
    except FileNotFoundError:
        msg = f"{path}: no such file"
        raise InputFileError(msg) from None
    except OSError as exc:
        msg = f"{path}: cannot be read ({exc.strerror or exc})"
        raise InputFileError(msg) from None


def read_records(
    stream: IO[str] | IO[bytes], fmt: str | None = None, required: Sequence[str] = ()
) -> Iterator[tuple[int, dict[str, Any] | BadRow]]:
    """``(line, record)`` for every data row of an open *stream* (text or binary).

    The same reading as :class:`RecordFile`; a header without a *required*
    column raises :class:`InputFileError`.
    """
    binary: IO[bytes]
    if isinstance(stream, io.TextIOBase) or hasattr(stream, "encoding"):
        buffer = getattr(stream, "buffer", None)
        text = cast(IO[str], stream)
        binary = buffer if buffer is not None else io.BytesIO(text.read().encode("utf-8"))
    else:
        binary = cast(IO[bytes], stream)
    with RecordFile("<stream>", required, input_format=fmt, stream=binary) as records:
        yield from records
