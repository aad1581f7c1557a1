"""Regenerate the golden answer files, without using slacalc (only zoneinfo and holidays).

    python tests/golden/generate.py

* ``calendars/office-CH-SG-2026.csv``: office hours (08:00-17:00 Mon-Fri,
  Europe/Zurich, St. Gallen public holidays), one row per open day:
  ``date,open,close`` with the instants in UTC;
* ``holidays/CH-SG-2026.json``: St. Gallen's 2026 holidays by category.

Review the diff before committing a regenerated file: it is the expected answer.
"""

from __future__ import annotations

import csv
import json
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import holidays

HERE = Path(__file__).parent
ZURICH = ZoneInfo("Europe/Zurich")


def office_2026() -> list[dict[str, str]]:
    closed = holidays.country_holidays("CH", subdiv="SG", years=2026, categories=("public",))
    rows = []
    day = date(2026, 1, 1)
    while day.year == 2026:
        if day.weekday() < 5 and day not in closed:
            opens = datetime(day.year, day.month, day.day, 8, tzinfo=ZURICH).astimezone(UTC)
            closes = datetime(day.year, day.month, day.day, 17, tzinfo=ZURICH).astimezone(UTC)
            rows.append(
                {
                    "date": day.isoformat(),
                    "open": opens.strftime("%Y-%m-%d %H:%M"),
                    "close": closes.strftime("%Y-%m-%d %H:%M"),
                }
            )
        day += timedelta(days=1)
    return rows


def sg_holidays_2026() -> dict[str, dict[str, str]]:
    out = {}
    for category in ("public", "optional"):
        table = holidays.country_holidays(
            "CH", subdiv="SG", years=2026, categories=(category,), language="en_US"
        )
        out[category] = {day.isoformat(): name for day, name in sorted(table.items())}
    return out


def main() -> None:
    path = HERE / "calendars" / "office-CH-SG-2026.csv"
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=["date", "open", "close"], lineterminator="\n")
        writer.writeheader()
        writer.writerows(office_2026())
    path = HERE / "holidays" / "CH-SG-2026.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(sg_holidays_2026(), indent=4, sort_keys=True) + "\n")


if __name__ == "__main__":
    main()
