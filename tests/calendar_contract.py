"""Laws every calendar satisfies, whatever its hours: one suite, many calendars.

A test class inherits :class:`CalendarContract` and supplies only fixtures:

* ``calendar`` – the calendar under test;
* ``max_open_per_day`` – the most open time any 24 hours can hold;
* ``business_day`` – what "1 business day" stands for on it;
* ``sample_holidays`` – local weekdays that would be open but are holidays;
* ``sample_open`` / ``sample_closed`` – instants known to be open / closed.

Inputs come in several zones and years 1971-2199 (``strategies.aware_datetimes``).
"""

from __future__ import annotations

import pickle
from datetime import UTC, date, datetime, timedelta
from itertools import pairwise
from zoneinfo import ZoneInfo

from hypothesis import given
from hypothesis import strategies as st

from helpers import as_utc, assert_in_zone
from slacalc import Calendar
from strategies import aware_datetimes, durations

US = timedelta(microseconds=1)
ZERO = timedelta(0)
DAY = timedelta(days=1)
spans = st.integers(0, 60 * 24 * 60).map(lambda m: timedelta(minutes=m))  # up to 60 days


class CalendarContract:
    """Subclass and provide the fixtures named in the module docstring."""

    # ------------------------------------------------------------------ add

    @given(t=aware_datetimes())
    def test_add_zero_is_identity(self, calendar: Calendar, t: datetime) -> None:
        """add(t, 0) is t itself, expressed in the calendar's zone."""
        result = calendar.add(t, ZERO)
        assert as_utc(result) == as_utc(t)
        assert_in_zone(result, calendar.timezone)

    @given(t=aware_datetimes(), d=durations)
    def test_elapsed_of_add_is_the_duration(
        self, calendar: Calendar, t: datetime, d: timedelta
    ) -> None:
        """elapsed(t, add(t, d)) == d, forwards and backwards, to the microsecond."""
        assert calendar.elapsed(t, calendar.add(t, d)) == d
        assert calendar.elapsed(calendar.add(t, -d), t) == d

    @given(t=aware_datetimes(), d1=durations, d2=durations)
    def test_add_is_monotone(
        self, calendar: Calendar, t: datetime, d1: timedelta, d2: timedelta
    ) -> None:
        """a longer duration never lands earlier; a negative one never later."""
        d1, d2 = sorted([d1, d2])
        assert as_utc(calendar.add(t, d1)) <= as_utc(calendar.add(t, d2))
        assert as_utc(calendar.add(t, -d2)) <= as_utc(calendar.add(t, -d1))

    @given(t=aware_datetimes(), d=durations)
    def test_add_lands_next_to_open_time(
        self, calendar: Calendar, t: datetime, d: timedelta
    ) -> None:
        """a forward result has open time just before it; a backward one is open."""
        if d == ZERO:
            return
        forward = as_utc(calendar.add(t, d))
        backward = as_utc(calendar.add(t, -d))
        assert calendar.is_open(forward - US)
        assert calendar.is_open(backward)

    @given(t=aware_datetimes(), d=durations)
    def test_results_are_in_the_calendar_zone(
        self, calendar: Calendar, t: datetime, d: timedelta
    ) -> None:
        """results are aware datetimes in the calendar's zone, whatever zone the input had."""
        assert_in_zone(calendar.add(t, d), calendar.timezone)
        assert_in_zone(calendar.next_open(t), calendar.timezone)

    # ------------------------------------------------------------------ elapsed

    @given(a=aware_datetimes(), gap1=spans, gap2=spans)
    def test_elapsed_is_additive_and_antisymmetric(
        self, calendar: Calendar, a: datetime, gap1: timedelta, gap2: timedelta
    ) -> None:
        """elapsed(a, c) == elapsed(a, b) + elapsed(b, c) and elapsed(c, a) == -elapsed(a, c)."""
        b = as_utc(a) + gap1
        c = b + gap2
        assert calendar.elapsed(a, c) == calendar.elapsed(a, b) + calendar.elapsed(b, c)
        assert calendar.elapsed(c, a) == -calendar.elapsed(a, c)
        assert ZERO <= calendar.elapsed(a, b) <= gap1

    @given(a=aware_datetimes(), b=aware_datetimes(), c=aware_datetimes())
    def test_elapsed_is_additive_across_far_apart_years(
        self, calendar: Calendar, a: datetime, b: datetime, c: datetime
    ) -> None:
        """a split point anywhere in 1971-2199 splits elapsed exactly (compiled ranges join up)."""
        assert calendar.elapsed(a, c) == calendar.elapsed(a, b) + calendar.elapsed(b, c)

    @given(t=aware_datetimes())
    def test_no_24_hours_hold_more_than_a_days_opening(
        self, calendar: Calendar, t: datetime, max_open_per_day: timedelta
    ) -> None:
        """any 24 hours of absolute time hold at most the calendar's longest day of opening."""
        assert calendar.elapsed(t, as_utc(t) + DAY) <= max_open_per_day

    @given(t=aware_datetimes(), gap=spans)
    def test_inputs_in_any_zone_give_the_same_answers(
        self, calendar: Calendar, t: datetime, gap: timedelta
    ) -> None:
        """the same instants written in other zones give the same elapsed time."""
        end = as_utc(t) + gap
        expected = calendar.elapsed(t, end)
        for zone in ("UTC", "America/New_York", "Australia/Lord_Howe"):
            tz = ZoneInfo(zone)
            assert calendar.elapsed(t.astimezone(tz), end.astimezone(tz)) == expected

    # ------------------------------------------------------------------ open time

    @given(t=aware_datetimes())
    def test_next_open_is_open_with_nothing_open_before_it(
        self, calendar: Calendar, t: datetime
    ) -> None:
        """next_open(t) is open, not before t, and no open time lies between."""
        opening = calendar.next_open(t)
        assert as_utc(opening) >= as_utc(t)
        assert calendar.is_open(opening)
        assert calendar.elapsed(t, opening) == ZERO

    @given(t=aware_datetimes(), gap=spans)
    def test_open_intervals_are_merged_and_sum_to_elapsed(
        self, calendar: Calendar, t: datetime, gap: timedelta
    ) -> None:
        """open intervals are ordered, disjoint and never touching; open at start, closed at end."""
        end = as_utc(t) + gap
        intervals = [(as_utc(i.start), as_utc(i.end)) for i in calendar.open_intervals(t, end)]
        for before, after in pairwise(intervals):
            assert before[1] < after[0]
        for start, stop in intervals:
            assert as_utc(t) <= start < stop <= end
            assert calendar.is_open(start)
            assert calendar.is_open(stop - US)
            assert stop == end or not calendar.is_open(stop)
        assert sum((stop - start for start, stop in intervals), ZERO) == calendar.elapsed(t, end)

    def test_sample_instants(
        self, calendar: Calendar, sample_open: list[datetime], sample_closed: list[datetime]
    ) -> None:
        """the instants known to be open are open; those known to be closed are closed."""
        assert all(calendar.is_open(t) for t in sample_open)
        assert not any(calendar.is_open(t) for t in sample_closed)

    def test_holidays_are_closed(self, calendar: Calendar, sample_holidays: list[date]) -> None:
        """a holiday holds no open time from its local midnight to the next."""
        zone = calendar.tzinfo
        for day in sample_holidays:
            start = datetime(day.year, day.month, day.day, tzinfo=zone)
            end = datetime.combine(day + DAY, start.timetz())
            assert calendar.elapsed(start, end) == ZERO, day
            assert calendar.open_intervals(start, end) == []

    # ------------------------------------------------------------------ business day

    def test_business_day(self, calendar: Calendar, business_day: timedelta) -> None:
        """business_day is the expected length, and '1 business day' is that much open time."""
        assert calendar.business_day == business_day
        start = datetime(2026, 3, 2, 8, tzinfo=calendar.tzinfo)
        assert as_utc(calendar.add(start, "1 business day")) == as_utc(
            calendar.add(start, business_day)
        )
        assert as_utc(calendar.add(start, "3 business days")) == as_utc(
            calendar.add(start, 3 * business_day)
        )

    # ------------------------------------------------------------------ identity

    def test_pickle_round_trip(self, calendar: Calendar) -> None:
        """a calendar survives pickling: equal, and giving the same answers."""
        clone = pickle.loads(pickle.dumps(calendar))
        assert clone == calendar
        assert hash(clone) == hash(calendar)
        start = datetime(2026, 12, 23, 15, tzinfo=UTC)
        assert as_utc(clone.add(start, timedelta(hours=30))) == as_utc(
            calendar.add(start, timedelta(hours=30))
        )

    def test_config_rebuilds_an_equal_calendar(self, calendar: Calendar) -> None:
        """Calendar(**calendar.config()) is the same calendar."""
        assert Calendar(**calendar.config()) == calendar

    @given(t=aware_datetimes(), gap=spans)
    def test_combining_with_itself_changes_nothing(
        self, calendar: Calendar, t: datetime, gap: timedelta
    ) -> None:
        """cal & cal and cal | cal are open exactly when cal is."""
        end = as_utc(t) + gap
        expected = calendar.elapsed(t, end)
        assert (calendar & calendar).elapsed(t, end) == expected
        assert (calendar | calendar).elapsed(t, end) == expected

    def test_the_whole_supported_range(self, calendar: Calendar) -> None:
        """1970 to 2200 works, and the whole span splits exactly at any year."""
        first = datetime(1970, 1, 1, tzinfo=UTC)
        last = datetime(2200, 12, 31, 23, 59, tzinfo=UTC)
        middle = datetime(2101, 1, 1, tzinfo=UTC)
        total = calendar.elapsed(first, last)
        assert total == calendar.elapsed(first, middle) + calendar.elapsed(middle, last)
        assert as_utc(calendar.add(first, total)) <= last
