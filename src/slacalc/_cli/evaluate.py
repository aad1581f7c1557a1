"""``slacalc evaluate``: one result record per ticket of a file, streamed."""

from __future__ import annotations

import argparse
import contextlib
from collections.abc import Callable, Sequence
from datetime import datetime, tzinfo
from typing import IO, Any

from slacalc._cli.ids import DuplicateIds
from slacalc._cli.options import (
    CommandError,
    Reporter,
    add_input_options,
    add_metric,
    add_now,
    add_output_options,
    add_policy_options,
    add_tz,
    check_metric,
    engine_mode,
    future_problem,
    judged_chunks,
    load_plan,
    now_of,
    open_output,
    open_records,
    output_format,
    ticket_items,
    zone_of,
)
from slacalc._cli.parallel import add_jobs_argument, jobs_of, judge_in_parts, serial_reason
from slacalc._cli.sources import add_source_arguments, notify_on
from slacalc._evaluation.evaluate import Outcome
from slacalc._evaluation.tickets import Ticket
from slacalc._files.records import BadRow
from slacalc._files.tickets import TICKET_COLUMNS, ticket_or_bad_row
from slacalc._files.writers import (
    OUTPUT_FORMATS,
    Column,
    RecordSchema,
    RecordWriter,
    seconds_of_us,
)
from slacalc.exceptions import SlacalcError

__all__ = [
    "EVALUATE_RECORD",
    "RESULT_COLUMNS",
    "add_evaluate_command",
    "cmd_evaluate",
    "judge_ticket",
    "outcome_row",
]

_STATUSES = ("met", "breached", "pending", "not_applicable")

EVALUATE_RECORD = RecordSchema(
    "evaluate",
    "One ticket's outcome for one metric, as `slacalc evaluate` writes it "
    "(`--format jsonl`: one per line; `--format json`: an array of them).",
    (
        Column("id", "text", "the ticket id"),
        Column("status", "text", "how the metric came out", enum=_STATUSES),
        Column("due_at", "instant", "when the objective ran out (null without one)", nullable=True),
        Column(
            "late_by_seconds",
            "seconds",
            "time past due in the policy's lateness measure, exact to the microsecond (0 when met)",
        ),
        Column("credit_days", "integer", "service-credit days earned by this metric"),
        Column("metric", "text", "the metric judged (a built-in one or the policy's own)"),
        Column(
            "class",
            "text",
            "the severity (or escalation class) whose target applied",
            nullable=True,
        ),
        Column("target", "text", "the objective in words, e.g. '2 business hours on extended'"),
        Column(
            "stopped_at", "instant", "when the clock stopped (null while it runs)", nullable=True
        ),
        Column("elapsed_seconds", "seconds", "business time the clock used, pauses excluded"),
        Column(
            "remaining_seconds",
            "seconds",
            "business time left at --now (null once the clock stopped)",
            nullable=True,
        ),
        Column(
            "late_by_wall_seconds", "seconds", "wall-clock time from due to the stop (or --now)"
        ),
        Column("policy", "text", "the policy version that judged the ticket"),
        Column("plan", "text", "the plan"),
    ),
)

#: The columns of ``slacalc evaluate``, in order.
RESULT_COLUMNS = EVALUATE_RECORD.names

_PROGRESS_EVERY = 10_000
_WRITE_EVERY = 256


def outcome_row(outcome: Outcome) -> dict[str, Any]:
    """The result record of *outcome* (Python values, for :class:`RecordWriter`)."""
    durations: tuple[Any, Any, Any, Any]  # elapsed, remaining, late by, late by on the wall
    if type(outcome) is Outcome:  # one clock: its durations as numbers, no timedelta built
        elapsed_us, remaining_us, late_us, late_wall_us = outcome._durations_us()
        durations = (
            seconds_of_us(elapsed_us),
            None if remaining_us is None else seconds_of_us(remaining_us),
            seconds_of_us(late_us),
            seconds_of_us(late_wall_us),
        )
    else:
        durations = (outcome.elapsed, outcome.remaining, outcome.late_by, outcome.late_by_wall)
    elapsed, remaining, late, late_wall = durations
    return {
        "id": outcome.ticket_id,
        "status": outcome.status,
        "due_at": outcome.due_at,
        "late_by_seconds": late,
        "credit_days": outcome.credit_days,
        "metric": outcome.metric,
        "class": outcome.klass,
        "target": outcome.target,
        "stopped_at": outcome.stopped_at,
        "elapsed_seconds": elapsed,
        "remaining_seconds": remaining,
        "late_by_wall_seconds": late_wall,
        "policy": outcome.policy,
        "plan": outcome.plan,
    }


def add_evaluate_command(sub: Any) -> None:
    """Register ``evaluate``."""
    p: argparse.ArgumentParser = sub.add_parser(
        "evaluate",
        help="evaluate a file of tickets, one result record per ticket",
        description=(
            "Judge every ticket of FILE against a plan and write one record per ticket for one "
            "metric. Bad rows are reported on standard error with their line and left out; "
            "every good row is written. Exit 0: all good; 1: some rows bad; 2: stopped."
        ),
    )
    p.add_argument(
        "file",
        help="tickets: CSV/TSV (id,opened_at,severity[,responded_at,channel,…]), JSON Lines or a JSON array; - for stdin",
    )
    add_policy_options(p)
    add_now(p)
    add_metric(p)
    add_input_options(p, "tickets file")
    add_output_options(p)
    p.add_argument(
        "--output",
        dest="output_alias",
        choices=OUTPUT_FORMATS,
        help="deprecated spelling of --format",
    )
    add_tz(p)
    add_source_arguments(p)
    add_jobs_argument(p)
    p.set_defaults(handler=cmd_evaluate)


def _format(args: argparse.Namespace, reporter: Reporter) -> str:
    alias = getattr(args, "output_alias", None)
    if alias is None:
        return output_format(args)
    reporter.warning("--output is deprecated; use --format (the output format)")
    if args.format is not None and args.format != alias:
        msg = (
            f"--format {args.format} and --output {alias} disagree: --format is now the output "
            "format and --output its old spelling; give the input format as --input-format"
        )
        raise CommandError(msg)
    return str(alias)


def cmd_evaluate(args: argparse.Namespace, out: IO[str], err: IO[str]) -> int:
    """Handler of ``slacalc evaluate``."""
    reporter = Reporter(err, "evaluate")
    fmt = _format(args, reporter)
    zone = zone_of(args)
    plan = load_plan(args.policy, args.plan)
    check_metric(plan, args.metric)
    now, explicit = now_of(args)
    progress = err.isatty()
    count = [0]
    seen = DuplicateIds()

    def judge(line: int, item: Ticket | BadRow) -> Any:
        """The encoded result record of one ticket, or None (its error reported)."""
        if isinstance(item, BadRow):
            reporter.row(args.file, line, item.message)
            return None
        seen.add(item.id, line)
        encoded, problem = judge_ticket(plan, item, now, explicit, args.metric, zone, writer.encode)
        if problem is not None:
            reporter.row(args.file, line, problem)
        return encoded

    def tell() -> None:
        if progress:
            err.write(f"\r{count[0]:,} tickets evaluated, {reporter.bad} bad rows")
            err.flush()

    def told(done: int) -> None:
        """*done* tickets written so far: the progress line each time a multiple of _PROGRESS_EVERY is passed."""
        before = count[0]
        count[0] = done
        if done // _PROGRESS_EVERY != before // _PROGRESS_EVERY:
            tell()

    def columns(names: Sequence[str], values: Sequence[Sequence[str]]) -> list[Any]:
        from slacalc._analysis.chunked import evaluate_chunk

        return evaluate_chunk(names, values, plan, args.metric, now, explicit, zone, writer).done

    mode = None if args.source else engine_mode()
    jobs = jobs_of(args)
    reason = serial_reason(args, jobs)
    if reason is not None:
        reporter.note(args.file, reason)
    elif jobs > 1:  # a --source export in JSON Lines (serial_reason said why not otherwise)
        with open_output(args.out, out) as stream:
            writer = RecordWriter(stream, fmt, EVALUATE_RECORD)
            judged = judge_in_parts(
                args, jobs, now, explicit, zone, writer, reporter, seen, told, notify_on(err),
                judge_ticket,
            )  # fmt: skip
            writer.close()
        count[0] = judged
        return _finish(reporter, seen, count[0], progress, tell, err)
    with contextlib.ExitStack() as stack:
        # the input is opened first: a file that cannot be read stops the command before
        # anything is written
        if mode is not None:
            records = stack.enter_context(open_records(args, args.file, TICKET_COLUMNS))
            for note in records.notes:
                reporter.note(args.file, note)
        else:
            items = stack.enter_context(ticket_items(args, args.file, reporter))
        stream = stack.enter_context(open_output(args.out, out))
        writer = RecordWriter(stream, fmt, EVALUATE_RECORD)
        if mode is not None:
            for chunk in judged_chunks(records, columns, mode):
                if chunk.complete:  # the common case: every row judged by the columns
                    seen.add_many(chunk.ids(), chunk.lines)
                    batch = chunk.done
                else:
                    batch = []
                    for line, done, record in chunk.items():
                        if done is not None:
                            seen.add(record, line)
                            batch.append(done)
                            continue
                        encoded = judge(line, ticket_or_bad_row(line, record))
                        if encoded is not None:
                            batch.append(encoded)
                writer.write_encoded(batch)
                told(count[0] + len(batch))
        else:
            pending: list[Any] = []  # written a few hundred at a time: one call, not one per row
            for line, item, _ in items:
                encoded = judge(line, item)
                if encoded is None:
                    continue
                pending.append(encoded)
                if len(pending) == _WRITE_EVERY:
                    writer.write_encoded(pending)
                    pending = []
                count[0] += 1
                if count[0] % _PROGRESS_EVERY == 0:
                    tell()
            writer.write_encoded(pending)
        writer.close()
    return _finish(reporter, seen, count[0], progress, tell, err)


def _finish(
    reporter: Reporter,
    seen: DuplicateIds,
    count: int,
    progress: bool,
    tell: Callable[[], None],
    err: IO[str],
) -> int:
    if progress:
        tell()
        err.write("\n")
    if seen:
        reporter.warning(seen.warning() or "")
    return reporter.summary(count, "ticket", "tickets")


def judge_ticket(
    plan: Any,
    ticket: Ticket,
    now: datetime,
    explicit: bool,
    metric: str,
    zone: tzinfo | None,
    encode: Callable[[dict[str, Any]], Any],
) -> tuple[Any, str | None]:
    """One ticket's result record, encoded, and None; or None and why the ticket is a bad row.

    *explicit*: ``--now`` was given (else an instant after *now* is refused).
    """
    problem = None if explicit else future_problem(ticket, now)
    if problem is not None:
        return None, problem
    try:
        outcome = plan._outcome(ticket, now, metric, zone)  # that metric alone
    except SlacalcError as exc:
        return None, str(exc)
    return encode(outcome_row(outcome)), None
