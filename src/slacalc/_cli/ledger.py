"""``slacalc ledger``: a customer's escalation ledger from files, as CSV or JSON for a billing system.

Purchases and cases come from CSV (with a header) or JSON Lines files; the
format follows the file name (``.csv``; ``.jsonl``, ``.ndjson``, ``.json``),
else the first character (``{`` is JSON Lines). Bad rows are reported on
stderr as ``FILE:LINE: message`` and left out; every good row is kept, and
the exit code is 1 when any row was bad. Columns (extra columns are
ignored):

* purchases: ``purchased_on`` (or ``date``), ``pack``, optional ``id``;
* cases: ``id``, ``opened_on`` (or ``date``), ``hours``, ``kind``.

Dates are ``YYYY-MM-DD``, or an ISO 8601 instant with an offset (its own
local date). Hours are decimal (``1.5``) or a duration (``10 minutes``,
``PT10M``, ``2h 30min``).
"""

from __future__ import annotations

import argparse
import csv
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal, InvalidOperation
from pathlib import Path
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
from slacalc._engine.durations import Duration, parse_duration
from slacalc.exceptions import BillingError, DurationError, SlacalcError

__all__ = ["LEDGER_COLUMNS", "add_ledger_command", "run_ledger"]

LEDGER_COLUMNS = (
    "record",
    "id",
    "date",
    "kind",
    "hours",
    "status",
    "units_required",
    "units",
    "uncovered_units",
    "covered_hours",
    "consulting_hours",
    "uncovered_hours",
    "consulting_cost",
    "currency",
    "lot",
    "source",
    "valid_from",
    "expires_on",
    "used",
    "remaining",
    "lapsed",
)
"""Columns of ``slacalc ledger --format csv``; the ``record`` column says which apply."""

_JSONL_SUFFIXES = (".jsonl", ".ndjson", ".json")
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
        help="pack purchases: CSV (purchased_on,pack[,id]) or JSON Lines",
    )
    p.add_argument(
        "--cases", metavar="FILE", help="cases: CSV (id,opened_on,hours,kind) or JSON Lines"
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
    p.add_argument(
        "--format", choices=("csv", "json"), default="csv", help="output format (default csv)"
    )
    p.set_defaults(handler=run_ledger)


# ---------------------------------------------------------------------------- reading


@dataclass(frozen=True, slots=True)
class _Row:
    line: int
    fields: dict[str, Any]


class _Reporter:
    def __init__(self, stderr: IO[str]) -> None:
        self.stderr = stderr
        self.bad = 0

    def report(self, path: str, line: int, message: str) -> None:
        self.bad += 1
        self.stderr.write(f"{path}:{line}: {message}\n")


def _is_jsonl(path: Path, text: str) -> bool:
    if path.suffix.lower() in _JSONL_SUFFIXES:
        return True
    if path.suffix.lower() == ".csv":
        return False
    return text.lstrip().startswith("{")


def _rows(path: Path, reporter: _Reporter) -> Iterator[_Row]:
    text = path.read_text(encoding="utf-8-sig")
    name = str(path)
    if _is_jsonl(path, text):
        for number, raw in enumerate(text.splitlines(), start=1):
            if not raw.strip():
                continue
            try:
                value = json.loads(raw, parse_float=Decimal)
            except json.JSONDecodeError as exc:
                reporter.report(name, number, f"invalid JSON: {exc.msg}")
                continue
            if not isinstance(value, dict):
                reporter.report(name, number, f"expected a JSON object; got {type(value).__name__}")
                continue
            yield _Row(number, {str(k).strip().lower(): v for k, v in value.items()})
        return
    reader = csv.reader(text.splitlines(keepends=True))
    header: list[str] | None = None
    start = 1
    for record in reader:
        line = start
        start = reader.line_num + 1
        if not any(cell.strip() for cell in record):
            continue
        if header is None:
            header = [h.strip().lower() for h in record]
            continue
        if len(record) > len(header):
            reporter.report(name, line, f"{len(record)} fields but the header has {len(header)}")
            continue
        fields = {h: record[i] if i < len(record) else "" for i, h in enumerate(header)}
        yield _Row(line, fields)


def _text(fields: dict[str, Any], *names: str, required: bool = True) -> str:
    for name in names:
        value = fields.get(name)
        if value is None:
            continue
        if isinstance(value, bool) or not isinstance(value, str | int | Decimal):
            msg = f"{name}: expected text; got {json.dumps(value, default=str)}"
            raise BillingError(msg)
        text = str(value).strip()
        if text:
            return text
    if required:
        msg = f"{names[0]}: missing"
        raise BillingError(msg)
    return ""


def parse_date(value: str, field: str) -> date:
    """A date from ``YYYY-MM-DD``, or the local date of an ISO 8601 instant with an offset."""
    text = value.strip()
    try:
        if len(text) == 10:
            return date.fromisoformat(text)
        instant = datetime.fromisoformat(text)
    except ValueError:
        msg = f"{field}: invalid date {value!r}; expected YYYY-MM-DD or an ISO 8601 instant with an offset"
        raise BillingError(msg) from None
    if instant.tzinfo is None or instant.utcoffset() is None:
        msg = f"{field}: instant {value!r} has no UTC offset; expected YYYY-MM-DD or an instant with an offset"
        raise BillingError(msg)
    return instant.date()


def parse_hours(value: object, field: str = "hours") -> Decimal:
    """Engineering hours: a decimal number (``1.5``) or a duration (``10 minutes``, ``PT10M``).

    A duration that is not a whole number of 1/10^n hours (10 minutes) is
    converted with 28 significant digits (0.1666666666666666666666666667).
    """
    if isinstance(value, bool | float):
        msg = f"{field}: invalid hours {value!r}; expected a decimal number or a duration"
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
                msg = f"{field}: invalid hours {value!r}; expected a decimal number such as 1.5 or a duration such as '10 minutes'"
                raise BillingError(msg) from None
            if not isinstance(parsed, Duration) or parsed.business_days:
                msg = f"{field}: invalid hours {value!r}; expected engineering time, not business days"
                raise BillingError(msg) from None
            number = Decimal(parsed.fixed // timedelta(microseconds=1)) / Decimal(3_600_000_000)
    if not number.is_finite() or number < 0:
        msg = f"{field}: invalid hours {value!r}; expected a number >= 0"
        raise BillingError(msg)
    return number


def _purchase(fields: dict[str, Any], model: EscalationsModel) -> Purchase:
    purchase = Purchase(
        purchased_on=parse_date(_text(fields, "purchased_on", "date"), "purchased_on"),
        pack=_text(fields, "pack"),
        id=_text(fields, "id", required=False),
    )
    find_pack(model, purchase.pack)
    return purchase


def _case(fields: dict[str, Any], model: EscalationsModel) -> Case:
    hours = fields.get("hours")
    if hours is None or (isinstance(hours, str) and not hours.strip()):
        msg = "hours: missing"
        raise BillingError(msg)
    case = Case(
        id=_text(fields, "id"),
        opened_on=parse_date(_text(fields, "opened_on", "date"), "opened_on"),
        hours=parse_hours(hours),
        kind=_text(fields, "kind"),
    )
    check_kind(model, case)
    return case


def _read_unique(
    path: str, parse: Callable[[dict[str, Any]], _Item], label: str, reporter: _Reporter
) -> list[_Item]:
    """The records of *path* that parse, each id once; every other row is reported."""
    result: list[_Item] = []
    seen: dict[str, int] = {}
    for row in _rows(Path(path), reporter):
        try:
            item = parse(row.fields)
        except SlacalcError as exc:
            reporter.report(path, row.line, str(exc))
            continue
        if item.id and item.id in seen:
            reporter.report(
                path, row.line, f"id: {label} {item.id!r} already on line {seen[item.id]}"
            )
            continue
        if item.id:
            seen[item.id] = row.line
        result.append(item)
    return result


def _read_purchases(path: str, model: EscalationsModel, reporter: _Reporter) -> list[Purchase]:
    return _read_unique(path, lambda fields: _purchase(fields, model), "purchase", reporter)


def _read_cases(path: str, model: EscalationsModel, reporter: _Reporter) -> list[Case]:
    return _read_unique(path, lambda fields: _case(fields, model), "case", reporter)


def _escalations(policy_name: str, on: date) -> EscalationsModel:
    from slacalc._policies.files import load_policy

    policy: Any = load_policy(policy_name)
    if not hasattr(policy, "escalations") and hasattr(policy, "at"):
        policy = policy.at(on)
    model = getattr(policy, "escalations", None)
    if not isinstance(model, EscalationsModel):
        msg = f"policy {getattr(policy, 'name', policy_name)!r} has no escalation quota (no [escalations] section)"
        raise BillingError(msg)
    return model


# ---------------------------------------------------------------------------- writing


def _str(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


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


def _write_csv(ledger: Ledger, on: date, out: IO[str]) -> None:
    writer = csv.DictWriter(out, fieldnames=LEDGER_COLUMNS, lineterminator="\n")
    writer.writeheader()

    def emit(record: str, fields: dict[str, Any]) -> None:
        writer.writerow({"record": record, **{k: _str(v) for k, v in fields.items()}})

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


def _json_value(value: object) -> object:
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    return value


def _write_json(ledger: Ledger, on: date, policy: str, out: IO[str]) -> None:
    balance = ledger.balance(on)
    cases = []
    for usage in _cases_through(ledger, on):
        case = usage.case
        cases.append(
            {
                "id": case.id,
                "opened_on": case.opened_on.isoformat(),
                "kind": case.kind,
                "hours": str(case.hours),
                "status": usage.status,
                "reason": usage.reason,
                "units_required": usage.units_required,
                "units_consumed": usage.units_consumed,
                "uncovered_units": usage.uncovered_units,
                "covered_hours": str(usage.covered_hours),
                "consulting_hours": str(usage.consulting_hours),
                "uncovered_hours": str(usage.uncovered_hours),
                "consulting_cost": _json_value(usage.consulting_cost),
                "currency": usage.currency,
                "draws": [
                    {
                        "lot": d.lot,
                        "source": d.source,
                        "units": d.units,
                        "expires_on": d.expires_on.isoformat(),
                    }
                    for d in usage.draws
                ],
            }
        )
    costs = [u.consulting_cost for u in ledger.cases if u.case.opened_on <= on]
    document = {
        "policy": policy,
        "plan": ledger.plan,
        "contract_start": ledger.contract_start.isoformat(),
        "contract_end": None if ledger.contract_end is None else ledger.contract_end.isoformat(),
        "included_per_year": ledger.included_per_year,
        "consulting": ledger.consulting,
        "currency": ledger.escalations.currency,
        "on": on.isoformat(),
        "balance": balance.units,
        "lots": [
            {k: _json_value(v) for k, v in _lot_fields(row).items()} for row in ledger.lots_on(on)
        ],
        "cases": cases,
        "uncovered": [u.case.id for u in ledger.uncovered() if u.case.opened_on <= on],
        "consulting_total": str(sum((c for c in costs if c is not None), Decimal("0.00"))),
    }
    out.write(json.dumps(document, indent=2) + "\n")


# ---------------------------------------------------------------------------- handler


def run_ledger(args: argparse.Namespace, stdout: IO[str], stderr: IO[str]) -> int:
    """Run ``slacalc ledger``: 0 when all is well, 1 when rows were bad, 2 when nothing could be computed."""
    reporter = _Reporter(stderr)
    try:
        start = parse_date(args.contract_start, "--contract-start")
        end = None if args.contract_end is None else parse_date(args.contract_end, "--contract-end")
        on = None if args.on is None else parse_date(args.on, "--on")
        model = _escalations(args.policy, start)
        purchases = (
            [] if args.purchases is None else _read_purchases(args.purchases, model, reporter)
        )
        cases = [] if args.cases is None else _read_cases(args.cases, model, reporter)
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
        if args.format == "json":
            _write_json(ledger, when, args.policy, stdout)
        else:
            _write_csv(ledger, when, stdout)
    except (SlacalcError, OSError) as exc:
        stderr.write(f"slacalc ledger: error: {exc}\n")
        return 2
    if reporter.bad:
        stderr.write(f"slacalc ledger: {reporter.bad} bad row(s) left out\n")
        return 1
    return 0
