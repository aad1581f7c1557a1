"""Writing records as CSV, JSON Lines or JSON, with real types, and their JSON Schema.

Every command's output record is a :class:`RecordSchema`: named, typed
columns. The one table drives the CSV header, the JSON values and the
published schema, so the three cannot disagree:

=========  ==================================  =================================
kind       JSON                                CSV
=========  ==================================  =================================
text       string                              the text
instant    ISO 8601 string with its offset     the same
date       ``YYYY-MM-DD`` string               the same
seconds    number: whole seconds, or exact     the same digits
           decimals (``0.000001``), never a
           lossy float
integer    number                              digits
decimal    number, its exact digits            the same digits
boolean    ``true`` / ``false``                ``true`` / ``false``
missing    ``null``                            empty
=========  ==================================  =================================
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import IO, Any, Literal

__all__ = [
    "OUTPUT_FORMATS",
    "Column",
    "RecordSchema",
    "RecordWriter",
    "csv_text",
    "json_string",
    "json_text",
    "seconds",
    "seconds_of_us",
]

#: The output formats, as ``--format`` names them.
OUTPUT_FORMATS = ("csv", "jsonl", "json")

Kind = Literal["text", "instant", "date", "seconds", "integer", "decimal", "boolean"]

_US = timedelta(microseconds=1)

#: ISO 8601 as ``datetime.isoformat`` writes an aware instant (offsets of old zones have seconds).
INSTANT_PATTERN = (
    r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,6})?(Z|[+-]\d{2}:\d{2}(:\d{2}(\.\d{1,6})?)?)$"
)
DATE_PATTERN = r"^\d{4}-\d{2}-\d{2}$"


def seconds(value: timedelta) -> int | Decimal:
    """A duration in seconds, exactly: an ``int`` when whole, else a ``Decimal`` to the microsecond.

    This is the one formatter of durations for machines (``format_timedelta``
    in the time engine is the one for people).

    >>> seconds(timedelta(minutes=20)), seconds(timedelta(microseconds=1)), seconds(timedelta(seconds=-1.5))
    (1200, Decimal('0.000001'), Decimal('-1.5'))
    """
    return seconds_of_us(value // _US)


def seconds_of_us(us: int) -> int | Decimal:
    """:func:`seconds` of a duration of *us* microseconds (kept as an int: no ``timedelta`` built).

    >>> seconds_of_us(1_200_000_000), seconds_of_us(-1_500_000)
    (1200, Decimal('-1.5'))
    """
    whole, frac = divmod(abs(us), 1_000_000)
    sign = "-" if us < 0 else ""
    if not frac:
        return -whole if us < 0 else whole
    return Decimal(f"{sign}{whole}.{frac:06d}".rstrip("0"))


def _decimal_text(value: Decimal) -> str:
    if not value.is_finite():
        msg = f"cannot write {value!r}: expected a finite number"
        raise ValueError(msg)
    return format(value, "f")


#: Characters JSON allows raw in a string that line-splitting readers take for line ends.
_LINE_ENDS = {"\u2028": "\\u2028", "\u2029": "\\u2029", "\x85": "\\u0085"}
_LINE_END = re.compile("[\u2028\u2029\x85]")


def json_string(text: str) -> str:
    """A JSON string: UTF-8 kept readable, but never a character a JSON Lines reader splits on."""
    encoded = json.dumps(text, ensure_ascii=False)
    return _LINE_END.sub(lambda m: _LINE_ENDS[m.group()], encoded)


def json_text(value: Any, indent: int | None = None, _level: int = 0) -> str:
    """*value* as JSON text, with decimals as exact numbers and instants as ISO 8601.

    >>> json_text({"late_by_seconds": Decimal("0.000001"), "met": False, "due_at": None})
    '{"late_by_seconds": 0.000001, "met": false, "due_at": null}'
    """
    if value is None:
        return "null"
    if value is True:
        return "true"
    if value is False:
        return "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, Decimal):
        return _decimal_text(value)
    if isinstance(value, float):
        return json.dumps(value, allow_nan=False)
    if isinstance(value, str):
        return json_string(value)
    if isinstance(value, datetime | date):
        return json.dumps(value.isoformat())
    if isinstance(value, timedelta):
        return json_text(seconds(value))
    if isinstance(value, Mapping):
        items = [(json_string(str(k)), v) for k, v in value.items()]
        if not items:
            return "{}"
        if indent is None:
            return "{" + ", ".join(f"{k}: {json_text(v)}" for k, v in items) + "}"
        pad = " " * (indent * (_level + 1))
        inner = ",\n".join(f"{pad}{k}: {json_text(v, indent, _level + 1)}" for k, v in items)
        return "{\n" + inner + "\n" + " " * (indent * _level) + "}"
    if isinstance(value, list | tuple):
        if not value:
            return "[]"
        if indent is None:
            return "[" + ", ".join(json_text(v) for v in value) + "]"
        pad = " " * (indent * (_level + 1))
        inner = ",\n".join(pad + json_text(v, indent, _level + 1) for v in value)
        return "[\n" + inner + "\n" + " " * (indent * _level) + "]"
    msg = f"cannot write {type(value).__name__} {value!r} as JSON"
    raise TypeError(msg)


def csv_text(value: Any) -> str:
    """*value* as one CSV field: empty for missing, ``true``/``false``, exact digits.

    >>> [csv_text(v) for v in (None, True, Decimal("164.38"), timedelta(seconds=1200))]
    ['', 'true', '164.38', '1200']
    """
    if value is None:
        return ""
    if value is True:
        return "true"
    if value is False:
        return "false"
    if isinstance(value, Decimal):
        return _decimal_text(value)
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, timedelta):
        return csv_text(seconds(value))
    return str(value)


@dataclass(frozen=True, slots=True)
class Column:
    """One column of an output record: its name, kind, meaning, and whether it may be missing."""

    name: str
    kind: Kind
    description: str
    nullable: bool = False
    enum: tuple[str, ...] | None = None

    def json_schema(self) -> dict[str, Any]:
        """The JSON Schema of the column's values."""
        base: dict[str, Any] = {
            "text": {"type": "string"},
            "instant": {"type": "string", "format": "date-time", "pattern": INSTANT_PATTERN},
            "date": {"type": "string", "format": "date", "pattern": DATE_PATTERN},
            "seconds": {"type": "number"},
            "integer": {"type": "integer"},
            "decimal": {"type": "number"},
            "boolean": {"type": "boolean"},
        }[self.kind]
        schema = {"description": self.description, **base}
        if self.enum is not None:
            schema["enum"] = [*self.enum, *([None] if self.nullable else [])]
        if self.nullable:
            schema["type"] = [base["type"], "null"]
        return schema


@dataclass(frozen=True, slots=True)
class RecordSchema:
    """The record a command writes: a name, a description and its columns, in order."""

    name: str
    description: str
    columns: tuple[Column, ...]

    @property
    def names(self) -> tuple[str, ...]:
        """The column names, in order (the CSV header)."""
        return tuple(c.name for c in self.columns)

    def json_schema(self) -> dict[str, Any]:
        """A JSON Schema (draft 2020-12) of one record, as JSON Lines writes it."""
        return {
            "$schema": "https://json-schema.org/draft/2020-12/schema",
            "title": f"slacalc {self.name} record",
            "description": self.description,
            "type": "object",
            "properties": {c.name: c.json_schema() for c in self.columns},
            "required": list(self.names),
            "additionalProperties": False,
        }


def _csv_converter(kind: Kind) -> Callable[[Any], str]:
    """The fast CSV conversion of one column's values (``csv_text`` for what is unusual)."""
    if kind == "text":
        return lambda v: "" if v is None else v if type(v) is str else csv_text(v)
    if kind in ("instant", "date"):
        return lambda v: "" if v is None else v.isoformat()
    if kind == "integer":
        return lambda v: "" if v is None else str(v) if type(v) is int else csv_text(v)
    if kind == "seconds":
        return _seconds_text
    return csv_text


def _seconds_text(value: Any) -> str:
    if type(value) is int:  # already seconds (seconds_of_us)
        return str(value)
    if type(value) is timedelta and not value.microseconds:
        return str(value.days * 86_400 + value.seconds)
    return csv_text(value)


class RecordWriter:
    """Writes records of one :class:`RecordSchema` to *out* as CSV, JSON Lines or a JSON array.

    Call :meth:`write` per record and :meth:`close` at the end (a JSON array
    needs its closing bracket; an empty one is ``[]``).
    """

    def __init__(self, out: IO[str], fmt: str, schema: RecordSchema) -> None:
        if fmt not in OUTPUT_FORMATS:
            msg = f"--format: unknown output format {fmt!r}; expected one of {', '.join(OUTPUT_FORMATS)}"
            raise ValueError(msg)
        self.out = out
        self.format = fmt
        self.schema = schema
        self.count = 0
        self._names = schema.names
        self._csv: Any = None
        self._convert = [(c.name, _csv_converter(c.kind)) for c in schema.columns]
        if fmt == "csv":
            self._csv = csv.writer(out, lineterminator="\n")
            self._csv.writerow(self._names)

    def write(self, record: Mapping[str, Any]) -> None:
        """Write one record (a mapping with every column of the schema)."""
        self.write_encoded([self.encode(record)])

    def encode(self, record: Mapping[str, Any]) -> Any:
        """*record* as this writer's format holds it: CSV field texts, or one JSON object's text."""
        if self._csv is not None:
            return [convert(record[name]) for name, convert in self._convert]
        return json_text({n: record[n] for n in self._names})

    def write_encoded(self, items: Sequence[Any]) -> None:
        """Write records already encoded (by :meth:`encode`, or the same text made otherwise).

        A CSV record may also be its line, joined already (no line end): the
        caller vouches that no field needed quotes.
        """
        if items:
            self.write_block(self.block(items), len(items))

    def block(self, items: Sequence[Any]) -> str:
        """The text of the encoded records *items*, for :meth:`write_block` (of a writer of this format).

        ``slacalc evaluate --jobs`` has its workers make the text of their
        records, and the command writes it.
        """
        if self._csv is None:
            return ("\n".join(items) + "\n") if self.format == "jsonl" else ",\n  ".join(items)
        # a CSV record is its fields (a list), or its line already joined (a str)
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\n")
        start = 0
        for end in range(len(items) + 1):
            if end == len(items) or isinstance(items[end], str) != isinstance(items[start], str):
                run = items[start:end]
                if run and isinstance(run[0], str):
                    out.write("\n".join(run) + "\n")
                elif run:
                    writer.writerows(run)
                start = end
        return out.getvalue()

    def write_block(self, text: str, count: int) -> None:
        """Write *text*, the :meth:`block` of *count* records (nothing when there are none)."""
        if not count:
            return
        if self.format == "json":
            self.out.write(("[\n  " if self.count == 0 else ",\n  ") + text)
        else:
            self.out.write(text)
        self.count += count

    def write_all(self, records: Sequence[Mapping[str, Any]]) -> None:
        """Write every record of *records*."""
        for record in records:
            self.write(record)

    def close(self) -> None:
        """Finish the output (the JSON array's closing bracket)."""
        if self.format == "json":
            self.out.write("[]\n" if self.count == 0 else "\n]\n")
