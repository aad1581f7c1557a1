"""Timers: the running clocks of an open ticket, for a scheduler or a pager.

>>> from slacalc import Ticket, load_policy
>>> plan = load_policy("freistilbox").plan("standard")
>>> berlin = ZoneInfo("Europe/Berlin")
>>> ticket = Ticket("F-1", datetime(2026, 3, 6, 19, 30, tzinfo=berlin), "normal")
>>> [(t.metric, t.due_at.isoformat()) for t in plan.timers(ticket, datetime(2026, 3, 6, 19, 45, tzinfo=berlin))]
[('dispatch', '2026-03-09T08:30:00+01:00'), ('initial_response', '2026-03-09T19:30:00+01:00')]
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from slacalc._evaluation.alerts import Alert

if TYPE_CHECKING:
    from slacalc._evaluation.evaluate import Evaluation, Outcome

__all__ = ["Timer", "timers"]


@dataclass(frozen=True, slots=True)
class Timer:
    """One running clock of a ticket at ``now``.

    ``instance`` is the 0-based number of the clock among the metric's
    instances for repeating metrics (``next_reply``, ``periodic_update``) and
    None for the others. ``remaining`` is business time left (zero once
    breached); ``due_at`` is projected from ``now`` while ``paused``;
    ``next_alert`` is the first alert still ahead, or None.
    """

    ticket_id: str
    metric: str
    instance: int | None
    klass: str | None
    status: str
    started_at: datetime
    due_at: datetime
    remaining: timedelta
    paused: bool
    next_alert: Alert | None
    target: str
    late_by: timedelta

    @property
    def breached(self) -> bool:
        """Whether the objective has already run out."""
        return self.status == "breached"

    @property
    def next_at(self) -> datetime:
        """The next instant someone should hear of this clock: its next alert, else its due instant."""
        if self.next_alert is not None and self.next_alert.at < self.due_at:
            return self.next_alert.at
        return self.due_at


def timers(evaluation: Evaluation) -> list[Timer]:
    """The running clocks of an evaluation that have an objective, soonest due first."""
    out: list[Timer] = []
    for outcome in evaluation.outcomes.values():
        instances = getattr(outcome, "instances", None)
        for item in (outcome,) if instances is None else instances:
            timer = _timer(item)
            if timer is not None:
                out.append(timer)
    out.sort(key=lambda t: (t.due_at, t.metric, t.instance or 0))
    return out


def _timer(outcome: Outcome) -> Timer | None:
    if not outcome.running or outcome.status == "not_applicable":
        return None
    due = outcome.due_at
    started = outcome.started_at
    remaining = outcome.remaining
    if due is None or started is None or remaining is None:
        return None
    return Timer(
        ticket_id=outcome.ticket_id,
        metric=outcome.metric,
        instance=outcome.instance,
        klass=outcome.klass,
        status=outcome.status,
        started_at=started,
        due_at=due,
        remaining=remaining,
        paused=outcome.paused_now,
        next_alert=outcome.next_alert(),
        target=outcome.target,
        late_by=outcome.late_by,
    )
