"""slacalc: exact business-time arithmetic for published support terms.

>>> plan = load_policy("zitadel-2023").plan("extended")
>>> plan.deadline(datetime(2026, 4, 2, 18, tzinfo=ZoneInfo("Europe/Zurich")), "sev 2").isoformat()
'2026-04-07T08:00:00+02:00'
"""

from __future__ import annotations

from typing import Any

from slacalc._engine.calendar import Calendar, Interval
from slacalc._engine.durations import (
    BEST_EFFORT,
    NOT_APPLICABLE,
    Duration,
    NoObjective,
    parse_duration,
)
from slacalc._engine.holidays import HolidaySources, HolidaySpec
from slacalc._engine.ical import IcalFeed
from slacalc._evaluation.alerts import Alert
from slacalc._evaluation.clocks import ClockSpec
from slacalc._evaluation.credits import Contract, ContractCredits, TicketCredit
from slacalc._evaluation.evaluate import Evaluation, Outcome, RepeatingOutcome, SeverityChange
from slacalc._evaluation.tickets import Event, Ticket
from slacalc._evaluation.timers import Timer
from slacalc._policies.files import builtin_policies, load_policy, policy_schema
from slacalc._policies.model import (
    CreditRule,
    FamilyPlan,
    Plan,
    PlanTerms,
    Policy,
    PolicyFamily,
    Severity,
    Target,
)
from slacalc.exceptions import SlacalcError, SlacalcWarning

__all__ = [
    "BEST_EFFORT",
    "NOT_APPLICABLE",
    "Alert",
    "Calendar",
    "ClockSpec",
    "Contract",
    "ContractCredits",
    "CreditRule",
    "Duration",
    "Evaluation",
    "Event",
    "FamilyPlan",
    "HolidaySources",
    "HolidaySpec",
    "IcalFeed",
    "Interval",
    "NoObjective",
    "Outcome",
    "Plan",
    "PlanTerms",
    "Policy",
    "PolicyFamily",
    "RepeatingOutcome",
    "Severity",
    "SeverityChange",
    "SlacalcError",
    "SlacalcWarning",
    "Target",
    "Ticket",
    "TicketCredit",
    "Timer",
    "builtin_policies",
    "load_policy",
    "parse_duration",
    "policy_schema",
]


def __getattr__(name: str) -> Any:
    if name == "__version__":
        from importlib.metadata import version

        return version("slacalc")
    msg = f"module 'slacalc' has no attribute {name!r}"
    raise AttributeError(msg)
