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


class TestNextReply:
    """Sev 2 (next reply 4 business hours), opened Wed 1 Apr 2026 09:00, first reply 10:00."""

    OPENED = zh(2026, 4, 1, 9)
    EVENTS: ClassVar[list[tuple[datetime, str, str]]] = [
        (zh(2026, 4, 1, 9, 30), "message", "customer"),  # before the first reply: no clock
        (zh(2026, 4, 1, 10), "message", "agent"),  # first response
        # 1: Thu 15:00 → Tue 10:00 across Good Friday, the weekend and Easter Monday
        (zh(2026, 4, 2, 15), "message", "customer"),
        (zh(2026, 4, 7, 10), "message", "agent"),
        # 2: Tue 16:00 (a second message at 16:30 starts nothing) → Wed 12:00
        (zh(2026, 4, 7, 16), "message", "customer"),
        (zh(2026, 4, 7, 16, 30), "message", "customer"),
        (zh(2026, 4, 8, 12), "message", "agent"),
        # 3: Fri 16:00 → Mon 09:00 across a weekend
        (zh(2026, 4, 10, 16), "message", "customer"),
        (zh(2026, 4, 13, 9), "message", "agent"),
    ]

    def test_three_instances_one_breached(self, desk: Any) -> None:
        """each exchange is judged on its own; the aggregate is breached by the worst one."""
        t = Ticket("NR-1", self.OPENED, 2, events=self.EVENTS)
        out = desk.evaluate(t, now=NOW).next_reply
        first, second, third = out.instances
        # 1: Thu 15-17 (2 h); Fri 3 (Good Friday), Sat, Sun, Mon 6 (Easter Monday) closed;
        #    Tue 08-10 (2 h) = 4 h: exactly the objective, due Tue 10:00 → met
        assert first.started_at == zh(2026, 4, 2, 15)
        assert first.due_at == zh(2026, 4, 7, 10)
        assert first.elapsed == 4 * H
        assert first.status == "met"
        assert [d["name"] for d in first.facts()["closed_dates"]] == [
            "Good Friday",
            "Easter Monday",
        ]
        # 2: Tue 16-17 (1 h) + Wed 08-12 (4 h) = 5 h; due Tue 16:00 + 1 h + Wed 3 h = Wed 11:00
        assert second.started_at == zh(2026, 4, 7, 16)
        assert second.due_at == zh(2026, 4, 8, 11)
        assert second.elapsed == 5 * H
        assert second.status == "breached"
        assert second.late_by == H
        assert second.credit_days == 4  # ceil(60 min / 15 min)
        # 3: Fri 16-17 (1 h) + Mon 08-09 (1 h) = 2 h; due Mon 11:00
        assert third.due_at == zh(2026, 4, 13, 11)
        assert third.elapsed == 2 * H
        assert third.status == "met"
        assert [o.instance for o in out.instances] == [0, 1, 2]
        assert out.status == "breached"
        assert out.late_by == H
        assert out.credit_days == 4
        assert out.elapsed == 11 * H
        assert out.breaches == 1
        assert "3 instances, 1 breached" in out.explain()

    def test_a_running_instance_is_pending(self, desk: Any) -> None:
        """a customer message still unanswered at now is a running instance with time left."""
        events = [
            (zh(2026, 4, 1, 10), "message", "agent"),
            (zh(2026, 4, 13, 16), "message", "customer"),
        ]
        t = Ticket("NR-2", self.OPENED, 2, events=events)
        out = desk.evaluate(t, now=zh(2026, 4, 14, 9)).next_reply
        (only,) = out.instances
        # Mon 16-17 (1 h) + Tue 08-09 (1 h) = 2 h used, 2 h left → due Tue 11:00
        assert out.status == "pending"
        assert out.remaining == 2 * H
        assert out.due_at == zh(2026, 4, 14, 11)
        assert only.stopped_at is None

    def test_no_instance_before_the_first_reply(self, desk: Any) -> None:
        """customer messages before the first response start no next-reply clock."""
        t = Ticket("NR-3", self.OPENED, 2, events=[(zh(2026, 4, 1, 9, 30), "message", "customer")])
        out = desk.evaluate(t, now=NOW).next_reply
        assert out.instances == ()
        assert out.status == "not_applicable"

    def test_a_response_field_arms_it(self, desk: Any) -> None:
        """responded_at counts as the first response, like an agent message."""
        t = Ticket(
            "NR-4",
            self.OPENED,
            2,
            responded_at=zh(2026, 4, 1, 10),
            events=[
                (zh(2026, 4, 1, 11), "message", "customer"),
                (zh(2026, 4, 1, 12), "message", "agent"),
            ],
        )
        (only,) = desk.evaluate(t, now=NOW).next_reply.instances
        assert only.elapsed == H

    def test_solved_stops_it(self, desk: Any) -> None:
        """solving the ticket stops a waiting next-reply clock; a message while solved starts none."""
        events = [
            (zh(2026, 4, 1, 10), "message", "agent"),
            (zh(2026, 4, 1, 11), "message", "customer"),
            (zh(2026, 4, 1, 12), "status", "solved"),
            (zh(2026, 4, 1, 13), "message", "customer"),
        ]
        out = desk.evaluate(Ticket("NR-5", self.OPENED, 2, events=events), now=NOW).next_reply
        (only,) = out.instances
        assert only.stopped_at == zh(2026, 4, 1, 12)
        assert out.status == "met"


class TestPeriodicUpdate:
    """Sev 1 (an update every 4 business hours), opened Mon 2 Mar 2026 09:00."""

    def test_until_solved(self, desk: Any) -> None:
        """each agent message stops the running update clock and starts the next, until solved."""
        events = [
            (zh(2026, 3, 2, 10), "message", "agent"),  # starts 1
            (zh(2026, 3, 2, 16), "message", "agent"),  # stops 1 (6 h), starts 2
            (
                zh(2026, 3, 3, 11),
                "message",
                "agent",
            ),  # stops 2 (Mon 16-17 + Tue 08-11 = 4 h), starts 3
            (zh(2026, 3, 3, 13), "status", "solved"),  # stops 3 (2 h)
            (zh(2026, 3, 3, 14), "message", "agent"),  # solved: starts nothing
        ]
        t = Ticket("PU-1", zh(2026, 3, 2, 9), 1, events=events)
        evaluation = desk.evaluate(t, now=NOW)
        out = evaluation.periodic_update
        first, second, third = out.instances
        # 1: Mon 10:00 + 4 h = 14:00; answered 16:00 → 2 h late, ceil(120 / 15) = 8 days
        assert first.due_at == zh(2026, 3, 2, 14)
        assert first.late_by == 2 * H
        assert first.credit_days == 8
        # 2: Mon 16:00 + 1 h (to 17:00) + 3 h Tue = Tue 11:00: answered exactly then → met
        assert second.due_at == zh(2026, 3, 3, 11)
        assert second.status == "met"
        # 3: Tue 11:00 → solved 13:00, 2 h → met
        assert third.stopped_at == zh(2026, 3, 3, 13)
        assert third.elapsed == 2 * H
        assert out.status == "breached"
        assert out.credit_days == 8
        # the first agent message was also the first response: Mon 09:00 → 10:00
        assert evaluation.initial_response.elapsed == H
        # credits over the ticket: initial response met (0) + next reply (none) + updates 8
        assert evaluation.credit_days == 8


class TestTotals:
    """Opened Mon 2 Mar 2026 09:00; pending 11:00; open Tue 10:00; solved 15:00; re-opened Wed 09:00,
    solved again Wed 12:00."""

    EVENTS: ClassVar[list[tuple[datetime, str, str]]] = [
        (zh(2026, 3, 2, 11), "status", "pending"),
        (zh(2026, 3, 3, 10), "status", "open"),
        (zh(2026, 3, 3, 15), "status", "solved"),
        (zh(2026, 3, 4, 9), "status", "open"),
        (zh(2026, 3, 4, 12), "status", "solved"),
    ]

    def test_requester_wait_and_agent_work(self, desk: Any) -> None:
        """the totals count open business time across re-openings, and stop while solved."""
        t = Ticket("TT-1", zh(2026, 3, 2, 9), 2, events=self.EVENTS)
        evaluation = desk.evaluate(t, now=NOW)
        for out in (evaluation.requester_wait, evaluation.agent_work):
            # Mon 09-11 (2 h) + Tue 10-15 (5 h) + Wed 09-12 (3 h) = 10 h
            assert out.elapsed == 10 * H
            # pending Mon 11-17 (6 h) + Tue 08-10 (2 h); solved Tue 15-17 (2 h) + Wed 08-09 (1 h)
            assert out.paused == 11 * H
            assert out.pause_reasons == ("pending", "solved")
            assert out.stopped_at == zh(2026, 3, 4, 12)
            assert out.status == "met"
        # agent work: 2 business days = 18 h; requester wait: 3 = 27 h
        assert evaluation.agent_work.remaining is None
        assert evaluation.requester_wait.target == "3 business days on office"

    def test_running_total_while_open(self, desk: Any) -> None:
        """a re-opened ticket's total runs on from where it stopped."""
        t = Ticket("TT-2", zh(2026, 3, 2, 9), 2, events=self.EVENTS[:4])
        out = desk.evaluate(t, now=zh(2026, 3, 4, 10)).agent_work
        # 2 h + 5 h + Wed 09-10 (1 h) = 8 h of 18 h
        assert out.status == "pending"
        assert out.elapsed == 8 * H
        assert out.remaining == 10 * H
        # 10 h left from Wed 10:00: Wed 10-17 (7 h) + Thu 08-11 (3 h) → Thu 11:00
        assert out.due_at == zh(2026, 3, 5, 11)


class TestAggregateSurface:
    def test_untargeted_repeating_metric_is_not_applicable(self) -> None:
        """a plan without a next-reply target reads as not applicable, with no instances."""
        plan = load_policy("zitadel-2023").plan("extended")
        evaluation = plan.evaluate(Ticket("U-1", zh(2026, 3, 2, 9), 1), now=NOW)
        assert evaluation.next_reply.status == "not_applicable"
        assert evaluation.next_reply.instances == ()
        assert "next_reply" not in evaluation.outcomes

    def test_facts_are_json(self, desk: Any) -> None:
        """an aggregate's facts, instances included, are plain JSON data."""
        import json

        t = Ticket("U-2", TestNextReply.OPENED, 2, events=TestNextReply.EVENTS)
        facts = desk.evaluate(t, now=NOW).next_reply.facts()
        assert json.loads(json.dumps(facts))["instances"][1]["late_by_seconds"] == 3600

    def test_pickles(self, desk: Any) -> None:
        """aggregates pickle and compare equal (for Dask and Spark workers)."""
        import pickle

        t = Ticket("U-3", TestNextReply.OPENED, 2, events=TestNextReply.EVENTS)
        out = desk.evaluate(t, now=NOW).next_reply
        again = pickle.loads(pickle.dumps(out))
        assert again == out
        assert again.instances[1].late_by == H

    def test_frame_engine_takes_the_row_path(self, desk: Any) -> None:
        """evaluate_frame gives next_reply the numbers plan.evaluate gives."""
        pd = pytest.importorskip("pandas")
        from slacalc.pandas import evaluate_frame

        events = [
            {"at": at.isoformat(), "kind": k, "value": v} for at, k, v in TestNextReply.EVENTS
        ]
        frame = pd.DataFrame(
            {
                "id": ["F-1", "F-2"],
                "opened_at": [TestNextReply.OPENED.isoformat()] * 2,
                "severity": ["2", "2"],
                "events": [events, []],
            }
        )
        out = evaluate_frame(frame, plan=desk, metric="next_reply", now=NOW)
        assert list(out["status"]) == ["breached", "not_applicable"]
        assert out["late_by"].iloc[0] == H


class TestClockModel:
    def test_a_metric_of_ones_own(self, tmp_path: Path) -> None:
        """a policy defines a metric in the clock model and a plan targets it like a built-in."""
        text = POLICY_FILE.read_text(encoding="utf-8") + (
            "\n[metrics.pausable_update]\n"
            'start = ["message:agent"]\nstop = ["message:agent", "solved"]\n'
            'pause = ["pending"]\nrepeat = true\n'
            '\n[plans.desk.targets.pausable_update]\nall = "4 business hours"\n'
        )
        path = tmp_path / "own.toml"
        path.write_text(text, encoding="utf-8")
        plan = load_policy(path).plan("desk")
        events = [
            (zh(2026, 3, 2, 10), "message", "agent"),
            (zh(2026, 3, 2, 11), "status", "pending"),
            (zh(2026, 3, 3, 9), "status", "open"),
            (zh(2026, 3, 3, 12), "message", "agent"),
        ]
        out = plan.evaluate(Ticket("C-1", zh(2026, 3, 2, 9), 1, events=events), now=NOW)
        first = out["pausable_update"].instances[0]  # type: ignore[attr-defined]
        # Mon 10-11 (1 h) + Tue 09-12 (3 h) = 4 h; paused Mon 11-17 + Tue 08-09 = 7 h
        assert first.elapsed == 4 * H
        assert first.paused == 7 * H
        assert first.status == "met"
        assert plan.metrics()[-1] == "pausable_update"
        # the built-in periodic update does not pause: Mon 10:00 → Tue 12:00 = 7 h + 4 h = 11 h
        assert out.periodic_update.instances[0].elapsed == 11 * H

    @pytest.mark.parametrize(
        ("table", "message"),
        [
            (
                'start = ["openned"]',
                "metrics.mine.start[0]: unknown trigger 'openned'; expected one of opened, response",
            ),
            (
                'start = ["opened"]\nstop = ["status:"]',
                "metrics.mine.stop[0]: unknown trigger 'status:'",
            ),
            ("start = []", "metrics.mine.start: invalid value []; expected at least 1 item"),
            (
                'start = ["opened"]\nrepeat = "forever"',
                "metrics.mine.repeat: invalid value 'forever'",
            ),
        ],
    )
    def test_errors(self, tmp_path: Path, table: str, message: str) -> None:
        """a bad clock names the key path and what was expected."""
        from slacalc.exceptions import PolicyFileError

        path = tmp_path / "bad.toml"
        path.write_text(
            POLICY_FILE.read_text(encoding="utf-8") + f"\n[metrics.mine]\n{table}\n",
            encoding="utf-8",
        )
        with pytest.raises(PolicyFileError) as info:
            load_policy(path)
        assert message in str(info.value)

    def test_unknown_metric_in_credits(self, tmp_path: Path) -> None:
        """credits may only name metrics the policy knows."""
        from slacalc.exceptions import PolicyFileError

        text = POLICY_FILE.read_text(encoding="utf-8").replace(
            'metrics = ["initial_response", "next_reply", "periodic_update"]',
            'metrics = ["initial_response", "next_replies"]',
        )
        path = tmp_path / "bad.toml"
        path.write_text(text, encoding="utf-8")
        with pytest.raises(
            PolicyFileError, match=r"credits.metrics\[1\]: unknown metric 'next_replies'"
        ):
            load_policy(path)

    def test_schema_describes_the_clock_model(self) -> None:
        """the published JSON Schema has the metrics table and the status lists."""
        from slacalc import policy_schema

        schema = policy_schema()
        assert {"metrics", "pause_statuses", "solved_statuses"} <= set(schema["properties"])
        clock = schema["$defs"]["MetricModel"]["properties"]
        assert {"start", "stop", "pause", "repeat", "after", "class"} <= set(clock)


def with_alerts(tmp_path: Path, alerts: str, measure: str | None = None) -> Any:
    """The desk plan with an alerts table (and perhaps alert_measure)."""
    text = POLICY_FILE.read_text(encoding="utf-8")
    if measure is not None:
        text = text.replace(
            'pausable = ["resolution"]', f'pausable = ["resolution"]\nalert_measure = "{measure}"'
        )
    path = tmp_path / "alerts.toml"
    path.write_text(text + f"\n[plans.desk.alerts]\n{alerts}\n", encoding="utf-8")
    return load_policy(path).plan("desk")


class TestAlerts:
    """Sev 2 initial response (8 business hours), opened Fri 6 Mar 2026 13:00: Fri 13-17 (4 h) +
    Mon 08-12 (4 h) → due Mon 9 Mar 12:00. The wall-clock span is 71 h."""

    TICKET = Ticket("A-1", zh(2026, 3, 6, 13), 2)

    def test_business_hours_alerts_stay_in_business_hours(self, tmp_path: Path) -> None:
        """75 % and '30 minutes before' are open time: Monday 10:00 and 11:30, not Sunday."""
        plan = with_alerts(tmp_path, 'initial_response = ["30 minutes before", "75%"]')
        out = plan.evaluate(self.TICKET, now=zh(2026, 3, 6, 14)).initial_response
        # 75 % of 8 h = 6 h: Fri 13-17 (4 h) + Mon 08-10 (2 h) → Mon 10:00
        # 30 minutes before: 7 h 30 min of open time → Mon 11:30
        assert [(a.label, a.at) for a in out.alerts] == [
            ("75%", zh(2026, 3, 9, 10)),
            ("30 minutes before", zh(2026, 3, 9, 11, 30)),
        ]
        assert out.next_alert() == out.alerts[0]
        assert (
            "alerts (open time on the calendar): 75% at Mon 2026-03-09 10:00+01:00" in out.explain()
        )

    def test_wall_clock_alerts_where_the_policy_says_so(self, tmp_path: Path) -> None:
        """alert_measure = "wall": 75 % of the 71 h span is Sunday 18:15, as Zammad's reminders fall."""
        plan = with_alerts(tmp_path, 'initial_response = ["75%", "30 minutes before"]', "wall")
        out = plan.evaluate(self.TICKET, now=zh(2026, 3, 6, 14)).initial_response
        # 0.75 × 71 h = 53 h 15 min after Fri 13:00 → Sun 8 Mar 18:15; 30 min before Mon 12:00
        assert [(a.label, a.at) for a in out.alerts] == [
            ("75%", zh(2026, 3, 8, 18, 15)),
            ("30 minutes before", zh(2026, 3, 9, 11, 30)),
        ]

    def test_alerts_move_with_pauses_and_never_pass_due(self, tmp_path: Path) -> None:
        """a pause pushes the alerts as it pushes due; a lead longer than the target alerts at the start."""
        plan = with_alerts(tmp_path, 'resolution = ["50%", "5 business hours before", "100%"]')
        # Sev 1 resolution 4 h, Mon 2 Mar 09:00; pending 10:00-14:00
        t = Ticket(
            "A-2",
            zh(2026, 3, 2, 9),
            1,
            events=[
                (zh(2026, 3, 2, 10), "status", "pending"),
                (zh(2026, 3, 2, 14), "status", "open"),
            ],
        )
        out = plan.evaluate(t, now=zh(2026, 3, 2, 15)).resolution
        # 50 % = 2 h: 09-10 (1 h), paused to 14:00, 14-15 → 15:00; 100 % = due 17:00;
        # 5 h before a 4 h target: the instant the clock first runs, 09:00
        assert [(a.label, a.at) for a in out.alerts] == [
            ("5 business hours before", zh(2026, 3, 2, 9)),
            ("50%", zh(2026, 3, 2, 15)),
            ("100%", zh(2026, 3, 2, 17)),
        ]
        assert out.due_at == zh(2026, 3, 2, 17)

    def test_every_instance_has_its_alerts(self, tmp_path: Path) -> None:
        """each next-reply instance lists its own alerts."""
        plan = with_alerts(tmp_path, 'next_reply = ["75%"]')
        t = Ticket("A-3", TestNextReply.OPENED, 2, events=TestNextReply.EVENTS)
        out = plan.evaluate(t, now=NOW).next_reply
        # instance 2: Tue 7 Apr 16:00, 75 % of 4 h = 3 h: Tue 16-17 + Wed 08-10 → Wed 10:00
        assert out.instances[1].alerts[0].at == zh(2026, 4, 8, 10)

    @pytest.mark.parametrize(
        ("alerts", "message"),
        [
            (
                'initial_response = ["120%"]',
                "plans.desk.alerts.initial_response[0]: invalid alert '120%'; expected a share above 0% and at most 100%",
            ),
            (
                'initial_response = ["soon"]',
                "invalid alert 'soon'; expected a share of the target such as '75%'",
            ),
            ('nxt_reply = ["50%"]', "plans.desk.alerts.nxt_reply: unknown metric 'nxt_reply'"),
        ],
    )
    def test_errors(self, tmp_path: Path, alerts: str, message: str) -> None:
        """a bad alert names where it is and what was expected."""
        from slacalc.exceptions import PolicyFileError

        with pytest.raises(PolicyFileError) as info:
            with_alerts(tmp_path, alerts)
        assert message in str(info.value)
