"""The ``events`` source: a long event log, one row per thing that happened to a ticket.

Columns ``ticket_id,at,kind,value`` (CSV with a header, or JSON Lines with
those keys). Kinds: ``opened`` (value: the severity; exactly one per ticket),
``channel`` and ``customer`` (value: the ticket's channel / organisation;
``at`` may be empty), and the ticket event kinds ``severity``, ``pause``,
``resume``, ``response``, ``escalation``, ``escalation_response``,
``dispatch``, ``resolved``, ``message`` (value ``customer`` / ``agent``) and
``status``. The rows of one ticket may come in any order among themselves;
how the tickets may interleave is the reader's ``order`` (see
:mod:`slacalc._files.sources.grouping`).
"""

from __future__ import annotations

import csv
from collections.abc import Iterable, Iterator
from datetime import datetime
from itertools import chain
from operator import itemgetter
from typing import IO, Any

from slacalc._evaluation.tickets import EVENT_KINDS
from slacalc._files.records import FIELD_LIMIT, csv_problem
from slacalc._files.sources._core import BadRecord, Draft, Mapping, RecordError, Tally, bad, instant
from slacalc._files.sources.grouping import Order, RecentIds, Split, group_rows
from slacalc._files.tickets import BadRow, read_records
from slacalc.exceptions import SlacalcError

__all__ = ["KINDS", "CsvProblem", "csv_records", "event_rows", "read_events"]

KINDS: tuple[str, ...] = ("opened", "channel", "customer", *EVENT_KINDS)
_KIND_SET = frozenset(KINDS)
#: The kinds as a log writes them, to their names (others are stripped and lowercased).
_KIND_OF = {kind: kind for kind in KINDS}
COLUMNS = ("ticket_id", "at", "kind")


def read_events(
    stream: IO[str],
    fmt: str,
    mapping: Mapping,
    tally: Tally,
    order: Order = "grouped",
    *,
    first_line: int = 1,
    header: str | None = None,
    recent: RecentIds | None = None,
    groups: list[tuple[str, bool]] | None = None,
) -> Iterator[tuple[int, Any]]:
    """Yield ``(line, ticket)`` or ``(line, BadRecord)`` for every ticket of the log.

    A part of a log (``slacalc evaluate --jobs``) is read with *first_line*,
    the number of the stream's first line in the log, and for CSV the log's
    *header* line (the stream then holds rows only); *recent* holds the
    tickets read before the part, for the came-back check (grouped order).
    *groups*, when given, gets ``(ticket id, came back)`` for each group of
    rows read, in order.
    """
    unreadable: list[BadRecord] = []
    rows = event_rows(stream, fmt, unreadable, first_line, header)
    split: set[str] = set()
    for item in group_rows(rows, order, recent):
        while unreadable:
            b = unreadable.pop(0)
            yield b.line, b
        if isinstance(item, Split):
            split.add(item.ticket_id)
            continue
        ident, group = item
        first = group[0][0]
        if groups is not None:
            groups.append((ident, ident in split))
        if ident in split:
            split.discard(ident)
            yield (
                first,
                BadRecord(
                    first,
                    f"line {first} (ticket {ident!r}): the ticket's rows came back here after other "
                    "tickets' rows, and its earlier rows were already read as a ticket; sort the log "
                    "by ticket_id, or read it with order='any' (--events-order any)",
                    first,
                    ident,
                    "ticket_id",
                    ident,
                ),
            )
            continue
        yield from _ticket(ident, group, mapping, tally)
    while unreadable:
        b = unreadable.pop(0)
        yield b.line, b


def event_rows(
    stream: IO[str],
    fmt: str,
    unreadable: list[BadRecord],
    first_line: int = 1,
    header: str | None = None,
) -> Iterator[tuple[int, str, Any]]:
    """``(line, ticket id, [at, kind, value])`` for every row of the log with a ticket id.

    A row that cannot be read is added to *unreadable* instead (and read on).
    *first_line* and *header*: as :func:`read_events` has them.
    """
    if fmt == "jsonl":
        shift = first_line - 1
        for line, record in read_records(stream, "jsonl", COLUMNS):
            line += shift
            if isinstance(record, BadRow):
                unreadable.append(BadRecord(line, f"line {line}: {record.message}", line))
                continue
            ident = str(record.get("ticket_id") or "").strip()
            if not ident:
                unreadable.append(_no_id(line, record.get("ticket_id")))
                continue
            yield line, ident, [record.get("at"), record.get("kind"), record.get("value")]
        return
    # CSV: csv.reader and column positions, no dict per row (a log has millions of rows)
    if header is None:
        records = csv_records(stream)
        shift = first_line - 1
    else:  # a part: the header line, then the part's rows from line first_line on
        records = csv_records(chain((header,), stream))
        shift = first_line - 2
    first = next(records, None)
    if isinstance(first, CsvProblem):  # the header itself cannot be read
        unreadable.append(BadRecord(1, f"line 1: header: {first.message}", 1))
        return
    if first is None:  # an empty log
        return
    names = [h.strip().lower() for h in first[1]]
    missing = [c for c in COLUMNS if c not in names]
    if missing:  # a blank first line too: the rows after it cannot be read without a header
        unreadable.append(
            BadRecord(
                1,
                f"line 1: header: missing column {missing[0]!r}; expected ticket_id,at,kind,value",
                1,
            )
        )
        return
    i_id, i_at, i_kind = (names.index(c) for c in COLUMNS)
    i_value = names.index("value") if "value" in names else None
    width = len(names)
    for row in records:
        if isinstance(row, CsvProblem):
            line = row.line + shift
            unreadable.append(BadRecord(line, f"line {line}: {row.text(shift)}", line))
            continue
        line = row[0] + shift
        values = row[1]
        if len(values) != width:
            if not values or not any(v.strip() for v in values):
                continue
            unreadable.append(
                BadRecord(
                    line,
                    f"line {line}: expected {width} fields ({','.join(names)}); got {len(values)}",
                    line,
                )
            )
            continue
        ident = values[i_id].strip()
        if not ident:
            unreadable.append(_no_id(line, values[i_id]))
            continue
        yield (
            line,
            ident,
            [values[i_at], values[i_kind], None if i_value is None else values[i_value]],
        )


class CsvProblem:
    """A CSV record the ``csv`` module cannot read: its first line's number, its lines, the module's words."""

    __slots__ = ("line", "lines", "message")

    def __init__(self, line: int, lines: list[str], message: str) -> None:
        self.line = line
        self.lines = lines
        self.message = message

    def text(self, shift: int = 0) -> str:
        """The problem in words, its lines numbered *shift* on (a part of a log)."""
        start = self.line + shift
        return csv_problem(self.message, start, start + len(self.lines) - 1, self.lines[0])

    @property
    def at_end(self) -> bool:
        """A quote still open at the end of the text: where the record ends depends on what follows."""
        return self.message.startswith("unexpected end of data")


def csv_records(lines: Iterable[str]) -> Iterator[tuple[int, list[str]] | CsvProblem]:
    """``(line, fields)`` for each CSV record of *lines* (*line*: the number of its first line, from 1).

    Read strictly, as slacalc's record reader reads CSV: a record the
    ``csv`` module cannot read (a quote never closed, text after a closing
    quote) is a :class:`CsvProblem`, and the lines after its first are read
    again as records of their own, so one bad quote costs one row and no
    value swallows the rows after it.
    """
    if csv.field_size_limit() < FIELD_LIMIT:
        csv.field_size_limit(FIELD_LIMIT)
    used: list[str] = []  # the lines of the record being read
    keep = used.append

    def feed(source: Iterator[str]) -> Iterator[str]:
        for text in source:
            keep(text)
            yield text

    source = iter(lines)
    number = 1
    reader = csv.reader(feed(source), strict=True)
    while True:
        used.clear()
        try:
            fields = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            if not used:  # pragma: no cover - the csv module reads before it fails
                return
            yield CsvProblem(number, list(used), str(exc))
            source = chain(used[1:], source)  # the lines after its first, read again
            number += 1
            reader = csv.reader(feed(source), strict=True)
            continue
        yield number, fields
        number += len(used)


def _no_id(line: int, value: object) -> BadRecord:
    return BadRecord(
        line,
        f"line {line}: ticket_id: missing; expected the ticket's id",
        line,
        None,
        "ticket_id",
        value,
    )


def _ticket(
    ident: str, group: list[tuple[int, Any]], mapping: Mapping, tally: Tally
) -> Iterator[tuple[int, Any]]:
    first = min(map(itemgetter(0), group))
    opened: tuple[int, datetime, str] | None = None
    channel = customer = None
    events: list[tuple[int, datetime, str, str | None]] = []
    errors: list[BadRecord] = []
    fromisoformat = datetime.fromisoformat
    for line, (at, kind, value) in group:
        kind_text = _KIND_OF.get(kind) if type(kind) is str else None
        if kind_text is None:
            kind_text = (
                kind.strip().lower() if type(kind) is str else str(kind or "").strip().lower()
            )
        if value is not None and type(value) is not str:
            value = str(value)
        value = value.strip() or None if value is not None else None
        try:
            if kind_text not in _KIND_SET:
                raise RecordError("kind", kind, f"one of {', '.join(KINDS)}")
            if kind_text in ("channel", "customer"):
                if value is None:
                    raise RecordError("value", value, f"the ticket's {kind_text}")
                if kind_text == "channel":
                    channel = value
                else:
                    customer = value
                continue
            when = None
            if type(at) is str:  # instant()'s common case, without the call
                try:
                    when = fromisoformat(at)
                except ValueError:
                    when = None
                else:
                    if when.tzinfo is None:
                        when = None
            if when is None:
                when = instant("at", at)
            if kind_text == "opened":
                if value is None:
                    raise RecordError("value", value, "the severity at opening")
                if opened is not None:
                    raise RecordError(
                        "kind",
                        kind,
                        f"one opened row per ticket (the first is on line {opened[0]})",
                    )
                opened = (line, when, value)
                continue
            events.append((line, when, kind_text, value))
        except SlacalcError as exc:
            errors.append(bad(line, line, ident, exc, what="line"))
    if opened is None and not errors:
        lines = sorted(line for line, _ in group)
        shown = ", ".join(str(n) for n in lines[:5]) + (", …" if len(lines) > 5 else "")
        rows = f"rows (lines {shown})" if len(lines) > 1 else f"one row (line {shown})"
        errors.append(
            BadRecord(
                first,
                f"line {first} (ticket {ident!r}): no opened row among the ticket's {rows}; "
                "expected one row with kind 'opened' and the severity as value",
                first,
                ident,
                "kind",
                None,
            )
        )
    if errors:
        for b in errors:
            yield b.line, b
        return
    assert opened is not None
    _, opened_at, severity = opened
    where = first  # the line an error is on: the ticket's first, or the event's
    try:
        draft = Draft(mapping, tally, ident, opened_at)
        draft.set_priority(severity)
        draft.channel = None if channel is None else mapping.channel(channel, tally)
        draft.set_customer(customer)
        for line, at, kind_text, value in events:  # in file order; the ticket sorts by time
            where = line
            if kind_text == "message":
                who = (value or "").lower()
                if who not in ("customer", "agent"):
                    raise RecordError("value", value, "'customer' or 'agent' for a message")
                draft.message(at, who, True)
            elif kind_text == "severity" and value is not None:
                draft.priority(at, value)
            else:
                draft.events.append((at, kind_text, value))
        where = first
        ticket = draft.build()
    except SlacalcError as exc:
        yield where, bad(where, where, ident, exc, what="line")
        return
    yield first, ticket
