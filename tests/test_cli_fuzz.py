"""Fuzzing every command with messy files (issue 8): no traceback, every good row out, exit code as documented.

Two kinds of input. Random bytes: the command must end with 0, 1 or 2 and a
message, never a traceback. Mutated files: a well-formed CSV (comma,
semicolon or tab), TSV, JSON Lines or JSON array of good rows, one of which
is then damaged (bytes inserted, deleted, replaced, the row cut short or
replaced by junk: quotes, delimiters, NULs, undecodable bytes, newlines,
brackets, huge numbers, long fields); or the header is damaged. Every
untouched row must come out; the exit code is 1 exactly when a row error was
reported, 0 otherwise, and 2 only when the damage is on the first line (a
header without its columns, a file that looks binary).

Runs in-process through ``slacalc._cli.main.main`` with bounded example
counts, so the whole module stays well under a minute.
"""

from __future__ import annotations

import csv
import io
import json
import re
import tempfile
from dataclasses import dataclass
from pathlib import Path
from unittest import mock

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from slacalc._cli.main import main

NOW = "2027-01-01T00:00:00+01:00"
POLICY = ["--policy", "zitadel-2023", "--plan", "extended"]
ROW_ERROR = re.compile(r": line \d+: ")

#: Byte strings that have broken readers before: quotes, delimiters, control bytes,
#: bytes that are not UTF-8, byte-order marks, JSON punctuation and escapes, huge numbers.
NASTY = [
    b'"', b'""', b",", b";", b"\t", b"\x00", b"\r", b"\n", b"\r\n", b"\xe9", b"\xff", b"\xc3",
    b"\xff\xfe", b"\xef\xbb\xbf", b"[", b"]", b"{", b"}", b"\\", b'\\"', b"\\u0000", b"\\ud800",
    b"NaN", b"Infinity", b"1e999999999", b"9" * 5000, b"x" * 140_000, b"+25:00", b"T99:99",
    b"null", b"true", b'["ticket"]', b"\x1a", b"\x85", b"\xe2\x80\xa8",
]  # fmt: skip

FORMATS = {
    # name: (file suffix, delimiter or None for JSON Lines / "array" for a JSON array)
    "csv": (".csv", ","),
    "semicolon": (".csv", ";"),
    "tab": (".csv", "\t"),
    "tsv": (".tsv", "\t"),
    "jsonl": (".jsonl", None),
    "json": (".json", "array"),
}

TICKET_FIELDS = ("id", "opened_at", "severity", "responded_at", "channel")
CASE_FIELDS = ("id", "opened_on", "hours", "kind")


def ticket_values(i: int) -> dict[str, object]:
    responded = "" if i % 3 == 2 else f"2026-03-02T09:{10 + i:02d}:00+01:00"
    severity: object = i % 4 + 1 if i % 2 else str(i % 4 + 1)
    return {
        "id": f"T-{i:03d}-x",
        "opened_at": "2026-03-02T09:00:00+01:00",
        "severity": severity,
        "responded_at": responded,
        "channel": "ticket",
    }


def case_values(i: int) -> dict[str, object]:
    return {
        "id": f"C-{i:03d}-x",
        "opened_on": f"2026-02-{i + 1:02d}",
        "hours": i + 1 if i % 2 else f"{i + 1}.5",
        "kind": "upgrade",
    }


def encode_row(fmt: str, fields: tuple[str, ...], values: dict[str, object]) -> bytes:
    _, delimiter = FORMATS[fmt]
    if delimiter is None or delimiter == "array":
        return json.dumps(values).encode()
    return delimiter.join(str(values[f]) for f in fields).encode()


@dataclass
class Messy:
    name: str
    data: bytes
    good: list[str]
    first_line_damaged: bool

    def __repr__(self) -> str:  # shown by Hypothesis when a case fails
        return f"Messy({self.name!r}, good={self.good}, first={self.first_line_damaged}, data={self.data[:600]!r})"


@st.composite
def damage(draw: st.DrawFn, original: bytes, structure: bytes) -> bytes:
    """*original* with one kind of damage; *structure* are the format's own punctuation bytes."""
    op = draw(st.sampled_from(["insert", "delete", "replace", "truncate", "junk"]))
    pieces = st.one_of(
        st.sampled_from([bytes([b]) for b in structure]),
        st.sampled_from(NASTY),
        st.binary(min_size=1, max_size=6),
    )
    at = draw(st.integers(0, len(original)))
    if op == "insert":
        return original[:at] + draw(pieces) + original[at:]
    if op == "delete":
        end = draw(st.integers(at, min(len(original), at + 12)))
        return original[:at] + original[end:]
    if op == "replace":
        end = draw(st.integers(at, min(len(original), at + 4)))
        return original[:at] + draw(pieces) + original[end:]
    if op == "truncate":
        return original[:at]
    return b"".join(draw(st.lists(pieces, min_size=1, max_size=4)))


@st.composite
def messy_files(draw: st.DrawFn, kind: str = "tickets") -> Messy:
    fmt = draw(st.sampled_from(list(FORMATS)))
    suffix, delimiter = FORMATS[fmt]
    fields, values = (
        (TICKET_FIELDS, ticket_values) if kind == "tickets" else (CASE_FIELDS, case_values)
    )
    n = draw(st.integers(2, 6))
    rows = [encode_row(fmt, fields, values(i)) for i in range(n)]
    ids = [str(values(i)["id"]) for i in range(n)]
    header = None
    if delimiter is not None and delimiter != "array":
        header = delimiter.join(fields).encode()
    structure = b'",\n' + (b"[]{}:" if header is None else delimiter.encode())
    target = draw(st.integers(-1 if header is not None else 0, n - 1))
    if target == -1:
        assert header is not None
        header = draw(damage(header, structure))
        good = ids
        first = True
    else:
        damaged = draw(damage(rows[target], structure))
        # the damage must not forge another row's id (that row would be a duplicate)
        assume(not any(i.encode() in damaged for j, i in enumerate(ids) if j != target))
        rows[target] = damaged
        good = [i for j, i in enumerate(ids) if j != target]
        first = target == 0 and header is None and delimiter != "array"
    newline = draw(st.sampled_from([b"\n", b"\r\n"]))
    if delimiter == "array":
        body = b"[" + newline + b"".join(b"  " + r + b"," + newline for r in rows[:-1])
        body += b"  " + rows[-1] + newline + b"]" + newline
    else:
        body = (b"" if header is None else header + newline) + b"".join(r + newline for r in rows)
    return Messy(f"{kind}{suffix}", body, good, first)


def run(argv: list[str]) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = main(argv, stdout=out, stderr=err)
    return code, out.getvalue(), err.getvalue()


def check_exit(code: int, err: str, first_line_damaged: bool) -> bool:
    """The documented exit code for what stderr says; True when every good row must be out.

    With the header damaged, which rows are good is no longer known (a column
    name may be gone): the command must still end cleanly.
    """
    assert "Traceback" not in err
    assert "internal error" not in err, err
    if code == 2:
        assert first_line_damaged, err
        assert err.strip(), "exit 2 says why"
        return False
    assert code == (1 if ROW_ERROR.search(err) else 0), err
    return not first_line_damaged


def in_folder(case: Messy) -> tuple[tempfile.TemporaryDirectory[str], str]:
    folder = tempfile.TemporaryDirectory()
    path = Path(folder.name) / case.name
    path.write_bytes(case.data)
    return folder, str(path)


FUZZ = settings(
    max_examples=100,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


@FUZZ
@given(messy_files())
def test_evaluate_keeps_every_good_row(case: Messy) -> None:
    """evaluate: every untouched ticket is written; exit 1 exactly when a row was reported."""
    folder, path = in_folder(case)
    with folder:
        code, out, err = run(["evaluate", path, *POLICY, "--now", NOW, "--format", "jsonl"])
    if check_exit(code, err, case.first_line_damaged):
        written = [json.loads(line)["id"] for line in out.splitlines()]
        assert set(case.good) <= set(written), err


@settings(FUZZ, max_examples=40)
@given(messy_files())
def test_explain_finds_a_good_ticket(case: Messy) -> None:
    """explain FILE --id GOOD: the good ticket is explained whatever else is in the file."""
    folder, path = in_folder(case)
    wanted = case.good[0]
    with folder:
        code, out, err = run(["explain", path, "--id", wanted, *POLICY, "--now", NOW])
    assert "Traceback" not in err and "internal error" not in err
    if case.first_line_damaged:
        assert code in (0, 2), err
        return
    assert code == 0, err
    assert f"of ticket {wanted}:" in out


@settings(FUZZ, max_examples=40)
@given(messy_files())
def test_credits_counts_every_good_ticket(case: Messy) -> None:
    """credits: the contract counts every untouched ticket; bad rows are reported, exit 1."""
    folder, path = in_folder(case)
    with folder:
        code, out, err = run(
            ["credits", path, *POLICY, "--customer", "X", "--term-start", "2026-01-01",
             "--term-end", "2027-01-01", "--now", NOW, "--format", "json"]
        )  # fmt: skip
    if check_exit(code, err, case.first_line_damaged):
        (contract,) = json.loads(out)
        assert contract["tickets"] >= len(case.good), err


@settings(FUZZ, max_examples=40)
@given(messy_files("cases"))
def test_ledger_keeps_every_good_case(case: Messy) -> None:
    """ledger: every untouched case is in the ledger."""
    folder, path = in_folder(case)
    with folder:
        code, out, err = run(
            ["ledger", "--plan", "enterprise-standard", "--contract-start", "2026-01-01",
             "--cases", path, "--on", "2026-12-31", "--format", "jsonl"]
        )  # fmt: skip
    if check_exit(code, err, case.first_line_damaged):
        cases = [r["id"] for r in map(json.loads, out.splitlines()) if r["record"] == "case"]
        assert set(case.good) <= set(cases), err


@settings(FUZZ, max_examples=40)
@given(messy_files())
def test_due_lists_every_good_open_ticket(case: Messy) -> None:
    """due: every untouched ticket without a response has its running clock listed."""
    folder, path = in_folder(case)
    with folder:
        code, out, err = run(["due", path, *POLICY, "--now", NOW, "--format", "jsonl"])
    if check_exit(code, err, case.first_line_damaged):
        listed = {json.loads(line)["id"] for line in out.splitlines()}
        unanswered = {f"T-{i:03d}-x" for i in range(2, 6, 3)}
        assert unanswered & set(case.good) <= listed, err


def report(case: Messy) -> tuple[int, str, str, bool]:
    """``slacalc report`` on *case*: exit code, stdout, stderr and whether the page was written."""
    folder, path = in_folder(case)
    with folder:
        page = Path(folder.name) / "r.html"
        code, out, err = run(["report", path, *POLICY, "--now", NOW, "--out", str(page)])
        return code, out, err, page.exists()


def check_report(case: Messy, code: int, out: str, err: str, written: bool) -> None:
    if not check_exit(code, err, case.first_line_damaged):
        return
    assert written
    tickets = int(re.search(r": ([\d,]+) tickets?,", out).group(1).replace(",", ""))  # type: ignore[union-attr]
    assert tickets >= len(case.good), err


@settings(FUZZ, max_examples=40)
@given(messy_files())
def test_report_keeps_every_good_row(case: Messy) -> None:
    """report: every untouched ticket is evaluated and counted (the page's plots stubbed, for time)."""
    pytest.importorskip("matplotlib")
    pytest.importorskip("pandas")
    with mock.patch("slacalc._analysis.report.render_report", return_value="<html></html>"):
        check_report(case, *report(case))


@settings(FUZZ, max_examples=3)
@given(messy_files())
def test_report_renders_messy_files(case: Messy) -> None:
    """report with the real page (plots and all) on a few messy files."""
    pytest.importorskip("matplotlib")
    pytest.importorskip("pandas")
    check_report(case, *report(case))


COMMANDS = {
    "evaluate": ["evaluate", "{path}", *POLICY, "--now", NOW],
    "explain": ["explain", "{path}", "--id", "T-000-x", *POLICY, "--now", NOW],
    "credits": ["credits", "{path}", *POLICY, "--customer", "X", "--term-start", "2026-01-01",
                "--term-end", "2027-01-01", "--now", NOW],
    "ledger": ["ledger", "--plan", "enterprise-standard", "--contract-start", "2026-01-01",
               "--cases", "{path}"],
    "due": ["due", "{path}", *POLICY, "--now", NOW],
}  # fmt: skip


@settings(FUZZ, max_examples=25)
@given(
    st.sampled_from(list(COMMANDS)),
    st.sampled_from([".csv", ".jsonl", ".json", ".txt"]),
    st.binary(max_size=400),
)
def test_random_bytes_never_crash(command: str, suffix: str, data: bytes) -> None:
    """any bytes at all: exit 0, 1 or 2 with a message, never a traceback."""
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / f"input{suffix}"
        path.write_bytes(data)
        argv = [a.format(path=path) for a in COMMANDS[command]]
        code, _, err = run(argv)
    assert "Traceback" not in err and "internal error" not in err, err
    assert code in (0, 1, 2)
    if code:
        assert err.strip()


def test_the_generator_makes_good_files() -> None:
    """undamaged, the generated files read whole: the fuzz tests start from good files."""
    for fmt, (suffix, delimiter) in FORMATS.items():
        rows = [encode_row(fmt, TICKET_FIELDS, ticket_values(i)) for i in range(4)]
        if delimiter == "array":
            data = b"[\n" + b",\n".join(rows) + b"\n]\n"
        elif delimiter is None:
            data = b"\n".join(rows) + b"\n"
        else:
            data = delimiter.join(TICKET_FIELDS).encode() + b"\n" + b"\n".join(rows) + b"\n"
        case = Messy("t" + suffix, data, [f"T-{i:03d}-x" for i in range(4)], False)
        folder, path = in_folder(case)
        with folder:
            code, out, err = run(["evaluate", path, *POLICY, "--now", NOW])
        assert (code, err) == (0, ""), fmt
        assert [r["id"] for r in csv.DictReader(io.StringIO(out))] == case.good
