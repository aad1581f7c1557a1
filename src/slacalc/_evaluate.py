"""Deadlines and evaluation: from a plan and a ticket to per-metric outcomes.

Everything runs on epoch microseconds through the calendar's fast paths and
turns into datetimes only for the result. The facts behind an outcome
(holidays skipped, DST changes, pauses, severity changes) are kept as data on
the outcome; the text of :meth:`Outcome.explain` is built from them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from slacalc._calendar import Calendar, from_us, to_us
from slacalc._durations import NoObjective, format_timedelta
from slacalc._tickets import Ticket
from slacalc._typing import METRICS, Status
from slacalc.exceptions import TicketError, TimelineError, UnknownMetricError, UnknownSeverityError

if TYPE_CHECKING:
    from slacalc._policy import CreditRule, Plan, Policy, Target

__all__ = ["Evaluation", "Outcome", "deadline", "evaluate"]

_US = timedelta(microseconds=1)
_ZERO = timedelta(0)


@dataclass(frozen=True, slots=True)
class SeverityChange:
    """A change of a ticket's severity before its clock stopped."""

    at: datetime
    old: str
    new: str


@dataclass(frozen=True, slots=True)
class Outcome:
    """How one metric of one ticket came out, with the facts behind the numbers.

    Durations are exact; ``elapsed``, ``remaining`` and ``late_by`` are
    business time on the target's calendar (``late_by`` is wall time when the
    policy measures lateness in wall time), ``late_by_wall`` is always wall
    time. ``status`` is ``met`` exactly when a stopped clock's ``late_by`` is
    zero.
    """

    ticket_id: str
    policy: str
    plan: str
    metric: str
    klass: str | None
    status: Status
    target: str
    objective: timedelta | None
    calendar: str | None
    started_at: datetime | None
    due_at: datetime | None
    stopped_at: datetime | None
    elapsed: timedelta
    remaining: timedelta | None
    late_by: timedelta
    late_by_wall: timedelta
    credit_days: int
    now: datetime
    severity_rule: str | None = None
    initial_class: str | None = None
    severity_changes: tuple[SeverityChange, ...] = ()
    pauses: tuple[tuple[datetime, datetime | None], ...] = ()
    paused: timedelta = _ZERO
    lateness_measure: str = "business"
    credit_rule: str | None = None
    reason: str = ""
    _calendar: Calendar | None = field(default=None, repr=False, compare=False)

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
        cal = self._calendar
        if cal is not None and self.started_at is not None:
            end = self.stopped_at or self.now
            if self.due_at is not None and self.due_at > end:
                end = self.due_at
            if end > self.started_at:
                out["closed_dates"] = [
                    {"date": d.isoformat(), "name": name}
                    for d, name in cal.holidays_between(self.started_at, end)
                ]
                out["dst_changes"] = [
                    {"at": _iso(at), "offset_before": b, "offset_after": a}
                    for at, b, a in _dst_changes(cal, self.started_at, end)
                ]
                out["open_time_counted_seconds"] = cal.elapsed(
                    self.started_at, self.stopped_at or self.now
                ).total_seconds()
        return out

    def explain(self) -> str:
        """A short account, for a person, of how the numbers came about."""
        f = self.facts()
        lines = [f"{self.metric} of ticket {self.ticket_id}: {self.status.replace('_', ' ')}"]
        lines.append(
            f"  policy {self.policy}, plan {self.plan}; class {self.klass}: target {self.target}"
        )
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


@dataclass(frozen=True, slots=True)
class Evaluation:
    """The outcomes of one ticket, one per metric the plan targets."""

    ticket_id: str
    policy: str
    plan: str
    now: datetime
    outcomes: dict[str, Outcome]

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
        """Credit days earned by the ticket over all metrics."""
        return sum(o.credit_days for o in self.outcomes.values())

    def explain(self) -> str:
        """Every outcome's explanation, one after the other."""
        return "\n".join(o.explain() for o in self.outcomes.values())

    def facts(self) -> list[dict[str, Any]]:
        """Every outcome's facts, as data."""
        return [o.facts() for o in self.outcomes.values()]


# ---------------------------------------------------------------------- deadline


def deadline(
    plan: Plan, opened_at: datetime, severity: str | int, metric: str = "initial_response"
) -> datetime | None:
    """When the *metric* clock started at *opened_at* runs out, or None without an objective."""
    target = plan.target(metric, severity)
    duration = target.duration()
    if duration is None or target.calendar is None:
        to_us(opened_at, "opened_at")
        return None
    return target.calendar.add(opened_at, duration)


# ---------------------------------------------------------------------- evaluate


@dataclass(slots=True)
class _Clock:
    """What a metric's clock needs from the ticket."""

    start: int | None
    stop: int | None
    klass_event: str | None = None  # escalation class, for escalation_response
    reason: str = ""


def evaluate(plan: Plan, ticket: Ticket, now: datetime | None = None) -> Evaluation:
    """Judge *ticket* against *plan* at *now* (default: the current time)."""
    if not isinstance(ticket, Ticket):
        msg = f"ticket: expected a slacalc.Ticket; got {type(ticket).__name__}"
        raise TicketError(msg)
    if now is None:
        now = datetime.now(UTC)
    now_us = to_us(now, "now")
    opened = to_us(ticket.opened_at, "opened_at")
    if now_us < opened:
        msg = (
            f"ticket {ticket.id!r}: now {now.isoformat()} is before opened_at "
            f"{ticket.opened_at.isoformat()}; expected now at or after opening"
        )
        raise TimelineError(msg)
    policy = plan.policy
    try:
        initial = policy.severity(ticket.severity)
        changes = _severity_changes(policy, ticket, initial)
    except UnknownSeverityError as exc:
        msg = f"ticket {ticket.id!r}: {exc}"
        raise UnknownSeverityError(msg) from None
    pauses = _pauses(ticket)
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
    return Evaluation(ticket.id, policy.name, plan.name, now, outcomes)


def _severity_changes(policy: Policy, ticket: Ticket, initial: str) -> list[tuple[int, str, str]]:
    out: list[tuple[int, str, str]] = []
    current = initial
    for event in ticket.events:
        if event.kind == "severity":
            new = policy.severity(event.value or "")
            if new != current:
                out.append((to_us(event.at, "severity event"), current, new))
                current = new
    return out


def _pauses(ticket: Ticket) -> list[tuple[int, int | None]]:
    spans: list[tuple[int, int | None]] = []
    start: int | None = None
    for event in ticket.events:
        if event.kind == "pause":
            start = to_us(event.at, "pause")
        elif event.kind == "resume" and start is not None:
            spans.append((start, to_us(event.at, "resume")))
            start = None
    if start is not None:
        spans.append((start, None))
    return spans


def _first(ticket: Ticket, kind: str, after: int) -> int | None:
    for event in ticket.events:
        if event.kind == kind:
            t = to_us(event.at, kind)
            if t >= after:
                return t
    return None


def _clock(ticket: Ticket, metric: str, opened: int) -> _Clock:
    if metric == "initial_response":
        stop = _first(ticket, "response", opened)
        if ticket.responded_at is not None:
            r = to_us(ticket.responded_at, "responded_at")
            stop = r if stop is None else min(stop, r)
        return _Clock(opened, stop)
    if metric == "escalation_response":
        for event in ticket.events:
            if event.kind == "escalation":
                start = to_us(event.at, "escalation")
                return _Clock(start, _first(ticket, "escalation_response", start), event.value)
        return _Clock(None, None, reason="no management escalation was requested")
    if metric == "dispatch":
        return _Clock(opened, _first(ticket, "dispatch", opened))
    if metric == "resolution":
        return _Clock(opened, _first(ticket, "resolved", opened))
    raise UnknownMetricError.for_name(metric, METRICS)


def _not_applicable(
    plan: Plan,
    ticket: Ticket,
    metric: str,
    klass: str | None,
    now: datetime,
    reason: str,
    target: str = "not applicable",
) -> Outcome:
    return Outcome(
        ticket_id=ticket.id,
        policy=plan.policy.name,
        plan=plan.name,
        metric=metric,
        klass=klass,
        status="not_applicable",
        target=target,
        objective=None,
        calendar=None,
        started_at=None,
        due_at=None,
        stopped_at=None,
        elapsed=_ZERO,
        remaining=None,
        late_by=_ZERO,
        late_by_wall=_ZERO,
        credit_days=0,
        now=now,
        reason=reason,
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
    clock = _clock(ticket, metric, opened)
    if clock.start is None or clock.start > now_us:
        return _not_applicable(
            plan, ticket, metric, None, now, clock.reason or "the clock has not started"
        )
    start = clock.start
    end = clock.stop if clock.stop is not None and clock.stop <= now_us else now_us
    stopped = clock.stop is not None and clock.stop <= now_us

    rule: str | None = None
    used_changes: list[tuple[int, str, str]] = []
    if metric == "escalation_response":
        try:
            klass = policy.escalation_class(clock.klass_event or "")
        except UnknownSeverityError as exc:
            msg = f"ticket {ticket.id!r}: {exc}"
            raise UnknownSeverityError(msg) from None
        initial_class = klass
    else:
        rule = policy.severity_change
        used_changes = [c for c in changes if c[0] < end]
        initial_class = initial
        if rule == "initial" or not used_changes:
            klass = initial
        else:
            klass = used_changes[-1][2]
            if rule == "restart":
                start = max(start, used_changes[-1][0])
    target = plan.target(metric, klass)
    sev_changes = tuple(
        SeverityChange(from_us(t, ticket.opened_at.tzinfo or UTC), a, b) for t, a, b in used_changes
    )
    objective = target.duration()
    if objective is None or target.calendar is None:
        assert isinstance(target.objective, NoObjective)
        out = _not_applicable(
            plan,
            ticket,
            metric,
            target.klass if klass is None else klass,
            now,
            _no_objective_reason(target),
            str(target),
        )
        return _replace(
            out, severity_rule=rule, severity_changes=sev_changes, initial_class=initial_class
        )

    cal = target.calendar
    tz = cal.tzinfo
    d = objective // _US
    pausable = metric in policy.pausable
    spans = [(a, b) for a, b in pauses if (b is None or b > start) and a < end] if pausable else []
    used, paused_us = _business_used(cal, start, end, spans)
    due_us = _due(cal, start, d, spans, now_us)
    late_business = used - d if used > d else 0
    late_wall = end - due_us if end > due_us else 0
    late = late_business if policy.lateness == "business" else late_wall
    if late > 0:
        status: Status = "breached"
    elif stopped:
        status = "met"
    else:
        status = "pending"
    remaining = None if stopped else timedelta(microseconds=max(d - used, 0))
    credit_days, credit_text = _credits(
        policy.credits, ticket, metric, status, late_business, late_wall
    )
    return Outcome(
        ticket_id=ticket.id,
        policy=policy.name,
        plan=plan.name,
        metric=metric,
        klass=klass,
        status=status,
        target=str(target),
        objective=objective,
        calendar=target.calendar_name,
        started_at=from_us(start, tz),
        due_at=from_us(due_us, tz),
        stopped_at=from_us(clock.stop, tz) if stopped and clock.stop is not None else None,
        elapsed=timedelta(microseconds=used),
        remaining=remaining,
        late_by=timedelta(microseconds=late),
        late_by_wall=timedelta(microseconds=late_wall),
        credit_days=credit_days,
        now=now,
        severity_rule=rule,
        initial_class=initial_class,
        severity_changes=sev_changes,
        pauses=tuple((from_us(a, tz), None if b is None else from_us(b, tz)) for a, b in spans),
        paused=timedelta(microseconds=paused_us),
        lateness_measure=policy.lateness,
        credit_rule=credit_text,
        _calendar=cal,
    )


def _replace(outcome: Outcome, **changes: Any) -> Outcome:
    from dataclasses import replace

    return replace(outcome, **changes)


def _no_objective_reason(target: Target) -> str:
    if isinstance(target.objective, NoObjective) and target.objective.kind == "best_effort":
        return "the plan promises best effort: no time objective, no credits"
    return "the plan sets no objective for this metric and class"


def _business_used(
    cal: Calendar, start: int, end: int, pauses: list[tuple[int, int | None]]
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
    cal: Calendar, start: int, d: int, pauses: list[tuple[int, int | None]], now_us: int
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
    per_us = rule.per // _US
    text = (
        f"{rule.award_days} day(s) per {'started' if rule.rounding == 'ceil' else 'full'} "
        f"{format_timedelta(rule.per)} late ({rule.measure} time)"
    )
    if status != "breached":
        return 0, text
    late = late_wall if rule.measure == "wall" else late_business
    periods = -(-late // per_us) if rule.rounding == "ceil" else late // per_us
    days = periods * rule.award_days
    if rule.cap_days_per_ticket is not None and days > rule.cap_days_per_ticket:
        days = rule.cap_days_per_ticket
        text += f"; capped at {rule.cap_days_per_ticket} day(s) per ticket"
    return days, text
