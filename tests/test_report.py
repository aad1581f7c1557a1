"""``slacalc report``: one self-contained HTML file that a real browser renders with its table and images.

The browser test needs Chromium (Debian: ``apt-get install -y chromium``);
without it that test is skipped and says so.
"""

from __future__ import annotations

import argparse
import base64
import html
import io
import json
import re
import shutil
import subprocess
import sys
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

pd = pytest.importorskip("pandas")
matplotlib = pytest.importorskip("matplotlib")
matplotlib.use("Agg")

import matplotlib.image  # noqa: E402

from slacalc._cli.report import add_report_command  # noqa: E402

TICKETS = """\
id,customer,channel,severity,opened_at,responded_at
T-1,acme,ticket,2,2026-04-02T18:00:00+02:00,2026-04-07T08:20:00+02:00
T-2,acme,email,1,2026-03-02T09:00:00+01:00,2026-03-02T09:45:00+01:00
T-3,globex,phone,1,2026-03-02T09:00:00+01:00,2026-03-02T10:31:00+01:00
T-4,globex,chat,3,2026-03-06T18:30:00+01:00,2026-03-09T10:00:00+01:00
T-5,initech,community,1,2026-03-03T09:00:00+01:00,2026-03-05T09:00:00+01:00
T-6,initech,ticket,4,2026-04-07T16:00:00+02:00,
T-7,acme,ticket,sev9,2026-03-10T09:00:00+01:00,2026-03-10T09:10:00+01:00
T-8,acme,ticket,2,2026-03-11T09:00:00,2026-03-11T09:10:00+01:00
"""
NOW = "2026-04-08T12:00:00+02:00"


def run(*argv: str) -> tuple[int, str, str]:
    """Run ``slacalc report`` as the command line does: parse, then call the handler."""
    parser = argparse.ArgumentParser(prog="slacalc")
    add_report_command(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(["report", *argv])
    out, err = io.StringIO(), io.StringIO()
    code = args.handler(args, out, err)
    return code, out.getvalue(), err.getvalue()


@pytest.fixture(scope="module")
def report(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, int, str, str]:
    folder = tmp_path_factory.mktemp("report")
    tickets = folder / "tickets.csv"
    tickets.write_text(TICKETS, encoding="utf-8")
    page = folder / "report.html"
    code, out, err = run(
        str(tickets),
        "--policy",
        "zitadel-2023",
        "--plan",
        "extended",
        "--out",
        str(page),
        "--now",
        NOW,
    )
    return page, code, out, err


class TestReportFile:
    def test_exit_code_and_messages(self, report: tuple[Path, int, str, str]) -> None:
        """Bad rows are reported on stderr with their line and make the exit code 1; the report is still written."""
        page, code, out, err = report
        assert code == 1
        assert page.exists()
        # 8 rows, 2 of them bad (T-7, T-8): the bad rows are counted apart from the tickets (issue 8)
        assert out == f"wrote {page}: 6 tickets, 2 met, 2 breached, 5 credit days, 2 bad rows\n"
        assert "tickets.csv: line 8: ticket 'T-7': severity: unknown severity 'sev9'" in err
        assert (
            "tickets.csv: line 9: ticket 'T-8': opened_at: instant '2026-03-11T09:00:00' has no UTC offset"
            in err
        )

    def test_self_contained(self, report: tuple[Path, int, str, str]) -> None:
        """Every image is an embedded PNG; nothing points outside the file."""
        text = report[0].read_text(encoding="utf-8")
        assert not re.search(r"""(?:src|href)\s*=\s*["'](?!data:|#)""", text)
        assert "http://" not in text
        assert "https://" not in text
        assert "<link" not in text
        assert "<script" not in text
        images = re.findall(r'<img src="data:image/png;base64,([A-Za-z0-9+/=]+)"', text)
        assert len(images) == 3
        for data in images:
            png = base64.b64decode(data)
            picture = matplotlib.image.imread(io.BytesIO(png), format="png")
            assert picture.shape[0] > 200
            assert picture.shape[1] > 400

    def test_contents(self, report: tuple[Path, int, str, str]) -> None:
        """The attainment table, the breached tickets with their lateness and credits, the credits owed."""
        text = report[0].read_text(encoding="utf-8")
        assert '<div id="attainment"><table>' in text
        # T-1 (the spec's worked example: 20 min late, 2 days) and T-3 (31 min late, 3 days)
        breached = text[text.index('<div id="breached">') :]
        assert "T-1" in breached
        assert "20 min" in breached
        assert "T-3" in breached
        assert "31 min" in breached
        credits = text[text.index('<div id="credits">') :]
        assert re.search(r"acme</td><td>1</td><td>2</td>", credits)
        assert re.search(r"globex</td><td>1</td><td>3</td>", credits)
        assert '<tr class="total"><td class="text">total</td><td>2</td><td>5</td></tr>' in credits
        assert "initech" not in credits  # T-5 is on the community channel, T-6 still pending
        bad = text[text.index('<div id="bad">') :]
        assert '<td class="text">8</td>' in bad
        assert '<td class="text">9</td>' in bad

    def test_unknown_plan_is_an_error(self, tmp_path: Path) -> None:
        """An unknown plan stops before anything is written (the CLI turns the error into exit 2)."""
        tickets = tmp_path / "t.csv"
        tickets.write_text(TICKETS, encoding="utf-8")
        from slacalc.exceptions import UnknownPlanError

        with pytest.raises(UnknownPlanError):
            run(
                str(tickets),
                "--policy",
                "zitadel-2023",
                "--plan",
                "gold",
                "--out",
                str(tmp_path / "r.html"),
            )
        assert not (tmp_path / "r.html").exists()

    def test_jsonl_input(self, tmp_path: Path) -> None:
        """JSON Lines input works too, with the line numbers of the file."""
        tickets = tmp_path / "t.jsonl"
        tickets.write_text(
            '{"id": "J-1", "opened_at": "2026-03-02T09:00:00+01:00", "severity": 1, "responded_at": "2026-03-02T10:31:00+01:00"}\n'
            "not json\n",
            encoding="utf-8",
        )
        code, out, err = run(str(tickets), "--policy", "zitadel-2023", "--plan", "extended", "--out", str(tmp_path / "r.html"), "--now", NOW)  # fmt: skip
        assert code == 1
        assert "t.jsonl: line 2: invalid JSON" in err
        assert "1 breached" in out

    def test_header_without_a_required_column(self, tmp_path: Path) -> None:
        """A CSV whose header lacks opened_at stops the command (exit 2) before any page is written."""
        from slacalc._cli.main import main

        tickets = tmp_path / "t.csv"
        tickets.write_text("id,severity\nX-1,1\n", encoding="utf-8")
        page = tmp_path / "r.html"
        out, err = io.StringIO(), io.StringIO()
        argv = ["report", str(tickets), "--policy", "zitadel-2023", "--plan", "extended", "--out", str(page), "--now", NOW]  # fmt: skip
        assert main(argv, stdout=out, stderr=err) == 2
        assert err.getvalue() == (
            f"slacalc report: error: {tickets}: line 1 (the header): missing column 'opened_at'; "
            "expected at least id, opened_at, severity (the header has id, severity)\n"
        )
        assert not page.exists()

    def test_without_the_extra(self, tmp_path: Path) -> None:
        """Without matplotlib the command says which extra to install and exits 2."""
        code = (
            "import sys, io, argparse; sys.modules['matplotlib'] = None\n"
            "from slacalc._cli.report import add_report_command\n"
            "p = argparse.ArgumentParser(); add_report_command(p.add_subparsers())\n"
            "a = p.parse_args(['report', 'x.csv', '--policy', 'zitadel-2023', '--plan', 'extended'])\n"
            "err = io.StringIO(); print(a.handler(a, io.StringIO(), err)); print(err.getvalue())\n"
        )
        result = subprocess.run(
            [sys.executable, "-c", code], capture_output=True, text=True, check=True
        )
        assert result.stdout.splitlines()[0] == "2"
        assert "pip install 'slacalc[plot]'" in result.stdout

    def test_wired_into_the_command_line(self) -> None:
        """``slacalc report`` is a subcommand of the real parser."""
        from slacalc._cli.main import build_parser

        sub = next(a for a in build_parser()._actions if isinstance(a, argparse._SubParsersAction))
        if "report" not in sub.choices:
            pytest.skip(
                "slacalc._cli.main does not register the report command yet (add_report_command)"
            )
        assert sub.choices["report"].get_default("handler").__name__ == "cmd_report"


# Tickets in May and October 2026 only, two of them breached and still open at GAP_NOW
# (zitadel-2023 / extended: 1 / 2 / 12 / 24 business hours on 07:00-19:00, Mon-Fri).
GAP_TICKETS = """\
id,customer,channel,severity,opened_at,responded_at
G-1,acme,ticket,1,2026-05-04T09:00:00+02:00,2026-05-04T09:30:00+02:00
G-2,acme,ticket,1,2026-05-05T09:00:00+02:00,2026-05-05T10:20:00+02:00
G-3,globex,email,2,2026-05-06T09:00:00+02:00,2026-05-06T10:00:00+02:00
G-4,globex,email,2,2026-10-05T09:00:00+02:00,2026-10-05T11:01:00+02:00
G-5,acme,ticket,1,2026-10-06T09:00:00+02:00,
G-6,initech,phone,2,2026-10-08T09:00:00+02:00,
G-7,initech,ticket,4,2026-10-09T09:00:00+02:00,
G-8,initech,community,1,2026-10-08T09:00:00+02:00,
G-9,acme,ticket,sev9,2026-10-08T09:00:00+02:00,
"""
GAP_NOW = "2026-10-09T12:00:00+02:00"
# acme: 36,500 CHF a year is 100 CHF a day; globex: 3,650 EUR a year is 10 EUR a day, and its
# term starts in June (G-3 in May is outside it); initech's contract is on plan custom, which
# judges its tickets (2 / 24 business hours for severities 2 / 4 on 08:00-17:00); line 5 is bad.
CONTRACTS = """\
customer,plan,term_start,term_end,term_price,currency
acme,extended,2026-01-01,2027-01-01,36500.00,CHF
globex,extended,2026-06-01,2027-06-01,3650.00,EUR
initech,custom,2026-01-01,2027-01-01,9000.00,CHF
broken,extended,2026-13-01,2027-01-01,100,CHF
"""


def cards(page: str) -> dict[str, tuple[str, str]]:
    """The summary cards of a page: label -> (value, detail line)."""
    found = re.findall(
        r'<div class="card [^"]*"><b>([^<]*)</b>([^<]*)(?:<small>([^<]*)</small>)?</div>', page
    )
    return {
        html.unescape(label): (html.unescape(value), html.unescape(detail))
        for value, label, detail in found
    }


def section(page: str, div: str) -> str:
    """The HTML of the ``<div id=...>`` table *div*."""
    start = page.index(f'<div id="{div}">')
    return page[start : page.index("</div>", start)]


def cells(table: str) -> list[list[str]]:
    """The body rows of a table, as lists of cell texts."""
    body = table[table.index("<tbody>") :]
    return [
        [html.unescape(re.sub(r"<[^>]+>", "", c)) for c in re.findall(r"<td[^>]*>(.*?)</td>", row)]
        for row in re.findall(r"<tr[^>]*>(.*?)</tr>", body)
    ]


@pytest.fixture(scope="module")
def glance(tmp_path_factory: pytest.TempPathFactory) -> tuple[str, int, str, str, Path]:
    """The report of GAP_TICKETS with CONTRACTS: (page, exit code, stdout, stderr, folder)."""
    folder = tmp_path_factory.mktemp("glance")
    (folder / "tickets.csv").write_text(GAP_TICKETS, encoding="utf-8")
    (folder / "contracts.csv").write_text(CONTRACTS, encoding="utf-8")
    page = folder / "report.html"
    code, out, err = run(
        str(folder / "tickets.csv"),
        "--policy", "zitadel-2023", "--plan", "extended", "--now", GAP_NOW,
        "--out", str(page), "--contracts", str(folder / "contracts.csv"),
    )  # fmt: skip
    return page.read_text(encoding="utf-8"), code, out, err, folder


# A customer on its own New York hours (issue 9, item 6): zitadel-2023 extended is 07:00-19:00
# Zurich (CEST, UTC+02:00 in July), severity 2 = 2 business hours; Empire Widgets' contract
# replaces the calendar with 09:00-17:00 New York (EDT, UTC-04:00) and New York's holidays.
# Thursday 2 July 2026 16:30 EDT is 22:30 CEST; Independence Day (Saturday 4 July) is
# observed on Friday 3 July in New York, an ordinary day in St. Gallen.
TERMS_TICKETS = """\
id,customer,channel,severity,opened_at,responded_at
E-1,Empire Widgets,ticket,2,2026-07-02T16:30:00-04:00,2026-07-06T10:00:00-04:00
O-1,Someone Else,ticket,2,2026-07-02T16:30:00-04:00,2026-07-06T10:00:00-04:00
"""
TERMS_CONTRACTS = """\
customer,plan,term_start,term_end,term_price,currency,calendar
Empire Widgets,extended,2026-01-01,2027-01-01,36500.00,USD,"{""timezone"": ""America/New_York"", ""hours"": {""mon-fri"": ""09:00-17:00""}, ""holidays"": {""country"": ""US"", ""subdiv"": ""NY""}}"
"""


class TestContractTerms:
    """``report --contracts`` judges each customer's tickets on its contract's effective plan."""

    def page(self, tmp_path: Path, *contracts: str) -> tuple[str, int, str, str]:
        (tmp_path / "tickets.csv").write_text(TERMS_TICKETS, encoding="utf-8")
        (tmp_path / "contracts.csv").write_text(TERMS_CONTRACTS, encoding="utf-8")
        out = tmp_path / "report.html"
        code, stdout, err = run(
            str(tmp_path / "tickets.csv"), "--policy", "zitadel-2023", "--plan", "extended",
            "--now", "2026-07-31T00:00:00+02:00", "--out", str(out), *contracts,
        )  # fmt: skip
        return out.read_text(encoding="utf-8"), code, stdout, err

    def test_on_time_on_customer_hours_late_on_the_plan(self, tmp_path: Path) -> None:
        """E-1 is met on Empire's New York hours; the same ticket of another customer is late.

        Empire (New York 09:00-17:00): Thu 16:30-17:00 is 30 min, Fri 3 Jul (observed
        holiday) and the weekend are closed, Mon 6 Jul 09:00 + 1 h 30 min = due 10:30 EDT;
        answered 10:00 EDT: met. The plan (Zurich 07:00-19:00): opened Thu 22:30 CEST,
        closed; Fri 07:00 + 2 h = due Fri 09:00 CEST; answered Mon 16:00 CEST: Fri
        09:00-19:00 (10 h) + Mon 07:00-16:00 (9 h) = 19 h late, 76 started quarter hours =
        76 credit days.
        """
        page, code, out, err = self.page(tmp_path, "--contracts", str(tmp_path / "contracts.csv"))
        assert code == 0, err
        summary = cards(page)
        assert summary["met"][0] == "1"
        assert summary["answered late"][0] == "1"
        assert summary["objectives met"] == ("50.0%", "1 of 2 tickets judged")
        assert summary["credit days owed"][0] == "76"
        late = cells(section(page, "breached"))
        assert late == [
            ["O-1", "Someone Else", "2", "2026-07-03 09:00 +02:00", "2026-07-06 16:00 +02:00", "19 h", "76"]
        ]  # fmt: skip
        assert cells(section(page, "credits")) == [
            ["Someone Else", "1", "76", "no contract"],
            ["total", "1", "76", "USD 0.00"],  # the priced contracts: Empire, worth nothing
        ]
        # Empire earned nothing on its own terms: 0 days, its term end unchanged, worth USD 0.00
        assert cells(section(page, "contracts")) == [
            ["Empire Widgets", "extended", "2026-01-01 to 2027-01-01", "0", "2027-01-01", "USD 36,500.00", "USD 0.00"],
        ]  # fmt: skip
        terms = re.search(r'<p class="meta" id="terms">(.*?)</p>', page)
        assert terms is not None
        said = html.unescape(re.sub(r"<[^>]+>", "", terms.group(1)))
        assert said.startswith(
            "Per-contract terms applied: 1 of 2 tickets judged on the terms of their customer's contract"
        )
        assert said.endswith(
            "Every instant on the page is written in one zone, with its UTC offset, "
            "whichever terms judged the ticket."
        )
        assert out.endswith("2 tickets, 1 met, 1 breached, 76 credit days, 0 bad rows\n")

    def test_without_contracts_both_are_late(self, tmp_path: Path) -> None:
        """Without --contracts the plan judges both tickets: 19 h late each, 2 × 76 days; no terms line."""
        page, code, _, _ = self.page(tmp_path)
        assert code == 0
        assert cards(page)["answered late"][0] == "2"
        assert cards(page)["credit days owed"][0] == f"{2 * 76}"
        assert 'id="terms"' not in page

    def test_credits_agree(self, tmp_path: Path) -> None:
        """``slacalc credits`` on the same files gives Empire the same 0 days the report shows."""
        from slacalc._cli.credits import add_credits_command

        self.page(tmp_path)
        parser = argparse.ArgumentParser(prog="slacalc")
        add_credits_command(parser.add_subparsers(dest="command", required=True))
        args = parser.parse_args(
            ["credits", str(tmp_path / "tickets.csv"), "--policy", "zitadel-2023", "--now",
             "2026-07-31T00:00:00+02:00", "--contracts", str(tmp_path / "contracts.csv"),
             "--format", "json"]
        )  # fmt: skip
        out = io.StringIO()
        args.handler(args, out, io.StringIO())
        (row,) = json.loads(out.getvalue(), parse_float=Decimal)
        assert (row["customer"], row["tickets"], row["credit_days"]) == ("Empire Widgets", 1, 0)


class TestAtAGlance:
    """What a support manager reads first (issue 11): open breaches, counts, money, words."""

    def test_summary_counts(self, glance: tuple[str, int, str, str, Path]) -> None:
        """Eight tickets (G-9's bad row counted apart); of the four breached, G-5 and G-6 are still open.

        G-5 (severity 1) was due 2026-10-06 10:00: 9 + 12 + 12 + 5 = 38 business hours
        late at now, 152 started quarter hours; G-6 (severity 2, initech: judged on its
        contract's plan custom, 08:00-17:00) was due 2026-10-08 11:00: 6 + 4 = 10 hours,
        40 days (on extended it would be 8 + 5 = 13 hours, 52 days). G-2 is 20 min late
        (2 days), G-4 1 min (1 day). G-7 (severity 4, 24 hours) is not due yet: the only
        pending ticket.
        """
        page, code, out, _, folder = glance
        summary = cards(page)
        assert summary["tickets"][0] == "8"
        assert summary["bad row"] == ("1", "not counted as tickets")
        assert summary["met"][0] == "2"
        assert summary["answered late"][0] == "2"
        assert summary["breached, still open"] == ("2", "past due, not answered yet")
        assert summary["pending"] == ("1", "open, not due yet")
        assert summary["not applicable"][0] == "1"
        assert summary["objectives met"] == ("33.3%", "2 of 6 tickets judged")
        assert summary["credit days owed"][0] == f"{152 + 40 + 2 + 1:,}"
        assert summary["tickets"][1] == "evaluated, bad rows apart"
        assert code == 1
        assert out == (
            f"wrote {folder / 'report.html'}: 8 tickets, 2 met, 4 breached, 195 credit days, "
            "1 bad row, 1 bad contract row\n"
        )

    def test_open_breaches_listed_first_and_apart(
        self, glance: tuple[str, int, str, str, Path]
    ) -> None:
        """Breached tickets still open have their own table, oldest due first; answered late ones another."""
        page = glance[0]
        assert page.index("Breached, still open (2)") < page.index("Answered late (2)")
        assert cells(section(page, "open")) == [
            ["G-5", "acme", "1", "2026-10-06 10:00 +02:00", "38 h", "152"],
            ["G-6", "initech", "2", "2026-10-08 11:00 +02:00", "10 h", "40"],
        ]
        late = cells(section(page, "breached"))
        assert [row[0] for row in late] == ["G-2", "G-4"]
        assert [row[4] for row in late] == ["2026-05-05 10:20 +02:00", "2026-10-05 11:01 +02:00"]
        assert "no answer yet" not in page

    def test_credits_in_days_and_money(self, glance: tuple[str, int, str, str, Path]) -> None:
        """acme: 2 + 152 days × 100 CHF a day; globex: G-4's 1 day × 10 EUR (G-3 is before its term).

        initech, judged on its own plan custom: 40 days × 9,000 CHF / 365 days = 986.301… →
        CHF 986.30; its term end 2027-01-01 + 40 days = 2027-02-10.
        """
        page = glance[0]
        assert cells(section(page, "credits")) == [
            ["acme", "2", "154", "CHF 15,400.00"],
            ["initech", "1", "40", "CHF 986.30"],
            ["globex", "1", "1", "EUR 10.00"],
            ["total", "4", "195", "CHF 16,386.30 + EUR 10.00"],
        ]
        assert (
            cards(page)["credit days owed"][1]
            == "worth CHF 16,386.30 + EUR 10.00 on priced contracts"
        )
        contracts = cells(section(page, "contracts"))
        assert contracts[0] == [
            "acme", "extended", "2026-01-01 to 2027-01-01", "154", "2027-06-04", "CHF 36,500.00", "CHF 15,400.00",
        ]  # fmt: skip
        assert contracts[2] == [
            "initech", "custom", "2026-01-01 to 2027-01-01", "40", "2027-02-10", "CHF 9,000.00", "CHF 986.30",
        ]  # fmt: skip

    def test_contract_terms_stated(self, glance: tuple[str, int, str, str, Path]) -> None:
        """The page says per-contract terms were applied, and to how many tickets.

        Judged on a contract: acme's G-1, G-2, G-5 (G-9 is a bad row), globex's G-4 (G-3
        is before its term), initech's G-6, G-7, G-8: 7 of the 8 tickets.
        """
        page = glance[0]
        found = re.search(r'<p class="meta" id="terms">(.*?)</p>', page)
        assert found is not None
        text = html.unescape(re.sub(r"<[^>]+>", "", found.group(1)))
        assert text.startswith(
            "Per-contract terms applied: 7 of 8 tickets judged on the terms of their customer's contract"
        )
        assert text.endswith(
            "the rest on plan extended. Every instant on the page is written in one zone, "
            "with its UTC offset, whichever terms judged the ticket."
        )

    def test_money_equals_slacalc_credits(self, glance: tuple[str, int, str, str, Path]) -> None:
        """The report values each contract exactly as ``slacalc credits`` does on the same files."""
        from slacalc._cli.credits import add_credits_command

        page, _, _, _, folder = glance
        parser = argparse.ArgumentParser(prog="slacalc")
        add_credits_command(parser.add_subparsers(dest="command", required=True))
        args = parser.parse_args(
            ["credits", str(folder / "tickets.csv"), "--policy", "zitadel-2023", "--now", GAP_NOW,
             "--contracts", str(folder / "contracts.csv"), "--format", "json"]
        )  # fmt: skip
        out = io.StringIO()
        args.handler(args, out, io.StringIO())
        expected = {
            r["customer"]: (r["plan"], r["credit_days"], r["credit_value"], r["currency"])
            # credits writes money as JSON numbers with their exact digits: read them as decimals
            for r in json.loads(out.getvalue(), parse_float=Decimal)
        }
        shown = {
            row[0]: (
                row[1],
                int(row[3]),
                row[6].split(" ")[1].replace(",", ""),
                row[6].split(" ")[0],
            )
            for row in cells(section(page, "contracts"))
        }
        assert {k: (p, d, str(v), c) for k, (p, d, v, c) in expected.items()} == shown
        assert set(shown) == {"acme", "globex", "initech"}

    def test_bad_contract_row(self, glance: tuple[str, int, str, str, Path]) -> None:
        """A bad contracts row is reported with its file and line, on stderr and in the page; exit code 1."""
        page, code, _, err, folder = glance
        message = f"{folder / 'contracts.csv'}: line 5: term_start: invalid date '2026-13-01'; expected YYYY-MM-DD"
        assert message in err.splitlines()
        assert html.escape(message) in page
        assert code == 1

    def test_numbers_too_large_for_a_term(self, tmp_path: Path) -> None:
        """Millions of credit days are shown as such in the contracts table; a 35-digit price is a bad row; never a traceback.

        On custom, severity 1 has 30 minutes around the clock: unanswered from 2026 to 2199,
        about 174 years × 365 days × 96 quarter hours, some 6 million days, which would
        extend the term past the year 9999.
        """
        tickets = tmp_path / "t.csv"
        tickets.write_text(
            "id,customer,severity,opened_at,responded_at\n"
            "X-1,acme,1,2026-01-05T09:00:00+01:00,\n"
            "X-2,globex,1,2026-01-05T09:00:00+01:00,2026-01-05T10:00:00+01:00\n",
            encoding="utf-8",
        )
        contracts = tmp_path / "c.csv"
        contracts.write_text(
            "customer,plan,term_start,term_end,term_price,currency\n"
            "acme,custom,2026-01-01,2027-01-01,100,CHF\n"
            f"globex,custom,2026-01-01,2027-01-01,{'9' * 35},CHF\n",
            encoding="utf-8",
        )
        page = tmp_path / "r.html"
        code, _, err = run(str(tickets), "--policy", "zitadel-2023", "--plan", "custom", "--now", "2199-12-31T00:00:00+01:00", "--out", str(page), "--contracts", str(contracts))  # fmt: skip
        # The 35-digit price is refused where the contracts file is read (slacalc.billing's
        # bounded money parser): a bad contract row, named on stderr, exit 1; acme still counts.
        assert code == 1, err
        assert "c.csv: line 3: term_price: money '" + "9" * 35 + "' is out of range" in err
        rows = cells(section(page.read_text(encoding="utf-8"), "contracts"))
        assert rows[0][0] == "acme"
        assert rows[0][-1].endswith("credit days run past the year 9999")
        assert int(rows[0][-1].split(" ")[0].replace(",", "")) > 6_000_000
        assert all(row[0] != "globex" or "bad" in " ".join(row) for row in rows[1:])

    def test_plurals(
        self, glance: tuple[str, int, str, str, Path], report: tuple[Path, int, str, str]
    ) -> None:
        """One ticket, one day, one row: never "1 tickets", "1 days" or "row(s)"."""
        for text in (glance[0], glance[2], report[0].read_text(encoding="utf-8"), report[2]):
            plain = html.unescape(re.sub(r"<[^>]+>", " ", re.sub(r'src="[^"]*"', "", text)))
            assert not re.search(
                r"(?<![\d,.])1 (tickets|days|rows|contracts|credit days|bad rows)\b", plain
            )
            assert "(s)" not in plain
        assert "2 of 6 tickets judged" in glance[0]

    def test_alt_text(self, glance: tuple[str, int, str, str, Path]) -> None:
        """Every image says in words what it shows: the months and the gap, the goal, the counts, the customers."""
        alts = [
            html.unescape(a)
            for a in re.findall(r'<img src="data:image/png;base64,[^"]*" alt="([^"]*)"', glance[0])
        ]
        assert len(alts) == 3
        attainment, times, credits = alts
        assert attainment.startswith(
            "Line chart of the share of initial response objectives met per severity and month, 2026-05 to 2026-10"
        )
        assert "dashed goal line at 95%" in attainment
        assert (
            "severity 1: 0.0% in 2026-10 (lowest 0.0%)" not in attainment
        )  # the lowest is the latest
        assert "severity 1: 0.0% in 2026-10" in attainment
        assert "severity 2: 0.0% in 2026-10" in attainment
        assert "No tickets in 2026-06, 2026-07, 2026-08, 2026-09." in attainment
        assert "severity 1: 2 tickets, 1 over the 1 h objective" in times
        assert "severity 2: 2 tickets, 1 over the 2 h objective" in times
        assert credits == (
            "Bar chart of credit days owed per customer, largest first: "
            "acme 154 days; initech 40 days; globex 1 day."  # initech on custom: see above
        )

    @pytest.mark.parametrize(
        ("freq", "word", "periods"),
        [
            ("ME", "month", ["2026-05", "2026-10"]),
            ("M", "month", ["2026-05", "2026-10"]),
            ("QE", "quarter", ["2026Q2", "2026Q4"]),
            ("Q", "quarter", ["2026Q2", "2026Q4"]),
            ("YE", "year", ["2026"]),
            ("Y", "year", ["2026"]),
        ],
    )
    def test_freq_aliases(self, tmp_path: Path, freq: str, word: str, periods: list[str]) -> None:
        """pandas' current aliases (ME, QE, YE) and the old ones (M, Q, Y) make the same table."""
        tickets = tmp_path / "t.csv"
        tickets.write_text(GAP_TICKETS, encoding="utf-8")
        page = tmp_path / "r.html"
        run(str(tickets), "--policy", "zitadel-2023", "--plan", "extended", "--now", GAP_NOW, "--out", str(page), "--freq", freq)  # fmt: skip
        text = page.read_text(encoding="utf-8")
        assert f"Objectives met per severity and {word}</h2>" in text
        table = section(text, "attainment")
        assert f'<th class="text">{word}</th>' in table
        assert sorted({row[1] for row in cells(table)}) == periods

    def test_unknown_freq(self, tmp_path: Path) -> None:
        """``--freq X`` stops with an error naming --freq, the value and the accepted aliases; nothing is written."""
        from slacalc.exceptions import SlacalcError, UnknownFrequencyError

        tickets = tmp_path / "t.csv"
        tickets.write_text(GAP_TICKETS, encoding="utf-8")
        with pytest.raises(UnknownFrequencyError) as info:
            run(str(tickets), "--policy", "zitadel-2023", "--plan", "extended", "--out", str(tmp_path / "r.html"), "--freq", "X")  # fmt: skip
        assert isinstance(info.value, SlacalcError)
        message = str(info.value)
        assert message.startswith("--freq: unknown period 'X'; expected")
        for alias in ("D", "W", "ME", "QE", "YE"):
            assert re.search(rf"\b{alias}\b", message), alias
        assert not (tmp_path / "r.html").exists()

    def test_unknown_freq_on_the_command_line(
        self, tmp_path: Path, capsys: pytest.CaptureFixture[str]
    ) -> None:
        """Through ``slacalc``'s own parser: exit 2 and one line on stderr, no traceback."""
        from slacalc._cli.main import main

        tickets = tmp_path / "t.csv"
        tickets.write_text(GAP_TICKETS, encoding="utf-8")
        code = main(["report", str(tickets), "--policy", "zitadel-2023", "--plan", "extended", "--out", str(tmp_path / "r.html"), "--freq", "X"])  # fmt: skip
        err = capsys.readouterr().err
        assert code == 2
        assert "--freq: unknown period 'X'" in err
        assert "Traceback" not in err


def _chromium() -> str | None:
    for name in ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable"):
        found = shutil.which(name)
        if found:
            return found
    return None


@pytest.mark.skipif(
    _chromium() is None,
    reason="headless Chromium is not installed (Debian: apt-get install -y chromium)",
)
class TestInBrowser:
    """The page opened from disk in headless Chromium, offline."""

    def chromium(self, tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
        binary = _chromium()
        assert binary is not None
        return subprocess.run(
            [
                binary,
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--no-first-run",
                "--disable-extensions",
                f"--user-data-dir={tmp_path / 'profile'}",
                *args,
            ],
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )

    def test_dom_has_table_and_decoded_images(
        self, report: tuple[Path, int, str, str], tmp_path: Path
    ) -> None:
        """The rendered DOM has the attainment table, and the browser decodes all three images."""
        probe = tmp_path / "probe.html"
        # a copy of the page that writes each image's decoded width into the DOM once loaded
        script = (
            "<script>window.addEventListener('load', () => {"
            "document.body.setAttribute('data-widths',"
            " Array.from(document.images).map(i => i.naturalWidth).join(','));});</script>"
        )
        probe.write_text(
            report[0].read_text(encoding="utf-8").replace("</body>", script + "</body>"),
            encoding="utf-8",
        )
        result = self.chromium(tmp_path, "--dump-dom", "--virtual-time-budget=5000", probe.as_uri())
        dom = result.stdout
        assert result.returncode == 0, result.stderr[-2000:]
        assert "<h1>Support report: zitadel-2023 / extended</h1>" in dom
        assert re.search(
            r'<div id="attainment"><table>.*?<th class="text">severity</th>', dom, re.S
        )
        widths = re.search(r'data-widths="([\d,]*)"', dom)
        assert widths is not None, "the load handler did not run"
        decoded = [int(w) for w in widths.group(1).split(",")]
        assert len(decoded) == 3, decoded
        assert all(w > 400 for w in decoded), decoded

    def test_screenshot(self, report: tuple[Path, int, str, str], tmp_path: Path) -> None:
        """A screenshot of the page is a real picture, and the plots' colours are painted in it."""
        shot = tmp_path / "report.png"
        result = self.chromium(
            tmp_path,
            f"--screenshot={shot}",
            "--window-size=1280,4000",
            "--hide-scrollbars",
            report[0].as_uri(),
        )
        assert result.returncode == 0, result.stderr[-2000:]
        assert shot.exists()
        pixels: Any = matplotlib.image.imread(shot)[..., :3]
        assert pixels.shape[:2] == (4000, 1280)
        inked = (pixels < 0.9).any(axis=2).mean()
        assert inked > 0.02, f"only {inked:.1%} of the page is not white"
        # the credit bars (#d6604d) and the histogram bars (#4393c3) come from the embedded PNGs
        for colour in ((0xD6, 0x60, 0x4D), (0x43, 0x93, 0xC3)):
            target = [c / 255 for c in colour]
            close = (abs(pixels - target) < 0.03).all(axis=2).sum()
            assert close > 500, f"colour {colour} painted on only {close} pixels"

    def test_glance_page_in_the_browser(
        self, glance: tuple[str, int, str, str, Path], tmp_path: Path
    ) -> None:
        """Rendered by Chromium: the open breaches card and table, the money, and a text alternative on every image."""
        probe = tmp_path / "glance.html"
        script = (
            "<script>window.addEventListener('load', () => {"
            "document.body.setAttribute('data-alts',"
            " JSON.stringify(Array.from(document.images).map(i => [i.alt, i.naturalWidth])));});"
            "</script>"
        )
        probe.write_text(glance[0].replace("</body>", script + "</body>"), encoding="utf-8")
        result = self.chromium(tmp_path, "--dump-dom", "--virtual-time-budget=5000", probe.as_uri())
        assert result.returncode == 0, result.stderr[-2000:]
        dom = result.stdout
        assert cards(dom)["breached, still open"] == ("2", "past due, not answered yet")
        assert "<h2>Breached, still open (2)</h2>" in dom
        assert "CHF 15,400.00" in section(dom, "credits")
        found = re.search(r"data-alts=\"([^\"]*)\"", dom)
        assert found is not None, "the load handler did not run"
        images = json.loads(html.unescape(found.group(1)))
        assert len(images) == 3
        for alt, width in images:
            assert len(alt) > 60, alt  # a sentence about the data, not a placeholder
            assert width > 400

    def test_glance_screenshot(
        self, glance: tuple[str, int, str, str, Path], tmp_path: Path
    ) -> None:
        """A screenshot of the page with the gap months: not blank, the lines and the shaded gap painted."""
        page = tmp_path / "glance.html"
        page.write_text(glance[0], encoding="utf-8")
        shot = tmp_path / "glance.png"
        result = self.chromium(
            tmp_path,
            f"--screenshot={shot}",
            "--window-size=1280,3400",
            "--hide-scrollbars",
            page.as_uri(),
        )
        assert result.returncode == 0, result.stderr[-2000:]
        pixels: Any = matplotlib.image.imread(shot)[..., :3]
        assert pixels.shape[:2] == (3400, 1280)
        inked = (pixels < 0.9).any(axis=2)
        assert inked.mean() > 0.02, f"only {inked.mean():.1%} of the page is not white"
        # ink all the way down to the bad rows and contracts, not just the top of the page
        assert inked[2400:].mean() > 0.005
        # severity 1's line (matplotlib's first colour, #1f77b4) and the credit bars (#d6604d)
        # come from the PNGs, and the four months without tickets are a wide band shaded 5 %
        # black on white (#f2f2f2, tens of thousands of pixels; antialiasing elsewhere on the
        # page makes a few thousand at most)
        for colour, within, least in (
            ((0x1F, 0x77, 0xB4), 0.02, 200),
            ((0xD6, 0x60, 0x4D), 0.02, 200),
            ((0xF2, 0xF2, 0xF2), 0.003, 30_000),
        ):
            target = [c / 255 for c in colour]
            close = (abs(pixels - target) < within).all(axis=2).sum()
            assert close > least, f"colour {colour} painted on only {close} pixels"


class TestReportInParts:
    """A file evaluated a part at a time gives the page the whole file gives in one part."""

    @staticmethod
    def whole_and_parts(
        tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch,
        args: tuple[str, ...],
        report_rows: int,
        chunk_rows: int,
    ) -> tuple[tuple[int, str, str], tuple[int, str, str], list[int]]:
        """``slacalc report *args*`` as it comes, then read *report_rows* rows a part.

        Each page is (exit code, standard error, the page without its
        generation time); the parts are counted per call of ``_judged_parts``.
        """
        import slacalc._cli.report as report_cli
        from slacalc._files import records

        def page(name: str) -> tuple[int, str, str]:
            out = tmp_path / name
            code, _, err = run(*args, "--out", str(out))
            text = re.sub(
                r"Generated by slacalc \S+ at [^.]+\.", "", out.read_text(encoding="utf-8")
            )
            return code, err, text

        whole = page("whole.html")
        monkeypatch.setattr(report_cli, "REPORT_ROWS", report_rows)
        monkeypatch.setattr(report_cli, "CHUNK_ROWS", chunk_rows)
        monkeypatch.setattr(records, "_BLOCK", 256)
        parts: list[int] = []
        judge = report_cli._judged_parts

        def spy(judged: Any, by: str, **options: Any) -> Any:
            results = list(judged)
            parts.append(len(results))
            return judge(results, by, **options)

        monkeypatch.setattr(report_cli, "_judged_parts", spy)
        return whole, page("parts.html"), parts

    def test_parts_give_the_same_page(
        self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:

        rows = ["id,customer,opened_at,severity,responded_at"]
        priorities = ("urgent", "high", "normal", "low", "high", "normal", "bogus")
        for i in range(40):
            day, hour = 2 + i % 20, 8 + i % 9
            answered = f"2026-03-{day:02d}T{hour + 1:02d}:30:00+01:00" if i % 3 else ""
            rows.append(
                f"F-{i},c{i % 4},2026-03-{day:02d}T{hour:02d}:00:00+01:00,{priorities[i % 7]},{answered}"
            )
        tickets = tmp_path / "tickets.csv"
        tickets.write_text("\n".join(rows) + "\n", encoding="utf-8")
        args = (str(tickets), "--policy", "freistilbox", "--plan", "standard",
                "--now", "2026-04-01T12:00:00+02:00")  # fmt: skip
        whole, in_parts, parts = self.whole_and_parts(tmp_path, monkeypatch, args, 7, 5)
        assert in_parts == whole
        assert len(parts) == 1 and 3 <= parts[0] <= 6  # 40 tickets, parts of 7 rows or more
        # the severities in the policy's order, not sorted by name
        text = whole[2]
        assert (
            text.index(">urgent<")
            < text.index(">high<")
            < text.index(">normal<")
            < text.index(">low<")
        )

    @pytest.mark.parametrize("options", [("--by", "channel"), ("--freq", "W")])
    def test_parts_give_the_same_page_with_contracts_and_bad_rows(
        self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, options: tuple[str, ...]
    ) -> None:
        """Bad rows, contracts and tables longer than they list: parts of 9 rows, the same page."""
        import slacalc._analysis.report as report_page

        rows = ["id,customer,channel,severity,opened_at,responded_at"]
        customers = ("acme", "globex", "initech", "", "hooli")
        for i in range(60):
            day, hour = 1 + i % 27, 7 + i % 11
            opened = f"2026-{2 + i % 3:02d}-{day:02d}T{hour:02d}:{i % 60:02d}:00+01:00"
            if i % 13 == 5:
                opened = "2026-03-11T09:00:00"  # no offset: a bad row
            answered = f"2026-{2 + i % 3:02d}-{min(day + i % 4, 28):02d}T18:00:00+01:00"
            rows.append(
                f"P-{i},{customers[i % 5]},{('chat', 'email', 'phone')[i % 3]},"
                f"{('1', '2', '3', '4', 'sev9')[i % 5]},{opened},{answered if i % 4 else ''}"
            )
        tickets = tmp_path / "tickets.csv"
        tickets.write_text("\n".join(rows) + "\n", encoding="utf-8")
        contracts = tmp_path / "contracts.csv"
        contracts.write_text(CONTRACTS, encoding="utf-8")
        monkeypatch.setattr(report_page, "BREACHED_SHOWN", 4)

        args = (str(tickets), "--policy", "zitadel-2023", "--plan", "extended",
                "--now", "2026-06-01T12:00:00+02:00", "--contracts", str(contracts),
                *options)  # fmt: skip
        whole, in_parts, parts = self.whole_and_parts(tmp_path, monkeypatch, args, 9, 4)
        assert in_parts == whole
        assert parts[0] >= 5  # 60 rows, parts of 9 or more
        text = whole[2]
        assert whole[0] == 1 and "Rows that could not be evaluated" in text
        assert 'id="contracts"' in text and text.count("more are not") == 2
