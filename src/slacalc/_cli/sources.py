"""``--source NAME`` for every command that reads tickets, and ``slacalc sources``.

The commands that read tickets call :func:`ticket_rows` with their parsed
arguments: without ``--source`` it reads slacalc's own ticket file, with it
the helpdesk export, and yields ``(line, Ticket | BadRow)`` either way.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable, Iterator
from typing import IO, Any

from slacalc._evaluation.tickets import Ticket
from slacalc._files.sources.grouping import ORDERS
from slacalc._files.sources.registry import SOURCES, names, source
from slacalc._files.sources.registry import ticket_rows as _ticket_rows
from slacalc._files.tickets import BadRow

__all__ = ["add_source_arguments", "add_sources_command", "notify_on", "ticket_rows"]


def add_source_arguments(p: argparse.ArgumentParser) -> None:
    """Add ``--source``, ``--mapping`` and ``--events-order`` to a command that reads tickets."""
    p.add_argument(
        "--source",
        choices=names(),
        help="read FILE as this helpdesk's export (see `slacalc sources`)",
    )
    p.add_argument(
        "--mapping",
        metavar="TOML",
        help="your own mapping of statuses, priorities and channels, laid over the source's",
    )
    p.add_argument(
        "--events-order",
        choices=ORDERS,
        help="for event rows: 'grouped' (each ticket's rows together; streams) or 'any' (grouped on disk first)",
    )


def ticket_rows(
    args: argparse.Namespace, path: str, fmt: str | None = None, err: IO[str] | None = None
) -> Iterator[tuple[int, Ticket | BadRow]]:
    """The tickets of *path* for a command: slacalc's own file, or ``--source``'s export.

    Values the source's mapping does not know are named on *err* (as one
    warning line) when it is given.
    """
    name = getattr(args, "source", None)
    return _ticket_rows(
        path,
        name,
        getattr(args, "mapping", None),
        fmt=fmt if name is None else getattr(args, "input_format", None),
        order=getattr(args, "events_order", None),
        notify=None if err is None else notify_on(err),
    )


def notify_on(err: IO[str]) -> Callable[[str], None]:
    """How a command names the values a source's mapping did not know: one warning line on *err*."""

    def notify(text: str) -> None:
        err.write(f"slacalc: warning: {text}\n")

    return notify


# ---------------------------------------------------------------------- slacalc sources


def add_sources_command(subparsers: Any) -> None:
    """Register ``slacalc sources`` (``slacalc compare`` is in :mod:`slacalc._cli.compare`)."""
    p: argparse.ArgumentParser = subparsers.add_parser(
        "sources",
        help="list the helpdesk sources, or print one source's mapping",
        description=(
            "Without NAME: the sources FILE --source NAME can read. With NAME: its mapping of "
            "statuses, priorities and channels as TOML (with --mapping laid over it): copy it, "
            "change what your helpdesk calls differently, and pass it back with --mapping."
        ),
    )
    p.add_argument("name", nargs="?", choices=names(), help="the source whose mapping to print")
    p.add_argument("--mapping", metavar="TOML", help="a mapping of your own to lay over it")
    p.set_defaults(handler=cmd_sources)


def cmd_sources(args: argparse.Namespace, out: IO[str], err: IO[str]) -> int:
    """Handler of ``slacalc sources``."""
    if args.name is None:
        for name, src in SOURCES.items():
            out.write(
                f"{name:<10} {src.title}\n{'':<10} formats: {', '.join(src.formats)}; {src.docs}\n"
            )
        return 0
    out.write(source(args.name).mapping(args.mapping).as_toml())
    return 0
