"""The array path of the frame engine, on NumPy alone: rows without events judged by target.

:func:`_evaluate_fast` groups rows by severity, looks every group's due
instant and open time up in the compiled calendar (``slacalc._engine.batch``,
the engine of ``Calendar.add_many`` and ``elapsed_many``) and fills the
outcome arrays of :class:`_Rows`. ``slacalc._analysis.vectorised`` (the
engine behind ``slacalc.pandas``) and ``slacalc._analysis.chunked`` (the
command line's column engine) both judge through it; this module needs no
pandas, so the command line does not pay for importing it.

This module is private.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, NamedTuple, cast

import numpy as np
import numpy.typing as npt

from slacalc._engine import batch
from slacalc._engine.calendar import EPOCH, Calendar, from_us
from slacalc.exceptions import PolicyError

if TYPE_CHECKING:
    from slacalc._evaluation.evaluate import Outcome
    from slacalc._policies.model import CreditRule, FamilyPlan, Plan, Policy, PolicyFamily, Target

__all__ = ["NA", "STATUSES"]

I64 = npt.NDArray[np.int64]
Bools = npt.NDArray[np.bool_]
Objects = npt.NDArray[np.object_]

#: Marks a missing instant or duration in the int64 arrays (pandas' NaT is the same value).
NA = np.iinfo(np.int64).min
_US = timedelta(microseconds=1)
#: The values of the ``status`` column; ``invalid`` marks a bad row.
STATUSES: tuple[str, ...] = ("met", "breached", "pending", "not_applicable", "invalid")
_MET, _BREACHED, _PENDING, _NA_STATUS, _INVALID = range(5)
_STATUS_CODE = {name: code for code, name in enumerate(STATUSES)}


class _Clock(NamedTuple):
    """Due instant and open time used for a group of rows sharing a target; ``ok`` false: ask the row-wise path."""

    due: I64
    used: I64
    ok: Bools


def _clock(cal: Calendar, d: int, start: I64, end: I64) -> _Clock:
    """``cal.add_us(start, d)`` and ``cal.elapsed_us(start, end)`` for whole columns.

    The calendar's own batch primitives (``slacalc._engine.batch``, the engine
    of ``Calendar.add_many`` and ``elapsed_many``): the same numbers as the
    scalar methods, element by element. A row whose due instant cannot be
    computed (the calendar runs out of open time before the end of the
    supported range) is left to the row-wise path, which reports it.
    """
    used = batch.elapsed_us(cal, start, end)
    due, ok = batch.add_us(cal, start, d)
    return _Clock(due, used, ok)


def _credit_days(
    rule: CreditRule | None, metric: str, late_business: I64, late_wall: I64, breached: Bools
) -> I64:
    """Credit days per row (``evaluate._credit_days`` and the cap, without the channel test)."""
    days = np.zeros(len(late_business), dtype=np.int64)
    if rule is None or metric not in rule.metrics:
        return days
    late = late_wall if rule.measure == "wall" else late_business
    per = rule.per // _US
    periods = -((-late) // per) if rule.rounding == "ceil" else late // per
    days = np.where(breached, periods * rule.award_days, 0)
    if rule.cap_days_per_ticket is not None:
        days = np.minimum(days, rule.cap_days_per_ticket)
    return cast(I64, days)


@dataclass(slots=True)
class _Rows:
    """The outcome arrays being filled."""

    n: int
    status: npt.NDArray[np.int8] = field(init=False)
    klass: Objects = field(init=False)
    target: Objects = field(init=False)
    objective: I64 = field(init=False)
    due: I64 = field(init=False)
    stop: I64 = field(init=False)
    elapsed: I64 = field(init=False)
    remaining: I64 = field(init=False)
    late: I64 = field(init=False)
    late_wall: I64 = field(init=False)
    credits: I64 = field(init=False)
    version: Objects = field(init=False)
    zone: Objects = field(init=False)  # the zone of the outcome's instants (a tzinfo, or None)

    def __post_init__(self) -> None:
        n = self.n
        self.status = np.full(n, _INVALID, dtype=np.int8)
        self.zone = np.full(n, None, dtype=object)
        self.klass = np.full(n, None, dtype=object)
        self.target = np.full(n, None, dtype=object)
        self.version = np.full(n, None, dtype=object)
        for name in (
            "objective",
            "due",
            "stop",
            "elapsed",
            "remaining",
            "late",
            "late_wall",
            "credits",
        ):
            setattr(self, name, np.full(n, NA, dtype=np.int64))

    def not_applicable(self, rows: I64, version: str, klass: str | None, target: str) -> None:
        self.status[rows] = _NA_STATUS
        self.klass[rows] = klass
        self.target[rows] = target
        self.version[rows] = version
        for arr in (self.elapsed, self.late, self.late_wall, self.credits):
            arr[rows] = 0

    def put(self, pos: int, outcome: Outcome) -> None:
        """Fill row *pos* from an :class:`Outcome` of the row-wise path."""
        self.status[pos] = _STATUS_CODE[outcome.status]
        self.klass[pos] = outcome.klass
        self.target[pos] = outcome.target
        self.version[pos] = outcome.policy
        objective = outcome.objective
        self.objective[pos] = NA if objective is None else objective // _US
        self.due[pos] = _us_or_na(outcome.due_at)
        self.stop[pos] = _us_or_na(outcome.stopped_at)
        self.elapsed[pos] = outcome.elapsed // _US
        remaining = outcome.remaining
        self.remaining[pos] = NA if remaining is None else remaining // _US
        self.late[pos] = outcome.late_by // _US
        self.late_wall[pos] = outcome.late_by_wall // _US
        self.credits[pos] = outcome.credit_days


def _us_or_na(value: datetime | None) -> int:
    return NA if value is None else (value - EPOCH) // _US


def _evaluate_fast(
    rows: _Rows,
    plan: Plan,
    policy: Policy,
    metric: str,
    mask: Bools,
    sev_codes: I64,
    canonical: list[str | None],
    ch_codes: I64,
    ch_values: list[str | None],
    o_us: I64,
    r_us: I64,
    now_us: int,
    slow: Bools,
    stops: I64 | None = None,
) -> None:
    """Rows without events: grouped by target, judged with array look-ups.

    *stops*: for a metric other than the initial response, the instant of
    each row's one event that stops its clock (NA: none), e.g. ``dispatched_at``
    for ``dispatch``; a stop after *now* has not happened yet.
    """
    if not mask.any():
        return
    covered = plan.covered_channels
    version = policy.name
    off = np.zeros(len(mask), dtype=np.bool_)
    if covered is not None:
        off_codes = [c for c, ch in enumerate(ch_values) if ch is not None and ch not in covered]
        off = mask & np.isin(ch_codes, off_codes)
        if off.any():
            rows.not_applicable(np.flatnonzero(off), version, None, "not applicable")
    rule = policy.credits
    no_credit_codes = []
    if rule is not None and rule.channels is not None:
        no_credit_codes = [
            c for c, ch in enumerate(ch_values) if ch is not None and ch not in rule.channels
        ]
    live = mask & ~off
    if metric == "escalation_response":
        # without events no escalation was requested: the clock never started
        rows.not_applicable(np.flatnonzero(live), version, None, "not applicable")
        return
    lateness_wall = policy.lateness == "wall"
    for code, klass in enumerate(canonical):
        if klass is None:
            continue
        group = np.flatnonzero(live & (sev_codes == code))
        if not len(group):
            continue
        target: Target = plan.target(metric, klass)
        objective = target.duration()
        cal = target.calendar
        if objective is None or cal is None:
            rows.not_applicable(group, version, klass, str(target))
            continue
        d = objective // _US
        start = o_us[group]
        source = r_us if metric == "initial_response" else stops
        if source is not None:
            stop = source[group]
            stop = np.where((stop != NA) & (stop <= now_us), stop, NA)
        else:
            stop = np.full(len(group), NA, dtype=np.int64)
        stopped = stop != NA
        end = np.where(stopped, stop, now_us)
        clock = _clock(cal, d, start, end)
        if not clock.ok.all():
            slow[group[~clock.ok]] = True
            keep = clock.ok
            group, start, stop, stopped, end = (
                group[keep],
                start[keep],
                stop[keep],
                stopped[keep],
                end[keep],
            )
            due, used = clock.due[keep], clock.used[keep]
        else:
            due, used = clock.due, clock.used
        late_business = np.maximum(used - d, 0)
        late_wall = np.maximum(end - due, 0)
        late = late_wall if lateness_wall else late_business
        breached = late > 0
        status = np.where(breached, _BREACHED, np.where(stopped, _MET, _PENDING)).astype(np.int8)
        credits = _credit_days(rule, metric, late_business, late_wall, breached)
        if no_credit_codes:
            credits = np.where(np.isin(ch_codes[group], no_credit_codes), 0, credits)
        rows.status[group] = status
        rows.klass[group] = klass
        rows.target[group] = str(target)
        rows.version[group] = version
        rows.zone[group] = cal.tzinfo
        rows.objective[group] = d
        rows.due[group] = due
        rows.stop[group] = stop
        rows.elapsed[group] = used
        rows.remaining[group] = np.where(stopped, NA, np.maximum(d - used, 0))
        rows.late[group] = late
        rows.late_wall[group] = late_wall
        rows.credits[group] = credits


class _Versions(NamedTuple):
    plans: list[Plan]  # one per version in play
    of_row: I64  # per row: position in *plans*, -1 for a row without a version


def _versions(
    plan: Plan | FamilyPlan,
    us: I64,
    ok: Bools,
    bad: list[tuple[int, str | None, object, str]],
    column: str,
    values: Sequence[object],
) -> _Versions:
    """Which policy version judges each row (a family picks the one in force at the opening instant).

    *us* are the opening instants (epoch µs, ``NA`` where unread), *ok* the
    rows to place; a row in no version gets a bad entry naming *column* and
    its cell in *values*.

    The choice is :meth:`PolicyFamily.at`'s, made on the same instants
    (``PolicyFamily.spans_us``): the version whose start (midnight of its
    ``effective_from`` in its own zone) came last, unless it has ended.
    """
    from slacalc._policies.model import Plan

    if isinstance(plan, Plan):
        return _Versions([plan], np.where(ok, 0, -1).astype(np.int64))
    family: PolicyFamily = plan.family
    chosen = np.full(len(us), -1, dtype=np.int64)
    for i, (start, _) in enumerate(family.spans_us()):
        chosen[us >= start] = (
            i  # the last version whose start has come, as PolicyFamily.index_at_us
        )
    for i, (_, until) in enumerate(family.spans_us()):
        if until is not None:
            chosen[(chosen == i) & (us >= until)] = -2  # ended, no later version yet
    chosen[~ok | (us == NA)] = -3
    plans: list[Plan] = []
    slot: dict[str, int] = {}
    index = np.full(len(us), -1, dtype=np.int64)
    for code in np.unique(chosen):
        if code == -3:
            continue
        positions = np.flatnonzero(chosen == code)
        if code < 0:  # in no version: the message names each row's own date
            for pos in positions.tolist():
                try:
                    family.at(from_us(int(us[pos]), UTC))
                except PolicyError as exc:
                    bad.append((pos, column, values[pos], str(exc)))
            continue
        try:  # the plan as this version defines it, under the family plan's terms
            version_plan = plan.at(from_us(int(us[positions[0]]), UTC))
        except PolicyError as exc:  # e.g. a plan the version does not have: every row alike
            for pos in positions.tolist():
                bad.append((pos, column, values[pos], str(exc)))
            continue
        if version_plan.policy.name not in slot:
            slot[version_plan.policy.name] = len(plans)
            plans.append(version_plan)
        index[positions] = slot[version_plan.policy.name]
    return _Versions(plans, index)
