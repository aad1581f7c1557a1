"""What every command shares: its options, the output file, the row-error reporter, ``--now`` and ``--tz``.

The convention (``docs/cli.md``): ``--format`` is the output format,
``--input-format`` / ``--delimiter`` / ``--encoding`` say how to read input
files, ``--out PATH`` writes to a file, ``--now`` fixes the instant, ``--tz``
the zone instants are written in. Exit codes: 0 all good, 1 some rows bad
(every good row processed), 2 a usage or input error stopped the command.
"""

from __future__ import annotations

import argparse
import contextlib
import heapq
import importlib.util
import os
import tempfile
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, tzinfo
from pathlib import Path
from typing import IO, Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from slacalc._engine.calendar import to_us
from slacalc._evaluation.tickets import Ticket
from slacalc._files.records import INPUT_FORMATS, Chunk, RecordFile, open_bytes
from slacalc._files.tickets import TICKET_COLUMNS, parse_instant, ticket_or_bad_row
from slacalc._files.writers import OUTPUT_FORMATS
from slacalc._typing import METRICS
from slacalc.exceptions import SlacalcError, UnknownTimeZoneError

__all__ = [
    "CHUNK_ROWS",
    "EXIT_BAD_ROWS",
    "EXIT_OK",
    "EXIT_STOPPED",
    "REPORT_ROWS",
    "CommandError",
    "JudgedChunk",
    "Reporter",
    "add_input_options",
    "add_metric",
    "add_now",
    "add_output_options",
    "add_policy_options",
    "add_tz",
    "engine_mode",
    "future_problem",
    "judged_chunks",
    "now_of",
    "open_output",
    "zone_of",
]

EXIT_OK = 0
EXIT_BAD_ROWS = 1
EXIT_STOPPED = 2

#: The longest message written about one row; longer ones are cut in the middle.
MESSAGE_LIMIT = 600


class CommandError(SlacalcError):
    """A usage or input error that stops the command (exit 2); the message says what to do."""


# ---------------------------------------------------------------------- options


def add_policy_options(p: argparse.ArgumentParser, *, plan_required: bool = True) -> None:
    """``--policy`` and ``--plan``."""
    p.add_argument(
        "--policy", required=True, help="built-in policy or family name, or a policy file"
    )
    p.add_argument("--plan", required=plan_required, help="plan name within the policy")


def add_input_options(p: argparse.ArgumentParser, what: str = "input files") -> None:
    """``--input-format``, ``--delimiter`` and ``--encoding``: how to read the *what*."""
    p.add_argument(
        "--input-format",
        choices=INPUT_FORMATS,
        help=f"format of the {what} (default: from the file name: .csv, .tsv, .jsonl, .ndjson, .json)",
    )
    p.add_argument(
        "--delimiter",
        metavar="CHAR",
        help="CSV delimiter (default: detected on the header: comma, semicolon or tab)",
    )
    p.add_argument(
        "--encoding",
        metavar="NAME",
        help="text encoding when the file has no byte-order mark (default utf-8), e.g. cp1252",
    )


def add_output_options(
    p: argparse.ArgumentParser,
    formats: tuple[str, ...] = OUTPUT_FORMATS,
    default: str = "csv",
) -> None:
    """``--format`` (the output format) and ``--out PATH``."""
    p.add_argument(
        "--format",
        choices=formats,
        default=None,
        help=f"output format: {', '.join(formats)} (default {default}; json is one JSON document)",
    )
    p.set_defaults(default_format=default)
    p.add_argument(
        "--out", metavar="PATH", help="write the output to PATH instead of standard output"
    )


def add_now(p: argparse.ArgumentParser) -> None:
    """``--now``."""
    p.add_argument(
        "--now",
        metavar="ISO",
        help="evaluate as of this instant, ISO 8601 with offset (default: the current time)",
    )


def add_tz(p: argparse.ArgumentParser) -> None:
    """``--tz``."""
    p.add_argument(
        "--tz",
        metavar="ZONE",
        help="write instants in this IANA time zone, e.g. UTC (default: the calendar's zone)",
    )


def add_metric(p: argparse.ArgumentParser) -> None:
    """``--metric``: a built-in metric or one the policy defines (checked against the plan)."""
    p.add_argument(
        "--metric",
        default="initial_response",
        metavar="METRIC",
        help=f"the metric to judge (default initial_response): {', '.join(METRICS)}, or one the policy defines",
    )


def input_kwargs(args: argparse.Namespace) -> dict[str, Any]:
    """The reading options of *args*, for :class:`RecordFile`."""
    return {
        "input_format": getattr(args, "input_format", None),
        "delimiter": getattr(args, "delimiter", None),
        "encoding": getattr(args, "encoding", None),
    }


def open_records(args: argparse.Namespace, path: str, required: tuple[str, ...]) -> RecordFile:
    """The records of *path*, read as the options of *args* say."""
    return RecordFile(path, required, **input_kwargs(args))


# ---------------------------------------------------------------------- values


def zone_of(args: argparse.Namespace) -> tzinfo | None:
    """The zone of ``--tz`` (None when not given); an unknown name stops the command."""
    name = getattr(args, "tz", None)
    if name is None:
        return None
    text = name.strip()
    if text.upper() in ("UTC", "Z"):
        return UTC
    try:
        return ZoneInfo(text)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        error = UnknownTimeZoneError.for_key(name)
        msg = f"--tz: {str(error).removeprefix('timezone: ')}"
        raise CommandError(msg) from None


def now_of(args: argparse.Namespace) -> tuple[datetime, bool]:
    """``--now`` (or the current time) and whether it was given."""
    text = getattr(args, "now", None)
    if text is None:
        return datetime.now(UTC), False
    now = parse_instant("--now", text)
    to_us(now, "--now")  # out of the years 1970-2200: one error now, not one per row
    return now, True


def future_problem(ticket: Ticket, now: datetime) -> str | None:
    """When ``--now`` was not given: the first instant of *ticket* after the current time, in words."""
    instants: list[tuple[str, datetime]] = [("opened_at", ticket.opened_at)]
    if ticket.responded_at is not None:
        instants.append(("responded_at", ticket.responded_at))
    instants += [(f"{e.kind} event", e.at) for e in ticket.events]
    for name, at in instants:
        if at > now:
            return (
                f"ticket {ticket.id!r}: {name} {at.isoformat()} is after the current time "
                f"{now.isoformat(timespec='seconds')}; give --now to judge the ticket as of a later instant "
                "(or check the file's offsets)"
            )
    return None


# ---------------------------------------------------------------------- output


@contextlib.contextmanager
def open_output(path: str | None, stdout: IO[str]) -> Iterator[IO[str]]:
    """Standard output, or the file *path* written whole: it appears only if the command gets through.

    The file is written next to *path* under a temporary name and renamed
    into place at the end, so a command stopped by an error leaves no half
    file behind (and an earlier file of that name untouched).
    """
    if path is None or path == "-":
        yield stdout
        return
    target = Path(path)
    folder = target.parent if str(target.parent) else Path()
    try:
        handle, temp = tempfile.mkstemp(dir=folder, prefix=f".{target.name}.", suffix=".part")
    except OSError as exc:
        msg = f"--out: cannot write {path} ({exc.strerror or exc})"
        raise CommandError(msg) from None
    ok = False
    try:
        with os.fdopen(handle, "w", encoding="utf-8", newline="") as stream:
            yield stream
        ok = True
    finally:
        if ok:
            os.replace(temp, target)
        else:
            with contextlib.suppress(OSError):
                os.unlink(temp)


class Reporter:
    """Writes row errors, warnings and notes to standard error, and counts the bad rows."""

    def __init__(self, stderr: IO[str], command: str) -> None:
        self.stderr = stderr
        self.command = command
        self.bad = 0
        #: every row error written, as written (the report lists its bad contract rows)
        self.lines: list[str] = []

    @staticmethod
    def _short(message: str) -> str:
        if len(message) <= MESSAGE_LIMIT:
            return message
        keep = MESSAGE_LIMIT // 2
        return f"{message[:keep]} … {message[-keep:]}"

    def row(self, path: str, line: int | None, message: str) -> None:
        """One bad row: ``FILE: line N: message``.

        A message that begins with its own ``line N`` (the event log's bad
        records say ``line N (ticket 'T'): …``) is not given the line twice:
        ``FILE: line N (ticket 'T'): …``.
        """
        self.bad += 1
        said = f"line {line}"
        if line is None:
            where = path
        elif message.startswith(said) and message[len(said) : len(said) + 2] in (": ", " ("):
            where = path  # the message names its line itself
        else:
            where = f"{path}: {said}"
        self.lines.append(f"{where}: {self._short(message)}")
        self.stderr.write(self.lines[-1] + "\n")

    def warning(self, message: str) -> None:
        """Something legal that is probably a mistake."""
        self.stderr.write(f"slacalc {self.command}: warning: {self._short(message)}\n")

    def note(self, path: str, message: str) -> None:
        """How a file was read, when it is not what its name says."""
        self.stderr.write(f"{path}: note: {message}\n")

    def summary(self, good: int, noun: str = "row", nouns: str = "rows") -> int:
        """The closing line when rows were bad (``2 bad rows left out; 998 tickets processed``), and the exit code."""
        if self.bad:
            rows = "row" if self.bad == 1 else "rows"
            done = f"{good} {noun if good == 1 else nouns}"
            self.stderr.write(
                f"slacalc {self.command}: {self.bad} bad {rows} left out; {done} processed\n"
            )
            return EXIT_BAD_ROWS
        return EXIT_OK


def output_format(args: argparse.Namespace) -> str:
    """``--format``, or the command's default."""
    fmt: str = args.format or args.default_format
    return fmt


def load_plan(policy: str, plan: str) -> Any:
    """The plan *plan* of *policy* (a built-in name, a family or a file): a Plan or a FamilyPlan."""
    from slacalc._policies.files import load_policy

    return load_policy(policy).plan(plan)


def concrete_plans(plan: Any) -> list[Any]:
    """Every concrete plan *plan* can be (one per version of a family)."""
    family = getattr(plan, "family", None)
    if family is None:
        return [plan]
    return [v.plans[plan.name] for v in family.versions if plan.name in v.plans]


def check_metric(plan: Any, metric: str) -> None:
    """Stop when no version of *plan* targets *metric* (every row would be bad for the same reason)."""
    plans = concrete_plans(plan)
    targeted = list(dict.fromkeys(m for p in plans for m in p.metrics()))
    if metric not in targeted:
        msg = f"--metric: plan {plans[0].name!r} of {plans[0].policy.name} sets no target for {metric}; it targets {', '.join(targeted)}"
        raise CommandError(msg)


@contextlib.contextmanager
def ticket_items(
    args: argparse.Namespace, path: str, reporter: Reporter
) -> Iterator[Iterator[tuple[int, Any, Mapping[str, Any] | None]]]:
    """``(line, Ticket | BadRow, record)`` for every row of the tickets file *path*.

    slacalc's own ticket files go through the shared record reader (with the
    command's ``--input-format``, ``--delimiter``, ``--encoding``); with
    ``--source NAME`` the helpdesk export is read by that source's reader
    (*record* is then None; its tickets carry their ``customer``).
    """
    if getattr(args, "source", None):
        from slacalc._cli.sources import ticket_rows

        if path != "-":  # a file that cannot be opened stops the command before any output
            open_bytes(path).close()
        yield ((line, item, None) for line, item in ticket_rows(args, path, None, reporter.stderr))
        return
    with open_records(args, path, TICKET_COLUMNS) as records:
        for note in records.notes:
            reporter.note(path, note)
        # the block reader gives the same records in the same order, a chunk at a time and
        # faster; SLACALC_ENGINE=rows keeps the plain iteration
        rows = records if engine_mode() is None else _in_order(records)
        yield (
            (line, ticket_or_bad_row(line, record), record if isinstance(record, dict) else None)
            for line, record in rows
        )


def _in_order(records: RecordFile) -> Iterator[tuple[int, Any]]:
    """The records of *records*, read with :meth:`RecordFile.chunks`, in line order."""
    for chunk in records.chunks(CHUNK_ROWS):
        yield from chunk.records()


# ---------------------------------------------------------------------- the column engine

#: Rows per chunk of a CSV file read for the column engine.
CHUNK_ROWS = 8_192
#: Tickets ``slacalc report`` evaluates at a time (a frame each, let go once its figures are
#: kept): 50,000 keeps a part's frames to some 40 MB and costs a few percent of time over 100,000.
REPORT_ROWS = 50_000
#: A file whose first chunk has fewer plain rows is judged row by row: starting NumPy
#: and pandas would take longer than the rows.
SMALL_FILE_ROWS = 5_000
#: ``SLACALC_ENGINE``: ``auto`` (the default), ``rows`` or ``columns``.
ENGINES = ("auto", "rows", "columns")


def engine_mode() -> str | None:
    """The engine ``SLACALC_ENGINE`` asks for: None for row by row, else ``auto`` or ``columns``."""
    value = os.environ.get("SLACALC_ENGINE", "auto").strip().lower() or "auto"
    if value not in ENGINES:
        msg = f"SLACALC_ENGINE: unknown engine {value!r}; expected one of {', '.join(ENGINES)}"
        raise CommandError(msg)
    if value == "rows":
        return None
    if value == "columns" and not _columns_available():
        msg = "SLACALC_ENGINE=columns needs NumPy and pandas; install slacalc[pandas]"
        raise CommandError(msg)
    return value


def _columns_available() -> bool:
    return importlib.util.find_spec("numpy") is not None and (
        importlib.util.find_spec("pandas") is not None
    )


@dataclass(slots=True)
class JudgedChunk:
    """A chunk of a ticket file after the column engine: what it judged, what is left.

    ``done[i]`` is the column engine's encoded output for the plain row
    ``i`` of *chunk* (None where the row needs the careful path).
    """

    chunk: Chunk
    done: list[Any]

    @property
    def lines(self) -> list[int]:
        """The line of each plain row."""
        return self.chunk.lines

    @property
    def complete(self) -> bool:
        """Whether the column engine judged every row of the chunk."""
        return not self.chunk.others and None not in self.done

    def ids(self) -> list[str]:
        """The ticket id of every plain row."""
        chunk = self.chunk
        return chunk.values[chunk.columns.index("id")]

    def items(self) -> Iterator[tuple[int, Any, Any]]:
        """``(line, done, id)`` for a judged row, ``(line, None, record)`` for the others, by line."""
        chunk = self.chunk
        if not chunk.lines:  # JSON, or a file the careful reader took whole
            return ((line, None, record) for line, record in chunk.others)
        ids = self.ids()
        plain = (
            (line, d, ids[i] if d is not None else chunk.record(i))
            for i, (line, d) in enumerate(zip(chunk.lines, self.done, strict=True))
        )
        others = ((line, None, record) for line, record in chunk.others)
        return heapq.merge(plain, others, key=lambda item: item[0])


def judged_chunks(
    records: RecordFile,
    columns: Callable[[Sequence[str], Sequence[Sequence[str]]], list[Any]],
    mode: str,
) -> Iterator[JudgedChunk]:
    """The rows of *records* a chunk at a time, the plain ones judged by *columns*.

    *columns* gets the column names and the columns of text of the plain
    rows. The column engine starts on the first chunk of a large file (or
    always, with *mode* ``columns``); a small file is left whole to the
    careful path, so that a few rows do not pay for starting NumPy and pandas.
    """
    use: bool | None = None
    for chunk in records.chunks(CHUNK_ROWS):
        if use is None:
            use = mode == "columns" or (
                len(chunk.lines) >= SMALL_FILE_ROWS and _columns_available()
            )
        n = len(chunk.lines)
        done = columns(chunk.columns, chunk.values) if use and n else [None] * n
        yield JudgedChunk(chunk, done)
