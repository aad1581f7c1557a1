"""Small helpers for readable calendar tests: ``zdt("2026-04-02 18:00")`` and friends."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from itertools import pairwise
from zoneinfo import ZoneInfo

ZURICH = ZoneInfo("Europe/Zurich")
NEW_YORK = ZoneInfo("America/New_York")
LORD_HOWE = ZoneInfo("Australia/Lord_Howe")
US = timedelta(microseconds=1)


def zdt(text: str, tz: str | ZoneInfo = ZURICH, *, fold: int = 0) -> datetime:
    """An aware datetime from ISO text.

    Text with an offset (``"2026-03-09 09:00+01:00"``) is taken as written;
    without one, it is a wall time in *tz* (Europe/Zurich unless told).
    """
    value = datetime.fromisoformat(text)
    if value.tzinfo is not None:
        return value
    zone = tz if isinstance(tz, ZoneInfo) else ZoneInfo(tz)
    return value.replace(tzinfo=zone, fold=fold)


def utc(text: str) -> datetime:
    """An aware UTC datetime from ISO text without offset."""
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def hours(n: float) -> timedelta:
    return timedelta(hours=n)


def minutes(n: float) -> timedelta:
    return timedelta(minutes=n)


def as_utc(value: datetime) -> datetime:
    """The instant *value* in UTC.

    Compare results in UTC: Python compares two datetimes of the same zone by
    wall time, ignoring ``fold`` (02:30 of the repeated autumn hour, second
    time round, sorts before 02:45 first time round), and an instant in the
    repeated hour never equals a datetime of another zone (PEP 495).
    """
    return value.astimezone(UTC)


def assert_same(actual: datetime, expected: datetime) -> None:
    """Same instant *and* the same offset (so the same wall reading), not merely equal."""
    assert as_utc(actual) == as_utc(expected), f"{actual.isoformat()} != {expected.isoformat()}"
    assert actual.utcoffset() == expected.utcoffset(), (
        f"{actual.isoformat()} has another offset than {expected.isoformat()}"
    )


def assert_in_zone(value: datetime, zone: str) -> None:
    """*value* is expressed in the IANA zone *zone*."""
    assert isinstance(value.tzinfo, ZoneInfo), value
    assert value.tzinfo.key == zone, value


def assert_well_formed(intervals: Sequence[tuple[datetime, datetime]]) -> None:
    """Non-empty, sorted, disjoint and not touching (adjacent spans must have merged)."""
    for start, end in intervals:
        assert start < end, (start, end)
    for (_, end), (start, _) in pairwise(intervals):
        assert end < start, (end, start)
