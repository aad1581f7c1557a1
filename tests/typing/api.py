"""How other software calls slacalc, for type checkers only (never executed).

``mypy`` checks this file in strict mode (see ``[tool.mypy]`` in pyproject), so
a change to a public signature that would break a typed caller fails CI.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal
from zoneinfo import ZoneInfo

import numpy as np
import numpy.typing as npt

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
from slacalc.pandas import FrameResult, evaluate_frame

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
# results in the caller's zone: a name or any tzinfo
due_utc: datetime = zurich_office.add(start, timedelta(hours=9), tz="UTC")
due_there: datetime = zurich_office.add(start, "4h", tz=ZoneInfo("America/New_York"))
opens_utc: datetime = combined.next_open(start, tz=UTC)
spans_utc = combined.open_intervals(start, due, tz=timezone(timedelta(hours=5)))
custom = Calendar(
    timezone="Europe/Zurich",
    hours={"mon-fri": ["08:00-12:00", "13:00-17:00"], "sat": "09:00-12:00"},
    holidays={"country": "CH", "subdiv": "ZH"},
    closed=["2026-12-31"],
    special={"2026-12-24": "08:00-12:00"},
    business_day=timedelta(hours=8),
)
feed = slacalc.IcalFeed.read("examples/company_holidays.ics")
feed_dates: tuple[date, ...] = feed.dates(2026, "Europe/Zurich")
feed_names: dict[date, str] = feed.names(2026)
from_feed = Calendar(
    timezone="Europe/Zurich",
    holidays={"ical": "company_holidays.ics", "add": {"2026-12-24": "Heiligabend"}},
)
from_feed_object = Calendar(holidays=feed)
holiday_sources = from_feed.holidays
if isinstance(holiday_sources, slacalc.HolidaySources):
    added: tuple[tuple[date, str], ...] = holiday_sources.add

loaded = load_policy("zitadel-2023")
assert isinstance(loaded, Policy)
plan: Plan = loaded.plan("extended")
family = load_policy("zitadel")
assert isinstance(family, PolicyFamily)
version: Policy = family.at(start)
names: list[str] = slacalc.builtin_policies()

deadline: datetime | None = plan.deadline(start, "sev 2")
deadline_utc: datetime | None = plan.deadline(start, "sev 2", "initial_response", tz="UTC")
family_deadline: datetime | None = family.plan("extended").deadline(start, 2, tz=UTC)
ticket = Ticket(
    "T-1", start, 2, channel="email", responded_at=due, events=[(start, "severity", "1")]
)
evaluation: Evaluation = plan.evaluate(ticket, now=due)
evaluation_utc: Evaluation = plan.evaluate(ticket, due, tz="UTC")
family_evaluation: Evaluation = family.plan("extended").evaluate(ticket, now=due, tz=UTC)
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


def frame_in_utc(df: object) -> FrameResult:
    """The frame functions take tz= as a name or a tzinfo too."""
    first = evaluate_frame(df, "zitadel-2023", "extended", now=start, tz=ZoneInfo("UTC"))
    return evaluate_frame(first, "zitadel-2023", "extended", now=start, errors="collect", tz="UTC")


# The batch methods (SPEC §10): NumPy in, NumPy out; lists in, lists out.

starts_np: npt.NDArray[np.datetime64] = np.array(["2026-03-02T08:00"], dtype="datetime64[us]")
dues_np: npt.NDArray[np.datetime64] = zurich_office.add_many(starts_np, np.timedelta64(4, "h"))
used_np: npt.NDArray[np.timedelta64] = zurich_office.elapsed_many(starts_np, dues_np)
open_np: npt.NDArray[np.bool_] = zurich_office.is_open_many(starts_np)
opens_np: npt.NDArray[np.datetime64] = zurich_office.next_open_many(starts_np)
from_one: npt.NDArray[np.datetime64] = zurich_office.add_many(
    start, np.array([1, 2], dtype="timedelta64[h]")
)
dues_list: list[datetime] = zurich_office.add_many([start, due], "4 hours")
dues_mixed: list[datetime] = zurich_office.add_many(start, [timedelta(hours=1), "2h"])
dues_or_none: list[datetime | None] = zurich_office.add_many([start], "4h", errors="coerce")
used_list: list[timedelta] = zurich_office.elapsed_many([start], [due])
used_or_none: list[timedelta | None] = zurich_office.elapsed_many([start], due, errors="coerce")
open_list: list[bool] = zurich_office.is_open_many([start, due])
open_or_none: list[bool | None] = zurich_office.is_open_many([start], errors="coerce")
opens_list: list[datetime] = zurich_office.next_open_many([start], tz="UTC")

# slacalc.sources: helpdesk exports in
from slacalc import sources  # noqa: E402

source_names: tuple[str, ...] = sources.names()
zendesk_mapping: sources.Mapping = sources.mapping("zendesk", {"priorities": {"urgent": "1"}})
for source_ticket in sources.read(
    "tests/fixtures/sources/zendesk/unmapped.jsonl", source="zendesk"
):
    organisation: str | None = source_ticket.customer
    _ = plan.evaluate(source_ticket, now=datetime(2027, 1, 1, tzinfo=UTC))
for _line, row in sources.read_rows("examples/events.csv", "events", order="grouped"):
    if isinstance(row, sources.BadRecord):
        where: int = row.position
