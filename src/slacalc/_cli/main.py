"""The ``slacalc`` command line: a function of argv, so tests run it in-process.

Each command lives in its own module (``evaluate``, ``explain``,
``deadline``, ``policies`` with ``schema``, ``credits``, ``ledger``,
``report``, ``sources`` with ``compare``, ``due``); what they share is in :mod:`slacalc._cli.options`. This module
builds the parser and turns every outcome into one of the documented exit
codes: 0 all good, 1 some rows bad (every good row processed), 2 a usage or
input error stopped the command. A closed pipe ends the command quietly
with 0, as ``slacalc evaluate … | head`` users expect.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import sys
from collections.abc import Sequence
from typing import IO

from slacalc._cli.options import EXIT_STOPPED
from slacalc.exceptions import SlacalcError

__all__ = ["EXIT_BUG", "build_parser", "main", "version"]

#: The exit code of a bug in slacalc (an exception it did not expect), with a one-line message.
EXIT_BUG = 70


def version() -> str:
    """The installed version of slacalc."""
    from importlib.metadata import PackageNotFoundError
    from importlib.metadata import version as installed

    try:
        return installed("slacalc")
    except PackageNotFoundError:  # pragma: no cover - running from a source tree
        return "unknown (not installed)"


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of ``slacalc``."""
    from slacalc._cli.compare import add_compare_command
    from slacalc._cli.credits import add_credits_command
    from slacalc._cli.deadline import add_deadline_command
    from slacalc._cli.due import add_due_command
    from slacalc._cli.evaluate import add_evaluate_command
    from slacalc._cli.explain import add_explain_command
    from slacalc._cli.ledger import add_ledger_command
    from slacalc._cli.policies import add_policies_commands
    from slacalc._cli.report import add_report_command
    from slacalc._cli.sources import add_sources_command

    parser = argparse.ArgumentParser(
        prog="slacalc",
        description="Exact support-terms arithmetic: deadlines, breaches and service credits.",
        epilog="Exit codes: 0 all good; 1 some rows bad (every good row processed); 2 a usage or input error stopped the command.",
    )
    parser.add_argument("--version", action="version", version=f"slacalc {version()}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    add_policies_commands(sub)
    add_deadline_command(sub)
    add_evaluate_command(sub)
    add_explain_command(sub)
    add_ledger_command(sub)
    add_credits_command(sub)
    add_report_command(sub)
    add_sources_command(sub)
    add_compare_command(sub)
    add_due_command(sub)
    return parser


def _quiet_stdout() -> None:
    """After a closed pipe: point stdout at /dev/null so the interpreter's last flush is silent."""
    with contextlib.suppress(OSError, ValueError, AttributeError):
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())


def main(
    argv: Sequence[str] | None = None, stdout: IO[str] | None = None, stderr: IO[str] | None = None
) -> int:
    """Run ``slacalc`` with *argv* (default ``sys.argv[1:]``); return the exit code."""
    out = stdout or sys.stdout
    err = stderr or sys.stderr
    parser = build_parser()
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            args = parser.parse_args(argv)
    except SystemExit as exc:  # --help, --version, or a usage error (argparse said why)
        code = exc.code
        return code if isinstance(code, int) else (0 if code is None else EXIT_STOPPED)
    command = args.command
    try:
        code_: int = args.handler(args, out, err)
        out.flush()
    except BrokenPipeError:
        if out is sys.stdout:
            _quiet_stdout()
        return 0
    except SlacalcError as exc:
        _say(err, f"slacalc {command}: error: {exc}")
        return EXIT_STOPPED
    except OSError as exc:
        where = f"{exc.filename}: " if getattr(exc, "filename", None) else ""
        _say(err, f"slacalc {command}: error: {where}{exc.strerror or exc}")
        return EXIT_STOPPED
    except KeyboardInterrupt:
        _say(err, f"slacalc {command}: interrupted")
        return 130
    except Exception as exc:
        if os.environ.get("SLACALC_TRACEBACK"):
            raise
        _say(
            err,
            f"slacalc {command}: internal error: {type(exc).__name__}: {exc}. This is a bug in "
            "slacalc: please report it with the command line (SLACALC_TRACEBACK=1 shows where it happened)",
        )
        return EXIT_BUG
    return code_


def _say(err: IO[str], message: str) -> None:
    with contextlib.suppress(OSError, ValueError):
        err.write(message + "\n")
