"""Weekly opening hours: parsing ``"mon-fri"``, ``"08:00-17:00"`` and ``"24x7"``.

A window is a pair ``(start, end)`` of seconds after local midnight of the day
it belongs to. ``end`` may exceed 86 400: a window written ``22:00-06:00``
starts on its day and runs into the next one (``end = 30 * 3600``).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from datetime import date
from itertools import pairwise

from slacalc.exceptions import CalendarError, InvalidWindowError, UnknownWeekdayError

__all__ = [
    "DAY_NAMES",
    "FULL_DAY",
    "Window",
    "parse_day_key",
    "parse_special",
    "parse_weekly",
    "parse_windows",
]

Window = tuple[int, int]
DAY_NAMES = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
DAY = 86_400
FULL_DAY: tuple[Window, ...] = ((0, DAY),)
_ALWAYS = {"24x7", "24/7", "24h", "always"}
_CLOSED = {"closed", "none", "-"}
_TIME = r"(\d{1,2}):(\d{2})(?::(\d{2}))?"
_WINDOW_RE = re.compile(rf"^\s*{_TIME}\s*-\s*{_TIME}\s*$")
_LONG_NAMES = {
    "monday": "mon",
    "tuesday": "tue",
    "wednesday": "wed",
    "thursday": "thu",
    "friday": "fri",
    "saturday": "sat",
    "sunday": "sun",
}


def _seconds(field: str, text: str, h: str, m: str, s: str | None, *, end: bool) -> int:
    hours, minutes, seconds = int(h), int(m), int(s or 0)
    limit = "24:00" if end else "23:59"
    if (
        minutes > 59
        or seconds > 59
        or hours > 24
        or (hours == 24 and (minutes or seconds or not end))
    ):
        raise InvalidWindowError.for_value(
            field, text, f"times run from 00:00 to {limit} (HH:MM or HH:MM:SS)"
        )
    return hours * 3600 + minutes * 60 + seconds


def _parse_one(field: str, text: str) -> Window:
    match = _WINDOW_RE.match(text)
    if match is None:
        raise InvalidWindowError.for_value(
            field, text, "expected 'HH:MM-HH:MM', e.g. '08:00-17:00'"
        )
    start = _seconds(field, text, *match.group(1, 2, 3), end=False)
    end = _seconds(field, text, *match.group(4, 5, 6), end=True)
    if start == end:
        raise InvalidWindowError.for_value(
            field, text, "the window is empty; write '00:00-24:00' for a whole day"
        )
    if end < start:  # runs over midnight and belongs to the day it starts on
        end += DAY
    return start, end


def parse_windows(field: str, value: object) -> tuple[Window, ...]:
    """Read one day's windows: a string, a list of strings, ``"24x7"`` or ``"closed"``."""
    if isinstance(value, str):
        text = value.strip().lower()
        if text in _ALWAYS:
            return FULL_DAY
        if text in _CLOSED or text == "":
            return ()
        items: Sequence[object] = value.split(",")
    elif isinstance(value, Sequence):
        items = value
    else:
        raise InvalidWindowError.for_value(
            field, value, "expected a string such as '08:00-17:00' or a list of such strings"
        )
    windows: list[Window] = []
    for item in items:
        if not isinstance(item, str):
            raise InvalidWindowError.for_value(
                field, item, "expected a string such as '08:00-17:00'"
            )
        if item.strip().lower() in _ALWAYS:
            windows.append(FULL_DAY[0])
            continue
        windows.append(_parse_one(field, item))
    windows.sort()
    for (s1, e1), (s2, e2) in pairwise(windows):
        if s2 < e1:
            raise InvalidWindowError.for_value(
                field,
                value,
                f"windows {_fmt(s1, e1)} and {_fmt(s2, e2)} overlap; expected disjoint windows",
            )
    return tuple(windows)


def _fmt(start: int, end: int) -> str:
    def hm(sec: int) -> str:
        sec %= DAY if sec != DAY else DAY + 1
        return f"{sec // 3600:02d}:{sec // 60 % 60:02d}"

    return f"{hm(start)}-{hm(end)}"


def _day_index(key: str, part: str) -> int:
    name = part.strip().lower()
    name = _LONG_NAMES.get(name, name)
    try:
        return DAY_NAMES.index(name)
    except ValueError:
        raise UnknownWeekdayError.for_key(key) from None


def parse_day_key(key: str) -> list[int]:
    """Weekday numbers (Monday = 0) named by ``"mon"``, ``"mon-fri"``, ``"sat,sun"``."""
    days: list[int] = []
    for part in key.split(","):
        if not part.strip():
            raise UnknownWeekdayError.for_key(key)
        if "-" in part:
            first, _, last = part.partition("-")
            lo, hi = _day_index(key, first), _day_index(key, last)
            span = (hi - lo) % 7
            days.extend((lo + k) % 7 for k in range(span + 1))
        else:
            days.append(_day_index(key, part))
    return days


def parse_weekly(hours: object) -> tuple[tuple[Window, ...], ...]:
    """Seven tuples of windows, Monday first, from a mapping of day keys or ``"24x7"``.

    Keys apply in order, so a later key overrides an earlier one for the days
    they share: ``{"mon-fri": "08:00-17:00", "fri": "08:00-15:00"}``.
    """
    field, expected = "hours", "expected '24x7' or a mapping such as {'mon-fri': '08:00-17:00'}"
    if isinstance(hours, str) and hours.strip().lower() in _ALWAYS:
        return (FULL_DAY,) * 7
    if not isinstance(hours, Mapping):
        raise InvalidWindowError.for_value(field, hours, expected)
    week: list[tuple[Window, ...]] = [()] * 7
    for key, value in hours.items():
        if not isinstance(key, str):
            raise UnknownWeekdayError.for_key(repr(key))
        windows = parse_windows(f"hours[{key!r}]", value)
        for day in parse_day_key(key):
            week[day] = windows
    return tuple(week)


def parse_special(special: object) -> dict[date, tuple[Window, ...]]:
    """Per-date hours: ``{"2026-12-24": "08:00-12:00"}`` (``"closed"`` closes the date)."""
    if special is None:
        return {}
    if not isinstance(special, Mapping):
        field, expected = (
            "special",
            "expected a mapping of dates to windows, e.g. {'2026-12-24': '08:00-12:00'}",
        )
        raise InvalidWindowError.for_value(field, special, expected)
    result: dict[date, tuple[Window, ...]] = {}
    for key, value in special.items():
        day = parse_date("special", key)
        result[day] = parse_windows(f"special[{day.isoformat()!r}]", value)
    return result


def parse_date(field: str, value: object) -> date:
    """A ``date`` from a ``date`` or an ISO ``YYYY-MM-DD`` string."""
    if isinstance(value, date) and not hasattr(value, "hour"):
        return value
    if isinstance(value, str):
        try:
            return date.fromisoformat(value.strip())
        except ValueError:
            pass
    msg = f"{field}: invalid date {value!r}; expected a date or 'YYYY-MM-DD'"
    raise CalendarError(msg)
