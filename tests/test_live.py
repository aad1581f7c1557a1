"""Live helpdesk metrics, computed by hand: messages, statuses, pauses, repeating clocks.

The policy is ``tests/live_policy.toml``: office hours 08:00-17:00 Monday to
Friday in Europe/Zurich with St. Gallen's public holidays (one business day
is 9 h). March 2026: Monday the 2nd, 9th, 16th …; Good Friday is 3 April and
Easter Monday 6 April. Every expected value has its arithmetic beside it.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, ClassVar
from zoneinfo import ZoneInfo

import pytest

from slacalc import Ticket, load_policy
from slacalc.exceptions import TicketError, TimelineError, UnknownStatusError

ZURICH = ZoneInfo("Europe/Zurich")
POLICY_FILE = Path(__file__).parent / "live_policy.toml"
H = timedelta(hours=1)
MIN = timedelta(minutes=1)


def zh(*args: int) -> datetime:
    return datetime(*args, tzinfo=ZURICH)  # type: ignore[misc]


def policy_with(tmp_path: Path, **changes: str) -> Any:
    """The test policy with top-level keys replaced or added (TOML values as text)."""
    text = POLICY_FILE.read_text(encoding="utf-8")
    lines = text.splitlines()
    head = [f"{key} = {value}" for key, value in changes.items()]
    kept = [line for line in lines if line.split(" = ")[0] not in changes]
    at = kept.index('title = "Live metrics test policy"') + 1
    path = tmp_path / "policy.toml"
    path.write_text("\n".join([*kept[:at], *head, *kept[at:]]) + "\n", encoding="utf-8")
    return load_policy(path)


@pytest.fixture(scope="module")
def desk() -> Any:
    return load_policy(POLICY_FILE).plan("desk")


NOW = zh(2026, 6, 1, 12)


class TestMessagesAndStatuses:
    def test_agent_message_is_a_response(self, desk: Any) -> None:
        """the first agent message stops the initial response; a customer message does not."""
        t = Ticket(
            "M-1",
            zh(2026, 3, 2, 9),
            1,
            events=[
                (zh(2026, 3, 2, 9, 30), "message", "customer"),
                (zh(2026, 3, 2, 12), "message", "agent"),
            ],
        )
        out = desk.evaluate(t, now=NOW).initial_response
        # Mon 09:00 → 12:00 = 3 h of the 4 h objective
        assert out.stopped_at == zh(2026, 3, 2, 12)
        assert out.elapsed == 3 * H
        assert out.status == "met"

    def test_pause_status_then_solved_while_paused(self, desk: Any) -> None:
        """pending, then solved straight from pending: the paused time is neither lost nor counted."""
        t = Ticket(
            "P-1",
            zh(2026, 3, 2, 9),
            2,
            events=[
                (zh(2026, 3, 2, 11), "status", "pending"),
                (zh(2026, 3, 4, 10), "status", "solved"),
            ],
        )
        out = desk.evaluate(t, now=NOW).resolution
        # counted: Mon 09:00-11:00 = 2 h; paused: Mon 11-17 (6 h) + Tue (9 h) + Wed 08-10 (2 h) = 17 h
        assert out.stopped_at == zh(2026, 3, 4, 10)
        assert out.elapsed == 2 * H
        assert out.paused == 17 * H
        assert out.elapsed + out.paused == 19 * H  # all open time from opening to the stop
        assert out.status == "met"
        # 2 business days = 18 h; 16 h left at the resume (= the stop, Wed 10:00):
        # Wed 10-17 = 7 h, Thu 08-17 = 9 h → due Thu 5 Mar 17:00
        assert out.due_at == zh(2026, 3, 5, 17)
        assert out.pause_reasons == ("pending",)
        assert "paused (status pending)" in out.explain()

    def test_pause_events_mean_the_same_as_a_pause_status(self, desk: Any) -> None:
        """pause / resume events give the numbers a pause status gives."""
        by_status = Ticket(
            "S",
            zh(2026, 3, 2, 9),
            2,
            events=[
                (zh(2026, 3, 2, 11), "status", "on-hold"),
                (zh(2026, 3, 3, 10), "status", "open"),
                (zh(2026, 3, 3, 15), "status", "closed"),
            ],
        )
        by_event = Ticket(
            "E",
            zh(2026, 3, 2, 9),
            2,
            events=[
                (zh(2026, 3, 2, 11), "pause"),
                (zh(2026, 3, 3, 10), "resume"),
                (zh(2026, 3, 3, 15), "resolved"),
            ],
        )
        a = desk.evaluate(by_status, now=NOW).resolution
        b = desk.evaluate(by_event, now=NOW).resolution
        # Mon 09-11 = 2 h, Tue 10-15 = 5 h → 7 h used; paused Mon 11-17 + Tue 08-10 = 8 h
        assert a.elapsed == b.elapsed == 7 * H
        assert a.paused == b.paused == 8 * H
        assert a.due_at == b.due_at
        assert a.stopped_at == b.stopped_at == zh(2026, 3, 3, 15)

    def test_a_response_clock_runs_on_while_pending(self, desk: Any) -> None:
        """only pausable metrics stop in a pause status: the initial response breaches while pending."""
        t = Ticket("G-1", zh(2026, 3, 2, 9), 1, events=[(zh(2026, 3, 2, 10), "status", "pending")])
        out = desk.evaluate(t, now=zh(2026, 3, 2, 15)).initial_response
        # 4 h from Mon 09:00 → due 13:00; at 15:00 two hours late, still running
        assert out.due_at == zh(2026, 3, 2, 13)
        assert out.status == "breached"
        assert out.late_by == 2 * H
        assert out.pauses == ()

    def test_resolution_paused_at_now_projects_the_due_instant(self, desk: Any) -> None:
        """a clock paused at now is pending with its due instant projected from now."""
        t = Ticket("G-2", zh(2026, 3, 2, 9), 1, events=[(zh(2026, 3, 2, 10), "status", "pending")])
        out = desk.evaluate(t, now=zh(2026, 3, 3, 9)).resolution
        # 1 h used Mon 09-10; 3 h left from now (Tue 09:00) → Tue 12:00
        assert out.status == "pending"
        assert out.paused_now
        assert out.remaining == 3 * H
        assert out.due_at == zh(2026, 3, 3, 12)


class TestSeverityChangeWhilePaused:
    """Sev 3 opened Mon 2 Mar 09:00, pending 10:00, raised to Sev 1 Tue 10:00 (paused), open Tue 14:00,
    resolved Wed 09:00. Counted: Mon 09-10 (1 h) + Tue 14-17 (3 h) + Wed 08-09 (1 h) = 5 h."""

    EVENTS: ClassVar[list[tuple[datetime, str, str]]] = [
        (zh(2026, 3, 2, 10), "status", "pending"),
        (zh(2026, 3, 3, 10), "severity", "1"),
        (zh(2026, 3, 3, 14), "status", "open"),
        (zh(2026, 3, 4, 9), "status", "solved"),
    ]

    def ticket(self) -> Ticket:
        return Ticket("GLPI-6902", zh(2026, 3, 2, 9), 3, events=self.EVENTS)

    def test_recalculate(self, desk: Any) -> None:
        """recalculate: Sev 1's 4 h from the opening, pause excluded: due Tue 17:00, 1 h late."""
        out = desk.evaluate(self.ticket(), now=NOW).resolution
        # 1 h Mon, pause to Tue 14:00, 3 h → due Tue 17:00
        assert out.klass == "1"
        assert out.elapsed == 5 * H
        assert out.due_at == zh(2026, 3, 3, 17)
        assert out.late_by == H
        # wall: Tue 17:00 → Wed 09:00 = 16 h
        assert out.late_by_wall == 16 * H

    def test_restart(self, tmp_path: Path) -> None:
        """restart: the clock starts again at the change (Tue 10:00, still paused until 14:00)."""
        plan = policy_with(tmp_path, severity_change='"restart"').plan("desk")
        out = plan.evaluate(self.ticket(), now=NOW).resolution
        # counted from Tue 10:00: paused to 14:00, then Tue 14-17 (3 h) + Wed 08-09 (1 h) = 4 h
        assert out.started_at == zh(2026, 3, 3, 10)
        assert out.elapsed == 4 * H
        assert out.due_at == zh(2026, 3, 4, 9)
        assert out.status == "met"

    def test_initial(self, tmp_path: Path) -> None:
        """initial: Sev 3's 3 business days (27 h) govern: 5 h used, met."""
        plan = policy_with(tmp_path, severity_change='"initial"').plan("desk")
        out = plan.evaluate(self.ticket(), now=NOW).resolution
        assert out.klass == "3"
        assert out.elapsed == 5 * H
        assert out.status == "met"


class TestBadHistories:
    def test_unknown_author(self) -> None:
        """a message from neither customer nor agent names the ticket, index, kind and value."""
        with pytest.raises(
            TicketError,
            match=r"ticket 'B-1': message event at 2026-03-02T10:00:00\+01:00 \(events\[1\], value 'bot'\) "
            r"has an unknown author; expected value customer or agent",
        ):
            Ticket(
                "B-1",
                zh(2026, 3, 2, 9),
                1,
                events=[
                    (zh(2026, 3, 2, 9, 30), "message", "customer"),
                    (zh(2026, 3, 2, 10), "message", "bot"),
                ],
            )

    def test_message_before_opening(self) -> None:
        """a message before the ticket was opened is a timeline error naming the event."""
        with pytest.raises(
            TimelineError,
            match=r"'B-2': message event at 2026-03-02T08:00:00\+01:00 \(events\[0\], value 'customer'\) "
            r"is before opened_at",
        ):
            Ticket("B-2", zh(2026, 3, 2, 9), 1, events=[(zh(2026, 3, 2, 8), "message", "customer")])

    def test_resume_without_pause(self, desk: Any) -> None:
        """with statuses in play, a resume that follows no pause is refused at evaluation."""
        t = Ticket(
            "B-3",
            zh(2026, 3, 2, 9),
            1,
            events=[(zh(2026, 3, 2, 10), "status", "open"), (zh(2026, 3, 2, 11), "resume")],
        )
        with pytest.raises(
            TimelineError,
            match=r"'B-3': resume event at 2026-03-02T11:00:00\+01:00 \(events\[1\], value None\) "
            r"without a pause before it",
        ):
            desk.evaluate(t, now=NOW)

    def test_resume_leaves_a_pause_status(self, desk: Any) -> None:
        """a resume after a pause status leaves it, like entering an open status."""
        t = Ticket(
            "B-4",
            zh(2026, 3, 2, 9),
            1,
            events=[(zh(2026, 3, 2, 10), "status", "pending"), (zh(2026, 3, 2, 11), "resume")],
        )
        out = desk.evaluate(t, now=zh(2026, 3, 2, 12)).resolution
        assert out.paused == H

    def test_pause_while_pending(self, desk: Any) -> None:
        """a pause event while already in a pause status is an overlapping pause."""
        t = Ticket(
            "B-5",
            zh(2026, 3, 2, 9),
            1,
            events=[(zh(2026, 3, 2, 10), "status", "pending"), (zh(2026, 3, 2, 11), "pause")],
        )
        with pytest.raises(
            TimelineError, match=r"events\[1\].*while already paused \(by status 'pending'\)"
        ):
            desk.evaluate(t, now=NOW)

    def test_unknown_status(self, desk: Any) -> None:
        """a status the policy does not map is an error naming it and the known ones."""
        t = Ticket("B-6", zh(2026, 3, 2, 9), 1, events=[(zh(2026, 3, 2, 10), "status", "Triage")])
        with pytest.raises(UnknownStatusError) as info:
            desk.evaluate(t, now=NOW)
        assert str(info.value) == (
            "ticket 'B-6': status event at 2026-03-02T10:00:00+01:00 (events[0], value 'Triage') "
            "names a status the policy does not map; expected one of new, open, pending, on-hold, solved, closed"
        )
        assert info.value.status == "Triage"

    def test_unknown_status_read_as_open(self, tmp_path: Path) -> None:
        """unknown_statuses = "open" reads it as open and lists it on the evaluation."""
        plan = policy_with(tmp_path, unknown_statuses='"open"').plan("desk")
        t = Ticket(
            "B-7",
            zh(2026, 3, 2, 9),
            1,
            events=[
                (zh(2026, 3, 2, 10), "status", "pending"),
                (zh(2026, 3, 2, 11), "status", "Triage"),
            ],
        )
        evaluation = plan.evaluate(t, now=zh(2026, 3, 2, 12))
        assert evaluation.unknown_statuses == ("Triage",)
        assert evaluation.resolution.paused == H  # pending 10-11, then 'Triage' counts as open

    def test_status_names_compare_loosely(self, desk: Any) -> None:
        """'On Hold', 'on_hold' and 'on-hold' are the same status."""
        t = Ticket(
            "B-8",
            zh(2026, 3, 2, 9),
            1,
            events=[
                (zh(2026, 3, 2, 10), "status", "On Hold"),
                (zh(2026, 3, 2, 11), "status", "Open"),
            ],
        )
        assert desk.evaluate(t, now=zh(2026, 3, 2, 12)).resolution.paused == H

    def test_a_status_in_two_lists_is_refused(self, tmp_path: Path) -> None:
        """a policy may not list one status as both pausing and solving."""
        from slacalc.exceptions import PolicyFileError

        with pytest.raises(
            PolicyFileError, match=r"solved_statuses\[0\].*already in pause_statuses"
        ):
            policy_with(tmp_path, solved_statuses='["pending"]')
