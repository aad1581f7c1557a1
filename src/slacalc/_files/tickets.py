"""Tickets from records (CSV rows, JSON objects): the fields, their types, their instants.

A record's values must have the types their fields take: text for ids,
instants and channels (a whole number is fine for an id, a severity or an
escalation class), a list of ``{at, kind, value}`` objects (or its JSON text
in CSV) for ``events``. Anything else, a JSON list where a channel belongs
for instance, is a bad row, never turned into text.
"""

from __future__ import annotations

import contextlib
import json
import re
import sys
from array import array
from collections.abc import Iterable, Iterator, Mapping, Sequence
from datetime import datetime
from decimal import Decimal
from itertools import accumulate
from typing import IO, Any

from slacalc._evaluation.tickets import Event, Ticket
from slacalc._files.records import BadRow, read_records, shorten
from slacalc.exceptions import SlacalcError, TicketError

__all__ = [
    "EVENT_COLUMNS",
    "TICKET_COLUMNS",
    "BadRow",
    "DuplicateIds",
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


#: How :class:`DuplicateIds` hashes an id (a test swaps in one whose values collide).
_hash = hash
_LOW32 = 0xFFFF_FFFF


def _room(values: array[int], top: int) -> array[int]:
    """*values*, as 64-bit integers if *top* does not fit their 32 bits."""
    if top <= _LOW32 or values.typecode == "q":
        return values
    return array("q", values)


class DuplicateIds:
    """Ticket ids seen more than once in a file, for one warning at the end.

    >>> seen = DuplicateIds()
    >>> for line, ident in [(2, "A"), (3, "B"), (4, "A"), (5, "A")]:
    ...     seen.add(ident, line)
    >>> seen.warning()
    "1 ticket id appears more than once, each row counted: 'A' (again on lines 4, 5)"

    Compact: a million ids cost 12 bytes each plus their UTF-8 text (a set
    of them costs about 90 bytes each). Each id is kept as a 32-bit hash, its
    line and where its text ends in one buffer; the repeats are found when
    asked for, exactly: the ids whose hashes collide are compared as text.
    """

    def __init__(self) -> None:
        self._hashes = array("I")  # 32-bit hash of each id noted, in order
        self._lines = array("I")  # its line (64-bit once a line needs it)
        self._ends = array("I")  # where its text ends in _text (64-bit once needed)
        self._text = bytearray()  # the ids' UTF-8 text, one after the other
        self._again: dict[str, list[int]] | None = {}

    def add(self, ident: str, line: int) -> None:
        """Note *ident* read on *line* (repeats are found when asked for: :meth:`warning`)."""
        self._hashes.append(_hash(ident) & _LOW32)
        self._text += ident.encode("utf-8", "surrogatepass")
        self._lines = _room(self._lines, line)
        self._lines.append(line)
        self._ends = _room(self._ends, len(self._text))
        self._ends.append(len(self._text))
        self._again = None

    def add_many(self, idents: Sequence[str], lines: Sequence[int]) -> None:
        """Note each of *idents*, read on the matching line of *lines*, in order."""
        if len(idents) != len(lines):
            msg = f"{len(idents)} ids for {len(lines)} lines"
            raise ValueError(msg)
        if not idents:
            return
        encoded = [ident.encode("utf-8", "surrogatepass") for ident in idents]
        self._hashes.extend([_hash(ident) & _LOW32 for ident in idents])
        self._lines = _room(self._lines, max(lines))
        self._lines.extend(lines)
        ends = list(accumulate(map(len, encoded), initial=len(self._text)))
        self._ends = _room(self._ends, ends[-1])
        self._ends.extend(ends[1:])  # the first is where the first new id starts
        self._text += b"".join(encoded)
        self._again = None

    def _repeats(self) -> dict[str, list[int]]:
        """Each id noted more than once: the lines after its first, ids in order of their first repeat."""
        if self._again is not None:
            return self._again
        # only an id whose hash another id shares can be a repeat; those are compared as text
        shared = _shared_values(self._hashes)
        seen: set[str] = set()
        again: dict[str, list[int]] = {}
        for i in _positions_of(self._hashes, shared):
            ident = bytes(self._text[self._ends[i - 1] if i else 0 : self._ends[i]]).decode(
                "utf-8", "surrogatepass"
            )
            if ident in seen:
                again.setdefault(ident, []).append(self._lines[i])
            else:
                seen.add(ident)
        self._again = again
        return again

    def __bool__(self) -> bool:
        return bool(self._repeats())

    def warning(self, shown: int = 10, verb: str = "each row counted") -> str | None:
        """One sentence naming the repeated ids (the first *shown* of them), or None."""
        repeats = self._repeats()
        if not repeats:
            return None
        items = list(repeats.items())
        listed = "; ".join(
            f"{shorten(ident, 40)} (again on line{'s' if len(lines) > 1 else ''} {', '.join(map(str, lines[:5]))}{', …' if len(lines) > 5 else ''})"
            for ident, lines in items[:shown]
        )
        more = f"; and {len(items) - shown} more" if len(items) > shown else ""
        count = len(items)
        noun = "ticket id appears" if count == 1 else "ticket ids appear"
        return f"{count} {noun} more than once, {verb}: {listed}{more}"


def _shared_values(values: array[int]) -> set[int]:
    """The values that occur more than once in *values* (NumPy sorts them when it is installed)."""
    try:
        import numpy as np
    except ImportError:
        once: set[int] = set()
        shared: set[int] = set()
        for value in values:
            if value in once:
                shared.add(value)
            else:
                once.add(value)
        return shared
    ordered = np.sort(np.frombuffer(values, dtype=np.uint32))
    return set(ordered[1:][ordered[1:] == ordered[:-1]].tolist())


def _positions_of(values: array[int], wanted: set[int]) -> Iterator[int]:
    """The positions in *values* of the values in *wanted*, in order."""
    if not wanted:
        return iter(())
    return (i for i, value in enumerate(values) if value in wanted)


@contextlib.contextmanager
def open_input(path: str) -> Iterator[IO[str]]:
    """A text stream of *path* (UTF-8, a byte-order mark skipped; standard input for ``-``).

    For the helpdesk-export readers, which parse JSON exports themselves;
    slacalc's own record files go through :class:`~slacalc._files.records.RecordFile`.
    """
    if path == "-":
        yield sys.stdin
        return
    with open(path, encoding="utf-8-sig", newline="") as stream:
        yield stream
