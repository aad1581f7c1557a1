"""``slacalc report``: evaluate a file of tickets and write one self-contained HTML page.

This module is imported by the command line, which must work without the
optional extras: pandas and matplotlib are imported only when the command
runs (``pip install 'slacalc[plot]'``).
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Iterable, Iterator, Sequence
from datetime import datetime, timedelta
from pathlib import Path
from typing import IO, Any

from slacalc._cli.ids import DuplicateIds
from slacalc._cli.options import (
    CHUNK_ROWS,
    EXIT_STOPPED,
    REPORT_ROWS,
    CommandError,
    Reporter,
    add_input_options,
    add_metric,
    add_now,
    add_policy_options,
    add_tz,
    future_problem,
    now_of,
    open_output,
    open_records,
    zone_of,
)
from slacalc._cli.sources import add_source_arguments
from slacalc._engine.calendar import EPOCH, MAX_US
from slacalc._files.records import INPUT_FORMATS, BadRow
from slacalc._files.tickets import TICKET_COLUMNS, ticket_from_mapping
from slacalc.exceptions import SlacalcError

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
        help="tickets: CSV (id,opened_at,severity,responded_at[,channel][,customer]), JSON Lines or JSON",
    )
    add_policy_options(p)
    p.add_argument("--out", default="report.html", help="HTML file to write (default report.html)")
    add_now(p)
    add_metric(p)
    add_input_options(p, "tickets file")
    p.add_argument(
        "--format",
        dest="old_input_format",
        choices=INPUT_FORMATS,
        help="deprecated spelling of --input-format (the report itself is always HTML)",
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
        "currency,timezone,calendar,targets,policy_version]): each customer's tickets judged on "
        "its contract's terms, credit days valued in money where a term price is given",
    )
    p.add_argument(
        "--goal", type=float, default=0.95, help="attainment goal drawn on the plot (default 0.95)"
    )
    p.add_argument("--title", help="page title (default: from policy and plan)")
    add_tz(p)
    add_source_arguments(p)
    p.set_defaults(handler=cmd_report)
    return p


def cmd_report(args: argparse.Namespace, out: IO[str], err: IO[str]) -> int:
    """Handler of ``slacalc report``: 0 when every row was read, 1 with bad rows (still written), 2 when stopped."""
    try:
        import matplotlib  # noqa: F401
        import pandas  # noqa: F401
    except ImportError as exc:
        err.write(f"slacalc report: {exc.name} is missing; {_EXTRA_HINT}\n")
        return EXIT_STOPPED
    from slacalc._analysis.frames import period_frequency
    from slacalc._analysis.report import evaluate_by_contract, render_report
    from slacalc._analysis.words import plural

    reporter = Reporter(err, "report")
    period_frequency(args.freq, "--freq")  # refused before any work is done
    if args.old_input_format:
        reporter.warning("--format is deprecated here; use --input-format")
        if args.input_format not in (None, args.old_input_format):
            msg = f"--format {args.old_input_format} and --input-format {args.input_format} disagree; give --input-format only"
            raise CommandError(msg)
        args.input_format = args.old_input_format
    zone = zone_of(args)
    now, explicit = now_of(args)
    contracts, notes = _read_contracts(args, err) if args.contracts else ([], [])
    if args.source:  # a helpdesk export, read into a frame of tickets by its source
        from slacalc._analysis.sources import read_source

        frame, rejected = read_source(
            args.file, args.source, mapping=args.mapping, order=args.events_order, errors="collect"
        )
        unreadable = list(zip(rejected["line"], rejected["message"], strict=True))
        seen = DuplicateIds()

    # each customer's tickets on its contract's terms (as credits and due judge them), others on --plan
    def judge(part: Any) -> tuple[Any, int]:
        return evaluate_by_contract(
            part,
            args.policy,
            args.plan,
            [c.contract for c in contracts],
            now=now,
            metric=args.metric,
            tz=None if zone is None else str(zone),
        )

    if args.source:
        judged: Iterable[tuple[Any, int]] = [judge(frame)]
    else:
        # a part of the file at a time, keeping of each what the page shows: memory stays flat
        unreadable = []
        seen = DuplicateIds()
        parts = ticket_frames(
            args, reporter, None if explicit else now, unreadable, seen, REPORT_ROWS
        )
        judged = map(judge, parts)
    result, on_terms = _judged_parts(judged, args.by, freq=args.freq, contracts=contracts)
    figures = result.outcomes
    bad: list[tuple[int, str | None, str]] = [(line, None, message) for line, message in unreadable]
    bad += [
        (int(label), column, message)
        for label, column, message in zip(
            result.bad.index, result.bad["column"], result.bad["message"], strict=True
        )
    ]
    bad.sort(key=lambda b: b[0])
    for line, _, message in bad:
        reporter.row(args.file, line, message)
    if seen:
        reporter.warning(seen.warning() or "")
    page = render_report(
        figures,
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
        on_terms=on_terms if args.contracts else None,
    )
    with open_output(args.out, out) as stream:
        stream.write(page)
    counts = figures.statuses
    out.write(
        f"wrote {args.out}: {plural(figures.tickets, 'ticket')}, {counts.get('met', 0):,} met, "
        f"{counts.get('breached', 0):,} breached, "
        f"{plural(figures.credit_days, 'credit day')}, "
        f"{plural(len({b[0] for b in bad}), 'bad row')}"
        + (f", {plural(len(notes), 'bad contract row')}" if notes else "")
        + "\n"
    )
    return 1 if bad or notes else 0


def _judged_parts(
    judged: Iterable[tuple[Any, int]],
    by: str,
    *,
    freq: str = "ME",
    contracts: Sequence[Any] = (),
) -> tuple[Any, int]:
    """One result from the judged parts, in line order: the page's figures and every bad row.

    Of each part only its :class:`~slacalc._analysis.report.ReportFigures`
    (for *by*, *freq* and the priced *contracts*) is kept, and its bad rows:
    the part itself is let go before the next is read, so memory stays flat
    on any number of rows. The result's ``outcomes`` are those figures; the
    number is that of the tickets judged on their contract's terms.
    """
    import pandas as pd

    from slacalc._analysis.frames import FrameResult
    from slacalc._analysis.report import ReportFigures, report_figures

    figures: ReportFigures | None = None
    bads: list[Any] = []
    on_terms = 0
    for result, count in judged:
        part = report_figures(result.outcomes, by=by, freq=freq, contracts=contracts)
        figures = part if figures is None else ReportFigures.joined([figures, part])
        bads.append(result.bad)
        on_terms += count
        del result
    assert figures is not None, "ticket_frames gives at least one part"
    bad = bads[0] if len(bads) == 1 else pd.concat(bads)
    return FrameResult(figures, bad), on_terms


def _read_contracts(args: argparse.Namespace, err: IO[str]) -> tuple[list[Any], list[str]]:
    """The contracts of ``--contracts`` (read as ``slacalc credits`` reads them), and its bad rows."""
    from slacalc._analysis.report import PricedContract
    from slacalc._cli.credits import read_contracts
    from slacalc._policies.files import load_policy

    reporter = Reporter(err, "report")
    rows = read_contracts(args, args.contracts, load_policy(args.policy), reporter)
    contracts = [PricedContract(r.contract, r.price, r.currency) for r in rows]
    return contracts, reporter.lines


def read_ticket_frame(
    args: argparse.Namespace, reporter: Reporter, now: datetime | None = None
) -> tuple[Any, list[tuple[int, str]], DuplicateIds]:
    """The readable tickets of ``args.file`` as a frame of text indexed by file line.

    Also the rows that are not tickets (line, why) and the ids seen twice.
    Each record is checked as ``slacalc evaluate`` checks it (types, NUL
    bytes, instants), so the frame holds text the frame engine can read;
    with *now* (when ``--now`` was not given), a ticket with an instant
    after it is a bad row too. :func:`ticket_frames` gives the same a part
    at a time.
    """
    import pandas as pd

    unreadable: list[tuple[int, str]] = []
    seen = DuplicateIds()
    parts = list(ticket_frames(args, reporter, now, unreadable, seen, rows=None))
    frame = parts[0] if len(parts) == 1 else pd.concat(parts)
    return frame, unreadable, seen


def ticket_frames(
    args: argparse.Namespace,
    reporter: Reporter,
    now: datetime | None,
    unreadable: list[tuple[int, str]],
    seen: DuplicateIds,
    rows: int | None = REPORT_ROWS,
) -> Iterator[Any]:
    """:func:`read_ticket_frame` a frame of about *rows* tickets at a time (None: one frame).

    The rows that are not tickets are added to *unreadable* and the ids to
    *seen* as the file is read; at least one frame comes out, in line order.
    """
    import pandas as pd

    from slacalc._analysis.chunked import plain_tickets

    now_us = MAX_US if now is None else (now - EPOCH) // timedelta(microseconds=1)
    columns: dict[str, list[str]] = {}
    plain_lines: list[int] = []
    records: list[dict[str, Any]] = []
    lines: list[int] = []
    yielded = False

    def frame() -> Any:
        frames = []
        if plain_lines:
            frames.append(
                pd.DataFrame(columns, index=pd.Index(plain_lines, name="line", dtype="int64"))
            )
        if records or not frames:
            frames.append(
                pd.DataFrame.from_records(
                    records, index=pd.Index(lines, name="line", dtype="int64")
                )
            )
        part = frames[0] if len(frames) == 1 else pd.concat(frames)
        if not part.index.is_monotonic_increasing:
            part = part.sort_index(kind="stable")
        for name in ("id", "opened_at", "severity"):
            if name not in part.columns:
                part[name] = pd.Series(dtype=object)
        columns.clear()
        plain_lines.clear()
        records.clear()
        lines.clear()
        return part

    def careful(line: int, record: dict[str, Any] | BadRow) -> str | None:
        """Read one row the careful way: the frame gets its record, or the row is unreadable."""
        if isinstance(record, BadRow):
            unreadable.append((line, record.message))
            return None
        try:
            ticket = ticket_from_mapping(record)
        except SlacalcError as exc:
            unreadable.append((line, str(exc)))
            return None
        problem = None if now is None else future_problem(ticket, now)
        if problem is not None:
            unreadable.append((line, problem))
            return None
        nested = next(
            (k for k, v in record.items() if k != "events" and isinstance(v, list | dict)),
            None,
        )
        if nested is not None:
            kind = "a list" if isinstance(record[nested], list) else "an object"
            unreadable.append(
                (line, f"ticket {ticket.id!r}: {nested}: expected text or a number; got {kind}")
            )
            return None
        if isinstance(record.get("events"), list):
            record["events"] = json.dumps(record["events"], default=str)
        records.append({k: _cell(v) for k, v in record.items()})
        lines.append(line)
        return ticket.id

    with open_records(args, args.file, TICKET_COLUMNS) as source:
        for note in source.notes:
            reporter.note(args.file, note)
        for chunk in source.chunks(CHUNK_ROWS):
            read: list[tuple[int, str]] = []  # (line, id) of every ticket, for the duplicate ids
            for line, record in chunk.others:
                ident = careful(line, record)
                if ident is not None:
                    read.append((line, ident))
            if chunk.lines:
                # plain rows the careful reader would take as they are go into the frame at once
                cols = dict(zip(chunk.columns, chunk.values, strict=True))
                ok = plain_tickets(cols, now_us, now is None).ok.tolist()
                every = all(ok)
                keep = range(len(ok)) if every else [i for i, good in enumerate(ok) if good]
                for name, values in cols.items():
                    columns.setdefault(name, []).extend(
                        values if every else [values[i] for i in keep]
                    )
                ids = cols["id"]
                kept_lines = chunk.lines if every else [chunk.lines[i] for i in keep]
                plain_lines.extend(kept_lines)
                if every and not read:
                    seen.add_many(ids, kept_lines)
                    read = []
                else:
                    read += zip(kept_lines, ids if every else [ids[i] for i in keep], strict=True)
                    for i, good in enumerate(ok):
                        if not good:
                            ident = careful(chunk.lines[i], chunk.record(i))
                            if ident is not None:
                                read.append((chunk.lines[i], ident))
            read.sort()
            for line, ident in read:
                seen.add(ident, line)
            if rows is not None and len(plain_lines) + len(lines) >= rows:
                yielded = True
                yield frame()
    if plain_lines or lines or not yielded:
        yield frame()


def _cell(value: Any) -> Any:
    """A record value as frame text: the frame engine reads text (numbers as their digits)."""
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, bool):
        return str(value).lower()
    return str(value)
