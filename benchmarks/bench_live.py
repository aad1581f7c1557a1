"""Benchmark: live metrics. ``plan.evaluate`` of a ticket with 20 events, and ``slacalc due``.

Usage (from the repository root, slacalc installed)::

    python benchmarks/bench_live.py --rows 100000            # quick
    python benchmarks/bench_live.py --rows 1000000 --write docs/performance.md

``plan.evaluate``: one ticket with 20 events (customer and agent messages,
pending / open statuses, a severity change), on a built-in plan
(zitadel-2023/extended: initial and escalation response) and on the test
policy ``tests/live_policy.toml`` that targets all eight built-in metrics
(its 20 events make 15 clocks: 5 next replies, 6 periodic updates, the
initial response, resolution and the two totals). Median and p90 of 60
samples of CPU time per call (``time.process_time``: on a shared machine the
wall clock also counts other processes' time slices).

``slacalc due``: a generated CSV of open tickets for freistilbox/standard
(a third answered, a third dispatched, opened over the last ten days), run
in a child process with ``--within "4 hours"``; wall time and the child's
peak resident memory (``ru_maxrss``).
"""

from __future__ import annotations

import argparse
import os
import platform
import random
import statistics
import sys
import tempfile
import time
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from _child import run_child
from _sections import floor_us, run_time, speed_note

ROOT = Path(__file__).resolve().parent.parent
ZURICH = ZoneInfo("Europe/Zurich")
BERLIN = ZoneInfo("Europe/Berlin")
NOW = datetime(2026, 3, 20, 12, tzinfo=BERLIN)


def twenty_events() -> object:
    from slacalc import Ticket

    opened = datetime(2026, 3, 2, 9, tzinfo=ZURICH)
    cycle = [
        ("message", "customer"),
        ("message", "agent"),
        ("status", "pending"),
        ("status", "open"),
        ("message", "customer"),
        ("message", "agent"),
    ]
    events = []
    at = opened
    for i in range(20):
        at += timedelta(minutes=47)
        kind, value = cycle[i % len(cycle)]
        events.append((at, kind, value))
    events[7] = (events[7][0], "severity", "1")
    return Ticket("T-20", opened, 2, events=events)


def evaluate_cases() -> list[tuple[str, Any, Any, datetime]]:
    """The ``plan.evaluate`` cases: (label, plan, ticket, now); bench_instructions.py counts them too."""
    from slacalc import Ticket, load_policy

    ticket = twenty_events()
    now = datetime(2026, 3, 20, tzinfo=ZURICH)
    answered = Ticket(
        "T-1",
        datetime(2026, 4, 2, 18, tzinfo=ZURICH),
        "2",
        responded_at=datetime(2026, 4, 7, 8, 20, tzinfo=ZURICH),
    )
    extended = load_policy("zitadel-2023").plan("extended")
    desk = load_policy(ROOT / "tests" / "live_policy.toml").plan("desk")
    return [
        (
            "for scale: SPEC §7's answered ticket, no events, zitadel-2023/extended",
            extended,
            answered,
            datetime(2026, 5, 1, tzinfo=ZURICH),
        ),
        ("20 events, zitadel-2023/extended (2 metrics)", extended, ticket, now),
        ("20 events, tests/live_policy.toml desk (8 metrics)", desk, ticket, now),
    ]


def bench_evaluate() -> list[tuple[str, float, float, int]]:
    out = []
    for label, plan, one, at in evaluate_cases():
        evaluation = plan.evaluate(one, at)
        clocks = sum(
            1 for o in evaluation for c in getattr(o, "instances", (o,)) if c.started_at is not None
        )
        for _ in range(500):
            plan.evaluate(one, at)
        samples = []
        for _ in range(60):
            t0 = time.process_time()
            for _ in range(200):
                plan.evaluate(one, at)
            samples.append((time.process_time() - t0) / 200 * 1e6)
        samples.sort()
        out.append((label, statistics.median(samples), samples[int(len(samples) * 0.9)], clocks))
    return out


def generate(path: Path, rows: int, seed: int = 11) -> None:
    """Open freistilbox tickets, opened over the ten days before NOW."""
    rng = random.Random(seed)
    start = NOW - timedelta(days=10)
    priorities = ("urgent", "high", "normal", "normal", "low")
    with path.open("w", encoding="utf-8", newline="") as f:
        f.write("id,opened_at,severity,responded_at,dispatched_at\n")
        for i in range(rows):
            opened = (start + timedelta(seconds=rng.randrange(10 * 86400))).astimezone(BERLIN)
            responded = dispatched = ""
            if rng.random() < 1 / 3:
                responded = (opened + timedelta(minutes=rng.randrange(1, 600))).isoformat()
            if rng.random() < 1 / 3:
                dispatched = (opened + timedelta(minutes=rng.randrange(1, 120))).isoformat()
            if responded and responded > NOW.isoformat():
                responded = ""
            if dispatched and dispatched > NOW.isoformat():
                dispatched = ""
            f.write(
                f"F{i},{opened.isoformat()},{rng.choice(priorities)},{responded},{dispatched}\n"
            )


def bench_due(rows: int) -> dict[str, float]:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "open.csv"
        generate(path, rows)
        out = Path(tmp) / "due.csv"
        cmd = [
            sys.executable, "-m", "slacalc", "due", str(path), "--policy", "freistilbox",
            "--plan", "standard", "--now", NOW.isoformat(), "--within", "4 hours", "--out", str(out),
        ]  # fmt: skip
        child = run_child(cmd)
        if child.returncode != 0:
            raise SystemExit(child.stderr[-2000:])
        wall, cpu, peak_mib = child.wall_s, child.cpu_s, child.peak_mib
        listed = sum(1 for _ in out.open(encoding="utf-8")) - 1
        # the same file through `slacalc evaluate`, for scale on a shared machine
        cmd = [
            sys.executable, "-m", "slacalc", "evaluate", str(path), "--policy", "freistilbox",
            "--plan", "standard", "--now", NOW.isoformat(),
        ]  # fmt: skip
        evaluated = run_child(cmd)
        if evaluated.returncode != 0:
            raise SystemExit(evaluated.stderr[-2000:])
        evaluate_wall, evaluate_cpu = evaluated.wall_s, evaluated.cpu_s
        return {
            "rows": rows,
            "wall_s": wall,
            "cpu_s": cpu,
            "peak_mib": peak_mib,
            "listed": listed,
            "evaluate_wall_s": evaluate_wall,
            "evaluate_cpu_s": evaluate_cpu,
        }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument(
        "--write", metavar="PATH", help="replace the '## Live metrics' section of PATH"
    )
    args = parser.parse_args()
    load = os.getloadavg()
    floor = floor_us()
    evaluations = bench_evaluate()
    due = bench_due(args.rows)
    per_million = due["wall_s"] / due["rows"] * 1_000_000
    lines = [
        "## Live metrics",
        "",
        "<!-- Generated by `python benchmarks/bench_live.py --write docs/performance.md`. -->",
        "",
        f"Python {platform.python_version()}, {os.cpu_count()} cores, load average "
        f"{load[0]:.1f} / {load[1]:.1f} / {load[2]:.1f} (1 / 5 / 15 min) at the start; "
        f"run {run_time()}.",
        "",
        speed_note(floor, Path(args.write or ROOT / "docs" / "performance.md")),
        "",
        "| what | figure | goal (issue 9) |",
        "|---|---:|---|",
    ]
    for label, median, p90, clocks in evaluations:
        goal = "(SPEC §7: under 20 µs)" if label.startswith("for scale") else "under 60 µs median"
        lines.append(
            f"| `plan.evaluate`, {label}: {clocks} clock(s), median / p90 CPU time | "
            f"{median:.1f} / {p90:.1f} µs | {goal} |"
        )
    ratio = due["cpu_s"] / due["evaluate_cpu_s"]
    lines += [
        f"| `slacalc due`, {due['rows']:,} open tickets, wall time (CPU time) | {due['wall_s']:.1f} s ({due['cpu_s']:.1f} s) | |",
        f"| … per 1,000,000 tickets (linear: the command streams) | {per_million:.0f} s | under 60 s |",
        f"| … CPU time relative to `slacalc evaluate` of the same file, same run | {ratio:.2f}× ({due['evaluate_cpu_s']:.1f} s) | |",
        f"| … peak resident memory | {due['peak_mib']:.0f} MiB | under 300 MB |",
        f"| … clocks listed (breached or due / alerting within 4 h) | {due['listed']:,} | |",
        "",
        "Reproduce with `python benchmarks/bench_live.py --rows 1000000`.",
        "",
    ]
    section = "\n".join(lines)
    print(section)
    if args.write:
        sys.path.insert(0, str(Path(__file__).parent))
        from _sections import write_section

        write_section(Path(args.write), "## Live metrics", section)


if __name__ == "__main__":
    main()
