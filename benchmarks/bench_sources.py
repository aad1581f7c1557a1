"""Benchmark: ``slacalc evaluate --source`` over large synthetic exports.

Usage (from the repository root, slacalc importable)::

    python benchmarks/bench_sources.py --tickets 1000000
    python benchmarks/bench_sources.py --tickets 100000 --cases zendesk,events

Each case writes its export once with ``benchmarks/gen_sources.py`` (seeded,
into a temporary folder, not timed), runs the command line in a child
process with standard output to ``/dev/null``, and reports wall time, the
child's peak resident memory (``ru_maxrss``) and tickets per second.
"""

from __future__ import annotations

import argparse
import os
import platform
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

import gen_sources

CASES = {
    # slacalc's own CSV (benchmarks/bench_cli.py's generator), the yardstick the others are scaled by
    "plain": ("", ".csv", 0, []),
    # name: (source, file suffix, records per page (0: JSON Lines), extra args)
    "zendesk": ("zendesk", ".jsonl", 0, []),
    "zendesk-pages": ("zendesk", ".json", 1000, []),
    "events": ("events", ".csv", 0, []),
    "events-any": ("events", ".csv", 0, ["--events-order", "any"]),
    "jira": ("jira", ".jsonl", 0, []),
    "zammad": ("zammad", ".jsonl", 0, []),
    "freshdesk": ("freshdesk", ".jsonl", 0, []),
}


def run(case: str, tickets: int, folder: Path) -> dict[str, float]:
    source, suffix, pages, extra = CASES[case]
    path = folder / f"{case}{suffix}"
    if source:
        with path.open("w", encoding="utf-8", newline="") as out:
            gen_sources.write(source, tickets, out, pages)
    else:
        import bench_cli

        bench_cli.generate(path, tickets)
    cmd = [
        sys.executable, "-m", "slacalc", "evaluate", str(path),
        "--policy", "zitadel-2023", "--plan", "extended", "--now", "2027-01-01T00:00:00+00:00",
        *(["--source", source] if source else []), *extra,
    ]  # fmt: skip
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    before = usage.ru_maxrss
    cpu_before = usage.ru_utime + usage.ru_stime
    t0 = time.perf_counter()
    with open(os.devnull, "w") as devnull:
        done = subprocess.run(cmd, stdout=devnull, stderr=subprocess.PIPE, text=True, check=False)
    wall = time.perf_counter() - t0
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    peak = usage.ru_maxrss
    cpu = usage.ru_utime + usage.ru_stime - cpu_before
    if done.returncode != 0:  # the synthetic exports hold no bad record: any is a reader bug
        msg = f"{case}: exit {done.returncode}: {done.stderr[-2000:]}"
        raise SystemExit(msg)
    size = path.stat().st_size
    path.unlink()
    return {
        "seconds": wall,
        "cpu": cpu,
        "peak_mb": max(peak, before) / 1024,
        "tickets_per_s": tickets / wall,
        "file_mb": size / 1e6,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--tickets", type=int, default=100_000)
    parser.add_argument(
        "--cases", default="plain,zendesk,plain,events,plain,events-any,zendesk-pages"
    )
    args = parser.parse_args()
    print(f"python {platform.python_version()} on {platform.machine()}, {os.cpu_count()} cores")
    print(
        f"{'case':<14} {'tickets':>9} {'file MB':>8} {'seconds':>8} {'CPU s':>7} "
        f"{'tickets/s':>10} {'peak MB':>8} {'CPU / plain':>11}"
    )
    plain_cpu: float | None = None
    with tempfile.TemporaryDirectory() as tmp:
        for case in args.cases.split(","):
            r = run(case, args.tickets, Path(tmp))
            if case == "plain":
                plain_cpu = r["cpu"]
            ratio = "" if plain_cpu is None else f"{r['cpu'] / plain_cpu:.2f}"
            print(
                f"{case:<14} {args.tickets:>9,} {r['file_mb']:>8.0f} {r['seconds']:>8.1f} "
                f"{r['cpu']:>7.1f} {r['tickets_per_s']:>10,.0f} {r['peak_mb']:>8.0f} {ratio:>11}",
                flush=True,
            )


if __name__ == "__main__":
    main()
