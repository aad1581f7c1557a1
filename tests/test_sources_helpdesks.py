"""Jira, Zammad, Freshdesk and Frappe: the same support story in each helpdesk's own export.

Each fixture's first ticket tells the story of Zendesk's ticket 101: opened
Mon 2026-03-02 08:00Z (09:00 in Zurich) at high priority; an internal note at
08:10Z; raised to the top priority at 08:30Z; a public agent reply at 09:30Z
that puts the ticket in the helpdesk's waiting-on-the-customer status; the
customer's answer at 12:00Z reopens it; another agent reply at 13:30Z; solved
at 14:00Z. The outcomes are computed by hand in the tests below.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from slacalc import load_policy, sources

ZURICH = ZoneInfo("Europe/Zurich")
HERE = Path(__file__).parent
FIXTURES = HERE / "fixtures" / "sources"
ACME = HERE.parent / "examples" / "custom_policy.toml"
NOW = datetime(2026, 6, 1, tzinfo=UTC)

CASES: dict[str, dict[str, Any]] = {
    "jira": {
        "file": "jira/issues.json",
        "mapping": {"options": {"channel_field": "customfield_10200"}},
        "story": "SD-1",
        "uncovered": ("SD-2", "community"),
        "dispatch": True,
        "bad": [(3, "SD-3", "fields.comment.comments[0].jsdPublic"), (4, "SD-4", "fields")],
    },
    "zammad": {
        "file": "zammad/tickets.jsonl",
        "mapping": None,
        "story": "31001",
        "uncovered": ("31002", "social"),
        "dispatch": True,
        "bad": [(3, "31003", "articles[0].sender"), (4, "31004", "created_at")],
    },
    "freshdesk": {
        "file": "freshdesk/tickets.json",
        "mapping": None,
        "story": "1",
        "uncovered": ("2", "social"),
        "dispatch": False,
        "bad": [(3, "3", "conversations[0].incoming"), (4, "4", "created_at")],
    },
    "frappe": {
        "file": "frappe/tickets.json",
        "mapping": {"options": {"timezone": "Europe/Zurich"}},
        "story": "1",
        "uncovered": ("2", "sms"),
        "dispatch": False,
        "bad": [(3, "3", "communications[0].sent_or_received"), (4, "4", "versions")],
    },
}


def _z(hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 3, 2, hour, minute, tzinfo=UTC)


def _rows(name: str) -> list[Any]:
    case = CASES[name]
    return [
        item
        for _, item in sources.read_rows(FIXTURES / case["file"], name, mapping=case["mapping"])
    ]


def _tickets(name: str) -> dict[str, sources.SourceTicket]:
    return {t.id: t for t in _rows(name) if isinstance(t, sources.SourceTicket)}


@pytest.fixture(params=list(CASES), scope="module")
def name(request: pytest.FixtureRequest) -> str:
    return str(request.param)


class TestStory:
    def test_clock_events(self, name: str) -> None:
        """priority change, the pause and its end, and the solution land at the story's instants."""
        ticket = _tickets(name)[CASES[name]["story"]]
        kinds = {"severity", "pause", "resume", "resolved", "dispatch"}
        got = [(e.at.astimezone(UTC), e.kind, e.value) for e in ticket.events if e.kind in kinds]
        expected = [(_z(8, 30), "severity", "1")]
        if CASES[name]["dispatch"]:
            expected.insert(0, (_z(8, 10), "dispatch", None))
        assert got == expected
        # The pause and the solution are status changes, read by the policy's
        # pause_statuses / solved_statuses (no derived pause/resume/resolved events).
        statuses = [
            (e.at.astimezone(UTC), e.value)
            for e in ticket.events
            if e.kind == "status" and e.at.astimezone(UTC) > _z(8, 30)
        ]
        assert statuses[:2] == [(_z(9, 30), "pending"), (_z(12), "open")]
        assert statuses[2][0] == _z(14) and statuses[2][1] in ("solved", "closed")
        assert ticket.severity == "2"

    def test_messages_and_the_internal_note(self, name: str) -> None:
        """public replies are messages; the internal note at 08:10Z is neither a message nor the response."""
        ticket = _tickets(name)[CASES[name]["story"]]
        messages = [(e.at.astimezone(UTC), e.value) for e in ticket.events if e.kind == "message"]
        replies = [(_z(9, 30), "agent"), (_z(12), "customer"), (_z(13, 30), "agent")]
        assert messages[-3:] == replies
        assert _z(8, 10) not in [at for at, _ in messages]
        assert ticket.responded_at is not None
        assert ticket.responded_at.astimezone(UTC) == _z(9, 30)

    def test_initial_response_by_hand(self, name: str) -> None:
        """ZITADEL 2023 extended, recalculate: sev 1 at the reply, 1 bh from 09:00 → due 10:00, 30 min late."""
        ticket = _tickets(name)[CASES[name]["story"]]
        outcome = (
            load_policy("zitadel-2023").plan("extended").evaluate(ticket, NOW).initial_response
        )
        assert outcome.klass == "1"
        assert outcome.due_at == datetime(2026, 3, 2, 10, tzinfo=ZURICH)
        assert outcome.late_by == timedelta(minutes=30)
        assert outcome.credit_days == 2  # two started quarters of an hour

    def test_resolution_pauses_by_hand(self, name: str) -> None:
        """ACME: the clock restarts at 09:30 (sev 1); 4.5 h open to 15:00, 1.5 h of it paused."""
        ticket = _tickets(name)[CASES[name]["story"]]
        resolution = load_policy(str(ACME)).plan("standard").evaluate(ticket, NOW)["resolution"]
        open_time = timedelta(hours=2, minutes=30) + timedelta(hours=2)  # 09:30-12:00, 13:00-15:00
        paused = timedelta(hours=1, minutes=30)  # 10:30-12:00 (the lunch hour is closed anyway)
        assert resolution.paused == paused
        assert resolution.elapsed == open_time - paused
        assert resolution.status == "met"

    def test_channel_not_covered(self, name: str) -> None:
        """the second ticket came in on a channel ZITADEL 2023 does not cover: not applicable."""
        ident, channel = CASES[name]["uncovered"]
        ticket = _tickets(name)[ident]
        assert ticket.channel == channel
        outcome = (
            load_policy("zitadel-2023").plan("extended").evaluate(ticket, NOW).initial_response
        )
        assert outcome.status == "not_applicable"

    def test_malformed_records(self, name: str) -> None:
        """each malformed record is reported with its position, ticket and field; none is lost."""
        rows = _rows(name)
        bad = [r for r in rows if isinstance(r, sources.BadRecord)]
        assert [(b.position, b.ticket_id, b.field) for b in bad] == CASES[name]["bad"]
        assert len(rows) == 4


def test_frappe_needs_the_site_time_zone() -> None:
    """Frappe's naive datetimes are never read in a guessed zone: the mapping must name it."""
    with pytest.raises(sources.SourceError, match=r"options\.timezone is empty"):
        list(sources.read(FIXTURES / "frappe" / "tickets.json", source="frappe"))


def test_freshdesk_pending_since_without_history() -> None:
    """without activities, a pending ticket's current pause starts at stats.pending_since."""
    ticket = _tickets("freshdesk")["2"]
    assert [(e.value, e.at) for e in ticket.events if e.kind == "status"][-1] == (
        "pending",
        datetime(2026, 3, 3, 9, tzinfo=UTC),
    )


class TestEventLogFixture:
    """The same story as an event log (tests/fixtures/sources/events/log.csv)."""

    def test_story_and_outcomes(self) -> None:
        """mapped events, the first response and both hand-computed outcomes match the other sources."""
        rows = [item for _, item in sources.read_rows(FIXTURES / "events" / "log.csv", "events")]
        tickets = {t.id: t for t in rows if isinstance(t, sources.SourceTicket)}
        ticket = tickets["E-1"]
        kinds = {"severity", "pause", "resume", "resolved", "dispatch"}
        assert [(e.at, e.kind) for e in ticket.events if e.kind in kinds] == [
            (_z(8, 10), "dispatch"),
            (_z(8, 30), "severity"),
        ]
        # the pause and the solution are status changes the policy reads
        assert [(e.at, e.value) for e in ticket.events if e.kind == "status"] == [
            (_z(9, 30), "pending"),
            (_z(12), "open"),
            (_z(14), "solved"),
        ]
        assert ticket.responded_at == _z(9, 30)
        first = load_policy("zitadel-2023").plan("extended").evaluate(ticket, NOW).initial_response
        assert (first.klass, first.late_by, first.credit_days) == ("1", timedelta(minutes=30), 2)
        resolution = load_policy(str(ACME)).plan("standard").evaluate(ticket, NOW)["resolution"]
        assert resolution.paused == timedelta(hours=1, minutes=30)
        assert resolution.elapsed == timedelta(hours=3)
        uncovered = load_policy("zitadel-2023").plan("extended").evaluate(tickets["E-2"], NOW)
        assert uncovered.initial_response.status == "not_applicable"
        bad = [r for r in rows if isinstance(r, sources.BadRecord)]
        assert [(b.ticket_id, b.field, b.value) for b in bad] == [
            ("E-3", "value", "robot"),
            ("E-4", "kind", None),
        ]
