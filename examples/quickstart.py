"""Quickstart: when is a response due, and how much support time has run?

Run it with ``python examples/quickstart.py``. It prints a few due instants and
one amount of support time on the preset calendars (the answers of spec §3.1,
worked out by hand), and exits non-zero if any answer differs from the one
written here, so it doubles as a smoke test.
"""

from __future__ import annotations

import sys
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from slacalc import Calendar
from slacalc.calendars import always_open, extended_hours, office_hours

ZURICH = ZoneInfo("Europe/Zurich")


def hours(value: timedelta) -> str:
    """``48.5 h``: a duration in hours."""
    return f"{value / timedelta(hours=1):g} h"


def main() -> int:
    office = office_hours()  # 08:00-17:00 Mon-Fri, Europe/Zurich, St. Gallen holidays
    extended = extended_hours()  # 07:00-19:00 Mon-Fri, the same zone and holidays
    always = always_open()  # 24x7, no holidays
    customer = Calendar(timezone="Europe/Zurich", hours={"mon-fri": "12:00-20:00"})

    # (what, answer, expected answer)
    answers = [
        # Due at closing time, not at the next opening.
        (
            "office: Mon 2 Mar 08:00 + 9 business hours",
            office.add(datetime(2026, 3, 2, 8, tzinfo=ZURICH), "9 business hours").isoformat(),
            "2026-03-02T17:00:00+01:00",
        ),
        # Opened on a Saturday: the clock starts on Monday at 08:00.
        (
            "office: Sat 7 Mar 10:00 + 1 h",
            office.add(datetime(2026, 3, 7, 10, tzinfo=ZURICH), "1h").isoformat(),
            "2026-03-09T09:00:00+01:00",
        ),
        # One hour on Thursday; Good Friday, the weekend and Easter Monday are closed.
        (
            "extended: Thu 2 Apr 18:00 + PT2H",
            extended.add(datetime(2026, 4, 2, 18, tzinfo=ZURICH), "PT2H").isoformat(),
            "2026-04-07T08:00:00+02:00",
        ),
        # 30 real minutes across the spring clock change (02:00 jumps to 03:00).
        (
            "24x7: Sun 29 Mar 01:50 + 30 min",
            always.add(
                datetime(2026, 3, 29, 1, 50, tzinfo=ZURICH), timedelta(minutes=30)
            ).isoformat(),
            "2026-03-29T03:20:00+02:00",
        ),
        # A business day is 9 hours here; 25 and 26 December are holidays.
        (
            "office: Thu 24 Dec 15:00 + 1 business day",
            office.add(datetime(2026, 12, 24, 15, tzinfo=ZURICH), "1 business day").isoformat(),
            "2026-12-28T15:00:00+01:00",
        ),
        # Support time between two instants, holidays and weekends skipped.
        (
            "office: open time 23 Dec 15:00 to 4 Jan 09:30",
            hours(
                office.elapsed(
                    datetime(2026, 12, 23, 15, tzinfo=ZURICH),
                    datetime(2027, 1, 4, 9, 30, tzinfo=ZURICH),
                )
            ),
            "48.5 h",
        ),
        # The provider's hours intersected with a customer's (12:00-17:00 remain).
        (
            "office & customer: Mon 2 Mar 08:00 + 6 h",
            (office & customer).add(datetime(2026, 3, 2, 8, tzinfo=ZURICH), "6h").isoformat(),
            "2026-03-03T13:00:00+01:00",
        ),
    ]

    width = max(len(what) for what, _, _ in answers)
    wrong = 0
    for what, answer, expected in answers:
        note = "" if answer == expected else f"   <- expected {expected}"
        wrong += answer != expected
        print(f"{what:<{width}}  {answer}{note}")
    if wrong:
        print(f"quickstart: {wrong} answer(s) differ from the expected ones", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
