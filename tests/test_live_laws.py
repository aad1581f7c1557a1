"""Live metrics against an independent replay, and their laws, on Hypothesis-generated histories.

Each example draws a random calendar (``strategies.calendar_cases``: random
weekly hours, holidays, closed and special dates, instants near window
edges and DST changes in Zurich, New York, Lord Howe and UTC), a ticket with
a random history (messages, statuses, pauses, severity changes, escalations,
in any order, often several at one instant) and a random policy (targets,
pausable metrics, severity-change rule, lateness measure, alerts). slacalc's
outcomes must equal ``live_reference``'s minute-by-minute replay.
"""

from __future__ import annotations

import itertools
import json
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from fractions import Fraction
from typing import Any

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

import live_reference as ref
from reference import MINUTE, Timeline, parse_hours
from slacalc import Ticket
from slacalc._policies.files import read_policy
from slacalc._typing import METRICS, REPEATING_METRICS
from slacalc.exceptions import TimelineError
from strategies import CalendarCase, calendar_cases, instants

SEVERITIES = ("1", "2", "3")
TARGET_MINUTES = (4, 8, 20, 60, 120, 240)
ALERT_TEXTS: dict[str, tuple[Fraction | None, int | None]] = {
    "25%": (Fraction(1, 4), None),
    "50%": (Fraction(1, 2), None),
    "75%": (Fraction(3, 4), None),
    "100%": (Fraction(1), None),
    "10 minutes before": (None, 10),
    "30 minutes before": (None, 30),
    "1 hour before": (None, 60),
}
STATUSES = ("pending", "on-hold", "open", "new", "solved", "closed")
HORIZON = timedelta(days=16)


@dataclass
class LiveCase:
    case: CalendarCase
    ticket: ref.Ticket
    now: datetime
    rules: ref.Rules
    alerts: dict[str, list[str]]

    def policy_doc(self, *, written_out: str | None = None) -> dict[str, Any]:
        """The policy as a JSON document; *written_out*: every built-in metric in [metrics] too."""
        c = self.case
        calendar: dict[str, Any] = {"timezone": c.timezone, "hours": c.hours}
        if c.holidays is not None:
            calendar["holidays"] = dict(c.holidays)
        if c.closed:
            calendar["closed"] = [d.isoformat() for d in c.closed]
        if c.special:
            calendar["special"] = {d.isoformat(): v for d, v in c.special.items()}
        rename = (lambda m: m) if written_out != "renamed" else (lambda m: f"my_{m}")
        targets = {
            rename(metric): {k: f"{v} minutes" for k, v in table.items()}
            for metric, table in self.rules.targets.items()
        }
        doc: dict[str, Any] = {
            "name": "reference",
            "effective_from": "1970-01-01",
            "severity_change": self.rules.severity_change,
            "lateness": self.rules.lateness,
            "pausable": sorted(self.rules.pausable),
            "alert_measure": self.rules.alert_measure,
            "severities": [{"name": s} for s in SEVERITIES],
            "calendars": {"c": calendar},
            "credits": {
                "per": "15 minutes",
                "metrics": sorted(rename(m) for m in self.rules.credit_metrics),
            },
            "plans": {
                "p": {
                    "calendar": "c",
                    "targets": targets,
                    "alerts": {rename(m): v for m, v in self.alerts.items()},
                }
            },
        }
        if written_out is not None:
            doc["metrics"] = {rename(m): clock_model(m, m in self.rules.pausable) for m in METRICS}
            doc["pausable"] = []
        return doc


def clock_model(metric: str, pausable: bool) -> dict[str, Any]:
    """The built-in definition of *metric*, written out in the clock model (docs/evaluation.md)."""
    pause = ["pause_statuses"] if pausable else []
    table: dict[str, dict[str, Any]] = {
        "initial_response": {"start": ["opened"], "stop": ["response", "message:agent"]},
        "escalation_response": {
            "start": ["escalation"],
            "stop": ["escalation_response"],
            "class": "escalation",
        },
        "dispatch": {"start": ["opened"], "stop": ["dispatch"]},
        "resolution": {"start": ["opened"], "stop": ["solved"]},
        "next_reply": {
            "start": ["message:customer"],
            "stop": ["message:agent", "response", "solved"],
            "after": ["response", "message:agent"],
            "repeat": True,
        },
        "periodic_update": {
            "start": ["message:agent"],
            "stop": ["message:agent", "solved"],
            "repeat": True,
        },
        "requester_wait": {
            "start": ["opened", "reopened"],
            "stop": ["solved"],
            "repeat": "total",
            "pause": ["pause_statuses"],
        },
        "agent_work": {
            "start": ["opened", "reopened"],
            "stop": ["solved"],
            "repeat": "total",
            "pause": ["pause_statuses"],
        },
    }
    out = dict(table[metric])
    out.setdefault("pause", pause)
    return out


@st.composite
def events(
    draw: st.DrawFn, case: CalendarCase, opened: datetime
) -> list[tuple[datetime, str, str | None]]:
    """A random history: any kinds, any order, often several at one instant."""
    count = draw(st.integers(0, 14))
    times = st.one_of(
        instants(case).map(lambda t: max(t, opened)),
        st.integers(0, 3 * 1440).map(lambda k: opened + k * MINUTE),
    )
    out: list[tuple[datetime, str, str | None]] = []
    for _ in range(count):
        if out and draw(st.integers(0, 4)) == 0:
            at = draw(st.sampled_from([t for t, _, _ in out]))  # the same instant as another event
        else:
            at = draw(times)
        kind = draw(
            st.sampled_from(
                ["message"] * 6
                + ["status"] * 4
                + ["pause", "resume", "severity", "severity", "response", "escalation"]
                + ["escalation_response", "dispatch", "resolved"]
            )
        )
        value: str | None = None
        if kind == "message":
            value = draw(st.sampled_from(["customer", "customer", "agent"]))
        elif kind == "status":
            value = draw(st.sampled_from(STATUSES))
        elif kind == "severity":
            value = draw(st.sampled_from(SEVERITIES))
        elif kind == "escalation":
            value = draw(st.sampled_from(["urgent", "normal"]))
        out.append((at, kind, value))
    return out


@st.composite
def live_cases(draw: st.DrawFn) -> LiveCase:
    case = draw(calendar_cases())
    assume(any(parse_hours(case.hours).values()))  # a calendar that opens every week
    # the strategies' instants need the case's timeline: build it the fast way
    case.__dict__["timeline"] = ref.fast_timeline(case.reference, case.lo, case.hi)
    opened = draw(instants(case).filter(lambda t: t < case.lo + (case.hi - case.lo) / 2))
    history = draw(events(case, opened))
    last = max([opened, *(t for t, _, _ in history)])
    now = last + draw(st.sampled_from([0, 0, 1, 30, 600, 3000])) * MINUTE
    responded = None
    if draw(st.booleans()):
        responded = opened + draw(st.integers(0, 2 * 1440)) * MINUTE
    metrics = draw(st.lists(st.sampled_from(METRICS), unique=True, min_size=1, max_size=8))
    targets: dict[str, dict[str, int]] = {}
    for metric in metrics:
        classes = ("urgent", "normal") if metric == "escalation_response" else SEVERITIES
        targets[metric] = {k: draw(st.sampled_from(TARGET_MINUTES)) for k in classes}
    alerts = {
        m: draw(st.lists(st.sampled_from(sorted(ALERT_TEXTS)), max_size=3))
        for m in metrics
        if draw(st.booleans())
    }
    rules = ref.Rules(
        targets=targets,
        pausable=set(draw(st.lists(st.sampled_from(METRICS[:6]), unique=True))),
        severity_change=draw(st.sampled_from(["recalculate", "restart", "initial"])),
        lateness=draw(st.sampled_from(["business", "business", "wall"])),
        alerts={m: [(t, *ALERT_TEXTS[t]) for t in texts] for m, texts in alerts.items() if texts},
        alert_measure=draw(st.sampled_from(["business", "business", "wall"])),
        credit_metrics=set(draw(st.lists(st.sampled_from(metrics), unique=True))),
    )
    ticket = ref.Ticket(opened, draw(st.sampled_from(SEVERITIES)), responded, history)
    alerts = {m: v for m, v in alerts.items() if v}
    return LiveCase(case, ticket, now, rules, alerts)


def slacalc_ticket(live: LiveCase) -> Ticket:
    t = live.ticket
    return Ticket("H-1", t.opened, t.severity, responded_at=t.responded, events=t.events)


def plan_of(live: LiveCase, written_out: str | None = None) -> Any:
    return read_policy(json.dumps(live.policy_doc(written_out=written_out)), fmt="json").plan("p")


def u(value: datetime | None) -> datetime | None:
    return None if value is None else value.astimezone(UTC)


def check(out: Any, want: ref.Instance) -> None:
    if want.status == "not_applicable":
        assert out.status == "not_applicable"
        return
    assert u(out.started_at) == u(want.start)
    assert u(out.stopped_at) == u(want.stop)
    assert out.klass == want.klass
    assert out.elapsed == want.elapsed * MINUTE
    assert out.status == want.status
    assert out.late_by == want.late
    assert out.late_by_wall == want.late_wall
    assert out.credit_days == want.credits
    if want.due is not None:
        assert u(out.due_at) == u(want.due)
    if all(at is not None for _, at in want.alerts):
        assert [(a.label, u(a.at)) for a in out.alerts] == [
            (label, u(at)) for label, at in want.alerts
        ]


@settings(max_examples=200)
@given(live_cases())
def test_agrees_with_the_minute_replay(live: LiveCase) -> None:
    """every outcome, instance by instance, equals the plain replay's."""
    timeline = ref.fast_timeline(live.case.reference, live.case.lo, live.case.hi + HORIZON)
    try:
        want = ref.evaluate(live.ticket, live.now, timeline, live.rules)
    except ref.BadHistory:
        try:
            plan_of(live).evaluate(slacalc_ticket(live), now=live.now)
        except TimelineError:
            return
        msg = "slacalc accepted a history the reference refuses"
        raise AssertionError(msg) from None
    evaluation = plan_of(live).evaluate(slacalc_ticket(live), now=live.now)
    for metric, instances in want.items():
        out = evaluation.outcomes[metric]
        if metric in REPEATING_METRICS:
            assert len(out.instances) == len(instances), metric
            for got, expected in zip(out.instances, instances, strict=True):
                check(got, expected)
        elif not instances:
            assert out.status == "not_applicable", metric
        else:
            check(out, instances[0])


@settings(max_examples=80)
@given(live_cases())
def test_laws(live: LiveCase) -> None:
    """instances never overlap; alerts are ordered and never after due; paused time is never counted."""
    try:
        evaluation = plan_of(live).evaluate(slacalc_ticket(live), now=live.now)
    except TimelineError:
        return
    cal = live.case.calendar
    for outcome in evaluation:
        clocks = list(getattr(outcome, "instances", (outcome,)))
        for a, b in itertools.pairwise(clocks):
            assert a.stopped_at is not None
            assert u(a.stopped_at) <= u(b.started_at)
        for clock in clocks:
            if clock.status == "not_applicable" or clock.started_at is None:
                continue
            ats = [u(alert.at) for alert in clock.alerts]
            assert ats == sorted(ats)  # type: ignore[type-var]
            assert all(at <= u(clock.due_at) for at in ats)  # type: ignore[operator]
            end = clock.stopped_at or live.now
            paused = timedelta(0)
            for start, stop in clock.pauses:
                lo, hi = max(start, clock.started_at), min(stop or live.now, end)
                if hi > lo:
                    paused += cal.elapsed(lo, hi)
            assert clock.elapsed + paused == cal.elapsed(clock.started_at, end)
            assert clock.paused == paused


@settings(max_examples=80)
@given(live_cases(), st.sampled_from(["same", "renamed"]))
def test_built_ins_written_in_the_clock_model(live: LiveCase, how: str) -> None:
    """a policy that writes every built-in metric in [metrics] gives the built-in outcomes."""
    try:
        ticket = slacalc_ticket(live)
        builtin = plan_of(live).evaluate(ticket, now=live.now)
    except TimelineError:
        return
    written = plan_of(live, written_out=how).evaluate(ticket, now=live.now)
    mine = {o.metric.removeprefix("my_"): o.facts() for o in written}
    theirs = {o.metric: o.facts() for o in builtin}
    assert mine.keys() == theirs.keys()
    for metric, facts in theirs.items():
        other = mine[metric]
        for f in (facts, other, *facts.get("instances", ()), *other.get("instances", ())):
            f.pop("metric", None)
        assert other == facts, metric


@settings(max_examples=60)
@given(live_cases())
def test_one_metric_alone_is_its_part_of_the_whole(live: LiveCase) -> None:
    """judging one metric alone (as ``slacalc evaluate`` does) gives that metric's outcome of the whole."""
    plan = plan_of(live)
    try:
        ticket = slacalc_ticket(live)
    except TimelineError:  # refused before any metric is judged
        return
    try:
        whole = plan.evaluate(ticket, now=live.now)
    except TimelineError as exc:  # a bad history is refused whichever metric is asked
        refused = str(exc)
    else:
        refused = None
    if refused is not None:
        for metric in plan.metrics():
            with pytest.raises(TimelineError) as alone:
                plan._outcome(ticket, live.now, metric, None)
            assert str(alone.value) == refused
        return
    for outcome in whole:
        alone = plan._outcome(ticket, live.now, outcome.metric, None)
        assert alone.facts() == outcome.facts(), outcome.metric
        assert alone.explain() == outcome.explain()


def test_fast_timeline_is_the_minute_walk() -> None:
    """the fast way of building the reference timeline gives Timeline.of's flags."""
    from hypothesis import find

    case = find(calendar_cases(), lambda c: bool(c.special) and c.holidays is not None)
    slow = Timeline.of(case.reference, case.lo, case.hi)
    fast = ref.fast_timeline(case.reference, case.lo, case.hi)
    assert slow.open_minute == fast.open_minute
