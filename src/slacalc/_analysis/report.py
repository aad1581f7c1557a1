"""The HTML report: one self-contained page from evaluated tickets (``slacalc report``).

The page holds a summary, the attainment table and plot, the response
times, the breached tickets (still open ones first: they are the ones to act
on), and the credits owed, in days and, where contracts give a term price,
in money. Images are PNGs embedded as base64 with a text alternative that
says what they show; styles are inline and nothing points outside the file,
so it opens offline in any browser and can be mailed as is.

pandas and matplotlib (the ``plot`` extra) are imported only when a page is
rendered.
"""

from __future__ import annotations

import base64
import html
import io
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from slacalc._analysis.words import plural
from slacalc._engine.durations import format_timedelta
from slacalc._evaluation.credits import Contract, ContractBook, ContractCredits, TicketCredit
from slacalc._files.tickets import parse_instant
from slacalc.exceptions import PolicyError, SlacalcError

__all__ = [
    "BREACHED_SHOWN",
    "PricedContract",
    "ReportFigures",
    "ValuedContract",
    "contract_credits",
    "evaluate_by_contract",
    "render_report",
    "report_figures",
]

#: Breached tickets listed in full per table; more are counted, not listed.
BREACHED_SHOWN = 500

#: What stops the clock of each metric, for "answered late" and the like.
_STOPPED = {
    "initial_response": "answered",
    "escalation_response": "answered",
    "dispatch": "dispatched",
    "resolution": "resolved",
}


def _noun(count: int, word: str, words: str | None = None) -> str:
    """The noun of :func:`plural` alone: ``ticket`` for 1, ``tickets`` otherwise."""
    return plural(count, word, words).split(" ", 1)[1]


@dataclass(frozen=True, slots=True)
class PricedContract:
    """A contract, the price of its term (None when unknown) and the price's currency."""

    contract: Contract
    term_price: Decimal | None = None
    currency: str = ""


@dataclass(frozen=True, slots=True)
class ValuedContract:
    """A contract's credits as ``slacalc credits`` computes them, with their value when priced."""

    priced: PricedContract
    credits: ContractCredits | None  # None: not valued, *problem* says why
    value: Decimal | None
    problem: str = ""


# ---------------------------------------------------------------------- HTML

_STYLE = """
body { font: 15px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: #1a1a1a;
       margin: 0 auto; max-width: 1180px; padding: 24px 32px 64px; }
h1 { font-size: 26px; margin-bottom: 4px; }
h2 { font-size: 20px; margin-top: 36px; border-bottom: 1px solid #ddd; padding-bottom: 4px; }
h3 { font-size: 16px; margin: 20px 0 4px; }
.meta { color: #555; margin-top: 0; }
.cards { display: flex; flex-wrap: wrap; gap: 12px; margin: 18px 0; }
.card { border: 1px solid #ddd; border-radius: 6px; padding: 10px 16px; min-width: 120px; }
.card b { display: block; font-size: 22px; }
.card small { display: block; color: #555; font-size: 12px; }
.card.bad b { color: #b2182b; }
table { border-collapse: collapse; margin: 8px 0 4px; font-size: 14px; }
th, td { border-bottom: 1px solid #e5e5e5; padding: 4px 10px; text-align: right; white-space: nowrap; }
th { background: #f4f4f4; }
td.text, th.text { text-align: left; }
td.text { white-space: normal; }
td.low { color: #b2182b; font-weight: 600; }
tr.total td { font-weight: 600; border-top: 1px solid #999; }
figure { margin: 16px 0; }
figure img { max-width: 100%; height: auto; border: 1px solid #eee; }
figcaption { color: #555; font-size: 13px; }
.note { color: #555; font-size: 13px; }
"""


def _e(value: object) -> str:
    return html.escape("" if value is None else str(value))


def _when(value: Any) -> str:
    import pandas as pd

    if value is None or pd.isna(value):
        return ""
    text: str = value.strftime("%Y-%m-%d %H:%M")
    if value.second or value.microsecond:
        text += value.strftime(":%S")
    offset = value.strftime("%z")
    return f"{text} {offset[:3]}:{offset[3:]}"


def _span(value: Any) -> str:
    """``19 h 44 s``, ``38 h``, ``1 min 5 s``: a duration to the second, for reading.

    Units that are zero are left out (``0 s`` for nothing at all); the data keep microseconds.
    """
    import pandas as pd

    if value is None or pd.isna(value):
        return ""
    # The one human duration formatter, to the whole second for a page.
    return format_timedelta(timedelta(seconds=int(value // pd.Timedelta(seconds=1))))


def _percent(share: float) -> str:
    return f"{share:.1%}"


def _money(amounts: dict[str, Decimal]) -> str:
    """``CHF 1,234.50``; several currencies joined with ``+``."""
    return " + ".join(f"{cur} {amount:,.2f}".strip() for cur, amount in sorted(amounts.items()))


def _figure_png(figure: Any, alt: str) -> str:
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=110, metadata={"Software": None})
    data = base64.b64encode(buffer.getvalue()).decode("ascii")
    return f'<img src="data:image/png;base64,{data}" alt="{_e(alt)}">'


def _table(
    header: list[str],
    rows: list[list[str]],
    text_columns: int = 1,
    classes: list[list[str]] | None = None,
    total: list[str] | None = None,
) -> str:
    head = "".join(
        f'<th class="text">{_e(h)}</th>' if i < text_columns else f"<th>{_e(h)}</th>"
        for i, h in enumerate(header)
    )
    body = []
    for r, row in enumerate([*rows, *([total] if total else [])]):
        cells = []
        for i, cell in enumerate(row):
            cls = ["text"] if i < text_columns else []
            if classes is not None and r < len(classes) and classes[r][i]:
                cls.append(classes[r][i])
            attr = f' class="{" ".join(cls)}"' if cls else ""
            cells.append(f"<td{attr}>{cell}</td>")
        tr = '<tr class="total">' if total and r == len(rows) else "<tr>"
        body.append(tr + "".join(cells) + "</tr>")
    return f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>"


# ---------------------------------------------------------------------- contracts


def _opening(value: Any) -> datetime | None:
    """An opening instant of a frame cell (ISO text or an aware datetime); None when it is unreadable."""
    import pandas as pd

    if isinstance(value, str):
        try:
            return parse_instant("opened_at", value)
        except SlacalcError:  # evaluate_frame reports it as a bad row
            return None
    if isinstance(value, pd.Timestamp):
        return None if pd.isna(value) or value.tzinfo is None else value.to_pydatetime()
    if isinstance(value, datetime) and value.tzinfo is not None:
        return value
    return None


def _judging_contracts(frame: Any, book: ContractBook) -> tuple[list[Contract], Any]:
    """The contracts that judge rows of *frame*, and each row's slot among them (-1: the default plan)."""
    import numpy as np

    slots = np.full(len(frame), -1, dtype=np.int64)
    used: list[Contract] = []
    if not book or "customer" not in frame.columns or "opened_at" not in frame.columns:
        return used, slots
    index: dict[int, int] = {}
    for pos, (customer, opened) in enumerate(
        zip(frame["customer"].array, frame["opened_at"].array, strict=True)
    ):
        if not book.of(customer):
            continue
        contract = book.find(customer, _opening(opened))
        if contract is None:
            continue
        slot = index.get(id(contract))
        if slot is None:
            slot = index[id(contract)] = len(used)
            used.append(contract)
        slots[pos] = slot
    return used, slots


def evaluate_by_contract(
    frame: Any,
    policy: Any,
    plan: Any,
    contracts: Sequence[Contract] = (),
    *,
    now: datetime,
    metric: str,
    tz: Any = None,
) -> tuple[Any, int]:
    """``evaluate_frame(..., errors="collect")`` with each customer's tickets judged on its contract's terms.

    A row whose ``customer`` has a contract covering its opening (matched as
    ``slacalc credits`` matches them, :class:`ContractBook`) is judged by that
    contract's effective plan (its own calendar, time zone, targets, pinned
    version); every other row by *plan* of *policy*. Returns the
    :class:`~slacalc._analysis.frames.FrameResult` in the input's order (every
    instant in *tz*, else in the zone of *plan*'s calendars) and the number of
    rows judged on a contract's terms (bad rows not counted).
    """
    import numpy as np
    import pandas as pd

    from slacalc._analysis.frames import FrameResult, evaluate_frame, joined_attrs
    from slacalc._analysis.vectorised import output_zone, resolve_plan

    default = resolve_plan(policy, plan)
    used, slots = _judging_contracts(frame, ContractBook(contracts))
    if not used:
        result = evaluate_frame(
            frame, None, default, now=now, metric=metric, errors="collect", tz=tz
        )
        return result, 0
    zone = output_zone(default, metric, tz)  # one zone for the page, whoever's terms judged a row
    parts: list[Any] = []
    bads: list[Any] = []
    where: list[Any] = []
    classes: list[Any] = []
    attrs: dict[str, Any] = {}
    for slot, judge in [(-1, default)] + [(i, c.plan) for i, c in enumerate(used)]:
        positions = np.flatnonzero(slots == slot)
        if slot >= 0 and not len(positions):
            continue
        try:
            out, bad = evaluate_frame(
                frame.iloc[positions],
                None,
                judge,
                now=now,
                metric=metric,
                errors="collect",
                tz=zone,
            )
        except SlacalcError as exc:
            if slot < 0:
                raise
            msg = f"contract {used[slot].customer!r}: {exc}"
            raise PolicyError(msg) from exc
        meta = dict(out.attrs.get("slacalc", {}))
        if slot < 0:
            attrs = meta
        classes += meta.get("classes", [])
        bad = bad.copy()
        bad["position"] = positions[np.asarray(bad["position"], dtype=np.int64)]
        parts.append(out)
        bads.append(bad)
        where.append(positions)
    order = np.argsort(np.concatenate(where), kind="stable")
    outcomes = pd.concat(parts).iloc[order]
    joined_attrs(outcomes, {**frame.attrs, "slacalc": attrs}, classes)
    bad_all = pd.concat(bads).sort_values("position", kind="stable")
    judged = outcomes["status"].to_numpy()[slots >= 0] != "invalid"
    return FrameResult(outcomes, bad_all), int(judged.sum())


def contract_credits(
    outcomes: Any, contracts: Sequence[PricedContract], *, on: str = "opened_at"
) -> list[ValuedContract]:
    """Each contract's credit days from evaluated *outcomes*, and their money value when priced.

    The same figures as ``slacalc credits``: a contract collects the credit
    days of its customer's tickets (the ``customer`` column) opened in its
    term (:class:`ContractBook`: the first contract covering a ticket takes
    it; :func:`evaluate_by_contract` judged it by that contract's terms), the
    policy's per-term cap applies, and the value is days / days in the term ×
    the term price, rounded half up to the cent (:meth:`ContractCredits.value`).
    """
    return _valued_contracts(contracts, _contract_tickets(outcomes, contracts, on=on))


def _contract_tickets(
    outcomes: Any, contracts: Sequence[PricedContract], *, on: str = "opened_at"
) -> list[list[TicketCredit]]:
    """The tickets with credits of each of *contracts*, in the order of *outcomes* (see :func:`contract_credits`)."""
    valid = outcomes[outcomes["status"] != "invalid"]
    metric = str(outcomes.attrs.get("slacalc", {}).get("metric", "initial_response"))
    has_customer = "customer" in valid.columns
    credited = valid[valid["credit_days"].fillna(0) > 0] if has_customer else valid.iloc[:0]
    book = ContractBook(p.contract for p in contracts)
    by_contract: dict[int, list[TicketCredit]] = defaultdict(list)
    ids = credited["id"] if "id" in credited.columns else credited.index.to_series()
    for customer, ticket_id, opened, days in zip(
        credited["customer"], ids, credited[on], credited["credit_days"], strict=True
    ):
        moment = _opening(opened)
        contract = book.find(customer, moment)
        if contract is not None and moment is not None:
            by_contract[id(contract)].append(
                TicketCredit(str(ticket_id), moment, int(days), ((metric, int(days)),))
            )
    return [by_contract.get(id(p.contract), []) for p in contracts]


def _valued_contracts(
    contracts: Sequence[PricedContract], tickets: Sequence[list[TicketCredit]]
) -> list[ValuedContract]:
    """Each of *contracts* valued from its *tickets* with credits (:func:`contract_credits`)."""
    from slacalc._evaluation.credits import _terms

    result = []
    for priced, credited in zip(contracts, tickets, strict=True):
        contract = priced.contract
        rows = sorted(credited, key=lambda r: (r.opened_at, r.ticket_id))
        earned = sum(r.days for r in rows)
        name, policy = _terms(contract.plan)
        cap = None if policy.credits is None else policy.credits.cap_days_per_term
        granted = earned if cap is None else min(earned, cap)
        try:
            extended = contract.term_end + timedelta(days=granted)
        except OverflowError:  # millions of days: a ticket judged thousands of years late
            problem = f"{granted:,} credit days run past the year 9999"
            result.append(ValuedContract(priced, None, None, problem))
            continue
        credits = ContractCredits(
            customer=contract.customer,
            policy=name,
            plan=contract.plan.name,
            term_start=contract.term_start,
            term_end=contract.term_end,
            earned_days=earned,
            days=granted,
            capped=granted < earned,
            extended_term_end=extended,
            tickets=tuple(rows),
        )
        try:
            value = None if priced.term_price is None else credits.value(priced.term_price)
        except ArithmeticError:  # decimal.InvalidOperation: more digits than Decimal's context
            problem = f"value of {priced.term_price} × {granted:,} days is beyond exact arithmetic"
            result.append(ValuedContract(priced, credits, None, problem))
            continue
        result.append(ValuedContract(priced, credits, value))
    return result


# ---------------------------------------------------------------------- alt text


def _attainment_alt(table: Any, goal: float | None, word: str, what: str) -> str:
    """What the attainment plot shows, in words: the span, each line's latest share, the goal."""
    import pandas as pd

    shares = table["attainment"].dropna()
    if shares.empty:
        return f"Line chart of {what} objectives met per {word}: no ticket has a verdict yet."
    periods = sorted(set(shares.index.get_level_values("period")))
    span = str(periods[0]) if len(periods) == 1 else f"{periods[0]} to {periods[-1]}"
    lines = []
    for group, rows in shares.groupby(level="class", sort=False):
        latest_period, latest = rows.index[-1][1], rows.iloc[-1]
        low = rows.min()
        lines.append(
            f"severity {group}: {_percent(latest)} in {latest_period}"
            + (f" (lowest {_percent(low)})" if len(rows) > 1 and low < latest else "")
        )
    found = set(table.index.get_level_values("period"))
    empty = [p for p in pd.period_range(periods[0], periods[-1]) if p not in found]
    gap = f" No tickets in {', '.join(map(str, empty))}." if empty else ""
    target = f", against a dashed goal line at {goal:.0%}" if goal is not None else ""
    return (
        f"Line chart of the share of {what} objectives met per severity and {word}, "
        f"{span}{target}. " + "; ".join(lines) + "." + gap
    )


def _response_samples(figures: ReportFigures) -> list[tuple[Any, Any, Any]]:
    """The response-time plot's samples of *figures*: (class, elapsed, objective), in the policy's order."""
    import numpy as np
    import pandas as pd

    from slacalc._analysis.frames import class_order

    holder = pd.DataFrame()
    holder.attrs = figures.attrs
    return [
        (group, *(pd.Series(np.concatenate(arrays)) for arrays in figures.response[group]))
        for group in class_order(holder, figures.response)
    ]


def _metric_words(attrs: dict[str, Any]) -> str:
    """The metric of outcomes' *attrs* in words (``initial response``), as the plots name it."""
    return str(attrs.get("slacalc", {}).get("metric", "initial_response")).replace("_", " ")


def _response_alt(samples: Sequence[tuple[Any, Any, Any]], what: str) -> str:
    import pandas as pd

    if not samples:
        return f"Histograms of business time to {what}: no ticket with an objective has stopped its clock yet."
    parts = []
    for group, elapsed, objectives in sorted(samples, key=lambda sample: sample[0]):
        late = int((elapsed > objectives).sum())
        objective = _span(pd.Timedelta(objectives.median()))
        parts.append(
            f"severity {group}: {plural(len(elapsed), 'ticket')}, {late} over the {objective} objective"
        )
    return f"Histograms of business time to {what}, one per severity: " + "; ".join(parts) + "."


def _credits_alt(totals: Any, label: str) -> str:
    if totals.empty:
        return f"Bar chart of credit days owed per {label}: none owed."
    shown = "; ".join(
        f"{name} {plural(int(days), 'day')}" for name, days in totals.head(15).items()
    )
    more = f" and {len(totals) - 15} more" if len(totals) > 15 else ""
    return f"Bar chart of credit days owed per {label}, largest first: {shown}{more}."


# ---------------------------------------------------------------------- figures


@dataclass(slots=True)
class ReportFigures:
    """What the page shows of evaluated outcomes, small whatever the number of tickets.

    Counts, sums per group, the attainment table, the durations of the
    response-time plot (two int64-sized values per stopped ticket) and the
    rows the breached tables may list. :func:`report_figures` takes them from a
    frame of outcomes; :meth:`joined` joins the figures of consecutive parts
    of one input into those of the whole, so that :func:`render_report` writes
    the page the whole frame gives, byte for byte.
    """

    #: The outcomes' ``attrs`` (policy's classes, metric, ...).
    attrs: dict[str, Any]
    #: The outcome columns present (in order).
    columns: tuple[str, ...]
    #: The ``--by`` column the credits are totalled by, if the outcomes have it.
    by: str
    #: Tickets evaluated (bad rows apart) and their count per status.
    tickets: int
    statuses: dict[str, int]
    #: :func:`~slacalc._analysis.frames.attainment` per class and period (None: no ticket).
    attainment: Any
    #: Per class, the ``elapsed`` and ``objective`` of the tickets whose clock stopped
    #: (arrays, one of each per part).
    response: dict[Any, tuple[list[Any], list[Any]]]
    #: Per column (*by*, ``class``): credit days per group over every ticket, groups in order of appearance.
    totals: dict[str, Any]
    #: Per column: tickets with credits and their credit days per group, in order of appearance.
    owed: dict[str, Any]
    #: Credit days of every ticket, and the tickets with credits.
    credit_days: int
    owed_tickets: int
    #: Breached tickets not stopped yet (the first of them by due instant) and stopped late
    #: (the first by credit days, lateness); how many of each in all.
    open_rows: Any
    open_count: int
    late_rows: Any
    late_count: int
    #: Per contract of the page, its tickets with credits.
    contract_tickets: list[list[TicketCredit]]

    @classmethod
    def joined(cls, parts: Sequence[ReportFigures]) -> ReportFigures:
        """The figures of the frame made of *parts* one after the other (at least one)."""
        if len(parts) == 1:
            return parts[0]
        import pandas as pd

        from slacalc._analysis.frames import joined_attrs

        holder = pd.DataFrame()
        joined_attrs(
            holder,
            next((p.attrs for p in parts if p.attrs), {}),
            [c for p in parts for c in p.attrs.get("slacalc", {}).get("classes", [])],
        )
        columns = tuple(dict.fromkeys(c for p in parts for c in p.columns))
        by = next((p.by for p in parts if p.by != "class"), "class")
        statuses: dict[str, int] = defaultdict(int)
        response: dict[Any, tuple[list[Any], list[Any]]] = {}
        for part in parts:
            for status, count in part.statuses.items():
                statuses[status] += count
            for group, (elapsed, objective) in part.response.items():
                both = response.setdefault(group, ([], []))
                both[0].extend(elapsed)
                both[1].extend(objective)
        return cls(
            attrs=holder.attrs,
            columns=columns,
            by=by,
            tickets=sum(p.tickets for p in parts),
            statuses=dict(statuses),
            attainment=_joined_attainment([p.attainment for p in parts], holder),
            response=response,
            totals={key: _joined_sums([p.key_totals(key) for p in parts]) for key in {by, "class"}},
            owed={key: _joined_sums([p.key_owed(key) for p in parts]) for key in {by, "class"}},
            credit_days=sum(p.credit_days for p in parts),
            owed_tickets=sum(p.owed_tickets for p in parts),
            open_rows=_first_rows([p.open_rows for p in parts], _OPEN_ORDER),
            open_count=sum(p.open_count for p in parts),
            late_rows=_first_rows([p.late_rows for p in parts], _LATE_ORDER),
            late_count=sum(p.late_count for p in parts),
            contract_tickets=[
                [t for p in parts for t in p.contract_tickets[i]]
                for i in range(len(parts[0].contract_tickets))
            ],
        )

    def key_totals(self, key: str) -> Any:
        """:attr:`totals` per *key*; without that column, every ticket's days in one unnamed group."""
        if key in self.totals:
            return self.totals[key]
        import numpy as np
        import pandas as pd

        whole = self.totals["class"]
        if whole.empty:
            return whole
        return pd.Series(
            [whole.sum()], index=pd.Index([np.nan]), dtype=whole.dtype, name=whole.name
        )

    def key_owed(self, key: str) -> Any:
        """:attr:`owed` per *key*; without that column, every ticket with credits in one unnamed group."""
        if key in self.owed:
            return self.owed[key]
        import numpy as np

        whole = self.owed["class"]
        if whole.empty:
            return whole
        return whole.sum().to_frame().T.astype(whole.dtypes).set_axis([np.nan])


#: How the breached tables order their rows (sort_values arguments).
_OPEN_ORDER: dict[str, Any] = {"by": ["due_at"], "kind": "stable"}
_LATE_ORDER: dict[str, Any] = {
    "by": ["credit_days", "late_by"],
    "ascending": False,
    "kind": "stable",
}


def _first_rows(frames: Sequence[Any], order: dict[str, Any]) -> Any:
    """The first :data:`BREACHED_SHOWN` rows, in *order*, of the frames one after the other.

    Each frame holds the first rows of its part in that order: the sort is
    stable, so a row first in the whole is first in its part.
    """
    import pandas as pd

    kept = [f for f in frames if len(f)] or list(frames[:1])
    whole = kept[0] if len(kept) == 1 else pd.concat(kept)
    return whole.sort_values(**order).head(BREACHED_SHOWN).copy()


def _joined_sums(sums: Sequence[Any]) -> Any:
    """Per-group sums of parts (a Series or a frame each) as those of the whole, groups in order of appearance."""
    import pandas as pd

    kept = [s for s in sums if len(s)] or list(sums[:1])
    if len(kept) == 1:
        return kept[0]
    return pd.concat(kept).groupby(level=0, dropna=False, sort=False).sum()


def _joined_attainment(tables: Sequence[Any], holder: Any) -> Any:
    """The attainment table of parts' *tables* (None: no ticket in the part), classes in *holder*'s order."""
    import pandas as pd

    from slacalc._analysis.frames import INVALID, NO_OBJECTIVE, class_order, with_share

    kept = [t for t in tables if t is not None]
    if not kept:
        return None
    counts = (
        pd.concat(kept)
        .drop(columns="attainment")
        .groupby(level=["class", "period"], sort=False)
        .sum()
    )
    labels = counts.index.get_level_values("class")
    periods = counts.index.get_level_values("period")
    known = class_order(holder, [c for c in labels if c not in (NO_OBJECTIVE, INVALID)])
    rank = {c: i for i, c in enumerate([*known, NO_OBJECTIVE, INVALID])}
    order = sorted(range(len(counts)), key=lambda i: (rank[labels[i]], periods[i]))
    return with_share(counts.iloc[order].copy())


def report_figures(
    outcomes: Any,
    *,
    by: str = "customer",
    freq: str = "ME",
    contracts: Sequence[PricedContract] = (),
) -> ReportFigures:
    """The :class:`ReportFigures` of evaluated *outcomes* (as :func:`render_report` takes them).

    Only the columns the page reads are copied, the rows of a table only for
    its keys: the figures of a part of a large file cost little more than
    the part itself.
    """
    import numpy as np

    from slacalc._analysis.frames import attainment, period_frequency

    period, _ = period_frequency(freq, "--freq")
    keys = ["class", *([by] if by in outcomes.columns and by != "class" else [])]
    read = (
        "status",
        "class",
        "opened_at",
        "due_at",
        "stopped_at",
        "objective",
        "elapsed",
        "late_by",
        "credit_days",
        *keys,
        *(("customer", "id") if contracts else ()),
    )
    is_valid = np.asarray(outcomes["status"] != "invalid", dtype=bool)
    where = np.flatnonzero(is_valid)  # the valid rows' positions in *outcomes*
    valid = outcomes.loc[is_valid, [c for c in dict.fromkeys(read) if c in outcomes.columns]]
    valid.attrs = dict(outcomes.attrs)
    breached = np.asarray(valid["status"] == "breached", dtype=bool)
    running = np.asarray(valid["stopped_at"].isna(), dtype=bool)
    stopped = ~running & np.asarray(valid["objective"].notna(), dtype=bool)
    owed = np.asarray(valid["credit_days"].fillna(0) > 0, dtype=bool)

    def first(rows: Any, order: dict[str, Any]) -> Any:
        """The first rows of *outcomes* among *rows* (positions in *valid*) in *order*."""
        ranked = valid[order["by"]].iloc[rows].reset_index(drop=True).sort_values(**order)
        return outcomes.iloc[where[rows[ranked.index[:BREACHED_SHOWN]]]].copy()

    def sums(rows: Any, key: str) -> Any:
        return valid.loc[rows, list(dict.fromkeys([key, "credit_days"]))].groupby(
            key, dropna=False, sort=False
        )

    open_rows = np.flatnonzero(breached & running)
    late_rows = np.flatnonzero(breached & ~running)
    return ReportFigures(
        attrs=dict(outcomes.attrs),
        columns=tuple(outcomes.columns),
        by=by if by in outcomes.columns else "class",
        tickets=len(valid),
        statuses={str(s): int(n) for s, n in valid["status"].value_counts().items()},
        attainment=attainment(valid, by="class", freq=period) if len(valid) else None,
        response={
            group: ([rows["elapsed"].to_numpy(copy=True)], [rows["objective"].to_numpy(copy=True)])
            for group, rows in valid.loc[stopped, ["class", "elapsed", "objective"]].groupby(
                "class", sort=False
            )
        },
        totals={key: sums(slice(None), key)["credit_days"].sum() for key in keys},
        owed={
            key: sums(owed, key).agg(tickets=("credit_days", "size"), days=("credit_days", "sum"))
            for key in keys
        },
        credit_days=int(valid["credit_days"].fillna(0).sum()),
        owed_tickets=int(owed.sum()),
        open_rows=first(open_rows, _OPEN_ORDER),
        open_count=len(open_rows),
        late_rows=first(late_rows, _LATE_ORDER),
        late_count=len(late_rows),
        contract_tickets=_contract_tickets(valid, contracts) if contracts else [],
    )


# ---------------------------------------------------------------------- the page


def render_report(
    outcomes: Any,
    bad: list[tuple[int, str | None, str]],
    *,
    policy: str,
    plan: str,
    metric: str,
    now: datetime,
    by: str = "customer",
    freq: str = "ME",
    goal: float | None = 0.95,
    title: str | None = None,
    source: str = "",
    contracts: Sequence[PricedContract] = (),
    notes: Sequence[str] = (),
    on_terms: int | None = None,
) -> str:
    """The HTML page for evaluated *outcomes* and the *bad* rows (line, column, message).

    *outcomes* is what ``evaluate_frame(..., errors="collect")`` returned (bad
    rows marked ``invalid``; they are counted apart from the tickets), or its
    :class:`ReportFigures` (:func:`report_figures` with the same *by*, *freq*
    and *contracts*; joined from parts, they give the page of the whole).
    *contracts* value the credit days in money (see :func:`contract_credits`);
    *notes* are shown under the contracts (e.g. contract rows that could not
    be read); *on_terms* is how many tickets were judged on their contract's
    terms (:func:`evaluate_by_contract`; None: every ticket on *plan*).
    """
    import pandas as pd

    from slacalc._analysis.frames import period_frequency
    from slacalc._analysis.plots import attainment_figure, credits_figure, response_figure

    _, word = period_frequency(freq, "--freq")
    what = metric.replace("_", " ")
    stopped_word = _STOPPED.get(metric, "stopped")
    title = title or f"Support report: {policy} / {plan}"
    figures = (
        outcomes
        if isinstance(outcomes, ReportFigures)
        else report_figures(outcomes, by=by, freq=freq, contracts=contracts)
    )
    statuses = figures.statuses
    tickets = figures.tickets
    met, breached = int(statuses.get("met", 0)), int(statuses.get("breached", 0))
    open_count, late_count = figures.open_count, figures.late_count
    bad_lines = len({b[0] for b in bad})
    credit_by = figures.by
    credit_label = "severity" if credit_by == "class" else credit_by
    credits_total = figures.credit_days
    valued = _valued_contracts(contracts, figures.contract_tickets) if contracts else []
    worth: dict[str, Decimal] = defaultdict(Decimal)
    for v in valued:
        if v.value is not None:
            worth[v.priced.currency] += v.value

    share = _percent(met / (met + breached)) if met + breached else "n/a"
    cards = [
        (
            _noun(tickets, "ticket"),
            f"{tickets:,}",
            "evaluated" + (", bad rows apart" if bad_lines else ""),
            "",
        ),
        ("objectives met", share, f"{met:,} of {plural(met + breached, 'ticket')} judged", ""),
        ("met", f"{met:,}", "", ""),
        (
            f"{stopped_word} late",
            f"{late_count:,}",
            "breached",
            "bad" if late_count else "",
        ),
        (
            "breached, still open",
            f"{open_count:,}",
            f"past due, not {stopped_word} yet",
            "bad" if open_count else "",
        ),
        ("pending", f"{int(statuses.get('pending', 0)):,}", "open, not due yet", ""),
        ("not applicable", f"{int(statuses.get('not_applicable', 0)):,}", "no objective", ""),
        (
            _noun(credits_total, "credit day", "credit days") + " owed",
            f"{credits_total:,}",
            f"worth {_money(worth)} on priced contracts" if any(worth.values()) else "",
            "bad" if credits_total else "",
        ),
        (
            _noun(bad_lines, "bad row"),
            f"{bad_lines:,}",
            "not counted as tickets",
            "bad" if bad_lines else "",
        ),
    ]
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{_e(title)}</title><style>{_STYLE}</style></head><body>",
        f"<h1>{_e(title)}</h1>",
        f'<p class="meta">{_e(what.capitalize())} objectives of plan <b>{_e(plan)}</b> '
        f"({_e(policy)}), tickets from {_e(source or 'the input')}, evaluated as of "
        f"{_e(_when(pd.Timestamp(now)))}.</p>",
        *(
            [
                f'<p class="meta" id="terms">Per-contract terms applied: {on_terms:,} of '
                f"{_e(plural(tickets, 'ticket'))} judged on the terms of their customer's "
                "contract (its plan, and its own calendar, time zone, targets and policy version "
                f"where the contracts file gives them); the rest on plan <b>{_e(plan)}</b>. "
                "Every instant on the page is written in one zone, with its UTC offset, "
                "whichever terms judged the ticket.</p>"
            ]
            if on_terms is not None
            else []
        ),
        '<div class="cards" id="summary">'
        + "".join(
            f'<div class="card {cls}"><b>{_e(value)}</b>{_e(label)}'
            + (f"<small>{_e(detail)}</small>" if detail else "")
            + "</div>"
            for label, value, detail, cls in cards
        )
        + "</div>",
    ]

    # attainment: plot and table
    parts.append(f"<h2>Objectives met per severity and {word}</h2>")
    table = figures.attainment
    if tickets:
        parts.append(
            _figure(
                attainment_figure(
                    table, _metric_words(figures.attrs), goal=goal, by="class", word=word
                ),
                _attainment_alt(table, goal, word, what),
                f"Share of {what} objectives met (met ÷ met + breached) per severity and {word}; "
                f"the axis is zoomed to the data. A {word} without tickets is shaded.",
            )
        )
        rows, marks = [], []
        for record in table.reset_index().to_dict("records"):
            value = record["attainment"]
            low = goal is not None and not pd.isna(value) and value < goal
            rows.append(
                [
                    _e(record["class"]),
                    _e(record["period"]),
                    *(
                        f"{int(record[c]):,}"
                        for c in ("tickets", "met", "breached", "pending", "not_applicable")
                    ),
                    "" if pd.isna(value) else _percent(value),
                    f"{int(record['credit_days']):,}",
                ]
            )
            marks.append(["", "", "", "", "", "", "", "low" if low else "", ""])
        parts.append(
            '<div id="attainment">'
            + _table(
                [
                    "severity",
                    word,
                    "tickets",
                    "met",
                    "breached",
                    "pending",
                    "not applicable",
                    "met ÷ judged",
                    "credit days",
                ],
                rows,
                text_columns=2,
                classes=marks,
            )
            + "</div>"
        )
        parts.append(
            '<p class="note">Met ÷ judged counts the tickets whose objective was met among those '
            f"met or breached (breached: {stopped_word} late, or still open past due); pending "
            "and not-applicable tickets have no verdict yet."
            + (f" Shares under the {goal:.0%} goal are marked." if goal is not None else "")
            + "</p>"
        )
    else:
        parts.append('<p class="note">No ticket could be evaluated.</p>')

    # response times
    if tickets:
        samples = _response_samples(figures)
        parts.append(f"<h2>Business time to {_e(what)}</h2>")
        parts.append(
            _figure(
                response_figure(samples, _metric_words(figures.attrs)),
                _response_alt(samples, what),
                f"Business time to {what} per severity, counting tickets whose clock stopped; "
                "the objective is dashed.",
            )
        )

    # breached tickets: the open ones first
    id_col = "id" if "id" in figures.columns else None
    extra = credit_by if credit_by != "class" else ""
    parts.append(f"<h2>Breached, still open ({open_count:,})</h2>")
    if open_count:
        ordered = figures.open_rows
        parts.append(
            '<div id="open">'
            + _table(
                ["ticket", extra, "severity", "due", "late by so far", "credit days so far"],
                [
                    [
                        _e(record[id_col] if id_col else label),
                        _e(record.get(extra, "") if extra else ""),
                        _e(record["class"]),
                        _e(_when(record["due_at"])),
                        _e(_span(record["late_by"])),
                        f"{int(record['credit_days']):,}",
                    ]
                    for label, record in _head(ordered)
                ],
                text_columns=2,
            )
            + "</div>"
        )
        parts.append(
            f'<p class="note">Past due and not {stopped_word} as of the evaluation, oldest due first: '
            "their lateness and credits keep growing until they are.</p>"
            + _more(open_count, "oldest due")
        )
    else:
        parts.append(f'<p class="note">None: every breached ticket has been {stopped_word}.</p>')

    parts.append(f"<h2>{_e(stopped_word.capitalize())} late ({late_count:,})</h2>")
    if late_count:
        ordered = figures.late_rows
        parts.append(
            '<div id="breached">'
            + _table(
                ["ticket", extra, "severity", "due", stopped_word, "late by", "credit days"],
                [
                    [
                        _e(record[id_col] if id_col else label),
                        _e(record.get(extra, "") if extra else ""),
                        _e(record["class"]),
                        _e(_when(record["due_at"])),
                        _e(_when(record["stopped_at"])),
                        _e(_span(record["late_by"])),
                        f"{int(record['credit_days']):,}",
                    ]
                    for label, record in _head(ordered)
                ],
                text_columns=2,
            )
            + "</div>"
        )
        parts.append(_more(late_count, "most credit days"))
    else:
        parts.append('<p class="note">None.</p>')

    # credits owed
    parts.append("<h2>Credits owed</h2>")
    if figures.owed_tickets:
        grouped = figures.owed[credit_by].sort_values("days", ascending=False, kind="stable")
        parts.append(
            _figure(
                credits_figure(figures.totals[credit_by], by=credit_by),
                _credits_alt(grouped["days"], credit_label),
                f"Credit days owed per {credit_label}.",
            )
        )
        by_customer: dict[str, dict[str, Decimal]] = defaultdict(lambda: defaultdict(Decimal))
        contracted: dict[str, str] = {}  # customer -> why the days have no value
        for v in valued:
            customer = v.priced.contract.customer
            if v.value is not None:
                by_customer[customer][v.priced.currency] += v.value
            elif v.credits is not None:
                contracted[customer] = v.problem or "no price"
            else:
                contracted.setdefault(customer, v.problem)
        money = bool(valued) and credit_by == "customer"
        rows = []
        for name, r in grouped.iterrows():
            row = [_e(name), f"{int(r.tickets):,}", f"{int(r.days):,}"]
            if money:
                key = str(name).strip()
                row.append(
                    _e(_money(by_customer[key]))
                    if by_customer.get(key)
                    else contracted.get(key, "no contract")
                )
            rows.append(row)
        total = [
            "total",
            f"{figures.owed_tickets:,}",
            f"{int(grouped['days'].sum()):,}",
            *([_e(_money(worth)) if by_customer else ""] if money else []),
        ]
        parts.append(
            '<div id="credits">'
            + _table(
                [
                    credit_label,
                    "tickets with credits",
                    "credit days",
                    *(["value"] if money else []),
                ],
                rows,
                total=total,
            )
            + "</div>"
        )
        parts.append(
            '<p class="note">Credit days extend the customer\'s current term.'
            + (
                " The value is the days granted in each contract's term (after the policy's "
                "per-term cap) ÷ the days in the term × the term price, as <code>slacalc "
                "credits</code> computes it."
                if money
                else " Per-term caps, if the policy has any, are applied per contract: give "
                "<code>--contracts</code> to value the days in money."
            )
            + "</p>"
        )
    else:
        parts.append('<p class="note">No credits owed.</p>')
    if valued:
        parts.append(_contracts_table(valued))
        if not any(v.credits and v.credits.tickets for v in valued):
            parts.append(
                f'<p class="note">No ticket with credits belongs to the term of any of the '
                f"{plural(len(valued), 'contract')} (matched on the <code>customer</code> column).</p>"
            )
    for note in notes:
        parts.append(f'<p class="note">{_e(note)}</p>')

    # bad rows
    if bad:
        parts.append(f"<h2>Rows that could not be evaluated ({bad_lines:,})</h2>")
        rows = [[f"{line}", _e(column or ""), _e(message)] for line, column, message in bad]
        parts.append(
            '<div id="bad">'
            + _table(["line", "column", "problem"], rows, text_columns=3)
            + "</div>"
        )

    from importlib.metadata import version

    parts.append(
        f'<p class="note">Generated by slacalc {_e(version("slacalc"))} at '
        f"{_e(datetime.now(UTC).strftime('%Y-%m-%d %H:%M UTC'))}. Durations are business time on "
        "the target's calendar unless the policy says otherwise.</p></body></html>"
    )
    return "\n".join(parts)


def _figure(figure: Any, alt: str, caption: str) -> str:
    return f'<figure class="plot">{_figure_png(figure, alt)}<figcaption>{_e(caption)}</figcaption></figure>'


def _head(frame: Any) -> list[tuple[Any, dict[str, Any]]]:
    shown = frame.head(BREACHED_SHOWN)
    return list(zip(shown.index, shown.to_dict("records"), strict=True))


def _more(count: int, order: str) -> str:
    if count <= BREACHED_SHOWN:
        return ""
    return (
        f'<p class="note">The {BREACHED_SHOWN} with the {order} are listed; '
        f"{plural(count - BREACHED_SHOWN, 'more is', 'more are')} not.</p>"
    )


def _contracts_table(valued: list[ValuedContract]) -> str:
    rows = []
    for v in valued:
        c = v.priced.contract
        term = f"{c.term_start.isoformat()} to {c.term_end.isoformat()}"
        if v.credits is None:
            rows.append(
                [
                    _e(c.customer),
                    _e(c.plan.name),
                    _e(term),
                    "",
                    "",
                    "",
                    _e(v.problem),
                ]
            )
            continue
        days = f"{v.credits.days:,}" + (
            f" (capped, {v.credits.earned_days:,} earned)" if v.credits.capped else ""
        )
        price = v.priced.term_price
        rows.append(
            [
                _e(c.customer),
                _e(c.plan.name),
                _e(term),
                days,
                _e(v.credits.extended_term_end.isoformat()),
                "" if price is None else _e(_money({v.priced.currency: price})),
                _e(v.problem or "no price")
                if v.value is None
                else _e(_money({v.priced.currency: v.value})),
            ]
        )
    return (
        "<h3>Per contract</h3>"
        + '<div id="contracts">'
        + _table(
            ["customer", "plan", "term", "credit days", "term ends", "term price", "value"],
            rows,
            text_columns=3,
        )
        + "</div>"
    )
