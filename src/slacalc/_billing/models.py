"""Policy-file sections for money: plan prices and the escalation quota (pydantic, frozen, strict).

These are the shapes written in policy TOML/JSON files; ``_billing`` and
``_quota`` compute with them.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

__all__ = [
    "MAX_EXPONENT",
    "MONEY_LIMIT",
    "MONEY_PLACES",
    "NUMBER_DIGITS",
    "EscalationPackModel",
    "EscalationsModel",
    "PriceModel",
]

#: Every amount billing computes with is less than 10**MAX_EXPONENT in magnitude.
MAX_EXPONENT = 15
#: 10^15 (a thousand trillion): far above any real price, far below what exact arithmetic strains at.
MONEY_LIMIT = 10**MAX_EXPONENT
#: Decimal places a money amount may have (a price per unit rarely needs more than 6).
MONEY_PLACES = 12
#: Significant digits of any exact number (Decimal's default context precision).
NUMBER_DIGITS = 28


def _money(description: str, *, default: Any = None) -> Any:
    """A money field: >= 0, below 10^15, at most 12 decimal places (bounds shown in the JSON Schema)."""
    return Field(
        default=default,
        ge=0,
        lt=MONEY_LIMIT,
        max_digits=NUMBER_DIGITS,
        decimal_places=MONEY_PLACES,
        description=description,
    )


class _Strict(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class PriceModel(_Strict):
    """``[plans.<name>.price]``: what a plan costs per period (amounts as strings, read as Decimal)."""

    amount: Decimal | None = _money("Flat price per period.")
    currencies: tuple[str, ...] = Field(
        default=("CHF",), description="ISO codes; the same number applies in each ('EUR/CHF/USD')."
    )
    period: Literal["month", "year"] = Field(default="month", description="Billing period.")
    share_of_consumption: Decimal | None = Field(
        default=None,
        ge=0,
        le=1,
        max_digits=NUMBER_DIGITS,
        decimal_places=NUMBER_DIGITS,
        description="Fraction of the period's consumption, from 0 to 1: 0.05 for 5 %.",
    )
    minimum: Decimal | None = _money("Minimum charge per period.")
    included: bool = Field(default=False, description="Included at no separate charge.")
    on_request: bool = Field(default=False, description="Priced per agreement ('contact sales').")
    vat: Literal["excluded", "included", "unspecified"] = Field(
        default="unspecified", description="Whether prices include VAT."
    )
    note: str = Field(default="", description="Source wording or interpretation.")


class EscalationPackModel(_Strict):
    """One add-on pack of escalations."""

    name: str
    units: int = Field(gt=0, le=1_000_000)
    price: Decimal = _money("Price of the pack.", default=...)
    currency: str = "CHF"
    valid_months: int = Field(default=12, gt=0, le=1200)


class EscalationsModel(_Strict):
    """``[escalations]``: a per-customer quota of escalations (ProAuth)."""

    included_per_year: dict[str, int | Literal["per agreement"]] = Field(
        description="Included escalations per contract year, by plan name."
    )
    hours_per_unit: Decimal = Field(
        default=Decimal(5),
        gt=0,
        le=10_000,
        max_digits=NUMBER_DIGITS,
        decimal_places=MONEY_PLACES,
        description="Engineering hours one escalation covers (more than 0, at most 10,000).",
    )
    consulting_rate: Decimal | None = _money("Hourly consulting rate beyond one unit.")
    currency: str = "CHF"
    packs: tuple[EscalationPackModel, ...] = ()
    exempt_kinds: tuple[str, ...] = Field(
        default=("product_defect", "security"), description="Case kinds that consume nothing."
    )
    clarification_under: str = Field(
        default="15 minutes",
        description="Clarifications resolved in less than this consume nothing.",
    )
    touchpoint_units: int = Field(
        default=1,
        ge=0,
        le=1_000_000,
        description="Units a touchpoint with technical work consumes.",
    )
    note: str = ""
