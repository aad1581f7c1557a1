"""Properties of the calendar engine on random schedules, checked against a brute-force reference.

Every example builds a random calendar (0-3 windows a day, overnight windows,
24:00 ends, whole days, 24x7; CH-SG or US-NY holidays; closed and special
dates) in Europe/Zurich, America/New_York, Australia/Lord_Howe or UTC, and a
few days around an instant chosen near a DST transition, a holiday or
anywhere in 1971-2199. ``reference.Timeline`` answers the same questions by
walking those days minute by minute.
"""

from __future__ import annotations

import pickle
from datetime import UTC, datetime, timedelta
from itertools import pairwise
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from helpers import as_utc
from reference import MINUTE, Timeline, holiday_dates, parse_hours
from slacalc import Calendar
from slacalc.exceptions import CalendarNeverOpensError, OutOfRangeError
from strategies import (
    CalendarCase,
    calendar_cases,
    calendar_pairs,
    durations_back_from,
    durations_from,
    in_zone,
    instants,
    microseconds,
)

US = timedelta(microseconds=1)
ZERO = timedelta(0)
QUERIES = 4  # queries per random calendar: "thousands of cases" at ~100-200 calendars per test


def weekly_never_opens(case: CalendarCase) -> bool:
    """The weekly hours have no window at all (only special dates could open the calendar)."""
    return not any(parse_hours(case.hours).values())


def check_add_forward(case: CalendarCase, timeline: Timeline, start, duration) -> None:
    """``cal.add(start, duration)`` is what the reference says (or beyond the reference's reach)."""
    calendar = case.calendar
    expected = timeline.add(start, duration)
    try:
        result = as_utc(calendar.add(start, duration))
    except (CalendarNeverOpensError, OutOfRangeError):
        assert expected is None
        assert weekly_never_opens(case)
        return
    if expected is None:
        assert result >= timeline.hi
        assert calendar.elapsed(start, timeline.hi) < duration
    else:
        assert result == expected, (start, duration, result, expected)
    assert calendar.add(start, duration).tzinfo is calendar.tzinfo


def check_add_backward(case: CalendarCase, timeline: Timeline, start, duration) -> None:
    """``cal.add(start, -duration)`` is the latest instant the reference finds (or before its reach)."""
    calendar = case.calendar
    expected = timeline.add(start, -duration)
    try:
        result = as_utc(calendar.add(start, -duration))
    except (CalendarNeverOpensError, OutOfRangeError):
        assert expected is None
        assert weekly_never_opens(case)
        return
    if expected is None:
        assert result < timeline.lo
        assert calendar.elapsed(timeline.lo, start) < duration
    else:
        assert result == expected, (start, -duration, result, expected)


class TestAgreesWithReference:
    @given(calendar_cases(), st.data())
    def test_elapsed(self, case, data):
        """elapsed counts exactly the open minutes the reference counts, in either direction."""
        for _ in range(QUERIES):
            a = data.draw(instants(case), label="a")
            b = data.draw(instants(case), label="b")
            expected = case.timeline.elapsed(a, b)
            assert case.calendar.elapsed(data.draw(in_zone(a)), data.draw(in_zone(b))) == expected

    @given(calendar_cases(), st.data())
    def test_add(self, case, data):
        """add lands on the earliest instant the reference reaches, closing times included."""
        for _ in range(QUERIES):
            start = data.draw(instants(case), label="start")
            duration = data.draw(durations_from(case, start), label="duration")
            check_add_forward(case, case.timeline, data.draw(in_zone(start)), duration)

    @given(calendar_cases(), st.data())
    def test_negative_add(self, case, data):
        """a negative add lands on the latest instant the reference reaches going back."""
        for _ in range(QUERIES):
            start = data.draw(instants(case), label="start")
            duration = data.draw(durations_back_from(case, start), label="duration back")
            check_add_backward(case, case.timeline, start, duration)

    @given(calendar_cases(), st.data())
    def test_is_open_and_next_open(self, case, data):
        """is_open and next_open agree with the reference minute by minute."""
        timeline = case.timeline
        for _ in range(QUERIES):
            at = data.draw(instants(case), label="at")
            if at >= timeline.hi:
                continue
            assert case.calendar.is_open(at) == timeline.is_open(at)
            expected = timeline.next_open(at)
            if expected is not None:
                assert as_utc(case.calendar.next_open(at)) == expected
            elif not weekly_never_opens(case):
                assert as_utc(case.calendar.next_open(at)) >= timeline.hi

    @given(calendar_cases())
    def test_open_intervals(self, case):
        """open_intervals over the whole range are the reference's maximal open runs."""
        intervals = case.calendar.open_intervals(case.lo, case.hi)
        assert [(as_utc(i.start), as_utc(i.end)) for i in intervals] == case.timeline.intervals()
        for interval in intervals:
            assert interval.start.tzinfo is case.calendar.tzinfo

    @given(calendar_cases(), st.permutations(["past", "future", "here"]))
    def test_answers_do_not_depend_on_what_was_compiled_first(self, case, order):
        """a fresh calendar that first grew a decade back and a decade on (any order) still agrees."""
        calendar = case.build()
        decade = timedelta(days=3653)
        far = {
            "past": max(case.lo - decade, datetime(1971, 1, 1, tzinfo=UTC)),
            "future": min(case.hi + decade, datetime(2199, 12, 1, tzinfo=UTC)),
        }
        for step in order:
            calendar.is_open(far.get(step, case.lo))
        intervals = calendar.open_intervals(case.lo, case.hi)
        assert [(as_utc(i.start), as_utc(i.end)) for i in intervals] == case.timeline.intervals()
        expected = case.timeline.elapsed(case.lo, case.hi)
        assert calendar.elapsed(case.lo, case.hi) == expected

    @given(calendar_cases())
    def test_holidays_between(self, case):
        """holidays_between lists exactly the closed, special and holiday dates of the range."""
        zone = ZoneInfo(case.timezone)
        first, last = case.lo.astimezone(zone).date(), case.hi.astimezone(zone).date()
        holiday_set = holiday_dates(case.holidays, first.year, last.year)
        expected = []
        day = first
        while day <= last:
            if day in case.special or day in case.closed or day in holiday_set:
                expected.append(day)
            day += timedelta(days=1)
        assert [day for day, _ in case.calendar.holidays_between(case.lo, case.hi)] == expected


class TestLaws:
    @given(calendar_cases())
    def test_config_and_pickle_round_trip(self, case):
        """Calendar(**config()), pickle and repr all rebuild an equal calendar with the same hours."""
        calendar = case.calendar
        for clone in (Calendar(**calendar.config()), pickle.loads(pickle.dumps(calendar))):
            assert clone == calendar
            assert clone.business_day == calendar.business_day
            intervals = clone.open_intervals(case.lo, case.hi)
            assert [
                (as_utc(i.start), as_utc(i.end)) for i in intervals
            ] == case.timeline.intervals()

    @given(calendar_cases(), st.data())
    def test_elapsed_of_add_is_the_duration(self, case, data):
        """elapsed(a, add(a, d)) == d, and elapsed(add(a, -d), a) == d."""
        calendar = case.calendar
        if weekly_never_opens(case):
            return
        for _ in range(QUERIES):
            a = data.draw(instants(case), label="a")
            d = data.draw(durations_from(case, a), label="d") + data.draw(
                st.sampled_from([ZERO, ZERO, US, 59 * US, MINUTE - US])
            )
            assert calendar.elapsed(a, calendar.add(a, d)) == d
            assert calendar.elapsed(calendar.add(a, -d), a) == d

    @given(calendar_cases(), st.data())
    def test_add_zero_is_identity(self, case, data):
        """add(t, 0) == t, open or closed, in any input zone."""
        t = data.draw(instants(case)) + data.draw(st.sampled_from([ZERO, US, 30 * US]))
        result = case.calendar.add(data.draw(in_zone(t)), ZERO)
        assert as_utc(result) == t
        assert result.tzinfo is case.calendar.tzinfo

    @given(calendar_cases(), st.data())
    def test_add_is_monotone_in_duration(self, case, data):
        """a longer duration never gives an earlier instant, forwards or backwards."""
        if weekly_never_opens(case):
            return
        a = data.draw(instants(case), label="a")
        d1 = data.draw(durations_from(case, a), label="d1")
        d2 = data.draw(durations_from(case, a), label="d2")
        d1, d2 = sorted([d1, d2])
        add = case.calendar.add
        assert as_utc(add(a, d1)) <= as_utc(add(a, d2))
        assert as_utc(add(a, -d2)) <= as_utc(add(a, -d1))

    @given(calendar_cases(), st.data())
    def test_add_is_monotone_in_start(self, case, data):
        """a later start never gives an earlier instant, forwards or backwards."""
        if weekly_never_opens(case):
            return
        a1, a2 = sorted(
            [data.draw(instants(case), label="a1"), data.draw(instants(case), label="a2")]
        )
        d = data.draw(durations_from(case, a2), label="d")
        add = case.calendar.add
        assert as_utc(add(a1, d)) <= as_utc(add(a2, d))
        assert as_utc(add(a1, -d)) <= as_utc(add(a2, -d))

    @given(calendar_cases(), st.data())
    def test_elapsed_is_additive_and_antisymmetric(self, case, data):
        """elapsed(a, c) == elapsed(a, b) + elapsed(b, c) for any order; elapsed(b, a) == -elapsed(a, b)."""
        calendar = case.calendar
        a, b, c = (data.draw(instants(case)) + data.draw(microseconds) for _ in range(3))
        assert calendar.elapsed(a, c) == calendar.elapsed(a, b) + calendar.elapsed(b, c)
        assert calendar.elapsed(b, a) == -calendar.elapsed(a, b)
        assert calendar.elapsed(a, a) == ZERO

    @given(calendar_cases(), st.data())
    def test_results_never_fall_inside_closed_time(self, case, data):
        """add(a, d>0) has open time just before it; add(a, d<0) is open (an opening or inside)."""
        calendar = case.calendar
        if weekly_never_opens(case):
            return
        for _ in range(QUERIES):
            aligned = data.draw(instants(case), label="a")
            a = aligned + data.draw(st.sampled_from([ZERO, 7 * US]))
            d = data.draw(durations_from(case, aligned), label="d") + data.draw(
                st.sampled_from([ZERO, US])
            )
            if d > ZERO:
                forward = as_utc(calendar.add(a, d))
                assert calendar.is_open(forward - US)
                # earliest: one microsecond less does not suffice
                assert calendar.elapsed(a, forward - US) == d - US
                backward = as_utc(calendar.add(a, -d))
                assert calendar.is_open(backward)
                # latest: starting one microsecond later is not enough
                assert calendar.elapsed(backward + US, a) == d - US

    @given(calendar_cases(), st.data())
    def test_add_of_elapsed_reaches_back_to_open_time(self, case, data):
        """r = add(a, elapsed(a, b)) is at most b with no open time between r and b."""
        calendar = case.calendar
        a, b = sorted([data.draw(instants(case)), data.draw(instants(case))])
        r = as_utc(calendar.add(a, calendar.elapsed(a, b)))
        assert a <= r <= b
        assert calendar.elapsed(r, b) == ZERO

    @given(calendar_cases(), st.data())
    def test_next_open(self, case, data):
        """next_open(t) is t when open, otherwise an opening with no open time before it."""
        calendar = case.calendar
        if weekly_never_opens(case):
            return
        t = data.draw(instants(case)) + data.draw(st.sampled_from([ZERO, US]))
        opening = as_utc(calendar.next_open(t))
        assert opening >= t
        assert calendar.is_open(opening)
        assert calendar.elapsed(t, opening) == ZERO
        assert (opening == t) == calendar.is_open(t)
        if opening > t:
            assert not calendar.is_open(opening - US)

    @given(calendar_cases())
    def test_open_intervals_are_merged_and_account_for_elapsed(self, case):
        """open intervals are sorted, disjoint, never touching, and sum to elapsed."""
        calendar = case.calendar
        intervals = calendar.open_intervals(case.lo, case.hi)
        for interval in intervals:
            assert as_utc(interval.start) < as_utc(interval.end)
            assert calendar.is_open(interval.start)
            assert not calendar.is_open(interval.end) or as_utc(interval.end) == case.hi
        for before, after in pairwise(intervals):
            assert as_utc(before.end) < as_utc(after.start)
        total = sum((as_utc(i.end) - as_utc(i.start) for i in intervals), ZERO)
        assert total == calendar.elapsed(case.lo, case.hi)


class TestMicroseconds:
    @given(calendar_cases(), st.data())
    def test_elapsed_shifts_exactly_inside_an_open_minute(self, case, data):
        """moving an end (or start) by δ inside open time changes elapsed by exactly δ."""
        timeline = case.timeline
        open_minutes = timeline.open_minutes()
        if not open_minutes:
            return
        m = data.draw(st.sampled_from(open_minutes), label="open minute")
        delta = data.draw(microseconds, label="δ")
        a = data.draw(instants(case), label="a")
        if a <= m:
            assert case.calendar.elapsed(a, m + delta) == timeline.elapsed(a, m) + delta
        else:
            b = m + MINUTE
            assert case.calendar.elapsed(m + delta, a) == timeline.elapsed(b, a) + MINUTE - delta

    @given(calendar_cases(), st.data())
    def test_add_is_exact_to_the_microsecond(self, case, data):
        """add(a, d + δ) is δ into the minute the reference counts next, for 0 < δ <= 1 min."""
        timeline = case.timeline
        start = data.draw(instants(case), label="start")
        d = data.draw(durations_from(case, start), label="d")
        delta = data.draw(microseconds, label="δ")
        next_minute_end = timeline.add(start, d + MINUTE)
        if next_minute_end is None:
            return
        assert as_utc(case.calendar.add(start, d + delta)) == next_minute_end - MINUTE + delta

    @given(calendar_cases(), st.data())
    def test_start_inside_an_open_minute(self, case, data):
        """starting δ into an open minute counts δ less: add(m + δ, d) == add(m, d + δ)."""
        timeline = case.timeline
        open_minutes = timeline.open_minutes()
        if not open_minutes or weekly_never_opens(case):
            return
        m = data.draw(st.sampled_from(open_minutes), label="open minute")
        delta = data.draw(microseconds, label="δ")
        d = data.draw(durations_from(case, m), label="d")
        assert as_utc(case.calendar.add(m + delta, d)) == as_utc(case.calendar.add(m, d + delta))


class TestCombined:
    @given(calendar_pairs(), st.data())
    def test_intersection_and_union_agree_with_reference(self, pair, data):
        """a & b is open where both are, a | b where either is: elapsed, add, is_open, intervals."""
        first, second = pair
        both = first.calendar & second.calendar
        either = first.calendar | second.calendar
        for calendar, timeline in (
            (both, first.timeline.both(second.timeline)),
            (either, first.timeline.either(second.timeline)),
        ):
            intervals = calendar.open_intervals(first.lo, first.hi)
            assert [(as_utc(i.start), as_utc(i.end)) for i in intervals] == timeline.intervals()
            for _ in range(QUERIES):
                a = data.draw(instants(first), label="a")
                b = data.draw(instants(first), label="b")
                assert calendar.elapsed(a, b) == timeline.elapsed(a, b)
                if a < timeline.hi:
                    assert calendar.is_open(a) == timeline.is_open(a)
                expected = timeline.add(a, timeline.elapsed(a, b))
                if a <= b and expected is not None:
                    assert as_utc(calendar.add(a, calendar.elapsed(a, b))) == expected
            assert calendar.tzinfo is first.calendar.tzinfo

    @given(calendar_pairs(), st.data())
    def test_inclusion_exclusion(self, pair, data):
        """e(a & b) <= min(e(a), e(b)), e(a | b) >= max, and e(a & b) + e(a | b) == e(a) + e(b)."""
        first, second = pair
        a, b = first.calendar, second.calendar
        start = data.draw(instants(first)) + data.draw(microseconds)
        end = data.draw(instants(first))
        e_a, e_b = a.elapsed(start, end), b.elapsed(start, end)
        e_and, e_or = (a & b).elapsed(start, end), (a | b).elapsed(start, end)
        if start <= end:
            assert e_and <= min(e_a, e_b)
            assert e_or >= max(e_a, e_b)
        assert e_and + e_or == e_a + e_b


@pytest.mark.parametrize("zones", [("UTC",), ("Australia/Lord_Howe",)])
@given(data=st.data())
def test_single_zone_agreement(zones, data):
    """Zone by zone too (UTC has no DST; Lord Howe's clocks move by 30 minutes)."""
    case = data.draw(calendar_cases(zones), label="case")
    a = data.draw(instants(case), label="a")
    b = data.draw(instants(case), label="b")
    assert case.calendar.elapsed(a, b) == case.timeline.elapsed(a, b)
    d = data.draw(durations_from(case, a), label="d")
    check_add_forward(case, case.timeline, a, d)
