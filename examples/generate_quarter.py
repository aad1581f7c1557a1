"""Made-up support tickets for trying slacalc.pandas: a quarter's worth, or a million.

Run it with ``python examples/generate_quarter.py`` to see a summary of the
quarter the notebook uses, or ``python examples/generate_quarter.py --out
tickets.csv`` to write it as the CSV that ``slacalc evaluate`` and ``slacalc
report`` read. The same seed gives the same tickets on every machine.

The tickets look like a small helpdesk's: opened mostly in Zurich office
hours on weekdays (some at night and at weekends), severities 1-4 with few
critical ones, most on professional channels and some from the community
forum, answered after a delay that depends on the severity; tickets opened
shortly before the end of the period may still be waiting for an answer.
"""

from __future__ import annotations

import argparse
import sys

import numpy as np
import pandas as pd

ZONE = "Europe/Zurich"
CUSTOMERS = (
    "Acme AG", "Globex GmbH", "Initech SA", "Umbrella AG", "Hooli Sàrl", "Stark AG",
    "Wayne GmbH", "Tyrell SA", "Soylent AG", "Cyberdyne GmbH", "Wonka AG", "Gringotts SA",
)  # fmt: skip
CHANNELS = ("ticket", "email", "chat", "phone", "community")
CHANNEL_SHARE = (0.5, 0.25, 0.1, 0.05, 0.1)
SEVERITY_SHARE = (0.05, 0.15, 0.5, 0.3)
#: Median minutes to the first answer per severity (log-normal around it).
MEDIAN_MINUTES = (20.0, 45.0, 240.0, 600.0)


def generate_tickets(
    n: int,
    start: str = "2026-01-01",
    end: str = "2026-04-01",
    seed: int = 2026,
    until: str | None = None,
) -> pd.DataFrame:
    """*n* tickets opened in ``[start, end)`` (Zurich dates), answered by *until* or still waiting.

    Columns: ``id``, ``customer``, ``channel``, ``severity`` (1-4),
    ``opened_at`` and ``responded_at`` (``datetime64[us, Europe/Zurich]``;
    NaT for a ticket not answered by *until*, default *end*).
    """
    rng = np.random.default_rng(seed)
    first = pd.Timestamp(start)
    days = (pd.Timestamp(end) - first).days
    # Weekdays get most tickets; hours follow office hours with a thin night tail.
    day = rng.integers(0, days, size=n * 2)
    weekday = (first.weekday() + day) % 7
    keep = (weekday < 5) | (rng.random(day.size) < 0.15)
    day = day[keep][:n]
    while day.size < n:  # pragma: no cover - the weekday filter keeps ~2/3, ample for n*2 draws
        day = np.concatenate([day, rng.integers(0, days, size=n - day.size)])
    office = rng.random(n) < 0.85
    hour = np.where(office, 7 + 12 * rng.beta(2.5, 2.5, n), rng.uniform(0, 24, n))
    wall = first.to_datetime64().astype("M8[us]") + day.astype("m8[D]").astype("m8[us]")
    wall = wall + (hour * 3_600_000_000).astype(np.int64).astype("m8[us]")
    opened = (
        pd.DatetimeIndex(wall)
        .tz_localize(ZONE, nonexistent="shift_forward", ambiguous=np.zeros(n, dtype=bool))
        .as_unit("us")
    )
    order = np.argsort(opened.asi8, kind="stable")
    opened = opened[order]
    severity = rng.choice(4, size=n, p=SEVERITY_SHARE) + 1
    median = np.asarray(MEDIAN_MINUTES)[severity - 1]
    delay_us = (median * np.exp(rng.normal(0.0, 0.8, n)) * 60_000_000).astype(np.int64)
    responded = opened + pd.to_timedelta(delay_us, unit="us")
    cutoff = pd.Timestamp(until or end, tz=ZONE)
    responded = responded.where(responded <= cutoff)
    return pd.DataFrame(
        {
            "id": [f"T-{i + 1:07d}" for i in range(n)],
            "customer": rng.choice(np.asarray(CUSTOMERS, dtype=object), size=n),
            "channel": rng.choice(np.asarray(CHANNELS, dtype=object), size=n, p=CHANNEL_SHARE),
            "severity": severity,
            "opened_at": opened,
            "responded_at": responded,
        }
    )


def generate_quarter(seed: int = 2026, tickets: int = 2400) -> pd.DataFrame:
    """The first quarter of 2026: *tickets* tickets, evaluated as of 1 April 2026 00:00 Zurich.

    Instants are whole seconds, as helpdesks record them (``generate_tickets``
    keeps microseconds, to exercise slacalc's exactness).
    """
    frame = generate_tickets(tickets, "2026-01-01", "2026-04-01", seed=seed)
    for name in ("opened_at", "responded_at"):
        frame[name] = frame[name].dt.floor("s")
    return frame


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", help="write the tickets to this CSV file")
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--tickets", type=int, default=2400)
    args = parser.parse_args(argv)
    frame = generate_quarter(args.seed, args.tickets)
    if args.out:
        text = frame.assign(
            opened_at=frame["opened_at"].map(pd.Timestamp.isoformat),
            responded_at=[None if pd.isna(t) else t.isoformat() for t in frame["responded_at"]],
        )
        text.to_csv(args.out, index=False)
        print(f"wrote {len(frame)} tickets to {args.out}")
    else:
        print(f"{len(frame)} tickets from {frame['opened_at'].min()} to {frame['opened_at'].max()}")
        print(frame["severity"].value_counts().sort_index().rename("tickets").to_string())
        print(f"still waiting for an answer: {int(frame['responded_at'].isna().sum())}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
