"""Alerts before a breach: ``"75%"`` of the objective, or ``"30 minutes before"`` due.

Both kinds are measured in open time on the target's calendar, with the
clock's pauses left out, so a business-hours alert falls in business hours:
``"30 minutes before"`` a Monday 08:30 deadline on 08:00-17:00 is Friday
16:30, not Monday 08:00 (and never Sunday night, as a wall-clock reading
would have it). A policy with ``alert_measure = "wall"`` measures them on the
wall clock instead: a share of the wall time from start to due, or a lead
time of wall time before due.

>>> AlertSpec.parse("75%"), AlertSpec.parse("30 minutes before").lead
(AlertSpec(label='75%', share=Fraction(3, 4), lead=None), Duration(fixed=datetime.timedelta(seconds=1800), business_days=Fraction(0, 1)))
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from fractions import Fraction
from typing import TYPE_CHECKING

from slacalc._engine.calendar import add_on, open_before
from slacalc._engine.durations import Duration, parse_duration
from slacalc.exceptions import DurationError, PolicyError

if TYPE_CHECKING:
    from slacalc._engine.calendar import Calendar, _Compiled

__all__ = ["Alert", "AlertSpec", "alert_instants", "due_with_pauses"]

_US = timedelta(microseconds=1)
_SHARE_RE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*%\s*$")
_LEAD_RE = re.compile(r"^\s*(.*?\S)\s+before(?:\s+due)?\s*$", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class Alert:
    """One alert of a clock: the ``label`` as the policy writes it, and the instant ``at``."""

    label: str
    at: datetime


@dataclass(frozen=True, slots=True)
class AlertSpec:
    """An alert as a policy writes it: a ``share`` of the objective or a ``lead`` time before due."""

    label: str
    share: Fraction | None = None
    lead: Duration | None = None

    @classmethod
    def parse(cls, text: object, field: str = "alerts") -> AlertSpec:
        """``"50%"``, ``"12.5 %"``, ``"30 minutes before"``, ``"1 business hour before"``, ``"PT30M before"``."""
        if not isinstance(text, str):
            msg = f"{field}: invalid alert {text!r}; expected a string such as '75%' or '30 minutes before'"
            raise PolicyError(msg)
        share = _SHARE_RE.match(text)
        if share is not None:
            value = Fraction(share[1]) / 100
            if not 0 < value <= 1:
                msg = f"{field}: invalid alert {text!r}; expected a share above 0% and at most 100%"
                raise PolicyError(msg)
            return cls(text, share=value)
        lead = _LEAD_RE.match(text)
        if lead is not None:
            try:
                parsed = parse_duration(lead[1], field)
            except DurationError:
                parsed = None
            if isinstance(parsed, Duration):
                return cls(text, lead=parsed)
        msg = (
            f"{field}: invalid alert {text!r}; expected a share of the target such as '75%' "
            "or a lead time such as '30 minutes before'"
        )
        raise PolicyError(msg)


def due_with_pauses(
    cal: Calendar,
    start: int,
    d: int,
    pauses: Sequence[tuple[int, int | None]],
    now_us: int,
    snap: _Compiled | None = None,
) -> int:
    """The instant *d* of unpaused open time has run from *start* (epoch microseconds).

    An open pause (no end yet) is taken to end at *now*: the instant is
    projected as if the clock resumed then. *snap*: a compiled snapshot of
    *cal* exact from *start* to *now* and the pauses' ends (looked up without it).
    """
    if snap is None:
        ends = [b for _, b in pauses if b is not None]
        snap = cal.compiled_us(start, max(start, now_us, *ends))
    t = start
    at_t = open_before(snap, t)
    left = d
    for a, b in pauses:
        if a >= t:
            seg = open_before(snap, a) - at_t
            if seg >= left:
                break
            left -= seg
        resume = now_us if b is None else b
        if resume > t:
            t = resume
            at_t = open_before(snap, t)
    return add_on(cal, snap, t, left) if left > 0 else t


def alert_instants(
    specs: Sequence[AlertSpec],
    cal: Calendar,
    start: int,
    d: int,
    due: int,
    pauses: Sequence[tuple[int, int | None]],
    now_us: int,
    measure: str,
    snap: _Compiled | None = None,
) -> tuple[tuple[str, int], ...]:
    """``(label, at)`` of each alert, in time order (ties: as written), never after *due*.

    *snap*: as for :func:`due_with_pauses`.
    """
    out: list[tuple[int, int, str]] = []
    for i, spec in enumerate(specs):
        if measure == "wall":
            if spec.share is not None:
                at = start + int((due - start) * spec.share)
            else:
                assert spec.lead is not None
                at = max(start, due - spec.lead.resolve(cal) // _US)
        else:
            if spec.share is not None:
                k = int(d * spec.share)
            else:
                assert spec.lead is not None
                k = max(0, d - spec.lead.resolve(cal) // _US)
            if k > 0:
                at = due_with_pauses(cal, start, k, pauses, now_us, snap)
            elif d > 0:
                # no open time used yet: the instant the clock first runs
                at = due_with_pauses(cal, start, 1, pauses, now_us, snap) - 1
            else:
                at = due
        out.append((min(at, due), i, spec.label))
    out.sort()
    return tuple((label, at) for at, _, label in out)
