"""Which local dates are holidays: the ``holidays`` package, iCal feeds, and per-date overrides.

Categories are explicit (``("public",)`` by default) and names are asked for
in ``en_US`` so explanations stay stable whatever the package's default
language is. Each (source, year) is loaded once and cached.

A calendar's ``holidays`` is a :class:`HolidaySpec` (a ``holidays``-package
country alone, as before) or a :class:`HolidaySources`: a country and/or iCal
feeds (:class:`~slacalc._engine.ical.IcalFeed`), with dates switched on
(``add``, with their names) or off (``remove``).
"""

from __future__ import annotations

import os
import sys
import warnings
from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import date
from functools import lru_cache
from typing import TypeAlias

import holidays as _holidays

from slacalc._engine.ical import IcalFeed, is_url
from slacalc._engine.windows import parse_date
from slacalc.exceptions import (
    CalendarError,
    HolidayFeedError,
    HolidaySourceError,
    SlacalcWarning,
    UnknownHolidayRegionError,
)

__all__ = ["HolidaySource", "HolidaySources", "HolidaySpec", "parse_holiday_spec"]

_PACKAGE_KEYS = ("country", "subdiv", "categories")
_KEYS = (*_PACKAGE_KEYS, "ical", "add", "remove")


@dataclass(frozen=True, slots=True)
class HolidaySpec:
    """Where a calendar's holidays come from: a ``holidays`` country, subdivision and categories.

    >>> HolidaySpec("CH", "SG").dates(2026)[:2]
    (datetime.date(2026, 1, 1), datetime.date(2026, 4, 3))
    """

    country: str
    subdiv: str | None = None
    categories: tuple[str, ...] = ("public",)

    def __post_init__(self) -> None:
        _check(self)

    def dates(self, year: int) -> tuple[date, ...]:
        """The closed dates of *year*, sorted."""
        return tuple(sorted(_load(self, year)))

    def names(self, year: int) -> Mapping[date, str]:
        """The holidays of *year* with their English names."""
        return _load(self, year)

    def as_dict(self) -> dict[str, object]:
        """The spec as the mapping a calendar file uses."""
        out: dict[str, object] = {"country": self.country}
        if self.subdiv is not None:
            out["subdiv"] = self.subdiv
        if self.categories != ("public",):
            out["categories"] = list(self.categories)
        return out


@dataclass(frozen=True, slots=True)
class HolidaySources:
    """Holidays from a ``holidays`` country and/or iCal feeds, with dates switched on or off.

    A date is a holiday when the country or a feed has it, or *add* names it,
    and *remove* does not list it. A date with names from several sources
    gets them joined with ``"; "``; *add* replaces them with its own.
    *timezone* is the calendar's: feed events written in UTC fall on its
    dates (the calendar sets it).

    >>> sources = HolidaySources(HolidaySpec("CH", "SG"), add=((date(2026, 12, 31), "Silvester"),),
    ...                          remove=frozenset({date(2026, 12, 26)}))
    >>> [(d.isoformat(), name) for d, name in sources.names(2026).items()][-3:]
    [('2026-11-01', "All Saints' Day"), ('2026-12-25', 'Christmas Day'), ('2026-12-31', 'Silvester')]
    """

    package: HolidaySpec | None = None
    """The ``holidays``-package source, if any."""
    feeds: tuple[IcalFeed, ...] = ()
    """iCal feeds, in the order given."""
    add: tuple[tuple[date, str], ...] = ()
    """Dates switched on, with their names, sorted."""
    remove: frozenset[date] = frozenset()
    """Dates switched off, whichever source has them."""
    timezone: str = "UTC"
    """The calendar's time zone: the dates of feed events written in UTC are read in it."""

    def dates(self, year: int) -> tuple[date, ...]:
        """The closed dates of *year*, sorted."""
        return tuple(self.names(year))

    def names(self, year: int) -> Mapping[date, str]:
        """The holidays of *year*, in date order, with their names."""
        return _combined(self, year)

    def as_dict(self) -> dict[str, object]:
        """The sources as the mapping a calendar file uses."""
        out: dict[str, object] = {} if self.package is None else self.package.as_dict()
        if self.feeds:
            paths = [feed.path for feed in self.feeds]
            out["ical"] = paths[0] if len(paths) == 1 else paths
        if self.add:
            out["add"] = {d.isoformat(): name for d, name in self.add}
        if self.remove:
            out["remove"] = sorted(d.isoformat() for d in self.remove)
        return out

    def _before_removal(self, year: int) -> dict[date, list[str]]:
        found: dict[date, list[str]] = {}
        tables: list[Mapping[date, str]] = []
        if self.package is not None:
            tables.append(self.package.names(year))
        tables += [feed.names(year, self.timezone) for feed in self.feeds]
        for table in tables:
            for day, name in table.items():
                names = found.setdefault(day, [])
                for part in name.split("; "):
                    if part not in names:
                        names.append(part)
        for day, name in self.add:
            if day.year == year:
                found[day] = [name]
        return found


#: What a calendar's ``holidays`` is, once read.
HolidaySource: TypeAlias = HolidaySpec | HolidaySources


@lru_cache(maxsize=1024)
def _combined(sources: HolidaySources, year: int) -> dict[date, str]:
    found = sources._before_removal(year)
    return {day: "; ".join(found[day]) for day in sorted(found) if day not in sources.remove}


def parse_holiday_spec(value: object, timezone: str = "UTC") -> HolidaySource | None:
    """Read a calendar's ``holidays`` argument (a mapping, a short string, a spec, a feed, or None).

    ``{"country": "CH", "subdiv": "SG", "categories": [...]}`` and ``"CH-SG"``
    give a :class:`HolidaySpec`; a mapping with ``ical`` (a path or a list of
    paths), ``add`` (date to name) or ``remove`` (dates), a path ending in
    ``.ics``, or an :class:`IcalFeed` give :class:`HolidaySources` for a
    calendar in *timezone*.
    """
    if value is None or isinstance(value, HolidaySpec):
        return value
    if isinstance(value, HolidaySources):
        return value if value.timezone == timezone else replace(value, timezone=timezone)
    if isinstance(value, IcalFeed):
        return HolidaySources(feeds=(value,), timezone=timezone)
    if isinstance(value, os.PathLike) or (
        isinstance(value, str) and (value.strip().lower().endswith(".ics") or is_url(value))
    ):
        return HolidaySources(feeds=(IcalFeed.read(value),), timezone=timezone)
    if isinstance(value, str):
        country, _, subdiv = value.partition("-")
        return HolidaySpec(country, subdiv or None)
    if not isinstance(value, Mapping):
        msg = (
            f"holidays: invalid holiday source {value!r}; expected e.g. {{'country': 'CH', 'subdiv': 'SG'}} "
            "or {'ical': 'holidays.ics'}"
        )
        raise UnknownHolidayRegionError(msg)
    unknown = sorted(str(k) for k in value if k not in _KEYS)
    if unknown:
        msg = (
            f"holidays: unknown key {unknown[0]!r} in holiday source {dict(value)!r}; expected "
            "country, subdiv, categories, ical, add or remove"
        )
        raise UnknownHolidayRegionError(msg)
    package = _package(value)
    if set(value) <= set(_PACKAGE_KEYS):
        return package
    feeds = _feeds(value.get("ical"))
    add = _add(value.get("add"))
    remove = _remove(value.get("remove"))
    if package is None and not feeds and not add:
        msg = (
            f"holidays: holiday source {dict(value)!r} has no holidays; expected a country, "
            "an ical feed or add dates"
        )
        raise HolidaySourceError(msg)
    both = sorted(remove & {d for d, _ in add})
    if both:
        msg = (
            f"holidays.remove: {both[0].isoformat()} is also in holidays.add; expected each date "
            "switched either on or off"
        )
        raise HolidaySourceError(msg)
    if not feeds and not add and not remove:
        return package  # e.g. {"country": "CH", "ical": None}: the package alone
    sources = HolidaySources(package, feeds, add, remove, timezone)
    _check_removed(sources)
    return sources


def _package(value: Mapping[str, object]) -> HolidaySpec | None:
    if value.get("country") is None:
        extra = [k for k in ("subdiv", "categories") if value.get(k) is not None]
        if extra or set(value) <= set(_PACKAGE_KEYS):
            msg = (
                f"holidays.country: missing in holiday source {dict(value)!r}; expected a country "
                f"for {' and '.join(extra) if extra else 'a holidays-package source'}, e.g. 'CH'"
            )
            raise UnknownHolidayRegionError(msg)
        return None
    categories = value.get("categories")
    if categories is None:
        categories = ("public",)
    if isinstance(categories, str):
        categories = (categories,)
    if not isinstance(categories, list | tuple):
        msg = (
            f"holidays.categories: invalid value {categories!r}; expected a list of category names"
        )
        raise UnknownHolidayRegionError(msg)
    return HolidaySpec(
        country=str(value["country"]),
        subdiv=None if value.get("subdiv") is None else str(value["subdiv"]),
        categories=tuple(str(c) for c in categories),
    )


def _feeds(value: object) -> tuple[IcalFeed, ...]:
    if value is None:
        return ()
    items = value if isinstance(value, list | tuple) else [value]
    feeds = []
    for item in items:
        if isinstance(item, IcalFeed):
            feeds.append(item)
        elif isinstance(item, str | os.PathLike):
            feeds.append(IcalFeed.read(item))
        else:
            msg = f"holidays.ical: invalid value {item!r}; expected the path of an .ics file"
            raise HolidayFeedError(msg)
    return tuple(feeds)


def _add(value: object) -> tuple[tuple[date, str], ...]:
    if value is None:
        return ()
    if not isinstance(value, Mapping):
        msg = f"holidays.add: invalid value {value!r}; expected a mapping of dates to names, e.g. {{'2026-12-31': 'Silvester'}}"
        raise HolidaySourceError(msg)
    out: dict[date, str] = {}
    for key, name in value.items():
        day = _date("holidays.add", key)
        if not isinstance(name, str) or not name.strip():
            msg = f"holidays.add: invalid name {name!r} for {day.isoformat()}; expected the holiday's name"
            raise HolidaySourceError(msg)
        out[day] = " ".join(name.split())
    return tuple(sorted(out.items()))


def _remove(value: object) -> frozenset[date]:
    if value is None:
        return frozenset()
    if isinstance(value, str | date) or not isinstance(value, list | tuple | set | frozenset):
        msg = f"holidays.remove: invalid value {value!r}; expected a list of dates, e.g. ['2026-01-02']"
        raise HolidaySourceError(msg)
    return frozenset(_date("holidays.remove", d) for d in value)


def _date(field: str, value: object) -> date:
    try:
        return parse_date(field, value)
    except CalendarError as exc:
        raise HolidaySourceError(str(exc)) from None


def _check_removed(sources: HolidaySources) -> None:
    """Warn about a removed date that no source has: a typo, or a holiday that moved."""
    for day in sorted(sources.remove):
        if day not in sources._before_removal(day.year):
            warnings.warn(
                f"holidays.remove: {day.isoformat()} is not a holiday of this calendar's sources, "
                "so removing it changes nothing; expected a date the country or a feed closes",
                SlacalcWarning,
                stacklevel=_outside_caller(),
            )


def _check(spec: HolidaySpec) -> None:
    supported = _holidays.list_supported_countries()
    if spec.country not in supported:
        msg = (
            f"holidays.country: unknown country {spec.country!r}; expected an ISO 3166-1 "
            "alpha-2 code the holidays package supports, such as 'CH' or 'DE'"
        )
        raise UnknownHolidayRegionError(msg)
    subdivs = supported[spec.country]
    if spec.subdiv is not None and spec.subdiv not in subdivs:
        msg = (
            f"holidays.subdiv: unknown subdivision {spec.subdiv!r} of {spec.country}; "
            f"expected one of {', '.join(subdivs)}"
        )
        raise UnknownHolidayRegionError(msg)
    cls = _holidays.country_holidays(spec.country, subdiv=spec.subdiv).__class__
    known = set(getattr(cls, "supported_categories", ("public",)))
    bad = [c for c in spec.categories if c not in known]
    if bad or not spec.categories:
        msg = (
            f"holidays.categories: unknown category {(bad or [''])[0]!r} for {spec.country}; "
            f"expected one or more of {', '.join(sorted(known))}"
        )
        raise UnknownHolidayRegionError(msg)
    if "optional" in spec.categories:
        warnings.warn(
            f"holidays for {spec.country}{'-' + spec.subdiv if spec.subdiv else ''} include the "
            "'optional' category: days that are working days for most employers will be closed",
            SlacalcWarning,
            stacklevel=_outside_caller(),
        )


def _outside_caller() -> int:
    """The ``stacklevel`` that points a warning at the first caller outside slacalc."""
    level, frame = 1, sys._getframe(1)
    while frame.f_globals.get("__name__", "").partition(".")[0] == "slacalc" and frame.f_back:
        frame = frame.f_back
        level += 1
    return level


@lru_cache(maxsize=1024)
def _load(spec: HolidaySpec, year: int) -> dict[date, str]:
    table = _holidays.country_holidays(
        spec.country,
        subdiv=spec.subdiv,
        categories=spec.categories,
        language="en_US",
    )
    # The package stops at a default horizon (``end_year``, 2100) although its
    # rules go on; calendars accept instants to 2200, so lift the horizon
    # rather than silently dropping every holiday after 2100.
    table.end_year = max(table.end_year, year)
    table.years = {year}  # populates the year, as ``years=`` would
    return dict(table.items())
