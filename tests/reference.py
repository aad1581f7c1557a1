"""A brute-force business calendar, obviously right by reading, to check the engine against.

It knows nothing of slacalc. It reads the same inputs a ``Calendar`` is built
from (time zone, the ``hours`` mapping, holiday dates, closed dates, special
hours) and answers by walking time one minute at a time:

* a *window* belongs to a local date ``d`` and runs from ``start`` to ``end``
  minutes after that date's midnight (``end`` may pass 24:00: an overnight
  window such as ``22:00-06:00`` belongs to the day it starts on);
* a boundary becomes an instant the way ``zoneinfo`` reads a wall time with
  ``fold=0``: ``datetime(y, m, d, h, mi, tzinfo=zone)``;
* a holiday or a closed date drops the windows that *start* on it; a date with
  special hours has those windows instead of its weekday's;
* a minute ``[m, m + 1 min)`` is open when some window has
  ``start_instant <= m < end_instant``.

Everything is minute-aligned (instants, window boundaries, durations), so a
minute is either wholly open or wholly closed, and counting open minutes is
exact.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import holidays as holidays_package

MINUTE = timedelta(minutes=1)
DAY_NAMES = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
ALWAYS = "24x7"


def parse_clock(text: str) -> int:
    """Minutes after midnight of ``"HH:MM"`` (``"24:00"`` is 1440)."""
    hours, minutes = text.strip().split(":")
    return int(hours) * 60 + int(minutes)


def parse_window(text: str) -> tuple[int, int]:
    """``"08:00-17:00"`` -> (480, 1020); an end not after the start runs into the next day."""
    if text.strip().lower() == ALWAYS:
        return (0, 24 * 60)
    start_text, end_text = text.split("-")
    start, end = parse_clock(start_text), parse_clock(end_text)
    if end <= start:
        end += 24 * 60
    return (start, end)


def parse_day_windows(value: str | Sequence[str]) -> list[tuple[int, int]]:
    """One day's windows from a string (comma-separated), a list, ``"24x7"`` or ``"closed"``."""
    if isinstance(value, str):
        if value.strip().lower() == "closed":
            return []
        parts = [part for part in value.split(",") if part.strip()]
    else:
        parts = list(value)
    return [parse_window(part) for part in parts]


def parse_day_key(key: str) -> list[int]:
    """``"mon"`` -> [0]; ``"mon-fri"`` -> [0..4]; ``"sat,sun"`` -> [5, 6]; ``"fri-mon"`` wraps."""
    days: list[int] = []
    for part in key.split(","):
        if "-" in part:
            first, last = part.split("-")
            day = DAY_NAMES.index(first.strip())
            days.append(day)
            while day != DAY_NAMES.index(last.strip()):
                day = (day + 1) % 7
                days.append(day)
        else:
            days.append(DAY_NAMES.index(part.strip()))
    return days


def parse_hours(hours: str | Mapping[str, str | Sequence[str]]) -> dict[int, list[tuple[int, int]]]:
    """Weekday (Monday = 0) -> windows. Later keys override earlier ones for shared days."""
    week: dict[int, list[tuple[int, int]]] = {day: [] for day in range(7)}
    if isinstance(hours, str):
        assert hours.strip().lower() == ALWAYS
        return {day: [(0, 24 * 60)] for day in range(7)}
    for key, value in hours.items():
        for day in parse_day_key(key):
            week[day] = parse_day_windows(value)
    return week


def holiday_dates(
    source: Mapping[str, object] | None, first_year: int, last_year: int
) -> set[date]:
    """The dates the ``holidays`` package lists for *source* in the given years.

    The package stops at a default horizon (``end_year``, 2100) although its
    rules go on; calendars cover instants to 2200, so the horizon is lifted.
    """
    if source is None:
        return set()
    categories = source.get("categories", ("public",))
    table = holidays_package.country_holidays(
        str(source["country"]),
        subdiv=source.get("subdiv"),  # type: ignore[arg-type]
        categories=tuple(categories),  # type: ignore[arg-type]
    )
    table.end_year = max(table.end_year, last_year)
    table.years = set(range(first_year, last_year + 1))
    return set(table.keys())


@dataclass
class ReferenceCalendar:
    """The inputs of a calendar, read independently of slacalc."""

    timezone: str
    hours: str | Mapping[str, str | Sequence[str]]
    holidays: Mapping[str, object] | None = None
    closed: Iterable[date] = ()
    special: Mapping[date, str | Sequence[str]] = field(default_factory=dict)

    def windows_of(self, day: date, holiday_set: set[date]) -> list[tuple[int, int]]:
        """The windows that belong to local date *day*.

        Special hours replace the day's windows (even on a holiday); a closed
        date or a holiday has none; any other day has its weekday's windows.
        """
        if day in self.special:
            return parse_day_windows(self.special[day])
        if day in set(self.closed) or day in holiday_set:
            return []
        return parse_hours(self.hours)[day.weekday()]

    def window_instants(self, lo: datetime, hi: datetime) -> list[tuple[datetime, datetime]]:
        """Every window (as UTC instants) of the local dates that can reach into ``[lo, hi)``."""
        zone = ZoneInfo(self.timezone)
        first = lo.astimezone(zone).date() - timedelta(days=2)
        last = hi.astimezone(zone).date() + timedelta(days=1)
        holiday_set = holiday_dates(self.holidays, first.year, last.year)
        out = []
        day = first
        while day <= last:
            for start, end in self.windows_of(day, holiday_set):
                out.append((wall(day, start, zone), wall(day, end, zone)))
            day += timedelta(days=1)
        return out


def wall(day: date, minutes: int, zone: ZoneInfo) -> datetime:
    """The instant (in UTC) of the wall time *minutes* after local midnight of *day*, fold=0."""
    extra_days, minutes = divmod(minutes, 24 * 60)
    day = day + timedelta(days=extra_days)
    local = datetime(day.year, day.month, day.day, minutes // 60, minutes % 60, tzinfo=zone)
    return local.astimezone(UTC)


class Timeline:
    """Open or closed, minute by minute, for ``[lo, hi)`` (both minute-aligned instants)."""

    def __init__(self, open_minute: Sequence[bool], lo: datetime, hi: datetime) -> None:
        self.lo = lo.astimezone(UTC)
        self.hi = hi.astimezone(UTC)
        self.open_minute = list(open_minute)
        assert len(self.open_minute) == (self.hi - self.lo) // MINUTE

    @classmethod
    def of(cls, calendar: ReferenceCalendar, lo: datetime, hi: datetime) -> Timeline:
        """Walk every minute of ``[lo, hi)`` and ask whether some window holds it."""
        windows = calendar.window_instants(lo, hi)
        flags = []
        minute = lo.astimezone(UTC)
        while minute < hi:
            flags.append(any(start <= minute < end for start, end in windows))
            minute += MINUTE
        return cls(flags, lo, hi)

    def both(self, other: Timeline) -> Timeline:
        """Open where both are open (same range)."""
        assert (self.lo, self.hi) == (other.lo, other.hi)
        return Timeline(
            [a and b for a, b in zip(self.open_minute, other.open_minute, strict=True)],
            self.lo,
            self.hi,
        )

    def either(self, other: Timeline) -> Timeline:
        """Open where either is open (same range)."""
        assert (self.lo, self.hi) == (other.lo, other.hi)
        return Timeline(
            [a or b for a, b in zip(self.open_minute, other.open_minute, strict=True)],
            self.lo,
            self.hi,
        )

    # ------------------------------------------------------------------ queries

    def index(self, at: datetime) -> int:
        """The position of the minute starting at *at* (which must be minute-aligned)."""
        offset = at - self.lo
        assert offset % MINUTE == timedelta(0), at
        return offset // MINUTE

    def minute_at(self, index: int) -> datetime:
        return self.lo + index * MINUTE

    def is_open(self, at: datetime) -> bool:
        return self.open_minute[self.index(at)]

    def elapsed(self, start: datetime, end: datetime) -> timedelta:
        """Open minutes in ``[start, end)``, negated when *end* is before *start*."""
        if end < start:
            return -self.elapsed(end, start)
        count = sum(self.open_minute[self.index(start) : self.index(end)])
        return count * MINUTE

    def add(self, start: datetime, duration: timedelta) -> datetime | None:
        """Earliest (``duration >= 0``) or latest (``< 0``) instant with that much open time between.

        None when the answer lies outside the timeline.
        """
        needed = abs(duration) // MINUTE
        assert needed * MINUTE == abs(duration)
        position = self.index(start)
        counted = 0
        if duration >= timedelta(0):
            while counted < needed:
                if position >= len(self.open_minute):
                    return None
                if self.open_minute[position]:
                    counted += 1
                position += 1
            return self.minute_at(position)
        while counted < needed:
            position -= 1
            if position < 0:
                return None
            if self.open_minute[position]:
                counted += 1
        return self.minute_at(position)

    def next_open(self, at: datetime) -> datetime | None:
        """*at* when open, else the first open minute after it (None beyond the timeline)."""
        position = self.index(at)
        while position < len(self.open_minute):
            if self.open_minute[position]:
                return self.minute_at(position)
            position += 1
        return None

    def intervals(self) -> list[tuple[datetime, datetime]]:
        """Maximal runs of open minutes, as ``[start, end)`` (clipped to the timeline)."""
        runs: list[tuple[datetime, datetime]] = []
        run_start: int | None = None
        for position, is_open in enumerate([*self.open_minute, False]):
            if is_open and run_start is None:
                run_start = position
            elif not is_open and run_start is not None:
                runs.append((self.minute_at(run_start), self.minute_at(position)))
                run_start = None
        return runs

    def open_minutes(self) -> list[datetime]:
        """The starts of all open minutes."""
        return [self.minute_at(i) for i, is_open in enumerate(self.open_minute) if is_open]

    def edges(self) -> list[datetime]:
        """Instants where the timeline opens or closes (where interesting things happen)."""
        return [t for run in self.intervals() for t in run]
