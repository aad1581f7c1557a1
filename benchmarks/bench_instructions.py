"""Benchmark: instructions per call and per ticket, counted by valgrind's callgrind.

Usage (from the repository root, slacalc installed, valgrind on the PATH)::

    python benchmarks/bench_instructions.py                 # about fifteen minutes on two cores
    python benchmarks/bench_instructions.py --write docs/performance.md

Times move with the machine: on the shared machines these benchmarks run on,
the same run has measured the CPython floor's ``add 4 h`` anywhere from 1.9
to 6.8 µs. An instruction count does not move: callgrind counts the
instructions the process executes, the same total for the same interpreter,
code and input whatever else the machine is doing (to within about one
percent: with the hash seed fixed, only the layout of memory still varies). These counts are the
figures to compare from one commit to the next; the timed sections say what
they cost in seconds on the machine of their run.

Each figure is a difference of two runs that differ only in how much work
they do, so start-up, imports, calendar compiling and warm-up cancel out:

- per call (``plan.evaluate`` cases, and run.py's calendar cases asked of
  both slacalc and the CPython floor, the count behind the 1.25× goal):
  one child process sets up the case, warms it up, then makes
  ``--calls`` calls with the garbage collector off (as ``timeit`` does: a
  collection that falls in one of the two runs only would count with the
  calls), against the same child making none;
- per ticket: ``slacalc evaluate`` on ``--tickets`` generated tickets against
  the same command on a tenth as many (the files of bench_cli.py and
  gen_sources.py, the same generators as the timed sections).

The two runs of a pair go side by side, one per core.
"""

from __future__ import annotations

import argparse
import os
import platform
import re
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

import _sections
import bench_sources
from scenarios import SPEED_CASES

ROOT = Path(__file__).resolve().parent.parent
HEADING = "## Instruction counts"

#: Per-call cases: label -> the code a child runs once per call (after SETUP).
CALLS = {
    "answered": (
        "`plan.evaluate`, SPEC §7's answered ticket, zitadel-2023/extended",
        "extended.evaluate(answered, answered_now)",
    ),
    "twenty": (
        "`plan.evaluate`, 20 events, zitadel-2023/extended (2 metrics)",
        "extended.evaluate(twenty, twenty_now)",
    ),
    "desk": (
        "`plan.evaluate`, 20 events, tests/live_policy.toml desk (8 metrics, 15 clocks)",
        "desk.evaluate(twenty, twenty_now)",
    ),
}

#: The calendar cases of run.py (scenarios.SPEED_CASES), each asked of slacalc's
#: ``office_hours()`` and of the CPython floor: case key -> label.
SPEED = {case.key: case.label for case in SPEED_CASES}
#: Per-call calendar cases: "<library>:<case key>", library "slacalc" or "floor".
CALENDAR = [f"{lib}:{key}" for key in SPEED for lib in ("floor", "slacalc")]
#: The yardstick of every relative column: the CPython floor's ``add 4 h``.
YARDSTICK = "floor:add_4h"

#: The end of every per-call child: ``one()`` warmed up, then called ``{calls}`` times.
LOOP = """
for _ in range(300):
    one()
import gc
gc.collect()
gc.disable()  # as timeit does: a collection falling in one run of the two, not the other, is noise
for _ in range({calls}):
    one()
"""

#: A child of a calendar case: the statement of run.py's own adapter (peers.py), bound as it is timed there.
SETUP_CALENDAR = (
    """
import sys
sys.path.insert(0, {bench!r})
from peers import Floor, Slacalc
from scenarios import CALENDARS, SPEED_CASES
case = {{c.key: c for c in SPEED_CASES}}[{key!r}]
adapter = {{"floor": Floor, "slacalc": Slacalc}}[{lib!r}]()
cal = adapter.build(CALENDARS["office"])
if case.op == "add":
    call = adapter.add(cal, case.start, case.duration)
else:
    call = adapter.elapsed(cal, case.start, case.end)
exec("def one():\\n    " + call.stmt, call.env)
one = call.env["one"]
"""
    + LOOP
)

#: A child of a ``plan.evaluate`` case: bench_live.py's cases, *call* made once per call.
SETUP = (
    """
import sys
sys.path.insert(0, {bench!r})
from bench_live import evaluate_cases
# bench_live.py's cases: the answered ticket and the 20 events on extended, then on desk
(_, extended, answered, answered_now), (_, _, twenty, twenty_now), (_, desk, _, _) = evaluate_cases()
def one():
    {call}
"""
    + LOOP
)

#: Per-ticket cases: label -> (what, the case of bench_sources.py whose export is read, environment).
TICKETS = {
    "plain": (
        "slacalc's own CSV, column engine (`SLACALC_ENGINE=columns`)",
        "plain",
        {"SLACALC_ENGINE": "columns"},
    ),
    "plain-rows": (
        "slacalc's own CSV, row by row (`SLACALC_ENGINE=rows`)",
        "plain",
        {"SLACALC_ENGINE": "rows"},
    ),
    "zendesk": ("Zendesk tickets with audits, JSON Lines (`--source zendesk`)", "zendesk", {}),
    "events": ("event log CSV, grouped by ticket (`--source events`)", "events", {}),
}


def child_env(extra: dict[str, str] | None = None) -> dict[str, str]:
    """The environment of a counted child: bytecode cached, one hash seed, *extra* added.

    Without a fixed seed, string hashing differs per process and with it the
    work of every dict and set: two runs of the same code would differ by
    tens of millions of instructions, not by a few hundred.
    """
    env = dict(os.environ)
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    env["PYTHONHASHSEED"] = "0"
    env.update(extra or {})
    return env


def instructions(cmd: list[str], env: dict[str, str]) -> int:
    """The instructions callgrind counts for *cmd* (its ``Collected`` total)."""
    done = subprocess.run(
        ["valgrind", "--tool=callgrind", "--callgrind-out-file=/dev/null", *cmd],
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )
    found = re.search(r"Collected : (\d+)", done.stderr)
    if done.returncode != 0 or found is None:
        msg = f"{' '.join(cmd)}: exit {done.returncode}: {done.stderr[-1500:]}"
        raise SystemExit(msg)
    return int(found.group(1))


def _both(
    command: Callable[[int], tuple[list[str], dict[str, str]]], a: int, b: int
) -> tuple[int, int]:
    """The counts of ``command(a)`` and ``command(b)``, side by side.

    ``command(b)`` runs once plainly first: it imports every module the
    pair imports, so the bytecode caches exist before either is counted
    (two counted children racing to compile the same modules would count
    the compiling in one or the other). A count does not depend on what
    else the machine runs, so the two go one per core.
    """
    cmd, env = command(b)
    subprocess.run(cmd, env=env, check=True, capture_output=True)
    with ThreadPoolExecutor(max_workers=2) as pool:
        first, second = (pool.submit(instructions, *command(n)) for n in (a, b))
        return first.result(), second.result()


def per_call(case: str, calls: int) -> float:
    """Instructions of one call of *case*: ``calls`` calls less none, divided."""
    bench = str(Path(__file__).parent)

    def command(n: int) -> tuple[list[str], dict[str, str]]:
        if case in CALLS:
            code = SETUP.format(bench=bench, call=CALLS[case][1], calls=n)
        else:
            lib, key = case.split(":")
            code = SETUP_CALENDAR.format(bench=bench, lib=lib, key=key, calls=n)
        return [sys.executable, "-c", code], child_env()

    many, none = _both(command, calls, 0)
    return (many - none) / calls


def per_ticket(case: str, tickets: int, folder: Path) -> float:
    """Instructions of ``slacalc evaluate`` per ticket: *tickets* tickets less a tenth as many."""
    _, export_case, extra = TICKETS[case]
    source = bench_sources.CASES[export_case][0]
    few = max(tickets // 10, 1)

    def command(n: int) -> tuple[list[str], dict[str, str]]:
        path, _ = bench_sources.export(export_case, n, folder)  # written once, then reused
        cmd = [
            sys.executable, "-m", "slacalc", "evaluate", str(path),
            "--policy", "zitadel-2023", "--plan", "extended",
            "--now", "2027-01-01T00:00:00+00:00", "--out", os.devnull,
            *(["--source", source] if source else []),
        ]  # fmt: skip
        return cmd, child_env(extra)

    many, less = _both(command, tickets, few)
    return (many - less) / (tickets - few)


def valgrind_version() -> str:
    done = subprocess.run(["valgrind", "--version"], capture_output=True, text=True, check=False)
    return done.stdout.strip()


def _table(head: str, rows: list[tuple[str, float]], floor: float, digits: int) -> list[str]:
    """A Markdown table: what, instructions, and the ratio to the floor (to *digits* decimals)."""
    out = [f"| {head} | instructions | relative to the floor's `add 4 h` |", "|---|---:|---:|"]
    out += [f"| {what} | {value:,.0f} | {value / floor:.{digits}f}× |" for what, value in rows]
    return out


def _calendar_table(calendar: dict[str, float]) -> list[str]:
    """run.py's calendar cases, the floor beside slacalc, and the 1.25× goal of issue 11."""
    out = [
        "| case (run.py's) | CPython floor | slacalc `office_hours()` | slacalc / floor | within 1.25× |",
        "|---|---:|---:|---:|:---:|",
    ]
    for key, label in SPEED.items():
        floor, ours = calendar.get(f"floor:{key}"), calendar.get(f"slacalc:{key}")
        if floor is None or ours is None:
            continue
        ratio = ours / floor
        out.append(
            f"| {label} | {floor:,.0f} | {ours:,.0f} | {ratio:.2f}× | {'✓' if ratio <= 1.25 else '✗'} |"
        )
    return out


def section(
    calls: dict[str, float],
    calendar: dict[str, float],
    tickets: dict[str, float],
    meta: dict[str, str],
) -> str:
    floor = calendar[YARDSTICK]
    table = _calendar_table(calendar)
    lines = [
        HEADING,
        "",
        "<!-- Generated by `python benchmarks/bench_instructions.py --write docs/performance.md`. -->",
        "",
        "Instructions executed, counted by valgrind's callgrind: unlike the times above they do "
        "not move with the machine or its load (for the same interpreter, code and input, two "
        "runs agree to within about one percent), so they are the figures to compare from "
        "one commit to the next. They do "
        "not weigh instructions by their cost (a cache miss or a division counts as one), so "
        "they rank changes to the same code well and compare different kinds of work only "
        "roughly. Each is the difference of two runs that differ only in the amount of work "
        "(start-up, imports, compiling and warm-up cancel out).",
        "",
        *(
            [
                "Per call, run.py's calendar cases (the statements its adapters time, on "
                "the same calendar and instants), the CPython floor beside slacalc:",
                "",
                *table,
                "",
            ]
            if len(table) > 2
            else []
        ),
        *_table(
            "per call",
            [
                ("the CPython floor's `add 4 h` (benchmarks/peers.py, the yardstick)", floor),
                *((CALLS[c][0], v) for c, v in calls.items()),
            ],
            floor,
            2,
        ),
        "",
        *_table(
            f"`slacalc evaluate`, per ticket ({meta['tickets']} tickets less {meta['few']}), "
            "zitadel-2023/extended",
            [(TICKETS[c][0], v) for c, v in tickets.items()],
            floor,
            1,
        ),
        "",
        f"- run: {meta['run']}, {meta['seconds']} s in all",
        f"- {meta['valgrind']}; CPython {platform.python_version()}; {platform.platform()}",
        f"- per call: {meta['calls']} calls less none, after 300 calls of warm-up, the garbage collector off (as `timeit` has it)",
        "",
        "Reproduce: `python benchmarks/bench_instructions.py --write docs/performance.md` "
        "(needs valgrind; about fifteen minutes on two cores).",
    ]
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--calls", type=int, default=2000)
    parser.add_argument("--tickets", type=int, default=3000)
    parser.add_argument("--cases", default=",".join([*CALLS, *CALENDAR, *TICKETS]))
    parser.add_argument("--write", type=Path, help=f"replace the section '{HEADING}' of PATH")
    args = parser.parse_args()
    if shutil.which("valgrind") is None:
        msg = "valgrind is not installed: it counts the instructions (apt install valgrind)"
        raise SystemExit(msg)
    assert not set(CALLS) & set(TICKETS), "a case name must say which kind it is"
    wanted = args.cases.split(",")
    known = [*CALLS, *CALENDAR, *TICKETS]
    unknown = [c for c in wanted if c not in known]
    if unknown:
        parser.error(f"unknown case {unknown[0]!r}; expected one of {', '.join(known)}")
    if YARDSTICK not in wanted:
        wanted.insert(0, YARDSTICK)  # the yardstick of the relative columns
    t0 = time.perf_counter()
    # one plain run first writes the bytecode caches the counted runs read
    subprocess.run([sys.executable, "-c", "import slacalc.pandas"], env=child_env(), check=True)
    calls: dict[str, float] = {}
    calendar: dict[str, float] = {}
    tickets: dict[str, float] = {}
    with tempfile.TemporaryDirectory() as tmp:
        for case in wanted:
            if case in CALLS:
                calls[case] = per_call(case, args.calls)
                print(f"{case:12s} {calls[case]:>14,.0f} instructions per call", flush=True)
            elif case in CALENDAR:
                calendar[case] = per_call(case, args.calls)
                print(f"{case:16s} {calendar[case]:>14,.0f} instructions per call", flush=True)
            else:
                tickets[case] = per_ticket(case, args.tickets, Path(tmp))
                print(f"{case:12s} {tickets[case]:>14,.0f} instructions per ticket", flush=True)
    meta = {
        "run": _sections.run_time(),
        "seconds": f"{time.perf_counter() - t0:.0f}",
        "valgrind": valgrind_version(),
        "calls": f"{args.calls:,}",
        "tickets": f"{args.tickets:,}",
        "few": f"{max(args.tickets // 10, 1):,}",
    }
    text = section(calls, calendar, tickets, meta)
    print()
    print(text)
    if args.write:
        _sections.write_section(args.write, HEADING, text)


if __name__ == "__main__":
    main()
