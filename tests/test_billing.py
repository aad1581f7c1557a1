"""Plan prices (SPEC §2.4): flat, share of consumption with a minimum, currencies, proration."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from fractions import Fraction
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from slacalc._billing.models import PriceModel
from slacalc._billing.prices import add_months, plan_price, price, prorate, round_money
from slacalc._policies.files import load_policy
from slacalc.exceptions import BillingError, SlacalcError

EUR_CHF_USD = ("EUR", "CHF", "USD")
# Exoscale, seeds/002: "Price: 100.00 EUR/CHF/USD per month" and so on.
STARTER = PriceModel(amount=Decimal("100.00"), currencies=EUR_CHF_USD)
PRO = PriceModel(amount=Decimal("500.00"), currencies=EUR_CHF_USD)
BUILT_IN = PriceModel(included=True, currencies=EUR_CHF_USD)
ENTERPRISE = PriceModel(
    share_of_consumption=Decimal("0.05"), minimum=Decimal("2500.00"), currencies=EUR_CHF_USD
)
# ProAuth, seeds/003: "Annual price CHF 6'000.-" ... "All prices exclude VAT."
STANDARD = PriceModel(amount=Decimal("6000"), currencies=("CHF",), period="year", vat="excluded")
MANAGED = PriceModel(on_request=True, currencies=("CHF",), period="year", vat="excluded")


class _Plan:
    """A stand-in for a policy Plan: a name and a price section."""

    def __init__(self, name: str, price: PriceModel | None) -> None:
        self.name = name
        self.price = price


class TestExoscaleEnterprise:
    def test_minimum_applies_on_small_consumption(self) -> None:
        """5 % of 10,000 is 500, below the 2,500 minimum, so 2,500.00 is charged."""
        quote = price(ENTERPRISE, consumption=Decimal("10000"))
        # share = 0.05 × 10,000 = 500.00 < 2,500.00 → minimum
        assert quote.share == Decimal("500.00")
        assert quote.amount == Decimal("2500.00")
        assert quote.minimum_applied is True

    def test_share_above_the_minimum(self) -> None:
        """5 % of 80,000 is 4,000, above the minimum, so the share is charged."""
        quote = price(ENTERPRISE, consumption=Decimal("80000"))
        # share = 0.05 × 80,000 = 4,000.00 ≥ 2,500.00
        assert quote.amount == Decimal("4000.00")
        assert quote.share == Decimal("4000.00")
        assert quote.minimum_applied is False

    def test_break_even_is_not_a_minimum(self) -> None:
        """at exactly 50,000 the share equals the minimum: the minimum did not have to apply."""
        quote = price(ENTERPRISE, consumption=Decimal("50000"))
        assert (quote.amount, quote.minimum_applied) == (Decimal("2500.00"), False)

    def test_share_is_exact_and_amount_rounded_half_up(self) -> None:
        """the share keeps every digit; the amount rounds half a cent up."""
        quote = price(ENTERPRISE, consumption=Decimal("60000.10"))
        # 0.05 × 60,000.10 = 3,000.005 → 3,000.01 (ROUND_HALF_UP)
        assert quote.share == Decimal("3000.005")
        assert quote.amount == Decimal("3000.01")

    def test_breakdown_tells_the_story(self) -> None:
        """the breakdown names the share, the minimum and the total."""
        text = price(ENTERPRISE, consumption=Decimal("10000"), currency="CHF").explain()
        assert "5 % of consumption 10,000.00 = 500.00" in text
        assert "minimum 2,500.00 applies" in text
        assert "total 2,500.00 CHF per month" in text

    def test_consumption_is_required(self) -> None:
        """a share of nothing is not a price: the error asks for consumption."""
        with pytest.raises(BillingError, match="consumption"):
            price(ENTERPRISE)

    def test_no_yearly_conversion_of_a_monthly_minimum(self) -> None:
        """a per-month minimum cannot be priced as a year in one go."""
        with pytest.raises(BillingError, match="each month"):
            price(ENTERPRISE, period="year", consumption=Decimal("1"))


class TestFlatPlans:
    @pytest.mark.parametrize(("model", "expected"), [(STARTER, "100.00"), (PRO, "500.00")])
    def test_month(self, model: PriceModel, expected: str) -> None:
        """Starter and Pro cost their flat price a month, no share, no minimum."""
        quote = price(model)
        assert quote.amount == Decimal(expected)
        assert quote.period == "month"
        assert (quote.share, quote.minimum, quote.minimum_applied) == (Decimal("0.00"), None, False)

    def test_year_of_a_monthly_plan(self) -> None:
        """12 months of Pro: 12 × 500.00 = 6,000.00."""
        assert price(PRO, period="year").amount == Decimal("6000.00")

    def test_month_of_a_yearly_plan_is_rounded_once(self) -> None:
        """ProAuth Premium 10,000 a year is 833.33 a month (10,000 / 12 = 833.333…)."""
        premium = PriceModel(amount=Decimal("10000"), currencies=("CHF",), period="year")
        assert price(premium, period="month").amount == Decimal("833.33")

    def test_included_costs_nothing(self) -> None:
        """Built-In is included: 0.00 and flagged as such."""
        quote = price(BUILT_IN)
        assert (quote.amount, quote.included) == (Decimal("0.00"), True)

    def test_consumption_on_a_flat_plan_is_noted_not_used(self) -> None:
        """consumption passed for a flat price changes nothing, and the breakdown says so."""
        quote = price(STARTER, consumption=Decimal("999999"))
        assert quote.amount == Decimal("100.00")
        assert any("does not affect" in line for line in quote.breakdown)

    def test_proauth_annual_excludes_vat(self) -> None:
        """ProAuth Standard: CHF 6,000.00 a year, VAT excluded."""
        quote = price(STANDARD)
        assert (quote.amount, quote.currency, quote.period, quote.vat) == (
            Decimal("6000.00"),
            "CHF",
            "year",
            "excluded",
        )

    def test_on_request_needs_the_agreed_amount(self) -> None:
        """Managed is priced per agreement: no number without the agreed one."""
        with pytest.raises(BillingError, match="agreed"):
            price(MANAGED)
        quote = price(MANAGED, agreed=Decimal("15000"))
        assert (quote.amount, quote.on_request) == (Decimal("15000.00"), True)

    def test_agreed_amount_only_for_on_request(self) -> None:
        """an agreed amount on a published price is refused rather than ignored."""
        with pytest.raises(BillingError, match="on request"):
            price(STARTER, agreed=Decimal("1"))

    def test_unknown_period(self) -> None:
        """a period other than month or year is named in the error."""
        with pytest.raises(BillingError, match="'week'"):
            price(STARTER, period="week")  # type: ignore[arg-type]


class TestCurrencies:
    @pytest.mark.parametrize("code", EUR_CHF_USD)
    def test_same_number_in_each_currency(self, code: str) -> None:
        """'EUR/CHF/USD' is the same number in each currency."""
        quote = price(ENTERPRISE, consumption=Decimal("80000"), currency=code)
        assert (quote.amount, quote.currency) == (Decimal("4000.00"), code)

    def test_lower_case_code(self) -> None:
        """currency codes are read case-insensitively and returned upper-case."""
        assert price(STARTER, currency="usd").currency == "USD"

    def test_default_is_the_first_listed(self) -> None:
        """without a currency the quote is labelled with the first one the plan lists."""
        assert price(STARTER).currency == "EUR"
        assert price(STANDARD).currency == "CHF"

    def test_currency_not_offered(self) -> None:
        """a currency the plan does not offer names itself and the valid ones."""
        with pytest.raises(BillingError) as info:
            price(STARTER, currency="GBP")
        message = str(info.value)
        assert "'GBP'" in message
        assert "EUR, CHF, USD" in message

    def test_chf_only(self) -> None:
        """ProAuth prices are in CHF only."""
        with pytest.raises(BillingError, match="expected one of CHF"):
            price(STANDARD, currency="EUR")


class TestMoneyIsExact:
    def test_float_consumption_is_refused(self) -> None:
        """a float cannot carry money exactly: the error says so and how to fix it."""
        with pytest.raises(BillingError, match=r"float.*Decimal\('80000.5'\)"):
            price(ENTERPRISE, consumption=80000.5)  # type: ignore[arg-type]

    def test_int_consumption_is_fine(self) -> None:
        """an int is exact money."""
        assert price(ENTERPRISE, consumption=80000).amount == Decimal("4000.00")

    @pytest.mark.parametrize(
        "bad", [Decimal("-1"), Decimal("NaN"), Decimal("Infinity"), True, "100"]
    )
    def test_bad_consumption(self, bad: Any) -> None:
        """negative, non-finite, boolean and text consumption are refused."""
        with pytest.raises(BillingError, match="consumption"):
            price(ENTERPRISE, consumption=bad)

    def test_errors_are_slacalc_and_value_errors(self) -> None:
        """a caller catching ValueError or SlacalcError catches billing errors."""
        with pytest.raises(ValueError, match="GBP"):
            price(STARTER, currency="GBP")
        assert issubclass(BillingError, SlacalcError)

    @pytest.mark.parametrize(
        ("exact", "rounded"),
        [
            (Fraction(1, 200), "0.01"),  # 0.005 → 0.01
            (Fraction(1, 201), "0.00"),  # 0.004975… → 0.00
            (Fraction(-1, 200), "-0.01"),  # half away from zero
            (Fraction(100, 3), "33.33"),
            (Fraction(200, 3), "66.67"),
        ],
    )
    def test_round_half_up(self, exact: Fraction, rounded: str) -> None:
        """amounts round to cents, a half cent away from zero."""
        assert round_money(exact) == Decimal(rounded)

    @given(st.decimals(min_value=0, max_value=10**9, places=2))
    def test_enterprise_is_max_of_share_and_minimum(self, consumption: Decimal) -> None:
        """for any consumption the price is max(5 %, 2,500) rounded, and never below the minimum."""
        quote = price(ENTERPRISE, consumption=consumption)
        expected = max(consumption * Decimal("0.05"), Decimal("2500"))
        assert quote.amount == expected.quantize(Decimal("0.01"), rounding="ROUND_HALF_UP")
        assert quote.amount >= Decimal("2500.00")
        assert quote.minimum_applied == (consumption * Decimal("0.05") < 2500)


class TestPlanPrice:
    def test_reads_the_plan_price(self) -> None:
        """plan_price is price() on the plan's price section."""
        quote = plan_price(_Plan("enterprise", ENTERPRISE), consumption=Decimal("80000"))
        assert quote.amount == Decimal("4000.00")

    def test_plan_without_price(self) -> None:
        """a plan with no price section is named in the error."""
        with pytest.raises(BillingError, match="plan 'gold' has no price"):
            plan_price(_Plan("gold", None))

    def test_errors_name_the_plan(self) -> None:
        """errors from pricing a plan say which plan."""
        with pytest.raises(BillingError, match=r"plan 'enterprise-managed'.*agreed"):
            plan_price(_Plan("enterprise-managed", MANAGED))


class TestProrate:
    def test_upgrade_mid_month(self) -> None:
        """Starter → Pro on 16 April (30 days): 15 days each."""
        quote = prorate(STARTER, PRO, date(2026, 4, 16))
        # 100 × 15/30 + 500 × 15/30 = 50 + 250 = 300.00
        assert (quote.days, quote.days_before, quote.days_after) == (30, 15, 15)
        assert (quote.before, quote.after, quote.amount) == (
            Decimal("50.00"),
            Decimal("250.00"),
            Decimal("300.00"),
        )

    def test_rounded_once_at_the_end(self) -> None:
        """the parts are added exactly and the sum is rounded once, not each part."""
        quote = prorate(STARTER, PRO, date(2026, 4, 2))
        # April has 30 days: 100 × 1/30 = 3.333…; 500 × 29/30 = 483.333…
        # exact sum 486.666… → 486.67 (rounding each part first would give 3.33 + 483.33 = 486.66)
        assert quote.amount == Decimal("486.67")
        # the old plan's line is rounded on its own; the new plan's line is the remainder
        assert quote.before == Decimal("3.33")
        assert quote.after == Decimal("483.34")

    def test_parts_always_add_up(self) -> None:
        """before + after is the total even when the parts each round the same way."""
        quote = prorate(PRO, STARTER, date(2026, 2, 4))
        # February 2026: 28 days; 500 × 3/28 = 53.5714…; 100 × 25/28 = 89.2857…
        # exact sum 142.857142… → 142.86; before 53.57; after 142.86 − 53.57 = 89.29
        assert quote.amount == Decimal("142.86")
        assert quote.before + quote.after == quote.amount
        assert quote.after == Decimal("89.29")

    def test_change_on_the_first_day_is_the_new_plan(self) -> None:
        """a change on the 1st charges the whole month at the new plan."""
        quote = prorate(STARTER, PRO, date(2026, 5, 1))
        assert (quote.days_before, quote.amount) == (0, Decimal("500.00"))

    def test_into_enterprise_prorates_the_minimum_not_the_share(self) -> None:
        """the minimum scales by days on the plan; the share is of the consumption while on it."""
        quote = prorate(PRO, ENTERPRISE, date(2026, 3, 11), consumption_after=Decimal("30000"))
        # old: 500 × 10/31 = 161.2903…
        # new: share 0.05 × 30,000 = 1,500 < minimum 2,500 × 21/31 = 1,693.5483… → 1,693.5483…
        # exact sum 1,854.8387… → 1,854.84
        assert quote.amount == Decimal("1854.84")
        assert quote.before == Decimal("161.29")
        big = prorate(PRO, ENTERPRISE, date(2026, 3, 11), consumption_after=Decimal("80000"))
        # new: share 4,000 ≥ 1,693.55 → 4,000 (not scaled); 161.2903… + 4,000 → 4,161.29
        assert big.amount == Decimal("4161.29")

    def test_yearly_plans_need_the_contract_year(self) -> None:
        """ProAuth Standard → Premium mid contract year, by days of that year."""
        premium = PriceModel(amount=Decimal("10000"), currencies=("CHF",), period="year")
        with pytest.raises(BillingError, match="period_start"):
            prorate(STANDARD, premium, date(2026, 7, 1))
        quote = prorate(STANDARD, premium, date(2026, 7, 1), period_start=date(2026, 4, 1))
        # 2026-04-01 .. 2027-04-01 = 365 days; 91 days before 1 July
        # 6,000 × 91/365 + 10,000 × 274/365 = 1,495.89… + 7,506.84… = 9,002.7397… → 9,002.74
        assert (quote.days, quote.days_before) == (365, 91)
        assert quote.amount == Decimal("9002.74")
        # STANDARD says VAT excluded, the ad-hoc premium model says nothing: they disagree
        assert quote.vat == "unspecified"

    def test_mixed_periods_are_refused(self) -> None:
        """a monthly plan and a yearly plan have no common period to prorate over."""
        with pytest.raises(BillingError, match="same billing period"):
            prorate(PRO, STANDARD, date(2026, 4, 16))

    def test_change_outside_the_period(self) -> None:
        """the change must fall inside the period."""
        with pytest.raises(BillingError, match="outside"):
            prorate(STARTER, PRO, date(2026, 5, 1), period_start=date(2026, 4, 1))

    def test_anniversary_billing_period(self) -> None:
        """a billing month from the 15th runs to the 14th of the next month."""
        quote = prorate(STARTER, PRO, date(2026, 2, 1), period_start=date(2026, 1, 15))
        # 2026-01-15 .. 2026-02-15 = 31 days; 17 days before 1 Feb
        # 100 × 17/31 + 500 × 14/31 = (1,700 + 7,000)/31 = 280.6451… → 280.65
        assert (quote.days, quote.days_before) == (31, 17)
        assert quote.amount == Decimal("280.65")

    def test_naive_datetime_is_not_a_date(self) -> None:
        """a datetime is refused where a calendar date is meant."""
        with pytest.raises(BillingError, match=r"\.date\(\)"):
            prorate(STARTER, PRO, datetime(2026, 4, 16))

    def test_on_request_plans_cannot_be_prorated_blind(self) -> None:
        """a plan on request has no number to prorate."""
        with pytest.raises(BillingError, match="per agreement"):
            prorate(MANAGED, STANDARD, date(2026, 7, 1), period_start=date(2026, 1, 1))

    @given(
        st.dates(min_value=date(2000, 1, 1), max_value=date(2100, 12, 31)),
        st.decimals(min_value=0, max_value=10**6, places=2),
        st.decimals(min_value=0, max_value=10**6, places=2),
    )
    def test_same_flat_plan_on_both_sides_is_the_full_price(
        self, day: date, a: Decimal, b: Decimal
    ) -> None:
        """prorating a flat plan into itself gives the plan's monthly price, any day."""
        model = PriceModel(amount=a)
        assert prorate(model, model, day).amount == price(model).amount
        other = PriceModel(amount=b)
        quote = prorate(model, other, day)
        assert quote.before + quote.after == quote.amount
        assert min(a, b) - Decimal("0.01") <= quote.amount <= max(a, b) + Decimal("0.01")


class TestAddMonths:
    @pytest.mark.parametrize(
        ("start", "months", "expected"),
        [
            (date(2026, 1, 31), 1, date(2026, 2, 28)),
            (date(2024, 2, 29), 12, date(2025, 2, 28)),
            (date(2024, 2, 29), 48, date(2028, 2, 29)),
            (date(2026, 6, 15), 12, date(2027, 6, 15)),
            (date(2026, 12, 1), 1, date(2027, 1, 1)),
        ],
    )
    def test_clamps_to_month_end(self, start: date, months: int, expected: date) -> None:
        """a day the target month lacks becomes its last day."""
        assert add_months(start, months) == expected


class TestBuiltInPolicies:
    """The same figures through the shipped policy files."""

    @pytest.fixture
    def exoscale(self) -> Any:
        return load_policy("exoscale")

    @pytest.fixture
    def proauth(self) -> Any:
        return load_policy("proauth")

    def test_exoscale_enterprise(self, exoscale: Any) -> None:
        """Enterprise from the file: 10,000 → 2,500.00 minimum; 80,000 → 4,000.00."""
        plan = exoscale.plan("enterprise")
        low = plan_price(plan, consumption=Decimal("10000"), currency="EUR")
        high = plan_price(plan, consumption=Decimal("80000"), currency="USD")
        assert (low.amount, low.minimum_applied) == (Decimal("2500.00"), True)
        assert (high.amount, high.currency) == (Decimal("4000.00"), "USD")

    @pytest.mark.parametrize(
        ("name", "amount"), [("built-in", "0.00"), ("starter", "100.00"), ("pro", "500.00")]
    )
    def test_exoscale_monthly(self, exoscale: Any, name: str, amount: str) -> None:
        """Built-In, Starter and Pro a month, in CHF."""
        quote = plan_price(exoscale.plan(name), currency="CHF")
        assert (quote.amount, quote.period) == (Decimal(amount), "month")

    def test_exoscale_gbp(self, exoscale: Any) -> None:
        """Exoscale offers EUR, CHF and USD only."""
        with pytest.raises(BillingError, match=r"'GBP'.*EUR, CHF, USD"):
            plan_price(exoscale.plan("pro"), currency="GBP")

    @pytest.mark.parametrize(
        ("name", "amount"),
        [("basic", "0.00"), ("enterprise-standard", "6000.00"), ("enterprise-premium", "10000.00")],
    )
    def test_proauth_annual(self, proauth: Any, name: str, amount: str) -> None:
        """ProAuth's annual prices in CHF, VAT excluded."""
        quote = plan_price(proauth.plan(name))
        assert (quote.amount, quote.currency, quote.period, quote.vat) == (
            Decimal(amount),
            "CHF",
            "year",
            "excluded",
        )

    def test_proauth_managed_on_request(self, proauth: Any) -> None:
        """Managed: contact sales."""
        with pytest.raises(BillingError, match="per agreement"):
            plan_price(proauth.plan("enterprise-managed"))
