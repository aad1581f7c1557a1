"""The business calendar: when the support clock runs, and exact arithmetic on it.

Design (see ``docs/design.md``): a calendar is compiled lazily into one sorted
list of disjoint open intervals ``[open, close)`` in integer microseconds since
the epoch, with the cumulative open time before each interval. ``elapsed`` is
two binary searches; ``add`` is one binary search over the cumulative sums.
Neither cost depends on the span. The compiled range starts as the months
the first query touches and grows when a query (or an answer) reaches outside
it; growth is guarded by a lock and publishes a new immutable snapshot, so
readers never lock.
"""

from __future__ import annotations

import operator
import threading
from bisect import bisect_left, bisect_right
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta, tzinfo
from typing import TYPE_CHECKING, Any, Literal, NamedTuple, NoReturn, overload
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from slacalc._engine.durations import Duration, NoObjective, parse_duration

# re-exported (``as``): the other layers import the epoch, the range and from_us from here
from slacalc._engine.epoch import DAY_US
from slacalc._engine.epoch import EPOCH as EPOCH
from slacalc._engine.epoch import MAX_US as MAX_US
from slacalc._engine.epoch import MIN_US as MIN_US
from slacalc._engine.epoch import US as US
from slacalc._engine.epoch import from_us as from_us
from slacalc._engine.holidays import HolidaySource, HolidaySources, HolidaySpec, parse_holiday_spec
from slacalc._engine.ical import IcalFeed
from slacalc._engine.windows import DAY, Window, parse_date, parse_special, parse_weekly
from slacalc.exceptions import (
    CalendarError,
    CalendarNeverOpensError,
    DurationError,
    NaiveDatetimeError,
    OutOfRangeError,
    UnknownTimeZoneError,
)

if TYPE_CHECKING:
    from types import ModuleType

    import numpy as np
    from numpy.typing import NDArray

    from slacalc._typing import BatchErrors

    #: What ``add_many`` takes as one duration.
    _Duration = timedelta | str | Duration | np.timedelta64
    #: The zone results are given in (``tzinfo`` is a property name inside the class).
    _Zone = str | tzinfo | None

__all__ = ["Calendar", "Interval", "resolve_tz"]

_YEAR_US: dict[int, int] = {}


def year_start_us(year: int) -> int:
    """Microseconds from the epoch to 1 January of *year*, 00:00 UTC."""
    try:
        return _YEAR_US[year]
    except KeyError:
        value = _YEAR_US[year] = (datetime(year, 1, 1, tzinfo=UTC) - EPOCH) // US
        return value


#: Years the engine may compile (a margin beyond the accepted range).
_MIN_YEAR, _MAX_YEAR = 1969, 2202
#: The least a snapshot grows by when an answer lies beyond it (about a quarter).
_MIN_GROWTH = 92 * DAY_US


def to_us(value: object, field: str) -> int:
    """Exact microseconds since the epoch of an aware datetime; refuses naive ones.

    The subtraction itself is the check: Python refuses to subtract an aware
    datetime from a naive one (or from anything else), and that refusal is
    turned into the specific error. It keeps the common case to one C call.
    """
    try:
        us: int = (value - EPOCH) // US  # type: ignore[operator]
    except TypeError:
        _refuse(value, field)
    except (ValueError, OverflowError) as exc:  # a tzinfo whose utcoffset is out of range
        raise _bad_offset(value, field, exc) from None
    if not MIN_US <= us < MAX_US:
        raise OutOfRangeError.for_value(field, value.isoformat())  # type: ignore[attr-defined]
    return us


def _bad_offset(value: object, field: str, exc: Exception) -> CalendarError:
    text = repr(value)
    shown = text if len(text) <= 120 else f"{text[:100]}…{text[-12:]}"
    msg = (
        f"{field}: instant {shown} has an invalid UTC offset ({exc}); expected a tzinfo whose "
        "utcoffset() is a timedelta strictly between -24:00 and +24:00"
    )
    return CalendarError(msg)


def _refuse(value: object, field: str) -> NoReturn:
    if isinstance(value, datetime) and value.tzinfo is not None:
        try:
            offset = value.tzinfo.utcoffset(value)
        except Exception as exc:
            raise _bad_offset(value, field, exc) from None
        if offset is not None:  # not a timedelta: the subtraction refused it
            raise _bad_offset(
                value, field, TypeError(f"utcoffset() returned {type(offset).__name__} {offset!r}")
            )
    if isinstance(value, datetime):
        raise NaiveDatetimeError.for_value(field, value)
    msg = f"{field} must be a timezone-aware datetime; got {type(value).__name__} {value!r}"
    raise CalendarError(msg)


def day_start_us(day: date, tz: tzinfo) -> int:
    """The first instant (µs since the epoch) whose local date in *tz* is *day*: its local midnight.

    Midnight is read as ``zoneinfo`` reads wall times, with ``fold=0``: when a
    zone's clocks skip midnight, the day starts at the transition; when
    midnight comes twice, at its first occurrence. Any date works (no range
    check), so dates such as ``date.max`` can bound a term.

    >>> from zoneinfo import ZoneInfo
    >>> day_start_us(date(2026, 7, 1), ZoneInfo("America/New_York")) == to_us(
    ...     datetime(2026, 7, 1, 4, tzinfo=UTC), "x")
    True
    """
    offset = tz.utcoffset(datetime(day.year, day.month, day.day))  # noqa: DTZ001 (a wall time in tz)
    if offset is None:
        msg = f"tz: {tz!r} gives no UTC offset for {day.isoformat()}; expected a time zone"
        raise CalendarError(msg)
    return (day.toordinal() - _EPOCH_ORDINAL) * DAY_US - offset // US


def utc_or_none(us: int) -> datetime | None:
    """The instant *us* as a UTC datetime, or None beyond the years 1 to 9999 (a bound never reached).

    Comparing aware datetimes that share the ``UTC`` tzinfo is the fast path
    of ``datetime``: a bound kept this way costs one ``astimezone(UTC)`` of
    the instant it is compared with.
    """
    try:
        return EPOCH + timedelta(microseconds=us)
    except OverflowError:
        return None


#: A zone a caller may ask results in: an IANA name or a ``tzinfo``.
Zone = str | tzinfo


def resolve_tz(value: object, field: str = "tz") -> tzinfo:
    """The zone that results are expressed in when a caller passes ``tz=``.

    A name is looked up in the IANA database (``"UTC"``, ``"Europe/Zurich"``);
    a ``tzinfo`` is used as it is, once it has shown it can express an instant.
    Anything else is an :class:`UnknownTimeZoneError` naming *field*.

    >>> resolve_tz("UTC")
    zoneinfo.ZoneInfo(key='UTC')
    >>> resolve_tz("Mars/Olympus_Mons")
    Traceback (most recent call last):
      ...
    slacalc.exceptions.UnknownTimeZoneError: tz: unknown time zone 'Mars/Olympus_Mons'; expected an IANA name such as 'Europe/Zurich' or 'UTC', or a tzinfo
    """
    if isinstance(value, tzinfo):
        try:
            probe = EPOCH.astimezone(value)
            if probe.utcoffset() is None:
                msg = "utcoffset() is None"
                raise ValueError(msg)
        except (ValueError, TypeError, OverflowError, ArithmeticError, NotImplementedError) as exc:
            raise UnknownTimeZoneError.for_tzinfo(
                value, field, str(exc) or type(exc).__name__
            ) from None
        return value
    if isinstance(value, str) and value.strip():
        try:
            return ZoneInfo(value.strip())
        except (ZoneInfoNotFoundError, ValueError, OSError):
            pass
    raise UnknownTimeZoneError.for_key(value, field=field)


class Interval(NamedTuple):
    """One open span ``[start, end)``: open at ``start``, closed again at ``end``."""

    start: datetime
    end: datetime


class _Compiled(NamedTuple):
    lo: int  # the snapshot is exact for instants in [lo, hi]
    hi: int
    starts: list[int]
    ends: list[int]
    cum: list[int]  # open time in [lo, starts[i])
    cumend: list[int]  # open time in [lo, ends[i])


Generator = Callable[[int, int], list[tuple[int, int]]]


def _merge(spans: Iterable[tuple[int, int]]) -> list[tuple[int, int]]:
    """Sorted union of spans; touching spans become one, empty ones vanish."""
    out: list[tuple[int, int]] = []
    for start, end in sorted(spans):
        if end <= start:
            continue
        if out and start <= out[-1][1]:
            if end > out[-1][1]:
                out[-1] = (out[-1][0], end)
        else:
            out.append((start, end))
    return out


def _length(spans: Iterable[tuple[int, int]]) -> int:
    return sum(b - a for a, b in spans)


def _overlap(one: list[tuple[int, int]], other: list[tuple[int, int]]) -> int:
    """The length of time in both sorted, disjoint span lists."""
    total, i, j = 0, 0, 0
    while i < len(one) and j < len(other):
        a, b = one[i]
        c, d = other[j]
        total += max(0, min(b, d) - max(a, c))
        if b <= d:
            i += 1
        else:
            j += 1
    return total


def _clip(spans: list[tuple[int, int]], lo: int, hi: int) -> list[tuple[int, int]]:
    """Sorted, disjoint *spans* cut to ``[lo, hi)``: only the ends need looking at."""
    i, j = 0, len(spans)
    while i < j and spans[i][1] <= lo:
        i += 1
    while j > i and spans[j - 1][0] >= hi:
        j -= 1
    out = spans[i:j]
    if out:
        if out[0][0] < lo:
            out[0] = (lo, out[0][1])
        if out[-1][1] > hi:
            out[-1] = (out[-1][0], hi)
    return out


class _Engine:
    """Lazily compiled open intervals with cumulative sums, extended as queries reach out."""

    __slots__ = ("_generate", "_lock", "_snapshot")

    def __init__(self, generate: Generator) -> None:
        self._generate = generate
        self._lock = threading.Lock()
        self._snapshot: _Compiled | None = None

    def covering(self, lo: int, hi: int) -> _Compiled:
        snap = self._snapshot
        if snap is not None and snap.lo <= lo and hi < snap.hi:
            return snap
        return self._extend(lo, hi)

    def _extend(self, lo: int, hi: int) -> _Compiled:
        with self._lock:
            snap = self._snapshot
            if snap is not None and snap.lo <= lo and hi < snap.hi:
                return snap
            # only the (UTC) months the query touches: a later query beyond them,
            # or an `add` whose answer lies further on (see `grow`), extends the range
            new_lo = max(year_start_us(_MIN_YEAR), _month_start_us(lo))
            new_hi = min(year_start_us(_MAX_YEAR), _month_start_us(hi, after=True))
            if snap is None:
                spans = self._generate(new_lo, new_hi)
            else:
                new_lo, new_hi = min(new_lo, snap.lo), max(new_hi, snap.hi)
                spans = list(zip(snap.starts, snap.ends, strict=True))
                if new_lo < snap.lo:
                    spans = self._generate(new_lo, snap.lo) + spans
                if new_hi > snap.hi:
                    spans = spans + self._generate(snap.hi, new_hi)
                spans = _merge(spans)
            starts: list[int] = []
            ends: list[int] = []
            cum: list[int] = []
            cumend: list[int] = []
            total = 0
            for s, e in spans:
                starts.append(s)
                ends.append(e)
                cum.append(total)
                total += e - s
                cumend.append(total)
            snap = _Compiled(new_lo, new_hi, starts, ends, cum, cumend)
            self._snapshot = snap
            return snap

    def grow(self, snap: _Compiled, *, forward: bool) -> _Compiled:
        """A snapshot reaching further forward (or backward) than *snap*, or an error."""
        span = max(snap.hi - snap.lo, _MIN_GROWTH)  # doubling: few growths for a far answer
        if forward:
            if snap.hi >= year_start_us(_MAX_YEAR):
                msg = "result is beyond the supported range; expected an instant in the years 1970 to 2200"
                raise OutOfRangeError(msg)
            return self.covering(snap.lo, min(snap.hi + span, year_start_us(_MAX_YEAR) - 1))
        if snap.lo <= year_start_us(_MIN_YEAR):
            msg = "result is before the supported range; expected an instant in the years 1970 to 2200"
            raise OutOfRangeError(msg)
        return self.covering(max(snap.lo - span, year_start_us(_MIN_YEAR)), snap.hi - 1)


def _month_start_us(us: int, *, after: bool = False) -> int:
    """The first microsecond of the UTC month of *us* (*after*: of the month after it)."""
    when = EPOCH + timedelta(microseconds=us)
    year, month = when.year, when.month
    if after:
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return (datetime(year, month, 1, tzinfo=UTC) - EPOCH) // US


def open_before(snap: _Compiled, t: int) -> int:
    """Open time in ``[snap.lo, t)``."""
    i = bisect_right(snap.starts, t) - 1
    if i < 0:
        return 0
    end = snap.ends[i]
    return snap.cum[i] + (t if t < end else end) - snap.starts[i]


def add_on(cal: Calendar, snap: _Compiled, a: int, d: int) -> int:
    """``cal.add_us(a, d)`` for *a* inside *snap*, read off *snap* when the answer lies in it.

    One binary search instead of a snapshot look-up and two; an answer
    beyond *snap* (or a negative *d*) goes through :meth:`Calendar.add_us`.
    Positions differ between snapshots by a constant, so the answer is the same.
    """
    if d > 0:
        cumend = snap.cumend
        i = bisect_right(snap.starts, a) - 1
        if i < 0:
            target = d
        else:
            end = snap.ends[i]
            target = snap.cum[i] + (a if a < end else end) - snap.starts[i] + d
        if cumend and target <= cumend[-1]:
            i = bisect_left(cumend, target)
            result = snap.starts[i] + (target - snap.cum[i])
            if result < MAX_US:  # else add_us says why there is no answer
                return result
    return cal.add_us(a, d)


@dataclass(frozen=True, slots=True)
class _Spec:
    """What a weekly-hours calendar was built from, in normalised form."""

    weekly: tuple[tuple[Window, ...], ...]
    holidays: HolidaySource | None
    closed: frozenset[date]
    special: tuple[tuple[date, tuple[Window, ...]], ...]


class Calendar:
    """When the support clock runs: weekly hours in a time zone, less holidays.

    Open time is a union of half-open intervals ``[open, close)``: the clock
    runs at the opening instant and has stopped at the closing one. Adjacent
    windows merge, so ``24x7`` is one unbroken interval across midnights and
    DST changes. Local window boundaries become instants as ``zoneinfo``
    resolves a wall time with ``fold=0``: a time in the spring gap moves
    forward by the gap, an ambiguous autumn time takes its first occurrence.
    A holiday, or a date in *closed*, closes the windows that start on it;
    a date in *special* has its own windows instead of the weekday's.

    >>> cal = Calendar(timezone="Europe/Zurich", hours={"mon-fri": "08:00-17:00"},
    ...                holidays={"country": "CH", "subdiv": "SG"})
    >>> monday = datetime(2026, 3, 2, 8, tzinfo=ZoneInfo("Europe/Zurich"))
    >>> cal.add(monday, timedelta(hours=9)).isoformat()
    '2026-03-02T17:00:00+01:00'
    >>> cal.business_day
    datetime.timedelta(seconds=32400)
    """

    __slots__ = (
        "__weakref__",
        "_business_day",
        "_engine",
        "_label",
        "_operands",
        "_spec",
        "_tz",
        "_tzname",
    )

    _tz: ZoneInfo
    _tzname: str
    _spec: _Spec | None
    _operands: tuple[str, Calendar, Calendar] | None
    _business_day: timedelta
    _engine: _Engine
    _label: str

    def __init__(
        self,
        timezone: str | ZoneInfo = "UTC",
        hours: Mapping[str, str | list[str]] | str = "24x7",
        holidays: Mapping[str, Any] | HolidaySpec | HolidaySources | IcalFeed | str | None = None,
        closed: Iterable[date | str] = (),
        special: Mapping[date | str, str | list[str]] | None = None,
        business_day: timedelta | str | None = None,
    ) -> None:
        self._tz, self._tzname = _zone(timezone)
        weekly = parse_weekly(hours)
        holiday_spec = parse_holiday_spec(holidays, self._tzname)
        if isinstance(closed, str | date):
            closed = [closed]
        closed_dates = frozenset(parse_date("closed", d) for d in closed)
        special_hours = parse_special(special)
        self._spec = _Spec(weekly, holiday_spec, closed_dates, tuple(sorted(special_hours.items())))
        self._operands = None
        self._business_day = _business_day(business_day, weekly)
        self._engine = _Engine(self._generate_weekly)
        self._label = ""

    # ------------------------------------------------------------------ construction

    @classmethod
    def _combined(cls, op: str, left: Calendar, right: Calendar) -> Calendar:
        self = object.__new__(cls)
        self._tz, self._tzname = left._tz, left._tzname
        self._spec = None
        self._operands = (op, left, right)
        self._business_day = left._business_day
        self._engine = _Engine(self._generate_combined)
        self._label = ""
        return self

    def __and__(self, other: Calendar) -> Calendar:
        """The calendar open when both are open (time zone and business day of the left one)."""
        if not isinstance(other, Calendar):
            return NotImplemented
        return Calendar._combined("&", self, other)

    def __or__(self, other: Calendar) -> Calendar:
        """The calendar open when either is open (time zone and business day of the left one)."""
        if not isinstance(other, Calendar):
            return NotImplemented
        return Calendar._combined("|", self, other)

    def __reduce__(self) -> tuple[Any, ...]:
        if self._operands is not None:
            op, left, right = self._operands
            return (operator.and_ if op == "&" else operator.or_, (left, right))
        config = self.config()
        if self._spec is not None and self._spec.holidays is not None:
            # the spec itself, already checked: rebuilding must not warn about it again
            config["holidays"] = self._spec.holidays
        return (_rebuild, (config,))

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Calendar):
            return NotImplemented
        return self._key() == other._key()

    def __hash__(self) -> int:
        return hash(self._key())

    def _key(self) -> tuple[Any, ...]:
        if self._operands is not None:
            op, left, right = self._operands
            return (op, left._key(), right._key())
        return (self._tzname, self._spec, self._business_day)

    def __repr__(self) -> str:
        if self._operands is not None:
            op, left, right = self._operands
            return f"({left!r} {op} {right!r})"
        args = ", ".join(f"{k}={v!r}" for k, v in self.config().items())
        return f"Calendar({args})"

    def config(self) -> dict[str, Any]:
        """The constructor arguments that rebuild this calendar (weekly-hours calendars only)."""
        spec = self._spec
        if spec is None:
            msg = "config: a combined calendar (a & b, a | b) has no constructor arguments"
            raise CalendarError(msg)
        hours: dict[str, list[str]] | str
        if all(day == ((0, DAY),) for day in spec.weekly):
            hours = "24x7"
        else:
            hours = {
                name: [_window_text(w) for w in day]
                for name, day in zip(
                    ("mon", "tue", "wed", "thu", "fri", "sat", "sun"), spec.weekly, strict=True
                )
                if day
            }
        out: dict[str, Any] = {"timezone": self._tzname, "hours": hours}
        if spec.holidays is not None:
            out["holidays"] = spec.holidays.as_dict()
        if spec.closed:
            out["closed"] = sorted(d.isoformat() for d in spec.closed)
        if spec.special:
            out["special"] = {
                d.isoformat(): [_window_text(w) for w in ws] for d, ws in spec.special
            }
        if self._business_day:  # zero only by default, for weekly hours with no window at all
            out["business_day"] = self._business_day
        return out

    # ------------------------------------------------------------------ properties

    @property
    def timezone(self) -> str:
        """The IANA name of the calendar's time zone."""
        return self._tzname

    @property
    def tzinfo(self) -> ZoneInfo:
        """The calendar's time zone; results are expressed in it."""
        return self._tz

    @property
    def business_day(self) -> timedelta:
        """The open time that "1 business day" stands for on this calendar."""
        return self._business_day

    @property
    def holidays(self) -> HolidaySource | None:
        """Where the calendar's holidays come from (None for combined calendars or none)."""
        return None if self._spec is None else self._spec.holidays

    # ------------------------------------------------------------------ arithmetic

    def elapsed(self, start: datetime, end: datetime) -> timedelta:
        """Open time inside ``[start, end)``; negative when *end* is before *start*.

        >>> zurich = ZoneInfo("Europe/Zurich")
        >>> office_hours().elapsed(datetime(2026, 12, 23, 15, tzinfo=zurich),
        ...                        datetime(2027, 1, 4, 9, 30, tzinfo=zurich))
        datetime.timedelta(days=2, seconds=1800)
        """
        try:  # to_us twice, written out; to_us itself raises the specific error
            a: int = (start - EPOCH) // US
            b: int = (end - EPOCH) // US
        except (TypeError, ValueError, OverflowError):
            a, b = to_us(start, "start"), to_us(end, "end")
        if not (MIN_US <= a < MAX_US and MIN_US <= b < MAX_US):
            a, b = to_us(start, "start"), to_us(end, "end")
        snap = self._engine.covering(a if a < b else b, b if a < b else a)
        # open_before, twice, inlined: this is the hot path of every evaluation
        starts, ends, cum = snap.starts, snap.ends, snap.cum
        i = bisect_right(starts, a) - 1
        fa = 0 if i < 0 else cum[i] + (a if a < ends[i] else ends[i]) - starts[i]
        j = bisect_right(starts, b) - 1
        fb = 0 if j < 0 else cum[j] + (b if b < ends[j] else ends[j]) - starts[j]
        return timedelta(microseconds=fb - fa)

    def elapsed_us(self, a: int, b: int) -> int:
        """Open microseconds in ``[a, b)`` for epoch-microsecond instants (internal fast path)."""
        snap = self._engine.covering(a if a < b else b, b if a < b else a)
        return open_before(snap, b) - open_before(snap, a)

    def compiled_us(self, lo: int, hi: int) -> _Compiled:
        """The compiled open spans exact over ``[lo, hi]`` (internal fast path for evaluations).

        Read positions with :func:`open_before` and answers with :func:`add_on`;
        positions on one snapshot may be subtracted from each other.
        """
        return self._engine.covering(lo, hi)

    def add(
        self, start: datetime, duration: timedelta | str | Duration, *, tz: Zone | None = None
    ) -> datetime:
        """The instant at which *duration* of open time has run since *start*.

        For a positive duration, the earliest such instant: a target that runs
        out exactly at closing time is due at closing time. For a negative one,
        the latest instant before *start*. ``add(t, timedelta(0)) == t``.
        Strings such as ``"4 hours"`` or ``"1 business day"`` are accepted.
        The result is in the calendar's zone, or in *tz* (a zone name or a
        ``tzinfo``): ``tz="UTC"`` gives an instant that compares equal to the
        same instant stored in UTC even in the repeated autumn hour (PEP 495).
        """
        # to_us and from_us written out: two calls fewer on the most called method
        try:
            a: int = (start - EPOCH) // US
        except TypeError:
            _refuse(start, "start")
        except (ValueError, OverflowError) as exc:  # a tzinfo whose utcoffset is out of range
            raise _bad_offset(start, "start", exc) from None
        if not MIN_US <= a < MAX_US:
            field = "start"
            raise OutOfRangeError.for_value(field, start.isoformat())
        d = duration // US if type(duration) is timedelta else self._duration_us(duration)
        snap = self._engine._snapshot
        if d > 0 and snap is not None and snap.lo <= a < snap.hi:
            # add_us's forward step written out for an answer inside the snapshot in use
            starts, cum, cumend = snap.starts, snap.cum, snap.cumend
            i = bisect_right(starts, a) - 1
            if i < 0:
                target = d
            else:
                end = snap.ends[i]
                target = cum[i] + (a if a < end else end) - starts[i] + d
            if cumend and target <= cumend[-1]:
                k = bisect_left(cumend, target)
                at = starts[k] + (target - cum[k])
                if at < MAX_US:
                    result = EPOCH + timedelta(microseconds=at)
                    return result.astimezone(self._tz if tz is None else resolve_tz(tz))
        result = EPOCH + timedelta(microseconds=self.add_us(a, d))
        return result.astimezone(self._tz if tz is None else resolve_tz(tz))

    def add_us(self, a: int, d: int) -> int:
        """:meth:`add` on epoch microseconds (internal fast path)."""
        if d == 0:
            return a
        engine = self._engine
        snap = engine.covering(a, a)
        if d > 0:
            target = open_before(snap, a) + d
            while not snap.cumend or target > snap.cumend[-1]:
                snap = self._grow(snap, a, forward=True)
                target = open_before(snap, a) + d
            i = bisect_left(snap.cumend, target)
        else:
            target = open_before(snap, a) + d
            while target < 0 or not snap.cumend:
                snap = self._grow(snap, a, forward=False)
                target = open_before(snap, a) + d
            i = bisect_right(snap.cumend, target)
        result = snap.starts[i] + (target - snap.cum[i])
        if not MIN_US <= result < MAX_US:
            msg = "result is outside the supported range; expected an instant in the years 1970 to 2200"
            raise OutOfRangeError(msg)
        return result

    def _grow(self, snap: _Compiled, a: int, *, forward: bool) -> _Compiled:
        """*snap* extended further from *a*; a clear error when the calendar never opens there."""
        self._check_opens()
        try:
            return self._engine.grow(snap, forward=forward)
        except OutOfRangeError:
            # At the end of the range: is it the range, or has the calendar shut for good?
            year = 366 * DAY * 1_000_000
            if forward:
                shut = not snap.ends or snap.ends[-1] <= max(a, snap.hi - year)
                last = snap.ends[-1] if snap.ends else None
            else:
                shut = not snap.starts or snap.starts[0] >= min(a, snap.lo + year)
                last = snap.starts[0] if snap.starts else None
            if not shut:
                raise
            when = from_us(a, self._tz).isoformat()
            if last is None:
                msg = "calendar is never open in the supported range (1970 to 2200); expected weekly hours or special dates that open it"
            elif forward:
                msg = (
                    f"calendar runs out of open time: asked from {when}, its last open span ends at "
                    f"{from_us(last, self._tz).isoformat()}; expected open time up to the result"
                )
            else:
                msg = (
                    f"calendar has no more open time before {when}: it first opens at "
                    f"{from_us(last, self._tz).isoformat()}; expected open time back to the result"
                )
            raise CalendarNeverOpensError(msg) from None

    def _duration_us(self, duration: object) -> int:
        if isinstance(duration, timedelta):
            return duration // US
        parsed = parse_duration(duration)
        if isinstance(parsed, NoObjective):
            msg = f"duration: {duration!r} sets no objective; expected an amount of time"
            raise DurationError(msg)
        return parsed.resolve(self) // US

    def is_open(self, at: datetime) -> bool:
        """Whether the clock runs at *at* (open at an opening instant, closed at a closing one)."""
        t = to_us(at, "at")
        snap = self._engine.covering(t, t)
        i = bisect_right(snap.starts, t) - 1
        return i >= 0 and t < snap.ends[i]

    def next_open(self, at: datetime, *, tz: Zone | None = None) -> datetime:
        """*at* itself when the calendar is open then, else the next opening instant.

        The result is in the calendar's zone, or in *tz* (a zone name or a ``tzinfo``).
        """
        t = to_us(at, "at")
        zone = self._tz if tz is None else resolve_tz(tz)
        return from_us(self.next_open_us(t), zone)

    def next_open_us(self, t: int) -> int:
        """:meth:`next_open` on epoch microseconds (internal fast path)."""
        snap = self._engine.covering(t, t)
        while True:
            i = bisect_right(snap.starts, t) - 1
            if i >= 0 and t < snap.ends[i]:
                return t
            if i + 1 < len(snap.starts):
                return snap.starts[i + 1]
            snap = self._grow(snap, t, forward=True)

    def open_intervals(
        self, start: datetime, end: datetime, *, tz: Zone | None = None
    ) -> list[Interval]:
        """The open intervals inside ``[start, end)``, clipped to it, in order.

        Their ends are in the calendar's zone, or in *tz* (a zone name or a ``tzinfo``).
        """
        a = to_us(start, "start")
        b = to_us(end, "end")
        zone = self._tz if tz is None else resolve_tz(tz)
        return [Interval(from_us(s, zone), from_us(e, zone)) for s, e in self.spans_us(a, b)]

    def spans_us(self, a: int, b: int) -> list[tuple[int, int]]:
        """Open spans clipped to ``[a, b)`` in epoch microseconds (internal)."""
        if b <= a:
            return []
        snap = self._engine.covering(a, b)
        i = max(bisect_right(snap.starts, a) - 1, 0)
        j = bisect_left(snap.starts, b)
        return _clip(list(zip(snap.starts[i:j], snap.ends[i:j], strict=True)), a, b)

    def holidays_between(
        self, start: datetime, end: datetime, *, closing_only: bool = False
    ) -> list[tuple[date, str]]:
        """Holidays and closed or special dates (local) from *start*'s date to *end*'s, with names.

        With *closing_only*, only the dates that changed the open time
        inside ``[start, end)``: a holiday or closed date on which the weekly
        hours would have been open there (a holiday on a Saturday of a
        Monday-to-Friday calendar is left out), a special date whose hours
        differ there from its weekday's. ``explain()`` names these.
        """
        a = to_us(start, "start")
        b = to_us(end, "end")
        first = from_us(min(a, b), self._tz).date()
        last = from_us(max(a, b), self._tz).date()
        out: list[tuple[date, str]] = []
        if self._operands is not None:
            _, left, right = self._operands
            seen = dict(left.holidays_between(start, end, closing_only=closing_only))
            seen.update(right.holidays_between(start, end, closing_only=closing_only))
            return sorted(seen.items())
        spec = self._spec
        assert spec is not None
        special = dict(spec.special)
        names: dict[date, str] = {}
        if spec.holidays is not None:
            for year in range(first.year, last.year + 1):
                names.update(spec.holidays.names(year))
        lo, hi = min(a, b), max(a, b)
        opened: list[tuple[int, int]] | None = None
        day = first
        while day <= last:
            name = None
            if day in special:
                name = "special hours"
            elif day in spec.closed:
                name = "closed"
            elif day in names:
                name = names[day]
            if name is not None and closing_only:
                usual = _clip(self._windows_us(day, spec.weekly[day.weekday()]), lo, hi)
                if day in special:
                    changed = usual != _clip(self._windows_us(day, special[day]), lo, hi)
                else:
                    if opened is None:
                        opened = self.spans_us(lo, hi)
                    changed = _length(usual) > _overlap(usual, opened)
                if not changed:
                    name = None
            if name is not None:
                out.append((day, name))
            day += timedelta(days=1)
        return out

    def _windows_us(self, day: date, windows: Sequence[Window]) -> list[tuple[int, int]]:
        """The instants of *windows* (seconds from local midnight) on the local date *day*, merged."""
        to_utc = _WallToUtc(self._tz)
        base = (day.toordinal() - _EPOCH_ORDINAL) * DAY_US
        return _merge(
            (to_utc(base + s * 1_000_000), to_utc(base + e * 1_000_000)) for s, e in windows
        )

    # ------------------------------------------------------------------ batch (NumPy)

    @overload
    def add_many(
        self,
        starts: NDArray[np.datetime64],
        durations: NDArray[np.timedelta64] | _Duration,
        *,
        errors: BatchErrors = ...,
        tz: None = ...,
    ) -> NDArray[np.datetime64]: ...
    @overload
    def add_many(
        self,
        starts: datetime | np.datetime64,
        durations: NDArray[np.timedelta64],
        *,
        errors: BatchErrors = ...,
        tz: None = ...,
    ) -> NDArray[np.datetime64]: ...
    @overload
    def add_many(
        self,
        starts: Sequence[datetime],
        durations: Sequence[_Duration] | _Duration,
        *,
        errors: Literal["raise"] = ...,
        tz: _Zone = ...,
    ) -> list[datetime]: ...
    @overload
    def add_many(
        self,
        starts: datetime,
        durations: Sequence[_Duration],
        *,
        errors: Literal["raise"] = ...,
        tz: _Zone = ...,
    ) -> list[datetime]: ...
    @overload
    def add_many(
        self,
        starts: Sequence[datetime] | datetime,
        durations: Sequence[_Duration] | _Duration,
        *,
        errors: Literal["coerce"],
        tz: _Zone = ...,
    ) -> list[datetime | None]: ...
    @overload
    def add_many(
        self,
        starts: Any,
        durations: Any,
        *,
        errors: BatchErrors = ...,
        tz: _Zone = ...,
    ) -> Any: ...
    def add_many(
        self,
        starts: Any,
        durations: Any,
        *,
        errors: BatchErrors = "raise",
        tz: _Zone = None,
    ) -> Any:
        """:meth:`add` for many starts and durations at once; element by element the same.

        *starts*: a NumPy ``datetime64`` array (any unit, read as UTC), a
        timezone-aware pandas Series, or a sequence of aware datetimes.
        *durations*: a ``timedelta64`` array, a timedelta Series, or a sequence
        of timedeltas or duration text (``"4 hours"``); either argument may be
        one value for all. The result has the kind of the first argument that
        is not a single value: ``datetime64[us]`` in UTC for NumPy, a Series in
        the calendar's zone (or *tz*) with the same index, or a list of aware
        datetimes. NumPy arrays broadcast together; Series and sequences pair
        elements by position.

        A bad element (NaT, a naive datetime, an instant outside 1970-2200,
        digits below a microsecond, a result outside the range) raises one
        error naming its position; ``errors="coerce"`` gives NaT (None in a
        list) for each bad element instead. Needs NumPy (the ``pandas`` extra).

        Friday 16:00 and Saturday 11:00 in Zurich (15:00 and 10:00 UTC), plus 2 hours:

        >>> starts = np.array(["2026-03-06T15:00", "2026-03-07T10:00"], dtype="datetime64[us]")
        >>> office_hours().add_many(starts, np.timedelta64(2, "h"))
        array(['2026-03-09T08:00:00.000000', '2026-03-09T09:00:00.000000'],
              dtype='datetime64[us]')
        """
        return _batch().add_many(self, starts, durations, errors, _zone_or_none(tz))

    @overload
    def elapsed_many(
        self,
        starts: NDArray[np.datetime64],
        ends: NDArray[np.datetime64] | datetime | np.datetime64,
        *,
        errors: BatchErrors = ...,
    ) -> NDArray[np.timedelta64]: ...
    @overload
    def elapsed_many(
        self,
        starts: datetime | np.datetime64,
        ends: NDArray[np.datetime64],
        *,
        errors: BatchErrors = ...,
    ) -> NDArray[np.timedelta64]: ...
    @overload
    def elapsed_many(
        self,
        starts: Sequence[datetime],
        ends: Sequence[datetime] | datetime,
        *,
        errors: Literal["raise"] = ...,
    ) -> list[timedelta]: ...
    @overload
    def elapsed_many(
        self, starts: datetime, ends: Sequence[datetime], *, errors: Literal["raise"] = ...
    ) -> list[timedelta]: ...
    @overload
    def elapsed_many(
        self,
        starts: Sequence[datetime] | datetime,
        ends: Sequence[datetime] | datetime,
        *,
        errors: Literal["coerce"],
    ) -> list[timedelta | None]: ...
    @overload
    def elapsed_many(self, starts: Any, ends: Any, *, errors: BatchErrors = ...) -> Any: ...
    def elapsed_many(self, starts: Any, ends: Any, *, errors: BatchErrors = "raise") -> Any:
        """:meth:`elapsed` for many pairs at once; element by element the same.

        Takes what :meth:`add_many` takes for its *starts*, for both
        arguments, and returns ``timedelta64[us]`` for NumPy, a timedelta
        Series, or a list of timedeltas (negative where an end is before its
        start).

        >>> office = office_hours()
        >>> ends = np.array(["2026-03-09T09:00", "2026-03-06T15:00"], dtype="datetime64[us]")
        >>> office.elapsed_many(np.datetime64("2026-03-06T15:00", "us"), ends)
        array([10800000000,           0], dtype='timedelta64[us]')
        """
        return _batch().elapsed_many(self, starts, ends, errors)

    @overload
    def is_open_many(
        self, instants: NDArray[np.datetime64], *, errors: BatchErrors = ...
    ) -> NDArray[np.bool_]: ...
    @overload
    def is_open_many(
        self, instants: Sequence[datetime], *, errors: Literal["raise"] = ...
    ) -> list[bool]: ...
    @overload
    def is_open_many(
        self, instants: Sequence[datetime], *, errors: Literal["coerce"]
    ) -> list[bool | None]: ...
    @overload
    def is_open_many(self, instants: Any, *, errors: BatchErrors = ...) -> Any: ...
    def is_open_many(self, instants: Any, *, errors: BatchErrors = "raise") -> Any:
        """:meth:`is_open` for many instants at once: a bool array, Series or list.

        With ``errors="coerce"`` a bad element is ``False`` in a NumPy array
        (which has no missing value for booleans), ``<NA>`` in a Series (of
        pandas' ``boolean`` dtype) and ``None`` in a list.

        >>> at = np.array(["2026-03-06T15:00", "2026-03-07T10:00"], dtype="datetime64[us]")
        >>> office_hours().is_open_many(at)
        array([ True, False])
        """
        return _batch().is_open_many(self, instants, errors)

    @overload
    def next_open_many(
        self, instants: NDArray[np.datetime64], *, errors: BatchErrors = ..., tz: None = ...
    ) -> NDArray[np.datetime64]: ...
    @overload
    def next_open_many(
        self,
        instants: Sequence[datetime],
        *,
        errors: Literal["raise"] = ...,
        tz: _Zone = ...,
    ) -> list[datetime]: ...
    @overload
    def next_open_many(
        self,
        instants: Sequence[datetime],
        *,
        errors: Literal["coerce"],
        tz: _Zone = ...,
    ) -> list[datetime | None]: ...
    @overload
    def next_open_many(
        self, instants: Any, *, errors: BatchErrors = ..., tz: _Zone = ...
    ) -> Any: ...
    def next_open_many(
        self, instants: Any, *, errors: BatchErrors = "raise", tz: _Zone = None
    ) -> Any:
        """:meth:`next_open` for many instants at once (each itself where the calendar is open).

        >>> at = np.array(["2026-03-06T15:00", "2026-03-07T10:00"], dtype="datetime64[us]")
        >>> office_hours().next_open_many(at)
        array(['2026-03-06T15:00:00.000000', '2026-03-09T07:00:00.000000'],
              dtype='datetime64[us]')
        """
        return _batch().next_open_many(self, instants, errors, _zone_or_none(tz))

    # ------------------------------------------------------------------ compilation

    def _check_opens(self) -> None:
        spec = self._spec
        if spec is not None and not any(spec.weekly) and not any(ws for _, ws in spec.special):
            msg = "calendar has no open hours at all; expected at least one weekly window"
            raise CalendarNeverOpensError(msg)

    def _generate_weekly(self, lo: int, hi: int) -> list[tuple[int, int]]:
        spec = self._spec
        assert spec is not None
        weekly = spec.weekly
        if (
            all(day == ((0, DAY),) for day in weekly)
            and spec.holidays is None
            and not spec.closed
            and not spec.special
        ):
            return [(lo, hi)]
        tz = self._tz
        special = dict(spec.special)
        closed = spec.closed
        first = from_us(lo, tz).date() - timedelta(days=1)
        last = from_us(hi, tz).date()
        holiday_years: dict[int, frozenset[date]] = {}
        spans: list[tuple[int, int]] = []
        holidays = spec.holidays
        to_utc = _WallToUtc(tz)
        utcoffset = tz.utcoffset
        fromordinal = datetime.fromordinal
        carried = -1  # the local day whose midnight offset is in *there*
        there = 0
        day = first
        one = timedelta(days=1)
        k = first.toordinal() - _EPOCH_ORDINAL  # local day, counted from 1970-01-01
        while day <= last:
            if special and day in special:
                windows = special[day]
            elif closed and day in closed:
                windows = ()
            else:
                windows = weekly[day.weekday()]
                if windows and holidays is not None:
                    year_set = holiday_years.get(day.year)
                    if year_set is None:
                        year_set = holiday_years[day.year] = frozenset(holidays.dates(day.year))
                    if day in year_set:
                        windows = ()
            if windows:
                # the offset at this midnight and the next: equal, it holds all day
                here = there if carried == k else utcoffset(fromordinal(k + _EPOCH_ORDINAL)) // US  # type: ignore[operator]
                there = utcoffset(fromordinal(k + 1 + _EPOCH_ORDINAL)) // US  # type: ignore[operator]
                carried = k + 1
                same = here == there
                base = k * DAY_US
                for start, end in windows:
                    if same and end <= DAY:
                        spans.append(
                            (base + start * 1_000_000 - here, base + end * 1_000_000 - here)
                        )
                    else:
                        spans.append(
                            (to_utc(base + start * 1_000_000), to_utc(base + end * 1_000_000))
                        )
            day += one
            k += 1
        return _clip(_merge(spans), lo, hi)

    def _generate_combined(self, lo: int, hi: int) -> list[tuple[int, int]]:
        assert self._operands is not None
        op, left, right = self._operands
        a = left.spans_us(lo, hi)
        b = right.spans_us(lo, hi)
        if op == "|":
            return _merge(a + b)
        out: list[tuple[int, int]] = []
        i = j = 0
        while i < len(a) and j < len(b):
            s = max(a[i][0], b[j][0])
            e = min(a[i][1], b[j][1])
            if s < e:
                out.append((s, e))
            if a[i][1] < b[j][1]:
                i += 1
            else:
                j += 1
        return _merge(out)


#: Microseconds in a day, and the ordinal of 1970-01-01 (local wall times count from it).
DAY_US = DAY * 1_000_000
_EPOCH_ORDINAL = date(1970, 1, 1).toordinal()
_NAIVE_EPOCH = datetime(1970, 1, 1)  # noqa: DTZ001 (wall times, read in the zone by utcoffset)


class _WallToUtc:
    """Local wall times (µs from 1970-01-01 00:00 wall) to instants, as ``zoneinfo`` resolves them.

    An instant is the wall time less the zone's UTC offset at that wall time,
    read with ``fold=0`` (a time in the spring gap moves forward by the gap, an
    ambiguous autumn time takes its first occurrence). Looking the offset up
    is the costly part, so it is looked up once per local midnight: when a
    day's midnight and the next one have the same offset, every wall time of
    that day has it too (zones change their offset at most once a day, and
    never change it back within the same day). On a day whose two midnights
    differ, the day of a transition, each wall time is looked up on its own.
    """

    __slots__ = ("_offsets", "_tz")

    def __init__(self, tz: tzinfo) -> None:
        self._tz = tz
        self._offsets: dict[int, int] = {}  # day (from 1970-01-01) -> offset at its 00:00, µs

    def midnight(self, k: int) -> int:
        """The offset (µs) at 00:00 of local day *k*."""
        offset = self._offsets.get(k)
        if offset is None:
            found = self._tz.utcoffset(datetime.fromordinal(k + _EPOCH_ORDINAL))
            assert found is not None
            offset = self._offsets[k] = found // US
        return offset

    def __call__(self, wall: int) -> int:
        k = wall // DAY_US
        here = self.midnight(k)
        if here == self.midnight(k + 1):
            return wall - here
        found = self._tz.utcoffset(_NAIVE_EPOCH + timedelta(microseconds=wall))
        assert found is not None
        return wall - found // US


def _zone(value: object) -> tuple[ZoneInfo, str]:
    if isinstance(value, ZoneInfo):
        return value, value.key
    if not isinstance(value, str) or not value.strip():
        raise UnknownTimeZoneError.for_key(value)
    try:
        zone = ZoneInfo(value.strip())
    except (ZoneInfoNotFoundError, ValueError, OSError):
        raise UnknownTimeZoneError.for_key(value) from None
    return zone, value.strip()


def _business_day(
    value: timedelta | str | None, weekly: tuple[tuple[Window, ...], ...]
) -> timedelta:
    if value is None:
        totals = [sum(e - s for s, e in day) for day in weekly]
        workdays = [t for t in totals[:5] if t]
        chosen = max(workdays or totals)
        return timedelta(seconds=chosen)
    if isinstance(value, timedelta):
        result = value
    else:
        parsed = parse_duration(value, "business_day")
        if not isinstance(parsed, Duration) or parsed.business_days:
            msg = f"business_day: invalid length {value!r}; expected hours such as '9h' or 'PT9H'"
            raise DurationError(msg)
        result = parsed.fixed
    if result <= timedelta(0):
        msg = f"business_day: invalid length {value!r}; expected a positive duration"
        raise DurationError(msg)
    return result


def _window_text(window: Window) -> str:
    start, end = window

    def hm(sec: int) -> str:
        if sec > DAY:
            sec -= DAY
        text = f"{sec // 3600:02d}:{sec // 60 % 60:02d}"
        return text + (f":{sec % 60:02d}" if sec % 60 else "")

    return f"{hm(start)}-{hm(end)}"


def _batch() -> ModuleType:
    """The NumPy batch engine, imported on first use (NumPy is an optional extra)."""
    try:
        from slacalc._engine import batch
    except ModuleNotFoundError as exc:
        if (exc.name or "").split(".")[0] != "numpy":
            raise
        msg = (
            "the batch calendar methods (add_many, elapsed_many, is_open_many, next_open_many) "
            "need NumPy: pip install 'slacalc[pandas]'"
        )
        raise ImportError(msg) from exc
    return batch


def _zone_or_none(tz: object) -> tzinfo | None:
    """The zone a batch method's ``tz=`` names (None: the calendar's own)."""
    if tz is None or isinstance(tz, tzinfo):
        return tz
    return _zone(tz)[0]


def _rebuild(config: dict[str, Any]) -> Calendar:
    return Calendar(**config)
