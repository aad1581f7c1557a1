"""``slacalc compare``: slacalc's outcomes beside Zendesk's own verdicts, one record per ticket and metric.

The records are :data:`~slacalc._files.sources.compare.COMPARE_RECORD`,
written through the typed writer as ``slacalc evaluate`` writes its own.
(A module of its own: :mod:`slacalc._cli.options` reads ``--source`` through
:mod:`slacalc._cli.sources`, so that module cannot use the shared options.)
"""

from __future__ import annotations

import argparse
from datetime import UTC, datetime
from typing import IO, Any

from slacalc._cli.options import add_output_options, open_output, output_format
from slacalc._engine.words import plural
from slacalc._files.tickets import BadRow, parse_instant
from slacalc._files.writers import RecordWriter

__all__ = ["add_compare_command", "cmd_compare"]


def add_compare_command(subparsers: Any) -> None:
    """Register ``slacalc compare``."""
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
    err.write(
        f"{plural(total, 'comparison')}, {plural(disagree, 'disagreement')}, "
        f"{plural(bad, 'bad record')}\n"
    )
    return 1 if bad else 0
