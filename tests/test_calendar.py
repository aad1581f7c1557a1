"""The calendar engine by example: the spec's worked examples, DST, holidays, combinations.

Every expected value here is computed by hand; the arithmetic is in a comment.
"""

from __future__ import annotations

import csv
import pickle
import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

from calendar_contract import CalendarContract
from helpers import as_utc, assert_in_zone, assert_same, hours, minutes, utc, zdt
from slacalc import Calendar, HolidaySpec, Interval, SlacalcWarning
from slacalc.calendars import always_open, extended_hours, office_hours
from slacalc.exceptions import CalendarNeverOpensError

GOLDEN = Path(__file__).parent / "golden"
OPTIONAL_SG = {"country": "CH", "subdiv": "SG", "categories": ["public", "optional"]}


def weekly(
    hours_: dict[str, object] | str, tz: str = "Europe/Zurich", **kwargs: object
) -> Calendar:
    return Calendar(timezone=tz, hours=hours_, **kwargs)  # type: ignore[arg-type]


# ---------------------------------------------------------------------- the contract, three times


class TestOfficeHours(CalendarContract):
    @pytest.fixture(scope="class")
    @classmethod
    def calendar(cls) -> Calendar:
        return office_hours()

    @pytest.fixture(scope="class")
    @classmethod
    def max_open_per_day(cls) -> timedelta:
        return hours(9)

    @pytest.fixture(scope="class")
    @classmethod
    def business_day(cls) -> timedelta:
        return hours(9)

    @pytest.fixture(scope="class")
    @classmethod
    def sample_holidays(cls) -> list[date]:
        # Good Friday, Easter Monday, Ascension, Christmas (Fri), Stephen's Day 2025 (Fri), 2150 too
        return [
            date(2026, 4, 3),
            date(2026, 4, 6),
            date(2026, 5, 14),
            date(2026, 12, 25),
            date(2025, 12, 26),
            date(2150, 12, 25),
        ]

    @pytest.fixture(scope="class")
    @classmethod
    def sample_open(cls) -> list[datetime]:
        return [zdt("2026-03-02 08:00"), zdt("2026-03-02 16:59:59.999999"), zdt("2026-01-02 10:00")]

    @pytest.fixture(scope="class")
    @classmethod
    def sample_closed(cls) -> list[datetime]:
        return [zdt("2026-03-02 17:00"), zdt("2026-03-02 07:59:59.999999"), zdt("2026-03-07 12:00")]


class TestExtendedHours(CalendarContract):
    @pytest.fixture(scope="class")
    @classmethod
    def calendar(cls) -> Calendar:
        return extended_hours()

    @pytest.fixture(scope="class")
    @classmethod
    def max_open_per_day(cls) -> timedelta:
        return hours(12)

    @pytest.fixture(scope="class")
    @classmethod
    def business_day(cls) -> timedelta:
        return hours(12)

    @pytest.fixture(scope="class")
    @classmethod
    def sample_holidays(cls) -> list[date]:
        return [date(2026, 4, 3), date(2026, 12, 25), date(2027, 1, 1)]

    @pytest.fixture(scope="class")
    @classmethod
    def sample_open(cls) -> list[datetime]:
        return [zdt("2026-03-02 07:00"), zdt("2026-03-02 18:59"), zdt("2026-03-30 07:00")]

    @pytest.fixture(scope="class")
    @classmethod
    def sample_closed(cls) -> list[datetime]:
        return [zdt("2026-03-02 19:00"), zdt("2026-03-02 06:59"), zdt("2026-03-08 12:00")]


class TestAlwaysOpen(CalendarContract):
    @pytest.fixture(scope="class")
    @classmethod
    def calendar(cls) -> Calendar:
        return always_open()

    @pytest.fixture(scope="class")
    @classmethod
    def max_open_per_day(cls) -> timedelta:
        return hours(24)

    @pytest.fixture(scope="class")
    @classmethod
    def business_day(cls) -> timedelta:
        return hours(24)

    @pytest.fixture(scope="class")
    @classmethod
    def sample_holidays(cls) -> list[date]:
        return []

    @pytest.fixture(scope="class")
    @classmethod
    def sample_open(cls) -> list[datetime]:
        return [zdt("2026-12-25 03:00"), zdt("2026-03-29 03:00"), zdt("2026-10-25 02:30", fold=1)]

    @pytest.fixture(scope="class")
    @classmethod
    def sample_closed(cls) -> list[datetime]:
        return []


# ---------------------------------------------------------------------- SPEC §3.1


class TestSpecWorkedExamples:
    def test_office_monday_nine_hours_is_due_at_closing(self, office):
        """Mon 08:00 + 9 h on 08-17 is Mon 17:00, the closing time, not Tue 08:00."""
        # 08:00 + 9 h of the 08:00-17:00 window = 17:00
        assert_same(office.add(zdt("2026-03-02 08:00"), hours(9)), zdt("2026-03-02 17:00+01:00"))

    def test_office_saturday_one_hour_is_monday_nine(self, office):
        """Sat 10:00 + 1 h waits for Monday's opening: Mon 09:00+01:00."""
        # Sat and Sun closed; Mon opens 08:00; + 1 h = 09:00 (CET, +01:00)
        assert_same(office.add(zdt("2026-03-07 10:00"), hours(1)), zdt("2026-03-09 09:00+01:00"))

    def test_always_open_across_the_spring_gap(self, always):
        """01:50+01:00 + 30 minutes on the night clocks jump 02:00 -> 03:00 is 03:20+02:00."""
        # 10 min to 02:00 CET (= 03:00 CEST), then 20 min more
        result = always.add(zdt("2026-03-29 01:50+01:00"), minutes(30))
        assert_same(result, zdt("2026-03-29 03:20+02:00"))

    def test_office_elapsed_over_the_new_year(self, office):
        """elapsed(2026-12-23 15:00, 2027-01-04 09:30) on office hours is 48.5 h."""
        # Dec 23: 15-17 = 2 h; Dec 24: 9 h; Dec 25, 26 holidays, 27 Sunday;
        # Dec 28-31: 4 x 9 h = 36 h; Jan 1 holiday, 2-3 weekend; Jan 4: 08:00-09:30 = 1.5 h
        # 2 + 9 + 36 + 1.5 = 48.5 h
        assert office.elapsed(zdt("2026-12-23 15:00"), zdt("2027-01-04 09:30")) == hours(48.5)


class TestStGallenHolidays:
    def test_berchtoldstag_is_a_working_day_by_default(self, office):
        """2 January (optional in St. Gallen) is open by default."""
        # Fri 2026-01-02: 08:00-17:00
        assert office.is_open(zdt("2026-01-02 10:00"))
        assert office.elapsed(zdt("2026-01-02 00:00"), zdt("2026-01-03 00:00")) == hours(9)

    def test_stephens_day_is_closed(self, office):
        """26 December is a public holiday in St. Gallen."""
        # Fri 2025-12-26
        assert not office.is_open(zdt("2025-12-26 10:00"))
        assert office.elapsed(zdt("2025-12-26 00:00"), zdt("2025-12-27 00:00")) == timedelta(0)

    def test_asking_for_optional_holidays_closes_berchtoldstag_and_warns(self):
        """categories=['public', 'optional'] closes 2 January, with a SlacalcWarning."""
        with pytest.warns(SlacalcWarning, match="optional"):
            calendar = office_hours(holidays=OPTIONAL_SG)
        assert not calendar.is_open(zdt("2026-01-02 10:00"))
        # Fri Jan 2 closed: Thu Jan 1 holiday, so Mon Jan 5 08:00 is the next opening
        assert_same(calendar.next_open(zdt("2026-01-02 10:00")), zdt("2026-01-05 08:00"))

    def test_the_warning_points_at_the_callers_line(self):
        """the optional-category warning names the line that built the calendar, not slacalc's."""
        with pytest.warns(SlacalcWarning) as record:
            Calendar(timezone="Europe/Zurich", hours="24x7", holidays=OPTIONAL_SG)
        assert record[0].filename == __file__

    def test_holidays_after_2100_regression(self, office):
        """holidays keep closing days after 2100 (the holidays package stops at 2100 by default)."""
        # Christmas 2150 is a Friday; Easter 2150 is April 12 (Good Friday April 10)
        assert not office.is_open(zdt("2150-12-25 10:00"))
        assert not office.is_open(zdt("2150-04-10 10:00"))
        assert not office.is_open(zdt("2199-12-25 10:00"))
        assert office.is_open(zdt("2150-12-24 10:00"))

    def test_holidays_between_names_them(self, office):
        """holidays_between lists the holidays (English names) of the local dates touched."""
        found = office.holidays_between(zdt("2026-12-20 00:00"), zdt("2027-01-05 00:00"))
        assert found == [
            (date(2026, 12, 25), "Christmas Day"),
            (date(2026, 12, 26), "Saint Stephen's Day"),
            (date(2027, 1, 1), "New Year's Day"),
        ]

    def test_holidays_between_labels_closed_and_special_dates(self):
        """closed and special dates are listed too, special hours winning over a holiday."""
        calendar = Calendar(
            timezone="Europe/Zurich",
            hours={"mon-fri": "08:00-17:00"},
            holidays={"country": "CH", "subdiv": "SG"},
            closed=["2026-12-24"],
            special={"2026-12-25": "08:00-12:00"},
        )
        found = calendar.holidays_between(zdt("2026-12-24 00:00"), zdt("2026-12-26 12:00"))
        assert found == [
            (date(2026, 12, 24), "closed"),
            (date(2026, 12, 25), "special hours"),
            (date(2026, 12, 26), "Saint Stephen's Day"),
        ]


# ---------------------------------------------------------------------- add / elapsed


class TestAdd:
    def test_a_target_running_out_at_closing_time_is_due_then(self, office):
        """16:00 + 1 h is 17:00 the same day; one microsecond more is next morning."""
        assert_same(office.add(zdt("2026-03-02 16:00"), hours(1)), zdt("2026-03-02 17:00"))
        # Tue 08:00 + the 1 µs left over
        assert_same(
            office.add(zdt("2026-03-02 16:00"), hours(1) + timedelta(microseconds=1)),
            zdt("2026-03-03 08:00:00.000001"),
        )

    def test_from_closed_time_the_clock_starts_at_the_next_opening(self, office):
        """a start before opening counts from the opening."""
        # Mon 06:00 -> opens 08:00, + 2 h = 10:00
        assert_same(office.add(zdt("2026-03-02 06:00"), hours(2)), zdt("2026-03-02 10:00"))

    def test_zero_duration_from_closed_time_stays_put(self, office):
        """add(t, 0) is t even when t is closed."""
        assert_same(office.add(zdt("2026-03-07 10:00"), timedelta(0)), zdt("2026-03-07 10:00"))

    def test_negative_duration_gives_the_latest_instant(self, office):
        """Tue 10:00 - 2 h is Tue 08:00 (the latest such instant), not Mon 17:00."""
        # Tue 08:00-10:00 holds exactly 2 h; any t in [Mon 17:00, Tue 08:00] works; latest wins
        assert_same(office.add(zdt("2026-03-03 10:00"), -hours(2)), zdt("2026-03-03 08:00"))

    def test_negative_duration_crosses_back_over_the_night(self, office):
        """Tue 09:00 - 2 h is Mon 16:00."""
        # 1 h on Tue (08-09), 1 h on Mon (16-17)
        assert_same(office.add(zdt("2026-03-03 09:00"), -hours(2)), zdt("2026-03-02 16:00"))

    def test_over_the_easter_weekend(self, extended):
        """SPEC §3.1 Zitadel example on the calendar alone: Thu 18:00 + 2 bh is Tue 08:00."""
        # Thu 2026-04-02 18:00-19:00 = 1 h; Fri (Good Friday), Sat, Sun, Mon (Easter Monday) closed;
        # Tue 07:00 + 1 h = 08:00
        result = extended.add(zdt("2026-04-02 18:00"), hours(2))
        assert_same(result, zdt("2026-04-07 08:00+02:00"))
        # responded 08:20: 20 business minutes late
        assert extended.elapsed(result, zdt("2026-04-07 08:20")) == minutes(20)

    def test_words_and_iso_durations(self, office):
        """strings work as durations: '4 business hours', 'PT4H', '1 business day', 'P1D'."""
        start = zdt("2026-03-02 08:00")
        assert_same(office.add(start, "4 business hours"), zdt("2026-03-02 12:00"))
        assert_same(office.add(start, "PT4H"), zdt("2026-03-02 12:00"))
        # 1 business day = 9 h on 08-17
        assert_same(office.add(start, "1 business day"), zdt("2026-03-02 17:00"))
        assert_same(office.add(start, "P1D"), zdt("2026-03-02 17:00"))
        # 3 business days = 27 h: Mon 9, Tue 9, Wed 9 -> Wed 17:00
        assert_same(office.add(start, "3 business days"), zdt("2026-03-04 17:00"))

    def test_one_business_day_on_always_open_is_24_hours(self, always):
        """always_open's business day is 24 h, across DST as real elapsed time."""
        # Sat 2026-03-28 12:00 CET + 24 h of real time = Sun 13:00 CEST (the night lost an hour)
        assert_same(always.add(zdt("2026-03-28 12:00"), "1 business day"), zdt("2026-03-29 13:00"))

    def test_results_are_in_the_calendars_zone(self, office):
        """an input in UTC gives a result in Europe/Zurich."""
        result = office.add(utc("2026-03-02 07:00"), hours(1))
        assert_in_zone(result, "Europe/Zurich")
        assert_same(result, zdt("2026-03-02 09:00"))

    def test_microseconds_are_kept(self, office):
        """nothing is rounded to minutes: 1 µs after opening + 1 µs."""
        start = zdt("2026-03-02 08:00:00.000001")
        assert_same(office.add(start, timedelta(microseconds=1)), zdt("2026-03-02 08:00:00.000002"))
        assert office.elapsed(start, zdt("2026-03-02 09:00")) == hours(1) - timedelta(
            microseconds=1
        )


class TestElapsed:
    def test_is_antisymmetric(self, office):
        """elapsed(b, a) == -elapsed(a, b)."""
        a, b = zdt("2026-12-23 15:00"), zdt("2027-01-04 09:30")
        assert office.elapsed(b, a) == -hours(48.5)

    def test_of_an_empty_range_is_zero(self, office):
        """elapsed(t, t) is zero, open or not."""
        assert office.elapsed(zdt("2026-03-02 10:00"), zdt("2026-03-02 10:00")) == timedelta(0)

    def test_over_a_whole_week(self, office):
        """a plain week holds 5 x 9 h = 45 h."""
        assert office.elapsed(zdt("2026-03-02 00:00"), zdt("2026-03-09 00:00")) == hours(45)

    def test_five_years_of_always_open_is_wall_time(self, always):
        """on a 24x7 calendar, elapsed is the real time between the instants."""
        a, b = zdt("2026-01-01 00:00"), zdt("2031-01-01 00:00")
        assert always.elapsed(a, b) == as_utc(b) - as_utc(a)


class TestDaylightSaving:
    def test_a_night_window_across_the_spring_change_holds_seven_hours(self):
        """sat 22:00-06:00 on 28/29 March: 22:00+01:00 = 21:00Z to 06:00+02:00 = 04:00Z."""
        calendar = weekly({"sat": "22:00-06:00"})
        night = calendar.open_intervals(zdt("2026-03-28 12:00"), zdt("2026-03-29 12:00"))
        assert night == [Interval(utc("2026-03-28 21:00"), utc("2026-03-29 04:00"))]

    def test_a_night_window_across_the_autumn_change_holds_nine_hours(self):
        """sat 22:00-06:00 on 24/25 October: 22:00+02:00 = 20:00Z to 06:00+01:00 = 05:00Z."""
        calendar = weekly({"sat": "22:00-06:00"})
        night = calendar.elapsed(zdt("2026-10-24 12:00"), zdt("2026-10-25 12:00"))
        assert night == hours(9)

    def test_a_window_ending_at_midnight_of_a_change_day(self):
        """sat 20:00-24:00 before the spring change: 24:00 is Sunday 00:00+01:00 = Sat 23:00Z."""
        calendar = weekly({"sat": "20:00-24:00"})
        evening = calendar.open_intervals(zdt("2026-03-28 12:00"), zdt("2026-03-29 12:00"))
        assert evening == [Interval(utc("2026-03-28 19:00"), utc("2026-03-28 23:00"))]

    def test_spring_forward_window_holds_two_hours(self):
        """01:00-04:00 on the day clocks go 02:00 -> 03:00 holds 2 h, not 3."""
        calendar = weekly({"sun": "01:00-04:00"})
        # 01:00+01:00 = 00:00Z to 04:00+02:00 = 02:00Z
        assert calendar.elapsed(zdt("2026-03-29 00:00"), zdt("2026-03-30 00:00")) == hours(2)

    def test_fall_back_window_holds_four_hours(self):
        """01:00-04:00 on the day clocks go 03:00 -> 02:00 holds 4 h."""
        calendar = weekly({"sun": "01:00-04:00"})
        # 01:00+02:00 = 23:00Z (Sat) to 04:00+01:00 = 03:00Z
        assert calendar.elapsed(zdt("2026-10-25 00:00"), zdt("2026-10-26 00:00")) == hours(4)

    def test_a_boundary_in_the_gap_moves_forward_by_the_gap(self):
        """02:00-02:30 on the spring day resolves to 03:00-03:30 CEST (fold=0)."""
        calendar = weekly({"sun": "02:00-02:30"})
        day = calendar.open_intervals(zdt("2026-03-29 00:00"), zdt("2026-03-30 00:00"))
        # 02:00 with the old offset (+01:00) = 01:00Z = 03:00+02:00; 02:30 -> 03:30+02:00
        assert day == [Interval(zdt("2026-03-29 03:00+02:00"), zdt("2026-03-29 03:30+02:00"))]

    def test_a_window_wholly_in_the_gap_after_resolution_is_empty(self):
        """02:30-03:00 on the spring day: start 03:30 CEST is after end 03:00 CEST, so nothing."""
        calendar = weekly({"sun": "02:30-03:00"})
        assert calendar.elapsed(zdt("2026-03-29 00:00"), zdt("2026-03-30 00:00")) == timedelta(0)

    def test_an_ambiguous_boundary_takes_the_first_occurrence(self):
        """02:00-02:30 on the autumn day is the first 02:00-02:30 (CEST), not the second."""
        calendar = weekly({"sun": "02:00-02:30"})
        assert calendar.is_open(zdt("2026-10-25 02:15", fold=0))
        assert not calendar.is_open(zdt("2026-10-25 02:15", fold=1))
        assert calendar.elapsed(zdt("2026-10-25 00:00"), zdt("2026-10-26 00:00")) == minutes(30)

    def test_lord_howe_moves_by_half_an_hour(self):
        """Lord Howe: 01:00-04:00 holds 2.5 h when clocks go 02:00 -> 02:30, 3.5 h back 02:00 -> 01:30."""
        calendar = weekly({"sun": "01:00-04:00"}, tz="Australia/Lord_Howe")
        lhi = "Australia/Lord_Howe"
        assert calendar.elapsed(
            zdt("2026-10-04 00:00", lhi), zdt("2026-10-05 00:00", lhi)
        ) == hours(2.5)
        assert calendar.elapsed(
            zdt("2026-04-05 00:00", lhi), zdt("2026-04-06 00:00", lhi)
        ) == hours(3.5)

    def test_new_york_days_of_23_and_25_hours(self):
        """A whole-day window holds 23 h on 2026-03-08 and 25 h on 2026-11-01 in New York."""
        calendar = weekly({"sun": "00:00-24:00"}, tz="America/New_York")
        ny = "America/New_York"
        assert calendar.elapsed(zdt("2026-03-08 00:00", ny), zdt("2026-03-09 00:00", ny)) == hours(
            23
        )
        assert calendar.elapsed(zdt("2026-11-01 00:00", ny), zdt("2026-11-02 00:00", ny)) == hours(
            25
        )

    def test_24x7_is_one_interval_across_midnights_and_dst(self, always):
        """24x7 has a single open interval over the DST weekend."""
        intervals = always.open_intervals(zdt("2026-03-28 00:00"), zdt("2026-03-31 00:00"))
        assert intervals == [Interval(zdt("2026-03-28 00:00"), zdt("2026-03-31 00:00"))]

    def test_office_hours_in_summer_time(self, office):
        """office hours follow local time: 08:00 CEST is 06:00 UTC after the change."""
        assert_same(office.next_open(utc("2026-03-30 05:00")), zdt("2026-03-30 08:00+02:00"))
        assert office.is_open(utc("2026-03-30 06:00"))


class TestWindows:
    def test_overnight_window_belongs_to_the_day_it_starts_on(self):
        """fri 22:00-06:00 is open Fri night into Saturday morning: 8 h."""
        calendar = weekly({"fri": "22:00-06:00"})
        assert calendar.elapsed(zdt("2026-03-06 00:00"), zdt("2026-03-08 00:00")) == hours(8)
        assert calendar.is_open(zdt("2026-03-07 05:59"))
        assert not calendar.is_open(zdt("2026-03-07 06:00"))

    def test_a_holiday_closes_the_windows_that_start_on_it(self):
        """closing Friday closes Friday's overnight window; closing Saturday does not."""
        closed_friday = weekly({"fri": "22:00-06:00"}, closed=["2026-03-06"])
        closed_saturday = weekly({"fri": "22:00-06:00"}, closed=["2026-03-07"])
        span = (zdt("2026-03-06 00:00"), zdt("2026-03-08 00:00"))
        assert closed_friday.elapsed(*span) == timedelta(0)
        assert closed_saturday.elapsed(*span) == hours(8)

    def test_overnight_windows_around_christmas(self):
        """nightly 22:00-06:00 with CH-SG holidays: nights starting on Dec 25 and 26 are closed."""
        calendar = weekly({"mon-sun": "22:00-06:00"}, holidays={"country": "CH", "subdiv": "SG"})
        # Dec 23 22:00 -> Dec 24 06:00: 6 h after Dec 24 00:00; Dec 24 night: 8 h;
        # Dec 25 and Dec 26 nights closed (they start on holidays); Dec 27 night: 8 h
        # 6 + 8 + 8 = 22 h
        assert calendar.elapsed(zdt("2026-12-24 00:00"), zdt("2026-12-28 12:00")) == hours(22)
        assert calendar.is_open(zdt("2026-12-25 05:00"))  # the Dec 24 night runs into Christmas
        assert not calendar.is_open(zdt("2026-12-25 23:00"))

    def test_adjacent_windows_merge(self):
        """08:00-12:00 and 12:00-17:00 make one interval."""
        calendar = weekly({"mon": ["08:00-12:00", "12:00-17:00"]})
        intervals = calendar.open_intervals(zdt("2026-03-02 00:00"), zdt("2026-03-03 00:00"))
        assert intervals == [Interval(zdt("2026-03-02 08:00"), zdt("2026-03-02 17:00"))]

    def test_overnight_window_overlapping_the_next_morning_merges(self):
        """mon 22:00-06:00 and tue 05:00-10:00 are open 12 h in one piece, not 13 h."""
        calendar = weekly({"mon": "22:00-06:00", "tue": "05:00-10:00"})
        intervals = calendar.open_intervals(zdt("2026-03-02 00:00"), zdt("2026-03-04 00:00"))
        # Mon 22:00 -> Tue 10:00 = 12 h
        assert intervals == [Interval(zdt("2026-03-02 22:00"), zdt("2026-03-03 10:00"))]

    def test_24_00_end_and_midnight_end_are_the_same(self):
        """'20:00-24:00' and '20:00-00:00' both close at midnight."""
        a = weekly({"mon": "20:00-24:00"})
        b = weekly({"mon": "20:00-00:00"})
        span = (zdt("2026-03-02 00:00"), zdt("2026-03-04 00:00"))
        assert a.elapsed(*span) == b.elapsed(*span) == hours(4)

    def test_windows_to_the_second(self):
        """HH:MM:SS boundaries are honoured."""
        calendar = weekly({"mon": "08:00:30-08:01:00"})
        assert calendar.elapsed(zdt("2026-03-02 00:00"), zdt("2026-03-03 00:00")) == timedelta(
            seconds=30
        )

    def test_special_hours_replace_the_day(self):
        """special {'2026-12-24': '08:00-12:00'} opens only the morning of Christmas Eve."""
        calendar = Calendar(
            timezone="Europe/Zurich",
            hours={"mon-fri": "08:00-17:00"},
            holidays={"country": "CH", "subdiv": "SG"},
            special={"2026-12-24": "08:00-12:00", date(2026, 12, 25): "09:00-10:00"},
        )
        assert calendar.elapsed(zdt("2026-12-24 00:00"), zdt("2026-12-25 00:00")) == hours(4)
        # special hours even open a holiday
        assert calendar.elapsed(zdt("2026-12-25 00:00"), zdt("2026-12-26 00:00")) == hours(1)

    def test_special_hours_win_over_a_closed_date(self):
        """a date both closed and with special hours opens for the special hours."""
        calendar = weekly(
            {"mon-fri": "08:00-17:00"}, closed=["2026-03-02"], special={"2026-03-02": "10:00-11:00"}
        )
        assert calendar.elapsed(zdt("2026-03-02 00:00"), zdt("2026-03-03 00:00")) == hours(1)

    def test_special_closed_and_closed_dates(self):
        """special 'closed' and closed dates both shut a working day."""
        a = weekly({"mon-fri": "08:00-17:00"}, special={"2026-03-02": "closed"})
        b = weekly({"mon-fri": "08:00-17:00"}, closed="2026-03-02")
        day = (zdt("2026-03-02 00:00"), zdt("2026-03-03 00:00"))
        assert a.elapsed(*day) == b.elapsed(*day) == timedelta(0)

    def test_later_day_keys_override_earlier_ones(self):
        """{'mon-fri': '08:00-17:00', 'fri': '08:00-12:00'} shortens Friday."""
        calendar = weekly({"mon-fri": "08:00-17:00", "fri": "08:00-12:00"})
        # 4 x 9 h + 4 h = 40 h
        assert calendar.elapsed(zdt("2026-03-02 00:00"), zdt("2026-03-09 00:00")) == hours(40)


# ---------------------------------------------------------------------- queries


class TestIsOpenAndNextOpen:
    def test_open_at_opening_closed_at_closing(self, office):
        """[open, close): open at 08:00, closed at 17:00."""
        assert office.is_open(zdt("2026-03-02 08:00"))
        assert not office.is_open(zdt("2026-03-02 17:00"))

    def test_next_open_is_the_instant_itself_when_open(self, office):
        """next_open(t) == t while open."""
        assert_same(
            office.next_open(zdt("2026-03-02 12:34:56.789")), zdt("2026-03-02 12:34:56.789")
        )

    def test_next_open_skips_holidays_and_weekends(self, office):
        """from Christmas Eve's closing the next opening is Mon 28 December."""
        # Dec 25 (Fri), 26 (Sat), 27 (Sun) closed
        assert_same(office.next_open(zdt("2026-12-24 17:00")), zdt("2026-12-28 08:00"))

    def test_open_intervals_are_clipped_to_the_range(self, office):
        """open_intervals(Mon 10:00, Wed 12:00) clips Monday and Wednesday."""
        assert office.open_intervals(zdt("2026-03-02 10:00"), zdt("2026-03-04 12:00")) == [
            Interval(zdt("2026-03-02 10:00"), zdt("2026-03-02 17:00")),
            Interval(zdt("2026-03-03 08:00"), zdt("2026-03-03 17:00")),
            Interval(zdt("2026-03-04 08:00"), zdt("2026-03-04 12:00")),
        ]

    def test_open_intervals_of_a_reversed_range_are_empty(self, office):
        """open_intervals(b, a) with b after a is empty."""
        assert office.open_intervals(zdt("2026-03-04 12:00"), zdt("2026-03-02 10:00")) == []


# ---------------------------------------------------------------------- combinations


class TestCombined:
    def test_intersection_with_a_longer_day_is_the_shorter_day(self, office, extended):
        """office & extended is open exactly when office is; office | extended as extended."""
        week = (zdt("2026-03-02 00:00"), zdt("2026-03-09 00:00"))
        assert (office & extended).elapsed(*week) == hours(45)
        assert (office | extended).elapsed(*week) == hours(60)

    def test_intersection_across_time_zones(self, office):
        """Zurich 08-17 & New York 09-17: Zurich 15:00-17:00 in January (6 h apart)."""
        new_york = weekly({"mon-fri": "09:00-17:00"}, tz="America/New_York")
        both = office & new_york
        monday = (zdt("2026-01-12 00:00"), zdt("2026-01-13 00:00"))
        # NY 09:00 EST = 15:00 CET; office closes 17:00 -> 2 h
        assert both.elapsed(*monday) == hours(2)
        # union: 08:00 CET to NY 17:00 EST = 23:00 CET -> 15 h
        assert (office | new_york).elapsed(*monday) == hours(15)
        # results in the left calendar's zone
        assert_same(both.add(zdt("2026-01-12 08:00"), hours(1)), zdt("2026-01-12 16:00"))
        assert_in_zone(
            (new_york & office).add(zdt("2026-01-12 08:00"), hours(1)), "America/New_York"
        )

    def test_combined_calendars_take_the_left_business_day(self, office, extended):
        """a & b and a | b use the left calendar's business day."""
        assert (office & extended).business_day == hours(9)
        assert (extended | office).business_day == hours(12)

    def test_nested_combinations(self, office, extended, always):
        """(a | b) & c works like any calendar."""
        calendar = (office | extended) & always
        assert calendar.elapsed(zdt("2026-03-02 00:00"), zdt("2026-03-03 00:00")) == hours(12)

    def test_combined_holidays_between(self, office):
        """holidays_between of a & b lists both sides' holidays."""
        other = weekly({"mon-fri": "08:00-17:00"}, closed=["2026-12-23"])
        found = (office & other).holidays_between(zdt("2026-12-23 00:00"), zdt("2026-12-25 12:00"))
        assert found == [(date(2026, 12, 23), "closed"), (date(2026, 12, 25), "Christmas Day")]

    def test_never_overlapping_calendars_cannot_reach_a_target(self):
        """a & b that is never open raises, saying so, instead of looping forever."""
        both = weekly({"mon": "08:00-09:00"}) & weekly({"tue": "08:00-09:00"})
        assert both.elapsed(zdt("2026-03-02 00:00"), zdt("2026-03-09 00:00")) == timedelta(0)
        with pytest.raises(CalendarNeverOpensError, match="never open"):
            both.add(zdt("2026-03-02 00:00"), hours(1))


# ---------------------------------------------------------------------- identity and robustness


class TestIdentity:
    def test_equal_inputs_make_equal_calendars(self, office):
        """two calendars built from the same inputs are equal and hash alike."""
        twin = Calendar(
            timezone="Europe/Zurich",
            hours={"mon": "08:00-17:00", "tue-fri": ["08:00-17:00"]},
            holidays=HolidaySpec("CH", "SG"),
        )
        assert twin == office
        assert hash(twin) == hash(office)
        assert twin != extended_hours()

    def test_config_and_repr(self, office):
        """config() gives back the constructor arguments; repr shows them."""
        config = office.config()
        assert config["timezone"] == "Europe/Zurich"
        assert config["holidays"] == {"country": "CH", "subdiv": "SG"}
        assert config["business_day"] == hours(9)
        assert repr(office).startswith("Calendar(timezone='Europe/Zurich'")

    def test_config_round_trips_odd_windows(self):
        """overnight, seconds, 24:00, special and closed dates survive config()."""
        calendar = Calendar(
            timezone="America/New_York",
            hours={"mon": ["00:00-06:00", "22:00-02:00"], "sat": "10:00:30-24:00"},
            closed=["2026-03-02"],
            special={"2026-03-03": "closed", "2026-03-04": "23:00-01:00"},
            business_day="7h",
        )
        assert Calendar(**calendar.config()) == calendar

    def test_pickle_round_trip_of_combined_calendars(self, office, extended, always):
        """a & b, a | b and nested combinations pickle to equal calendars with equal answers."""
        for calendar in (office & extended, office | always, (office | extended) & always):
            clone = pickle.loads(pickle.dumps(calendar))
            assert clone == calendar
            span = (zdt("2026-12-20 00:00"), zdt("2027-01-10 00:00"))
            assert clone.elapsed(*span) == calendar.elapsed(*span)

    def test_pickling_a_calendar_with_optional_holidays_does_not_warn_again(self):
        """unpickling rebuilds from the checked spec, so the optional-category warning is not repeated."""
        with pytest.warns(SlacalcWarning):
            calendar = office_hours(holidays=OPTIONAL_SG)
        data = pickle.dumps(calendar)
        clone = pickle.loads(data)  # filterwarnings=error would turn a warning into a failure
        assert clone == calendar
        assert not clone.is_open(zdt("2026-01-02 10:00"))

    def test_a_calendar_without_weekly_hours_round_trips_regression(self):
        """a special-dates-only calendar (business day 0 by default) survives config() and pickle."""
        calendar = Calendar(hours={}, special={"2026-12-24": "08:00-12:00"})
        assert calendar.business_day == timedelta(0)
        assert Calendar(**calendar.config()) == calendar
        assert pickle.loads(pickle.dumps(calendar)) == calendar


class TestThreadSafety:
    YEARS = (1975, 2199, 2026, 2100, 1990, 2150, 2040, 1971)

    @staticmethod
    def answers(calendar: Calendar, year: int) -> tuple[object, ...]:
        start = datetime(year, 3, 1, 12, tzinfo=UTC)
        return (
            calendar.elapsed(start, start + timedelta(days=40)),
            as_utc(calendar.add(start, hours(100))),
            as_utc(calendar.add(start, -hours(100))),
            as_utc(calendar.next_open(start)),
            calendar.elapsed(datetime(1971, 1, 1, tzinfo=UTC), start),
        )

    def test_concurrent_queries_in_far_apart_years_agree_with_sequential_ones(self):
        """threads growing the same fresh calendar at once get the sequential answers."""
        expected = {year: self.answers(office_hours(), year) for year in self.YEARS}
        for _ in range(3):
            shared = office_hours()
            barrier = threading.Barrier(len(self.YEARS))

            def query(year: int, calendar: Calendar = shared, gate: threading.Barrier = barrier):
                gate.wait()
                return year, self.answers(calendar, year)

            with ThreadPoolExecutor(len(self.YEARS)) as pool:
                results = dict(pool.map(query, self.YEARS))
            assert results == expected


# ---------------------------------------------------------------------- golden answers


class TestGolden:
    def test_office_hours_2026_match_the_golden_file(self, office):
        """every opening and closing of office_hours() in 2026 is the golden file's (UTC)."""
        with (GOLDEN / "calendars" / "office-CH-SG-2026.csv").open(newline="") as f:
            expected = [(utc(row["open"]), utc(row["close"])) for row in csv.DictReader(f)]
        intervals = office.open_intervals(zdt("2026-01-01 00:00"), zdt("2027-01-01 00:00"))
        assert [(as_utc(i.start), as_utc(i.end)) for i in intervals] == expected

    def test_golden_file_sanity(self):
        """the golden file has one row per working day: 261 weekdays in 2026, 6 of them holidays."""
        with (GOLDEN / "calendars" / "office-CH-SG-2026.csv").open(newline="") as f:
            rows = list(csv.DictReader(f))
        # weekday holidays 2026: Jan 1 (Thu), Apr 3, Apr 6, May 14, May 25, Dec 25 (Fri);
        # Aug 1 is a Saturday, Nov 1 a Sunday, Dec 26 a Saturday -> 261 - 6 = 255
        assert len(rows) == 255
        assert {date.fromisoformat(row["date"]).weekday() for row in rows} <= set(range(5))


class TestCompiledRange:
    """A fresh calendar compiles only the months a query touches; answers beyond grow it."""

    def test_an_add_far_beyond_the_first_month_equals_one_on_a_wide_snapshot(self):
        """600 business days from March 2026 lands in 2028, as on a calendar compiled 1971-2199."""
        start = zdt("2026-03-03 10:00")
        wide = office_hours()
        wide.elapsed(datetime(1971, 1, 1, tzinfo=UTC), datetime(2199, 1, 1, tzinfo=UTC))
        for duration in (hours(4), hours(9 * 600), -hours(9 * 600)):
            fresh = office_hours()
            assert_same(fresh.add(start, duration), wide.add(start, duration))
        # 9 h a day, Monday to Friday, less St. Gallen's holidays: more than two years on
        assert wide.add(start, hours(9 * 600)).year == 2028

    def test_queries_spreading_from_one_month_agree_with_a_wide_snapshot(self):
        """is_open, next_open and elapsed across a year edge, each on a calendar that grew to it."""
        wide = office_hours()
        wide.elapsed(datetime(1971, 1, 1, tzinfo=UTC), datetime(2199, 1, 1, tzinfo=UTC))
        grown = office_hours()
        grown.is_open(zdt("2026-12-31 09:00"))  # compiles December 2026 only
        for at in (zdt("2026-12-24 16:00"), zdt("2027-01-01 09:00"), zdt("2026-11-30 23:00")):
            assert grown.is_open(at) == wide.is_open(at)
            assert_same(grown.next_open(at), wide.next_open(at))
            assert grown.elapsed(at, at + timedelta(days=45)) == wide.elapsed(
                at, at + timedelta(days=45)
            )
