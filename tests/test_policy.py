"""The runtime policy objects: severities, classes, targets, plans, credit rules, families."""

from __future__ import annotations

import pickle
from datetime import UTC, date, datetime, timedelta, timezone
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from slacalc._engine.durations import BEST_EFFORT, NOT_APPLICABLE, Duration, parse_duration
from slacalc._policies.files import load_policy, read_policy
from slacalc._policies.model import (
    CreditRule,
    FamilyPlan,
    FrozenMap,
    Plan,
    Policy,
    PolicyFamily,
    Target,
    describe_duration,
)
from slacalc.calendars import always_open, office_hours
from slacalc.exceptions import (
    NaiveDatetimeError,
    PolicyError,
    UnknownMetricError,
    UnknownPlanError,
    UnknownPolicyError,
    UnknownSeverityError,
)

ZURICH = ZoneInfo("Europe/Zurich")
H = timedelta(hours=1)


def zitadel_2023() -> Policy:
    loaded = load_policy("zitadel-2023")
    assert isinstance(loaded, Policy)
    return loaded


def zitadel() -> PolicyFamily:
    loaded = load_policy("zitadel")
    assert isinstance(loaded, PolicyFamily)
    return loaded


class TestSeverity:
    @pytest.mark.parametrize(
        "value",
        [
            2,
            "2",
            "sev2",
            "SEV2",
            "sev-2",
            "Sev-2",
            "sev 2",
            "sev_2",
            "Severity 2",
            "severity-2",
            "SEVERITY2",
            " sev 2 ",
            "Sev\u20112",
            "P2",
            "priority 2",
            "02",
        ],
    )
    def test_numbered_aliases(self, value: str | int) -> None:
        """a numbered severity answers to N, "N", sevN, sev-N, sev N, severity N and P N, in any case."""
        assert zitadel_2023().severity(value) == "2"

    @pytest.mark.parametrize("value", ["sev5", 5, "5", "critical", "", "sev", True, None, 2.0])
    def test_unknown_severity_lists_the_valid_ones(self, value: object) -> None:
        """an unknown severity raises UnknownSeverityError naming the value and the canonical names."""
        with pytest.raises(UnknownSeverityError) as info:
            zitadel_2023().severity(value)  # type: ignore[arg-type]
        shown = str(value) if isinstance(value, int) and not isinstance(value, bool) else value
        assert f"unknown severity {shown!r}" in str(info.value)
        assert "expected one of 1, 2, 3, 4" in str(info.value)
        assert isinstance(info.value, ValueError)

    def test_declared_aliases(self) -> None:
        """declared aliases are accepted in any case; names of word severities too."""
        proauth = load_policy("proauth")
        freistilbox = load_policy("freistilbox")
        assert isinstance(proauth, Policy)
        assert isinstance(freistilbox, Policy)
        assert proauth.severity("Critical") == "1"
        assert freistilbox.severity("HIGH") == "high"
        with pytest.raises(UnknownSeverityError, match="expected one of urgent, high, normal, low"):
            freistilbox.severity("sev1")

    def test_escalation_class(self) -> None:
        """escalation classes are urgent and normal, any case; others raise naming the field 'escalation'."""
        policy = zitadel_2023()
        assert policy.escalation_class("Urgent") == "urgent"
        assert policy.escalation_class(" NORMAL ") == "normal"
        with pytest.raises(
            UnknownSeverityError,
            match=r"^escalation: unknown escalation class 'soon'; expected one of urgent, normal",
        ):
            policy.escalation_class("soon")

    def test_classify(self) -> None:
        """classify routes escalation_response to escalation classes and other metrics to severities."""
        policy = zitadel_2023()
        assert policy.classify("escalation_response", "URGENT") == "urgent"
        assert policy.classify("initial_response", "sev1") == "1"
        assert policy.classify("dispatch", "All") == "all"
        with pytest.raises(UnknownSeverityError):
            policy.classify("escalation_response", "1")
        with pytest.raises(UnknownMetricError, match="unknown metric 'first_response'"):
            policy.classify("first_response", 1)


class TestPlanTarget:
    def test_specific_class_then_all(self) -> None:
        """a plan looks the class up first, then 'all'."""
        text = """
        name = "t"
        effective_from = 2026-01-01
        severities = [{ name = "1" }, { name = "2" }, { name = "3" }]
        [calendars.office]
        timezone = "Europe/Zurich"
        hours = { "mon-fri" = "08:00-17:00" }
        [plans.p]
        calendar = "office"
        [plans.p.targets.initial_response]
        "1" = "1 business hour"
        all = "8 business hours"
        """
        plan = read_policy(text).plan("p")
        assert plan.target("initial_response", 1).duration() == H
        assert plan.target("initial_response", "sev3").duration() == 8 * H
        assert plan.target("initial_response", "sev3").klass == "all"

    def test_untargeted_metric_is_not_applicable(self) -> None:
        """a metric the plan sets nothing for gives a NOT_APPLICABLE target, with the canonical class."""
        target = zitadel_2023().plan("production").target("resolution", "sev1")
        assert target == Target("resolution", "1", NOT_APPLICABLE, None, None)
        assert target.duration() is None
        assert str(target) == "not applicable"

    def test_unknown_metric(self) -> None:
        """an unknown metric raises UnknownMetricError listing the metrics."""
        with pytest.raises(
            UnknownMetricError,
            match="expected one of initial_response, escalation_response, dispatch, resolution",
        ):
            zitadel_2023().plan("production").target("response", 1)

    def test_unknown_severity_through_plan(self) -> None:
        """plan.target canonicalises through the policy, so bad severities raise there too."""
        with pytest.raises(UnknownSeverityError):
            zitadel_2023().plan("production").target("initial_response", "sev9")

    def test_metrics_in_canonical_order(self) -> None:
        """metrics() lists the targeted metrics in METRICS order."""
        assert zitadel_2023().plan("custom").metrics() == (
            "initial_response",
            "escalation_response",
        )

    def test_plan_back_reference_and_repr(self) -> None:
        """a plan knows its policy; reprs are short (no recursion through the back-reference)."""
        plan = zitadel_2023().plan("extended")
        assert plan.policy is zitadel_2023()
        assert repr(plan) == "<Plan zitadel-2023/extended>"
        assert repr(zitadel_2023()).startswith("<Policy zitadel-2023")

    def test_unknown_plan(self) -> None:
        """an unknown plan raises UnknownPlanError listing the plans."""
        with pytest.raises(
            UnknownPlanError,
            match="unknown plan 'gold' in policy 'zitadel-2023'; expected one of free, production, extended, custom",
        ):
            zitadel_2023().plan("gold")

    def test_targets_are_read_only(self) -> None:
        """the targets mapping of a shared built-in cannot be changed."""
        plan = zitadel_2023().plan("extended")
        with pytest.raises(TypeError):
            plan.targets["initial_response"]["1"] = plan.targets["initial_response"]["2"]  # type: ignore[index]
        with pytest.raises(AttributeError):
            plan.name = "other"  # type: ignore[misc]


class TestTarget:
    def test_str(self) -> None:
        """a target reads as its duration and calendar; 24x7 calendars drop 'business'."""
        office = office_hours()
        assert (
            str(Target("initial_response", "1", parse_duration("4h"), "business", office))
            == "4 business hours on business"
        )
        assert (
            str(Target("initial_response", "1", parse_duration("30min"), "24x7", always_open()))
            == "30 minutes on 24x7"
        )
        assert (
            str(Target("initial_response", "1", parse_duration("1 business day"), "b", office))
            == "1 business day on b"
        )
        assert str(Target("initial_response", "1", BEST_EFFORT, "b", office)) == "best effort"

    def test_duration_resolves_business_days(self) -> None:
        """'1 business day' is the calendar's business_day."""
        target = Target(
            "initial_response", "1", parse_duration("3 business days"), "office", office_hours()
        )
        assert target.duration() == 27 * H

    def test_describe_duration(self) -> None:
        """durations in words: hours, minutes, seconds and business days."""

        def words(text: str) -> str:
            parsed = parse_duration(text)
            assert isinstance(parsed, Duration)
            return describe_duration(parsed)

        assert words("PT1H30M") == "1 business hour 30 minutes"
        assert words("90s") == "1 minute 30 seconds"
        assert words("P1DT2H") == "1 business day 2 business hours"
        assert words("PT0S") == "0 minutes"


class TestCreditRule:
    def test_ceil_counts_every_started_period(self) -> None:
        """ceil: 1 s late = 1 day, 15 min = 1 day, 15 min 1 s = 2 days; on time earns nothing."""
        rule = CreditRule()
        assert [rule.days_for(timedelta(seconds=s)) for s in (-5, 0, 1, 900, 901, 1800)] == [
            0,
            0,
            1,
            1,
            2,
            2,
        ]

    def test_floor_counts_full_periods(self) -> None:
        """floor: only full periods count."""
        rule = CreditRule(rounding="floor")
        assert [rule.days_for(timedelta(seconds=s)) for s in (1, 899, 900, 1799, 1800)] == [
            0,
            0,
            1,
            1,
            2,
        ]

    def test_award_and_cap(self) -> None:
        """award_days multiplies; cap_days_per_ticket limits one ticket."""
        rule = CreditRule(award_days=2, cap_days_per_ticket=5)
        assert rule.days_for(timedelta(minutes=16)) == 4
        assert rule.days_for(timedelta(hours=5)) == 5

    def test_earns(self) -> None:
        """only the rule's metrics and channels earn credits; an unknown channel counts as covered."""
        rule = CreditRule(metrics=("initial_response",), channels=("email",))
        assert rule.earns("initial_response", "email")
        assert rule.earns("initial_response", None)
        assert not rule.earns("initial_response", "community")
        assert not rule.earns("dispatch", "email")


class TestFamily:
    def test_at_places_the_instant_in_the_policy_s_zone(self) -> None:
        """an aware datetime is placed by its instant, on the date it has in the version's support zone.

        zitadel-2023 takes effect on 15 November 2023 in Zurich (its calendars' zone):
        at 00:00 CET, 14 November 23:00 UTC. In Auckland (+13:00) that is already 15
        November 12:00, in New York (-05:00) still 14 November 18:00.
        """
        family = zitadel()
        auckland, new_york = ZoneInfo("Pacific/Auckland"), ZoneInfo("America/New_York")
        assert family.versions[1].timezone == "Europe/Zurich"
        assert family.at(datetime(2023, 11, 15, 11, 59, tzinfo=auckland)).name == "zitadel-2021"
        assert family.at(datetime(2023, 11, 15, 12, 0, tzinfo=auckland)).name == "zitadel-2023"
        assert family.at(datetime(2023, 11, 14, 17, 59, tzinfo=new_york)).name == "zitadel-2021"
        assert family.at(datetime(2023, 11, 14, 18, 0, tzinfo=new_york)).name == "zitadel-2023"
        assert family.at(datetime(2023, 11, 15, 0, 0, tzinfo=ZURICH)).name == "zitadel-2023"
        assert family.at(datetime(2023, 11, 14, 23, 59, 59, tzinfo=ZURICH)).name == "zitadel-2021"

    @given(
        seconds=st.integers(-2 * 86_400, 2 * 86_400),
        boundary=st.sampled_from(
            [datetime(2021, 1, 1, tzinfo=ZURICH), datetime(2023, 11, 15, tzinfo=ZURICH)]
        ),
        minutes=st.integers(-(24 * 60 - 1), 24 * 60 - 1),
    )
    def test_at_and_at_us_agree(self, seconds: int, boundary: datetime, minutes: int) -> None:
        """family.at of an instant in any offset, and family.at_us of its microseconds (a ticket's
        fast path), choose the same version or raise the same error."""
        family = zitadel()
        instant = boundary + timedelta(seconds=seconds)
        written = instant.astimezone(timezone(timedelta(minutes=minutes)))
        us = (instant - datetime(1970, 1, 1, tzinfo=UTC)) // timedelta(microseconds=1)

        def pick(f: Any) -> str:
            try:
                return str(f().name)
            except PolicyError as exc:
                return str(exc)

        assert pick(lambda: family.at(written)) == pick(lambda: family.at_us(us))
        expected = (
            "zitadel-2023"
            if instant >= datetime(2023, 11, 15, tzinfo=ZURICH)
            else (
                "zitadel-2021" if instant >= datetime(2021, 1, 1, tzinfo=ZURICH) else "no version"
            )
        )
        assert expected in pick(lambda: family.at(written))

    def test_before_the_first_version_at_an_instant(self) -> None:
        """an instant before the first version names its date in the version's zone."""
        with pytest.raises(
            PolicyError,
            match=r"no version of policy family 'zitadel' is in force on 2020-12-31 \(in Europe/Zurich\); "
            r"expected an instant on or after 2021-01-01 00:00 in Europe/Zurich",
        ):  # already 1 January 2021 in Auckland (+13:00), still 31 December 23:59:59 in Zurich
            zitadel().at(datetime(2021, 1, 1, 11, 59, 59, tzinfo=ZoneInfo("Pacific/Auckland")))

    def test_before_the_first_version(self) -> None:
        """a date before the first version names the family and the first date."""
        with pytest.raises(
            PolicyError,
            match=r"no version of policy family 'zitadel' is in force on 2020-12-31; expected a date on or after 2021-01-01",
        ):
            zitadel().at(date(2020, 12, 31))

    def test_naive_datetime_is_refused(self) -> None:
        """a naive datetime is refused, never assumed local."""
        with pytest.raises(NaiveDatetimeError):
            zitadel().at(datetime(2024, 1, 1, 9))

    def test_gap_after_effective_until(self, tmp_path: Path) -> None:
        """a date after the last version's effective_until is in no version."""
        text = """
        name = "old"
        family = "acme"
        effective_from = 2020-01-01
        effective_until = 2021-01-01
        severities = [{ name = "1" }]
        [plans.p.targets.initial_response]
        all = "best effort"
        """
        family = PolicyFamily("acme", (read_policy(text),))
        assert family.at(date(2020, 6, 1)).name == "old"
        with pytest.raises(PolicyError, match="old ended on 2021-01-01"):
            family.at(date(2021, 1, 1))

    def test_versions_are_sorted_and_distinct(self) -> None:
        """versions are kept in effective_from order; two with the same date are refused."""
        a, b = zitadel().versions
        assert PolicyFamily("zitadel", (b, a)).versions == (a, b)
        with pytest.raises(PolicyError, match="both take effect on"):
            PolicyFamily("zitadel", (a, a))
        with pytest.raises(PolicyError, match="has no versions"):
            PolicyFamily("zitadel", ())

    def test_family_plan(self) -> None:
        """a family plan resolves to the version in force; unknown names list every plan of every version."""
        family = zitadel()
        starbase = family.plan("starbase")
        assert isinstance(starbase, FamilyPlan)
        assert starbase.at(date(2022, 5, 2)).target("initial_response", 1).duration() == 4 * H
        with pytest.raises(
            UnknownPlanError, match="unknown plan 'starbase' in policy 'zitadel-2023'"
        ):
            starbase.at(date(2024, 5, 2))
        with pytest.raises(
            UnknownPlanError,
            match="expected one of free, production, extended, custom, outpost, starbase, fortress",
        ):
            family.plan("gold")


class TestLoadPolicy:
    def test_names_are_case_insensitive(self) -> None:
        """built-in names may be written in any case."""
        assert load_policy("ZITADEL-2023") is load_policy("zitadel-2023")

    def test_unknown_name(self) -> None:
        """an unknown name raises UnknownPolicyError listing the built-ins and families."""
        with pytest.raises(
            UnknownPolicyError,
            match="unknown policy 'zitadel-2022'; expected a file path or one of exoscale, freistilbox, proauth, zitadel-2021, zitadel-2023, zitadel",
        ):
            load_policy("zitadel-2022")

    def test_missing_file(self, tmp_path: Path) -> None:
        """a path that does not exist raises UnknownPolicyError saying so."""
        with pytest.raises(UnknownPolicyError, match="no such file"):
            load_policy(tmp_path / "nope.toml")
        with pytest.raises(UnknownPolicyError, match="no such file"):
            load_policy(str(tmp_path / "nope.json"))

    def test_wrong_type(self) -> None:
        """something that is neither a name nor a path is refused."""
        with pytest.raises(
            UnknownPolicyError, match="expected a built-in policy name or a file path; got int"
        ):
            load_policy(42)  # type: ignore[arg-type]


class TestPickle:
    def test_policy_round_trips(self) -> None:
        """a policy pickles with its plans, calendars and back-references (for Dask and Spark workers)."""
        policy = zitadel_2023()
        again = pickle.loads(pickle.dumps(policy))
        assert again.name == policy.name
        assert list(again.plans) == list(policy.plans)
        plan = again.plan("extended")
        assert isinstance(plan, Plan)
        assert plan.policy is again
        assert plan.target("initial_response", 2) == policy.plan("extended").target(
            "initial_response", 2
        )
        assert again.severity("sev 3") == "3"

    def test_family_and_family_plan_round_trip(self) -> None:
        """families and family plans pickle too."""
        family_plan = pickle.loads(pickle.dumps(zitadel().plan("free")))
        assert family_plan.at(date(2022, 1, 1)).policy.name == "zitadel-2021"

    def test_frozen_map(self) -> None:
        """FrozenMap is a read-only, ordered, picklable mapping."""
        m = FrozenMap({"b": 1, "a": 2})
        assert list(m) == ["b", "a"]
        assert pickle.loads(pickle.dumps(m)) == m
        assert m == {"b": 1, "a": 2}
        assert hash(m) == hash(FrozenMap({"b": 1, "a": 2}))
        assert m.get("c") is None
        assert "FrozenMap" in repr(m)
