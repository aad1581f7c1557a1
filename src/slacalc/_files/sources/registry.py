"""The sources by name, and the one reader every command and the library call."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from collections.abc import Mapping as AbstractMapping
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from slacalc._evaluation.tickets import Ticket
from slacalc._files.records import RecordFile
from slacalc._files.sources._core import BadRecord, Mapping, SourceTicket, Tally, load_mapping
from slacalc._files.sources.grouping import ORDERS
from slacalc._files.tickets import TICKET_COLUMNS, BadRow, open_input, read_tickets
from slacalc.exceptions import SourceError

__all__ = ["SOURCES", "Source", "input_format", "names", "read_rows", "source", "ticket_rows"]

Reader = Callable[..., Iterator[tuple[int, Any]]]


@dataclass(frozen=True)
class Source:
    """One helpdesk: its name, what it reads and the reader."""

    name: str
    title: str
    formats: tuple[str, ...]
    default_format: str
    reader: Reader
    docs: str

    def mapping(self, override: str | Path | AbstractMapping[str, Any] | None = None) -> Mapping:
        """The source's mapping, with *override* laid over the built-in one."""
        return load_mapping(self.name, override)


def _events(*args: Any, **kw: Any) -> Iterator[tuple[int, Any]]:
    from slacalc._files.sources.events import read_events

    return read_events(*args, **kw)


def _lazy(module: str, function: str) -> Reader:
    def reader(*args: Any, **kw: Any) -> Iterator[tuple[int, Any]]:
        from importlib import import_module

        fn: Reader = getattr(import_module(f"slacalc._files.sources.{module}"), function)
        return fn(*args, **kw)

    return reader


SOURCES: dict[str, Source] = {
    "zendesk": Source(
        "zendesk",
        "Zendesk Support: tickets with audits or comments, or the incremental ticket events export",
        ("json", "jsonl"),
        "json",
        _lazy("zendesk", "read_zendesk"),
        "docs/sources/zendesk.md",
    ),
    "jira": Source(
        "jira",
        "Jira Service Management: issues with their changelog and comments",
        ("json", "jsonl"),
        "json",
        _lazy("jira", "read_jira"),
        "docs/sources/jira.md",
    ),
    "zammad": Source(
        "zammad",
        "Zammad: tickets with their articles and history",
        ("json", "jsonl"),
        "json",
        _lazy("zammad", "read_zammad"),
        "docs/sources/zammad.md",
    ),
    "freshdesk": Source(
        "freshdesk",
        "Freshdesk: tickets with their conversations and stats",
        ("json", "jsonl"),
        "json",
        _lazy("freshdesk", "read_freshdesk"),
        "docs/sources/freshdesk.md",
    ),
    "frappe": Source(
        "frappe",
        "Frappe Helpdesk: HD Tickets with communications, comments and activity log",
        ("json", "jsonl"),
        "json",
        _lazy("frappe", "read_frappe"),
        "docs/sources/frappe.md",
    ),
    "events": Source(
        "events",
        "Event log: ticket_id,at,kind,value as CSV or JSON Lines",
        ("csv", "jsonl"),
        "csv",
        _events,
        "docs/sources/events.md",
    ),
}


def names() -> tuple[str, ...]:
    """The names of the sources, in the order of the documentation."""
    return tuple(SOURCES)


def source(name: str) -> Source:
    """The source called *name*; ``SourceError`` lists the valid ones."""
    try:
        return SOURCES[str(name).strip().lower()]
    except KeyError:
        msg = f"source: unknown source {name!r}; expected one of {', '.join(SOURCES)}"
        raise SourceError(msg) from None


def input_format(name: str, path: str, given: str | None = None) -> str:
    """The format the *name* source reads *path* in: *given* (``--input-format``), else by its suffix."""
    return _format(source(name), path, given)


def _format(src: Source, path: str, given: str | None) -> str:
    if given:
        fmt = given.lower()
    else:
        suffix = Path(path).suffix.lower()
        fmt = {".jsonl": "jsonl", ".ndjson": "jsonl", ".json": "json", ".csv": "csv"}.get(
            suffix, src.default_format
        )
    if src.name == "events" and fmt == "json":
        fmt = "jsonl"
    if fmt not in src.formats:
        msg = f"input format: {fmt!r} is not a format of the {src.name} source; expected one of {', '.join(src.formats)}"
        raise SourceError(msg)
    return fmt


def read_rows(
    path: str | Path,
    name: str,
    mapping: str | Path | AbstractMapping[str, Any] | Mapping | None = None,
    *,
    fmt: str | None = None,
    order: str | None = None,
    stream: IO[str] | None = None,
    notify: Callable[[str], None] | None = None,
) -> Iterator[tuple[int, SourceTicket | BadRecord]]:
    """Yield ``(line, ticket)`` or ``(line, BadRecord)`` for every record of the export at *path*.

    At the end, values the mapping did not know are named in one
    :class:`~slacalc.exceptions.UnmappedValueWarning` (or passed to *notify*,
    as the command line does to print it on standard error).
    """
    src = source(name)
    resolved = mapping if isinstance(mapping, Mapping) else src.mapping(mapping)
    kind = _format(src, str(path), fmt)
    options: dict[str, Any] = {}
    if order is not None:
        if order not in ORDERS:
            msg = f"order: invalid value {order!r}; expected one of {', '.join(ORDERS)}"
            raise SourceError(msg)
        options["order"] = order
    tally = Tally(resolved)
    if stream is not None:
        yield from src.reader(stream, kind, resolved, tally, **options)
    else:
        with open_input(str(path)) as opened:
            yield from src.reader(opened, kind, resolved, tally, **options)
    text = tally.message()
    if text is not None and notify is not None:
        notify(text)
    else:
        tally.warn()


def ticket_rows(
    path: str,
    name: str | None = None,
    mapping: str | Path | None = None,
    *,
    fmt: str | None = None,
    order: str | None = None,
    notify: Callable[[str], None] | None = None,
) -> Iterator[tuple[int, Ticket | BadRow]]:
    """The one reader of the commands: slacalc's own ticket file, or a helpdesk export with *name*.

    Yields ``(line, Ticket)`` or ``(line, BadRow)`` for every record.
    """
    if name is None:  # slacalc's own ticket file: the shared record reader
        with RecordFile(path, TICKET_COLUMNS, input_format=fmt) as records:
            yield from read_tickets(records)
        return
    yield from read_rows(path, name, mapping, fmt=fmt, order=order, notify=notify)
