"""Adapter over the ``holidays`` package: which local dates are closed.

Categories are explicit (``("public",)`` by default) and names are asked for
in ``en_US`` so explanations stay stable whatever the package's default
language is. Each (source, year) is loaded once and cached.
"""

from __future__ import annotations

import sys
import warnings
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from functools import lru_cache

import holidays as _holidays

from slacalc.exceptions import SlacalcWarning, UnknownHolidayRegionError

__all__ = ["HolidaySpec", "parse_holiday_spec"]


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


def parse_holiday_spec(value: object) -> HolidaySpec | None:
    """Read ``{"country": "CH", "subdiv": "SG", "categories": [...]}`` (or a spec, or None)."""
    if value is None or isinstance(value, HolidaySpec):
        return value
    if isinstance(value, str):
        country, _, subdiv = value.partition("-")
        return HolidaySpec(country, subdiv or None)
    if not isinstance(value, Mapping):
        msg = f"holidays: invalid holiday source {value!r}; expected e.g. {{'country': 'CH', 'subdiv': 'SG'}}"
        raise UnknownHolidayRegionError(msg)
    unknown = set(value) - {"country", "subdiv", "categories"}
    if unknown or "country" not in value:
        msg = (
            f"holidays: invalid holiday source {dict(value)!r}; expected the keys country "
            "(required), subdiv and categories"
        )
        raise UnknownHolidayRegionError(msg)
    categories = value.get("categories", ("public",))
    if isinstance(categories, str):
        categories = (categories,)
    return HolidaySpec(
        country=str(value["country"]),
        subdiv=None if value.get("subdiv") is None else str(value["subdiv"]),
        categories=tuple(str(c) for c in categories),
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
