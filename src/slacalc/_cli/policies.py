"""``slacalc policies`` and ``slacalc schema``: what the built-in policies hold, and the file formats."""

from __future__ import annotations

import argparse
import json
from typing import IO, Any

from slacalc._files.writers import json_text

__all__ = ["OUTPUT_RECORDS", "add_policies_commands", "cmd_policies", "cmd_schema", "output_schema"]

#: The output records ``slacalc schema --output-records`` describes.
OUTPUT_RECORDS = (
    "evaluate",
    "explain",
    "credits",
    "due",
    "ledger",
    "ledger-document",
    "compare",
)


def add_policies_commands(sub: Any) -> None:
    """Register ``policies`` and ``schema``."""
    p: argparse.ArgumentParser = sub.add_parser(
        "policies", help="list the built-in policies and their plans"
    )
    p.set_defaults(handler=cmd_policies)

    p = sub.add_parser(
        "schema",
        help="print the JSON Schema of policy files (or of a command's output records)",
        description=(
            "Print the JSON Schema of policy files; with --output-records COMMAND, the schema "
            "of the records that command writes (JSON Lines: one per line; --format json: an "
            "array of them; the ledger's --format json document is 'ledger-document')."
        ),
    )
    p.add_argument(
        "--output-records",
        choices=OUTPUT_RECORDS,
        metavar="COMMAND",
        help=f"the schema of a command's output records: {', '.join(OUTPUT_RECORDS)}",
    )
    p.set_defaults(handler=cmd_schema)


def cmd_policies(args: argparse.Namespace, out: IO[str], err: IO[str]) -> int:
    """Handler of ``slacalc policies``."""
    from slacalc._policies.files import builtin_policies, load_policy
    from slacalc._policies.model import Policy

    for name in builtin_policies():
        policy = load_policy(name)
        assert isinstance(policy, Policy)  # built-in names are versions, not families
        until = (
            f" until {policy.effective_until}" if getattr(policy, "effective_until", None) else ""
        )
        out.write(
            f"{policy.name}: {policy.title} (effective from {policy.effective_from}{until})\n"
        )
        for plan in policy.plans.values():
            targets = []
            for metric in plan.metrics():
                for klass, target in plan.targets[metric].items():
                    targets.append(
                        f"{klass}={target}"
                        if metric == "initial_response"
                        else f"{metric}:{klass}={target}"
                    )
            shown = "; ".join(t for t in targets if "=" in t)
            out.write(f"  {plan.name:<22} {plan.title}\n")
            if shown:
                out.write(f"  {'':<22} {shown}\n")
    return 0


def output_schema(command: str) -> dict[str, Any]:
    """The JSON Schema of the records *command* writes."""
    if command == "evaluate":
        from slacalc._cli.evaluate import EVALUATE_RECORD

        return EVALUATE_RECORD.json_schema()
    if command == "explain":
        from slacalc._cli.explain import EXPLAIN_SCHEMA

        return EXPLAIN_SCHEMA
    if command == "credits":
        from slacalc._cli.credits import CREDITS_RECORD

        return CREDITS_RECORD.json_schema()
    if command == "due":
        from slacalc._cli.due import DUE_RECORD

        return DUE_RECORD.json_schema()
    if command == "compare":
        from slacalc._files.sources.compare import COMPARE_RECORD

        return COMPARE_RECORD.json_schema()
    from slacalc._cli.ledger import LEDGER_DOCUMENT_SCHEMA, LEDGER_RECORD

    return LEDGER_RECORD.json_schema() if command == "ledger" else LEDGER_DOCUMENT_SCHEMA


def cmd_schema(args: argparse.Namespace, out: IO[str], err: IO[str]) -> int:
    """Handler of ``slacalc schema``."""
    if args.output_records:
        out.write(json_text(output_schema(args.output_records), indent=2) + "\n")
        return 0
    from slacalc._policies.files import policy_schema

    out.write(json.dumps(policy_schema(), indent=2, sort_keys=True) + "\n")
    return 0
