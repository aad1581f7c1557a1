"""Zendesk's own verdicts beside slacalc's: every disagreement on the fixtures is explained."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime
from pathlib import Path

import pytest

from slacalc import load_policy, sources
from slacalc._cli.main import main

ZENDESK = Path(__file__).parent / "fixtures" / "sources" / "zendesk"
NOW = datetime(2026, 6, 1, tzinfo=UTC)


@pytest.fixture(scope="module")
def rows() -> dict[tuple[str, str], sources.Comparison]:
    plan = load_policy(str(ZENDESK / "compare_policy.toml")).plan("extended")
    got = sources.compare(
        ZENDESK / "compare_tickets.jsonl", ZENDESK / "metric_events.json", plan, now=NOW
    )
    out = {}
    for item in got:
        assert isinstance(item, sources.Comparison)
        out[(item.ticket_id, item.metric)] = item
    return out


class TestCompare:
    def test_every_pair_zendesk_measured(
        self, rows: dict[tuple[str, str], sources.Comparison]
    ) -> None:
        """one row per ticket and metric that Zendesk applied an SLA to."""
        assert sorted(rows) == [
            ("1", "initial_response"),
            ("2", "initial_response"),
            ("3", "initial_response"),
            ("4", "initial_response"),
            ("4", "resolution"),
            ("5", "initial_response"),
        ]

    def test_agreements(self, rows: dict[tuple[str, str], sources.Comparison]) -> None:
        """same verdict and the same due instant: agree, no reason."""
        for key in [("1", "initial_response"), ("4", "initial_response")]:
            assert rows[key].agree and rows[key].reasons == ()
            assert rows[key].zendesk is not None and rows[key].zendesk.status == "met"

    def test_every_disagreement_is_explained(
        self, rows: dict[tuple[str, str], sources.Comparison]
    ) -> None:
        """each disagreement on the fixtures names its reason; none is left unexplained."""
        for row in rows.values():
            if not row.agree:
                assert row.reasons and not row.reasons[0].startswith("unexplained")

    def test_holiday(self, rows: dict[tuple[str, str], sources.Comparison]) -> None:
        """Thu 18:00 before Easter: Zendesk's schedule lacks Good Friday and breaches Fri 08:00."""
        row = rows[("2", "initial_response")]
        assert (row.zendesk and row.zendesk.status, row.outcome.status) == ("breached", "met")
        assert "holiday missing from the helpdesk's schedule" in row.reasons[0]
        assert "2026-04-03 (Good Friday)" in row.reasons[0]

    def test_closing_time_rule(self, rows: dict[tuple[str, str], sources.Comparison]) -> None:
        """2 bh from Mon 17:00 run out at 19:00: slacalc due then, Zendesk at Tue 07:00."""
        row = rows[("3", "initial_response")]
        assert row.outcome.due_at == datetime(2026, 3, 2, 18, tzinfo=UTC)
        assert row.zendesk is not None and row.zendesk.due_at == datetime(2026, 3, 3, 6, tzinfo=UTC)
        assert row.reasons[0].startswith("closing-time rule")

    def test_pause_the_helpdesk_did_not_apply(
        self, rows: dict[tuple[str, str], sources.Comparison]
    ) -> None:
        """resolution: 16 h of open time pending (Mon 09-19, Tue 07-13); Zendesk's clock ran on."""
        row = rows[("4", "resolution")]
        assert row.outcome.status == "met"
        assert "a pause the helpdesk did not apply" in row.reasons[0]
        assert "16 h" in row.reasons[0]

    def test_targets_differ(self, rows: dict[tuple[str, str], sources.Comparison]) -> None:
        """Zendesk applied 60 calendar minutes where the plan gives 2 business hours."""
        row = rows[("5", "initial_response")]
        assert row.reasons[0] == (
            "targets differ: Zendesk applied 60 min in calendar hours, "
            "the plan sets 2 business hours on extended"
        )

    def test_command(self) -> None:
        """`slacalc compare` prints the rows as CSV and counts the disagreements on stderr."""
        out, err = io.StringIO(), io.StringIO()
        code = main(
            [
                "compare", str(ZENDESK / "compare_tickets.jsonl"),
                "--metric-events", str(ZENDESK / "metric_events.json"),
                "--policy", str(ZENDESK / "compare_policy.toml"), "--plan", "extended",
                "--now", NOW.isoformat(), "--disagreements",
            ],
            out,
            err,
        )  # fmt: skip
        assert code == 0
        got = list(csv.DictReader(io.StringIO(out.getvalue())))
        assert [(r["ticket_id"], r["metric"]) for r in got] == [
            ("2", "initial_response"),
            ("3", "initial_response"),
            ("4", "resolution"),
            ("5", "initial_response"),
        ]
        assert "6 comparisons, 4 disagreements, 0 bad records" in err.getvalue()
