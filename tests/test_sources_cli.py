"""``--source`` on the commands that read tickets, ``slacalc sources``, and the pandas reader."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest

from slacalc._cli.main import main

HERE = Path(__file__).parent
ZENDESK = HERE / "fixtures" / "sources" / "zendesk"
NOW = "2026-06-01T00:00:00+00:00"


def run(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = main(list(argv), out, err)
    return code, out.getvalue(), err.getvalue()


class TestEvaluate:
    def test_zendesk_export(self) -> None:
        """evaluate reads the export, writes a row per good ticket and reports each bad record."""
        code, out, err = run(
            "evaluate",
            str(ZENDESK / "tickets.json"),
            "--source",
            "zendesk",
            "--policy",
            "zitadel-2023",
            "--plan",
            "extended",
            "--now",
            NOW,
        )
        rows = list(csv.DictReader(io.StringIO(out)))
        assert [(r["id"], r["status"], r["late_by_seconds"], r["credit_days"]) for r in rows] == [
            ("101", "breached", str(30 * 60), "2"),
            ("102", "not_applicable", "0", "0"),
        ]
        assert code == 1
        assert "line 68: record 3 (ticket '103'): created_at: invalid value 'yesterday'" in err

    def test_unmapped_values_are_one_warning_line(self) -> None:
        """the command prints the unmapped-value warning on stderr, once."""
        code, _, err = run(
            "evaluate",
            str(ZENDESK / "unmapped.jsonl"),
            "--source",
            "zendesk",
            "--policy",
            "zitadel-2023",
            "--plan",
            "extended",
            "--now",
            NOW,
        )
        assert err.count("slacalc: warning: zendesk: values the mapping does not know") == 1
        assert "unknown severity 'p0'" in err  # the policy then says what it expected
        assert code == 1

    def test_mapping_override(self, tmp_path: Path) -> None:
        """--mapping lays the user's file over the source's."""
        own = tmp_path / "own.toml"
        own.write_text(
            '[priorities]\np0 = "1"\n[statuses]\n"waiting on vendor" = "on-hold"\n[channels]\ncarrier_pigeon = "email"\n'
        )
        code, out, err = run(
            "evaluate",
            str(ZENDESK / "unmapped.jsonl"),
            "--source",
            "zendesk",
            "--mapping",
            str(own),
            "--policy",
            "zitadel-2023",
            "--plan",
            "extended",
            "--now",
            NOW,
        )
        assert code == 0, err
        assert "warning" not in err
        assert [r["class"] for r in csv.DictReader(io.StringIO(out))] == ["1", "1"]

    def test_events_log(self, tmp_path: Path) -> None:
        """the event log reads the same way; --events-order any groups an interleaved log."""
        log = tmp_path / "log.csv"
        log.write_text(
            "ticket_id,at,kind,value\n"
            "A,2026-03-02T09:00:00+01:00,opened,2\n"
            "B,2026-03-02T09:00:00+01:00,opened,2\n"
            "A,2026-03-02T09:30:00+01:00,response,\n"
        )
        args = [
            "evaluate",
            str(log),
            "--source",
            "events",
            "--policy",
            "zitadel-2023",
            "--plan",
            "extended",
            "--now",
            NOW,
            "--output",
            "jsonl",
        ]
        code, out, err = run(*args, "--events-order", "any")
        assert code == 0, err
        got = {r["id"]: r["status"] for r in map(json.loads, out.splitlines())}
        assert got == {"A": "met", "B": "breached"}
        code, _, err = run(*args)
        assert code == 1 and "came back" in err


class TestExplainAndCredits:
    def test_explain_a_ticket_of_the_export(self) -> None:
        """explain finds the ticket by id in the export."""
        code, out, _ = run(
            "explain",
            str(ZENDESK / "tickets.json"),
            "--source",
            "zendesk",
            "--id",
            "101",
            "--policy",
            "zitadel-2023",
            "--plan",
            "extended",
            "--now",
            NOW,
        )
        assert code == 0
        assert "severity changes: 2→1 at Mon 2026-03-02 09:30+01:00" in out

    def test_credits_per_organisation(self, tmp_path: Path) -> None:
        """credits groups the export's tickets by organisation for the contracts file."""
        contracts = tmp_path / "contracts.csv"
        contracts.write_text(
            "customer,term_start,term_end,plan\n77,2026-01-01,2027-01-01,extended\n"
        )
        code, out, _ = run(
            "credits",
            str(ZENDESK / "tickets.json"),
            "--source",
            "zendesk",
            "--policy",
            "zitadel-2023",
            "--contracts",
            str(contracts),
            "--now",
            NOW,
        )
        [row] = list(csv.DictReader(io.StringIO(out)))
        assert (row["customer"], row["tickets"], row["credit_days"]) == ("77", "1", "2")
        assert code == 1  # the export's bad records are reported


class TestSourcesCommand:
    def test_lists_sources(self) -> None:
        """`slacalc sources` lists the six sources."""
        code, out, _ = run("sources")
        assert code == 0
        assert [line.split()[0] for line in out.splitlines() if not line.startswith(" ")] == [
            "zendesk",
            "jira",
            "zammad",
            "freshdesk",
            "frappe",
            "events",
        ]

    def test_prints_a_mapping_that_round_trips(self, tmp_path: Path) -> None:
        """`slacalc sources NAME` prints TOML that --mapping accepts back."""
        code, out, _ = run("sources", "zendesk")
        assert code == 0 and 'hold = "on-hold"' in out
        copy = tmp_path / "copy.toml"
        copy.write_text(out.replace('urgent = "1"', 'urgent = "urgent"'))
        _, again, _ = run("sources", "zendesk", "--mapping", str(copy))
        assert 'urgent = "urgent"' in again


class TestPandas:
    def test_read_source_frame_evaluates(self) -> None:
        """slacalc.pandas.read_source gives a frame that evaluate_frame judges like the library."""
        pd = pytest.importorskip("pandas")
        from slacalc.pandas import evaluate_frame, read_source

        frame, bad = read_source(ZENDESK / "tickets.json", "zendesk", errors="collect")
        assert list(frame["id"]) == ["101", "102"]
        assert list(bad["position"]) == [3, 4, 5]
        assert frame["opened_at"].dt.tz is not None
        out = evaluate_frame(frame, "zitadel-2023", "extended", now=NOW)
        assert list(out["status"]) == ["breached", "not_applicable"]
        assert out["late_by"].iloc[0] == pd.Timedelta(minutes=30)


def test_report_from_an_export(tmp_path: Path) -> None:
    """`slacalc report --source` reads the export into a frame and writes the page; bad records counted."""
    pytest.importorskip("matplotlib")
    page = tmp_path / "report.html"
    code, out, err = run(
        "report", str(ZENDESK / "tickets.json"), "--source", "zendesk",
        "--policy", "zitadel-2023", "--plan", "extended", "--now", NOW, "--out", str(page),
    )  # fmt: skip
    assert code == 1  # the export's three bad records
    assert "2 tickets, 0 met, 1 breached, 2 credit days, 3 bad rows" in out
    assert "record 3 (ticket '103')" in err
    assert page.read_text(encoding="utf-8").startswith("<!DOCTYPE html>")


def test_due_reads_a_source() -> None:
    """slacalc due --source events: the running clocks of the event log's tickets.

    E-1 opened 08:00Z as severity 2, changed to 1 at 08:30Z (recalculate: 1 business
    hour from opening on extended, 07:00-19:00 Zurich): due 09:00Z, still running at
    08:45Z with 15 minutes left; the three bad tickets are reported, exit 1.
    """
    code, out, err = run(
        "due",
        str(HERE / "fixtures" / "sources" / "events" / "log.csv"),
        "--source",
        "events",
        "--policy",
        "zitadel-2023",
        "--plan",
        "extended",
        "--now",
        "2026-03-02T08:45:00Z",
        "--tz",
        "UTC",
    )
    rows = list(csv.DictReader(io.StringIO(out)))
    first = [r for r in rows if r["id"] == "E-1" and r["metric"] == "initial_response"]
    assert len(first) == 1
    assert first[0]["due_at"] == "2026-03-02T09:00:00+00:00"
    assert first[0]["remaining_seconds"] == str(15 * 60)
    assert code == 1
    assert "ticket 'E-4'" in err and "no opened row" in err


def test_evaluate_judges_the_asked_metric_alone(tmp_path: Path) -> None:
    """an escalation of a class the policy does not know spoils escalation_response, not the response."""
    log = tmp_path / "log.csv"
    log.write_text(
        "ticket_id,at,kind,value\n"
        "T1,2026-03-03T10:00:00+01:00,opened,2\n"
        "T1,2026-03-03T11:00:00+01:00,escalation,bogus\n"
        "T1,2026-03-03T11:30:00+01:00,message,agent\n",
        encoding="utf-8",
    )
    common = ("--source", "events", "--policy", "zitadel-2023", "--plan", "extended")
    now = ("--now", "2026-04-01T00:00:00+02:00")
    code, out, err = run("evaluate", str(log), *common, *now, "--metric", "initial_response")
    assert (code, err) == (0, "")
    (row,) = csv.DictReader(io.StringIO(out))
    # opened Tue 10:00, answered 11:30 the same business morning: 1 h 30 min of a 2 h target
    assert (row["status"], row["elapsed_seconds"], row["class"]) == ("met", "5400", "2")
    code, out, err = run("evaluate", str(log), *common, *now, "--metric", "escalation_response")
    assert code == 1
    assert list(csv.DictReader(io.StringIO(out))) == []
    assert "line 2: ticket 'T1': escalation: unknown escalation class 'bogus'" in err


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_an_export_that_is_not_utf8_is_refused_naming_the_byte(tmp_path: Path, jobs: str) -> None:
    """A byte that is not UTF-8: exit 2 and a message with its line and column, not an internal error."""
    lines = (ZENDESK / "unmapped.jsonl").read_bytes().splitlines(keepends=True)
    path = tmp_path / "latin1.jsonl"
    path.write_bytes(b"".join([*lines, b'{"id": 9, "subject": "Caf\xe9"}\n']))
    code, _, err = run(
        "evaluate", str(path), "--source", "zendesk", "--policy", "zitadel-2023",
        "--plan", "extended", "--now", NOW, "--jobs", jobs,
    )  # fmt: skip
    assert code == 2
    assert (
        f"{path}: line {len(lines) + 1}: byte 0xE9 at column 26: not UTF-8 text; helpdesk "
        "exports are read as UTF-8" in err
    )
    assert "internal error" not in err


@pytest.mark.parametrize("jobs", ["1", "2"])
@pytest.mark.parametrize("command", ["evaluate", "due", "credits", "explain"])
def test_an_export_that_cannot_be_opened_stops_before_any_output(
    tmp_path: Path, command: str, jobs: str
) -> None:
    """A missing export: exit 2, its name and 'no such file', as for slacalc's own files; nothing on stdout."""
    path = tmp_path / "missing.jsonl"
    argv = [command, str(path), "--source", "zendesk", "--policy", "zitadel-2023", "--now", NOW]
    argv += {
        "evaluate": ["--plan", "extended", "--jobs", jobs],
        "due": ["--plan", "extended"],
        "credits": [
            "--plan",
            "extended",
            "--customer",
            "C",
            "--term-start",
            "2026-01-01",
            "--term-end",
            "2026-12-31",
        ],
        "explain": ["--plan", "extended", "--id", "1"],
    }[command]
    code, out, err = run(*argv)
    assert (code, out) == (2, "")
    assert f"{path}: no such file" in err


def evaluate_log(path: Path) -> tuple[int, str, str]:
    """``slacalc evaluate`` of the event log at *path* on zitadel-2023/extended."""
    return run(
        "evaluate", str(path), "--source", "events", "--policy", "zitadel-2023",
        "--plan", "extended", "--now", NOW,
    )  # fmt: skip


def test_an_event_log_row_error_names_its_own_line_once(tmp_path: Path) -> None:
    """A bad value on line 3 of a ticket that starts on line 2: 'line 3', said once, with the ticket."""
    path = tmp_path / "log.csv"
    path.write_text(
        "ticket_id,at,kind,value\n"
        "T1,2026-03-02T08:00:00Z,opened,1\n"
        "T1,2026-03-02T09:00:00Z,message,robot\n"
        "T2,2026-03-02T08:00:00Z,opened,1\n"
        "T3,2026-03-02T08:00:00Z,mesage,agent\n",
        encoding="utf-8",
    )
    code, out, err = evaluate_log(path)
    assert code == 1
    assert err.splitlines()[:2] == [
        f"{path}: line 3 (ticket 'T1'): value: invalid value 'robot'; expected 'customer' or 'agent' for a message",
        f"{path}: line 5 (ticket 'T3'): kind: invalid value 'mesage'; expected one of "
        "opened, channel, customer, severity, pause, resume, response, escalation, "
        "escalation_response, dispatch, resolved, message, status",
    ]
    assert [row.split(",")[0] for row in out.splitlines()[1:]] == ["T2"]


def test_an_event_log_quote_never_closed_costs_its_row_only(tmp_path: Path) -> None:
    """A quote opened on line 5 and never closed: that row is bad, the row after it is read.

    (Read loosely, the quote took the rest of the file as one customer name, and
    the rows after it were gone without a word.) Text after a closing quote
    (line 3) is a bad row too.
    """
    path = tmp_path / "log.csv"
    path.write_text(
        "ticket_id,at,kind,value\n"
        "T1,2026-03-02T08:00:00Z,opened,1\n"
        'T3,,customer,"Initech"x\n'
        "T3,2026-03-02T08:00:00Z,opened,2\n"
        'T2,,customer,"Acme\n'
        "T2,2026-03-02T08:00:00Z,opened,1\n",
        encoding="utf-8",
    )
    code, out, err = evaluate_log(path)
    assert code == 1
    assert err.splitlines()[:2] == [
        f"{path}: line 3: text after a closing quote in 'T3,,customer,\"Initech\"x'; expected ',' "
        "or the end of the line after '\"'",
        f"{path}: line 5: a quoted field is never closed: the quote opened here runs to the end "
        "of the file (line 6); expected a closing '\"' (the lines after this one are read again as rows)",
    ]
    assert [row.split(",")[0] for row in out.splitlines()[1:]] == ["T1", "T3", "T2"]


def test_an_event_log_without_its_header_line_is_a_bad_row(tmp_path: Path) -> None:
    """A blank first line: the header is missing, said so (its rows were dropped without a word)."""
    path = tmp_path / "log.csv"
    path.write_text("\nT1,2026-03-02T08:00:00Z,opened,1\n", encoding="utf-8")
    code, out, err = evaluate_log(path)
    assert (code, out.count("\n")) == (1, 1)  # the output's header line only
    assert err.splitlines()[0] == (
        f"{path}: line 1: header: missing column 'ticket_id'; expected ticket_id,at,kind,value"
    )
