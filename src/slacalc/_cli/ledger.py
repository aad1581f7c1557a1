"""``slacalc ledger``: a customer's escalation ledger from files, as CSV or JSON for a billing system.

Purchases and cases come from CSV/TSV (with a header), JSON Lines or JSON
files, read by the reader every command shares (format from the file name or
the first character, delimiter detected, ``--input-format`` /
``--delimiter`` / ``--encoding`` to say otherwise). Bad rows are reported on
stderr as ``FILE: line N: message`` and left out; every good row is kept,
and the exit code is 1 when any row was bad. Columns (extra columns are
ignored):

* purchases: ``purchased_on`` (or ``date``), ``pack``, optional ``id``;
* cases: ``id``, ``opened_on`` (or ``date``), ``hours``, ``kind``.

Dates are ``YYYY-MM-DD``, or an ISO 8601 instant with an offset, which
counts on the date it falls on in the policy's zone (:attr:`Policy.timezone`,
as versions and contract terms are chosen). Hours are decimal (``1.5``) or
a duration (``10 minutes``, ``PT10M``, ``2h 30min``).
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from datetime import date, datetime, timedelta, tzinfo
from decimal import Decimal, InvalidOperation
from typing import IO, Any, TypeVar

from slacalc._billing.ledger import (
    Case,
    CaseUsage,
    Ledger,
    LotBalance,
    Purchase,
    check_kind,
    find_pack,
)
from slacalc._billing.models import EscalationsModel
from slacalc._cli.options import (
    Reporter,
    add_input_options,
    add_output_options,
    open_output,
    open_records,
    output_format,
)
from slacalc._engine.durations import Duration, parse_duration
from slacalc._files.records import BadRow, shorten
from slacalc._files.writers import DATE_PATTERN, Column, RecordSchema, RecordWriter, json_text
from slacalc.exceptions import BillingError, DurationError, SlacalcError

__all__ = [
    "LEDGER_COLUMNS",
    "LEDGER_DOCUMENT_SCHEMA",
    "LEDGER_RECORD",
    "add_ledger_command",
    "parse_date",
    "parse_hours",
    "run_ledger",
]

_MAX_HOURS = Decimal(1_000_000)

LEDGER_RECORD = RecordSchema(
    "ledger",
    "One row of `slacalc ledger --format csv` (or jsonl): the `record` column says which "
    "columns apply; the others are null.",
    (
        Column("record", "text", "what the row is", enum=("balance", "lot", "case", "draw")),
        Column("id", "text", "the case (case, draw)", nullable=True),
        Column("date", "date", "the balance date (balance, lot) or the case's date", nullable=True),
        Column("kind", "text", "the case's kind", nullable=True),
        Column("hours", "decimal", "the case's engineering hours", nullable=True),
        Column(
            "status",
            "text",
            "case: exempt, covered, partial, uncovered; lot: valid, expired, future",
            nullable=True,
        ),
        Column("units_required", "integer", "escalations the case needs", nullable=True),
        Column(
            "units",
            "integer",
            "balance: usable units; lot: granted; case: consumed; draw: drawn",
            nullable=True,
        ),
        Column("uncovered_units", "integer", "units the case lacked", nullable=True),
        Column("covered_hours", "decimal", "hours covered by units", nullable=True),
        Column("consulting_hours", "decimal", "hours billed as consulting", nullable=True),
        Column("uncovered_hours", "decimal", "hours neither covered nor consulting", nullable=True),
        Column("consulting_cost", "decimal", "the case's consulting cost", nullable=True),
        Column("currency", "text", "currency of the consulting cost", nullable=True),
        Column("lot", "text", "the lot (lot, draw)", nullable=True),
        Column("source", "text", "included or pack", nullable=True),
        Column("valid_from", "date", "first day the lot is usable", nullable=True),
        Column("expires_on", "date", "first day the lot is no longer usable", nullable=True),
        Column("used", "integer", "units of the lot used by the date", nullable=True),
        Column(
            "remaining",
            "integer",
            "units of the lot usable on the date (null for a future lot)",
            nullable=True,
        ),
        Column("lapsed", "integer", "units of the lot that expired unused", nullable=True),
    ),
)

#: Columns of ``slacalc ledger --format csv``; the ``record`` column says which apply.
LEDGER_COLUMNS = LEDGER_RECORD.names

_Item = TypeVar("_Item", Purchase, Case)


def add_ledger_command(subparsers: Any) -> None:
    """Register ``ledger`` on an ``argparse`` subparsers object (handler: :func:`run_ledger`)."""
    p: argparse.ArgumentParser = subparsers.add_parser(
        "ledger",
        help="a customer's escalation ledger: balance, per-case consumption, expiries",
        description=(
            "Rebuild one customer's escalation ledger from pack purchases and cases and print "
            "the balance, what each case consumed from which lot, what expires when and the "
            "consulting cost of uncovered hours."
        ),
    )
    p.add_argument(
        "--purchases",
        metavar="FILE",
        help="pack purchases: CSV (purchased_on,pack[,id]), JSON Lines or JSON",
    )
    p.add_argument(
        "--cases", metavar="FILE", help="cases: CSV (id,opened_on,hours,kind), JSON Lines or JSON"
    )
    p.add_argument(
        "--policy",
        default="proauth",
        help="policy name or file with an escalations section (default proauth)",
    )
    p.add_argument(
        "--plan",
        required=True,
        help="plan the included escalations come from, e.g. enterprise-standard",
    )
    p.add_argument(
        "--contract-start",
        required=True,
        metavar="DATE",
        help="first day of the first contract year",
    )
    p.add_argument(
        "--contract-end", metavar="DATE", help="first day after the contract (default: open-ended)"
    )
    p.add_argument(
        "--included",
        type=int,
        metavar="N",
        help="escalations per contract year, for plans 'per agreement'",
    )
    p.add_argument(
        "--on", metavar="DATE", help="date of the balance (default: the latest date in the input)"
    )
    p.add_argument(
        "--consulting", action="store_true", help="bill hours beyond one escalation as consulting"
    )
    add_input_options(p, "purchases and cases files")
    add_output_options(p)
    p.set_defaults(handler=run_ledger)


# ---------------------------------------------------------------------------- reading


def _text(fields: dict[str, Any], *names: str, required: bool = True) -> str:
    for name in names:
        value = fields.get(name)
        if value is None:
            continue
        if isinstance(value, bool) or not isinstance(value, str | int | Decimal):
            msg = f"{name}: expected text; got {shorten(value)}"
            raise BillingError(msg)
        text = str(value).strip()
        if text:
            return text
    if required:
        msg = f"{names[0]}: missing"
        raise BillingError(msg)
    return ""


def parse_date(value: str, field: str, zone: tzinfo) -> date:
    """A date from ``YYYY-MM-DD``, or the date an ISO 8601 instant with an offset falls on in *zone*."""
    when = _when(value, field)
    return when.astimezone(zone).date() if isinstance(when, datetime) else when


def _when(value: str, field: str) -> date | datetime:
    text = value.strip()
    try:
        if len(text) == 10:
            return date.fromisoformat(text)
        instant = datetime.fromisoformat(text)
    except ValueError:
        msg = f"{field}: invalid date {shorten(value)}; expected YYYY-MM-DD or an ISO 8601 instant with an offset"
        raise BillingError(msg) from None
    if instant.tzinfo is None or instant.utcoffset() is None:
        msg = f"{field}: instant {shorten(value)} has no UTC offset; expected YYYY-MM-DD or an instant with an offset"
        raise BillingError(msg)
    return instant


def parse_hours(value: object, field: str = "hours") -> Decimal:
    """Engineering hours: a decimal number (``1.5``) or a duration (``10 minutes``, ``PT10M``).

    A duration that is not a whole number of 1/10^n hours (10 minutes) is
    converted with 28 significant digits (0.1666666666666666666666666667).
    """
    if isinstance(value, bool | float):
        msg = f"{field}: invalid hours {shorten(value)}; expected a decimal number or a duration"
        raise BillingError(msg)
    if isinstance(value, int | Decimal):
        number = Decimal(value)
    else:
        text = str(value).strip()
        try:
            number = Decimal(text)
        except InvalidOperation:
            try:
                parsed = parse_duration(text, field)
            except DurationError:
                msg = f"{field}: invalid hours {shorten(value)}; expected a decimal number such as 1.5 or a duration such as '10 minutes'"
                raise BillingError(msg) from None
            if not isinstance(parsed, Duration) or parsed.business_days:
                msg = f"{field}: invalid hours {shorten(value)}; expected engineering time, not business days"
                raise BillingError(msg) from None
            number = Decimal(parsed.fixed // timedelta(microseconds=1)) / Decimal(3_600_000_000)
    if not number.is_finite() or number < 0:
        msg = f"{field}: invalid hours {shorten(value)}; expected a number >= 0"
        raise BillingError(msg)
    if number > _MAX_HOURS:
        msg = f"{field}: {shorten(value)} hours is out of range; expected at most {_MAX_HOURS:,} hours for one case"
        raise BillingError(msg)
    return number


def _purchase(fields: dict[str, Any], model: EscalationsModel, zone: tzinfo) -> Purchase:
    purchase = Purchase(
        purchased_on=parse_date(_text(fields, "purchased_on", "date"), "purchased_on", zone),
        pack=_text(fields, "pack"),
        id=_text(fields, "id", required=False),
    )
    find_pack(model, purchase.pack)
    return purchase


def _case(fields: dict[str, Any], model: EscalationsModel, zone: tzinfo) -> Case:
    hours = fields.get("hours")
    if hours is None or (isinstance(hours, str) and not hours.strip()):
        msg = "hours: missing"
        raise BillingError(msg)
    case = Case(
        id=_text(fields, "id"),
        opened_on=parse_date(_text(fields, "opened_on", "date"), "opened_on", zone),
        hours=parse_hours(hours),
        kind=_text(fields, "kind"),
    )
    check_kind(model, case)
    return case


def _read_unique(
    args: argparse.Namespace,
    path: str,
    parse: Callable[[dict[str, Any]], _Item],
    label: str,
    reporter: Reporter,
) -> list[_Item]:
    """The records of *path* that parse, each id once; every other row is reported."""
    result: list[_Item] = []
    seen: dict[str, int] = {}
    with open_records(args, path, ()) as records:
        for note in records.notes:
            reporter.note(path, note)
        for line, fields in records:
            if isinstance(fields, BadRow):
                reporter.row(path, line, fields.message)
                continue
            try:
                item = parse(fields)
            except SlacalcError as exc:
                reporter.row(path, line, str(exc))
                continue
            if item.id and item.id in seen:
                reporter.row(path, line, f"id: {label} {item.id!r} already on line {seen[item.id]}")
                continue
            if item.id:
                seen[item.id] = line
            result.append(item)
    return result


def _escalations(policy_name: str, start: str) -> tuple[EscalationsModel, tzinfo]:
    """The quota of the policy (of a family: the version in force at the contract's *start*) and its zone."""
    from slacalc._policies.files import load_policy

    policy: Any = load_policy(policy_name)
    if not hasattr(policy, "escalations") and hasattr(policy, "at"):
        policy = policy.at(_when(start, "--contract-start"))
    model = getattr(policy, "escalations", None)
    if not isinstance(model, EscalationsModel):
        msg = f"policy {getattr(policy, 'name', policy_name)!r} has no escalation quota (no [escalations] section)"
        raise BillingError(msg)
    return model, policy._zone()


# ---------------------------------------------------------------------------- writing


def _lot_fields(row: LotBalance) -> dict[str, Any]:
    lot = row.lot
    return {
        "lot": lot.id,
        "source": lot.source,
        "units": lot.units,
        "valid_from": lot.valid_from,
        "expires_on": lot.expires_on,
        "status": row.state,
        "used": row.used,
        "remaining": row.remaining if row.state != "future" else None,
        "lapsed": row.lapsed,
    }


def _case_fields(usage: CaseUsage) -> dict[str, Any]:
    case = usage.case
    return {
        "id": case.id,
        "date": case.opened_on,
        "kind": case.kind,
        "hours": case.hours,
        "status": usage.status,
        "units_required": usage.units_required,
        "units": usage.units_consumed,
        "uncovered_units": usage.uncovered_units,
        "covered_hours": usage.covered_hours,
        "consulting_hours": usage.consulting_hours,
        "uncovered_hours": usage.uncovered_hours,
        "consulting_cost": usage.consulting_cost,
        "currency": usage.currency,
    }


def _cases_through(ledger: Ledger, on: date) -> tuple[CaseUsage, ...]:
    return tuple(u for u in ledger.cases if u.case.opened_on <= on)


def ledger_rows(ledger: Ledger, on: date) -> list[dict[str, Any]]:
    """The rows of ``--format csv`` / ``jsonl``: the balance, the lots, each case and its draws."""
    empty = dict.fromkeys(LEDGER_COLUMNS)
    rows: list[dict[str, Any]] = []

    def emit(record: str, fields: dict[str, Any]) -> None:
        rows.append({**empty, "record": record, **fields})

    balance = ledger.balance(on)
    emit("balance", {"date": on, "units": balance.units})
    for row in ledger.lots_on(on):
        emit("lot", {"date": on, **_lot_fields(row)})
    for usage in _cases_through(ledger, on):
        emit("case", _case_fields(usage))
        for draw in usage.draws:
            emit(
                "draw",
                {
                    "id": usage.case.id,
                    "date": usage.case.opened_on,
                    "lot": draw.lot,
                    "source": draw.source,
                    "units": draw.units,
                    "expires_on": draw.expires_on,
                },
            )
    return rows


def ledger_document(ledger: Ledger, on: date, policy: str) -> dict[str, Any]:
    """The document of ``--format json`` (Python values; dates and decimals as they are)."""
    balance = ledger.balance(on)
    cases = []
    for usage in _cases_through(ledger, on):
        case = usage.case
        cases.append(
            {
                "id": case.id,
                "opened_on": case.opened_on,
                "kind": case.kind,
                "hours": case.hours,
                "status": usage.status,
                "reason": usage.reason,
                "units_required": usage.units_required,
                "units_consumed": usage.units_consumed,
                "uncovered_units": usage.uncovered_units,
                "covered_hours": usage.covered_hours,
                "consulting_hours": usage.consulting_hours,
                "uncovered_hours": usage.uncovered_hours,
                "consulting_cost": usage.consulting_cost,
                "currency": usage.currency,
                "draws": [
                    {
                        "lot": d.lot,
                        "source": d.source,
                        "units": d.units,
                        "expires_on": d.expires_on,
                    }
                    for d in usage.draws
                ],
            }
        )
    costs = [u.consulting_cost for u in ledger.cases if u.case.opened_on <= on]
    return {
        "policy": policy,
        "plan": ledger.plan,
        "contract_start": ledger.contract_start,
        "contract_end": ledger.contract_end,
        "included_per_year": ledger.included_per_year,
        "consulting": ledger.consulting,
        "currency": ledger.escalations.currency,
        "on": on,
        "balance": balance.units,
        "lots": [_lot_fields(row) for row in ledger.lots_on(on)],
        "cases": cases,
        "uncovered": [u.case.id for u in ledger.uncovered() if u.case.opened_on <= on],
        "consulting_total": sum((c for c in costs if c is not None), Decimal("0.00")),
    }


def _schema_of(columns: dict[str, Any], required: list[str] | None = None) -> dict[str, Any]:
    return {
        "type": "object",
        "properties": columns,
        "required": list(columns) if required is None else required,
        "additionalProperties": False,
    }


_DATE = {"type": "string", "format": "date", "pattern": DATE_PATTERN}
_DATE_OR_NULL = {**_DATE, "type": ["string", "null"]}
_INT = {"type": "integer"}
_NUMBER = {"type": "number"}
_TEXT = {"type": "string"}

LEDGER_DOCUMENT_SCHEMA: dict[str, Any] = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "title": "slacalc ledger document",
    "description": "The document `slacalc ledger --format json` writes: hours and money are exact decimal numbers.",
    **_schema_of(
        {
            "policy": _TEXT,
            "plan": _TEXT,
            "contract_start": _DATE,
            "contract_end": _DATE_OR_NULL,
            "included_per_year": {"type": ["integer", "null"]},
            "consulting": {"type": "boolean"},
            "currency": _TEXT,
            "on": _DATE,
            "balance": _INT,
            "lots": {
                "type": "array",
                "items": _schema_of(
                    {
                        "lot": _TEXT,
                        "source": {"type": "string", "enum": ["included", "pack"]},
                        "units": _INT,
                        "valid_from": _DATE,
                        "expires_on": _DATE,
                        "status": {"type": "string", "enum": ["valid", "expired", "future"]},
                        "used": _INT,
                        "remaining": {"type": ["integer", "null"]},
                        "lapsed": _INT,
                    }
                ),
            },
            "cases": {
                "type": "array",
                "items": _schema_of(
                    {
                        "id": _TEXT,
                        "opened_on": _DATE,
                        "kind": _TEXT,
                        "hours": _NUMBER,
                        "status": {
                            "type": "string",
                            "enum": ["exempt", "covered", "partial", "uncovered"],
                        },
                        "reason": _TEXT,
                        "units_required": _INT,
                        "units_consumed": _INT,
                        "uncovered_units": _INT,
                        "covered_hours": _NUMBER,
                        "consulting_hours": _NUMBER,
                        "uncovered_hours": _NUMBER,
                        "consulting_cost": {"type": ["number", "null"]},
                        "currency": {"type": ["string", "null"]},
                        "draws": {
                            "type": "array",
                            "items": _schema_of(
                                {
                                    "lot": _TEXT,
                                    "source": {"type": "string", "enum": ["included", "pack"]},
                                    "units": _INT,
                                    "expires_on": _DATE,
                                }
                            ),
                        },
                    }
                ),
            },
            "uncovered": {"type": "array", "items": _TEXT},
            "consulting_total": _NUMBER,
        }
    ),
}


# ---------------------------------------------------------------------------- handler


def run_ledger(args: argparse.Namespace, stdout: IO[str], stderr: IO[str]) -> int:
    """Run ``slacalc ledger``: 0 when all is well, 1 when rows were bad, 2 when nothing could be computed."""
    reporter = Reporter(stderr, "ledger")
    fmt = output_format(args)
    # an instant counts on the date it falls on in the policy's zone, as versions and terms do
    model, zone = _escalations(args.policy, args.contract_start)
    start = parse_date(args.contract_start, "--contract-start", zone)
    end = (
        None if args.contract_end is None else parse_date(args.contract_end, "--contract-end", zone)
    )
    on = None if args.on is None else parse_date(args.on, "--on", zone)
    purchases = (
        []
        if args.purchases is None
        else _read_unique(
            args, args.purchases, lambda f: _purchase(f, model, zone), "purchase", reporter
        )
    )
    cases = (
        []
        if args.cases is None
        else _read_unique(args, args.cases, lambda f: _case(f, model, zone), "case", reporter)
    )
    ledger = Ledger(
        model,
        args.plan,
        start,
        purchases,
        cases,
        consulting=args.consulting,
        included_per_year=args.included,
        contract_end=end,
    )
    when = ledger.last_date if on is None else on
    with open_output(args.out, stdout) as stream:
        if fmt == "json":
            stream.write(json_text(ledger_document(ledger, when, args.policy), indent=2) + "\n")
        else:
            writer = RecordWriter(stream, fmt, LEDGER_RECORD)
            writer.write_all(ledger_rows(ledger, when))
            writer.close()
    return reporter.summary(len(purchases) + len(cases), "purchase or case", "purchases and cases")
