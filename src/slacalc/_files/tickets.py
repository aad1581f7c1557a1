"""Tickets from records (CSV rows, JSON objects): the fields, their types, their instants.

A record's values must have the types their fields take: text for ids,
instants and channels (a whole number is fine for an id, a severity or an
escalation class), a list of ``{at, kind, value}`` objects (or its JSON text
in CSV) for ``events``. Anything else, a JSON list where a channel belongs
for instance, is a bad row, never turned into text.
"""

from __future__ import annotations

import contextlib
import io
import json
import re
import sys
from collections.abc import Iterable, Iterator, Mapping
from datetime import datetime
from decimal import Decimal
from typing import IO, Any

from slacalc._evaluation.tickets import Event, Ticket
from slacalc._files.records import BadRow, open_bytes, read_records, shorten, undecodable
from slacalc.exceptions import InputFileError, SlacalcError, TicketError

__all__ = [
    "EVENT_COLUMNS",
    "TICKET_COLUMNS",
    "BadRow",
    "not_utf8",
    "open_input",
    "parse_instant",
    "read_records",
    "read_tickets",
    "ticket_from_mapping",
    "ticket_or_bad_row",
]

#: The columns every ticket file has.
TICKET_COLUMNS = ("id", "opened_at", "severity")

#: Optional CSV columns that become events: column -> (event kind, value column or None).
EVENT_COLUMNS: dict[str, tuple[str, str | None]] = {
    "escalated_at": ("escalation", "escalation"),
    "escalation_responded_at": ("escalation_response", None),
    "dispatched_at": ("dispatch", None),
    "resolved_at": ("resolved", None),
}

_EXAMPLE = "2026-04-02T18:00:00+02:00"
#: Characters an id, a severity, a channel or an event kind never holds: C0/C1 controls
#: (a tab or a newline inside a quoted CSV field, for one) and Unicode line separators.
_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029]")
_OFFSET = re.compile(r"T[\d:.,]+([+-](\d{2}):?\d{2}(?::?\d{2}(?:\.\d+)?)?)$")


def _kind(value: object) -> str:
    if isinstance(value, bool):
        return "true/false"
    if isinstance(value, list | tuple):
        return "a list"
    if isinstance(value, Mapping):
        return "an object"
    if isinstance(value, int | float | Decimal):
        return "a number"
    return type(value).__name__


def parse_instant(field: str, value: object, ident: str | None = None) -> datetime:
    """An aware datetime from an ISO 8601 string with an offset (or ``Z``).

    >>> parse_instant("opened_at", "2026-04-02T18:00:00+02:00").isoformat()
    '2026-04-02T18:00:00+02:00'
    """
    where = f"ticket {ident!r}: " if ident else ""
    expected = f"expected ISO 8601 with an offset, e.g. {_EXAMPLE}"
    if isinstance(value, datetime):
        dt = value
    elif isinstance(value, str):
        text = value.strip()
        # fromisoformat is lenient with characters it does not expect (a NUL, for one)
        if len(text) > 64 or not text.isprintable() or not text.isascii():
            msg = f"{where}{field}: invalid instant {shorten(value)}; {expected}"
            raise TicketError(msg)
        try:
            dt = datetime.fromisoformat(text)
        except ValueError:
            written = _OFFSET.search(text)
            if written is not None and int(written.group(2)) >= 24:
                msg = f"{where}{field}: instant {shorten(value)} has the offset {written.group(1)}, out of range; expected an offset strictly between -24:00 and +24:00"
            else:
                msg = f"{where}{field}: invalid instant {shorten(value)}; {expected}"
            raise TicketError(msg) from None
    else:
        msg = f"{where}{field}: expected an instant as text ({expected}); got {_kind(value)} {shorten(value)}"
        raise TicketError(msg)
    try:
        offset = dt.utcoffset()
    except (ValueError, OverflowError, TypeError) as exc:  # a tzinfo that answers nonsense
        msg = f"{where}{field}: instant {shorten(value)} has an invalid UTC offset ({exc}); expected an offset strictly between -24:00 and +24:00"
        raise TicketError(msg) from None
    if dt.tzinfo is None or offset is None:
        msg = f"{where}{field}: instant {shorten(value)} has no UTC offset; expected e.g. {_EXAMPLE} (naive times are never assumed local)"
        raise TicketError(msg)
    return dt


def _missing(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _text(
    row: Mapping[str, Any], key: str, ident: str | None, *, whole: bool = False, strip: bool = True
) -> str | None:
    """The text of field *key* (None when absent or blank); a number only if *whole*."""
    value = row.get(key)
    if value is None:
        return None
    if isinstance(value, str):
        if not value or value.isspace():
            return None
        bad = _CONTROL.search(value)
        if bad is not None:
            where = f"ticket {ident!r}: " if ident else ""
            msg = f"{where}{key}: {shorten(value)} holds the control character U+{ord(bad.group()):04X}; expected one line of text"
            raise TicketError(msg)
        return value.strip() if strip else value
    if whole and isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    where = f"ticket {ident!r}: " if ident else ""
    expected = "text or a whole number" if whole else "text"
    msg = f"{where}{key}: expected {expected}; got {_kind(value)} {shorten(value)}"
    raise TicketError(msg)


def _events(raw: Any, ident: str) -> list[Event]:
    if isinstance(raw, str):
        try:
            raw = json.loads(raw)
        except (ValueError, RecursionError):
            msg = f"ticket {ident!r}: events: invalid JSON {shorten(raw)}; expected a list of {{at, kind, value}}"
            raise TicketError(msg) from None
    if not isinstance(raw, list | tuple):
        msg = (
            f"ticket {ident!r}: events: expected a list of {{at, kind, value}}; got {shorten(raw)}"
        )
        raise TicketError(msg)
    events: list[Event] = []
    for item in raw:
        if not isinstance(item, Mapping) or "at" not in item or "kind" not in item:
            msg = f"ticket {ident!r}: events: invalid event {shorten(item)}; expected an object with at, kind and value"
            raise TicketError(msg)
        kind = _text(item, "kind", ident)
        if kind is None:
            msg = f"ticket {ident!r}: events: event {shorten(item)} has no kind; expected e.g. pause, resume, severity"
            raise TicketError(msg)
        value = _text(item, "value", ident, whole=True)
        events.append(Event(parse_instant("events.at", item["at"], ident), kind, value))
    return events


def ticket_from_mapping(row: Mapping[str, Any]) -> Ticket:
    """A :class:`Ticket` from a CSV row or a JSON object.

    Keys: ``id``, ``opened_at``, ``severity`` (required), ``responded_at``,
    ``channel``, ``events`` (JSON: a list of ``{"at", "kind", "value"}``), and
    the optional CSV columns ``escalated_at`` + ``escalation``,
    ``escalation_responded_at``, ``dispatched_at``, ``resolved_at``.

    >>> ticket_from_mapping({"id": "T-1", "opened_at": "2026-03-02T09:00:00+01:00", "severity": 2}).severity
    '2'
    >>> ticket_from_mapping({"id": "T-1", "opened_at": "2026-03-02T09:00:00+01:00", "severity": 2, "channel": ["ticket"]})
    Traceback (most recent call last):
      ...
    slacalc.exceptions.TicketError: ticket 'T-1': channel: expected text; got a list ['ticket']
    """
    missing = [k for k in TICKET_COLUMNS if _missing(row.get(k))]
    if missing:
        msg = f"missing required field {missing[0]!r}; expected id, opened_at and severity"
        raise TicketError(msg)
    ident = _text(row, "id", None, whole=True)
    assert ident is not None
    opened = parse_instant("opened_at", row["opened_at"], ident)
    severity = _text(row, "severity", ident, whole=True)
    assert severity is not None
    channel = _text(row, "channel", ident, strip=False)
    responded = row.get("responded_at")
    events: list[Event] = []
    raw_events = row.get("events")
    if raw_events is not None and not (isinstance(raw_events, str) and not raw_events.strip()):
        events += _events(raw_events, ident)
    for column, (kind, value_column) in EVENT_COLUMNS.items():
        at = row.get(column)
        if at is None or (type(at) is str and not at.strip()):
            continue
        value = None if value_column is None else _text(row, value_column, ident, whole=True)
        if kind == "escalation" and value is None:
            value = "normal"
        events.append(Event(parse_instant(column, at, ident), kind, value))
    return Ticket(
        ident,
        opened,
        severity,
        channel=channel,
        responded_at=None
        if _missing(responded)
        else parse_instant("responded_at", responded, ident),
        events=events,
    )


def _ident(row: Mapping[str, Any]) -> str | None:
    value = row.get("id")
    if isinstance(value, str) and value.strip():
        return value.strip()
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    return None


def ticket_or_bad_row(line: int, row: Mapping[str, Any] | BadRow) -> Ticket | BadRow:
    """The ticket of a record, or a :class:`BadRow` saying why there is none."""
    if isinstance(row, BadRow):
        return row
    try:
        return ticket_from_mapping(row)
    except SlacalcError as exc:
        return BadRow(line, str(exc), ident=_ident(row))


def read_tickets(
    records: Iterable[tuple[int, Mapping[str, Any] | BadRow]],
) -> Iterator[tuple[int, Ticket | BadRow]]:
    """``(line, ticket)`` or ``(line, BadRow)`` for every record of a ticket file.

    *records* is a :class:`~slacalc._files.records.RecordFile` opened with
    :data:`TICKET_COLUMNS` required, or any ``(line, record)`` pairs.
    """
    for line, record in records:
        yield line, ticket_or_bad_row(line, record)


@contextlib.contextmanager
def open_input(path: str) -> Iterator[IO[str]]:
    """A text stream of *path* (UTF-8, a byte-order mark skipped; standard input for ``-``).

    For the helpdesk-export readers, which parse JSON exports themselves;
    slacalc's own record files go through :class:`~slacalc._files.records.RecordFile`.
    """
    try:
        if path == "-":
            yield sys.stdin
            return
        # the same errors as slacalc's own files for a missing file or a folder
        with io.TextIOWrapper(open_bytes(path), encoding="utf-8-sig", newline="") as stream:
            yield stream
    except UnicodeDecodeError:
        raise not_utf8(path) from None


def not_utf8(path: str) -> InputFileError:
    """The error for an export that is not UTF-8 text, naming its first undecodable byte.

    The text stream decodes blocks of the file, so the place is found again
    by decoding the file's lines one by one (only when the error happened).
    """
    where = ""
    if path != "-":
        with open(path, "rb") as raw:
            for number, line in enumerate(raw, start=1):
                try:
                    line.decode("utf-8")
                except UnicodeDecodeError as exc:
                    where = f"line {number}: {undecodable(line, exc)}: "
                    break
    name = "standard input" if path == "-" else path
    return InputFileError(
        f"{name}: {where}not UTF-8 text; helpdesk exports are read as UTF-8: convert the file "
        "first (for example `iconv -f WINDOWS-1252 -t UTF-8`)"
    )
