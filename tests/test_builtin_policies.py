"""The five built-in policies: names, plans, calendars and targets checked against the seed documents.

Each spot check names the table of the seed it comes from (``seeds/`` beside
SPEC.md); SPEC §3 fixes the readings where a document is ambiguous.
"""

from __future__ import annotations

import json
import tomllib
from datetime import date, datetime, timedelta
from decimal import Decimal
from importlib.resources import files
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from slacalc._engine.durations import BEST_EFFORT, NOT_APPLICABLE
from slacalc._policies.files import (
    builtin_document,
    builtin_families,
    builtin_policies,
    load_policy,
    policy_schema,
)
from slacalc._policies.model import Plan, Policy, PolicyFamily

ZURICH = ZoneInfo("Europe/Zurich")
BERLIN = ZoneInfo("Europe/Berlin")
H = timedelta(hours=1)

PLANS = {
    "zitadel-2021": ["free", "outpost", "starbase", "fortress"],
    "zitadel-2023": ["free", "production", "extended", "custom"],
    "exoscale": ["built-in", "starter", "pro", "enterprise"],
    "proauth": ["basic", "enterprise-standard", "enterprise-premium", "enterprise-managed"],
    "freistilbox": ["standard", "enterprise"],
}


def policy(name: str) -> Policy:
    loaded = load_policy(name)
    assert isinstance(loaded, Policy)
    return loaded


def plan(name: str, plan_name: str) -> Plan:
    return policy(name).plan(plan_name)


def hours(
    policy_name: str, plan_name: str, klass: str | int, metric: str = "initial_response"
) -> timedelta | None:
    return plan(policy_name, plan_name).target(metric, klass).duration()


class TestCatalogue:
    def test_builtin_names(self) -> None:
        """builtin_policies lists the five versions, sorted; families are listed separately."""
        assert builtin_policies() == sorted(PLANS)
        assert builtin_families() == {"zitadel": ["zitadel-2021", "zitadel-2023"]}

    @pytest.mark.parametrize("name", sorted(PLANS))
    def test_every_builtin_loads_with_the_contract_plans(self, name: str) -> None:
        """every built-in loads and has exactly the plans SPEC §3 names, in that order."""
        loaded = policy(name)
        assert loaded.name == name
        assert list(loaded.plans) == PLANS[name]
        assert loaded.source.startswith("seeds/")

    @pytest.mark.parametrize("name", sorted(PLANS))
    def test_builtins_are_cached_and_shared(self, name: str) -> None:
        """a built-in is parsed once: loading it twice gives the same object."""
        assert load_policy(name) is load_policy(name)

    @pytest.mark.parametrize("name", sorted(PLANS))
    def test_file_starts_with_a_source_header(self, name: str) -> None:
        """each TOML file opens with a comment naming its seed document and its interpretations."""
        text = files("slacalc").joinpath("_policies", "builtin", f"{name}.toml").read_text("utf-8")
        header = text.split("\nname = ", 1)[0]
        assert header.startswith("# ")
        assert "seeds/" in header
        assert "Interpretations" in header

    def test_family_picks_the_version_in_force(self) -> None:
        """zitadel: a 2022 ticket is judged by zitadel-2021, a 2024 one by zitadel-2023."""
        family = load_policy("zitadel")
        assert isinstance(family, PolicyFamily)
        assert family.at(date(2022, 6, 1)).name == "zitadel-2021"
        assert family.at(datetime(2024, 3, 1, 9, tzinfo=ZURICH)).name == "zitadel-2023"
        assert family.at(date(2023, 11, 14)).name == "zitadel-2021"
        assert family.at(date(2023, 11, 15)).name == "zitadel-2023"
        assert family.latest.name == "zitadel-2023"

    def test_family_plan_resolves_per_date(self) -> None:
        """the family's 'free' plan is the 2021 one for 2022 and the 2023 one for 2024."""
        family = load_policy("zitadel")
        assert isinstance(family, PolicyFamily)
        free = family.plan("free")
        assert free.at(date(2022, 1, 3)).policy.name == "zitadel-2021"
        assert free.at(date(2024, 1, 3)).policy.name == "zitadel-2023"


class TestZitadel2021:
    """seeds/000 (ZITADEL Cloud, CAOS AG; undated, in force 2021-01-01 to 2023-11-15)."""

    def test_dates(self) -> None:
        """SPEC §3: effective from 2021-01-01 until the 2023 version."""
        p = policy("zitadel-2021")
        assert (p.effective_from, p.effective_until, p.family) == (
            date(2021, 1, 1),
            date(2023, 11, 15),
            "zitadel",
        )

    def test_business_calendar(self) -> None:
        """'Business hours means 08:00-17:00 Monday - Friday ... public holidays in Switzerland / Kanton St. Gallen'."""
        cal = policy("zitadel-2021").calendars["business"]
        assert cal.timezone == "Europe/Zurich"
        assert cal.business_day == 9 * H
        assert cal.is_open(datetime(2026, 3, 2, 8, tzinfo=ZURICH))
        assert not cal.is_open(datetime(2026, 3, 2, 17, tzinfo=ZURICH))
        assert not cal.is_open(
            datetime(2026, 12, 26, 10, tzinfo=ZURICH)
        )  # Stephanstag (a Saturday anyway)
        assert not cal.is_open(datetime(2025, 12, 26, 10, tzinfo=ZURICH))  # Stephanstag, a Friday
        assert cal.is_open(
            datetime(2026, 1, 2, 10, tzinfo=ZURICH)
        )  # Berchtoldstag is optional in SG

    @pytest.mark.parametrize(
        ("plan_name", "expected"),
        [("starbase", [4, 12, 24, 48]), ("fortress", [1, 2, 12, 24])],
    )
    def test_initial_response_slo_table(self, plan_name: str, expected: list[int]) -> None:
        """table 'SLO - Initial response time', Severity 1-4, on business hours."""
        got = [hours("zitadel-2021", plan_name, sev) for sev in (1, 2, 3, 4)]
        assert got == [n * H for n in expected]
        assert (
            plan("zitadel-2021", plan_name).target("initial_response", 1).calendar_name
            == "business"
        )

    @pytest.mark.parametrize("plan_name", ["free", "outpost"])
    def test_free_and_outpost_have_no_objective(self, plan_name: str) -> None:
        """SLO table: FREE and OUTPOST 'not applicable' (OUTPOST's plan-table 'Best effort' is noted)."""
        for sev in (1, 2, 3, 4):
            assert (
                plan("zitadel-2021", plan_name).target("initial_response", sev).objective
                == NOT_APPLICABLE
            )

    def test_channels(self) -> None:
        """table 'Support features': OUTPOST email only; STARBASE and FORTRESS email, chat and phone."""
        p = policy("zitadel-2021")
        assert p.plan("free").channels == ()
        assert p.plan("outpost").channels == ("email",)
        assert p.plan("starbase").channels == ("email", "chat", "phone")
        assert p.plan("fortress").covered_channels is None

    @pytest.mark.parametrize("plan_name", ["outpost", "starbase", "fortress"])
    def test_escalation_normal_one_business_day(self, plan_name: str) -> None:
        """section 'Escalation' 1.: a manager responds 'within one business day' (9 h); urgent states no time."""
        target = plan("zitadel-2021", plan_name).target("escalation_response", "normal")
        assert target.duration() == 9 * H
        assert target.calendar_name == "business"
        assert (
            plan("zitadel-2021", plan_name).target("escalation_response", "urgent").objective
            == BEST_EFFORT
        )

    def test_no_credits(self) -> None:
        """the 2021 document grants no service credits."""
        assert policy("zitadel-2021").credits is None


class TestZitadel2023:
    """seeds/001 (Support service description for ZITADEL, last updated 2023-11-15)."""

    def test_dates_and_calendars(self) -> None:
        """'Last updated on November 15, 2023'; business 08-17 and extended 07-19 hours."""
        p = policy("zitadel-2023")
        assert p.effective_from == date(2023, 11, 15)
        assert p.effective_until is None
        assert p.calendars["business"].business_day == 9 * H
        assert p.calendars["extended"].business_day == 12 * H
        assert p.calendars["extended"].is_open(datetime(2026, 3, 2, 7, tzinfo=ZURICH))

    def test_production_keeps_both_tables(self) -> None:
        """plan table 'Response Time (Severity 1): 48 business hours'; SLO table 'Default': best effort."""
        production = plan("zitadel-2023", "production")
        assert production.target("initial_response", 1).duration() == 48 * H
        assert production.target("initial_response", 1).calendar_name == "business"
        for sev in (2, 3, 4):
            assert production.target("initial_response", sev).objective == BEST_EFFORT

    def test_extended_sla_column(self) -> None:
        """SLO table 'Extended SLA': 1 / 2 / 12 / 24 business hours on extended hours."""
        got = [hours("zitadel-2023", "extended", sev) for sev in (1, 2, 3, 4)]
        assert got == [1 * H, 2 * H, 12 * H, 24 * H]
        extended = plan("zitadel-2023", "extended")
        assert extended.extends == "production"
        assert extended.target("initial_response", 4).calendar_name == "extended"

    def test_custom_column(self) -> None:
        """SLO table 'Custom': Severity 1 'up to 30min' (24x7), Severity 2-4 2 / 12 / 24 business hours."""
        custom = plan("zitadel-2023", "custom")
        sev1 = custom.target("initial_response", 1)
        assert (sev1.duration(), sev1.calendar_name) == (timedelta(minutes=30), "24x7")
        assert str(sev1) == "30 minutes on 24x7"
        assert [hours("zitadel-2023", "custom", s) for s in (2, 3, 4)] == [2 * H, 12 * H, 24 * H]
        assert custom.target("initial_response", 2).calendar_name == "business"

    @pytest.mark.parametrize("plan_name", ["production", "extended", "custom"])
    def test_escalation_on_business_calendar(self, plan_name: str) -> None:
        """section 'Escalation': non-urgent within one business day, urgent within two business hours."""
        p = plan("zitadel-2023", plan_name)
        normal = p.target("escalation_response", "normal")
        urgent = p.target("escalation_response", "URGENT")
        assert (normal.duration(), normal.calendar_name) == (9 * H, "business")
        assert (urgent.duration(), urgent.calendar_name) == (2 * H, "business")

    def test_free_is_community_only(self) -> None:
        """plan table 'Professional support: no' for Free: nothing applies."""
        free = plan("zitadel-2023", "free")
        assert free.channels == ("community",)
        assert free.target("initial_response", 1).objective == NOT_APPLICABLE
        assert free.target("escalation_response", "urgent").objective == NOT_APPLICABLE

    def test_professional_channels_only(self) -> None:
        """'We do only guarantee response times to Tickets reported via professional support channels only.'"""
        production = plan("zitadel-2023", "production")
        assert production.covered_channels == ("ticket", "email", "chat", "phone")
        assert production.covers("email")
        assert not production.covers("community")
        assert production.covers(None)

    def test_credits(self) -> None:
        """'For every 15 minutes exceeding the state objective, 1 day will be added' — initial and escalation."""
        credits = policy("zitadel-2023").credits
        assert credits is not None
        assert (credits.per, credits.award_days, credits.rounding, credits.measure) == (
            timedelta(minutes=15),
            1,
            "ceil",
            "business",
        )
        assert credits.metrics == ("initial_response", "escalation_response")
        assert credits.channels == ("ticket", "email", "chat", "phone")
        assert credits.earns("escalation_response", "chat")
        assert not credits.earns("initial_response", "community")
        assert [credits.days_for(timedelta(seconds=s)) for s in (1, 900, 901, 1200)] == [1, 1, 2, 2]

    def test_worked_example_extended_sev2_over_easter(self) -> None:
        """SPEC §3.1: opened Thu 2026-04-02 18:00 with 2 bh on 07-19: due Tue 2026-04-07 08:00."""
        target = plan("zitadel-2023", "extended").target("initial_response", "Sev 2")
        opened = datetime(2026, 4, 2, 18, tzinfo=ZURICH)
        assert target.calendar is not None
        due = target.calendar.add(opened, target.duration() or timedelta(0))
        assert due == datetime(2026, 4, 7, 8, tzinfo=ZURICH)


class TestExoscale:
    """seeds/002 (Exoscale portal, chapter Support): overview table 'Support Features & Plans'."""

    def test_calendars(self) -> None:
        """'Office Hours: Mon-Fri, 8 am to 6 pm CET/CEST'; 'Extended Office Hours: Mon-Fri, 7 am to 8 pm'."""
        cals = policy("exoscale").calendars
        assert cals["office"].business_day == 10 * H
        assert cals["extended-office"].business_day == 13 * H
        assert cals["24x7"].business_day == 24 * H
        assert cals["office"].is_open(
            datetime(2026, 8, 3, 17, 30, tzinfo=ZURICH)
        )  # Mon 17:30: open until 18:00
        assert not cals["office"].is_open(
            datetime(2026, 12, 25, 10, tzinfo=ZURICH)
        )  # Christmas (national)

    @pytest.mark.parametrize(
        ("plan_name", "duration", "calendar"),
        [
            ("starter", 4 * H, "office"),
            ("pro", 1 * H, "extended-office"),
            ("enterprise", timedelta(minutes=30), "24x7"),
        ],
    )
    def test_one_target_for_all_priorities(
        self, plan_name: str, duration: timedelta, calendar: str
    ) -> None:
        """row 'Initial Response Time': 4 hours / 1 hour / 30 minutes, the same for every priority."""
        p = plan("exoscale", plan_name)
        assert list(p.targets["initial_response"]) == ["all"]
        for prio in (1, 2, 3, 4):
            target = p.target("initial_response", prio)
            assert (target.duration(), target.calendar_name) == (duration, calendar)

    def test_built_in_is_best_effort(self) -> None:
        """Built-In: 'Initial Response Time: Best-effort', office hours."""
        target = plan("exoscale", "built-in").target("initial_response", 1)
        assert target.objective == BEST_EFFORT
        assert target.duration() is None

    def test_prices(self) -> None:
        """row 'Price/month (EUR/CHF/USD)': Included, 100.00, 500.00, 5 % with a 2,500 minimum."""
        p = policy("exoscale")
        built_in, starter, pro, enterprise = (p.plan(n).price_model for n in PLANS["exoscale"])
        assert built_in is not None
        assert built_in.included
        assert starter is not None
        assert starter.amount == Decimal("100.00")
        assert starter.period == "month"
        assert starter.currencies == ("EUR", "CHF", "USD")
        assert pro is not None
        assert pro.amount == Decimal("500.00")
        assert enterprise is not None
        assert (enterprise.share_of_consumption, enterprise.minimum) == (
            Decimal("0.05"),
            Decimal("2500.00"),
        )

    def test_channels(self) -> None:
        """rows 'Ticket Support' / 'Phone Support'; chat is only 'Coming soon'."""
        p = policy("exoscale")
        assert p.plan("starter").channels == ("ticket",)
        assert p.plan("pro").channels == ("ticket", "phone")


class TestProAuth:
    """seeds/003 (ProAuth Support & Service Definition)."""

    def test_calendar(self) -> None:
        """'Business hours are 09:00-17:00 CET, Monday-Friday (excluding holidays)': 8 h a day."""
        cal = policy("proauth").calendars["business"]
        assert cal.business_day == 8 * H
        assert cal.timezone == "Europe/Zurich"

    @pytest.mark.parametrize(
        ("plan_name", "duration"),
        [("basic", 8 * H), ("enterprise-standard", 8 * H), ("enterprise-premium", 4 * H)],
    )
    def test_single_target_plans(self, plan_name: str, duration: timedelta) -> None:
        """table 'Support Levels', row 'Initial response time': 1 business day / 8 bh / 4 bh for every severity."""
        for sev in ("Sev-1", "sev2", 3):
            assert hours("proauth", plan_name, sev) == duration

    def test_managed(self) -> None:
        """Managed: 'Sev-1 within 2 hours; Sev-2 within 4 hours; Sev-3 within 1 business day'; Sev-1 24x7."""
        managed = plan("proauth", "enterprise-managed")
        sev1 = managed.target(
            "initial_response", "Sev\u20111"
        )  # the document's non-breaking hyphen
        assert (sev1.duration(), sev1.calendar_name) == (2 * H, "24x7")
        assert str(sev1) == "2 hours on 24x7"
        assert managed.target("initial_response", 2).calendar_name == "business"
        assert managed.target("initial_response", 2).duration() == 4 * H
        assert managed.target("initial_response", 3).duration() == 8 * H
        assert policy("proauth").severity("critical") == "1"

    def test_three_severities(self) -> None:
        """Sev-1 .. Sev-3 only."""
        assert policy("proauth").severity_names == ("1", "2", "3")

    def test_prices(self) -> None:
        """row 'Annual price': Included, CHF 6'000, CHF 10'000, Contact Sales; 'All prices exclude VAT'."""
        p = policy("proauth")
        basic, standard, premium, managed = (p.plan(n).price_model for n in PLANS["proauth"])
        assert basic is not None
        assert basic.included
        assert standard is not None
        assert standard.amount == Decimal(6000)
        assert standard.period == "year"
        assert premium is not None
        assert premium.amount == Decimal(10000)
        assert premium.currencies == ("CHF",)
        assert managed is not None
        assert managed.on_request
        assert {price.vat for price in (basic, standard, premium, managed) if price} == {"excluded"}

    def test_escalation_quota(self) -> None:
        """'Escalations included / year' 0 / 4 / 8 / Custom; packs S/M/L; 5 h per escalation; CHF 240/h."""
        quota = policy("proauth").escalations
        assert quota is not None
        assert quota.included_per_year == {
            "basic": 0,
            "enterprise-standard": 4,
            "enterprise-premium": 8,
            "enterprise-managed": "per agreement",
        }
        assert quota.hours_per_unit == Decimal(5)
        assert quota.consulting_rate == Decimal(240)
        assert [(p.name, p.units, p.price, p.valid_months) for p in quota.packs] == [
            ("S", 1, Decimal(720), 12),
            ("M", 3, Decimal(1900), 12),
            ("L", 6, Decimal(3700), 12),
        ]
        assert quota.exempt_kinds == ("product_defect", "security")
        assert quota.clarification_under == "15 minutes"
        assert quota.touchpoint_units == 1


class TestFreistilbox:
    """seeds/004 (freistilbox handbook, Customer support): table 'Response times'."""

    def test_priorities(self) -> None:
        """priorities Urgent, High, Normal, Low, any case."""
        p = policy("freistilbox")
        assert p.severity_names == ("urgent", "high", "normal", "low")
        assert p.severity("Urgent") == "urgent"

    def test_calendar(self) -> None:
        """'12x5 response (Mon-Fri 08:00 to 20:00 CET)': Europe/Berlin, DE-NW holidays, 12 h a day."""
        cal = policy("freistilbox").calendars["12x5"]
        assert cal.timezone == "Europe/Berlin"
        assert cal.business_day == 12 * H
        assert not cal.is_open(datetime(2026, 6, 4, 10, tzinfo=BERLIN))  # Corpus Christi in NRW

    def test_standard(self) -> None:
        """table 'Response times': 30 minutes, 4 hours, 1 business day, 3 business days, all on 12x5."""
        got = [hours("freistilbox", "standard", p) for p in ("urgent", "high", "normal", "low")]
        assert got == [timedelta(minutes=30), 4 * H, 12 * H, 36 * H]
        for prio in ("urgent", "high", "normal", "low"):
            assert (
                plan("freistilbox", "standard").target("initial_response", prio).calendar_name
                == "12x5"
            )

    def test_enterprise(self) -> None:
        """'24x7 response with Enterprise SLA': urgent and high on 24x7, normal and low on 12x5."""
        enterprise = plan("freistilbox", "enterprise")
        cals = [
            enterprise.target("initial_response", p).calendar_name
            for p in ("urgent", "high", "normal", "low")
        ]
        assert cals == ["24x7", "24x7", "12x5", "12x5"]
        assert enterprise.target("initial_response", "high").duration() == 4 * H

    @pytest.mark.parametrize("plan_name", ["standard", "enterprise"])
    def test_dispatch(self, plan_name: str) -> None:
        """'Every ticket needs to be dispatched after 1 hours during business hours': 1 bh on 12x5, all."""
        p = plan("freistilbox", plan_name)
        target = p.target("dispatch", "low")
        assert (target.klass, target.duration(), target.calendar_name) == ("all", 1 * H, "12x5")
        assert p.metrics() == ("initial_response", "dispatch")


# --------------------------------------------------------------------------- JSON Schema round trip


def _jsonable(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_jsonable(v) for v in value]
    if isinstance(value, date):
        return value.isoformat()
    return value


class TestSchemaRoundTrip:
    @pytest.mark.parametrize("name", sorted(PLANS))
    def test_raw_file_validates_against_schema(self, name: str) -> None:
        """the TOML file, read as data, is valid under the published JSON Schema."""
        jsonschema = pytest.importorskip("jsonschema")
        text = files("slacalc").joinpath("_policies", "builtin", f"{name}.toml").read_text("utf-8")
        jsonschema.validate(_jsonable(tomllib.loads(text)), policy_schema())

    @pytest.mark.parametrize("name", sorted(PLANS))
    def test_json_dump_validates_and_reloads(self, name: str, tmp_path: Path) -> None:
        """dumped as JSON, a built-in validates against the schema and loads back to the same targets."""
        jsonschema = pytest.importorskip("jsonschema")
        data = builtin_document(name).model_dump(mode="json", by_alias=True, exclude_unset=True)
        jsonschema.validate(data, policy_schema())
        path = tmp_path / f"{name}.json"
        path.write_text(json.dumps(data, indent=2), "utf-8")
        again = load_policy(path)
        original = policy(name)
        assert isinstance(again, Policy)
        assert list(again.plans) == list(original.plans)
        for plan_name, p in original.plans.items():
            q = again.plan(plan_name)
            assert {m: dict(t) for m, t in q.targets.items()} == {
                m: dict(t) for m, t in p.targets.items()
            }
            assert (q.channels, q.covered_channels, q.support_hours, q.price_model) == (
                p.channels,
                p.covered_channels,
                p.support_hours,
                p.price_model,
            )
        assert again.credits == original.credits
        assert again.escalations == original.escalations

    def test_schema_is_valid_json_schema(self) -> None:
        """the published schema is itself a valid draft 2020-12 schema."""
        jsonschema = pytest.importorskip("jsonschema")
        jsonschema.Draft202012Validator.check_schema(policy_schema())


class TestDocs:
    DOCS = Path(__file__).resolve().parents[1] / "docs" / "policies"

    @pytest.mark.parametrize("name", sorted(PLANS))
    def test_page_shows_every_plan_and_target(self, name: str) -> None:
        """docs/policies/<name>.md names every plan and shows every target as the library prints it."""
        page = (self.DOCS / f"{name}.md").read_text("utf-8")
        for plan_name, p in policy(name).plans.items():
            assert f"`{plan_name}`" in page
            for table in p.targets.values():
                for target in table.values():
                    assert str(target) in page, (plan_name, str(target))
        for calendar in policy(name).calendars:
            assert f"`{calendar}`" in page
