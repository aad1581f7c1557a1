"""The escalation ledger: a customer's escalation units, what each case consumed, what lapsed.

ProAuth (SPEC §2.4) sells support with a quota of *escalations*: a number
included per contract year by plan, expiring unused at the end of that
year, plus packs (S, M, L) valid 12 months from purchase. A :class:`Ledger`
is rebuilt from its inputs (the policy's ``[escalations]`` section, the
plan, the contract start, purchases and cases) and answers: the balance on
a date, what each case consumed from which lot, what expires when, and
which cases were not (fully) covered and what their consulting costs.

The rules, each written down in ``docs/billing.md``:

* Every validity span is half-open ``[valid_from, expires_on)``: units can
  be used on ``expires_on - 1 day`` and not on ``expires_on``. Contract year
  *n* runs from ``contract_start + 12 n months``; a pack bought on *d* expires
  on ``d + 12 months`` (a day that does not exist in the target month clamps to
  the month's last day: 2024-02-29 + 12 months = 2025-02-28).
* Events on one day: purchases first, then cases in order of their id. Input
  order never matters.
* A case needs one unit per started 5 engineering hours (at least one: one
  case is one escalation). With ``consulting=True`` it needs one unit and the
  hours beyond 5 are consulting at the policy's rate.
* Exempt: the policy's ``exempt_kinds`` (``product_defect`` = a confirmed
  product defect, ``security``), a ``clarification`` with less than 15
  minutes of engineering time, a ``touchpoint`` with no engineering hours
  (no technical work). A touchpoint with technical work needs
  ``touchpoint_units`` for its first 5 hours, like a case otherwise.
* Units are drawn earliest expiry first (ties: included before packs, then
  the earlier lot). Blocks of 5 hours are covered in order while units are
  left; the hours of the blocks that could not be covered are *uncovered*
  and priced at the consulting rate.

>>> from decimal import Decimal
>>> from datetime import date
>>> from slacalc._billing.models import EscalationPackModel, EscalationsModel
>>> quota = EscalationsModel(
...     included_per_year={"enterprise-standard": 4},
...     consulting_rate=Decimal("240"),
...     packs=(EscalationPackModel(name="M", units=3, price=Decimal("1900")),),
... )
>>> ledger = Ledger(
...     quota, "enterprise-standard", date(2026, 1, 1),
...     cases=[Case("c1", date(2026, 9, 1), Decimal("12"), "integration")],
... )
>>> ledger.case("c1").units_consumed  # ceil(12 / 5) = 3
3
>>> ledger.balance(date(2026, 12, 31)).units  # 4 - 3
1
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from fractions import Fraction
from typing import Literal

from dateutil.relativedelta import relativedelta

from slacalc._billing.models import EscalationPackModel, EscalationsModel
from slacalc._billing.prices import (
    check_date,
    check_decimal,
    exact_decimal,
    round_money,
)
from slacalc._engine.durations import Duration, parse_duration
from slacalc._engine.words import plural
from slacalc.exceptions import BillingError, DurationError

__all__ = [
    "KNOWN_KINDS",
    "Balance",
    "Case",
    "CaseStatus",
    "CaseUsage",
    "Draw",
    "Expiry",
    "Ledger",
    "Lot",
    "LotBalance",
    "LotSource",
    "LotState",
    "Purchase",
]

KNOWN_KINDS: tuple[str, ...] = (
    "clarification",
    "configuration",
    "deployment",
    "integration",
    "migration",
    "operations",
    "product_defect",
    "security",
    "touchpoint",
    "upgrade",
)
"""Case kinds the ledger knows (a policy's ``exempt_kinds`` are accepted too)."""

CaseStatus = Literal["exempt", "covered", "partial", "uncovered"]
LotSource = Literal["included", "pack"]
_SOURCE_RANK = {"included": 0, "pack": 1}
_ZERO = Decimal("0.00")


# -- inputs --------------------------------------------------------------------------------


def _months_later(day: date, months: int) -> date:
    """*day* plus *months* calendar months, by ``dateutil``'s ``relativedelta``.

    A day the target month lacks becomes its last day (2024-02-29 + 12
    months = 2025-02-28, 2026-01-31 + 1 month = 2026-02-28). A date past
    9999-12-31 does not exist: the result is capped there.
    """
    try:
        later: date = day + relativedelta(months=months)
    except (ValueError, OverflowError):
        return date.max
    return later


def _year_start(start: date, n: int) -> date:
    """First day of contract year *n* (0-based): *start* plus *n* years, capped at 9999-12-31.

    ``relativedelta(years=n)`` moves 29 February to 28 February in a
    common year, as twelve months do.
    """
    try:
        begin: date = start + relativedelta(years=n)
    except (ValueError, OverflowError):
        return date.max
    return begin


def _normalize_kind(kind: str) -> str:
    return "_".join(kind.strip().lower().replace("-", " ").split())


def _check_id(value: object, field: str) -> str:
    if not isinstance(value, str):
        msg = f"{field} must be a string; got {type(value).__name__} {value!r}"
        raise BillingError(msg)
    return value.strip()


@dataclass(frozen=True, slots=True)
class Purchase:
    """An escalation pack bought on a date.

    *pack* names one of the policy's packs (``"M"``, ``"Pack M"`` and
    ``"pack-m"`` are the same). *id* is optional; the ledger names unnamed
    purchases ``2026-06-15:M#1`` (numbered among identical purchases).
    """

    purchased_on: date
    pack: str
    id: str = ""

    def __post_init__(self) -> None:
        check_date(self.purchased_on, "purchased_on")
        pack = _check_id(self.pack, "pack")
        if not pack:
            msg = "pack must name a pack; got an empty string"
            raise BillingError(msg)
        object.__setattr__(self, "pack", pack)
        object.__setattr__(self, "id", _check_id(self.id, "id"))


@dataclass(frozen=True, slots=True)
class Case:
    """A support case: when it was opened, its engineering hours and its kind.

    *hours* is exact (``Decimal`` or ``int``; a float is refused). *kind* is
    one of :data:`KNOWN_KINDS` or a policy's exempt kind, written in any case
    with ``-``, ``_`` or spaces (``"Product defect"`` is ``product_defect``).
    """

    id: str
    opened_on: date
    hours: Decimal
    kind: str

    def __post_init__(self) -> None:
        case_id = _check_id(self.id, "id")
        if not case_id:
            msg = "id: a case needs an id; got an empty string"
            raise BillingError(msg)
        object.__setattr__(self, "id", case_id)
        check_date(self.opened_on, f"case {case_id!r}: opened_on")
        hours = check_decimal(self.hours, f"case {case_id!r}: hours", what="hours")
        object.__setattr__(self, "hours", hours)
        kind = _check_id(self.kind, f"case {case_id!r}: kind")
        object.__setattr__(self, "kind", _normalize_kind(kind))


# -- results -------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Lot:
    """A batch of units with one validity: a contract year's included units or one pack."""

    id: str
    """``included:2026-01-01`` (contract year start) or ``pack:<purchase id>``."""
    source: LotSource
    """``included`` or ``pack``."""
    units: int
    """Units granted."""
    valid_from: date
    """First day the units can be used."""
    expires_on: date
    """First day the units can no longer be used."""
    pack: str | None = None
    """The pack's name, for packs."""
    price: Decimal | None = None
    """What the pack cost, for packs."""
    currency: str | None = None
    """Currency of *price*."""


@dataclass(frozen=True, slots=True)
class Draw:
    """Units a case took from one lot."""

    lot: str
    """The lot's id."""
    units: int
    """Units taken."""
    source: LotSource
    """``included`` or ``pack``."""
    expires_on: date
    """When the lot expires."""


@dataclass(frozen=True, slots=True)
class CaseUsage:
    """What one case consumed, and what it left uncovered.

    ``units_required == units_consumed + uncovered_units``; the case's hours
    split into ``covered_hours + consulting_hours + uncovered_hours``.
    """

    case: Case
    """The case as recorded."""
    status: CaseStatus
    """``exempt``, ``covered``, ``partial`` (some units missing) or ``uncovered`` (none drawn)."""
    reason: str
    """Why the case consumed what it did, in words."""
    units_required: int
    """Units the case needs."""
    draws: tuple[Draw, ...]
    """Units drawn, lot by lot, earliest expiry first."""
    uncovered_units: int
    """Units that were needed but not available."""
    covered_hours: Decimal
    """Hours covered by the units drawn."""
    consulting_hours: Decimal
    """Hours beyond the first unit billed as consulting (the ``consulting`` option)."""
    uncovered_hours: Decimal
    """Hours of the blocks no unit was left for."""
    consulting_cost: Decimal | None
    """``(consulting_hours + uncovered_hours) × rate``, rounded to cents; None without a rate."""
    currency: str
    """Currency of *consulting_cost*."""

    @property
    def id(self) -> str:
        """The case's id."""
        return self.case.id

    @property
    def units_consumed(self) -> int:
        """Units drawn from all lots."""
        return sum(d.units for d in self.draws)


LotState = Literal["valid", "expired", "future"]


@dataclass(frozen=True, slots=True)
class LotBalance:
    """One lot seen on one date: units granted, used by then, usable, lapsed."""

    lot: Lot
    state: LotState
    """``valid`` on the date, ``expired`` before or on it, or ``future`` (not valid yet)."""
    used: int
    """Units drawn by cases opened on or before the date."""
    remaining: int
    """Units usable on the date (0 unless ``valid``)."""
    lapsed: int
    """Units that expired unused (0 unless ``expired``)."""


@dataclass(frozen=True, slots=True)
class Balance:
    """Units usable on a date, after the cases of that date, lot by lot (earliest expiry first)."""

    on: date
    units: int
    """Total usable units."""
    lots: tuple[LotBalance, ...]
    """The lots valid on *on* (state ``valid``), including ones used up."""


@dataclass(frozen=True, slots=True)
class Expiry:
    """A lot's expiry: on ``expires_on``, ``unused`` units lapse."""

    lot: Lot
    expires_on: date
    used: int
    unused: int


# -- the ledger ----------------------------------------------------------------------------


def _pack_key(name: str) -> str:
    key = name.strip().lower()
    key = key.removeprefix("pack")
    return key.strip(" -_")


def find_pack(model: EscalationsModel, name: str) -> EscalationPackModel:
    wanted = _pack_key(name)
    for pack in model.packs:
        if _pack_key(pack.name) == wanted:
            return pack
    valid = ", ".join(p.name for p in model.packs) or "none (the policy sells no packs)"
    msg = f"pack: unknown escalation pack {name!r}; expected one of {valid}"
    raise BillingError(msg)


def _valid_kinds(model: EscalationsModel) -> tuple[str, ...]:
    return tuple(sorted({*KNOWN_KINDS, *(_normalize_kind(k) for k in model.exempt_kinds)}))


def check_kind(model: EscalationsModel, case: Case) -> None:
    valid = _valid_kinds(model)
    if case.kind not in valid:
        msg = f"case {case.id!r}: unknown kind {case.kind!r}; expected one of {', '.join(valid)}"
        raise BillingError(msg)


def _included_units(model: EscalationsModel, plan: str, override: int | None) -> int:
    table = {k.strip().lower(): v for k, v in model.included_per_year.items()}
    key = plan.strip().lower()
    if key not in table:
        msg = (
            f"plan: no escalation quota for plan {plan!r}; expected one of "
            f"{', '.join(model.included_per_year)}"
        )
        raise BillingError(msg)
    if override is not None:
        if isinstance(override, bool) or not isinstance(override, int) or override < 0:
            msg = f"included_per_year must be a whole number >= 0; got {override!r}"
            raise BillingError(msg)
        return override
    value = table[key]
    if not isinstance(value, int):
        msg = (
            f"included_per_year: plan {plan!r} includes escalations {value!r}; "
            "pass the agreed number as included_per_year=..."
        )
        raise BillingError(msg)
    return value


def _hours_of(duration_text: str) -> Fraction:
    try:
        parsed = parse_duration(duration_text, "clarification_under")
    except DurationError as exc:
        raise BillingError(str(exc)) from None
    if not isinstance(parsed, Duration) or parsed.business_days:
        msg = f"clarification_under: expected a fixed duration such as '15 minutes'; got {duration_text!r}"
        raise BillingError(msg)
    return Fraction(parsed.fixed // timedelta(microseconds=1), 3_600_000_000)


@dataclass(slots=True)
class _State:
    lot: Lot
    remaining: int
    draws: list[tuple[date, int]] = field(default_factory=list)


class Ledger:
    """A customer's escalation ledger, rebuilt from its inputs.

    *escalations* is the policy's ``[escalations]`` section, *plan* a key of
    its ``included_per_year`` (``enterprise-managed`` says "per agreement":
    pass *included_per_year*). Included units start each contract year on
    the anniversary of *contract_start* and stop at *contract_end*
    (exclusive; the last year is cut short and its units expire then).
    *purchases* and *cases* may come in any order. With *consulting*, a
    case takes one unit and its hours beyond ``hours_per_unit`` are billed
    as consulting instead of taking more units.
    """

    __slots__ = (
        "_cases",
        "_consulting",
        "_contract_end",
        "_contract_start",
        "_included",
        "_last",
        "_lots",
        "_model",
        "_plan",
        "_purchases",
        "_threshold",
        "_usage",
        "_used",
    )

    def __init__(
        self,
        escalations: EscalationsModel,
        plan: str,
        contract_start: date,
        purchases: Iterable[Purchase] = (),
        cases: Iterable[Case] = (),
        *,
        consulting: bool = False,
        included_per_year: int | None = None,
        contract_end: date | None = None,
    ) -> None:
        if not isinstance(escalations, EscalationsModel):
            msg = f"escalations must be an EscalationsModel; got {type(escalations).__name__}"
            raise BillingError(msg)
        self._model = escalations
        self._plan = _check_id(plan, "plan")
        self._contract_start = check_date(contract_start, "contract_start")
        self._contract_end = (
            None if contract_end is None else check_date(contract_end, "contract_end")
        )
        if self._contract_end is not None and self._contract_end <= self._contract_start:
            msg = (
                f"contract_end: {self._contract_end.isoformat()} must be after contract_start "
                f"{self._contract_start.isoformat()}"
            )
            raise BillingError(msg)
        self._included = _included_units(escalations, self._plan, included_per_year)
        self._consulting = bool(consulting)
        if self._consulting and escalations.consulting_rate is None:
            msg = "consulting: the policy sets no consulting_rate, so hours cannot be billed as consulting"
            raise BillingError(msg)
        if escalations.hours_per_unit <= 0:
            msg = f"hours_per_unit must be positive; got {escalations.hours_per_unit!r}"
            raise BillingError(msg)
        self._threshold = _hours_of(escalations.clarification_under)
        self._purchases = self._name_purchases(purchases)
        self._cases = self._sort_cases(cases)
        last = max(
            [self._contract_start]
            + [p.purchased_on for p in self._purchases]
            + [c.opened_on for c in self._cases]
        )
        self._last = last
        lots: list[Lot] = list(self._included_lots_through(last))
        for purchase in self._purchases:
            pack = find_pack(escalations, purchase.pack)
            lots.append(
                Lot(
                    id=f"pack:{purchase.id}",
                    source="pack",
                    units=pack.units,
                    valid_from=purchase.purchased_on,
                    expires_on=_months_later(purchase.purchased_on, pack.valid_months),
                    pack=pack.name,
                    price=pack.price,
                    currency=pack.currency,
                )
            )
        lots.sort(key=_lot_order)
        self._lots = tuple(lots)
        states = {lot.id: _State(lot, lot.units) for lot in self._lots}
        self._usage = tuple(self._consume(case, states) for case in self._cases)
        self._used = {lot_id: tuple(state.draws) for lot_id, state in states.items()}

    # -- construction helpers

    @classmethod
    def for_policy(
        cls,
        policy: object,
        plan: object,
        contract_start: date,
        purchases: Iterable[Purchase] = (),
        cases: Iterable[Case] = (),
        *,
        consulting: bool = False,
        included_per_year: int | None = None,
        contract_end: date | None = None,
    ) -> Ledger:
        """A ledger on a loaded policy's ``escalations`` section; *plan* is a name or a Plan."""
        model = getattr(policy, "escalations", None)
        if not isinstance(model, EscalationsModel):
            name = getattr(policy, "name", policy)
            msg = f"policy {name!r} has no escalation quota"
            raise BillingError(msg)
        plan_name = plan if isinstance(plan, str) else getattr(plan, "name", plan)
        return cls(
            model,
            _check_id(plan_name, "plan"),
            contract_start,
            purchases,
            cases,
            consulting=consulting,
            included_per_year=included_per_year,
            contract_end=contract_end,
        )

    def _name_purchases(self, purchases: Iterable[Purchase]) -> tuple[Purchase, ...]:
        canonical: list[Purchase] = []
        for purchase in purchases:
            if not isinstance(purchase, Purchase):
                msg = f"purchases must hold Purchase objects; got {type(purchase).__name__}"
                raise BillingError(msg)
            pack = find_pack(self._model, purchase.pack)
            canonical.append(Purchase(purchase.purchased_on, pack.name, purchase.id))
        canonical.sort(key=lambda p: (p.purchased_on, p.pack, p.id))
        counters: dict[tuple[date, str], int] = {}
        named: list[Purchase] = []
        for purchase in canonical:
            if purchase.id:
                named.append(purchase)
                continue
            slot = (purchase.purchased_on, purchase.pack)
            counters[slot] = counters.get(slot, 0) + 1
            auto = f"{purchase.purchased_on.isoformat()}:{purchase.pack}#{counters[slot]}"
            named.append(Purchase(purchase.purchased_on, purchase.pack, auto))
        seen: set[str] = set()
        for purchase in named:
            if purchase.id in seen:
                msg = f"purchase id {purchase.id!r} appears more than once"
                raise BillingError(msg)
            seen.add(purchase.id)
        named.sort(key=lambda p: (p.purchased_on, p.pack, p.id))
        return tuple(named)

    def _sort_cases(self, cases: Iterable[Case]) -> tuple[Case, ...]:
        result: list[Case] = []
        seen: set[str] = set()
        for case in cases:
            if not isinstance(case, Case):
                msg = f"cases must hold Case objects; got {type(case).__name__}"
                raise BillingError(msg)
            check_kind(self._model, case)
            result.append(case)
        result.sort(key=lambda c: (c.opened_on, c.id))
        for case in result:
            if case.id in seen:
                msg = f"case id {case.id!r} appears more than once"
                raise BillingError(msg)
            seen.add(case.id)
        return tuple(result)

    def _year_index(self, day: date) -> int | None:
        start = self._contract_start
        if day < start or (self._contract_end is not None and day >= self._contract_end):
            return None
        n = max(0, (day.year - start.year) - 1)
        while True:
            following = _year_start(start, n + 1)
            if following > day:
                return n
            n += 1
            if following == date.max:  # no later contract year can begin
                return n

    def _included_lot(self, index: int) -> Lot | None:
        begin = _year_start(self._contract_start, index)
        end = _year_start(self._contract_start, index + 1)
        if self._contract_end is not None:
            if begin >= self._contract_end:
                return None
            end = min(end, self._contract_end)
        if self._included == 0 or begin >= end:
            return None
        return Lot(
            id=f"included:{begin.isoformat()}",
            source="included",
            units=self._included,
            valid_from=begin,
            expires_on=end,
        )

    def _included_lots_through(self, day: date) -> Iterator[Lot]:
        if day < self._contract_start:
            return
        if self._contract_end is not None:
            day = min(day, self._contract_end - timedelta(days=1))
        last = self._year_index(day)
        for n in range(0 if last is None else last + 1):
            lot = self._included_lot(n)
            if lot is not None:
                yield lot

    # -- consumption

    def _requirement(self, case: Case) -> tuple[int, int, str] | str:
        """(units for the first block, number of blocks, reason) or the exemption reason."""
        model = self._model
        hours = Fraction(case.hours)
        exempt = {_normalize_kind(k) for k in model.exempt_kinds}
        if case.kind in exempt:
            names = {"product_defect": "confirmed product defect", "security": "security issue"}
            return f"{names.get(case.kind, case.kind)}: consumes nothing"
        if case.kind == "clarification" and hours < self._threshold:
            return f"clarification resolved in under {model.clarification_under}: consumes nothing"
        if case.kind == "touchpoint" and hours == 0:
            return "touchpoint without technical work (no engineering hours): consumes nothing"
        per = Fraction(model.hours_per_unit)
        first = model.touchpoint_units if case.kind == "touchpoint" else 1
        what = "touchpoint with technical work" if case.kind == "touchpoint" else "case"
        if self._consulting:
            extra = max(Fraction(0), hours - per)
            reason = f"{what}: 1 block of up to {model.hours_per_unit} h"
            if extra:
                reason += f", {exact_decimal(extra)} h beyond it as consulting"
            return first, 1, reason
        blocks = max(1, math.ceil(hours / per))
        reason = f"{what}: {case.hours} h = {plural(blocks, 'started block')} of {model.hours_per_unit} h"
        return first, blocks, reason

    def _consume(self, case: Case, states: dict[str, _State]) -> CaseUsage:
        model = self._model
        rate = model.consulting_rate
        requirement = self._requirement(case)
        zero_hours = Decimal(0)
        if isinstance(requirement, str):
            return CaseUsage(
                case=case,
                status="exempt",
                reason=requirement,
                units_required=0,
                draws=(),
                uncovered_units=0,
                covered_hours=zero_hours,
                consulting_hours=zero_hours,
                uncovered_hours=zero_hours,
                consulting_cost=_ZERO,
                currency=model.currency,
            )
        first, blocks, reason = requirement
        required = first + (blocks - 1)  # the first block costs `first` units, each other one 1
        day = case.opened_on
        available = sorted(
            (
                s
                for s in states.values()
                if s.lot.valid_from <= day < s.lot.expires_on and s.remaining > 0
            ),
            key=lambda s: _lot_order(s.lot),
        )
        left = sum(s.remaining for s in available)
        taken: dict[str, int] = {}
        # Blocks are covered in order while units are left: the first block (if its
        # `first` units are there), then one unit per further block. Counted, not
        # looped, so a case of many blocks costs no more than one of a few.
        covered_blocks = 0
        if first <= left:
            covered_blocks = 1 + min(blocks - 1, left - first)
        need = 0 if not covered_blocks else first + covered_blocks - 1
        for state in available:  # earliest expiry first, as each block would draw them
            if not need:
                break
            take = min(need, state.remaining)
            if take:
                state.remaining -= take
                need -= take
                taken[state.lot.id] = take
        draws = tuple(
            Draw(
                lot=s.lot.id,
                units=taken[s.lot.id],
                source=s.lot.source,
                expires_on=s.lot.expires_on,
            )
            for s in available
            if s.lot.id in taken
        )
        for d in draws:
            states[d.lot].draws.append((day, d.units))
        consumed = sum(d.units for d in draws)
        hours = Fraction(case.hours)
        per = Fraction(model.hours_per_unit)
        consulting = max(Fraction(0), hours - per) if self._consulting else Fraction(0)
        covered = min(hours - consulting, covered_blocks * per)
        uncovered = hours - consulting - covered
        charge = consulting + uncovered
        if rate is None:
            cost: Decimal | None = _ZERO if charge == 0 else None
        else:
            cost = round_money(charge * Fraction(rate))
        if consumed == required:
            status: CaseStatus = "covered"
        elif covered_blocks:
            status = "partial"
            reason += f"; {plural(required - consumed, 'unit')} missing: {exact_decimal(uncovered)} h uncovered"
        else:
            status = "uncovered"
            reason += f"; no unit left: {exact_decimal(uncovered)} h uncovered"
        return CaseUsage(
            case=case,
            status=status,
            reason=reason,
            units_required=required,
            draws=draws,
            uncovered_units=required - consumed,
            covered_hours=exact_decimal(covered),
            consulting_hours=exact_decimal(consulting),
            uncovered_hours=exact_decimal(uncovered),
            consulting_cost=cost,
            currency=model.currency,
        )

    # -- queries

    @property
    def plan(self) -> str:
        """The plan the included units come from."""
        return self._plan

    @property
    def contract_start(self) -> date:
        """First day of the first contract year."""
        return self._contract_start

    @property
    def contract_end(self) -> date | None:
        """First day after the contract (None: open-ended)."""
        return self._contract_end

    @property
    def consulting(self) -> bool:
        """Whether hours beyond one unit are billed as consulting."""
        return self._consulting

    @property
    def included_per_year(self) -> int:
        """Units included per contract year."""
        return self._included

    @property
    def last_date(self) -> date:
        """The latest date among the contract start, the purchases and the cases."""
        return self._last

    @property
    def escalations(self) -> EscalationsModel:
        """The policy section the ledger applies."""
        return self._model

    @property
    def purchases(self) -> tuple[Purchase, ...]:
        """The purchases in ledger order, each with its (possibly generated) id."""
        return self._purchases

    @property
    def cases(self) -> tuple[CaseUsage, ...]:
        """Every case's consumption, in ledger order (date, then id)."""
        return self._usage

    @property
    def lots(self) -> tuple[Lot, ...]:
        """Packs and the included lots of every contract year up to the latest input."""
        return self._lots

    @property
    def consulting_total(self) -> Decimal:
        """Sum of the cases' consulting costs (cases without a rate count nothing)."""
        return sum((u.consulting_cost for u in self._usage if u.consulting_cost is not None), _ZERO)

    def case(self, case_id: str) -> CaseUsage:
        """What the case *case_id* consumed."""
        for usage in self._usage:
            if usage.case.id == case_id:
                return usage
        msg = f"case: no case {case_id!r} in the ledger"
        raise BillingError(msg)

    def uncovered(self) -> tuple[CaseUsage, ...]:
        """Cases that needed more units than were left (``partial`` or ``uncovered``)."""
        return tuple(u for u in self._usage if u.uncovered_units)

    def _lots_through(self, day: date) -> tuple[Lot, ...]:
        known = {lot.id for lot in self._lots}
        extra = [lot for lot in self._included_lots_through(day) if lot.id not in known]
        return tuple(sorted((*self._lots, *extra), key=_lot_order))

    def _used_by(self, lot: Lot, day: date | None) -> int:
        draws = self._used.get(lot.id, ())
        return sum(units for when, units in draws if day is None or when <= day)

    def lots_on(self, on: date) -> tuple[LotBalance, ...]:
        """Every lot (packs, and included lots through *on*'s contract year) as seen on *on*."""
        on = check_date(on, "on")
        rows = []
        for lot in self._lots_through(on):
            used = self._used_by(lot, on)
            state: LotState
            if on < lot.valid_from:
                state = "future"
            elif on >= lot.expires_on:
                state = "expired"
            else:
                state = "valid"
            rows.append(
                LotBalance(
                    lot=lot,
                    state=state,
                    used=used,
                    remaining=lot.units - used if state == "valid" else 0,
                    lapsed=lot.units - used if state == "expired" else 0,
                )
            )
        return tuple(rows)

    def balance(self, on: date) -> Balance:
        """Units usable on *on*, after every case opened on or before *on*.

        Lots that expire on *on* are gone; lots bought on *on* are counted.
        """
        rows = tuple(row for row in self.lots_on(on) if row.state == "valid")
        return Balance(on=on, units=sum(r.remaining for r in rows), lots=rows)

    def expiries(self, until: date | None = None) -> tuple[Expiry, ...]:
        """Every lot's expiry with the units that lapse unused, earliest first.

        With *until*, only lots that expire on or before it (including the
        included units of contract years after the last input); without,
        every lot the inputs touch, including ones expiring in the future.
        """
        if until is not None:
            until = check_date(until, "until")
        lots = self._lots if until is None else self._lots_through(until)
        result = []
        for lot in lots:
            if until is not None and lot.expires_on > until:
                continue
            used = self._used_by(lot, None)
            result.append(
                Expiry(lot=lot, expires_on=lot.expires_on, used=used, unused=lot.units - used)
            )
        result.sort(key=lambda e: _lot_order(e.lot))
        return tuple(result)

    def _key(self) -> tuple[object, ...]:
        return (
            self._model,
            self._plan,
            self._contract_start,
            self._contract_end,
            self._consulting,
            self._included,
            self._purchases,
            self._lots,
            self._usage,
        )

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Ledger):
            return NotImplemented
        return self._key() == other._key()

    __hash__ = None  # type: ignore[assignment]  # equal by content, and not meant as a dict key

    def __repr__(self) -> str:
        return (
            f"Ledger(plan={self._plan!r}, contract_start={self._contract_start.isoformat()}, "
            f"purchases={len(self._purchases)}, cases={len(self._usage)}, consulting={self._consulting})"
        )


def _lot_order(lot: Lot) -> tuple[date, int, date, str]:
    return (lot.expires_on, _SOURCE_RANK[lot.source], lot.valid_from, lot.id)
