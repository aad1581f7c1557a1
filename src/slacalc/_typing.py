"""Names for the small closed vocabularies slacalc uses."""

from __future__ import annotations

from typing import Literal

__all__ = [
    "CLASSIC_METRICS",
    "METRICS",
    "REPEATING_METRICS",
    "TOTAL_METRICS",
    "BatchErrors",
    "Measure",
    "Metric",
    "OnSeverityChange",
    "Rounding",
    "Status",
]

Metric = Literal[
    "initial_response",
    "escalation_response",
    "dispatch",
    "resolution",
    "next_reply",
    "periodic_update",
    "requester_wait",
    "agent_work",
]
#: The built-in metrics, in the order outcomes are listed (a policy may add its own after them).
METRICS: tuple[Metric, ...] = (
    "initial_response",
    "escalation_response",
    "dispatch",
    "resolution",
    "next_reply",
    "periodic_update",
    "requester_wait",
    "agent_work",
)
#: One clock per ticket, started and stopped once (SPEC §2.2).
CLASSIC_METRICS: tuple[Metric, ...] = METRICS[:4]
#: A clock per exchange: outcomes are aggregates with ``instances`` (SPEC §8).
REPEATING_METRICS: tuple[Metric, ...] = ("next_reply", "periodic_update")
#: One running total over the ticket's life, suspended while solved.
TOTAL_METRICS: tuple[Metric, ...] = ("requester_wait", "agent_work")
Status = Literal["met", "breached", "pending", "not_applicable", "best_effort"]
Rounding = Literal["ceil", "floor"]
Measure = Literal["business", "wall"]
OnSeverityChange = Literal["recalculate", "restart", "initial"]
#: What a batch calendar method does with an element it cannot compute: raise, or mark it missing.
BatchErrors = Literal["raise", "coerce"]
