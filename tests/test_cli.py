"""The ``slacalc`` command line, run in-process."""

from __future__ import annotations

import csv
import io
import json
import subprocess
import sys
from pathlib import Path

import pytest

from slacalc._cli.main import main


def run(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = main(list(argv), stdout=out, stderr=err)
    return code, out.getvalue(), err.getvalue()


class TestDeadline:
    def test_spec_worked_example(self) -> None:
        """SPEC §3.1: extended Sev 2 opened Thu 18:00 before Easter is due Tue 08:00."""
        code, out, _ = run(
            "deadline", "--policy", "zitadel-2023", "--plan", "extended", "--severity", "2",
            "--opened", "2026-04-02T18:00:00+02:00",
        )  # fmt: skip
        assert code == 0
        assert out == "2026-04-07T08:00:00+02:00\n"

    def test_best_effort_prints_none(self) -> None:
        """a best-effort target has no deadline."""
        code, out, _ = run(
            "deadline", "--policy", "zitadel-2023", "--plan", "production", "--severity", "3",
            "--opened", "2026-04-02T18:00:00+02:00",
        )  # fmt: skip
        assert (code, out) == (0, "none\n")

    def test_naive_opened_is_refused(self) -> None:
        """an instant without an offset is an error, not silently local."""
        code, _, err = run(
            "deadline", "--policy", "exoscale", "--plan", "pro", "--severity", "1", "--opened", "2026-04-02T18:00",
        )  # fmt: skip
        assert code == 2
        assert "no UTC offset" in err

    def test_unknown_plan(self) -> None:
        """an unknown plan is named with the valid ones."""
        code, _, err = run(
            "deadline", "--policy", "exoscale", "--plan", "gold", "--severity", "1",
            "--opened", "2026-04-02T18:00:00+02:00",
        )  # fmt: skip
        assert code == 2
        assert "'gold'" in err and "starter" in err


class TestEvaluate:
    def write(self, tmp_path: Path, text: str, name: str = "tickets.csv") -> str:
        path = tmp_path / name
        path.write_text(text, encoding="utf-8")
        return str(path)

    def test_worked_example_csv(self, tmp_path: Path) -> None:
        """the worked example through the CSV batch: breached, 1200 s late, 2 days."""
        path = self.write(
            tmp_path,
            "id,opened_at,severity,responded_at\nT-1,2026-04-02T18:00:00+02:00,2,2026-04-07T08:20:00+02:00\n",
        )
        code, out, err = run(
            "evaluate",
            path,
            "--policy",
            "zitadel-2023",
            "--plan",
            "extended",
            "--now",
            "2026-05-01T00:00:00Z",
        )
        assert code == 0, err
        rows = list(csv.DictReader(io.StringIO(out)))
        assert rows == [
            {
                **rows[0],
                "id": "T-1",
                "status": "breached",
                "due_at": "2026-04-07T08:00:00+02:00",
                "late_by_seconds": "1200",
                "credit_days": "2",
            }
        ]

    def test_bad_row_in_the_middle(self, tmp_path: Path) -> None:
        """a malformed row is named by line on stderr; every good row still comes out; exit 1."""
        path = self.write(
            tmp_path,
            "id,opened_at,severity,responded_at\n"
            "A,2026-03-02T09:00:00+01:00,1,2026-03-02T09:30:00+01:00\n"
            "B,not-a-date,1,\n"
            "C,2026-03-02T09:00:00+01:00,7,\n"
            "D,2026-03-02T09:00:00+01:00,2,2026-03-02T12:00:00+01:00\n",
        )
        code, out, err = run(
            "evaluate",
            path,
            "--policy",
            "zitadel-2023",
            "--plan",
            "extended",
            "--now",
            "2026-05-01T00:00:00Z",
        )
        assert code == 1
        ids = [r["id"] for r in csv.DictReader(io.StringIO(out))]
        assert ids == ["A", "D"]
        assert "line 3" in err and "not-a-date" in err
        assert "line 4" in err and "'7'" in err

    def test_jsonl_in_and_out(self, tmp_path: Path) -> None:
        """JSON Lines input with events; JSON Lines output with the escalation metric."""
        ticket = {
            "id": "E-1",
            "opened_at": "2026-03-02T09:00:00+01:00",
            "severity": "3",
            "responded_at": "2026-03-02T09:30:00+01:00",
            "events": [
                {"at": "2026-03-02T16:00:00+01:00", "kind": "escalation", "value": "urgent"},
                {"at": "2026-03-03T09:10:00+01:00", "kind": "escalation_response"},
            ],
        }
        path = self.write(tmp_path, json.dumps(ticket) + "\n", "t.jsonl")
        code, out, err = run(
            "evaluate", path, "--policy", "zitadel-2023", "--plan", "extended",
            "--now", "2026-05-01T00:00:00Z", "--metric", "escalation_response", "--format", "jsonl",
        )  # fmt: skip
        assert code == 0, err
        row = json.loads(out)
        assert row["due_at"] == "2026-03-03T09:00:00+01:00"
        assert row["late_by_seconds"] == 600
        assert row["credit_days"] == 1

    def test_progress_on_a_terminal(self, tmp_path: Path) -> None:
        """stderr that is a terminal gets a progress count; the rows still go to stdout."""

        class Terminal(io.StringIO):
            def isatty(self) -> bool:
                return True

        rows = "".join(
            f"T{i},2026-03-02T09:00:00+01:00,2,2026-03-02T09:30:00+01:00\n" for i in range(3)
        )
        path = self.write(tmp_path, "id,opened_at,severity,responded_at\n" + rows)
        out, err = io.StringIO(), Terminal()
        argv = [
            "evaluate",
            path,
            "--policy",
            "zitadel-2023",
            "--plan",
            "extended",
            "--now",
            "2026-05-01T00:00:00Z",
        ]
        assert main(argv, stdout=out, stderr=err) == 0
        assert "3 tickets evaluated, 0 bad rows" in err.getvalue()
        assert len(out.getvalue().splitlines()) == 4
        quiet = io.StringIO()
        assert main(argv, stdout=io.StringIO(), stderr=quiet) == 0
        assert quiet.getvalue() == ""

    def test_family_policy(self, tmp_path: Path) -> None:
        """a family name judges each ticket by the version in force when it was opened."""
        path = self.write(
            tmp_path,
            "id,opened_at,severity,responded_at\n"
            "old,2022-06-01T10:00:00+02:00,1,\n"
            "new,2024-06-03T10:00:00+02:00,1,\n",
        )
        code, out, _ = run(
            "evaluate",
            path,
            "--policy",
            "zitadel",
            "--plan",
            "free",
            "--now",
            "2026-01-01T00:00:00Z",
        )
        assert code == 0
        assert [r["policy"] for r in csv.DictReader(io.StringIO(out))] == [
            "zitadel-2021",
            "zitadel-2023",
        ]


class TestOtherCommands:
    def test_policies_lists_every_plan(self) -> None:
        """policies lists each built-in with its plans."""
        code, out, _ = run("policies")
        assert code == 0
        for name in ("zitadel-2021", "zitadel-2023", "exoscale", "proauth", "freistilbox"):
            assert name in out
        for plan in ("fortress", "extended", "enterprise-managed", "built-in"):
            assert plan in out

    def test_explain(self) -> None:
        """explain tells the story of the worked example."""
        code, out, _ = run(
            "explain", "--policy", "zitadel-2023", "--plan", "extended", "--severity", "2",
            "--opened", "2026-04-02T18:00:00+02:00", "--responded", "2026-04-07T08:20:00+02:00",
            "--now", "2026-05-01T00:00:00Z",
        )  # fmt: skip
        assert code == 0
        assert "Good Friday" in out
        assert "breached" in out
        assert "credits: 2 days — 1 day per started 15 min late" in out

    def test_schema_is_json(self) -> None:
        """schema prints a JSON Schema object."""
        code, out, _ = run("schema")
        assert code == 0
        schema = json.loads(out)
        assert schema["type"] == "object"
        assert "plans" in schema["properties"]

    @pytest.mark.parametrize("argv", [["policies"]])
    def test_python_dash_m(self, argv: list[str]) -> None:
        """python -m slacalc runs the same command line."""
        done = subprocess.run(
            [sys.executable, "-m", "slacalc", *argv], capture_output=True, text=True, check=False
        )
        assert done.returncode == 0
        assert "zitadel-2023" in done.stdout


class TestCredits:
    EXAMPLES = Path(__file__).parent.parent / "examples"

    def test_contracts_file(self) -> None:
        """credits per contract from the README's example files, valued at the term price."""
        code, out, err = run(
            "credits", str(self.EXAMPLES / "customer_tickets.csv"), "--policy", "zitadel-2023",
            "--contracts", str(self.EXAMPLES / "contracts.csv"), "--now", "2027-01-01T00:00:00Z",
        )  # fmt: skip
        assert code == 0, err
        rows = {r["customer"]: r for r in csv.DictReader(io.StringIO(out))}
        helvetia = rows["Helvetia Labs"]
        # H-1: the worked example, 20 min late → 2 days; H-2: Sev 1 (1 bh from 09:00 → 10:00)
        # answered 10:31 → 31 min → 3 days; H-3 came through the community → none. 2 + 3 = 5.
        assert helvetia["credit_days"] == "5"
        assert helvetia["extended_term_end"] == "2027-01-06"
        # 12,000.00 × 5 / 365 = 164.383… → 164.38
        assert helvetia["credit_value"] == "164.38"
        rhein = rows["Rhein Data"]
        # Sev 3, 12 bh on 07-19 from Mon 1 Jun 09:00 → Tue 09:00; answered 10:00 → 1 h → 4 days.
        # R-2 was opened before the term began and does not count.
        assert (rhein["tickets"], rhein["credit_days"], rhein["credit_value"]) == ("1", "4", "")

    def test_single_contract_and_bad_rows(self, tmp_path: Path) -> None:
        """one contract from flags; a bad ticket row is named and the good ones still count."""
        path = tmp_path / "t.csv"
        path.write_text(
            "id,opened_at,severity,responded_at\n"
            "A,2026-03-02T09:00:00+01:00,1,2026-03-02T10:31:00+01:00\n"
            "B,2026-03-02T09:00:00,1,\n",
            encoding="utf-8",
        )
        code, out, err = run(
            "credits", str(path), "--policy", "zitadel-2023", "--plan", "extended", "--customer", "X",
            "--term-start", "2026-01-01", "--term-end", "2027-01-01", "--now", "2027-01-01T00:00:00Z",
            "--format", "json",
        )  # fmt: skip
        assert code == 1
        assert "line 3" in err and "no UTC offset" in err
        (row,) = json.loads(out)
        assert row["credit_days"] == 3
        assert row["extended_term_end"] == "2027-01-04"


def test_csv_with_byte_order_mark(tmp_path: Path) -> None:
    """a spreadsheet export starting with a byte-order mark reads like any CSV."""
    path = tmp_path / "bom.csv"
    path.write_text(
        "id,opened_at,severity,responded_at\nT-1,2026-03-02T09:00:00+01:00,1,2026-03-02T09:30:00+01:00\n",
        encoding="utf-8-sig",
    )
    code, out, err = run(
        "evaluate",
        str(path),
        "--policy",
        "zitadel-2023",
        "--plan",
        "extended",
        "--now",
        "2026-05-01T00:00:00Z",
    )
    assert code == 0, err
    assert next(csv.DictReader(io.StringIO(out)))["status"] == "met"
