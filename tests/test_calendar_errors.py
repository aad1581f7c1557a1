"""Every calendar error: the right class, and a message naming the field, the value and what was expected."""

from __future__ import annotations

import contextlib
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from helpers import zdt
from slacalc import Calendar, SlacalcError, parse_duration
from slacalc.calendars import office_hours
from slacalc.exceptions import (
    CalendarError,
    CalendarNeverOpensError,
    DurationError,
    InvalidWindowError,
    NaiveDatetimeError,
    OutOfRangeError,
    UnknownHolidayRegionError,
    UnknownTimeZoneError,
    UnknownWeekdayError,
)

NAIVE = datetime(2026, 3, 2, 8)


def message(exc_info: pytest.ExceptionInfo[BaseException]) -> str:
    return str(exc_info.value)


def assert_mentions(text: str, *fragments: str) -> None:
    for fragment in fragments:
        assert fragment in text, f"{fragment!r} not in {text!r}"


class TestHierarchy:
    @pytest.mark.parametrize(
        "cls",
        [
            NaiveDatetimeError,
            OutOfRangeError,
            InvalidWindowError,
            UnknownWeekdayError,
            UnknownTimeZoneError,
            UnknownHolidayRegionError,
            CalendarNeverOpensError,
        ],
    )
    def test_calendar_errors_are_slacalc_and_value_errors(self, cls):
        """each calendar error is a CalendarError, a SlacalcError and a ValueError."""
        assert issubclass(cls, CalendarError)
        assert issubclass(cls, SlacalcError)
        assert issubclass(cls, ValueError)

    def test_duration_error(self):
        """DurationError is a SlacalcError and a ValueError."""
        assert issubclass(DurationError, SlacalcError)
        assert issubclass(DurationError, ValueError)


class TestNaiveDatetimes:
    @pytest.mark.parametrize(
        ("call", "field"),
        [
            (lambda cal: cal.add(NAIVE, timedelta(hours=1)), "start"),
            (lambda cal: cal.elapsed(NAIVE, zdt("2026-03-03 08:00")), "start"),
            (lambda cal: cal.elapsed(zdt("2026-03-03 08:00"), NAIVE), "end"),
            (lambda cal: cal.is_open(NAIVE), "at"),
            (lambda cal: cal.next_open(NAIVE), "at"),
            (lambda cal: cal.open_intervals(zdt("2026-03-01 08:00"), NAIVE), "end"),
            (lambda cal: cal.holidays_between(NAIVE, zdt("2026-03-03 08:00")), "start"),
        ],
    )
    def test_every_entry_point_refuses_naive_datetimes(self, office, call, field):
        """a naive datetime is refused, naming the parameter and the value, asking for a tzinfo."""
        with pytest.raises(NaiveDatetimeError) as info:
            call(office)
        assert_mentions(
            message(info),
            f"{field} must be a timezone-aware datetime",
            "naive datetime.datetime(2026, 3, 2, 8, 0)",
            "attach a tzinfo",
        )

    def test_not_a_datetime_at_all(self, office):
        """a string where an instant is needed is a CalendarError naming type and value."""
        with pytest.raises(CalendarError) as info:
            office.add("2026-03-02T08:00+01:00", timedelta(hours=1))  # type: ignore[arg-type]
        assert_mentions(
            message(info), "start must be a timezone-aware datetime", "str '2026-03-02T08:00+01:00'"
        )


class TestOutOfRange:
    @pytest.mark.parametrize(
        "instant",
        [
            datetime(1969, 6, 1, tzinfo=UTC),
            datetime(2201, 6, 1, tzinfo=UTC),
            datetime(1, 1, 1, tzinfo=UTC),
        ],
    )
    def test_instants_outside_1970_to_2200(self, office, instant):
        """instants outside 1970-2200 are refused, naming the field and the instant."""
        with pytest.raises(OutOfRangeError) as info:
            office.elapsed(zdt("2026-01-01 00:00"), instant)
        assert_mentions(
            message(info),
            f"end {instant.isoformat()} is out of range",
            "expected an instant in the years 1970 to 2200",
        )

    def test_the_edges_of_the_range_work(self, office, always):
        """the first instant of 1970 and the last of 2200 are accepted."""
        first = datetime(1970, 1, 1, tzinfo=UTC)
        last = datetime(2200, 12, 31, 23, 59, 59, 999999, tzinfo=UTC)
        assert always.elapsed(first, last) == last - first
        assert office.is_open(first) is False  # a Thursday, New Year's Day, at 01:00 Zurich

    @pytest.mark.parametrize("zone", ["Pacific/Kiritimati", "Etc/GMT+12", "America/New_York"])
    def test_the_edges_of_the_range_in_far_off_zones(self, always, zone):
        """1970-01-01 00:00 and 2200-12-31 23:59:59 local work in zones 12 h or 14 h off UTC."""
        tz = ZoneInfo(zone)
        first = datetime(1970, 1, 1, tzinfo=tz)
        last = datetime(2200, 12, 31, 23, 59, 59, 999999, tzinfo=tz)
        assert always.elapsed(first, last) == last.astimezone(UTC) - first.astimezone(UTC)
        assert always.add(first, timedelta(0)) == first

    def test_a_result_beyond_2200(self, office):
        """adding past the end of 2200 is an OutOfRangeError saying what is supported."""
        with pytest.raises(OutOfRangeError, match="expected an instant in the years 1970 to 2200"):
            office.add(datetime(2200, 12, 1, tzinfo=UTC), timedelta(days=3000))

    def test_a_result_before_1970(self, office):
        """subtracting past 1970 is an OutOfRangeError too."""
        with pytest.raises(OutOfRangeError, match="expected an instant in the years 1970 to 2200"):
            office.add(datetime(1970, 1, 20, tzinfo=UTC), -timedelta(days=30))


class TestWindows:
    def test_hours_beyond_24(self):
        """'25:00-26:00' names the day, the window and the valid times."""
        with pytest.raises(InvalidWindowError) as info:
            Calendar(hours={"mon": "25:00-26:00"})
        assert_mentions(message(info), "hours['mon']", "'25:00-26:00'", "00:00 to 23:59", "HH:MM")

    def test_an_end_beyond_24_00(self):
        """an end after 24:00 is refused, saying ends run to 24:00."""
        with pytest.raises(InvalidWindowError) as info:
            Calendar(hours={"tue": "08:00-24:30"})
        assert_mentions(message(info), "hours['tue']", "'08:00-24:30'", "00:00 to 24:00")

    def test_an_empty_window(self):
        """'08:00-08:00' is empty; the message suggests 00:00-24:00 for a whole day."""
        with pytest.raises(InvalidWindowError) as info:
            Calendar(hours={"mon-fri": "08:00-08:00"})
        assert_mentions(
            message(info), "hours['mon-fri']", "'08:00-08:00'", "empty", "'00:00-24:00'"
        )

    def test_midnight_to_midnight_is_empty_too(self):
        """'00:00-00:00' is refused rather than guessed (some libraries hang on it)."""
        with pytest.raises(InvalidWindowError, match="empty"):
            Calendar(hours={"sun": "00:00-00:00"})

    def test_overlapping_windows(self):
        """overlapping windows are named in the message."""
        with pytest.raises(InvalidWindowError) as info:
            Calendar(hours={"wed": ["08:00-12:00", "11:00-13:00"]})
        assert_mentions(
            message(info),
            "hours['wed']",
            "08:00-12:00 and 11:00-13:00 overlap",
            "expected disjoint windows",
        )

    @pytest.mark.parametrize(
        "text", ["8-17", "08:00", "08:00-17:00-18:00", "8h-17h", "08:60-09:00"]
    )
    def test_malformed_windows(self, text):
        """text that is not HH:MM-HH:MM is refused with the expected form."""
        with pytest.raises(InvalidWindowError) as info:
            Calendar(hours={"mon": text})
        assert_mentions(message(info), "hours['mon']", repr(text))
        assert "expected 'HH:MM-HH:MM'" in message(info) or "(HH:MM or HH:MM:SS)" in message(info)

    def test_a_bad_special_window(self):
        """a bad special-hours window names the date."""
        with pytest.raises(InvalidWindowError) as info:
            Calendar(special={"2026-12-24": "25:00-26:00"})
        assert_mentions(message(info), "special['2026-12-24']", "'25:00-26:00'")

    def test_windows_of_the_wrong_type(self):
        """a number where windows belong is refused."""
        with pytest.raises(InvalidWindowError) as info:
            Calendar(hours={"mon": 8})  # type: ignore[dict-item]
        assert_mentions(
            message(info),
            "hours['mon']",
            "invalid window 8",
            "expected a string such as '08:00-17:00'",
        )

    def test_hours_of_the_wrong_shape(self):
        """hours that are neither '24x7' nor a mapping are refused."""
        with pytest.raises(InvalidWindowError) as info:
            Calendar(hours="9to5")
        assert_mentions(message(info), "hours", "'9to5'", "expected '24x7' or a mapping")

    @given(st.text(max_size=15))
    def test_any_text_as_hours_raises_only_slacalc_errors(self, text):
        """a calendar built from arbitrary window text either works or raises a SlacalcError."""
        with contextlib.suppress(SlacalcError):
            Calendar(hours={"mon": text})


class TestDayKeys:
    @pytest.mark.parametrize("key", ["mon-fry", "weekdays", "", "mon,,tue"])
    def test_unknown_weekday_keys(self, key):
        """an unknown day key names the key and the valid ones."""
        with pytest.raises(UnknownWeekdayError) as info:
            Calendar(hours={key: "08:00-17:00"})
        assert_mentions(
            message(info),
            "hours: unknown day",
            repr(key),
            "expected mon, tue, wed, thu, fri, sat, sun",
        )

    @given(st.text(max_size=12))
    def test_any_day_key_raises_only_slacalc_errors(self, key):
        """arbitrary day keys either name days or raise a SlacalcError."""
        with contextlib.suppress(SlacalcError):
            Calendar(hours={key: "08:00-17:00"})


class TestTimeZones:
    @pytest.mark.parametrize(
        "zone", ["Mars/Olympus_Mons", "", "Europe/Zürich", "../etc/passwd", None, 1]
    )
    def test_unknown_time_zones(self, zone):
        """an unknown zone names the value and asks for an IANA name."""
        with pytest.raises(UnknownTimeZoneError) as info:
            Calendar(timezone=zone)  # type: ignore[arg-type]
        assert_mentions(
            message(info), "timezone: unknown time zone", repr(zone), "expected an IANA name"
        )


class TestHolidaySources:
    def test_unknown_country(self):
        """an unknown holidays country is named, with the expected kind of code."""
        with pytest.raises(UnknownHolidayRegionError) as info:
            Calendar(holidays={"country": "XX"})
        assert_mentions(
            message(info), "holidays.country", "'XX'", "expected an ISO 3166-1 alpha-2 code"
        )

    def test_unknown_subdivision(self):
        """an unknown subdivision lists the country's real ones."""
        with pytest.raises(UnknownHolidayRegionError) as info:
            Calendar(holidays={"country": "CH", "subdiv": "XY"})
        assert_mentions(message(info), "holidays.subdiv", "'XY'", "expected one of", "SG", "ZH")

    def test_unknown_category(self):
        """an unknown category lists the country's categories."""
        with pytest.raises(UnknownHolidayRegionError) as info:
            Calendar(holidays={"country": "CH", "subdiv": "SG", "categories": ["public", "bank"]})
        assert_mentions(
            message(info),
            "holidays.categories",
            "'bank'",
            "expected one or more of",
            "optional",
            "public",
        )

    def test_no_category_at_all(self):
        """an empty category list is refused too."""
        with pytest.raises(UnknownHolidayRegionError, match=r"holidays\.categories"):
            Calendar(holidays={"country": "CH", "categories": []})

    def test_unknown_keys(self):
        """a misspelt key is not silently ignored."""
        with pytest.raises(UnknownHolidayRegionError) as info:
            Calendar(holidays={"country": "CH", "subdivision": "SG"})
        assert_mentions(
            message(info),
            "holidays",
            "'subdivision'",
            "expected country, subdiv, categories, ical, add or remove",
        )


class TestDurations:
    @pytest.mark.parametrize("text", ["4 fortnights", "PTX", "P1M", "soon", "4"])
    def test_malformed_durations(self, office, text):
        """an unreadable duration names the value and the accepted forms."""
        with pytest.raises(DurationError) as info:
            office.add(zdt("2026-03-02 08:00"), text)
        assert_mentions(
            message(info),
            "duration: cannot read duration",
            repr(text),
            "ISO 8601",
            "'4 business hours'",
        )

    @pytest.mark.parametrize(
        "text", ["PT99999999999999H", "99999999999999 hours", "9" * 5000 + " hours"]
    )
    def test_overlong_durations_regression(self, text):
        """a duration beyond what timedelta holds is a DurationError, not an OverflowError."""
        with pytest.raises(DurationError) as info:
            parse_duration(text)
        assert_mentions(
            message(info), "duration: duration", "is too long", "expected less than 999999999 days"
        )

    def test_overlong_business_days_on_a_calendar(self, office):
        """millions of business days overflow when resolved: a DurationError as well."""
        with pytest.raises(DurationError, match="too long"):
            office.add(zdt("2026-03-02 08:00"), "99999999999 business days")

    def test_business_day_must_be_hours(self):
        """business_day given in business days is circular: refused."""
        with pytest.raises(DurationError) as info:
            Calendar(business_day="1 business day")
        assert_mentions(
            message(info), "business_day", "'1 business day'", "expected hours such as '9h'"
        )

    @pytest.mark.parametrize("value", ["0h", timedelta(hours=-1)])
    def test_business_day_must_be_positive(self, value):
        """a zero or negative business day is refused."""
        with pytest.raises(DurationError) as info:
            Calendar(business_day=value)
        assert_mentions(message(info), "business_day", repr(value), "expected a positive duration")


class TestOtherCalendarErrors:
    def test_bad_closed_date(self):
        """a closed date that is not a date names the field and the value."""
        with pytest.raises(CalendarError) as info:
            Calendar(closed=["2026-13-01"])
        assert_mentions(
            message(info), "closed: invalid date '2026-13-01'", "expected a date or 'YYYY-MM-DD'"
        )

    def test_bad_special_dates(self):
        """special hours must be a mapping of dates."""
        with pytest.raises(InvalidWindowError, match="special"):
            Calendar(special=["2026-12-24"])  # type: ignore[arg-type]
        with pytest.raises(CalendarError, match="special: invalid date"):
            Calendar(special={datetime(2026, 12, 24, tzinfo=UTC): "08:00-12:00"})  # type: ignore[dict-item]

    def test_a_calendar_that_never_opens(self):
        """add and next_open on a calendar with no windows raise CalendarNeverOpensError."""
        never = Calendar(hours={})
        start = zdt("2026-03-02 08:00")
        assert never.elapsed(start, zdt("2026-03-09 08:00")) == timedelta(0)
        with pytest.raises(CalendarNeverOpensError, match="expected at least one weekly window"):
            never.add(start, timedelta(hours=1))
        with pytest.raises(CalendarNeverOpensError):
            never.next_open(start)

    def test_special_hours_alone_open_the_calendar(self):
        """a calendar open only on one special date still reaches a target on it."""
        calendar = Calendar(hours={}, special={date(2026, 3, 4): "10:00-12:00"})
        result = calendar.add(datetime(2026, 3, 2, tzinfo=UTC), timedelta(hours=1))
        # Wed 2026-03-04 10:00 UTC (calendar in UTC) + 1 h
        assert result == datetime(2026, 3, 4, 11, tzinfo=UTC)

    def test_config_of_a_combined_calendar(self, office):
        """a & b has no constructor arguments to give back."""
        with pytest.raises(CalendarError, match="combined calendar"):
            (office & office).config()


class TestCalendarRunsOut:
    """A calendar whose open time ends says so, instead of searching to 2200 and blaming the range."""

    def test_forward_past_the_last_special_date(self) -> None:
        """only one special date is open: asking past it names the last open span."""
        cal = Calendar(timezone="Europe/Zurich", hours={}, special={"2026-03-02": "08:00-09:00"})
        zurich = ZoneInfo("Europe/Zurich")
        with pytest.raises(
            CalendarNeverOpensError, match=r"last open span ends at 2026-03-02T09:00:00\+01:00"
        ):
            cal.add(datetime(2026, 3, 2, 8, 30, tzinfo=zurich), timedelta(hours=1))
        with pytest.raises(CalendarNeverOpensError, match="runs out of open time"):
            cal.next_open(datetime(2026, 3, 3, tzinfo=zurich))

    def test_backward_before_the_first(self) -> None:
        """a negative add before the first open span names where the calendar first opens."""
        cal = Calendar(timezone="Europe/Zurich", hours={}, special={"2026-03-02": "08:00-09:00"})
        with pytest.raises(
            CalendarNeverOpensError, match=r"first opens at 2026-03-02T08:00:00\+01:00"
        ):
            cal.add(
                datetime(2026, 3, 2, 8, 30, tzinfo=ZoneInfo("Europe/Zurich")), timedelta(hours=-1)
            )

    def test_disjoint_intersection(self) -> None:
        """mornings & afternoons is never open."""
        mornings = Calendar(timezone="UTC", hours={"mon-sun": "08:00-12:00"})
        afternoons = Calendar(timezone="UTC", hours={"mon-sun": "13:00-17:00"})
        with pytest.raises(CalendarNeverOpensError, match="never open"):
            (mornings & afternoons).add(
                datetime(2026, 3, 2, tzinfo=ZoneInfo("UTC")), timedelta(hours=1)
            )

    def test_regular_calendar_past_2200_is_out_of_range(self) -> None:
        """a calendar that keeps opening but would answer after 2200 is out of range, not shut."""
        with pytest.raises(OutOfRangeError, match="beyond the supported range"):
            office_hours().add(
                datetime(2200, 3, 2, 8, 30, tzinfo=ZoneInfo("Europe/Zurich")), timedelta(days=20000)
            )
