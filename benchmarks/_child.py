"""One child process of a benchmark, measured on its own."""

from __future__ import annotations

import os
import subprocess
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any


@dataclass(frozen=True)
class Child:
    """What one child process took: wall time, CPU time (user + system), peak resident memory."""

    wall_s: float
    cpu_s: float
    peak_mib: float
    returncode: int
    stderr: str
    #: with ``tree=True``: the highest sum over the child and its descendants (worker processes)
    #: of resident memory (pages shared after a fork counted in each) and of proportional set size
    #: (shared pages divided among their processes), sampled every 20 ms; else 0
    tree_rss_mib: float = 0.0
    tree_pss_mib: float = 0.0


def run_child(
    cmd: list[str],
    *,
    env: dict[str, str] | None = None,
    stdout: IO[Any] | None = None,
    tree: bool = False,
) -> Child:
    """Run *cmd* (standard output to *stdout*, else nowhere) and measure it alone.

    The figures come from ``os.wait4`` for this child only: ``RUSAGE_CHILDREN``
    would give the largest peak and the summed CPU time of every child so far.
    The CPU time includes the child's own children once it has waited for
    them (its worker processes); its peak is the largest one process had.
    *tree*: also sample the memory of the child's whole process tree.
    """
    with tempfile.TemporaryFile("w+b") as err:
        t0 = time.perf_counter()
        child = subprocess.Popen(
            cmd, stdout=subprocess.DEVNULL if stdout is None else stdout, stderr=err, env=env
        )
        peaks = [0.0, 0.0]
        done = threading.Event()
        sampler = threading.Thread(target=_sample_tree, args=(child.pid, peaks, done), daemon=True)
        if tree:
            sampler.start()
        _, status, usage = os.wait4(child.pid, 0)
        wall = time.perf_counter() - t0
        done.set()
        if tree:
            sampler.join()
        child.returncode = os.waitstatus_to_exitcode(status)  # reaped: Popen must not wait again
        err.seek(0)
        stderr = err.read().decode("utf-8", "replace")
    return Child(
        wall,
        usage.ru_utime + usage.ru_stime,
        usage.ru_maxrss / 1024,
        child.returncode,
        stderr,
        peaks[0],
        peaks[1],
    )


def _tree(root: int) -> list[int]:
    """*root* and its descendants, from /proc (Linux)."""
    found, todo = [], [root]
    while todo:
        pid = todo.pop()
        found.append(pid)
        try:
            tasks = Path(f"/proc/{pid}/task").iterdir()
            for task in tasks:
                todo += [int(c) for c in (task / "children").read_text().split()]
        except OSError:
            continue
    return found


def _sample_tree(root: int, peaks: list[float], done: threading.Event) -> None:
    """Keep in *peaks* the highest summed Rss and Pss (MiB) of *root*'s tree until *done*."""
    while not done.wait(0.02):
        rss = pss = 0
        for pid in _tree(root):
            try:
                text = Path(f"/proc/{pid}/smaps_rollup").read_text()
            except OSError:
                continue
            for line in text.splitlines():
                if line.startswith("Rss:"):
                    rss += int(line.split()[1])
                elif line.startswith("Pss:"):
                    pss += int(line.split()[1])
        peaks[0] = max(peaks[0], rss / 1024)
        peaks[1] = max(peaks[1], pss / 1024)
