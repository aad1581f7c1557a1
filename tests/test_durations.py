"""Durations: timedelta, ISO 8601, plain words, business days and "no objective" words."""

from __future__ import annotations

from datetime import timedelta
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from helpers import hours, minutes, zdt
from slacalc import BEST_EFFORT, NOT_APPLICABLE, Calendar, Duration, NoObjective, parse_duration
from slacalc._engine.durations import format_timedelta
from slacalc.exceptions import DurationError


def fixed(td: timedelta) -> Duration:
    return Duration(fixed=td)


def business_days(n: int | str) -> Duration:
    return Duration(business_days=Fraction(n))


class TestParse:
    def test_timedelta_passes_through(self):
        """a timedelta is a fixed amount of open time."""
        assert parse_duration(timedelta(hours=4)) == fixed(hours(4))

    def test_parsed_values_pass_through(self):
        """a Duration or NoObjective is returned as it is."""
        assert parse_duration(fixed(hours(1))) == fixed(hours(1))
        assert parse_duration(BEST_EFFORT) is BEST_EFFORT

    @pytest.mark.parametrize(
        ("text", "expected"),
        [
            ("PT4H", fixed(hours(4))),
            ("PT30M", fixed(minutes(30))),
            ("pt4h", fixed(hours(4))),
            ("PT1H30M15S", fixed(timedelta(hours=1, minutes=30, seconds=15))),
            ("PT0.5H", fixed(minutes(30))),
            ("PT0,25H", fixed(minutes(15))),
            ("P1D", business_days(1)),
            ("P1DT2H", Duration(fixed=hours(2), business_days=Fraction(1))),
            ("P1W", business_days(5)),  # a week of business time is 5 business days
            ("P0D", fixed(timedelta(0))),
        ],
    )
    def test_iso_8601(self, text, expected):
        """ISO 8601 durations; days and weeks count business days."""
        assert parse_duration(text) == expected

    @pytest.mark.parametrize(
        ("text", "expected"),
        [
            ("30min", fixed(minutes(30))),
            ("30 minutes", fixed(minutes(30))),
            ("4h", fixed(hours(4))),
            ("4 hours", fixed(hours(4))),
            ("4 business hours", fixed(hours(4))),
            ("4 working hours", fixed(hours(4))),
            ("4 bh", fixed(hours(4))),
            ("  4   Hours ", fixed(hours(4))),
            ("1.5 hours", fixed(minutes(90))),
            ("2 hours 30 minutes", fixed(minutes(150))),
            ("2 hours, 30 minutes", fixed(minutes(150))),
            ("2 hours and 30 minutes", fixed(minutes(150))),
            ("4h30m", fixed(minutes(270))),
            ("90 s", fixed(timedelta(seconds=90))),
            ("1 business day", business_days(1)),
            ("3 business days", business_days(3)),
            ("1.5 business days", business_days("3/2")),
            ("1 day", business_days(1)),
            ("1 week", business_days(5)),  # as P1W: a business week
            ("2 business weeks", business_days(10)),
            ("2d", business_days(2)),
        ],
    )
    def test_words(self, text, expected):
        """plain words; 'business' changes nothing for hours, and days are business days."""
        assert parse_duration(text) == expected

    @pytest.mark.parametrize("text", ["best effort", "Best Effort", "best-effort", "best_effort"])
    def test_best_effort(self, text):
        """'best effort' sets no objective."""
        assert parse_duration(text) is BEST_EFFORT

    @pytest.mark.parametrize("text", ["n/a", "N/A", "na", "not applicable", "none", "None"])
    def test_not_applicable(self, text):
        """'n/a', 'not applicable' and 'none' mean the target does not apply."""
        assert parse_duration(text) is NOT_APPLICABLE

    @pytest.mark.parametrize(
        "value",
        [
            "4 fortnights",
            "PTX",
            "P",
            "PT",
            "P1DT",
            "P1M",
            "P1Y",
            "-4h",
            "4",
            "hours",
            "4 hours 4",
            "",
            42,
            None,
        ],
    )
    def test_unreadable_durations(self, value):
        """anything else is a DurationError naming the value."""
        with pytest.raises(DurationError, match="cannot read duration"):
            parse_duration(value)

    @given(st.integers(0, 10_000), st.integers(0, 59), st.integers(0, 59))
    def test_words_and_iso_agree(self, h, m, s):
        """'{h} hours {m} minutes {s} seconds' == 'PT{h}H{m}M{s}S' == the timedelta."""
        expected = fixed(timedelta(hours=h, minutes=m, seconds=s))
        assert parse_duration(f"{h} hours {m} minutes {s} seconds") == expected
        assert parse_duration(f"PT{h}H{m}M{s}S") == expected
        assert parse_duration(f"{h}h{m}min{s}s") == expected

    @given(st.text(max_size=30))
    def test_text_raises_only_duration_errors(self, text):
        """arbitrary text parses or raises DurationError, never anything else."""
        try:
            parsed = parse_duration(text)
        except DurationError:
            return
        assert isinstance(parsed, Duration | NoObjective)


class TestResolve:
    def test_business_day_resolves_against_the_calendar(self, office, extended, always):
        """'1 business day' is 9 h on office hours, 12 h on extended hours, 24 h on 24x7."""
        day = parse_duration("1 business day")
        assert isinstance(day, Duration)
        assert day.resolve(office) == office.business_day == hours(9)
        assert day.resolve(extended) == hours(12)
        assert day.resolve(always) == hours(24)

    def test_mixed_and_fractional_business_days(self, office):
        """'P1DT2H' is 9 h + 2 h; '1.5 business days' is 13.5 h on office hours."""
        mixed = parse_duration("P1DT2H")
        half = parse_duration("1.5 business days")
        assert isinstance(mixed, Duration)
        assert isinstance(half, Duration)
        assert mixed.resolve(office) == hours(11)
        assert half.resolve(office) == hours(13.5)

    def test_explicit_business_day(self):
        """a calendar's business_day may be set: '8h', 'PT7H30M' or a timedelta."""
        for value, expected in (("8h", hours(8)), ("PT7H30M", hours(7.5)), (hours(6), hours(6))):
            calendar = Calendar(hours={"mon-fri": "08:00-17:00"}, business_day=value)
            assert calendar.business_day == expected
            assert parse_duration("2 business days").resolve(calendar) == 2 * expected  # type: ignore[union-attr]

    def test_default_business_day_is_the_longest_weekday(self):
        """the default is a regular open weekday's total: 4 h + 4 h, not Saturday's 12 h."""
        calendar = Calendar(hours={"mon-fri": ["08:00-12:00", "13:00-17:00"], "sat": "08:00-20:00"})
        assert calendar.business_day == hours(8)

    def test_default_business_day_of_an_overnight_shift(self):
        """a 22:00-06:00 weekday shift makes an 8-hour business day."""
        assert Calendar(hours={"mon-fri": "22:00-06:00"}).business_day == hours(8)

    def test_weekend_only_calendar(self):
        """with no weekday windows, the longest day counts."""
        assert Calendar(hours={"sat": "10:00-14:00", "sun": "10:00-16:00"}).business_day == hours(6)

    def test_add_with_no_objective_is_refused(self, office):
        """adding 'best effort' to an instant makes no sense: DurationError."""
        with pytest.raises(DurationError, match="sets no objective"):
            office.add(zdt("2026-03-02 08:00"), "best effort")


class TestText:
    @pytest.mark.parametrize(
        ("text", "shown"),
        [
            ("4 hours", "4 h"),
            ("PT1H30M", "1 h 30 min"),
            ("1 business day", "1 business day"),
            ("3 business days", "3 business days"),
            ("P1DT2H", "1 business day + 2 h"),
            ("best effort", "best effort"),
            ("n/a", "not applicable"),
            ("PT0S", "0 s"),
        ],
    )
    def test_str(self, text, shown):
        """durations print the way people write them."""
        assert str(parse_duration(text)) == shown

    def test_format_timedelta(self):
        """format_timedelta is exact to the microsecond and signed."""
        assert format_timedelta(timedelta(0)) == "0 s"
        assert format_timedelta(-minutes(90)) == "-1 h 30 min"
        assert format_timedelta(timedelta(seconds=5, microseconds=250)) == "5.000250 s"
        assert format_timedelta(timedelta(days=2, seconds=1)) == "48 h 1 s"
