"""Reading tickets from files and mappings, and the ticket's own checks."""

from __future__ import annotations

import io
import json
from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from slacalc import Contract, Event, Ticket, load_policy
from slacalc._cli.main import main
from slacalc._files.records import BadRow, read_records
from slacalc._files.tickets import TICKET_COLUMNS, read_tickets, ticket_from_mapping
from slacalc.exceptions import InputFileError, TicketError, TimelineError

ZURICH = ZoneInfo("Europe/Zurich")
OPENED = "2026-03-02T09:00:00+01:00"


class TestMapping:
    def test_event_columns_become_events(self) -> None:
        """the optional CSV columns turn into escalation, dispatch and resolution events."""
        ticket = ticket_from_mapping(
            {
                "id": "T",
                "opened_at": OPENED,
                "severity": "2",
                "escalated_at": "2026-03-02T16:00:00+01:00",
                "escalation": "urgent",
                "escalation_responded_at": "2026-03-03T09:10:00+01:00",
                "dispatched_at": "2026-03-02T09:20:00+01:00",
                "resolved_at": "2026-03-04T12:00:00+01:00",
            }
        )
        assert [(e.kind, e.value) for e in ticket.events] == [
            ("dispatch", None),
            ("escalation", "urgent"),
            ("escalation_response", None),
            ("resolved", None),
        ]

    def test_escalation_class_defaults_to_normal(self) -> None:
        """an escalation time without a class is a normal escalation."""
        ticket = ticket_from_mapping(
            {
                "id": "T",
                "opened_at": OPENED,
                "severity": "2",
                "escalated_at": "2026-03-02T16:00:00+01:00",
            }
        )
        assert ticket.events_of("escalation")[0].value == "normal"

    @pytest.mark.parametrize(
        ("events", "message"),
        [
            ("[not json", "events: invalid JSON"),
            ('{"at": 1}', "expected a list"),
            ('[{"kind": "pause"}]', "invalid event"),
            ('[{"at": "2026-03-02T10:00:00", "kind": "pause"}]', "no UTC offset"),
            (
                '[{"at": "2026-03-02T10:00:00+01:00", "kind": "lunch"}]',
                "unknown event kind 'lunch'",
            ),
            (
                '[{"at": "2026-03-02T10:00:00+01:00", "kind": "severity"}]',
                "severity event .* has no value",
            ),
        ],
    )
    def test_bad_events_are_named(self, events: str, message: str) -> None:
        """each kind of bad events field gives an error naming the ticket and the problem."""
        with pytest.raises(TicketError, match=message):
            ticket_from_mapping(
                {"id": "T-3", "opened_at": OPENED, "severity": "1", "events": events}
            )

    def test_missing_required_field(self) -> None:
        """a row without a severity says which field is missing."""
        with pytest.raises(TicketError, match="missing required field 'severity'"):
            ticket_from_mapping({"id": "T", "opened_at": OPENED, "severity": " "})

    def test_json_events_list(self) -> None:
        """a JSON object's events may be a real list."""
        ticket = ticket_from_mapping(
            {
                "id": "T",
                "opened_at": OPENED,
                "severity": 1,
                "events": [{"at": "2026-03-02T10:00:00+01:00", "kind": "severity", "value": 2}],
            }
        )
        assert ticket.events == (
            Event(datetime(2026, 3, 2, 10, tzinfo=ticket.events[0].at.tzinfo), "severity", "2"),
        )


class TestRecords:
    def test_jsonl_bad_lines_keep_their_numbers(self) -> None:
        """invalid JSON and non-objects are bad rows with their line; good rows come through."""
        text = '{"id": "A"}\n\n[1, 2]\n{broken\n{"id": "B"}\n'
        rows = list(read_records(io.StringIO(text), "jsonl"))
        assert [(line, isinstance(r, BadRow)) for line, r in rows] == [
            (1, False),
            (3, True),
            (4, True),
            (5, False),
        ]
        assert "JSON object" in rows[1][1].message  # type: ignore[union-attr]

    def test_csv_header_and_width(self) -> None:
        """a missing required column stops at the header; a short row is one bad row."""
        with pytest.raises(InputFileError, match="missing column 'severity'"):
            list(read_records(io.StringIO("id,opened_at\nA,x\n"), "csv", TICKET_COLUMNS))
        text = f"id,opened_at,severity\nA,{OPENED}\nB,{OPENED},1\n"
        rows = list(read_tickets(read_records(io.StringIO(text), "csv", TICKET_COLUMNS)))
        assert isinstance(rows[0][1], BadRow)
        assert rows[0][0] == 2
        assert "missing required field 'severity'" in rows[0][1].message
        assert isinstance(rows[1][1], Ticket)

    def test_empty_file(self) -> None:
        """an empty file has no rows and no errors."""
        assert list(read_tickets(read_records(io.StringIO(""), "csv", TICKET_COLUMNS))) == []


class TestTicketChecks:
    def test_event_before_opening(self) -> None:
        """an event before the ticket was opened names both instants."""
        with pytest.raises(TimelineError, match=r"'T-1': dispatch event .* is before opened_at"):
            Ticket(
                "T-1",
                datetime(2026, 3, 2, 9, tzinfo=ZURICH),
                1,
                events=[(datetime(2026, 3, 2, 8, tzinfo=ZURICH), "dispatch")],
            )

    def test_invalid_event_shape(self) -> None:
        """an event that is neither an Event nor (at, kind[, value]) is refused."""
        with pytest.raises(TicketError, match="invalid event"):
            Ticket("T-2", datetime(2026, 3, 2, 9, tzinfo=ZURICH), 1, events=["pause"])  # type: ignore[list-item]

    def test_events_sorted_and_with_events(self) -> None:
        """events are kept in time order, and with_events adds to them."""
        t = Ticket(
            "T-3",
            datetime(2026, 3, 2, 9, tzinfo=ZURICH),
            1,
            events=[
                (datetime(2026, 3, 2, 11, tzinfo=ZURICH), "resume"),
                (datetime(2026, 3, 2, 10, tzinfo=ZURICH), "pause"),
            ],
        )
        assert [e.kind for e in t.events] == ["pause", "resume"]
        later = t.with_events((datetime(2026, 3, 2, 12, tzinfo=ZURICH), "resolved"))
        assert [e.kind for e in later.events] == ["pause", "resume", "resolved"]


class TestExplainFromFile:
    def test_explain_a_ticket_of_a_file(self, tmp_path: Path) -> None:
        """explain FILE --id finds the ticket; --format json gives the facts as data."""
        path = tmp_path / "t.csv"
        path.write_text(
            "id,opened_at,severity,responded_at\nA,2026-04-02T18:00:00+02:00,2,2026-04-07T08:20:00+02:00\n",
            encoding="utf-8",
        )
        argv = ["explain", str(path), "--id", "A", "--policy", "zitadel-2023", "--plan", "extended"]
        out, err = io.StringIO(), io.StringIO()
        assert (
            main(
                [*argv, "--now", "2026-05-01T00:00:00Z", "--format", "json"], stdout=out, stderr=err
            )
            == 0
        )
        facts = json.loads(out.getvalue())[0]
        assert facts["late_by_seconds"] == 1200
        assert [d["name"] for d in facts["closed_dates"]] == ["Good Friday", "Easter Monday"]
        missing = io.StringIO()
        argv[3] = "Z"
        assert main(argv, stdout=io.StringIO(), stderr=missing) == 2
        assert "no ticket with id 'Z'" in missing.getvalue()


class TestContractFromEvaluations:
    def test_ready_evaluations(self) -> None:
        """a contract takes evaluations made earlier, placing them by the ticket's opening."""
        plan = load_policy("zitadel-2023").plan("extended")
        opened = datetime(2026, 3, 2, 9, tzinfo=ZURICH)
        inside = plan.evaluate(
            Ticket("in", opened, 1, responded_at=opened + timedelta(hours=1, minutes=31)),
            now=opened + timedelta(days=9),
        )
        outside = plan.evaluate(
            Ticket(
                "out",
                opened.replace(year=2025),
                1,
                responded_at=opened.replace(year=2025) + timedelta(hours=3),
            ),
            now=opened,
        )
        credits = Contract("X", plan, date(2026, 1, 1), date(2027, 1, 1)).credits([inside, outside])
        # 1 bh from 09:00 → due 10:00; answered 10:31 → 31 min → ceil(31 / 15) = 3 days
        assert [(t.ticket_id, t.days) for t in credits.tickets] == [("in", 3)]
        assert credits.extended_term_end == date(2027, 1, 4)
