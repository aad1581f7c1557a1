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
import contextlib
import csv
import heapq
import io
import json
import tempfile
from collections import Counter
from collections.abc import Iterable, Iterator
from datetime import UTC, date, datetime, timedelta, tzinfo
from pathlib import Path
from typing import IO, Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from slacalc._engine.calendar import to_us
from slacalc._engine.durations import NoObjective, parse_duration
from slacalc._evaluation.credits import Contract
from slacalc._evaluation.timers import Timer, timers
from slacalc._files.tickets import (
    TICKET_COLUMNS,
    BadRow,
    open_input,
    parse_instant,
    read_records,
    ticket_or_bad_row,
)
from slacalc.exceptions import DurationError, SlacalcError, UnknownStatusError

__all__ = ["DUE_COLUMNS", "add_due_command", "run_due"]

#: The columns of ``slacalc due``, in order.
DUE_COLUMNS = (
    "id",
    "metric",
    "instance",
    "class",
    "status",
    "action",
    "next_at",
    "due_at",
    "remaining_seconds",
    "late_by_seconds",
    "paused",
    "next_alert",
    "next_alert_at",
    "started_at",
    "target",
)
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
    p.add_argument("--now", help="as of this instant, ISO 8601 with offset (default: now)")
    p.add_argument(
        "--within",
        metavar="DURATION",
        help="horizon of wall time after now: '2 hours', 'PT30M', '1 day' (= 24 h); default: every running clock",
    )
    p.add_argument(
        "--format", choices=("csv", "jsonl", "json"), default="csv", help="output format"
    )
    p.add_argument(
        "--input-format", choices=("csv", "jsonl"), help="tickets format (default: from the name)"
    )
    p.add_argument("--out", metavar="PATH", help="write to PATH instead of standard output")
    p.add_argument("--tz", metavar="ZONE", help="give instants in this IANA time zone")
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
    return parsed.fixed + timedelta(microseconds=int(parsed.business_days * 86_400_000_000))


def _zone(name: str | None) -> tzinfo | None:
    if name is None:
        return None
    try:
        return UTC if name.upper() == "UTC" else ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        msg = f"--tz: unknown time zone {name!r}; expected an IANA name such as 'Europe/Zurich' or 'UTC'"
        raise SlacalcError(msg) from None


def _seconds(value: timedelta) -> int | float:
    us = value // _US
    return us // 1_000_000 if us % 1_000_000 == 0 else us / 1_000_000


def _input_format(path: str, given: str | None) -> str:
    if given:
        return given
    return "jsonl" if Path(path).suffix.lower() in (".jsonl", ".ndjson", ".json") else "csv"


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
        "remaining_seconds": _seconds(timer.remaining),
        "late_by_seconds": _seconds(timer.late_by),
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


def _csv_line(values: list[Any]) -> str:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="").writerow(
        [
            "" if v is None else ("true" if v is True else "false" if v is False else v)
            for v in values
        ]
    )
    return buffer.getvalue()


def run_due(args: argparse.Namespace, out: IO[str], err: IO[str]) -> int:
    """Handler of ``slacalc due``."""
    from slacalc._policies.files import load_policy

    policy = load_policy(args.policy)
    plan = policy.plan(args.plan)
    now = datetime.now(UTC) if args.now is None else parse_instant("--now", args.now)
    limit = None if args.within is None else to_us(now + horizon(args.within), "--within")
    tz = _zone(args.tz)
    fmt = _input_format(args.file, args.input_format)
    sorter = _Sorter()
    bad = 0
    unknown: Counter[str] = Counter()
    unknown_open: Counter[str] = Counter()
    contracts: dict[str, list[Contract]] = {}
    if args.contracts:
        bad += _read_contracts(args.contracts, policy, args.plan, contracts, err)
    try:
        with open_input(args.file) as stream:
            for line, record in read_records(stream, fmt, TICKET_COLUMNS):
                item = ticket_or_bad_row(line, record)
                if isinstance(item, BadRow):
                    bad += 1
                    err.write(f"{args.file}: line {item.line}: {item.message}\n")
                    continue
                terms = plan
                if contracts and not isinstance(record, BadRow):
                    terms = _contract_plan(contracts, record, item.opened_at.date(), plan)
                try:
                    evaluation = terms.evaluate(item, now)
                    running = timers(evaluation)
                except UnknownStatusError as exc:
                    bad += 1
                    unknown[exc.status] += 1
                    err.write(f"{args.file}: line {line}: {exc}\n")
                    continue
                except SlacalcError as exc:
                    bad += 1
                    err.write(f"{args.file}: line {line}: {exc}\n")
                    continue
                unknown_open.update(evaluation.unknown_statuses)
                for timer in running:
                    next_at = timer.next_at
                    key = to_us(next_at, "next_at")
                    if limit is not None and key > limit:
                        continue
                    record = row(timer, now, tz)
                    if args.format == "csv":
                        text = _csv_line([record[c] for c in DUE_COLUMNS])
                    else:
                        text = json.dumps(record, ensure_ascii=False)
                    sorter.add(key, text)
        target: contextlib.AbstractContextManager[IO[str]]
        if args.out:
            target = open(args.out, "w", encoding="utf-8", newline="")  # noqa: SIM115 - entered below
        else:
            target = contextlib.nullcontext(out)
        with target as sink:
            _write(sink, sorter, args.format)
    except BrokenPipeError:
        return 0  # the reader went away (| head): nothing more to say
    finally:
        sorter.close()
    if unknown:
        listed = ", ".join(f"{s!r} ({n})" for s, n in unknown.most_common())
        err.write(
            f"slacalc due: warning: {sum(unknown.values())} row(s) have statuses the policy does not map: "
            f"{listed}; add them to its open_statuses, pause_statuses or solved_statuses\n"
        )
    if unknown_open:
        listed = ", ".join(f"{s!r} ({n})" for s, n in unknown_open.most_common())
        err.write(
            f"slacalc due: warning: statuses the policy does not map were read as open: {listed}\n"
        )
    if bad:
        err.write(f"{bad} bad row(s); every other ticket was read\n")
        return 1
    return 0


def _read_contracts(
    path: str, policy: Any, plan: str, into: dict[str, list[Contract]], err: IO[str]
) -> int:
    """Read the contracts file into *into* (customer → contracts); the number of bad rows."""
    from slacalc._cli.credits import contract_from_row

    bad = 0
    with open_input(path) as stream:
        for line, record in read_records(
            stream, _input_format(path, None), ("customer", "term_start", "term_end")
        ):
            if isinstance(record, BadRow):
                bad += 1
                err.write(f"{path}: line {line}: {record.message}\n")
                continue
            try:
                contract = contract_from_row(record, policy, plan)
            except SlacalcError as exc:
                bad += 1
                err.write(f"{path}: line {line}: {exc}\n")
                continue
            into.setdefault(contract.customer, []).append(contract)
    return bad


def _contract_plan(
    contracts: dict[str, list[Contract]], record: dict[str, Any], opened: date, default: Any
) -> Any:
    """The effective plan of the customer's contract in force on *opened* (the default plan without one)."""
    customer = str(record.get("customer") or "").strip()
    for contract in contracts.get(customer, ()):
        if contract.term_start <= opened < contract.term_end:
            return contract.plan
    return default


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
