"""The ``slacalc`` command line: a function of argv, so tests run it in-process."""

from __future__ import annotations

import argparse
import csv
import json
import sys
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import IO, Any

from slacalc._cli.sources import add_source_arguments, ticket_rows
from slacalc._evaluation.evaluate import Evaluation, Outcome
from slacalc._files.tickets import (
    BadRow,
    parse_instant,
    ticket_from_mapping,
)
from slacalc._typing import METRICS
from slacalc.exceptions import SlacalcError

__all__ = ["main"]

RESULT_COLUMNS = (
    "id",
    "status",
    "due_at",
    "late_by_seconds",
    "credit_days",
    "metric",
    "class",
    "target",
    "stopped_at",
    "elapsed_seconds",
    "remaining_seconds",
    "late_by_wall_seconds",
    "policy",
    "plan",
)
_PROGRESS_EVERY = 10_000


def seconds_text(value: timedelta | None) -> str:
    """Exact seconds of a duration as text: ``1200`` or ``0.000001``; empty for None."""
    if value is None:
        return ""
    us = value // timedelta(microseconds=1)
    whole, frac = divmod(abs(us), 1_000_000)
    sign = "-" if us < 0 else ""
    return f"{sign}{whole}" if not frac else f"{sign}{whole}.{frac:06d}".rstrip("0")


def _iso(value: datetime | None) -> str:
    return "" if value is None else value.isoformat()


def outcome_values(outcome: Outcome) -> list[Any]:
    """One result row for *outcome*, in the order of :data:`RESULT_COLUMNS`."""
    return [
        outcome.ticket_id,
        outcome.status,
        _iso(outcome.due_at),
        seconds_text(outcome.late_by),
        outcome.credit_days,
        outcome.metric,
        outcome.klass or "",
        outcome.target,
        _iso(outcome.stopped_at),
        seconds_text(outcome.elapsed),
        seconds_text(outcome.remaining),
        seconds_text(outcome.late_by_wall),
        outcome.policy,
        outcome.plan,
    ]


def outcome_row(outcome: Outcome) -> dict[str, Any]:
    """One result row for *outcome* as a mapping (the columns of ``slacalc evaluate``)."""
    return dict(zip(RESULT_COLUMNS, outcome_values(outcome), strict=True))


def _load_plan(policy: str, plan: str) -> Any:
    from slacalc._policies.files import load_policy

    return load_policy(policy).plan(plan)


def _now(text: str | None) -> datetime:
    return datetime.now(UTC) if text is None else parse_instant("--now", text)


def _input_format(path: str, given: str | None) -> str:
    if given:
        return given
    return "jsonl" if Path(path).suffix.lower() in (".jsonl", ".ndjson", ".json") else "csv"


# ---------------------------------------------------------------------- commands


def cmd_policies(args: argparse.Namespace, out: IO[str], err: IO[str]) -> int:
    from slacalc._policies.files import builtin_policies, load_policy
    from slacalc._policies.model import Policy

    for name in builtin_policies():
        policy = load_policy(name)
        assert isinstance(policy, Policy)  # built-in names are versions, not families
        until = (
            f" until {policy.effective_until}" if getattr(policy, "effective_until", None) else ""
        )
        out.write(
            f"{policy.name}: {policy.title} (effective from {policy.effective_from}{until})\n"
        )
        for plan in policy.plans.values():
            targets = []
            for metric in plan.metrics():
                for klass, target in plan.targets[metric].items():
                    targets.append(
                        f"{klass}={target}"
                        if metric == "initial_response"
                        else f"{metric}:{klass}={target}"
                    )
            shown = "; ".join(t for t in targets if "=" in t)
            out.write(f"  {plan.name:<22} {plan.title}\n")
            if shown:
                out.write(f"  {'':<22} {shown}\n")
    return 0


def cmd_deadline(args: argparse.Namespace, out: IO[str], err: IO[str]) -> int:
    plan = _load_plan(args.policy, args.plan)
    opened = parse_instant("--opened", args.opened)
    due = plan.deadline(opened, args.severity, args.metric)
    out.write(("none" if due is None else due.isoformat()) + "\n")
    return 0


def cmd_evaluate(args: argparse.Namespace, out: IO[str], err: IO[str]) -> int:
    plan = _load_plan(args.policy, args.plan)
    now = _now(args.now)
    fmt = _input_format(args.file, args.format)
    progress = err.isatty()
    bad = good = 0
    # ticket_rows reads slacalc's own ticket file, or the helpdesk export of --source
    writer: Any = None
    if args.output == "csv":
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(RESULT_COLUMNS)
    for line, item in ticket_rows(args, args.file, fmt, err):
        if isinstance(item, BadRow):
            bad += 1
            err.write(f"{args.file}: line {item.line}: {item.message}\n")
            continue
        try:
            evaluation: Evaluation = plan.evaluate(item, now)
            outcome = evaluation[args.metric]
        except SlacalcError as exc:
            bad += 1
            err.write(f"{args.file}: line {line}: {exc}\n")
            continue
        if writer is not None:
            writer.writerow(outcome_values(outcome))
        else:
            out.write(json.dumps(outcome_row(outcome)) + "\n")
        good += 1
        if progress and good % _PROGRESS_EVERY == 0:
            err.write(f"\r{good:,} tickets evaluated, {bad} bad rows")
            err.flush()
    if progress:
        err.write(f"\r{good:,} tickets evaluated, {bad} bad rows\n")
    if bad:
        err.write(f"{bad} bad row(s); the other {good} were evaluated\n")
        return 1
    return 0


def cmd_explain(args: argparse.Namespace, out: IO[str], err: IO[str]) -> int:
    plan = _load_plan(args.policy, args.plan)
    now = _now(args.now)
    if args.file:
        wanted = None
        for _, item in ticket_rows(args, args.file, _input_format(args.file, args.format), err):
            if not isinstance(item, BadRow) and item.id == args.id:
                wanted = item
                break
        if wanted is None:
            err.write(f"{args.file}: no readable ticket with id {args.id!r}\n")
            return 2
        ticket = wanted
    else:
        if not (args.opened and args.severity):
            err.write("explain: give FILE --id ID, or --opened and --severity\n")
            return 2
        ticket = ticket_from_mapping(
            {
                "id": args.id or "ticket",
                "opened_at": args.opened,
                "severity": args.severity,
                "responded_at": args.responded,
                "channel": args.channel,
            }
        )
    evaluation = plan.evaluate(ticket, now)
    if args.json:
        out.write(json.dumps(evaluation.facts(), indent=2) + "\n")
    else:
        out.write(evaluation.explain() + "\n")
    return 0


def cmd_schema(args: argparse.Namespace, out: IO[str], err: IO[str]) -> int:
    from slacalc._policies.files import policy_schema

    out.write(json.dumps(policy_schema(), indent=2, sort_keys=True) + "\n")
    return 0


# ---------------------------------------------------------------------- parser


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of ``slacalc``."""
    parser = argparse.ArgumentParser(
        prog="slacalc",
        description="Exact support-terms arithmetic: deadlines, breaches and service credits.",
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    p = sub.add_parser("policies", help="list the built-in policies and their plans")
    p.set_defaults(handler=cmd_policies)

    def policy_args(p: argparse.ArgumentParser) -> None:
        p.add_argument(
            "--policy", required=True, help="built-in policy or family name, or a policy file"
        )
        p.add_argument("--plan", required=True, help="plan name within the policy")

    p = sub.add_parser("deadline", help="print when a response is due")
    policy_args(p)
    p.add_argument(
        "--severity", required=True, help="severity (or escalation class for escalation_response)"
    )
    p.add_argument("--opened", required=True, help="when the clock starts, ISO 8601 with offset")
    p.add_argument("--metric", default="initial_response", choices=METRICS)
    p.set_defaults(handler=cmd_deadline)

    p = sub.add_parser("evaluate", help="evaluate a file of tickets, one result row per ticket")
    p.add_argument(
        "file", help="CSV (id,opened_at,severity,responded_at[,channel]) or JSON Lines; - for stdin"
    )
    policy_args(p)
    p.add_argument("--now", help="evaluate as of this instant (default: now)")
    p.add_argument("--metric", default="initial_response", choices=METRICS)
    p.add_argument(
        "--format", choices=("csv", "jsonl"), help="input format (default: from the file name)"
    )
    p.add_argument(
        "--output", choices=("csv", "jsonl"), default="csv", help="output format (default csv)"
    )
    add_source_arguments(p)
    p.set_defaults(handler=cmd_evaluate)

    p = sub.add_parser("explain", help="explain how one ticket's numbers came about")
    p.add_argument("file", nargs="?", help="ticket file to read the ticket from (with --id)")
    policy_args(p)
    p.add_argument("--id", help="ticket id (in FILE)")
    p.add_argument("--opened", help="opened at, ISO 8601 with offset (without FILE)")
    p.add_argument("--severity", help="severity (without FILE)")
    p.add_argument("--responded", help="first response, ISO 8601 with offset (without FILE)")
    p.add_argument("--channel", help="channel (without FILE)")
    p.add_argument("--now", help="evaluate as of this instant (default: now)")
    p.add_argument(
        "--format", choices=("csv", "jsonl"), help="input format (default: from the file name)"
    )
    p.add_argument("--json", action="store_true", help="print the facts as JSON")
    add_source_arguments(p)
    p.set_defaults(handler=cmd_explain)

    p = sub.add_parser("schema", help="print the JSON Schema of policy files")
    p.set_defaults(handler=cmd_schema)

    from slacalc._cli.credits import add_credits_command
    from slacalc._cli.due import add_due_command
    from slacalc._cli.ledger import add_ledger_command
    from slacalc._cli.report import add_report_command
    from slacalc._cli.sources import add_sources_command

    add_ledger_command(sub)
    add_credits_command(sub)
    add_report_command(sub)
    add_sources_command(sub)
    add_due_command(sub)
    return parser


def main(
    argv: Sequence[str] | None = None, stdout: IO[str] | None = None, stderr: IO[str] | None = None
) -> int:
    """Run ``slacalc`` with *argv* (default ``sys.argv[1:]``); return the exit code."""
    out = stdout or sys.stdout
    err = stderr or sys.stderr
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        code: int = args.handler(args, out, err)
    except SlacalcError as exc:
        err.write(f"slacalc {args.command}: error: {exc}\n")
        return 2
    except OSError as exc:
        err.write(f"slacalc {args.command}: error: {exc}\n")
        return 2
    return code
