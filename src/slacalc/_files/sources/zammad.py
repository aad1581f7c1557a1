"""The ``zammad`` source: Zammad tickets with their articles and history.

One ticket per record (``GET /api/v1/tickets/{id}?expand=true`` or the
search/list responses), with its ``articles`` (``GET
/api/v1/ticket_articles/by_ticket/{id}``) and ``history`` (``GET
/api/v1/ticket_history/{id}``: ``{"history": [...]}`` or the list itself)
embedded.

- opened: ``created_at``; the ticket id is the ticket ``number`` (else ``id``);
- severity: the priority at creation (the ``value_from`` of the first
  ``priority`` history entry, else ``priority`` / ``priority_id``);
  ``priority`` history entries are severity changes;
- statuses: ``state`` history entries (``value_from`` / ``value_to``);
- articles: ``sender`` ``Customer`` / ``Agent`` (``sender_id`` 2 / 1), ``System``
  ones are skipped; ``internal: true`` is an internal note;
- the first ``owner`` history entry naming an owner is the dispatch;
- channel: ``create_article_type`` (else the first article's ``type``);
  customer: ``organization`` (else ``organization_id``).
"""

from __future__ import annotations

from collections.abc import Iterator
from collections.abc import Mapping as AbstractMapping
from typing import IO, Any

from slacalc._files.sources._core import Draft, Mapping, RecordError, Tally, instant, text_of
from slacalc._files.sources.jsonstream import ticket_records

__all__ = ["read_zammad"]

_SENDERS = {"1": "agent", "2": "customer", "3": "system"}


def read_zammad(
    stream: IO[str],
    fmt: str,
    mapping: Mapping,
    tally: Tally,
    order: str | None = None,
    first_line: int = 1,
) -> Iterator[tuple[int, Any]]:
    """Yield ``(line, ticket)`` or ``(line, BadRecord)`` for every ticket of a Zammad export."""
    return ticket_records(
        stream, fmt, ("tickets",), _ticket, mapping, tally, "number", first_line=first_line
    )


def _sender(article: AbstractMapping[str, Any], where: str) -> str:
    sender = article.get("sender")
    if sender is None and article.get("sender_id") is not None:
        sender = _SENDERS.get(str(article.get("sender_id")))
    text = str(sender or "").strip().lower()
    if text not in ("customer", "agent", "system"):
        raise RecordError(f"{where}.sender", sender, "Customer, Agent or System")
    return text


def _ticket(record: dict[str, Any], mapping: Mapping, tally: Tally) -> Draft:
    opened = instant("created_at", record.get("created_at"))
    draft = Draft(mapping, tally, record.get("number") or record.get("id"), opened)
    articles = record.get("articles") or []
    if not isinstance(articles, list):
        raise RecordError("articles", articles, "a list of articles")
    channel = record.get("create_article_type")
    if channel is None and articles and isinstance(articles[0], dict):
        channel = articles[0].get("type")
    draft.set_channel(text_of(channel))
    org = record.get("organization")
    draft.set_customer(
        text_of(org) if org else record.get(mapping.option("customer_field", "organization_id"))
    )

    history = record.get("history") or []
    if isinstance(history, dict):
        history = history.get("history", history.get("list", []))
    if not isinstance(history, list):
        raise RecordError("history", history, "a list of history entries")
    entries: list[tuple[Any, int, str, AbstractMapping[str, Any]]] = []
    for i, entry in enumerate(history):
        if not isinstance(entry, dict):
            raise RecordError(f"history[{i}]", entry, "a history entry")
        if entry.get("object", "Ticket") != "Ticket" or entry.get("type") != "updated":
            continue
        name = str(entry.get("attribute", ""))
        if name in ("state", "priority", "owner"):
            entries.append(
                (instant(f"history[{i}].created_at", entry.get("created_at")), i, name, entry)
            )
    entries.sort(key=lambda e: (e[0], e[1]))
    first = {name: entry for _, _, name, entry in reversed(entries)}
    if "priority" in first:
        draft.set_priority(first["priority"].get("value_from"))
    else:
        draft.set_priority(text_of(record.get("priority")) or record.get("priority_id"))
    if "state" in first:
        draft.status(opened, first["state"].get("value_from"))
    else:
        draft.status(opened, text_of(record.get("state")) or record.get("state_id"))

    timeline: list[tuple[Any, int, Any]] = [(at, 1, (name, e)) for at, _, name, e in entries]
    for i, article in enumerate(articles):
        where = f"articles[{i}]"
        if not isinstance(article, dict):
            raise RecordError(where, article, "an article object")
        internal = article.get("internal", False)
        if not isinstance(internal, bool):
            raise RecordError(f"{where}.internal", internal, "true or false")
        sender = _sender(article, where)
        at = instant(f"{where}.created_at", article.get("created_at"))
        if sender != "system":
            timeline.append((at, 0, (sender, not internal)))
    timeline.sort(key=lambda t: (t[0], t[1]))
    for at, kind, payload in timeline:
        if kind == 0:
            draft.message(at, payload[0], payload[1])
            continue
        name, entry = payload
        if name == "priority":
            draft.priority(at, entry.get("value_to"))
        elif name == "state":
            draft.status(at, entry.get("value_to"))
        elif name == "owner" and str(entry.get("value_to") or "-").strip() not in ("-", ""):
            draft.assigned(at)
    return draft
