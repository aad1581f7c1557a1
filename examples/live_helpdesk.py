"""Live helpdesk metrics: one ticket's exchanges, pauses and custom clocks, judged as of a fixed now.

Run it with ``python examples/live_helpdesk.py``. The policy is
``examples/live_policy.toml``: office hours in Zurich, the helpdesk's own status
names, and two metrics of its own written in the clock model. The script
prints each metric's outcome (repeating metrics instance by instance) and
exits non-zero if a number differs from the one worked out by hand here.
"""

from __future__ import annotations

import sys
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from slacalc import Ticket, load_policy

ZURICH = ZoneInfo("Europe/Zurich")
HERE = Path(__file__).parent


def zh(*args: int) -> datetime:
    return datetime(*args, tzinfo=ZURICH)  # type: ignore[misc]


def main() -> int:
    policy = load_policy(HERE / "live_policy.toml")
    plan = policy.plan("standard")  # type: ignore[union-attr]
    ticket = Ticket(
        "ACME-1042",
        zh(2026, 3, 2, 9),  # Monday
        severity=2,
        channel="email",
        events=[
            (zh(2026, 3, 2, 9, 40), "response"),  # a phone call: the first response
            (zh(2026, 3, 2, 11), "message", "agent"),  # the first written reply
            (zh(2026, 3, 2, 11, 5), "status", "Waiting for customer"),
            (zh(2026, 3, 3, 10), "message", "customer"),  # Tue
            (zh(2026, 3, 3, 10), "status", "Open"),
            (zh(2026, 3, 3, 15), "message", "agent"),
            (zh(2026, 3, 3, 15, 30), "status", "On-hold"),  # waiting on a supplier
            (zh(2026, 3, 4, 9), "status", "In Progress"),  # Wed
            (zh(2026, 3, 4, 9, 30), "message", "customer"),
        ],
    )
    now = zh(2026, 3, 4, 14)
    evaluation = plan.evaluate(ticket, now=now)
    for outcome in evaluation:
        instances = getattr(outcome, "instances", None)
        line = f"{outcome.metric:<22} {outcome.status:<15} due {outcome.due_at}"
        print(line if outcome.due_at else f"{outcome.metric:<22} {outcome.status}")
        for item in instances or ():
            print(
                f"  #{item.instance}: {item.started_at:%a %H:%M} → {item.status}, used {item.elapsed}"
            )
    print()
    print("running clocks, soonest due first:")
    for timer in plan.timers(ticket, now):
        print(f"  {timer.metric:<22} due {timer.due_at:%a %d %b %H:%M}, {timer.remaining} left")

    h = timedelta(hours=1)
    checks = {
        # the phone call at 09:40 answered the ticket: 40 minutes of 4 business hours
        "initial response used": (evaluation.initial_response.elapsed, 40 * timedelta(minutes=1)),
        # the first written reply came at 11:00: 2 business hours
        "first written reply used": (evaluation["first_written_reply"].elapsed, 2 * h),
        # next reply #1: Tue 10:00 → 15:00 = 5 h of 4 h: breached by 1 h
        "next reply worst lateness": (evaluation.next_reply.late_by, h),
        # pausable update #1 (11:00 Mon → 15:00 Tue) paused Mon 11:05 → Tue 10:00:
        # Mon 11:00-11:05 + Tue 10:00-15:00 = 5 h 5 min of 9 h
        "pausable update #1 used": (
            evaluation["pausable_update"].instances[0].elapsed,  # type: ignore[attr-defined]
            5 * h + 5 * timedelta(minutes=1),
        ),
        # requester wait counts on-hold (Tue 15:30 → Wed 09:00) but not waiting for customer:
        # Mon 09:00-11:05 (2 h 5 min) + Tue 10:00-17:00 (7 h) + Wed 08:00-14:00 (6 h)
        "requester wait": (evaluation.requester_wait.elapsed, 15 * h + 5 * timedelta(minutes=1)),
    }
    failed = [f"{k}: {got} != {want}" for k, (got, want) in checks.items() if got != want]
    for line in failed:
        print("MISMATCH", line, file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
