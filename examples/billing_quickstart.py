"""Billing quickstart: plan prices, a prorated plan change and an escalation ledger.

Run it with ``python examples/billing_quickstart.py``. It prints Exoscale's
monthly prices, a Starter → Pro change in the middle of April, and one ProAuth
customer's escalation ledger over two contract years (the worked example of
docs/billing.md, with fixed dates), and exits non-zero if any figure differs
from the one worked out by hand here, so it doubles as a smoke test.
"""

from __future__ import annotations

import sys
from datetime import date
from decimal import Decimal

from slacalc import Policy, load_policy
from slacalc.billing import Case, Ledger, Purchase, plan_price, prorate


def main() -> int:
    failures = 0

    def check(label: str, got: object, expected: object) -> None:
        nonlocal failures
        mark = "ok" if got == expected else f"MISMATCH (expected {expected})"
        if got != expected:
            failures += 1
        print(f"  {label}: {got}  [{mark}]")

    exoscale = load_policy("exoscale")
    assert isinstance(exoscale, Policy)  # a single version, not a family
    print("Exoscale, one month, CHF:")
    check("built-in", plan_price(exoscale.plan("built-in"), currency="CHF").amount, Decimal("0.00"))
    check("starter", plan_price(exoscale.plan("starter"), currency="CHF").amount, Decimal("100.00"))
    check("pro", plan_price(exoscale.plan("pro"), currency="CHF").amount, Decimal("500.00"))
    enterprise = exoscale.plan("enterprise")
    # 5 % of 10,000 = 500 < 2,500 minimum; 5 % of 80,000 = 4,000
    small = plan_price(enterprise, consumption=Decimal("10000"), currency="CHF")
    check("enterprise at 10,000", (small.amount, small.minimum_applied), (Decimal("2500.00"), True))
    big = plan_price(enterprise, consumption=Decimal("80000"), currency="CHF")
    check("enterprise at 80,000", (big.amount, big.minimum_applied), (Decimal("4000.00"), False))

    print("Starter → Pro on 2026-04-16 (April: 30 days):")
    starter, pro = exoscale.plan("starter").price_model, exoscale.plan("pro").price_model
    assert starter is not None  # both plans have a price section
    assert pro is not None
    change = prorate(starter, pro, date(2026, 4, 16))
    # 100 × 15/30 + 500 × 15/30 = 50 + 250
    check("amount", change.amount, Decimal("300.00"))
    for line in change.breakdown:
        print(f"    {line}")

    proauth = load_policy("proauth")
    ledger = Ledger.for_policy(
        proauth,
        "enterprise-standard",
        date(2026, 1, 1),
        purchases=[Purchase(date(2026, 6, 15), "M", "P-1")],
        cases=[
            Case("C-1", date(2026, 3, 5), Decimal(8), "security"),
            Case("C-2", date(2026, 3, 20), Decimal("0.1"), "clarification"),
            Case("C-3", date(2026, 9, 1), Decimal(12), "integration"),
            Case("C-4", date(2027, 3, 1), Decimal(40), "upgrade"),
            Case("C-5", date(2027, 4, 1), Decimal(2), "configuration"),
        ],
    )
    print("ProAuth Enterprise Standard from 2026-01-01 (4 included a year, Pack M in June):")
    for usage in ledger.cases:
        lots = ", ".join(f"{d.units} from {d.lot}" for d in usage.draws) or "nothing"
        print(
            f"    {usage.id} {usage.case.opened_on} {usage.status:9} took {lots}; cost {usage.consulting_cost}"
        )
    check("balance 2026-12-31", ledger.balance(date(2026, 12, 31)).units, 4)  # 4 - 3 + 3
    check("balance 2027-01-01", ledger.balance(date(2027, 1, 1)).units, 7)  # 1 lapsed; 3 + 4
    lapsed = [(e.lot.id, e.unused) for e in ledger.expiries(until=date(2027, 1, 1))]
    check("lapsed at year end", lapsed, [("included:2026-01-01", 1)])
    # C-4: 8 needed, 7 left → 5 h × 240; C-5: 2 h × 240
    check("uncovered", [(u.id, u.consulting_cost) for u in ledger.uncovered()],
          [("C-4", Decimal("1200.00")), ("C-5", Decimal("480.00"))])  # fmt: skip
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
