"""Sources: the framework (mappings, bad records, the one warning, streaming JSON) and the event log."""

from __future__ import annotations

import io
import json
import warnings
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from slacalc import Ticket, load_policy, sources
from slacalc._files.sources import jsonstream
from slacalc._files.sources.jsonstream import JsonError, json_records
from slacalc.exceptions import SourceError, UnmappedValueWarning

ZURICH = ZoneInfo("Europe/Zurich")
FIXTURES = Path(__file__).parent / "fixtures" / "sources"
NOW = datetime(2026, 6, 1, tzinfo=UTC)


def _log(text: str) -> io.StringIO:
    return io.StringIO("ticket_id,at,kind,value\n" + text)


class TestNames:
    def test_the_six_sources(self) -> None:
        """``names()`` lists the six sources of SPEC §9."""
        assert sources.names() == ("zendesk", "jira", "zammad", "freshdesk", "frappe", "events")

    def test_unknown_source(self) -> None:
        """an unknown source name lists the valid ones."""
        with pytest.raises(
            SourceError, match="unknown source 'servicenow'; expected one of zendesk"
        ):
            list(sources.read(io.StringIO(""), source="servicenow"))


class TestMapping:
    @pytest.mark.parametrize("name", ["zendesk", "jira", "zammad", "freshdesk", "frappe", "events"])
    def test_builtin_mappings_load(self, name: str) -> None:
        """every source ships a mapping that loads and prints back as TOML that loads again."""
        import tomllib

        mapping = sources.mapping(name)
        assert tomllib.loads(mapping.as_toml())

    def test_override_file_extends(self, tmp_path: Path) -> None:
        """a user's file adds entries and replaces clock lists; the rest stays built in."""
        own = tmp_path / "own.toml"
        own.write_text('[priorities]\nurgent = "urgent"\n[clock]\npause = ["pending"]\n')
        mapping = sources.mapping("zendesk", own)
        assert mapping.priorities["urgent"] == "urgent"
        assert mapping.priorities["high"] == "2"
        assert mapping.clock["pause"] == ("pending",)
        assert str(own) in mapping.origin

    @pytest.mark.parametrize(
        ("text", "message"),
        [
            ("[colours]\nred = 'x'\n", r"unknown table \[colours\]"),
            ("[clock]\npause = 'pending'\n", "clock.pause = 'pending'; expected"),
            ("[priorities]\nurgent = 1\n", "priorities.urgent = 1; expected a string"),
            ("[priorities\n", "invalid TOML"),
        ],
    )
    def test_bad_override(self, tmp_path: Path, text: str, message: str) -> None:
        """a broken mapping file names the file, the key and what was expected."""
        own = tmp_path / "own.toml"
        own.write_text(text)
        with pytest.raises(SourceError, match=message):
            sources.mapping("zendesk", own)


class TestJsonStream:
    def test_pages_arrays_and_records(self) -> None:
        """pages, arrays and bare records, one after the other, yield their records in order."""
        text = (
            '{"tickets": [{"id": 1}, {"id": 2, "x": [1, {"a": "b"}]}], "next_page": null}\n'
            '{"tickets": [{"id": 3}]} [ {"id": 4} ,\n {"id": 5}] {"id": 6}'
        )
        got = [(line, r["id"]) for line, r in json_records(io.StringIO(text), ["tickets"])]
        assert got == [(1, 1), (1, 2), (2, 3), (2, 4), (3, 5), (3, 6)]

    def test_small_chunks(self, monkeypatch: pytest.MonkeyPatch) -> None:
        """a record split across reads of 3 characters decodes the same (the buffer slides)."""
        monkeypatch.setattr(jsonstream, "_CHUNK", 3)
        records = [
            {"id": i, "body": "x" * (i * 7), "n": 12345 + i, "public": i % 2 == 0, "via": None}
            for i in range(20)
        ]
        text = json.dumps({"tickets": records, "count": 20}, indent=1)
        got = [r for _, r in json_records(io.StringIO(text), ["tickets"])]
        assert got == records

    @pytest.mark.parametrize("chunk", [1, 2, 5, 7, 64, 1000])
    def test_every_chunk_boundary(self, monkeypatch: pytest.MonkeyPatch, chunk: int) -> None:
        """a literal (true, false, null) or number cut at any place by the read decodes whole."""
        monkeypatch.setattr(jsonstream, "_CHUNK", chunk)
        records = [{"a": True, "b": False, "c": None, "d": -12.5e3, "e": [True, None]}] * 30
        text = json.dumps({"tickets": records}, separators=(",", ":"))
        assert [r for _, r in json_records(io.StringIO(text), ["tickets"])] == records

    def test_syntax_error_in_an_array_is_reported_with_its_place(self) -> None:
        """inside an array, a syntax error ends the read with its line and column."""
        got = list(json_records(io.StringIO('[{"id": 1},\n{"id": 2,,}]'), ["tickets"]))
        assert got[0] == (1, {"id": 1})
        error = got[1][1]
        assert isinstance(error, JsonError)
        assert (error.line, error.column) == (2, 10)

    def test_json_lines_lose_one_line_only(self) -> None:
        """in JSON Lines a bad line is one error and the next line is read."""
        got = list(json_records(io.StringIO('{"id": 1}\n{"id": \n{"id": 3}\n'), [], lines=True))
        assert got[0] == (1, {"id": 1})
        assert isinstance(got[1][1], JsonError)
        assert got[2] == (3, {"id": 3})

    def test_memory_stays_bounded(self) -> None:
        """the buffer never holds the whole array: 5 MB of records pass through a ~1 MB window."""

        class Counting(io.StringIO):
            biggest = 0

        records = ",".join(json.dumps({"id": i, "pad": "p" * 500}) for i in range(10_000))
        stream = Counting('{"tickets": [' + records + "]}")
        scanner = jsonstream._Scanner(stream, ("tickets",))
        seen = 0
        for _ in scanner.run():
            seen += 1
            Counting.biggest = max(Counting.biggest, len(scanner.buf))
        assert seen == 10_000
        assert Counting.biggest < 2 * jsonstream._CHUNK + 1000


class TestEvents:
    def test_one_ticket_every_kind(self) -> None:
        """the rows of a ticket, in any order, become one ticket; message agent is the response."""
        log = _log(
            "T-1,2026-03-02T12:00:00+01:00,resolved,\n"
            "T-1,2026-03-02T09:00:00+01:00,opened,2\n"
            "T-1,,channel,email\n"
            "T-1,,customer,ACME\n"
            "T-1,2026-03-02T09:40:00+01:00,message,agent\n"
            "T-1,2026-03-02T09:10:00+01:00,message,customer\n"
            "T-1,2026-03-02T09:20:00+01:00,severity,1\n"
            "T-1,2026-03-02T10:00:00+01:00,status,pending\n"
        )
        [ticket] = list(sources.read(log, source="events"))
        assert isinstance(ticket, Ticket)
        assert (ticket.id, ticket.severity, ticket.channel, ticket.customer) == (
            "T-1",
            "2",
            "email",
            "ACME",
        )
        assert ticket.responded_at == datetime(2026, 3, 2, 9, 40, tzinfo=ZURICH)
        assert [(e.at.hour, e.at.minute, e.kind, e.value) for e in ticket.events] == [
            (9, 10, "message", "customer"),
            (9, 20, "severity", "1"),
            (9, 40, "message", "agent"),
            (10, 0, "status", "pending"),
            (12, 0, "resolved", None),
        ]

    def test_outcome_by_hand(self) -> None:
        """ZITADEL 2023 extended: opened Thu 18:00 before Easter, sev 2 (2 bh), agent at Tue 08:20."""
        log = _log(
            "T-1,2026-04-02T18:00:00+02:00,opened,2\nT-1,2026-04-07T08:20:00+02:00,message,agent\n"
        )
        [ticket] = sources.read(log, source="events")
        outcome = (
            load_policy("zitadel-2023").plan("extended").evaluate(ticket, NOW).initial_response
        )
        # 18:00-19:00 Thursday is 1 h; Good Friday, the weekend and Easter Monday are closed;
        # the second hour runs 07:00-08:00 Tuesday: due 08:00, 20 minutes late, 2 started quarters.
        assert outcome.due_at == datetime(2026, 4, 7, 8, tzinfo=ZURICH)
        assert outcome.late_by == timedelta(minutes=20)
        assert outcome.credit_days == 2

    def test_missing_opened_row_is_a_row_error(self) -> None:
        """a ticket without an opened row is a bad record naming the ticket and its lines."""
        rows = list(
            sources.read_rows(
                _log(
                    "T-9,2026-03-02T09:00:00+01:00,response,\nT-1,2026-03-02T09:00:00+01:00,opened,2\n"
                ),
                "events",
            )
        )
        bad = rows[0][1]
        assert isinstance(bad, sources.BadRecord)
        assert bad.ticket_id == "T-9"
        assert bad.message == (
            "line 2 (ticket 'T-9'): no opened row among the ticket's one row (line 2); "
            "expected one row with kind 'opened' and the severity as value"
        )
        assert isinstance(rows[1][1], Ticket)
        (two,) = sources.read_rows(
            _log(
                "T-8,2026-03-02T09:00:00+01:00,response,\nT-8,2026-03-02T10:00:00+01:00,resolved,\n"
            ),
            "events",
        )
        assert isinstance(two[1], sources.BadRecord)
        assert "no opened row among the ticket's rows (lines 2, 3);" in two[1].message

    def test_bad_rows_name_line_field_value_and_keep_the_rest(self) -> None:
        """every bad row is reported with its line, field and value; good tickets all come out."""
        log = _log(
            "T-1,2026-03-02T09:00:00+01:00,opened,2\n"
            "T-2,2026-03-02T09:00:00+01:00,opened,2\n"
            "T-2,soon,pause,\n"
            "T-2,2026-03-02T09:00:00+01:00,teleport,\n"
            "T-3,2026-03-02T09:00:00,opened,1\n"
            "T-4,2026-03-02T09:00:00+01:00,opened,3\n"
        )
        good: list[str] = []
        with pytest.raises(SourceError) as caught:
            good.extend(ticket.id for ticket in sources.read(log, source="events"))
        assert good == ["T-1", "T-4"]
        bad = caught.value.bad
        assert [(b.line, b.ticket_id, b.field, b.value) for b in bad] == [
            (4, "T-2", "at", "soon"),
            (5, "T-2", "kind", "teleport"),
            (6, "T-3", "at", "2026-03-02T09:00:00"),
        ]
        assert "naive times are never assumed local" in bad[2].message

    def test_two_opened_rows(self) -> None:
        """a second opened row is an error naming the first one's line."""
        log = _log(
            "T-1,2026-03-02T09:00:00+01:00,opened,2\nT-1,2026-03-02T10:00:00+01:00,opened,1\n"
        )
        [(_, bad)] = list(sources.read_rows(log, "events"))
        assert isinstance(bad, sources.BadRecord)
        assert "one opened row per ticket (the first is on line 2)" in bad.message

    def test_grouped_order_reports_a_ticket_that_comes_back(self) -> None:
        """in the default grouped order, a ticket whose rows return later is reported, not split silently."""
        log = _log(
            "A,2026-03-02T09:00:00+01:00,opened,2\n"
            "B,2026-03-02T09:00:00+01:00,opened,2\n"
            "A,2026-03-02T10:00:00+01:00,response,\n"
        )
        rows = [item for _, item in sources.read_rows(log, "events")]
        assert [r.id for r in rows if isinstance(r, Ticket)] == ["A", "B"]
        [bad] = [r for r in rows if isinstance(r, sources.BadRecord)]
        assert bad.ticket_id == "A" and "came back" in bad.message and "order='any'" in bad.message

    def test_any_order_groups_interleaved_rows(self) -> None:
        """with order='any' the interleaved log gives the same tickets as the sorted one."""
        rows = [
            "A,2026-03-02T09:00:00+01:00,opened,2",
            "B,2026-03-02T09:05:00+01:00,opened,3",
            "A,2026-03-02T09:30:00+01:00,message,agent",
            "B,2026-03-02T11:00:00+01:00,message,agent",
        ]
        interleaved = {
            t.id: t
            for t in sources.read(_log("\n".join(rows) + "\n"), source="events", order="any")
        }
        ordered = {
            t.id: t for t in sources.read(_log("\n".join(sorted(rows)) + "\n"), source="events")
        }
        assert interleaved == ordered
        assert interleaved["A"].responded_at == datetime(2026, 3, 2, 9, 30, tzinfo=ZURICH)

    def test_json_lines(self) -> None:
        """the log may be JSON Lines with the same keys."""
        text = "\n".join(
            json.dumps(r)
            for r in [
                {"ticket_id": 7, "at": "2026-03-02T09:00:00+01:00", "kind": "opened", "value": 2},
                {
                    "ticket_id": 7,
                    "at": "2026-03-02T09:30:00+01:00",
                    "kind": "response",
                    "value": None,
                },
            ]
        )
        [ticket] = sources.read(io.StringIO(text), source="events", format="jsonl")
        assert ticket.id == "7" and ticket.severity == "2"
        assert ticket.events[0].kind == "response"

    def test_streams_sorted_input(self) -> None:
        """a sorted log is read ticket by ticket: the first ticket comes before the log is read to the end."""

        def lines() -> io.StringIO:
            body = "".join(f"T{i:06d},2026-03-02T09:00:00+01:00,opened,2\n" for i in range(50_000))
            return _log(body)

        stream = lines()
        rows = sources.read_rows(stream, "events")
        next(rows)
        assert stream.tell() < len(stream.getvalue())


class TestUnmapped:
    def test_one_warning_names_values_and_mapping(self) -> None:
        """unknown statuses, priorities and channels are counted in one warning saying what to extend."""
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            tickets = list(sources.read(FIXTURES / "zendesk" / "unmapped.jsonl", source="zendesk"))
        assert [t.severity for t in tickets] == ["p0", "p0"]
        [warning] = caught
        assert warning.category is UnmappedValueWarning
        text = str(warning.message)
        assert "priority 'p0' (2×)" in text
        assert "status 'waiting on vendor' (1×)" in text
        assert "channel 'carrier_pigeon' (1×)" in text
        assert "[channels], [priorities], [statuses] of the zendesk mapping" in text

    def test_an_override_silences_it(self, tmp_path: Path) -> None:
        """mapping the values in a file of one's own makes the warning go away."""
        own = tmp_path / "own.toml"
        own.write_text(
            '[priorities]\np0 = "1"\n[statuses]\n"waiting on vendor" = "on-hold"\n'
            '[channels]\ncarrier_pigeon = "email"\n'
        )
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            tickets = list(
                sources.read(FIXTURES / "zendesk" / "unmapped.jsonl", source="zendesk", mapping=own)
            )
        assert [t.severity for t in tickets] == ["1", "1"]
        assert [e.kind for e in tickets[0].events] == ["status", "status"]
        assert tickets[0].events[-1].value == "on-hold"


class TestFastConstruction:
    """Readers build tickets through ``SourceTicket.from_draft``; it must equal the constructor."""

    def test_fast_path_is_on(self) -> None:
        """the fast path knows Ticket's fields (if Ticket changes, it falls back: see the next test)."""
        from slacalc._files.sources import _core

        assert _core._FAST

    @pytest.mark.parametrize("fast", [True, False])
    def test_same_ticket_as_the_constructor(
        self, monkeypatch: pytest.MonkeyPatch, fast: bool
    ) -> None:
        """every field, private ones included, equals what Ticket's constructor computes."""
        from slacalc._files.sources import _core

        monkeypatch.setattr(_core, "_FAST", fast)
        at = datetime(2026, 3, 2, 9, tzinfo=ZURICH)
        events = [
            (at + timedelta(hours=2), "resume", None),
            (at + timedelta(minutes=5), "message", " agent "),
            (at + timedelta(hours=1), "pause", None),
            (at + timedelta(hours=1), "status", "pending"),
        ]
        got = _core.SourceTicket.from_draft(
            "T", at, " 2 ", " Email ", at + timedelta(minutes=5), events, "ACME", "events"
        )
        want = _core.SourceTicket(
            "T",
            at,
            " 2 ",
            " Email ",
            at + timedelta(minutes=5),
            events,
            customer="ACME",
            source="events",
        )
        for name in (*_core._FAST_FIELDS, "customer", "source"):
            assert getattr(got, name) == getattr(want, name), name

    @pytest.mark.parametrize(
        ("events", "message"),
        [
            (
                [(datetime(2026, 3, 2, 10, tzinfo=ZURICH), "message", "bot")],
                "customer or agent",
            ),
            ([(datetime(2026, 3, 2, 10, tzinfo=ZURICH), "severity", " ")], "has no value"),
            ([(datetime(2026, 3, 2, 10), "pause", None)], "naive"),
            ([(datetime(2026, 3, 2, 8, tzinfo=ZURICH), "pause", None)], "before opened_at"),
            # with a status, the fast path checks the instants in its own loop
            (
                [
                    (datetime(2026, 3, 2, 10, tzinfo=ZURICH), "status", "open"),
                    (datetime(2026, 3, 2, 8, tzinfo=ZURICH), "message", "agent"),
                ],
                "message event at 2026-03-02T08:00:00\\+01:00 \\(events\\[1\\].*before opened_at",
            ),
            ([(datetime(2026, 3, 2, 8, tzinfo=ZURICH), "status", "open")], "before opened_at"),
            (
                [(datetime(2026, 3, 2, 10, tzinfo=ZURICH), "resume", None)],
                "without a pause before it",
            ),
        ],
    )
    def test_same_errors(
        self, events: list[tuple[datetime, str, str | None]], message: str
    ) -> None:
        """bad values and timelines are refused with the constructor's messages."""
        from slacalc._files.sources import _core
        from slacalc.exceptions import TicketError

        at = datetime(2026, 3, 2, 9, tzinfo=ZURICH)
        with pytest.raises(TicketError, match=message):
            _core.SourceTicket.from_draft("T", at, "2", None, None, events, None, "events")
        with pytest.raises(TicketError, match=message):
            _core.SourceTicket("T", at, "2", None, None, events)

    def test_events_are_made_when_first_read(self) -> None:
        """from_draft leaves ``events`` to be made on first use: equal to the constructor's, made once."""
        import pickle

        from slacalc._files.sources import _core

        at = datetime(2026, 3, 2, 9, tzinfo=ZURICH)
        events = [
            (at + timedelta(hours=2), "status", "open"),
            (at + timedelta(minutes=5), "message", "agent"),
            (at + timedelta(hours=1), "status", "pending"),
        ]
        want = _core.SourceTicket("T", at, "2", None, None, events, customer="C", source="s")
        got = _core.SourceTicket.from_draft("T", at, "2", None, None, events, "C", "s")
        with pytest.raises(AttributeError):
            object.__getattribute__(got, "events")  # not made yet
        fresh = _core.SourceTicket.from_draft("T", at, "2", None, None, events, "C", "s")
        copied = pickle.loads(pickle.dumps(fresh))  # pickled before anything read its events
        assert got.events == want.events
        assert [e.at for e in got.events] == [e.at for e in want.events]  # the given instants
        assert got.events is got.events  # made once, then kept
        assert got == want and copied == want and copied.events == want.events
        with pytest.raises(AttributeError, match="no attribute 'nope'"):
            _ = got.nope  # type: ignore[attr-defined]

    def test_response_before_opening_with_statuses(self) -> None:
        """a response before opening is refused with the constructor's words, statuses or not."""
        from slacalc._files.sources import _core
        from slacalc.exceptions import TimelineError

        at = datetime(2026, 3, 2, 9, tzinfo=ZURICH)
        early = at - timedelta(minutes=1)
        events = [(at, "status", "open")]
        with pytest.raises(TimelineError) as fast:
            _core.SourceTicket.from_draft("T", at, "2", None, early, events, None, "events")
        with pytest.raises(TimelineError) as plain:
            _core.SourceTicket("T", at, "2", None, early, events)
        assert str(fast.value) == str(plain.value)
        assert "is before opened_at" in str(fast.value)


def test_source_tickets_pickle_with_their_customer() -> None:
    """a SourceTicket survives pickling and copying with its customer and source (Dask, Spark)."""
    import copy
    import pickle

    [ticket, _] = sources.read(
        Path(__file__).parent.parent / "examples" / "events.csv", source="events"
    )
    for again in (pickle.loads(pickle.dumps(ticket)), copy.copy(ticket)):
        assert again == ticket
        assert (again.customer, again.source) == ("ACME AG", "events")
        assert again._events_us == ticket._events_us


def _with_a_broken_line(lines: list[str]) -> tuple[str, str]:
    """The JSON Lines *lines* as they are, and with a line that is not JSON after the first."""
    return "\n".join(lines) + "\n", "\n".join([lines[0], '{"id": ', *lines[1:]]) + "\n"


@pytest.mark.parametrize(
    ("source", "lines"),
    [
        (
            "zammad",
            (FIXTURES / "zammad" / "tickets.jsonl").read_text().splitlines(),
        ),
        (
            "zendesk",  # the ticket events export, one event per line: grouped after the read
            [
                json.dumps(e)
                for e in json.loads((FIXTURES / "zendesk" / "ticket_events.json").read_text())[
                    "ticket_events"
                ]
            ],
        ),
    ],
)
def test_a_line_that_is_not_json_costs_that_line_only(source: str, lines: list[str]) -> None:
    """In JSON Lines a syntax error is one bad record; every ticket of the other lines is read."""
    plain, broken = _with_a_broken_line([line for line in lines if line.strip()])
    want = list(sources.read_rows(io.StringIO(plain), source, format="jsonl"))
    got = list(sources.read_rows(io.StringIO(broken), source, format="jsonl"))
    errors = [item for _, item in got if isinstance(item, sources.BadRecord)]
    assert errors[0].message == "record 2: invalid JSON: Expecting value at line 2 column 8"
    assert errors[0].line == 2
    assert [t.id for _, t in got if not isinstance(t, sources.BadRecord)] == [
        t.id for _, t in want if not isinstance(t, sources.BadRecord)
    ]
    assert len(errors) == 1 + sum(isinstance(t, sources.BadRecord) for _, t in want)
