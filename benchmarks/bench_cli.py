"""Benchmark: ``slacalc evaluate`` over a generated CSV of tickets, and one ``plan.evaluate``.

Usage (from the repository root, slacalc installed)::

    python benchmarks/bench_cli.py --rows 1000000

Generates the tickets file once (seeded, into a temporary folder), runs the
command line in a child process, and reports wall time and the child's peak
resident memory (``ru_maxrss``). Also reports the median of one
``plan.evaluate`` call on a ticket with a first response.
"""

from __future__ import annotations

import argparse
import random
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

ZURICH = ZoneInfo("Europe/Zurich")


def generate(path: Path, rows: int, seed: int = 7) -> None:
    """Write *rows* tickets opened through 2026, a tenth of them unanswered."""
    rng = random.Random(seed)
    start = datetime(2026, 1, 1, tzinfo=ZURICH)
    channels = ("ticket", "email", "chat", "phone", "community")
    with path.open("w", encoding="utf-8", newline="") as f:
        f.write("id,opened_at,severity,responded_at,channel\n")
        for i in range(rows):
            opened = start + timedelta(seconds=rng.randrange(365 * 86400))
            opened = opened.astimezone(ZURICH)
            responded = ""
            if rng.random() > 0.1:
                responded = (
                    (opened + timedelta(seconds=rng.randrange(3 * 86400)))
                    .astimezone(ZURICH)
                    .isoformat()
                )
            f.write(
                f"T{i},{opened.isoformat()},{rng.randint(1, 4)},{responded},{rng.choice(channels)}\n"
            )


def bench_cli(rows: int) -> dict[str, float]:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "tickets.csv"
        t0 = time.perf_counter()
        generate(path, rows)
        gen = time.perf_counter() - t0
        cmd = [
            sys.executable, "-m", "slacalc", "evaluate", str(path),
            "--policy", "zitadel-2023", "--plan", "extended", "--now", "2027-01-01T00:00:00+01:00",
        ]  # fmt: skip
        t0 = time.perf_counter()
        done = subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, check=False)
        wall = time.perf_counter() - t0
        if done.returncode != 0:
            raise SystemExit(done.stderr.decode()[-2000:])
        peak_kib = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
        return {"rows": rows, "generate_s": gen, "wall_s": wall, "peak_mib": peak_kib / 1024}


def bench_evaluate(repeat: int = 20_000) -> dict[str, float]:
    from slacalc import Ticket, load_policy

    plan = load_policy("zitadel-2023").plan("extended")
    ticket = Ticket(
        "T-1",
        datetime(2026, 4, 2, 18, tzinfo=ZURICH),
        "2",
        responded_at=datetime(2026, 4, 7, 8, 20, tzinfo=ZURICH),
    )
    now = datetime(2026, 5, 1, tzinfo=ZURICH)
    for _ in range(1000):
        plan.evaluate(ticket, now)
    samples = []
    for _ in range(50):
        t0 = time.perf_counter()
        for _ in range(repeat // 50):
            plan.evaluate(ticket, now)
        samples.append((time.perf_counter() - t0) / (repeat // 50) * 1e6)
    return {
        "median_us": statistics.median(samples),
        "p90_us": sorted(samples)[int(len(samples) * 0.9)],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=1_000_000)
    args = parser.parse_args()
    ev = bench_evaluate()
    print(
        f"plan.evaluate (zitadel-2023/extended, answered ticket): median {ev['median_us']:.1f} µs, p90 {ev['p90_us']:.1f} µs"
    )
    cli = bench_cli(args.rows)
    print(
        f"slacalc evaluate, {cli['rows']:,} CSV tickets: {cli['wall_s']:.1f} s wall "
        f"({cli['rows'] / cli['wall_s']:,.0f} tickets/s), peak RSS {cli['peak_mib']:.0f} MiB "
        f"(generating the file took {cli['generate_s']:.1f} s)"
    )


if __name__ == "__main__":
    main()
