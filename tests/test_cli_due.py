"""``slacalc due`` and ``plan.timers``: when to page, for every open ticket.

freistilbox (``seeds/004``): "Every ticket needs to be dispatched after 1
hours during business hours"; business hours are 12x5, Mon-Fri 08:00-20:00
Europe/Berlin with North Rhine-Westphalia's public holidays (2026: Good
Friday 3 April, Easter Monday 6 April). The on-call engineer is paged when a
ticket is not dispatched in time: at the dispatch clock's due instant.
"""

from __future__ import annotations

import csv
import io
import json
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from slacalc import Ticket, load_policy
from slacalc._cli import due as due_module
from slacalc._cli.main import main

BERLIN = ZoneInfo("Europe/Berlin")
LIVE = Path(__file__).parent / "live_policy.toml"


def be(*args: int) -> datetime:
    return datetime(*args, tzinfo=BERLIN)  # type: ignore[misc]


def run(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = main(list(argv), stdout=out, stderr=err)
    return code, out.getvalue(), err.getvalue()


TICKETS = (
    "id,opened_at,severity,responded_at,dispatched_at\n"
    # Fri 19:30: 30 min of 12x5 on Friday, Mon 08:00 + 30 min → page Mon 9 Mar 08:30
    "FRI,2026-03-06T19:30:00+01:00,normal,,\n"
    # Thu 2 Apr 19:45: 15 min Thursday; Good Friday, weekend, Easter Monday closed → Tue 7 Apr 08:45
    "EASTER,2026-04-02T19:45:00+02:00,normal,,\n"
    # dispatched in time: nothing to page
    "DONE,2026-04-02T10:00:00+02:00,urgent,2026-04-02T10:05:00+02:00,2026-04-02T10:20:00+02:00\n"
)


class TestFreistilboxPage:
    def test_page_time_from_timers(self) -> None:
        """plan.timers gives the dispatch page instant, across Easter on the 12x5 calendar."""
        plan = load_policy("freistilbox").plan("standard")
        ticket = Ticket("EASTER", be(2026, 4, 2, 19, 45), "normal")
        timers = plan.timers(ticket, be(2026, 4, 2, 19, 50))
        page = next(t for t in timers if t.metric == "dispatch")
        assert page.due_at == be(2026, 4, 7, 8, 45)
        assert page.remaining == timedelta(minutes=55)  # 1 h less the 5 min of Thursday used
        assert page.instance is None
        assert not page.paused

    def test_due_lists_the_pages_soonest_first(self, tmp_path: Path) -> None:
        """slacalc due lists every running clock, soonest first; dispatched tickets page no one."""
        path = tmp_path / "open.csv"
        path.write_text(TICKETS, encoding="utf-8")
        code, out, err = run(
            "due", str(path), "--policy", "freistilbox", "--plan", "standard",
            "--now", "2026-04-02T20:00:00+02:00",
        )  # fmt: skip
        assert code == 0, err
        rows = list(csv.DictReader(io.StringIO(out)))
        assert [(r["id"], r["metric"], r["due_at"], r["action"]) for r in rows] == [
            # FRI was never dispatched nor answered: both clocks long breached, first in the list
            ("FRI", "dispatch", "2026-03-09T08:30:00+01:00", "breached"),
            # normal initial response, 1 business day = 12 h: 30 min Fri, Mon 08:00 + 11 h 30 min
            ("FRI", "initial_response", "2026-03-09T19:30:00+01:00", "breached"),
            ("EASTER", "dispatch", "2026-04-07T08:45:00+02:00", "due"),
            # 15 min Thu, Tue 08:00 + 11 h 45 min
            ("EASTER", "initial_response", "2026-04-07T19:45:00+02:00", "due"),
        ]

    def test_within_keeps_what_falls_in_the_horizon(self, tmp_path: Path) -> None:
        """--within keeps the breached clocks and those due or alerting in the horizon."""
        path = tmp_path / "open.csv"
        path.write_text("".join(TICKETS.splitlines(keepends=True)[:2]), encoding="utf-8")
        code, out, _ = run(
            "due", str(path), "--policy", "freistilbox", "--plan", "standard",
            "--now", "2026-03-09T08:00:00+01:00", "--within", "1 hour", "--format", "jsonl",
        )  # fmt: skip
        assert code == 0
        rows = [json.loads(line) for line in out.splitlines()]
        # Mon 08:00: FRI's dispatch is due 08:30 (in the hour), its first response at 19:30 (not)
        assert [(r["id"], r["metric"], r["action"]) for r in rows] == [("FRI", "dispatch", "due")]
        assert rows[0]["remaining_seconds"] == 1800
        assert rows[0]["paused"] is False
        assert rows[0]["instance"] is None


def write(tmp_path: Path, text: str, name: str = "tickets.jsonl") -> str:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return str(path)


def ticket_line(
    ident: str, opened: str, severity: str, events: list[tuple[str, str, str | None]]
) -> str:
    return json.dumps(
        {
            "id": ident,
            "opened_at": opened,
            "severity": severity,
            "events": [{"at": a, "kind": k, "value": v} for a, k, v in events],
        }
    )


class TestDue:
    """On tests/live_policy.toml (office hours 08:00-17:00, Zurich)."""

    def test_alerts_paused_clocks_and_instances(self, tmp_path: Path) -> None:
        """a paused clock is marked paused; repeating clocks carry their instance number; alerts order them."""
        policy = tmp_path / "p.toml"
        policy.write_text(
            LIVE.read_text(encoding="utf-8")
            + '\n[plans.desk.alerts]\nnext_reply = ["50%"]\nresolution = ["75%"]\n',
            encoding="utf-8",
        )
        line = ticket_line(
            "L-1",
            "2026-03-02T09:00:00+01:00",
            "1",
            [
                ("2026-03-02T09:30:00+01:00", "message", "agent"),
                ("2026-03-02T10:00:00+01:00", "message", "customer"),
                ("2026-03-02T10:30:00+01:00", "status", "pending"),
            ],
        )
        path = write(tmp_path, line + "\n")
        code, out, err = run(
            "due", path, "--policy", str(policy), "--plan", "desk",
            "--now", "2026-03-02T11:00:00+01:00", "--format", "json",
        )  # fmt: skip
        assert code == 0, err
        rows = json.loads(out)
        by_metric = {r["metric"]: r for r in rows}
        # next reply #0 (Sev 1, 2 h) from 10:00: 50 % at 11:00 is not ahead of now → next is due, 12:00
        nr = by_metric["next_reply"]
        assert (nr["instance"], nr["due_at"], nr["action"]) == (
            0,
            "2026-03-02T12:00:00+01:00",
            "due",
        )
        # resolution (Sev 1, 4 h, pausable) paused since 10:30 with 2 h 30 min left: projected from now
        res = by_metric["resolution"]
        assert res["paused"] is True
        assert res["remaining_seconds"] == 9000
        assert res["due_at"] == "2026-03-02T13:30:00+01:00"
        # its 75 % alert: 3 h of open time, 1 h 30 min of them after now → 12:30
        assert (res["next_alert"], res["next_alert_at"], res["action"]) == (
            "75%",
            "2026-03-02T12:30:00+01:00",
            "alert",
        )
        assert [r["next_at"] for r in rows] == sorted(r["next_at"] for r in rows)

    def test_bad_rows_and_unknown_statuses(self, tmp_path: Path) -> None:
        """bad rows are named by line, the others listed; unknown statuses counted in one warning; exit 1."""
        lines = [
            ticket_line("G-1", "2026-03-02T09:00:00+01:00", "1", []),
            ticket_line(
                "U-1",
                "2026-03-02T09:00:00+01:00",
                "1",
                [("2026-03-02T09:10:00+01:00", "status", "Triage")],
            ),
            "{not json",
            ticket_line(
                "U-2",
                "2026-03-02T09:00:00+01:00",
                "2",
                [("2026-03-02T09:10:00+01:00", "status", "triage")],
            ),
            ticket_line(
                "U-3",
                "2026-03-02T09:00:00+01:00",
                "2",
                [("2026-03-02T09:10:00+01:00", "status", "waiting")],
            ),
        ]
        path = write(tmp_path, "\n".join(lines) + "\n")
        code, out, err = run(
            "due", path, "--policy", str(LIVE), "--plan", "desk", "--now", "2026-03-02T10:00:00+01:00",
        )  # fmt: skip
        assert code == 1
        assert {r["id"] for r in csv.DictReader(io.StringIO(out))} == {"G-1"}
        assert "line 3: invalid JSON" in err
        assert "line 2: ticket 'U-1': status event at" in err
        assert (
            "warning: 3 rows have statuses the policy does not map: 'Triage' (1), 'triage' (1), 'waiting' (1)"
            in err
        )
        assert err.count("warning") == 1

    def test_out_and_tz(self, tmp_path: Path) -> None:
        """--out writes the file; --tz gives the instants in that zone."""
        path = write(tmp_path, ticket_line("Z-1", "2026-03-02T09:00:00+01:00", "1", []) + "\n")
        target = tmp_path / "due.csv"
        code, out, _ = run(
            "due", path, "--policy", str(LIVE), "--plan", "desk", "--now", "2026-03-02T10:00:00+01:00",
            "--out", str(target), "--tz", "America/New_York",
        )  # fmt: skip
        assert (code, out) == (0, "")
        rows = list(csv.DictReader(io.StringIO(target.read_text(encoding="utf-8"))))
        first = next(r for r in rows if r["metric"] == "initial_response")
        # Sev 1, 4 h from 09:00 Zurich → 13:00+01:00 = 07:00-05:00 in New York
        assert first["due_at"] == "2026-03-02T07:00:00-05:00"

    def test_bad_horizon_is_a_usage_error(self, tmp_path: Path) -> None:
        """an unreadable --within stops the command with exit 2."""
        path = write(tmp_path, ticket_line("Z-1", "2026-03-02T09:00:00+01:00", "1", []) + "\n")
        code, _, err = run(
            "due", path, "--policy", str(LIVE), "--plan", "desk", "--within", "soonish"
        )
        assert code == 2
        assert "--within" in err

    def test_large_outputs_spill_and_stay_sorted(
        self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """past the in-memory threshold, sorted runs on disk merge back in order."""
        monkeypatch.setattr(due_module, "_RUN", 7)
        lines = [
            ticket_line(
                f"S-{i}", f"2026-03-02T{9 + i % 7:02d}:{(i * 7) % 60:02d}:00+01:00", "1", []
            )
            for i in range(40)
        ]
        path = write(tmp_path, "\n".join(lines) + "\n")
        code, out, _ = run(
            "due", path, "--policy", str(LIVE), "--plan", "desk", "--now", "2026-03-02T17:00:00+01:00",
            "--format", "jsonl",
        )  # fmt: skip
        assert code == 0
        rows = [json.loads(line) for line in out.splitlines()]
        keys = [datetime.fromisoformat(r["next_at"]) for r in rows]
        assert keys == sorted(keys)
        assert len({r["id"] for r in rows}) == 40

    def test_horizon_days_are_wall_days(self) -> None:
        """'1 day' as a horizon is 24 hours of wall time."""
        assert due_module.horizon("1 day") == timedelta(hours=24)
        assert due_module.horizon("90 minutes") == timedelta(minutes=90)
