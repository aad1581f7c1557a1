"""Results in the caller's zone: ``tz=`` on add, next_open, open_intervals, deadline, evaluate.

Python compares two aware datetimes of different zones as instants, except
when either one falls in a repeated autumn hour: then ``==`` is always False
(PEP 495). A deadline landing in that hour, returned in the calendar's zone,
never equals the same instant a helpdesk stored in UTC. ``tz="UTC"`` is the
remedy; these tests show the trap and the remedy side by side, in
Europe/Zurich, America/New_York and Australia/Lord_Howe (whose clocks go
back by 30 minutes), issue 8 item 4.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone, tzinfo
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from slacalc import Ticket, load_policy
from slacalc._engine.calendar import MAX_US, MIN_US, from_us
from slacalc._policies.files import read_policy
from slacalc.calendars import always_open, office_hours
from slacalc.exceptions import UnknownTimeZoneError
from strategies import ZONES, aware_datetimes, durations, transitions

#: (zone, an instant in UTC that is the *second* occurrence of a repeated wall time there)
REPEATED = [
    # clocks go back at 03:00 CEST to 02:00 CET: 01:20 UTC reads 02:20+01:00, second time round
    pytest.param("Europe/Zurich", datetime(2026, 10, 25, 1, 20, tzinfo=UTC), id="zurich"),
    # back at 02:00 EDT to 01:00 EST: 06:20 UTC reads 01:20-05:00, second time round
    pytest.param("America/New_York", datetime(2026, 11, 1, 6, 20, tzinfo=UTC), id="new-york"),
    # back by 30 minutes at 02:00 LHDT (+11) to 01:30 LHST (+10:30): 15:10 UTC reads 01:40+10:30
    pytest.param("Australia/Lord_Howe", datetime(2026, 4, 4, 15, 10, tzinfo=UTC), id="lord-howe"),
]

#: The same wall time, first time round (offset before the change), for each zone.
FIRST_OFFSET = {
    "Europe/Zurich": timedelta(hours=2),
    "America/New_York": timedelta(hours=-4),
    "Australia/Lord_Howe": timedelta(hours=11),
}


def policy_text(zone: str) -> str:
    return f"""
name = "zones"
effective_from = 2020-01-01
severities = [{{ name = "1" }}, {{ name = "2" }}]
[calendars.always]
timezone = "{zone}"
hours = "24x7"
[plans.gold]
calendar = "always"
[plans.gold.targets.initial_response]
all = "1 hour"
[plans.gold.targets.resolution]
all = "3 hours"
[credits]
per = "15 minutes"
"""


class TestTheTrap:
    @pytest.mark.parametrize(("zone", "instant"), REPEATED)
    def test_the_instant_is_in_the_repeated_hour(self, zone: str, instant: datetime) -> None:
        """The chosen instants read as a wall time that happens twice, second time round."""
        local = instant.astimezone(ZoneInfo(zone))
        assert local.fold == 1
        first = local.replace(fold=0)
        assert first.utcoffset() == FIRST_OFFSET[zone]
        assert first.astimezone(UTC) < instant  # the same reading happened earlier
        # Python: same zone compares by wall time; across zones, never equal (PEP 495)
        assert first == local
        assert local != instant


class TestAdd:
    @pytest.mark.parametrize(("zone", "instant"), REPEATED)
    def test_default_zone_result_is_not_equal_to_utc(self, zone: str, instant: datetime) -> None:
        """Without tz=, a result in the repeated hour carries fold=1 and never equals its UTC self."""
        cal = always_open(timezone=zone)
        due = cal.add(instant - timedelta(hours=1), timedelta(hours=1))
        assert due.tzinfo == ZoneInfo(zone)
        assert due.fold == 1
        assert due.astimezone(UTC) == instant  # the right instant …
        assert due != instant  # … that == still calls different

    @pytest.mark.parametrize(("zone", "instant"), REPEATED)
    @pytest.mark.parametrize("tz", ["UTC", ZoneInfo("UTC"), UTC, timezone(timedelta(0))])
    def test_utc_result_equals_utc(self, zone: str, instant: datetime, tz: str | tzinfo) -> None:
        """tz="UTC" (or any UTC tzinfo) gives the instant in UTC: it equals the stored UTC value."""
        cal = always_open(timezone=zone)
        due = cal.add(instant - timedelta(hours=1), timedelta(hours=1), tz=tz)
        assert due == instant
        assert due.utcoffset() == timedelta(0)
        if isinstance(tz, tzinfo):
            assert due.tzinfo is tz

    @pytest.mark.parametrize(("zone", "instant"), REPEATED)
    def test_other_zone(self, zone: str, instant: datetime) -> None:
        """tz names any zone: Lord Howe's deadline read in Zurich, New York's in Lord Howe …"""
        cal = always_open(timezone=zone)
        for other in ("Europe/Zurich", "America/New_York", "Australia/Lord_Howe", "Asia/Kolkata"):
            due = cal.add(instant - timedelta(hours=1), "1 hour", tz=other)
            assert due.tzinfo == ZoneInfo(other)
            assert due.astimezone(UTC) == instant

    def test_business_calendar(self) -> None:
        """On office hours, tz changes only how the result is written (Sat 10:00 + 1 h = Mon 09:00+01:00)."""
        zurich = ZoneInfo("Europe/Zurich")
        start = datetime(2026, 3, 7, 10, tzinfo=zurich)
        due = office_hours().add(start, "1h", tz="America/New_York")
        # 09:00+01:00 is 08:00 UTC; New York moved to summer time (-04:00) on Sun 8 March
        assert due.isoformat() == "2026-03-09T04:00:00-04:00"
        back = office_hours().add(due, -timedelta(hours=2), tz="UTC")
        # back 1 h to Mon 08:00, 1 h more to Fri 16:00+01:00
        assert back.isoformat() == "2026-03-06T15:00:00+00:00"

    @given(
        start=aware_datetimes(),
        duration=durations,
        zone=st.sampled_from(["UTC", "Australia/Lord_Howe", "America/New_York"]),
    )
    def test_same_instant_as_default(self, start: datetime, duration: timedelta, zone: str) -> None:
        """add(..., tz=z) is the default result converted to z: same instant, z's offset."""
        cal = office_hours()
        default = cal.add(start, duration)
        converted = cal.add(start, duration, tz=zone)
        assert converted.astimezone(UTC) == default.astimezone(UTC)
        assert converted.tzinfo == ZoneInfo(zone)
        assert converted.utcoffset() == default.astimezone(ZoneInfo(zone)).utcoffset()


class TestNextOpenAndIntervals:
    @pytest.mark.parametrize(("zone", "instant"), REPEATED)
    def test_next_open(self, zone: str, instant: datetime) -> None:
        """next_open of an open instant is that instant, in tz when given."""
        cal = always_open(timezone=zone)
        assert cal.next_open(instant) != instant  # the default zone's fold=1 reading
        assert cal.next_open(instant, tz="UTC") == instant

    def test_next_open_closed(self) -> None:
        """A closed instant's next opening, written in UTC (Mon 08:00+01:00 = 07:00 UTC)."""
        saturday = datetime(2026, 3, 7, 10, tzinfo=UTC)
        assert office_hours().next_open(saturday, tz="UTC") == datetime(2026, 3, 9, 7, tzinfo=UTC)

    @pytest.mark.parametrize(("zone", "instant"), REPEATED)
    def test_open_intervals(self, zone: str, instant: datetime) -> None:
        """Both ends of every interval are in tz."""
        cal = always_open(timezone=zone)
        [span] = cal.open_intervals(instant - timedelta(hours=2), instant, tz="UTC")
        assert (span.start, span.end) == (instant - timedelta(hours=2), instant)
        [local] = cal.open_intervals(instant - timedelta(hours=2), instant)
        assert local.end != instant and local.end.astimezone(UTC) == instant


class TestDeadline:
    @pytest.mark.parametrize(("zone", "instant"), REPEATED)
    def test_deadline(self, zone: str, instant: datetime) -> None:
        """plan.deadline(..., tz="UTC") equals the stored UTC instant; the default does not."""
        plan = read_policy(policy_text(zone)).plan("gold")
        opened = instant - timedelta(hours=1)
        default = plan.deadline(opened, 1)
        in_utc = plan.deadline(opened, 1, tz="UTC")
        assert default is not None and in_utc is not None
        assert default.fold == 1 and default != instant
        assert in_utc == instant

    def test_family_plan(self) -> None:
        """A family plan passes tz on: ZITADEL custom Sev 1, 30 minutes on 24x7 (Zurich)."""
        plan = load_policy("zitadel").plan("custom")
        opened = datetime(2026, 10, 25, 0, 50, tzinfo=UTC)  # 02:50+02:00
        due_utc = datetime(2026, 10, 25, 1, 20, tzinfo=UTC)  # 02:20+01:00, second time round
        default = plan.deadline(opened, 1)
        assert default is not None and default.astimezone(UTC) == due_utc and default != due_utc
        assert plan.deadline(opened, 1, tz="UTC") == due_utc
        outcome = plan.evaluate(Ticket("Z-1", opened, 1), now=due_utc, tz="UTC").initial_response
        assert outcome.due_at == due_utc

    def test_no_objective_still_checks_tz(self) -> None:
        """A best-effort target gives None, and a bad tz is still refused."""
        plan = load_policy("zitadel-2023").plan("production")
        opened = datetime(2026, 3, 2, 9, tzinfo=UTC)
        assert plan.deadline(opened, 2, tz="UTC") is None
        with pytest.raises(UnknownTimeZoneError, match="tz: unknown time zone 'Mars'"):
            plan.deadline(opened, 2, tz="Mars")


class TestEvaluate:
    @pytest.mark.parametrize(("zone", "instant"), REPEATED)
    def test_every_instant_in_tz(self, zone: str, instant: datetime) -> None:
        """Every instant of the evaluation and its outcomes is in tz, and equals its UTC value."""
        plan = read_policy(policy_text(zone)).plan("gold")
        opened = instant - timedelta(hours=1)
        local = ZoneInfo(zone)
        ticket = Ticket(
            "T-1",
            opened.astimezone(local),
            2,
            responded_at=instant + timedelta(minutes=10),  # 10 minutes late
            events=[
                (opened + timedelta(minutes=5), "severity", "1"),
                (opened + timedelta(minutes=30), "pause", None),
                (instant, "resume", None),  # paused 30 minutes, resumed in the repeated hour
                (instant + timedelta(hours=4), "resolved", None),
            ],
        )
        now = instant + timedelta(hours=5)
        default = plan.evaluate(ticket, now=now)
        ev = plan.evaluate(ticket, now=now.astimezone(local), tz="UTC")

        first = ev.initial_response
        assert first.due_at == instant  # in UTC: == works
        assert default.initial_response.due_at != instant  # the trap: fold=1 in the zone
        assert default.initial_response.due_at.astimezone(UTC) == instant  # type: ignore[union-attr]
        assert first.started_at == opened
        assert first.stopped_at == instant + timedelta(minutes=10)
        assert first.late_by == timedelta(minutes=10) == default.initial_response.late_by
        assert first.credit_days == 1
        assert first.now == now
        [change] = first.severity_changes
        assert change.at == opened + timedelta(minutes=5)

        resolution = ev["resolution"]
        # 3 h of unpaused time: 30 min before the pause, 2.5 h after the resume
        assert resolution.due_at == instant + timedelta(hours=2, minutes=30)
        assert resolution.pauses == ((opened + timedelta(minutes=30), instant),)
        assert resolution.stopped_at == instant + timedelta(hours=4)

        assert ev.now == now and ev.opened_at == opened
        for value in (
            ev.now,
            ev.opened_at,
            first.due_at,
            first.started_at,
            first.stopped_at,
            first.now,
            resolution.due_at,
            *resolution.pauses[0],
        ):
            assert value is not None and value.utcoffset() == timedelta(0)
        facts = first.facts()
        assert facts["due_at"] == instant.isoformat()
        assert facts["now"] == now.isoformat()
        assert "+00:00" in first.explain()
        # the same numbers either way
        assert [o.status for o in ev] == [o.status for o in default]
        assert [o.elapsed for o in ev] == [o.elapsed for o in default]

    def test_not_applicable_outcome(self) -> None:
        """Outcomes without a clock still give now in tz."""
        plan = load_policy("zitadel-2023").plan("production")
        zurich = ZoneInfo("Europe/Zurich")
        ticket = Ticket("N-1", datetime(2026, 3, 2, 9, tzinfo=zurich), 3)
        now = datetime(2026, 3, 3, 9, tzinfo=zurich)
        ev = plan.evaluate(ticket, now=now, tz="America/New_York")
        out = ev.initial_response
        assert out.status == "not_applicable"
        assert out.now.tzinfo == ZoneInfo("America/New_York") and out.now == now

    def test_default_is_the_calendars_zone(self) -> None:
        """Without tz, instants are in the target calendar's zone, as before."""
        plan = load_policy("zitadel-2023").plan("extended")
        zurich = ZoneInfo("Europe/Zurich")
        ticket = Ticket("D-1", datetime(2026, 4, 2, 16, tzinfo=UTC), 2)
        out = plan.evaluate(ticket, now=datetime(2026, 5, 1, tzinfo=UTC)).initial_response
        assert out.due_at is not None and out.due_at.tzinfo == zurich
        assert out.due_at.isoformat() == "2026-04-07T08:00:00+02:00"


class TestBadZones:
    @pytest.mark.parametrize(
        "bad", ["Mars/Olympus_Mons", "", "   ", "../etc/passwd", "UTC\x00", 5, b"UTC"]
    )
    def test_unknown(self, bad: object) -> None:
        """An unknown name, or something that is no zone at all, names tz and the value."""
        with pytest.raises(UnknownTimeZoneError) as info:
            always_open().add(datetime(2026, 1, 1, tzinfo=UTC), "1h", tz=bad)  # type: ignore[arg-type]
        assert isinstance(info.value, ValueError)
        assert str(info.value).startswith(f"tz: unknown time zone {bad!r}; expected an IANA name")

    def test_broken_tzinfo(self) -> None:
        """A tzinfo whose offset is out of range is refused with a SlacalcError, not a bare ValueError."""

        class Broken(tzinfo):
            def utcoffset(self, dt: datetime | None) -> timedelta:
                return timedelta(hours=30)

            def dst(self, dt: datetime | None) -> timedelta:
                return timedelta(0)

        with pytest.raises(UnknownTimeZoneError, match=r"tz: unusable tzinfo .*Broken"):
            always_open().next_open(datetime(2026, 1, 1, tzinfo=UTC), tz=Broken())

    def test_abstract_tzinfo(self) -> None:
        """The bare tzinfo base class has no offsets at all."""
        with pytest.raises(UnknownTimeZoneError, match="tz: unusable tzinfo"):
            always_open().open_intervals(
                datetime(2026, 1, 1, tzinfo=UTC), datetime(2026, 1, 2, tzinfo=UTC), tz=tzinfo()
            )

    def test_evaluate(self) -> None:
        """evaluate refuses a bad tz before judging anything."""
        plan = load_policy("zitadel-2023").plan("extended")
        ticket = Ticket("B-1", datetime(2026, 4, 2, 16, tzinfo=UTC), 2)
        with pytest.raises(UnknownTimeZoneError, match="tz: unknown time zone 'Europe/Zurch'"):
            plan.evaluate(ticket, now=datetime(2026, 5, 1, tzinfo=UTC), tz="Europe/Zurch")


FIXED = {
    "+05:45": timezone(timedelta(hours=5, minutes=45)),
    "-05:30": timezone(-timedelta(hours=5, minutes=30)),
}
ZONES_FOR_FROM_US = (*ZONES, "Asia/Kathmandu", "Pacific/Kiritimati", *FIXED)


class TestFromMicroseconds:
    """``from_us`` (every outcome's instants) equals the plain epoch-plus-timedelta conversion."""

    @staticmethod
    def plain(us: int, tz: tzinfo) -> datetime:
        return (datetime(1970, 1, 1, tzinfo=UTC) + timedelta(microseconds=us)).astimezone(tz)

    @staticmethod
    def same(got: datetime, want: datetime) -> None:
        # equal as instants, and the same wall reading: offset, fold and tzinfo (PEP 495)
        assert got == want
        assert (got.replace(tzinfo=None), got.fold, got.utcoffset(), got.tzinfo) == (
            want.replace(tzinfo=None),
            want.fold,
            want.utcoffset(),
            want.tzinfo,
        )

    @given(
        st.sampled_from([*ZONES_FOR_FROM_US]),
        st.integers(min_value=MIN_US, max_value=MAX_US - 1),
    )
    def test_any_instant(self, zone: str, us: int) -> None:
        tz = UTC if zone == "UTC" else ZoneInfo(zone) if "/" in zone else FIXED[zone]
        self.same(from_us(us, tz), self.plain(us, tz))

    @given(
        st.sampled_from(ZONES),
        st.integers(min_value=2020, max_value=2030),
        st.integers(min_value=-7_200_000_000, max_value=7_200_000_000),
    )
    def test_around_offset_changes(self, zone: str, year: int, offset: int) -> None:
        """Instants within two hours of each DST change, to the microsecond (repeated hours included)."""
        tz = ZoneInfo(zone)
        for change in transitions(zone, year):
            us = (change - datetime(1970, 1, 1, tzinfo=UTC)) // timedelta(microseconds=1) + offset
            self.same(from_us(us, tz), self.plain(us, tz))

    def test_before_the_epoch_and_at_the_bounds(self) -> None:
        for us in (MIN_US, -1, 0, 1, 999_999, 1_000_000, MAX_US - 1):
            for tz in (UTC, ZoneInfo("Pacific/Kiritimati"), FIXED["-05:30"]):
                self.same(from_us(us, tz), self.plain(us, tz))
