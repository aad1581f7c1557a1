"""``slacalc credits`` on the column path: the credit days of a chunk of plain CSV rows.

``slacalc credits`` reads a large CSV file of tickets a block at a time
(:meth:`RecordFile.chunks`). For the plain rows of a chunk this module
computes, per contract, what :meth:`Contract.credits` takes from each
ticket's :class:`Evaluation`: whether it was opened in the term (its
opening instant within the term's instants, as :meth:`Contract.covers`
decides) and its credit days over all metrics within the per-ticket cap. Each metric of each policy version in play is judged by the
frame engine's array path (:func:`slacalc._analysis.arrays._evaluate_fast`)
on the contract's effective plan.

A row is *judged* only when every contract of its customer could judge
every metric of it on the arrays; any other row (not plain in the sense of
:func:`slacalc._analysis.chunked.plain_tickets`, a severity the policy does
not know, a metric that is not a classic one, a clock the arrays cannot
finish, no policy version in force) is left to the careful path, which
builds the :class:`Ticket` and calls ``Plan.evaluate`` as the command does
without this module, so its errors are the same by construction. A row of
a customer without a contract is judged as soon as it is plain: the command
never evaluates it, it only counts it.

This module is private; it needs NumPy (the ``pandas`` extra).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

import numpy as np
import numpy.typing as npt

from slacalc._analysis.arrays import STATUSES, _evaluate_fast, _Rows, _versions
from slacalc._analysis.chunked import Codes, chunk_codes, known_severities, plain_tickets
from slacalc._engine.calendar import EPOCH
from slacalc._typing import CLASSIC_METRICS

if TYPE_CHECKING:
    from slacalc._policies.model import FamilyPlan, Plan

__all__ = ["CreditChunk", "CreditTerms", "credit_chunk"]

I64 = npt.NDArray[np.int64]
Bools = npt.NDArray[np.bool_]

_US = timedelta(microseconds=1)
_INVALID = STATUSES.index("invalid")


@dataclass(frozen=True, slots=True)
class CreditTerms:
    """What the column path needs of one contract: whose tickets, which plan, which term."""

    key: str | None  # the customer whose tickets it takes (None: every ticket, the flags' contract)
    plan: Plan | FamilyPlan  # the contract's effective plan
    term_us: tuple[int, int]  # the term in instants: [first, last) µs (``Contract.covers``)


@dataclass(slots=True)
class CreditChunk:
    """The column path's reading of a chunk's plain rows.

    ``judged[i]``: row *i* is settled here (else it goes the careful way);
    ``keys[i]``: the customer it belongs to. For contract *j*,
    ``in_term[j][i]`` says whether row *i* counts in its term and
    ``days[j][i]`` gives its credit days; both are meaningful only on
    judged rows of the contract's customer.
    """

    judged: Bools
    keys: list[str | None]
    members: list[Bools]
    in_term: list[Bools]
    days: list[I64]


def credit_chunk(
    columns: Sequence[str],
    values: Sequence[Sequence[str]],
    contracts: Sequence[CreditTerms],
    keyed: bool,
    now: datetime,
    explicit_now: bool,
) -> CreditChunk:
    """Judge the plain rows of a chunk for every contract of their customer.

    *keyed*: tickets belong to the contract of their ``customer`` column
    (a contracts file); otherwise every ticket is the one contract's.
    """
    cols: Mapping[str, Sequence[str]] = dict(zip(columns, values, strict=True))
    n = len(cols["id"])
    now_us = (now - EPOCH) // _US
    plain = plain_tickets(cols, now_us, explicit_now)
    judged = plain.ok.copy()
    customer = cols.get("customer") if keyed else None
    keys: list[str | None] = (
        [None] * n if customer is None else [c.strip() or None for c in customer]
    )
    key_index: dict[str | None, int] = {}
    key_codes = np.fromiter(
        (key_index.setdefault(k, len(key_index)) for k in keys), dtype=np.int64, count=n
    )
    members: list[Bools] = []
    for terms in contracts:
        code = key_index.get(terms.key)
        members.append(key_codes == code if code is not None else np.zeros(n, dtype=np.bool_))
    in_term: list[Bools] = []
    days: list[I64] = []
    if not judged.any():
        return CreditChunk(judged, keys, members, in_term, days)

    codes = chunk_codes(cols)
    opened = cols["opened_at"]
    for terms, member in zip(contracts, members, strict=True):
        mine = judged & member
        total = np.zeros(n, dtype=np.int64)
        if mine.any():
            slow = ~mine
            _credit_days(terms.plan, mine, slow, opened, codes, plain.opened, plain.responded,
                         now_us, total)  # fmt: skip
            judged &= ~(mine & slow)
        lo, hi = terms.term_us
        in_term.append(plain.opened_ok & (plain.opened >= lo) & (plain.opened < hi))
        days.append(total)
    return CreditChunk(judged, keys, members, in_term, days)


def _credit_days(
    plan: Plan | FamilyPlan,
    mine: Bools,
    slow: Bools,
    opened: Sequence[str],
    codes: Codes,
    o_us: I64,
    r_us: I64,
    now_us: int,
    total: I64,
) -> None:
    """Fill *total* with ``Evaluation.credit_days`` of the rows of *mine*; mark in *slow* the rest."""
    bad: list[tuple[int, str | None, object, str]] = []
    versions = _versions(plan, o_us, mine.copy(), bad, "opened_at", opened)
    for pos, *_ in bad:
        slow[pos] = True
    plans = versions.plans  # under the contract's terms (``FamilyPlan.at``)
    n = len(mine)
    for v, plan_v in enumerate(plans):
        in_v = ~slow & (versions.of_row == v)
        if not in_v.any():
            continue
        policy = plan_v.policy
        metrics = [metric for metric, _ in plan_v._clocks]
        if any(metric not in CLASSIC_METRICS for metric in metrics):
            slow |= in_v  # a repeating or total clock: the careful path judges it
            continue
        canonical = known_severities(policy, codes, in_v, slow)
        in_v &= ~slow
        earned = np.zeros(n, dtype=np.int64)
        for metric in metrics:
            judged = _Rows(n)
            _evaluate_fast(judged, plan_v, policy, metric, in_v & ~slow, codes.severity,
                           canonical, codes.channel, codes.channel_values, o_us, r_us, now_us,
                           slow)  # fmt: skip
            slow |= in_v & (judged.status == _INVALID)
            earned += np.where(in_v & ~slow, judged.credits, 0)
        cap = None if policy.credits is None else policy.credits.cap_days_per_ticket
        if cap is not None:
            earned = np.minimum(earned, cap)
        done = in_v & ~slow
        total[done] = earned[done]
