"""iCalendar (RFC 5545) holiday feeds: the events of an ``.ics`` file as closed dates.

A feed is read and checked in full when a calendar is built (so a malformed
file fails at once, naming file, line, property and value); its recurrences
are expanded lazily, one year at a time, the first time a query touches that
year. Only the standard library and ``python-dateutil`` (for ``RRULE``) are
used; nothing is fetched over the network.

How an event becomes dates (``docs/calendars.md`` says the same to users):

* an all-day event (``VALUE=DATE``) covers ``DTSTART`` up to ``DTEND``
  exclusive, or ``DURATION`` days, one day when it has neither;
* a timed event covers every date it touches from its start up to its end
  (exclusive), on the wall clock of its ``TZID`` (or as written when it is
  floating); times in UTC (``...Z``) are read in the calendar's time zone;
* ``RRULE`` (expanded by ``dateutil.rrule``), ``RDATE`` and ``DTSTART`` give
  the occurrences, ``EXDATE`` and overridden instances (``RECURRENCE-ID``)
  take them away; events with ``STATUS:CANCELLED`` close nothing;
* ``SUMMARY`` is the holiday's name; several events on one date are joined
  with ``"; "``, as the ``holidays`` package joins two holidays on one day.

>>> feed = IcalFeed.from_text('''BEGIN:VCALENDAR
... BEGIN:VEVENT
... DTSTART;VALUE=DATE:20200801
... RRULE:FREQ=YEARLY
... SUMMARY:Nationalfeiertag
... END:VEVENT
... END:VCALENDAR
... ''')
>>> feed.names(2026)
{datetime.date(2026, 8, 1): 'Nationalfeiertag'}
"""

from __future__ import annotations

import io
import os
import re
import threading
import warnings
from bisect import bisect_left, bisect_right
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from dateutil import rrule as _rrule
from dateutil import tz as _dateutil_tz

from slacalc.exceptions import HolidayFeedError

__all__ = ["IcalFeed", "feed_path", "is_url"]

_FIELD = "holidays.ical"
_URL_RE = re.compile(r"^(?:[A-Za-z][A-Za-z0-9+.-]*://|webcal:|https?:|file:)", re.IGNORECASE)
_LINE_BREAK_RE = re.compile(r"\r\n|\n|\r")
_NAME_RE = re.compile(r"[A-Za-z0-9-]+")
_PARAM_VALUE_RE = re.compile(r'[^";:,]*')
_WHEN_RE = re.compile(r"(\d{4})(\d{2})(\d{2})(?:T(\d{2})(\d{2})(\d{2})(Z)?)?")
_DURATION_RE = re.compile(
    r"([+-])?P(?:(\d+)W)?(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+)S)?)?", re.IGNORECASE
)
_UNTIL_RE = re.compile(r"(?<![A-Z])UNTIL=([0-9TZ]+)", re.IGNORECASE)
_FREQ_RE = re.compile(r"(?<![A-Z])FREQ=([A-Z]*)", re.IGNORECASE)
_COUNT_RE = re.compile(r"(?<![A-Z])COUNT=", re.IGNORECASE)
_ESCAPE_RE = re.compile(r"\\(.)", re.DOTALL)
_FREQS = ("DAILY", "WEEKLY", "MONTHLY", "YEARLY")
_WHEN_EXPECTED = "a date (YYYYMMDD) or a date-time (YYYYMMDDTHHMMSS, with Z for UTC)"
_ONE_DAY = timedelta(days=1)
_US = timedelta(microseconds=1)
#: Occurrences are looked for this far beyond the year asked for: conversions between zones move a date by at most one.
_MARGIN = timedelta(days=2)


def is_url(path: str) -> bool:
    """Whether *path* is written as a URL (``https://``, ``webcal://``, ``file:`` ...), not a file path."""
    return bool(_URL_RE.match(path.strip()))


def feed_path(path: str, base_dir: str | os.PathLike[str] | None) -> str:
    """*path* joined to *base_dir* when it is relative (URLs and absolute paths are left alone)."""
    if base_dir is None or is_url(path) or Path(path).is_absolute():
        return path
    return os.path.join(base_dir, path)


# --------------------------------------------------------------------------- the parsed form


@dataclass(frozen=True, slots=True)
class _When:
    """A DTSTART, DTEND, RDATE, EXDATE, RECURRENCE-ID or UNTIL value as written."""

    wall: datetime
    """Naive: the wall time as written (midnight for a date)."""
    all_day: bool
    utc: bool = False
    tzid: str | None = None
    """The TZID parameter (None for dates, UTC and floating times)."""

    @property
    def frame(self) -> tuple[bool, str | None]:
        """Values with the same frame compare as wall times."""
        return (self.utc, self.tzid)


@dataclass(frozen=True, slots=True)
class _Event:
    """One VEVENT, checked; its recurrences are expanded on demand."""

    line: int
    uid: str
    summary: str
    start: _When
    days: int
    """All-day events: the number of dates covered (at least 1)."""
    end: _When | None
    """Timed events: DTEND, if given."""
    duration: timedelta | None
    """Timed events: DURATION, if given (neither: the event has no length)."""
    rrules: tuple[str, ...]
    rdates: tuple[_When, ...]
    exdates: tuple[_When, ...]
    recurrence_id: _When | None
    cancelled: bool


@dataclass(frozen=True, slots=True)
class _Zone:
    """How a TZID of the file is resolved: an IANA name, or the text of the file's VTIMEZONE."""

    tzid: str
    iana: str | None
    vtimezone: str | None


# --------------------------------------------------------------------------- the feed


class IcalFeed:
    """The holidays of an iCalendar (``.ics``) file: one holiday per event, named by its SUMMARY.

    Build one with :meth:`read` (a file) or :meth:`from_text`; a calendar
    builds its own from ``holidays={"ical": "path.ics"}``. The feed keeps the
    parsed events, never the file: it compares by path and content, and
    pickles without the file (for Dask or Spark workers).

    >>> feed = IcalFeed.from_text('''BEGIN:VCALENDAR
    ... BEGIN:VEVENT
    ... DTSTART;VALUE=DATE:20261224
    ... DTEND;VALUE=DATE:20261227
    ... SUMMARY:Betriebsferien
    ... END:VEVENT
    ... END:VCALENDAR
    ... ''', origin="closure.ics")
    >>> feed.dates(2026)
    (datetime.date(2026, 12, 24), datetime.date(2026, 12, 25), datetime.date(2026, 12, 26))
    """

    __slots__ = ("_cache", "_events", "_hash", "_path", "_rules", "_tzinfos", "_zones")

    _path: str
    _events: tuple[_Event, ...]
    _zones: tuple[_Zone, ...]
    _cache: dict[tuple[int, str], dict[date, str]]
    _rules: dict[tuple[int, int, str], _Occurrences]
    _tzinfos: dict[str, tzinfo]
    _hash: int

    def __init__(self, path: str, events: Iterable[_Event], zones: Iterable[_Zone] = ()) -> None:
        self._path = path
        self._events = tuple(events)
        self._zones = tuple(zones)
        self._cache = {}
        self._rules = {}
        self._tzinfos = {}
        self._hash = hash((self._path, self._events, self._zones))

    @classmethod
    def read(cls, path: str | os.PathLike[str]) -> IcalFeed:
        """Read and check the feed at *path* (relative paths resolve against the current directory).

        URLs are refused: slacalc never goes on the network.
        """
        text_path = os.fspath(path)
        if is_url(text_path):
            msg = (
                f"{_FIELD}: {text_path!r} is a URL; expected the path of an .ics file: slacalc never "
                "fetches anything over the network, so download the feed and give the file"
            )
            raise HolidayFeedError(msg)
        try:
            raw = Path(text_path).read_bytes()
        except FileNotFoundError:
            msg = (
                f"{_FIELD}: no such file {text_path!r}; expected an existing iCalendar (.ics) file"
            )
            raise HolidayFeedError(msg) from None
        except OSError as exc:
            msg = f"{_FIELD}: cannot read {text_path!r} ({exc.strerror or exc}); expected a readable .ics file"
            raise HolidayFeedError(msg) from None
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            msg = (
                f"{_FIELD}: invalid iCalendar file {text_path}: not UTF-8 text ({exc.reason} at byte "
                f"{exc.start}); expected UTF-8, as RFC 5545 requires"
            )
            raise HolidayFeedError(msg) from None
        return cls.from_text(text, origin=text_path)

    @classmethod
    def from_text(cls, text: str, *, origin: str = "<string>") -> IcalFeed:
        """Parse and check the text of a feed; *origin* names it in errors (and is its ``path``)."""
        events, zones = _Parser(origin).parse(text)
        return cls(origin, events, zones)

    # ---- identity

    @property
    def path(self) -> str:
        """The file the feed was read from (its origin, for a feed parsed from text)."""
        return self._path

    def __len__(self) -> int:
        """The number of events (VEVENTs) in the feed, cancelled ones included."""
        return len(self._events)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, IcalFeed):
            return NotImplemented
        return (self._path, self._events, self._zones) == (other._path, other._events, other._zones)

    def __hash__(self) -> int:
        return self._hash

    def __repr__(self) -> str:
        return f"<IcalFeed {self._path}: {len(self._events)} events>"

    def __reduce__(self) -> tuple[Any, ...]:
        return (IcalFeed, (self._path, self._events, self._zones))

    # ---- dates

    def dates(self, year: int, timezone: str = "UTC") -> tuple[date, ...]:
        """The dates of *year* that the feed closes, sorted (UTC times are read in *timezone*)."""
        return tuple(self.names(year, timezone))

    def names(self, year: int, timezone: str = "UTC") -> dict[date, str]:
        """The dates of *year* the feed closes, in order, each with its name (the events' SUMMARY).

        The result is shared: do not modify it.
        """
        key = (year, timezone)
        found = self._cache.get(key)
        if found is None:
            found = self._cache[key] = self._expand(year, ZoneInfo(timezone))
        return found

    def _expand(self, year: int, cal_tz: ZoneInfo) -> dict[date, str]:
        first, last = date(year, 1, 1), date(year, 12, 31)
        overridden: dict[str, list[_When]] = {}
        for event in self._events:
            if event.recurrence_id is not None:
                overridden.setdefault(event.uid, []).append(event.recurrence_id)
        found: dict[date, list[str]] = {}
        for index, event in enumerate(self._events):
            if event.cancelled:
                continue
            skip = overridden.get(event.uid, []) if event.recurrence_id is None else []
            for day in self._dates_of(index, event, first, last, cal_tz, skip):
                names = found.setdefault(day, [])
                if event.summary not in names:
                    names.append(event.summary)
        return {day: "; ".join(found[day]) for day in sorted(found)}

    def _dates_of(
        self,
        index: int,
        event: _Event,
        first: date,
        last: date,
        cal_tz: ZoneInfo,
        overridden: Sequence[_When],
    ) -> Iterator[date]:
        start = event.start
        # the frame of the event: the zone in which its recurrences are wall times
        frame_tz: tzinfo = cal_tz if event.start.all_day else self._tz(start, cal_tz)
        length = timedelta(days=event.days) if start.all_day else self._length(event, cal_tz)
        lo = datetime.combine(first, time()) - length - _MARGIN
        hi = datetime.combine(last, time()) + _ONE_DAY + _MARGIN
        starts: set[datetime] = set()
        if lo <= start.wall <= hi:
            starts.add(start.wall)
        for k in range(len(event.rrules)):
            rule = self._rule(index, k, event, frame_tz)
            starts.update(rule.between(lo, hi))
        for extra in event.rdates:
            wall = self._wall_in(extra, start, frame_tz, cal_tz)
            if start.all_day:
                wall = datetime.combine(wall.date(), time())
            elif extra.all_day:  # a date for a timed event: at the event's time of day
                wall = datetime.combine(wall.date(), start.wall.time())
            if lo <= wall <= hi:
                starts.add(wall)
        for gone in (*event.exdates, *overridden):
            if gone.all_day or start.all_day:
                day = self._wall_in(gone, start, frame_tz, cal_tz).date()
                starts = {s for s in starts if s.date() != day}
            else:
                starts.discard(self._wall_in(gone, start, frame_tz, cal_tz))
        for wall in sorted(starts):
            if start.all_day:
                for k in range(event.days):
                    day = wall.date() + timedelta(days=k)
                    if first <= day <= last:
                        yield day
                continue
            if start.utc:  # the dates a UTC time falls on are the calendar's
                begin = wall.replace(tzinfo=UTC).astimezone(cal_tz)
                end = (wall + length).replace(tzinfo=UTC).astimezone(cal_tz)
                day, stop = begin.date(), (end - _US).date() if end > begin else begin.date()
            else:
                day = wall.date()
                stop = (wall + length - _US).date() if length else day
            while day <= stop:
                if first <= day <= last:
                    yield day
                day += _ONE_DAY

    def _length(self, event: _Event, cal_tz: ZoneInfo) -> timedelta:
        """A timed event's length in wall time of its start's frame (never negative)."""
        if event.duration is not None:
            return event.duration
        if event.end is None:
            return timedelta(0)
        frame_tz = self._tz(event.start, cal_tz)
        end = self._wall_in(event.end, event.start, frame_tz, cal_tz)
        return max(end - event.start.wall, timedelta(0))

    def _wall_in(self, value: _When, start: _When, frame_tz: tzinfo, cal_tz: ZoneInfo) -> datetime:
        """*value* as a naive wall time in the frame of *start* (dates stay dates)."""
        if value.all_day or value.frame == start.frame:
            return value.wall
        instant = value.wall.replace(tzinfo=self._tz(value, cal_tz))
        return instant.astimezone(frame_tz).replace(tzinfo=None)

    def _tz(self, value: _When, cal_tz: ZoneInfo) -> tzinfo:
        if value.utc:
            return UTC
        if value.tzid is None:
            return cal_tz
        found = self._tzinfos.get(value.tzid)
        if found is None:
            found = self._tzinfos[value.tzid] = _resolved(
                next(z for z in self._zones if z.tzid == value.tzid)
            )
        return found

    def _rule(self, index: int, k: int, event: _Event, frame_tz: tzinfo) -> _Occurrences:
        key = (index, k, str(frame_tz))
        rule = self._rules.get(key)
        if rule is None:
            rule = self._rules[key] = _Occurrences(
                _compile_rule(event.rrules[k], event.start, frame_tz)
            )
        return rule


class _Occurrences:
    """The occurrences of one rule, generated once in order and looked up by bisection.

    ``rrule.between`` starts from DTSTART on every call, so asking year by
    year would cost the square of the years; here each occurrence is made once.
    """

    __slots__ = ("_done", "_lock", "_rule", "_seen")

    def __init__(self, rule: _rrule.rrule) -> None:
        self._rule: Iterator[datetime] = iter(rule)
        self._seen: list[datetime] = []
        self._done = False
        self._lock = threading.Lock()  # one generator, possibly several threads asking

    def between(self, lo: datetime, hi: datetime) -> list[datetime]:
        """The occurrences in ``[lo, hi]``, in order."""
        seen = self._seen
        if not self._done and (not seen or seen[-1] <= hi):
            with self._lock:
                while not self._done and (not seen or seen[-1] <= hi):
                    following = next(self._rule, None)
                    if following is None:
                        self._done = True
                    else:
                        seen.append(following)
        return seen[bisect_left(seen, lo) : bisect_right(seen, hi)]


def _resolved(zone: _Zone) -> tzinfo:
    if zone.iana is not None:
        return ZoneInfo(zone.iana)
    assert zone.vtimezone is not None
    found = _dateutil_tz.tzical(io.StringIO(zone.vtimezone)).get(zone.tzid)
    assert found is not None
    return found


def _compile_rule(text: str, start: _When, frame_tz: tzinfo) -> _rrule.rrule:
    """The rrule of *text* from *start*, with its UNTIL turned into a wall time of the event's frame."""
    match = _UNTIL_RE.search(text)
    if match is not None:
        until = _parse_until(match[1])
        if until is not None:
            if until.utc and not start.utc:
                wall = until.wall.replace(tzinfo=UTC).astimezone(frame_tz).replace(tzinfo=None)
            elif until.all_day and not start.all_day:
                wall = until.wall + _ONE_DAY - timedelta(seconds=1)  # the whole of that date
            else:
                wall = until.wall
            text = text[: match.start(1)] + wall.strftime("%Y%m%dT%H%M%S") + text[match.end(1) :]
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # dateutil warns of what RFC 5545 forbids: refuse it
        rule = _rrule.rrulestr(text, dtstart=start.wall, ignoretz=True)
    assert isinstance(rule, _rrule.rrule)
    return rule


def _parse_until(value: str) -> _When | None:
    match = _WHEN_RE.fullmatch(value.upper())
    if match is None:
        return None
    try:
        wall = _wall(match)
    except ValueError:
        return None
    return _When(wall, match[4] is None, match[7] is not None)


# --------------------------------------------------------------------------- parsing


@dataclass(frozen=True, slots=True)
class _Property:
    name: str
    params: dict[str, list[str]]
    value: str
    line: int


class _Parser:
    """Reads one feed's text: content lines, components, events; every problem names line and property."""

    def __init__(self, origin: str) -> None:
        self.origin = origin
        self.tzid_uses: dict[str, int] = {}

    def error(self, line: int, what: str) -> HolidayFeedError:
        """The error for a problem on *line* of the file."""
        return HolidayFeedError(
            f"{_FIELD}: invalid iCalendar file {self.origin}, line {line}: {what}"
        )

    def invalid(self, prop: _Property, expected: str, value: str | None = None) -> HolidayFeedError:
        """The error for a bad value of *prop* (its whole value unless *value* is given)."""
        shown = prop.value if value is None else value
        return self.error(
            prop.line, f"{prop.name}: invalid value {_short(shown)}; expected {expected}"
        )

    # ---- lines

    def lines(self, text: str) -> Iterator[tuple[int, str]]:
        """Logical lines with the number of their first physical line; folded lines unfolded."""
        current: str | None = None
        start = 0
        for number, raw in enumerate(_LINE_BREAK_RE.split(text.removeprefix("\ufeff")), 1):
            if raw[:1] in (" ", "\t") and current is not None:
                current += raw[1:]
                continue
            if current is not None:
                yield start, current
            current, start = raw, number
            if not raw.strip():
                current = None  # blank lines carry nothing (common at the end of a file)
        if current is not None:
            yield start, current

    def content(self, line: int, text: str) -> _Property:
        name = _NAME_RE.match(text)
        if name is None:
            raise self.error(
                line,
                f"invalid content line {_short(text)}; expected NAME:VALUE or NAME;PARAM=VALUE:VALUE",
            )
        pos = name.end()
        params: dict[str, list[str]] = {}
        while text.startswith(";", pos):
            param = _NAME_RE.match(text, pos + 1)
            if param is None or not text.startswith("=", param.end()):
                raise self.error(
                    line,
                    f"{name[0].upper()}: invalid parameter {_short(text[pos + 1 :])}; expected PARAM=VALUE",
                )
            pos = param.end() + 1
            values: list[str] = []
            while True:
                if text.startswith('"', pos):
                    close = text.find('"', pos + 1)
                    if close < 0:
                        raise self.error(
                            line,
                            f"{name[0].upper()}: unterminated quoted parameter value "
                            f"{_short(text[pos:])}; expected a closing '\"'",
                        )
                    values.append(text[pos + 1 : close])
                    pos = close + 1
                else:
                    plain = _PARAM_VALUE_RE.match(text, pos)
                    assert plain is not None
                    values.append(plain[0])
                    pos = plain.end()
                if not text.startswith(",", pos):
                    break
                pos += 1
            params[param[0].upper()] = values
        if not text.startswith(":", pos):
            raise self.error(
                line,
                f"{name[0].upper()}: invalid content line {_short(text)}; expected ':' before the value",
            )
        return _Property(name[0].upper(), params, text[pos + 1 :], line)

    # ---- components

    def parse(self, text: str) -> tuple[tuple[_Event, ...], tuple[_Zone, ...]]:
        stack: list[tuple[str, int]] = []
        events: list[_Event] = []
        event_props: list[_Property] = []
        tz_lines: list[str] | None = None
        tz_id: str | None = None
        tz_location: str | None = None
        tz_line = 0
        vtimezones: dict[str, tuple[str, str | None, int]] = {}
        seen_calendar = False
        for line, raw in self.lines(text):
            if not stack and raw.strip().upper() != "BEGIN:VCALENDAR":
                where = "after END:VCALENDAR" if seen_calendar else "at the start of the file"
                raise self.error(
                    line,
                    f"{_short(raw)} {where}; expected BEGIN:VCALENDAR: an iCalendar (.ics) file",
                )
            prop = self.content(line, raw)
            if prop.name == "BEGIN":
                kind = prop.value.strip().upper()
                if not _NAME_RE.fullmatch(kind):
                    raise self.invalid(prop, "a component name such as VEVENT")
                stack.append((kind, line))
                seen_calendar = True
                if kind == "VEVENT" and len(stack) == 2:
                    event_props = []
                if tz_lines is not None:
                    tz_lines.append(raw)
                elif kind == "VTIMEZONE" and len(stack) == 2:
                    tz_lines, tz_id, tz_location, tz_line = [raw], None, None, line
                continue
            if prop.name == "END":
                kind = prop.value.strip().upper()
                open_kind, open_line = stack[-1]
                if kind != open_kind:
                    raise self.invalid(
                        prop, f"END:{open_kind} to close BEGIN:{open_kind} of line {open_line}"
                    )
                stack.pop()
                if tz_lines is not None:
                    tz_lines.append(raw)
                if kind == "VEVENT" and len(stack) == 1:
                    events.append(self.event(event_props, open_line))
                elif kind == "VTIMEZONE" and len(stack) == 1 and tz_lines is not None:
                    if tz_id is None:
                        raise self.error(open_line, "VTIMEZONE: no TZID; expected a TZID property")
                    vtimezones[tz_id] = ("\n".join(tz_lines) + "\n", tz_location, tz_line)
                    tz_lines = None
                continue
            if tz_lines is not None:
                tz_lines.append(raw)
                if len(stack) == 2 and prop.name == "TZID":
                    tz_id = prop.value.strip()
                elif len(stack) == 2 and prop.name == "X-LIC-LOCATION":
                    tz_location = prop.value.strip()
            elif len(stack) == 2 and stack[-1][0] == "VEVENT":
                event_props.append(prop)
        if not seen_calendar:
            raise self.error(
                1, "empty file; expected an iCalendar (.ics) file starting with BEGIN:VCALENDAR"
            )
        if stack:
            kind, line = stack[-1]
            raise self.error(
                line,
                f"BEGIN:{kind} is never closed; expected END:{kind} before the end of the file",
            )
        zones = tuple(self.zone(tzid, line, vtimezones) for tzid, line in self.tzid_uses.items())
        return tuple(events), zones

    def zone(
        self, tzid: str, line: int, vtimezones: dict[str, tuple[str, str | None, int]]
    ) -> _Zone:
        """How *tzid* resolves: an IANA name (possibly inside a longer id), else the file's VTIMEZONE."""
        block = vtimezones.get(tzid)
        candidates = [tzid]
        if block is not None and block[1]:
            candidates.insert(0, block[1])  # X-LIC-LOCATION: the IANA name, by Mozilla's convention
        parts = tzid.strip("/").split("/")
        candidates += ["/".join(parts[-n:]) for n in (3, 2) if len(parts) > n]
        for name in candidates:
            if _iana(name):
                return _Zone(tzid, name, None)
        if block is not None:
            try:
                found = _dateutil_tz.tzical(io.StringIO(block[0])).get(tzid)
            except Exception as exc:  # dateutil raises ValueError, KeyError, IndexError ...
                raise self.error(
                    block[2],
                    f"VTIMEZONE {tzid!r}: cannot be read ({exc}); expected RFC 5545 time-zone rules",
                ) from None
            if found is not None:
                return _Zone(tzid, None, block[0])
        raise self.error(
            line,
            f"TZID: unknown time zone {tzid!r}; expected an IANA name such as 'Europe/Zurich' "
            "or a VTIMEZONE in the file that defines it",
        )

    # ---- events

    def event(self, props: list[_Property], line: int) -> _Event:
        single: dict[str, _Property] = {}
        rrules: list[str] = []
        rdates: list[_When] = []
        exdates: list[_When] = []
        for prop in props:
            if prop.name in (
                "DTSTART",
                "DTEND",
                "DURATION",
                "SUMMARY",
                "STATUS",
                "UID",
                "RECURRENCE-ID",
            ):
                if prop.name in single:
                    raise self.error(
                        prop.line,
                        f"{prop.name}: given twice in the VEVENT of line {line} (first on line "
                        f"{single[prop.name].line}); expected it once",
                    )
                single[prop.name] = prop
            elif prop.name == "RRULE":
                rrules.append(prop.value.strip())
            elif prop.name == "RDATE":
                rdates += self.whens(prop)
            elif prop.name == "EXDATE":
                exdates += self.whens(prop)
            elif prop.name == "EXRULE":
                raise self.invalid(
                    prop,
                    "EXDATE for the dates to leave out (EXRULE is deprecated by RFC 5545 and not supported)",
                )
        if "DTSTART" not in single:
            raise self.error(line, "VEVENT: no DTSTART; expected every event to have a start")
        start = self.one_when(single["DTSTART"])
        days, end, duration = 1, None, None
        if "DTEND" in single and "DURATION" in single:
            raise self.invalid(single["DURATION"], "DTEND or DURATION, not both")
        if "DTEND" in single:
            prop = single["DTEND"]
            end = self.one_when(prop)
            if end.all_day != start.all_day:
                kind = "a date" if start.all_day else "a date-time"
                raise self.invalid(prop, f"{kind}, like DTSTART")
            if end.frame == start.frame and end.wall < start.wall:
                raise self.invalid(prop, f"a value after DTSTART {single['DTSTART'].value.strip()}")
            if start.all_day:
                days = max((end.wall - start.wall).days, 1)
                end = None
        elif "DURATION" in single:
            duration = self.duration(single["DURATION"])
            if start.all_day:
                days = max(-(-duration // _ONE_DAY), 1)
                duration = None
        status = single["STATUS"].value.strip().upper() if "STATUS" in single else ""
        recurrence_id = (
            self.one_when(single["RECURRENCE-ID"]) if "RECURRENCE-ID" in single else None
        )
        for prop in props:
            if prop.name == "RRULE":
                self.check_rule(prop, start)
        summary = _unescape(single["SUMMARY"].value).strip() if "SUMMARY" in single else ""
        return _Event(
            line=line,
            uid=single["UID"].value.strip() if "UID" in single else f"<line {line}>",
            summary=" ".join(summary.split()) or "holiday",
            start=start,
            days=days,
            end=end,
            duration=duration,
            rrules=tuple(rrules),
            rdates=tuple(rdates),
            exdates=tuple(exdates),
            recurrence_id=recurrence_id,
            cancelled=status == "CANCELLED",
        )

    def one_when(self, prop: _Property) -> _When:
        if "," in prop.value:
            raise self.invalid(prop, "one " + _WHEN_EXPECTED)
        return self.when(prop, prop.value)

    def whens(self, prop: _Property) -> list[_When]:
        return [self.when(prop, part) for part in prop.value.split(",")]

    def when(self, prop: _Property, text: str) -> _When:
        kind = (prop.params.get("VALUE") or [""])[0].upper()
        if kind not in ("", "DATE", "DATE-TIME"):
            if kind == "PERIOD":
                raise self.invalid(prop, f"{_WHEN_EXPECTED} (VALUE=PERIOD is not supported)", text)
            raise self.invalid(
                prop, f"VALUE=DATE or VALUE=DATE-TIME, not VALUE={kind}", f"VALUE={kind}"
            )
        value = text.strip()
        match = _WHEN_RE.fullmatch(value.upper())
        if match is None:
            raise self.invalid(prop, _WHEN_EXPECTED, value)
        all_day = match[4] is None
        if kind == "DATE" and not all_day:
            raise self.invalid(prop, "a date (YYYYMMDD), as VALUE=DATE says", value)
        if kind == "DATE-TIME" and all_day:
            raise self.invalid(
                prop, "a date-time (YYYYMMDDTHHMMSS), as VALUE=DATE-TIME says", value
            )
        try:
            wall = _wall(match)
        except ValueError as exc:
            kind_text = "date" if all_day else "date-time"
            raise self.invalid(prop, f"a real {kind_text} ({exc})", value) from None
        utc = match[7] is not None
        tzid = None
        if not all_day and not utc and prop.params.get("TZID"):
            tzid = prop.params["TZID"][0].strip()
            if not tzid:
                raise self.invalid(prop, "a time-zone name after TZID=", f"TZID={tzid}")
            self.tzid_uses.setdefault(tzid, prop.line)
        return _When(wall, all_day, utc, tzid)

    def duration(self, prop: _Property) -> timedelta:
        value = prop.value.strip()
        match = _DURATION_RE.fullmatch(value)
        if match is None or not any(match.groups()[1:]) or match[1] == "-":
            raise self.invalid(prop, "a positive duration such as P1D, P2W or PT12H")
        weeks, days, hours, minutes, seconds = (int(g or 0) for g in match.groups()[1:])
        return timedelta(weeks=weeks, days=days, hours=hours, minutes=minutes, seconds=seconds)

    def check_rule(self, prop: _Property, start: _When) -> None:
        text = prop.value.strip()
        freq = _FREQ_RE.search(text)
        if freq is None or freq[1].upper() not in _FREQS:
            got = f"FREQ={freq[1]}" if freq is not None else text
            raise self.invalid(
                prop,
                "FREQ=DAILY, WEEKLY, MONTHLY or YEARLY: a holiday recurs by days",
                got,
            )
        until = _UNTIL_RE.search(text)
        if until is not None and _COUNT_RE.search(text):
            raise self.invalid(prop, "COUNT or UNTIL, not both (RFC 5545 3.3.10)")
        if until is not None and _parse_until(until[1]) is None:
            raise self.invalid(prop, _WHEN_EXPECTED + " after UNTIL=", f"UNTIL={until[1]}")
        try:
            rule = _compile_rule(text, start, UTC)
            rule.between(
                start.wall, start.wall + timedelta(days=731)
            )  # errors that show only when iterating
        except (ValueError, TypeError, KeyError, IndexError, Warning) as exc:
            raise self.invalid(
                prop,
                f"a recurrence rule such as FREQ=YEARLY;BYMONTH=8;BYMONTHDAY=1 (RFC 5545 3.3.10): {exc}",
            ) from None


def _wall(match: re.Match[str]) -> datetime:
    """The naive wall time of a matched DATE or DATE-TIME (ValueError when no such day or time)."""
    y, mo, d, h, mi, s = (int(g or 0) for g in match.groups()[:6])
    # naive on purpose: a wall time whose zone (TZID, UTC, floating) is kept beside it
    return datetime(y, mo, d, h, mi, s)  # noqa: DTZ001


def _iana(name: str) -> bool:
    if not name or name.startswith(("/", ".")) or ".." in name:
        return False
    try:
        ZoneInfo(name)
    except (KeyError, ValueError, OSError):  # ZoneInfoNotFoundError is a KeyError
        return False
    return True


def _unescape(text: str) -> str:
    r"""TEXT value escapes: ``\,`` ``\;`` ``\\`` and ``\n`` (a line break)."""
    return _ESCAPE_RE.sub(lambda m: "\n" if m[1] in "nN" else m[1], text)


def _short(value: object) -> str:
    text = repr(value)
    return text if len(text) <= 80 else text[:77] + "..."
