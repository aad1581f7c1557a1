"""Issue 8's messy files, each through the real command line: no traceback, no good row lost.

Every test here failed before issue 8 (a traceback escaped, good rows were
lost, or the message or exit code was wrong); each reads the file the way a
helpdesk export or a spreadsheet writes it.
"""

from __future__ import annotations

import codecs
import csv
import io
import json
from pathlib import Path

import pytest

from slacalc._cli.main import main

NOW = "2027-01-01T00:00:00+01:00"
HEADER = "id,opened_at,severity,responded_at\n"
POLICY = ["--policy", "zitadel-2023", "--plan", "extended"]


def run(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = main(list(argv), stdout=out, stderr=err)
    return code, out.getvalue(), err.getvalue()


def evaluate(path: str, *extra: str) -> tuple[int, list[str], str]:
    """Exit code, the ids written and stderr of ``slacalc evaluate``."""
    code, out, err = run("evaluate", path, *POLICY, "--now", NOW, *extra)
    assert "Traceback" not in err
    return code, [r["id"] for r in csv.DictReader(io.StringIO(out))], err


def row(ident: str, severity: str = "1", responded: str = "2026-03-02T09:30:00+01:00") -> str:
    return f"{ident},2026-03-02T09:00:00+01:00,{severity},{responded}\n"


def write(tmp_path: Path, name: str, data: str | bytes) -> str:
    path = tmp_path / name
    path.write_bytes(data.encode("utf-8") if isinstance(data, str) else data)
    return str(path)


def test_latin1_byte_is_one_bad_row_issue_8(tmp_path: Path) -> None:
    """one Latin-1 byte: that row is reported with line and field, the rows before and after come out."""
    data = (HEADER + row("A")).encode() + row("Zürich-1").encode("latin-1") + row("C").encode()
    code, ids, err = evaluate(write(tmp_path, "export.csv", data))
    assert (code, ids) == (1, ["A", "C"])
    assert "export.csv: line 3: id: not valid UTF-8 text (byte 0xFC at column 2 of its line)" in err
    assert "'Z\\xfcrich-1'" in err


def test_utf16_with_bom_is_read_issue_8(tmp_path: Path) -> None:
    """a UTF-16 file with its byte-order mark (Excel's 'Unicode text') reads like UTF-8."""
    text = (HEADER + row("Ä-1") + row("B")).replace(",", "\t")
    code, ids, err = evaluate(write(tmp_path, "unicode.txt", text.encode("utf-16")))
    assert (code, ids, err) == (0, ["Ä-1", "B"], "")


COMMANDS = {
    "evaluate": ["evaluate", "{path}", *POLICY, "--now", NOW],
    "explain": ["explain", "{path}", "--id", "A", *POLICY, "--now", NOW],
    "credits": ["credits", "{path}", *POLICY, "--customer", "X", "--term-start", "2026-01-01",
                "--term-end", "2027-01-01", "--now", NOW],
    "report": ["report", "{path}", *POLICY, "--now", NOW, "--out", "{out}"],
}  # fmt: skip


@pytest.mark.parametrize("command", list(COMMANDS))
@pytest.mark.parametrize(
    "data",
    [bytes(range(256)) * 8, b"PK\x03\x04" + bytes(300), HEADER.encode("utf-16-le")],
    ids=["binary", "xlsx", "utf16-without-bom"],
)
def test_binary_file_is_an_input_error_issue_8(tmp_path: Path, command: str, data: bytes) -> None:
    """a binary file (or UTF-16 without a mark) is one clear input error in every command: exit 2."""
    if command == "report":
        pytest.importorskip("matplotlib")
        pytest.importorskip("pandas")
    path = write(tmp_path, "tickets.csv", data)
    argv = [a.format(path=path, out=tmp_path / "r.html") for a in COMMANDS[command]]
    code, out, err = run(*argv)
    assert code == 2
    assert out == ""
    assert err.startswith(f"slacalc {command}: error: {path}: ")
    assert "CSV (UTF-8) or JSON Lines" in err
    assert "Traceback" not in err


def test_field_over_128_kib_issue_8(tmp_path: Path) -> None:
    """a 200 KiB notes field is read, and the rows after it are evaluated."""
    data = "id,opened_at,severity,responded_at,notes\n"
    data += row("A").rstrip("\n") + "," + "x" * 200_000 + "\n" + row("B").rstrip("\n") + ",\n"
    code, ids, err = evaluate(write(tmp_path, "t.csv", data))
    assert (code, ids, err) == (0, ["A", "B"], "")


def test_unclosed_quote_reported_where_the_record_starts_issue_8(tmp_path: Path) -> None:
    """an unclosed quote on line 3 is reported at line 3; the rows after it are still evaluated."""
    data = HEADER + row("A") + 'B,"2026-03-02T09:00:00+01:00,1,\n' + row("C") + row("D")
    code, ids, err = evaluate(write(tmp_path, "t.csv", data))
    assert (code, ids) == (1, ["A", "C", "D"])
    assert err.splitlines()[0].startswith(
        f"{tmp_path / 't.csv'}: line 3: a quoted field is never closed"
    )


def test_nul_bytes_are_refused_issue_8(tmp_path: Path) -> None:
    """a NUL inside an instant or an id makes a bad row (fromisoformat skipped it; the id kept it)."""
    data = HEADER + "A\x00,2026-03-02T09:00:00+01:00,1,\n" + "B,2026-03-02T09:00:00\x00+01:00,1,\n"
    data += row("C")
    code, ids, err = evaluate(write(tmp_path, "t.csv", data))
    assert (code, ids) == (1, ["C"])
    assert "line 2: id: contains a NUL character" in err
    assert "line 3: opened_at: contains a NUL character" in err


def test_wrong_json_type_is_a_bad_row_issue_8(tmp_path: Path) -> None:
    """ "channel": ["ticket"] is a row error, not the channel "['ticket']" (not_applicable, 0 credits)."""
    breached = {
        "id": "T-1",
        "opened_at": "2026-03-02T09:00:00+01:00",
        "severity": 1,
        "responded_at": "2026-03-02T11:00:00+01:00",
    }
    lines = [json.dumps({**breached, "channel": ["ticket"]}), json.dumps({**breached, "id": "T-2"})]
    path = write(tmp_path, "t.jsonl", "\n".join(lines) + "\n")
    code, out, err = run("evaluate", path, *POLICY, "--now", NOW, "--format", "jsonl")
    assert code == 1
    assert [json.loads(x)["id"] for x in out.splitlines()] == ["T-2"]
    assert "line 1: ticket 'T-1': channel: expected text; got a list ['ticket']" in err


def test_wrong_json_type_in_report_issue_8(tmp_path: Path) -> None:
    """the same value in `report` is a bad row, not a TypeError (unhashable type: 'list')."""
    pytest.importorskip("matplotlib")
    pytest.importorskip("pandas")
    good = {"id": "T-2", "opened_at": "2026-03-02T09:00:00+01:00", "severity": 1}
    lines = [json.dumps({**good, "id": "T-1", "channel": ["ticket"]}), json.dumps(good)]
    path = write(tmp_path, "t.jsonl", "\n".join(lines) + "\n")
    page = tmp_path / "r.html"
    code, out, err = run("report", path, *POLICY, "--now", NOW, "--out", str(page))
    assert code == 1
    assert "line 1: ticket 'T-1': channel: expected text; got a list" in err
    assert "1 ticket," in out and "1 bad row" in out
    assert page.exists()


def test_explain_says_why_the_ticket_is_unreadable_issue_8(tmp_path: Path) -> None:
    """explain FILE --id T-1 with T-1's row bad names the line, the field and the value."""
    data = HEADER + row("T-0") + "T-1,2026-03-02T09:00:00+01:00,1,half past nine\n"
    path = write(tmp_path, "t.csv", data)
    code, out, err = run("explain", path, "--id", "T-1", *POLICY, "--now", NOW)
    assert (code, out) == (2, "")
    assert (
        f"{path}: line 3: ticket 'T-1' cannot be read: responded_at: invalid instant 'half past nine'"
        in err
    )


def test_explain_points_at_unreadable_rows(tmp_path: Path) -> None:
    """an id not found while some rows could not be read at all: those rows are named."""
    data = (HEADER + row("T-0")).encode() + b"T-\xff1,2026-03-02T09:00:00+01:00,1,\n"
    path = write(tmp_path, "t.csv", data)
    code, _, err = run("explain", path, "--id", "T-1", *POLICY, "--now", NOW)
    assert code == 2
    assert (
        "no ticket with id 'T-1'; 1 row could not be read, it may be one of them (line 3: id:"
        in err
    )


def test_semicolon_csv_issue_8(tmp_path: Path) -> None:
    """a semicolon CSV with a BOM and CRLF (Excel in Switzerland) is read, not 'missing column id'."""
    text = (HEADER + row("A") + row("B")).replace(",", ";").replace("\n", "\r\n")
    code, ids, err = evaluate(write(tmp_path, "excel.csv", codecs.BOM_UTF8 + text.encode()))
    assert (code, ids, err) == (0, ["A", "B"], "")


def test_json_array_input_issue_8(tmp_path: Path) -> None:
    """a .json file holding an array of tickets is read, not 'Expecting value at column 1'."""
    tickets = [
        {"id": "A", "opened_at": "2026-03-02T09:00:00+01:00", "severity": 1},
        {"id": "B", "opened_at": "2026-03-02T09:00:00+01:00", "severity": "2"},
    ]
    code, ids, err = evaluate(write(tmp_path, "t.json", json.dumps(tickets, indent=2)))
    assert (code, ids, err) == (0, ["A", "B"], "")


def test_duplicate_ids_get_one_warning(tmp_path: Path) -> None:
    """ids seen twice: one warning naming them; both rows are evaluated; exit 0."""
    data = HEADER + row("A") + row("B") + row("A") + row("A")
    code, ids, err = evaluate(write(tmp_path, "t.csv", data))
    assert (code, ids) == (0, ["A", "B", "A", "A"])
    assert err == (
        "slacalc evaluate: warning: 1 ticket id appears more than once, each row counted: "
        "'A' (again on lines 4, 5)\n"
    )


class TestBillingFiles:
    """credits and ledger read with the same reader as evaluate."""

    def test_contracts_file_semicolons_and_bad_price(self, tmp_path: Path) -> None:
        """a semicolon contracts file reads; a 35-digit or 1e400000000 price is one bad contract row."""
        tickets = write(
            tmp_path,
            "t.csv",
            "id,customer,opened_at,severity,responded_at\n"
            "H-1,Helvetia,2026-03-02T09:00:00+01:00,1,2026-03-02T10:31:00+01:00\n"
            "R-1,Rhein,2026-03-02T09:00:00+01:00,1,2026-03-02T10:31:00+01:00\n"
            "G-1,Globex,2026-03-02T09:00:00+01:00,1,2026-03-02T10:31:00+01:00\n",
        )
        contracts = write(
            tmp_path,
            "c.csv",
            "customer;plan;term_start;term_end;term_price;currency\n"
            "Helvetia;extended;2026-01-01;2027-01-01;12000.00;CHF\n"
            f"Rhein;extended;2026-01-01;2027-01-01;{'9' * 35};CHF\n"
            "Globex;extended;2026-01-01;2027-01-01;1e400000000;CHF\n",
        )
        code, out, err = run("credits", tickets, "--policy", "zitadel-2023", "--contracts", contracts, "--now", NOW)  # fmt: skip
        assert code == 1
        rows = {r["customer"]: r for r in csv.DictReader(io.StringIO(out))}
        # H-1: due 10:00, answered 10:31 → 31 min → 3 days; 12,000 × 3 / 365 = 98.63
        assert (rows["Helvetia"]["credit_days"], rows["Helvetia"]["credit_value"]) == ("3", "98.63")
        assert sorted(rows) == ["Helvetia"]
        assert f"{contracts}: line 3: term_price: money '{'9' * 35}' is out of range" in err
        assert f"{contracts}: line 4: term_price: money '1e400000000' is out of range" in err
        assert "Traceback" not in err

    def test_term_price_flag_out_of_range(self, tmp_path: Path) -> None:
        """--term-price beyond what can be valued stops with a clear usage error (exit 2)."""
        tickets = write(tmp_path, "t.csv", HEADER + row("A"))
        code, _, err = run(
            "credits", tickets, *POLICY, "--customer", "X", "--term-start", "2026-01-01",
            "--term-end", "2027-01-01", "--now", NOW, "--term-price", "1e400000000",
        )  # fmt: skip
        assert code == 2
        assert "--term-price: money '1e400000000' is out of range" in err

    def test_duplicate_ticket_counts_once_in_credits(self, tmp_path: Path) -> None:
        """a billing run counts each ticket once: the repeated row is a bad row."""
        tickets = write(tmp_path, "t.csv", HEADER + row("A", responded="") + row("A", responded=""))
        code, out, err = run(
            "credits", tickets, *POLICY, "--customer", "X", "--term-start", "2026-01-01",
            "--term-end", "2027-01-01", "--now", "2026-03-02T10:15:00+01:00",
        )  # fmt: skip
        assert code == 1
        # one ticket 15 min past its 10:00 deadline: 1 day, not 2
        assert next(csv.DictReader(io.StringIO(out)))["credit_days"] == "1"
        assert "line 3: ticket 'A' is already on line 2" in err

    def test_credit_days_beyond_the_calendar(self, tmp_path: Path) -> None:
        """credit days that push the term end past year 9999: a clear contract error or a cap, no traceback."""
        # a credit day per started minute, 24x7: a ticket of 1970 never answered by 2199
        # earns about 120 million days, far past date.max
        policy = write(
            tmp_path,
            "big.toml",
            'name = "big-1970"\ntitle = "Big"\nsource = "test"\neffective_from = 1970-01-01\n'
            '[[severities]]\nname = "1"\ntitle = "Outage"\n'
            '[calendars.always]\ntimezone = "UTC"\nhours = "24x7"\n'
            '[credits]\nper = "1 minute"\naward_days = 1\nmeasure = "wall"\n'
            '[plans.p]\ntitle = "P"\ncalendar = "always"\n'
            '[plans.p.targets.initial_response]\n"1" = "1 hour"\n',
        )
        tickets = write(tmp_path, "t.csv", "id,opened_at,severity\nA,1970-01-05T09:00:00+01:00,1\n")
        code, _, err = run(
            "credits", tickets, "--policy", policy, "--plan", "p", "--customer", "X",
            "--term-start", "1970-01-01", "--term-end", "2199-01-01", "--now", "2199-12-31T00:00:00Z",
        )  # fmt: skip
        assert "Traceback" not in err and "internal error" not in err
        assert code in (0, 1)
        if code == 1:
            assert "slacalc credits: contract 'X': term_end 2199-01-01 extended by" in err
            assert "9999" in err

    def test_ledger_reads_semicolons_and_json_arrays_issue_8(self, tmp_path: Path) -> None:
        """the ledger's purchases and cases come through the shared reader too."""
        purchases = write(tmp_path, "p.csv", "purchased_on;pack;id\n2026-01-10;M;P-1\n")
        cases = write(
            tmp_path,
            "c.json",
            json.dumps(
                [
                    {"id": "C-1", "opened_on": "2026-02-01", "hours": 6, "kind": "upgrade"},
                    {"id": "C-2", "opened_on": "2026-02-02", "hours": ["6"], "kind": "upgrade"},
                ]
            ),
        )
        code, out, err = run(
            "ledger", "--plan", "enterprise-standard", "--contract-start", "2026-01-01",
            "--purchases", purchases, "--cases", cases, "--format", "json",
        )  # fmt: skip
        assert code == 1
        doc = json.loads(out)
        # C-1: 6 h → 2 started blocks of 5 h → 2 units; 4 included + 3 (pack M) - 2 = 5
        assert ([c["id"] for c in doc["cases"]], doc["balance"]) == (["C-1"], 5)
        assert f"{cases}: line 1: hours: invalid hours ['6']" in err
