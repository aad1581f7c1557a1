"""The epoch, the range of accepted instants, and epoch microseconds as aware datetimes (the engine and its batch side)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, tzinfo

__all__ = ["DAY_US", "EPOCH", "MAX_US", "MIN_US", "US", "from_us"]

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
US = timedelta(microseconds=1)
#: Microseconds in a day of 24 hours.
DAY_US = 86_400_000_000
#: Instants accepted from users: 1970 through 2200 in any time zone.
MIN_US = (datetime(1970, 1, 1, tzinfo=UTC) - EPOCH) // US - DAY_US
MAX_US = (datetime(2201, 1, 1, tzinfo=UTC) - EPOCH) // US + DAY_US


def from_us(us: int, tz: tzinfo) -> datetime:
    """The instant *us* as an aware datetime in *tz*.

    Whole seconds through ``datetime.fromtimestamp`` (exact for an int: the
    same ``tz.fromutc`` as ``astimezone``), the microseconds set after: no
    ``timedelta`` is built, which is most of the cost of the plain
    ``(EPOCH + timedelta(microseconds=us)).astimezone(tz)``. Instants before
    the epoch take that plain way (some platforms' ``fromtimestamp`` refuse
    negative timestamps).
    """
    if us < 0:
        return (EPOCH + timedelta(microseconds=us)).astimezone(tz)
    rest = us % 1_000_000
    when = _FROM_TIMESTAMP(us // 1_000_000, tz)
    return when.replace(microsecond=rest) if rest else when


_FROM_TIMESTAMP = datetime.fromtimestamp
