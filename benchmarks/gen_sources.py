"""Write large synthetic helpdesk exports in each source's format.

Usage (from the repository root)::

    python benchmarks/gen_sources.py --source zendesk --tickets 1000000 --out /tmp/zendesk.jsonl
    python benchmarks/gen_sources.py --source events --tickets 1000000 --out /tmp/events.csv

Every ticket tells the same kind of story, seeded and reproducible: opened at
a random instant of 2026, a customer message, often an internal note, a first
public agent reply (a tenth never answered), a priority change for a fifth, a
spell waiting on the customer for a third, a second exchange and, for most,
the solution. The records have the shape of each helpdesk's documented
export (see ``tests/fixtures/sources/*/README.md``); JSON sources write one
record per line (JSON Lines), ``--pages N`` writes API pages of N records
instead.
"""

from __future__ import annotations

import argparse
import json
import random
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, TextIO

START = datetime(2026, 1, 1, tzinfo=UTC)
SOURCES = ("zendesk", "jira", "zammad", "freshdesk", "frappe", "events")


@dataclass
class Story:
    """One synthetic ticket, in helpdesk-neutral terms (UTC instants)."""

    n: int
    opened: datetime
    priority: int  # 1 (top) .. 4
    channel: str  # email, web, chat, phone, social
    customer: int
    note: datetime | None
    reply: datetime | None
    raised: datetime | None  # priority raised by one step
    pending: tuple[datetime, datetime] | None
    second: tuple[datetime, datetime] | None  # customer, agent
    solved: datetime | None
    steps: list[tuple[datetime, str, Any]] = field(default_factory=list)


def stories(count: int, seed: int = 11) -> Iterator[Story]:
    rng = random.Random(seed)
    for n in range(count):
        opened = START + timedelta(seconds=rng.randrange(360 * 86400))
        t = opened
        note = t + timedelta(minutes=rng.randint(1, 30)) if rng.random() < 0.6 else None
        reply = None
        if rng.random() > 0.1:
            reply = t + timedelta(minutes=rng.randint(5, 24 * 60))
            t = reply
        raised = opened + timedelta(minutes=rng.randint(1, 60)) if rng.random() < 0.2 else None
        if raised is not None and reply is not None and raised > reply:
            raised = reply - timedelta(minutes=1) if reply - opened > timedelta(minutes=2) else None
        pending = second = solved = None
        if reply is not None:
            if rng.random() < 0.33:
                pending = (reply, reply + timedelta(hours=rng.randint(1, 72)))
                t = pending[1]
            if rng.random() < 0.5:
                customer = t + timedelta(minutes=rng.randint(1, 600))
                second = (customer, customer + timedelta(minutes=rng.randint(5, 600)))
                t = second[1]
            if rng.random() < 0.85:
                solved = t + timedelta(minutes=rng.randint(1, 240))
        yield Story(
            n,
            opened,
            rng.randint(1, 4),
            rng.choice(("email", "web", "chat", "phone", "social")),
            rng.randint(1, 500),
            note,
            reply,
            raised,
            pending,
            second,
            solved,
        )


def z(dt: datetime) -> str:
    return dt.strftime("%Y-%m-%dT%H:%M:%SZ")


# ---------------------------------------------------------------------- zendesk

_ZD_PRIORITY = {1: "urgent", 2: "high", 3: "normal", 4: "low"}
_ZD_CHANNEL = {
    "email": "email",
    "web": "web",
    "chat": "chat",
    "phone": "voice",
    "social": "twitter",
}


def zendesk(s: Story) -> dict[str, Any]:
    requester, agent = 10_000_000 + s.n, 500 + s.n % 40
    prio = _ZD_PRIORITY[s.priority]
    audits: list[dict[str, Any]] = []

    def audit(at: datetime, author: int, events: list[dict[str, Any]]) -> None:
        audits.append(
            {"id": len(audits) + 1, "created_at": z(at), "author_id": author, "events": events}
        )

    audit(
        s.opened,
        requester,
        [
            {"id": 1, "type": "Comment", "author_id": requester, "public": True, "body": "Help"},
            {"id": 2, "type": "Create", "field_name": "status", "value": "new"},
            {"id": 3, "type": "Create", "field_name": "priority", "value": prio},
        ],
    )
    if s.note:
        audit(s.note, agent, [{"id": 4, "type": "Comment", "author_id": agent, "public": False}])
    if s.raised:
        up = _ZD_PRIORITY[max(1, s.priority - 1)]
        audit(
            s.raised,
            agent,
            [
                {
                    "id": 5,
                    "type": "Change",
                    "field_name": "priority",
                    "value": up,
                    "previous_value": prio,
                }
            ],
        )
    if s.reply:
        ev = [{"id": 6, "type": "Comment", "author_id": agent, "public": True, "body": "On it"}]
        ev.append(
            {
                "id": 7,
                "type": "Change",
                "field_name": "status",
                "value": "pending" if s.pending else "open",
                "previous_value": "new",
            }
        )
        audit(s.reply, agent, ev)
    if s.pending:
        audit(
            s.pending[1],
            requester,
            [
                {
                    "id": 8,
                    "type": "Change",
                    "field_name": "status",
                    "value": "open",
                    "previous_value": "pending",
                }
            ],
        )
    if s.second:
        audit(
            s.second[0],
            requester,
            [{"id": 9, "type": "Comment", "author_id": requester, "public": True}],
        )
        audit(
            s.second[1], agent, [{"id": 10, "type": "Comment", "author_id": agent, "public": True}]
        )
    if s.solved:
        audit(
            s.solved,
            agent,
            [
                {
                    "id": 11,
                    "type": "Change",
                    "field_name": "status",
                    "value": "solved",
                    "previous_value": "open",
                }
            ],
        )
    return {
        "id": s.n + 1,
        "created_at": z(s.opened),
        "priority": prio,
        "status": "solved" if s.solved else "open",
        "requester_id": requester,
        "organization_id": s.customer,
        "via": {"channel": _ZD_CHANNEL[s.channel]},
        "audits": audits,
    }


# ---------------------------------------------------------------------- events


def events(s: Story) -> Iterator[tuple[str, str, str, str]]:
    ident = f"T{s.n:08d}"
    yield ident, z(s.opened), "opened", str(s.priority)
    yield ident, "", "channel", {"web": "ticket", "social": "community"}.get(s.channel, s.channel)
    yield ident, "", "customer", f"C{s.customer}"
    yield ident, z(s.opened), "message", "customer"
    if s.raised:
        yield ident, z(s.raised), "severity", str(max(1, s.priority - 1))
    if s.reply:
        yield ident, z(s.reply), "message", "agent"
    if s.pending:
        yield ident, z(s.pending[0]), "pause", ""
        yield ident, z(s.pending[1]), "resume", ""
    if s.second:
        yield ident, z(s.second[0]), "message", "customer"
        yield ident, z(s.second[1]), "message", "agent"
    if s.solved:
        yield ident, z(s.solved), "resolved", ""


# ---------------------------------------------------------------------- the others

_JIRA_PRIORITY = {1: "Highest", 2: "High", 3: "Medium", 4: "Low"}


def jira(s: Story) -> dict[str, Any]:
    def j(dt: datetime) -> str:
        return dt.strftime("%Y-%m-%dT%H:%M:%S.000+0000")

    customer = {"accountId": f"qm:{s.n}", "accountType": "customer"}
    agent = {"accountId": f"a{s.n % 40}", "accountType": "atlassian"}
    comments = []
    if s.note:
        comments.append({"author": agent, "created": j(s.note), "jsdPublic": False})
    if s.reply:
        comments.append({"author": agent, "created": j(s.reply), "jsdPublic": True})
    if s.second:
        comments.append({"author": customer, "created": j(s.second[0]), "jsdPublic": True})
        comments.append({"author": agent, "created": j(s.second[1]), "jsdPublic": True})
    histories = []
    if s.raised:
        histories.append(
            {
                "created": j(s.raised),
                "items": [
                    {
                        "field": "priority",
                        "fromString": _JIRA_PRIORITY[s.priority],
                        "toString": _JIRA_PRIORITY[max(1, s.priority - 1)],
                    }
                ],
            }
        )
    status = "Waiting for support"
    if s.pending:
        histories.append(
            {
                "created": j(s.pending[0]),
                "items": [
                    {"field": "status", "fromString": status, "toString": "Waiting for customer"}
                ],
            }
        )
        histories.append(
            {
                "created": j(s.pending[1]),
                "items": [
                    {"field": "status", "fromString": "Waiting for customer", "toString": status}
                ],
            }
        )
    if s.solved:
        histories.append(
            {
                "created": j(s.solved),
                "items": [{"field": "status", "fromString": status, "toString": "Resolved"}],
            }
        )
    return {
        "key": f"SD-{s.n + 1}",
        "fields": {
            "created": j(s.opened),
            "priority": {"name": _JIRA_PRIORITY[s.priority]},
            "status": {"name": "Resolved" if s.solved else status},
            "reporter": customer,
            "comment": {"comments": comments},
        },
        "changelog": {"histories": histories},
    }


def zammad(s: Story) -> dict[str, Any]:
    prio = {1: "4 urgent", 2: "3 high", 3: "2 normal", 4: "1 low"}
    articles = [
        {"sender": "Customer", "internal": False, "type": "email", "created_at": z(s.opened)}
    ]
    if s.note:
        articles.append(
            {"sender": "Agent", "internal": True, "type": "note", "created_at": z(s.note)}
        )
    if s.reply:
        articles.append(
            {"sender": "Agent", "internal": False, "type": "email", "created_at": z(s.reply)}
        )
    if s.second:
        articles.append(
            {"sender": "Customer", "internal": False, "type": "email", "created_at": z(s.second[0])}
        )
        articles.append(
            {"sender": "Agent", "internal": False, "type": "email", "created_at": z(s.second[1])}
        )
    history = []

    def h(at: datetime, attribute: str, old: str, new: str) -> None:
        history.append(
            {
                "object": "Ticket",
                "type": "updated",
                "attribute": attribute,
                "value_from": old,
                "value_to": new,
                "created_at": z(at),
            }
        )

    if s.raised:
        h(s.raised, "priority", prio[s.priority], prio[max(1, s.priority - 1)])
    if s.pending:
        h(s.pending[0], "state", "open", "pending reminder")
        h(s.pending[1], "state", "pending reminder", "open")
    if s.solved:
        h(s.solved, "state", "open", "closed")
    return {
        "id": s.n + 1,
        "number": str(31000 + s.n),
        "created_at": z(s.opened),
        "state": "closed" if s.solved else "open",
        "priority": prio[s.priority],
        "organization_id": s.customer,
        "create_article_type": {"web": "web", "social": "twitter status"}.get(s.channel, s.channel),
        "articles": articles,
        "history": history,
    }


def freshdesk(s: Story) -> dict[str, Any]:
    conversations = []
    if s.note:
        conversations.append({"incoming": False, "private": True, "created_at": z(s.note)})
    if s.reply:
        conversations.append({"incoming": False, "private": False, "created_at": z(s.reply)})
    if s.second:
        conversations.append({"incoming": True, "private": False, "created_at": z(s.second[0])})
        conversations.append({"incoming": False, "private": False, "created_at": z(s.second[1])})
    return {
        "id": s.n + 1,
        "created_at": z(s.opened),
        "priority": 5 - s.priority,
        "status": 4 if s.solved else 2,
        "source": {"email": 1, "web": 2, "phone": 3, "chat": 7, "social": 5}[s.channel],
        "company_id": s.customer,
        "stats": {"resolved_at": z(s.solved) if s.solved else None, "pending_since": None},
        "conversations": conversations,
    }


def frappe(s: Story) -> dict[str, Any]:
    def f(dt: datetime) -> str:
        return dt.strftime("%Y-%m-%d %H:%M:%S")

    prio = {1: "Urgent", 2: "High", 3: "Medium", 4: "Low"}
    comms = [
        {
            "communication_medium": "Email",
            "sent_or_received": "Received",
            "communication_date": f(s.opened),
        }
    ]
    if s.reply:
        comms.append(
            {
                "communication_medium": "Email",
                "sent_or_received": "Sent",
                "communication_date": f(s.reply),
            }
        )
    if s.second:
        comms.append(
            {
                "communication_medium": "Email",
                "sent_or_received": "Received",
                "communication_date": f(s.second[0]),
            }
        )
        comms.append(
            {
                "communication_medium": "Email",
                "sent_or_received": "Sent",
                "communication_date": f(s.second[1]),
            }
        )
    history, versions = [], []
    if s.raised:
        new = prio[max(1, s.priority - 1)]
        history.append({"action": f"set priority to {new}", "creation": f(s.raised)})
        versions.append(
            {"creation": f(s.raised), "data": {"changed": [["priority", prio[s.priority], new]]}}
        )
    if s.pending:
        history.append({"action": "set status to Replied", "creation": f(s.pending[0])})
        history.append({"action": "set status to Open", "creation": f(s.pending[1])})
    if s.solved:
        history.append({"action": "set status to Resolved", "creation": f(s.solved)})
    return {
        "name": s.n + 1,
        "status": "Resolved" if s.solved else "Open",
        "priority": prio[s.priority],
        "customer": f"C{s.customer}",
        "opening_date": s.opened.strftime("%Y-%m-%d"),
        "opening_time": s.opened.strftime("%H:%M:%S"),
        "communications": comms,
        "comments": [{"creation": f(s.note)}] if s.note else [],
        "history": history,
        "versions": versions,
    }


WRITERS = {
    "zendesk": zendesk,
    "jira": jira,
    "zammad": zammad,
    "freshdesk": freshdesk,
    "frappe": frappe,
}
PAGE_KEYS = {
    "zendesk": "tickets",
    "jira": "issues",
    "zammad": "tickets",
    "freshdesk": "tickets",
    "frappe": "data",
}


def write(source: str, count: int, out: TextIO, pages: int = 0) -> None:
    """Write *count* synthetic tickets of *source* to *out*."""
    if source == "events":
        out.write("ticket_id,at,kind,value\n")
        for s in stories(count):
            for row in events(s):
                out.write(",".join(row) + "\n")
        return
    make = WRITERS[source]
    dumps = json.JSONEncoder(separators=(",", ":")).encode
    if not pages:
        for s in stories(count):
            out.write(dumps(make(s)))
            out.write("\n")
        return
    batch: list[Any] = []
    for s in stories(count):
        batch.append(make(s))
        if len(batch) == pages:
            out.write(dumps({PAGE_KEYS[source]: batch, "next_page": None}) + "\n")
            batch = []
    if batch:
        out.write(dumps({PAGE_KEYS[source]: batch, "next_page": None}) + "\n")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--source", choices=SOURCES, required=True)
    parser.add_argument("--tickets", type=int, default=100_000)
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--pages", type=int, default=0, help="records per API page (0: JSON Lines)")
    args = parser.parse_args()
    with args.out.open("w", encoding="utf-8", newline="") as out:
        write(args.source, args.tickets, out, args.pages)


if __name__ == "__main__":
    main()
