"""The ``jira`` source: Jira Service Management issues with their changelog and comments.

One issue per record: ``GET /rest/api/3/search?expand=changelog&fields=*all``
pages (``{"issues": [...]}``), ``GET /rest/api/3/issue/{key}?expand=changelog``
responses one per line, or an array of them. The ticket id is the issue key.

- opened: ``fields.created``; severity: the priority at creation (the
  ``fromString`` of the first priority change in the changelog, else
  ``fields.priority``); later priority changes are severity changes;
- statuses: the changelog's ``status`` items (``fromString`` / ``toString``);
  the status at creation is the first item's ``fromString`` (else the status
  now: an issue whose changelog has no status item never changed status);
- comments: ``fields.comment.comments`` (``jsdPublic`` false is an internal
  comment) or JSM's request comments (``comments`` with ``public``); the
  author is the customer when Jira says ``accountType: "customer"`` or when
  it is the reporter, an agent otherwise;
- the first ``assignee`` item with a ``to`` is the dispatch;
- channel: the field named by ``options.channel_field`` (Jira has no
  standard one); customer: ``options.customer_field`` (an organisation field;
  its first name), else the reporter's e-mail domain.
"""

from __future__ import annotations

from collections.abc import Iterator
from collections.abc import Mapping as AbstractMapping
from typing import IO, Any

from slacalc._files.sources._core import (
    Draft,
    Mapping,
    RecordError,
    Tally,
    get_path,
    instant,
    text_of,
)
from slacalc._files.sources.jsonstream import ticket_records

__all__ = ["read_jira"]


def read_jira(
    stream: IO[str],
    fmt: str,
    mapping: Mapping,
    tally: Tally,
    order: str | None = None,
    first_line: int = 1,
) -> Iterator[tuple[int, Any]]:
    """Yield ``(line, ticket)`` or ``(line, BadRecord)`` for every issue of a Jira export."""
    return ticket_records(
        stream, fmt, ("issues", "values"), _issue, mapping, tally, "key", first_line=first_line
    )


def _who(author: Any, reporter: Any) -> str:
    if not isinstance(author, dict):
        return "agent"
    if author.get("accountType") == "customer":
        return "customer"
    if isinstance(reporter, dict) and author.get("accountId") is not None:
        return "customer" if author.get("accountId") == reporter.get("accountId") else "agent"
    return "agent"


def _comment_time(comment: AbstractMapping[str, Any], where: str) -> Any:
    created = comment.get("created")
    if isinstance(
        created, AbstractMapping
    ):  # JSM request comments: {"iso8601": ..., "epochMillis": ...}
        created = created.get("iso8601", created.get("jira"))
    return instant(f"{where}.created", created)


def _issue(record: dict[str, Any], mapping: Mapping, tally: Tally) -> Draft:
    fields = record.get("fields")
    if not isinstance(fields, dict):
        raise RecordError("fields", fields, "the issue's fields object")
    opened = instant("fields.created", fields.get("created"))
    draft = Draft(mapping, tally, record.get("key") or record.get("id"), opened)
    reporter = fields.get("reporter")
    channel_field = mapping.option("channel_field")
    if channel_field:
        draft.set_channel(text_of(get_path(fields, str(channel_field))))
    customer_field = mapping.option("customer_field")
    if customer_field:
        value = get_path(fields, str(customer_field))
        draft.set_customer(text_of(value[0] if isinstance(value, list) and value else value))
    else:
        email = reporter.get("emailAddress") if isinstance(reporter, dict) else None
        draft.set_customer(str(email).rpartition("@")[2] if email and "@" in str(email) else None)

    histories = get_path(record, "changelog.histories")
    if histories is None:
        histories = []
    if not isinstance(histories, list):
        raise RecordError("changelog.histories", histories, "a list of histories")
    changes: list[tuple[Any, int, str, AbstractMapping[str, Any]]] = []
    for i, history in enumerate(histories):
        if not isinstance(history, dict):
            raise RecordError(f"changelog.histories[{i}]", history, "a history object")
        at = instant(f"changelog.histories[{i}].created", history.get("created"))
        for item in history.get("items") or ():
            if isinstance(item, dict):
                changes.append((at, i, str(item.get("field", "")).lower(), item))
    changes.sort(key=lambda c: (c[0], c[1]))
    first = {name: item for _, _, name, item in reversed(changes)}
    if "priority" in first:
        draft.set_priority(first["priority"].get("fromString"))
    else:
        draft.set_priority(text_of(fields.get("priority")))
    if "status" in first:
        draft.status(opened, first["status"].get("fromString"))
    else:
        draft.status(opened, text_of(fields.get("status")))

    messages: list[tuple[Any, str, bool]] = []
    comments = get_path(fields, "comment.comments")
    for i, comment in enumerate(comments if isinstance(comments, list) else []):
        where = f"fields.comment.comments[{i}]"
        if not isinstance(comment, dict):
            raise RecordError(where, comment, "a comment object")
        public = comment.get("jsdPublic", True)
        if not isinstance(public, bool):
            raise RecordError(f"{where}.jsdPublic", public, "true or false")
        messages.append(
            (_comment_time(comment, where), _who(comment.get("author"), reporter), public)
        )
    for i, comment in enumerate(record.get("comments") or ()):
        where = f"comments[{i}]"
        if not isinstance(comment, dict):
            raise RecordError(where, comment, "a request comment object")
        public = comment.get("public", True)
        if not isinstance(public, bool):
            raise RecordError(f"{where}.public", public, "true or false")
        messages.append(
            (_comment_time(comment, where), _who(comment.get("author"), reporter), public)
        )

    timeline: list[tuple[Any, int, Any]] = [(at, 1, (name, item)) for at, _, name, item in changes]
    timeline += [(m[0], 0, m) for m in messages]
    timeline.sort(key=lambda t: (t[0], t[1]))
    for at, kind, payload in timeline:
        if kind == 0:
            _, who, public = payload
            draft.message(at, who, public)
            continue
        name, item = payload
        if name == "priority":
            draft.priority(at, item.get("toString"))
        elif name == "status":
            draft.status(at, item.get("toString"))
        elif name == "assignee" and item.get("to") not in (None, ""):
            draft.assigned(at)
    return draft
