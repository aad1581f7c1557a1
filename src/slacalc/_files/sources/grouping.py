"""Rows of many tickets in, one group of rows per ticket out.

Two ways, chosen by ``order``:

``grouped`` (the default of the event log)
    The rows of each ticket come together (in any order among themselves),
    as ``ORDER BY ticket_id`` gives them. A group ends when the ticket id
    changes, so one ticket's rows are in memory at a time: memory stays flat
    however long the log is. A ticket whose rows come back after other
    tickets' rows is reported (the ids of the last 10,000 tickets are kept
    for that check, and any id that sorts before its predecessor in a log
    that was ascending until then), never silently split.

``any``
    Rows of a ticket may be anywhere (an export in time order, such as
    Zendesk's incremental ticket events). The rows are first spilled into
    64 temporary files by a hash of the ticket id (JSON Lines, in the system's
    temporary directory, deleted afterwards), then each file is grouped in
    memory. Memory is about 1/64 of the log's rows at a time; the disk holds a
    copy of the log while the read runs; tickets come out bucket by bucket,
    in the order each ticket first appeared within its bucket.
"""

from __future__ import annotations

import json
import os
import tempfile
import zlib
from collections import OrderedDict
from collections.abc import Callable, Iterable, Iterator
from typing import Any, Literal

__all__ = ["ORDERS", "Order", "group_rows"]

Order = Literal["grouped", "any"]
ORDERS: tuple[str, ...] = ("grouped", "any")

_RECENT = 10_000
_BUCKETS = 64

#: (line, ticket id, payload) in; (ticket id, [(line, payload), ...]) or a split report out.
Row = tuple[int, str, Any]


class Split:
    """A ticket whose rows came back after other tickets' rows (grouped order only)."""

    __slots__ = ("line", "ticket_id")

    def __init__(self, line: int, ticket_id: str) -> None:
        self.line = line
        self.ticket_id = ticket_id


def group_rows(
    rows: Iterable[Row], order: Order = "grouped"
) -> Iterator[tuple[str, list[tuple[int, Any]]] | Split]:
    """Group *rows* by ticket id (see the module docstring for the two orders)."""
    if order == "any":
        return _external(rows)
    return _runs(rows)


def _runs(rows: Iterable[Row]) -> Iterator[tuple[str, list[tuple[int, Any]]] | Split]:
    current: str | None = None
    group: list[tuple[int, Any]] = []
    recent: OrderedDict[str, None] = OrderedDict()
    for line, ident, payload in rows:
        if ident == current:
            group.append((line, payload))
            continue
        if current is not None:
            yield current, group
            recent[current] = None
            if len(recent) > _RECENT:
                recent.popitem(last=False)
        if ident in recent:
            yield Split(line, ident)
        current = ident
        group = [(line, payload)]
    if current is not None:
        yield current, group


def _external(rows: Iterable[Row]) -> Iterator[tuple[str, list[tuple[int, Any]]] | Split]:
    with tempfile.TemporaryDirectory(prefix="slacalc-group-") as folder:
        paths = [os.path.join(folder, f"{i:02d}.jsonl") for i in range(_BUCKETS)]
        files = [open(p, "w", encoding="utf-8") for p in paths]  # noqa: SIM115 - closed below
        try:
            dumps: Callable[[Any], str] = json.JSONEncoder(
                ensure_ascii=False, separators=(",", ":"), default=str
            ).encode
            for line, ident, payload in rows:
                bucket = zlib.crc32(ident.encode("utf-8")) % _BUCKETS
                files[bucket].write(dumps([line, ident, payload]))
                files[bucket].write("\n")
        finally:
            for f in files:
                f.close()
        for path in paths:
            groups: dict[str, list[tuple[int, Any]]] = {}
            with open(path, encoding="utf-8") as f:
                for text in f:
                    line, ident, payload = json.loads(text)
                    groups.setdefault(ident, []).append((line, payload))
            os.remove(path)
            yield from groups.items()
