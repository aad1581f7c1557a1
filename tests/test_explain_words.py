"""``explain()`` names only the holidays that took open time, and writes counts in good English.

The calendar: Monday-Friday 08:00-17:00 in Zurich with St. Gallen's holidays
(Good Friday 3 April 2026 and Easter Monday 6 April), Saturday 4 April also
listed as ``closed``. zitadel-2023 ``extended`` under these hours: severity
2 is 2 business hours, 1 credit day per started 15 minutes late.
"""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

from slacalc import Calendar, Ticket, load_policy

ZURICH = ZoneInfo("Europe/Zurich")
HOURS = Calendar(
    timezone="Europe/Zurich",
    hours={"mon-fri": "08:00-17:00"},
    holidays={"country": "CH", "subdiv": "SG"},
    closed=["2026-04-04"],
    special={"2026-04-08": "08:00-12:00"},
)
PLAN = load_policy("zitadel-2023").plan("extended").with_terms(calendar=HOURS, label="office")
NOW = datetime(2026, 5, 1, tzinfo=ZURICH)


def zh(*args: int) -> datetime:
    return datetime(*args, tzinfo=ZURICH)  # type: ignore[misc]


def skipped(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines() if line.strip().startswith("skipped")]


class TestHolidaysNamed:
    def test_only_days_that_would_have_been_open(self) -> None:
        """Saturday 4 April is closed anyway: not named; Good Friday and Easter Monday are.

        Thu 16:30-17:00 is 30 min; Fri, Sat, Sun, Mon closed; Tue 7 Apr 08:00 + 1 h 30 min =
        09:30; answered 09:50: 20 min late, 2 started quarter hours.
        """
        ticket = Ticket("H-1", zh(2026, 4, 2, 16, 30), 2, responded_at=zh(2026, 4, 7, 9, 50))
        out = PLAN.evaluate(ticket, NOW).initial_response
        assert out.due_at == zh(2026, 4, 7, 9, 30)
        assert skipped(out.explain()) == [
            "skipped 2026-04-03 (Good Friday)",
            "skipped 2026-04-06 (Easter Monday)",
        ]
        assert [d["date"] for d in out.facts()["closed_dates"]] == ["2026-04-03", "2026-04-06"]
        # the calendar's own list still has every date of the span
        listed = dict(HOURS.holidays_between(zh(2026, 4, 2, 16, 30), zh(2026, 4, 7, 9, 50)))
        assert listed[date(2026, 4, 4)] == "closed"
        assert date(2026, 4, 4) not in dict(
            HOURS.holidays_between(zh(2026, 4, 2, 16, 30), zh(2026, 4, 7, 9, 50), closing_only=True)
        )

    def test_a_holiday_over_before_the_clock_started(self) -> None:
        """Opened on Good Friday at 18:00: its hours (08:00-17:00) were over, so only Easter Monday is named.

        Closed until Tue 7 Apr 08:00; + 2 h = 10:00.
        """
        ticket = Ticket("H-2", zh(2026, 4, 3, 18), 2, responded_at=zh(2026, 4, 7, 9))
        out = PLAN.evaluate(ticket, NOW).initial_response
        assert out.due_at == zh(2026, 4, 7, 10)
        assert out.status == "met"
        assert skipped(out.explain()) == ["skipped 2026-04-06 (Easter Monday)"]

    def test_special_hours_are_named_where_they_change_the_hours(self) -> None:
        """Wednesday 8 April has 08:00-12:00 instead of 08:00-17:00: named when the clock runs over it.

        Opened Wed 11:00: 1 h to 12:00, Thu 9 Apr 08:00 + 1 h = due 09:00.
        """
        ticket = Ticket("H-3", zh(2026, 4, 8, 11), 2, responded_at=zh(2026, 4, 9, 8, 30))
        out = PLAN.evaluate(ticket, NOW).initial_response
        assert out.due_at == zh(2026, 4, 9, 9)
        assert skipped(out.explain()) == ["skipped 2026-04-08 (special hours)"]


class TestPlurals:
    def test_several_credit_days(self) -> None:
        """20 min late: "2 days", and the rule "1 day per started 15 min"."""
        ticket = Ticket("H-1", zh(2026, 4, 2, 16, 30), 2, responded_at=zh(2026, 4, 7, 9, 50))
        text = PLAN.evaluate(ticket, NOW).initial_response.explain()
        assert "  credits: 2 days — 1 day per started 15 min late (business time)" in text
        assert "(s)" not in text

    def test_one_credit_day(self) -> None:
        """1 min late (due 09:30, answered 09:31): "1 day", never "1 days" or "day(s)"."""
        ticket = Ticket("H-4", zh(2026, 4, 2, 16, 30), 2, responded_at=zh(2026, 4, 7, 9, 31))
        text = PLAN.evaluate(ticket, NOW).initial_response.explain()
        assert "  credits: 1 day — 1 day per started 15 min late (business time)" in text

    def test_many_credit_days(self) -> None:
        """Unanswered at 1 May 00:00: "622 days".

        Late from Tue 7 Apr 09:30: 7 h 30 min that day, Wed 8 Apr 4 h (special hours), then
        16 working days of 9 h (9-10, 13-17, 20-24, 27-30 April): 7.5 + 4 + 144 = 155.5 h
        = 622 started quarter hours.
        """
        ticket = Ticket("H-5", zh(2026, 4, 2, 16, 30), 2)
        out = PLAN.evaluate(ticket, NOW).initial_response
        assert out.credit_days == 622
        assert "credits: 622 days" in out.explain()
