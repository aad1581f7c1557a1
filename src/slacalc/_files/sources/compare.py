"""slacalc's outcome beside Zendesk's own verdict, ticket by ticket and metric by metric.

Zendesk records its SLA verdicts as ticket metric events (``GET
/api/v2/incremental/ticket_metric_events``): per ticket, metric and instance,
``apply_sla`` (the target, in minutes, and whether in business hours),
``pause`` / ``activate``, ``fulfill`` and ``breach`` (at the instant the
target runs out; ``deleted`` when the metric was fulfilled first). Zendesk's
verdict is *breached* when a breach that is not deleted came at or before the
fulfilment, *met* when the metric was fulfilled first, *pending* otherwise.

:func:`compare` evaluates each ticket of a Zendesk export against a plan and
lines the two up for the metrics both know and Zendesk applied an SLA to (``reply_time`` instance 1 ↔
``initial_response``, ``resolution_time`` ↔ ``resolution``). Two rows agree
when the verdicts match and the due instants are within a minute (Zendesk
counts in minutes). For each disagreement it names every reason it can
find:

- *targets differ*: Zendesk's applied target is not the plan's;
- *holiday*: a holiday of slacalc's calendar lies between the two due
  instants (missing from the helpdesk's schedule, or the other way round);
- *pause*: slacalc paused the clock (waiting on the customer) where Zendesk
  did not pause the metric, or the reverse;
- *closing-time rule*: slacalc is due at a closing time, Zendesk at the next
  opening (zendesk/biz lands a target that runs out at closing on the next
  opening; slacalc keeps the closing time, see ``docs/decisions.md``).

Zendesk's metric events are held in memory per ticket (a few fields each)
while the tickets stream.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator
from collections.abc import Mapping as AbstractMapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from slacalc._engine.durations import format_timedelta
from slacalc._evaluation.tickets import Ticket
from slacalc._files.sources._core import BadRecord, instant
from slacalc._files.sources.jsonstream import JsonError, json_records
from slacalc._files.sources.registry import read_rows
from slacalc._files.tickets import open_input
from slacalc._files.writers import Column, RecordSchema
from slacalc.exceptions import SlacalcError, SourceError

if TYPE_CHECKING:
    from slacalc._evaluation.evaluate import Outcome
    from slacalc._policies.model import FamilyPlan, Plan

__all__ = [
    "COLUMNS",
    "COMPARE_RECORD",
    "METRICS",
    "Comparison",
    "ZendeskVerdict",
    "compare",
    "read_metric_events",
]

#: Zendesk metric (instance) → slacalc metric.
METRICS: dict[tuple[str, int | None], str] = {
    ("reply_time", 1): "initial_response",
    ("resolution_time", None): "resolution",
}
#: The record ``slacalc compare`` writes (CSV, JSON Lines or a JSON array), one per ticket and metric.
COMPARE_RECORD = RecordSchema(
    "compare",
    "One ticket and metric: Zendesk's own verdict beside slacalc's outcome and, when they "
    "differ, the reasons slacalc can name, as `slacalc compare` writes it "
    "(`--format jsonl`: one per line; `--format json`: an array of them).",
    (
        Column("ticket_id", "text", "the Zendesk ticket id"),
        Column(
            "metric",
            "text",
            "the slacalc metric lined up",
            enum=tuple(dict.fromkeys(METRICS.values())),
        ),
        Column(
            "zendesk_metric",
            "text",
            "Zendesk's metric (reply_time instance 1, resolution_time)",
            nullable=True,
            enum=tuple(dict.fromkeys(m for m, _ in METRICS)),
        ),
        Column(
            "zendesk_status",
            "text",
            "Zendesk's verdict from its metric events ('no SLA': Zendesk applied none)",
            enum=("met", "breached", "pending", "no SLA"),
        ),
        Column(
            "slacalc_status",
            "text",
            "slacalc's verdict",
            enum=("met", "breached", "pending", "not_applicable"),
        ),
        Column(
            "zendesk_due_at",
            "instant",
            "when Zendesk's target ran out (its last breach event; null without one)",
            nullable=True,
        ),
        Column(
            "slacalc_due_at",
            "instant",
            "when slacalc's objective ran out (null without one)",
            nullable=True,
        ),
        Column(
            "zendesk_target",
            "text",
            "the target Zendesk applied, e.g. '60 min (business hours)' (null when it names none)",
            nullable=True,
        ),
        Column("slacalc_target", "text", "the plan's objective in words"),
        Column(
            "agree",
            "boolean",
            "the same verdict and due instants within a minute (Zendesk counts in minutes)",
        ),
        Column(
            "reasons",
            "text",
            "every reason slacalc names for a disagreement, joined by '; ' (empty when they agree)",
        ),
    ),
)
#: The columns of ``slacalc compare``, in order.
COLUMNS: tuple[str, ...] = COMPARE_RECORD.names
_TOLERANCE = timedelta(minutes=1)


@dataclass(frozen=True, slots=True)
class ZendeskVerdict:
    """What Zendesk's metric events say about one metric instance of a ticket."""

    metric: str
    status: str
    due_at: datetime | None
    target_minutes: int | None
    business_hours: bool | None
    paused: bool


@dataclass(frozen=True, slots=True)
class Comparison:
    """One ticket and metric: Zendesk's verdict, slacalc's outcome, and why they differ."""

    ticket_id: str
    metric: str
    zendesk: ZendeskVerdict | None
    outcome: Outcome
    agree: bool
    reasons: tuple[str, ...]

    def record(self) -> dict[str, Any]:
        """The comparison as a record of :data:`COMPARE_RECORD` (Python values: instants, a bool)."""
        z = self.zendesk
        target = None
        if z is not None and z.target_minutes is not None:
            kind = "business" if z.business_hours else "calendar"
            target = f"{z.target_minutes} min ({kind} hours)"
        return {
            "ticket_id": self.ticket_id,
            "metric": self.metric,
            "zendesk_metric": None if z is None else z.metric,
            "zendesk_status": "no SLA" if z is None else z.status,
            "slacalc_status": self.outcome.status,
            "zendesk_due_at": None if z is None else z.due_at,
            "slacalc_due_at": self.outcome.due_at,
            "zendesk_target": target,
            "slacalc_target": self.outcome.target,
            "agree": self.agree,
            "reasons": "; ".join(self.reasons),
        }

    def row(self) -> dict[str, Any]:
        """The comparison as a flat row (the columns of :data:`COLUMNS`; instants as ISO 8601 text)."""
        row = self.record()
        for name in ("zendesk_due_at", "slacalc_due_at"):
            if row[name] is not None:
                row[name] = row[name].isoformat()
        return row


def read_metric_events(path: str | Path | Iterable[Any]) -> dict[str, list[dict[str, Any]]]:
    """Zendesk's ticket metric events by ticket id, from a file (JSON pages, array, JSON Lines)."""
    out: dict[str, list[dict[str, Any]]] = defaultdict(list)
    if isinstance(path, str | Path):
        where = str(path)
        with open_input(where) as stream:
            lines = Path(where).suffix.lower() in (".jsonl", ".ndjson")
            for _, record in json_records(stream, ("ticket_metric_events",), lines=lines):
                if isinstance(record, JsonError):
                    msg = f"{where}: line {record.line} column {record.column}: {record.message}"
                    raise SourceError(msg)
                _keep(out, record, where)
    else:
        for record in path:
            _keep(out, record, "metric events")
    return out


def _keep(out: dict[str, list[dict[str, Any]]], record: Any, where: str) -> None:
    if not isinstance(record, dict) or record.get("ticket_id") is None:
        msg = f"{where}: {record!r:.80} is not a ticket metric event; expected an object with ticket_id, metric, type and time"
        raise SourceError(msg)
    out[str(record["ticket_id"])].append(
        {
            "metric": record.get("metric"),
            "instance_id": record.get("instance_id"),
            "type": record.get("type"),
            "time": instant("ticket_metric_events.time", record.get("time")),
            "sla": record.get("sla"),
            "deleted": bool(record.get("deleted", False)),
        }
    )


def verdict(
    events: list[dict[str, Any]], metric: str, instance: int | None
) -> ZendeskVerdict | None:
    """Zendesk's verdict on *metric* (instance *instance*, any when None), or None without an SLA."""
    mine = [
        e
        for e in events
        if e["metric"] == metric and (instance is None or e["instance_id"] in (instance, None))
    ]
    applied = [e for e in mine if e["type"] == "apply_sla"]
    if not applied:
        return None
    mine.sort(key=lambda e: e["time"])
    sla = applied[-1]["sla"] if isinstance(applied[-1]["sla"], dict) else {}
    minutes = sla.get("target")
    if minutes is None and sla.get("target_in_seconds") is not None:
        minutes = int(sla["target_in_seconds"]) // 60
    breaches = [e for e in mine if e["type"] == "breach"]
    fulfil = next((e["time"] for e in mine if e["type"] == "fulfill"), None)
    live = [b["time"] for b in breaches if not b["deleted"]]
    if live and (fulfil is None or live[0] <= fulfil):
        status = "breached"
    elif fulfil is not None:
        status = "met"
    else:
        status = "pending"
    due = breaches[-1]["time"] if breaches else None
    return ZendeskVerdict(
        metric,
        status,
        due,
        None if minutes is None else int(minutes),
        sla.get("business_hours"),
        any(e["type"] == "pause" for e in mine),
    )


def compare(
    tickets: str | Path | Iterable[Ticket],
    metric_events: str | Path | Iterable[Any] | AbstractMapping[str, list[dict[str, Any]]],
    plan: Plan | FamilyPlan,
    *,
    now: datetime | None = None,
    mapping: Any = None,
) -> Iterator[Comparison | BadRecord]:
    """Yield a :class:`Comparison` per ticket and metric (and every bad record of the export).

    *tickets* is a Zendesk export (read with the ``zendesk`` source and
    *mapping*) or tickets already read; *metric_events* a file of Zendesk's
    ticket metric events, the records themselves, or :func:`read_metric_events`'s
    result; *plan* the plan whose outcomes to line up.
    """
    moment = datetime.now(UTC) if now is None else now
    if isinstance(metric_events, dict):
        by_ticket = metric_events
    else:
        by_ticket = read_metric_events(metric_events)
    if isinstance(tickets, str | Path):
        items: Iterable[Any] = (item for _, item in read_rows(tickets, "zendesk", mapping))
    else:
        items = tickets
    for ticket in items:
        if isinstance(ticket, BadRecord):
            yield ticket
            continue
        try:
            evaluation = plan.evaluate(ticket, moment)
        except SlacalcError as exc:
            yield BadRecord(0, f"ticket {ticket.id!r}: {exc}", 0, ticket.id)
            continue
        events = list(by_ticket.get(ticket.id, ()))
        for (zmetric, instance), metric in METRICS.items():
            if metric not in evaluation.outcomes:
                continue
            outcome = evaluation[metric]
            z = verdict(events, zmetric, instance)
            if z is None:  # Zendesk did not measure this metric: nothing to line up
                continue
            yield _compared(plan, ticket, metric, outcome, z)


def _compared(
    plan: Any, ticket: Ticket, metric: str, outcome: Outcome, z: ZendeskVerdict
) -> Comparison:
    ours = outcome.status
    same_verdict = ours == z.status or (ours == "not_applicable" and z.status == "pending")
    due_s, due_z = outcome.due_at, z.due_at
    same_due = due_s is None or due_z is None or abs(due_s - due_z) <= _TOLERANCE
    if same_verdict and same_due:
        return Comparison(ticket.id, metric, z, outcome, True, ())
    reasons: list[str] = []
    objective = outcome.objective
    zendesk_target = None if z.target_minutes is None else timedelta(minutes=z.target_minutes)
    if zendesk_target is not None and objective is not None and objective != zendesk_target:
        kind = "business" if z.business_hours else "calendar"
        reasons.append(
            f"targets differ: Zendesk applied {z.target_minutes} min in {kind} hours, "
            f"the plan sets {outcome.target}"
        )
    target = plan.target(metric, outcome.klass) if outcome.klass is not None else None
    cal = None if target is None else target.calendar
    if cal is not None and due_s is not None and due_z is not None and not same_due:
        lo, hi = sorted((due_s, due_z))
        closed = cal.holidays_between(lo, hi)
        if closed:
            days = ", ".join(f"{d.isoformat()} ({name})" for d, name in closed)
            if due_s > due_z:
                reasons.append(
                    f"holiday missing from the helpdesk's schedule: slacalc's calendar "
                    f"'{outcome.calendar}' is closed on {days}, which Zendesk counted as open"
                )
            else:
                reasons.append(
                    f"holiday in slacalc's calendar '{outcome.calendar}' ({days}) that Zendesk's "
                    "schedule treats differently"
                )
        one_us = timedelta(microseconds=1)
        at_closing = not cal.is_open(due_s) and cal.is_open(due_s - one_us)
        if at_closing and cal.next_open(due_s) == due_z:
            reasons.append(
                f"closing-time rule: the target runs out at closing time {due_s.isoformat()}; "
                f"slacalc is due then, Zendesk at the next opening {due_z.isoformat()} "
                "(docs/decisions.md)"
            )
    if outcome.paused > timedelta(0) and not z.paused:
        reasons.append(
            f"a pause the helpdesk did not apply: slacalc paused {metric} for "
            f"{format_timedelta(outcome.paused)} of open time while waiting on the customer; Zendesk's "
            f"{z.metric} did not pause"
        )
    elif z.paused and outcome.paused == timedelta(0):
        reasons.append(
            f"Zendesk paused {z.metric}; the policy does not pause {metric} (pausable: "
            f"{', '.join(plan.policy.pausable) or 'none'})"
        )
    if not reasons:
        reasons.append(
            "unexplained: same target, calendar days and pauses as far as slacalc can see"
        )
    return Comparison(ticket.id, metric, z, outcome, False, tuple(reasons))
