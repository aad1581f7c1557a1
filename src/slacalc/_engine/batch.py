"""Batch calendar arithmetic with NumPy: the engine of ``Calendar.add_many`` and its siblings.

This is the one module below the analysis layer that imports NumPy (the
"extras" contract in ``pyproject.toml`` names it as the only exception).
:class:`~slacalc.Calendar` imports it lazily, the first time a batch method is
called, so ``import slacalc`` never loads NumPy. The analysis layer
(``slacalc._analysis.vectorised``) computes on the same primitives
(:func:`add_us`, :func:`elapsed_us`), so there is one piece of code for the
batch logic.

The arithmetic is the scalar one, term for term (see ``calendar.py``): the
open time before an instant *t* is ``F(t) = cum[i] + min(t, ends[i]) -
starts[i]`` for the last interval *i* starting at or before *t*, and *d* of
open time after *a* ends at ``starts[j] + (F(a) + d - cum[j])`` with *j* found
in the cumulative sums (``bisect_left`` for ``d > 0``, ``bisect_right`` for
``d < 0``). Only the searches change: instead of a binary search per element,
a :class:`Lookup` keeps, per compiled snapshot, a table of buckets (a power of
two of microseconds each) giving the search result at each bucket's start;
an element reads its bucket and steps over the few interval edges inside it.
That is the same answer as the binary search, in a few array passes.
"""

from __future__ import annotations

import sys
import threading
from collections.abc import Callable, Iterable, Mapping
from datetime import datetime, timedelta, tzinfo
from typing import TYPE_CHECKING, Any, Literal, NamedTuple, cast

import numpy as np
import numpy.typing as npt

from slacalc._engine.durations import Duration, NoObjective, parse_duration

# the calendar module imports this one (lazily): the constants come from the module both import
from slacalc._engine.epoch import DAY_US, EPOCH, MAX_US, MIN_US, US, from_us
from slacalc.exceptions import (
    CalendarError,
    CalendarNeverOpensError,
    DurationError,
    NaiveDatetimeError,
    OutOfRangeError,
    SlacalcError,
)

if TYPE_CHECKING:
    from slacalc._engine.calendar import Calendar, _Compiled

__all__ = [
    "Lookup",
    "add_many",
    "add_us",
    "elapsed_many",
    "elapsed_us",
    "is_open_many",
    "lookup",
    "next_open_many",
]

I64 = npt.NDArray[np.int64]
Bools = npt.NDArray[np.bool_]
Errors = Literal["raise", "coerce"]


#: NumPy's NaT as an int64 (the smallest int64).
NAT = np.iinfo(np.int64).min
_BIG = 1 << 62  # beyond every instant and sum the engine handles (about 146,000 years in µs)
#: Durations longer than this cannot end inside the supported range.
_MAX_DURATION = 2 * (MAX_US - MIN_US)
_TABLE_MIN = 1 << 12  # buckets in a lookup table, at least
_TABLE_PER_EDGE = 8  # and at most this many per interval edge
_STEPS_MAX = 4  # edges per bucket past which a plain binary search is used instead


# ---------------------------------------------------------------------- lookups


class _Table(NamedTuple):
    """Search results at the start of each bucket of ``2**shift`` µs, and the edges per bucket."""

    shift: int
    first: I64
    steps: int


def _table(keys: I64, reach: int, side: Literal["left", "right"]) -> _Table | None:
    """A bucket table for ``searchsorted(keys, q, side)`` with ``0 <= q <= reach``; None: search."""
    limit = max(_TABLE_MIN, _TABLE_PER_EDGE * len(keys))
    shift = (reach // limit).bit_length()  # reach >> shift < limit
    buckets = (reach >> shift) + 1
    first = np.searchsorted(keys, np.arange(buckets, dtype=np.int64) << shift, side=side)
    steps = int(np.bincount(keys >> shift).max()) if len(keys) else 0
    if steps > _STEPS_MAX:
        return None
    return _Table(shift, first.astype(np.int64), steps)


class Lookup:
    """One compiled snapshot as arrays, with bucket tables for its two searches.

    Index 0 of the padded arrays stands for "before the first interval", so a
    search result needs no special case: ``F(t) = min(t + base[i],
    cumend[i])`` for every *t* in the snapshot, with ``i = index(t)``.
    """

    __slots__ = (
        "_after",
        "_ctab_left",
        "_ctab_right",
        "_cumend_raw",
        "_starts_raw",
        "_ttab",
        "base",
        "base_raw",
        "cumend",
        "cumend_next",
        "ends",
        "hi",
        "lo",
        "n",
        "starts",
        "total",
    )

    def __init__(self, snap: _Compiled) -> None:
        starts = np.asarray(snap.starts, dtype=np.int64)
        ends = np.asarray(snap.ends, dtype=np.int64)
        cum = np.asarray(snap.cum, dtype=np.int64)
        cumend = np.asarray(snap.cumend, dtype=np.int64)
        n = len(starts)
        self.n = n
        self.lo = snap.lo
        self.hi = snap.hi
        self.total = int(cumend[-1]) if n else 0
        self._starts_raw = starts
        self._cumend_raw = cumend
        #: starts[i] for i in 1..n are the intervals' starts; starts[n + 1]: no next start
        self.starts = np.concatenate(([-_BIG], starts, [_BIG])).astype(np.int64)
        self._after = self.starts[1:]  # the next interval's start after index i
        self.ends = np.concatenate(([-_BIG], ends)).astype(np.int64)
        self.base = np.concatenate(([_BIG], cum - starts)).astype(np.int64)
        self.cumend = np.concatenate(([0], cumend)).astype(np.int64)
        self.base_raw = self.base[1:]
        self.cumend_next = np.concatenate((cumend, [_BIG])).astype(np.int64)
        self._ttab = _table(starts - snap.lo, snap.hi - snap.lo, "right")
        self._ctab_left = _table(cumend, self.total, "left")
        self._ctab_right = _table(cumend, self.total, "right")

    def index(self, t: I64) -> I64:
        """For each instant, how many intervals start at or before it (``bisect_right``)."""
        tab = self._ttab
        if tab is None:
            return np.searchsorted(self._starts_raw, t, side="right").astype(np.int64)
        bucket = t - self.lo
        np.right_shift(bucket, tab.shift, out=bucket)
        i = tab.first[bucket]
        after = self._after
        for _ in range(tab.steps):
            i += after[i] <= t
        return i

    def open_before(self, t: I64) -> I64:
        """Open time in ``[lo, t)`` for each instant (``calendar.open_before``)."""
        i = self.index(t)
        out = t + self.base[i]
        np.minimum(out, self.cumend[i], out=out)
        return out

    def at_total(self, total: I64, side: Literal["left", "right"]) -> I64:
        """The instant at which the open time since ``lo`` reaches *total* (``0 <= total <= self.total``).

        ``side="left"``: the earliest such instant (``add`` forward); ``"right"``: the latest (backward).
        """
        tab = self._ctab_left if side == "left" else self._ctab_right
        if tab is None:
            j = np.searchsorted(self._cumend_raw, total, side=side).astype(np.int64)
        else:
            j = tab.first[total >> tab.shift]
            nxt = self.cumend_next
            for _ in range(tab.steps):
                j += (nxt[j] < total) if side == "left" else (nxt[j] <= total)
        return cast(I64, total - self.base_raw[j])


_LOOKUPS: dict[int, tuple[object, Lookup]] = {}
_LOOKUPS_LOCK = threading.Lock()
_LOOKUPS_KEPT = 16


def lookup(snap: _Compiled) -> Lookup:
    """The :class:`Lookup` of a snapshot, built once per snapshot.

    Keyed by ``id(snapshot)`` and holding the snapshot itself, so an id is
    never reused for another snapshot while its entry lives; a handful of
    entries are kept (a calendar publishes a new snapshot only when it grows).
    """
    hit = _LOOKUPS.get(id(snap))
    if hit is not None and hit[0] is snap:
        return hit[1]
    found = Lookup(snap)
    with _LOOKUPS_LOCK:
        while len(_LOOKUPS) >= _LOOKUPS_KEPT:
            del _LOOKUPS[next(iter(_LOOKUPS))]
        _LOOKUPS[id(snap)] = (snap, found)
    return found


# ---------------------------------------------------------------------- primitives


#: Elements per pass: the temporaries of one chunk stay in the CPU's cache, so a
#: million elements cost about what 30 chunks of 32,768 do, not 20 trips to memory.
_CHUNK = 1 << 15


def _chunks(n: int) -> list[slice]:
    return [slice(i, min(i + _CHUNK, n)) for i in range(0, n, _CHUNK)]


def elapsed_us(cal: Calendar, a: I64, b: I64) -> I64:
    """``cal.elapsed_us`` for each pair of epoch-microsecond instants (each inside the range)."""
    out = np.empty(len(a), dtype=np.int64)
    if not len(a):
        return out
    lo = min(int(a.min()), int(b.min()))
    hi = max(int(a.max()), int(b.max()))
    lk = lookup(cal._engine.covering(lo, hi))
    for part in _chunks(len(a)):
        np.subtract(lk.open_before(b[part]), lk.open_before(a[part]), out=out[part])
    return out


def add_us(cal: Calendar, a: I64, d: I64 | int) -> tuple[I64, Bools]:
    """``cal.add_us`` for each start and duration; also which elements have a result.

    An element without one (the calendar runs out of open time, or the result
    is outside the supported range) holds NaT; the scalar method says why.
    """
    n = len(a)
    d_arr = np.broadcast_to(np.asarray(d, dtype=np.int64), (n,))
    ok = np.ones(n, dtype=np.bool_)
    if not n:
        return np.zeros(0, dtype=np.int64), ok
    d_min, d_max = int(d_arr.min()), int(d_arr.max())
    if d_min == d_max == 0:
        return a.copy(), ok
    engine = cal._engine
    snap = engine.covering(int(a.min()), int(a.max()))
    lk = lookup(snap)
    try:
        cal._check_opens()
    except CalendarNeverOpensError:
        ok = d_arr == 0
        return np.where(ok, a, NAT), ok
    parts = _chunks(n)
    total = np.empty(n, dtype=np.int64)  # open time from the snapshot's start to each target

    def targets(lk: Lookup) -> None:
        for part in parts:
            np.add(lk.open_before(a[part]), d_arr[part], out=total[part])

    targets(lk)
    # grow until every target lies inside the snapshot, as add_us does one at a time
    complete = True
    for forward in (True, False):
        while (forward and int(total.max()) > lk.total) or (not forward and int(total.min()) < 0):
            try:
                snap = engine.grow(snap, forward=forward)
            except OutOfRangeError:
                ok &= (total <= lk.total) if forward else (total >= 0)
                complete = False
                break
            lk = lookup(snap)
            targets(lk)
    if not complete:
        total[~ok] = 0
    if lk.n == 0:
        ok &= d_arr == 0
        return np.where(ok, a, NAT), ok
    result = np.empty(n, dtype=np.int64)
    for part in parts:
        t = total[part]
        if d_min > 0:
            result[part] = lk.at_total(t, "left")
            continue
        step = d_arr[part]
        here = np.where(step > 0, lk.at_total(np.minimum(t, lk.total), "left"), a[part])
        if d_min < 0:
            # below the sum of everything: a backward target always is (d < 0), the others are discarded
            back = lk.at_total(np.minimum(t, lk.total - 1), "right")
            here = np.where(step < 0, back, here)
        result[part] = here
    if int(result.min()) < MIN_US or int(result.max()) >= MAX_US:
        ok &= (result >= MIN_US) & (result < MAX_US)
        complete = False
    if not complete:
        result[~ok] = NAT
    return result, ok


def _is_open_us(cal: Calendar, t: I64) -> Bools:
    if not len(t):
        return np.zeros(0, dtype=np.bool_)
    lk = lookup(cal._engine.covering(int(t.min()), int(t.max())))
    return t < lk.ends[lk.index(t)]


def _next_open_us(cal: Calendar, t: I64) -> tuple[I64, Bools]:
    ok = np.ones(len(t), dtype=np.bool_)
    if not len(t):
        return np.zeros(0, dtype=np.int64), ok
    engine = cal._engine
    snap = engine.covering(int(t.min()), int(t.max()))
    while True:
        lk = lookup(snap)
        i = lk.index(t)
        is_open = t < lk.ends[i]
        result = np.where(is_open, t, lk.starts[i + 1])
        missing = result == _BIG  # closed, and no opening in the snapshot after it
        if not missing.any():
            return result, ok
        try:
            cal._check_opens()
            snap = engine.grow(snap, forward=True)
        except (OutOfRangeError, CalendarNeverOpensError):
            ok = ~missing
            return np.where(ok, result, NAT), ok


# ---------------------------------------------------------------------- inputs


class _Column(NamedTuple):
    """One argument read into int64 microseconds, with where it came from."""

    us: I64  # flat; a placeholder (0) where an element is bad
    bad: Bools | None  # flat; None when every element is good
    kind: Literal["numpy", "series", "list", "scalar"]
    shape: tuple[int, ...]
    series: Any  # the pandas Series it came from, else None
    explain: Callable[[int], SlacalcError]  # the error of the bad element at a flat position


def _is_series(value: object) -> bool:
    pandas = sys.modules.get("pandas")  # a Series means pandas is imported; never import it here
    return pandas is not None and isinstance(value, pandas.Series)


def _label(field: str, series: Any, pos: int) -> str:
    if series is not None:
        return f"{field}[{pos}] (index label {series.index[pos]!r})"
    return f"{field}[{pos}]"


def _instant_error(field: str, value: object) -> SlacalcError:
    """Why one element is not an instant slacalc takes (the scalar methods' wording)."""
    if isinstance(value, datetime):
        if value.utcoffset() is None:
            return NaiveDatetimeError.for_value(field, value)
        return OutOfRangeError.for_value(field, value.isoformat())
    if isinstance(value, np.datetime64):
        if np.isnat(value):
            return CalendarError(f"{field} is NaT (not a time); expected an instant")
        return CalendarError(
            f"{field} is {value!r} inside a list; expected an aware datetime (pass datetime64 "
            "values as one NumPy array: they are read as UTC)"
        )
    if value is None or (isinstance(value, float) and value != value):
        return CalendarError(f"{field} is missing ({value!r}); expected an instant")
    if type(value).__name__ == "NaTType":
        return CalendarError(f"{field} is NaT (not a time); expected an instant")
    return CalendarError(
        f"{field} must be a timezone-aware datetime; got {type(value).__name__} {value!r}"
    )


_FINER = ("ns", "ps", "fs", "as")


def _never(pos: int) -> SlacalcError:  # pragma: no cover - an empty array has no bad element
    raise AssertionError(pos)


_INT64_MAX = int(np.iinfo(np.int64).max)


def _datetime64(
    arr: npt.NDArray[Any], field: str, series: Any = None
) -> tuple[I64, Bools | None, Callable[[int], SlacalcError]]:
    """A datetime64 array (read as UTC) as exact epoch microseconds."""
    unit, _ = np.datetime_data(arr.dtype)
    if unit == "generic":
        msg = f"{field}: datetime64 without a unit; expected e.g. datetime64[us]"
        raise CalendarError(msg)
    flat = np.ascontiguousarray(arr).reshape(-1)
    if not flat.size:
        return np.zeros(0, dtype=np.int64), None, _never
    bad: Bools | None = None
    if arr.dtype == np.dtype("M8[us]"):
        us = flat.view(np.int64)
    else:
        ints = flat.view(np.int64)
        # a day beyond the range, in the array's own unit: anything inside converts without overflow
        lo = int(np.datetime64(MIN_US - DAY_US, "us").astype(arr.dtype).astype(np.int64)) - 1
        hi = int(np.datetime64(MAX_US + DAY_US, "us").astype(arr.dtype).astype(np.int64)) + 1
        if int(ints.min()) < lo or int(ints.max()) > hi:
            bad = (ints < lo) | (ints > hi)  # NaT is the smallest int64
            flat = np.where(bad, np.datetime64(0, "us").astype(arr.dtype), flat)
        us = flat.astype("M8[us]").view(np.int64)
        if unit in _FINER:
            inexact = us.view("M8[us]").astype(arr.dtype) != flat  # digits below a microsecond
            if inexact.any():
                bad = inexact if bad is None else bad | inexact
    if int(us.min()) < MIN_US or int(us.max()) >= MAX_US:
        outside = (us < MIN_US) | (us >= MAX_US)
        bad = outside if bad is None else bad | outside
    if bad is not None:
        us = np.where(bad, 0, us)
    original = arr.reshape(-1)

    def explain(pos: int) -> SlacalcError:
        value = original[pos]
        where = _label(field, series, pos)
        if np.isnat(value):
            return CalendarError(f"{where} is NaT (not a time); expected an instant")
        if unit in _FINER and value.astype("M8[us]").astype(value.dtype) != value:
            return CalendarError(
                f"{where} {value!s} has digits below a microsecond; expected an instant exact "
                "to the microsecond (slacalc rounds nothing)"
            )
        return OutOfRangeError.for_value(where, f"{value!s} (UTC)")

    return us, bad, explain


def _timedelta64(
    arr: npt.NDArray[Any], field: str, series: Any = None
) -> tuple[I64, Bools | None, Callable[[int], SlacalcError]]:
    """A timedelta64 array as exact microseconds."""
    unit, count = np.datetime_data(arr.dtype)
    if unit in ("Y", "M", "generic"):
        msg = (
            f"{field}: timedelta64[{unit}] has no fixed length; expected a unit of weeks or "
            "shorter, e.g. timedelta64[us]"
        )
        raise DurationError(msg)
    flat = np.ascontiguousarray(arr).reshape(-1)
    if not flat.size:
        return np.zeros(0, dtype=np.int64), None, _never
    bad: Bools | None = None
    if arr.dtype == np.dtype("m8[us]"):
        us = flat.view(np.int64)
    else:
        ints = flat.view(np.int64)
        if unit in _FINER:
            per_us = int(np.timedelta64(1, "us").astype(arr.dtype).astype(np.int64))
            limit = min(_MAX_DURATION * per_us, _INT64_MAX - 1)
        else:
            tick = int(np.array([count], dtype=f"m8[{unit}]").astype("m8[us]").view(np.int64)[0])
            limit = _MAX_DURATION // tick + 1
        if int(ints.min()) < -limit or int(ints.max()) > limit:
            bad = (ints < -limit) | (ints > limit)  # NaT is the smallest int64
            flat = np.where(bad, np.timedelta64(0, "us").astype(arr.dtype), flat)
        us = flat.astype("m8[us]").view(np.int64)
        if unit in _FINER:
            inexact = us.view("m8[us]").astype(arr.dtype) != flat
            if inexact.any():
                bad = inexact if bad is None else bad | inexact
    if int(us.min()) < -_MAX_DURATION or int(us.max()) > _MAX_DURATION:
        outside = (us < -_MAX_DURATION) | (us > _MAX_DURATION)
        bad = outside if bad is None else bad | outside
    if bad is not None:
        us = np.where(bad, 0, us)
    original = arr.reshape(-1)

    def explain(pos: int) -> SlacalcError:
        value = original[pos]
        where = _label(field, series, pos)
        if np.isnat(value):
            return DurationError(f"{where} is NaT (not a time); expected a duration")
        if unit in _FINER and value.astype("m8[us]").astype(value.dtype) != value:
            return DurationError(
                f"{where} {value!s} has digits below a microsecond; expected a duration exact "
                "to the microsecond (slacalc rounds nothing)"
            )
        return DurationError(
            f"{where} {value!s} is too long; expected a duration that can end inside the years 1970 to 2200"
        )

    return us, bad, explain


def _objects_as_instants(
    values: list[Any], field: str, series: Any = None
) -> tuple[I64, Bools | None, Callable[[int], SlacalcError]]:
    """Aware datetimes (any zone, pandas Timestamps included) as epoch microseconds."""
    n = len(values)
    try:
        us = np.fromiter(((v - EPOCH) // US for v in values), dtype=np.int64, count=n)
        bad: Bools | None = None
    except (TypeError, ValueError, OverflowError):
        us = np.zeros(n, dtype=np.int64)
        bad = np.zeros(n, dtype=np.bool_)
        for pos, v in enumerate(values):
            try:
                us[pos] = (v - EPOCH) // US
            except (TypeError, ValueError, OverflowError):
                bad[pos] = True
    if n and (int(us.min()) < MIN_US or int(us.max()) >= MAX_US):
        outside = (us < MIN_US) | (us >= MAX_US)
        bad = outside if bad is None else bad | outside
    if bad is not None:
        us = np.where(bad, 0, us)

    def explain(pos: int) -> SlacalcError:
        return _instant_error(_label(field, series, pos), values[pos])

    return us, bad, explain


def _objects_as_durations(
    values: list[Any], field: str, cal: Calendar, series: Any = None
) -> tuple[I64, Bools | None, Callable[[int], SlacalcError]]:
    """Timedeltas, or duration text such as ``"4 hours"`` (each distinct text read once)."""
    n = len(values)
    us = np.zeros(n, dtype=np.int64)
    bad = np.zeros(n, dtype=np.bool_)
    read: dict[object, int | None] = {}
    for pos, v in enumerate(values):
        if type(v) is timedelta:
            us[pos] = v // US
            continue
        key = (type(v), v) if isinstance(v, str | Duration) else None
        if key is not None and key in read:
            found = read[key]
        else:
            try:
                found = _duration_us(cal, v, field)
            except SlacalcError:
                found = None
            if key is not None:
                read[key] = found
        if found is None:
            bad[pos] = True
        else:
            us[pos] = found
    outside = (us < -_MAX_DURATION) | (us > _MAX_DURATION)
    bad |= outside
    us[bad] = 0

    def explain(pos: int) -> SlacalcError:
        where = _label(field, series, pos)
        try:
            _duration_us(cal, values[pos], where)
        except SlacalcError as exc:
            return exc
        return DurationError(
            f"{where} {values[pos]!s} is too long; expected a duration that ends inside the years 1970 to 2200"
        )

    return us, (bad if bad.any() else None), explain


def _duration_us(cal: Calendar, value: object, field: str) -> int:
    """Microseconds of one duration, as ``Calendar.add`` reads it."""
    if isinstance(value, timedelta):
        return value // US
    if isinstance(value, np.timedelta64):
        if np.isnat(value):
            msg = f"{field} is NaT (not a time); expected a duration"
            raise DurationError(msg)
        us = np.timedelta64(value, "us")
        if us != value:
            msg = f"{field} {value!s} has digits below a microsecond; expected a duration exact to the microsecond"
            raise DurationError(msg)
        return int(us.astype(np.int64))
    parsed = parse_duration(value, field)
    if isinstance(parsed, NoObjective):
        msg = f"{field}: {value!r} sets no objective; expected an amount of time"
        raise DurationError(msg)
    return parsed.resolve(cal) // US


def _read(
    value: object, field: str, role: Literal["instant", "duration"], cal: Calendar
) -> _Column:
    """One argument of a batch method, whatever its kind."""
    if isinstance(value, np.ndarray):
        kind: Literal["numpy", "series", "list", "scalar"] = "numpy"
        shape = value.shape
        series = None
        arr: npt.NDArray[Any] = value
    elif _is_series(value):
        kind, series = "series", value
        shape = (len(cast(Any, value)),)
        arr = _series_values(value, field, role)
    elif isinstance(value, datetime | timedelta | str | Duration | np.datetime64 | np.timedelta64):
        kind, series, shape = "scalar", None, ()
        arr = np.array([value], dtype=object)
        if isinstance(value, np.datetime64 | np.timedelta64):
            arr = np.array([value])
    elif isinstance(value, Iterable) and not isinstance(value, bytes | Mapping):
        kind, series = "list", None
        values = list(value)
        shape = (len(values),)
        arr = np.empty(len(values), dtype=object)
        arr[:] = values
    else:
        expected = "datetimes" if role == "instant" else "durations"
        msg = (
            f"{field}: got {type(value).__name__} {value!r}; expected a NumPy array, a pandas "
            f"Series or a sequence of {expected}"
        )
        raise CalendarError(msg) if role == "instant" else DurationError(msg)
    us, bad, explain = _convert(arr, field, role, cal, series)
    return _Column(us, bad, kind, tuple(shape), series, explain)


def _series_values(series: Any, field: str, role: str) -> npt.NDArray[Any]:
    """A Series' values as a NumPy array: datetime64 in UTC, timedelta64, or objects."""
    dtype = series.dtype
    if role == "instant" and getattr(dtype, "tz", None) is not None:
        return np.asarray(series.dt.tz_convert(None).to_numpy())
    kind = getattr(dtype, "kind", "O")
    if kind == "M":
        msg = (
            f"{field}: a Series of naive datetimes ({dtype}); expected a timezone-aware Series "
            "(Series.dt.tz_localize(...)); slacalc never assumes a time zone"
        )
        raise NaiveDatetimeError(msg)
    if role == "duration" and kind == "m":
        return np.asarray(series.to_numpy())
    return np.asarray(series.to_numpy(dtype=object), dtype=object)


def _convert(
    arr: npt.NDArray[Any], field: str, role: str, cal: Calendar, series: Any
) -> tuple[I64, Bools | None, Callable[[int], SlacalcError]]:
    kind = arr.dtype.kind
    if role == "instant":
        if kind == "M":
            return _datetime64(arr, field, series)
        if kind in "OU":
            return _objects_as_instants(
                arr.reshape(-1).tolist() if kind == "U" else list(arr.reshape(-1)), field, series
            )
        msg = (
            f"{field}: an array of {arr.dtype} holds no instants; expected datetime64 values "
            "(read as UTC) or aware datetimes"
        )
        raise CalendarError(msg)
    if kind == "m":
        return _timedelta64(arr, field, series)
    if kind in "OU":
        return _objects_as_durations(
            arr.reshape(-1).tolist() if kind == "U" else list(arr.reshape(-1)), field, cal, series
        )
    msg = (
        f"{field}: an array of {arr.dtype} holds no durations; expected timedelta64 values, "
        "timedeltas or duration text such as '4 hours'"
    )
    raise DurationError(msg)


# ---------------------------------------------------------------------- layout


class _Batch(NamedTuple):
    """The arguments of one call, broadcast to one flat layout."""

    columns: tuple[I64, ...]  # flat, one per argument; bad elements hold a good placeholder
    bad: Bools | None  # flat: an argument's element could not be read
    shape: tuple[int, ...]
    kind: Literal["numpy", "series", "list"]
    series: Any
    inputs: tuple[_Column, ...]


def _layout(inputs: tuple[_Column, ...], names: tuple[str, ...]) -> _Batch:
    """Broadcast the arguments together; the result takes the kind of the first non-scalar one."""
    arrays = [c for c in inputs if c.kind != "scalar"]
    if not arrays:
        msg = (
            f"{', '.join(names)}: all single values; expected at least one NumPy array, Series "
            "or sequence (for one value use the scalar method)"
        )
        raise CalendarError(msg)
    lead = arrays[0]
    shape = lead.shape
    for col, name in zip(inputs, names, strict=True):
        if col.kind == "scalar" or col is lead:
            continue
        if col.kind == "numpy" and lead.kind == "numpy":
            try:
                shape = np.broadcast_shapes(shape, col.shape)
            except ValueError:
                msg = f"{', '.join(names)}: shapes {lead.shape} and {col.shape} do not broadcast together"
                raise CalendarError(msg) from None
        elif col.shape != shape:
            msg = (
                f"{', '.join(names)}: lengths differ ({shape[0] if shape else 1} and "
                f"{col.shape[0] if col.shape else 1}); expected one element of {name} per element "
                f"of {names[0] if col is not inputs[0] else names[1]}"
            )
            raise CalendarError(msg)
        if (
            col.series is not None
            and lead.series is not None
            and not col.series.index.equals(lead.series.index)
        ):
            msg = (
                f"{', '.join(names)}: the two Series have different indexes; expected aligned "
                "Series (a.align(b)): elements are paired by position, never by label"
            )
            raise CalendarError(msg)
    columns: list[I64] = []
    bad: Bools | None = None
    for col in inputs:
        us = col.us if col.shape == shape else np.broadcast_to(col.us.reshape(col.shape), shape)
        flat = np.ascontiguousarray(us).reshape(-1)
        if col.bad is not None:
            mask = (
                col.bad
                if col.shape == shape
                else np.broadcast_to(col.bad.reshape(col.shape), shape)
            )
            mask = np.ascontiguousarray(mask).reshape(-1)
            bad = mask if bad is None else bad | mask
        columns.append(flat)
    if bad is not None:
        good = np.flatnonzero(~bad)
        for k, col in enumerate(inputs):
            if col.bad is not None:
                # a good neighbour's value: a placeholder that compiles no extra years
                fill = columns[k][good[0]] if len(good) else 0
                columns[k] = np.where(bad, fill, columns[k])
    kind = cast(Literal["numpy", "series", "list"], lead.kind)
    return _Batch(tuple(columns), bad, tuple(shape), kind, lead.series, inputs)


def _source(col: _Column, shape: tuple[int, ...], pos: int) -> int:
    """The flat position in *col* of the element broadcast to flat position *pos*."""
    if col.shape == shape:
        return pos
    if col.shape == ():
        return 0
    full = np.unravel_index(pos, shape)[len(shape) - len(col.shape) :]
    index = [0 if size == 1 else int(i) for i, size in zip(full, col.shape, strict=True)]
    return int(np.ravel_multi_index(tuple(index), col.shape))


def _fail(
    batch: _Batch,
    bad: Bools,
    names: tuple[str, ...],
    scalar: Callable[[int], SlacalcError | None],
    coerce_gives: str,
) -> None:
    """Raise the error of the first bad element (``errors="raise"``)."""
    positions = np.flatnonzero(bad)
    for pos in positions.tolist():
        error: SlacalcError | None = None
        if batch.bad is not None and batch.bad[pos]:
            for col in batch.inputs:
                src = _source(col, batch.shape, pos)
                if col.bad is not None and col.bad[src]:
                    error = col.explain(src)
                    break
        else:
            error = scalar(pos)
        if error is None:  # the scalar method has an answer after all: not an error
            continue
        more = len(positions) - 1
        text = str(error)
        if more:
            text += (
                f" (the first of {more + 1} bad elements; errors='coerce' gives {coerce_gives} "
                "for each instead of raising)"
            )
        raise type(error)(text)


def _element(batch: _Batch, names: tuple[str, ...], pos: int, cal: Calendar) -> str:
    """``element 3 (start …, duration …)``: one element of the call, for a message."""
    parts = []
    for name, values in zip(names, batch.columns, strict=True):
        us = int(values[pos])
        role = name.rstrip("s") if name != "instants" else "at"
        shown = (
            from_us(us, cal.tzinfo).isoformat()
            if role != "duration"
            else str(timedelta(microseconds=us))
        )
        parts.append(f"{role} {shown}")
    where = f"{pos}"
    if batch.series is not None:
        where += f" (index label {batch.series.index[pos]!r})"
    return f"element {where} ({', '.join(parts)})"


# ---------------------------------------------------------------------- outputs


def _zone_of(cal: Calendar, tz: tzinfo | None, kind: str) -> tzinfo:
    if tz is None:
        return cal.tzinfo
    if kind == "numpy":
        msg = f"tz: {tz!r} given for NumPy input; datetime64 results are always UTC (tz= applies to Series and lists)"
        raise CalendarError(msg)
    return tz


def _instants_out(batch: _Batch, us: I64, bad: Bools | None, zone: tzinfo) -> Any:
    if bad is not None:
        us = np.where(bad, NAT, us)
    if batch.kind == "numpy":
        return us.view("M8[us]").reshape(batch.shape)
    if batch.kind == "series":
        s = batch.series
        out = type(s)(us.view("M8[us]"), index=s.index, name=s.name, copy=False)
        return out.dt.tz_localize("UTC").dt.tz_convert(zone)
    if bad is None:
        return [from_us(t, zone) for t in us.tolist()]
    return [None if b else from_us(t, zone) for t, b in zip(us.tolist(), bad.tolist(), strict=True)]


def _durations_out(batch: _Batch, us: I64, bad: Bools | None) -> Any:
    if bad is not None:
        us = np.where(bad, NAT, us)
    if batch.kind == "numpy":
        return us.view("m8[us]").reshape(batch.shape)
    if batch.kind == "series":
        s = batch.series
        return type(s)(us.view("m8[us]"), index=s.index, name=s.name, copy=False)
    if bad is None:
        return [timedelta(microseconds=d) for d in us.tolist()]
    return [
        None if b else timedelta(microseconds=d)
        for d, b in zip(us.tolist(), bad.tolist(), strict=True)
    ]


def _flags_out(batch: _Batch, flags: Bools, bad: Bools | None, errors: Errors) -> Any:
    if bad is not None:
        flags = flags & ~bad
    if batch.kind == "numpy":
        return flags.reshape(batch.shape)
    if batch.kind == "series":
        s = batch.series
        if errors == "raise":
            return type(s)(flags, index=s.index, name=s.name, copy=False)
        out = type(s)(flags, index=s.index, name=s.name, dtype="boolean")
        return out if bad is None else out.mask(bad)
    if bad is None:
        return flags.tolist()
    return [None if b else f for f, b in zip(flags.tolist(), bad.tolist(), strict=True)]


def _check_errors(errors: object) -> Errors:
    if errors not in ("raise", "coerce"):
        msg = f"errors: {errors!r}; expected 'raise' or 'coerce'"
        raise CalendarError(msg)
    return errors


# ---------------------------------------------------------------------- the public methods


def add_many(
    cal: Calendar, starts: object, durations: object, errors: object, tz: tzinfo | None
) -> Any:
    """:meth:`Calendar.add_many` (see its docstring)."""
    mode = _check_errors(errors)
    names = ("starts", "durations")
    batch = _layout(
        (_read(starts, names[0], "instant", cal), _read(durations, names[1], "duration", cal)),
        names,
    )
    zone = _zone_of(cal, tz, batch.kind)
    a, d = batch.columns
    result, ok = add_us(cal, a, d)
    bad = ~ok if batch.bad is None else ~ok | batch.bad
    if not bad.any():
        return _instants_out(batch, result, None, zone)
    if mode == "raise":

        def scalar(pos: int) -> SlacalcError | None:
            try:
                result[pos] = cal.add_us(int(a[pos]), int(d[pos]))
            except SlacalcError as exc:
                return type(exc)(f"{_element(batch, names, pos, cal)}: {exc}")
            bad[pos] = False
            return None

        _fail(batch, bad, names, scalar, "NaT")
        if not bad.any():
            return _instants_out(batch, result, None, zone)
    return _instants_out(batch, result, bad, zone)


def elapsed_many(cal: Calendar, starts: object, ends: object, errors: object) -> Any:
    """:meth:`Calendar.elapsed_many` (see its docstring)."""
    mode = _check_errors(errors)
    names = ("starts", "ends")
    batch = _layout(
        (_read(starts, names[0], "instant", cal), _read(ends, names[1], "instant", cal)), names
    )
    a, b = batch.columns
    result = elapsed_us(cal, a, b)
    if batch.bad is not None and mode == "raise":
        _fail(batch, batch.bad, names, lambda pos: None, "NaT")
    return _durations_out(batch, result, batch.bad)


def is_open_many(cal: Calendar, instants: object, errors: object) -> Any:
    """:meth:`Calendar.is_open_many` (see its docstring)."""
    mode = _check_errors(errors)
    names = ("instants",)
    batch = _layout((_read(instants, names[0], "instant", cal),), names)
    (t,) = batch.columns
    flags = _is_open_us(cal, t)
    if batch.bad is not None and mode == "raise":
        _fail(batch, batch.bad, names, lambda pos: None, "False (None in a list, <NA> in a Series)")
    return _flags_out(batch, flags, batch.bad, mode)


def next_open_many(cal: Calendar, instants: object, errors: object, tz: tzinfo | None) -> Any:
    """:meth:`Calendar.next_open_many` (see its docstring)."""
    mode = _check_errors(errors)
    names = ("instants",)
    batch = _layout((_read(instants, names[0], "instant", cal),), names)
    zone = _zone_of(cal, tz, batch.kind)
    (t,) = batch.columns
    result, ok = _next_open_us(cal, t)
    bad = ~ok if batch.bad is None else ~ok | batch.bad
    if not bad.any():
        return _instants_out(batch, result, None, zone)
    if mode == "raise":

        def scalar(pos: int) -> SlacalcError | None:
            try:
                result[pos] = cal.next_open_us(int(t[pos]))
            except SlacalcError as exc:
                return type(exc)(f"{_element(batch, names, pos, cal)}: {exc}")
            bad[pos] = False
            return None

        _fail(batch, bad, names, scalar, "NaT")
        if not bad.any():
            return _instants_out(batch, result, None, zone)
    return _instants_out(batch, result, bad, zone)
