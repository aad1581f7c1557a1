"""Policy-file sections for money: plan prices and the escalation quota (pydantic, frozen, strict).

These are the shapes written in policy TOML/JSON files; ``_billing`` and
``_quota`` compute with them.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

__all__ = ["EscalationPackModel", "EscalationsModel", "PriceModel"]


class _Strict(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class PriceModel(_Strict):
    """``[plans.<name>.price]``: what a plan costs per period (amounts as strings, read as Decimal)."""

    amount: Decimal | None = Field(default=None, description="Flat price per period.")
    currencies: tuple[str, ...] = Field(
        default=("CHF",), description="ISO codes; the same number applies in each ('EUR/CHF/USD')."
    )
    period: Literal["month", "year"] = Field(default="month", description="Billing period.")
    share_of_consumption: Decimal | None = Field(
        default=None, description="Fraction of the period's consumption, e.g. 0.05 for 5 %."
    )
    minimum: Decimal | None = Field(default=None, description="Minimum charge per period.")
    included: bool = Field(default=False, description="Included at no separate charge.")
    on_request: bool = Field(default=False, description="Priced per agreement ('contact sales').")
    vat: Literal["excluded", "included", "unspecified"] = Field(
        default="unspecified", description="Whether prices include VAT."
    )
    note: str = Field(default="", description="Source wording or interpretation.")


class EscalationPackModel(_Strict):
    """One add-on pack of escalations."""

    name: str
    units: int = Field(gt=0)
    price: Decimal
    currency: str = "CHF"
    valid_months: int = Field(default=12, gt=0)


class EscalationsModel(_Strict):
    """``[escalations]``: a per-customer quota of escalations (ProAuth)."""

    included_per_year: dict[str, int | Literal["per agreement"]] = Field(
        description="Included escalations per contract year, by plan name."
    )
    hours_per_unit: Decimal = Field(
        default=Decimal(5), description="Engineering hours one escalation covers."
    )
    consulting_rate: Decimal | None = Field(
        default=None, description="Hourly consulting rate beyond one unit."
    )
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
        default=1, description="Units a touchpoint with technical work consumes."
    )
    note: str = ""
