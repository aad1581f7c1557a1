"""One command-line convention for every command (issue 8, docs/cli.md).

A table runs each command with each ``--format`` and checks that JSON has
real types (validated against the published schema) and that CSV and JSON
say the same thing; then ``--version``, a closed pipe, exit codes, ``--out``,
``--tz``, ``--now`` and the deprecated spellings.
"""

from __future__ import annotations

import csv
import io
import json
import os
import subprocess
import sys
from decimal import Decimal
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from slacalc._cli.main import main

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples"
NOW = "2027-01-01T00:00:00+01:00"


def run(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = main(list(argv), stdout=out, stderr=err)
    return code, out.getvalue(), err.getvalue()


def write(tmp_path: Path, name: str, text: str | bytes) -> str:
    path = tmp_path / name
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8")
    return str(path)


def schema(command: str) -> dict[str, Any]:
    code, out, _ = run("schema", "--output-records", command)
    assert code == 0
    result: dict[str, Any] = json.loads(out)
    jsonschema.Draft202012Validator.check_schema(result)
    return result


#: Each command that writes records, with arguments that exercise it on the examples.
COMMANDS: dict[str, list[str]] = {
    "evaluate": [
        "evaluate", str(EXAMPLES / "tickets.csv"), "--policy", "zitadel-2023",
        "--plan", "extended", "--now", NOW,
    ],
    "credits": [
        "credits", str(EXAMPLES / "customer_tickets.csv"), "--policy", "zitadel-2023",
        "--contracts", str(EXAMPLES / "contracts.csv"), "--now", NOW,
    ],
    "due": [
        "due", str(EXAMPLES / "tickets.csv"), "--policy", "zitadel-2023", "--plan", "extended",
        "--now", NOW,
    ],
    "ledger": [
        "ledger", "--policy", "proauth", "--plan", "enterprise-standard",
        "--contract-start", "2026-01-01", "--purchases", str(EXAMPLES / "ledger_purchases.csv"),
        "--cases", str(EXAMPLES / "ledger_cases.csv"),
    ],
}  # fmt: skip


def json_records(fmt: str, text: str) -> list[dict[str, Any]]:
    """The records of JSON Lines or a JSON array, numbers read exactly."""
    if fmt == "json":
        value = json.loads(text, parse_float=Decimal)
        assert isinstance(value, list)
        return value
    return [json.loads(line, parse_float=Decimal) for line in text.splitlines()]


def as_csv(value: Any) -> str:
    """What CSV writes for a JSON value: empty for null, true/false, the same digits."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


class TestFormatTable:
    @pytest.mark.parametrize("command", list(COMMANDS))
    @pytest.mark.parametrize("fmt", ["jsonl", "json"])
    def test_json_has_real_types_and_agrees_with_csv_issue_8(self, command: str, fmt: str) -> None:
        """--format is the output format of every command; JSON validates and says what CSV says."""
        argv = COMMANDS[command]
        code, text, err = run(*argv, "--format", "csv")
        assert code == 0, err
        table = list(csv.DictReader(io.StringIO(text)))
        assert table
        code, text, err = run(*argv, "--format", fmt)
        assert code == 0, err
        if command == "ledger" and fmt == "json":
            jsonschema.validate(json.loads(text), schema("ledger-document"))
            return
        records = json_records(fmt, text)
        validator = jsonschema.Draft202012Validator(schema(command))
        for record in records:
            validator.validate(record)
        assert len(records) == len(table)
        for row, record in zip(table, records, strict=True):
            assert list(row) == list(record)
            assert {k: as_csv(v) for k, v in record.items()} == row

    def test_json_types_of_evaluate(self) -> None:
        """numbers are numbers, missing is null, instants carry their offset (T-1001 is SPEC §3.1)."""
        code, text, _ = run(*COMMANDS["evaluate"], "--format", "jsonl")
        assert code == 0
        first = json.loads(text.splitlines()[0])
        assert first["id"] == "T-1001"
        assert first["late_by_seconds"] == 1200  # 08:20 answered, due 08:00
        assert first["credit_days"] == 2
        assert first["remaining_seconds"] is None
        assert first["due_at"] == "2026-04-07T08:00:00+02:00"

    def test_credits_csv_writes_true_false_issue_8(self, tmp_path: Path) -> None:
        """capped is 'true'/'false' in CSV (never Python's False), a boolean in JSON."""
        code, text, _ = run(*COMMANDS["credits"])
        assert code == 0
        assert {r["capped"] for r in csv.DictReader(io.StringIO(text))} == {"false"}
        code, text, _ = run(*COMMANDS["credits"], "--format", "json")
        assert {r["capped"] for r in json.loads(text)} == {False}
        # money is a number with its exact digits: 12,000.00 × 5 / 365 = 164.38
        assert '"credit_value": 164.38' in text

    def test_explain_formats(self) -> None:
        """explain: text by default; json (one document) and jsonl (one line per metric) agree."""
        argv = [
            "explain", str(EXAMPLES / "tickets.csv"), "--id", "T-1001", "--policy", "zitadel-2023",
            "--plan", "extended", "--now", NOW,
        ]  # fmt: skip
        code, text, _ = run(*argv)
        assert code == 0
        assert "Good Friday" in text
        code, doc, _ = run(*argv, "--format", "json")
        code2, lines, _ = run(*argv, "--format", "jsonl")
        assert (code, code2) == (0, 0)
        facts = json.loads(doc)
        assert facts == [json.loads(line) for line in lines.splitlines()]
        validator = jsonschema.Draft202012Validator(schema("explain"))
        for fact in facts:
            validator.validate(fact)
        assert facts[0]["late_by_seconds"] == 1200
        assert isinstance(facts[0]["elapsed_seconds"], int)

    def test_explain_json_durations_are_exact_issue_8(self, tmp_path: Path) -> None:
        """explain's JSON durations keep the microsecond (they were floats: 1200.000001 → lossy)."""
        code, text, _ = run(
            "explain", "--policy", "zitadel-2023", "--plan", "extended", "--severity", "2",
            "--opened", "2026-04-02T18:00:00+02:00", "--responded", "2026-04-07T08:20:00.000001+02:00",
            "--now", NOW, "--format", "json",
        )  # fmt: skip
        assert code == 0
        assert '"late_by_seconds": 1200.000001' in text
        assert json.loads(text, parse_float=Decimal)[0]["late_by_wall_seconds"] == Decimal(
            "1200.000001"
        )

    def test_evaluate_exact_microseconds(self, tmp_path: Path) -> None:
        """evaluate writes 0.000001 s late as the digits 0.000001, in CSV and in JSON."""
        path = write(
            tmp_path,
            "t.csv",
            "id,opened_at,severity,responded_at\nT,2026-04-02T18:00:00+02:00,2,2026-04-07T08:00:00.000001+02:00\n",
        )
        code, text, _ = run("evaluate", path, "--policy", "zitadel-2023", "--plan", "extended", "--now", NOW, "--format", "jsonl")  # fmt: skip
        assert code == 0
        assert '"late_by_seconds": 0.000001' in text
        assert '"credit_days": 1' in text


class TestSchemas:
    def test_policy_schema_is_still_the_default(self) -> None:
        """`slacalc schema` prints the policy file schema, as before."""
        code, out, _ = run("schema")
        assert code == 0
        assert "plans" in json.loads(out)["properties"]

    @pytest.mark.parametrize(
        "command", ["evaluate", "explain", "credits", "due", "ledger", "ledger-document"]
    )
    def test_output_schemas_are_valid_schemas(self, command: str) -> None:
        """every published output schema is a valid JSON Schema that refuses stray fields."""
        published = schema(command)
        shapes = [published] if "properties" in published else published["$defs"].values()
        assert all(shape["additionalProperties"] is False for shape in shapes)

    def test_schema_refuses_what_old_output_wrote(self) -> None:
        """numbers as strings and '' for missing (the old evaluate JSON) do not validate."""
        _, text, _ = run(*COMMANDS["evaluate"], "--format", "jsonl")
        record = json.loads(text.splitlines()[0])
        validator = jsonschema.Draft202012Validator(schema("evaluate"))
        assert validator.is_valid(record)
        assert not validator.is_valid({**record, "late_by_seconds": "1200"})
        assert not validator.is_valid({**record, "remaining_seconds": ""})
        assert not validator.is_valid({**record, "due_at": "2026-04-07T08:00:00"})


class TestVersionAndPipes:
    def test_version_issue_8(self) -> None:
        """`slacalc --version` prints the installed version and exits 0."""
        from importlib.metadata import version

        code, out, _ = run("--version")
        assert (code, out) == (0, f"slacalc {version('slacalc')}\n")

    def test_closed_pipe_ends_quietly_issue_8(self, tmp_path: Path) -> None:
        """`slacalc evaluate … | head -n 1` prints one line; slacalc exits 0 without a word."""
        rows = "".join(
            f"T{i},2026-03-02T09:00:00+01:00,2,2026-03-02T09:30:00+01:00\n" for i in range(20_000)
        )
        path = write(tmp_path, "many.csv", "id,opened_at,severity,responded_at\n" + rows)
        import slacalc  # the package under test, wherever it is imported from

        env = {**os.environ, "PYTHONPATH": str(Path(slacalc.__file__).parent.parent)}
        for fmt in ("csv", "json"):
            script = (
                f"{sys.executable} -m slacalc evaluate {path} --policy zitadel-2023 --plan extended "
                f"--now {NOW} --format {fmt} 2>{tmp_path / 'err.txt'} | head -n 1; "
                'echo "exit=${PIPESTATUS[0]}"'
            )
            done = subprocess.run(
                ["bash", "-c", script], capture_output=True, text=True, env=env, check=True
            )
            lines = done.stdout.splitlines()
            assert len(lines) == 2, done.stdout
            assert lines[1] == "exit=0"
            assert (tmp_path / "err.txt").read_text() == ""

    def test_broken_pipe_in_process(self) -> None:
        """a stdout that breaks mid-way is a quiet exit 0 in-process too."""

        class Closed(io.StringIO):
            def write(self, text: str) -> int:
                raise BrokenPipeError(32, "Broken pipe")

        err = io.StringIO()
        assert main(COMMANDS["evaluate"], stdout=Closed(), stderr=err) == 0
        assert err.getvalue() == ""


class TestExitCodes:
    def test_missing_column_exits_2_issue_8(self, tmp_path: Path) -> None:
        """a header without a required column stops the command: exit 2, one message, no output."""
        path = write(tmp_path, "t.csv", "id,opened,severity\nA,2026-03-02T09:00:00+01:00,1\n")
        for argv in (
            ["evaluate", path, "--policy", "zitadel-2023", "--plan", "extended", "--now", NOW],
            ["credits", path, "--policy", "zitadel-2023", "--plan", "extended", "--customer", "X",
             "--term-start", "2026-01-01", "--term-end", "2027-01-01", "--now", NOW],
            ["explain", path, "--id", "A", "--policy", "zitadel-2023", "--plan", "extended", "--now", NOW],
        ):  # fmt: skip
            code, out, err = run(*argv)
            assert (code, out) == (2, ""), argv
            assert "line 1 (the header): missing column 'opened_at'" in err
            assert err.count("\n") == 1

    def test_bad_rows_exit_1_and_every_good_row_is_out(self, tmp_path: Path) -> None:
        """some bad rows: exit 1, each named on stderr, every good row on stdout."""
        path = write(
            tmp_path,
            "t.csv",
            "id,opened_at,severity\nA,2026-03-02T09:00:00+01:00,1\nB,yesterday,1\nC,2026-03-02T09:00:00+01:00,2\n",
        )
        code, out, err = run("evaluate", path, "--policy", "zitadel-2023", "--plan", "extended", "--now", NOW)  # fmt: skip
        assert code == 1
        assert [r["id"] for r in csv.DictReader(io.StringIO(out))] == ["A", "C"]
        assert f"{path}: line 3: ticket 'B': opened_at: invalid instant 'yesterday'" in err
        assert err.endswith("slacalc evaluate: 1 bad row left out; 2 tickets processed\n")

    @pytest.mark.parametrize(
        "argv",
        [
            ["evaluate"],
            ["evaluate", "x.csv", "--policy", "zitadel-2023"],
            [
                "evaluate",
                "x.csv",
                "--policy",
                "zitadel-2023",
                "--plan",
                "extended",
                "--format",
                "xml",
            ],
            ["no-such-command"],
        ],
    )
    def test_usage_errors_exit_2(self, argv: list[str]) -> None:
        """argparse's usage errors are exit 2, on our stderr (in-process too)."""
        code, out, err = run(*argv)
        assert (code, out) == (2, "")
        assert "usage: slacalc" in err

    def test_unknown_metric_for_the_plan_stops(self, tmp_path: Path) -> None:
        """a metric the plan does not target stops before reading (every row would be bad)."""
        code, _, err = run(*COMMANDS["evaluate"], "--metric", "resolution")
        assert code == 2
        assert (
            "sets no target for resolution; it targets initial_response, escalation_response" in err
        )

    def test_now_out_of_range_stops(self) -> None:
        """--now outside 1970-2200 is one usage error, not one bad row per ticket."""
        code, out, err = run(*COMMANDS["evaluate"][:-2], "--now", "2300-01-01T00:00:00Z")
        assert (code, out) == (2, "")
        assert err == (
            "slacalc evaluate: error: --now 2300-01-01T00:00:00+00:00 is out of range; "
            "expected an instant in the years 1970 to 2200\n"
        )

    def test_missing_file(self) -> None:
        """a file that does not exist is exit 2 with its name."""
        code, _, err = run("evaluate", "/nonexistent/t.csv", "--policy", "zitadel-2023", "--plan", "extended")  # fmt: skip
        assert code == 2
        assert "/nonexistent/t.csv: no such file" in err


class TestOut:
    def test_out_writes_the_file(self, tmp_path: Path) -> None:
        """--out PATH writes what stdout would have had; nothing goes to stdout."""
        target = tmp_path / "results.jsonl"
        code, out, _ = run(*COMMANDS["evaluate"], "--format", "jsonl", "--out", str(target))
        assert (code, out) == (0, "")
        _, expected, _ = run(*COMMANDS["evaluate"], "--format", "jsonl")
        assert target.read_text(encoding="utf-8") == expected

    def test_out_is_not_left_half_written(self, tmp_path: Path) -> None:
        """a command stopped by an input error leaves an earlier --out file untouched, and no temp file."""
        target = tmp_path / "results.csv"
        target.write_text("earlier run\n", encoding="utf-8")
        bad = write(tmp_path, "t.csv", "id,severity\nA,1\n")
        code, _, _ = run("evaluate", bad, "--policy", "zitadel-2023", "--plan", "extended", "--out", str(target))  # fmt: skip
        assert code == 2
        assert target.read_text(encoding="utf-8") == "earlier run\n"
        assert sorted(p.name for p in tmp_path.iterdir()) == ["results.csv", "t.csv"]

    @pytest.mark.parametrize("command", ["credits", "ledger"])
    def test_out_for_billing_commands(self, command: str, tmp_path: Path) -> None:
        """credits and ledger take --out too."""
        target = tmp_path / "o.csv"
        code, out, _ = run(*COMMANDS[command], "--out", str(target))
        assert (code, out) == (0, "")
        assert target.read_text(encoding="utf-8") == run(*COMMANDS[command])[1]


class TestDeprecatedSpellings:
    def test_evaluate_output_is_an_alias_of_format(self) -> None:
        """evaluate --output still works, warning on stderr; the output is --format's."""
        code, out, err = run(*COMMANDS["evaluate"], "--output", "jsonl")
        assert code == 0
        assert "warning: --output is deprecated; use --format" in err
        assert out == run(*COMMANDS["evaluate"], "--format", "jsonl")[1]

    def test_output_and_format_that_disagree_stop(self) -> None:
        """--format jsonl --output csv (an old script's input and output formats) is explained, exit 2."""
        code, _, err = run(*COMMANDS["evaluate"], "--format", "jsonl", "--output", "csv")
        assert code == 2
        assert "--format is now the output format" in err
        assert "--input-format" in err

    def test_explain_json_flag(self) -> None:
        """explain --json is --format json, with a warning."""
        argv = [
            "explain", "--policy", "zitadel-2023", "--plan", "extended", "--severity", "2",
            "--opened", "2026-04-02T18:00:00+02:00", "--now", NOW,
        ]  # fmt: skip
        code, out, err = run(*argv, "--json")
        assert code == 0
        assert "--json is deprecated" in err
        assert out == run(*argv, "--format", "json")[1]


class TestNow:
    def test_future_events_without_now_name_it_issue_8(self, tmp_path: Path) -> None:
        """without --now, a ticket whose events lie after the current time is a row error naming --now."""
        path = write(
            tmp_path,
            "t.csv",
            "id,opened_at,severity,responded_at\n"
            "past,2026-03-02T09:00:00+01:00,1,2026-03-02T09:30:00+01:00\n"
            "later,2026-03-02T09:00:00+01:00,1,2199-03-02T09:30:00+01:00\n"
            "future,2199-03-02T09:00:00+01:00,1,\n",
        )
        code, out, err = run("evaluate", path, "--policy", "zitadel-2023", "--plan", "extended")
        assert code == 1
        assert [r["id"] for r in csv.DictReader(io.StringIO(out))] == ["past"]
        assert (
            "line 3: ticket 'later': responded_at 2199-03-02T09:30:00+01:00 is after the current time"
            in err
        )
        assert (
            "line 4: ticket 'future': opened_at 2199-03-02T09:00:00+01:00 is after the current time"
            in err
        )
        assert err.count("give --now") == 2
        # with --now, the later response simply has not happened yet
        code, out, _ = run("evaluate", path, "--policy", "zitadel-2023", "--plan", "extended", "--now", NOW)  # fmt: skip
        assert code == 1
        assert [r["id"] for r in csv.DictReader(io.StringIO(out))] == ["past", "later"]


class TestDeadline:
    @pytest.mark.parametrize(
        ("plan", "severity", "metric", "why"),
        [
            ("production", "3", "initial_response", "is best effort: no time is promised"),
            ("extended", "3", "resolution", "sets no target for resolution"),
            ("extended", "urgent", "escalation_response", "escalation class"),
        ],
    )
    def test_none_says_why_on_stderr(self, plan: str, severity: str, metric: str, why: str) -> None:
        """`deadline` prints none where there is no due instant, and says why on stderr."""
        code, out, err = run(
            "deadline", "--policy", "zitadel-2023", "--plan", plan, "--severity", severity,
            "--opened", "2026-04-02T18:00:00+02:00", "--metric", metric,
        )  # fmt: skip
        assert code == 0
        if metric == "escalation_response":  # extended does promise an urgent escalation response
            assert out != "none\n"
            assert err == ""
            return
        assert out == "none\n"
        assert err.startswith("slacalc deadline: none: ")
        assert why in err


class TestTz:
    def test_tz_converts_every_instant(self) -> None:
        """--tz UTC writes the same instants in UTC (T-1001 is due 08:00+02:00 = 06:00Z)."""
        code, out, _ = run(*COMMANDS["evaluate"], "--tz", "UTC", "--format", "jsonl")
        assert code == 0
        first = json.loads(out.splitlines()[0])
        assert (first["due_at"], first["stopped_at"]) == (
            "2026-04-07T06:00:00+00:00",
            "2026-04-07T06:20:00+00:00",
        )

    def test_repeated_autumn_hour(self) -> None:
        """a due instant in Zurich's repeated hour comes out right in UTC and New York."""
        # Exoscale Enterprise: 30 minutes on 24x7. Opened 02:10+01:00, the second 02:10 of
        # 25 Oct 2026 (01:10Z), it is due 02:40+01:00 = 01:40Z = 21:40-04:00 the day before.
        argv = [
            "deadline", "--policy", "exoscale", "--plan", "enterprise", "--severity", "1",
            "--opened", "2026-10-25T02:10:00+01:00",
        ]  # fmt: skip
        assert run(*argv) == (0, "2026-10-25T02:40:00+01:00\n", "")
        assert run(*argv, "--tz", "UTC") == (0, "2026-10-25T01:40:00+00:00\n", "")
        assert run(*argv, "--tz", "America/New_York") == (0, "2026-10-24T21:40:00-04:00\n", "")

    def test_unknown_zone_is_a_clear_error(self) -> None:
        """a misspelt zone names itself and what is expected; exit 2."""
        code, out, err = run(*COMMANDS["evaluate"], "--tz", "Europe/Zürich")
        assert (code, out) == (2, "")
        assert (
            "--tz: unknown time zone 'Europe/Zürich'; expected an IANA name such as 'Europe/Zurich' or 'UTC'"
            in err
        )

    def test_explain_in_a_zone(self) -> None:
        """explain --tz writes its story and its facts in that zone."""
        argv = [
            "explain", "--policy", "zitadel-2023", "--plan", "extended", "--severity", "2",
            "--opened", "2026-04-02T18:00:00+02:00", "--responded", "2026-04-07T08:20:00+02:00",
            "--now", NOW, "--tz", "UTC",
        ]  # fmt: skip
        code, text, _ = run(*argv)
        assert code == 0
        assert "due Tue 2026-04-07 06:00+00:00" in text
        code, doc, _ = run(*argv, "--format", "json")
        assert json.loads(doc)[0]["due_at"] == "2026-04-07T06:00:00+00:00"
