"""``slacalc report``: evaluate a file of tickets and write one self-contained HTML page.

This module is imported by the command line, which must work without the
optional extras: pandas and matplotlib are imported only when the command
runs (``pip install 'slacalc[plot]'``).
"""

from __future__ import annotations

import argparse
import json
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any

from slacalc._cli.sources import add_source_arguments
from slacalc._files.tickets import parse_instant
from slacalc._typing import METRICS

__all__ = ["add_report_command", "cmd_report", "read_ticket_frame"]

_EXTRA_HINT = "install the plot extra: pip install 'slacalc[plot]'"


def add_report_command(subparsers: Any) -> argparse.ArgumentParser:
    """Register ``slacalc report`` on the command line's sub-parsers; returns its parser."""
    p: argparse.ArgumentParser = subparsers.add_parser(
        "report",
        help="write a self-contained HTML report (attainment, plots, breaches, credits)",
        description=(
            "Evaluate a file of tickets and write one HTML file with the attainment table, "
            "plots, the breached tickets and the credits owed. Needs the plot extra: "
            "pip install 'slacalc[plot]'."
        ),
    )
    p.add_argument(
        "file",
        help="tickets: CSV (id,opened_at,severity,responded_at[,channel][,customer]) or JSON Lines",
    )
    p.add_argument(
        "--policy", required=True, help="built-in policy or family name, or a policy file"
    )
    p.add_argument("--plan", required=True, help="plan name within the policy")
    p.add_argument("--out", default="report.html", help="HTML file to write (default report.html)")
    p.add_argument("--now", help="evaluate as of this instant, ISO 8601 with offset (default: now)")
    p.add_argument("--metric", default="initial_response", choices=METRICS)
    p.add_argument(
        "--format", choices=("csv", "jsonl"), help="input format (default: from the file name)"
    )
    p.add_argument(
        "--by", default="customer", help="column to total credits by (default customer, if present)"
    )
    p.add_argument(
        "--freq", default="M", help="attainment period: M (month), Q, W or D (default M)"
    )
    p.add_argument(
        "--goal", type=float, default=0.95, help="attainment goal drawn on the plot (default 0.95)"
    )
    p.add_argument("--title", help="page title (default: from policy and plan)")
    add_source_arguments(p)
    p.set_defaults(handler=cmd_report)
    return p


def cmd_report(args: argparse.Namespace, out: IO[str], err: IO[str]) -> int:
    """Handler of ``slacalc report``: 0 when every row was read, 1 with bad rows (still written), 2 without the extra."""
    try:
        import matplotlib  # noqa: F401
        import pandas  # noqa: F401
    except ImportError as exc:
        err.write(f"slacalc report: {exc.name} is missing; {_EXTRA_HINT}\n")
        return 2
    from slacalc._analysis.frames import evaluate_frame
    from slacalc._analysis.report import render_report

    now = datetime.now(UTC) if args.now is None else parse_instant("--now", args.now)
    fmt = args.format or (
        "jsonl" if Path(args.file).suffix.lower() in (".jsonl", ".ndjson", ".json") else "csv"
    )
    if args.source:  # a helpdesk export, read into a frame of tickets
        from slacalc._analysis.sources import read_source

        frame, rejected = read_source(
            args.file, args.source, mapping=args.mapping, order=args.events_order, errors="collect"
        )
        unreadable = list(zip(rejected["line"], rejected["message"], strict=True))
    else:
        frame, unreadable = read_ticket_frame(args.file, fmt)
    result = evaluate_frame(
        frame, args.policy, args.plan, now=now, metric=args.metric, errors="collect"
    )
    bad: list[tuple[int, str | None, str]] = [(line, None, message) for line, message in unreadable]
    bad += [
        (int(label), column, message)
        for label, column, message in zip(
            result.bad.index, result.bad["column"], result.bad["message"], strict=True
        )
    ]
    bad.sort(key=lambda b: b[0])
    for line, _, message in bad:
        err.write(f"{args.file}: line {line}: {message}\n")
    page = render_report(
        result.outcomes,
        bad,
        policy=args.policy,
        plan=args.plan,
        metric=args.metric,
        now=now,
        by=args.by,
        freq=args.freq,
        goal=args.goal,
        title=args.title,
        source=Path(args.file).name,
    )
    Path(args.out).write_text(page, encoding="utf-8")
    outcomes = result.outcomes
    counts = outcomes["status"].value_counts()
    out.write(
        f"wrote {args.out}: {len(outcomes)} tickets, {int(counts.get('met', 0))} met, "
        f"{int(counts.get('breached', 0))} breached, "
        f"{int(outcomes['credit_days'].sum())} credit days, {len(bad)} bad row(s)\n"
    )
    return 1 if bad else 0


def read_ticket_frame(path: str, fmt: str) -> tuple[Any, list[tuple[int, str]]]:
    """Tickets as a frame of text indexed by file line, and the lines that are not rows at all."""
    import pandas as pd

    from slacalc._files.tickets import TICKET_COLUMNS, BadRow, open_input, read_records

    records: list[dict[str, Any]] = []
    lines: list[int] = []
    unreadable: list[tuple[int, str]] = []
    with open_input(path) as stream:
        for line, record in read_records(stream, fmt, TICKET_COLUMNS):
            if isinstance(record, BadRow):
                unreadable.append((line, record.message))
                continue
            if isinstance(record.get("events"), list):
                record["events"] = json.dumps(record["events"])
            records.append(record)
            lines.append(line)
    frame = pd.DataFrame.from_records(records, index=pd.Index(lines, name="line", dtype="int64"))
    for name in ("id", "opened_at", "severity"):
        if name not in frame.columns:
            frame[name] = pd.Series(dtype=object)
    return frame, unreadable
