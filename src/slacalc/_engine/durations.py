"""Durations: ``timedelta``, ISO 8601 (``PT4H``, ``P1D``) and plain words.

A duration is open time on the calendar it is applied to. ``"4 hours"`` and
``"4 business hours"`` are the same thing there; ``"1 business day"`` is kept
symbolic and resolved against the calendar's ``business_day``. Words that mean
"no objective" parse to :class:`NoObjective`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import timedelta
from fractions import Fraction
from typing import TYPE_CHECKING, Literal

from slacalc.exceptions import DurationError

if TYPE_CHECKING:
    from slacalc._engine.calendar import Calendar

__all__ = ["BEST_EFFORT", "NOT_APPLICABLE", "Duration", "NoObjective", "parse_duration"]


@dataclass(frozen=True, slots=True)
class Duration:
    """An amount of open time: a fixed part plus a number of business days.

    >>> d = parse_duration("1 business day")
    >>> d.resolve(office_hours())
    datetime.timedelta(seconds=32400)
    """

    fixed: timedelta = timedelta(0)
    business_days: Fraction = Fraction(0)

    def resolve(self, calendar: Calendar) -> timedelta:
        """The open time this duration stands for on *calendar*."""
        if not self.business_days:
            return self.fixed
        day_us = calendar.business_day // timedelta(microseconds=1)
        extra = self.business_days * day_us
        try:
            return self.fixed + timedelta(microseconds=int(extra))
        except OverflowError:
            raise DurationError.too_long(str(self)) from None

    def __str__(self) -> str:
        parts: list[str] = []
        if self.business_days:
            n = self.business_days
            text = str(n.numerator) if n.denominator == 1 else str(float(n))
            parts.append(f"{text} business day{'' if n == 1 else 's'}")
        if self.fixed or not parts:
            parts.append(format_timedelta(self.fixed))
        return " + ".join(parts)


@dataclass(frozen=True, slots=True)
class NoObjective:
    """A target that sets no time: ``best_effort`` or ``not_applicable``."""

    kind: Literal["best_effort", "not_applicable"]

    def __str__(self) -> str:
        return "best effort" if self.kind == "best_effort" else "not applicable"


BEST_EFFORT = NoObjective("best_effort")
NOT_APPLICABLE = NoObjective("not_applicable")

_NO_OBJECTIVE = {
    "best effort": BEST_EFFORT,
    "best-effort": BEST_EFFORT,
    "best_effort": BEST_EFFORT,
    "n/a": NOT_APPLICABLE,
    "na": NOT_APPLICABLE,
    "not applicable": NOT_APPLICABLE,
    "not-applicable": NOT_APPLICABLE,
    "not_applicable": NOT_APPLICABLE,
    "none": NOT_APPLICABLE,
}

_UNITS: dict[str, timedelta] = {
    "s": timedelta(seconds=1),
    "sec": timedelta(seconds=1),
    "secs": timedelta(seconds=1),
    "second": timedelta(seconds=1),
    "seconds": timedelta(seconds=1),
    "m": timedelta(minutes=1),
    "min": timedelta(minutes=1),
    "mins": timedelta(minutes=1),
    "minute": timedelta(minutes=1),
    "minutes": timedelta(minutes=1),
    "h": timedelta(hours=1),
    "hr": timedelta(hours=1),
    "hrs": timedelta(hours=1),
    "hour": timedelta(hours=1),
    "hours": timedelta(hours=1),
    "bh": timedelta(hours=1),
}
#: Business days per unit. "1d" and "1 day" are business days: a calendar day
#: means nothing on a calendar. A week is five, as ISO 8601's ``P1W`` is read.
_DAY_UNITS: dict[str, int] = {
    "d": 1,
    "day": 1,
    "days": 1,
    "bd": 1,
    "w": 5,
    "wk": 5,
    "week": 5,
    "weeks": 5,
}

_WORD_RE = re.compile(
    r"(?P<num>\d+(?:\.\d+)?)\s*(?P<business>business\s+|working\s+)?(?P<unit>[a-z]+)",
)
_ISO_RE = re.compile(
    r"^P(?!$)(?:(?P<weeks>\d+(?:[.,]\d+)?)W)?(?:(?P<days>\d+(?:[.,]\d+)?)D)?"
    r"(?:T(?=\d)(?:(?P<hours>\d+(?:[.,]\d+)?)H)?(?:(?P<minutes>\d+(?:[.,]\d+)?)M)?"
    r"(?:(?P<seconds>\d+(?:[.,]\d+)?)S)?)?$"
)


def _num(text: str) -> Fraction:
    return Fraction(text.replace(",", "."))


def _td(amount: Fraction, unit: timedelta) -> timedelta:
    return timedelta(microseconds=int(amount * (unit // timedelta(microseconds=1))))


def parse_duration(value: object, field: str = "duration") -> Duration | NoObjective:
    """Read a duration or a no-objective word.

    >>> parse_duration("4 business hours")
    Duration(fixed=datetime.timedelta(seconds=14400), business_days=Fraction(0, 1))
    >>> parse_duration("PT30M").fixed
    datetime.timedelta(seconds=1800)
    >>> parse_duration("best effort")
    NoObjective(kind='best_effort')

    Days (``"3 business days"``, ``"P1D"``, ``"1d"``) count business days of
    the calendar the duration is applied to.
    """
    if isinstance(value, Duration | NoObjective):
        return value
    if isinstance(value, timedelta):
        return Duration(fixed=value)
    if not isinstance(value, str):
        raise DurationError.for_value(value, field)
    text = " ".join(value.strip().lower().split())
    if text in _NO_OBJECTIVE:
        return _NO_OBJECTIVE[text]
    try:
        if text.startswith("p"):
            return _parse_iso(value, field)
        return _parse_words(value, text, field)
    except DurationError:
        raise
    except (OverflowError, ValueError):  # beyond timedelta or int() (4300 digits) can hold
        raise DurationError.too_long(value, field) from None


def _parse_iso(value: str, field: str) -> Duration:
    match = _ISO_RE.match(value.strip().upper())
    if match is None:
        raise DurationError.for_value(value, field)
    parts = {k: _num(v) for k, v in match.groupdict().items() if v is not None}
    days = parts.get("days", Fraction(0)) + 5 * parts.get("weeks", Fraction(0))
    fixed = (
        _td(parts.get("hours", Fraction(0)), timedelta(hours=1))
        + _td(parts.get("minutes", Fraction(0)), timedelta(minutes=1))
        + _td(parts.get("seconds", Fraction(0)), timedelta(seconds=1))
    )
    return Duration(fixed=fixed, business_days=days)


def _parse_words(value: str, text: str, field: str) -> Duration:
    fixed = timedelta(0)
    days = Fraction(0)
    pos = 0
    found = False
    for match in _WORD_RE.finditer(text):
        gap = text[pos : match.start()].strip(" ,+")
        if gap not in ("", "and"):
            raise DurationError.for_value(value, field)
        pos = match.end()
        unit = match["unit"]
        amount = _num(match["num"])
        if unit in _DAY_UNITS:
            days += amount * _DAY_UNITS[unit]
        elif unit in _UNITS:
            fixed += _td(amount, _UNITS[unit])
        else:
            raise DurationError.for_value(value, field)
        found = True
    if not found or text[pos:].strip(" ,"):
        raise DurationError.for_value(value, field)
    return Duration(fixed=fixed, business_days=days)


def format_timedelta(value: timedelta) -> str:
    """``2 h 30 min``: a short human reading of a duration, exact to the microsecond."""
    us = value // timedelta(microseconds=1)
    sign = "-" if us < 0 else ""
    us = abs(us)
    seconds, micro = divmod(us, 1_000_000)
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    parts = []
    if hours:
        parts.append(f"{hours} h")
    if minutes:
        parts.append(f"{minutes} min")
    if secs or micro:
        parts.append(f"{secs}.{micro:06d} s".replace(".000000", "") if micro else f"{secs} s")
    return sign + (" ".join(parts) if parts else "0 s")
