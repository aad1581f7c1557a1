"""``slacalc evaluate --jobs N``: a helpdesk export in JSON Lines judged by N processes.

One line of JSON Lines is one record (or one page of records) and depends on
no other line, so the file can be cut at any line. The command's own
process reads the file in blocks of about :data:`PART_BYTES` bytes cut after
a line end (without decoding them: it only counts their lines) and hands
them out; each worker process decodes its part, reads it with the source's
reader (told the number of the part's first line), judges the tickets and
encodes the result records exactly as one process would, and sends back
what the command writes: the records' text, the bad rows, the ids (for the
duplicate-id warning) and the mapping's unknown values. The command writes the parts in
input order, so the output, the messages and the exit code are those of one
process, byte for byte; only the records' positions in the messages
("record N") are counted on from the parts before (:func:`renumbered`).

At most two parts per worker are on their way at a time, so memory stays
flat: each process holds about one part.

What cannot be cut falls back to one process: standard input, a JSON file
(one array or pages: a line is not a record), the event log (a ticket's rows
go together), and Zendesk's ticket events export (one ticket's updates are
spread through it).
"""

from __future__ import annotations

import argparse
import io
import multiprocessing
import os
import sys
from collections import deque
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from datetime import datetime, tzinfo
from typing import Any

from slacalc._cli.ids import DuplicateIds
from slacalc._cli.options import CommandError, Reporter, load_plan
from slacalc._files.records import BadRow
from slacalc._files.sources._core import BadRecord, Tally, renumbered
from slacalc._files.sources.jsonstream import json_records
from slacalc._files.sources.registry import input_format, source
from slacalc._files.sources.zendesk import PAGE_KEYS, is_ticket_event
from slacalc._files.tickets import not_utf8, open_input
from slacalc._files.writers import RecordSchema, RecordWriter

__all__ = ["PART_BYTES", "Part", "add_jobs_argument", "jobs_of", "judge_in_parts", "serial_reason"]

#: Bytes of the file per part handed to a worker (cut after a line end): about 2,000 tickets of a
#: Zendesk export with audits, large enough that sending it costs little beside judging it.
PART_BYTES = 2 << 20

#: The sources whose JSON Lines records stand alone (Zendesk: unless it is the events export).
_LINE_SOURCES = ("zendesk", "jira", "zammad", "freshdesk", "frappe")


def add_jobs_argument(p: argparse.ArgumentParser) -> None:
    """``--jobs N``: worker processes for a helpdesk export in JSON Lines."""
    p.add_argument(
        "--jobs",
        default="1",
        metavar="N",
        help=(
            "judge a --source export in JSON Lines with N worker processes ('auto': one per "
            "core; default 1); the output is the same as with one"
        ),
    )


def jobs_of(args: argparse.Namespace) -> int:
    """The number of worker processes ``--jobs`` asks for (1: the command's own process)."""
    text = str(getattr(args, "jobs", "1") or "1").strip().lower()
    if text == "auto":
        return max(1, len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else 1)
    try:
        jobs = int(text)
    except ValueError:
        jobs = 0
    if not 1 <= jobs <= 256:
        msg = f"--jobs: invalid value {text!r}; expected a whole number from 1 to 256, or 'auto'"
        raise CommandError(msg)
    return jobs


def serial_reason(args: argparse.Namespace, jobs: int) -> str | None:
    """Why this input is read by one process although ``--jobs`` asks for more (None: it is not)."""
    if jobs <= 1:
        return None
    name = getattr(args, "source", None)
    if name is None:
        return "--jobs: slacalc's own ticket files are read in one process (a big CSV file takes the column engine)"
    if name not in _LINE_SOURCES:
        return f"--jobs: the {name} source is read in one process (a ticket's rows go together)"
    if args.file == "-":
        return "--jobs: standard input is read in one process"
    if input_format(name, args.file, getattr(args, "input_format", None)) != "jsonl":
        return "--jobs: a JSON file is read in one process (only JSON Lines can be cut by line)"
    if name == "zendesk" and _first_is_ticket_event(args.file):
        return "--jobs: Zendesk's ticket events export is read in one process (a ticket's updates are spread through it)"
    return None


def _first_is_ticket_event(path: str) -> bool:
    with open_input(path) as stream:  # read up to the first record only
        first = next(json_records(stream, PAGE_KEYS, lines=True), None)
    return first is not None and is_ticket_event(first[1])


# ---------------------------------------------------------------------- the workers


class Part:
    """What a worker sends back for one part, in the order of its lines."""

    __slots__ = ("bad", "count", "ids", "lines", "records", "text", "undecodable", "unknown")

    def __init__(self) -> None:
        self.text = ""  # the result records, as RecordWriter.block makes them
        self.count = 0  # how many
        self.undecodable = False  # the part is not UTF-8 text: the command says where
        self.bad: list[tuple[int, BadRow | str]] = []  # (line, bad record or the judge's problem)
        self.ids: list[str] = []  # of every ticket read, with its line (the duplicate-id warning)
        self.lines: list[int] = []
        self.records = 0  # records read: positions taken by this part
        self.unknown: dict[tuple[str, str], int] = {}  # the mapping's unknown values, counted


#: One judged ticket: its encoded record and None, or None and the problem in words.
Judge = Callable[[Any], tuple[Any, str | None]]

_WORKER: dict[str, Any] = {}


def _start_worker(
    policy: str,
    plan: str,
    metric: str,
    now: datetime,
    explicit: bool,
    zone: tzinfo | None,
    fmt: str,
    schema: RecordSchema,
    judge_ticket: Callable[..., tuple[Any, str | None]],
    name: str,
    mapping: str | None,
) -> None:
    judged_plan = load_plan(policy, plan)
    writer = RecordWriter(io.StringIO(), fmt, schema)
    src = source(name)
    _WORKER["reader"] = src.reader
    _WORKER["mapping"] = src.mapping(mapping)
    _WORKER["block"] = writer.block

    def judge(ticket: Any) -> tuple[Any, str | None]:
        return judge_ticket(judged_plan, ticket, now, explicit, metric, zone, writer.encode)

    _WORKER["judge"] = judge


def _work(first_line: int, data: bytes) -> Part:
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        part = Part()
        part.undecodable = True
        return part
    return judge_part(
        _WORKER["reader"], _WORKER["mapping"], _WORKER["judge"], _WORKER["block"], first_line, text
    )


def judge_part(
    reader: Any,
    mapping: Any,
    judge: Judge,
    block: Callable[[list[Any]], str],
    first_line: int,
    text: str,
) -> Part:
    """Read and judge the lines *text*, the first of them line *first_line* of the file."""
    part = Part()
    tally = Tally(mapping)
    rows: list[Any] = []
    stream = io.StringIO(text, newline="")
    for line, item in reader(stream, "jsonl", mapping, tally, first_line=first_line):
        part.records += 1
        if isinstance(item, BadRow):  # a line that is not JSON too: it costs that line
            part.bad.append((line, item))
            continue
        part.ids.append(item.id)
        part.lines.append(line)
        encoded, problem = judge(item)
        if problem is not None:
            part.bad.append((line, problem))
        else:
            rows.append(encoded)
    part.text, part.count = block(rows), len(rows)
    part.unknown = dict(tally.counts)
    return part


# ---------------------------------------------------------------------- the command's process


def _parts(path: str) -> Iterator[tuple[int, bytes]]:
    """``(first line, bytes)`` of the file's parts: blocks of about :data:`PART_BYTES` cut after a line end.

    The bytes are not decoded here; their lines are counted as the text
    stream of one process counts them (universal newlines: a lone carriage
    return ends a line too). A byte-order mark at the start is skipped.
    """
    with open(path, "rb") as stream:
        first = 1
        rest = stream.read(3)
        if rest == b"\xef\xbb\xbf":
            rest = b""
        while True:
            chunk = stream.read(PART_BYTES)
            data = rest + chunk
            if not chunk:
                if data:
                    yield first, data
                return
            # after the last line end: a LF, or a lone CR (one not at the end: a LF may follow)
            cut = max(data.rfind(b"\n"), data.rfind(b"\r", 0, len(data) - 1)) + 1
            if cut == 0:  # no line end yet: read on
                rest = data
                continue
            data, rest = data[:cut], data[cut:]
            yield first, data
            first += _line_count(data)


def _line_count(data: bytes) -> int:
    """The lines of *data* (which ends with a line end), as a text stream with universal newlines counts them.

    A CR that ends *data* is followed by something other than a LF (see
    :func:`_parts`), so it ends a line of its own, as every lone CR does.
    """
    lines = data.count(b"\n")
    crs = data.count(b"\r")
    if crs:
        lines += crs - data.count(b"\r\n")  # a lone carriage return ends a line of its own
    return lines


def _context() -> Any:
    # fork starts a worker in milliseconds with the policy already loaded; elsewhere, spawn
    methods = multiprocessing.get_all_start_methods()
    return multiprocessing.get_context(
        "fork" if sys.platform == "linux" and "fork" in methods else "spawn"
    )


def judge_in_parts(
    args: argparse.Namespace,
    jobs: int,
    now: datetime,
    explicit: bool,
    zone: tzinfo | None,
    writer: RecordWriter,
    reporter: Reporter,
    seen: DuplicateIds,
    tell: Callable[[int], None],
    notify: Callable[[str], None],
    judge_ticket: Callable[..., tuple[Any, str | None]],
) -> int:
    """Judge ``args.file`` with *jobs* workers, writing as one process would; the good rows' count.

    *judge_ticket* is ``slacalc._cli.evaluate.judge_ticket`` (given, not imported: the
    command's module imports this one), called in the workers with the plan, a
    ticket, *now*, *explicit*, the metric, *zone* and the writer's ``encode``.
    """
    name = args.source
    # a mapping that cannot be read is refused here, before any worker starts
    mapping = source(name).mapping(getattr(args, "mapping", None))
    tally = Tally(mapping)
    initargs = (
        args.policy, args.plan, args.metric, now, explicit, zone, writer.format, writer.schema,
        judge_ticket, name, getattr(args, "mapping", None),
    )  # fmt: skip
    count = 0
    before = 0  # records read by the parts already written
    with ProcessPoolExecutor(
        jobs, mp_context=_context(), initializer=_start_worker, initargs=initargs
    ) as pool:
        waiting: deque[Future[Part]] = deque()
        parts = _parts(args.file)
        while True:
            while len(waiting) < 2 * jobs:
                nxt = next(parts, None)
                if nxt is None:
                    break
                waiting.append(pool.submit(_work, *nxt))
            if not waiting:
                break
            part = waiting.popleft().result()
            if part.undecodable:
                raise not_utf8(args.file)
            for line, bad in part.bad:
                if isinstance(bad, BadRecord):
                    bad = renumbered(bad, before)
                reporter.row(args.file, line, bad if isinstance(bad, str) else bad.message)
            seen.add_many(part.ids, part.lines)
            writer.write_block(part.text, part.count)
            count += part.count
            before += part.records
            tally.counts.update(part.unknown)
            tell(count)
    text = tally.message()
    if text is not None:
        notify(text)
    return count
