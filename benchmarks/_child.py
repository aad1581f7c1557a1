"""One child process of a benchmark, measured on its own."""

from __future__ import annotations

import os
import subprocess
import tempfile
import time
from dataclasses import dataclass
from typing import IO, Any


@dataclass(frozen=True)
class Child:
    """What one child process took: wall time, CPU time (user + system), peak resident memory."""

    wall_s: float
    cpu_s: float
    peak_mib: float
    returncode: int
    stderr: str


def run_child(
    cmd: list[str], *, env: dict[str, str] | None = None, stdout: IO[Any] | None = None
) -> Child:
    """Run *cmd* (standard output to *stdout*, else nowhere) and measure it alone.

    The figures come from ``os.wait4`` for this child only: ``RUSAGE_CHILDREN``
    would give the largest peak and the summed CPU time of every child so far.
    """
    with tempfile.TemporaryFile("w+b") as err:
        t0 = time.perf_counter()
        child = subprocess.Popen(
            cmd, stdout=subprocess.DEVNULL if stdout is None else stdout, stderr=err, env=env
        )
        _, status, usage = os.wait4(child.pid, 0)
        wall = time.perf_counter() - t0
        child.returncode = os.waitstatus_to_exitcode(status)  # reaped: Popen must not wait again
        err.seek(0)
        stderr = err.read().decode("utf-8", "replace")
    return Child(
        wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024, child.returncode, stderr
    )
