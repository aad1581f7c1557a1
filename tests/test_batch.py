"""The batch calendar methods (SPEC §10): ``add_many``, ``elapsed_many``, ``is_open_many``, ``next_open_many``.

The scalar methods are checked against a brute-force reference elsewhere
(``test_calendar_laws.py``); here every batch answer is checked against them,
element by element, on Hypothesis-generated calendars (DST, overnight
windows, holidays, closed and special dates, 24x7) and instants biased to
window edges and DST changes. The batch call always runs on a freshly built
calendar, so it must compile the years its inputs need by itself.
"""

from __future__ import annotations

import subprocess
import sys
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from helpers import as_utc, zdt
from slacalc import Calendar
from slacalc.calendars import always_open, office_hours
from slacalc.exceptions import (
    CalendarError,
    CalendarNeverOpensError,
    DurationError,
    NaiveDatetimeError,
    OutOfRangeError,
    SlacalcError,
)
from strategies import (
    CalendarCase,
    aware_datetimes,
    calendar_cases,
    durations,
    durations_back_from,
    durations_from,
    in_zone,
    instants,
)

np = pytest.importorskip("numpy")
pd = pytest.importorskip("pandas")

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
US = timedelta(microseconds=1)
ZURICH = ZoneInfo("Europe/Zurich")
KINDS = ("numpy", "series", "list")
_FRESH: dict[str, Calendar] = {}


def us(value: datetime) -> int:
    return (value - EPOCH) // US


def as_kind(kind: str, values: list[datetime]) -> object:
    """The same instants as a NumPy array (UTC), a zoned Series, or the list itself."""
    if kind == "numpy":
        return np.array([us(v) for v in values], dtype=np.int64).view("M8[us]")
    if kind == "series":
        utc = pd.Series(np.array([us(v) for v in values], dtype=np.int64).view("M8[us]"))
        return utc.dt.tz_localize("UTC").dt.tz_convert("America/New_York")
    return values


def durations_as(kind: str, values: list[timedelta]) -> object:
    if kind == "numpy":
        return np.array([d // US for d in values], dtype=np.int64).view("m8[us]")
    if kind == "series":
        return pd.Series(np.array([d // US for d in values], dtype=np.int64).view("m8[us]"))
    return values


def instants_back(kind: str, result: object, n: int) -> list[int | None]:
    """Epoch µs (None for NaT/None) of a batch result of instants, whatever its kind."""
    if kind == "numpy":
        assert isinstance(result, np.ndarray)
        assert result.dtype == np.dtype("M8[us]")
        return [None if np.isnat(v) else int(v.astype(np.int64)) for v in result]
    if kind == "series":
        assert isinstance(result, pd.Series)
        assert str(result.dtype).startswith("datetime64[us, ")
        return [None if pd.isna(v) else us(v.to_pydatetime()) for v in result]
    assert isinstance(result, list)
    assert len(result) == n
    return [None if v is None else us(v) for v in result]


def scalar_or_none(call, *args):
    try:
        return call(*args)
    except (OutOfRangeError, CalendarNeverOpensError):
        return None


def never_opens(case: CalendarCase) -> bool:
    return case.calendar.open_intervals(case.lo, case.hi) == []


class TestEqualsScalarMethods:
    """On random calendars, every element equals the scalar method's answer."""

    @given(calendar_cases(), st.data(), st.sampled_from(KINDS))
    def test_add_many(self, case, data, kind):
        """add_many equals add element by element: forward, backward, zero, to window edges."""
        scalar = case.calendar
        starts = data.draw(st.lists(instants(case), min_size=1, max_size=12), label="starts")
        steps = []
        for start in starts:
            forward = data.draw(durations_from(case, start))
            back = data.draw(durations_back_from(case, start))
            steps.append(data.draw(st.sampled_from([forward, -back, timedelta(0)])))
        zoned = [data.draw(in_zone(s)) for s in starts]
        result = case.build().add_many(
            as_kind(kind, zoned), durations_as(kind, steps), errors="coerce"
        )
        got = instants_back(kind, result, len(starts))
        for start, step, value in zip(starts, steps, got, strict=True):
            expected = scalar_or_none(scalar.add, start, step)
            assert value == (None if expected is None else us(expected)), (start, step)

    @given(calendar_cases(), st.data(), st.sampled_from(KINDS))
    def test_elapsed_many(self, case, data, kind):
        """elapsed_many equals elapsed, and swapping the arguments negates every element."""
        scalar = case.calendar
        starts = data.draw(st.lists(instants(case), min_size=1, max_size=12), label="starts")
        ends = data.draw(
            st.lists(instants(case), min_size=len(starts), max_size=len(starts)), label="ends"
        )
        fresh = case.build()
        there = fresh.elapsed_many(as_kind(kind, starts), as_kind(kind, ends))
        back = fresh.elapsed_many(as_kind(kind, ends), as_kind(kind, starts))
        if kind == "numpy":
            assert there.dtype == np.dtype("m8[us]")
            there, back = list(there.astype(timedelta)), list(back.astype(timedelta))
        elif kind == "series":
            assert there.dtype == np.dtype("m8[us]")
            there, back = [t.to_pytimedelta() for t in there], [t.to_pytimedelta() for t in back]
        expected = [scalar.elapsed(a, b) for a, b in zip(starts, ends, strict=True)]
        assert there == expected
        assert back == [-e for e in expected]

    @given(calendar_cases(), st.data(), st.sampled_from(KINDS))
    def test_is_open_many_and_next_open_many(self, case, data, kind):
        """is_open_many and next_open_many equal is_open and next_open, on edges and DST changes."""
        scalar = case.calendar
        at = data.draw(st.lists(instants(case), min_size=1, max_size=12), label="at")
        fresh = case.build()
        flags = fresh.is_open_many(as_kind(kind, at))
        flags = flags.tolist() if kind != "list" else flags
        assert flags == [scalar.is_open(t) for t in at]
        if never_opens(case):
            return
        opens = instants_back(
            kind, fresh.next_open_many(as_kind(kind, at), errors="coerce"), len(at)
        )
        for t, value in zip(at, opens, strict=True):
            expected = scalar_or_none(scalar.next_open, t)
            assert value == (None if expected is None else us(expected))

    @pytest.mark.parametrize("name", ["office", "extended", "always"])
    @given(data=st.data())
    def test_presets_over_the_whole_range(self, name, data, request):
        """On the presets, instants anywhere in 1971-2199 and durations up to 400 h agree."""
        scalar = request.getfixturevalue(name)
        starts = data.draw(st.lists(aware_datetimes(), min_size=1, max_size=10))
        steps = data.draw(
            st.lists(durations, min_size=len(starts), max_size=len(starts)).map(
                lambda ds: [d if i % 2 else -d for i, d in enumerate(ds)]
            )
        )
        # one fresh calendar per preset, grown only by the batch calls of this test
        fresh = _FRESH.setdefault(name, Calendar(**scalar.config()))
        got = instants_back("list", fresh.add_many(starts, steps), len(starts))
        assert got == [us(scalar.add(s, d)) for s, d in zip(starts, steps, strict=True)]
        ends = [s + d for s, d in zip(starts, steps, strict=True)]
        assert fresh.elapsed_many(starts, ends) == [
            scalar.elapsed(a, b) for a, b in zip(starts, ends, strict=True)
        ]

    def test_many_edges_in_one_bucket(self):
        """A day of one-minute windows (the binary-search fallback of the lookup) agrees too."""
        windows = [f"08:{m:02d}-08:{m + 1:02d}" for m in range(0, 58, 2)]
        cal = Calendar(
            timezone="Europe/Zurich",
            hours={"mon-fri": "08:00-17:00"},
            special={"2026-03-04": windows},
        )
        from slacalc._engine import batch

        starts = [zdt("2026-03-04 07:59") + k * timedelta(seconds=17) for k in range(400)]
        steps = [k * timedelta(seconds=7) for k in range(400)]
        got = cal.add_many(starts, steps)
        assert batch.lookup(cal._engine.covering(us(starts[0]), us(starts[-1])))._ttab is None
        assert got == [cal.add(s, d) for s, d in zip(starts, steps, strict=True)]
        assert cal.elapsed_many(starts, got) == steps
        assert cal.is_open_many(starts) == [cal.is_open(s) for s in starts]

    def test_long_arrays_across_chunks(self):
        """70,000 elements (more than one internal chunk), mixed signs: every one equals the scalar answer."""
        from slacalc._engine import batch

        n = 70_000
        assert n > 2 * batch._CHUNK
        rng = np.random.default_rng(5)
        lo, hi = us(zdt("2026-01-01 00:00")), us(zdt("2028-01-01 00:00"))
        starts = rng.integers(lo, hi, n)
        steps = rng.integers(-60 * 3600 * 10**6, 60 * 3600 * 10**6, n)
        steps[::7] = 0
        ends = starts + rng.integers(-10 * 86400 * 10**6, 10 * 86400 * 10**6, n)
        office = office_hours()
        due = office_hours().add_many(starts.view("M8[us]"), steps.view("m8[us]"))
        used = office_hours().elapsed_many(starts.view("M8[us]"), ends.view("M8[us]"))
        for k in range(n):
            start = EPOCH + timedelta(microseconds=int(starts[k]))
            step = timedelta(microseconds=int(steps[k]))
            end = EPOCH + timedelta(microseconds=int(ends[k]))
            assert int(due[k].astype(np.int64)) == us(office.add(start, step))
            assert int(used[k].astype(np.int64)) == office.elapsed(start, end) // US

    def test_grows_to_every_input(self):
        """A fresh calendar asked about 1975 and 2150 in one call compiles both (and what lies between)."""
        office = office_hours()
        starts = [zdt("1975-06-02 10:00"), zdt("2150-06-02 10:00"), zdt("2026-03-06 16:00")]
        steps = [timedelta(hours=-500), timedelta(hours=500), timedelta(hours=2)]
        assert office_hours().add_many(starts, steps) == [
            office.add(s, d) for s, d in zip(starts, steps, strict=True)
        ]


class TestHandComputed:
    """Examples with the arithmetic written out."""

    def test_friday_afternoon_and_saturday(self):
        """Fri 16:00 + 2 h on 08-17 is Mon 09:00 (1 h Friday, 1 h Monday); Sat 11:00 + 2 h is Mon 10:00."""
        starts = np.array(["2026-03-06T15:00", "2026-03-07T10:00"], dtype="M8[us]")  # UTC
        result = office_hours().add_many(starts, np.timedelta64(2, "h"))
        # Mon 09:00 and 10:00 Zurich are 08:00 and 09:00 UTC
        assert result.tolist() == [datetime(2026, 3, 9, 8), datetime(2026, 3, 9, 9)]

    def test_closing_time_and_negative(self):
        """Mon 08:00 + 9 h is Mon 17:00 (closing time); Mon 17:00 - 9 h is Mon 08:00."""
        office = office_hours()
        assert office.add_many([zdt("2026-03-02 08:00")], timedelta(hours=9)) == [
            zdt("2026-03-02 17:00")
        ]
        assert office.add_many([zdt("2026-03-02 17:00")], timedelta(hours=-9)) == [
            zdt("2026-03-02 08:00")
        ]

    def test_dst_on_24x7(self):
        """24x7: 2026-03-29 01:50 + 30 min is 03:20 (the clocks jump an hour); the DST day holds 23 h."""
        always = always_open()
        assert always.add_many([zdt("2026-03-29 01:50")], "30 minutes") == [zdt("2026-03-29 03:20")]
        day = always.elapsed_many([zdt("2026-03-29 00:00")], [zdt("2026-03-30 00:00")])
        assert day == [timedelta(hours=23)]

    def test_overnight_window_into_a_holiday(self):
        """22-06 on CH-SG: Thu 24 Dec 20:00 → Mon 28 Dec 08:00 holds only Thursday's night, 8 h."""
        night = Calendar(
            timezone="Europe/Zurich", hours={"mon-fri": "22:00-06:00"}, holidays="CH-SG"
        )
        got = night.elapsed_many(
            pd.Series([zdt("2026-12-24 20:00")]), pd.Series([zdt("2026-12-28 08:00")])
        )
        assert got.tolist() == [pd.Timedelta(hours=8)]

    def test_business_day_text(self):
        """'1 business day' is 9 h on office hours: Mon 10:00 + 1 business day is Tue 10:00."""
        office = office_hours()
        assert office.add_many([zdt("2026-03-02 10:00")], ["1 business day"]) == [
            zdt("2026-03-03 10:00")
        ]

    def test_next_open(self):
        """next_open_many: open instants are themselves; Saturday opens Monday 08:00; 17:00 is closed."""
        office = office_hours()
        at = [zdt("2026-03-02 09:00"), zdt("2026-03-07 12:00"), zdt("2026-03-02 17:00")]
        assert office.next_open_many(at) == [
            zdt("2026-03-02 09:00"),
            zdt("2026-03-09 08:00"),
            zdt("2026-03-03 08:00"),
        ]
        assert office.is_open_many(at) == [True, False, False]


class TestInputsAndOutputs:
    def test_numpy_units_are_converted_exactly(self):
        """datetime64 in s, ms, ns (whole µs) and m read as the same UTC instants."""
        office = office_hours()
        expected = office.add_many(
            np.array(["2026-03-02T09:00:00"], dtype="M8[us]"), np.timedelta64(90, "m")
        )
        for unit in ("s", "ms", "ns", "m"):
            starts = np.array(["2026-03-02T09:00"], dtype=f"M8[{unit}]")
            durs = np.array([90], dtype="m8[m]").astype(f"m8[{unit}]")
            assert office.add_many(starts, durs).tolist() == expected.tolist()

    def test_numpy_arrays_broadcast(self):
        """A (2, 1) array of starts and 3 durations give a (2, 3) array, each the scalar answer."""
        office = office_hours()
        starts = np.array([["2026-03-02T08:00"], ["2026-03-06T15:00"]], dtype="M8[us]")
        durs = np.array([0, 1, 10], dtype="m8[h]")
        got = office.add_many(starts, durs)
        assert got.shape == (2, 3)
        for i in range(2):
            for j in range(3):
                start = starts[i, 0].astype(datetime).replace(tzinfo=UTC)
                step = durs[j].astype(timedelta)
                assert got[i, j].astype(datetime).replace(tzinfo=UTC) == office.add(start, step)

    def test_series_keep_index_and_name_in_the_calendar_zone(self):
        """A Series in comes out with its index and name, in the calendar's zone (or tz=)."""
        office = office_hours()
        opened = pd.Series(
            pd.to_datetime(["2026-03-02T08:00Z", "2026-03-07T10:00Z"]),
            index=pd.Index(["T-1", "T-2"], name="id"),
            name="opened_at",
        )
        due = office.add_many(opened, pd.Series(pd.to_timedelta(["4h", "1h"]), index=opened.index))
        assert list(due.index) == ["T-1", "T-2"]
        assert due.index.name == "id"
        assert due.name == "opened_at"
        assert str(due.dtype) == "datetime64[us, Europe/Zurich]"
        assert [t.to_pydatetime() for t in due] == [
            office.add(t.to_pydatetime(), d)
            for t, d in zip(opened, [timedelta(hours=4), timedelta(hours=1)], strict=True)
        ]
        in_utc = office.add_many(opened, ["4h", "1h"], tz="UTC")
        assert str(in_utc.dtype) == "datetime64[us, UTC]"
        assert (in_utc == due).all()
        used = office.elapsed_many(opened, due)
        assert used.dtype == np.dtype("m8[us]")
        assert list(used.index) == ["T-1", "T-2"]
        assert office.is_open_many(opened).dtype == np.dtype(bool)

    def test_lists_are_in_the_calendar_zone(self):
        """A list of datetimes in any zones comes back as datetimes in the calendar's zone (or tz=)."""
        office = office_hours()
        starts = [datetime(2026, 3, 2, 3, tzinfo=ZoneInfo("America/New_York"))]  # 09:00 Zurich
        (due,) = office.add_many(starts, timedelta(hours=1))
        assert due.tzinfo is office.tzinfo
        assert due == zdt("2026-03-02 10:00")
        (in_ny,) = office.add_many(starts, timedelta(hours=1), tz="America/New_York")
        assert in_ny.tzinfo == ZoneInfo("America/New_York")
        assert in_ny.utcoffset() == timedelta(hours=-5)
        assert as_utc(in_ny) == as_utc(due)

    def test_one_start_many_durations(self):
        """A single start broadcasts against many durations (and one end against many starts)."""
        office = office_hours()
        start = zdt("2026-03-02 08:00")
        assert office.add_many(start, ["1h", "9h", "10h"]) == [
            zdt("2026-03-02 09:00"),
            zdt("2026-03-02 17:00"),
            zdt("2026-03-03 09:00"),
        ]
        got = office.add_many(
            np.datetime64("2026-03-02T07:00", "us"), np.array([1, 9], dtype="m8[h]")
        )
        assert got.tolist() == [datetime(2026, 3, 2, 8), datetime(2026, 3, 2, 16)]
        assert office.elapsed_many(
            [zdt("2026-03-02 08:00"), zdt("2026-03-02 16:00")], zdt("2026-03-02 17:00")
        ) == [
            timedelta(hours=9),
            timedelta(hours=1),
        ]

    def test_empty(self):
        """Empty inputs give empty outputs of the right kind."""
        office = office_hours()
        assert office.add_many([], timedelta(hours=1)) == []
        got = office.add_many(np.array([], dtype="M8[us]"), np.array([], dtype="m8[us]"))
        assert got.shape == (0,)
        assert got.dtype == np.dtype("M8[us]")
        assert office.is_open_many(np.array([], dtype="M8[s]")).shape == (0,)


class TestErrors:
    def test_nat_names_the_first_bad_index(self):
        """NaT at positions 2 and 4: one error naming position 2 and that there are 2."""
        starts = np.array(
            ["2026-03-02T08:00", "2026-03-02T09:00", "NaT", "2026-03-02T10:00", "NaT"],
            dtype="M8[s]",
        )
        with pytest.raises(CalendarError, match=r"starts\[2\] is NaT.*the first of 2 bad elements"):
            office_hours().add_many(starts, np.timedelta64(1, "h"))

    def test_naive_datetime_in_a_list(self):
        """A naive datetime in a list is a NaiveDatetimeError naming its position and value."""
        starts = [zdt("2026-03-02 08:00"), datetime(2026, 3, 2, 9)]
        with pytest.raises(
            NaiveDatetimeError,
            match=r"starts\[1\] must be a timezone-aware datetime; got naive datetime.datetime\(2026, 3, 2, 9, 0\)",
        ):
            office_hours().add_many(starts, timedelta(hours=1))
        with pytest.raises(NaiveDatetimeError, match=r"ends\[1\]"):
            office_hours().elapsed_many(starts[0], starts)

    def test_out_of_range(self):
        """An instant in 2300 is out of range, named by position, in any input kind."""
        with pytest.raises(
            OutOfRangeError, match=r"instants\[1\] 2300-01-01 \(UTC\) is out of range"
        ):
            office_hours().is_open_many(np.array(["2026-01-01", "2300-01-01"], dtype="M8[D]"))
        with pytest.raises(
            OutOfRangeError, match=r"starts\[0\] 1969-01-01T00:00:00\+00:00 is out of range"
        ):
            office_hours().add_many([datetime(1969, 1, 1, tzinfo=UTC)], timedelta(0))

    def test_digits_below_a_microsecond(self):
        """A nanosecond that is not a whole microsecond is refused, not rounded."""
        starts = np.array(
            ["2026-03-02T08:00:00.000000000", "2026-03-02T08:00:00.000000001"], dtype="M8[ns]"
        )
        with pytest.raises(CalendarError, match=r"starts\[1\] .* has digits below a microsecond"):
            office_hours().add_many(starts, np.timedelta64(1, "h"))
        with pytest.raises(DurationError, match=r"durations\[0\] .* below a microsecond"):
            office_hours().add_many(starts[:1], np.array([1500], dtype="m8[ns]"))

    def test_result_out_of_range(self):
        """A result after 2200 is an error naming the element, its start and its duration."""
        starts = [zdt("2026-03-02 08:00"), zdt("2200-12-31 10:00")]
        with pytest.raises(
            OutOfRangeError,
            match=r"element 1 \(start 2200-12-31T10:00:00\+01:00, duration 1000 days, 0:00:00\): result is beyond the supported range",
        ):
            always_open().add_many(starts, timedelta(days=1000))
        got = always_open().add_many(starts, timedelta(days=1000), errors="coerce")
        assert got == [always_open().add(starts[0], timedelta(days=1000)), None]

    def test_wrong_dtypes_and_shapes(self):
        """Plain numbers, naive Series, calendar-month durations, unequal lengths: clear errors."""
        office = office_hours()
        with pytest.raises(CalendarError, match=r"starts: an array of int64 holds no instants"):
            office.add_many(np.array([1, 2]), timedelta(hours=1))
        with pytest.raises(NaiveDatetimeError, match=r"starts: a Series of naive datetimes"):
            office.add_many(pd.Series(pd.to_datetime(["2026-03-02"])), timedelta(hours=1))
        with pytest.raises(DurationError, match=r"timedelta64\[M\] has no fixed length"):
            office.add_many(np.array(["2026-03-02"], dtype="M8[D]"), np.array([1], dtype="m8[M]"))
        with pytest.raises(CalendarError, match=r"lengths differ \(1 and 2\)"):
            office.add_many([zdt("2026-03-02 08:00")], [timedelta(0), timedelta(0)])
        with pytest.raises(CalendarError, match=r"shapes \(2,\) and \(3,\) do not broadcast"):
            office.elapsed_many(np.zeros(2, dtype="M8[s]"), np.zeros(3, dtype="M8[s]"))
        with pytest.raises(CalendarError, match=r"all single values"):
            office.add_many(zdt("2026-03-02 08:00"), timedelta(0))
        with pytest.raises(CalendarError, match=r"errors: 'ignore'; expected 'raise' or 'coerce'"):
            office.is_open_many([zdt("2026-03-02 08:00")], errors="ignore")
        with pytest.raises(
            CalendarError, match=r"tz: zoneinfo.ZoneInfo\(key='UTC'\) given for NumPy input"
        ):
            office.next_open_many(np.zeros(1, dtype="M8[s]") + np.timedelta64(20000, "D"), tz="UTC")

    def test_series_with_different_indexes(self):
        """Two Series are paired by position only when their indexes are equal; otherwise an error."""
        a = pd.Series([zdt("2026-03-02 08:00")], index=["x"])
        b = pd.Series([zdt("2026-03-02 09:00")], index=["y"])
        with pytest.raises(CalendarError, match="different indexes"):
            office_hours().elapsed_many(a, b)

    def test_bad_duration_text(self):
        """A bad or no-objective duration string is a DurationError naming its position."""
        starts = [zdt("2026-03-02 08:00")] * 3
        with pytest.raises(DurationError, match=r"durations\[1\].*'4 fortnights'"):
            office_hours().add_many(starts, ["1h", "4 fortnights", "best effort"])
        with pytest.raises(DurationError, match=r"durations\[2\]: 'best effort' sets no objective"):
            office_hours().add_many(starts, ["1h", "2h", "best effort"])

    def test_series_error_names_the_label(self):
        """A bad element of a Series is named by position and by its index label."""
        s = pd.Series(pd.to_datetime(["2026-03-02T08:00Z", None], utc=True), index=["T-1", "T-2"])
        with pytest.raises(CalendarError, match=r"instants\[1\] \(index label 'T-2'\) is NaT"):
            office_hours().is_open_many(s)

    def test_coerce_marks_bad_elements_and_keeps_the_good(self):
        """errors='coerce': NaT / None / <NA> (False in a bool array) for the bad, answers for the rest."""
        office = office_hours()
        good = zdt("2026-03-02 09:00")
        mixed = [good, datetime(2026, 3, 2, 9), None, "soon", good]
        assert office.add_many(mixed, timedelta(hours=1), errors="coerce") == [
            zdt("2026-03-02 10:00"),
            None,
            None,
            None,
            zdt("2026-03-02 10:00"),
        ]
        assert office.is_open_many(mixed, errors="coerce") == [True, None, None, None, True]
        assert office.elapsed_many(mixed, good, errors="coerce") == [
            timedelta(0),
            None,
            None,
            None,
            timedelta(0),
        ]
        arr = np.array(["2026-03-02T08:00", "NaT"], dtype="M8[us]")
        assert office.is_open_many(arr, errors="coerce").tolist() == [True, False]
        assert np.isnat(office.next_open_many(arr, errors="coerce")).tolist() == [False, True]
        flags = office.is_open_many(pd.Series(arr).dt.tz_localize("UTC"), errors="coerce")
        assert str(flags.dtype) == "boolean"
        assert flags.isna().tolist() == [False, True]

    def test_calendar_that_never_opens(self):
        """A calendar without open hours: add_many raises the scalar error for the first non-zero duration."""
        shut = Calendar(hours={"mon": []})
        starts = [zdt("2026-03-02 08:00")] * 2
        assert shut.add_many(starts, [timedelta(0), timedelta(hours=1)], errors="coerce") == [
            starts[0],
            None,
        ]
        with pytest.raises(
            CalendarNeverOpensError, match=r"element 1 .*calendar has no open hours"
        ):
            shut.add_many(starts, [timedelta(0), timedelta(hours=1)])
        with pytest.raises(CalendarNeverOpensError):
            shut.next_open_many(starts)

    def test_every_error_is_a_slacalc_error(self):
        """Whatever the bad input, the error is a SlacalcError and a ValueError."""
        for bad in ([object()], [float("nan")], np.array(["x"], dtype=object), 42):
            with pytest.raises(SlacalcError) as info:
                office_hours().is_open_many(bad)
            assert isinstance(info.value, ValueError)


class TestEngineConstants:
    def test_batch_uses_the_calendar_constants(self):
        """The batch engine's range and epoch are the calendar's (both import them from _engine.epoch)."""
        from slacalc._engine import batch, calendar

        assert (batch.EPOCH, batch.US) == (calendar.EPOCH, calendar.US)
        assert (batch.MIN_US, batch.MAX_US) == (calendar.MIN_US, calendar.MAX_US)
        assert batch.from_us(123_456_789, ZURICH) == calendar.from_us(123_456_789, ZURICH)


class TestOptionalNumPy:
    def _run(self, code: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-c", code], capture_output=True, text=True, check=False, timeout=60
        )

    def test_scalar_use_never_imports_numpy(self):
        """``import slacalc`` and the scalar methods leave NumPy unimported."""
        result = self._run(
            "import sys, datetime as d, slacalc\n"
            "from slacalc.calendars import office_hours\n"
            "t = d.datetime(2026, 3, 2, 8, tzinfo=d.UTC)\n"
            "office_hours().add(t, d.timedelta(hours=1)); office_hours().elapsed(t, t)\n"
            "print('numpy' in sys.modules)"
        )
        assert result.stdout.strip() == "False", result.stderr

    def test_missing_numpy_names_the_extra(self):
        """Without NumPy, a batch method raises ImportError saying pip install 'slacalc[pandas]'."""
        result = self._run(
            "import sys; sys.modules['numpy'] = None\n"
            "import datetime as d\n"
            "from slacalc.calendars import office_hours\n"
            "t = d.datetime(2026, 3, 2, 8, tzinfo=d.UTC)\n"
            "try:\n"
            "    office_hours().add_many([t], d.timedelta(hours=1))\n"
            "except ImportError as exc:\n"
            "    print(exc)\n"
        )
        assert "add_many" in result.stdout, result.stderr
        assert "pip install 'slacalc[pandas]'" in result.stdout
