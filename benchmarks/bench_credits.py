"""Benchmark: ``slacalc credits`` over generated tickets and contracts, both engines.

Usage (from the repository root, slacalc installed)::

    python benchmarks/bench_credits.py --rows 200000

Generates (seeded, into a temporary folder) a tickets file with a
``customer`` column over 20 customers and a contracts file (a term of a
year each, three plans, some customers in their own zone, one customer with
a second, shorter contract), runs ``slacalc credits`` in a child process with
``SLACALC_ENGINE=rows`` and ``auto``, checks that both give the same bytes,
and prints wall time, CPU time and peak resident memory of each. Figures
only; it writes nothing into the docs.
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import tempfile
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from _child import run_child

ZURICH = ZoneInfo("Europe/Zurich")
CUSTOMERS = [f"C{i}" for i in range(20)]


def generate(tickets: Path, contracts: Path, rows: int, seed: int = 7) -> None:
    """*rows* tickets opened through 2026 (a tenth unanswered), and one contract per customer."""
    rng = random.Random(seed)
    start = datetime(2026, 1, 1, tzinfo=ZURICH)
    channels = ("ticket", "email", "chat", "phone", "community")
    with tickets.open("w", encoding="utf-8", newline="") as f:
        f.write("id,opened_at,severity,responded_at,channel,customer\n")
        for i in range(rows):
            opened = (start + timedelta(seconds=rng.randrange(365 * 86400))).astimezone(ZURICH)
            responded = ""
            if rng.random() > 0.1:
                later = opened + timedelta(seconds=rng.randrange(3 * 86400))
                responded = later.astimezone(ZURICH).isoformat()
            f.write(
                f"T{i},{opened.isoformat()},{rng.randint(1, 4)},{responded},"
                f"{rng.choice(channels)},{rng.choice(CUSTOMERS)}\n"
            )
    with contracts.open("w", encoding="utf-8", newline="") as f:
        f.write("customer,term_start,term_end,plan,term_price,currency,timezone\n")
        for i, customer in enumerate(CUSTOMERS):
            plan = ("extended", "production", "custom")[i % 3]
            zone = "America/New_York" if i % 5 == 0 else ""
            f.write(f"{customer},2026-01-01,2027-01-01,{plan},{12000 + i * 100},EUR,{zone}\n")
        f.write("C3,2026-06-01,2026-09-01,free,,,\n")


def run(tickets: Path, contracts: Path, engine: str) -> tuple[dict[str, float], bytes, bytes]:
    cmd = [
        sys.executable, "-m", "slacalc", "credits", str(tickets), "--policy", "zitadel-2023",
        "--contracts", str(contracts), "--now", "2027-01-01T00:00:00+01:00",
    ]  # fmt: skip
    env = {**os.environ, "SLACALC_ENGINE": engine}
    with tempfile.TemporaryFile() as out:
        child = run_child(cmd, env=env, stdout=out)  # this child's own CPU time and peak memory
        out.seek(0)
        stdout, stderr = out.read(), child.stderr.encode()
    figures = {"wall_s": child.wall_s, "cpu_s": child.cpu_s, "peak_mib": child.peak_mib}
    return figures, stdout, stderr


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=200_000)
    args = parser.parse_args()
    print(f"load average {os.getloadavg()[0]:.1f} at the start, {os.cpu_count()} cores")
    with tempfile.TemporaryDirectory() as tmp:
        tickets, contracts = Path(tmp) / "tickets.csv", Path(tmp) / "contracts.csv"
        generate(tickets, contracts, args.rows)
        results = {engine: run(tickets, contracts, engine) for engine in ("auto", "rows")}
    if results["auto"][1:] != results["rows"][1:]:
        msg = "the two engines disagree"
        raise SystemExit(msg)
    for engine, (figures, _, _) in results.items():
        print(
            f"slacalc credits, {args.rows:,} tickets, SLACALC_ENGINE={engine}: "
            f"{figures['wall_s']:.1f} s wall, {figures['cpu_s']:.1f} s CPU, "
            f"peak {figures['peak_mib']:.0f} MiB"
        )


if __name__ == "__main__":
    main()
