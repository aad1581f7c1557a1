"""``slacalc deadline``: when one response is due, or ``none`` and why."""

from __future__ import annotations

import argparse
from typing import IO, Any

from slacalc._cli.options import add_metric, add_policy_options, add_tz, load_plan, zone_of
from slacalc._engine.durations import NoObjective
from slacalc._files.tickets import parse_instant

__all__ = ["add_deadline_command", "cmd_deadline", "no_deadline_reason"]


def add_deadline_command(sub: Any) -> None:
    """Register ``deadline``."""
    p: argparse.ArgumentParser = sub.add_parser(
        "deadline",
        help="print when a response is due (or none, with the reason on stderr)",
        description=(
            "Print the due instant of one metric for a ticket opened at --opened, as ISO 8601 "
            "with offset; or 'none' when there is none, saying on standard error why "
            "(best effort, not applicable, or a metric the plan does not target)."
        ),
    )
    add_policy_options(p)
    p.add_argument(
        "--severity", required=True, help="severity (or escalation class for escalation_response)"
    )
    p.add_argument("--opened", required=True, help="when the clock starts, ISO 8601 with offset")
    add_metric(p)
    add_tz(p)
    p.set_defaults(handler=cmd_deadline)


def no_deadline_reason(plan: Any, severity: str, metric: str) -> str:
    """Why *plan* (a concrete plan) gives no due instant for *metric* at *severity*."""
    where = f"plan {plan.name!r} of {plan.policy.name}"
    if metric not in plan.metrics():
        return f"{where} sets no target for {metric} (it targets {', '.join(plan.metrics())})"
    target = plan.target(metric, severity)
    objective = target.objective
    what = "escalation class" if metric == "escalation_response" else "severity"
    if isinstance(objective, NoObjective):
        return f"{metric} for {what} {target.klass} on {where} is {objective}: no time is promised"
    return f"{metric} for {what} {target.klass} on {where} has no calendar to count on"


def cmd_deadline(args: argparse.Namespace, out: IO[str], err: IO[str]) -> int:
    """Handler of ``slacalc deadline``."""
    zone = zone_of(args)
    plan = load_plan(args.policy, args.plan)
    opened = parse_instant("--opened", args.opened)
    concrete = plan.at(opened) if getattr(plan, "family", None) is not None else plan
    due = concrete.deadline(opened, args.severity, args.metric, tz=zone)
    if due is None:
        err.write(
            f"slacalc deadline: none: {no_deadline_reason(concrete, args.severity, args.metric)}\n"
        )
        out.write("none\n")
        return 0
    out.write(due.isoformat() + "\n")
    return 0
