"""``slacalc report``: one self-contained HTML file that a real browser renders with its table and images.

The browser test needs Chromium (Debian: ``apt-get install -y chromium``);
without it that test is skipped and says so.
"""

from __future__ import annotations

import argparse
import base64
import io
import re
import shutil
import subprocess
import sys
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
        """A CSV whose header lacks opened_at is reported once, at line 1, and the report says no ticket was evaluated."""
        tickets = tmp_path / "t.csv"
        tickets.write_text("id,severity\nX-1,1\n", encoding="utf-8")
        page = tmp_path / "r.html"
        code, _, err = run(str(tickets), "--policy", "zitadel-2023", "--plan", "extended", "--out", str(page), "--now", NOW)  # fmt: skip
        assert code == 1
        assert (
            err
            == f"{tickets}: line 1: header: missing column 'opened_at'; expected at least id,opened_at,severity\n"
        )
        assert "No ticket could be evaluated." in page.read_text(encoding="utf-8")

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
