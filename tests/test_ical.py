"""iCal holiday feeds: ``holidays = { ical = "path.ics" }`` (issue 10, item 4).

The central check: a calendar whose holidays come from a feed (a yearly RRULE,
an EXDATE, a one-off date) answers every query exactly as the calendar that
lists the same dates, computed here by plain date arithmetic, as ``closed``.
"""

from __future__ import annotations

import json
import os
import pickle
import re
import shutil
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from calendar_contract import CalendarContract
from helpers import as_utc, hours, zdt
from slacalc import (
    Calendar,
    HolidaySources,
    HolidaySpec,
    IcalFeed,
    SlacalcWarning,
    Ticket,
    load_policy,
    policy_schema,
)
from slacalc._engine.holidays import parse_holiday_spec
from slacalc.exceptions import HolidayFeedError, HolidaySourceError, PolicyFileError

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE_FEED = ROOT / "examples" / "company_holidays.ics"
OFFICE = {"mon-fri": "08:00-17:00", "sat": "09:00-12:00"}


def ics(*body: str, newline: str = "\r\n") -> str:
    """A VCALENDAR around *body* (each item one or more lines), with *newline* line ends."""
    lines = ["BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//slacalc tests//EN"]
    for item in body:
        lines += item.strip("\n").split("\n")
    lines.append("END:VCALENDAR")
    return newline.join(lines) + newline


def vevent(*props: str) -> str:
    """One VEVENT with *props* (property lines)."""
    return "\n".join(["BEGIN:VEVENT", *props, "END:VEVENT"])


def feed_of(*body: str, origin: str = "test.ics") -> IcalFeed:
    return IcalFeed.from_text(ics(*body), origin=origin)


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(text.encode("utf-8"))
    return path


def second_friday_of_september(year: int) -> date:
    first = date(year, 9, 1)
    return first + timedelta(days=(4 - first.weekday()) % 7 + 7)


# ---------------------------------------------------------------------- the feed against `closed`

#: Nationalfeiertag every year from 2020 (except 2027), a company outing on the second
#: Friday of September from 2024 (an RRULE with BYDAY), and one-off Josephstag 2026.
AGREEMENT_FEED = ics(
    vevent(
        "UID:national@example.ch",
        "DTSTART;VALUE=DATE:20200801",
        "RRULE:FREQ=YEARLY",
        "EXDATE;VALUE=DATE:20270801",
        "SUMMARY:Nationalfeiertag",
    ),
    vevent(
        "UID:outing@example.ch",
        "DTSTART;VALUE=DATE:20240913",
        "DTEND;VALUE=DATE:20240914",
        "RRULE:FREQ=YEARLY;BYMONTH=9;BYDAY=2FR",
        "SUMMARY:Betriebsausflug",
    ),
    vevent("UID:joseph@example.ch", "DTSTART;VALUE=DATE:20260319", "SUMMARY:Josephstag"),
)
YEARS = range(2019, 2034)
#: The same dates, by plain arithmetic.
AGREEMENT_DATES = sorted(
    [date(y, 8, 1) for y in YEARS if y >= 2020 and y != 2027]
    + [second_friday_of_september(y) for y in YEARS if y >= 2024]
    + [date(2026, 3, 19)]
)


@pytest.fixture(scope="module")
def feed_calendar(tmp_path_factory: pytest.TempPathFactory) -> Calendar:
    path = write(tmp_path_factory.mktemp("feed") / "holidays.ics", AGREEMENT_FEED)
    return Calendar(timezone="Europe/Zurich", hours=OFFICE, holidays={"ical": str(path)})


@pytest.fixture(scope="module")
def closed_calendar() -> Calendar:
    return Calendar(timezone="Europe/Zurich", hours=OFFICE, closed=AGREEMENT_DATES)


instants = st.datetimes(
    min_value=datetime(2019, 1, 1),
    max_value=datetime(2033, 12, 31),
    timezones=st.sampled_from([UTC, zdt("2026-01-01 00:00").tzinfo]),
)
spans = st.one_of(
    st.integers(0, 2000).map(lambda h: timedelta(hours=h)),
    st.integers(0, 2000 * 3600).map(lambda s: timedelta(seconds=s)),
)


class TestFeedAgreesWithClosed:
    def test_the_feed_has_exactly_those_dates(self, feed_calendar: Calendar) -> None:
        """the feed's dates, year by year, are the ones computed by hand (RRULE, EXDATE, one-off)."""
        sources = feed_calendar.holidays
        assert sources is not None
        found = [d for y in YEARS for d in sources.dates(y)]
        assert found == AGREEMENT_DATES
        assert date(2027, 8, 1) not in found  # the EXDATE
        assert date(2026, 9, 11) in found and date(2030, 9, 13) in found  # 2nd Fridays

    def test_same_open_intervals_over_the_years(
        self, feed_calendar: Calendar, closed_calendar: Calendar
    ) -> None:
        """fifteen years of open intervals are identical, interval by interval."""
        lo, hi = zdt("2019-01-01 00:00"), zdt("2034-01-01 00:00")
        assert feed_calendar.open_intervals(lo, hi) == closed_calendar.open_intervals(lo, hi)

    @given(start=instants, span=spans)
    def test_add_and_elapsed_agree(
        self, feed_calendar: Calendar, closed_calendar: Calendar, start: datetime, span: timedelta
    ) -> None:
        """add and elapsed give the same answers on both calendars."""
        a, b = feed_calendar.add(start, span), closed_calendar.add(start, span)
        assert as_utc(a) == as_utc(b)
        assert feed_calendar.add(start, -span) == closed_calendar.add(start, -span)
        end = start + span
        assert feed_calendar.elapsed(start, end) == closed_calendar.elapsed(start, end)

    @given(at=instants)
    def test_is_open_and_next_open_agree(
        self, feed_calendar: Calendar, closed_calendar: Calendar, at: datetime
    ) -> None:
        """is_open and next_open give the same answers on both calendars."""
        assert feed_calendar.is_open(at) == closed_calendar.is_open(at)
        assert as_utc(feed_calendar.next_open(at)) == as_utc(closed_calendar.next_open(at))

    def test_hand_computed_deadline_across_the_national_day(self, feed_calendar: Calendar) -> None:
        """Fri 2026-07-31 16:00 + 4 h: 1 h Friday, Sat 1 Aug closed (holiday), Mon 08:00 + 3 h."""
        due = feed_calendar.add(zdt("2026-07-31 16:00"), hours(4))
        assert due == zdt("2026-08-03 11:00")
        # without the holiday, Saturday 09:00-12:00 would take the 3 hours
        plain = Calendar(timezone="Europe/Zurich", hours=OFFICE)
        assert plain.add(zdt("2026-07-31 16:00"), hours(4)) == zdt("2026-08-01 12:00")

    def test_names_are_the_summaries(self, feed_calendar: Calendar) -> None:
        """holidays_between names each date by its event's SUMMARY, where `closed` says 'closed'."""
        got = feed_calendar.holidays_between(zdt("2026-03-01 00:00"), zdt("2026-09-30 00:00"))
        assert got == [
            (date(2026, 3, 19), "Josephstag"),
            (date(2026, 8, 1), "Nationalfeiertag"),
            (date(2026, 9, 11), "Betriebsausflug"),
        ]


# ---------------------------------------------------------------------- the contract, on a feed


class TestCompanyFeedCalendar(CalendarContract):
    """The example feed satisfies every calendar law (inputs 1971-2199)."""

    @pytest.fixture(scope="class")
    @classmethod
    def calendar(cls) -> Calendar:
        return Calendar(
            timezone="Europe/Zurich",
            hours={"mon-fri": "08:00-17:00"},
            holidays={"ical": str(EXAMPLE_FEED)},
        )

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
        # Karfreitag (one-off), Betriebsausflug (RRULE BYDAY), Neujahr 2027 (RRULE), Berchtoldstag
        # 2031, Christmas 2199 (a yearly RRULE far out), Betriebsferien (multi-day)
        return [
            date(2026, 4, 3),
            date(2026, 9, 11),
            date(2027, 1, 1),
            date(2031, 1, 2),
            date(2199, 12, 25),
            date(2026, 12, 29),
        ]

    @pytest.fixture(scope="class")
    @classmethod
    def sample_open(cls) -> list[datetime]:
        # the EXDATE (no outing in 2027), the cancelled bridge day
        return [zdt("2027-09-10 10:00"), zdt("2026-05-15 10:00"), zdt("2026-03-02 08:00")]

    @pytest.fixture(scope="class")
    @classmethod
    def sample_closed(cls) -> list[datetime]:
        return [zdt("2026-08-01 10:00"), zdt("2026-12-31 10:00"), zdt("2026-03-02 17:00")]


# ---------------------------------------------------------------------- the example feed


class TestExampleFeed:
    def test_every_kind_of_event_in_it(self) -> None:
        """the Google-exported sample: RRULEs, RDATE, EXDATE, multi-day, CANCELLED, in German."""
        feed = IcalFeed.read(EXAMPLE_FEED)
        assert len(feed) == 15
        names = feed.names(2027)
        assert names[date(2027, 3, 26)] == "Karfreitag"  # RDATE
        assert date(2027, 9, 10) not in names  # EXDATE
        assert names[date(2027, 12, 26)] == "Weihnachten und Stephanstag"  # 2-day RRULE event
        assert feed.names(2026)[date(2026, 12, 31)] == "Betriebsferien"
        assert date(2026, 5, 15) not in feed.names(2026)  # STATUS:CANCELLED
        assert feed.names(2028)[date(2028, 4, 14)] == "Karfreitag"

    def test_file_has_crlf_and_folded_lines(self) -> None:
        """the sample is written as exporters write: CRLF, long lines folded at 75 octets."""
        raw = EXAMPLE_FEED.read_bytes()
        assert b"\r\n " in raw
        assert all(len(line) <= 75 for line in raw.split(b"\r\n"))
        assert raw.count(b"\n") == raw.count(b"\r\n")


# ---------------------------------------------------------------------- event shapes


class TestAllDayEvents:
    def test_dtend_is_exclusive(self) -> None:
        """DTEND;VALUE=DATE:20261227 after DTSTART 20261224 covers the 24th, 25th and 26th."""
        feed = feed_of(
            vevent(
                "DTSTART;VALUE=DATE:20261224", "DTEND;VALUE=DATE:20261227", "SUMMARY:Weihnachten"
            )
        )
        assert feed.dates(2026) == (date(2026, 12, 24), date(2026, 12, 25), date(2026, 12, 26))

    def test_duration_in_days_and_weeks(self) -> None:
        """DURATION:P3D covers three dates, P1W seven."""
        feed = feed_of(
            vevent("DTSTART;VALUE=DATE:20260302", "DURATION:P3D", "SUMMARY:A"),
            vevent("DTSTART;VALUE=DATE:20260601", "DURATION:P1W", "SUMMARY:B"),
        )
        dates = feed.dates(2026)
        assert dates[:3] == (date(2026, 3, 2), date(2026, 3, 3), date(2026, 3, 4))
        assert dates[3:] == tuple(date(2026, 6, 1) + timedelta(days=k) for k in range(7))

    def test_one_day_without_an_end(self) -> None:
        """an all-day event with neither DTEND nor DURATION is one day (RFC 5545 3.6.1)."""
        feed = feed_of(vevent("DTSTART;VALUE=DATE:20260319", "SUMMARY:Josephstag"))
        assert feed.dates(2026) == (date(2026, 3, 19),)

    def test_a_yearly_multi_day_event_across_new_year(self) -> None:
        """a yearly 30 Dec - 2 Jan closure puts 1 Jan 2027 in 2027's dates (from the 2026 occurrence)."""
        feed = feed_of(
            vevent(
                "DTSTART;VALUE=DATE:20201230",
                "DTEND;VALUE=DATE:20210103",
                "RRULE:FREQ=YEARLY",
                "SUMMARY:Jahreswechsel",
            )
        )
        assert feed.dates(2027) == (
            date(2027, 1, 1),
            date(2027, 1, 2),
            date(2027, 12, 30),
            date(2027, 12, 31),
        )

    def test_date_without_value_parameter(self) -> None:
        """DTSTART:20260319 (no VALUE=DATE, as some exporters write) is read as a date."""
        feed = feed_of(vevent("DTSTART:20260319", "SUMMARY:Josephstag"))
        assert feed.dates(2026) == (date(2026, 3, 19),)

    def test_rrule_with_count_and_until(self) -> None:
        """COUNT=3 gives three years; UNTIL (a date, inclusive) stops the rule."""
        feed = feed_of(
            vevent("DTSTART;VALUE=DATE:20240501", "RRULE:FREQ=YEARLY;COUNT=3", "SUMMARY:A"),
            vevent("DTSTART;VALUE=DATE:20240601", "RRULE:FREQ=YEARLY;UNTIL=20260601", "SUMMARY:B"),
        )
        assert [feed.dates(y) for y in (2026, 2027)] == [(date(2026, 5, 1), date(2026, 6, 1)), ()]

    def test_rdate_adds_and_exdate_removes(self) -> None:
        """RDATE adds occurrences (comma lists too); EXDATE removes them, RDATEs included."""
        feed = feed_of(
            vevent(
                "DTSTART;VALUE=DATE:20260403",
                "RDATE;VALUE=DATE:20270326,20280414",
                "RDATE;VALUE=DATE:20290330",
                "EXDATE;VALUE=DATE:20280414",
                "SUMMARY:Karfreitag",
            )
        )
        got = [d for y in range(2026, 2030) for d in feed.dates(y)]
        assert got == [date(2026, 4, 3), date(2027, 3, 26), date(2029, 3, 30)]

    def test_cancelled_events_close_nothing(self) -> None:
        """STATUS:CANCELLED skips the event (and the whole series)."""
        feed = feed_of(
            vevent("DTSTART;VALUE=DATE:20260515", "STATUS:CANCELLED", "SUMMARY:Brückentag"),
            vevent(
                "DTSTART;VALUE=DATE:20200101",
                "RRULE:FREQ=YEARLY",
                "STATUS:cancelled",
                "SUMMARY:Neujahr",
            ),
        )
        assert feed.dates(2026) == ()

    def test_a_moved_instance_recurrence_id(self) -> None:
        """an override (same UID, RECURRENCE-ID) moves one instance; a cancelled one drops it."""
        feed = feed_of(
            vevent(
                "UID:outing",
                "DTSTART;VALUE=DATE:20240913",
                "RRULE:FREQ=YEARLY;BYMONTH=9;BYDAY=2FR",
                "SUMMARY:Betriebsausflug",
            ),
            vevent(
                "UID:outing",
                "RECURRENCE-ID;VALUE=DATE:20260911",
                "DTSTART;VALUE=DATE:20260918",
                "SUMMARY:Betriebsausflug (verschoben)",
            ),
            vevent(
                "UID:outing",
                "RECURRENCE-ID;VALUE=DATE:20270910",
                "DTSTART;VALUE=DATE:20270910",
                "STATUS:CANCELLED",
            ),
        )
        assert feed.names(2026) == {date(2026, 9, 18): "Betriebsausflug (verschoben)"}
        assert feed.names(2027) == {}
        assert feed.names(2028) == {date(2028, 9, 8): "Betriebsausflug"}

    def test_two_events_on_one_date_join_their_names(self) -> None:
        """names of events on the same date are joined with '; ', each once, in file order."""
        feed = feed_of(
            vevent("DTSTART;VALUE=DATE:20260801", "SUMMARY:Nationalfeiertag"),
            vevent("DTSTART;VALUE=DATE:20260801", "SUMMARY:Brunch"),
            vevent("DTSTART;VALUE=DATE:20260801", "SUMMARY:Nationalfeiertag"),
            vevent("DTSTART;VALUE=DATE:20260802"),
        )
        assert feed.names(2026) == {
            date(2026, 8, 1): "Nationalfeiertag; Brunch",
            date(2026, 8, 2): "holiday",  # no SUMMARY
        }

    def test_summary_escapes_and_parameters(self) -> None:
        r"""SUMMARY;LANGUAGE=de: \, \; \\ and \n are unescaped; runs of space collapse."""
        feed = feed_of(
            vevent(r"DTSTART;VALUE=DATE:20260801", r"SUMMARY;LANGUAGE=de:A\, B\; C\\D\nE")
        )
        assert feed.names(2026)[date(2026, 8, 1)] == "A, B; C\\D E"

    def test_alarms_inside_events_are_not_the_events(self) -> None:
        """a VALARM's DURATION and SUMMARY stay the alarm's (components nest)."""
        feed = feed_of(
            vevent(
                "DTSTART;VALUE=DATE:20260801",
                "SUMMARY:Nationalfeiertag",
                "BEGIN:VALARM",
                "ACTION:DISPLAY",
                "SUMMARY:Reminder",
                "TRIGGER:-P1D",
                "DURATION:P5D",
                "REPEAT:1",
                "END:VALARM",
            ),
            "BEGIN:VTODO\nDTSTART;VALUE=DATE:20260802\nSUMMARY:todo\nEND:VTODO",
        )
        assert feed.names(2026) == {date(2026, 8, 1): "Nationalfeiertag"}


class TestTimedEvents:
    def test_tzid_dates_are_the_events_own(self) -> None:
        """a midnight-to-midnight event in New York covers 26 Nov only, for any calendar."""
        feed = feed_of(
            vevent(
                "DTSTART;TZID=America/New_York:20261126T000000",
                "DTEND;TZID=America/New_York:20261127T000000",
                "SUMMARY:Thanksgiving",
            )
        )
        assert feed.dates(2026, "Europe/Zurich") == (date(2026, 11, 26),)
        assert feed.dates(2026, "Asia/Tokyo") == (date(2026, 11, 26),)

    def test_utc_times_fall_on_the_calendars_dates(self) -> None:
        """23:00Z-23:00Z is 24 December in Zurich, but touches the 23rd and 24th in UTC."""
        feed = feed_of(
            vevent("DTSTART:20261223T230000Z", "DTEND:20261224T230000Z", "SUMMARY:Heiligabend")
        )
        assert feed.dates(2026, "Europe/Zurich") == (date(2026, 12, 24),)
        assert feed.dates(2026, "UTC") == (date(2026, 12, 23), date(2026, 12, 24))
        zurich = Calendar(timezone="Europe/Zurich", hours="24x7", holidays=feed)
        assert not zurich.is_open(zdt("2026-12-24 00:00"))
        assert zurich.is_open(zdt("2026-12-23 23:59:59"))

    def test_floating_times_are_read_as_written(self) -> None:
        """a time without Z or TZID is a wall time; an event without an end covers its start date."""
        feed = feed_of(
            vevent("DTSTART:20260801T100000", "SUMMARY:Brunch"),
            # 30 Dec 12:00 + 36 h ends at 1 Jan 00:00 (exclusive); + 37 h at 01:00, touching the 1st
            vevent("DTSTART:20261230T120000", "DURATION:P1DT12H", "SUMMARY:Jahresende"),
            vevent("DTSTART:20271230T120000", "DURATION:P1DT13H", "SUMMARY:Jahresende"),
        )
        assert feed.dates(2026, "Pacific/Auckland") == (
            date(2026, 8, 1),
            date(2026, 12, 30),
            date(2026, 12, 31),
        )
        assert feed.dates(2027) == (date(2027, 12, 30), date(2027, 12, 31))
        assert feed.dates(2028) == (date(2028, 1, 1),)

    def test_an_end_at_midnight_does_not_touch_the_next_date(self) -> None:
        """the end is exclusive: 22:00 to 00:00 covers one date."""
        feed = feed_of(
            vevent(
                "DTSTART;TZID=Europe/Zurich:20261231T220000",
                "DTEND;TZID=Europe/Zurich:20270101T000000",
                "SUMMARY:Silvester",
            )
        )
        assert feed.dates(2026, "Europe/Zurich") == (date(2026, 12, 31),)
        assert feed.dates(2027, "Europe/Zurich") == ()

    def test_yearly_rule_in_a_zone_with_until_and_exdate_in_utc(self) -> None:
        """UNTIL and EXDATE in UTC are compared as instants with the zoned occurrences."""
        feed = feed_of(
            vevent(
                "DTSTART;TZID=Europe/Zurich:20200801T000000",
                "DTEND;TZID=Europe/Zurich:20200802T000000",
                # 1 Aug 00:00 in Zurich (summer time) is 31 Jul 22:00 UTC: 2025's is the last
                "RRULE:FREQ=YEARLY;UNTIL=20250731T220000Z",
                "EXDATE:20230731T220000Z",
                "SUMMARY:Nationalfeiertag",
            )
        )
        got = [d for y in range(2019, 2028) for d in feed.dates(y, "Europe/Zurich")]
        assert got == [date(y, 8, 1) for y in (2020, 2021, 2022, 2024, 2025)]

    def test_until_one_second_earlier_excludes_the_last(self) -> None:
        """UNTIL one second before the 2025 occurrence (as an instant) stops at 2024."""
        feed = feed_of(
            vevent(
                "DTSTART;TZID=Europe/Zurich:20200801T000000",
                "RRULE:FREQ=YEARLY;UNTIL=20250731T215959Z",
                "SUMMARY:Nationalfeiertag",
            )
        )
        assert feed.dates(2024) == (date(2024, 8, 1),)
        assert feed.dates(2025) == ()

    def test_windows_zone_from_the_files_vtimezone(self) -> None:
        """Outlook's TZID 'W. Europe Standard Time' is read from the file's VTIMEZONE rules."""
        vtimezone = "\n".join(
            [
                "BEGIN:VTIMEZONE",
                "TZID:W. Europe Standard Time",
                "BEGIN:STANDARD",
                "DTSTART:16010101T030000",
                "TZOFFSETFROM:+0200",
                "TZOFFSETTO:+0100",
                "RRULE:FREQ=YEARLY;INTERVAL=1;BYDAY=-1SU;BYMONTH=10",
                "END:STANDARD",
                "BEGIN:DAYLIGHT",
                "DTSTART:16010101T020000",
                "TZOFFSETFROM:+0100",
                "TZOFFSETTO:+0200",
                "RRULE:FREQ=YEARLY;INTERVAL=1;BYDAY=-1SU;BYMONTH=3",
                "END:DAYLIGHT",
                "END:VTIMEZONE",
            ]
        )
        feed = feed_of(
            vtimezone,
            vevent(
                'DTSTART;TZID="W. Europe Standard Time":20260801T000000',
                'DTEND;TZID="W. Europe Standard Time":20260802T000000',
                "RRULE:FREQ=YEARLY",
                # 1 Aug 2027 00:00 at +02:00 is 31 Jul 22:00 UTC: that instance is excluded
                "EXDATE:20270731T220000Z",
                "X-MICROSOFT-CDO-ALLDAYEVENT:TRUE",
                "SUMMARY:Nationalfeiertag",
            ),
        )
        assert feed.dates(2026, "Europe/Zurich") == (date(2026, 8, 1),)
        assert feed.dates(2027, "Europe/Zurich") == ()
        assert feed.dates(2028, "Europe/Zurich") == (date(2028, 8, 1),)
        clone = pickle.loads(pickle.dumps(feed))
        assert clone.dates(2028, "Europe/Zurich") == (date(2028, 8, 1),)

    def test_mozilla_style_tzid_and_x_lic_location(self) -> None:
        """'/mozilla.org/.../Europe/Zurich' and a VTIMEZONE naming X-LIC-LOCATION both resolve."""
        feed = feed_of(
            "BEGIN:VTIMEZONE\nTZID:Zurich local\nX-LIC-LOCATION:Europe/Zurich\nEND:VTIMEZONE",
            vevent(
                "DTSTART;TZID=/mozilla.org/20050126_1/Europe/Zurich:20260801T000000",
                "SUMMARY:A",
            ),
            vevent("DTSTART;TZID=Zurich local:20260802T000000", "SUMMARY:B"),
            vevent("DTSTART:20260802T230000Z", "SUMMARY:C"),  # 3 Aug in Zurich
        )
        assert feed.names(2026, "Europe/Zurich") == {
            date(2026, 8, 1): "A",
            date(2026, 8, 2): "B",
            date(2026, 8, 3): "C",
        }


# ---------------------------------------------------------------------- lines


class TestLines:
    BODY = vevent("DTSTART;VALUE=DATE:20260801", "SUMMARY:Schweizer Nationalfeiertag")

    @pytest.mark.parametrize("newline", ["\r\n", "\n", "\r"], ids=["crlf", "lf", "cr"])
    def test_line_ends(self, newline: str) -> None:
        """CRLF (RFC 5545), bare LF and bare CR files read the same."""
        feed = IcalFeed.from_text(ics(self.BODY, newline=newline))
        assert feed.names(2026) == {date(2026, 8, 1): "Schweizer Nationalfeiertag"}

    def test_folded_lines_are_unfolded(self) -> None:
        """a line break followed by one space or tab continues the line; that one character goes."""
        text = ics(
            "BEGIN:VEVENT\nDTSTART;VALUE=DA\n TE:202608\n\t01\nSUMMARY:Schweizer Nat\n ionalfe\n iertag\nEND:VEVENT"
        )
        assert IcalFeed.from_text(text).names(2026) == {
            date(2026, 8, 1): "Schweizer Nationalfeiertag"
        }

    def test_folding_keeps_a_space_that_belongs_to_the_text(self) -> None:
        """only the first whitespace character of a continuation line is the fold."""
        text = ics(
            "BEGIN:VEVENT\nDTSTART;VALUE=DATE:20260801\nSUMMARY:Schweizer\n  Nationalfeiertag\nEND:VEVENT"
        )
        assert IcalFeed.from_text(text).names(2026)[date(2026, 8, 1)] == (
            "Schweizer Nationalfeiertag"
        )

    def test_byte_order_mark_and_blank_lines(self) -> None:
        """a UTF-8 BOM and blank lines (at the end, between events) are ignored."""
        text = "\ufeff" + ics(self.BODY).replace("END:VEVENT", "END:VEVENT\r\n") + "\r\n\r\n"
        assert IcalFeed.from_text(text).dates(2026) == (date(2026, 8, 1),)

    def test_lower_case_names_and_quoted_parameters(self) -> None:
        """property names are case-insensitive; quoted parameter values may hold ':' and ';'."""
        text = ics(
            'begin:vevent\ndtstart;value=date;X-NOTE="a:b;c":20260801\nsummary:A\nend:vevent'
        )
        assert IcalFeed.from_text(text).dates(2026) == (date(2026, 8, 1),)


# ---------------------------------------------------------------------- malformed feeds

MALFORMED = [
    pytest.param(
        "hello world\r\n",
        "line 1: 'hello world' at the start of the file; expected BEGIN:VCALENDAR",
        id="not-icalendar",
    ),
    pytest.param("", "line 1: empty file; expected an iCalendar (.ics) file", id="empty"),
    pytest.param(
        ics(vevent("DTSTART;VALUE=DATE:20261301")),
        "line 5: DTSTART: invalid value '20261301'; expected a real date (month must be in 1..12)",
        id="bad-date",
    ),
    pytest.param(
        ics(vevent("DTSTART:2026-08-01")),
        "line 5: DTSTART: invalid value '2026-08-01'; expected a date (YYYYMMDD) or a date-time",
        id="iso-date",
    ),
    pytest.param(
        ics(vevent("DTSTART;VALUE=DATE:20260801T100000")),
        "line 5: DTSTART: invalid value '20260801T100000'; expected a date (YYYYMMDD), as VALUE=DATE says",
        id="date-with-time",
    ),
    pytest.param(
        ics(vevent("SUMMARY:no start")),
        "line 4: VEVENT: no DTSTART; expected every event to have a start",
        id="no-dtstart",
    ),
    pytest.param(
        ics(vevent("DTSTART;VALUE=DATE:20260801", "DTSTART;VALUE=DATE:20260802")),
        "line 6: DTSTART: given twice in the VEVENT of line 4 (first on line 5); expected it once",
        id="two-dtstarts",
    ),
    pytest.param(
        ics(vevent("DTSTART;VALUE=DATE:20260801", "DTEND;VALUE=DATE:20260731")),
        "line 6: DTEND: invalid value '20260731'; expected a value after DTSTART 20260801",
        id="end-before-start",
    ),
    pytest.param(
        ics(vevent("DTSTART;VALUE=DATE:20260801", "DTEND:20260802T000000")),
        "line 6: DTEND: invalid value '20260802T000000'; expected a date, like DTSTART",
        id="end-kind",
    ),
    pytest.param(
        ics(vevent("DTSTART;VALUE=DATE:20260801", "DTEND;VALUE=DATE:20260802", "DURATION:P1D")),
        "line 7: DURATION: invalid value 'P1D'; expected DTEND or DURATION, not both",
        id="end-and-duration",
    ),
    pytest.param(
        ics(vevent("DTSTART;VALUE=DATE:20260801", "DURATION:P1X")),
        "line 6: DURATION: invalid value 'P1X'; expected a positive duration such as P1D",
        id="bad-duration",
    ),
    pytest.param(
        ics(vevent("DTSTART;VALUE=DATE:20260801", "RRULE:FREQ=YEARLX")),
        "line 6: RRULE: invalid value 'FREQ=YEARLX'; expected FREQ=DAILY, WEEKLY, MONTHLY or YEARLY",
        id="bad-freq",
    ),
    pytest.param(
        ics(vevent("DTSTART:20260801T100000Z", "RRULE:FREQ=HOURLY")),
        "line 6: RRULE: invalid value 'FREQ=HOURLY'; expected FREQ=DAILY, WEEKLY, MONTHLY or YEARLY: a holiday recurs by days",
        id="hourly",
    ),
    pytest.param(
        ics(vevent("DTSTART;VALUE=DATE:20260801", "RRULE:FREQ=YEARLY;BYFOO=1")),
        "line 6: RRULE: invalid value 'FREQ=YEARLY;BYFOO=1'; expected a recurrence rule such as "
        "FREQ=YEARLY;BYMONTH=8;BYMONTHDAY=1 (RFC 5545 3.3.10): unknown parameter 'BYFOO'",
        id="bad-rule-part",
    ),
    pytest.param(
        ics(vevent("DTSTART;VALUE=DATE:20260801", "RRULE:FREQ=YEARLY;UNTIL=2030")),
        "line 6: RRULE: invalid value 'UNTIL=2030'; expected a date (YYYYMMDD)",
        id="bad-until",
    ),
    pytest.param(
        ics(vevent("DTSTART;VALUE=DATE:20260801", "RRULE:FREQ=YEARLY;COUNT=2;UNTIL=20300101")),
        "line 6: RRULE: invalid value 'FREQ=YEARLY;COUNT=2;UNTIL=20300101'; expected COUNT or UNTIL, not both",
        id="count-and-until",
    ),
    pytest.param(
        ics(vevent("DTSTART;VALUE=DATE:20260801", "EXDATE;VALUE=DATE:20270801,2028")),
        "line 6: EXDATE: invalid value '2028'; expected a date (YYYYMMDD)",
        id="bad-exdate",
    ),
    pytest.param(
        ics(
            vevent(
                "DTSTART;VALUE=DATE:20260801",
                "RDATE;VALUE=PERIOD:20270801T000000Z/20270802T000000Z",
            )
        ),
        "line 6: RDATE: invalid value '20270801T000000Z/20270802T000000Z'; expected a date (YYYYMMDD) "
        "or a date-time (YYYYMMDDTHHMMSS, with Z for UTC) (VALUE=PERIOD is not supported)",
        id="rdate-period",
    ),
    pytest.param(
        ics(vevent("DTSTART;VALUE=DATE:20260801", "EXRULE:FREQ=YEARLY")),
        "line 6: EXRULE: invalid value 'FREQ=YEARLY'; expected EXDATE for the dates to leave out",
        id="exrule",
    ),
    pytest.param(
        ics(vevent("DTSTART;TZID=Mars/Olympus:20260801T000000")),
        "line 5: TZID: unknown time zone 'Mars/Olympus'; expected an IANA name such as "
        "'Europe/Zurich' or a VTIMEZONE in the file that defines it",
        id="unknown-tzid",
    ),
    pytest.param(
        ics("BEGIN:VEVENT\nDTSTART;VALUE=DATE:20260801\nEND:VTODO"),
        "line 6: END: invalid value 'VTODO'; expected END:VEVENT to close BEGIN:VEVENT of line 4",
        id="end-mismatch",
    ),
    pytest.param(
        "BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nDTSTART;VALUE=DATE:20260801\r\n",
        "line 2: BEGIN:VEVENT is never closed; expected END:VEVENT before the end of the file",
        id="never-closed",
    ),
    pytest.param(
        ics(vevent('DTSTART;X-A="open:20260801')),
        "line 5: DTSTART: unterminated quoted parameter value",
        id="unterminated-quote",
    ),
    pytest.param(
        ics(vevent("DTSTART;VALUE=DATE")),
        "line 5: DTSTART: invalid content line 'DTSTART;VALUE=DATE'; expected ':' before the value",
        id="no-colon",
    ),
    pytest.param(
        ics(vevent("DTSTART;VALUE=DATE:20260801")) + "X-AFTER:1\r\n",
        "line 8: 'X-AFTER:1' after END:VCALENDAR; expected BEGIN:VCALENDAR",
        id="after-end",
    ),
]


class TestMalformedFeeds:
    @pytest.mark.parametrize(("text", "fragment"), MALFORMED)
    def test_error_names_file_line_property_and_value(
        self, tmp_path: Path, text: str, fragment: str
    ) -> None:
        """each malformed feed fails when the calendar is built, naming file, line, property, value."""
        path = write(tmp_path / "bad.ics", text)
        with pytest.raises(HolidayFeedError) as info:
            Calendar(timezone="Europe/Zurich", holidays={"ical": str(path)})
        message = str(info.value)
        assert message.startswith(f"holidays.ical: invalid iCalendar file {path}, line ")
        assert fragment in message

    @pytest.mark.parametrize(
        "url",
        [
            "https://calendar.google.com/calendar/ical/x/public/basic.ics",
            "http://example.ch/feiertage.ics",
            "webcal://example.ch/feiertage.ics",
            "file:///tmp/x.ics",
        ],
    )
    def test_urls_are_refused(self, url: str) -> None:
        """a URL is refused, saying slacalc never goes on the network (no fetch is tried)."""
        with pytest.raises(HolidayFeedError) as info:
            Calendar(holidays={"ical": url})
        assert str(info.value) == (
            f"holidays.ical: {url!r} is a URL; expected the path of an .ics file: slacalc never "
            "fetches anything over the network, so download the feed and give the file"
        )

    def test_missing_file(self, tmp_path: Path) -> None:
        """a path that does not exist is named."""
        path = tmp_path / "nope.ics"
        with pytest.raises(HolidayFeedError, match=r"^holidays\.ical: no such file '.*nope\.ics'"):
            Calendar(holidays={"ical": str(path)})

    def test_a_directory(self, tmp_path: Path) -> None:
        """a directory is not a feed."""
        folder = tmp_path / "dir.ics"
        folder.mkdir()
        with pytest.raises(HolidayFeedError, match=r"^holidays\.ical: cannot read '.*dir\.ics'"):
            IcalFeed.read(folder)

    def test_not_utf8(self, tmp_path: Path) -> None:
        """a Latin-1 file is refused with the byte offset: RFC 5545 text is UTF-8."""
        path = tmp_path / "latin1.ics"
        path.write_bytes(
            ics(vevent("DTSTART;VALUE=DATE:20260801", "SUMMARY:Brückentag")).encode("latin-1")
        )
        with pytest.raises(
            HolidayFeedError, match=r"not UTF-8 text \(invalid start byte at byte \d+\)"
        ):
            IcalFeed.read(path)

    @pytest.mark.parametrize("value", [42, [None], {"path": "x.ics"}])
    def test_ical_must_be_paths(self, value: object) -> None:
        """`ical` is a path or a list of paths."""
        with pytest.raises(HolidayFeedError, match=r"^holidays\.ical: invalid value"):
            Calendar(holidays={"ical": value})

    @given(
        st.lists(
            st.one_of(
                st.sampled_from(
                    [
                        "BEGIN:VCALENDAR",
                        "END:VCALENDAR",
                        "BEGIN:VEVENT",
                        "END:VEVENT",
                        "BEGIN:VTIMEZONE",
                        "END:VTIMEZONE",
                        "TZID:Europe/Zurich",
                        "DTSTART;VALUE=DATE:20260801",
                        "DTSTART;TZID=Europe/Zurich:20260801T120000",
                        "DTSTART:20261231T230000Z",
                        "DTEND;VALUE=DATE:20260803",
                        "DURATION:PT36H",
                        "RRULE:FREQ=YEARLY",
                        "RRULE:FREQ=MONTHLY;BYDAY=-1FR;COUNT=5",
                        "RRULE:FREQ=WEEKLY;UNTIL=20270101T000000Z",
                        "EXDATE;VALUE=DATE:20270801",
                        "RDATE:20280101T000000Z",
                        "RECURRENCE-ID;VALUE=DATE:20270801",
                        "UID:x",
                        "STATUS:CANCELLED",
                        "SUMMARY:X",
                        " folded",
                    ]
                ),
                st.text(max_size=30),
            ),
            max_size=25,
        )
    )
    def test_any_text_reads_or_fails_with_a_feed_error(self, lines: list[str]) -> None:
        """whatever the text, reading raises only HolidayFeedError, and a feed that reads expands."""
        try:
            feed = IcalFeed.from_text("\r\n".join(lines))
        except HolidayFeedError:
            return
        for year in (2026, 2027):
            for day in feed.dates(year, "Europe/Zurich"):
                assert day.year == year


# ---------------------------------------------------------------------- overrides


class TestOverrides:
    @pytest.fixture
    def path(self, tmp_path: Path) -> str:
        return str(write(tmp_path / "h.ics", AGREEMENT_FEED))

    def test_add_and_remove_switch_dates_on_and_off(self, path: str) -> None:
        """add closes a date under its own name; remove opens a feed's date (also one of a RRULE)."""
        cal = Calendar(
            timezone="Europe/Zurich",
            hours=OFFICE,
            holidays={"ical": path, "add": {"2026-12-31": "Silvester"}, "remove": ["2026-09-11"]},
        )
        assert not cal.is_open(zdt("2026-12-31 10:00"))
        assert cal.is_open(zdt("2026-09-11 10:00"))  # the outing's 2026 RRULE occurrence
        assert not cal.is_open(zdt("2027-09-10 10:00"))  # other years keep it
        assert cal.holidays_between(zdt("2026-09-01 00:00"), zdt("2026-12-31 12:00")) == [
            (date(2026, 12, 31), "Silvester")
        ]

    def test_add_renames_a_feed_date(self, path: str) -> None:
        """a date in add that the feed has too takes add's name."""
        cal = Calendar(holidays={"ical": path, "add": {date(2026, 8, 1): "Bundesfeier"}})
        assert cal.holidays_between(zdt("2026-08-01 00:00"), zdt("2026-08-01 12:00")) == [
            (date(2026, 8, 1), "Bundesfeier")
        ]

    def test_country_and_feed_together(self, path: str) -> None:
        """a holidays-package country and a feed combine; a date in both carries both names."""
        cal = Calendar(
            timezone="Europe/Zurich",
            hours=OFFICE,
            holidays={"country": "CH", "subdiv": "SG", "ical": path, "remove": ["2026-12-26"]},
        )
        between = dict(cal.holidays_between(zdt("2026-03-01 00:00"), zdt("2026-12-31 00:00")))
        assert between[date(2026, 3, 19)] == "Josephstag"  # feed only
        assert between[date(2026, 4, 3)] == "Good Friday"  # package only
        assert between[date(2026, 8, 1)] == "National Day; Nationalfeiertag"  # both
        assert date(2026, 12, 26) not in between  # removed from the package's
        assert cal.is_open(zdt("2026-12-26 10:00"))  # a Saturday, open 09-12 again

    def test_several_feeds(self, path: str, tmp_path: Path) -> None:
        """`ical` may list several files; their dates add up."""
        other = write(
            tmp_path / "o.ics", ics(vevent("DTSTART;VALUE=DATE:20261224", "SUMMARY:Heiligabend"))
        )
        cal = Calendar(holidays={"ical": [path, str(other)]})
        assert cal.holidays is not None
        assert {date(2026, 12, 24), date(2026, 8, 1)} <= set(cal.holidays.dates(2026))
        assert cal.config()["holidays"] == {"ical": [path, str(other)]}

    def test_add_without_any_source(self) -> None:
        """`add` alone is a list of named holidays."""
        cal = Calendar(holidays={"add": {"2026-12-24": "Heiligabend"}})
        assert not cal.is_open(zdt("2026-12-24 10:00"))
        assert cal.holidays_between(zdt("2026-12-24 00:00"), zdt("2026-12-24 12:00")) == [
            (date(2026, 12, 24), "Heiligabend")
        ]

    def test_removing_a_date_that_no_source_has_warns(self, path: str) -> None:
        """a removed date that is no holiday (a typo, a year off) warns, naming the date."""
        with pytest.warns(SlacalcWarning, match=r"holidays.remove: 2026-08-02 is not a holiday"):
            Calendar(holidays={"ical": path, "remove": ["2026-08-02"]})

    @pytest.mark.parametrize(
        ("holidays", "error"),
        [
            (
                {"add": {"2026-12-24": "A"}, "remove": ["2026-12-24"]},
                "holidays.remove: 2026-12-24 is also in holidays.add; expected each date switched either on or off",
            ),
            (
                {"remove": ["2026-12-24"]},
                "holidays: holiday source {'remove': ['2026-12-24']} has no holidays",
            ),
            ({"add": {"2026-13-01": "A"}}, "holidays.add: invalid date '2026-13-01'"),
            (
                {"add": ["2026-12-24"]},
                "holidays.add: invalid value ['2026-12-24']; expected a mapping",
            ),
            ({"add": {"2026-12-24": " "}}, "holidays.add: invalid name ' ' for 2026-12-24"),
            (
                {"add": {"2026-12-24": "A"}, "remove": "2026-12-24"},
                "holidays.remove: invalid value '2026-12-24'; expected a list",
            ),
            (
                {"add": {"2026-12-24": "A"}, "remove": ["soon"]},
                "holidays.remove: invalid date 'soon'",
            ),
            ({"ical": "x.ics", "subdiv": "SG"}, "holidays.country: missing"),
            ({"icall": "x.ics"}, "holidays: unknown key 'icall'"),
        ],
    )
    def test_bad_overrides(self, holidays: dict[str, object], error: str) -> None:
        """contradictions, bad dates and keys are refused, naming the key and value."""
        with pytest.raises(HolidaySourceError) as info:
            Calendar(holidays=holidays)
        assert error in str(info.value)


# ---------------------------------------------------------------------- the Python API


class TestPythonApi:
    def test_forms_of_the_argument(self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
        """a mapping, a '.ics' path string, a Path, and an IcalFeed give the same calendar."""
        write(tmp_path / "h.ics", AGREEMENT_FEED)
        monkeypatch.chdir(tmp_path)  # relative paths resolve against the current directory
        feed = IcalFeed.read("h.ics")
        forms = [{"ical": "h.ics"}, "h.ics", Path("h.ics"), feed, {"ical": feed}]
        calendars = [Calendar(timezone="Europe/Zurich", holidays=f) for f in forms]  # type: ignore[arg-type]
        assert all(c == calendars[0] for c in calendars)
        assert calendars[0].holidays == HolidaySources(feeds=(feed,), timezone="Europe/Zurich")

    def test_a_country_alone_is_still_a_holiday_spec(self) -> None:
        """{country, subdiv} without feed or overrides stays a plain HolidaySpec."""
        assert parse_holiday_spec({"country": "CH", "subdiv": "SG"}) == HolidaySpec("CH", "SG")

    def test_sources_take_the_calendars_zone(self, tmp_path: Path) -> None:
        """sources reused in a calendar of another zone read UTC times in that zone."""
        feed = feed_of(vevent("DTSTART:20261223T230000Z", "SUMMARY:Heiligabend"))
        zurich = Calendar(timezone="Europe/Zurich", holidays=feed)
        utc = Calendar(timezone="UTC", holidays=zurich.holidays)
        assert zurich.holidays is not None and utc.holidays is not None
        assert zurich.holidays.dates(2026) == (date(2026, 12, 24),)
        assert utc.holidays.dates(2026) == (date(2026, 12, 23),)

    def test_config_round_trip_and_as_dict(self, tmp_path: Path) -> None:
        """config() names the feed's path and the overrides; it rebuilds an equal calendar."""
        path = str(write(tmp_path / "h.ics", AGREEMENT_FEED))
        given_ = {
            "country": "CH",
            "ical": path,
            "add": {"2026-12-31": "Silvester"},
            "remove": ["2026-08-01"],
        }
        cal = Calendar(timezone="Europe/Zurich", hours=OFFICE, holidays=given_)
        assert cal.config()["holidays"] == given_
        assert Calendar(**cal.config()) == cal

    def test_pickles_without_the_file(self, tmp_path: Path) -> None:
        """a pickled calendar carries the parsed feed: it unpickles and answers with the file gone."""
        path = write(tmp_path / "h.ics", AGREEMENT_FEED)
        cal = Calendar(
            timezone="Europe/Zurich",
            hours=OFFICE,
            holidays={"ical": str(path), "remove": ["2026-03-19"]},
        )
        data = pickle.dumps(cal)
        path.unlink()
        clone = pickle.loads(data)
        assert clone == cal and hash(clone) == hash(cal)
        assert not clone.is_open(zdt("2026-08-01 10:00"))
        assert clone.is_open(zdt("2026-03-19 10:00"))
        assert clone.elapsed(zdt("2026-01-01 00:00"), zdt("2027-01-01 00:00")) == cal.elapsed(
            zdt("2026-01-01 00:00"), zdt("2027-01-01 00:00")
        )

    def test_a_changed_file_is_another_calendar(self, tmp_path: Path) -> None:
        """feeds compare by path and content: the same path with other events is not equal."""
        path = write(tmp_path / "h.ics", AGREEMENT_FEED)
        before = Calendar(holidays={"ical": str(path)})
        write(path, ics(vevent("DTSTART;VALUE=DATE:20260101", "SUMMARY:Neujahr")))
        assert Calendar(holidays={"ical": str(path)}) != before

    def test_years_are_expanded_lazily(self, tmp_path: Path) -> None:
        """the file is read once when the calendar is built; recurrences only for the years touched."""
        path = write(tmp_path / "h.ics", AGREEMENT_FEED)
        cal = Calendar(timezone="Europe/Zurich", hours=OFFICE, holidays={"ical": str(path)})
        sources = cal.holidays
        assert isinstance(sources, HolidaySources)
        (feed,) = sources.feeds
        path.unlink()  # nothing reads the file again
        assert feed._cache == {}
        cal.is_open(zdt("2150-08-03 10:00"))
        years = {year for year, _ in feed._cache}
        assert years and all(2148 <= y <= 2152 for y in years)

    def test_exported_from_calendars_module_types(self) -> None:
        """repr names the file and its number of events."""
        feed = IcalFeed.read(EXAMPLE_FEED)
        assert repr(feed) == f"<IcalFeed {EXAMPLE_FEED}: 15 events>"
        assert feed.path == str(EXAMPLE_FEED)


# ---------------------------------------------------------------------- policy files


POLICY = """\
name = "muster"
effective_from = 2026-01-01
severities = [{{ name = "1" }}]

[calendars.support]
timezone = "Europe/Zurich"
hours = {{ "mon-fri" = "08:00-17:00" }}
holidays = {holidays}

[plans.standard.targets.initial_response]
calendar = "support"
"1" = "4 business hours"
"""


class TestPolicyFiles:
    def test_feed_path_is_relative_to_the_policy_file(
        self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """`ical = "feeds/h.ics"` is read next to the policy file, whatever the current directory."""
        write(tmp_path / "policies" / "feeds" / "h.ics", AGREEMENT_FEED)
        policy_file = write(
            tmp_path / "policies" / "muster.toml",
            POLICY.format(holidays='{ ical = "feeds/h.ics", add = { "2026-07-31" = "Brücke" } }'),
        )
        elsewhere = tmp_path / "elsewhere"
        elsewhere.mkdir()
        monkeypatch.chdir(elsewhere)
        policy = load_policy(policy_file)
        calendar = policy.calendars["support"]
        assert calendar.holidays is not None
        assert calendar.holidays.dates(2026)[:2] == (date(2026, 3, 19), date(2026, 7, 31))
        # Thu 30 Jul 15:00 + 4 bh: 2 h Thursday, Fri 31 Jul (added) and Sat 1 Aug, Mon 08:00 + 2 h
        plan = policy.plan("standard")
        assert plan.deadline(zdt("2026-07-30 15:00"), 1) == zdt("2026-08-03 10:00")

    def test_json_policy_files_too(self, tmp_path: Path) -> None:
        """a JSON policy resolves `ical` against its directory as well."""
        write(tmp_path / "h.ics", AGREEMENT_FEED)
        doc = {
            "name": "m",
            "effective_from": "2026-01-01",
            "severities": [{"name": "1"}],
            "calendars": {"c": {"timezone": "UTC", "hours": "24x7", "holidays": {"ical": "h.ics"}}},
            "plans": {"p": {"targets": {"initial_response": {"calendar": "c", "1": "1h"}}}},
        }
        path = write(tmp_path / "m.json", json.dumps(doc, indent=2))
        calendar = load_policy(path).calendars["c"]
        assert not calendar.is_open(zdt("2026-08-01 12:00", "UTC"))

    def test_a_malformed_feed_names_policy_line_key_and_feed_line(self, tmp_path: Path) -> None:
        """the error names the policy file, its line and key, then the feed file, line and property."""
        write(tmp_path / "feeds" / "bad.ics", ics(vevent("DTSTART;VALUE=DATE:20261301")))
        path = write(tmp_path / "p.toml", POLICY.format(holidays='{ ical = "feeds/bad.ics" }'))
        with pytest.raises(PolicyFileError) as info:
            load_policy(path)
        feed = os.path.join(tmp_path, "feeds/bad.ics")
        assert str(info.value) == (
            f"invalid policy file {path}, line 8: calendars.support.holidays.ical: invalid iCalendar "
            f"file {feed}, line 5: DTSTART: invalid value '20261301'; expected a real date "
            "(month must be in 1..12)"
        )

    @pytest.mark.parametrize(
        ("holidays", "error"),
        [
            (
                '{ ical = "missing.ics" }',
                "calendars.support.holidays.ical: no such file '{dir}/missing.ics'",
            ),
            (
                '{ ical = "https://example.ch/h.ics" }',
                "calendars.support.holidays.ical: 'https://example.ch/h.ics' is a URL",
            ),
            (
                "{ ical = 7 }",
                "calendars.support.holidays.ical: invalid value 7; expected a string or an array",
            ),
            (
                '{ add = { "2026-12-24" = "" } }',
                "calendars.support.holidays.add: invalid name '' for 2026-12-24",
            ),
            (
                '{ add = { "2026-12-24" = "A" }, remove = ["2026-12-24"] }',
                "calendars.support.holidays.remove: 2026-12-24 is also in holidays.add",
            ),
            ('{ remove = ["2026-12-24"] }', "calendars.support.holidays: holiday source"),
            ('{ add = { "Weihnachten" = "A" } }', "calendars.support.holidays.add.Weihnachten"),
            (
                '{ ical = "h.ics", feed = "x" }',
                "calendars.support.holidays.feed: unknown key 'feed'; expected one of country, subdiv, categories, ical, add, remove",
            ),
        ],
    )
    def test_errors_name_line_and_key(self, tmp_path: Path, holidays: str, error: str) -> None:
        """problems with a feed or the overrides are policy-file errors at the `holidays` line."""
        write(tmp_path / "h.ics", AGREEMENT_FEED)
        path = write(tmp_path / "p.toml", POLICY.format(holidays=holidays))
        with pytest.raises(PolicyFileError) as info:
            load_policy(path)
        message = str(info.value)
        assert message.startswith(f"invalid policy file {path}, line 8: ")
        assert error.format(dir=tmp_path) in message

    def test_schema_describes_the_keys(self) -> None:
        """the JSON Schema has ical, add and remove, and needs one of country, ical or add."""
        jsonschema = pytest.importorskip("jsonschema")
        schema = policy_schema()
        model = schema["$defs"]["HolidaysModel"]
        assert {"country", "subdiv", "categories", "ical", "add", "remove"} == set(
            model["properties"]
        )
        assert "policy file's directory" in model["properties"]["ical"]["description"]
        doc = {
            "name": "m",
            "effective_from": "2026-01-01",
            "severities": [{"name": "1"}],
            "calendars": {"c": {"timezone": "UTC", "hours": "24x7", "holidays": {"ical": "h.ics"}}},
            "plans": {"p": {}},
        }
        jsonschema.validate(doc, schema)
        doc["calendars"]["c"]["holidays"] = {"remove": ["2026-01-02"]}  # type: ignore[index]
        with pytest.raises(jsonschema.ValidationError):
            jsonschema.validate(doc, schema)


# ---------------------------------------------------------------------- explain


class TestExplain:
    def test_explain_names_the_feed_holidays(self, tmp_path: Path) -> None:
        """explain() lists the feed's dates it skipped with their SUMMARY, like package holidays."""
        shutil.copy(EXAMPLE_FEED, tmp_path / "company_holidays.ics")
        shutil.copy(ROOT / "examples" / "company_policy.toml", tmp_path / "policy.toml")
        plan = load_policy(tmp_path / "policy.toml").plan("standard")
        # Thu 2 Apr 16:00 + 2 bh: 1 h Thursday, Karfreitag, weekend, Ostermontag, Tue 08:00 + 1 h
        ticket = Ticket(
            "M-7", zdt("2026-04-02 16:00"), severity=1, responded_at=zdt("2026-04-07 09:30")
        )
        outcome = plan.evaluate(ticket, now=zdt("2026-05-01 00:00")).initial_response
        assert outcome.due_at == zdt("2026-04-07 09:00")
        text = outcome.explain()
        assert "skipped 2026-04-03 (Karfreitag)\n" in text
        assert "skipped 2026-04-06 (Ostermontag)\n" in text
        assert outcome.facts()["closed_dates"] == [
            {"date": "2026-04-03", "name": "Karfreitag"},
            {"date": "2026-04-06", "name": "Ostermontag"},
        ]

    def test_explain_names_added_dates_and_skips_removed_ones(self) -> None:
        """the example policy: Heiligabend (added) is named; Berchtoldstag 2026 (removed) is open."""
        plan = load_policy(ROOT / "examples" / "company_policy.toml").plan("standard")
        late = Ticket("M-8", zdt("2026-12-23 16:00"), severity=1)
        outcome = plan.evaluate(late, now=zdt("2027-02-01 00:00")).initial_response
        # 1 h on the 23rd; 24th added, 25/26 Christmas, 28-31 Betriebsferien, 1/2 Jan: Mon 4 Jan 09:00
        assert outcome.due_at == zdt("2027-01-04 09:00")
        assert re.search(r"skipped 2026-12-24 \(Heiligabend\)", outcome.explain())
        new_year = Ticket("M-9", zdt("2026-01-01 10:00"), severity=1)
        due = plan.evaluate(new_year, now=zdt("2026-02-01 00:00")).initial_response.due_at
        assert due == zdt("2026-01-02 10:00")  # Berchtoldstag removed: open from 08:00
