"""The ``freshdesk`` source: Freshdesk tickets with their conversations and stats.

One ticket per record: ``GET /api/v2/tickets/{id}?include=conversations,stats``
responses, or ``GET /api/v2/tickets?include=stats`` lists with each ticket's
``conversations`` (``GET /api/v2/tickets/{id}/conversations``) added.

- opened: ``created_at``; severity: ``priority`` (1 Low … 4 Urgent);
  channel: ``source`` (1 Email, 2 Portal, 3 Phone, 7 Chat, …); customer:
  ``company_id``;
- conversations: ``private: true`` is an internal note; ``incoming: true`` is
  the customer's message, any other public one (reply or public note) the
  agent's;
- Freshdesk's REST API keeps no status history. What it tells is read: the
  current spell in Pending from ``stats.pending_since`` (while the status is
  Pending), ``stats.resolved_at`` and ``stats.closed_at``. A pause that ended
  earlier is not in the API; when the record carries ``activities`` (the
  entries of Freshdesk's ticket activity export for this ticket, each
  ``{"performed_at", "activity": {"status": ..., "priority": ...}}``), their
  status and priority changes are used instead (the first entry naming a
  priority, the creation entry, gives the priority at opening).
"""

from __future__ import annotations

from collections.abc import Iterator
from collections.abc import Mapping as AbstractMapping
from typing import IO, Any

from slacalc._files.sources._core import Draft, Mapping, RecordError, Tally, get_path, instant
from slacalc._files.sources.jsonstream import ticket_records

__all__ = ["read_freshdesk"]


def read_freshdesk(
    stream: IO[str],
    fmt: str,
    mapping: Mapping,
    tally: Tally,
    order: str | None = None,
    first_line: int = 1,
) -> Iterator[tuple[int, Any]]:
    """Yield ``(line, ticket)`` or ``(line, BadRecord)`` for every ticket of a Freshdesk export."""
    return ticket_records(
        stream, fmt, ("tickets", "results"), _ticket, mapping, tally, first_line=first_line
    )


def _ticket(record: dict[str, Any], mapping: Mapping, tally: Tally) -> Draft:
    opened = instant("created_at", record.get("created_at"))
    draft = Draft(mapping, tally, record.get("id"), opened)
    draft.set_channel(record.get("source"))
    draft.set_customer(record.get(mapping.option("customer_field", "company_id")))
    activities = record.get("activities")
    timeline: list[tuple[Any, int, Any]] = []
    if isinstance(activities, list) and activities:
        changes = []
        for i, entry in enumerate(activities):
            if not isinstance(entry, dict) or not isinstance(
                entry.get("activity"), AbstractMapping
            ):
                raise RecordError(
                    f"activities[{i}]", entry, "an activity entry with an activity object"
                )
            at = instant(f"activities[{i}].performed_at", entry.get("performed_at"))
            changes.append((at, i, entry["activity"]))
        changes.sort(key=lambda c: (c[0], c[1]))
        # The first entry naming a priority (the creation entry) gives the priority at opening.
        first_priority = next((i for i, (*_, a) in enumerate(changes) if "priority" in a), None)
        draft.set_priority(
            record.get("priority")
            if first_priority is None
            else changes[first_priority][2]["priority"]
        )
        draft.status(opened, mapping.defaults.get("status", "2"))
        for n, (at, _, activity) in enumerate(changes):
            if "status" in activity:
                timeline.append((at, 1, ("status", activity["status"])))
            if "priority" in activity and n != first_priority:
                timeline.append((at, 1, ("priority", activity["priority"])))
    else:
        draft.set_priority(record.get("priority"))
        draft.status(opened, mapping.defaults.get("status", "2"))
        stats = record.get("stats") or {}
        if not isinstance(stats, dict):
            raise RecordError("stats", stats, "the ticket's stats object")
        status = record.get("status")
        pending = get_path(record, "stats.pending_since")
        if pending and mapping.meaning(mapping.status(status, tally), "pause"):
            timeline.append((instant("stats.pending_since", pending), 1, ("status", status)))
        for name, value in (("resolved_at", "4"), ("closed_at", "5")):
            if stats.get(name):
                timeline.append((instant(f"stats.{name}", stats[name]), 1, ("status", value)))
    conversations = record.get("conversations") or []
    if not isinstance(conversations, list):
        raise RecordError("conversations", conversations, "a list of conversations")
    for i, conversation in enumerate(conversations):
        where = f"conversations[{i}]"
        if not isinstance(conversation, dict):
            raise RecordError(where, conversation, "a conversation object")
        for flag in ("private", "incoming"):
            if not isinstance(conversation.get(flag, False), bool):
                raise RecordError(f"{where}.{flag}", conversation.get(flag), "true or false")
        at = instant(f"{where}.created_at", conversation.get("created_at"))
        who = "customer" if conversation.get("incoming") else "agent"
        timeline.append((at, 0, (who, not conversation.get("private", False))))
    timeline.sort(key=lambda t: (t[0], t[1]))
    for at, kind, payload in timeline:
        if kind == 0:
            draft.message(at, *payload)
        elif payload[0] == "status":
            draft.status(at, payload[1])
        else:
            draft.priority(at, payload[1])
    return draft
