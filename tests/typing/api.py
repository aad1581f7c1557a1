"""How other software calls slacalc, for type checkers only (never executed).

``mypy`` checks this file in strict mode (see ``[tool.mypy]`` in pyproject), so
a change to a public signature that would break a typed caller fails CI.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import slacalc
from slacalc import (
    Alert,
    Calendar,
    ClockSpec,
    Contract,
    Evaluation,
    FamilyPlan,
    Outcome,
    Plan,
    Policy,
    PolicyFamily,
    RepeatingOutcome,
    Ticket,
    Timer,
    load_policy,
)
from slacalc.billing import Case, Ledger, PriceQuote, Purchase
from slacalc.calendars import always_open, extended_hours, office_hours

zurich_office: Calendar = office_hours()
combined: Calendar = extended_hours() & always_open(timezone="UTC")
start = datetime(2026, 3, 2, 8, tzinfo=UTC)
due: datetime = zurich_office.add(start, timedelta(hours=9))
due_words: datetime = zurich_office.add(start, "1 business day")
used: timedelta = zurich_office.elapsed(start, due)
is_open: bool = combined.is_open(start)
opens: datetime = combined.next_open(start)
spans: list[tuple[datetime, datetime]] = [
    (s.start, s.end) for s in combined.open_intervals(start, due)
]
custom = Calendar(
    timezone="Europe/Zurich",
    hours={"mon-fri": ["08:00-12:00", "13:00-17:00"], "sat": "09:00-12:00"},
    holidays={"country": "CH", "subdiv": "ZH"},
    closed=["2026-12-31"],
    special={"2026-12-24": "08:00-12:00"},
    business_day=timedelta(hours=8),
)

loaded = load_policy("zitadel-2023")
assert isinstance(loaded, Policy)
plan: Plan = loaded.plan("extended")
family = load_policy("zitadel")
assert isinstance(family, PolicyFamily)
version: Policy = family.at(start)
names: list[str] = slacalc.builtin_policies()

deadline: datetime | None = plan.deadline(start, "sev 2")
ticket = Ticket(
    "T-1", start, 2, channel="email", responded_at=due, events=[(start, "severity", "1")]
)
evaluation: Evaluation = plan.evaluate(ticket, now=due)
outcome: Outcome = evaluation.initial_response
status: str = outcome.status
late: timedelta = outcome.late_by
credit_days: int = outcome.credit_days
text: str = outcome.explain()
facts: dict[str, object] = outcome.facts()

live = ticket.with_events(
    (start, "message", "customer"), (due, "message", "agent"), (due, "status", "pending")
)
live_evaluation: Evaluation = plan.evaluate(live, now=due)
replies: RepeatingOutcome = live_evaluation.next_reply
instances: tuple[Outcome, ...] = replies.instances
worst: timedelta = replies.late_by
alerts: tuple[Alert, ...] = outcome.alerts
first_alert: datetime | None = alerts[0].at if alerts else None
waiting: timedelta = live_evaluation.requester_wait.elapsed
timers: list[Timer] = plan.timers(live, due)
paused: bool = timers[0].paused if timers else False
next_alert: Alert | None = timers[0].next_alert if timers else None
clock = ClockSpec(start=("message:agent",), stop=("message:agent", "solved"), repeat=True)

contract = Contract("ACME", plan, date(2026, 1, 1), date(2027, 1, 1))
bespoke = Contract(
    "Empire",
    plan,
    date(2026, 1, 1),
    date(2027, 1, 1),
    timezone="America/New_York",
    targets={"initial_response": {"2": "1 business hour"}},
)
effective: Plan | FamilyPlan = bespoke.plan
credits = contract.credits([ticket], now=due)
extended_end: date = credits.extended_term_end
value: Decimal = credits.value(Decimal("12000.00"))

exoscale = load_policy("exoscale")
assert isinstance(exoscale, Policy)  # a version, not a family: narrowing is the caller's job
quote: PriceQuote = exoscale.plan("enterprise").price("month", consumption=Decimal(80000))
amount: Decimal = quote.amount
proauth = load_policy("proauth")
assert isinstance(proauth, Policy) and proauth.escalations is not None
ledger = Ledger(
    proauth.escalations,
    plan="enterprise-standard",
    contract_start=date(2026, 1, 1),
    purchases=[Purchase(date(2026, 6, 15), "M")],
    cases=[Case("C-1", date(2026, 9, 1), Decimal(12), "integration")],
)
