"""Helpdesk exports in, slacalc tickets out.

One source per helpdesk (``zendesk``, ``jira``, ``zammad``, ``freshdesk``,
``frappe``) and ``events``, a long event log for every other system. Each
reads the export or API JSON that system documents and maps its statuses,
priorities and channels with a small mapping shipped in the package, which
your own TOML file can extend (``slacalc sources NAME`` prints it).

>>> from slacalc import sources
>>> sources.names()
('zendesk', 'jira', 'zammad', 'freshdesk', 'frappe', 'events')
>>> import io
>>> log = io.StringIO(
...     "ticket_id,at,kind,value\\n"
...     "T-1,2026-04-02T18:00:00+02:00,opened,2\\n"
...     "T-1,2026-04-07T08:20:00+02:00,message,agent\\n"
... )
>>> [t.responded_at.isoformat() for t in sources.read(log, source="events")]
['2026-04-07T08:20:00+02:00']

Malformed records never vanish: :func:`read` yields every good ticket and
then raises :class:`~slacalc.exceptions.SourceError` whose ``bad`` lists each
bad record (position, ticket id, field, value, message); :func:`read_rows`
yields the bad records in place instead. Values the mapping does not know
are counted in one :class:`~slacalc.exceptions.UnmappedValueWarning` at the
end of a read, naming them and the mapping to extend.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from collections.abc import Mapping as AbstractMapping
from datetime import datetime
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

from slacalc._engine.words import plural
from slacalc._evaluation.tickets import Ticket
from slacalc._files.sources._core import BadRecord, Mapping, SourceTicket, load_mapping
from slacalc._files.sources.compare import Comparison, ZendeskVerdict
from slacalc._files.sources.compare import compare as _compare
from slacalc._files.sources.grouping import ORDERS
from slacalc._files.sources.registry import names as _names
from slacalc._files.sources.registry import read_rows as _read_rows
from slacalc._files.sources.registry import source
from slacalc.exceptions import SourceError

if TYPE_CHECKING:
    from slacalc._policies.model import FamilyPlan, Plan

__all__ = [
    "ORDERS",
    "BadRecord",
    "Comparison",
    "Mapping",
    "SourceTicket",
    "ZendeskVerdict",
    "compare",
    "mapping",
    "names",
    "read",
    "read_rows",
]

MappingLike = str | Path | AbstractMapping[str, Any] | Mapping


def names() -> tuple[str, ...]:
    """The names of the sources: ``zendesk``, ``jira``, ``zammad``, ``freshdesk``, ``frappe``, ``events``."""
    return _names()


def mapping(name: str, override: str | Path | AbstractMapping[str, Any] | None = None) -> Mapping:
    """The mapping of source *name*, with the tables of *override* (a TOML file or a dict) laid over it.

    >>> mapping("zendesk").statuses["hold"]
    'on-hold'
    >>> mapping("zendesk", {"priorities": {"urgent": "urgent"}}).priorities["urgent"]
    'urgent'
    """
    return load_mapping(source(name).name, override)


def _split(path: str | Path | IO[str]) -> tuple[str, IO[str] | None]:
    if isinstance(path, str | Path):
        return str(path), None
    return getattr(path, "name", "<stream>") if isinstance(
        getattr(path, "name", None), str
    ) else "<stream>", path


def read_rows(
    path: str | Path | IO[str],
    source: str,
    *,
    mapping: MappingLike | None = None,
    format: str | None = None,
    order: str | None = None,
) -> Iterator[tuple[int, SourceTicket | BadRecord]]:
    """Yield ``(line, ticket)`` or ``(line, bad_record)`` for every record of the export.

    *path* is a file (``-`` for standard input) or an open text stream.
    *format* is ``json``, ``jsonl`` or ``csv`` (default: from the file name,
    else the source's usual one). *order* (``grouped`` or ``any``) says how
    the rows of different tickets may interleave, for the sources that read
    rows (the event log, Zendesk's ticket events export); see
    ``docs/sources/events.md``.
    """
    where, stream = _split(path)
    if stream is not None and format is None:
        format = "csv" if source == "events" else "json"
    return _read_rows(where, source, mapping, fmt=format, order=order, stream=stream)


def read(
    path: str | Path | IO[str],
    source: str,
    *,
    mapping: MappingLike | None = None,
    format: str | None = None,
    order: str | None = None,
) -> Iterator[SourceTicket]:
    """Yield the :class:`~slacalc.Ticket` of every record of a helpdesk export.

    The tickets are :class:`SourceTicket` (a ``Ticket`` with ``customer``).
    After the last good ticket, :class:`~slacalc.exceptions.SourceError` is
    raised if any record was bad: its ``bad`` holds every one. Arguments as
    for :func:`read_rows`.
    """
    bad: list[BadRecord] = []
    for _, item in read_rows(path, source, mapping=mapping, format=format, order=order):
        if isinstance(item, BadRecord):
            bad.append(item)
        else:
            yield item
    if bad:
        shown = "; ".join(b.message for b in bad[:3])
        more = f" (and {len(bad) - 3} more)" if len(bad) > 3 else ""
        msg = f"{plural(len(bad), 'bad record')} in the {source} export: {shown}{more}"
        raise SourceError(msg, tuple(bad))


def compare(
    tickets: str | Path | Iterable[Ticket],
    metric_events: str | Path | Iterable[Any],
    plan: Plan | FamilyPlan,
    *,
    now: datetime | None = None,
    mapping: MappingLike | None = None,
) -> Iterator[Comparison | BadRecord]:
    """Line up slacalc's outcomes with Zendesk's own breach / fulfill verdicts.

    *tickets* is a Zendesk export (or tickets already read), *metric_events*
    Zendesk's ticket metric events (a file of JSON pages, an array or JSON
    Lines, or the records); yields a :class:`Comparison` per ticket and
    metric Zendesk applied an SLA to (``reply_time`` ↔ ``initial_response``,
    ``resolution_time`` ↔ ``resolution``), with ``agree`` and the
    ``reasons`` of a disagreement (targets differ, a holiday one schedule
    lacks, a pause one side did not apply, the closing-time rule), and every
    bad record of the export. ``slacalc compare`` prints the same rows.
    """
    return _compare(tickets, metric_events, plan, now=now, mapping=mapping)
