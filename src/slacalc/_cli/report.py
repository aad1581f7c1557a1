"""``slacalc report``: evaluate a file of tickets and write one self-contained HTML page.

This module is imported by the command line, which must work without the
optional extras: pandas and matplotlib are imported only when the command
runs (``pip install 'slacalc[plot]'``).
"""

from __future__ import annotations

import argparse
import io
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
        "--freq",
        default="ME",
        help="attainment period: D, W, ME (month), QE (quarter) or YE (year); "
        "M, Q, Y are read too (default ME)",
    )
    p.add_argument(
        "--contracts",
        metavar="FILE",
        help="contracts, as for slacalc credits (customer,term_start,term_end[,plan,term_price,"
        "currency]): credit days valued in money where a term price is given",
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
    from slacalc._analysis.frames import evaluate_frame, period_frequency
    from slacalc._analysis.report import render_report
    from slacalc._analysis.words import plural

    period_frequency(args.freq, "--freq")  # refused before any work is done
    now = datetime.now(UTC) if args.now is None else parse_instant("--now", args.now)
    contracts, notes = _read_contracts(args, err) if args.contracts else ([], [])
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
        contracts=contracts,
        notes=notes,
    )
    Path(args.out).write_text(page, encoding="utf-8")
    outcomes = result.outcomes
    valid = outcomes[outcomes["status"] != "invalid"]
    counts = valid["status"].value_counts()
    out.write(
        f"wrote {args.out}: {plural(len(valid), 'ticket')}, {int(counts.get('met', 0)):,} met, "
        f"{int(counts.get('breached', 0)):,} breached, "
        f"{plural(int(valid['credit_days'].sum()), 'credit day')}, "
        f"{plural(len({b[0] for b in bad}), 'bad row')}"
        + (f", {plural(len(notes), 'bad contract row')}" if notes else "")
        + "\n"
    )
    return 1 if bad or notes else 0


def _read_contracts(args: argparse.Namespace, err: IO[str]) -> tuple[list[Any], list[str]]:
    """The contracts of ``--contracts`` (read as ``slacalc credits`` reads them), and its bad rows."""
    from slacalc._analysis.report import PricedContract
    from slacalc._cli.credits import _contract_rows, _date, _money
    from slacalc._evaluation.credits import Contract
    from slacalc._policies.files import load_policy
    from slacalc.exceptions import BillingError, SlacalcError

    policy = load_policy(args.policy)
    unreadable = io.StringIO()
    rows, _ = _contract_rows(args.contracts, unreadable)
    err.write(unreadable.getvalue())
    notes = unreadable.getvalue().splitlines()
    contracts = []
    for line, row in rows:
        try:
            customer = str(row.get("customer") or "").strip()
            if not customer:
                msg = "customer: missing; expected the customer's name"
                raise BillingError(msg)
            contract = Contract(
                customer,
                policy.plan(str(row.get("plan") or args.plan).strip()),
                _date(row.get("term_start"), "term_start"),
                _date(row.get("term_end"), "term_end"),
            )
            price = _money(row.get("term_price"), "term_price")
            contracts.append(PricedContract(contract, price, str(row.get("currency") or "")))
        except SlacalcError as exc:
            notes.append(f"{args.contracts}: line {line}: {exc}")
            err.write(notes[-1] + "\n")
    return contracts, notes


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
