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

The event log (``--source events``, CSV or JSON Lines, grouped order) is cut
only between two whole rows of different tickets, so that each ticket's rows
stay in one part (:class:`EventCuts`); a CSV part is read with the log's
header. The came-back check (a ticket whose rows return after other
tickets') looks at the tickets of the parts before too: each part sends back
its tickets' ids, the command's process replays the check over them, and in
the rare part where that changes a verdict it reads the part again itself.

What cannot be cut falls back to one process: standard input, a JSON file
(one array or pages: a line is not a record), an event log read in any order
(``--events-order any``) or whose first line is not a plain header, and
Zendesk's ticket events export (one ticket's updates are spread through it).
"""

from __future__ import annotations

import argparse
import io
import multiprocessing
import os
import re
import sys
from collections import deque
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from datetime import datetime, tzinfo
from typing import Any

from slacalc._cli.ids import DuplicateIds
from slacalc._cli.options import CommandError, Reporter, load_plan
from slacalc._files.records import BadRow, open_bytes
from slacalc._files.sources._core import BadRecord, Tally, renumbered
from slacalc._files.sources.events import CsvProblem, csv_records, event_rows
from slacalc._files.sources.grouping import RecentIds
from slacalc._files.sources.jsonstream import json_records
from slacalc._files.sources.registry import input_format, source
from slacalc._files.sources.zendesk import PAGE_KEYS, is_ticket_event
from slacalc._files.tickets import not_utf8, open_input
from slacalc._files.writers import RecordSchema, RecordWriter

__all__ = [
    "PART_BYTES",
    "EventCuts",
    "Part",
    "add_jobs_argument",
    "jobs_of",
    "judge_in_parts",
    "serial_reason",
]

#: Bytes of the file per part handed to a worker (cut after a line end): about 2,000 tickets of a
#: Zendesk export with audits, large enough that sending it costs little beside judging it.
PART_BYTES = 2 << 20

#: The sources whose JSON Lines records stand alone (Zendesk: unless it is the events export).
_LINE_SOURCES = ("zendesk", "jira", "zammad", "freshdesk", "frappe")

#: Lines looked back over from a part's end for a place to cut an event log before reading on.
_LOOK_BACK = 2_000
#: Bytes read to find an event log's header line.
_HEAD_BYTES = 1 << 16
#: A line end, as universal newlines read them.
_LINE_END = re.compile(rb"\r\n|\r|\n")


def add_jobs_argument(p: argparse.ArgumentParser) -> None:
    """``--jobs N``: worker processes for a helpdesk export in JSON Lines."""
    p.add_argument(
        "--jobs",
        default="1",
        metavar="N",
        help=(
            "judge a --source export in JSON Lines, or an event log, with N worker processes "
            "('auto': one per core; default 1); the output is the same as with one"
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
    if args.file == "-":
        return "--jobs: standard input is read in one process"
    if name != "events" and name not in _LINE_SOURCES:
        return f"--jobs: the {name} source is read in one process"
    fmt = input_format(name, args.file, getattr(args, "input_format", None))
    if name == "events":
        if (getattr(args, "events_order", None) or "grouped") != "grouped":
            return "--jobs: an event log read in any order is read in one process (it is grouped on disk first)"
        if _log_start(args.file, fmt) is None:
            if fmt == "csv":
                return "--jobs: an event log whose first line is not a plain ticket_id,at,kind,value header is read in one process"
            return "--jobs: an event log that starts a JSON array is read in one process (it is read as one array)"
        return None
    if fmt != "jsonl":
        return "--jobs: a JSON file is read in one process (only JSON Lines can be cut by line)"
    if name == "zendesk" and _first_is_ticket_event(args.file):
        return "--jobs: Zendesk's ticket events export is read in one process (a ticket's updates are spread through it)"
    return None


def _log_start(path: str, fmt: str) -> tuple[int, str | None] | None:
    """Where an event log's rows start: ``(byte offset, CSV header line)``; None: it is read in one process.

    A CSV log's first line must be a header the reader takes, without quotes
    (it is given to every part); a JSON Lines log must not start with ``[``
    (the record reader reads such a file as one JSON array).
    """
    with open_bytes(path) as stream:  # the one wording for a file that is missing
        head = stream.read(_HEAD_BYTES)
    start = 3 if head.startswith(b"\xef\xbb\xbf") else 0
    if fmt == "jsonl":
        if head[start:].lstrip()[:1] == b"[":
            return None
        return start, None
    whole = len(head) < _HEAD_BYTES
    if whole and not head[start:]:
        return start, ""  # an empty log: nothing to cut
    end = _line_end(head, start, whole)
    if end is None:
        return None
    try:
        header = head[start:end].decode("utf-8")
    except UnicodeDecodeError:
        return None
    unreadable: list[BadRecord] = []  # a blank or incomplete header lands here too
    rows = list(event_rows(io.StringIO(header, newline=""), "csv", unreadable))
    if '"' in header or rows or unreadable:
        return None
    return end, header


def _line_end(data: bytes, start: int, whole: bool) -> int | None:
    """The position after the first line end at or after *start* (universal newlines), or None.

    *whole*: *data* is the whole file, so a CR at its end ends a line (else a LF may follow).
    """
    match = _LINE_END.search(data, start)
    if match is None:
        return None
    if match.end() == len(data) and match.group() == b"\r" and not whole:
        return None  # a LF may follow
    return match.end()


def _first_is_ticket_event(path: str) -> bool:
    with open_input(path) as stream:  # read up to the first record only
        first = next(json_records(stream, PAGE_KEYS, lines=True), None)
    return first is not None and is_ticket_event(first[1])


# ---------------------------------------------------------------------- the workers


class Part:
    """What a worker sends back for one part, in the order of its lines."""

    __slots__ = (
        "bad",
        "count",
        "groups",
        "ids",
        "lines",
        "records",
        "text",
        "undecodable",
        "unknown",
    )

    def __init__(self) -> None:
        self.text = ""  # the result records, as RecordWriter.block makes them
        self.count = 0  # how many
        self.undecodable = False  # the part is not UTF-8 text: the command says where
        self.bad: list[tuple[int, BadRow | str]] = []  # (line, bad record or the judge's problem)
        self.ids: list[str] = []  # of every ticket read, with its line (the duplicate-id warning)
        self.lines: list[int] = []
        self.records = 0  # records read: positions taken by this part
        self.unknown: dict[tuple[str, str], int] = {}  # the mapping's unknown values, counted
        self.groups: list[tuple[str, bool]] = []  # event log: (ticket id, came back) of each group


#: One judged ticket: its encoded record and None, or None and the problem in words.
Judge = Callable[[Any], tuple[Any, str | None]]


class _Judging:
    """What judges a part, set up once per process: the source's reader, the plan, the writer."""

    def __init__(
        self,
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
        log: tuple[str, str | None] | None,
    ) -> None:
        judged_plan = load_plan(policy, plan)
        writer = RecordWriter(io.StringIO(), fmt, schema)
        src = source(name)
        self.reader = src.reader
        self.mapping = src.mapping(mapping)
        self.block = writer.block
        self.log = log  # the event log: (its format, its CSV header); None: JSON Lines records

        def judge(ticket: Any) -> tuple[Any, str | None]:
            return judge_ticket(judged_plan, ticket, now, explicit, metric, zone, writer.encode)

        self.judge: Judge = judge

    def part(self, first_line: int, data: bytes, recent: RecentIds | None = None) -> Part:
        """Decode, read and judge one part, whose first line is line *first_line* of the file."""
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError:
            part = Part()
            part.undecodable = True
            return part
        if self.log is None:
            return judge_part(self.reader, self.mapping, self.judge, self.block, first_line, text)
        fmt, header = self.log
        groups: list[tuple[str, bool]] = []
        options = {"header": header, "recent": recent, "groups": groups}
        part = judge_part(
            self.reader, self.mapping, self.judge, self.block, first_line, text, fmt, options
        )
        part.groups = groups
        return part


_WORKER: dict[str, _Judging] = {}


def _start_worker(*initargs: Any) -> None:
    _WORKER["it"] = _Judging(*initargs)


def _work(first_line: int, data: bytes) -> Part:
    return _WORKER["it"].part(first_line, data)


def judge_part(
    reader: Any,
    mapping: Any,
    judge: Judge,
    block: Callable[[list[Any]], str],
    first_line: int,
    text: str,
    fmt: str = "jsonl",
    options: dict[str, Any] | None = None,
) -> Part:
    """Read and judge the lines *text*, the first of them line *first_line* of the file."""
    part = Part()
    tally = Tally(mapping)
    rows: list[Any] = []
    stream = io.StringIO(text, newline="")
    items = reader(stream, fmt, mapping, tally, first_line=first_line, **(options or {}))
    for line, item in items:
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


# ---------------------------------------------------------------------- cutting the file


def _parts(
    path: str, cut: Callable[[bytes], int], start: int | None = None, first: int = 1
) -> Iterator[tuple[int, bytes]]:
    """``(first line, bytes)`` of the file's parts: blocks of about :data:`PART_BYTES`, cut where *cut* says.

    *cut* gives the end of the part within a block (0: no place to cut yet;
    the next block is added to it). The bytes are not decoded here; their
    lines are counted as the text stream of one process counts them
    (universal newlines: a lone carriage return ends a line too). From
    *start* (the byte after an event log's header, whose rows begin at line
    *first*), or from the start, a byte-order mark skipped.
    """
    with open(path, "rb") as stream:
        if start is None:
            rest = stream.read(3)
            if rest == b"\xef\xbb\xbf":
                rest = b""
        else:
            stream.seek(start)
            rest = b""
        while True:
            chunk = stream.read(PART_BYTES)
            data = rest + chunk
            if not chunk:
                if data:
                    yield first, data
                return
            end = cut(data)
            if end == 0:  # no place to cut yet: read on
                rest = data
                continue
            data, rest = data[:end], data[end:]
            yield first, data
            first += _line_count(data)


def _last_line_end(data: bytes) -> int:
    """After the last line end of *data*: a LF, or a lone CR (one not at the end: a LF may follow)."""
    return max(data.rfind(b"\n"), data.rfind(b"\r", 0, len(data) - 1)) + 1


def _line_count(data: bytes) -> int:
    """The lines of *data* (which ends with a line end), as a text stream with universal newlines counts them.

    A CR that ends *data* is followed by something other than a LF (see
    :func:`_last_line_end`), so it ends a line of its own, as every lone CR does.
    """
    lines = data.count(b"\n")
    crs = data.count(b"\r")
    if crs:
        lines += crs - data.count(b"\r\n")  # a lone carriage return ends a line of its own
    return lines


class EventCuts:
    """Where a block of an event log may end: between two whole rows of different tickets.

    Each ticket's rows then stay in one part, and no row the reader leaves
    out (a blank line, a row without a ticket id, one with too few fields)
    lies at a cut, so the messages come in the order one process gives them.
    The two rows are read with the log's own row reader. A CSV cut is made
    only outside quotes: the two rows hold no quote character, and where the
    block holds quotes before them, the reader's own strict reading of the
    block from its start (which is a cut, outside quotes) must begin a row
    there (:meth:`_row_starts`). JSON Lines lines end at a line feed only,
    as the record reader splits them.
    """

    def __init__(self, fmt: str, header: str | None) -> None:
        self.fmt = fmt
        self.header = header or ""

    def __call__(self, data: bytes) -> int:
        universal = self.fmt == "csv"
        end = _last_line_end(data) if universal else data.rfind(b"\n") + 1
        if end == 0:
            return 0
        after = self._line_start(data, end, universal)  # the block's last whole line
        quote = data.find(b'"', 0, end) if universal else -1  # the block's first quote
        starts: set[int] | None = None  # where rows start, if the block holds quotes
        for _ in range(_LOOK_BACK):
            if after == 0:
                return 0
            before = self._line_start(data, after, universal)
            if 0 <= quote < before:
                if starts is None:
                    starts = self._row_starts(data[:end])
                clean = before in starts
            else:
                clean = True
            if clean and self._between_tickets(data[before:after], data[after:end]):
                return after
            end, after = after, before
        return 0

    @staticmethod
    def _line_start(data: bytes, end: int, universal: bool) -> int:
        """The start of the line that ends at *end* (just after its line end)."""
        stop = end - 1
        if universal:
            if stop > 0 and data[stop - 1 : stop + 1] == b"\r\n":
                stop -= 1
            return max(data.rfind(b"\n", 0, stop), data.rfind(b"\r", 0, stop)) + 1
        return data.rfind(b"\n", 0, stop) + 1

    def _between_tickets(self, before: bytes, after: bytes) -> bool:
        """*before* and *after* are whole rows of two different tickets, as the reader reads them."""
        if self.fmt == "csv" and (b'"' in before or b'"' in after):
            return False
        try:
            text = self.header + before.decode("utf-8") + after.decode("utf-8")
        except UnicodeDecodeError:
            return False
        unreadable: list[BadRecord] = []
        rows = list(event_rows(io.StringIO(text, newline=""), self.fmt, unreadable))
        return len(rows) == 2 and not unreadable and rows[0][1] != rows[1][1]

    @staticmethod
    def _row_starts(data: bytes) -> set[int]:
        """The offsets in *data* where the log's CSV reader starts a record that a cut there leaves alone.

        As :func:`~slacalc._files.sources.events.csv_records` reads: after a
        record it cannot read, the lines after that record's first are read
        again, and no cut falls among the lines it took (the part before the
        cut must hold them all, to fail the same way). A quote still open at
        the end of *data* ends the list: where that record ends depends on
        the rest of the file (the block grows until the quote closes, or the
        field limit makes it a bad record of its own).
        """
        offsets = [0]
        texts: list[str] = []
        at = 0
        for match in _LINE_END.finditer(data):
            try:
                texts.append(data[at : match.end()].decode("utf-8"))
            except UnicodeDecodeError:
                break
            at = match.end()
            offsets.append(at)
        starts: set[int] = set()
        free = 1  # the first line a cut may fall on
        for record in csv_records(texts):
            if isinstance(record, CsvProblem):
                if record.at_end:
                    break
                if record.line >= free:
                    starts.add(offsets[record.line - 1])
                free = max(free, record.line + len(record.lines))
            elif record[0] >= free:
                starts.add(offsets[record[0] - 1])
        return starts


# ---------------------------------------------------------------------- the command's process


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
    log: tuple[str, str | None] | None = None
    if name == "events":
        fmt = input_format(name, args.file, getattr(args, "input_format", None))
        begin = _log_start(args.file, fmt)
        assert begin is not None  # serial_reason has said so otherwise
        log = (fmt, begin[1])
        parts = _parts(args.file, EventCuts(*log), begin[0], 1 if begin[1] is None else 2)
    else:
        parts = _parts(args.file, _last_line_end)
    initargs = (
        args.policy, args.plan, args.metric, now, explicit, zone, writer.format, writer.schema,
        judge_ticket, name, getattr(args, "mapping", None), log,
    )  # fmt: skip
    replay = _Replay(initargs) if log is not None else None
    count = 0
    before = 0  # records read by the parts already written
    with ProcessPoolExecutor(
        jobs, mp_context=_context(), initializer=_start_worker, initargs=initargs
    ) as pool:
        waiting: deque[tuple[Future[Part], int, bytes]] = deque()
        while True:
            while len(waiting) < 2 * jobs:
                nxt = next(parts, None)
                if nxt is None:
                    break
                waiting.append((pool.submit(_work, *nxt), *nxt))
            if not waiting:
                break
            future, first_line, data = waiting.popleft()
            part = future.result()
            if part.undecodable:
                raise not_utf8(args.file)
            if replay is not None:
                part = replay.checked(part, first_line, data)
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


class _Replay:
    """The came-back check of an event log over its parts, as one pass over the log makes it.

    A worker checks its own part only. Here the groups of all parts are
    replayed in order against the window of recent tickets
    (:class:`~slacalc._files.sources.grouping.RecentIds`); where that gives
    another verdict than the worker's for any group of a part, the part is
    read again in this process, with the window as it stood before it.
    """

    def __init__(self, initargs: tuple[Any, ...]) -> None:
        self.initargs = initargs
        self.recent = RecentIds()
        # the last group so far: added to the window when the next group starts
        self.previous: str | None = None
        self.judging: _Judging | None = None

    def checked(self, part: Part, first_line: int, data: bytes) -> Part:
        """*part*, or the part read again where a ticket came back from an earlier part."""
        if not part.groups:
            return part
        recent = self.recent
        if self.previous is not None:  # as the reader does when the part's first group starts
            recent.add(self.previous)
        seed = recent.copy()
        same = True
        previous = None
        for ident, came_back in part.groups:
            if previous is not None:
                recent.add(previous)
            same = same and (ident in recent) == came_back
            previous = ident
        self.previous = previous
        if same:
            return part
        if self.judging is None:
            self.judging = _Judging(*self.initargs)
        return self.judging.part(first_line, data, seed)
