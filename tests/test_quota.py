"""The ProAuth escalation ledger (SPEC §2.4): included units, packs, cases, expiry, coverage."""

from __future__ import annotations

import pickle
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from slacalc._billing.ledger import Case, Ledger, Purchase
from slacalc._billing.models import EscalationPackModel, EscalationsModel
from slacalc._policies.files import load_policy
from slacalc.exceptions import BillingError

# The escalation section of seeds/003 (ProAuth), built by hand so these tests
# do not depend on the policy file; TestBuiltInPolicy checks the file agrees.
QUOTA = EscalationsModel(
    included_per_year={
        "basic": 0,
        "enterprise-standard": 4,
        "enterprise-premium": 8,
        "enterprise-managed": "per agreement",
    },
    hours_per_unit=Decimal(5),
    consulting_rate=Decimal(240),
    currency="CHF",
    packs=(
        EscalationPackModel(name="S", units=1, price=Decimal(720)),
        EscalationPackModel(name="M", units=3, price=Decimal(1900)),
        EscalationPackModel(name="L", units=6, price=Decimal(3700)),
    ),
)
START = date(2026, 1, 1)
TEN_MINUTES = Decimal(10) / Decimal(60)  # 0.1666… h


def case(case_id: str, day: date, hours: str | Decimal, kind: str = "configuration") -> Case:
    return Case(case_id, day, Decimal(hours), kind)


def standard(*, consulting: bool = False, **kwargs: Any) -> Ledger:
    """The worked example: a Standard customer over two contract years.

    2026 (4 included): a security case and a 10-minute clarification (both
    free), a Pack M bought on 15 June, a 12-hour integration case on 1 Sept.
    2027 (4 included): a 40-hour upgrade on 1 March, a 2-hour configuration
    case on 1 April.
    """
    cases = [
        case("C-1", date(2026, 3, 5), "8", "security"),
        case("C-2", date(2026, 3, 20), TEN_MINUTES, "clarification"),
        case("C-3", date(2026, 9, 1), "12", "integration"),
        case("C-4", date(2027, 3, 1), "40", "upgrade"),
        case("C-5", date(2027, 4, 1), "2", "configuration"),
    ]
    purchases = [Purchase(date(2026, 6, 15), "Pack M", "P-1")]
    return Ledger(
        QUOTA, "enterprise-standard", START, purchases, cases, consulting=consulting, **kwargs
    )


class TestStandardCustomer:
    """The worked example without the consulting option."""

    def test_exempt_cases_consume_nothing(self) -> None:
        """a security issue (8 h) and a 10-minute clarification take no unit."""
        ledger = standard()
        for case_id in ("C-1", "C-2"):
            usage = ledger.case(case_id)
            assert (usage.status, usage.units_consumed, usage.consulting_cost) == (
                "exempt",
                0,
                Decimal("0.00"),
            )
        assert "security issue" in ledger.case("C-1").reason
        assert "15 minutes" in ledger.case("C-2").reason
        # 4 included, nothing used
        assert ledger.balance(date(2026, 3, 31)).units == 4

    def test_pack_adds_three_units(self) -> None:
        """after Pack M on 15 June: 4 included + 3 = 7."""
        ledger = standard()
        assert ledger.balance(date(2026, 6, 14)).units == 4
        assert ledger.balance(date(2026, 6, 15)).units == 7

    def test_twelve_hour_case_takes_three_units_earliest_expiry_first(self) -> None:
        """12 h = 3 started blocks of 5 h; the included units expire first (1 Jan) so they go first."""
        usage = standard().case("C-3")
        # ceil(12 / 5) = 3
        assert (usage.status, usage.units_required, usage.units_consumed) == ("covered", 3, 3)
        assert [(d.lot, d.units) for d in usage.draws] == [("included:2026-01-01", 3)]
        assert (usage.covered_hours, usage.uncovered_hours) == (Decimal(12), Decimal(0))

    def test_included_expire_at_year_end_packs_roll_over(self) -> None:
        """on 1 Jan 2027 the one unused included unit lapses; the pack's 3 carry on beside 4 new ones."""
        ledger = standard()
        # 31 Dec: included 4 - 3 = 1, pack 3 → 4
        assert ledger.balance(date(2026, 12, 31)).units == 4
        # 1 Jan: included 2026 gone, pack 3, included 2027 4 → 7
        jan = ledger.balance(date(2027, 1, 1))
        assert jan.units == 7
        assert {row.lot.id: row.remaining for row in jan.lots} == {
            "pack:P-1": 3,
            "included:2027-01-01": 4,
        }
        expiry = ledger.expiries(until=date(2027, 1, 1))
        assert [(e.lot.id, e.expires_on, e.used, e.unused) for e in expiry] == [
            ("included:2026-01-01", date(2027, 1, 1), 3, 1)
        ]

    def test_big_case_is_partly_covered(self) -> None:
        """40 h needs 8 units; 3 (pack, expiring June) + 4 (included 2027) are left: 5 h uncovered."""
        usage = standard().case("C-4")
        # ceil(40 / 5) = 8 units; 7 available → 7 blocks × 5 h = 35 h covered
        assert (usage.status, usage.units_required, usage.units_consumed) == ("partial", 8, 7)
        assert [(d.lot, d.units) for d in usage.draws] == [
            ("pack:P-1", 3),
            ("included:2027-01-01", 4),
        ]
        # uncovered: 40 - 35 = 5 h × CHF 240 = 1,200.00
        assert (usage.uncovered_units, usage.uncovered_hours) == (1, Decimal(5))
        assert (usage.consulting_cost, usage.currency) == (Decimal("1200.00"), "CHF")

    def test_case_with_nothing_left_is_uncovered(self) -> None:
        """a 2-hour case after everything is used: uncovered, 2 h × 240 = 480.00."""
        ledger = standard()
        usage = ledger.case("C-5")
        assert (usage.status, usage.units_consumed, usage.uncovered_units) == ("uncovered", 0, 1)
        assert usage.consulting_cost == Decimal("480.00")
        assert [u.id for u in ledger.uncovered()] == ["C-4", "C-5"]
        # 1,200.00 + 480.00
        assert ledger.consulting_total == Decimal("1680.00")
        assert ledger.balance(date(2027, 4, 1)).units == 0

    def test_next_contract_year_refills(self) -> None:
        """on 1 Jan 2028 the 2028 included units are there, even with no input that late."""
        assert standard().balance(date(2028, 1, 1)).units == 4


class TestConsultingOption:
    """The same customer with hours beyond 5 billed as consulting (CHF 240/h)."""

    def test_twelve_hours_is_one_unit_and_seven_hours_consulting(self) -> None:
        """12 h = 1 unit for the first 5 h + 7 h × 240 = 1,680.00."""
        usage = standard(consulting=True).case("C-3")
        assert (usage.units_required, usage.units_consumed) == (1, 1)
        assert (usage.covered_hours, usage.consulting_hours) == (Decimal(5), Decimal(7))
        assert usage.consulting_cost == Decimal("1680.00")
        assert usage.status == "covered"

    def test_more_included_units_lapse(self) -> None:
        """only 1 of the 4 included units is used in 2026, so 3 lapse on 1 Jan 2027."""
        ledger = standard(consulting=True)
        (expiry,) = ledger.expiries(until=date(2027, 1, 1))
        assert (expiry.used, expiry.unused) == (1, 3)

    def test_later_cases_draw_from_the_pack_first(self) -> None:
        """in 2027 the pack (expires June 2027) is drawn before the 2027 included units."""
        ledger = standard(consulting=True)
        big = ledger.case("C-4")
        # 40 h: 1 unit + 35 h × 240 = 8,400.00
        assert [(d.lot, d.units) for d in big.draws] == [("pack:P-1", 1)]
        assert big.consulting_cost == Decimal("8400.00")
        assert [(d.lot, d.units) for d in ledger.case("C-5").draws] == [("pack:P-1", 1)]
        # pack 3 - 2 = 1, included 2027: 4 → 5
        assert ledger.balance(date(2027, 4, 1)).units == 5
        assert ledger.uncovered() == ()
        # 1,680.00 + 8,400.00
        assert ledger.consulting_total == Decimal("10080.00")

    def test_nothing_left_under_the_option(self) -> None:
        """with no unit, the first 5 h are uncovered and the rest is consulting: all hours at 240."""
        ledger = Ledger(
            QUOTA, "basic", START, cases=[case("X", date(2026, 2, 2), "7")], consulting=True
        )
        usage = ledger.case("X")
        assert (usage.status, usage.uncovered_hours, usage.consulting_hours) == (
            "uncovered",
            Decimal(5),
            Decimal(2),
        )
        # 7 h × 240 = 1,680.00
        assert usage.consulting_cost == Decimal("1680.00")

    def test_option_needs_a_rate(self) -> None:
        """a policy without a consulting rate cannot bill consulting."""
        no_rate = QUOTA.model_copy(update={"consulting_rate": None})
        with pytest.raises(BillingError, match="consulting_rate"):
            Ledger(no_rate, "enterprise-standard", START, consulting=True)


class TestCaseRules:
    def one(self, hours: str, kind: str = "configuration", plan: str = "enterprise-premium") -> Any:
        ledger = Ledger(QUOTA, plan, START, cases=[case("x", date(2026, 5, 4), hours, kind)])
        return ledger.case("x")

    @pytest.mark.parametrize(
        ("hours", "units"),
        [("0.5", 1), ("5", 1), ("5.01", 2), ("10", 2), ("10.0001", 3), ("0", 1)],
    )
    def test_one_unit_per_started_five_hours(self, hours: str, units: int) -> None:
        """every started block of 5 h is a unit, and a case is at least one."""
        assert self.one(hours).units_consumed == units

    @pytest.mark.parametrize("kind", ["product_defect", "security", "Product defect", "SECURITY"])
    def test_exempt_kinds(self, kind: str) -> None:
        """confirmed product defects and security issues are free, however long."""
        usage = self.one("100", kind)
        assert (usage.status, usage.units_consumed) == ("exempt", 0)

    @pytest.mark.parametrize(("hours", "status"), [("0.24", "exempt"), ("0.25", "covered")])
    def test_clarification_threshold(self, hours: str, status: str) -> None:
        """a clarification under 15 minutes is free; at 15 minutes it is a case."""
        assert self.one(hours, "clarification").status == status

    def test_touchpoint_with_technical_work(self) -> None:
        """a Premium touchpoint with engineering hours consumes one unit."""
        usage = self.one("2", "touchpoint")
        assert (usage.units_consumed, usage.status) == (1, "covered")

    def test_touchpoint_without_technical_work(self) -> None:
        """a touchpoint with no engineering hours (a review) consumes nothing."""
        usage = self.one("0", "touchpoint")
        assert (usage.status, usage.units_consumed) == ("exempt", 0)
        assert "without technical work" in usage.reason

    def test_long_touchpoint_is_a_case_beyond_five_hours(self) -> None:
        """a 7-hour touchpoint: one unit for the touchpoint plus one for the started second block."""
        assert self.one("7", "touchpoint").units_consumed == 2

    def test_exempt_case_is_free_even_with_nothing_left(self) -> None:
        """a Basic customer's product defect is covered by Basic support: nothing uncovered."""
        usage = self.one("3", "product_defect", plan="basic")
        assert (usage.status, usage.uncovered_units) == ("exempt", 0)

    def test_basic_has_no_included_units(self) -> None:
        """Basic includes 0: a configuration case without packs is uncovered."""
        usage = self.one("3", plan="basic")
        # 3 h × 240 = 720.00
        assert (usage.status, usage.consulting_cost) == ("uncovered", Decimal("720.00"))

    def test_unknown_kind_lists_the_valid_ones(self) -> None:
        """a misspelt kind is refused, not charged as something else."""
        with pytest.raises(BillingError, match=r"'securty'.*security"):
            self.one("1", "securty")


class TestLotsAndExpiry:
    def test_pack_usable_on_purchase_day_not_on_expiry_day(self) -> None:
        """validity is [purchase day, purchase + 12 months)."""
        ledger = Ledger(
            QUOTA,
            "basic",
            START,
            [Purchase(date(2026, 3, 10), "S")],
            [case("same-day", date(2026, 3, 10), "1"), case("late", date(2027, 3, 10), "1")],
        )
        assert ledger.case("same-day").status == "covered"
        ledger2 = Ledger(
            QUOTA,
            "basic",
            START,
            [Purchase(date(2026, 3, 10), "S")],
            [case("late", date(2027, 3, 10), "1")],
        )
        assert ledger2.case("late").status == "uncovered"
        assert ledger2.balance(date(2027, 3, 9)).units == 1
        assert ledger2.balance(date(2027, 3, 10)).units == 0

    def test_older_pack_before_included(self) -> None:
        """a pack expiring before the contract year ends is used before the included units."""
        ledger = Ledger(
            QUOTA,
            "enterprise-standard",
            START,
            [Purchase(date(2025, 10, 1), "M", "old")],
            [case("c", date(2026, 2, 1), "7")],
        )
        # pack expires 2026-10-01 < included 2027-01-01: both units from the pack
        assert [(d.lot, d.units) for d in ledger.case("c").draws] == [("pack:old", 2)]

    def test_case_spans_two_lots(self) -> None:
        """a case takes what is left of the earliest lot, then moves to the next."""
        ledger = Ledger(
            QUOTA,
            "enterprise-standard",
            START,
            [Purchase(date(2025, 10, 1), "S", "old")],
            [case("c", date(2026, 2, 1), "12")],
        )
        assert [(d.lot, d.units) for d in ledger.case("c").draws] == [
            ("pack:old", 1),
            ("included:2026-01-01", 2),
        ]

    def test_same_expiry_included_first(self) -> None:
        """when a pack and the included units expire the same day, the included go first."""
        ledger = Ledger(
            QUOTA,
            "enterprise-standard",
            START,
            [Purchase(START, "S", "p")],
            [case("c", date(2026, 2, 1), "1")],
        )
        assert ledger.case("c").draws[0].lot == "included:2026-01-01"

    def test_pack_expiry_with_unused_units(self) -> None:
        """a Pack L with 2 units used lapses with 4 unused 12 months after purchase."""
        ledger = Ledger(
            QUOTA,
            "basic",
            START,
            [Purchase(date(2026, 5, 20), "L", "big")],
            [case("c", date(2026, 6, 1), "9")],
        )
        (expiry,) = ledger.expiries()
        assert (expiry.lot.id, expiry.expires_on, expiry.used, expiry.unused) == (
            "pack:big",
            date(2027, 5, 20),
            2,
            4,
        )
        assert expiry.lot.price == Decimal(3700)
        states = {row.lot.id: row.state for row in ledger.lots_on(date(2027, 5, 20))}
        assert states == {"pack:big": "expired"}

    def test_expiries_until_include_future_years(self) -> None:
        """asking through 2028 lists the untouched 2027 year with all 4 units unused."""
        ledger = Ledger(
            QUOTA, "enterprise-standard", START, cases=[case("c", date(2026, 2, 1), "1")]
        )
        rows = [(e.lot.id, e.unused) for e in ledger.expiries(until=date(2028, 1, 1))]
        assert rows == [("included:2026-01-01", 3), ("included:2027-01-01", 4)]

    def test_contract_years_follow_the_start_date(self) -> None:
        """a contract starting 1 April renews its included units each 1 April."""
        ledger = Ledger(
            QUOTA,
            "enterprise-standard",
            date(2026, 4, 1),
            cases=[case("a", date(2027, 3, 31), "20"), case("b", date(2027, 4, 1), "1")],
        )
        assert ledger.case("a").draws[0].lot == "included:2026-04-01"
        assert ledger.case("b").draws[0].lot == "included:2027-04-01"

    def test_contract_end_cuts_the_last_year(self) -> None:
        """after the contract ends no included units are left, and the year's units lapse then."""
        ledger = Ledger(
            QUOTA,
            "enterprise-standard",
            START,
            cases=[case("late", date(2026, 7, 2), "1")],
            contract_end=date(2026, 7, 1),
        )
        assert ledger.case("late").status == "uncovered"
        assert [(e.expires_on, e.unused) for e in ledger.expiries()] == [(date(2026, 7, 1), 4)]

    def test_before_the_contract_only_packs_count(self) -> None:
        """a pack bought before the contract starts is usable; no included units yet."""
        ledger = Ledger(QUOTA, "enterprise-standard", START, [Purchase(date(2025, 12, 1), "S")])
        assert ledger.balance(date(2025, 12, 31)).units == 1
        assert ledger.balance(START).units == 5

    def test_managed_needs_the_agreed_number(self) -> None:
        """Managed's escalations are per agreement: they must be given."""
        with pytest.raises(BillingError, match="per agreement"):
            Ledger(QUOTA, "enterprise-managed", START)
        ledger = Ledger(QUOTA, "enterprise-managed", START, included_per_year=12)
        assert ledger.balance(START).units == 12

    def test_unnamed_purchases_are_numbered(self) -> None:
        """two identical unnamed purchases get distinct, order-independent ids."""
        ledger = Ledger(
            QUOTA,
            "basic",
            START,
            [Purchase(START, "m"), Purchase(START, "pack-M"), Purchase(START, "S")],
        )
        assert [p.id for p in ledger.purchases] == [
            "2026-01-01:M#1",
            "2026-01-01:M#2",
            "2026-01-01:S#1",
        ]


class TestBadInput:
    def test_unknown_plan(self) -> None:
        """a plan without a quota names the valid ones."""
        with pytest.raises(BillingError, match=r"'gold'.*enterprise-standard"):
            Ledger(QUOTA, "gold", START)

    def test_unknown_pack(self) -> None:
        """a pack the policy does not sell names the valid ones."""
        with pytest.raises(BillingError, match=r"'XL'.*S, M, L"):
            Ledger(QUOTA, "basic", START, [Purchase(START, "XL")])

    def test_float_hours(self) -> None:
        """hours are exact: a float is refused."""
        with pytest.raises(BillingError, match="float"):
            Case("c", START, 1.5, "configuration")  # type: ignore[arg-type]

    def test_negative_hours(self) -> None:
        """negative engineering time is an error."""
        with pytest.raises(BillingError, match="negative"):
            case("c", START, "-1")

    def test_datetime_is_not_a_date(self) -> None:
        """a datetime where a date is meant is refused with a hint."""
        with pytest.raises(BillingError, match=r"\.date\(\)"):
            Case("c", datetime(2026, 1, 1), Decimal(1), "configuration")

    def test_duplicate_case_ids(self) -> None:
        """two cases with one id are an error, not a silent overwrite."""
        with pytest.raises(BillingError, match=r"'c'.*more than once"):
            Ledger(QUOTA, "basic", START, cases=[case("c", START, "1"), case("c", START, "2")])

    def test_unknown_case(self) -> None:
        """asking for a case the ledger lacks is an error."""
        with pytest.raises(BillingError, match="'nope'"):
            Ledger(QUOTA, "basic", START).case("nope")

    def test_contract_end_before_start(self) -> None:
        """a contract cannot end before it starts."""
        with pytest.raises(BillingError, match="contract_end"):
            Ledger(QUOTA, "basic", START, contract_end=START)


class TestBuiltInPolicy:
    """The worked example through the shipped proauth policy file."""

    @pytest.fixture
    def proauth(self) -> Any:
        return load_policy("proauth")

    def test_file_matches_the_hand_built_quota(self, proauth: Any) -> None:
        """the policy file's escalations section gives the same ledger as the hand-built one."""
        ledger = Ledger.for_policy(
            proauth,
            proauth.plan("enterprise-standard"),
            START,
            standard().purchases,
            [u.case for u in standard().cases],
        )
        assert [u.consulting_cost for u in ledger.cases] == [
            u.consulting_cost for u in standard().cases
        ]
        assert ledger.balance(date(2027, 1, 1)).units == 7
        assert ledger.case("C-4").uncovered_hours == Decimal(5)

    def test_premium_touchpoint(self, proauth: Any) -> None:
        """Premium: 8 included; a technical touchpoint takes one."""
        ledger = Ledger.for_policy(
            proauth,
            "enterprise-premium",
            START,
            cases=[case("t", date(2026, 2, 1), "1", "touchpoint")],
        )
        assert ledger.balance(date(2026, 2, 1)).units == 7

    def test_ledger_pickles(self) -> None:
        """a ledger and its results survive pickling (for process pools), equal to the original."""
        ledger = standard()
        again = pickle.loads(pickle.dumps(ledger))
        assert again == ledger
        assert again.balance(date(2027, 1, 1)) == ledger.balance(date(2027, 1, 1))

    def test_policy_without_quota(self) -> None:
        """a policy with no escalations section is named."""
        with pytest.raises(BillingError, match="no escalation quota"):
            Ledger.for_policy(load_policy("exoscale"), "pro", START)


# -- properties ------------------------------------------------------------------------------

KINDS = (
    "configuration",
    "integration",
    "upgrade",
    "security",
    "product_defect",
    "clarification",
    "touchpoint",
)


@st.composite
def ledger_inputs(draw: st.DrawFn) -> dict[str, Any]:
    day = st.integers(min_value=-200, max_value=1100).map(lambda n: START + timedelta(days=n))
    purchases = draw(
        st.lists(
            st.builds(
                Purchase,
                day,
                st.sampled_from(["S", "M", "L"]),
                st.sampled_from(["", "", "p1", "p2", "p3"]),
            ),
            max_size=5,
        ).filter(lambda ps: len({p.id for p in ps if p.id}) == len([p for p in ps if p.id]))
    )
    n_cases = draw(st.integers(min_value=0, max_value=15))
    cases = [
        Case(
            f"c{i}",
            draw(day),
            draw(st.decimals(min_value=0, max_value=30, places=2)),
            draw(st.sampled_from(KINDS)),
        )
        for i in range(n_cases)
    ]
    return {
        "escalations": QUOTA,
        "plan": draw(st.sampled_from(["basic", "enterprise-standard", "enterprise-premium"])),
        "contract_start": START,
        "purchases": purchases,
        "cases": cases,
        "consulting": draw(st.booleans()),
    }


class TestLaws:
    @given(ledger_inputs())
    def test_balance_never_negative(self, inputs: dict[str, Any]) -> None:
        """on any date, no lot has more used than granted and the balance is >= 0."""
        ledger = Ledger(**inputs)
        days = {u.case.opened_on for u in ledger.cases} | {lot.expires_on for lot in ledger.lots}
        days |= {lot.valid_from for lot in ledger.lots} | {START - timedelta(days=1)}
        for day in days:
            balance = ledger.balance(day)
            assert balance.units >= 0
            for row in ledger.lots_on(day):
                assert 0 <= row.used <= row.lot.units
                assert row.remaining >= 0
                assert row.lapsed >= 0

    @given(ledger_inputs())
    def test_units_and_hours_are_conserved(self, inputs: dict[str, Any]) -> None:
        """required = consumed + uncovered; hours = covered + consulting + uncovered; lots agree."""
        ledger = Ledger(**inputs)
        drawn: dict[str, int] = {}
        for usage in ledger.cases:
            assert usage.units_required == usage.units_consumed + usage.uncovered_units
            if usage.status != "exempt":
                assert (
                    usage.covered_hours + usage.consulting_hours + usage.uncovered_hours
                    == usage.case.hours
                )
            for d in usage.draws:
                lot = next(lot for lot in ledger.lots if lot.id == d.lot)
                assert lot.valid_from <= usage.case.opened_on < lot.expires_on
                drawn[d.lot] = drawn.get(d.lot, 0) + d.units
        for expiry in ledger.expiries():
            assert expiry.used == drawn.get(expiry.lot.id, 0)
            assert expiry.used + expiry.unused == expiry.lot.units

    @given(ledger_inputs())
    def test_uncovered_only_when_nothing_is_left(self, inputs: dict[str, Any]) -> None:
        """a case goes (partly) uncovered only when no lot valid that day has a unit left."""
        ledger = Ledger(**inputs)
        for usage in ledger.uncovered():
            assert ledger.balance(usage.case.opened_on).units == 0

    @given(ledger_inputs(), st.randoms(use_true_random=False))
    def test_input_order_does_not_matter(self, inputs: dict[str, Any], rnd: Any) -> None:
        """any permutation of purchases and cases gives the same ledger and the same totals."""
        ledger = Ledger(**inputs)
        shuffled = dict(inputs)
        shuffled["purchases"] = rnd.sample(inputs["purchases"], len(inputs["purchases"]))
        shuffled["cases"] = rnd.sample(inputs["cases"], len(inputs["cases"]))
        other = Ledger(**shuffled)
        assert other == ledger
        assert other.consulting_total == ledger.consulting_total
        assert sum(u.units_consumed for u in other.cases) == sum(
            u.units_consumed for u in ledger.cases
        )
        assert [u.id for u in other.uncovered()] == [u.id for u in ledger.uncovered()]
