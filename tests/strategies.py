"""Hypothesis strategies: random weekly schedules, holidays, special days and instants.

Instants are biased to where calendars go wrong: DST transitions (including
Lord Howe's 30-minute one), window edges and holidays. Spans are kept to a
few days so the minute-by-minute reference in ``reference.py`` stays fast.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from functools import cache, cached_property
from typing import Any
from zoneinfo import ZoneInfo

from hypothesis import strategies as st

from reference import MINUTE, ReferenceCalendar, Timeline, holiday_dates
from slacalc import Calendar

ZONES = ("Europe/Zurich", "America/New_York", "Australia/Lord_Howe", "UTC")
DAY_NAMES = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
CH_SG = {"country": "CH", "subdiv": "SG"}
US_NY = {"country": "US", "subdiv": "NY"}
#: How far the reference timeline reaches on each side of its anchor.
REACH = timedelta(days=2)


def clock(minutes: int) -> str:
    """``"HH:MM"`` for minutes after midnight (1440 is ``"24:00"``)."""
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


@cache
def transitions(zone: str, year: int) -> tuple[datetime, ...]:
    """The UTC instants in *year* at which *zone* changes its offset (to the minute)."""
    tz = ZoneInfo(zone)
    found = []
    t = datetime(year, 1, 1, tzinfo=UTC)
    end = datetime(year + 1, 1, 1, tzinfo=UTC)
    step = timedelta(hours=6)
    while t < end:
        if t.astimezone(tz).utcoffset() != (t + step).astimezone(tz).utcoffset():
            lo, hi = t, t + step  # offset(lo) != offset(hi): bisect to the minute
            while hi - lo > MINUTE:
                mid = lo + (hi - lo) // 2
                mid -= (mid - lo) % MINUTE
                if mid.astimezone(tz).utcoffset() == lo.astimezone(tz).utcoffset():
                    lo = mid
                else:
                    hi = mid
            found.append(hi)
        t += step
    return tuple(found)


@cache
def ch_holidays(year: int) -> tuple[date, ...]:
    """St. Gallen's public holidays in *year* (read with the reference's reading of ``holidays``)."""
    return tuple(sorted(holiday_dates(CH_SG, year, year)))


# ---------------------------------------------------------------------- windows


@st.composite
def day_windows(draw: st.DrawFn) -> list[tuple[int, int]]:
    """0-3 disjoint windows of one day as (start, end) minutes; the last may run overnight."""
    count = draw(st.integers(0, 3))
    if count == 0:
        return []
    if draw(st.integers(0, 9)) == 0:
        return [(0, 1440)]  # the whole day
    point = st.one_of(
        st.integers(0, 48).map(lambda half_hours: 30 * half_hours),  # round times, 24:00 included
        st.integers(0, 1440),
    )
    points = sorted(draw(st.lists(point, min_size=2 * count, max_size=2 * count, unique=True)))
    windows = [(points[i], points[i + 1]) for i in range(0, len(points), 2)]
    start, _ = windows[-1]
    if start > 0 and draw(st.booleans()):
        windows[-1] = (start, draw(st.integers(0, start - 1)) + 1440)  # overnight: 22:00-06:00
    return windows


@st.composite
def windows_value(draw: st.DrawFn, windows: list[tuple[int, int]]) -> str | list[str]:
    """One day's windows written as a user would: a string, a list, 'closed', '24x7'."""
    if not windows:
        return "closed" if draw(st.booleans()) else []
    if windows == [(0, 1440)] and draw(st.booleans()):
        return draw(st.sampled_from(["24x7", "00:00-24:00"]))
    texts = [f"{clock(s)}-{clock(e % 1440 if e > 1440 else e)}" for s, e in windows]
    shuffled = draw(st.permutations(texts))
    style = draw(st.sampled_from(["list", "comma", "single"]))
    if style == "list":
        return list(shuffled)
    if style == "single" and len(texts) == 1:
        return texts[0]
    return ", ".join(shuffled)


@st.composite
def weekly_hours(draw: st.DrawFn) -> str | dict[str, Any]:
    """The ``hours`` argument: '24x7', or day keys (single days, ranges, lists) to windows."""
    if draw(st.integers(0, 14)) == 0:
        return "24x7"
    hours: dict[str, Any] = {}
    if draw(st.booleans()):  # a range first, overridden day by day below
        hours[draw(st.sampled_from(["mon-fri", "sat,sun", "fri-mon", "mon-sun"]))] = draw(
            windows_value(draw(day_windows()))
        )
    for day in draw(st.lists(st.sampled_from(DAY_NAMES), unique=True, max_size=7)):
        hours[day] = draw(windows_value(draw(day_windows())))
    return hours


# ---------------------------------------------------------------------- cases


@dataclass
class CalendarCase:
    """A random calendar, the same inputs for the reference, and the time range to check."""

    timezone: str
    hours: str | dict[str, Any]
    holidays: dict[str, str] | None
    closed: list[date]
    special: dict[date, Any]
    lo: datetime
    hi: datetime
    hot: list[datetime] = field(default_factory=list)  # DST transitions near the range

    def build(self) -> Calendar:
        special: dict[date | str, Any] = dict(self.special.items())
        return Calendar(
            timezone=self.timezone,
            hours=self.hours,
            holidays=self.holidays,
            closed=self.closed,
            special=special,
        )

    @cached_property
    def calendar(self) -> Calendar:
        return self.build()

    @cached_property
    def reference(self) -> ReferenceCalendar:
        return ReferenceCalendar(
            self.timezone, self.hours, self.holidays, self.closed, self.special
        )

    @cached_property
    def timeline(self) -> Timeline:
        return Timeline.of(self.reference, self.lo, self.hi)

    def __repr__(self) -> str:
        return (
            f"CalendarCase(timezone={self.timezone!r}, hours={self.hours!r}, holidays={self.holidays!r}, "
            f"closed={self.closed!r}, special={self.special!r}, lo={self.lo.isoformat()}, "
            f"hi={self.hi.isoformat()})"
        )


@st.composite
def anchors(draw: st.DrawFn, zone: str) -> datetime:
    """A minute-aligned UTC instant, near a DST transition, a CH holiday, or anywhere."""
    year = draw(st.one_of(st.integers(2024, 2030), st.integers(1971, 2199)))
    kind = draw(st.sampled_from(["transition", "transition", "holiday", "anywhere"]))
    near = transitions(zone, year)
    if kind == "transition" and near:
        base = draw(st.sampled_from(near))
    elif kind == "holiday":
        day = draw(st.sampled_from(ch_holidays(year)))
        base = datetime(day.year, day.month, day.day, tzinfo=ZoneInfo(zone)).astimezone(UTC)
    else:
        base = datetime(year, 1, 1, tzinfo=UTC) + draw(st.integers(0, 364 * 1440)) * MINUTE
    base -= (base - datetime(1970, 1, 1, tzinfo=UTC)) % MINUTE
    return base + draw(st.integers(-1440, 1440)) * MINUTE


@st.composite
def schedules(draw: st.DrawFn, zone: str, lo: datetime, hi: datetime) -> CalendarCase:
    """A calendar in *zone* whose closed and special dates fall near ``[lo, hi)``."""
    tz = ZoneInfo(zone)
    first = lo.astimezone(tz).date() - timedelta(days=1)
    span = (hi.astimezone(tz).date() - first).days + 1
    local_dates = st.integers(0, span).map(lambda k: first + timedelta(days=k))
    closed = draw(st.lists(local_dates, unique=True, max_size=2))
    special_days = draw(
        st.lists(local_dates.filter(lambda d: d not in closed), unique=True, max_size=2)
    )
    special = {day: draw(windows_value(draw(day_windows()))) for day in special_days}
    holidays = draw(st.sampled_from([None, None, CH_SG, CH_SG, US_NY]))
    hot = [t for year in {lo.year, hi.year} for t in transitions(zone, year) if lo <= t < hi]
    return CalendarCase(zone, draw(weekly_hours()), holidays, closed, special, lo, hi, hot)


@st.composite
def calendar_cases(draw: st.DrawFn, zones: tuple[str, ...] = ZONES) -> CalendarCase:
    """A random calendar with a few days around an interesting instant to check it on."""
    zone = draw(st.sampled_from(zones))
    anchor = draw(anchors(zone))
    return draw(schedules(zone, anchor - REACH, anchor + REACH))


@st.composite
def calendar_pairs(draw: st.DrawFn) -> tuple[CalendarCase, CalendarCase]:
    """Two random calendars (perhaps in different zones) checked on the same range."""
    first = draw(calendar_cases())
    zone = draw(st.sampled_from(ZONES))
    second = draw(schedules(zone, first.lo, first.hi))
    second.hot = sorted({*first.hot, *second.hot})
    first.hot = second.hot
    return first, second


# ---------------------------------------------------------------------- instants


def instants(
    case: CalendarCase, *, margin: timedelta = timedelta(0)
) -> st.SearchStrategy[datetime]:
    """Minute-aligned instants in ``[lo + margin, hi - margin]``, often near edges and DST changes."""
    lo, hi = case.lo + margin, case.hi - margin
    count = (hi - lo) // MINUTE

    def clamp(t: datetime) -> datetime:
        return min(max(t, lo), hi)

    anywhere = st.integers(0, count).map(lambda k: lo + k * MINUTE)
    interesting = case.timeline.edges() + case.hot
    if not interesting:
        return anywhere
    near = st.tuples(
        st.sampled_from(interesting), st.sampled_from([0, 0, -1, 1, -30, 30, -60, 60])
    ).map(lambda pair: clamp(pair[0] + pair[1] * MINUTE))
    return st.one_of(near, near, anywhere)


def in_zone(value: datetime) -> st.SearchStrategy[datetime]:
    """The same instant expressed in one of the test zones (inputs may be in any zone)."""
    return st.sampled_from(ZONES).map(lambda zone: value.astimezone(ZoneInfo(zone)))


def durations_from(case: CalendarCase, start: datetime) -> st.SearchStrategy[timedelta]:
    """Whole-minute durations >= 0, often exactly the open time up to an edge of the timeline."""
    timeline = case.timeline
    total = timeline.elapsed(start, timeline.hi) // MINUTE
    uniform = st.integers(0, total + 120).map(lambda k: k * MINUTE)
    ahead = [edge for edge in timeline.edges() if edge >= start]
    if not ahead:
        return uniform
    to_edge = st.sampled_from(ahead).map(lambda edge: timeline.elapsed(start, edge))
    return st.one_of(uniform, to_edge, st.just(timedelta(0)))


def durations_back_from(case: CalendarCase, start: datetime) -> st.SearchStrategy[timedelta]:
    """Whole-minute durations >= 0 to go back from *start*, often exactly to an edge."""
    timeline = case.timeline
    total = timeline.elapsed(timeline.lo, start) // MINUTE
    uniform = st.integers(0, total + 120).map(lambda k: k * MINUTE)
    behind = [edge for edge in timeline.edges() if edge <= start]
    if not behind:
        return uniform
    to_edge = st.sampled_from(behind).map(lambda edge: timeline.elapsed(edge, start))
    return st.one_of(uniform, to_edge)


microseconds = st.integers(1, 59_999_999).map(lambda us: timedelta(microseconds=us))


# ---------------------------------------------------------------------- for fixed calendars

#: Zones that inputs may come in (results are always in the calendar's own zone).
INPUT_ZONES = tuple(ZoneInfo(zone) for zone in (*ZONES, "Europe/Berlin"))


def aware_datetimes(min_year: int = 1971, max_year: int = 2199) -> st.SearchStrategy[datetime]:
    """Aware datetimes in several zones, mostly this decade, sometimes anywhere in the range."""

    def between(lo: int, hi: int) -> st.SearchStrategy[datetime]:
        return st.datetimes(
            min_value=datetime(lo, 1, 1),  # naive bounds: hypothesis attaches the zone
            max_value=datetime(hi, 12, 31, 23, 59, 59),
            timezones=st.sampled_from(INPUT_ZONES),
        )

    return st.one_of(between(max(min_year, 2020), min(max_year, 2030)), between(min_year, max_year))


#: Durations from 0 to 400 hours: often whole hours or minutes, sometimes to the microsecond.
durations = st.one_of(
    st.integers(0, 400).map(lambda h: timedelta(hours=h)),
    st.integers(0, 400 * 60).map(lambda m: timedelta(minutes=m)),
    st.integers(0, 400 * 3600 * 10**6).map(lambda us: timedelta(microseconds=us)),
)
