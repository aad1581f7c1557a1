"""``slacalc due``: the running clocks of open tickets that are due, breached or alerting soon.

For a scheduler or a pager: read a file of tickets (streamed, one row at a
time), compute each ticket's running clocks at ``--now`` (``plan.timers``),
keep those that are already breached, fall due, or have an alert within
``--within`` of now (all running clocks without ``--within``), and write them
soonest first: ordered by ``next_at``, the earlier of the clock's next alert
and its due instant. Bad rows are reported on stderr with their line number
and the rest are still listed; statuses the policy does not map are counted
in one warning at the end. With ``--contracts``, a ticket's ``customer``
column picks the contract in force when it was opened, and the contract's
effective plan (its own calendar, time zone, targets, pinned version) judges
it. Exit codes: 0, 1 (some rows bad, every good row
listed), 2 (a usage or input error stopped the command).

Memory stays flat on large files: the rows to list are kept as short text
lines and, past a threshold, sorted in runs on disk and merged.
"""

from __future__ import annotations

import argparse
import csv
import heapq
import io
import tempfile
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping, Sequence
from datetime import datetime, timedelta, tzinfo
from typing import IO, Any

from slacalc._cli.options import (
    Reporter,
    add_input_options,
    add_now,
    add_output_options,
    add_tz,
    engine_mode,
    future_problem,
    judged_chunks,
    now_of,
    open_output,
    open_records,
    output_format,
    ticket_items,
    zone_of,
)
from slacalc._cli.sources import add_source_arguments
from slacalc._engine.calendar import to_us
from slacalc._engine.durations import NoObjective, parse_duration
from slacalc._engine.epoch import DAY_US
from slacalc._engine.words import plural
from slacalc._evaluation.credits import ContractBook
from slacalc._evaluation.tickets import Ticket
from slacalc._evaluation.timers import Timer, timers
from slacalc._files.records import BadRow
from slacalc._files.tickets import TICKET_COLUMNS, ticket_or_bad_row
from slacalc._files.writers import Column, RecordSchema, csv_text, json_text, seconds
from slacalc.exceptions import DurationError, SlacalcError, UnknownStatusError

__all__ = ["DUE_COLUMNS", "DUE_RECORD", "add_due_command", "run_due"]

#: The columns of ``slacalc due``, in order.
DUE_RECORD = RecordSchema(
    "due",
    "One running clock, as `slacalc due` writes it, soonest first "
    "(`--format jsonl`: one per line; `--format json`: an array of them).",
    (
        Column("id", "text", "the ticket id"),
        Column("metric", "text", "the metric whose clock runs"),
        Column("instance", "integer", "the clock's number for a repeating metric", nullable=True),
        Column("class", "text", "the severity (or class) whose target applies", nullable=True),
        Column("status", "text", "pending or breached"),
        Column("action", "text", "what comes next", enum=("breached", "alert", "due")),
        Column("next_at", "instant", "the earlier of the next alert and the due instant"),
        Column("due_at", "instant", "when the objective runs out (projected while paused)"),
        Column("remaining_seconds", "seconds", "business time left, exact to the microsecond"),
        Column("late_by_seconds", "seconds", "time past due so far"),
        Column("paused", "boolean", "whether the clock is paused"),
        Column("next_alert", "text", "the next alert as written in the plan", nullable=True),
        Column("next_alert_at", "instant", "when it fires", nullable=True),
        Column("started_at", "instant", "when the clock started", nullable=True),
        Column("target", "text", "the objective in words"),
    ),
)

#: The columns of ``slacalc due``, in order.
DUE_COLUMNS = DUE_RECORD.names
_RUN = 100_000  # rows kept in memory before a sorted run goes to disk
_US = timedelta(microseconds=1)


def add_due_command(subparsers: Any) -> None:
    """Register ``due`` on an ``argparse`` subparsers object."""
    p: argparse.ArgumentParser = subparsers.add_parser(
        "due",
        help="running clocks of open tickets that are due, breached or alerting soon",
        description=(__doc__ or "").split("\n\n")[1],
    )
    p.add_argument("file", help="tickets: CSV or JSON Lines (as for evaluate); - for stdin")
    p.add_argument(
        "--policy", required=True, help="built-in policy or family name, or a policy file"
    )
    p.add_argument("--plan", required=True, help="plan name within the policy")
    add_now(p)
    p.add_argument(
        "--within",
        metavar="DURATION",
        help="horizon of wall time after now: '2 hours', 'PT30M', '1 day' (= 24 h); default: every running clock",
    )
    add_input_options(p, "tickets and contracts files")
    add_source_arguments(p)
    add_output_options(p)
    add_tz(p)
    p.add_argument(
        "--contracts",
        metavar="FILE",
        help="contracts (as for credits): a ticket's customer column picks its contract's terms",
    )
    p.set_defaults(handler=run_due)


def horizon(text: str) -> timedelta:
    """A ``--within`` horizon as wall time; a day is 24 hours here (a horizon is not business time).

    >>> horizon("2 hours"), horizon("1 day"), horizon("PT30M")
    (datetime.timedelta(seconds=7200), datetime.timedelta(days=1), datetime.timedelta(seconds=1800))
    """
    parsed = parse_duration(text, "--within")
    if isinstance(parsed, NoObjective):
        msg = f"--within: {text!r} is no amount of time; expected e.g. '2 hours' or 'PT30M'"
        raise DurationError(msg)
    return parsed.fixed + timedelta(microseconds=int(parsed.business_days * DAY_US))


def row(timer: Timer, now: datetime, tz: tzinfo | None) -> dict[str, Any]:
    """One output row of *timer* (JSON types: numbers, booleans, null)."""

    def iso(value: datetime | None) -> str | None:
        if value is None:
            return None
        return (value if tz is None else value.astimezone(tz)).isoformat()

    alert = timer.next_alert
    if timer.breached:
        action = "breached"
    elif alert is not None and alert.at < timer.due_at:
        action = "alert"
    else:
        action = "due"
    return {
        "id": timer.ticket_id,
        "metric": timer.metric,
        "instance": timer.instance,
        "class": timer.klass,
        "status": timer.status,
        "action": action,
        "next_at": iso(timer.next_at),
        "due_at": iso(timer.due_at),
        "remaining_seconds": seconds(timer.remaining),
        "late_by_seconds": seconds(timer.late_by),
        "paused": timer.paused,
        "next_alert": None if alert is None else alert.label,
        "next_alert_at": None if alert is None else iso(alert.at),
        "started_at": iso(timer.started_at),
        "target": timer.target,
    }


class _Sorter:
    """Lines with an integer key, given in any order, read back in key order; big inputs spill to disk."""

    def __init__(self) -> None:
        self._buffer: list[tuple[int, int, str]] = []
        self._runs: list[IO[str]] = []
        self._seq = 0

    def add(self, key: int, line: str) -> None:
        self._buffer.append((key, self._seq, line))
        self._seq += 1
        if len(self._buffer) >= _RUN:
            self._spill()

    def _spill(self) -> None:
        self._buffer.sort()
        run = tempfile.TemporaryFile("w+", encoding="utf-8", newline="")  # noqa: SIM115 - closed in close()
        run.writelines(f"{k}\t{s}\t{line}\n" for k, s, line in self._buffer)
        run.seek(0)
        self._runs.append(run)
        self._buffer = []

    def __iter__(self) -> Iterator[str]:
        self._buffer.sort()
        streams: list[Iterable[tuple[int, int, str]]] = [iter(self._buffer)]
        streams += [_read_run(run) for run in self._runs]
        for _, _, line in heapq.merge(*streams):
            yield line

    def close(self) -> None:
        for run in self._runs:
            run.close()


def _read_run(run: IO[str]) -> Iterator[tuple[int, int, str]]:
    for text in run:
        key, seq, line = text.rstrip("\n").split("\t", 2)
        yield int(key), int(seq), line


class _CsvLine:
    """One CSV line (no line end) of a row's values, through one reused writer."""

    def __init__(self) -> None:
        self._buffer = io.StringIO()
        self._writer = csv.writer(self._buffer, lineterminator="")

    def __call__(self, values: list[Any]) -> str:
        buffer = self._buffer
        buffer.seek(0)
        buffer.truncate()
        self._writer.writerow(
            [v if type(v) is str else "" if v is None else csv_text(v) for v in values]
        )
        return buffer.getvalue()


def run_due(args: argparse.Namespace, out: IO[str], err: IO[str]) -> int:
    """Handler of ``slacalc due``."""
    from slacalc._policies.files import load_policy

    reporter = Reporter(err, "due")
    fmt = output_format(args)
    tz = zone_of(args)
    policy = load_policy(args.policy)
    plan = policy.plan(args.plan)
    now, explicit = now_of(args)
    limit = None if args.within is None else to_us(now + horizon(args.within), "--within")
    sorter = _Sorter()
    csv_line = _CsvLine()
    unknown: Counter[str] = Counter()
    unknown_open: Counter[str] = Counter()
    good = 0
    book = ContractBook()
    if args.contracts:
        from slacalc._cli.credits import read_contracts

        book = ContractBook(
            found.contract for found in read_contracts(args, args.contracts, policy, reporter)
        )

    def judge(line: int, item: Ticket | BadRow, record: Mapping[str, Any] | None) -> None:
        """The row path: evaluate one ticket, add its listed clocks to the sorter."""
        nonlocal good
        if isinstance(item, BadRow):
            reporter.row(args.file, line, item.message)
            return
        problem = None if explicit else future_problem(item, now)
        if problem is not None:
            reporter.row(args.file, line, problem)
            return
        terms = plan
        if book:  # the customer's contract in force when it was opened, as credits finds it
            customer = getattr(item, "customer", None) if record is None else record.get("customer")
            terms = book.plan_for(customer, item.opened_at, plan)
        try:
            evaluation = terms.evaluate(item, now)
            running = timers(evaluation)
        except UnknownStatusError as exc:
            unknown[exc.status] += 1
            reporter.row(args.file, line, str(exc))
            return
        except SlacalcError as exc:
            reporter.row(args.file, line, str(exc))
            return
        good += 1
        unknown_open.update(evaluation.unknown_statuses)
        for timer in running:
            key = to_us(timer.next_at, "next_at")
            if limit is not None and key > limit:
                continue
            values = row(timer, now, tz)
            text = csv_line([values[c] for c in DUE_COLUMNS]) if fmt == "csv" else json_text(values)
            sorter.add(key, text)

    def columns(names: Sequence[str], values: Sequence[Sequence[str]]) -> list[Any]:
        from slacalc._analysis.running import due_chunk

        return due_chunk(names, values, plan, now, explicit, tz, limit, fmt, DUE_COLUMNS)

    # the column engine needs the plain file and one plan: --source and --contracts go row by row
    mode = None if args.source or args.contracts else engine_mode()
    try:
        if mode is None:
            with ticket_items(args, args.file, reporter) as items:
                for line, item, record in items:
                    judge(line, item, record)
        else:
            with open_records(args, args.file, TICKET_COLUMNS) as records:
                for note in records.notes:
                    reporter.note(args.file, note)
                for chunk in judged_chunks(records, columns, mode):
                    if chunk.complete:  # the common case: every row judged by the columns
                        good += len(chunk.done)
                        for listed in chunk.done:
                            for key, text in listed:
                                sorter.add(key, text)
                        continue
                    for line, done, record in chunk.items():
                        if done is None:
                            judge(line, ticket_or_bad_row(line, record), record)
                            continue
                        good += 1
                        for key, text in done:
                            sorter.add(key, text)
        with open_output(args.out, out) as sink:
            _write(sink, sorter, fmt)
    finally:
        sorter.close()
    if unknown:
        listed = ", ".join(f"{s!r} ({n})" for s, n in unknown.most_common())
        reporter.warning(
            f"{plural(sum(unknown.values()), 'row has', 'rows have')} statuses the policy does not map: "
            f"{listed}; add them to its open_statuses, pause_statuses or solved_statuses"
        )
    if unknown_open:
        listed = ", ".join(f"{s!r} ({n})" for s, n in unknown_open.most_common())
        reporter.warning(f"statuses the policy does not map were read as open: {listed}")
    return reporter.summary(good, "ticket", "tickets")


def _write(sink: IO[str], lines: Iterable[str], fmt: str) -> None:
    if fmt == "csv":
        sink.write(",".join(DUE_COLUMNS) + "\n")
        for line in lines:
            sink.write(line + "\n")
    elif fmt == "jsonl":
        for line in lines:
            sink.write(line + "\n")
    else:
        sink.write("[")
        first = True
        for line in lines:
            sink.write(("\n  " if first else ",\n  ") + line)
            first = False
        sink.write("\n]\n" if not first else "]\n")
