"""Money: plan prices, proration, and the escalation ledger (see ``docs/billing.md``).

>>> from decimal import Decimal
>>> from slacalc import load_policy
>>> enterprise = load_policy("exoscale").plan("enterprise")
>>> enterprise.price("month", consumption=Decimal("10000")).amount  # the 2,500 minimum applies
Decimal('2500.00')
"""

from __future__ import annotations

from slacalc._billing.ledger import (
    KNOWN_KINDS,
    Balance,
    Case,
    CaseStatus,
    CaseUsage,
    Draw,
    Expiry,
    Ledger,
    Lot,
    LotBalance,
    LotSource,
    LotState,
    Purchase,
)
from slacalc._billing.models import EscalationPackModel, EscalationsModel, PriceModel
from slacalc._billing.prices import (
    Period,
    PriceQuote,
    ProratedQuote,
    parse_money,
    plan_price,
    price,
    prorate,
)

__all__ = [
    "KNOWN_KINDS",
    "Balance",
    "Case",
    "CaseStatus",
    "CaseUsage",
    "Draw",
    "EscalationPackModel",
    "EscalationsModel",
    "Expiry",
    "Ledger",
    "Lot",
    "LotBalance",
    "LotSource",
    "LotState",
    "Period",
    "PriceModel",
    "PriceQuote",
    "ProratedQuote",
    "Purchase",
    "parse_money",
    "plan_price",
    "price",
    "prorate",
]
