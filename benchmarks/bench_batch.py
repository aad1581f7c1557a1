"""The batch calendar API (``Calendar.add_many`` / ``elapsed_many``) on a million instants, beside workclock's.

    python benchmarks/bench_batch.py                      # print the report
    python benchmarks/bench_batch.py --write docs/performance.md
    python benchmarks/bench_batch.py --rows 100000 --repeat 3   # a quick look

Both libraries get the same calendar (office hours 08:00-17:00 Monday to
Friday in Europe/Zurich with St. Gallen's public holidays, as in run.py) and
the same NumPy arrays: ``datetime64[us]`` starts (UTC) spread over 2026,
``timedelta64[us]`` durations up to 40 hours, ends up to 30 days after the
starts. Each library warms up on 1,000 elements (compiling its calendar),
then the four calls (slacalc ``add_many``, workclock ``add_many``, slacalc
``elapsed_many``, workclock ``between_many``) take turns, *repeat* rounds, so
load from other processes hits both alike; the report gives the median and
the fastest round in ns per element. The answers are compared element by
element: with each other, and slacalc's with its scalar ``add`` / ``elapsed``
on a sample.

``--write PATH`` replaces the ``## Batch calendar API`` section of PATH (or
appends it) and leaves the rest of the file as it is.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import sys
import time
from datetime import UTC, datetime, timedelta
from importlib import metadata
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

HEADING = "## Batch calendar API"
GOAL_NS = 100.0  # per element (issue 11)
GOAL_RATIO = 10.0  # times faster than workclock's batch calls
SAMPLE = 5_000  # elements checked against the scalar methods
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
US = timedelta(microseconds=1)


def load() -> str:
    return " / ".join(f"{x:.2f}" for x in os.getloadavg())


def arrays(rows: int, seed: int = 11) -> tuple[Any, Any, Any]:
    import numpy as np

    rng = np.random.default_rng(seed)
    lo = int(np.datetime64("2026-01-01", "us").astype(np.int64))
    hi = int(np.datetime64("2027-01-01", "us").astype(np.int64))
    starts = rng.integers(lo, hi, rows).view("M8[us]")
    durations = rng.integers(0, 40 * 3600 * 10**6, rows).view("m8[us]")
    ends = (starts.view(np.int64) + rng.integers(0, 30 * 86400 * 10**6, rows)).view("M8[us]")
    return starts, durations, ends


def timed(fn: Any, *args: Any) -> tuple[float, Any]:
    t0 = time.perf_counter()
    out = fn(*args)
    return time.perf_counter() - t0, out


def measure(rows: int, repeat: int) -> dict[str, Any]:
    import numpy as np
    from peers import ADAPTERS
    from scenarios import CALENDARS

    from slacalc.calendars import office_hours

    started = time.perf_counter()
    info: dict[str, Any] = {"rows": rows, "repeat": repeat, "load_start": load()}
    starts, durations, ends = arrays(rows)
    office = office_hours()
    office.add_many(starts[:1000], durations[:1000])  # compile 2026's years
    calls: dict[str, tuple[Any, tuple[Any, ...]]] = {
        "slacalc add_many": (office.add_many, (starts, durations)),
        "slacalc elapsed_many": (office.elapsed_many, (starts, ends)),
    }
    try:
        schedule = ADAPTERS["workclock"].build(CALENDARS["office"])
        schedule.add_many(starts[:1000], durations[:1000])
        calls["workclock add_many"] = (schedule.add_many, (starts, durations))
        calls["workclock between_many"] = (schedule.between_many, (starts, ends))
        info["workclock"] = metadata.version("workclock")
    except ImportError as exc:
        info["workclock"] = f"not installed ({exc})"
    order = [
        k
        for k in (
            "slacalc add_many",
            "workclock add_many",
            "slacalc elapsed_many",
            "workclock between_many",
        )
        if k in calls
    ]
    times: dict[str, list[float]] = {k: [] for k in order}
    answers: dict[str, Any] = {}
    for r in range(repeat):
        for key in order if r % 2 == 0 else order[::-1]:
            fn, args = calls[key]
            took, out = timed(fn, *args)
            times[key].append(took / rows * 1e9)
            answers[key] = out
        print(
            f"round {r + 1}/{repeat}: "
            + ", ".join(f"{k} {v[-1]:.0f} ns" for k, v in times.items()),
            file=sys.stderr,
        )
    # other input kinds, slacalc only (one round each: for scale, not a race)
    import pandas as pd

    zoned = pd.Series(starts).dt.tz_localize("UTC").dt.tz_convert("Europe/Zurich")
    took, _ = timed(office.add_many, zoned, pd.Series(durations))
    kinds = {"Series (`datetime64[us, Europe/Zurich]`)": took / rows * 1e9}
    small = min(rows, 100_000)
    listed = [EPOCH + timedelta(microseconds=int(t)) for t in starts[:small].view(np.int64)]
    steps = [timedelta(microseconds=int(d)) for d in durations[:small].view(np.int64)]
    took, _ = timed(office.add_many, listed, steps)
    kinds[f"list of aware datetimes ({small:,} elements)"] = took / small * 1e9
    t0 = time.perf_counter()
    for s, d in zip(listed, steps, strict=True):
        office.add(s, d)
    kinds[f"for scale: a loop of scalar `add` ({small:,} calls)"] = (
        (time.perf_counter() - t0) / small * 1e9
    )
    info["kinds"] = kinds
    # correctness: slacalc against its scalar methods on a sample, and against workclock in full
    idx = np.random.default_rng(3).choice(rows, size=min(SAMPLE, rows), replace=False)
    add_out, el_out = answers["slacalc add_many"], answers["slacalc elapsed_many"]
    wrong = 0
    for k in idx.tolist():
        s = EPOCH + timedelta(microseconds=int(starts[k].astype(np.int64)))
        d = timedelta(microseconds=int(durations[k].astype(np.int64)))
        e = EPOCH + timedelta(microseconds=int(ends[k].astype(np.int64)))
        wrong += (office.add(s, d) - EPOCH) // US != int(add_out[k].astype(np.int64))
        wrong += office.elapsed(s, e) // US != int(el_out[k].astype(np.int64))
    info["scalar_checked"] = len(idx)
    info["scalar_wrong"] = wrong
    if "workclock add_many" in answers:
        info["differ_add"] = int(
            np.count_nonzero(answers["workclock add_many"].astype("M8[us]") != add_out)
        )
        info["differ_elapsed"] = int(
            np.count_nonzero(answers["workclock between_many"].astype("m8[us]") != el_out)
        )
    info["times"] = times
    info["seconds"] = time.perf_counter() - started
    info["load_end"] = load()
    return info


def fmt(ns: float) -> str:
    return f"{ns:,.0f}" if ns >= 100 else f"{ns:.1f}"


def render(info: dict[str, Any]) -> str:
    times = info["times"]
    med = {k: statistics.median(v) for k, v in times.items()}
    fast = {k: min(v) for k, v in times.items()}
    lines = [
        HEADING,
        "",
        "<!-- Generated by `python benchmarks/bench_batch.py --write docs/performance.md`; do not edit by hand. -->",
        "",
        f"`Calendar.add_many` and `Calendar.elapsed_many` on {info['rows']:,} instants (NumPy "
        "`datetime64[us]` in, NumPy out), beside workclock's `add_many` and `between_many` on the "
        "same arrays and the same calendar (`office_hours()`: 08:00-17:00 Monday to Friday, "
        "Europe/Zurich, St. Gallen's public holidays). Starts are spread over 2026, durations up "
        "to 40 hours, ends up to 30 days after the starts.",
        "",
        "| operation | slacalc, ns per element | workclock, ns per element | workclock / slacalc "
        "| slacalc under 100 ns | at least 10× faster |",
        "|---|---:|---:|---:|:---:|:---:|",
    ]
    misses: list[str] = []
    for op, mine, theirs in (
        ("add", "slacalc add_many", "workclock add_many"),
        ("elapsed", "slacalc elapsed_many", "workclock between_many"),
    ):
        m = med[mine]
        cell = f"{fmt(m)} (fastest {fmt(fast[mine])})"
        if theirs in med:
            t = med[theirs]
            other = f"{fmt(t)} (fastest {fmt(fast[theirs])})"
            ratio = t / m
            ratio_cell, ratio_ok = f"{ratio:.1f}×", ratio >= GOAL_RATIO
        else:
            other, ratio_cell, ratio_ok = "not installed", "–", False
            ratio = 0.0
        under = m < GOAL_NS
        if not under:
            misses.append(f"slacalc {op}: {fmt(m)} ns per element (goal under {GOAL_NS:.0f} ns)")
        if not ratio_ok and theirs in med:
            misses.append(f"{op}: workclock / slacalc = {ratio:.1f}× (goal at least 10×)")
        lines.append(
            f"| `{mine.split()[1]}` / `{theirs.split()[1]}` | {cell} | {other} | {ratio_cell} "
            f"| {'✓' if under else '✗'} | {'✓' if ratio_ok else '✗'} |"
        )
    lines.append("")
    if misses:
        lines += ["**Where a goal is missed** (this run, as measured):", ""]
        lines += [f"- {m}." for m in misses]
        lines.append("")
    else:
        lines += ["Both goals are met in this run.", ""]
    checked = info["scalar_checked"]
    lines.append(
        f"Answers: slacalc's batch results equal its scalar `add` / `elapsed` on all {checked:,} "
        "sampled elements"
        if not info["scalar_wrong"]
        else f"Answers: **{info['scalar_wrong']} of {2 * checked:,} sampled batch results differ from "
        "slacalc's scalar methods**"
    )
    if "differ_add" in info:
        lines[-1] += (
            f"; workclock's differ from slacalc's on {info['differ_add']:,} `add` and "
            f"{info['differ_elapsed']:,} `elapsed` elements of {info['rows']:,}."
        )
    else:
        lines[-1] += "."
    lines += [
        "",
        "slacalc's other input kinds, for scale (one round each):",
        "",
        "| input | ns per element |",
        "|---|---:|",
        *(f"| {k} | {fmt(v)} |" for k, v in info["kinds"].items()),
        "",
        "How it was measured: one process; each library warms up on 1,000 elements (its calendar "
        f"compiles then); the four calls take turns for {info['repeat']} rounds (the order reversed "
        "every other round) and the table gives the median round and the fastest. The machine is "
        "shared: the spread between rounds shows the noise.",
        "",
        f"- run: {datetime.now(UTC):%Y-%m-%d %H:%M} UTC, {info['seconds']:.0f} s in all",
        f"- nproc: {os.cpu_count()}; {platform.platform()}; CPython {platform.python_version()}",
        f"- load average at the start: {info['load_start']}; at the end: {info['load_end']}",
        "- rounds, ns per element: "
        + "; ".join(f"{k}: " + ", ".join(fmt(x) for x in v) for k, v in times.items()),
        f"- packages: slacalc {metadata.version('slacalc') if _has('slacalc') else 'source'}, "
        f"numpy {metadata.version('numpy')}, workclock {info['workclock']}",
        "",
        "Reproduce: `python benchmarks/bench_batch.py --write docs/performance.md` (about a minute; "
        "`--rows 100000` for a quick look).",
    ]
    return "\n".join(lines) + "\n"


def _has(dist: str) -> bool:
    try:
        metadata.version(dist)
    except metadata.PackageNotFoundError:
        return False
    return True


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--write", metavar="PATH", help="replace the section in this Markdown file")
    args = parser.parse_args(argv)
    report = render(measure(args.rows, args.repeat))
    if args.write:
        from _sections import write_section

        write_section(Path(args.write), HEADING, report)
    else:
        print(report)
    return 0


if __name__ == "__main__":
    sys.exit(main())
