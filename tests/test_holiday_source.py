"""The adapter over the ``holidays`` package: which local dates close, and their names."""

from __future__ import annotations

import json
import pickle
from datetime import date
from pathlib import Path

import pytest

from helpers import zdt
from slacalc import Calendar, HolidaySpec, SlacalcWarning
from slacalc._engine.holidays import parse_holiday_spec
from slacalc.exceptions import UnknownHolidayRegionError

GOLDEN = Path(__file__).parent / "golden" / "holidays" / "CH-SG-2026.json"


@pytest.fixture(scope="module")
def golden() -> dict[str, dict[str, str]]:
    """St. Gallen's 2026 holidays by category, written by tests/golden/generate.py."""
    return json.loads(GOLDEN.read_text())


class TestHolidaySpec:
    def test_public_holidays_only_by_default(self):
        """a spec asks for the public category unless told otherwise."""
        assert HolidaySpec("CH", "SG").categories == ("public",)

    def test_dates_are_the_public_holidays(self, golden):
        """dates(2026) are St. Gallen's public holidays, sorted."""
        expected = tuple(date.fromisoformat(d) for d in sorted(golden["public"]))
        assert HolidaySpec("CH", "SG").dates(2026) == expected

    def test_names_are_english(self, golden):
        """names(2026) carries the en_US names whatever the package's default language."""
        names = HolidaySpec("CH", "SG").names(2026)
        assert {d.isoformat(): n for d, n in names.items()} == golden["public"]

    def test_optional_category_adds_berchtoldstag_and_warns(self, golden):
        """categories=('public', 'optional') adds 2 January, with a SlacalcWarning."""
        with pytest.warns(SlacalcWarning, match=r"CH-SG .*'optional'"):
            spec = HolidaySpec("CH", "SG", ("public", "optional"))
        assert date(2026, 1, 2) in spec.dates(2026)
        assert spec.names(2026)[date(2026, 1, 2)] == golden["optional"]["2026-01-02"]

    def test_holidays_go_on_after_2100(self):
        """the package stops at 2100 by default; the spec keeps applying its rules to 2200."""
        dates_2150 = HolidaySpec("CH", "SG").dates(2150)
        assert len(dates_2150) == len(HolidaySpec("CH", "SG").dates(2026)) == 9
        # Easter 2150 is April 12: Good Friday April 10, Easter Monday April 13
        assert {
            date(2150, 12, 25),
            date(2150, 12, 26),
            date(2150, 4, 10),
            date(2150, 4, 13),
        } <= set(dates_2150)
        assert date(2200, 12, 25) in HolidaySpec("CH", "SG").dates(2200)

    def test_each_year_is_loaded_once(self):
        """names(year) is cached: asking twice gives the same table."""
        spec = HolidaySpec("DE", "NW")
        assert spec.names(2031) is spec.names(2031)

    def test_as_dict_round_trips(self):
        """as_dict() is what a calendar file would say, and reads back to an equal spec."""
        spec = HolidaySpec("CH", "SG")
        assert spec.as_dict() == {"country": "CH", "subdiv": "SG"}
        assert parse_holiday_spec(spec.as_dict()) == spec
        assert HolidaySpec("CH").as_dict() == {"country": "CH"}
        with pytest.warns(SlacalcWarning):
            optional = HolidaySpec("CH", "SG", ("public", "optional"))
        assert optional.as_dict()["categories"] == ["public", "optional"]

    def test_specs_pickle_without_warning_again(self):
        """a spec with optional holidays unpickles silently (it was checked when built)."""
        with pytest.warns(SlacalcWarning):
            spec = HolidaySpec("CH", "SG", ("public", "optional"))
        assert pickle.loads(pickle.dumps(spec)) == spec


class TestParseHolidaySpec:
    def test_forms(self):
        """a mapping, 'CH-SG', 'CH', a spec or None."""
        assert parse_holiday_spec({"country": "CH", "subdiv": "SG"}) == HolidaySpec("CH", "SG")
        assert parse_holiday_spec("CH-SG") == HolidaySpec("CH", "SG")
        assert parse_holiday_spec("CH") == HolidaySpec("CH")
        assert parse_holiday_spec(None) is None
        spec = HolidaySpec("DE", "NW")
        assert parse_holiday_spec(spec) is spec

    def test_categories_as_a_string_or_a_list(self):
        """categories may be one string or a list."""
        assert parse_holiday_spec({"country": "CH", "categories": "public"}) == HolidaySpec("CH")
        assert parse_holiday_spec({"country": "CH", "categories": ["public"]}) == HolidaySpec("CH")

    @pytest.mark.parametrize(
        ("value", "fragment"),
        [
            ({"country": "XX"}, "holidays.country: unknown country 'XX'"),
            ({"country": "CH", "subdiv": "ZZ"}, "holidays.subdiv: unknown subdivision 'ZZ' of CH"),
            (
                {"country": "CH", "categories": ["bogus"]},
                "holidays.categories: unknown category 'bogus'",
            ),
            (
                {"country": "CH", "region": "SG"},
                "unknown key 'region' in holiday source {'country': 'CH', 'region': 'SG'}; "
                "expected country, subdiv, categories, ical, add or remove",
            ),
            ({"subdiv": "SG"}, "holidays.country: missing in holiday source {'subdiv': 'SG'}"),
            (42, "holidays: invalid holiday source 42"),
        ],
    )
    def test_bad_sources(self, value, fragment):
        """unknown countries, subdivisions, categories and keys are refused by name."""
        with pytest.raises(UnknownHolidayRegionError) as info:
            parse_holiday_spec(value)
        assert fragment in str(info.value)


class TestCalendarsWithHolidays:
    def test_other_countries(self):
        """a US-NY calendar closes on Independence Day, a DE-NW one on German Unity Day."""
        us = Calendar(
            timezone="America/New_York", hours={"mon-fri": "09:00-17:00"}, holidays="US-NY"
        )
        de = Calendar(timezone="Europe/Berlin", hours={"mon-fri": "09:00-17:00"}, holidays="DE-NW")
        # 2025-07-04 is a Friday; 2025-10-03 too
        assert not us.is_open(zdt("2025-07-04 12:00", "America/New_York"))
        assert not de.is_open(zdt("2025-10-03 12:00", "Europe/Berlin"))
        assert us.is_open(zdt("2025-07-03 12:00", "America/New_York"))

    def test_observed_holidays_across_the_new_year(self):
        """US New Year's Day 2022 (a Saturday) is observed on Friday 2021-12-31."""
        us = Calendar(timezone="America/New_York", hours={"mon-fri": "09:00-17:00"}, holidays="US")
        assert not us.is_open(zdt("2021-12-31 12:00", "America/New_York"))

    def test_calendar_exposes_its_source(self, office):
        """calendar.holidays is the spec it was built with (None without holidays)."""
        assert office.holidays == HolidaySpec("CH", "SG")
        assert Calendar(hours="24x7").holidays is None
        assert (office & office).holidays is None
