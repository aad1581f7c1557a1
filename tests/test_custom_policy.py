"""The options the built-in policies leave unused, on examples/custom_policy.toml.

The example calendar ``office`` is Mon-Thu 08:00-12:00 and 13:00-17:00 (8 h),
Fri 08:00-15:00 (7 h), Zurich public holidays, 24 Dec mornings only and 31 Dec
closed; ``night`` is 22:00-06:00 every night. One business day is 8 h.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from slacalc import Contract, Ticket, load_policy
from slacalc.exceptions import BillingError

ZURICH = ZoneInfo("Europe/Zurich")
EXAMPLE = Path(__file__).parent.parent / "examples" / "custom_policy.toml"
NOW = datetime(2027, 6, 1, tzinfo=ZURICH)


def zh(*args: int) -> datetime:
    return datetime(*args, tzinfo=ZURICH)  # type: ignore[misc]


@pytest.fixture(scope="module")
def policy():  # type: ignore[no-untyped-def]
    return load_policy(EXAMPLE)


def with_rule(tmp_path: Path, rule: str):  # type: ignore[no-untyped-def]
    text = EXAMPLE.read_text(encoding="utf-8").replace(
        'severity_change = "restart"', f'severity_change = "{rule}"'
    )
    path = tmp_path / f"{rule}.toml"
    path.write_text(text, encoding="utf-8")
    return load_policy(path)


RAISED = Ticket(
    "R-1",
    zh(2026, 3, 2, 8),
    3,
    responded_at=zh(2026, 3, 2, 11, 30),
    events=[(zh(2026, 3, 2, 10), "severity", "1")],
)


class TestSeverityRules:
    def test_restart(self, policy) -> None:  # type: ignore[no-untyped-def]
        """restart: the clock starts again at the change with the new severity's target."""
        out = policy.plan("standard").evaluate(RAISED, now=NOW).initial_response
        # raised to Sev 1 (1 bh) at Mon 10:00 → due 11:00; answered 11:30
        assert out.started_at == zh(2026, 3, 2, 10)
        assert out.due_at == zh(2026, 3, 2, 11)
        assert out.late_by == timedelta(minutes=30)
        assert out.severity_rule == "restart"
        assert "restarted" in out.explain()

    def test_recalculate(self, tmp_path: Path) -> None:
        """recalculate: Sev 1's target counted from opening."""
        out = (
            with_rule(tmp_path, "recalculate")
            .plan("standard")
            .evaluate(RAISED, now=NOW)
            .initial_response
        )
        # Mon 08:00 + 1 bh = 09:00; answered 11:30 → 2.5 business hours late
        assert out.due_at == zh(2026, 3, 2, 9)
        assert out.late_by == timedelta(hours=2, minutes=30)

    def test_initial(self, tmp_path: Path) -> None:
        """initial: the severity at opening governs (Sev 3, two business days)."""
        out = (
            with_rule(tmp_path, "initial")
            .plan("standard")
            .evaluate(RAISED, now=NOW)
            .initial_response
        )
        # 2 business days = 16 h: Mon 8 h, Tue 8 h → Tue 3 Mar 17:00
        assert out.klass == "3"
        assert out.due_at == zh(2026, 3, 3, 17)
        assert out.status == "met"
        assert out.severity_rule == "initial"


class TestPauses:
    def test_resolution_clock_pauses_while_waiting_on_customer(self, policy) -> None:  # type: ignore[no-untyped-def]
        """paused open time is not counted, and the due instant moves by it."""
        t = Ticket(
            "P-1",
            zh(2026, 3, 2, 8),
            1,
            responded_at=zh(2026, 3, 2, 8, 30),
            events=[
                (zh(2026, 3, 2, 9), "pause"),
                (zh(2026, 3, 3, 10), "resume"),
                (zh(2026, 3, 3, 16), "resolved"),
            ],
        )
        out = policy.plan("standard").evaluate(t, now=NOW)["resolution"]
        # used: Mon 08-09 = 1 h; Tue 10-12 = 2 h, 13-16 = 3 h → 6 h of 8 h
        assert out.elapsed == timedelta(hours=6)
        assert out.status == "met"
        # paused open time: Mon 09-12 3 h + 13-17 4 h + Tue 08-10 2 h = 9 h
        assert out.paused == timedelta(hours=9)
        # due: 1 h before the pause, 7 h left from Tue 10:00: 10-12, 13-17 (6 h), Wed 08:00 + 1 h
        assert out.due_at == zh(2026, 3, 4, 9)
        assert "paused" in out.explain()

    def test_still_paused(self, policy) -> None:  # type: ignore[no-untyped-def]
        """a ticket waiting on the customer right now is pending with its clock stopped."""
        t = Ticket(
            "P-2",
            zh(2026, 3, 2, 8),
            2,
            responded_at=zh(2026, 3, 2, 8, 30),
            events=[(zh(2026, 3, 2, 9), "pause")],
        )
        out = policy.plan("standard").evaluate(t, now=zh(2026, 3, 10, 12))["resolution"]
        assert out.status == "pending"
        assert out.elapsed == timedelta(hours=1)
        assert out.remaining == timedelta(hours=23)


class TestCalendars:
    def test_special_hours_and_holidays(self, policy) -> None:  # type: ignore[no-untyped-def]
        """24 Dec has morning hours only; 25 Dec is a Zurich holiday."""
        # Sev 2 = 4 bh: Thu 24 Dec 10:00-12:00 = 2 h; Fri 25 holiday; weekend; Mon 28 08:00 + 2 h
        assert policy.plan("standard").deadline(zh(2026, 12, 24, 10), 2) == zh(2026, 12, 28, 10)

    def test_overnight_window_belongs_to_its_start_day(self, policy) -> None:  # type: ignore[no-untyped-def]
        """the night window of Friday runs to Saturday 06:00."""
        # Sat 05:50-06:00 = 10 min (Friday's window); Sat 22:00 + 20 min = 22:20
        assert policy.plan("night-watch").deadline(zh(2026, 3, 7, 5, 50), 1) == zh(
            2026, 3, 7, 22, 20
        )
        # the other severities keep the office calendar of the extended plan
        # (4 bh from Mon 08:00 run out at 12:00, the closing of the morning window)
        assert policy.plan("night-watch").deadline(zh(2026, 3, 2, 8), 2) == zh(2026, 3, 2, 12)


class TestCredits:
    def test_wall_floor_and_ticket_cap(self, policy) -> None:  # type: ignore[no-untyped-def]
        """wall-clock credits, full hours only, capped at 3 days per ticket."""
        t = Ticket("C-1", zh(2026, 3, 2, 8), 1, responded_at=zh(2026, 3, 5, 9))
        out = policy.plan("standard").evaluate(t, now=NOW).initial_response
        # due Mon 09:00; answered Thu 09:00: 72 h on the wall → floor(72 / 1) = 72 days → cap 3
        assert out.late_by_wall == timedelta(hours=72)
        # business lateness: Mon 09-17 7 h, Tue 8 h, Wed 8 h, Thu 08-09 1 h = 24 h
        assert out.late_by == timedelta(hours=24)
        assert out.credit_days == 3
        assert "capped" in out.explain()

    def test_floor_ignores_partial_periods(self, policy) -> None:  # type: ignore[no-untyped-def]
        """59 minutes late earns nothing when only full hours count."""
        t = Ticket("C-2", zh(2026, 3, 2, 8), 1, responded_at=zh(2026, 3, 2, 9, 59))
        out = policy.plan("standard").evaluate(t, now=NOW).initial_response
        assert out.status == "breached"
        assert out.credit_days == 0

    def test_contract_term_cap_and_value(self, policy) -> None:  # type: ignore[no-untyped-def]
        """four tickets of 3 days each earn 12, capped at 10 per term; the term grows by 10 days."""
        tickets = [
            Ticket(
                f"K-{i}",
                zh(2026, 3, 2 + i, 8),
                1,
                responded_at=zh(2026, 3, 2 + i, 12),
                events=[(zh(2026, 3, 2 + i, 15), "resolved")],
            )
            for i in range(4)
        ]  # due 09:00, answered 12:00: 3 h late on the wall → floor 3 → 3 days; resolved in time
        outside = Ticket("K-x", zh(2027, 2, 1, 8), 1, responded_at=zh(2027, 2, 1, 12))
        contract = Contract("ACME", policy.plan("standard"), date(2026, 1, 1), date(2027, 1, 1))
        credits = contract.credits([*tickets, outside], now=NOW)
        assert [t.days for t in credits.tickets] == [3, 3, 3, 3]
        assert credits.earned_days == 12
        assert credits.days == 10
        assert credits.capped
        assert credits.extended_term_end == date(2027, 1, 11)
        # 12,000.00 × 10 / 365 = 328.767… → 328.77
        assert credits.value(Decimal("12000.00")) == Decimal("328.77")
        with pytest.raises(BillingError, match="Decimal"):
            credits.value(12000.0)  # type: ignore[arg-type]

    def test_ticket_cap_spans_metrics(self, policy) -> None:  # type: ignore[no-untyped-def]
        """the per-ticket cap bounds the ticket's credits over all its metrics together."""
        t = Ticket("C-3", zh(2026, 3, 2, 8), 1, responded_at=zh(2026, 3, 2, 12))
        evaluation = policy.plan("standard").evaluate(t, now=zh(2026, 3, 10, 8))
        # initial response 3 h late → 3 days; resolution (due Mon 17:00) still open a week later → capped 3
        assert evaluation.initial_response.credit_days == 3
        assert evaluation["resolution"].credit_days == 3
        assert evaluation.credit_days == 3
        contract = Contract("ACME", policy.plan("standard"), date(2026, 1, 1), date(2027, 1, 1))
        assert contract.credits([t], now=zh(2026, 3, 10, 8)).days == 3


class TestContractOnFamily:
    def test_zitadel_family_contract(self) -> None:
        """a contract on the zitadel family judges each ticket by the version in force."""
        family_plan = load_policy("zitadel").plan("free")
        contract = Contract("Z", family_plan, date(2023, 1, 1), date(2025, 1, 1))
        result = contract.credits(
            [Ticket("a", zh(2023, 6, 1, 9), 1), Ticket("b", zh(2024, 6, 3, 9), 1)], now=NOW
        )
        assert result.days == 0
        assert result.extended_term_end == date(2025, 1, 1)
