"""Benchmark: ``slacalc evaluate --source`` over large synthetic exports.

Usage (from the repository root, slacalc importable)::

    python benchmarks/bench_sources.py --tickets 1000000
    python benchmarks/bench_sources.py --tickets 1000000 --write docs/performance.md
    python benchmarks/bench_sources.py --tickets 100000 --cases plain,zendesk,events,events-any

Each case writes its export once with ``benchmarks/gen_sources.py`` (seeded,
into a temporary folder, not timed; ``--keep DIR`` keeps the exports there
and reuses them in later runs), runs the command line in a child process with
standard output to ``/dev/null``, and reports that child's own wall time, CPU
time (user + system) and peak resident memory, read with ``os.wait4`` for
that child alone (so a case after a bigger one reports its own peak), plus
tickets per second and the machine's load average before and after. The
machine may be shared: CPU time moves less with load than wall time does.

``--write PATH`` replaces the section ``## Helpdesk exports (`--source`)`` of
PATH (docs/performance.md) with the table of this run.
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

import gen_sources
from _child import run_child
from _sections import floor_us, run_time, speed_note, write_section

HEADING = "## Helpdesk exports (`--source`)"

CASES = {
    # slacalc's own CSV (benchmarks/bench_cli.py's generator), the yardstick the others are scaled by
    "plain": ("", ".csv", 0, []),
    # name: (source, file suffix, records per page (0: JSON Lines), extra args)
    "zendesk": ("zendesk", ".jsonl", 0, []),
    "zendesk-jobs": ("zendesk", ".jsonl", 0, ["--jobs", "2"]),
    "zendesk-pages": ("zendesk", ".json", 1000, []),
    "events": ("events", ".csv", 0, []),
    "events-jobs": ("events", ".csv", 0, ["--jobs", "2"]),
    "events-any": ("events", ".csv", 0, ["--events-order", "any"]),
    "jira": ("jira", ".jsonl", 0, []),
    "zammad": ("zammad", ".jsonl", 0, []),
    "freshdesk": ("freshdesk", ".jsonl", 0, []),
}
DESCRIPTIONS = {
    "plain": "slacalc's own CSV (`id,opened_at,severity,responded_at`), the yardstick",
    "zendesk": "tickets with audits, JSON Lines",
    "zendesk-jobs": "the same export, `--jobs 2` (two worker processes)",
    "zendesk-pages": 'the same as API pages of 1,000 (`{"tickets": [...]}`)',
    "events": "event log CSV, grouped by ticket",
    "events-jobs": "the same log, `--jobs 2` (cut between tickets)",
    "events-any": "the same log, `--events-order any` (grouped on disk)",
    "jira": "issues with changelog and comments, JSON Lines",
    "zammad": "tickets with articles and history, JSON Lines",
    "freshdesk": "tickets with conversations, JSON Lines",
}
#: The goal of issue 10 for these cases: 1,000,000 tickets under 60 s and 300 MB each.
GOALS = {
    "zendesk": (60.0, 300.0),
    "zendesk-jobs": (60.0, 300.0),
    "events": (60.0, 300.0),
    "events-jobs": (60.0, 300.0),
}


def export(case: str, tickets: int, folder: Path) -> tuple[Path, float]:
    """The export of *case* (written now unless a kept one of the same size exists) and its writing time."""
    source, suffix, pages, _ = CASES[case]
    stem = f"{source or 'plain'}{'-pages' if pages else ''}-{tickets}"
    path = folder / f"{stem}{suffix}"
    done = path.with_name(path.name + ".done")
    if path.exists() and done.exists():
        return path, 0.0
    t0 = time.perf_counter()
    if source:
        with path.open("w", encoding="utf-8", newline="") as out:
            gen_sources.write(source, tickets, out, pages)
    else:
        import bench_cli

        bench_cli.generate(path, tickets)
    done.write_text("")
    return path, time.perf_counter() - t0


def run(case: str, tickets: int, path: Path) -> dict[str, float]:
    """Run ``slacalc evaluate`` on *path* in a child process; its own wall, CPU and peak memory."""
    source, _, _, extra = CASES[case]
    cmd = [
        sys.executable, "-m", "slacalc", "evaluate", str(path),
        "--policy", "zitadel-2023", "--plan", "extended", "--now", "2027-01-01T00:00:00+00:00",
        *(["--source", source] if source else []), *extra,
    ]  # fmt: skip
    load_before = os.getloadavg()[0]
    child = run_child(cmd, tree=True)
    if child.returncode != 0:  # the synthetic exports hold no bad record: any is a reader bug
        msg = f"{case}: exit {child.returncode}: {child.stderr[-2000:]}"
        raise SystemExit(msg)
    wall = child.wall_s
    return {
        "seconds": wall,
        "cpu": child.cpu_s,
        # every process of the command at once (its workers too), pages shared after a fork
        # counted in each; the sampling may miss a peak that ru_maxrss saw
        "peak_mb": max(child.peak_mib, child.tree_rss_mib),
        "pss_mb": child.tree_pss_mib,
        "tickets_per_s": tickets / wall,
        "file_mb": path.stat().st_size / 1e6,
        "load_before": load_before,
        "load_after": os.getloadavg()[0],
    }


def _verdict(case: str, tickets: int, r: dict[str, float]) -> str:
    goal = GOALS.get(case)
    if goal is None:
        return ""
    seconds, mb = goal
    if tickets != 1_000_000:
        return f"{seconds:.0f} s, {mb:.0f} MB at 1,000,000"
    ok = r["seconds"] < seconds and r["peak_mb"] < mb
    return f"{seconds:.0f} s, {mb:.0f} MB: {'met' if ok else 'NOT met'}"


def section(
    tickets: int, results: list[tuple[str, dict[str, float]]], loads: str, speed: str = ""
) -> str:
    """The ``## Helpdesk exports`` section of docs/performance.md for this run."""
    lines = [
        HEADING,
        "",
        f"<!-- Generated by `python benchmarks/bench_sources.py --tickets {tickets} "
        "--write docs/performance.md`. -->",
        "",
        f"Python {platform.python_version()}, {os.cpu_count()} cores, {loads}; run {run_time()}.",
        "",
        *([speed, ""] if speed else []),
        f"`slacalc evaluate FILE --source NAME` on {tickets:,} tickets per case, exports "
        "written by `benchmarks/gen_sources.py` (seeded; per ticket a customer message, an "
        "internal note for 60 %, a first public reply for 90 %, a priority change for 20 %, a "
        "pause waiting on the customer for a third, a second exchange for half and the "
        "solution for 85 %: about 7 audits per Zendesk ticket, 7 rows per ticket in the event "
        "log), zitadel-2023/extended, output to `/dev/null`. Each case is one child process: "
        "its wall time, its CPU time (user + system, its worker processes included) and its "
        "peak memory: the highest sum of resident memory over the command's processes "
        "(sampled every 20 ms, and at least `ru_maxrss`), pages that workers share with the "
        "command after a fork counted in each, so it is an upper bound; *PSS MB* divides "
        "shared pages among the processes that share them.",
        "",
        "| case | export | file MB | wall s | CPU s | CPU / plain | tickets/s | peak MB "
        "| PSS MB | load before / after | goal |",
        "|---|---|---:|---:|---:|---:|---:|---:|---:|---|---|",
    ]
    plain: float | None = None  # the latest plain run before each case, as printed
    for case, r in results:
        if case == "plain":
            plain = r["cpu"]
        ratio = "" if plain is None else f"{r['cpu'] / plain:.2f}"
        lines.append(
            f"| `{case}` | {DESCRIPTIONS[case]} | {r['file_mb']:,.0f} | {r['seconds']:.1f} "
            f"| {r['cpu']:.1f} | {ratio} | {r['tickets_per_s']:,.0f} | {r['peak_mb']:.0f} "
            f"| {r['pss_mb']:.0f} | {r['load_before']:.1f} / {r['load_after']:.1f} | {_verdict(case, tickets, r)} |"
        )
    lines += [
        "",
        "The readers hold one record (or one ticket's rows) at a time, so memory does not "
        "grow with the tickets (only the set of ticket ids kept for the duplicate-id warning "
        "does). `zendesk-jobs` reads the same export with `--jobs 2`: the command cuts it into "
        "parts at line ends and two worker processes judge them; `events-jobs` does the same "
        "with the event log, cut between tickets "
        "([the command line](cli.md#large-exports-evaluate---jobs-n)); their CPU time is that of "
        "the three processes together, and on this virtual machine two busy cores each run "
        "slower than one alone, so it is about that of one process or higher. On a shared machine "
        "compare CPU time, not wall time. Reproduce with "
        f"`python benchmarks/bench_sources.py --tickets {tickets}` "
        "(`--cases zendesk,zendesk-jobs,events,events-jobs` for the goals).",
        "",
    ]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--tickets", type=int, default=1_000_000)
    parser.add_argument(
        "--cases",
        default="plain,zendesk,zendesk-jobs,events,events-jobs",
        help=f"comma-separated, of: {', '.join(CASES)}",
    )
    parser.add_argument("--keep", metavar="DIR", help="keep (and reuse) the exports in DIR")
    parser.add_argument("--write", metavar="PATH", help=f"replace the section '{HEADING}' of PATH")
    args = parser.parse_args()
    cases = args.cases.split(",")
    unknown = [c for c in cases if c not in CASES]
    if unknown:
        parser.error(f"unknown case {unknown[0]!r}; expected one of {', '.join(CASES)}")
    start = os.getloadavg()
    floor = floor_us()
    print(f"python {platform.python_version()} on {platform.machine()}, {os.cpu_count()} cores")
    print(f"load average at start: {' / '.join(f'{x:.2f}' for x in start)}")
    print(
        f"{'case':<14} {'tickets':>9} {'file MB':>8} {'wall s':>8} {'CPU s':>7} "
        f"{'tickets/s':>10} {'peak MB':>8} {'CPU / plain':>11} {'load':>9}  goal"
    )
    results: list[tuple[str, dict[str, float]]] = []
    plain_cpu: float | None = None
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(args.keep) if args.keep else Path(tmp)
        folder.mkdir(parents=True, exist_ok=True)
        for case in cases:
            path, wrote = export(case, args.tickets, folder)
            if wrote:
                print(f"  ({case}: export written in {wrote:.0f} s, not timed)", flush=True)
            r = run(case, args.tickets, path)  # the exports go with the temporary folder
            results.append((case, r))
            if case == "plain":
                plain_cpu = r["cpu"]
            ratio = "" if plain_cpu is None else f"{r['cpu'] / plain_cpu:.2f}"
            load = f"{r['load_before']:.1f}/{r['load_after']:.1f}"
            print(
                f"{case:<14} {args.tickets:>9,} {r['file_mb']:>8.0f} {r['seconds']:>8.1f} "
                f"{r['cpu']:>7.1f} {r['tickets_per_s']:>10,.0f} {r['peak_mb']:>8.0f} "
                f"{ratio:>11} {load:>9}  {_verdict(case, args.tickets, r)}",
                flush=True,
            )
    end = os.getloadavg()
    print(f"load average at end: {' / '.join(f'{x:.2f}' for x in end)}")
    if args.write:
        loads = (
            f"load average (1 / 5 / 15 min) {' / '.join(f'{x:.2f}' for x in start)} at the start, "
            f"{' / '.join(f'{x:.2f}' for x in end)} at the end"
        )
        speed = speed_note(floor, Path(args.write))
        write_section(Path(args.write), HEADING, section(args.tickets, results, loads, speed))
        print(f"wrote the section {HEADING!r} of {args.write}")


if __name__ == "__main__":
    main()
