"""slacalc: exact business-time arithmetic for published support terms."""

from __future__ import annotations

from typing import Any

from slacalc._calendar import Calendar, Interval
from slacalc._durations import BEST_EFFORT, NOT_APPLICABLE, Duration, NoObjective, parse_duration
from slacalc._holiday_source import HolidaySpec
from slacalc.exceptions import SlacalcError, SlacalcWarning

__all__ = [
    "BEST_EFFORT",
    "NOT_APPLICABLE",
    "Calendar",
    "Duration",
    "HolidaySpec",
    "Interval",
    "NoObjective",
    "SlacalcError",
    "SlacalcWarning",
    "parse_duration",
]


def __getattr__(name: str) -> Any:
    if name == "__version__":
        from importlib.metadata import version

        return version("slacalc")
    msg = f"module 'slacalc' has no attribute {name!r}"
    raise AttributeError(msg)
