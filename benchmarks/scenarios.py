"""What the benchmark measures: the calendars, the timed cases and the correctness scenarios.

Everything here is plain data shared by the orchestrator (``run.py``) and the
per-library workers (``peers.py``), so every library is asked exactly the same
questions: the same calendar, the same instants, the same holiday dates.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, timezone
from functools import cache
from zoneinfo import ZoneInfo

ZURICH = ZoneInfo("Europe/Zurich")
TZ_NAME = "Europe/Zurich"
#: Holiday dates handed to every peer that takes holidays (covers every case below).
HOLIDAY_YEARS = range(2024, 2041)
#: Instants the timelines of peers that pre-compile (timegrid) must cover.
RANGE_START = datetime(2024, 1, 1)
RANGE_END = datetime(2041, 1, 1)

MON_FRI = (0, 1, 2, 3, 4)
EVERY_DAY = (0, 1, 2, 3, 4, 5, 6)


def zurich(*args: int) -> datetime:
    """A Zurich wall time (``fold=0``) as an aware datetime."""
    return datetime(*args, tzinfo=ZURICH)  # type: ignore[misc]


def fixed(offset_hours: int, *args: int) -> datetime:
    """An instant written with an explicit UTC offset, converted to Zurich."""
    return datetime(*args, tzinfo=timezone(timedelta(hours=offset_hours))).astimezone(ZURICH)  # type: ignore[misc]


@cache
def ch_sg_holidays() -> tuple[date, ...]:
    """St. Gallen's public holidays, 2024-2040, exactly as slacalc's office_hours() loads them."""
    from slacalc import HolidaySpec

    spec = HolidaySpec("CH", "SG")
    return tuple(d for year in HOLIDAY_YEARS for d in spec.dates(year))


@dataclass(frozen=True)
class CalSpec:
    """One weekly window on some weekdays, in Europe/Zurich, with or without CH-SG holidays.

    ``start == end == 00:00`` means a whole day (slacalc writes it ``00:00-24:00``;
    peers without a 24:00 write ``00:00-00:00``). ``end < start`` runs over
    midnight and belongs to the day it starts on.
    """

    key: str
    label: str
    start: time
    end: time
    days: tuple[int, ...]
    holidays: bool
    #: how slacalc builds it: an expression evaluated by the slacalc adapter
    slacalc: str

    @property
    def whole_day(self) -> bool:
        return self.start == self.end

    @property
    def overnight(self) -> bool:
        return self.end < self.start

    @property
    def always(self) -> bool:
        return self.whole_day and self.days == EVERY_DAY and not self.holidays


CALENDARS: dict[str, CalSpec] = {
    c.key: c
    for c in (
        CalSpec(
            "office",
            "08:00-17:00 Mon-Fri, CH-SG holidays",
            time(8),
            time(17),
            MON_FRI,
            True,
            "calendars.office_hours()",
        ),
        CalSpec(
            "always",
            "24x7, no holidays",
            time(0),
            time(0),
            EVERY_DAY,
            False,
            "calendars.always_open()",
        ),
        CalSpec(
            "night",
            "22:00-06:00 Mon-Fri, CH-SG holidays",
            time(22),
            time(6),
            MON_FRI,
            True,
            "Calendar(timezone=TZ, hours={'mon-fri': '22:00-06:00'}, holidays={'country': 'CH', 'subdiv': 'SG'})",
        ),
        CalSpec(
            "night7",
            "22:00-06:00 every day, no holidays",
            time(22),
            time(6),
            EVERY_DAY,
            False,
            "Calendar(timezone=TZ, hours={'mon-sun': '22:00-06:00'})",
        ),
        CalSpec(
            "wholeday",
            "00:00-24:00 Mon-Fri, no holidays",
            time(0),
            time(0),
            MON_FRI,
            False,
            "Calendar(timezone=TZ, hours={'mon-fri': '00:00-24:00'})",
        ),
        CalSpec(
            "early",
            "01:00-04:00 every day, no holidays",
            time(1),
            time(4),
            EVERY_DAY,
            False,
            "Calendar(timezone=TZ, hours={'mon-sun': '01:00-04:00'})",
        ),
    )
}


# ---------------------------------------------------------------------------- speed cases

#: Every timed case starts here: Tuesday 2026-03-03 10:00 in Zurich (an ordinary open hour).
T0 = zurich(2026, 3, 3, 10)


@dataclass(frozen=True)
class SpeedCase:
    key: str
    label: str
    op: str  # "add" or "elapsed"
    start: datetime
    #: add: the duration; elapsed: None
    duration: timedelta | None = None
    #: elapsed: the end instant; add: None
    end: datetime | None = None


SPEED_CASES: tuple[SpeedCase, ...] = (
    SpeedCase("add_4h", "add 4 h", "add", T0, duration=timedelta(hours=4)),
    # 500 business hours ≈ 56 business days: crosses the spring DST change, Good
    # Friday, Easter Monday, Ascension and Whit Monday.
    SpeedCase("add_500h", "add 500 h", "add", T0, duration=timedelta(hours=500)),
    SpeedCase("el_1d", "elapsed 1 day", "elapsed", T0, end=zurich(2026, 3, 4, 10)),
    SpeedCase("el_1m", "elapsed 1 month", "elapsed", T0, end=zurich(2026, 4, 3, 10)),
    SpeedCase("el_1y", "elapsed 1 year", "elapsed", T0, end=zurich(2027, 3, 3, 10)),
    SpeedCase("el_5y", "elapsed 5 years", "elapsed", T0, end=zurich(2031, 3, 3, 10)),
    SpeedCase("el_10y", "elapsed 10 years", "elapsed", T0, end=zurich(2036, 3, 3, 10)),
)


# ---------------------------------------------------------------------------- correctness scenarios


@dataclass(frozen=True)
class Scenario:
    """One question with a hand-computed answer; ``why`` is the hand computation."""

    key: str
    title: str
    calendar: str  # a key of CALENDARS
    op: str  # "add" or "elapsed"
    start: datetime
    expected: datetime | timedelta
    why: str
    duration: timedelta | None = None
    end: datetime | None = None
    tags: tuple[str, ...] = field(default=())


H = timedelta(hours=1)
MIN = timedelta(minutes=1)

SCENARIOS: tuple[Scenario, ...] = (
    Scenario(
        "closing",
        "Closing-time landing: Mon 08:00 + 9 h (08-17)",
        "office",
        "add",
        zurich(2026, 3, 2, 8),
        duration=9 * H,
        expected=zurich(2026, 3, 2, 17),
        why="08:00-17:00 holds exactly 9 h, so the target runs out at 17:00 the same day; "
        "the earliest instant with 9 h elapsed is Mon 17:00, not Tue 08:00 (SPEC §1.2).",
    ),
    Scenario(
        "weekend",
        "Weekend start: Sat 10:00 + 1 h (08-17)",
        "office",
        "add",
        zurich(2026, 3, 7, 10),
        duration=1 * H,
        expected=zurich(2026, 3, 9, 9),
        why="Sat and Sun are closed; the clock starts Mon 2026-03-09 08:00 and runs 1 h → 09:00+01:00 "
        "(SPEC §3.1).",
    ),
    Scenario(
        "zero",
        "Zero duration off hours: Sat 10:00 + 0 (08-17)",
        "office",
        "add",
        zurich(2026, 3, 7, 10),
        duration=timedelta(0),
        expected=zurich(2026, 3, 7, 10),
        why="The earliest t ≥ start with elapsed(start, t) = 0 is start itself: add(t, 0) == t (SPEC §1.2).",
    ),
    Scenario(
        "stephan",
        "Christmas + Stephanstag: Wed 2025-12-24 16:00 + 4 h (08-17, CH-SG)",
        "office",
        "add",
        zurich(2025, 12, 24, 16),
        duration=4 * H,
        expected=zurich(2025, 12, 29, 11),
        why="Wed 24 Dec 16:00-17:00 = 1 h; Thu 25 (Christmas) and Fri 26 (Stephanstag, public in "
        "SG) closed; weekend; Mon 29 Dec 08:00 + 3 h = 11:00+01:00.",
    ),
    Scenario(
        "newyear",
        "New Year, Berchtoldstag open: Wed 2025-12-31 16:00 + 2 h (08-17, CH-SG)",
        "office",
        "add",
        zurich(2025, 12, 31, 16),
        duration=2 * H,
        expected=zurich(2026, 1, 2, 9),
        why="Wed 31 Dec 16:00-17:00 = 1 h; Thu 1 Jan closed; Fri 2 Jan (Berchtoldstag) is only an "
        "optional holiday in SG, so open: 08:00 + 1 h = 09:00+01:00.",
    ),
    Scenario(
        "xmas_elapsed",
        "elapsed 2026-12-23 15:00 → 2027-01-04 09:30 (08-17, CH-SG)",
        "office",
        "elapsed",
        zurich(2026, 12, 23, 15),
        end=zurich(2027, 1, 4, 9, 30),
        expected=timedelta(hours=48, minutes=30),
        why="Dec 23 15-17 = 2 h; Dec 24 9 h; Dec 25 (Fri) holiday, 26-27 weekend; Dec 28-31 4 × 9 h "
        "= 36 h; Jan 1 holiday, 2-3 weekend; Jan 4 08:00-09:30 = 1.5 h → 48.5 h (SPEC §3.1).",
    ),
    Scenario(
        "easter",
        "Easter: Thu 2026-04-02 16:00 + 2 h (08-17, CH-SG)",
        "office",
        "add",
        zurich(2026, 4, 2, 16),
        duration=2 * H,
        expected=zurich(2026, 4, 7, 9),
        why="Thu 16:00-17:00 = 1 h; Good Friday 3 Apr, the weekend and Easter Monday 6 Apr closed; "
        "Tue 7 Apr 08:00 + 1 h = 09:00+02:00.",
    ),
    Scenario(
        "spring_add",
        "24x7 spring DST: 2026-03-29 01:50+01:00 + 30 min",
        "always",
        "add",
        fixed(1, 2026, 3, 29, 1, 50),
        duration=30 * MIN,
        expected=fixed(2, 2026, 3, 29, 3, 20),
        why="01:50+01:00 is 00:50Z; + 30 min = 01:20Z = 03:20+02:00 (clocks jump 02:00 → 03:00; "
        "SPEC §3.1). A wall-clock answer is 02:20, which does not exist that night.",
    ),
    Scenario(
        "spring_day",
        "24x7 spring DST day: elapsed 2026-03-29 00:00 → 03-30 00:00",
        "always",
        "elapsed",
        zurich(2026, 3, 29),
        end=zurich(2026, 3, 30),
        expected=23 * H,
        why="00:00+01:00 is 23:00Z (28th), 00:00+02:00 is 22:00Z (29th): 23 h of real time.",
    ),
    Scenario(
        "autumn_night",
        "24x7 autumn DST night: elapsed 2026-10-25 00:00 → 10-26 00:00",
        "always",
        "elapsed",
        zurich(2026, 10, 25),
        end=zurich(2026, 10, 26),
        expected=25 * H,
        why="00:00+02:00 is 22:00Z (24th), 00:00+01:00 is 23:00Z (25th): 25 h (03:00 → 02:00 repeats "
        "an hour).",
    ),
    Scenario(
        "autumn_add",
        "24x7 autumn DST: 2026-10-25 01:30+02:00 + 2 h",
        "always",
        "add",
        fixed(2, 2026, 10, 25, 1, 30),
        duration=2 * H,
        expected=fixed(1, 2026, 10, 25, 2, 30),
        why="01:30+02:00 is 23:30Z; + 2 h = 01:30Z = 02:30+01:00 (the second 02:30). A wall-clock "
        "answer is 03:30+01:00, an hour late.",
    ),
    Scenario(
        "night_elapsed",
        "Overnight window: elapsed Mon 22:00 → Tue 06:00 (22-06)",
        "night",
        "elapsed",
        zurich(2026, 3, 2, 22),
        end=zurich(2026, 3, 3, 6),
        expected=8 * H,
        why="Monday's 22:00-06:00 window runs into Tuesday: the whole 8 h are open.",
    ),
    Scenario(
        "night_add",
        "Overnight window: Mon 22:00 + 4 h (22-06)",
        "night",
        "add",
        zurich(2026, 3, 2, 22),
        duration=4 * H,
        expected=zurich(2026, 3, 3, 2),
        why="Open from Mon 22:00 without a break until Tue 06:00: 22:00 + 4 h = Tue 02:00+01:00.",
    ),
    Scenario(
        "night_holiday",
        "Overnight window into a holiday: elapsed Thu 2026-12-24 20:00 → Mon 12-28 08:00 (22-06, CH-SG)",
        "night",
        "elapsed",
        zurich(2026, 12, 24, 20),
        end=zurich(2026, 12, 28, 8),
        expected=8 * H,
        why="A holiday closes the windows that start on it (SPEC §1.1): Thu 24 Dec 22:00 → Fri 25 "
        "06:00 starts on a working day and counts 8 h; Fri 25's own window (Christmas) is closed; "
        "Sat/Sun have no window; Mon 28's starts at 22:00, after the end → 8 h.",
    ),
    Scenario(
        "night_dst",
        "Overnight window over the spring DST night: Sat 2026-03-28 23:00 + 4 h (22-06 daily)",
        "night7",
        "add",
        zurich(2026, 3, 28, 23),
        duration=4 * H,
        expected=fixed(2, 2026, 3, 29, 4),
        why="Sat 23:00+01:00 is 22:00Z; the window runs to Sun 06:00+02:00 (04:00Z) unbroken; + 4 h = "
        "02:00Z = 04:00+02:00. A wall-clock answer is 03:00+02:00.",
    ),
    Scenario(
        "gap_window",
        "Window inside the spring DST night: elapsed 2026-03-29 00:00 → 03-30 00:00 (01-04 daily)",
        "early",
        "elapsed",
        zurich(2026, 3, 29),
        end=zurich(2026, 3, 30),
        expected=2 * H,
        why="On 29 Mar 01:00-04:00 local is 00:00Z-02:00Z: the window holds 2 h of real time, not 3 "
        "(SPEC §1.2).",
    ),
    Scenario(
        "wholeday_elapsed",
        "Whole-day windows: elapsed Fri 12:00 → Mon 12:00 (00:00-24:00 Mon-Fri)",
        "wholeday",
        "elapsed",
        zurich(2026, 3, 6, 12),
        end=zurich(2026, 3, 9, 12),
        expected=24 * H,
        why="Fri 12:00-24:00 = 12 h; Sat, Sun closed; Mon 00:00-12:00 = 12 h → 24 h.",
    ),
    Scenario(
        "wholeday_midnight",
        "Whole-day windows, landing on midnight: Fri 20:00 + 4 h (00:00-24:00 Mon-Fri)",
        "wholeday",
        "add",
        zurich(2026, 3, 6, 20),
        duration=4 * H,
        expected=zurich(2026, 3, 7, 0),
        why="Friday is open until 24:00 = Sat 00:00, where the 4 h run out: the earliest such "
        "instant is Sat 2026-03-07 00:00+01:00 (closing time), not Mon 00:00.",
    ),
)
