"""Plan prices as exact money: flat amounts, a share of consumption with a minimum, proration.

Money is :class:`~decimal.Decimal` (or ``int``), never ``float``. Every amount
slacalc returns is rounded once, at the end, to 0.01 with ``ROUND_HALF_UP``
(a half cent goes up: 0.005 → 0.01), the rounding of commercial invoices;
intermediate values are kept exact as fractions.

>>> from decimal import Decimal
>>> from slacalc._billing.models import PriceModel
>>> enterprise = PriceModel(
...     share_of_consumption=Decimal("0.05"),
...     minimum=Decimal("2500"),
...     currencies=("EUR", "CHF", "USD"),
... )
>>> price(enterprise, consumption=Decimal("80000"), currency="CHF").amount
Decimal('4000.00')
>>> price(enterprise, consumption=Decimal("10000")).minimum_applied
True
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from fractions import Fraction
from typing import Literal

from dateutil.relativedelta import relativedelta

from slacalc._billing.models import (
    MAX_EXPONENT,
    MONEY_LIMIT,
    MONEY_PLACES,
    NUMBER_DIGITS,
    PriceModel,
)
from slacalc._engine.words import plural
from slacalc.exceptions import BillingError

__all__ = [
    "Period",
    "PriceQuote",
    "ProratedQuote",
    "parse_money",
    "plan_price",
    "price",
    "prorate",
]

Period = Literal["month", "year"]
_CENT = Decimal("0.01")


@dataclass(frozen=True, slots=True)
class PriceQuote:
    """What one plan costs for one billing period, with the figures that led there.

    ``amount`` is rounded to 0.01 (``ROUND_HALF_UP``); ``base`` and ``share``
    are exact. ``amount == max(base + share, minimum)`` before rounding, and
    ``minimum_applied`` says whether the minimum won.
    """

    amount: Decimal
    """The price for the period, rounded to cents."""
    currency: str
    """ISO code the amount is in."""
    period: Period
    """``month`` or ``year``."""
    base: Decimal
    """The flat part (exact; zero when the plan has none)."""
    share: Decimal
    """The consumption-based part (exact; zero when the plan has none)."""
    minimum: Decimal | None
    """The minimum charge for the period, if the plan has one."""
    minimum_applied: bool
    """Whether ``base + share`` fell below ``minimum`` and the minimum was charged."""
    consumption: Decimal | None
    """The consumption the share was taken of, as given."""
    included: bool
    """The plan is included at no separate charge (amount 0.00)."""
    on_request: bool
    """The plan is priced per agreement; ``amount`` is the agreed price passed in."""
    vat: Literal["excluded", "included", "unspecified"]
    """Whether the amount includes VAT, as the policy states."""
    breakdown: tuple[str, ...]
    """The computation, one readable line per step."""

    def explain(self) -> str:
        """The breakdown as one block of text."""
        return "\n".join(self.breakdown)


@dataclass(frozen=True, slots=True)
class ProratedQuote:
    """The price of a billing period in which the plan changed, prorated by calendar days.

    The old plan is charged for the days before ``change_on``, the new plan
    from ``change_on`` (inclusive) to the end of the period. ``amount`` is the
    exact sum rounded once; ``before`` is the old plan's part rounded to
    cents and ``after = amount - before``, so the two lines always add up to
    the total.
    """

    amount: Decimal
    """The price of the whole period, rounded once to cents."""
    currency: str
    """ISO code of all amounts."""
    period: Period
    """``month`` or ``year``: the billing period of both plans."""
    period_start: date
    """First day of the billing period."""
    period_end: date
    """First day after the billing period (exclusive)."""
    change_on: date
    """First day on the new plan."""
    days: int
    """Calendar days in the period."""
    days_before: int
    """Days charged at the old plan."""
    days_after: int
    """Days charged at the new plan."""
    before: Decimal
    """The old plan's part, rounded to cents."""
    after: Decimal
    """The new plan's part: ``amount - before``."""
    vat: Literal["excluded", "included", "unspecified"]
    """VAT statement of the plans (``unspecified`` when they disagree)."""
    breakdown: tuple[str, ...]
    """The computation, one readable line per step."""

    def explain(self) -> str:
        """The breakdown as one block of text."""
        return "\n".join(self.breakdown)


# -- money helpers -------------------------------------------------------------------------


def round_money(value: Fraction | Decimal | int) -> Decimal:
    """Round an exact amount to 0.01, half up (away from zero on a tie).

    >>> round_money(Fraction(1, 200))
    Decimal('0.01')
    >>> round_money(Decimal("617.2835"))
    Decimal('617.28')
    """
    exact = Fraction(value)
    cents = exact * 100
    sign = -1 if cents < 0 else 1
    magnitude = abs(cents)
    whole, rest = divmod(magnitude.numerator, magnitude.denominator)
    if 2 * rest >= magnitude.denominator:
        whole += 1
    return (Decimal(sign * whole) * _CENT).quantize(_CENT, rounding=ROUND_HALF_UP)


def _shown(value: object) -> str:
    """``repr(value)``, shortened for a message (a pasted megabyte stays out of it)."""
    text = repr(value)
    return text if len(text) <= 60 else f"{text[:40]}…{text[-12:]} ({len(text)} characters)"


def check_decimal(
    value: object, field: str, *, what: str = "money", allow_negative: bool = False
) -> Decimal:
    """Check that *value* is an exact number (``Decimal`` or ``int``) and return it as a Decimal.

    Floats are refused: ``0.1`` as a float is not one tenth. The number must
    be finite and within the bounds every amount slacalc computes with has
    (see :func:`parse_money`): less than 10^15 in magnitude, with at most 28
    significant digits, and at most 12 decimal places for money (28 for
    other quantities, such as hours converted from minutes).

    >>> check_decimal(Decimal("2.5"), "hours", what="hours")
    Decimal('2.5')
    """
    if isinstance(value, bool) or not isinstance(value, Decimal | int):
        if isinstance(value, float):
            msg = (
                f"{field} must be a Decimal, not float {value!r}: a float cannot hold {what} "
                f"exactly; write Decimal({str(value)!r})"
            )
        else:
            msg = f"{field} must be a Decimal or int; got {type(value).__name__} {_shown(value)}"
        raise BillingError(msg)
    if isinstance(value, int) and not -MONEY_LIMIT < value < MONEY_LIMIT:
        raise BillingError(_too_large(field, what, value))
    return _checked(Decimal(value), field, what, allow_negative, value)


def _checked(
    amount: Decimal, field: str, what: str, allow_negative: bool, value: object
) -> Decimal:
    """*amount* (read from *value*) if finite, within bounds and of an allowed sign."""
    if not amount.is_finite():
        msg = f"{field} must be a finite number; got {_shown(value)}"
        raise BillingError(msg)
    amount = _bounded(amount, field, what, value)
    if amount < 0 and not allow_negative:
        msg = f"{field} must not be negative; got {_shown(value)}"
        raise BillingError(msg)
    return amount


def _too_large(field: str, what: str, value: object) -> str:
    return (
        f"{field}: {what} {_shown(value)} is out of range; expected less than "
        f"{MONEY_LIMIT:,} in magnitude"
    )


def _bounded(amount: Decimal, field: str, what: str, value: object) -> Decimal:
    """*amount* if its size and digits are within bounds, else a BillingError (no arithmetic first)."""
    _, digits, exponent = amount.as_tuple()
    assert isinstance(exponent, int)  # finite
    if not any(digits):
        return Decimal(0) if not -NUMBER_DIGITS <= exponent <= 0 else amount
    # trailing zeros carry no value: 1.000 has one significant digit and no decimal places
    count = len(digits)
    while digits[count - 1] == 0:
        count -= 1
        exponent += 1
    if amount.adjusted() >= MAX_EXPONENT:
        raise BillingError(_too_large(field, what, value))
    places = max(-exponent, 0)
    limit = MONEY_PLACES if what == "money" else NUMBER_DIGITS
    if count > NUMBER_DIGITS or places > limit:
        msg = (
            f"{field}: {what} {_shown(value)} has too many digits; expected at most "
            f"{NUMBER_DIGITS} significant digits and {limit} decimal places"
        )
        raise BillingError(msg)
    return amount


_MONEY_RE = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?")
_GROUPS = str.maketrans("", "", "'’_")


def parse_money(value: object, field: str = "amount", *, allow_negative: bool = False) -> Decimal:
    """An exact money amount from text, a ``Decimal`` or an ``int``: the one money parser.

    Text is a decimal number: ``"6000.00"``, ``"-12.5"``, ``"1e3"``, with
    ``'``, ``’`` or ``_`` allowed as thousands separators (``"6'000.00"``).
    Every amount must be finite, less than 10^15 (1,000,000,000,000,000) in
    magnitude and have at most 12 decimal places, so that every sum,
    product and rounding slacalc does on it is exact; and it must not be
    negative unless *allow_negative*. Anything else, a float included, is a
    :class:`BillingError` naming *field* and the value.

    >>> parse_money("6'000.00", "term_price")
    Decimal('6000.00')
    >>> parse_money("1e400000000", "--term-price")
    Traceback (most recent call last):
      ...
    slacalc.exceptions.BillingError: --term-price: money '1e400000000' is out of range; expected less than 1,000,000,000,000,000 in magnitude
    """
    if isinstance(value, str):
        text = value.strip().translate(_GROUPS)
        if not _MONEY_RE.fullmatch(text):
            hint = " (write the decimal point as '.')" if "," in text else ""
            msg = (
                f"{field}: invalid amount {_shown(value)}; expected a decimal number such as "
                f"6000.00{hint}"
            )
            raise BillingError(msg)
        if len(text) > 200:
            msg = (
                f"{field}: money {_shown(value)} has too many digits; expected at most "
                f"{NUMBER_DIGITS} significant digits and {MONEY_PLACES} decimal places"
            )
            raise BillingError(msg)
        try:
            number = Decimal(text)
        except InvalidOperation:  # an exponent beyond what Decimal can hold
            msg = (
                f"{field}: money {_shown(value)} is out of range; expected less than "
                f"{MONEY_LIMIT:,} in magnitude, with at most {MONEY_PLACES} decimal places"
            )
            raise BillingError(msg) from None
        return _checked(number, field, "money", allow_negative, value)
    return check_decimal(value, field, what="money", allow_negative=allow_negative)


def _terminates(value: Fraction) -> bool:
    den = value.denominator
    for p in (2, 5):
        while den % p == 0:
            den //= p
    return den == 1


def exact_decimal(value: Fraction) -> Decimal:
    """*value* as a Decimal: exact when it is a terminating decimal, else rounded to cents.

    >>> exact_decimal(Fraction(6172835, 10000))
    Decimal('617.2835')
    """
    if not _terminates(value):
        return round_money(value)
    scale = 0
    while (10**scale) % value.denominator:
        scale += 1
    return Decimal(value.numerator * (10**scale // value.denominator)).scaleb(-scale)


def _cents(value: Decimal) -> Decimal:
    """*value* with at least two decimal places (exact: only trailing zeros are added)."""
    exponent = value.as_tuple().exponent
    if isinstance(exponent, int) and exponent > -2:
        return value.quantize(_CENT)
    return value


def _fmt(value: Decimal | Fraction) -> str:
    """Money for reading: grouped, two decimals (rounded half up), or every exact decimal."""
    if isinstance(value, Fraction):
        value = exact_decimal(value) if _terminates(value) else round_money(value)
    return f"{_cents(value):,f}"


def _percent(share: Decimal) -> str:
    pct = (share * 100).normalize()
    text = f"{pct:f}"
    return f"{text} %"


def _currency(model: PriceModel, currency: str | None) -> str:
    offered = tuple(c.upper() for c in model.currencies)
    if not offered:
        msg = "price: the plan lists no currency"
        raise BillingError(msg)
    if currency is None:
        return offered[0]
    if not isinstance(currency, str) or currency.strip().upper() not in offered:
        msg = f"currency: {currency!r} is not offered for this plan; expected one of {', '.join(offered)}"
        raise BillingError(msg)
    return currency.strip().upper()


def _period(model: PriceModel, period: object) -> Period:
    if period is None:
        return model.period
    if period == "month":
        return "month"
    if period == "year":
        return "year"
    msg = f"period: unknown billing period {period!r}; expected 'month' or 'year'"
    raise BillingError(msg)


# -- one period ----------------------------------------------------------------------------


def _exact_price(
    model: PriceModel,
    period: Period,
    consumption: Decimal | None,
    agreed: Decimal | None,
    days: Fraction = Fraction(1),
) -> tuple[Fraction, Fraction, Fraction, Fraction | None, bool, list[str]]:
    """(total, base, share, minimum, minimum_applied, lines) for *days* of one period.

    *days* is the fraction of the period charged (1 for a whole period); the
    flat amount and the minimum are scaled by it, the share is not (it is
    already proportional to the consumption while on the plan).
    """
    lines: list[str] = []
    unit = f"per {period}"
    if model.included:
        lines.append("included at no separate charge: 0.00")
        return Fraction(0), Fraction(0), Fraction(0), None, False, lines
    if model.on_request:
        if agreed is None:
            msg = (
                "price: this plan is priced per agreement (on request); pass the agreed "
                f"amount {unit} as agreed=Decimal(...)"
            )
            raise BillingError(msg)
        exact = Fraction(agreed) * days
        lines.append(f"priced per agreement: agreed {_fmt(agreed)} {unit}")
        return exact, exact, Fraction(0), None, False, lines
    if agreed is not None:
        msg = "agreed: an agreed amount applies only to plans priced on request"
        raise BillingError(msg)
    if model.amount is None and model.share_of_consumption is None:
        msg = "price: the plan has neither an amount nor a share of consumption"
        raise BillingError(msg)
    scale = Fraction(1)
    if period != model.period:
        if model.share_of_consumption is not None or model.minimum is not None:
            msg = (
                f"period: this price is a share of consumption with a minimum per "
                f"{model.period}; price each {model.period} and add them up, not a {period}"
            )
            raise BillingError(msg)
        scale = Fraction(12) if period == "year" else Fraction(1, 12)
    base = Fraction(model.amount) * scale if model.amount is not None else Fraction(0)
    if model.amount is not None:
        if scale != 1:
            op = "× 12" if scale == 12 else "÷ 12"
            approx = "" if _terminates(base) else " (kept exact, rounded once at the end)"
            lines.append(
                f"{_fmt(model.amount)} per {model.period} {op} = {_fmt(base)} {unit}{approx}"
            )
        else:
            lines.append(f"flat {_fmt(model.amount)} {unit}")
    base = base * days
    share = Fraction(0)
    if model.share_of_consumption is not None:
        if consumption is None:
            msg = (
                f"consumption: this price is {_percent(model.share_of_consumption)} of the "
                f"{period}'s consumption; pass consumption=Decimal(...)"
            )
            raise BillingError(msg)
        share = Fraction(model.share_of_consumption) * Fraction(consumption)
        lines.append(
            f"{_percent(model.share_of_consumption)} of consumption {_fmt(consumption)} = "
            f"{_fmt(share)}"
        )
    elif consumption is not None:
        lines.append(f"consumption {_fmt(consumption)} does not affect this price")
    total = base + share
    minimum: Fraction | None = None
    applied = False
    if model.minimum is not None:
        minimum = Fraction(model.minimum) * days
        label = f"minimum {_fmt(minimum)}"
        if days != 1:
            label = f"minimum {_fmt(model.minimum)} × {days} = {_fmt(minimum)}"
        if total < minimum:
            applied = True
            lines.append(f"{label} applies ({_fmt(total)} is less)")
            total = minimum
        else:
            lines.append(f"{label} does not apply")
    return total, base, share, minimum, applied, lines


def price(
    price_model: PriceModel,
    period: Period | None = None,
    consumption: Decimal | int | None = None,
    currency: str | None = None,
    *,
    agreed: Decimal | int | None = None,
) -> PriceQuote:
    """The price of one billing period of a plan.

    *period* defaults to the plan's own (``month`` for Exoscale, ``year``
    for ProAuth). A flat price converts between month and year (× 12 or
    ÷ 12, rounded once); a share of consumption with a minimum does not,
    because the minimum is per period. *consumption* is the period's
    consumption the share is taken of (required when the plan has a share).
    *currency* must be one the plan offers; it defaults to the first listed
    (the number is the same in each). A plan priced on request needs the
    *agreed* amount.

    >>> from slacalc._billing.models import PriceModel
    >>> pro = PriceModel(amount=Decimal("500.00"), currencies=("EUR", "CHF", "USD"))
    >>> q = price(pro, currency="usd")
    >>> q.amount, q.currency
    (Decimal('500.00'), 'USD')
    >>> price(pro, period="year").amount
    Decimal('6000.00')
    """
    if not isinstance(price_model, PriceModel):
        msg = f"price_model must be a PriceModel; got {type(price_model).__name__}"
        raise BillingError(msg)
    cons = None if consumption is None else check_decimal(consumption, "consumption")
    agreed_amount = None if agreed is None else check_decimal(agreed, "agreed")
    code = _currency(price_model, currency)
    per = _period(price_model, period)
    total, base, share, minimum, applied, lines = _exact_price(
        price_model, per, cons, agreed_amount
    )
    amount = round_money(total)
    lines.append(f"total {_fmt(amount)} {code} per {per} (VAT {price_model.vat})")
    if price_model.note:
        lines.append(f"note: {price_model.note}")
    return PriceQuote(
        amount=amount,
        currency=code,
        period=per,
        base=_cents(exact_decimal(base)),
        share=_cents(exact_decimal(share)),
        minimum=None if minimum is None else _cents(exact_decimal(minimum)),
        minimum_applied=applied,
        consumption=cons,
        included=price_model.included,
        on_request=price_model.on_request,
        vat=price_model.vat,
        breakdown=tuple(lines),
    )


def plan_price(
    plan: object,
    period: Period | None = None,
    consumption: Decimal | int | None = None,
    currency: str | None = None,
    *,
    agreed: Decimal | int | None = None,
) -> PriceQuote:
    """The price of *plan* for one period: :func:`price` on the plan's price section.

    *plan* is a policy plan whose ``price`` (or ``price_model``) attribute is
    a :class:`PriceModel` or ``None``; ``None`` raises :class:`BillingError`.
    Meant to back a ``Plan.price(period, consumption=...)`` method.
    """
    name = getattr(plan, "name", None)
    label = repr(name) if name is not None else repr(plan)
    model = None
    for attr in ("price_model", "price"):
        candidate = getattr(plan, attr, None)
        if isinstance(candidate, PriceModel):
            model = candidate
            break
    if model is None:
        msg = f"plan {label} has no price"
        raise BillingError(msg)
    try:
        return price(model, period, consumption, currency, agreed=agreed)
    except BillingError as exc:
        msg = f"plan {label}: {exc}"
        raise BillingError(msg) from None


# -- proration -----------------------------------------------------------------------------


def add_months(day: date, months: int, field: str = "date") -> date:
    """*day* moved by whole calendar months, clamped to the end of a shorter month.

    ``dateutil``'s ``relativedelta`` does the calendar arithmetic: a day that
    the target month does not have becomes that month's last day. A result
    after 9999-12-31 (or before year 1) is a :class:`BillingError` naming *field*.

    >>> add_months(date(2026, 1, 31), 1)
    datetime.date(2026, 2, 28)
    >>> add_months(date(2024, 2, 29), 12)
    datetime.date(2025, 2, 28)
    """
    try:
        moved: date = day + relativedelta(months=months)
    except (ValueError, OverflowError):
        msg = (
            f"{field}: {day.isoformat()} plus {plural(months, 'month')} is outside the dates there are "
            f"(0001-01-01 to {date.max.isoformat()}); expected an earlier date"
        )
        raise BillingError(msg) from None
    return moved


def check_date(value: object, field: str) -> date:
    """Check that *value* is a ``datetime.date`` (and not a ``datetime``)."""
    if isinstance(value, datetime) or not isinstance(value, date):
        hint = " (use .date())" if isinstance(value, datetime) else ""
        msg = f"{field} must be a datetime.date; got {type(value).__name__} {value!r}{hint}"
        raise BillingError(msg)
    return value


def prorate(
    old: PriceModel,
    new: PriceModel,
    change_on: date,
    *,
    period_start: date | None = None,
    consumption_before: Decimal | int | None = None,
    consumption_after: Decimal | int | None = None,
    currency: str | None = None,
) -> ProratedQuote:
    """The price of the billing period in which a customer moved from plan *old* to *new*.

    The rule, by calendar days: the period has *D* days; the old plan is
    charged for the days before *change_on*, the new plan from *change_on*
    on. Each plan's flat amount and minimum are multiplied by its days / *D*;
    a share of consumption is taken of the consumption while on that plan
    (*consumption_before*, *consumption_after*) and is not scaled. The parts
    are added exactly and the sum is rounded once.

    Both plans must have the same billing period. A monthly period defaults
    to the calendar month of *change_on*; *period_start* moves it (a period
    runs from *period_start* to the same day a month or year later). A
    yearly period needs *period_start* (the start of the contract year).

    >>> from slacalc._billing.models import PriceModel
    >>> starter = PriceModel(amount=Decimal("100.00"))
    >>> pro = PriceModel(amount=Decimal("500.00"))
    >>> prorate(starter, pro, date(2026, 4, 16)).amount  # 100*15/30 + 500*15/30
    Decimal('300.00')
    """
    for field, model in (("old", old), ("new", new)):
        if not isinstance(model, PriceModel):
            msg = f"{field} must be a PriceModel; got {type(model).__name__}"
            raise BillingError(msg)
    change_on = check_date(change_on, "change_on")
    if old.period != new.period:
        msg = (
            f"prorate: the old plan is billed per {old.period} and the new one per "
            f"{new.period}; prorate only between plans with the same billing period"
        )
        raise BillingError(msg)
    per = old.period
    if period_start is None:
        if per == "year":
            msg = "period_start: a yearly period needs its start (the contract year's first day)"
            raise BillingError(msg)
        period_start = change_on.replace(day=1)
    period_start = check_date(period_start, "period_start")
    period_end = add_months(period_start, 1 if per == "month" else 12)
    if not period_start <= change_on < period_end:
        msg = (
            f"change_on: {change_on.isoformat()} is outside the {per} "
            f"{period_start.isoformat()} to {period_end.isoformat()} (exclusive)"
        )
        raise BillingError(msg)
    for field, model in (("old", old), ("new", new)):
        if model.on_request:
            msg = (
                f"{field}: the plan is priced per agreement; prorate a PriceModel that "
                "holds the agreed amount instead"
            )
            raise BillingError(msg)
    code = _currency(old, currency)
    code = _currency(new, code)
    cons_before = (
        None
        if consumption_before is None
        else check_decimal(consumption_before, "consumption_before")
    )
    cons_after = (
        None if consumption_after is None else check_decimal(consumption_after, "consumption_after")
    )
    days = (period_end - period_start).days
    days_before = (change_on - period_start).days
    days_after = days - days_before
    lines = [
        f"{per} {period_start.isoformat()} to {period_end.isoformat()} (exclusive): {days} days; "
        f"old plan {days_before} days, new plan from {change_on.isoformat()}: {days_after} days"
    ]
    part_before = Fraction(0)
    if days_before:
        part_before, *_, sub = _exact_price(
            old, per, cons_before, None, Fraction(days_before, days)
        )
        lines.extend(f"old plan: {line}" for line in sub)
        lines.append(f"old plan × {days_before}/{days} days = {_fmt(part_before)}")
    elif cons_before:
        msg = "consumption_before: the change is on the first day; there is no time on the old plan"
        raise BillingError(msg)
    part_after, *_, sub = _exact_price(new, per, cons_after, None, Fraction(days_after, days))
    lines.extend(f"new plan: {line}" for line in sub)
    lines.append(f"new plan × {days_after}/{days} days = {_fmt(part_after)}")
    amount = round_money(part_before + part_after)
    before = round_money(part_before)
    after = amount - before
    vat = old.vat if old.vat == new.vat else "unspecified"
    lines.append(
        f"total {_fmt(amount)} {code} = old {_fmt(before)} + new {_fmt(after)} "
        "(exact sum rounded once, half up)"
    )
    return ProratedQuote(
        amount=amount,
        currency=code,
        period=per,
        period_start=period_start,
        period_end=period_end,
        change_on=change_on,
        days=days,
        days_before=days_before,
        days_after=days_after,
        before=before,
        after=after,
        vat=vat,
        breakdown=tuple(lines),
    )
