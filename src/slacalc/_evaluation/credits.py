"""Contracts: a customer's term on a plan, and the service credits its tickets earn."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta, tzinfo
from decimal import MAX_EMAX, MAX_PREC, MIN_EMIN, Context, Decimal
from fractions import Fraction
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from slacalc._engine.calendar import EPOCH, US, day_start_us, utc_or_none
from slacalc._engine.words import plural
from slacalc._evaluation.evaluate import Evaluation
from slacalc._evaluation.tickets import Ticket
from slacalc.exceptions import BillingError, NaiveDatetimeError, SlacalcError

if TYPE_CHECKING:
    from slacalc._engine.calendar import Calendar
    from slacalc._policies.model import FamilyPlan, Plan, Policy

__all__ = ["Contract", "ContractBook", "ContractCredits", "TicketCredit", "term_credits"]

# normalize() without rounding: a context wide enough for any finite Decimal
_WIDE = Context(prec=MAX_PREC, Emax=MAX_EMAX, Emin=MIN_EMIN)


def _shown(value: object) -> str:
    text = repr(value)
    return text if len(text) <= 60 else f"{text[:40]}…{text[-12:]}"


#: The bounds of slacalc.billing.parse_money (this layer cannot import billing's
#: copy; tests/test_bounds.py checks that the two agree).
_MAX_EXPONENT = 15
_MONEY_LIMIT = 10**_MAX_EXPONENT
_MONEY_PLACES = 12


@dataclass(frozen=True, slots=True)
class TicketCredit:
    """The credit days one ticket earned (after the per-ticket cap over all metrics), and per metric."""

    ticket_id: str
    opened_at: datetime
    days: int
    by_metric: tuple[tuple[str, int], ...]


@dataclass(frozen=True, slots=True)
class ContractCredits:
    """What a contract's tickets earned over its term.

    ``days`` is after the per-term cap; ``term_end`` is the contract's end
    extended by those days (calendar days: ZITADEL adds days "as extension to
    the current term").
    """

    customer: str
    policy: str
    plan: str
    term_start: date
    term_end: date
    earned_days: int
    days: int
    capped: bool
    extended_term_end: date
    tickets: tuple[TicketCredit, ...]

    def value(self, term_price: Decimal, currency: str = "") -> Decimal:
        """The money value of the credit days: days / days in the term × the term's price.

        Computed exactly and rounded once, half up, to the cent. *term_price*
        must be a finite ``Decimal`` within the bounds of
        ``slacalc.billing.parse_money`` (less than 10^15, at most 12 decimal
        places), which is how to read one from text.
        """
        if not isinstance(term_price, Decimal):
            msg = f"term_price: expected a Decimal amount; got {type(term_price).__name__} {term_price!r}"
            raise BillingError(msg)
        if not term_price.is_finite() or (
            term_price and term_price.normalize(_WIDE).adjusted() >= _MAX_EXPONENT
        ):
            msg = (
                f"term_price: amount {_shown(term_price)} is out of range; expected a finite "
                f"amount less than {_MONEY_LIMIT:,} in magnitude"
            )
            raise BillingError(msg)
        exponent = term_price.normalize(_WIDE).as_tuple().exponent
        if isinstance(exponent, int) and -exponent > _MONEY_PLACES:
            msg = (
                f"term_price: amount {_shown(term_price)} has too many decimal places; "
                f"expected at most {_MONEY_PLACES}"
            )
            raise BillingError(msg)
        term_days = (self.term_end - self.term_start).days
        exact = Fraction(term_price) * self.days / term_days
        cents, rest = divmod(abs(exact) * 100, 1)
        whole = int(cents) + (1 if rest >= Fraction(1, 2) else 0)
        return Decimal((1 if exact < 0 else 0, tuple(map(int, str(whole))), -2))


@dataclass(frozen=True, slots=True)
class Contract:
    """A customer on a plan for a term ``[term_start, term_end)``, perhaps on terms of its own.

    Tickets opened inside the term count (from midnight to midnight in
    :attr:`zone`, by the opening instant); each is evaluated against the
    contract's effective plan, :attr:`plan`: the plan given (``base_plan``)
    under the customer's own support *calendar* or *timezone*, its *targets*
    overrides and its pinned *policy_version* (see :class:`slacalc.PlanTerms`;
    ZITADEL's "business hours … or as per agreement with the customer", the
    bespoke Custom and Enterprise plans). A family plan without a pinned
    version picks the version in force when each ticket was opened.

    >>> from slacalc import load_policy
    >>> family = load_policy("zitadel").plan("starbase")
    >>> Contract("Old customer", family, date(2024, 1, 1), date(2025, 1, 1),
    ...          policy_version="zitadel-2021").plan.policy.name
    'zitadel-2021'
    """

    customer: str
    plan: Plan | FamilyPlan
    term_start: date
    term_end: date
    calendar: Calendar | Mapping[str, Calendar] | None = None
    timezone: str | None = None
    targets: Mapping[str, Mapping[Any, Any]] | None = None
    policy_version: str | None = None
    base_plan: Plan | FamilyPlan = field(init=False, repr=False, compare=False)
    _term_us: tuple[int, int] = field(init=False, repr=False, compare=False)
    _term_utc: tuple[datetime | None, datetime | None] = field(
        init=False, repr=False, compare=False
    )

    def __post_init__(self) -> None:
        if self.term_end <= self.term_start:
            msg = (
                f"contract {self.customer!r}: term_end {self.term_end} is not after term_start "
                f"{self.term_start}; expected a term of at least one day"
            )
            raise BillingError(msg)
        base = self.plan
        object.__setattr__(self, "base_plan", base)
        self._apply_terms(base)
        zone = self.zone  # the term in instants: midnight to midnight in the contract's zone
        start, end = day_start_us(self.term_start, zone), day_start_us(self.term_end, zone)
        object.__setattr__(self, "_term_us", (start, end))
        object.__setattr__(self, "_term_utc", (utc_or_none(start), utc_or_none(end)))

    def _apply_terms(self, base: Plan | FamilyPlan) -> None:
        if (
            self.calendar is None
            and self.timezone is None
            and not self.targets
            and self.policy_version is None
        ):
            return
        try:
            effective = base.with_terms(
                calendar=self.calendar,
                timezone=self.timezone,
                targets=self.targets,
                version=self.policy_version,
                label=f"{self.customer} hours",
            )
        except SlacalcError as exc:
            msg = f"contract {self.customer!r}: {exc}"
            raise type(exc)(msg) from None
        object.__setattr__(self, "plan", effective)

    @property
    def zone(self) -> tzinfo:
        """The zone the term's dates are read in: the customer's own, else its plan's support calendar's.

        That is *timezone* when given, else the zone of *calendar* (of its
        first calendar, for a mapping), else the zone of the plan's policy
        (:attr:`slacalc.Policy.timezone`; for a family plan, its latest
        version's).
        """
        if self.timezone is not None:
            return ZoneInfo(self.timezone)
        cal = self.calendar
        if isinstance(cal, Mapping):
            for one in cal.values():
                return one.tzinfo
        elif cal is not None:
            return cal.tzinfo
        policy = getattr(self.plan, "policy", None)
        if policy is None:
            policy = self.plan.family.latest  # type: ignore[union-attr]
        return ZoneInfo(policy.timezone)

    def covers(self, opened_at: datetime) -> bool:
        """Whether a ticket opened at the instant *opened_at* belongs to the term ``[term_start, term_end)``.

        The term runs from midnight of ``term_start`` to midnight of
        ``term_end`` in :attr:`zone`, so the same instant written with any
        offset falls in the same term.
        """
        if opened_at.tzinfo is None or opened_at.utcoffset() is None:
            field_name = "opened_at"
            raise NaiveDatetimeError.for_value(field_name, opened_at)
        try:
            t = opened_at.astimezone(UTC)
        except OverflowError:  # beyond the years 1 to 9999 in UTC: compare microseconds
            first, last = self._term_us
            return first <= (opened_at - EPOCH) // US < last
        start, end = self._term_utc  # None: a bound past the dates there are, never reached
        return (start is None or start <= t) and (end is None or t < end)

    def credits(
        self, tickets: Iterable[Ticket | Evaluation], now: datetime | None = None
    ) -> ContractCredits:
        """Collect the credit days of *tickets* (or of ready evaluations) opened in the term."""
        plan = self.plan
        rows: list[TicketCredit] = []
        for item in tickets:
            opened = item.opened_at
            if opened is None or not self.covers(opened):
                continue
            evaluation = item if isinstance(item, Evaluation) else plan.evaluate(item, now)
            by_metric = tuple(
                (o.metric, o.credit_days) for o in evaluation.outcomes.values() if o.credit_days
            )
            rows.append(
                TicketCredit(evaluation.ticket_id, opened, evaluation.credit_days, by_metric)
            )
        rows.sort(key=lambda r: (r.opened_at, r.ticket_id))
        return term_credits(self, sum(r.days for r in rows), tuple(rows))


def term_credits(
    contract: Contract, earned: int, tickets: tuple[TicketCredit, ...] = ()
) -> ContractCredits:
    """The credits of *contract* whose tickets in the term earned *earned* days in all.

    :meth:`Contract.credits` ends here; so does the command line, which sums
    the days without keeping a :class:`TicketCredit` per ticket (*tickets*
    is then empty). The per-term cap applies; days past the last date there
    is are a :class:`BillingError`.
    """
    plan = contract.plan
    name, policy = _terms(plan)
    cap = None if policy.credits is None else policy.credits.cap_days_per_term
    days = earned if cap is None else min(earned, cap)
    room = (date.max - contract.term_end).days
    if days > room:
        msg = (
            f"contract {contract.customer!r}: term_end {contract.term_end.isoformat()} extended by "
            f"{plural(days, 'credit day')} lies past {date.max.isoformat()}, the last date there is; "
            f"expected at most {plural(room, 'day')} (a per-term cap, credits.cap_days_per_term, "
            "bounds them; so does judging open tickets at an earlier now)"
        )
        raise BillingError(msg)
    return ContractCredits(
        customer=contract.customer,
        policy=name,
        plan=plan.name,
        term_start=contract.term_start,
        term_end=contract.term_end,
        earned_days=earned,
        days=days,
        capped=days < earned,
        extended_term_end=contract.term_end + timedelta(days=days),
        tickets=tickets,
    )


class ContractBook:
    """Contracts by customer: the one rule for which contract, and so which plan, judges a ticket.

    A ticket belongs to the first contract (in the order given) of its
    customer whose term covers its opening (:meth:`Contract.covers`); that
    contract's effective plan judges it, and a ticket without one gets the
    default plan. ``slacalc credits``, ``slacalc due`` and ``slacalc report``
    all match tickets to contracts through this.
    """

    __slots__ = ("_by_customer",)

    def __init__(self, contracts: Iterable[Contract] = ()) -> None:
        self._by_customer: dict[str, list[Contract]] = {}
        for contract in contracts:
            self._by_customer.setdefault(contract.customer, []).append(contract)

    def __bool__(self) -> bool:
        return bool(self._by_customer)

    @staticmethod
    def customer_key(value: object) -> str | None:
        """A ticket's customer cell as contracts name customers: stripped text (a whole number as its digits)."""
        if isinstance(value, str):
            return value.strip() or None
        if isinstance(value, int) and not isinstance(value, bool):
            return str(value)
        return None

    def of(self, customer: object) -> tuple[Contract, ...]:
        """The contracts of *customer*, in the order given."""
        key = self.customer_key(customer)
        return () if key is None else tuple(self._by_customer.get(key, ()))

    def find(self, customer: object, opened_at: datetime | None) -> Contract | None:
        """The contract of *customer* whose term covers *opened_at* (the first one given), or None."""
        if opened_at is None:
            return None
        for contract in self.of(customer):
            if contract.covers(opened_at):
                return contract
        return None

    def plan_for(
        self, customer: object, opened_at: datetime | None, default: Plan | FamilyPlan
    ) -> Plan | FamilyPlan:
        """The plan that judges a ticket of *customer* opened at *opened_at*: its contract's, else *default*."""
        contract = self.find(customer, opened_at)
        return default if contract is None else contract.plan


def _terms(plan: Plan | FamilyPlan) -> tuple[str, Policy]:
    """The name the plan's terms go by, and the version whose credit rule applies.

    A family plan goes by the family's name, and its latest version's per-term cap applies.
    """
    policy = getattr(plan, "policy", None)
    if policy is not None:
        return policy.name, policy
    family = plan.family  # type: ignore[union-attr]
    return family.name, family.latest
