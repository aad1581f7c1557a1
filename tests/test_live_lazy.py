"""Repeating outcomes build their instances on first read: they must read exactly like eager ones.

``plan.evaluate`` keeps the instances of ``next_reply`` / ``periodic_update``
as records and builds each :class:`Outcome` when it is first read; the
aggregate (status, credits, worst lateness …) is computed from the records.
On Hypothesis-generated histories (``test_live_laws.live_cases``) every
aggregate field read *before* any instance is built must equal the same field
of a ``RepeatingOutcome`` constructed eagerly from built instances, and
equality, ``repr``, ``explain()``, ``facts()``, pickling and zone conversion
must not tell the two apart. That the instances themselves are right is
``test_live_laws``' business (the minute-by-minute reference replay).
"""

from __future__ import annotations

import pickle
from datetime import UTC
from typing import Any

from hypothesis import given, settings

from slacalc import RepeatingOutcome
from slacalc._typing import REPEATING_METRICS
from slacalc.exceptions import TimelineError
from test_live_laws import LiveCase, live_cases, plan_of, slacalc_ticket

FIELDS = (
    "status",
    "credit_days",
    "klass",
    "severity_rule",
    "initial_class",
    "lateness_measure",
    "alert_measure",
    "reason",
    "late_by",
    "late_by_wall",
    "elapsed",
    "paused",
    "breaches",
    "running",
    "paused_now",
    "remaining",
    "started_at",
    "due_at",
    "stopped_at",
    "target",
    "objective",
    "calendar",
    "alerts",
    "pauses",
    "pause_reasons",
    "severity_changes",
    "credit_rule",
    "met",
    "breached",
    "current",
)


def read(outcome: RepeatingOutcome) -> dict[str, Any]:
    """Every aggregate field, ``next_alert()`` and ``repr``, in one dict."""
    out = {name: getattr(outcome, name) for name in FIELDS}
    out["next_alert"] = outcome.next_alert()
    out["repr"] = repr(outcome)
    return out


@settings(max_examples=150)
@given(live_cases())
def test_lazy_instances_read_like_eager_ones(live: LiveCase) -> None:
    """aggregate fields from the records equal those of an eager RepeatingOutcome; so do instances."""
    plan = plan_of(live)
    try:
        ticket = slacalc_ticket(live)
        lazy_run = plan.evaluate(ticket, now=live.now)
    except TimelineError:
        return
    built_run = plan.evaluate(ticket, now=live.now)
    for metric in REPEATING_METRICS:
        if metric not in lazy_run.outcomes:
            continue
        lazy = lazy_run.outcomes[metric]
        before = read(lazy)  # read first: builds the current instance at most
        other = built_run.outcomes[metric]
        instances = other.instances  # built all at once
        eager = RepeatingOutcome(
            other.ticket_id,
            other.policy,
            other.plan,
            other.metric,
            other.now,
            instances,
            cap_days=built_run.cap_days_per_ticket,
            reason=other.reason,
        )
        assert read(eager) == before, metric
        assert lazy.instances == instances
        assert lazy == eager == other
        if lazy.current is not None:  # the current instance is one of the instances, not a copy
            assert any(lazy.current is o for o in lazy.instances)
        assert lazy.explain() == eager.explain()
        assert lazy.facts() == eager.facts()
        again = pickle.loads(pickle.dumps(other))
        assert again == eager
        assert read(again) == before
        assert plan.evaluate(ticket, now=live.now, tz="UTC").outcomes[metric] == eager._in_zone(UTC)


@settings(max_examples=60)
@given(live_cases())
def test_pickling_before_any_read(live: LiveCase) -> None:
    """an evaluation pickled straight away unpickles equal, its instances included."""
    plan = plan_of(live)
    try:
        ticket = slacalc_ticket(live)
        fresh = plan.evaluate(ticket, now=live.now)
    except TimelineError:
        return
    again = pickle.loads(pickle.dumps(fresh))
    assert again == plan.evaluate(ticket, now=live.now)
    for metric in REPEATING_METRICS:
        if metric in again.outcomes:
            assert repr(again.outcomes[metric]) == repr(fresh.outcomes[metric])
