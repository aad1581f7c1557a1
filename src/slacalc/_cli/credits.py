"""``slacalc credits``: service credits per contract from a file of tickets, for a billing run.

One contract from flags (``--customer --term-start --term-end``), or many from
a contracts file (CSV, JSON Lines or JSON with ``customer, term_start,
term_end`` and optional ``plan``, ``term_price``, ``currency``, and the
customer's own terms: ``timezone``, ``calendar`` (a policy calendar's name or
a JSON calendar), ``targets`` (JSON: metric → class → duration) and
``policy_version``) with a ``customer`` column in the tickets file. Each contract record gives the
credit days earned, the days granted after the per-term cap, the extended
term end and, when a term price is known, the money value of the days
(days / days in term × term price, rounded half up to the cent). Bad ticket
or contract rows are reported on stderr with their line number; good rows
are all used; the exit code is 1 when any row was bad. A ticket id seen a
second time is a bad row: a billing run counts each ticket once.
"""

from __future__ import annotations

import argparse
import heapq
import json
from collections import Counter, defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import IO, Any

from slacalc._billing.prices import parse_money
from slacalc._cli.options import (
    CommandError,
    Reporter,
    add_input_options,
    add_now,
    add_output_options,
    engine_mode,
    future_problem,
    judged_chunks,
    now_of,
    open_output,
    open_records,
    output_format,
    ticket_items,
)
from slacalc._cli.sources import add_source_arguments
from slacalc._engine.calendar import Calendar
from slacalc._engine.words import plural
from slacalc._evaluation.credits import Contract, ContractCredits, term_credits
from slacalc._evaluation.evaluate import Evaluation
from slacalc._evaluation.tickets import Ticket
from slacalc._files.records import BadRow, shorten
from slacalc._files.tickets import TICKET_COLUMNS, ticket_or_bad_row
from slacalc._files.writers import Column, RecordSchema, RecordWriter
from slacalc.exceptions import BillingError, SlacalcError

__all__ = [
    "CREDITS_RECORD",
    "CREDIT_COLUMNS",
    "ContractRow",
    "add_credits_command",
    "contract_from_row",
    "read_contracts",
    "run_credits",
]

CREDITS_RECORD = RecordSchema(
    "credits",
    "The service credits of one contract, as `slacalc credits` writes them "
    "(`--format jsonl`: one per line; `--format json`: an array of them).",
    (
        Column("customer", "text", "the contract's customer"),
        Column("policy", "text", "the policy (or family) of the contract's plan"),
        Column("plan", "text", "the plan"),
        Column("term_start", "date", "first day of the term"),
        Column("term_end", "date", "first day after the term"),
        Column("tickets", "integer", "tickets of the customer opened in the term"),
        Column("tickets_with_credits", "integer", "of them, those that earned credit days"),
        Column("earned_days", "integer", "credit days earned, before the per-term cap"),
        Column("credit_days", "integer", "credit days granted, after the per-term cap"),
        Column("capped", "boolean", "whether the per-term cap cut the days"),
        Column("extended_term_end", "date", "term_end plus the credit days"),
        Column("term_price", "decimal", "the term's price, when given", nullable=True),
        Column("currency", "text", "currency of the term price", nullable=True),
        Column(
            "credit_value",
            "decimal",
            "credit days / days in the term × term price, half up to the cent (null without a price)",
            nullable=True,
        ),
    ),
)

#: The columns of ``slacalc credits``, in order.
CREDIT_COLUMNS = CREDITS_RECORD.names

_CONTRACT_COLUMNS = ("customer", "term_start", "term_end")


def add_credits_command(subparsers: Any) -> None:
    """Register ``credits`` on an ``argparse`` subparsers object."""
    p: argparse.ArgumentParser = subparsers.add_parser(
        "credits",
        help="service credits per contract: days, extended term end, value",
        description=__doc__.split("\n\n")[1] if __doc__ else None,
    )
    p.add_argument(
        "file",
        help="tickets: CSV, JSON Lines or JSON (as for evaluate), with a customer column for --contracts",
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
        help="contracts: CSV, JSON Lines or JSON (customer,term_start,term_end[,plan,term_price,currency,timezone,calendar,targets,policy_version])",
    )
    p.add_argument("--customer", help="the one contract's customer (without --contracts)")
    p.add_argument("--term-start", help="first day of the term, YYYY-MM-DD (without --contracts)")
    p.add_argument("--term-end", help="day after the term, YYYY-MM-DD (without --contracts)")
    p.add_argument(
        "--term-price", help="the term's price, a decimal amount, to value the credit days"
    )
    p.add_argument("--currency", default="", help="currency of the term price")
    add_now(p)
    add_input_options(p, "tickets and contracts files")
    add_output_options(p)
    add_source_arguments(p)
    p.set_defaults(handler=run_credits)


def _text(value: object, field: str) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        return value.strip()
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    msg = f"{field}: expected text; got {shorten(value)}"
    raise BillingError(msg)


def _date(value: object, field: str) -> date:
    text = _text(value, field)
    try:
        if len(text) != 10:
            raise ValueError
        return date.fromisoformat(text)
    except ValueError:
        msg = f"{field}: invalid date {shorten(value)}; expected YYYY-MM-DD"
        raise BillingError(msg) from None


def _money(value: object, field: str) -> Decimal | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, bool) or not isinstance(value, str | int | Decimal):
        msg = f"{field}: expected a decimal amount such as 6000.00; got {shorten(value)}"
        raise BillingError(msg)
    return parse_money(value, field)


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


@dataclass(frozen=True, slots=True)
class ContractRow:
    """One contract of a billing run: where it came from, the contract, its price and currency."""

    line: int | None
    contract: Contract
    price: Decimal | None
    currency: str
    #: the customer whose tickets it takes (None: the one contract of the flags takes them all)
    customer: str | None


def read_contracts(
    args: argparse.Namespace, path: str, policy: Any, reporter: Reporter
) -> list[ContractRow]:
    """The contracts of the contracts file *path*; each bad row is reported and left out.

    ``args.plan`` is the plan of rows without one, ``args.currency`` (when
    the command has it) the currency of rows without one. ``slacalc report
    --contracts`` reads its contracts with this too.
    """
    found: list[ContractRow] = []
    default_currency = getattr(args, "currency", "") or ""
    with open_records(args, path, _CONTRACT_COLUMNS) as records:
        for note in records.notes:
            reporter.note(path, note)
        for line, row in records:
            if isinstance(row, BadRow):
                reporter.row(path, line, row.message)
                continue
            try:
                for name in ("plan", "customer", "timezone", "policy_version"):
                    _text(row.get(name), name)  # text, never a JSON list turned into text
                contract = contract_from_row(row, policy, args.plan)
                customer = contract.customer
                price = _money(row.get("term_price"), "term_price")
                currency = _text(row.get("currency"), "currency") or default_currency
            except SlacalcError as exc:
                reporter.row(path, line, str(exc))
                continue
            found.append(ContractRow(line, contract, price, currency, customer))
    _warn_overlaps(path, found, reporter)
    return found


def _warn_overlaps(path: str, rows: Sequence[ContractRow], reporter: Reporter) -> None:
    """One warning naming each customer whose contract terms overlap, with the lines of each pair.

    A ticket opened in two terms belongs to the first of them in the file
    (:class:`ContractBook`); the warning says so, since two terms of one
    customer covering the same days are usually a mistake in the file.
    """
    by_customer: dict[str | None, list[ContractRow]] = {}
    for row in rows:
        by_customer.setdefault(row.customer, []).append(row)
    pairs: list[str] = []
    for customer, own in by_customer.items():
        for i, a in enumerate(own):
            a_lo, a_hi = a.contract._term_us
            for b in own[i + 1 :]:
                b_lo, b_hi = b.contract._term_us
                if a_lo < b_hi and b_lo < a_hi:
                    where = (
                        ""
                        if a.line is None or b.line is None
                        else f" (lines {a.line} and {b.line})"
                    )
                    pairs.append(f"{shorten(customer, 40)}{where}")
    if pairs:
        listed = ", ".join(pairs[:10]) + (f" and {len(pairs) - 10} more" if len(pairs) > 10 else "")
        reporter.warning(
            f"{plural(len(pairs), 'pair of contracts has', 'pairs of contracts have')} overlapping terms "
            f"for one customer: {listed}; a ticket opened in both terms belongs to the first "
            f"contract in {path}"
        )


class _Run:
    def __init__(self, args: argparse.Namespace, reporter: Reporter) -> None:
        self.args = args
        self.reporter = reporter

    def contracts(self, policy: Any) -> list[ContractRow]:
        args = self.args
        if args.contracts:
            return read_contracts(args, args.contracts, policy, self.reporter)
        missing = [
            f for f in ("customer", "term_start", "term_end", "plan") if not getattr(args, f)
        ]
        if missing:
            msg = f"give --contracts FILE, or --{missing[0].replace('_', '-')} (and the other contract flags: --customer, --plan, --term-start, --term-end)"
            raise CommandError(msg)
        contract = Contract(
            args.customer,
            policy.plan(args.plan),
            _date(args.term_start, "--term-start"),
            _date(args.term_end, "--term-end"),
        )
        price = _money(args.term_price, "--term-price")
        return [ContractRow(None, contract, price, args.currency, None)]

    def tickets(self, now: datetime, explicit: bool) -> dict[str | None, list[tuple[int, Ticket]]]:
        args, reporter = self.args, self.reporter
        by_customer: dict[str | None, list[tuple[int, Ticket]]] = defaultdict(list)
        first_line: dict[str, int] = {}
        with ticket_items(args, args.file, reporter) as items:
            for line, ticket, record in items:
                if isinstance(ticket, BadRow):
                    reporter.row(args.file, line, ticket.message)
                    continue
                if ticket.id in first_line:
                    reporter.row(
                        args.file,
                        line,
                        f"ticket {ticket.id!r} is already on line {first_line[ticket.id]}; a billing run counts each ticket once",
                    )
                    continue
                first_line[ticket.id] = line
                problem = None if explicit else future_problem(ticket, now)
                if problem is not None:
                    reporter.row(args.file, line, problem)
                    continue
                key = None
                if args.contracts:
                    if record is None:  # --source: the ticket's organisation
                        key = getattr(ticket, "customer", None)
                    else:
                        try:
                            key = _text(record.get("customer"), "customer") or None
                        except SlacalcError as exc:
                            reporter.row(args.file, line, f"ticket {ticket.id!r}: {exc}")
                            continue
                by_customer[key].append((line, ticket))
        return by_customer


@dataclass(slots=True)
class _Sum:
    """What one contract's tickets add up to, without keeping the tickets."""

    tickets: int = 0  # opened in the term
    with_credits: int = 0
    earned: int = 0
    errors: list[tuple[int, str]] = field(default_factory=list)  # (line, message), by line


def _streamed(
    run: _Run, contracts: list[ContractRow], now: datetime, explicit: bool, mode: str
) -> tuple[dict[str | None, int], list[_Sum]]:
    """Tickets per customer and each contract's sums, the file read a chunk at a time.

    Plain rows of a large CSV file are judged by the column engine
    (``slacalc._analysis.credited``); every other row is read, checked and
    evaluated exactly as :meth:`_Run.tickets` and :func:`run_credits` do
    row by row, its evaluation errors kept to be reported in the same order.
    """
    args, reporter = run.args, run.reporter
    sums = [_Sum() for _ in contracts]
    of_key: dict[str | None, list[int]] = {}
    for j, row in enumerate(contracts):
        of_key.setdefault(row.customer, []).append(j)
    counts: dict[str | None, int] = defaultdict(int)
    first_line: dict[str, int] = {}
    stash: list[Any] = []

    def columns(names: Sequence[str], values: Sequence[Sequence[str]]) -> list[Any]:
        from slacalc._analysis.credited import CreditTerms, credit_chunk

        terms = [CreditTerms(r.customer, r.contract.plan, r.contract._term_us) for r in contracts]
        got = credit_chunk(names, values, terms, bool(args.contracts), now, explicit)
        stash.append(got)
        return [True if j else None for j in got.judged.tolist()]

    def seen(ident: str, line: int) -> bool:
        if ident in first_line:
            reporter.row(
                args.file,
                line,
                f"ticket {ident!r} is already on line {first_line[ident]}; a billing run counts each ticket once",
            )
            return True
        first_line[ident] = line
        return False

    def careful(line: int, record: Any) -> None:
        ticket = ticket_or_bad_row(line, record)
        if isinstance(ticket, BadRow):
            reporter.row(args.file, line, ticket.message)
            return
        if seen(ticket.id, line):
            return
        problem = None if explicit else future_problem(ticket, now)
        if problem is not None:
            reporter.row(args.file, line, problem)
            return
        key = None
        if args.contracts:
            try:
                key = _text(record.get("customer"), "customer") or None
            except SlacalcError as exc:
                reporter.row(args.file, line, f"ticket {ticket.id!r}: {exc}")
                return
        counts[key] += 1
        claimed = False  # by an earlier contract of the customer whose term covers it
        for j in of_key.get(key, ()):
            contract, total = contracts[j].contract, sums[j]
            try:
                evaluation = contract.plan.evaluate(ticket, now)
            except SlacalcError as exc:
                total.errors.append((line, str(exc)))
                continue
            opened = evaluation.opened_at
            if not claimed and opened is not None and contract.covers(opened):
                claimed = True
                days = evaluation.credit_days
                total.tickets += 1
                total.earned += days
                total.with_credits += 1 if days else 0

    with open_records(args, args.file, TICKET_COLUMNS) as records:
        for note in records.notes:
            reporter.note(args.file, note)
        for chunk in judged_chunks(records, columns, mode):
            got = stash.pop() if stash else None
            ids = chunk.ids() if chunk.lines else []
            take = [False] * len(chunk.lines)
            plain = ((line, i, None) for i, line in enumerate(chunk.lines))
            others = ((line, -1, record) for line, record in chunk.chunk.others)
            for line, i, record in heapq.merge(plain, others, key=lambda item: item[0]):
                if i < 0:
                    careful(line, record)
                elif chunk.done[i] is None:
                    careful(line, chunk.chunk.record(i))
                elif not seen(ids[i], line):
                    take[i] = True
            if got is not None and any(take):
                _add_judged(got, take, counts, sums)
    return counts, sums


def _add_judged(
    got: Any, take: list[bool], counts: dict[str | None, int], sums: list[_Sum]
) -> None:
    """Add the judged rows of a chunk marked in *take* to the counts and the contracts' sums."""
    import numpy as np

    keys = got.keys
    for key, n in Counter(k for k, t in zip(keys, take, strict=True) if t).items():
        counts[key] += n
    free = np.asarray(take, dtype=np.bool_)  # not yet counted by an earlier contract
    for total, member, in_term, days in zip(sums, got.members, got.in_term, got.days, strict=True):
        hit = free & member & in_term
        free &= ~hit
        picked = days[hit]
        total.tickets += len(picked)
        total.earned += int(picked.sum())
        total.with_credits += int(np.count_nonzero(picked))


def run_credits(args: argparse.Namespace, out: IO[str], err: IO[str]) -> int:
    """Handler of ``slacalc credits``."""
    from slacalc._policies.files import load_policy

    reporter = Reporter(err, "credits")
    fmt = output_format(args)
    policy = load_policy(args.policy)
    now, explicit = now_of(args)
    run = _Run(args, reporter)
    contracts = run.contracts(policy)
    mode = None if args.source else engine_mode()
    if mode is None:
        rows = _row_by_row(run, contracts, now, explicit)
    else:
        counts, sums = _streamed(run, contracts, now, explicit, mode)
        _warn_orphans(run, contracts, counts)
        rows = []
        reported: set[int] = set()
        for row, total in zip(contracts, sums, strict=True):
            for ticket_line, message in total.errors:
                if ticket_line not in reported:
                    reported.add(ticket_line)
                    reporter.row(args.file, ticket_line, message)
            contract = row.contract
            try:
                credits = term_credits(contract, total.earned)
                value = None if row.price is None else credits.value(row.price)
            except SlacalcError as exc:
                named = f"contract {contract.customer!r}: "
                where = args.contracts or "slacalc credits"
                reporter.row(where, row.line, named + str(exc).removeprefix(named))
                continue
            rows.append(
                _record(credits, row.price, row.currency, total.tickets, value, total.with_credits)
            )

    with open_output(args.out, out) as stream:
        writer = RecordWriter(stream, fmt, CREDITS_RECORD)
        writer.write_all(rows)
        writer.close()
    return reporter.summary(len(rows), "contract", "contracts")


def _row_by_row(
    run: _Run, contracts: list[ContractRow], now: datetime, explicit: bool
) -> list[dict[str, Any]]:
    """The contracts' records with every ticket in memory (``SLACALC_ENGINE=rows``, ``--source``)."""
    args, reporter = run.args, run.reporter
    by_customer = run.tickets(now, explicit)

    _warn_orphans(run, contracts, {k: len(v) for k, v in by_customer.items()})

    rows: list[dict[str, Any]] = []
    reported: set[int] = set()
    claimed: set[int] = set()  # lines of tickets an earlier contract's term already covers
    for row in contracts:
        line, contract, price, currency, key = (
            row.line,
            row.contract,
            row.price,
            row.currency,
            row.customer,
        )
        evaluations: list[Evaluation] = []
        for ticket_line, ticket in by_customer.get(key, []):
            try:  # evaluated once here, so a bad ticket is reported and the rest still count
                evaluation = contract.plan.evaluate(ticket, now)
            except SlacalcError as exc:
                if ticket_line not in reported:
                    reported.add(ticket_line)
                    reporter.row(args.file, ticket_line, str(exc))
                continue
            if ticket_line in claimed:
                continue
            opened = evaluation.opened_at
            if opened is not None and contract.covers(opened):
                claimed.add(ticket_line)
            evaluations.append(evaluation)
        where = args.contracts or "slacalc credits"
        try:
            credits = contract.credits(evaluations)
            value = None if price is None else credits.value(price)
        except SlacalcError as exc:
            named = f"contract {contract.customer!r}: "
            reporter.row(where, line, named + str(exc).removeprefix(named))
            continue
        in_term = sum(
            1 for e in evaluations if e.opened_at is not None and contract.covers(e.opened_at)
        )
        rows.append(_record(credits, price, currency, in_term, value))

    return rows


def _warn_orphans(
    run: _Run, contracts: list[ContractRow], counts: Mapping[str | None, int]
) -> None:
    """Warn of the tickets whose customer has no contract (*counts*: tickets per customer)."""
    args = run.args
    if args.contracts:
        known = {c.customer for c in contracts}
        orphans = {k: n for k, n in counts.items() if k not in known and n}
        if orphans:
            named = ", ".join(
                f"{'(no customer)' if k is None else shorten(k, 40)}: {n}"
                for k, n in sorted(orphans.items(), key=lambda kv: str(kv[0]))[:10]
            )
            total = sum(orphans.values())
            run.reporter.warning(
                f"{plural(total, 'ticket belongs', 'tickets belong')} to no contract of {args.contracts} and {'is' if total == 1 else 'are'} not counted ({named})"
            )


def _record(
    credits: ContractCredits,
    price: Decimal | None,
    currency: str,
    tickets: int,
    value: Decimal | None,
    with_credits: int | None = None,
) -> dict[str, Any]:
    return {
        "customer": credits.customer,
        "policy": credits.policy,
        "plan": credits.plan,
        "term_start": credits.term_start,
        "term_end": credits.term_end,
        "tickets": tickets,
        "tickets_with_credits": (
            sum(1 for t in credits.tickets if t.days) if with_credits is None else with_credits
        ),
        "earned_days": credits.earned_days,
        "credit_days": credits.days,
        "capped": credits.capped,
        "extended_term_end": credits.extended_term_end,
        "term_price": price,
        "currency": currency or None,
        "credit_value": value,
    }
