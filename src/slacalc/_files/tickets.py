"""Reading tickets from CSV and JSON Lines, one row at a time, reporting bad rows."""

from __future__ import annotations

import contextlib
import csv
import json
import sys
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import IO, Any

from slacalc._evaluation.tickets import Event, Ticket
from slacalc.exceptions import SlacalcError, TicketError

__all__ = ["BadRow", "parse_instant", "read_records", "read_tickets", "ticket_from_mapping"]

#: Optional CSV columns that become events: column -> (event kind, value column or None).
EVENT_COLUMNS: dict[str, tuple[str, str | None]] = {
    "escalated_at": ("escalation", "escalation"),
    "escalation_responded_at": ("escalation_response", None),
    "dispatched_at": ("dispatch", None),
    "resolved_at": ("resolved", None),
}


@dataclass(frozen=True, slots=True)
class BadRow:
    """A row that could not be read: its line number in the file and why."""

    line: int
    message: str


def parse_instant(field: str, value: object, ident: str | None = None) -> datetime:
    """An aware datetime from an ISO 8601 string with an offset (or ``Z``)."""
    where = f"ticket {ident!r}: " if ident else ""
    if isinstance(value, datetime):
        dt = value
    elif isinstance(value, str):
        try:
            dt = datetime.fromisoformat(value.strip())
        except ValueError:
            msg = f"{where}{field}: invalid instant {value!r}; expected ISO 8601 with an offset, e.g. 2026-04-02T18:00:00+02:00"
            raise TicketError(msg) from None
    else:
        msg = f"{where}{field}: invalid instant {value!r}; expected ISO 8601 with an offset, e.g. 2026-04-02T18:00:00+02:00"
        raise TicketError(msg)
    if dt.tzinfo is None or dt.utcoffset() is None:
        msg = f"{where}{field}: instant {value!r} has no UTC offset; expected e.g. 2026-04-02T18:00:00+02:00 (naive times are never assumed local)"
        raise TicketError(msg)
    return dt


def _opt(row: Mapping[str, Any], key: str) -> Any:
    value = row.get(key)
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    return value


def ticket_from_mapping(row: Mapping[str, Any]) -> Ticket:
    """A :class:`Ticket` from a CSV row or a JSON object.

    Keys: ``id``, ``opened_at``, ``severity`` (required), ``responded_at``,
    ``channel``, ``events`` (JSON: a list of ``{"at", "kind", "value"}``), and
    the optional CSV columns ``escalated_at`` + ``escalation``,
    ``escalation_responded_at``, ``dispatched_at``, ``resolved_at``.
    """
    missing = [k for k in ("id", "opened_at", "severity") if _opt(row, k) is None]
    if missing:
        msg = f"missing required field {missing[0]!r}; expected id, opened_at and severity"
        raise TicketError(msg)
    ident = str(row["id"]).strip()
    opened = parse_instant("opened_at", row["opened_at"], ident)
    responded = _opt(row, "responded_at")
    events: list[Event] = []
    raw_events = row.get("events")
    if raw_events:
        if isinstance(raw_events, str):
            try:
                raw_events = json.loads(raw_events)
            except json.JSONDecodeError:
                msg = f"ticket {ident!r}: events: invalid JSON {raw_events!r}; expected a list of {{at, kind, value}}"
                raise TicketError(msg) from None
        if not isinstance(raw_events, list):
            msg = f"ticket {ident!r}: events: expected a list of {{at, kind, value}}; got {raw_events!r}"
            raise TicketError(msg)
        for item in raw_events:
            if not isinstance(item, Mapping) or "at" not in item or "kind" not in item:
                msg = f"ticket {ident!r}: events: invalid event {item!r}; expected an object with at, kind and value"
                raise TicketError(msg)
            value = item.get("value")
            events.append(
                Event(
                    parse_instant("events.at", item["at"], ident),
                    str(item["kind"]),
                    None if value is None else str(value),
                )
            )
    for column, (kind, value_column) in EVENT_COLUMNS.items():
        if column not in row:
            continue
        at = _opt(row, column)
        if at is not None:
            value = None if value_column is None else _opt(row, value_column)
            if kind == "escalation" and value is None:
                value = "normal"
            events.append(
                Event(parse_instant(column, at, ident), kind, None if value is None else str(value))
            )
    return Ticket(
        ident,
        opened,
        str(row["severity"]),
        channel=_opt(row, "channel"),
        responded_at=None if responded is None else parse_instant("responded_at", responded, ident),
        events=events,
    )


@contextlib.contextmanager
def open_input(path: str) -> Iterator[IO[str]]:
    """The ticket file (standard input for ``-``, left open: it is not ours)."""
    if path == "-":
        yield sys.stdin
        return
    # utf-8-sig: spreadsheet exports often start with a byte-order mark
    with open(path, encoding="utf-8-sig", newline="") as stream:
        yield stream


TICKET_COLUMNS = ("id", "opened_at", "severity")


def read_tickets(stream: IO[str], fmt: str) -> Iterator[tuple[int, Ticket | BadRow]]:
    """Yield ``(line, ticket)`` or ``(line, BadRow)`` for every data row of *stream*."""
    for line, record in read_records(stream, fmt, TICKET_COLUMNS):
        yield line, ticket_or_bad_row(line, record)


def read_records(
    stream: IO[str], fmt: str, required: Sequence[str] = ()
) -> Iterator[tuple[int, dict[str, Any] | BadRow]]:
    """Yield ``(line, record)`` for every data row of a CSV or JSON Lines *stream*.

    CSV needs a header (names are stripped and lower-cased) naming at least
    the *required* columns; JSON Lines holds one object per line. A row that
    is not a record at all (wrong number of fields, invalid JSON) comes as a
    :class:`BadRow` with its line number; blank lines are skipped.
    """
    if fmt == "jsonl":
        for line, text in enumerate(stream, start=1):
            if not text.strip():
                continue
            try:
                obj = json.loads(text)
            except json.JSONDecodeError as exc:
                yield line, BadRow(line, f"invalid JSON: {exc.msg} at column {exc.colno}")
                continue
            if not isinstance(obj, dict):
                yield (
                    line,
                    BadRow(line, f"expected a JSON object per line; got {type(obj).__name__}"),
                )
                continue
            yield line, obj
        return
    reader = csv.reader(stream)
    header = [h.strip().lower() for h in next(reader, [])]
    if not header:
        return
    missing = [k for k in required if k not in header]
    if missing:
        expected = ",".join(required)
        yield 1, BadRow(1, f"header: missing column {missing[0]!r}; expected at least {expected}")
        return
    width = len(header)
    for values in reader:
        line = reader.line_num
        if not values or all(not v.strip() for v in values):
            continue
        if len(values) != width:
            yield (
                line,
                BadRow(line, f"expected {width} fields ({','.join(header)}); got {len(values)}"),
            )
            continue
        yield line, dict(zip(header, values, strict=True))


def ticket_or_bad_row(line: int, row: Mapping[str, Any] | BadRow) -> Ticket | BadRow:
    """The ticket of a record, or a :class:`BadRow` saying why there is none."""
    if isinstance(row, BadRow):
        return row
    try:
        return ticket_from_mapping(row)
    except SlacalcError as exc:
        return BadRow(line, str(exc))


def tickets_or_raise(rows: Iterable[tuple[int, Ticket | BadRow]]) -> list[Ticket]:
    """All tickets, or a TicketError listing every bad row."""
    good: list[Ticket] = []
    bad: list[BadRow] = []
    for _, item in rows:
        (bad if isinstance(item, BadRow) else good).append(item)  # type: ignore[arg-type]
    if bad:
        msg = "; ".join(f"line {b.line}: {b.message}" for b in bad)
        raise TicketError(msg)
    return good
