"""``slacalc explain``: how one ticket's numbers came about, in words or as data."""

from __future__ import annotations

import argparse
from decimal import Decimal
from typing import IO, Any

from slacalc._cli.options import (
    CommandError,
    Reporter,
    add_input_options,
    add_now,
    add_policy_options,
    add_tz,
    future_problem,
    load_plan,
    now_of,
    open_output,
    ticket_items,
    zone_of,
)
from slacalc._cli.sources import add_source_arguments
from slacalc._engine.words import plural
from slacalc._evaluation.tickets import Ticket
from slacalc._files.records import BadRow
from slacalc._files.tickets import ticket_from_mapping
from slacalc._files.writers import INSTANT_PATTERN, json_text

__all__ = ["EXPLAIN_SCHEMA", "add_explain_command", "cmd_explain", "exact_facts"]

_MICRO = Decimal("0.000001")


def add_explain_command(sub: Any) -> None:
    """Register ``explain``."""
    p: argparse.ArgumentParser = sub.add_parser(
        "explain",
        help="explain how one ticket's numbers came about",
        description=(
            "Explain one ticket: from FILE with --id, or from --opened and --severity. "
            "--format json (or jsonl) gives the same facts as data."
        ),
    )
    p.add_argument("file", nargs="?", help="ticket file to read the ticket from (with --id)")
    add_policy_options(p)
    p.add_argument("--id", help="ticket id (in FILE)")
    p.add_argument("--opened", help="opened at, ISO 8601 with offset (without FILE)")
    p.add_argument("--severity", help="severity (without FILE)")
    p.add_argument("--responded", help="first response, ISO 8601 with offset (without FILE)")
    p.add_argument("--channel", help="channel (without FILE)")
    add_now(p)
    add_input_options(p, "tickets file")
    p.add_argument(
        "--format",
        choices=("text", "json", "jsonl"),
        default=None,
        help="text (default), json (one document: a list of facts per metric) or jsonl (one per line)",
    )
    p.add_argument("--out", metavar="PATH", help="write to PATH instead of standard output")
    p.add_argument("--json", action="store_true", help="deprecated spelling of --format json")
    add_tz(p)
    add_source_arguments(p)
    p.set_defaults(handler=cmd_explain)


def _exact(value: Any) -> int | Decimal | None:
    """A float of seconds back to its exact microseconds.

    ``timedelta.total_seconds()`` is the double nearest to a whole number of
    microseconds; below 2**33 s (272 years, more than the 1970-2200 range
    allows) the spacing of doubles is under half a microsecond, so rounding
    to six places gives the microseconds back exactly.
    """
    if value is None:
        return None
    number = Decimal(value).quantize(_MICRO)
    if number == number.to_integral_value():
        return int(number)
    return number.normalize()


def exact_facts(outcome: Any) -> dict[str, Any]:
    """The outcome's facts with every duration (``*_seconds``) as exact seconds (int or Decimal).

    Works on an outcome's facts and on a repeating metric's aggregate, whose
    ``instances`` hold outcome facts.
    """
    return _exact_seconds(outcome.facts())  # type: ignore[no-any-return]


def _exact_seconds(value: Any, key: str = "") -> Any:
    if isinstance(value, dict):
        return {k: _exact_seconds(v, k) for k, v in value.items()}
    if isinstance(value, list):
        return [_exact_seconds(v) for v in value]
    if key.endswith("_seconds") and isinstance(value, float):
        return _exact(value)
    return value


def _from_file(args: argparse.Namespace, reporter: Reporter) -> Ticket:
    if not args.id:
        msg = "explain FILE needs --id ID (the ticket to explain)"
        raise CommandError(msg)
    found: list[tuple[int, Ticket]] = []
    bad_of_id: list[BadRow] = []
    unreadable: list[BadRow] = []
    with ticket_items(args, args.file, reporter) as items:
        for line, item, _ in items:
            if isinstance(item, BadRow):
                ident = item.ident or getattr(item, "ticket_id", None)  # a source's BadRecord
                if ident == args.id:
                    bad_of_id.append(item)
                elif ident is None:
                    unreadable.append(item)
            elif item.id == args.id:
                found.append((line, item))
    if found:
        if len(found) > 1 or bad_of_id:
            lines = sorted([n for n, _ in found] + [b.line for b in bad_of_id])
            reporter.warning(
                f"ticket id {args.id!r} appears on lines {', '.join(map(str, lines))} of {args.file}; explaining line {found[0][0]}"
            )
        return found[0][1]
    if bad_of_id:
        first = bad_of_id[0]
        why = first.message.removeprefix(f"ticket {args.id!r}: ")
        msg = f"{args.file}: line {first.line}: ticket {args.id!r} cannot be read: {why}"
        raise CommandError(msg)
    msg = f"{args.file}: no ticket with id {args.id!r}"
    if unreadable:
        shown = "; ".join(f"line {b.line}: {b.message}" for b in unreadable[:3])
        more = f" and {len(unreadable) - 3} more" if len(unreadable) > 3 else ""
        msg += f"; {plural(len(unreadable), 'row')} could not be read, it may be one of them ({shown}{more})"
    raise CommandError(msg)


def cmd_explain(args: argparse.Namespace, out: IO[str], err: IO[str]) -> int:
    """Handler of ``slacalc explain``."""
    reporter = Reporter(err, "explain")
    fmt = args.format
    if args.json:
        reporter.warning("--json is deprecated; use --format json")
        if fmt not in (None, "json"):
            msg = f"--json and --format {fmt} disagree; give --format only"
            raise CommandError(msg)
        fmt = "json"
    fmt = fmt or "text"
    zone = zone_of(args)
    plan = load_plan(args.policy, args.plan)
    now, explicit = now_of(args)
    if args.file:
        ticket = _from_file(args, reporter)
    else:
        if not (args.opened and args.severity):
            msg = "explain: give FILE --id ID, or --opened and --severity"
            raise CommandError(msg)
        ticket = ticket_from_mapping(
            {
                "id": args.id or "ticket",
                "opened_at": args.opened,
                "severity": args.severity,
                "responded_at": args.responded,
                "channel": args.channel,
            }
        )
    problem = None if explicit else future_problem(ticket, now)
    if problem is not None:
        raise CommandError(problem)
    outcomes = list(plan.evaluate(ticket, now, tz=zone))
    with open_output(args.out, out) as stream:
        if fmt == "text":
            stream.write("\n".join(o.explain() for o in outcomes) + "\n")
        elif fmt == "json":
            stream.write(json_text([exact_facts(o) for o in outcomes], indent=2) + "\n")
        else:
            for o in outcomes:
                stream.write(json_text(exact_facts(o)) + "\n")
    return 0


# ---------------------------------------------------------------------- schema


def _instant(nullable: bool = True) -> dict[str, Any]:
    return {
        "type": ["string", "null"] if nullable else "string",
        "format": "date-time",
        "pattern": INSTANT_PATTERN,
    }


def _object(properties: dict[str, Any]) -> dict[str, Any]:
    return {
        "type": "object",
        "properties": properties,
        "required": list(properties),
        "additionalProperties": False,
    }


_NUMBER_OR_NULL = {"type": ["number", "null"]}
_TEXT_OR_NULL = {"type": ["string", "null"]}
_STATUS = {"type": "string", "enum": ["met", "breached", "pending", "not_applicable"]}

_OUTCOME = _object(
    {
        "ticket": {"type": "string"},
        "policy": {"type": "string"},
        "plan": {"type": "string"},
        "metric": {"type": "string"},
        "class": _TEXT_OR_NULL,
        "status": _STATUS,
        "target": {"type": "string"},
        "objective_seconds": _NUMBER_OR_NULL,
        "calendar": _TEXT_OR_NULL,
        "started_at": _instant(),
        "due_at": _instant(),
        "stopped_at": _instant(),
        "now": _instant(nullable=False),
        "elapsed_seconds": {"type": "number"},
        "remaining_seconds": _NUMBER_OR_NULL,
        "late_by_seconds": {"type": "number"},
        "late_by_wall_seconds": {"type": "number"},
        "lateness_measure": {"type": "string", "enum": ["business", "wall"]},
        "credit_days": {"type": "integer"},
        "credit_rule": _TEXT_OR_NULL,
        "severity_rule": _TEXT_OR_NULL,
        "initial_class": _TEXT_OR_NULL,
        "severity_changes": {
            "type": "array",
            "items": _object(
                {
                    "at": _instant(nullable=False),
                    "from": {"type": "string"},
                    "to": {"type": "string"},
                }
            ),
        },
        "pauses": {
            "type": "array",
            "items": _object(
                {"from": _instant(nullable=False), "to": _instant(), "reason": {"type": "string"}}
            ),
        },
        "alerts": {
            "type": "array",
            "items": _object({"label": {"type": "string"}, "at": _instant(nullable=False)}),
        },
        "instance": {"type": ["integer", "null"]},
        "paused_seconds": {"type": "number"},
        "reason": {"type": "string"},
        "closed_dates": {
            "type": "array",
            "items": _object(
                {"date": {"type": "string", "format": "date"}, "name": {"type": "string"}}
            ),
        },
        "dst_changes": {
            "type": "array",
            "items": _object(
                {
                    "at": _instant(nullable=False),
                    "offset_before": {"type": "string"},
                    "offset_after": {"type": "string"},
                }
            ),
        },
        "open_time_counted_seconds": _NUMBER_OR_NULL,
    }
)

_AGGREGATE = _object(
    {
        "ticket": {"type": "string"},
        "policy": {"type": "string"},
        "plan": {"type": "string"},
        "metric": {"type": "string"},
        "status": _STATUS,
        "now": _instant(nullable=False),
        "reason": {"type": "string"},
        "late_by_seconds": {"type": "number"},
        "late_by_wall_seconds": {"type": "number"},
        "elapsed_seconds": {"type": "number"},
        "credit_days": {"type": "integer"},
        "breaches": {"type": "integer"},
        "instances": {"type": "array", "items": {"$ref": "#/$defs/outcome"}},
    }
)

EXPLAIN_SCHEMA: dict[str, Any] = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "title": "slacalc explain facts",
    "description": (
        "The facts of one metric of one ticket, as `slacalc explain --format jsonl` writes them "
        "(one per line; `--format json`: an array, one per metric the plan targets): one "
        "clock's facts, or for a repeating metric (next_reply, periodic_update) the aggregate "
        "with each clock's facts in `instances`. Durations are seconds, exact to the microsecond."
    ),
    "$defs": {"outcome": _OUTCOME, "aggregate": _AGGREGATE},
    "anyOf": [{"$ref": "#/$defs/outcome"}, {"$ref": "#/$defs/aggregate"}],
}
