"""Names for the small closed vocabularies slacalc uses."""

from __future__ import annotations

from typing import Literal

__all__ = [
    "METRICS",
    "BatchErrors",
    "Measure",
    "Metric",
    "OnSeverityChange",
    "Rounding",
    "Status",
]

Metric = Literal["initial_response", "escalation_response", "dispatch", "resolution"]
METRICS: tuple[Metric, ...] = ("initial_response", "escalation_response", "dispatch", "resolution")
Status = Literal["met", "breached", "pending", "not_applicable", "best_effort"]
Rounding = Literal["ceil", "floor"]
Measure = Literal["business", "wall"]
OnSeverityChange = Literal["recalculate", "restart", "initial"]
#: What a batch calendar method does with an element it cannot compute: raise, or mark it missing.
BatchErrors = Literal["raise", "coerce"]
