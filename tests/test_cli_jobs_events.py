"""``slacalc evaluate --source events --jobs N``: an event log cut between tickets, judged as one process would.

The law of tests/test_cli_jobs.py for the event log: for any log (CSV or
JSON Lines; quoted values over several lines, bad rows, blank lines, a
ticket whose rows come back after other tickets', mixed line ends, a
byte-order mark), ``--jobs 2`` with parts of a few bytes writes the same
output, messages and exit code as ``--jobs 1``, byte for byte.
"""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from slacalc._cli import parallel
from slacalc._cli.main import main
from slacalc._files.sources import grouping

NOW = "2026-06-01T00:00:00+00:00"
ARGS = ("--source", "events", "--policy", "zitadel-2023", "--plan", "extended", "--now", NOW)
HEADER = ["ticket_id", "at", "kind", "value"]


def run(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = main(list(argv), out, err)
    return code, out.getvalue(), err.getvalue()


def evaluate(path: Path, *more: str) -> tuple[int, str, str]:
    return run("evaluate", str(path), *ARGS, *more)


def at(day: int, hour: int) -> str:
    return f"2026-03-{day:02d}T{hour:02d}:00:00Z"


_VALUE = st.sampled_from(["Acme", "Acme, Inc.", 'say "hi"', "two\nlines", "three\r\nlines", ""])


@st.composite
def ticket_rows(draw: st.DrawFn) -> list[list[str]]:
    """One ticket's rows (in any order among themselves): opened, messages, a status, a customer."""
    ident = draw(st.sampled_from(["T1", "T2", "T3", "T4", "T5", "T6"]))  # few ids: they come back
    day = draw(st.integers(2, 26))
    rows = []
    if draw(st.integers(0, 9)):  # now and then no opened row: a bad ticket
        rows.append([ident, at(day, 8), "opened", draw(st.sampled_from(["1", "2", "3", "p0"]))])
    for hour in sorted(draw(st.lists(st.integers(9, 20), max_size=4))):
        rows.append([ident, at(day, hour), "message", draw(st.sampled_from(["agent", "customer"]))])
    if draw(st.booleans()):
        rows.append([ident, at(day, 21), "status", draw(st.sampled_from(["pending", "solved"]))])
    if draw(st.booleans()):
        rows.append([ident, "", "customer", draw(_VALUE)])
    if draw(st.integers(0, 5)) == 0:
        rows.append([ident, "yesterday", "message", "agent"])  # an instant that cannot be read
    return draw(st.permutations(rows))


_ODD_LINES = st.sampled_from(
    [
        "",  # blank
        "T9,2026-03-02T08:00:00Z,opened",  # too few fields
        ",2026-03-02T08:00:00Z,opened,1",  # no ticket id
        'T7,2026-03-02T08:00:00Z,customer,he said "hi',  # a quote inside an unquoted field
        "T8,2026-03-02T08:00:00Z,mesage,agent",  # an unknown kind
        'T7,2026-03-02T08:00:00Z,customer,"ab"c',  # text after a closing quote: a bad row
        'T7,,customer,"two\nlines"x',  # the same on the record's second line
    ]
)


@st.composite
def logs(draw: st.DrawFn) -> tuple[list[list[str] | str], str]:
    """The rows of a log (lists of fields, or odd raw lines), and its format.

    Odd lines make bad rows, some of them records the csv module cannot
    read (read again from their second line, as the reader does).
    """
    fmt = draw(st.sampled_from(["csv", "jsonl"]))
    items: list[list[str] | str] = []
    for _ in range(draw(st.integers(0, 14))):
        if draw(st.integers(0, 5)) == 0:
            items.append(draw(_ODD_LINES))
        else:
            items.extend(draw(ticket_rows()))
    if fmt == "csv" and draw(st.integers(0, 9)) == 0:  # a quote never closed: the rest is one field
        items.insert(draw(st.integers(0, len(items))), 'T5,,customer,"never closed')
    return items, fmt


def written(items: list[list[str] | str], fmt: str, ends: list[str], bom: bool) -> bytes:
    out = io.StringIO(newline="")
    if fmt == "csv":
        csv.writer(out, lineterminator=ends[0]).writerow(HEADER)
    for i, item in enumerate(items):
        end = ends[(i + 1) % len(ends)]
        if isinstance(item, str):
            out.write(item + end)
        elif fmt == "csv":
            csv.writer(out, lineterminator=end).writerow(item)
        else:
            out.write(json.dumps(dict(zip(HEADER, item, strict=True))) + end)
    return ("\ufeff" if bom else "").encode() + out.getvalue().encode()


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    log=logs(),
    part=st.integers(1, 400),
    out_fmt=st.sampled_from(["csv", "jsonl", "json"]),
    ends=st.lists(st.sampled_from(["\n", "\r\n", "\r"]), min_size=1, max_size=3),
    bom=st.booleans(),
    window=st.sampled_from([2, 10_000]),
)
def test_jobs_write_what_one_process_writes(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    log: tuple[list[list[str] | str], str],
    part: int,
    out_fmt: str,
    ends: list[str],
    bom: bool,
    window: int,
) -> None:
    """--jobs 2, parts of 1-400 bytes: output, messages and exit code of --jobs 1, byte for byte.

    A window of 2 recent tickets (in place of 10,000) lets the came-back
    check both catch and let go of tickets within a few rows.
    """
    items, fmt = log
    path = tmp_path / f"log.{fmt}"
    path.write_bytes(written(items, fmt, ends, bom))
    monkeypatch.setattr(parallel, "PART_BYTES", part)
    monkeypatch.setattr(grouping, "_RECENT", window)
    one = evaluate(path, "--format", out_fmt, "--jobs", "1")
    two = evaluate(path, "--format", out_fmt, "--jobs", "2")
    assert two == one


def log_file(tmp_path: Path, rows: list[list[str]]) -> Path:
    path = tmp_path / "log.csv"
    path.write_bytes(written(list(rows), "csv", ["\n"], False))
    return path


def test_a_ticket_that_comes_back_in_a_later_part(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """T1's rows come back after T2's, each ticket in a part of its own: the command's replay reports it."""
    rows = [
        ["T1", at(2, 8), "opened", "1"],
        ["T1", at(2, 9), "message", "agent"],
        ["T2", at(3, 8), "opened", "2"],
        ["T1", at(4, 8), "message", "customer"],
        ["T3", at(5, 8), "opened", "3"],
    ]
    path = log_file(tmp_path, rows)
    monkeypatch.setattr(parallel, "PART_BYTES", 1)  # a cut at every place between tickets
    parts = list(
        parallel._parts(str(path), parallel.EventCuts("csv", ",".join(HEADER) + "\n"), 24, 2)
    )
    assert [first for first, _ in parts] == [2, 4, 5, 6]  # T1 | T2 | T1 | T3
    code, out, err = evaluate(path, "--jobs", "2")
    assert (code, out, err) == evaluate(path)
    assert "line 5 (ticket 'T1'): the ticket's rows came back here after other tickets' rows" in err
    assert [row.split(",")[0] for row in out.splitlines()[1:]] == ["T1", "T2", "T3"]


def test_cuts_fall_between_tickets_only(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """No cut inside a ticket's rows, inside a quoted value or next to a row the reader leaves out."""
    rows = [
        ["T1", at(2, 8), "opened", "1"],
        ["T1", "", "customer", "Acme\nInc"],  # a quoted value over two lines
        ["T2", at(3, 8), "opened", "2"],
        ["T2", at(3, 9), "message", "agent"],
        ["T3", "", "customer", "Umbrella"],
        ["T3", at(4, 8), "opened", "3"],
    ]
    path = tmp_path / "log.csv"
    text = written(list(rows), "csv", ["\n"], False).decode()
    text = text.replace('"Acme\nInc"\n', '"Acme\nInc"\n\n')  # a blank line after T1
    path.write_text(text, encoding="utf-8", newline="")
    monkeypatch.setattr(parallel, "PART_BYTES", 1)
    header = ",".join(HEADER) + "\n"
    parts = [
        data
        for _, data in parallel._parts(str(path), parallel.EventCuts("csv", header), len(header), 2)
    ]
    # T1 and the blank line go with T2 (the blank line stands at the only place between them)
    assert [p.decode().splitlines()[0].split(",")[0] for p in parts] == ["T1", "T3"]
    assert b"".join(parts) == text[len(header) :].encode()
    assert evaluate(path, "--jobs", "2") == evaluate(path)


@pytest.mark.parametrize(
    ("text", "args", "expected"),
    [
        ("ticket_id,at,kind,value\n", ("--events-order", "any"), "an event log read in any order"),
        (
            '"ticket_id",at,kind,value\n',
            (),
            "first line is not a plain ticket_id,at,kind,value header",
        ),
        ("id,at,kind,value\n", (), "first line is not a plain ticket_id,at,kind,value header"),
    ],
)
def test_logs_read_in_one_process(
    tmp_path: Path, text: str, args: tuple[str, ...], expected: str
) -> None:
    """An event log that cannot be cut: a note says why, and the rest is what one process writes."""
    path = tmp_path / "log.csv"
    path.write_text(text + "T1,2026-03-02T08:00:00Z,opened,1\n", encoding="utf-8")
    code, out, err = evaluate(path, *args, "--jobs", "2")
    notes = [line for line in err.splitlines(keepends=True) if f"{path}: note: --jobs: " in line]
    assert len(notes) == 1
    assert expected in notes[0]
    one = evaluate(path, *args)
    assert (code, out) == one[:2]
    assert err.replace(notes[0], "") == one[2]


def test_a_json_lines_log_that_starts_with_an_array_is_read_in_one_process(tmp_path: Path) -> None:
    path = tmp_path / "log.jsonl"
    path.write_text(
        '[{"ticket_id": "T1", "at": "2026-03-02T08:00:00Z", "kind": "opened", "value": "1"}]\n'
    )
    code, out, err = evaluate(path, "--jobs", "2")
    assert "an event log that starts a JSON array is read in one process" in err
    assert (code, out) == evaluate(path)[:2]
