"""``--source NAME`` for every command that reads tickets, ``slacalc sources`` and ``slacalc compare``.

The commands that read tickets call :func:`ticket_rows` with their parsed
arguments: without ``--source`` it reads slacalc's own ticket file, with it
the helpdesk export, and yields ``(line, Ticket | BadRow)`` either way.
"""

from __future__ import annotations

import argparse
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import IO, Any

from slacalc._cli.options import add_output_options, open_output, output_format
from slacalc._evaluation.tickets import Ticket
from slacalc._files.sources.grouping import ORDERS
from slacalc._files.sources.registry import SOURCES, names, source
from slacalc._files.sources.registry import ticket_rows as _ticket_rows
from slacalc._files.tickets import BadRow, parse_instant
from slacalc._files.writers import RecordWriter

__all__ = ["add_source_arguments", "add_sources_command", "ticket_rows"]


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

    def notify(text: str) -> None:
        if err is not None:
            err.write(f"slacalc: warning: {text}\n")

    return _ticket_rows(
        path,
        name,
        getattr(args, "mapping", None),
        fmt=fmt if name is None else getattr(args, "input_format", None),
        order=getattr(args, "events_order", None),
        notify=notify if err is not None else None,
    )


# ---------------------------------------------------------------------- slacalc sources


def add_sources_command(subparsers: Any) -> None:
    """Register ``slacalc sources`` and ``slacalc compare``."""
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

    c: argparse.ArgumentParser = subparsers.add_parser(
        "compare",
        help="line up slacalc's outcomes with Zendesk's own breach / fulfill verdicts",
        description=(
            "Read a Zendesk export (FILE, as for --source zendesk) and Zendesk's ticket metric "
            "events (--metric-events), evaluate each ticket against the plan and print, per "
            "ticket and metric, both verdicts and the reason of each disagreement slacalc can "
            "explain (a holiday one schedule lacks, a pause one side did not apply, the "
            "closing-time rule, different targets)."
        ),
    )
    c.add_argument("file", help="the Zendesk tickets export (or - for standard input)")
    c.add_argument(
        "--metric-events",
        required=True,
        metavar="FILE",
        help="Zendesk's ticket_metric_events (JSON pages, array or JSON Lines)",
    )
    c.add_argument("--policy", required=True, help="built-in policy or family name, or a file")
    c.add_argument("--plan", required=True, help="plan name within the policy")
    c.add_argument("--mapping", metavar="TOML", help="your own zendesk mapping")
    c.add_argument("--now", help="evaluate as of this instant (default: now)")
    add_output_options(c)
    c.add_argument(
        "--disagreements", action="store_true", help="print only the rows where the two differ"
    )
    c.set_defaults(handler=cmd_compare)


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


def cmd_compare(args: argparse.Namespace, out: IO[str], err: IO[str]) -> int:
    """Handler of ``slacalc compare``: one :data:`COMPARE_RECORD` per ticket and metric."""
    from slacalc._files.sources.compare import COMPARE_RECORD, compare
    from slacalc._policies.files import load_policy

    plan = load_policy(args.policy).plan(args.plan)
    now = datetime.now(UTC) if args.now is None else parse_instant("--now", args.now)
    bad = disagree = total = 0
    with open_output(args.out, out) as stream:
        writer = RecordWriter(stream, output_format(args), COMPARE_RECORD)
        for item in compare(args.file, args.metric_events, plan, now=now, mapping=args.mapping):
            if isinstance(item, BadRow):
                bad += 1
                err.write(f"{args.file}: line {item.line}: {item.message}\n")
                continue
            total += 1
            if not item.agree:
                disagree += 1
            elif args.disagreements:
                continue
            writer.write(item.record())
        writer.close()
    err.write(f"{total} comparison(s), {disagree} disagreement(s), {bad} bad record(s)\n")
    return 1 if bad else 0
