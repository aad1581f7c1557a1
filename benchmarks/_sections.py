"""docs/performance.md is written by several benchmarks: each owns one ``## `` section."""

from __future__ import annotations

import re
from pathlib import Path

#: Sections written by benchmarks other than run.py (which writes the rest of the page).
OWN_SECTIONS = (
    "## Batch calendar API",
    "## Batch evaluation",
    "## evaluate_frame",
    "## Helpdesk exports (`--source`)",
    "## Live metrics",
    "## Instruction counts",
)


def _pattern(heading: str) -> re.Pattern[str]:
    return re.compile(rf"^{re.escape(heading)}\n.*?(?=^## |\Z)", re.MULTILINE | re.DOTALL)


def write_section(path: Path, heading: str, section: str) -> None:
    """Replace the section of *path* that starts with *heading* (up to the next ``## ``), or append it."""
    text = path.read_text(encoding="utf-8") if path.exists() else ""
    pattern = _pattern(heading)
    if pattern.search(text):
        text = pattern.sub(lambda _: section.rstrip("\n") + "\n\n", text, count=1)
    else:
        text = text.rstrip("\n") + "\n\n" + section if text else section
    path.write_text(text.rstrip("\n") + "\n", encoding="utf-8")


def write_page(path: Path, page: str) -> None:
    """Write *page* to *path*, keeping the sections other benchmarks own."""
    old = path.read_text(encoding="utf-8") if path.exists() else ""
    kept = [m.group(0) for heading in OWN_SECTIONS if (m := _pattern(heading).search(old))]
    text = page.rstrip("\n")
    for section in kept:
        text += "\n\n" + section.rstrip("\n")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text + "\n", encoding="utf-8")
    restate_speed_notes(path)


_SPEED = re.compile(r"Machine speed in this run: .*? took ([0-9.]+) µs per call[^\n]*")


def restate_speed_notes(page: Path) -> None:
    """Put the floor of the calendar tables now on *page* into every section's speed line.

    Each section recorded its own floor; the ratio to the tables' floor is
    worked out again from that figure when the tables are recorded anew.
    """
    text = page.read_text(encoding="utf-8")
    new = _SPEED.sub(lambda m: speed_note(float(m.group(1)), page), text)
    if new != text:
        page.write_text(new, encoding="utf-8")


def run_time() -> str:
    """When a section was recorded: the current time in UTC, to the minute (``2026-12-03 12:33 UTC``)."""
    import time

    return time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())


def floor_us(rounds: int = 15, calls: int = 2000) -> float:
    """This machine's speed now: µs per call of the CPython floor's ``add 4 h`` (``peers.Floor``), median.

    The same bare loop as the *CPython floor* row of run.py's tables, so a
    section recorded on a slower or busier machine can be read beside them.
    """
    import statistics
    import timeit
    from datetime import datetime, timedelta
    from zoneinfo import ZoneInfo

    from peers import Floor
    from scenarios import CALENDARS

    cal = Floor().build(CALENDARS["office"])
    start = datetime(2026, 3, 3, 10, tzinfo=ZoneInfo("Europe/Zurich"))
    add, hours = cal[0], timedelta(hours=4)
    timer = timeit.Timer(lambda: add(start, hours))
    timer.timeit(calls)  # warm-up
    return statistics.median(timer.timeit(calls) / calls * 1e6 for _ in range(rounds))


def speed_note(floor: float, page: Path) -> str:
    """A sentence giving *floor* (:func:`floor_us`) beside the floor of run.py's table on *page*."""
    found = None
    if page.exists():
        for line in page.read_text(encoding="utf-8").splitlines():
            if line.startswith("| CPython floor (bare") and "×" not in line:
                found = float(line.split("|")[2].replace(",", ""))
                break  # the first table is the medians
    said = (
        f"Machine speed in this run: the CPython floor's `add 4 h` (benchmarks/peers.py) took "
        f"{floor:.2f} µs per call"
    )
    if found is None:
        return said + "."
    return (
        f"{said}; in the run of the calendar tables at the top of this page it took {found:.2f} µs, "
        f"so this run's machine was {floor / found:.2f}× as slow. Times scale about in proportion; "
        "the goals are judged on the figures as measured."
    )
