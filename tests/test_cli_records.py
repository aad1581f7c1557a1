"""``slacalc evaluate``'s result record: the durations taken as numbers equal the public properties.

``outcome_row`` reads an outcome's durations in microseconds (no
``timedelta`` built and read back); these tests write the same outcome both
ways, as CSV and JSON Lines, and compare the text.
"""

from __future__ import annotations

import io
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from slacalc import Ticket, load_policy
from slacalc._cli.evaluate import EVALUATE_RECORD, outcome_row
from slacalc._files.writers import RecordWriter, seconds, seconds_of_us

TESTS = Path(__file__).parent
EXTENDED = load_policy("zitadel-2023").plan("extended")
DESK = load_policy(TESTS / "live_policy.toml").plan("desk")


def by_properties(outcome: Any) -> dict[str, Any]:
    """The record as the public properties give it (the reference)."""
    return {
        "id": outcome.ticket_id,
        "status": outcome.status,
        "due_at": outcome.due_at,
        "late_by_seconds": outcome.late_by,
        "credit_days": outcome.credit_days,
        "metric": outcome.metric,
        "class": outcome.klass,
        "target": outcome.target,
        "stopped_at": outcome.stopped_at,
        "elapsed_seconds": outcome.elapsed,
        "remaining_seconds": outcome.remaining,
        "late_by_wall_seconds": outcome.late_by_wall,
        "policy": outcome.policy,
        "plan": outcome.plan,
    }


def written(record: dict[str, Any], fmt: str) -> str:
    out = io.StringIO()
    writer = RecordWriter(out, fmt, EVALUATE_RECORD)
    writer.write(record)
    writer.close()
    return out.getvalue()


instants = st.datetimes(
    min_value=datetime(2026, 1, 1), max_value=datetime(2026, 12, 1), timezones=st.just(UTC)
)
gaps = st.timedeltas(min_value=timedelta(0), max_value=timedelta(days=20))


@settings(max_examples=150, deadline=None)
@given(
    opened=instants,
    answer=st.none() | gaps,
    later=gaps,
    severity=st.sampled_from(["1", "2", "3", "4"]),
    metric=st.sampled_from(["initial_response", "escalation_response"]),
)
def test_one_clock_as_numbers(
    opened: datetime,
    answer: timedelta | None,
    later: timedelta,
    severity: str,
    metric: str,
) -> None:
    """any instants to the microsecond, met, pending, breached or not applicable: the same text."""
    responded = None if answer is None else opened + answer
    events = [] if answer is None else [(opened + answer / 2, "escalation", "urgent")]
    ticket = Ticket("T-1", opened, severity, responded_at=responded, events=events)
    now = opened + (answer or timedelta(0)) + later
    outcome = EXTENDED._outcome(ticket, now, metric, None)
    for fmt in ("csv", "jsonl"):
        assert written(outcome_row(outcome), fmt) == written(by_properties(outcome), fmt)


def test_repeating_outcome_reads_the_properties() -> None:
    """an aggregate (next_reply) has no single clock: its record is the public properties'."""
    opened = datetime(2026, 3, 2, 9, 0, 0, 123, tzinfo=UTC)
    events = [
        (opened + timedelta(minutes=5), "message", "agent"),
        (opened + timedelta(minutes=50, microseconds=7), "message", "customer"),
        (opened + timedelta(hours=30), "message", "agent"),
    ]
    ticket = Ticket("T-2", opened, "2", events=events)
    outcome = DESK._outcome(ticket, opened + timedelta(days=3), "next_reply", None)
    assert outcome.instances  # a real aggregate, not a single clock
    for fmt in ("csv", "jsonl"):
        assert written(outcome_row(outcome), fmt) == written(by_properties(outcome), fmt)


@given(st.integers(min_value=-(10**15), max_value=10**15))
def test_seconds_of_us_is_seconds(us: int) -> None:
    assert seconds_of_us(us) == seconds(timedelta(microseconds=us))
    assert type(seconds_of_us(us)) is type(seconds(timedelta(microseconds=us)))
