"""Evaluation of tickets against the built-in policies, with hand-computed numbers.

Every expected value below was worked out by hand from the source document;
the arithmetic is in the comment next to it. Europe/Zurich and Europe/Berlin
are UTC+01:00 in winter and UTC+02:00 in summer (2026: from 29 March to 25
October).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from slacalc import Ticket, load_policy
from slacalc.exceptions import TimelineError, UnknownPlanError, UnknownSeverityError

ZURICH = ZoneInfo("Europe/Zurich")
BERLIN = ZoneInfo("Europe/Berlin")
NOW = datetime(2027, 6, 1, 12, tzinfo=ZURICH)  # long after every ticket below


def zh(*args: int) -> datetime:
    return datetime(*args, tzinfo=ZURICH)  # type: ignore[misc]


def be(*args: int) -> datetime:
    return datetime(*args, tzinfo=BERLIN)  # type: ignore[misc]


def minutes(n: float) -> timedelta:
    return timedelta(minutes=n)


def plan(policy: str, name: str):  # type: ignore[no-untyped-def]
    return load_policy(policy).plan(name)


class TestSpecWorkedExample:
    """SPEC §3.1: zitadel-2023 / extended, Sev 2, across Easter."""

    def test_due_late_and_credits(self) -> None:
        """one hour on Thursday, Easter closed, due Tuesday 08:00; 08:20 is 20 minutes late, 2 days."""
        p = plan("zitadel-2023", "extended")
        t = Ticket("T-1", zh(2026, 4, 2, 18), severity="sev 2", responded_at=zh(2026, 4, 7, 8, 20))
        out = p.evaluate(t, now=NOW).initial_response
        # 2 bh on 07:00-19:00: Thu 18:00-19:00 = 1 h; Fri 3 Apr Good Friday, Sat, Sun,
        # Mon 6 Apr Easter Monday closed; Tue 7 Apr 07:00 + 1 h = 08:00.
        assert out.due_at == zh(2026, 4, 7, 8)
        assert p.deadline(zh(2026, 4, 2, 18), 2) == zh(2026, 4, 7, 8)
        assert out.status == "breached"
        assert out.late_by == minutes(20)
        assert out.late_by_wall == minutes(20)
        assert out.elapsed == timedelta(hours=2, minutes=20)
        # ceil(20 / 15) = 2 started quarter hours → 2 days
        assert out.credit_days == 2
        text = out.explain()
        assert "Good Friday" in text and "Easter Monday" in text
        assert "zitadel-2023" in text


class TestZitadel2023:
    def test_production_sev1_48_business_hours(self) -> None:
        """production Sev 1 is 48 bh on 08-17: a response exactly at the deadline is met."""
        p = plan("zitadel-2023", "production")
        # Mon 2 Mar 08:00: Mon-Fri 5 × 9 h = 45 h, then Mon 9 Mar 08:00 + 3 h = 11:00
        t = Ticket("P-1", zh(2026, 3, 2, 8), 1, responded_at=zh(2026, 3, 9, 11))
        out = p.evaluate(t, now=NOW).initial_response
        assert out.due_at == zh(2026, 3, 9, 11)
        assert out.status == "met"
        assert out.late_by == timedelta(0)
        assert out.credit_days == 0

    def test_production_sev2_best_effort(self) -> None:
        """production Sev 2-4 are best effort: no deadline, no credits."""
        p = plan("zitadel-2023", "production")
        t = Ticket("P-2", zh(2026, 3, 2, 8), 2, responded_at=zh(2026, 4, 9, 11))
        out = p.evaluate(t, now=NOW).initial_response
        assert out.status == "not_applicable"
        assert out.due_at is None
        assert out.credit_days == 0
        assert "best effort" in out.target
        assert p.deadline(zh(2026, 3, 2, 8), 2) is None

    def test_community_channel_not_applicable(self) -> None:
        """a ticket from the community channel carries no guarantee."""
        p = plan("zitadel-2023", "extended")
        t = Ticket("C-1", zh(2026, 3, 2, 8), 1, channel="community", responded_at=zh(2026, 3, 5, 8))
        out = p.evaluate(t, now=NOW).initial_response
        assert out.status == "not_applicable"
        assert out.credit_days == 0
        assert "community" in out.explain()

    def test_free_plan_not_applicable(self) -> None:
        """the free plan has community support only."""
        t = Ticket("F-1", zh(2026, 3, 2, 8), 1, responded_at=zh(2026, 3, 5, 8))
        out = plan("zitadel-2023", "free").evaluate(t, now=NOW)
        assert all(o.status == "not_applicable" for o in out)

    def test_urgent_escalation(self) -> None:
        """an urgent escalation gets a manager's response within 2 bh on 08-17, with credits."""
        p = plan("zitadel-2023", "extended")
        # escalated Mon 2 Mar 16:00: 16-17 = 1 h, Tue 08:00 + 1 h = 09:00; answered 09:10
        t = Ticket(
            "E-1",
            zh(2026, 3, 2, 9),
            3,
            responded_at=zh(2026, 3, 2, 9, 30),
            events=[
                (zh(2026, 3, 2, 16), "escalation", "urgent"),
                (zh(2026, 3, 3, 9, 10), "escalation_response"),
            ],
        )
        out = p.evaluate(t, now=NOW)["escalation_response"]
        assert out.klass == "urgent"
        assert out.due_at == zh(2026, 3, 3, 9)
        assert out.late_by == minutes(10)
        assert out.credit_days == 1  # ceil(10 / 15) = 1

    def test_normal_escalation(self) -> None:
        """a normal escalation gets a response within 1 business day (9 h on 08-17)."""
        p = plan("zitadel-2023", "production")
        # escalated Fri 8 May 12:00: Fri 12-17 = 5 h, Mon 11 May 08:00 + 4 h = 12:00; answered 11:00
        t = Ticket(
            "E-2",
            zh(2026, 5, 8, 10),
            1,
            responded_at=zh(2026, 5, 8, 11),
            events=[
                (zh(2026, 5, 8, 12), "escalation", "normal"),
                (zh(2026, 5, 11, 11), "escalation_response"),
            ],
        )
        out = p.evaluate(t, now=NOW)["escalation_response"]
        assert out.due_at == zh(2026, 5, 11, 12)
        assert out.status == "met"
        assert out.remaining is None

    def test_custom_sev1_24x7_across_dst_end(self) -> None:
        """custom Sev 1 is 30 minutes on 24x7, counted in real time across the autumn change."""
        p = plan("zitadel-2023", "custom")
        opened = datetime(
            2026, 10, 25, 2, 50, tzinfo=ZURICH
        )  # fold=0: the first 02:50, CEST (00:50 UTC)
        # + 30 real minutes = 01:20 UTC = 02:20 CET (the second 02:20 of the night)
        due = p.deadline(opened, 1)
        assert due is not None
        assert due.isoformat() == "2026-10-25T02:20:00+01:00"
        responded = datetime(2026, 10, 25, 2, 40, fold=1, tzinfo=ZURICH)  # 01:40 UTC
        out = p.evaluate(Ticket("D-1", opened, 1, responded_at=responded), now=NOW).initial_response
        assert out.late_by == minutes(20)
        assert out.credit_days == 2

    def test_severity_upgrade_recalculates_from_opening(self) -> None:
        """an upgrade to Sev 1 before the response applies Sev 1's target from opening."""
        p = plan("zitadel-2023", "extended")
        # opened Mon 2 Mar 09:00 as Sev 3 (12 bh: due Tue 09:00), raised to Sev 1 at 09:30:
        # Sev 1 = 1 bh from 09:00 → due 10:00; answered 10:30 → 30 min late → 2 days
        t = Ticket(
            "S-1",
            zh(2026, 3, 2, 9),
            3,
            responded_at=zh(2026, 3, 2, 10, 30),
            events=[(zh(2026, 3, 2, 9, 30), "severity", "1")],
        )
        out = p.evaluate(t, now=NOW).initial_response
        assert out.klass == "1"
        assert out.due_at == zh(2026, 3, 2, 10)
        assert out.late_by == minutes(30)
        assert out.credit_days == 2
        assert out.severity_rule == "recalculate"
        assert "recalculate" in out.explain()

    def test_severity_downgrade_recalculates(self) -> None:
        """a downgrade to Sev 3 before the response gives Sev 3's longer target."""
        p = plan("zitadel-2023", "extended")
        # opened Mon 09:00 Sev 1 (due 10:00), lowered to Sev 3 at 09:10: 12 bh → Tue 3 Mar 09:00
        t = Ticket(
            "S-2",
            zh(2026, 3, 2, 9),
            1,
            responded_at=zh(2026, 3, 2, 11),
            events=[(zh(2026, 3, 2, 9, 10), "severity", "sev3")],
        )
        out = p.evaluate(t, now=NOW).initial_response
        assert out.due_at == zh(2026, 3, 3, 9)
        assert out.status == "met"

    def test_change_after_response_changes_nothing(self) -> None:
        """a severity change after the clock stopped does not move the target."""
        p = plan("zitadel-2023", "extended")
        t = Ticket(
            "S-3",
            zh(2026, 3, 2, 9),
            1,
            responded_at=zh(2026, 3, 2, 9, 30),
            events=[(zh(2026, 3, 2, 12), "severity", "4")],
        )
        out = p.evaluate(t, now=NOW).initial_response
        assert out.klass == "1"
        assert out.due_at == zh(2026, 3, 2, 10)
        assert out.severity_changes == ()

    def test_pending_ticket(self) -> None:
        """an unanswered ticket before its deadline is pending with the business time left."""
        p = plan("zitadel-2023", "extended")
        # Sev 2 = 2 bh from Mon 09:00 → due 11:00; at 10:15, 45 minutes remain
        t = Ticket("W-1", zh(2026, 3, 2, 9), 2)
        out = p.evaluate(t, now=zh(2026, 3, 2, 10, 15)).initial_response
        assert out.status == "pending"
        assert out.remaining == minutes(45)
        assert out.stopped_at is None
        # at 11:20 the clock still runs and the objective is already missed
        late = p.evaluate(t, now=zh(2026, 3, 2, 11, 20)).initial_response
        assert late.status == "breached"
        assert late.late_by == minutes(20)


class TestZitadelFamily:
    def test_family_picks_version_by_opening(self) -> None:
        """a 2022 ticket is judged under zitadel-2021, a 2024 one under zitadel-2023."""
        family = load_policy("zitadel")
        assert family.at(zh(2022, 6, 1, 10)).name == "zitadel-2021"
        assert family.at(zh(2024, 6, 1, 10)).name == "zitadel-2023"
        assert family.at(zh(2023, 11, 14, 23)).name == "zitadel-2021"
        assert family.at(zh(2023, 11, 15, 0)).name == "zitadel-2023"

    def test_evaluate_through_family(self) -> None:
        """evaluating against the family names the version used."""
        family_plan = load_policy("zitadel").plan("free")
        old = family_plan.evaluate(Ticket("O", zh(2022, 6, 1, 10), 1), now=NOW)
        new = family_plan.evaluate(Ticket("N", zh(2024, 6, 3, 10), 1), now=NOW)
        assert old.policy == "zitadel-2021"
        assert new.policy == "zitadel-2023"

    def test_plan_missing_in_version(self) -> None:
        """a 2024 ticket on a plan that only the 2021 terms had is refused."""
        family_plan = load_policy("zitadel").plan("fortress")
        with pytest.raises(UnknownPlanError, match="fortress"):
            family_plan.evaluate(Ticket("N", zh(2024, 6, 3, 10), 1), now=NOW)


class TestZitadel2021:
    def test_starbase_opened_on_weekend(self) -> None:
        """a Saturday ticket's clock starts Monday 08:00; the 2021 terms give no credits."""
        p = plan("zitadel-2021", "starbase")
        # Sev 1 = 4 bh: Sat 5 Mar 2022 closed → Mon 7 Mar 08:00 + 4 h = 12:00; answered 12:30
        t = Ticket("Z-1", zh(2022, 3, 5, 10), 1, responded_at=zh(2022, 3, 7, 12, 30))
        out = p.evaluate(t, now=NOW).initial_response
        assert out.due_at == zh(2022, 3, 7, 12)
        assert out.status == "breached"
        assert out.late_by == minutes(30)
        assert out.credit_days == 0

    def test_fortress_across_stephens_day(self) -> None:
        """St. Stephen's Day (26 Dec) is a St. Gallen holiday."""
        p = plan("zitadel-2021", "fortress")
        # Sev 2 = 2 bh: Fri 23 Dec 2022 16:30-17:00 = 0.5 h; Sat, Sun 25, Mon 26 closed;
        # Tue 27 Dec 08:00 + 1.5 h = 09:30
        t = Ticket("Z-2", zh(2022, 12, 23, 16, 30), 2, responded_at=zh(2022, 12, 27, 9))
        out = p.evaluate(t, now=NOW).initial_response
        assert out.due_at == zh(2022, 12, 27, 9, 30)
        assert out.status == "met"
        assert out.elapsed == timedelta(hours=1, minutes=30)

    def test_outpost_best_effort_and_free(self) -> None:
        """outpost's response is best effort, free has no support."""
        t = Ticket("Z-3", zh(2022, 3, 7, 10), 1, responded_at=zh(2022, 3, 9, 10))
        assert (
            plan("zitadel-2021", "outpost").evaluate(t, now=NOW).initial_response.status
            == "not_applicable"
        )
        assert (
            plan("zitadel-2021", "free").evaluate(t, now=NOW).initial_response.status
            == "not_applicable"
        )

    def test_normal_escalation_one_business_day(self) -> None:
        """the 2021 terms: a manager responds within one business day."""
        p = plan("zitadel-2021", "fortress")
        # escalated Wed 9 Mar 2022 15:00: 2 h Wed, Thu 08:00 + 7 h = 15:00
        t = Ticket(
            "Z-4", zh(2022, 3, 9, 9), 3, events=[(zh(2022, 3, 9, 15), "escalation", "normal")]
        )
        out = p.evaluate(t, now=zh(2022, 3, 10, 16)).outcomes["escalation_response"]
        assert out.due_at == zh(2022, 3, 10, 15)
        assert out.status == "breached"
        assert out.late_by == timedelta(hours=1)


class TestExoscale:
    def test_built_in_best_effort(self) -> None:
        """built-in support is best effort."""
        t = Ticket("X-1", zh(2026, 3, 2, 9), 1, responded_at=zh(2026, 3, 20, 9))
        assert (
            plan("exoscale", "built-in").evaluate(t, now=NOW).initial_response.status
            == "not_applicable"
        )

    def test_starter_across_ascension(self) -> None:
        """starter: 4 h on office hours 08-18, Ascension Day (a national holiday) closed."""
        p = plan("exoscale", "starter")
        # Wed 13 May 2026 16:00-18:00 = 2 h; Thu 14 May Ascension; Fri 15 May 08:00 + 2 h = 10:00
        t = Ticket("X-2", zh(2026, 5, 13, 16), 2, responded_at=zh(2026, 5, 15, 10))
        out = p.evaluate(t, now=NOW).initial_response
        assert out.due_at == zh(2026, 5, 15, 10)
        assert out.status == "met"

    def test_starter_good_friday_is_not_national(self) -> None:
        """Good Friday is not a national Swiss holiday, so Exoscale's office is open."""
        p = plan("exoscale", "starter")
        # Thu 2 Apr 2026 16:00-18:00 = 2 h; Fri 3 Apr 08:00 + 2 h = 10:00
        assert p.deadline(zh(2026, 4, 2, 16), 1) == zh(2026, 4, 3, 10)

    def test_pro_extended_office_hours(self) -> None:
        """pro: 1 h on 07-20; no credit rule in Exoscale's terms."""
        p = plan("exoscale", "pro")
        # Mon 2 Mar 19:30-20:00 = 30 min; Tue 07:00 + 30 min = 07:30; answered 08:00
        t = Ticket("X-3", zh(2026, 3, 2, 19, 30), 3, responded_at=zh(2026, 3, 3, 8))
        out = p.evaluate(t, now=NOW).initial_response
        assert out.due_at == zh(2026, 3, 3, 7, 30)
        assert out.late_by == minutes(30)
        assert out.credit_days == 0

    def test_enterprise_24x7_across_spring_change(self) -> None:
        """enterprise: 30 minutes 24/7; the spring gap is not counted."""
        p = plan("exoscale", "enterprise")
        # 01:50+01:00 + 30 real minutes = 01:20 UTC = 03:20+02:00
        t = Ticket("X-4", zh(2026, 3, 29, 1, 50), 1, responded_at=zh(2026, 3, 29, 3, 10))
        out = p.evaluate(t, now=NOW).initial_response
        assert out.due_at == zh(2026, 3, 29, 3, 20)
        assert out.status == "met"
        assert out.elapsed == minutes(20)
        assert any(d["offset_after"] == "+02:00" for d in out.facts()["dst_changes"])


class TestProAuth:
    def test_basic_one_business_day_over_christmas(self) -> None:
        """basic: 1 business day = 8 h on 09-17; Christmas Day is a national holiday."""
        p = plan("proauth", "basic")
        # Thu 24 Dec 2026 15:00-17:00 = 2 h; Fri 25 Dec holiday, weekend; Mon 28 09:00 + 6 h = 15:00
        t = Ticket("A-1", zh(2026, 12, 24, 15), "sev-2", responded_at=zh(2026, 12, 28, 16))
        out = p.evaluate(t, now=NOW).initial_response
        assert out.due_at == zh(2026, 12, 28, 15)
        assert out.late_by == timedelta(hours=1)
        assert out.credit_days == 0

    def test_standard_8_business_hours(self) -> None:
        """enterprise-standard: 8 bh."""
        # Mon 2 Mar 10:00-17:00 = 7 h; Tue 09:00 + 1 h = 10:00
        assert plan("proauth", "enterprise-standard").deadline(zh(2026, 3, 2, 10), 3) == zh(
            2026, 3, 3, 10
        )

    def test_premium_4_business_hours(self) -> None:
        """enterprise-premium: 4 bh."""
        # Fri 6 Mar 15:00-17:00 = 2 h; Mon 9 Mar 09:00 + 2 h = 11:00
        assert plan("proauth", "enterprise-premium").deadline(zh(2026, 3, 6, 15), 1) == zh(
            2026, 3, 9, 11
        )

    def test_managed_per_severity_calendars(self) -> None:
        """enterprise-managed: Sev-1 2 h round the clock, Sev-2 4 bh, Sev-3 1 business day."""
        p = plan("proauth", "enterprise-managed")
        saturday = zh(2026, 3, 7, 22)
        # Sev-1: 24x7, Sat 22:00 + 2 h = Sun 00:00
        assert p.deadline(saturday, 1) == zh(2026, 3, 8, 0)
        # Sev-2: business hours, the clock starts Mon 09:00 + 4 h = 13:00
        assert p.deadline(saturday, 2) == zh(2026, 3, 9, 13)
        # Sev-3: 1 business day = 8 h, Mon 09:00 + 8 h = 17:00 (closing time, not Tue 09:00)
        assert p.deadline(saturday, 3) == zh(2026, 3, 9, 17)

    def test_unknown_severity(self) -> None:
        """ProAuth has three severities; a fourth is refused with the valid ones listed."""
        with pytest.raises(UnknownSeverityError, match=r"'4'.*1, 2, 3"):
            plan("proauth", "basic").deadline(zh(2026, 3, 2, 10), 4)


class TestFreistilbox:
    def test_standard_urgent_overnight(self) -> None:
        """standard urgent: 30 minutes on 12x5 (08-20 Berlin)."""
        # Mon 2 Mar 19:50-20:00 = 10 min; Tue 08:00 + 20 min = 08:20
        assert plan("freistilbox", "standard").deadline(be(2026, 3, 2, 19, 50), "urgent") == be(
            2026, 3, 3, 8, 20
        )

    def test_standard_normal_across_corpus_christi(self) -> None:
        """normal: 1 business day = 12 h; Corpus Christi is a holiday in North Rhine-Westphalia."""
        p = plan("freistilbox", "standard")
        # Wed 3 Jun 14:00-20:00 = 6 h; Thu 4 Jun Corpus Christi; Fri 5 Jun 08:00 + 6 h = 14:00
        t = Ticket("F-1", be(2026, 6, 3, 14), "Normal", responded_at=be(2026, 6, 5, 13))
        out = p.evaluate(t, now=NOW).initial_response
        assert out.due_at == be(2026, 6, 5, 14)
        assert out.status == "met"

    def test_standard_low_three_business_days(self) -> None:
        """low: 3 business days = 36 h on 12x5, due at Wednesday's closing time."""
        assert plan("freistilbox", "standard").deadline(be(2026, 3, 2, 8), "low") == be(
            2026, 3, 4, 20
        )

    def test_enterprise_per_priority_calendars(self) -> None:
        """enterprise: urgent and high round the clock, normal and low on 12x5."""
        p = plan("freistilbox", "enterprise")
        saturday = be(2026, 3, 7, 10)
        assert p.deadline(saturday, "high") == be(2026, 3, 7, 14)
        assert p.deadline(saturday, "urgent") == be(2026, 3, 7, 10, 30)
        # normal: 12 h from Mon 08:00 → Mon 20:00
        assert p.deadline(saturday, "normal") == be(2026, 3, 9, 20)
        # a high ticket answered Saturday 14:45 is 45 minutes late; freistilbox gives no credits
        t = Ticket("F-3", saturday, "high", responded_at=be(2026, 3, 7, 14, 45))
        out = p.evaluate(t, now=NOW).initial_response
        assert (out.status, out.late_by, out.credit_days) == ("breached", minutes(45), 0)

    def test_dispatch_within_one_business_hour(self) -> None:
        """every ticket must be dispatched within 1 bh on 12x5."""
        p = plan("freistilbox", "standard")
        # Mon 19:30-20:00 = 30 min; Tue 08:00 + 30 min = 08:30; dispatched 08:45
        t = Ticket(
            "F-2",
            be(2026, 3, 2, 19, 30),
            "low",
            responded_at=be(2026, 3, 2, 19, 40),
            events=[(be(2026, 3, 3, 8, 45), "dispatch")],
        )
        out = p.evaluate(t, now=NOW)["dispatch"]
        assert out.due_at == be(2026, 3, 3, 8, 30)
        assert out.status == "breached"
        assert out.late_by == minutes(15)


class TestTimeline:
    def test_response_before_opening(self) -> None:
        """a response before the ticket was opened is an error naming the ticket."""
        with pytest.raises(TimelineError, match=r"'T-9'.*before opened_at"):
            Ticket("T-9", zh(2026, 3, 2, 9), 1, responded_at=zh(2026, 3, 2, 8))

    def test_resume_without_pause(self) -> None:
        """a resume without a pause is an error naming the ticket."""
        with pytest.raises(TimelineError, match=r"'T-8'.*resume"):
            Ticket("T-8", zh(2026, 3, 2, 9), 1, events=[(zh(2026, 3, 2, 10), "resume")])

    def test_overlapping_pauses(self) -> None:
        """two pauses without a resume between them are an error."""
        with pytest.raises(TimelineError, match="already paused"):
            Ticket(
                "T-7",
                zh(2026, 3, 2, 9),
                1,
                events=[(zh(2026, 3, 2, 10), "pause"), (zh(2026, 3, 2, 11), "pause")],
            )

    def test_unknown_severity_names_ticket(self) -> None:
        """an unknown severity is reported with the ticket id and the valid names."""
        with pytest.raises(UnknownSeverityError, match=r"'T-6'.*'9'.*1, 2, 3, 4"):
            plan("zitadel-2023", "extended").evaluate(Ticket("T-6", zh(2026, 3, 2, 9), 9), now=NOW)

    def test_now_before_opening(self) -> None:
        """evaluating before the ticket was opened is an error."""
        with pytest.raises(TimelineError, match="now"):
            plan("zitadel-2023", "extended").evaluate(
                Ticket("T-5", zh(2026, 3, 2, 9), 1), now=zh(2026, 3, 2, 8)
            )

    def test_pauses_ignored_for_response_metrics(self) -> None:
        """waiting on the customer does not stop the initial-response clock (not pausable)."""
        p = plan("zitadel-2023", "extended")
        t = Ticket(
            "T-4",
            zh(2026, 3, 2, 9),
            2,
            responded_at=zh(2026, 3, 2, 12),
            events=[(zh(2026, 3, 2, 9, 30), "pause"), (zh(2026, 3, 2, 11), "resume")],
        )
        out = p.evaluate(t, now=NOW).initial_response
        assert out.due_at == zh(2026, 3, 2, 11)
        assert out.late_by == timedelta(hours=1)
