"""Names for the small closed vocabularies slacalc uses."""

from __future__ import annotations

from typing import Literal

__all__ = ["METRICS", "Measure", "Metric", "OnSeverityChange", "Rounding", "Status"]

Metric = Literal["initial_response", "escalation_response", "dispatch", "resolution"]
METRICS: tuple[Metric, ...] = ("initial_response", "escalation_response", "dispatch", "resolution")
Status = Literal["met", "breached", "pending", "not_applicable", "best_effort"]
Rounding = Literal["ceil", "floor"]
Measure = Literal["business", "wall"]
OnSeverityChange = Literal["recalculate", "restart", "initial"]
