"""A plain replay of a ticket's events over a minute-by-minute calendar, to check slacalc against.

It knows nothing of slacalc's clock engine. Each built-in metric's rule
(SPEC §2.2 and §8, docs/evaluation.md) is written out by hand below as the plain
statement of when its clocks start and stop; the status history is replayed
into "paused" and "solved" flags; and every number is counted one open
minute at a time on a :class:`reference.Timeline`:

* events are taken in time order; at one instant, severity changes first,
  then status changes (``status``, ``pause``, ``resume``), then the rest, in
  the order given;
* a minute is counted for a clock when the calendar is open in it and the
  clock is not paused in it (a pause that is still on at *now* is taken to end
  at *now*, so minutes from *now* on are never paused; a pause that starts
  after the clock stopped does not touch it);
* an objective of *d* minutes is due at the end of the *d*-th counted minute;
  lateness is counted minutes beyond *d* (business) or the wall time from due
  to the stop (or *now*).

Everything is minute-aligned (instants, targets, pauses), so counting minutes
is exact.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from fractions import Fraction

from reference import MINUTE, ReferenceCalendar, Timeline

RANK = {"severity": 1, "status": 2, "pause": 2, "resume": 2}
PAUSE_STATUSES = {"pending", "on-hold"}
SOLVED_STATUSES = {"solved", "closed"}
OPEN_STATUSES = {"new", "open"}


class BadHistory(Exception):
    """The events do not make a consistent history (the reference's reading)."""


def fast_timeline(calendar: ReferenceCalendar, lo: datetime, hi: datetime) -> Timeline:
    """The same minute flags as ``Timeline.of``, marked window by window (fast for long ranges)."""
    n = (hi - lo) // MINUTE
    flags = [False] * n
    for start, end in calendar.window_instants(lo, hi):
        a = max(0, -(-(start - lo) // MINUTE))
        b = min(n, (end - lo) // MINUTE)
        for i in range(a, b):
            flags[i] = True
    return Timeline(flags, lo, hi)


@dataclass
class Event:
    at: datetime
    kind: str
    value: str | None
    index: int  # position as given (-1: responded_at)


@dataclass
class Ticket:
    opened: datetime
    severity: str
    responded: datetime | None
    events: list[tuple[datetime, str, str | None]]


@dataclass
class Rules:
    """The policy, as plain data."""

    targets: dict[str, dict[str, int]]  # metric -> class -> minutes
    pausable: set[str]
    severity_change: str = "recalculate"
    lateness: str = "business"
    alerts: dict[str, list[tuple[str, Fraction | None, int | None]]] = field(default_factory=dict)
    alert_measure: str = "business"
    credit_metrics: set[str] = field(default_factory=set)


@dataclass
class Instance:
    start: datetime
    stop: datetime | None
    klass: str | None = None
    status: str = ""
    due: datetime | None = None
    elapsed: int = 0  # minutes
    late: timedelta = timedelta(0)
    late_wall: timedelta = timedelta(0)
    credits: int = 0
    alerts: list[tuple[str, datetime | None]] = field(default_factory=list)


def ordered(ticket: Ticket) -> list[Event]:
    """The events in the order the rules read them (plus responded_at as a response)."""
    events = [Event(at, kind, value, i) for i, (at, kind, value) in enumerate(ticket.events)]
    if ticket.responded is not None:
        events.append(Event(ticket.responded, "response", None, -1))
    return sorted(events, key=lambda e: (e.at, RANK.get(e.kind, 3), e.index))


def status_history(events: list[Event]) -> list[tuple[datetime, bool, bool]]:
    """``(since, paused, solved)`` after each status-changing event; BadHistory when inconsistent."""
    out: list[tuple[datetime, bool, bool]] = []
    by_event = False  # paused by a pause event
    status = "open"
    resolved = False
    for e in events:
        if e.kind == "pause":
            if by_event or status in PAUSE_STATUSES:
                msg = "pause while paused"
                raise BadHistory(msg)
            by_event = True
        elif e.kind == "resume":
            if by_event:
                by_event = False
            elif status in PAUSE_STATUSES:
                status = "open"
            else:
                msg = "resume without pause"
                raise BadHistory(msg)
        elif e.kind == "status":
            assert e.value is not None
            name = e.value.lower()
            if name not in PAUSE_STATUSES | SOLVED_STATUSES | OPEN_STATUSES:
                msg = f"unknown status {name}"
                raise BadHistory(msg)
            by_event = False
            status = name
            if status not in SOLVED_STATUSES:
                resolved = False
        elif e.kind == "resolved":
            resolved = True
        else:
            continue
        out.append(
            (e.at, by_event or status in PAUSE_STATUSES, resolved or status in SOLVED_STATUSES)
        )
    return out


class Replay:
    """One ticket replayed up to *now*."""

    def __init__(self, ticket: Ticket, now: datetime, timeline: Timeline) -> None:
        self.ticket = ticket
        self.now = now
        self.timeline = timeline
        everything = ordered(ticket)
        self.history = status_history(everything)  # checks the whole history
        self.events = [e for e in everything if e.at <= now]
        # solved flag after each event (events in self.events order)
        self.solved_after: list[bool] = []
        self.became_solved: list[bool] = []
        self.became_open: list[bool] = []
        solved = False
        for e in self.events:
            before = solved
            solved = self._solved_at_event(e, solved)
            self.solved_after.append(solved)
            self.became_solved.append(solved and not before)
            self.became_open.append(before and not solved)

    def _solved_at_event(self, e: Event, solved: bool) -> bool:
        if e.kind == "resolved":
            return True
        if e.kind == "status":
            return (e.value or "").lower() in SOLVED_STATUSES
        return solved

    # ---- which minutes are paused

    def pause_runs(self, *, with_solved: bool = False) -> list[tuple[datetime, datetime | None]]:
        """Maximal spans in which the ticket is paused (or solved, if asked), up to now."""
        spans: list[tuple[datetime, datetime | None]] = []
        start: datetime | None = None
        for since, paused, solved in self.history:
            if since > self.now:
                break
            on = paused or (with_solved and solved)
            if on and start is None:
                start = since
            elif not on and start is not None:
                if since > start:
                    spans.append((start, since))
                start = None
        if start is not None:
            spans.append((start, None))
        return spans

    # ---- the metrics' rules, one by one

    def instances(self, metric: str) -> list[tuple[datetime, datetime | None, str | None]]:
        """``(start, stop, start event value)`` of each clock of *metric*."""
        events = self.events
        opened = self.ticket.opened
        if metric == "initial_response":
            stop = next(
                (
                    e.at
                    for e in events
                    if e.kind == "response" or (e.kind == "message" and e.value == "agent")
                ),
                None,
            )
            return [(opened, stop, None)]
        if metric == "dispatch":
            return [(opened, next((e.at for e in events if e.kind == "dispatch"), None), None)]
        if metric == "resolution":
            stop = next(
                (e.at for e, solved in zip(events, self.became_solved, strict=True) if solved), None
            )
            return [(opened, stop, None)]
        if metric == "escalation_response":
            escalation = next((e for e in events if e.kind == "escalation"), None)
            if escalation is None:
                return []
            answer = next(
                (e.at for e in events if e.kind == "escalation_response" and e.at >= escalation.at),
                None,
            )
            return [(escalation.at, answer, escalation.value)]
        if metric == "next_reply":
            out: list[tuple[datetime, datetime | None, str | None]] = []
            answered_once = False
            waiting: datetime | None = None
            for e, solved, became_solved in zip(
                events, self.solved_after, self.became_solved, strict=True
            ):
                reply = e.kind == "response" or (e.kind == "message" and e.value == "agent")
                if waiting is not None and (reply or became_solved):
                    out.append((waiting, e.at, None))
                    waiting = None
                if (
                    waiting is None
                    and answered_once
                    and e.kind == "message"
                    and e.value == "customer"
                    and not solved
                ):
                    waiting = e.at
                if reply:
                    answered_once = True
            if waiting is not None:
                out.append((waiting, None, None))
            return out
        if metric == "periodic_update":
            out = []
            since: datetime | None = None
            for e, solved, became_solved in zip(
                events, self.solved_after, self.became_solved, strict=True
            ):
                agent = e.kind == "message" and e.value == "agent"
                if since is not None and (agent or became_solved):
                    out.append((since, e.at, None))
                    since = None
                if since is None and agent and not solved:
                    since = e.at
            if since is not None:
                out.append((since, None, None))
            return out
        if metric in ("requester_wait", "agent_work"):
            out = []
            since = opened  # the total runs from opening
            for e, solved, became_solved, became_open in zip(
                events, self.solved_after, self.became_solved, self.became_open, strict=True
            ):
                if since is not None and became_solved:
                    out.append((since, e.at, None))
                    since = None
                if since is None and not solved and became_open:
                    since = e.at
            if since is not None:
                out.append((since, None, None))
            return out
        raise AssertionError(metric)

    # ---- severity

    def severity_before(self, at: datetime) -> str:
        current = self.ticket.severity
        for e in self.events:
            if e.kind == "severity" and e.at < at:
                current = e.value or current
        return current

    def changes_within(self, start: datetime, end: datetime) -> list[tuple[datetime, str]]:
        current = self.severity_before(start)
        out = []
        for e in self.events:
            if e.kind == "severity" and start <= e.at < end and e.value != current:
                out.append((e.at, e.value or ""))
                current = e.value or current
        return out


def judge(
    replay: Replay,
    rules: Rules,
    metric: str,
    start: datetime,
    stop: datetime | None,
    value: str | None,
    pauses: Sequence[tuple[datetime, datetime | None]],
) -> Instance:
    """One clock's numbers, counted minute by minute."""
    tl = replay.timeline
    now = replay.now
    end = now if stop is None else stop
    if metric == "escalation_response":
        klass = value or ""
    else:
        initial = replay.severity_before(start)
        changes = replay.changes_within(start, end)
        if rules.severity_change == "initial" or not changes:
            klass = initial
        else:
            klass = changes[-1][1]
            if rules.severity_change == "restart":
                start = max(start, changes[-1][0])
    d = rules.targets[metric].get(klass)
    inst = Instance(start, stop, klass)
    if d is None:
        inst.status = "not_applicable"
        return inst
    kept = [(a, b) for a, b in pauses if (b is None or b > start) and a < end]
    # minutes as positions on the timeline; a pause still on at now is taken to end at now
    first = tl.index(start)
    stop_at = tl.index(end)
    still = [False] * (len(tl.open_minute) - first)
    for a, b in kept:
        lo = max(tl.index(a), first) - first
        hi = tl.index(now if b is None else b) - first
        for i in range(lo, max(lo, hi)):
            still[i] = True
    counts = [
        i for i in range(first, len(tl.open_minute)) if tl.open_minute[i] and not still[i - first]
    ]  # the minutes the clock counts, in order
    inst.elapsed = sum(1 for i in counts if i < stop_at)

    def reached(k: int) -> datetime | None:
        """End of the k-th counted minute from start (k > 0); None beyond the timeline."""
        return tl.minute_at(counts[k - 1] + 1) if k <= len(counts) else None

    counted = inst.elapsed
    due = reached(d) if d > 0 else start
    inst.due = due
    late_business = max(0, counted - d) * MINUTE
    late_wall = timedelta(0) if due is None or end <= due else end - due
    late = late_business if rules.lateness == "business" else late_wall
    inst.late = late
    inst.late_wall = late_wall
    inst.status = "breached" if late > timedelta(0) else ("met" if stop is not None else "pending")
    if metric in rules.credit_metrics and inst.status == "breached":
        inst.credits = -(-late_business // timedelta(minutes=15))
    for label, share, lead in rules.alerts.get(metric, []):
        at: datetime | None
        if due is None:
            at = None
        elif rules.alert_measure == "wall":
            if share is not None:
                us = (due - start) // timedelta(microseconds=1)
                at = start + timedelta(microseconds=int(us * share))
            else:
                assert lead is not None
                at = max(start, due - lead * MINUTE)
        else:
            k = int(d * share) if share is not None else max(0, d - (lead or 0))
            if k > 0:
                at = reached(k)
            else:
                opening = reached(1)
                at = None if opening is None else opening - MINUTE
            if at is not None:
                at = min(at, due)
        inst.alerts.append((label, at))
    inst.alerts.sort(key=lambda pair: (pair[1] is None, pair[1] or start))
    return inst


def evaluate(
    ticket: Ticket, now: datetime, timeline: Timeline, rules: Rules
) -> dict[str, list[Instance]]:
    """Per metric the plan targets, its judged clocks (empty: the clock never started)."""
    replay = Replay(ticket, now, timeline)
    out: dict[str, list[Instance]] = {}
    for metric in rules.targets:
        runs = replay.instances(metric)
        if metric in ("requester_wait", "agent_work"):
            pauses: list[tuple[datetime, datetime | None]] = replay.pause_runs(with_solved=False)
            gaps = [(a[1], b[0]) for a, b in itertools.pairwise(runs) if a[1] is not None]
            spans = sorted([*pauses, *gaps], key=lambda s: s[0])
            out[metric] = (
                [judge(replay, rules, metric, runs[0][0], runs[-1][1], None, spans)] if runs else []
            )
            continue
        pauses = replay.pause_runs() if metric in rules.pausable else []
        out[metric] = [judge(replay, rules, metric, a, b, v, pauses) for a, b, v in runs]
    return out
