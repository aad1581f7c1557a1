"""The zendesk source: tickets with audits or comments, and the incremental ticket events export."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from slacalc import load_policy, sources

ZURICH = ZoneInfo("Europe/Zurich")
HERE = Path(__file__).parent
ZENDESK = HERE / "fixtures" / "sources" / "zendesk"
ACME = HERE.parent / "examples" / "custom_policy.toml"
NOW = datetime(2026, 6, 1, tzinfo=UTC)


def _z(hour: int, minute: int = 0, day: int = 2) -> datetime:
    return datetime(2026, 3, day, hour, minute, tzinfo=UTC)


@pytest.fixture(scope="module")
def rows() -> list[object]:
    return [item for _, item in sources.read_rows(ZENDESK / "tickets.json", "zendesk")]


@pytest.fixture(scope="module")
def tickets(rows: list[object]) -> dict[str, sources.SourceTicket]:
    return {t.id: t for t in rows if isinstance(t, sources.SourceTicket)}


class TestTicketsWithAudits:
    def test_mapped_events(self, tickets: dict[str, sources.SourceTicket]) -> None:
        """audits become status, severity, dispatch and message events (the policy reads pauses and solutions from the statuses)."""
        t = tickets["101"]
        assert (t.severity, t.channel, t.customer) == ("2", "ticket", "77")
        assert [(e.at, e.kind, e.value) for e in t.events] == [
            (_z(8), "message", "customer"),
            (_z(8), "status", "new"),
            (_z(8, 10), "status", "open"),
            (_z(8, 10), "dispatch", None),
            (_z(8, 30), "severity", "1"),
            (_z(9, 30), "message", "agent"),
            (_z(9, 30), "status", "pending"),
            (_z(12), "message", "customer"),
            (_z(12), "status", "open"),
            (_z(13, 30), "message", "agent"),
            (_z(14), "status", "solved"),
        ]

    def test_internal_note_is_not_the_first_response(
        self, tickets: dict[str, sources.SourceTicket]
    ) -> None:
        """the private comment at 08:10Z is left out: the first response is the public reply at 09:30Z."""
        assert tickets["101"].responded_at == _z(9, 30)

    def test_initial_response_recalculated_on_the_new_priority(
        self, tickets: dict[str, sources.SourceTicket]
    ) -> None:
        """ZITADEL 2023 extended: high→urgent before the reply, so sev 1 (1 bh) from 09:00 Zurich."""
        outcome = load_policy("zitadel-2023").plan("extended").evaluate(tickets["101"], NOW)
        first = outcome.initial_response
        # opened 08:00Z = 09:00 Zurich; the target of sev 1 is 1 business hour: due 10:00;
        # the public reply at 10:30 Zurich is 30 minutes late: two started quarters, 2 days.
        assert first.klass == "1"
        assert first.due_at == datetime(2026, 3, 2, 10, tzinfo=ZURICH)
        assert first.late_by == timedelta(minutes=30)
        assert first.credit_days == 2

    def test_resolution_pauses_while_pending(
        self, tickets: dict[str, sources.SourceTicket]
    ) -> None:
        """ACME (restart rule, resolution pausable): the pending spell does not count."""
        plan = load_policy(str(ACME)).plan("standard")
        evaluation = plan.evaluate(tickets["101"], NOW)
        resolution = evaluation["resolution"]
        # restart at the priority change 09:30 Zurich; solved 15:00. Open 09:30-12:00 and
        # 13:00-15:00 = 4.5 h; pending 10:30-13:00 holds 10:30-12:00 of open time = 1.5 h.
        assert resolution.status == "met"
        assert resolution.started_at == datetime(2026, 3, 2, 9, 30, tzinfo=ZURICH)
        assert resolution.paused == timedelta(hours=1, minutes=30)
        assert resolution.elapsed == timedelta(hours=4, minutes=30) - timedelta(hours=1, minutes=30)
        # initial response restarts too: 1 bh from 09:30, replied 10:30 exactly: met.
        assert evaluation.initial_response.status == "met"
        assert evaluation.initial_response.late_by == timedelta(0)

    def test_channel_not_covered(self, tickets: dict[str, sources.SourceTicket]) -> None:
        """a tweet maps to 'social', which ZITADEL 2023 does not cover: not applicable."""
        t = tickets["102"]
        assert t.channel == "social"
        assert t.responded_at == datetime(2026, 3, 3, 9, tzinfo=UTC)
        outcome = load_policy("zitadel-2023").plan("extended").evaluate(t, NOW).initial_response
        assert outcome.status == "not_applicable"
        assert "channel 'social'" in outcome.reason

    def test_malformed_records(self, rows: list[object]) -> None:
        """bad records name the record, the ticket, the field and the value; the good ones stay."""
        bad = [r for r in rows if isinstance(r, sources.BadRecord)]
        assert [(b.position, b.ticket_id, b.field, b.value) for b in bad] == [
            (3, "103", "created_at", "yesterday"),
            (4, "104", "audits[0].events[0].public", "yes"),
            (5, None, None, "not a ticket"),
        ]
        assert bad[0].message.startswith(
            "record 3 (ticket '103'): created_at: invalid value 'yesterday'"
        )
        assert len(rows) == 5


class TestTicketEventsExport:
    def test_interleaved_events_are_grouped_per_ticket(self) -> None:
        """the time-ordered event export is grouped by ticket; creation fields come from Create events."""
        got = {t.id: t for t in sources.read(ZENDESK / "ticket_events.json", source="zendesk")}
        assert set(got) == {"201", "202"}
        t = got["201"]
        assert (t.severity, t.channel, t.customer, t.opened_at) == ("2", "email", "77", _z(8))
        assert t.responded_at == _z(9)  # the private note at 08:20Z is not a response
        assert [(e.at, e.kind) for e in t.events if e.kind == "severity"] == [(_z(9), "severity")]
        assert [(e.at, e.value) for e in t.events if e.kind == "status"][-1] == (_z(11), "solved")
        u = got["202"]
        assert u.severity == "4" and u.channel == "ticket"
        assert [(e.at, e.value) for e in u.events if e.kind == "status"][-2:] == [
            (_z(8, 40), "pending"),
            (_z(10), "open"),
        ]

    def test_outcome(self) -> None:
        """ticket 201 under ZITADEL 2023 extended: sev 2 (the change came with the reply), 2 bh."""
        got = {t.id: t for t in sources.read(ZENDESK / "ticket_events.json", source="zendesk")}
        first = load_policy("zitadel-2023").plan("extended").evaluate(got["201"], NOW)
        # opened 09:00 Zurich, replied 10:00: 1 h of the 2 h target; the change to urgent at the
        # same instant as the reply comes after the clock stopped and changes nothing.
        assert first.initial_response.klass == "2"
        assert first.initial_response.elapsed == timedelta(hours=1)
        assert first.initial_response.status == "met"
