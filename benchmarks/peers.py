"""One adapter per library: how each is told the calendar and asked ``add`` / ``elapsed``.

Every adapter turns a :class:`scenarios.CalSpec` into the library's own calendar
object and a question into a :class:`Call`: a Python statement plus the names
it uses. The *same* statement is timed for the speed table and evaluated for the
correctness table, so what is timed is what is checked. A peer that cannot put
a calendar or a question into its API raises :class:`NotExpressible` with the
reason, which the report prints as ``n/a``.

Peers get aware Europe/Zurich datetimes where they take time zones, and the
Zurich wall-clock reading (naive) where they do not; a naive answer is read
back as Zurich wall time. Holidays: every peer that takes holidays gets the
same dates, St. Gallen's public holidays 2024-2040 as slacalc loads them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from scenarios import (
    RANGE_END,
    RANGE_START,
    TZ_NAME,
    ZURICH,
    CalSpec,
    ch_sg_holidays,
)


class NotExpressible(Exception):
    """The library cannot express this calendar or question (reported as n/a)."""


@dataclass
class Call:
    """A statement to time and to check; ``convert`` turns its value into datetime/timedelta."""

    stmt: str
    env: dict[str, Any]
    convert: Callable[[Any], Any]

    def run(self) -> Any:
        return self.convert(eval(self.stmt, self.env))


def wall(value: datetime) -> datetime:
    """The Zurich wall-clock reading of an instant, naive (for peers without time zones)."""
    return value.astimezone(ZURICH).replace(tzinfo=None)


class NaiveResult:
    """A naive wall-clock answer from a peer without time zones, read as Zurich time."""

    def __init__(self, value: datetime) -> None:
        self.value = value


def naive(value: Any) -> NaiveResult:
    if not isinstance(value, datetime) or value.tzinfo is not None:
        msg = f"expected a naive datetime, got {value!r}"
        raise TypeError(msg)
    return NaiveResult(value)


def aware(value: Any) -> datetime:
    if hasattr(value, "to_pydatetime"):  # pandas Timestamp
        value = value.to_pydatetime()
    if not isinstance(value, datetime) or value.utcoffset() is None:
        msg = f"expected an aware datetime, got {value!r}"
        raise TypeError(msg)
    return value


def delta(value: Any) -> timedelta:
    if hasattr(value, "to_pytimedelta"):
        value = value.to_pytimedelta()
    if not isinstance(value, timedelta):
        msg = f"expected a timedelta, got {value!r}"
        raise TypeError(msg)
    return value


DAY_NAMES = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


class Adapter:
    #: column title in the report
    name: str = ""
    #: import name of the library (for the "not installed" check)
    module: str = ""
    #: distributions whose versions the report lists
    dists: tuple[str, ...] = ()
    #: how the peer is fed, for the report
    notes: str = ""

    def load(self) -> None:
        __import__(self.module)

    def build(self, spec: CalSpec) -> Any:
        raise NotImplementedError

    def add(self, cal: Any, start: datetime, duration: timedelta) -> Call:
        msg = "no add API"
        raise NotExpressible(msg)

    def elapsed(self, cal: Any, start: datetime, end: datetime) -> Call:
        msg = "no elapsed API"
        raise NotExpressible(msg)


class Slacalc(Adapter):
    name = "slacalc"
    module = "slacalc"
    dists = ("slacalc", "holidays")
    notes = (
        "`calendars.office_hours()` / `calendars.always_open()` or `Calendar(...)`; "
        "`cal.add(start, timedelta)`, `cal.elapsed(start, end)` with aware datetimes."
    )

    def build(self, spec: CalSpec) -> Any:
        from slacalc import Calendar, calendars

        return eval(spec.slacalc, {"calendars": calendars, "Calendar": Calendar, "TZ": TZ_NAME})

    def add(self, cal: Any, start: datetime, duration: timedelta) -> Call:
        return Call("cal.add(s, d)", {"cal": cal, "s": start, "d": duration}, aware)

    def elapsed(self, cal: Any, start: datetime, end: datetime) -> Call:
        return Call("cal.elapsed(a, b)", {"cal": cal, "a": start, "b": end}, delta)


class Floor(Adapter):
    """Not a library: the least CPython work an exact answer takes, timed beside slacalc.

    The same compiled intervals as slacalc's (its snapshot for 2024-2040),
    and for each call only what cannot be skipped: the aware datetime to
    epoch microseconds, the binary searches, the arithmetic and the result
    back as a timedelta or an aware datetime in the zone. No argument
    checks, no range checks, no growth: ``slacalc / floor`` is what the
    library's safety costs per call.
    """

    name = "floor"
    module = "slacalc"
    notes = (
        "not a library: a bare function on slacalc's compiled lists (aware datetime → "
        "epoch µs → `bisect` → `timedelta` / aware datetime), the CPython floor for this algorithm."
    )

    def build(self, spec: CalSpec) -> Any:
        from slacalc import Calendar, calendars

        cal = eval(spec.slacalc, {"calendars": calendars, "Calendar": Calendar, "TZ": TZ_NAME})
        first = datetime(RANGE_START.year, 1, 1, tzinfo=ZURICH)
        last = datetime(RANGE_END.year, 1, 1, tzinfo=ZURICH)
        base = datetime(1970, 1, 1, tzinfo=UTC)
        us = timedelta(microseconds=1)
        snap = cal._engine.covering((first - base) // us, (last - base) // us)
        return _floor_functions(snap, cal.tzinfo)

    def add(self, cal: Any, start: datetime, duration: timedelta) -> Call:
        return Call("add(s, d)", {"add": cal[0], "s": start, "d": duration}, aware)

    def elapsed(self, cal: Any, start: datetime, end: datetime) -> Call:
        return Call("elapsed(a, b)", {"elapsed": cal[1], "a": start, "b": end}, delta)


def _floor_functions(snap: Any, tz: Any) -> tuple[Any, Any]:
    from bisect import bisect_left, bisect_right

    epoch = datetime(1970, 1, 1, tzinfo=UTC)
    us = timedelta(microseconds=1)
    starts, ends, cum, cumend = snap.starts, snap.ends, snap.cum, snap.cumend

    def add(start: datetime, duration: timedelta) -> datetime:
        a = (start - epoch) // us
        i = bisect_right(starts, a) - 1
        end = ends[i]
        target = cum[i] + (a if a < end else end) - starts[i] + duration // us
        k = bisect_left(cumend, target)
        return (epoch + timedelta(microseconds=starts[k] + target - cum[k])).astimezone(tz)

    def elapsed(start: datetime, stop: datetime) -> timedelta:
        a = (start - epoch) // us
        b = (stop - epoch) // us
        i = bisect_right(starts, a) - 1
        fa = cum[i] + (a if a < ends[i] else ends[i]) - starts[i]
        j = bisect_right(starts, b) - 1
        fb = cum[j] + (b if b < ends[j] else ends[j]) - starts[j]
        return timedelta(microseconds=fb - fa)

    return add, elapsed


class Workclock(Adapter):
    name = "workclock"
    module = "workclock"
    dists = ("workclock",)
    notes = (
        "`Schedule([WorkDay(start, end, days=...), Holidays(dates)], time_zone='Europe/Zurich')`; "
        "a whole day is `WorkDay(time(0), time(0))` (start == end is a 24-hour shift); "
        "`add(start, timedelta)`, `between(start, end)` with aware datetimes. "
        "Its `Holidays` remove the whole local date 00:00-24:00."
    )

    def build(self, spec: CalSpec) -> Any:
        from workclock import Holidays, Schedule, WorkDay

        rules: list[Any] = [WorkDay(spec.start, spec.end, days=list(spec.days))]
        if spec.holidays:
            rules.append(Holidays(ch_sg_holidays()))
        return Schedule(rules, time_zone=TZ_NAME)

    def add(self, cal: Any, start: datetime, duration: timedelta) -> Call:
        return Call("cal.add(s, d)", {"cal": cal, "s": start, "d": duration}, aware)

    def elapsed(self, cal: Any, start: datetime, end: datetime) -> Call:
        return Call("cal.between(a, b)", {"cal": cal, "a": start, "b": end}, delta)


class DjangoBizcal(Adapter):
    name = "django-bizcal"
    module = "django_bizcal"
    dists = ("django-bizcal", "Django")
    notes = (
        "`WorkingCalendar(tz='Europe/Zurich', weekly_schedule={day: [(start, end, end_offset_days)]}, "
        "holiday_provider=SetHolidayProvider.from_dates(dates))`; a whole day is "
        "`('00:00', '00:00', 1)`; `add_business_time(start, timedelta)`, "
        "`business_time_between(start, end)` with aware datetimes. Django configured with "
        "a bare `settings.configure(USE_TZ=True)` (the calendar core does not need more)."
    )

    def load(self) -> None:
        import django
        from django.conf import settings

        if not settings.configured:
            settings.configure(USE_TZ=True)
            django.setup()
        __import__(self.module)

    def build(self, spec: CalSpec) -> Any:
        from django_bizcal import WorkingCalendar
        from django_bizcal.providers import SetHolidayProvider

        offset = 1 if (spec.overnight or spec.whole_day) else 0
        block = (spec.start.strftime("%H:%M"), spec.end.strftime("%H:%M"), offset)
        provider = SetHolidayProvider.from_dates(ch_sg_holidays()) if spec.holidays else None
        return WorkingCalendar(
            tz=TZ_NAME,
            weekly_schedule={d: [block] for d in spec.days},
            holiday_provider=provider,
        )

    def add(self, cal: Any, start: datetime, duration: timedelta) -> Call:
        return Call("cal.add_business_time(s, d)", {"cal": cal, "s": start, "d": duration}, aware)

    def elapsed(self, cal: Any, start: datetime, end: datetime) -> Call:
        return Call("cal.business_time_between(a, b)", {"cal": cal, "a": start, "b": end}, delta)


class Timegrid(Adapter):
    name = "timegrid"
    module = "timegrid"
    dists = ("timegrid",)
    notes = (
        "No time zones: fed the naive Zurich wall-clock reading, answers read back as Zurich "
        "wall time. `TimeGridCalendar.create().add_open_rule(day, start, end)` per weekday plus "
        "`add_holiday(date)`; 24x7 as one `add_open_window(2024-01-01, 2041-01-01)`. "
        "`add` is `calendar.add_work_duration(start, timedelta)`; `elapsed` is "
        "`get_working_duration(start, end)` on the timeline compiled once for 2024-2040 "
        "(its fastest read path; the uncompiled calendar is slower)."
    )

    _DAYS = ("MONDAY", "TUESDAY", "WEDNESDAY", "THURSDAY", "FRIDAY", "SATURDAY", "SUNDAY")

    def build(self, spec: CalSpec) -> Any:
        import timegrid

        cal = timegrid.TimeGridCalendar.create()
        if spec.whole_day:
            if not spec.always:
                msg = "a weekly rule cannot cover a whole day (start == end is refused; no 24:00)"
                raise NotExpressible(msg)
            cal.add_open_window(RANGE_START, RANGE_END)
        else:
            for d in spec.days:
                cal.add_open_rule(getattr(timegrid.DayOfWeek, self._DAYS[d]), spec.start, spec.end)
        if spec.holidays:
            for d in ch_sg_holidays():
                cal.add_holiday(d)
        return cal, cal.compile(RANGE_START, RANGE_END)

    def add(self, cal: Any, start: datetime, duration: timedelta) -> Call:
        return Call(
            "cal.add_work_duration(s, d)", {"cal": cal[0], "s": wall(start), "d": duration}, naive
        )

    def elapsed(self, cal: Any, start: datetime, end: datetime) -> Call:
        return Call(
            "tl.get_working_duration(a, b)", {"tl": cal[1], "a": wall(start), "b": wall(end)}, delta
        )


class BusinessTimeDelta(Adapter):
    name = "businesstimedelta"
    module = "businesstimedelta"
    dists = ("businesstimedelta", "pytz")
    notes = (
        "`Rules([WorkDayRule(start, end, working_days, tz=pytz Zurich), HolidayRule(dates, tz=...)])`; "
        "a whole day is `WorkDayRule(time(0), time(0))`; `start + BusinessTimeDelta(rules, "
        "timedelta=d)`, `rules.difference(start, end).timedelta` with aware datetimes. "
        "Holidays passed as a frozenset (its lookup is `date in holidays`, one per day scanned)."
    )

    def build(self, spec: CalSpec) -> Any:
        import businesstimedelta as btd
        import pytz

        tz = pytz.timezone(TZ_NAME)
        rules: list[Any] = [
            btd.WorkDayRule(
                start_time=spec.start, end_time=spec.end, working_days=list(spec.days), tz=tz
            )
        ]
        if spec.holidays:
            rules.append(btd.HolidayRule(frozenset(ch_sg_holidays()), tz=tz))
        return btd.Rules(rules)

    def add(self, cal: Any, start: datetime, duration: timedelta) -> Call:
        import businesstimedelta as btd

        step = btd.BusinessTimeDelta(cal, timedelta=duration)
        return Call("s + step", {"s": start, "step": step}, aware)

    def elapsed(self, cal: Any, start: datetime, end: datetime) -> Call:
        return Call(
            "rules.difference(a, b)",
            {"rules": cal, "a": start, "b": end},
            lambda v: delta(v.timedelta),
        )


class PandasCBH(Adapter):
    name = "pandas CBH"
    module = "pandas"
    dists = ("pandas", "numpy")
    notes = (
        "`pandas.offsets.CustomBusinessHour(n=hours, start, end, weekmask, holidays=dates)` added to "
        "an aware Zurich `Timestamp`. `n` counts whole business hours only; there is no "
        "business-time-between API (so no elapsed), and a window cannot cover a whole day."
    )

    def build(self, spec: CalSpec) -> Any:
        if spec.whole_day:
            msg = "start == end is refused and there is no 24:00, so no whole-day window or 24x7"
            raise NotExpressible(msg)
        return {
            "start": spec.start.strftime("%H:%M"),
            "end": spec.end.strftime("%H:%M"),
            "weekmask": " ".join(DAY_NAMES[d] for d in spec.days),
            "holidays": list(ch_sg_holidays()) if spec.holidays else None,
        }

    def add(self, cal: Any, start: datetime, duration: timedelta) -> Call:
        import pandas as pd

        hours, rest = divmod(duration, timedelta(hours=1))
        if rest:
            msg = "n counts whole business hours only"
            raise NotExpressible(msg)
        offset = pd.offsets.CustomBusinessHour(n=hours, **cal)
        return Call("ts + off", {"ts": pd.Timestamp(start), "off": offset}, aware)

    def elapsed(self, cal: Any, start: datetime, end: datetime) -> Call:
        msg = "no business-time-between API"
        raise NotExpressible(msg)


class BusinessDuration(Adapter):
    name = "business-duration"
    module = "business_duration"
    dists = ("business-duration",)
    notes = (
        "`businessDuration(start, end, starttime, endtime, weekendlist, holidaylist, unit='sec')` "
        "on naive Zurich wall-clock readings (it has no time zones); a whole day is its own "
        "default (`starttime=endtime=None`: 00:00-23:59:59 plus one second). Elapsed only: "
        "there is no add."
    )

    def build(self, spec: CalSpec) -> Any:
        whole = spec.whole_day
        return {
            "st": None if whole else spec.start,
            "et": None if whole else spec.end,
            "wl": [d for d in range(7) if d not in spec.days],
            "hl": set(ch_sg_holidays()) if spec.holidays else None,
        }

    def add(self, cal: Any, start: datetime, duration: timedelta) -> Call:
        msg = "elapsed only; no add API"
        raise NotExpressible(msg)

    def elapsed(self, cal: Any, start: datetime, end: datetime) -> Call:
        from business_duration import businessDuration

        def seconds(value: Any) -> timedelta:
            if value != value:  # NaN
                msg = f"returned {value!r}"
                raise ValueError(msg)
            return timedelta(seconds=float(value))

        env = {"bd": businessDuration, "a": wall(start), "b": wall(end), **cal}
        return Call("bd(a, b, st, et, wl, hl, 'sec')", env, seconds)


ADAPTERS: dict[str, Adapter] = {
    a.name: a
    for a in (
        Slacalc(),
        Floor(),
        Workclock(),
        DjangoBizcal(),
        Timegrid(),
        BusinessTimeDelta(),
        PandasCBH(),
        BusinessDuration(),
    )
}
PEERS = [name for name in ADAPTERS if name not in ("slacalc", "floor")]
