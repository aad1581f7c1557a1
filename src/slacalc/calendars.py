"""Ready-made calendars: Europe/Zurich with St. Gallen's public holidays unless told otherwise.

>>> office_hours().business_day
datetime.timedelta(seconds=32400)
>>> always_open().is_open(datetime(2026, 12, 25, 3, tzinfo=UTC))
True
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from slacalc._engine.calendar import Calendar
from slacalc._engine.holidays import HolidaySources, HolidaySpec
from slacalc._engine.ical import IcalFeed

__all__ = ["always_open", "extended_hours", "office_hours"]

_ZURICH = "Europe/Zurich"
_CH_SG: Mapping[str, Any] = {"country": "CH", "subdiv": "SG"}
HolidaysArg = Mapping[str, Any] | HolidaySpec | HolidaySources | IcalFeed | str | None


def office_hours(*, timezone: str = _ZURICH, holidays: HolidaysArg = _CH_SG) -> Calendar:
    """08:00-17:00 Monday to Friday (a 9-hour business day)."""
    return Calendar(timezone=timezone, hours={"mon-fri": "08:00-17:00"}, holidays=holidays)


def extended_hours(*, timezone: str = _ZURICH, holidays: HolidaysArg = _CH_SG) -> Calendar:
    """07:00-19:00 Monday to Friday (a 12-hour business day)."""
    return Calendar(timezone=timezone, hours={"mon-fri": "07:00-19:00"}, holidays=holidays)


def always_open(*, timezone: str = _ZURICH, holidays: HolidaysArg = None) -> Calendar:
    """24x7, no holidays unless given (a 24-hour business day)."""
    return Calendar(timezone=timezone, hours="24x7", holidays=holidays)
