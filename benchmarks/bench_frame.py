"""How long ``slacalc.pandas.evaluate_frame`` takes on a million tickets, and how much memory.

    python benchmarks/bench_frame.py                      # print the report
    python benchmarks/bench_frame.py --write docs/performance.md
    python benchmarks/bench_frame.py --rows 100000 --repeat 2   # a quick look

Each case runs in a fresh worker process: it builds the frame (a year of
generated tickets, ``examples/generate_quarter.py``), warms up on 1,000 rows
(so the calendar's years are compiled, as in any long-running process), then
times ``evaluate_frame`` on the whole frame *repeat* times. Memory is the
peak resident set size during those calls above the size just before them
(sampled every 2 ms from ``/proc/self/statm``), so it counts NumPy, pandas
and Arrow buffers alike. For scale, the row-by-row path (``Ticket`` +
``plan.evaluate`` per row, what ``slacalc evaluate`` does) is timed on a
sample and extrapolated.

``--write PATH`` replaces the ``## evaluate_frame`` section of PATH (or
appends it) and leaves the rest of the file as it is.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import platform
import statistics
import subprocess
import sys
import threading
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "examples"))

NOW = "2027-01-01T00:00:00+01:00"
HEADING = "## evaluate_frame"
CASES: dict[str, str] = {
    "zoned": "`datetime64[us, Europe/Zurich]` columns; zitadel-2023 / extended",
    "text": "ISO 8601 text with offsets (as read from CSV); zitadel-2023 / extended",
    "custom": "`datetime64` columns; zitadel-2023 / custom (24x7 and business-hours targets)",
    "family": "ISO 8601 text; the `zitadel` family / extended (version picked per ticket)",
}


# ---------------------------------------------------------------------- worker


def _rss() -> int:
    with open("/proc/self/statm", encoding="ascii") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


class PeakRSS:
    """Samples the resident set size in a thread while the block runs."""

    def __enter__(self) -> PeakRSS:
        self.base = _rss()
        self.peak = self.base
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()
        return self

    def _run(self) -> None:
        while not self._stop.is_set():
            self.peak = max(self.peak, _rss())
            time.sleep(0.002)

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()
        self.peak = max(self.peak, _rss())


def _as_text(column: Any) -> Any:
    """A zoned datetime column as ISO 8601 text with the local offset (fast, vectorised)."""
    import numpy as np
    import pandas as pd

    wall = column.dt.tz_localize(None).to_numpy().astype("M8[us]")
    offset_min = (wall.astype(np.int64) - column.array.as_unit("us").asi8) // 60_000_000
    sign = np.where(offset_min < 0, "-", "+")
    text = np.char.add(np.datetime_as_string(wall, unit="us"), sign)
    hh = np.char.zfill((np.abs(offset_min) // 60).astype(str), 2)
    mm = np.char.zfill((np.abs(offset_min) % 60).astype(str), 2)
    text = np.char.add(np.char.add(np.char.add(text, hh), ":"), mm)
    return pd.Series(text, index=column.index).where(column.notna())


def _frame(case: str, rows: int) -> Any:
    from generate_quarter import generate_tickets

    frame = generate_tickets(rows, "2026-01-01", "2026-12-31", seed=7, until="2026-12-31")
    if case in ("text", "family"):
        frame = frame.assign(
            opened_at=_as_text(frame["opened_at"]), responded_at=_as_text(frame["responded_at"])
        )
    return frame


def worker(case: str, rows: int, repeat: int) -> dict[str, Any]:
    """Time one case in this process; the result as a JSON-able dict."""
    from slacalc.pandas import evaluate_frame

    policy, plan = {"custom": ("zitadel-2023", "custom"), "family": ("zitadel", "extended")}.get(
        case, ("zitadel-2023", "extended")
    )
    frame = _frame(case, rows)
    evaluate_frame(frame.iloc[:1000], policy, plan, now=NOW)  # compile the calendars' years
    times = []
    gc.collect()
    with PeakRSS() as memory:
        for _ in range(repeat):
            start = time.perf_counter()
            out = evaluate_frame(frame, policy, plan, now=NOW)
            times.append(time.perf_counter() - start)
            del out
            gc.collect()
    frame_bytes = int(frame.memory_usage(deep=True).sum())
    return {
        "case": case,
        "rows": rows,
        "times": times,
        "peak_extra_bytes": memory.peak - memory.base,
        "frame_bytes": frame_bytes,
    }


def row_by_row(rows: int) -> dict[str, Any]:
    """``Ticket`` + ``plan.evaluate`` per row on *rows* tickets (the scalar path), per ticket."""
    from slacalc import Ticket, load_policy

    frame = _frame("zoned", rows)
    plan = load_policy("zitadel-2023").plan("extended")  # type: ignore[union-attr]
    now = datetime.fromisoformat(NOW)
    records = list(
        zip(
            frame["id"],
            frame["opened_at"].dt.to_pydatetime(),
            frame["severity"],
            frame["channel"],
            frame["responded_at"].astype(object).where(frame["responded_at"].notna(), None),
            strict=True,
        )
    )
    for record in records[:1000]:
        plan.evaluate(Ticket(*record[:3], channel=record[3], responded_at=record[4]), now)
    start = time.perf_counter()
    for ident, opened, severity, channel, responded in records:
        plan.evaluate(Ticket(ident, opened, severity, channel, responded), now)
    took = time.perf_counter() - start
    return {"case": "row_by_row", "rows": rows, "times": [took]}


# ---------------------------------------------------------------------- report


def _run_worker(args: list[str]) -> dict[str, Any]:
    result = subprocess.run(
        [sys.executable, __file__, *args], capture_output=True, text=True, check=True
    )
    return dict(json.loads(result.stdout.strip().splitlines()[-1]))


def _versions() -> str:
    from importlib.metadata import version

    names = ("slacalc", "pandas", "numpy", "pyarrow")
    found = []
    for name in names:
        try:
            found.append(f"{name} {version(name)}")
        except Exception:
            continue
    return ", ".join(found)


def report(results: list[dict[str, Any]], scalar: dict[str, Any], seconds: float) -> str:
    """The Markdown section for docs/performance.md."""
    rows = results[0]["rows"]
    per_row_us = scalar["times"][0] / scalar["rows"] * 1e6
    lines = [
        HEADING,
        "",
        "<!-- Generated by `python benchmarks/bench_frame.py --write docs/performance.md`; "
        "do not edit by hand. -->",
        "",
        f"`slacalc.pandas.evaluate_frame` on {rows:,} generated tickets (a year of them, "
        "`examples/generate_quarter.py`, seed 7: 10 % on the community channel, the rest "
        f"answered or pending), judged at {NOW}. SPEC §7 asks for under 5 s.",
        "",
        "| input and plan | median | fastest | rows per second | peak memory above the frame | frame size | under 5 s |",
        "|---|---:|---:|---:|---:|---:|:---:|",
    ]
    for result in results:
        median = statistics.median(result["times"])
        lines.append(
            f"| {CASES[result['case']]} | {median:.2f} s | {min(result['times']):.2f} s | "
            f"{result['rows'] / median:,.0f} | {result['peak_extra_bytes'] / 2**20:,.0f} MiB | "
            f"{result['frame_bytes'] / 2**20:,.0f} MiB | {'✓' if median < 5 else '✗'} |"
        )
    lines += [
        "",
        f"For scale: the row-by-row path (`Ticket` + `plan.evaluate` per ticket, what "
        f"`slacalc evaluate` does per CSV row) took {per_row_us:.1f} µs per ticket on "
        f"{scalar['rows']:,} of the same tickets, about {per_row_us * rows / 1e6:,.0f} s for "
        f"{rows:,}. Every figure above equals that path's, row for row (`tests/test_pandas.py`).",
        "",
        "How it was measured: each case in a fresh process; the frame is built, "
        "`evaluate_frame` warms up on 1,000 rows (compiling the calendar's years), then runs "
        f"{len(results[0]['times'])} times on the whole frame. Peak memory is the highest "
        "resident set size sampled every 2 ms during those runs, less the size just before "
        "them (the input frame is not counted; the output frame, a copy of the input plus 12 "
        "columns, is).",
        "",
        f"- run: {datetime.now(UTC):%Y-%m-%d %H:%M} UTC, {seconds:.0f} s in all",
        f"- nproc: {os.cpu_count()}; {platform.platform()}; "
        f"{platform.python_implementation()} {platform.python_version()}",
        f"- load average at the end: {' / '.join(f'{x:.2f}' for x in os.getloadavg())}",
        f"- packages: {_versions()}",
        "",
        "Reproduce: `python benchmarks/bench_frame.py --write docs/performance.md` "
        "(about a minute; `--rows 100000` for a quick look).",
        "",
    ]
    return "\n".join(lines)


def write_section(path: Path, section: str) -> None:
    """Replace this benchmark's section of *path*, keeping the rest of the page."""
    from _sections import write_section as write

    write(path, HEADING, section)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--scalar-rows", type=int, default=50_000)
    parser.add_argument("--write", metavar="PATH", help="replace the section in this Markdown file")
    parser.add_argument("--worker", choices=[*CASES, "row_by_row"], help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker == "row_by_row":
        print(json.dumps(row_by_row(args.rows)))
        return 0
    if args.worker:
        print(json.dumps(worker(args.worker, args.rows, args.repeat)))
        return 0
    start = time.perf_counter()
    results = []
    for case in CASES:
        result = _run_worker(
            ["--worker", case, "--rows", str(args.rows), "--repeat", str(args.repeat)]
        )
        median = statistics.median(result["times"])
        print(
            f"{case}: median {median:.2f} s, peak +{result['peak_extra_bytes'] / 2**20:.0f} MiB",
            file=sys.stderr,
        )
        results.append(result)
    scalar = _run_worker(["--worker", "row_by_row", "--rows", str(args.scalar_rows)])
    section = report(results, scalar, time.perf_counter() - start)
    if args.write:
        write_section(Path(args.write), section)
        print(f"wrote the {HEADING!r} section of {args.write}", file=sys.stderr)
    else:
        print(section)
    return 0


if __name__ == "__main__":
    sys.exit(main())
