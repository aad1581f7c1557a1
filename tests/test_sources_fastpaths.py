"""The readers' fast paths give what the plain ways give (issue 10's speed work)."""

from __future__ import annotations

import io
import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from slacalc._evaluation.tickets import Event
from slacalc._files.sources import _core
from slacalc._files.sources.jsonstream import JsonError, json_records

PAGE_KEYS = ("tickets", "ticket_events")


def _reference(text: str) -> list[tuple[int, Any]]:
    """JSON Lines read the plain way: json.loads per line, pages and arrays flattened."""
    out: list[tuple[int, Any]] = []
    for line, raw in enumerate(io.StringIO(text), start=1):
        if not raw.strip():
            continue
        try:
            value = json.loads(raw.rstrip("\r\n"))  # an error's column on its own line
        except json.JSONDecodeError as exc:
            out.append((line, ("error", exc.colno, f"invalid JSON: {exc.msg}")))
            continue
        if isinstance(value, list):
            out.extend((line, item) for item in value)
            continue
        if isinstance(value, dict):
            page = next((value[k] for k in PAGE_KEYS if isinstance(value.get(k), list)), None)
            if page is not None:
                out.extend((line, item) for item in page)
                continue
        out.append((line, value))
    return out


LINES = [
    '{"id": 1}\n',
    '   {"id": 2}\n',  # leading blanks
    '{"id": 3}   \t\n',  # trailing blanks
    "\n",
    "  \t \n",
    "\u00a0\n",  # a line of non-JSON whitespace: blank
    '{"id": 4}\u00a0\n',  # not JSON whitespace after the value: extra data
    '{"id": 5} x\n',
    '{"id": \n',
    '\ufeff{"id": 6}\n',  # a BOM inside the file
    '[{"id": 7}, {"id": 8}]\n',
    '{"tickets": [{"id": 9}], "next_page": null}\n',
    '{"tickets": "not a page", "ticket_events": [{"id": 10}]}\n',
    '{"tickets": 3}\n',
    "42\n",
    '"text"\n',
    "null\n",
    '{"id": 11}',  # the last line without a newline
]


@pytest.mark.parametrize("n", range(len(LINES)))
def test_json_lines_as_json_loads_reads_them(n: int) -> None:
    """each kind of line (blank, padded, broken, a page, an array, a scalar) reads as json.loads does."""
    text = "".join(LINES[n:] + LINES[:n])
    got = [
        (line, ("error", r.column, r.message) if isinstance(r, JsonError) else r)
        for line, r in json_records(io.StringIO(text), PAGE_KEYS, lines=True)
    ]
    assert got == _reference(text)


def test_events_built_by_slot_equal_the_constructor() -> None:
    """_core._events sets Event's slots directly; the events equal, hash and compare as built ones."""
    at = datetime(2026, 3, 2, 9, tzinfo=UTC)
    ats = [at, at + timedelta(hours=1), at]
    kinds = ["message", "status", "pause"]
    values: list[str | None] = ["agent", "pending", None]
    assert _core._EVENT_SLOTS
    got = _core._events(ats, kinds, values)
    want = tuple(map(Event, ats, kinds, values))
    assert got == want
    assert [hash(e) for e in got] == [hash(e) for e in want]
    assert [repr(e) for e in got] == [repr(e) for e in want]
    with pytest.raises(AttributeError):
        got[0].kind = "x"  # type: ignore[misc]


def test_shared_instants_convert_once_and_stay_right() -> None:
    """events that share one datetime object (one update) get that instant, others their own."""
    at = datetime(2026, 3, 2, 9, tzinfo=UTC)
    later = at + timedelta(minutes=7, microseconds=3)
    events = [(at, "message", "customer"), (later, "status", "open"), (later, "message", "agent")]
    got = _core.SourceTicket.from_draft("T", at, "2", None, later, events, None, "events")
    epoch = datetime(1970, 1, 1, tzinfo=UTC)
    us = [(e - epoch) // timedelta(microseconds=1) for e, _, _ in events]
    assert [u for u, _, _ in got._events_us] == us


@pytest.mark.parametrize("first", [None, "2026-03-02T10:00:00+00:00"])
def test_an_event_without_a_datetime_is_refused_first_or_later(first: object) -> None:
    """None or text as an event's instant is refused, also as the very first event."""
    from slacalc.exceptions import TicketError

    at = datetime(2026, 3, 2, 9, tzinfo=UTC)
    for events in ([(first, "pause", None)], [(at, "message", "agent"), (first, "pause", None)]):
        with pytest.raises(TicketError, match="pause event must be a timezone-aware datetime"):
            _core.SourceTicket.from_draft("T", at, "2", None, None, events, None, "events")  # type: ignore[arg-type]


class TestMemo:
    """Mapped values are memoized per kind; unknown ones are still counted every time."""

    def test_unknown_values_counted_each_time(self) -> None:
        mapping = _core.load_mapping("zendesk")
        tally = _core.Tally(mapping)
        for _ in range(3):
            assert mapping.status("Waiting On Vendor", tally) == "waiting on vendor"
            assert mapping.severity("p0", tally) == "p0"
            assert mapping.channel("Pigeon", tally) == "pigeon"
        assert tally.counts == {
            ("status", "Waiting On Vendor"): 3,
            ("priority", "p0"): 3,
            ("channel", "Pigeon"): 3,
        }

    def test_true_and_one_are_different_values(self) -> None:
        """True == 1 in Python; the memo must not hand one's answer to the other."""
        mapping = _core.load_mapping("freshdesk")
        tally = _core.Tally(mapping)
        assert mapping.severity(1, tally) == mapping.priorities["1"]
        assert mapping.severity(True, tally) == "True"  # unknown: used as it is, counted
        assert mapping.severity(1, tally) == mapping.priorities["1"]
        assert tally.counts == {("priority", "True"): 1}
