"""``slacalc ledger``, run in-process through its own argparse registration."""

from __future__ import annotations

import argparse
import csv
import io
import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from slacalc._cli.ledger import LEDGER_COLUMNS, add_ledger_command, parse_hours, run_ledger
from slacalc._cli.main import main
from slacalc.exceptions import BillingError

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples"
BASE = ["--plan", "enterprise-standard", "--contract-start", "2026-01-01"]


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="slacalc")
    sub = p.add_subparsers(dest="command", required=True)
    add_ledger_command(sub)
    return p


def test_registered_with_its_handler() -> None:
    """``add_ledger_command`` registers ``ledger`` with :func:`run_ledger`."""
    assert parser().parse_args(["ledger", *BASE]).handler is run_ledger


def run(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = main(["ledger", *argv], stdout=out, stderr=err)
    return code, out.getvalue(), err.getvalue()


def exact(text: str) -> Any:
    """JSON read with exact decimals, to check the digits written."""
    return json.loads(text, parse_float=Decimal)


def records(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text)))


def examples(*extra: str) -> tuple[int, str, str]:
    return run(
        "--purchases", str(EXAMPLES / "ledger_purchases.csv"),
        "--cases", str(EXAMPLES / "ledger_cases.csv"),
        *BASE, *extra,
    )  # fmt: skip


def write(tmp_path: Path, name: str, text: str) -> str:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return str(path)


class TestExampleFiles:
    """examples/ledger_*.csv: the worked example of docs/billing.md."""

    def test_csv_output(self) -> None:
        """balance, lots, cases and draws in one table with a record column."""
        code, out, err = examples()
        assert (code, err) == (0, "")
        rows = records(out)
        assert list(rows[0]) == list(LEDGER_COLUMNS)
        # default --on: the latest input date, 2027-04-01, when everything is used up
        assert rows[0]["record"] == "balance"
        assert (rows[0]["date"], rows[0]["units"]) == ("2027-04-01", "0")
        cases = {r["id"]: r for r in rows if r["record"] == "case"}
        assert [cases[c]["status"] for c in ("C-1", "C-2", "C-3", "C-4", "C-5")] == [
            "exempt",
            "exempt",
            "covered",
            "partial",
            "uncovered",
        ]
        # C-4: 40 h, 7 of 8 units → 5 h × 240; C-5: 2 h × 240
        assert (cases["C-4"]["consulting_cost"], cases["C-5"]["consulting_cost"]) == (
            "1200.00",
            "480.00",
        )
        draws = [(r["id"], r["lot"], r["units"]) for r in rows if r["record"] == "draw"]
        assert draws == [
            ("C-3", "included:2026-01-01", "3"),
            ("C-4", "pack:P-1", "3"),
            ("C-4", "included:2027-01-01", "4"),
        ]
        lots = {r["lot"]: (r["status"], r["lapsed"]) for r in rows if r["record"] == "lot"}
        assert lots == {
            "included:2026-01-01": ("expired", "1"),
            "pack:P-1": ("valid", "0"),
            "included:2027-01-01": ("valid", "0"),
        }

    def test_json_output_on_a_date(self) -> None:
        """--on picks the balance date; cases after it are left out of the report."""
        code, out, _ = examples("--format", "json", "--on", "2027-01-01")
        assert code == 0
        doc = json.loads(out)
        # included 2026 lapsed with 1 unused; pack 3 + included 2027 4 = 7
        assert (doc["on"], doc["balance"]) == ("2027-01-01", 7)
        assert [c["id"] for c in doc["cases"]] == ["C-1", "C-2", "C-3"]
        assert doc["cases"][2]["draws"] == [
            {
                "lot": "included:2026-01-01",
                "source": "included",
                "units": 3,
                "expires_on": "2027-01-01",
            }
        ]
        assert (doc["uncovered"], doc["consulting_total"]) == ([], 0)

    def test_consulting_option(self) -> None:
        """--consulting: C-3 is 1 unit + 7 h × 240; C-4 1 unit + 35 h × 240."""
        code, out, _ = examples("--consulting", "--format", "json")
        assert code == 0
        doc = exact(out)
        costs = {c["id"]: c["consulting_cost"] for c in doc["cases"]}
        assert [str(costs[c]) for c in ("C-3", "C-4", "C-5")] == ["1680.00", "8400.00", "0.00"]
        assert str(doc["consulting_total"]) == "10080.00"
        assert doc["balance"] == 5

    def test_money_and_hours_are_exact_numbers_in_json(self) -> None:
        """JSON carries amounts and hours as numbers written with their exact decimal digits."""
        _, out, _ = examples("--format", "json")
        case = exact(out)["cases"][3]
        assert [str(case[k]) for k in ("hours", "uncovered_hours", "consulting_cost")] == [
            "40",
            "5",
            "1200.00",
        ]
        assert '"consulting_cost": 1200.00' in out
        clarification = exact(out)["cases"][1]
        assert str(clarification["hours"]) == "0.1666666666666666666666666667"


class TestBadRows:
    def test_bad_rows_are_reported_and_good_rows_kept(self, tmp_path: Path) -> None:
        """each bad row is named with file and line; the good rows still count; exit 1."""
        cases = write(
            tmp_path,
            "cases.csv",
            "id,opened_on,hours,kind\n"
            "a,2026-02-01,3,configuration\n"
            "b,2026-02-30,3,configuration\n"  # no such day
            "c,2026-02-02,three,configuration\n"
            "d,2026-02-03,1,securty\n"
            "a,2026-02-04,1,configuration\n"  # duplicate id
            "\n"
            "e,2026-02-05,1,upgrade,extra\n"  # too many fields
            "f,2026-02-06T10:00,1,upgrade\n"  # naive instant
            "g,2026-02-07,,upgrade\n"
            "h,2026-02-08T23:30:00-05:00,2,upgrade\n",  # 05:30 on 9 Feb in Zurich, ProAuth's zone
        )
        purchases = write(
            tmp_path, "purchases.csv", "purchased_on,pack\n2026-01-10,M\n2026-01-11,XL\n"
        )
        code, out, err = run("--purchases", purchases, "--cases", cases, *BASE)
        assert code == 1
        lines = err.splitlines()
        assert lines[:-1] == [
            f"{purchases}: line 3: pack: unknown escalation pack 'XL'; expected one of S, M, L",
            f"{cases}: line 3: opened_on: invalid date '2026-02-30'; expected YYYY-MM-DD or an ISO 8601 instant with an offset",
            f"{cases}: line 4: hours: invalid hours 'three'; expected a decimal number such as 1.5 or a duration such as '10 minutes'",
            f"{cases}: line 5: case 'd': unknown kind 'securty'; expected one of "
            "clarification, configuration, deployment, integration, migration, operations, "
            "product_defect, security, touchpoint, upgrade",
            f"{cases}: line 6: id: case 'a' already on line 2",
            f"{cases}: line 8: 5 fields but the header has 4 (id, opened_on, hours, kind); expected at most 4",
            f"{cases}: line 9: opened_on: instant '2026-02-06T10:00' has no UTC offset; expected YYYY-MM-DD or an instant with an offset",
            f"{cases}: line 10: hours: missing",
        ]
        # one purchase and two cases are good
        assert lines[-1] == ("slacalc ledger: 8 bad rows left out; 3 purchases and cases processed")
        kept = {r["id"]: r for r in records(out) if r["record"] == "case"}
        assert sorted(kept) == ["a", "h"]
        assert kept["h"]["date"] == "2026-02-09"
        # 4 included + Pack M 3 - a (1) - h (1) = 5
        assert records(out)[0]["units"] == "5"

    def test_an_instant_counts_on_its_date_in_the_policys_zone(self, tmp_path: Path) -> None:
        """A case at 23:30 in New York on the last day of the contract year is 05:30 of the next in Zurich.

        ProAuth's support hours are in Europe/Zurich: the case opens contract
        year 2 (from 2027-01-01), whose 4 included units it draws from; year
        1's 4 lapse unused. Written as 2026-12-31 it would draw on year 1.
        """
        cases = write(
            tmp_path,
            "cases.csv",
            "id,opened_on,hours,kind\nny,2026-12-31T23:30:00-05:00,2,upgrade\n",
        )
        code, out, err = run("--cases", cases, *BASE, "--on", "2027-01-01T04:00:00-05:00")
        assert (code, err) == (0, "")
        rows = records(out)
        (case,) = [r for r in rows if r["record"] == "case"]
        assert case["date"] == "2027-01-01"
        assert rows[0]["date"] == "2027-01-01"  # --on, read in the same zone
        lots = {r["lot"]: r for r in rows if r["record"] == "lot"}
        assert {lot: r["used"] for lot, r in lots.items()} == {
            "included:2026-01-01": "0",
            "included:2027-01-01": "1",
        }
        assert rows[0]["units"] == "3"  # 4 of year 2 - 1

    def test_json_lines_input(self, tmp_path: Path) -> None:
        """JSON Lines rows: numbers are read exactly, bad lines are reported by number."""
        cases = write(
            tmp_path,
            "cases.jsonl",
            '{"id": "a", "opened_on": "2026-02-01", "hours": 5.1, "kind": "integration"}\n'
            "not json\n"
            "[1, 2]\n"
            '{"id": "b", "date": "2026-02-02", "hours": "PT10M", "kind": "clarification"}\n',
        )
        code, out, err = run("--cases", cases, *BASE, "--format", "json")
        assert code == 1
        assert f"{cases}: line 2: invalid JSON" in err
        assert f"{cases}: line 3: expected a JSON object of fields; got an array" in err
        doc = exact(out)
        a, b = doc["cases"]
        # 5.1 h read as Decimal('5.1'), not 5.0999…: two started blocks
        assert (str(a["hours"]), a["units_consumed"]) == ("5.1", 2)
        assert b["status"] == "exempt"

    def test_format_sniffed_without_suffix(self, tmp_path: Path) -> None:
        """a file without a known suffix is JSON Lines when it starts with '{'."""
        cases = write(
            tmp_path,
            "cases.txt",
            '{"id": "a", "opened_on": "2026-02-01", "hours": 1, "kind": "upgrade"}\n',
        )
        code, out, _ = run("--cases", cases, *BASE)
        assert code == 0
        assert [r["id"] for r in records(out) if r["record"] == "case"] == ["a"]


class TestFatalErrors:
    @pytest.mark.parametrize(
        ("argv", "message"),
        [
            (["--policy", "exoscale"], "no escalation quota"),
            (["--policy", "nope"], "'nope'"),
            (["--cases", "/nonexistent/cases.csv"], "no such file"),
            (["--plan", "gold"], "'gold'"),
            (["--on", "tomorrow"], "--on: invalid date"),
        ],
    )
    def test_exit_two(self, argv: list[str], message: str) -> None:
        """when nothing can be computed the error is named and the exit code is 2."""
        code, out, err = run(*BASE, *argv)
        assert (code, out) == (2, "")
        assert err.startswith("slacalc ledger: error: ")
        assert message in err

    def test_managed_needs_included(self) -> None:
        """Managed: --included gives the agreed number."""
        argv = ["--plan", "enterprise-managed", "--contract-start", "2026-01-01"]
        code, _, err = run(*argv)
        assert code == 2
        assert "per agreement" in err
        code, out, _ = run(*argv, "--included", "10")
        assert (code, records(out)[0]["units"]) == (0, "10")


class TestParseHours:
    @pytest.mark.parametrize(
        ("text", "hours"),
        [
            ("1.5", Decimal("1.5")),
            ("PT30M", Decimal("0.5")),
            ("2h 30min", Decimal("2.5")),
            (3, Decimal(3)),
        ],
    )
    def test_numbers_and_durations(self, text: Any, hours: Decimal) -> None:
        """decimal hours and durations in words or ISO 8601."""
        assert parse_hours(text) == hours

    @pytest.mark.parametrize("text", ["1 business day", "-1", "NaN", 1.5, True])
    def test_refused(self, text: Any) -> None:
        """business days, negative, non-finite, float and bool are refused."""
        with pytest.raises(BillingError):
            parse_hours(text)
