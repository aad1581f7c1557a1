"""Reading opening hours: windows, day keys, weekly hours, special dates."""

from __future__ import annotations

import contextlib
from datetime import date, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from slacalc._engine.windows import (
    DAY,
    FULL_DAY,
    parse_date,
    parse_day_key,
    parse_special,
    parse_weekly,
    parse_windows,
)
from slacalc.exceptions import (
    CalendarError,
    InvalidWindowError,
    SlacalcError,
    UnknownWeekdayError,
)
from strategies import clock

H = 3600  # seconds in an hour


class TestParseWindows:
    def test_one_window(self):
        """'08:00-17:00' is 8 h to 17 h after midnight."""
        assert parse_windows("f", "08:00-17:00") == ((8 * H, 17 * H),)

    def test_a_list_and_a_comma_separated_string_are_the_same(self):
        """['13:00-17:00', '08:00-12:00'] and '08:00-12:00, 13:00-17:00' give sorted windows."""
        expected = ((8 * H, 12 * H), (13 * H, 17 * H))
        assert parse_windows("f", ["13:00-17:00", "08:00-12:00"]) == expected
        assert parse_windows("f", "08:00-12:00, 13:00-17:00") == expected

    @pytest.mark.parametrize("text", ["24x7", "24/7", "24h", "always", " 24X7 "])
    def test_always_open_spellings(self, text):
        """'24x7' and friends mean the whole day."""
        assert parse_windows("f", text) == FULL_DAY == ((0, DAY),)

    @pytest.mark.parametrize("value", ["closed", "none", "-", "", "  ", []])
    def test_closed_spellings(self, value):
        """'closed', 'none', '-', '' and [] mean no window."""
        assert parse_windows("f", value) == ()

    def test_overnight_window_runs_into_the_next_day(self):
        """'22:00-06:00' starts at 22 h and ends 30 h after its day's midnight."""
        assert parse_windows("f", "22:00-06:00") == ((22 * H, 30 * H),)

    def test_24_00_and_00_00_ends_both_mean_midnight(self):
        """'20:00-24:00' and '20:00-00:00' end at 24 h."""
        assert (
            parse_windows("f", "20:00-24:00")
            == parse_windows("f", "20:00-00:00")
            == ((20 * H, DAY),)
        )

    def test_seconds_and_single_digit_hours(self):
        """'8:00:30-9:00' is read to the second; spaces around the dash are fine."""
        assert parse_windows("f", " 8:00:30 - 9:00 ") == ((8 * H + 30, 9 * H),)

    def test_an_overnight_window_overlapping_a_later_window_of_the_same_day_is_refused(self):
        """'22:00-06:00' with '23:00-23:30' on one day overlap."""
        with pytest.raises(InvalidWindowError, match="overlap"):
            parse_windows("f", ["22:00-06:00", "23:00-23:30"])

    def test_touching_windows_are_fine(self):
        """'08:00-12:00' and '12:00-17:00' touch but do not overlap."""
        assert parse_windows("f", ["08:00-12:00", "12:00-17:00"]) == (
            (8 * H, 12 * H),
            (12 * H, 17 * H),
        )

    @given(st.integers(0, 1439), st.integers(0, 1440))
    def test_any_valid_window_reads_back(self, start, end):
        """every HH:MM-HH:MM with distinct ends reads as (start, end), overnight when end < start."""
        if start == end:
            return
        text = f"{clock(start)}-{clock(end)}"
        # an end at or before the start is on the next day ('..-00:00' is midnight: 0 + 24 h)
        expected_end = end * 60 if end > start else end * 60 + DAY
        assert parse_windows("f", text) == ((start * 60, expected_end),)

    @given(st.text(max_size=20))
    def test_text_raises_only_slacalc_errors(self, text):
        """arbitrary text either reads as windows or raises an InvalidWindowError."""
        try:
            windows = parse_windows("f", text)
        except InvalidWindowError:
            return
        for start, end in windows:
            assert 0 <= start < end < start + DAY + 1


class TestParseDayKey:
    @pytest.mark.parametrize(
        ("key", "days"),
        [
            ("mon", [0]),
            ("sun", [6]),
            ("mon-fri", [0, 1, 2, 3, 4]),
            ("sat,sun", [5, 6]),
            ("fri-mon", [4, 5, 6, 0]),
            ("Monday", [0]),
            (" TUE ", [1]),
            ("mon - wed, sun", [0, 1, 2, 6]),
        ],
    )
    def test_keys(self, key, days):
        """single days, ranges (wrapping over the weekend), lists, long names, any case."""
        assert parse_day_key(key) == days

    @pytest.mark.parametrize("key", ["mon-fry", "", "mon,", "weekdays", "mon-"])
    def test_unknown_keys(self, key):
        """anything else is an UnknownWeekdayError naming the key."""
        with pytest.raises(UnknownWeekdayError, match="unknown day"):
            parse_day_key(key)


class TestParseWeekly:
    def test_24x7(self):
        """'24x7' opens every day fully."""
        assert parse_weekly("24x7") == (FULL_DAY,) * 7

    def test_mapping(self):
        """{'mon-fri': '08:00-17:00'} opens weekdays; the weekend stays closed."""
        week = parse_weekly({"mon-fri": "08:00-17:00"})
        assert week[:5] == (((8 * H, 17 * H),),) * 5
        assert week[5:] == ((), ())

    def test_later_keys_override_earlier_ones(self):
        """{'mon-fri': ..., 'fri': ...} replaces Friday only."""
        week = parse_weekly({"mon-fri": "08:00-17:00", "fri": "08:00-12:00"})
        assert week[3] == ((8 * H, 17 * H),)
        assert week[4] == ((8 * H, 12 * H),)

    def test_empty_mapping_is_never_open(self):
        """{} has no windows at all."""
        assert parse_weekly({}) == ((),) * 7

    @pytest.mark.parametrize("value", ["8-17", ["mon"], 42, None])
    def test_neither_a_mapping_nor_24x7(self, value):
        """hours must be '24x7' or a mapping."""
        with pytest.raises(InvalidWindowError, match="hours"):
            parse_weekly(value)


class TestParseSpecialAndDates:
    def test_special_dates_from_strings_and_dates(self):
        """keys may be ISO strings or dates; 'closed' gives no window."""
        special = parse_special({"2026-12-24": "08:00-12:00", date(2026, 12, 31): "closed"})
        assert special == {date(2026, 12, 24): ((8 * H, 12 * H),), date(2026, 12, 31): ()}

    def test_no_special_dates(self):
        """None means no special dates."""
        assert parse_special(None) == {}

    def test_parse_date(self):
        """dates pass through, ISO strings are read, datetimes are refused."""
        assert parse_date("closed", date(2026, 1, 2)) == date(2026, 1, 2)
        assert parse_date("closed", " 2026-01-02 ") == date(2026, 1, 2)
        with pytest.raises(CalendarError, match=r"closed: invalid date"):
            parse_date("closed", datetime(2026, 1, 2))

    @given(st.one_of(st.text(max_size=12), st.integers(), st.none()))
    def test_bad_dates_raise_slacalc_errors(self, value):
        """anything that is not a date or an ISO date string is a SlacalcError."""
        with contextlib.suppress(SlacalcError):
            parse_date("closed", value)
