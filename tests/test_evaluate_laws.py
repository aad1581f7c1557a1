"""Laws of evaluation that hold for every built-in plan, checked with Hypothesis."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from hypothesis import given
from hypothesis import strategies as st

from slacalc import Ticket, builtin_policies, load_policy

ZONES = [
    ZoneInfo("Europe/Zurich"),
    ZoneInfo("Europe/Berlin"),
    ZoneInfo("UTC"),
    ZoneInfo("America/New_York"),
]
PLANS = [(name, plan) for name in builtin_policies() for plan in load_policy(name).plans]
NOW = datetime(2031, 1, 1, tzinfo=ZoneInfo("UTC"))


@st.composite
def cases(draw: st.DrawFn) -> tuple[str, str, str, datetime]:
    name, plan_name = draw(st.sampled_from(PLANS))
    policy = load_policy(name)
    severity = draw(st.sampled_from([s.name for s in policy.severities]))
    zone = draw(st.sampled_from(ZONES))
    naive = draw(st.datetimes(min_value=datetime(2024, 1, 1), max_value=datetime(2029, 12, 31)))
    return name, plan_name, severity, naive.replace(tzinfo=zone)


lateness = st.integers(min_value=0, max_value=30 * 24 * 3600 * 1_000_000).map(
    lambda us: timedelta(microseconds=us)
)


@given(cases(), lateness, lateness)
def test_credits_never_decrease_as_the_response_gets_later(case, d1, d2) -> None:  # type: ignore[no-untyped-def]
    """a later first response never earns fewer credit days."""
    name, plan_name, severity, opened = case
    plan = load_policy(name).plan(plan_name)
    early, late = sorted((d1, d2))
    a = plan.evaluate(Ticket("a", opened, severity, responded_at=opened + early), now=NOW)
    b = plan.evaluate(Ticket("b", opened, severity, responded_at=opened + late), now=NOW)
    assert a.initial_response.credit_days <= b.initial_response.credit_days
    assert a.initial_response.late_by <= b.initial_response.late_by


@given(cases(), lateness)
def test_met_exactly_when_not_late(case, delay) -> None:  # type: ignore[no-untyped-def]
    """for a stopped clock, status is met exactly when late_by is zero."""
    name, plan_name, severity, opened = case
    plan = load_policy(name).plan(plan_name)
    out = plan.evaluate(
        Ticket("t", opened, severity, responded_at=opened + delay), now=NOW
    ).initial_response
    if out.status in ("met", "breached"):
        assert (out.status == "met") == (out.late_by == timedelta(0))
        assert out.stopped_at is not None
        assert out.due_at is not None
        # a response at or before the due instant is always met
        if out.stopped_at <= out.due_at:
            assert out.status == "met"
    else:
        assert out.status == "not_applicable"
        assert out.credit_days == 0


@given(cases())
def test_deadline_is_the_target_calendars_add(case) -> None:  # type: ignore[no-untyped-def]
    """plan.deadline equals the target calendar's add of the target duration."""
    name, plan_name, severity, opened = case
    plan = load_policy(name).plan(plan_name)
    target = plan.target("initial_response", severity)
    duration = target.duration()
    due = plan.deadline(opened, severity)
    if duration is None:
        assert due is None
    else:
        assert target.calendar is not None
        assert due == target.calendar.add(opened, duration)
        assert target.calendar.elapsed(opened, due) == duration


@given(cases(), st.one_of(st.none(), lateness))
def test_evaluating_twice_gives_the_same_result(case, delay) -> None:  # type: ignore[no-untyped-def]
    """evaluation is a pure function of plan, ticket and now."""
    name, plan_name, severity, opened = case
    plan = load_policy(name).plan(plan_name)
    ticket = Ticket("t", opened, severity, responded_at=None if delay is None else opened + delay)
    now = opened + timedelta(days=40)
    first = plan.evaluate(ticket, now=now)
    second = plan.evaluate(ticket, now=now)
    assert first.facts() == second.facts()
    assert first == second
