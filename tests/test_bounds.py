"""Values too large for the arithmetic are clear errors or documented caps (issue 8, item 3).

Each case here once escaped as a Python error from deep inside: an
``OverflowError`` extending a term past 9999, a policy with ``award_days =
10**30`` that loaded and later broke ``report`` and ``credits``, a 35-digit or
``1e400000000`` money amount raising ``decimal.InvalidOperation``, a
``MemoryError`` from a case of many engineering hours, a ``ValueError`` from a
contract year past 9999. Month arithmetic is ``dateutil``'s ``relativedelta``
(issue 8, item 5) and gives what the hand-written arithmetic gave.
"""

from __future__ import annotations

import calendar
import io
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from slacalc import Contract, CreditRule, Ticket, load_policy, policy_schema
from slacalc._billing import models
from slacalc._billing.ledger import Case, Ledger, Purchase
from slacalc._billing.models import EscalationPackModel, EscalationsModel, PriceModel
from slacalc._billing.prices import add_months, price, prorate
from slacalc._cli.main import main
from slacalc._evaluation import credits as contract_credits
from slacalc.billing import parse_money
from slacalc.exceptions import BillingError, PolicyError, PolicyFileError

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"

POLICY = """\
name = "bounded"
effective_from = 2020-01-01
severities = [{ name = "1" }]

[calendars.always]
timezone = "UTC"
hours = "24x7"

[plans.gold.targets.initial_response]
calendar = "always"
all = "1 hour"

[credits]
per = "15 minutes"
award_days = 1
"""


def write(tmp_path: Path, text: str, name: str = "policy.toml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


# ---------------------------------------------------------------------- the extended term end


class TestTermEnd:
    PLAN = load_policy("zitadel-2023").plan("custom")  # Sev 1: 30 minutes on 24x7
    OPENED = datetime(2026, 3, 2, 9, tzinfo=UTC)
    DUE = OPENED + timedelta(minutes=30)

    def credits_at(self, term_end: date, now: datetime):  # type: ignore[no-untyped-def]
        contract = Contract("ACME", self.PLAN, date(2026, 1, 1), term_end)
        return contract.credits([Ticket("T-1", self.OPENED, 1, channel="ticket")], now=now)

    def test_never_answered_far_in_the_future(self) -> None:
        """A ticket unanswered until 2200 earns more days than there are dates: a BillingError."""
        # 24x7: every started 15 minutes past due is a day, about 35,000 days a year for 174 years
        with pytest.raises(BillingError) as info:
            self.credits_at(date(2027, 1, 1), datetime(2200, 1, 1, tzinfo=UTC))
        message = str(info.value)
        room = (date(9999, 12, 31) - date(2027, 1, 1)).days
        assert message.startswith("contract 'ACME': term_end 2027-01-01 extended by ")
        assert "lies past 9999-12-31" in message
        assert f"expected at most {room:,} days" in message
        assert "cap_days_per_term" in message

    def test_exactly_up_to_the_last_date(self) -> None:
        """Days that reach 9999-12-31 exactly are granted; one more period is the error."""
        term_end = date(9990, 1, 1)
        room = (date.max - term_end).days  # 3651 days
        # every started 15 minutes is a day: late by room × 15 minutes earns room days
        now = self.DUE + room * timedelta(minutes=15)
        result = self.credits_at(term_end, now)
        assert result.days == room
        assert result.extended_term_end == date(9999, 12, 31)
        with pytest.raises(BillingError, match=f"extended by {room + 1:,} credit days"):
            self.credits_at(term_end, now + timedelta(microseconds=1))

    def test_a_per_term_cap_bounds_it(self, tmp_path: Path) -> None:
        """With cap_days_per_term, the same ticket is fine: the cap applies before the date."""
        plan = load_policy(write(tmp_path, POLICY + "cap_days_per_term = 30\n")).plan("gold")
        contract = Contract("ACME", plan, date(2026, 1, 1), date(2027, 1, 1))
        result = contract.credits(
            [Ticket("T-1", self.OPENED, 1)], now=datetime(2200, 1, 1, tzinfo=UTC)
        )
        assert result.capped and result.days == 30
        assert result.earned_days > (date.max - date(2027, 1, 1)).days
        assert result.extended_term_end == date(2027, 1, 31)


# ---------------------------------------------------------------------- policy bounds


class TestPolicyBounds:
    @pytest.mark.parametrize(
        ("line", "key", "expected"),
        [
            ("award_days = 1000000000000000000000000000000", "credits.award_days", "less than or equal to 365"),
            ("award_days = 366", "credits.award_days", "less than or equal to 365"),
            ("award_days = 0", "credits.award_days", "greater than or equal to 1"),
            ("cap_days_per_ticket = 3651", "credits.cap_days_per_ticket", "less than or equal to 3650"),
            ("cap_days_per_term = 99999999999999999999", "credits.cap_days_per_term", "less than or equal to 3650"),
            ("cap_days_per_term = -1", "credits.cap_days_per_term", "greater than or equal to 0"),
        ],
    )  # fmt: skip
    def test_credit_numbers(self, tmp_path: Path, line: str, key: str, expected: str) -> None:
        """award_days and the caps are bounded: the error names file, line, key and range."""
        text = POLICY.replace("award_days = 1\n", "") + line + "\n"
        path = write(tmp_path, text)
        lineno = text.splitlines().index(line) + 1
        with pytest.raises(PolicyFileError) as info:
            load_policy(path)
        message = str(info.value)
        assert message.startswith(
            f"invalid policy file {path}, line {lineno}: {key}: invalid value"
        )
        assert message.endswith(f"expected {expected}")

    @pytest.mark.parametrize(
        "per", ["30 seconds", "PT59S", "8761 hours", "PT8760H1S", "1000000 hours"]
    )
    def test_per(self, tmp_path: Path, per: str) -> None:
        """credits.per runs from 1 minute to 8760 hours (365 days of clock time)."""
        text = POLICY.replace('per = "15 minutes"', f'per = "{per}"')
        lineno = text.splitlines().index(f'per = "{per}"') + 1
        with pytest.raises(
            PolicyFileError,
            match=rf"line {lineno}: credits\.per: invalid value .* from 1 minute to 8760 hours",
        ):
            load_policy(write(tmp_path, text))  # fmt: skip

    @pytest.mark.parametrize("per", ["1 minute", "8760 hours", "PT1M"])
    def test_per_at_the_bounds(self, tmp_path: Path, per: str) -> None:
        """Both ends of the range load."""
        text = POLICY.replace('per = "15 minutes"', f'per = "{per}"')
        policy = load_policy(write(tmp_path, text))
        assert policy.credits is not None  # type: ignore[union-attr]

    def test_largest_rule_stays_exact(self, tmp_path: Path) -> None:
        """At the bounds (1 minute, 365 days an award), a 230-year breach is an exact int64-safe number."""
        text = POLICY.replace('per = "15 minutes"', 'per = "1 minute"').replace(
            "award_days = 1", "award_days = 365"
        )
        plan = load_policy(write(tmp_path, text)).plan("gold")
        opened = datetime(1970, 1, 1, tzinfo=UTC)
        now = datetime(2200, 12, 31, tzinfo=UTC)
        outcome = plan.evaluate(Ticket("T", opened, 1), now=now).initial_response
        minutes_late = -(-(now - opened - timedelta(hours=1)) // timedelta(minutes=1))
        assert outcome.credit_days == minutes_late * 365
        assert outcome.credit_days < 2**63

    def test_schema_shows_the_bounds(self) -> None:
        """The published JSON Schema carries the ranges, for editors and validators."""
        credits = policy_schema()["$defs"]["CreditsModel"]["properties"]
        assert (credits["award_days"]["minimum"], credits["award_days"]["maximum"]) == (1, 365)
        for cap in ("cap_days_per_ticket", "cap_days_per_term"):
            number = next(b for b in credits[cap]["anyOf"] if b.get("type") == "integer")
            assert (number["minimum"], number["maximum"]) == (0, 3650)
        assert "1 minute to 8760 hours" in credits["per"]["description"]
        price = policy_schema()["$defs"]["PriceModel"]["properties"]["amount"]["anyOf"]
        number = next(b for b in price if b.get("type") == "number")
        assert number["exclusiveMaximum"] == 10**15 and number["minimum"] == 0

    @pytest.mark.parametrize(
        ("table", "line", "key"),
        [
            ("[plans.gold.price]", 'amount = "12345678901234567890123456789012345"', "plans.gold.price.amount"),
            ("[plans.gold.price]", 'amount = "1e400000000"', "plans.gold.price.amount"),
            ("[plans.gold.price]", 'minimum = "Infinity"', "plans.gold.price.minimum"),
            ("[plans.gold.price]", 'share_of_consumption = "1.5"', "plans.gold.price.share_of_consumption"),
            ("[plans.gold.price]", 'amount = "0.0000000000001"', "plans.gold.price.amount"),
        ],
    )  # fmt: skip
    def test_money_in_policy_files(self, tmp_path: Path, table: str, line: str, key: str) -> None:
        """Prices in a policy file are bounded like every amount: a PolicyFileError names the key."""
        text = POLICY + f"\n{table}\n{line}\n"
        lineno = text.splitlines().index(line) + 1
        with pytest.raises(PolicyFileError, match=rf"line {lineno}: {key}: invalid value"):
            load_policy(write(tmp_path, text))

    def test_credit_rule_in_python(self) -> None:
        """Built directly, a CreditRule checks the same ranges (a PolicyError naming the field)."""
        with pytest.raises(
            PolicyError,
            match=r"credits\.award_days: invalid value 1000000000000000000000000000000; expected a whole number from 1 to 365",
        ):
            CreditRule(award_days=10**30)  # fmt: skip
        with pytest.raises(PolicyError, match=r"credits\.per: invalid value"):
            CreditRule(per=timedelta(seconds=1))
        with pytest.raises(PolicyError, match=r"credits\.cap_days_per_term: .*from 0 to 3650"):
            CreditRule(cap_days_per_term=10**6)
        with pytest.raises(PolicyError, match=r"credits\.award_days"):
            CreditRule(award_days=True)
        assert (
            CreditRule(award_days=365, cap_days_per_ticket=3650).days_for(timedelta(hours=1))
            == 1460
        )


# ---------------------------------------------------------------------- money


class TestParseMoney:
    @pytest.mark.parametrize(
        ("text", "expected"),
        [
            ("6000.00", Decimal("6000.00")),
            (" 6'000.00 ", Decimal("6000.00")),
            ("6’000.5", Decimal("6000.5")),
            ("1_000", Decimal("1000")),
            ("1e3", Decimal("1E+3")),
            (".5", Decimal("0.5")),
            ("999999999999999.999999999999", Decimal("999999999999999.999999999999")),
            ("0.000000000001", Decimal("0.000000000001")),
            ("1.000000000000000000000000000000000", Decimal(1)),  # trailing zeros carry nothing
            (Decimal("12000.00"), Decimal("12000.00")),
            (42, Decimal(42)),
        ],
    )
    def test_reads(self, text: object, expected: Decimal) -> None:
        """Decimal text, with thousands separators, Decimals and ints are read exactly."""
        amount = parse_money(text, "term_price")
        assert amount == expected and isinstance(amount, Decimal)

    @pytest.mark.parametrize(
        ("value", "expected"),
        [
            ("12345678901234567890123456789012345", "is out of range; expected less than 1,000,000,000,000,000 in magnitude"),
            ("1e400000000", "is out of range; expected less than 1,000,000,000,000,000 in magnitude"),
            ("1000000000000000", "is out of range"),
            ("-1e15", "is out of range"),
            ("1e99999999999999999999", "is out of range"),
            ("0.0000000000001", "has too many digits; expected at most 28 significant digits and 12 decimal places"),
            ("1234567890.1234567890123456789", "has too many digits"),
            ("NaN", "invalid amount 'NaN'; expected a decimal number such as 6000.00"),
            ("Infinity", "invalid amount 'Infinity'"),
            ("-Infinity", "invalid amount"),
            ("sNaN", "invalid amount"),
            ("", "invalid amount ''"),
            ("12,50", "invalid amount '12,50'; expected a decimal number such as 6000.00 (write the decimal point as '.')"),
            ("CHF 100", "invalid amount 'CHF 100'"),
            ("1" * 300, "has too many digits"),
            ("-5", "must not be negative; got '-5'"),
            (Decimal("NaN"), "must be a finite number"),
            (Decimal("1e400000000"), "is out of range"),
            (10**400, "is out of range"),
            (1.5, "must be a Decimal, not float 1.5"),
            (True, "must be a Decimal or int; got bool True"),
        ],
    )  # fmt: skip
    def test_refuses(self, value: object, expected: str) -> None:
        """Non-finite, too large, too many digits, negative, floats: a BillingError naming field and value."""
        with pytest.raises(BillingError) as info:
            parse_money(value, "--term-price")
        assert isinstance(info.value, ValueError)
        assert expected in str(info.value)
        assert str(info.value).startswith("--term-price")
        assert len(str(info.value)) < 300  # a pasted megabyte is not echoed back

    def test_negative_when_allowed(self) -> None:
        """allow_negative admits a refund, within the same bounds."""
        assert parse_money("-12.50", "adjustment", allow_negative=True) == Decimal("-12.50")
        with pytest.raises(BillingError, match="out of range"):
            parse_money("-1e16", "adjustment", allow_negative=True)

    def test_evaluation_layer_agrees(self) -> None:
        """ContractCredits.value keeps its own copy of the bounds (it cannot import billing): the same."""
        assert contract_credits._MONEY_LIMIT == models.MONEY_LIMIT == 10**models.MAX_EXPONENT
        assert contract_credits._MAX_EXPONENT == models.MAX_EXPONENT
        assert contract_credits._MONEY_PLACES == models.MONEY_PLACES


class TestMoneyInTheBillingCode:
    def test_consumption(self) -> None:
        """A 35-digit consumption is a BillingError, not decimal.InvalidOperation when rounding."""
        model = PriceModel(share_of_consumption=Decimal("0.05"), minimum=Decimal("2500"))
        with pytest.raises(
            BillingError,
            match=r"^consumption: money Decimal\('1234567890123456789012345678901234'\) is out of range",
        ):
            price(model, consumption=Decimal("1234567890123456789012345678901234"))  # fmt: skip
        largest = Decimal("999999999999999.99")
        assert price(model, consumption=largest).amount == Decimal("50000000000000.00")

    def test_prorate(self) -> None:
        """Proration's consumptions are bounded the same way."""
        model = PriceModel(share_of_consumption=Decimal("0.05"))
        with pytest.raises(BillingError, match=r"^consumption_after: money"):
            prorate(model, model, date(2026, 4, 16), consumption_after=Decimal("1e400000000"))

    def test_term_price(self) -> None:
        """ContractCredits.value refuses a term price too large to value, naming it."""
        plan = load_policy("zitadel-2023").plan("extended")
        contract = Contract("ACME", plan, date(2026, 1, 1), date(2027, 1, 1))
        result = contract.credits([])
        for bad in ("1e400000000", "12345678901234567890123456789012345", "NaN"):
            with pytest.raises(BillingError, match=r"^term_price: amount"):
                result.value(Decimal(bad))
        with pytest.raises(BillingError, match="too many decimal places"):
            result.value(Decimal("0.0000000000001"))

    def test_value_is_exact(self) -> None:
        """value() rounds the exact days / term days × price once, half up."""
        plan = load_policy("zitadel-2023").plan("extended")
        ticket = Ticket(
            "T",
            datetime(2026, 3, 2, 7, tzinfo=UTC),  # 08:00+01:00, Sev 1: 1 bh on 07-19 → due 09:00
            1,
            responded_at=datetime(2026, 3, 2, 8, 1, tzinfo=UTC),  # 1 min late → 1 day
        )
        result = Contract("ACME", plan, date(2026, 1, 1), date(2027, 1, 1)).credits([ticket])
        assert result.days == 1
        # 730 / 365 = 2 exactly; 182.50 / 365 = 0.5 → half a cent rounds up to 0.50
        assert result.value(Decimal("730")) == Decimal("2.00")
        assert result.value(Decimal("182.50")) == Decimal("0.50")
        assert result.value(Decimal("1.825")) == Decimal("0.01")  # 0.005 → 0.01
        assert result.value(Decimal("999999999999999.99")) == Decimal("2739726027397.26")

    def test_case_hours(self) -> None:
        """A case of 1e20 hours is refused; 10^14 hours are counted, not looped over."""
        with pytest.raises(
            BillingError, match=r"^case 'c1': hours: hours Decimal\('1E\+20'\) is out of range"
        ):
            Case("c1", date(2026, 3, 1), Decimal("1e20"), "integration")  # fmt: skip
        quota = EscalationsModel(included_per_year={"standard": 4}, consulting_rate=Decimal(240))
        hours = Decimal(10**14)
        ledger = Ledger(quota, "standard", date(2026, 1, 1), cases=[Case("c1", date(2026, 3, 1), hours, "integration")])  # fmt: skip
        usage = ledger.case("c1")
        assert usage.units_required == 10**14 // 5
        assert usage.uncovered_units == 10**14 // 5 - 4
        assert usage.status == "partial"
        assert usage.covered_hours == Decimal(20)
        assert usage.uncovered_hours == hours - 20
        assert usage.consulting_cost == (hours - 20) * 240

    def test_draws_match_block_by_block(self) -> None:
        """Counting blocks draws exactly what covering them one by one would: earliest expiry first."""
        quota = EscalationsModel(
            included_per_year={"standard": 2},
            packs=(EscalationPackModel(name="S", units=1, price=Decimal(720)),),
        )
        ledger = Ledger(
            quota,
            "standard",
            date(2026, 1, 1),
            purchases=[Purchase(date(2026, 2, 1), "S"), Purchase(date(2026, 3, 1), "S")],
            cases=[Case("big", date(2026, 6, 1), Decimal(18), "integration")],  # 4 blocks
        )
        usage = ledger.case("big")
        # included (expires 2027-01-01) first, then the packs by expiry: 2 + 1 + 1 = 4 units
        assert [(d.lot, d.units) for d in usage.draws] == [
            ("included:2026-01-01", 2),
            ("pack:2026-02-01:S#1", 1),
            ("pack:2026-03-01:S#1", 1),
        ]
        assert usage.status == "covered"

    def test_cli_term_price(self, tmp_path: Path) -> None:
        """slacalc credits --term-price with 35 digits or 1e400000000: exit 2, the flag named, no traceback."""
        tickets = tmp_path / "t.csv"
        tickets.write_text("id,opened_at,severity,responded_at\n", encoding="utf-8")
        for bad in ("12345678901234567890123456789012345", "1e400000000"):
            out, err = io.StringIO(), io.StringIO()
            code = main(
                [
                    "credits", str(tickets), "--policy", "zitadel-2023", "--plan", "extended",
                    "--customer", "X", "--term-start", "2026-01-01", "--term-end", "2027-01-01",
                    "--term-price", bad, "--now", "2027-01-01T00:00:00Z",
                ],
                stdout=out,
                stderr=err,
            )  # fmt: skip
            assert code == 2
            assert "--term-price: money" in err.getvalue() and "out of range" in err.getvalue()
            assert "Traceback" not in err.getvalue()


# ---------------------------------------------------------------------- month arithmetic


def reference_add_months(day: date, months: int) -> date:
    """The arithmetic the ledger used before relativedelta: month index, then clamp the day."""
    index = day.year * 12 + (day.month - 1) + months
    year, month0 = divmod(index, 12)
    last = calendar.monthrange(year, month0 + 1)[1]
    return date(year, month0 + 1, min(day.day, last))


class TestMonths:
    @given(day=st.dates(date(1970, 1, 1), date(2200, 12, 31)), months=st.integers(0, 1200))
    def test_same_as_before(self, day: date, months: int) -> None:
        """relativedelta gives what the hand-written month arithmetic gave, month ends included."""
        assert add_months(day, months) == reference_add_months(day, months)

    @pytest.mark.parametrize("day", [date(2026, 1, 31), date(2024, 2, 29), date(2026, 8, 31)])
    @pytest.mark.parametrize("months", range(25))
    def test_month_ends(self, day: date, months: int) -> None:
        """Jan 31, Feb 29 and Aug 31 against the reference, every month for two years."""
        assert add_months(day, months) == reference_add_months(day, months)

    def test_contract_years_from_february_29(self) -> None:
        """Contract years count from the start itself: 29 Feb comes back in 2028."""
        quota = EscalationsModel(included_per_year={"standard": 4})
        ledger = Ledger(
            quota,
            "standard",
            date(2024, 2, 29),
            cases=[Case("late", date(2028, 3, 1), Decimal(1), "integration")],
        )
        starts = [lot.valid_from for lot in ledger.lots if lot.source == "included"]
        assert starts == [date(2024, 2, 29), date(2025, 2, 28), date(2026, 2, 28), date(2027, 2, 28), date(2028, 2, 29)]  # fmt: skip
        assert ledger.case("late").draws[0].lot == "included:2028-02-29"

    def test_pack_from_january_31(self) -> None:
        """A one-month pack bought on 31 January expires on 28 February."""
        quota = EscalationsModel(
            included_per_year={"standard": 0},
            packs=(EscalationPackModel(name="X", units=1, price=Decimal(1), valid_months=1),),
        )
        ledger = Ledger(
            quota, "standard", date(2026, 1, 1), purchases=[Purchase(date(2026, 1, 31), "X")]
        )
        [lot] = ledger.lots
        assert lot.expires_on == date(2026, 2, 28)

    def test_the_end_of_the_calendar(self) -> None:
        """A contract year or pack that would end after 9999-12-31 ends there (no ValueError)."""
        quota = EscalationsModel(
            included_per_year={"standard": 4},
            packs=(EscalationPackModel(name="S", units=1, price=Decimal(720)),),
        )
        ledger = Ledger(
            quota,
            "standard",
            date(9999, 6, 1),
            purchases=[Purchase(date(9999, 7, 1), "S")],
            cases=[Case("c", date(9999, 12, 1), Decimal(12), "integration")],
        )
        assert {lot.expires_on for lot in ledger.lots} == {date.max}
        assert ledger.case("c").units_required == 3
        assert ledger.balance(date(9999, 12, 30)).units == 2

    def test_prorate_past_9999(self) -> None:
        """A billing period that would end after 9999-12-31 is a BillingError naming the field."""
        model = PriceModel(amount=Decimal(100))
        with pytest.raises(BillingError, match=r"^date: 9999-12-01 plus 1 month is outside"):
            prorate(model, model, date(9999, 12, 15))
