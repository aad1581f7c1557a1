"""Rows of many tickets in, one group of rows per ticket out.

Two ways, chosen by ``order``:

``grouped`` (the default of the event log)
    The rows of each ticket come together (in any order among themselves),
    as ``ORDER BY ticket_id`` gives them. A group ends when the ticket id
    changes, so one ticket's rows are in memory at a time: memory stays flat
    however long the log is. A ticket whose rows come back after other
    tickets' rows is reported, never silently split, when it is among the
    last 10,000 tickets read (their ids are kept for that check,
    :class:`RecentIds`); a fragment that comes back later than that is read
    as a ticket of its own (without an ``opened`` row, a bad record saying
    so; with one, the commands' duplicate-id warning names it).

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

__all__ = ["ORDERS", "Order", "RecentIds", "group_rows"]

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


class RecentIds:
    """The ids of the last 10,000 tickets read, for the came-back check of the grouped order.

    A ticket read again keeps its first place (it is not moved to the end),
    so the window is exactly that of one pass over the log, which
    ``slacalc evaluate --jobs`` replays over the parts of a log.
    """

    __slots__ = ("ids",)

    def __init__(self, ids: Iterable[str] = ()) -> None:
        self.ids: OrderedDict[str, None] = OrderedDict.fromkeys(ids)

    def __contains__(self, ident: object) -> bool:
        return ident in self.ids

    def add(self, ident: str) -> None:
        """*ident*'s rows have been read (the oldest id is let go past 10,000)."""
        ids = self.ids
        ids[ident] = None
        if len(ids) > _RECENT:
            ids.popitem(last=False)

    def copy(self) -> RecentIds:
        """The same window, to be added to on its own."""
        return RecentIds(self.ids)


def group_rows(
    rows: Iterable[Row], order: Order = "grouped", recent: RecentIds | None = None
) -> Iterator[tuple[str, list[tuple[int, Any]]] | Split]:
    """Group *rows* by ticket id (see the module docstring for the two orders).

    *recent* (grouped order): the tickets read before *rows*, when *rows* is
    a part of a log; it is added to as the groups are read.
    """
    if order == "any":
        return _external(rows)
    return _runs(rows, RecentIds() if recent is None else recent)


def _runs(
    rows: Iterable[Row], recent: RecentIds
) -> Iterator[tuple[str, list[tuple[int, Any]]] | Split]:
    current: str | None = None
    group: list[tuple[int, Any]] = []
    for line, ident, payload in rows:
        if ident == current:
            group.append((line, payload))
            continue
        if current is not None:
            yield current, group
            recent.add(current)
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
