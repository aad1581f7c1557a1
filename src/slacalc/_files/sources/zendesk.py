"""The ``zendesk`` source: Zendesk Support tickets with their audits or comments, or ticket events.

Two shapes of export, told apart by the first record:

*Tickets* (``GET /api/v2/tickets``, the incremental ticket export, the admin
JSON export, one ticket per line or in pages ``{"tickets": [...]}``), each
ticket with its history embedded as ``audits`` (``GET
/api/v2/tickets/{id}/audits``: Create, Change and Comment events) or, with
less history, ``comments`` (``GET /api/v2/tickets/{id}/comments``). A ticket
is complete in its record, so they stream one at a time.

*Ticket events* (``GET /api/v2/incremental/ticket_events?include=comment_events``,
pages ``{"ticket_events": [...]}``): one record per update, each with its
``child_events``; the export is in time order, so the rows of a ticket are
spread through it and are grouped first (``order="any"`` by default, see
:mod:`slacalc._files.sources.grouping`).

A comment counts as the requester's (a customer message) when its author is
the ticket's requester or a user the record lists with role ``end-user``;
any other author is an agent. Private comments are internal notes.
"""

from __future__ import annotations

from collections.abc import Iterator
from collections.abc import Mapping as AbstractMapping
from datetime import datetime, timedelta
from typing import IO, Any

from slacalc._files.sources._core import (
    BadRecord,
    Draft,
    Mapping,
    RecordError,
    Tally,
    bad,
    get_path,
    instant,
    text_of,
)
from slacalc._files.sources.grouping import Order, Split, group_rows
from slacalc._files.sources.jsonstream import JsonError, json_records
from slacalc.exceptions import SlacalcError

__all__ = ["PAGE_KEYS", "is_ticket_event", "read_zendesk"]

PAGE_KEYS = ("tickets", "ticket_events", "results", "records")
_META = frozenset(
    {
        "id",
        "via",
        "via_reference_id",
        "event_type",
        "type",
        "previous_value",
        "audit_id",
        "created_at",
        "attachments",
    }
)


def read_zendesk(
    stream: IO[str],
    fmt: str,
    mapping: Mapping,
    tally: Tally,
    order: Order | None = None,
    first_line: int = 1,
) -> Iterator[tuple[int, Any]]:
    """Yield ``(line, ticket)`` or ``(line, BadRecord)`` for every ticket of a Zendesk export.

    *first_line* > 1: *stream* is a part of a JSON Lines file of tickets (as
    ``--jobs`` reads it) whose first line has that number; the shape of the
    export is then known to be tickets, as its first record said.
    """
    records = json_records(stream, PAGE_KEYS, lines=fmt == "jsonl", first_line=first_line)
    position = 0
    for line, record in records if first_line == 1 else ():  # the first record: which shape
        position += 1
        if isinstance(record, JsonError):  # the shape is told by the first record itself
            yield line, record.bad(position)
            if record.ends:
                return
            continue
        if is_ticket_event(record):
            yield from _ticket_events(
                line, position, record, records, mapping, tally, order or "any"
            )
            return
        yield line, _one(line, position, record, mapping, tally)
        break
    for line, record in records:
        position += 1
        if isinstance(record, JsonError):
            yield line, record.bad(position)
            if record.ends:
                return
            continue
        yield line, _one(line, position, record, mapping, tally)


def is_ticket_event(record: Any) -> bool:
    """Whether *record* is one of the ticket events export (the file's first record tells its shape)."""
    return isinstance(record, dict) and "child_events" in record


def _one(line: int, position: int, record: Any, mapping: Mapping, tally: Tally) -> Any:
    ident = record.get("id") if isinstance(record, dict) else None
    try:
        if not isinstance(record, dict):
            raise RecordError(None, record, "a ticket object")
        if "child_events" in record:
            raise RecordError(
                "child_events",
                "...",
                "tickets only: this file began with tickets, not ticket events",
            )
        return _ticket(record, mapping, tally).build()
    except SlacalcError as exc:
        return bad(line, position, ident, exc)


def _roles(record: AbstractMapping[str, Any]) -> dict[Any, str]:
    users = record.get("users")
    roles: dict[Any, str] = {}
    if isinstance(users, list):
        for user in users:
            if isinstance(user, dict) and "id" in user:
                roles[user["id"]] = "customer" if user.get("role") == "end-user" else "agent"
    return roles


def _author(author: Any, requester: Any, roles: dict[Any, str]) -> str:
    if author is not None and author in roles:
        return roles[author]
    return "customer" if author is not None and author == requester else "agent"


def _ticket(record: AbstractMapping[str, Any], mapping: Mapping, tally: Tally) -> Draft:
    opened = instant("created_at", record.get("created_at"))
    draft = Draft(mapping, tally, record.get("id"), opened)
    via = record.get("via")
    draft.set_channel(text_of(via.get("channel") if isinstance(via, dict) else None))
    draft.set_customer(record.get(str(mapping.option("customer_field", "organization_id"))))
    requester = record.get("requester_id")
    roles = _roles(record)
    audits = record.get("audits")
    comments = record.get("comments")
    if isinstance(audits, list) and audits:
        _audits(draft, audits, record, requester, roles)
        return draft
    # Without audits: the priority now is the one at opening, and the status history is unknown.
    draft.set_priority(record.get("priority"))
    draft.status(opened, mapping.defaults.get("status", "new"))
    if isinstance(comments, list):
        for i, comment in enumerate(comments):
            if not isinstance(comment, dict):
                raise RecordError(f"comments[{i}]", comment, "a comment object")
            at = instant(f"comments[{i}].created_at", comment.get("created_at"))
            author = _author(comment.get("author_id"), requester, roles)
            draft.message(at, author, _public(comment, f"comments[{i}].public"))
    metric_set = record.get("metric_set")
    if isinstance(metric_set, dict):
        _metric_set(draft, metric_set, opened)
    return draft


def _public(obj: AbstractMapping[str, Any], field: str) -> bool:
    public = obj.get("public", True)
    if not isinstance(public, bool):
        raise RecordError(field, public, "true or false")
    return public


def _audits(
    draft: Draft,
    audits: list[Any],
    record: AbstractMapping[str, Any],
    requester: Any,
    roles: dict[Any, str],
) -> None:
    # The hot loop of the reader (a million tickets of about seven audits): locals, no helpers.
    timed: list[tuple[datetime, int, dict[str, Any]]] = []
    fromisoformat = datetime.fromisoformat
    for i, audit in enumerate(audits):
        if not isinstance(audit, dict):
            raise RecordError(f"audits[{i}]", audit, "an audit object")
        created = audit.get("created_at")
        at = None
        if type(created) is str:
            try:
                at = fromisoformat(created)
            except ValueError:
                at = None
            else:
                if at.tzinfo is None:
                    at = None
        if at is None:
            at = instant(f"audits[{i}].created_at", created)
        timed.append((at, i, audit))
    timed.sort()  # (instant, position) never ties: the audits themselves are never compared
    priority_set = status_set = False
    message = draft.message
    for at, i, audit in timed:
        events = audit.get("events")
        if not isinstance(events, list):
            raise RecordError(f"audits[{i}].events", events, "a list of audit events")
        for j, event in enumerate(events):
            if not isinstance(event, dict):
                raise RecordError(f"audits[{i}].events[{j}]", event, "an audit event object")
            kind = event.get("type")
            if kind == "Comment" or kind == "VoiceComment":
                author = event["author_id"] if "author_id" in event else audit.get("author_id")
                if author is None:
                    who = "agent"
                elif author in roles:
                    who = roles[author]
                else:
                    who = "customer" if author == requester else "agent"
                public = event.get("public", True)
                if public is not True and public is not False:
                    raise RecordError(f"audits[{i}].events[{j}].public", public, "true or false")
                message(at, who, public)
            elif kind == "Create" or kind == "Change":
                name = event.get("field_name")
                value = event.get("value")
                if name == "status":
                    if not status_set and kind == "Change" and event.get("previous_value"):
                        draft.status(draft.opened_at, event.get("previous_value"))
                    draft.status(at, value)
                    status_set = True
                elif name == "priority":
                    if not priority_set:
                        draft.set_priority(
                            event.get("previous_value") if kind == "Change" else value
                        )
                        priority_set = True
                    if kind == "Change":
                        draft.priority(at, value)
                elif name == "assignee_id" and value not in (None, ""):
                    draft.assigned(at)
                elif name == "tags":
                    _tags(draft, at, value, event.get("previous_value"))
    if not priority_set:
        draft.set_priority(record.get("priority"))
    if not status_set:
        draft.status(draft.opened_at, draft.mapping.defaults.get("status", "new"))


def _tags(draft: Draft, at: datetime, value: Any, previous: Any) -> None:
    wanted = draft.mapping.option("escalation_tags", [])
    urgent = set(draft.mapping.option("urgent_escalation_tags", []))
    now = set(value) if isinstance(value, list) else set(str(value or "").split())
    before = set(previous) if isinstance(previous, list) else set(str(previous or "").split())
    added = [t for t in wanted if t in now and t not in before]
    if added and not any(e[1] == "escalation" for e in draft.events):
        draft.escalated(at, "urgent" if any(t in urgent for t in added) else "normal")


def _metric_set(draft: Draft, metrics: AbstractMapping[str, Any], opened: datetime) -> None:
    """The ticket metric set (``include=metric_sets``): replies in minutes, solved and assigned instants."""
    minutes = get_path(metrics, "reply_time_in_minutes.calendar")
    if isinstance(minutes, int) and not draft.responded_at:
        draft.message(opened + timedelta(minutes=minutes), "agent", True)
    assigned = metrics.get("initially_assigned_at")
    if assigned:
        draft.assigned(instant("metric_set.initially_assigned_at", assigned))
    solved = metrics.get("solved_at")
    if solved:
        draft.status(instant("metric_set.solved_at", solved), "solved")


# ---------------------------------------------------------------------- ticket events export


def _ticket_events(
    line: int,
    position: int,
    first: AbstractMapping[str, Any],
    rest: Iterator[tuple[int, Any]],
    mapping: Mapping,
    tally: Tally,
    order: Order,
) -> Iterator[tuple[int, Any]]:
    problems: list[BadRecord] = []

    def rows() -> Iterator[tuple[int, str, Any]]:
        pos = position
        item: Any = first
        where = line
        while True:
            if isinstance(item, JsonError):
                problems.append(item.bad(pos))
                if item.ends:
                    return
            else:
                ident = item.get("ticket_id") if isinstance(item, dict) else None
                if ident in (None, ""):
                    problems.append(
                        bad(where, pos, None, RecordError("ticket_id", ident, "the ticket's id"))
                    )
                else:
                    yield where, str(ident), [pos, item]
            nxt = next(rest, None)
            if nxt is None:
                return
            where, item = nxt
            pos += 1

    for group in group_rows(rows(), order):
        while problems:
            p = problems.pop(0)
            yield p.line, p
        if isinstance(group, Split):
            continue
        ident, items = group
        first_line = items[0][0]
        first_pos = items[0][1][0]
        try:
            draft = _from_events(ident, [payload for _, payload in items], mapping, tally)
            yield first_line, draft.build()
        except SlacalcError as exc:
            yield first_line, bad(first_line, first_pos, ident, exc)
    while problems:
        p = problems.pop(0)
        yield p.line, p


def _child_fields(child: AbstractMapping[str, Any]) -> list[tuple[str, Any]]:
    return [(k, v) for k, v in child.items() if k not in _META]


def _from_events(ident: str, items: list[Any], mapping: Mapping, tally: Tally) -> Draft:
    timed = []
    for pos, event in items:
        at = instant(
            f"ticket_events record {pos}: created_at",
            event.get("created_at", event.get("timestamp")),
        )
        timed.append((at, int(event.get("id") or 0), pos, event))
    timed.sort(key=lambda t: (t[0], t[1]))
    created = [t for t in timed if _creates(t[3])]
    if not created:
        raise RecordError(
            "child_events",
            None,
            "the ticket's Create events (the export must start before the ticket was created)",
        )
    opened_at, _, _, creating = created[0]
    draft = Draft(mapping, tally, ident, opened_at)
    draft.set_channel(text_of(creating.get("via")))
    requester = None
    for child in creating.get("child_events") or ():
        if isinstance(child, dict) and child.get("event_type") == "Create":
            for name, value in _child_fields(child):
                if name == "requester_id":
                    requester = value
                elif name == mapping.option("customer_field", "organization_id"):
                    draft.set_customer(value)
    priority_set = status_set = False
    for at, _, pos, event in timed:
        children = event.get("child_events")
        if not isinstance(children, list):
            raise RecordError(f"ticket_events record {pos}: child_events", children, "a list")
        for child in children:
            if not isinstance(child, dict):
                continue
            kind = child.get("event_type")
            if kind in ("Create", "Change"):
                for name, value in _child_fields(child):
                    if name == "priority":
                        if not priority_set:
                            draft.set_priority(
                                child.get("previous_value") if kind == "Change" else value
                            )
                            priority_set = True
                        if kind == "Change":
                            draft.priority(at, value)
                    elif name == "status":
                        draft.status(at, value)
                        status_set = True
                    elif name == "assignee_id" and value not in (None, ""):
                        draft.assigned(at)
                    elif name == "tags":
                        _tags(draft, at, value, child.get("previous_value"))
            elif kind in ("Comment", "VoiceComment"):
                public = child.get("public", child.get("comment_public", True))
                author = child.get("author_id", event.get("updater_id"))
                draft.message(at, _author(author, requester, {}), bool(public))
    if not priority_set:
        draft.set_priority(None)
    if not status_set:
        draft.status(opened_at, mapping.defaults.get("status", "new"))
    return draft


def _creates(event: AbstractMapping[str, Any]) -> bool:
    for child in event.get("child_events") or ():
        if isinstance(child, dict) and child.get("event_type") == "Create":
            return True
    return False
