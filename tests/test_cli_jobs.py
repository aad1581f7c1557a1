"""``slacalc evaluate --jobs N``: a JSON Lines export judged by worker processes, as one process would.

The law: for any file, ``--jobs 2`` (with parts of a few lines, so that the
file is cut in many places) writes the same output, the same messages and
the same exit code as ``--jobs 1``, byte for byte.
"""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from slacalc._cli import parallel
from slacalc._cli.main import main
from slacalc._files.sources._core import BadRecord, renumbered

HERE = Path(__file__).parent
NOW = "2026-06-01T00:00:00+00:00"
ARGS = ("--source", "zendesk", "--policy", "zitadel-2023", "--plan", "extended", "--now", NOW)


def evaluate_argv(path: Path | str, source: str) -> tuple[str, ...]:
    """``slacalc evaluate`` of *path* read as *source*'s export, as ARGS has it for Zendesk."""
    return ("evaluate", str(path), "--source", source, *ARGS[2:])


def run(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = main(list(argv), out, err)
    return code, out.getvalue(), err.getvalue()


def ticket(ident: int, day: int, priority: str, status: str, replied: bool) -> dict[str, Any]:
    """A Zendesk ticket with audits: opened, maybe a public agent reply an hour later, a status."""
    opened = f"2026-03-{day:02d}T08:00:00Z"
    audits: list[dict[str, Any]] = [
        {
            "id": 1,
            "created_at": opened,
            "author_id": 9000 + ident,
            "events": [
                {"id": 1, "type": "Create", "field_name": "status", "value": "new"},
                {"id": 2, "type": "Create", "field_name": "priority", "value": priority},
            ],
        },
        {
            "id": 3,
            "created_at": f"2026-03-{day:02d}T10:30:00Z",
            "author_id": 501,
            "events": [
                {
                    "id": 4,
                    "type": "Change",
                    "field_name": "status",
                    "value": status,
                    "previous_value": "new",
                }
            ],
        },
    ]
    if replied:
        audits.append(
            {
                "id": 5,
                "created_at": f"2026-03-{day:02d}T09:00:00Z",
                "author_id": 501,
                "events": [{"id": 6, "type": "Comment", "public": True, "author_id": 501}],
            }
        )
    return {
        "id": ident,
        "created_at": opened,
        "priority": priority,
        "requester_id": 9000 + ident,
        "audits": audits,
    }


_PRIORITY = st.sampled_from(["urgent", "high", "normal", "low", "p0"])
_STATUS = st.sampled_from(["open", "pending", "solved", "waiting on vendor"])
_TICKET = st.builds(
    ticket,
    st.integers(1, 40),  # few ids: repeats happen
    st.integers(2, 27),
    _PRIORITY,
    _STATUS,
    st.booleans(),
)


@st.composite
def lines(draw: st.DrawFn) -> list[str]:
    """The lines of a JSON Lines export: tickets, pages of tickets, bad records, blanks, maybe a syntax error."""
    out: list[str] = []
    for _ in range(draw(st.integers(0, 30))):
        kind = draw(st.sampled_from(["ticket"] * 6 + ["page", "bad", "scalar", "blank"]))
        if kind == "ticket":
            out.append(json.dumps(draw(_TICKET)))
        elif kind == "page":  # several records on one line: positions and lines part ways
            out.append(json.dumps({"tickets": draw(st.lists(_TICKET, min_size=0, max_size=3))}))
        elif kind == "bad":
            record = draw(_TICKET)
            record["created_at"] = "yesterday"
            out.append(json.dumps(record))
        elif kind == "scalar":
            out.append("42")
        else:
            out.append("   ")
    if draw(st.booleans()):  # a line that is not JSON
        out.insert(draw(st.integers(0, len(out))), '{"id": 7, "created_at": ')
    return out


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    text=lines(),
    part=st.integers(1, 3000),
    fmt=st.sampled_from(["csv", "jsonl", "json"]),
    ends=st.lists(st.sampled_from(["\n", "\r\n", "\r"]), min_size=1, max_size=3),
    bom=st.booleans(),
)
def test_jobs_write_what_one_process_writes(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    text: list[str],
    part: int,
    fmt: str,
    ends: list[str],
    bom: bool,
) -> None:
    """--jobs 2, parts of 1-3,000 bytes: output, messages and exit code of --jobs 1, byte for byte.

    A ticket's line is some 700 bytes: a part holds none, one or a few lines;
    lines end in LF, CRLF or a lone CR, mixed (one process reads universal newlines).
    """
    path = tmp_path / "export.jsonl"
    joined = "".join(line + ends[i % len(ends)] for i, line in enumerate(text))
    path.write_bytes(("\ufeff" if bom else "").encode() + joined.encode())
    monkeypatch.setattr(parallel, "PART_BYTES", part)
    one = run("evaluate", str(path), *ARGS, "--format", fmt, "--jobs", "1")
    two = run("evaluate", str(path), *ARGS, "--format", fmt, "--jobs", "2")
    assert two == one


def test_a_file_cut_in_many_parts(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A fixed file with every kind of line, cut every line: the positions count across parts."""
    records = [
        json.dumps(ticket(1, 2, "urgent", "open", True)),
        json.dumps(
            {
                "tickets": [
                    ticket(2, 3, "high", "pending", False),
                    ticket(3, 4, "p0", "solved", True),
                ]
            }
        ),
        "",
        json.dumps({**ticket(4, 5, "normal", "open", True), "created_at": "yesterday"}),
        json.dumps(ticket(1, 6, "low", "waiting on vendor", True)),
        "42",
    ]
    path = tmp_path / "export.jsonl"
    path.write_text("\n".join(records) + "\n", encoding="utf-8")
    monkeypatch.setattr(parallel, "PART_BYTES", 1)  # a part per line
    code, out, err = run("evaluate", str(path), *ARGS, "--jobs", "2")
    assert (code, out, err) == run("evaluate", str(path), *ARGS)
    assert [row.split(",")[0] for row in out.splitlines()[1:]] == ["1", "2"]
    # the record of line 4 is the file's fourth (line 2 held two), the scalar of line 6 its sixth
    assert "line 4: record 4 (ticket '4'): created_at: invalid value 'yesterday'" in err
    assert "line 6: record 6: invalid value 42; expected a ticket object" in err
    assert "line 2: ticket '3': severity: unknown severity 'p0'" in err  # judged in its part
    assert "line 5: ticket '1': status event" in err
    assert (
        "priority 'p0' (1×), status 'waiting on vendor' (1×)" in err
    )  # the parts' tallies, summed
    assert "1 ticket id appears more than once, each row counted: '1' (again on line 5)" in err
    assert err.endswith("4 bad rows left out; 2 tickets processed\n")
    assert code == 1


def test_a_line_that_is_not_json_costs_that_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A syntax error in JSON Lines is one bad record; the lines after it are read, in every part."""
    good = [json.dumps(ticket(i, 2 + i, "high", "open", True)) for i in range(1, 7)]
    path = tmp_path / "export.jsonl"
    path.write_text("\n".join([*good[:2], '{"id": ', *good[2:]]) + "\n", encoding="utf-8")
    monkeypatch.setattr(parallel, "PART_BYTES", 1)  # a part per line
    code, out, err = run("evaluate", str(path), *ARGS, "--jobs", "2")
    assert (code, out, err) == run("evaluate", str(path), *ARGS)
    assert [row.split(",")[0] for row in out.splitlines()[1:]] == ["1", "2", "3", "4", "5", "6"]
    assert f"{path}: line 3: record 3: invalid JSON: Expecting value at line 3 column 8\n" in err
    assert code == 1


@pytest.mark.parametrize(
    ("name", "source"), [("zammad/tickets.jsonl", "zammad"), ("events/log.csv", "events")]
)
def test_other_sources_in_parts(monkeypatch: pytest.MonkeyPatch, name: str, source: str) -> None:
    """Zammad's fixture (JSON Lines) and the event log's, cut wherever they may be, give one process's output."""
    monkeypatch.setattr(parallel, "PART_BYTES", 1)  # a part per line (per ticket: the event log)
    path = HERE / "fixtures" / "sources" / name
    argv = evaluate_argv(str(path), source)
    one = run(*argv)
    assert one[1].count("\n") > 2  # the fixture has tickets to compare
    assert run(*argv, "--jobs", "2") == one


@pytest.mark.parametrize(
    ("name", "source", "expected"),
    [
        ("zendesk/tickets.json", "zendesk", "a JSON file is read in one process"),
        ("zendesk/ticket_events.json", "zendesk", "a JSON file is read in one process"),
    ],
)
def test_what_cannot_be_cut_is_read_in_one_process(name: str, source: str, expected: str) -> None:
    """--jobs on a file that cannot be cut by line: a note says so, and the output is one process's."""
    path = str(HERE / "fixtures" / "sources" / name)
    argv = evaluate_argv(path, source)
    code, out, err = run(*argv, "--jobs", "2")
    assert f"{path}: note: --jobs: {expected}" in err
    one = run(*argv)
    assert (code, out) == one[:2]
    notes = [line for line in err.splitlines(keepends=True) if ": note: --jobs: " in line]
    assert len(notes) == 1
    assert err.replace(notes[0], "") == one[2]


def test_slacalcs_own_file_is_read_in_one_process() -> None:
    """--jobs on slacalc's own CSV: a note, and the output of one process."""
    argv = ("evaluate", "examples/tickets.csv", *ARGS[2:])
    code, out, err = run(*argv, "--jobs", "2")
    note = (
        "examples/tickets.csv: note: --jobs: slacalc's own ticket files are read in one process "
        "(a big CSV file takes the column engine)\n"
    )
    assert err.startswith(note)
    assert (code, out, err[len(note) :]) == run(*argv)


def test_the_ticket_events_export_in_json_lines_is_read_in_one_process(tmp_path: Path) -> None:
    """Zendesk's ticket events spread a ticket over the file: --jobs reads them in one process."""
    pages = json.loads(
        (HERE / "fixtures" / "sources" / "zendesk" / "ticket_events.json").read_text()
    )
    path = tmp_path / "events.jsonl"
    path.write_text(
        "\n".join(json.dumps(event) for event in pages["ticket_events"]) + "\n", encoding="utf-8"
    )
    argv = ("evaluate", str(path), *ARGS)
    code, out, err = run(*argv, "--jobs", "2")
    assert "ticket events export is read in one process" in err
    assert (code, out) == run(*argv)[:2]


@pytest.mark.parametrize("value", ["0", "-1", "two", "257"])
def test_a_bad_jobs_value_is_refused(value: str) -> None:
    code, out, err = run("evaluate", "examples/tickets.csv", *ARGS[2:], "--jobs", value)
    assert code == 2
    assert (
        f"--jobs: invalid value {value!r}; expected a whole number from 1 to 256, or 'auto'" in err
    )
    assert out == ""


def test_renumbered_counts_from_the_start_of_the_file() -> None:
    """A part's bad record: its position and the 'record N' of its message move on by the records before."""
    item = BadRecord(12, "record 3 (ticket 'T'): created_at: invalid value 'x'", 3, "T")
    moved = renumbered(item, 40)
    assert (moved.line, moved.position, moved.message) == (
        12,
        43,
        "record 43 (ticket 'T'): created_at: invalid value 'x'",
    )
    assert renumbered(item, 0) is item
    other = BadRecord(5, "line 5 (ticket 'T'): bad", 5, "T")  # numbered by line: already right
    assert renumbered(other, 40) is other


def test_workers_started_by_spawn(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Where fork is not used (macOS, Windows), spawned workers get all they need as arguments."""
    import multiprocessing

    path = tmp_path / "export.jsonl"
    path.write_text(
        "\n".join(json.dumps(ticket(i, 2 + i, "high", "open", i % 2 == 0)) for i in range(1, 6))
        + "\n",
        encoding="utf-8",
    )
    monkeypatch.setattr(parallel, "PART_BYTES", 1)
    monkeypatch.setattr(parallel, "_context", lambda: multiprocessing.get_context("spawn"))
    one = run("evaluate", str(path), *ARGS)
    assert run("evaluate", str(path), *ARGS, "--jobs", "2") == one
    assert one[1].count("\n") == 6
