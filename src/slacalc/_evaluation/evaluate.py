"""Deadlines and evaluation: from a plan and a ticket to per-metric outcomes.

Everything runs on epoch microseconds through the calendar's fast paths and
turns into datetimes only for the result. The facts behind an outcome
(holidays skipped, DST changes, pauses, severity changes) are kept as data on
the outcome; the text of :meth:`Outcome.explain` is built from them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, tzinfo
from typing import TYPE_CHECKING, Any

from slacalc._engine.calendar import Calendar, Zone, from_us, resolve_tz, to_us
from slacalc._engine.durations import NoObjective, format_timedelta
from slacalc._evaluation.tickets import Ticket
from slacalc._typing import METRICS, Status
from slacalc.exceptions import TicketError, TimelineError, UnknownMetricError, UnknownSeverityError

if TYPE_CHECKING:
    from slacalc._policies.model import CreditRule, Plan, Policy, Target

__all__ = ["Evaluation", "Outcome", "deadline", "evaluate"]

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
        "_changes",
        "_credit_note",
        "_due",
        "_elapsed",
        "_late",
        "_late_wall",
        "_paused",
        "_pauses",
        "_remaining",
        "_start",
        "_stop",
        "_target",
        "_tz",
        "credit_days",
        "initial_class",
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

    def _key(self) -> tuple[Any, ...]:
        own = (getattr(self, name) for name in self.__slots__ if name not in ("_target", "_tz"))
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
        return {name: getattr(self, name) for name in self.__slots__}

    def __setstate__(self, state: dict[str, Any]) -> None:
        for name, value in state.items():
            object.__setattr__(self, name, value)

    def _in_zone(self, zone: tzinfo) -> Outcome:
        """The same outcome with every instant expressed in *zone*.

        Instants kept as epoch microseconds follow ``_tz`` when read; any
        instant kept as a datetime must be converted here too.
        """
        other = object.__new__(Outcome)
        other.__setstate__(self.__getstate__())
        other._tz = zone
        other.now = self.now.astimezone(zone)
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
            "pauses": [{"from": _iso(a), "to": _iso(b)} for a, b in self.pauses],
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
                    for d, name in cal.holidays_between(started, end)
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
        lines = [f"{self.metric} of ticket {self.ticket_id}: {self.status.replace('_', ' ')}"]
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
        for a, b in self.pauses:
            lines.append(
                f"  paused (waiting on customer) {_short(a)} → {_short(b) if b else 'still paused'}"
            )
        if self.due_at is not None:
            lines.append(f"  due {_short(self.due_at)}")
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
            lines.append(f"  credits: {self.credit_days} day(s) — {self.credit_rule}")
        return "\n".join(lines)


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


@dataclass(slots=True)
class Evaluation:
    """The outcomes of one ticket, one per metric the plan targets."""

    ticket_id: str
    policy: str
    plan: str
    now: datetime
    outcomes: dict[str, Outcome]
    cap_days_per_ticket: int | None = None
    opened_at: datetime | None = None

    def __getitem__(self, metric: str) -> Outcome:
        try:
            return self.outcomes[metric]
        except KeyError:
            raise UnknownMetricError.for_name(metric, self.outcomes) from None

    def __iter__(self) -> Any:
        return iter(self.outcomes.values())

    @property
    def initial_response(self) -> Outcome:
        """The outcome of the initial-response metric."""
        return self["initial_response"]

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
    plan: Plan, ticket: Ticket, now: datetime | None = None, *, tz: Zone | None = None
) -> Evaluation:
    """Judge *ticket* against *plan* at *now* (default: the current time).

    Every instant of the result is in the target calendars' zones, or in *tz*
    (a name or a ``tzinfo``) when given: ``tz="UTC"`` for a database that
    stores UTC, where PEP 495 makes instants of the repeated autumn hour
    compare unequal across zones.
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
        changes = _severity_changes(policy, ticket, initial) if ticket._events_us else []
    except UnknownSeverityError as exc:
        msg = f"ticket {ticket.id!r}: {exc}"
        raise UnknownSeverityError(msg) from None
    pauses = _pauses(ticket) if ticket._events_us else []
    covered = plan.covered_channels
    off_channel = (
        ticket.channel is not None and covered is not None and ticket.channel not in covered
    )
    outcomes: dict[str, Outcome] = {}
    for metric in plan.metrics():
        if off_channel:
            outcomes[metric] = _not_applicable(
                plan,
                ticket,
                metric,
                None,
                now,
                f"channel '{ticket.channel}' carries no guarantee; covered: {', '.join(covered or ())}",
            )
            continue
        outcomes[metric] = _evaluate_metric(
            plan, ticket, metric, now, now_us, opened, initial, changes, pauses
        )
    cap = None if policy.credits is None else policy.credits.cap_days_per_ticket
    evaluation = Evaluation(ticket.id, policy.name, plan.name, now, outcomes, cap, ticket.opened_at)
    return evaluation if zone is None else evaluation._in_zone(zone)


def _severity_changes(policy: Policy, ticket: Ticket, initial: str) -> list[tuple[int, str, str]]:
    out: list[tuple[int, str, str]] = []
    current = initial
    for at, kind, value in ticket._events_us:
        if kind == "severity":
            new = policy.severity(value or "")
            if new != current:
                out.append((at, current, new))
                current = new
    return out


def _pauses(ticket: Ticket) -> list[tuple[int, int | None]]:
    spans: list[tuple[int, int | None]] = []
    start: int | None = None
    for at, kind, _ in ticket._events_us:
        if kind == "pause":
            start = at
        elif kind == "resume" and start is not None:
            spans.append((start, at))
            start = None
    if start is not None:
        spans.append((start, None))
    return spans


def _first(ticket: Ticket, kind: str, after: int) -> int | None:
    for at, k, _ in ticket._events_us:
        if k == kind and at >= after:
            return at
    return None


_STOP_EVENT = {"dispatch": "dispatch", "resolution": "resolved"}


def _clock(ticket: Ticket, metric: str, opened: int) -> tuple[int | None, int | None, str | None]:
    """Start and stop of *metric*'s clock (epoch µs), and the escalation class for escalations."""
    if metric == "initial_response":
        stop = _first(ticket, "response", opened) if ticket._events_us else None
        r = ticket._responded_us
        if r is not None and (stop is None or r < stop):
            stop = r
        return opened, stop, None
    if metric == "escalation_response":
        for at, kind, value in ticket._events_us:
            if kind == "escalation":
                return at, _first(ticket, "escalation_response", at), value
        return None, None, None
    if metric in _STOP_EVENT:
        return opened, _first(ticket, _STOP_EVENT[metric], opened), None
    raise UnknownMetricError.for_name(metric, METRICS)


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


def _evaluate_metric(
    plan: Plan,
    ticket: Ticket,
    metric: str,
    now: datetime,
    now_us: int,
    opened: int,
    initial: str,
    changes: list[tuple[int, str, str]],
    pauses: list[tuple[int, int | None]],
) -> Outcome:
    policy = plan.policy
    start, stop, escalation = _clock(ticket, metric, opened)
    if start is None or start > now_us:
        reason = (
            "no management escalation was requested"
            if start is None
            else "the clock has not started"
        )
        return _not_applicable(plan, ticket, metric, None, now, reason)
    if stop is not None and stop > now_us:
        stop = None
    end = now_us if stop is None else stop

    rule: str | None = None
    used_changes: tuple[tuple[int, str, str], ...] = ()
    if metric == "escalation_response":
        try:
            klass = policy.escalation_class(escalation or "")
        except UnknownSeverityError as exc:
            msg = f"ticket {ticket.id!r}: {exc}"
            raise UnknownSeverityError(msg) from None
        initial_class = klass
    else:
        rule = policy.severity_change
        if changes:
            used_changes = tuple(c for c in changes if c[0] < end)
        initial_class = initial
        if rule == "initial" or not used_changes:
            klass = initial
        else:
            klass = used_changes[-1][2]
            if rule == "restart":
                start = max(start, used_changes[-1][0])
    target = plan.target(metric, klass)
    objective = target.duration()
    cal = target.calendar
    if objective is None or cal is None:
        return _not_applicable(
            plan,
            ticket,
            metric,
            klass,
            now,
            _no_objective_reason(target),
            target,
            severity_rule=rule,
            initial_class=initial_class,
            changes=used_changes,
        )

    d = objective // _US
    if pauses and metric in policy.pausable:
        spans = tuple((a, b) for a, b in pauses if (b is None or b > start) and a < end)
    else:
        spans = ()
    if spans:
        used, paused_us = _business_used(cal, start, end, spans)
        due_us = _due(cal, start, d, spans, now_us)
    else:
        used = cal.elapsed_us(start, end) if end > start else 0
        paused_us = 0
        due_us = cal.add_us(start, d)
    late_business = used - d if used > d else 0
    late_wall = end - due_us if end > due_us else 0
    lateness = policy.lateness
    late = late_business if lateness == "business" else late_wall
    if late > 0:
        status: Status = "breached"
    elif stop is not None:
        status = "met"
    else:
        status = "pending"
    credit_days, credit_note = _credits(
        policy.credits, ticket, metric, status, late_business, late_wall
    )
    return Outcome(
        ticket.id,
        policy.name,
        plan.name,
        metric,
        klass,
        status,
        target,
        now,
        tz=cal.tzinfo,
        start=start,
        due=due_us,
        stop=stop,
        elapsed=used,
        remaining=None if stop is not None else (d - used if d > used else 0),
        late=late,
        late_wall=late_wall,
        credit_days=credit_days,
        credit_note=credit_note,
        severity_rule=rule,
        initial_class=initial_class,
        changes=used_changes,
        pauses=spans,
        paused=paused_us,
        lateness_measure=lateness,
    )


def _no_objective_reason(target: Target) -> str:
    if isinstance(target.objective, NoObjective) and target.objective.kind == "best_effort":
        return "the plan promises best effort: no time objective, no credits"
    return "the plan sets no objective for this metric and class"


def _business_used(
    cal: Calendar, start: int, end: int, pauses: Sequence[tuple[int, int | None]]
) -> tuple[int, int]:
    """Open time in [start, end) less the open time inside pauses; and the paused open time."""
    total = cal.elapsed_us(start, end) if end > start else 0
    paused = 0
    for a, b in pauses:
        lo = max(a, start)
        hi = min(end if b is None else b, end)
        if hi > lo:
            paused += cal.elapsed_us(lo, hi)
    return total - paused, paused


def _due(
    cal: Calendar, start: int, d: int, pauses: Sequence[tuple[int, int | None]], now_us: int
) -> int:
    """The instant *d* of unpaused open time has run from *start*.

    An open pause (no resume yet) is taken to end at *now*: the due instant is
    projected as if the clock resumed then.
    """
    t = start
    left = d
    for a, b in pauses:
        if a >= t:
            seg = cal.elapsed_us(t, a)
            if seg >= left:
                break
            left -= seg
        resume = now_us if b is None else b
        t = max(t, resume)
    return cal.add_us(t, left) if left > 0 else t


def _credits(
    rule: CreditRule | None,
    ticket: Ticket,
    metric: str,
    status: str,
    late_business: int,
    late_wall: int,
) -> tuple[int, str | None]:
    if rule is None or metric not in rule.metrics:
        return 0, None
    if (
        rule.channels is not None
        and ticket.channel is not None
        and ticket.channel not in rule.channels
    ):
        return 0, f"no credits on channel '{ticket.channel}'"
    text = _rule_text(rule)
    if status != "breached":
        return 0, text
    per_us = rule.per // _US
    late = late_wall if rule.measure == "wall" else late_business
    periods = -(-late // per_us) if rule.rounding == "ceil" else late // per_us
    days = periods * rule.award_days
    cap = rule.cap_days_per_ticket
    if cap is not None and days > cap:
        return cap, f"{text}; capped at {cap} day(s) per ticket"
    return days, text


_RULE_TEXTS: dict[int, tuple[CreditRule, str]] = {}


def _rule_text(rule: CreditRule) -> str:
    """The credit rule in words (cached per rule object: it is immutable)."""
    hit = _RULE_TEXTS.get(id(rule))
    if hit is not None and hit[0] is rule:
        return hit[1]
    text = (
        f"{rule.award_days} day(s) per {'started' if rule.rounding == 'ceil' else 'full'} "
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
