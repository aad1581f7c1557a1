"""Deadlines and evaluation: from a plan and a ticket to per-metric outcomes.

Everything runs on epoch microseconds through the calendar's fast paths and
turns into datetimes only for the result. The facts behind an outcome
(holidays skipped, DST changes, pauses, severity changes) are kept as data on
the outcome; the text of :meth:`Outcome.explain` is built from them.
"""

from __future__ import annotations

import itertools
import operator
from bisect import bisect_left, bisect_right
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, tzinfo
from typing import TYPE_CHECKING, Any

from slacalc._engine.calendar import (
    MAX_US,
    Calendar,
    Zone,
    from_us,
    resolve_tz,
    to_us,
)
from slacalc._engine.durations import NoObjective, format_timedelta
from slacalc._engine.words import plural
from slacalc._evaluation.alerts import Alert, alert_instants
from slacalc._evaluation.clocks import ClockSpec, History, Run
from slacalc._evaluation.tickets import Ticket
from slacalc._typing import Status
from slacalc.exceptions import TicketError, TimelineError, UnknownMetricError, UnknownSeverityError

if TYPE_CHECKING:
    from slacalc._policies.model import CreditRule, Plan, Policy, Target

__all__ = ["Evaluation", "Outcome", "RepeatingOutcome", "deadline", "evaluate"]

_US = timedelta(microseconds=1)
_ZERO = timedelta(0)


@dataclass(frozen=True, slots=True)
class SeverityChange:
    """A change of a ticket's severity before its clock stopped."""

    at: datetime
    old: str
    new: str


class Outcome:
    """How one metric of one ticket came out, with the facts behind the numbers.

    Durations are exact; ``elapsed``, ``remaining`` and ``late_by`` are
    business time on the target's calendar (``late_by`` is wall time when the
    policy measures lateness in wall time), ``late_by_wall`` is always wall
    time. ``status`` is ``met`` exactly when a stopped clock's ``late_by`` is
    zero. Instants are in the target calendar's time zone, or in the zone
    the caller named with ``plan.evaluate(..., tz=...)``.

    Outcomes are values: compare equal when their facts are equal, pickle,
    and are not to be modified. Internally they keep epoch microseconds and
    build datetimes only when an attribute is read, which keeps
    :meth:`Plan.evaluate` fast.
    """

    __slots__ = (
        "_alerts",
        "_changes",
        "_credit_note",
        "_due",
        "_elapsed",
        "_late",
        "_late_wall",
        "_pause_why",
        "_paused",
        "_pauses",
        "_remaining",
        "_start",
        "_stop",
        "_target",
        "_tz",
        "alert_measure",
        "credit_days",
        "initial_class",
        "instance",
        "klass",
        "lateness_measure",
        "metric",
        "now",
        "plan",
        "policy",
        "reason",
        "severity_rule",
        "status",
        "ticket_id",
    )

    ticket_id: str
    policy: str
    plan: str
    metric: str
    klass: str | None
    status: Status
    credit_days: int
    now: datetime
    severity_rule: str | None
    initial_class: str | None
    lateness_measure: str
    reason: str
    instance: int | None

    def __init__(
        self,
        ticket_id: str,
        policy: str,
        plan: str,
        metric: str,
        klass: str | None,
        status: Status,
        target: Target | None,
        now: datetime,
        *,
        tz: tzinfo = UTC,
        start: int | None = None,
        due: int | None = None,
        stop: int | None = None,
        elapsed: int = 0,
        remaining: int | None = None,
        late: int = 0,
        late_wall: int = 0,
        credit_days: int = 0,
        credit_note: str | None = None,
        severity_rule: str | None = None,
        initial_class: str | None = None,
        changes: tuple[tuple[int, str, str], ...] = (),
        pauses: tuple[tuple[int, int | None], ...] = (),
        paused: int = 0,
        lateness_measure: str = "business",
        reason: str = "",
        alerts: tuple[tuple[str, int], ...] = (),
        pause_why: tuple[str, ...] = (),
        instance: int | None = None,
        alert_measure: str = "business",
    ) -> None:
        self.ticket_id = ticket_id
        self.policy = policy
        self.plan = plan
        self.metric = metric
        self.klass = klass
        self.status = status
        self._target = target
        self.now = now
        self._tz = tz
        self._start = start
        self._due = due
        self._stop = stop
        self._elapsed = elapsed
        self._remaining = remaining
        self._late = late
        self._late_wall = late_wall
        self.credit_days = credit_days
        self._credit_note = credit_note
        self.severity_rule = severity_rule
        self.initial_class = initial_class
        self._changes = changes
        self._pauses = pauses
        self._paused = paused
        self.lateness_measure = lateness_measure
        self.reason = reason
        self._alerts = alerts
        self._pause_why = pause_why
        self.instance = instance
        self.alert_measure = alert_measure

    @classmethod
    def _judged(
        cls,
        ticket_id: str,
        policy: str,
        plan: str,
        metric: str,
        klass: str | None,
        status: Status,
        target: Target,
        now: datetime,
        tz: tzinfo,
        start: int,
        due: int,
        stop: int | None,
        elapsed: int,
        remaining: int | None,
        late: int,
        late_wall: int,
        credit_days: int,
        credit_note: str | None,
        severity_rule: str | None,
        initial_class: str | None,
        changes: tuple[tuple[int, str, str], ...],
        pauses: tuple[tuple[int, int | None], ...],
        paused: int,
        lateness_measure: str,
        alerts: tuple[tuple[str, int], ...],
        pause_why: tuple[str, ...],
        instance: int | None,
        alert_measure: str,
        reason: str = "",
    ) -> Outcome:
        """An outcome from its facts in slot order, without keyword arguments (the evaluation hot path).

        The arguments are one record as :class:`_Program` computes it (see ``_RECORD``).
        """
        self = object.__new__(cls)
        self.ticket_id = ticket_id
        self.policy = policy
        self.plan = plan
        self.metric = metric
        self.klass = klass
        self.status = status
        self._target = target
        self.now = now
        self._tz = tz
        self._start = start
        self._due = due
        self._stop = stop
        self._elapsed = elapsed
        self._remaining = remaining
        self._late = late
        self._late_wall = late_wall
        self.credit_days = credit_days
        self._credit_note = credit_note
        self.severity_rule = severity_rule
        self.initial_class = initial_class
        self._changes = changes
        self._pauses = pauses
        self._paused = paused
        self.lateness_measure = lateness_measure
        self.reason = reason
        self._alerts = alerts
        self._pause_why = pause_why
        self.instance = instance
        self.alert_measure = alert_measure
        return self

    def _key(self) -> tuple[Any, ...]:
        own = (getattr(self, name) for name in Outcome.__slots__ if name not in ("_target", "_tz"))
        return (*own, self.target, self.calendar)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Outcome):
            return NotImplemented
        return self._key() == other._key()

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return (
            f"Outcome(ticket_id={self.ticket_id!r}, metric={self.metric!r}, status={self.status!r}, "
            f"klass={self.klass!r}, target={self.target!r}, due_at={self.due_at!r}, "
            f"stopped_at={self.stopped_at!r}, late_by={self.late_by!r}, credit_days={self.credit_days})"
        )

    def __getstate__(self) -> dict[str, Any]:
        return {name: getattr(self, name) for name in Outcome.__slots__}

    def __setstate__(self, state: dict[str, Any]) -> None:
        for name, value in state.items():
            object.__setattr__(self, name, value)

    def _in_zone(self, zone: tzinfo) -> Outcome:
        """The same outcome with every instant expressed in *zone*.

        Instants kept as epoch microseconds follow ``_tz`` when read; any
        instant kept as a datetime must be converted here too.
        """
        other = object.__new__(type(self))
        other.__setstate__(self.__getstate__())
        other._tz = zone
        other.now = self.now.astimezone(zone)
        if isinstance(other, RepeatingOutcome):
            other._instances = tuple(o._in_zone(zone) for o in other.instances)
        return other

    # ------------------------------------------------------------------ values

    @property
    def target(self) -> str:
        """The objective in words, e.g. ``2 business hours on extended`` or ``best effort``."""
        target = self._target
        return "not applicable" if target is None else _target_text(target)

    @property
    def objective(self) -> timedelta | None:
        """The objective as open time on the target's calendar (None without one)."""
        return None if self._target is None else self._target.duration()

    @property
    def calendar(self) -> str | None:
        """The name of the calendar the clock ran on."""
        return None if self._target is None or self._start is None else self._target.calendar_name

    @property
    def started_at(self) -> datetime | None:
        """When the clock started (after a restart, the restart)."""
        return None if self._start is None else from_us(self._start, self._tz)

    @property
    def due_at(self) -> datetime | None:
        """When the objective ran out (projected while paused)."""
        return None if self._due is None else from_us(self._due, self._tz)

    @property
    def stopped_at(self) -> datetime | None:
        """When the clock stopped (None while it runs)."""
        return None if self._stop is None else from_us(self._stop, self._tz)

    def _durations_us(self) -> tuple[int, int | None, int, int]:
        """``elapsed``, ``remaining``, ``late_by`` and ``late_by_wall`` in microseconds (None: no remaining).

        For writers that put them out as numbers: the properties build a
        ``timedelta`` each, which a writer would only read back.
        """
        return self._elapsed, self._remaining, self._late, self._late_wall

    @property
    def elapsed(self) -> timedelta:
        """Business time the clock used, pauses excluded."""
        return timedelta(microseconds=self._elapsed)

    @property
    def remaining(self) -> timedelta | None:
        """Business time left at ``now`` (None once the clock stopped)."""
        return None if self._remaining is None else timedelta(microseconds=self._remaining)

    @property
    def late_by(self) -> timedelta:
        """Time past due in the policy's lateness measure (zero when met)."""
        return timedelta(microseconds=self._late)

    @property
    def late_by_wall(self) -> timedelta:
        """Wall-clock time from the due instant to the stop (or ``now``)."""
        return timedelta(microseconds=self._late_wall)

    @property
    def paused(self) -> timedelta:
        """Open time the clock spent paused."""
        return timedelta(microseconds=self._paused)

    @property
    def severity_changes(self) -> tuple[SeverityChange, ...]:
        """The severity changes before the clock stopped."""
        return tuple(SeverityChange(from_us(t, self._tz), a, b) for t, a, b in self._changes)

    @property
    def pauses(self) -> tuple[tuple[datetime, datetime | None], ...]:
        """The pauses that stopped this clock (end None: still paused)."""
        tz = self._tz
        return tuple(
            (from_us(a, tz), None if b is None else from_us(b, tz)) for a, b in self._pauses
        )

    @property
    def pause_reasons(self) -> tuple[str, ...]:
        """Why each of :attr:`pauses` paused the clock: a status name, ``pause`` (an event) or ``solved``."""
        why = self._pause_why
        return why if len(why) == len(self._pauses) else ("pause",) * len(self._pauses)

    @property
    def alerts(self) -> tuple[Alert, ...]:
        """The clock's alerts (``label``, ``at``), in time order, none after ``due_at``.

        For a clock that has stopped, alerts after the stop did not fire;
        they are listed with the instants they had.
        """
        tz = self._tz
        return tuple(Alert(label, from_us(at, tz)) for label, at in self._alerts)

    def next_alert(self) -> Alert | None:
        """The first alert after ``now`` of a running clock (None when stopped or none is left)."""
        if self._stop is not None or self._start is None:
            return None
        now_us = to_us(self.now, "now")
        for label, at in self._alerts:
            if at > now_us:
                return Alert(label, from_us(at, self._tz))
        return None

    @property
    def running(self) -> bool:
        """Whether the clock had started and not stopped at ``now`` (paused counts as running)."""
        return self._start is not None and self._stop is None

    @property
    def paused_now(self) -> bool:
        """Whether the clock stands still at ``now`` because the ticket is paused."""
        return self.running and bool(self._pauses) and self._pauses[-1][1] is None

    @property
    def credit_rule(self) -> str | None:
        """The credit rule applied, in words (None when the policy gives no credits for this metric)."""
        return self._credit_note

    @property
    def met(self) -> bool:
        """Whether the objective was met."""
        return self.status == "met"

    @property
    def breached(self) -> bool:
        """Whether the objective was missed (the clock may still be running)."""
        return self.status == "breached"

    def facts(self) -> dict[str, Any]:
        """The facts behind the numbers, as data: what :meth:`explain` puts into words."""
        out: dict[str, Any] = {
            "ticket": self.ticket_id,
            "policy": self.policy,
            "plan": self.plan,
            "metric": self.metric,
            "class": self.klass,
            "status": self.status,
            "target": self.target,
            "objective_seconds": None if self.objective is None else self.objective.total_seconds(),
            "calendar": self.calendar,
            "started_at": _iso(self.started_at),
            "due_at": _iso(self.due_at),
            "stopped_at": _iso(self.stopped_at),
            "now": _iso(self.now),
            "elapsed_seconds": self.elapsed.total_seconds(),
            "remaining_seconds": None if self.remaining is None else self.remaining.total_seconds(),
            "late_by_seconds": self.late_by.total_seconds(),
            "late_by_wall_seconds": self.late_by_wall.total_seconds(),
            "lateness_measure": self.lateness_measure,
            "credit_days": self.credit_days,
            "credit_rule": self.credit_rule,
            "severity_rule": self.severity_rule,
            "initial_class": self.initial_class,
            "severity_changes": [
                {"at": _iso(c.at), "from": c.old, "to": c.new} for c in self.severity_changes
            ],
            "pauses": [
                {"from": _iso(a), "to": _iso(b), "reason": why}
                for (a, b), why in zip(self.pauses, self.pause_reasons, strict=True)
            ],
            "alerts": [{"label": a.label, "at": _iso(a.at)} for a in self.alerts],
            "instance": self.instance,
            "paused_seconds": self.paused.total_seconds(),
            "reason": self.reason,
            "closed_dates": [],
            "dst_changes": [],
            "open_time_counted_seconds": None,
        }
        cal = None if self._target is None else self._target.calendar
        started = self.started_at
        if cal is not None and started is not None:
            stopped = self.stopped_at or self.now
            end = stopped
            due = self.due_at
            if due is not None and due > end:
                end = due
            if end > started:
                out["closed_dates"] = [
                    {"date": d.isoformat(), "name": name}
                    for d, name in cal.holidays_between(started, end, closing_only=True)
                ]
                out["dst_changes"] = [
                    {"at": _iso(at.astimezone(self._tz)), "offset_before": b, "offset_after": a}
                    for at, b, a in _dst_changes(cal, started, end)
                ]
                out["open_time_counted_seconds"] = cal.elapsed(started, stopped).total_seconds()
        return out

    def explain(self) -> str:
        """A short account, for a person, of how the numbers came about."""
        f = self.facts()
        which = "" if self.instance is None else f" #{self.instance + 1}"
        lines = [
            f"{self.metric}{which} of ticket {self.ticket_id}: {self.status.replace('_', ' ')}"
        ]
        klass = "" if self.klass is None else f"; class {self.klass}"
        lines.append(f"  policy {self.policy}, plan {self.plan}{klass}: target {self.target}")
        if self.reason:
            lines.append(f"  {self.reason}")
        if self.severity_rule and self.severity_changes:
            changes = ", ".join(f"{c.old}→{c.new} at {_short(c.at)}" for c in self.severity_changes)
            lines.append(
                f"  severity changes: {changes}; rule '{self.severity_rule}' "
                f"({_RULE_TEXT[self.severity_rule]})"
            )
        if self.started_at is None:
            return "\n".join(lines)
        lines.append(f"  clock started {_short(self.started_at)} on calendar '{self.calendar}'")
        for day in f["closed_dates"]:
            lines.append(f"  skipped {day['date']} ({day['name']})")
        for dst in f["dst_changes"]:
            lines.append(
                f"  clocks changed at {dst['at']} (UTC{dst['offset_before']} → UTC{dst['offset_after']})"
            )
        for (a, b), why in zip(self.pauses, self.pause_reasons, strict=True):
            lines.append(
                f"  paused ({_PAUSE_TEXT.get(why, f'status {why}')}) {_short(a)} → "
                f"{_short(b) if b else 'still paused'}"
            )
        if self.due_at is not None:
            lines.append(f"  due {_short(self.due_at)}")
        if self._alerts:
            shown = ", ".join(f"{a.label} at {_short(a.at)}" for a in self.alerts)
            measure = (
                "wall-clock time" if self.alert_measure == "wall" else "open time on the calendar"
            )
            lines.append(f"  alerts ({measure}): {shown}")
        if self.stopped_at is not None:
            lines.append(
                f"  clock stopped {_short(self.stopped_at)}; business time used {format_timedelta(self.elapsed)}"
            )
        else:
            lines.append(
                f"  clock still running at {_short(self.now)}; business time used {format_timedelta(self.elapsed)}"
            )
        if self.remaining is not None and self.status == "pending":
            lines.append(f"  remaining {format_timedelta(self.remaining)}")
        if self.status == "breached":
            lines.append(
                f"  late by {format_timedelta(self.late_by)} ({self.lateness_measure} time), "
                f"{format_timedelta(self.late_by_wall)} on the wall clock"
            )
        if self.credit_rule:
            lines.append(f"  credits: {plural(self.credit_days, 'day')} — {self.credit_rule}")
        return "\n".join(lines)


_PAUSE_TEXT = {
    "pause": "waiting on customer",
    "solved": "ticket solved",
    "resolved": "ticket resolved",
}

_RULE_TEXT = {
    "recalculate": "target of the severity in force when the clock stopped, counted from the start",
    "restart": "the clock restarted at the last change with the new severity's target",
    "initial": "the severity at opening governs",
}


def _iso(value: datetime | None) -> str | None:
    return None if value is None else value.isoformat()


def _short(value: datetime) -> str:
    return (
        value.strftime("%a %Y-%m-%d %H:%M")
        + (f":{value.second:02d}" if value.second or value.microsecond else "")
        + value.strftime("%z")[:3]
        + ":"
        + value.strftime("%z")[3:]
    )


def _dst_changes(cal: Calendar, start: datetime, end: datetime) -> list[tuple[datetime, str, str]]:
    """Instants in [start, end) where the calendar's UTC offset changes (hourly scan, then exact)."""
    tz = cal.tzinfo
    out: list[tuple[datetime, str, str]] = []
    a = start.astimezone(UTC)
    b = end.astimezone(UTC)
    if (b - a) > timedelta(days=800):  # an explanation needs no DST list over years
        return out
    step = timedelta(hours=1)
    t = a
    prev = t.astimezone(tz).utcoffset()
    while t < b:
        nxt = min(t + step, b)
        off = nxt.astimezone(tz).utcoffset()
        if off != prev:
            lo, hi = t, nxt  # bisect to the minute of the change
            while hi - lo > timedelta(minutes=1):
                mid = lo + (hi - lo) / 2
                if mid.astimezone(tz).utcoffset() == prev:
                    lo = mid
                else:
                    hi = mid
            out.append((hi.astimezone(tz), _fmt_off(prev), _fmt_off(off)))
            prev = off
        t = nxt
    return out


def _fmt_off(off: timedelta | None) -> str:
    total = int((off or _ZERO).total_seconds() // 60)
    sign = "+" if total >= 0 else "-"
    return f"{sign}{abs(total) // 60:02d}:{abs(total) % 60:02d}"


class RepeatingOutcome(Outcome):
    """The outcome of a repeating metric (``next_reply``, ``periodic_update``): one per ticket.

    ``instances`` holds one :class:`Outcome` per clock, in order (they never
    overlap). ``status`` is ``breached`` if any instance breached, else
    ``pending`` if one runs, else ``met``; ``not_applicable`` when the plan
    sets no objective or no clock ever started. ``late_by`` and
    ``late_by_wall`` are the worst instance's, ``credit_days`` the sum over the
    instances within the policy's per-ticket cap, ``elapsed`` the sum of the
    business time used. ``due_at``, ``remaining``, ``alerts`` and the other
    per-clock fields are those of the *current* instance (the running one or,
    when none runs, the last), so the aggregate reads like one outcome in a
    table of outcomes.
    """

    __slots__ = ("_built", "_instances", "_records")

    _instances: tuple[Outcome, ...] | None
    _records: tuple[_Record, ...] | None
    _built: list[Outcome | None] | None

    def __init__(
        self,
        ticket_id: str,
        policy: str,
        plan: str,
        metric: str,
        now: datetime,
        instances: tuple[Outcome, ...],
        *,
        cap_days: int | None = None,
        reason: str = "",
    ) -> None:
        judged = [o for o in instances if o.status != "not_applicable"]
        status: Status
        if not judged:
            status = "not_applicable"
        elif any(o.status == "breached" for o in judged):
            status = "breached"
        elif any(o.status == "pending" for o in judged):
            status = "pending"
        else:
            status = "met"
        total = sum(o.credit_days for o in instances)
        current = _current(instances)
        super().__init__(
            ticket_id,
            policy,
            plan,
            metric,
            None if current is None else current.klass,
            status,
            None,
            now,
            credit_days=total if cap_days is None or total <= cap_days else cap_days,
            reason=reason,
            severity_rule=None if current is None else current.severity_rule,
            initial_class=None if current is None else current.initial_class,
            lateness_measure="business" if current is None else current.lateness_measure,
            alert_measure="business" if current is None else current.alert_measure,
        )
        self._instances = instances
        self._records = None
        self._built = None

    @classmethod
    def _lazy(
        cls,
        ticket_id: str,
        policy: str,
        plan: str,
        metric: str,
        now: datetime,
        records: list[_Record],
        cap_days: int | None,
        reason: str,
    ) -> RepeatingOutcome:
        """The aggregate of instances kept as records: each :class:`Outcome` is built when first read.

        Equal, field by field, to ``RepeatingOutcome(..., tuple(Outcome._judged(*r) for r in records))``.
        """
        self = object.__new__(cls)
        found = set(map(_STATUS_OF, records))
        found.discard("not_applicable")
        status: Status
        if not found:
            status = "not_applicable"
        elif "breached" in found:
            status = "breached"
        elif "pending" in found:
            status = "pending"
        else:
            status = "met"
        total = sum(map(_CREDIT_DAYS_OF, records))
        current: _Record | None = None
        for r in reversed(records):
            if r[_START] is not None and r[_STOP] is None:
                current = r
                break
        else:
            if records:
                current = records[-1]
        self.ticket_id = ticket_id
        self.policy = policy
        self.plan = plan
        self.metric = metric
        self.status = status
        self._target = None
        self.now = now
        self._tz = UTC
        self._start = self._due = self._stop = self._remaining = None
        self._elapsed = self._late = self._late_wall = self._paused = 0
        self.credit_days = total if cap_days is None or total <= cap_days else cap_days
        self._credit_note = None
        self._changes = self._pauses = self._alerts = self._pause_why = ()
        self.reason = reason
        self.instance = None
        if current is None:
            self.klass = self.severity_rule = self.initial_class = None
            self.lateness_measure = self.alert_measure = "business"
        else:
            self.klass = current[_KLASS]
            self.severity_rule = current[_SEVERITY_RULE]
            self.initial_class = current[_INITIAL_CLASS]
            self.lateness_measure = current[_LATENESS]
            self.alert_measure = current[_ALERT_MEASURE]
        self._instances = None
        self._records = tuple(records)
        self._built = None
        return self

    @property
    def instances(self) -> tuple[Outcome, ...]:
        """One :class:`Outcome` per clock, in order (they never overlap)."""
        instances = self._instances
        if instances is None:
            records = self._records or ()
            built = self._built or [None] * len(records)
            instances = tuple(
                Outcome._judged(*r) if b is None else b for r, b in zip(records, built, strict=True)
            )
            self._instances = instances
        return instances

    def _instance(self, k: int) -> Outcome:
        """``instances[k]``, building only that one while the others are not needed."""
        instances = self._instances
        if instances is not None:
            return instances[k]
        records = self._records or ()
        built = self._built
        if built is None:
            built = self._built = [None] * len(records)
        hit = built[k]
        if hit is None:
            hit = built[k] = Outcome._judged(*records[k])
        return hit

    def _column(self, index: int, name: str) -> list[Any]:
        """One fact of every instance: field *index* of the records, or slot *name* of the outcomes."""
        records = self._records
        if records is not None and self._instances is None:
            return [r[index] for r in records]
        return [getattr(o, name) for o in self.instances]

    def _key(self) -> tuple[Any, ...]:
        return (super()._key(), self.instances)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, RepeatingOutcome):
            return NotImplemented
        return self._key() == other._key()

    __hash__ = None

    def __repr__(self) -> str:
        return (
            f"RepeatingOutcome(ticket_id={self.ticket_id!r}, metric={self.metric!r}, "
            f"status={self.status!r}, instances={len(self._column(_STATUS, 'status'))}, "
            f"late_by={self.late_by!r}, credit_days={self.credit_days})"
        )

    def __getstate__(self) -> dict[str, Any]:
        state = super().__getstate__()
        state["instances"] = self.instances
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        state = dict(state)
        self._instances = state.pop("instances")
        self._records = None
        self._built = None
        super().__setstate__(state)

    @property
    def current(self) -> Outcome | None:
        """The running instance, or the last one when none runs (None without instances)."""
        starts = self._column(_START, "_start")
        stops = self._column(_STOP, "_stop")
        for k in range(len(starts) - 1, -1, -1):
            if starts[k] is not None and stops[k] is None:
                return self._instance(k)
        return self._instance(len(starts) - 1) if starts else None

    @property
    def late_by(self) -> timedelta:
        """The worst instance's lateness (zero when none was late)."""
        return timedelta(microseconds=max(self._column(_LATE, "_late"), default=0))

    @property
    def late_by_wall(self) -> timedelta:
        """The worst instance's wall-clock lateness."""
        return timedelta(microseconds=max(self._column(_LATE_WALL, "_late_wall"), default=0))

    @property
    def elapsed(self) -> timedelta:
        """Business time used over all instances."""
        return timedelta(microseconds=sum(self._column(_ELAPSED, "_elapsed")))

    @property
    def paused(self) -> timedelta:
        """Open time the instances spent paused."""
        return timedelta(microseconds=sum(self._column(_PAUSED, "_paused")))

    @property
    def breaches(self) -> int:
        """How many instances breached."""
        return self._column(_STATUS, "status").count("breached")

    @property
    def target(self) -> str:
        """The current instance's target in words (``not applicable`` without instances)."""
        current = self.current
        return "not applicable" if current is None else current.target

    @property
    def objective(self) -> timedelta | None:
        """The current instance's objective as open time."""
        current = self.current
        return None if current is None else current.objective

    @property
    def calendar(self) -> str | None:
        """The name of the current instance's calendar."""
        current = self.current
        return None if current is None else current.calendar

    @property
    def started_at(self) -> datetime | None:
        """When the current instance started."""
        current = self.current
        return None if current is None else current.started_at

    @property
    def due_at(self) -> datetime | None:
        """When the current instance is (or was) due."""
        current = self.current
        return None if current is None else current.due_at

    @property
    def stopped_at(self) -> datetime | None:
        """When the current instance stopped (None while it runs)."""
        current = self.current
        return None if current is None else current.stopped_at

    @property
    def remaining(self) -> timedelta | None:
        """Business time left in the running instance (None when none runs)."""
        current = self.current
        return None if current is None or not current.running else current.remaining

    @property
    def severity_changes(self) -> tuple[SeverityChange, ...]:
        """The severity changes within the current instance."""
        current = self.current
        return () if current is None else current.severity_changes

    @property
    def pauses(self) -> tuple[tuple[datetime, datetime | None], ...]:
        """The pauses of the current instance."""
        current = self.current
        return () if current is None else current.pauses

    @property
    def pause_reasons(self) -> tuple[str, ...]:
        """Why each pause of the current instance paused it."""
        current = self.current
        return () if current is None else current.pause_reasons

    @property
    def alerts(self) -> tuple[Alert, ...]:
        """The current instance's alerts."""
        current = self.current
        return () if current is None else current.alerts

    def next_alert(self) -> Alert | None:
        """The running instance's next alert after ``now``."""
        current = self.current
        return None if current is None else current.next_alert()

    @property
    def running(self) -> bool:
        """Whether an instance runs at ``now``."""
        starts = self._column(_START, "_start")
        stops = self._column(_STOP, "_stop")
        return any(a is not None and b is None for a, b in zip(starts, stops, strict=True))

    @property
    def paused_now(self) -> bool:
        """Whether the running instance stands still at ``now``."""
        starts = self._column(_START, "_start")
        stops = self._column(_STOP, "_stop")
        pauses = self._column(_PAUSES, "_pauses")
        return any(
            a is not None and b is None and bool(p) and p[-1][1] is None
            for a, b, p in zip(starts, stops, pauses, strict=True)
        )

    @property
    def credit_rule(self) -> str | None:
        """The credit rule applied to the instances."""
        current = self.current
        return None if current is None else current.credit_rule

    def facts(self) -> dict[str, Any]:
        """The aggregate and every instance's facts, as data."""
        return {
            "ticket": self.ticket_id,
            "policy": self.policy,
            "plan": self.plan,
            "metric": self.metric,
            "status": self.status,
            "now": _iso(self.now),
            "reason": self.reason,
            "late_by_seconds": self.late_by.total_seconds(),
            "late_by_wall_seconds": self.late_by_wall.total_seconds(),
            "elapsed_seconds": self.elapsed.total_seconds(),
            "credit_days": self.credit_days,
            "breaches": self.breaches,
            "instances": [o.facts() for o in self.instances],
        }

    def explain(self) -> str:
        """The aggregate in one line, then each instance's account."""
        n = len(self.instances)
        head = f"{self.metric} of ticket {self.ticket_id}: {self.status.replace('_', ' ')}"
        if not n:
            return head + (f"\n  {self.reason}" if self.reason else "")
        head += (
            f" ({n} instance{'' if n == 1 else 's'}, {self.breaches} breached; "
            f"worst late by {format_timedelta(self.late_by)}; credits {plural(self.credit_days, 'day')})"
        )
        return "\n".join([head, *(o.explain() for o in self.instances)])


def _current(instances: Sequence[Outcome]) -> Outcome | None:
    for outcome in reversed(instances):
        if outcome.running:
            return outcome
    return instances[-1] if instances else None


AnyOutcome = Outcome  # a RepeatingOutcome is an Outcome


@dataclass(slots=True)
class Evaluation:
    """The outcomes of one ticket, one per metric the plan targets.

    ``evaluation["next_reply"]`` and the attributes named after the metrics
    (``evaluation.initial_response``, ``evaluation.next_reply`` …) give one
    outcome; a built-in metric the plan does not target reads as
    ``not_applicable``. Repeating metrics give a :class:`RepeatingOutcome`.
    ``unknown_statuses`` lists the status names the policy does not map that
    were read as open (a policy with ``unknown_statuses = "open"``).
    """

    ticket_id: str
    policy: str
    plan: str
    now: datetime
    outcomes: dict[str, AnyOutcome]
    cap_days_per_ticket: int | None = None
    opened_at: datetime | None = None
    unknown_statuses: tuple[str, ...] = ()

    def __getitem__(self, metric: str) -> AnyOutcome:
        try:
            return self.outcomes[metric]
        except KeyError:
            raise UnknownMetricError.for_name(metric, self.outcomes) from None

    def __iter__(self) -> Any:
        return iter(self.outcomes.values())

    def _builtin(self, metric: str) -> AnyOutcome:
        found = self.outcomes.get(metric)
        if found is not None:
            return found
        reason = f"the plan sets no target for {metric}"
        if metric in ("next_reply", "periodic_update"):
            return RepeatingOutcome(
                self.ticket_id, self.policy, self.plan, metric, self.now, (), reason=reason
            )
        return Outcome(
            self.ticket_id,
            self.policy,
            self.plan,
            metric,
            None,
            "not_applicable",
            None,
            self.now,
            reason=reason,
        )

    @property
    def initial_response(self) -> Outcome:
        """The outcome of the initial-response metric."""
        return self["initial_response"]

    @property
    def escalation_response(self) -> Outcome:
        """The outcome of the escalation-response metric (``not_applicable`` without a target)."""
        return self._builtin("escalation_response")

    @property
    def dispatch(self) -> Outcome:
        """The outcome of the dispatch objective (``not_applicable`` without a target)."""
        return self._builtin("dispatch")

    @property
    def resolution(self) -> Outcome:
        """The outcome of the resolution metric (``not_applicable`` without a target)."""
        return self._builtin("resolution")

    @property
    def next_reply(self) -> RepeatingOutcome:
        """Every next-reply clock of the ticket, as one aggregate."""
        return self._builtin("next_reply")  # type: ignore[return-value]

    @property
    def periodic_update(self) -> RepeatingOutcome:
        """Every periodic-update clock of the ticket, as one aggregate."""
        return self._builtin("periodic_update")  # type: ignore[return-value]

    @property
    def requester_wait(self) -> Outcome:
        """The requester's total wait (business time not paused and not solved)."""
        return self._builtin("requester_wait")

    @property
    def agent_work(self) -> Outcome:
        """The agents' total working time on the ticket (business time not paused)."""
        return self._builtin("agent_work")

    @property
    def credit_days(self) -> int:
        """Credit days earned by the ticket over all metrics, within the per-ticket cap."""
        total = sum(o.credit_days for o in self.outcomes.values())
        cap = self.cap_days_per_ticket
        return total if cap is None or total <= cap else cap

    def explain(self) -> str:
        """Every outcome's explanation, one after the other."""
        return "\n".join(o.explain() for o in self.outcomes.values())

    def facts(self) -> list[dict[str, Any]]:
        """Every outcome's facts, as data."""
        return [o.facts() for o in self.outcomes.values()]

    def _in_zone(self, zone: tzinfo) -> Evaluation:
        """The same evaluation with every instant (its outcomes' too) expressed in *zone*."""
        return Evaluation(
            self.ticket_id,
            self.policy,
            self.plan,
            self.now.astimezone(zone),
            {metric: o._in_zone(zone) for metric, o in self.outcomes.items()},
            self.cap_days_per_ticket,
            None if self.opened_at is None else self.opened_at.astimezone(zone),
            self.unknown_statuses,
        )


# ---------------------------------------------------------------------- deadline


def deadline(
    plan: Plan,
    opened_at: datetime,
    severity: str | int,
    metric: str = "initial_response",
    *,
    tz: Zone | None = None,
) -> datetime | None:
    """When the *metric* clock started at *opened_at* runs out, or None without an objective.

    The instant is in the target calendar's zone, or in *tz* (a name or a ``tzinfo``).
    """
    zone = None if tz is None else resolve_tz(tz)
    target = plan.target(metric, severity)
    duration = target.duration()
    if duration is None or target.calendar is None:
        to_us(opened_at, "opened_at")
        return None
    return target.calendar.add(opened_at, duration, tz=zone)


# ---------------------------------------------------------------------- evaluate


def evaluate(
    plan: Plan,
    ticket: Ticket,
    now: datetime | None = None,
    *,
    tz: Zone | None = None,
    metric: str | None = None,
) -> Evaluation:
    """Judge *ticket* against *plan* at *now* (default: the current time).

    Every instant of the result is in the target calendars' zones, or in *tz*
    (a name or a ``tzinfo``) when given: ``tz="UTC"`` for a database that
    stores UTC, where PEP 495 makes instants of the repeated autumn hour
    compare unequal across zones.

    *metric* (one of the plan's): judge that metric only, the result holding
    its outcome alone (``slacalc evaluate`` writes one metric). What the
    ticket's history gets wrong is refused as for every metric; a problem
    only another metric meets (an escalation of a class the policy does not
    know) is not.
    """
    zone = None if tz is None else resolve_tz(tz)
    if not isinstance(ticket, Ticket):
        msg = f"ticket: expected a slacalc.Ticket; got {type(ticket).__name__}"
        raise TicketError(msg)
    if now is None:
        now = datetime.now(UTC)
    now_us = to_us(now, "now")
    opened = ticket._opened_us
    if now_us < opened:
        msg = (
            f"ticket {ticket.id!r}: now {now.isoformat()} is before opened_at "
            f"{ticket.opened_at.isoformat()}; expected now at or after opening"
        )
        raise TimelineError(msg)
    policy = plan.policy
    try:
        initial = policy.severity(ticket.severity)
    except UnknownSeverityError as exc:
        msg = f"ticket {ticket.id!r}: {exc}"
        raise UnknownSeverityError(msg) from None
    changes = _severity_changes(policy, ticket, initial) if ticket._events_us else []
    history = History(ticket, policy.statuses, now_us)
    covered = plan.covered_channels
    off_channel = (
        ticket.channel is not None and covered is not None and ticket.channel not in covered
    )
    cap = None if policy.credits is None else policy.credits.cap_days_per_ticket
    outcomes: dict[str, AnyOutcome] = {}
    last_spec: ClockSpec | None = None
    runs: list[Run] = []
    for program in _programs(plan, metric):
        name, spec = program.metric, program.spec
        if off_channel:
            reason = f"channel '{ticket.channel}' carries no guarantee; covered: {', '.join(covered or ())}"
            if spec.repeat is True:
                outcomes[name] = RepeatingOutcome(
                    ticket.id, policy.name, plan.name, name, now, (), reason=reason
                )
            else:
                outcomes[name] = _not_applicable(plan, ticket, name, None, now, reason)
            continue
        if spec is not last_spec:
            runs, last_spec = history.runs(spec), spec
        if spec.repeat is True:
            records = (
                program.records(
                    ticket, runs, history.spans(spec.pause), now, now_us, initial, changes, True
                )
                if runs
                else []
            )
            outcomes[name] = RepeatingOutcome._lazy(
                ticket.id,
                policy.name,
                plan.name,
                name,
                now,
                records,
                cap,
                "" if runs else _never_started(spec),
            )
            continue
        if not runs:
            outcomes[name] = _not_applicable(plan, ticket, name, None, now, _never_started(spec))
            continue
        if spec.repeat == "total" and len(runs) > 1:
            merged = _with_gaps(history.pauses(spec.pause), runs)
            pauses = (tuple([(a, b) for a, b, _ in merged]), tuple([w for _, _, w in merged]))
            one = [(runs[0][0], runs[-1][1], runs[0][2])]
        else:
            pauses = history.spans(spec.pause)
            one = runs[:1]
        (record,) = program.records(ticket, one, pauses, now, now_us, initial, changes, False)
        outcomes[name] = Outcome._judged(*record)
    unknown = tuple(dict.fromkeys(history.unknown))
    evaluation = Evaluation(
        ticket.id, policy.name, plan.name, now, outcomes, cap, ticket.opened_at, unknown
    )
    return evaluation if zone is None else evaluation._in_zone(zone)


def _never_started(spec: ClockSpec) -> str:
    if spec.klass == "escalation":
        return "no management escalation was requested"
    if spec.repeat is True:
        return f"no clock has started (it starts on {', '.join(spec.start)})"
    return "the clock has not started"


def _with_gaps(
    pauses: list[tuple[int, int | None, str]], runs: list[Run]
) -> list[tuple[int, int | None, str]]:
    """A total's pauses: the clock's own, plus the gaps between its runs (while solved)."""
    gaps = [
        (a[1], b[0], "solved")
        for a, b in itertools.pairwise(runs)
        if a[1] is not None and b[0] > a[1]
    ]
    if not gaps:
        return pauses
    spans = sorted([*pauses, *gaps], key=lambda s: s[0])
    merged: list[tuple[int, int | None, str]] = []
    for a, b, why in spans:
        if merged:
            pa, pb, pwhy = merged[-1]
            if pb is None or a < pb:  # overlapping (touching spans stay apart)
                end = None if pb is None or b is None else max(pb, b)
                merged[-1] = (pa, end, pwhy)
                continue
        merged.append((a, b, why))
    return merged


def _severity_changes(policy: Policy, ticket: Ticket, initial: str) -> list[tuple[int, str, str]]:
    out: list[tuple[int, str, str]] = []
    current = initial
    for (at, kind, value), index in zip(ticket._events_us, ticket._index, strict=True):
        if kind == "severity":
            try:
                new = policy.severity(value or "")
            except UnknownSeverityError as exc:
                pos = ticket._events_us.index((at, kind, value))
                msg = f"ticket {ticket.id!r}: severity event at {ticket.events[pos].at.isoformat()} (events[{index}], value {value!r}): {exc}"
                raise UnknownSeverityError(msg) from None
            if new != current:
                out.append((at, current, new))
                current = new
    return out


def _not_applicable(
    plan: Plan,
    ticket: Ticket,
    metric: str,
    klass: str | None,
    now: datetime,
    reason: str,
    target: Target | None = None,
    **extra: Any,
) -> Outcome:
    return Outcome(
        ticket.id,
        plan.policy.name,
        plan.name,
        metric,
        klass,
        "not_applicable",
        target,
        now,
        reason=reason,
        **extra,
    )


#: One judged clock, as the positional arguments of :meth:`Outcome._judged` (slot order).
_Record = tuple[Any, ...]
# positions in a record of the facts an aggregate reads
_KLASS, _STATUS, _START, _STOP, _ELAPSED, _LATE, _LATE_WALL, _CREDIT_DAYS = (
    4,
    5,
    9,
    11,
    12,
    14,
    15,
    16,
)
_SEVERITY_RULE, _INITIAL_CLASS, _PAUSES, _PAUSED, _LATENESS, _ALERT_MEASURE = 18, 19, 21, 22, 23, 27
_STATUS_OF, _CREDIT_DAYS_OF = operator.itemgetter(_STATUS), operator.itemgetter(_CREDIT_DAYS)


class _Program:
    """How one plan judges one metric: everything that does not depend on the ticket, looked up once.

    Kept per plan (``Plan._programs``). :meth:`records` judges a ticket's
    runs of the metric's clock; each run's open time is read off one compiled
    calendar snapshot (see ``open_before``).
    """

    __slots__ = (
        "alert_measure",
        "alert_specs",
        "credit_rule",
        "credit_text",
        "escalation",
        "lateness",
        "metric",
        "objectives",
        "plan",
        "plan_name",
        "policy_name",
        "severity_rule",
        "spec",
        "static",
    )

    def __init__(self, plan: Plan, metric: str, spec: ClockSpec) -> None:
        policy = plan.policy
        self.plan = plan
        self.metric = metric
        self.spec = spec
        self.plan_name = plan.name
        self.policy_name = policy.name
        self.escalation = spec.klass == "escalation"
        self.severity_rule = policy.severity_change
        self.lateness = policy.lateness
        self.alert_measure = policy.alert_measure
        self.alert_specs = plan.alerts.get(metric) or ()
        rule = policy.credits
        self.credit_rule = rule if rule is not None and metric in rule.metrics else None
        self.credit_text = None if self.credit_rule is None else _rule_text(self.credit_rule)
        self.objectives: dict[str, tuple[Target, int | None, Calendar | None]] = {}
        self.static = (
            metric,
            self.policy_name,
            self.plan_name,
            self.escalation,
            self.severity_rule,
            self.lateness,
            self.alert_measure,
            self.alert_specs,
            self.objectives,
            self.credit_rule,
            self.credit_text,
        )

    def records(
        self,
        ticket: Ticket,
        runs: Sequence[tuple[int, int | None, str | None]],
        pauses: tuple[tuple[tuple[int, int | None], ...], tuple[str, ...]],
        now: datetime,
        now_us: int,
        initial: str,
        changes: list[tuple[int, str, str]],
        repeating: bool,
    ) -> list[_Record]:
        """One record per run ``(start, stop, value)``; *repeating*: number them as instances.

        *pauses*: the spans ``(a, b)`` in which the clock stands still and
        their reasons, sorted and disjoint (so a run's own pauses are a slice).
        """
        (
            metric,
            policy_name,
            plan_name,
            escalation,
            severity_rule,
            lateness,
            alert_measure,
            alert_specs,
            objectives,
            credit,
            credit_note,
        ) = self.static
        ticket_id = ticket.id
        if (
            credit is not None
            and credit.channels is not None
            and ticket.channel is not None
            and ticket.channel not in credit.channels
        ):
            credit, credit_note = None, f"no credits on channel '{ticket.channel}'"
        all_spans, all_why = pauses
        count = len(all_spans)
        out: list[_Record] = []
        # the snapshot in use, unpacked (see _Compiled); last: the open time at its end
        last_cal: Calendar | None = None
        snap_lo = snap_hi = last = 0
        starts: list[int] = []
        ends: list[int] = []
        cum: list[int] = []
        cumend: list[int] = []
        snap = None
        zone: tzinfo = UTC
        for n, (start, stop, value) in enumerate(runs):
            end = now_us if stop is None else stop
            rule: str | None = None
            used_changes: tuple[tuple[int, str, str], ...] = ()
            if escalation:
                try:
                    klass = self.plan.policy.escalation_class(value or "")
                except UnknownSeverityError as exc:
                    msg = f"ticket {ticket_id!r}: {exc}"
                    raise UnknownSeverityError(msg) from None
                initial_class = klass
            else:
                rule = severity_rule
                initial_class = initial
                if changes:  # in time order
                    k = 0
                    for c in changes:
                        if c[0] >= start:
                            break
                        initial_class = c[2]
                        k += 1
                    if k < len(changes) and changes[k][0] < end:
                        used_changes = tuple([c for c in changes[k:] if c[0] < end])
                if rule == "initial" or not used_changes:
                    klass = initial_class
                else:
                    klass = used_changes[-1][2]
                    if rule == "restart":
                        start = max(start, used_changes[-1][0])
            objective = objectives.get(klass)
            if objective is None:
                objective = objectives[klass] = self.plan._objective(metric, klass)
            target, d, cal = objective
            instance = n if repeating else None
            if d is None or cal is None:
                out.append(
                    (ticket_id, policy_name, plan_name, metric, klass, "not_applicable", target,
                     now, UTC, None, None, None, 0, None, 0, 0, 0, None, rule, initial_class,
                     used_changes, (), 0, "business", (), (), instance, "business",
                     _no_objective_reason(target))
                )  # fmt: skip
                continue
            spans: tuple[tuple[int, int | None], ...] = ()
            why: tuple[str, ...] = ()
            lo = start
            if count:
                # the pauses that end after the start and begin before the end: a slice
                i, j = 0, count
                while i < j and all_spans[i][1] is not None and all_spans[i][1] <= start:  # type: ignore[operator]
                    i += 1
                while j > i and all_spans[j - 1][0] >= end:
                    j -= 1
                if i < j:
                    if i == 0 and j == count:
                        spans, why = all_spans, all_why
                    else:
                        spans, why = all_spans[i:j], all_why[i:j]
                    if spans[0][0] < lo:
                        lo = spans[0][0]
            # every instant involved lies in [lo, max(end, now)]: one snapshot serves them all
            hi = end if end > now_us else now_us
            if cal is not last_cal or not (snap_lo <= lo and hi < snap_hi):
                snap = cal.compiled_us(lo, hi)
                last_cal, zone = cal, cal.tzinfo
                snap_lo, snap_hi, starts, ends, cum, cumend = snap
                last = cumend[-1] if cumend else -1
            i = bisect_right(starts, start) - 1
            at_start = 0 if i < 0 else cum[i] + (start if start < ends[i] else ends[i]) - starts[i]
            if end > start:
                i = bisect_right(starts, end) - 1
                at_end = 0 if i < 0 else cum[i] + (end if end < ends[i] else ends[i]) - starts[i]
                used = at_end - at_start
            else:
                used = 0
            paused_us = 0
            if spans:
                # the paused open time, and the walk of due_with_pauses, in one pass
                t, at_t, left, walking = start, at_start, d, True
                for a, b in spans:
                    lo = a if a > start else start
                    i = bisect_right(starts, lo) - 1
                    at_lo = 0 if i < 0 else cum[i] + (lo if lo < ends[i] else ends[i]) - starts[i]
                    hi = end if b is None or b > end else b
                    at_hi = at_lo
                    if hi > lo:
                        i = bisect_right(starts, hi) - 1
                        at_hi = (
                            0 if i < 0 else cum[i] + (hi if hi < ends[i] else ends[i]) - starts[i]
                        )
                        paused_us += at_hi - at_lo
                    if not walking:
                        continue
                    if a >= t:  # then a >= start: at_lo is the position of a
                        if at_lo - at_t >= left:
                            walking = False
                            continue
                        left -= at_lo - at_t
                    resume = now_us if b is None else b
                    if resume > t:
                        t = resume
                        if resume == hi:
                            at_t = at_hi
                        else:
                            i = bisect_right(starts, t) - 1
                            at_t = (
                                0 if i < 0 else cum[i] + (t if t < ends[i] else ends[i]) - starts[i]
                            )
                used -= paused_us
                if left > 0:
                    goal = at_t + left
                    if goal <= last:
                        i = bisect_left(cumend, goal)
                        due_us = starts[i] + (goal - cum[i])
                        if due_us >= MAX_US:
                            due_us = cal.add_us(t, left)  # which says why there is no answer
                    else:
                        due_us = cal.add_us(t, left)
                else:
                    due_us = t
            else:
                goal = at_start + d
                if d > 0 and goal <= last:
                    i = bisect_left(cumend, goal)
                    due_us = starts[i] + (goal - cum[i])
                    if due_us >= MAX_US:
                        due_us = cal.add_us(start, d)  # which says why there is no answer
                else:
                    due_us = cal.add_us(start, d)
            late_business = used - d if used > d else 0
            late_wall = end - due_us if end > due_us else 0
            late = late_business if lateness == "business" else late_wall
            if late > 0:
                status = "breached"
            elif stop is not None:
                status = "met"
            else:
                status = "pending"
            credit_days = 0
            note = credit_note
            if credit is not None and status == "breached":
                credit_days = _credit_days(credit, late_business, late_wall)
                cap = credit.cap_days_per_ticket
                if cap is not None and credit_days > cap:
                    credit_days, note = (
                        cap,
                        f"{credit_note}; capped at {plural(cap, 'day')} per ticket",
                    )
            alerts = (
                alert_instants(
                    alert_specs, cal, start, d, due_us, spans, now_us, alert_measure, snap
                )
                if alert_specs
                else ()
            )
            out.append(
                (ticket_id, policy_name, plan_name, metric, klass, status, target, now,
                 zone, start, due_us, stop, used,
                 None if stop is not None else (d - used if d > used else 0),
                 late, late_wall, credit_days, note, rule, initial_class, used_changes, spans,
                 paused_us, lateness, alerts, why, instance, alert_measure, "")
            )  # fmt: skip
        return out


def _programs(plan: Plan, metric: str | None = None) -> tuple[_Program, ...]:
    """The plan's metric programs (built on its first evaluation), or *metric*'s alone."""
    hit: tuple[_Program, ...] | None = plan._programs.get("all")
    if hit is None:
        # equal clocks (requester_wait and agent_work are) share one spec: evaluate replays it once
        specs: dict[ClockSpec, ClockSpec] = {}
        hit = tuple(_Program(plan, m, specs.setdefault(spec, spec)) for m, spec in plan._clocks)
        plan._programs["all"] = hit
    if metric is None:
        return hit
    one: tuple[_Program, ...] | None = plan._programs.get(f"one:{metric}")
    if one is None:
        # none when the plan does not target it: the evaluation's look-up then says so
        one = plan._programs[f"one:{metric}"] = tuple(p for p in hit if p.metric == metric)
    return one


def _credit_days(rule: CreditRule, late_business: int, late_wall: int) -> int:
    """Credit days for a breach *late* by so much, before the per-ticket cap."""
    per_us = rule.per // _US
    late = late_wall if rule.measure == "wall" else late_business
    periods = -(-late // per_us) if rule.rounding == "ceil" else late // per_us
    return periods * rule.award_days


def _no_objective_reason(target: Target) -> str:
    if isinstance(target.objective, NoObjective) and target.objective.kind == "best_effort":
        return "the plan promises best effort: no time objective, no credits"
    return "the plan sets no objective for this metric and class"


_RULE_TEXTS: dict[int, tuple[CreditRule, str]] = {}


def _rule_text(rule: CreditRule) -> str:
    """The credit rule in words (cached per rule object: it is immutable)."""
    hit = _RULE_TEXTS.get(id(rule))
    if hit is not None and hit[0] is rule:
        return hit[1]
    text = (
        f"{plural(rule.award_days, 'day')} per {'started' if rule.rounding == 'ceil' else 'full'} "
        f"{format_timedelta(rule.per)} late ({rule.measure} time)"
    )
    _RULE_TEXTS[id(rule)] = (rule, text)
    return text


_TARGET_TEXTS: dict[int, tuple[Target, str]] = {}


def _target_text(target: Target) -> str:
    """``str(target)``, cached per target object (targets are immutable and few)."""
    hit = _TARGET_TEXTS.get(id(target))
    if hit is not None and hit[0] is target:
        return hit[1]
    text = str(target)
    _TARGET_TEXTS[id(target)] = (target, text)
    return text
