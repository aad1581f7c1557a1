"""``slacalc credits``: service credits per contract from a file of tickets, for a billing run.

One contract from flags (``--customer --term-start --term-end``), or many from
a contracts file (CSV or JSON Lines with ``customer, term_start, term_end`` and
optional ``plan``, ``term_price``, ``currency``, and the customer's own terms:
``timezone``, ``calendar`` (a policy calendar's name or a JSON calendar),
``targets`` (JSON: metric → class → duration) and ``policy_version``) with a
``customer`` column in the tickets file. Each contract row gives the credit days earned, the days
granted after the per-term cap, the extended term end and, when a term price
is known, the money value of the days (days / days in term × term price,
rounded half up to the cent). Bad ticket or contract rows are reported on
stderr with their line number; good rows are all used; the exit code is 1
when any row was bad.
"""

from __future__ import annotations

import argparse
import csv
import json
from collections import defaultdict
from collections.abc import Mapping
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from typing import IO, Any

from slacalc._billing.prices import parse_money
from slacalc._cli.sources import add_source_arguments, ticket_rows
from slacalc._engine.calendar import Calendar
from slacalc._evaluation.credits import Contract, ContractCredits
from slacalc._evaluation.evaluate import Evaluation
from slacalc._evaluation.tickets import Ticket
from slacalc._files.tickets import (
    TICKET_COLUMNS,
    BadRow,
    open_input,
    parse_instant,
    read_records,
    ticket_or_bad_row,
)
from slacalc.exceptions import BillingError, SlacalcError

__all__ = ["CREDIT_COLUMNS", "add_credits_command", "contract_from_row", "run_credits"]

CREDIT_COLUMNS = (
    "customer",
    "policy",
    "plan",
    "term_start",
    "term_end",
    "tickets",
    "tickets_with_credits",
    "earned_days",
    "credit_days",
    "capped",
    "extended_term_end",
    "term_price",
    "currency",
    "credit_value",
)


def add_credits_command(subparsers: Any) -> None:
    """Register ``credits`` on an ``argparse`` subparsers object."""
    p: argparse.ArgumentParser = subparsers.add_parser(
        "credits",
        help="service credits per contract: days, extended term end, value",
        description=__doc__.split("\n\n")[1] if __doc__ else None,
    )
    p.add_argument(
        "file",
        help="tickets: CSV or JSON Lines (as for evaluate), with a customer column for --contracts",
    )
    p.add_argument(
        "--policy", required=True, help="built-in policy or family name, or a policy file"
    )
    p.add_argument(
        "--plan", help="plan name (default for every contract; a contracts file may give its own)"
    )
    p.add_argument(
        "--contracts",
        metavar="FILE",
        help="contracts: CSV or JSON Lines (customer,term_start,term_end[,plan,term_price,currency,timezone,calendar,targets,policy_version])",
    )
    p.add_argument("--customer", help="the one contract's customer (without --contracts)")
    p.add_argument("--term-start", help="first day of the term, YYYY-MM-DD (without --contracts)")
    p.add_argument("--term-end", help="day after the term, YYYY-MM-DD (without --contracts)")
    p.add_argument(
        "--term-price", help="the term's price, a decimal amount, to value the credit days"
    )
    p.add_argument("--currency", default="", help="currency of the term price")
    p.add_argument("--now", help="evaluate as of this instant (default: now)")
    p.add_argument(
        "--input-format",
        choices=("csv", "jsonl"),
        help="tickets format (default: from the file name)",
    )
    p.add_argument(
        "--format", choices=("csv", "json"), default="csv", help="output format (default csv)"
    )
    add_source_arguments(p)
    p.set_defaults(handler=run_credits)


def _date(value: object, field: str) -> date:
    try:
        return date.fromisoformat(str(value).strip())
    except ValueError:
        msg = f"{field}: invalid date {value!r}; expected YYYY-MM-DD"
        raise BillingError(msg) from None


def _money(value: object, field: str) -> Decimal | None:
    if value is None or str(value).strip() == "":
        return None
    return parse_money(str(value), field)


def _format(path: str, given: str | None) -> str:
    if given:
        return given
    return "jsonl" if Path(path).suffix.lower() in (".jsonl", ".ndjson", ".json") else "csv"


def _json_cell(value: object, field: str) -> Any:
    if isinstance(value, Mapping | list):
        return value
    try:
        return json.loads(str(value))
    except json.JSONDecodeError as exc:
        msg = f"{field}: invalid JSON {value!r} ({exc.msg}); expected a JSON object"
        raise BillingError(msg) from None


def contract_from_row(row: Mapping[str, Any], policy: Any, default_plan: str | None) -> Contract:
    """A :class:`Contract` from a contracts-file row, with the customer's own terms if it has any."""
    plan_name = str(row.get("plan") or default_plan or "").strip()
    if not plan_name:
        msg = "plan: missing; give a plan column or --plan"
        raise BillingError(msg)
    customer = str(row.get("customer") or "").strip()
    if not customer:
        msg = "customer: missing; expected the customer's name"
        raise BillingError(msg)
    terms: dict[str, Any] = {}
    zone = str(row.get("timezone") or "").strip()
    if zone:
        terms["timezone"] = zone
    version = str(row.get("policy_version") or "").strip()
    if version:
        terms["policy_version"] = version
    cal = row.get("calendar")
    if cal not in (None, ""):
        terms["calendar"] = _calendar_cell(cal, policy)
    targets = row.get("targets")
    if targets not in (None, ""):
        parsed = _json_cell(targets, "targets")
        if not isinstance(parsed, Mapping) or not all(
            isinstance(v, Mapping) for v in parsed.values()
        ):
            msg = f"targets: invalid value {targets!r}; expected a JSON object metric → class → duration"
            raise BillingError(msg)
        terms["targets"] = parsed
    return Contract(
        customer,
        policy.plan(plan_name),
        _date(row.get("term_start"), "term_start"),
        _date(row.get("term_end"), "term_end"),
        **terms,
    )


def _calendar_cell(value: object, policy: Any) -> Calendar:
    """A policy calendar by name, or a calendar written as JSON (the Calendar constructor's keys)."""
    text = value if isinstance(value, Mapping) else str(value).strip()
    if isinstance(text, str) and not text.startswith("{"):
        calendars = getattr(policy, "calendars", None)
        if calendars is None:  # a family: its latest version's calendars
            calendars = policy.latest.calendars
        if text not in calendars:
            msg = f"calendar: unknown calendar {text!r}; expected one of {', '.join(calendars)} or a JSON calendar"
            raise BillingError(msg)
        return calendars[text]  # type: ignore[no-any-return]
    spec = _json_cell(text, "calendar")
    if not isinstance(spec, Mapping):
        msg = f"calendar: invalid value {value!r}; expected a calendar name or a JSON object"
        raise BillingError(msg)
    try:
        return Calendar(**spec)
    except TypeError as exc:
        msg = f"calendar: invalid calendar {value!r} ({exc}); expected the keys timezone, hours, holidays, closed, special, business_day"
        raise BillingError(msg) from None


def _contract_rows(path: str, err: IO[str]) -> tuple[list[tuple[int, dict[str, Any]]], int]:
    rows: list[tuple[int, dict[str, Any]]] = []
    bad = 0
    with open_input(path) as stream:
        for line, record in read_records(
            stream, _format(path, None), ("customer", "term_start", "term_end")
        ):
            if isinstance(record, BadRow):
                err.write(f"{path}: line {line}: {record.message}\n")
                bad += 1
            else:
                rows.append((line, record))
    return rows, bad


def run_credits(args: argparse.Namespace, out: IO[str], err: IO[str]) -> int:
    """Handler of ``slacalc credits``."""
    from slacalc._policies.files import load_policy

    policy = load_policy(args.policy)
    now = datetime.now(UTC) if args.now is None else parse_instant("--now", args.now)
    bad = 0
    contracts: list[
        tuple[Contract, Decimal | None, str, str | None]
    ] = []  # contract, price, currency, customer key
    if args.contracts:
        rows, bad = _contract_rows(args.contracts, err)
        for line, row in rows:
            try:
                contract = contract_from_row(row, policy, args.plan)
                customer = contract.customer
                price = _money(row.get("term_price"), "term_price")
                contracts.append(
                    (contract, price, str(row.get("currency") or args.currency), customer)
                )
            except SlacalcError as exc:
                err.write(f"{args.contracts}: line {line}: {exc}\n")
                bad += 1
    else:
        missing = [
            f for f in ("customer", "term_start", "term_end", "plan") if not getattr(args, f)
        ]
        if missing:
            err.write(
                f"slacalc credits: give --contracts FILE, or --{missing[0].replace('_', '-')} (and the other contract flags)\n"
            )
            return 2
        contract = Contract(
            args.customer,
            policy.plan(args.plan),
            _date(args.term_start, "--term-start"),
            _date(args.term_end, "--term-end"),
        )
        contracts.append((contract, _money(args.term_price, "--term-price"), args.currency, None))

    by_customer: dict[str | None, list[Ticket]] = defaultdict(list)
    if args.source:  # a helpdesk export: the customer is the ticket's organisation
        for line, item in ticket_rows(args, args.file, None, err):
            if isinstance(item, BadRow):
                err.write(f"{args.file}: line {line}: {item.message}\n")
                bad += 1
                continue
            by_customer[getattr(item, "customer", None) if args.contracts else None].append(item)
    else:
        with open_input(args.file) as stream:
            records = read_records(stream, _format(args.file, args.input_format), TICKET_COLUMNS)
            for line, record in records:
                ticket = ticket_or_bad_row(line, record)
                if isinstance(ticket, BadRow):
                    err.write(f"{args.file}: line {line}: {ticket.message}\n")
                    bad += 1
                    continue
                assert not isinstance(record, BadRow)
                key = str(record.get("customer") or "").strip() or None if args.contracts else None
                by_customer[key].append(ticket)

    results: list[tuple[ContractCredits, Decimal | None, str, int]] = []
    for contract, price, currency, key in contracts:
        evaluations: list[Evaluation] = []
        for ticket in by_customer.get(key, []):
            try:  # evaluated once here, so a bad ticket is reported and the rest still count
                evaluations.append(contract.plan.evaluate(ticket, now))
            except SlacalcError as exc:
                err.write(f"{args.file}: ticket {ticket.id!r}: {exc}\n")
                bad += 1
        credits = contract.credits(evaluations)
        in_term = sum(
            1
            for e in evaluations
            if e.opened_at is not None
            and contract.term_start <= e.opened_at.date() < contract.term_end
        )
        results.append((credits, price, currency, in_term))

    if args.format == "json":
        out.write(
            json.dumps([_json_row(c, p, cur, n) for c, p, cur, n in results], indent=2) + "\n"
        )
    else:
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(CREDIT_COLUMNS)
        for c, p, cur, n in results:
            row = _json_row(c, p, cur, n)
            writer.writerow([row[k] if row[k] is not None else "" for k in CREDIT_COLUMNS])
    if bad:
        err.write(f"{bad} bad row(s); every good row was used\n")
        return 1
    return 0


def _json_row(
    credits: ContractCredits, price: Decimal | None, currency: str, tickets: int
) -> dict[str, Any]:
    value = None if price is None else credits.value(price)
    return {
        "customer": credits.customer,
        "policy": credits.policy,
        "plan": credits.plan,
        "term_start": credits.term_start.isoformat(),
        "term_end": credits.term_end.isoformat(),
        "tickets": tickets,
        "tickets_with_credits": sum(1 for t in credits.tickets if t.days),
        "earned_days": credits.earned_days,
        "credit_days": credits.days,
        "capped": credits.capped,
        "extended_term_end": credits.extended_term_end.isoformat(),
        "term_price": None if price is None else str(price),
        "currency": currency or None,
        "credit_value": None if value is None else str(value),
    }
