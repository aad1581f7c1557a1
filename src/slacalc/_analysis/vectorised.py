"""The engine behind :mod:`slacalc.pandas`: whole columns of tickets at once.

The common case, a ticket without events, is judged with NumPy look-ups over
the compiled calendar: the batch primitives behind ``Calendar.add_many`` and
``Calendar.elapsed_many`` (``slacalc._engine.batch``), which are
:meth:`Calendar.add_us` and :meth:`Calendar.elapsed_us` element by element, so
the numbers are the same as :meth:`Plan.evaluate`'s. Everything else (events,
severity changes, escalations, instants near the end of the supported range)
goes through :meth:`Plan.evaluate` one row at a time.

This module is private: the public names are in ``slacalc.pandas``.
"""

from __future__ import annotations

import json
from collections.abc import Hashable, Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, tzinfo
from typing import TYPE_CHECKING, Any, NamedTuple, cast

import numpy as np
import numpy.typing as npt
import pandas as pd

from slacalc._analysis.arrays import (
    NA,
    STATUSES,
    _evaluate_fast,
    _Rows,
    _versions,
)
from slacalc._engine.calendar import EPOCH, MAX_US, MIN_US, from_us, resolve_tz
from slacalc._files.tickets import EVENT_COLUMNS, parse_instant, ticket_from_mapping
from slacalc._typing import CLASSIC_METRICS, METRICS
from slacalc.exceptions import (
    OutOfRangeError,
    PolicyError,
    SlacalcError,
    TicketError,
    UnknownMetricError,
)

if TYPE_CHECKING:
    from slacalc._policies.model import FamilyPlan, Plan

__all__ = [
    "FIELDS",
    "NA",
    "OUTCOME_COLUMNS",
    "STATUSES",
    "TEXT_DTYPE",
    "FrameOutcome",
    "Instants",
    "evaluate_columns",
    "output_zone",
    "parse_instants",
    "plan_metrics",
    "resolve_plan",
]

I64 = npt.NDArray[np.int64]
Bools = npt.NDArray[np.bool_]
Objects = npt.NDArray[np.object_]

_US = timedelta(microseconds=1)

#: The outcome columns ``evaluate_frame`` adds, in order.
OUTCOME_COLUMNS: tuple[str, ...] = (
    "status",
    "class",
    "target",
    "objective",
    "due_at",
    "stopped_at",
    "elapsed",
    "remaining",
    "late_by",
    "late_by_wall",
    "credit_days",
    "policy_version",
)

#: Ticket fields a frame may carry, by the name ``columns=`` maps from.
FIELDS: tuple[str, ...] = (
    "id",
    "opened_at",
    "severity",
    "responded_at",
    "channel",
    "events",
    *EVENT_COLUMNS,
    "escalation",
)

# pandas 3 has a string dtype of its own; pandas 2 keeps text in object columns.
TEXT_DTYPE: Any = "str" if int(pd.__version__.split(".", 1)[0]) >= 3 else object


# ---------------------------------------------------------------------- calendar look-ups


# ---------------------------------------------------------------------- instants


@dataclass(slots=True)
class Instants:
    """One column of instants as epoch microseconds, with its missing and bad cells.

    ``us`` is ``NA`` where a cell is missing or bad; ``errors`` maps a row
    position to the reason its cell could not be read.
    """

    series: Any
    field: str
    us: I64
    missing: Bools
    errors: dict[int, str]


def _filled(series: Any) -> Bools:
    """Which cells hold something: not missing, not blank text, not an empty list."""
    if series.dtype != object and pd.api.types.is_string_dtype(series.dtype):
        return _flags(series.notna()) & _flags(series.str.strip() != "")
    if series.dtype != object:
        return np.asarray(series.notna(), dtype=np.bool_)
    return np.fromiter(
        (bool(v) if isinstance(v, list | tuple) else not _is_missing(v) for v in series.array),
        dtype=np.bool_,
        count=len(series),
    )


def _is_missing(value: object) -> bool:
    if value is None:
        return True
    if isinstance(value, str):
        return not value.strip()
    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):
        return False


def _cell_instant(value: object, field: str) -> int | str | None:
    """The epoch µs of one cell; a message when it is bad; None when missing."""
    if _is_missing(value):
        return None
    if isinstance(value, np.datetime64):
        return f"{field}: instant {value!r} has no UTC offset; expected e.g. 2026-04-02T18:00:00+02:00 (naive times are never assumed local)"
    try:
        dt = parse_instant(field, value)
    except TicketError as exc:
        return str(exc)
    us = (dt - EPOCH) // _US
    if not MIN_US <= us < MAX_US:
        return str(OutOfRangeError.for_value(field, dt.isoformat()))
    return int(us)


#: After the date (8 characters even in the basic format), an offset is the only place
#: an ISO 8601 instant has a sign or a Z; text without one is naive.
_OFFSET_MARK = r"[-+Zz]"


def parse_instants(series: Any, field: str) -> Instants:
    """Read a column of instants: ``datetime64[…, tz]``, ISO 8601 text with an offset, or aware datetimes."""
    n = len(series)
    dtype = series.dtype
    if isinstance(dtype, pd.DatetimeTZDtype):
        us = np.asarray(series.array.as_unit("us").asi8, dtype=np.int64).copy()
        missing = us == NA
        inst = Instants(series, field, us, missing, {})
        _check_range(inst)
        return inst
    if pd.api.types.is_datetime64_dtype(dtype):
        missing = np.asarray(series.isna(), dtype=np.bool_)
        naive = {
            int(pos): f"{field}: instant {series.iloc[pos]!s} has no UTC offset; expected a "
            "timezone-aware column (Series.dt.tz_localize) or ISO 8601 text with an offset "
            "(naive times are never assumed local)"
            for pos in np.flatnonzero(~missing)
        }
        return Instants(series, field, np.full(n, NA, dtype=np.int64), missing, naive)
    kind = pd.api.types.infer_dtype(series, skipna=True) if n else "empty"
    if kind == "string":
        return _parse_text(series, field)
    us = np.full(n, NA, dtype=np.int64)
    missing = np.zeros(n, dtype=np.bool_)
    errors: dict[int, str] = {}
    for pos, value in enumerate(series.array):
        found = _cell_instant(value, field)
        if found is None:
            missing[pos] = True
        elif isinstance(found, str):
            errors[pos] = found
        else:
            us[pos] = found
    return Instants(series, field, us, missing, errors)


def _parse_text(series: Any, field: str) -> Instants:
    text = series.astype(TEXT_DTYPE) if series.dtype == object else series
    stripped = text.str.strip()
    missing = _flags(stripped.isna()) | _flags(stripped == "")
    parsed = pd.to_datetime(stripped, utc=True, format="ISO8601", errors="coerce")
    us = np.asarray(parsed.array.as_unit("us").asi8, dtype=np.int64).copy()
    aware = _flags(stripped.str.slice(8).str.contains(_OFFSET_MARK, regex=True))
    doubtful = ~missing & ((us == NA) | ~aware)
    us[missing | doubtful] = NA
    errors: dict[int, str] = {}
    values = series.array
    for pos in np.flatnonzero(doubtful):
        # pandas could not read it, or it may lack an offset: the plain reader decides
        found = _cell_instant(values[pos], field)
        if isinstance(found, str):
            errors[int(pos)] = found
        elif found is not None:
            us[pos] = found
    inst = Instants(series, field, us, missing, errors)
    _check_range(inst)
    return inst


def _flags(series: Any) -> Bools:
    """A boolean Series (NumPy, nullable or object) as a NumPy mask, missing as False."""
    return np.asarray(series.to_numpy(dtype=np.bool_, na_value=False), dtype=np.bool_)


def _check_range(inst: Instants) -> None:
    us = inst.us
    bad = (us != NA) & ((us < MIN_US) | (us >= MAX_US))
    for pos in np.flatnonzero(bad):
        text = inst.series.iloc[pos]
        shown = text.isoformat() if hasattr(text, "isoformat") else str(text)
        inst.errors[int(pos)] = str(OutOfRangeError.for_value(inst.field, shown))
        us[pos] = NA


# ---------------------------------------------------------------------- evaluation


class FrameOutcome(NamedTuple):
    """The outcome columns as arrays (one entry per input row) and the bad rows."""

    columns: dict[str, Any]
    bad: list[tuple[int, str | None, object, str]]  # position, frame column, value, message


def _severity_text(value: object) -> str:
    """The text a :class:`Ticket` would hold for *value* (an integral float, from a column with gaps, reads as an int)."""
    if isinstance(value, float | np.floating) and float(value).is_integer():
        return str(int(value))
    if isinstance(value, np.integer):
        return str(int(value))
    return str(value).strip()


def _channel(value: object) -> str | None:
    if value is None or value == "" or (_is_missing(value) and not isinstance(value, str)):
        return None
    return str(value).strip().lower()


def resolve_plan(policy: Any, plan: Any) -> Plan | FamilyPlan:
    """The plan to evaluate against: a plan object as given, or *plan* looked up in *policy*."""
    from slacalc._policies.files import load_policy
    from slacalc._policies.model import FamilyPlan, Plan

    if isinstance(plan, Plan | FamilyPlan):
        return plan
    if isinstance(policy, str) or hasattr(policy, "__fspath__"):
        policy = load_policy(policy)
    if policy is None:
        msg = f"plan: {plan!r} is a name; expected a policy to look it up in (policy=...) or a Plan object"
        raise PolicyError(msg)
    return cast("Plan | FamilyPlan", policy.plan(plan))


def plan_metrics(plan: Plan | FamilyPlan) -> list[Plan]:
    """Every concrete plan (one per policy version) that *plan* can resolve to."""
    from slacalc._policies.model import Plan

    if isinstance(plan, Plan):
        return [plan]
    # each version's plan under the family plan's terms (a contract's own calendar or targets)
    return [plan.at(v.effective_from) for v in plan.family.versions if plan.name in v.plans]


def output_zone(plan: Plan | FamilyPlan, metric: str, tz: str | tzinfo | None) -> str | tzinfo:
    """The zone of the instant columns: *tz*, else the one zone of every target calendar, else UTC.

    A name in *tz* is checked against the IANA database (an unknown one is an
    ``UnknownTimeZoneError`` naming ``tz``) and handed to pandas as written.
    """
    if tz is not None:
        zone = resolve_tz(tz)
        return tz.strip() if isinstance(tz, str) else zone
    zones: set[str] = set()
    for p in plan_metrics(plan):
        for target in p.targets.get(metric, {}).values():
            if target.calendar is not None:
                zones.add(target.calendar.timezone)
    return zones.pop() if len(zones) == 1 else "UTC"


def evaluate_columns(
    frame: Any,
    plan: Plan | FamilyPlan,
    names: Mapping[str, Hashable | None],
    now: datetime,
    metric: str,
) -> FrameOutcome:
    """Evaluate every row of *frame*; *names* maps each ticket field to its frame column (None: absent)."""
    if metric not in METRICS:
        raise UnknownMetricError.for_name(metric, METRICS)
    n = len(frame)
    now_us = (now - EPOCH) // _US
    rows = _Rows(n)
    bad: list[tuple[int, str | None, object, str]] = []

    def col(name: str) -> Any:
        key = names.get(name)
        return None if key is None else frame[key]

    def where(name: str) -> str | None:
        key = names.get(name)
        return None if key is None else str(key)

    ids = col("id")
    id_values = frame.index if ids is None else ids.array
    ok = np.ones(n, dtype=np.bool_)

    def report(positions: Iterable[int], name: str | None, values: Any, message: Any) -> None:
        for pos in positions:
            p = int(pos)
            ok[p] = False
            text = message(p) if callable(message) else message
            bad.append(
                (p, where(name) if name else None, None if values is None else values[p], text)
            )

    if ids is not None:
        id_missing = ~_filled(ids)
        report(np.flatnonzero(id_missing), "id", ids.array, "id: missing; expected a ticket id")

    def ident(pos: int) -> str:
        return str(id_values[pos])

    opened = parse_instants(col("opened_at"), "opened_at")
    report(
        np.flatnonzero(opened.missing),
        "opened_at",
        opened.series.array,
        "opened_at: missing; expected an instant such as 2026-04-02T18:00:00+02:00",
    )
    for pos, message in opened.errors.items():
        report([pos], "opened_at", opened.series.array, f"ticket {ident(pos)!r}: {message}")

    responded_col = col("responded_at")
    if responded_col is not None:
        responded = parse_instants(responded_col, "responded_at")
        for pos, message in responded.errors.items():
            report(
                [pos], "responded_at", responded.series.array, f"ticket {ident(pos)!r}: {message}"
            )
        r_us = responded.us
    else:
        r_us = np.full(n, NA, dtype=np.int64)
    o_us = opened.us

    has_both = (o_us != NA) & (r_us != NA)
    report(
        np.flatnonzero(has_both & (r_us < o_us)),
        "responded_at",
        None if responded_col is None else responded_col.array,
        lambda p: (
            f"ticket {ident(p)!r}: responded_at {from_us(int(r_us[p]), UTC).isoformat()} is before "
            f"opened_at {from_us(int(o_us[p]), UTC).isoformat()}; expected a response at or after opening"
        ),
    )
    report(
        np.flatnonzero((o_us != NA) & (o_us > now_us)),
        "opened_at",
        opened.series.array,
        lambda p: (
            f"ticket {ident(p)!r}: now {now.isoformat()} is before opened_at "
            f"{from_us(int(o_us[p]), UTC).isoformat()}; expected now at or after opening"
        ),
    )

    severities = col("severity")
    sev_codes, sev_uniques = pd.factorize(severities, use_na_sentinel=True)
    sev_codes = np.asarray(sev_codes, dtype=np.int64)
    sev_text = [_severity_text(v) for v in sev_uniques]
    report(
        np.flatnonzero(sev_codes < 0),
        "severity",
        severities.array,
        "severity: missing; expected a severity name such as '1' or 'urgent'",
    )
    empty = [code for code, text in enumerate(sev_text) if not text]
    report(
        np.flatnonzero(np.isin(sev_codes, empty)),
        "severity",
        severities.array,
        lambda p: (
            f"ticket {ident(p)!r}: severity is empty; expected a severity name such as '1' or 'urgent'"
        ),
    )

    channels = col("channel")
    if channels is not None:
        ch_codes, ch_uniques = pd.factorize(channels, use_na_sentinel=True)
        ch_codes = np.asarray(ch_codes, dtype=np.int64)
        ch_values: list[str | None] = [_channel(v) for v in ch_uniques]
    else:
        ch_codes = np.full(n, -1, dtype=np.int64)
        ch_values = []

    # rows whose events need the row-wise path
    eventful = np.zeros(n, dtype=np.bool_)
    for name in ("events", *EVENT_COLUMNS):
        series = col(name)
        if series is not None:
            eventful |= _filled(series)

    versions = _versions(
        plan,
        opened.us,
        ok & (sev_codes >= 0),
        bad,
        where("opened_at") or "opened_at",
        opened.series.array,
    )
    ok &= versions.of_row >= 0

    for v, plan_v in enumerate(versions.plans):
        policy = plan_v.policy
        in_v = ok & (versions.of_row == v)
        if not in_v.any():
            continue
        if metric not in plan_v.metrics():
            report(
                np.flatnonzero(in_v),
                None,
                None,
                str(UnknownMetricError.for_name(metric, plan_v.metrics())),
            )
            continue
        # severities in this version's names
        canonical: list[str | None] = []
        for code, text in enumerate(sev_text):
            if not text:
                canonical.append(None)
                continue
            try:
                canonical.append(policy.severity(text))
            except SlacalcError as exc:
                canonical.append(None)
                unknown = in_v & (sev_codes == code)
                report(
                    np.flatnonzero(unknown),
                    "severity",
                    severities.array,
                    lambda p, exc=exc: f"ticket {ident(p)!r}: {exc}",
                )
        in_v &= ok
        # only the classic metrics have an array path; the others go row by row
        slow = in_v & eventful if metric in CLASSIC_METRICS else in_v
        fast = in_v & ~slow
        _evaluate_fast(
            rows,
            plan_v,
            policy,
            metric,
            fast,
            sev_codes,
            canonical,
            ch_codes,
            ch_values,
            o_us,
            r_us,
            now_us,
            slow,
        )
        for row in np.flatnonzero(slow):
            _evaluate_row(rows, frame, names, int(row), plan_v, now, metric, bad, where, ok)

    columns = {
        "status": np.asarray(STATUSES, dtype=object)[rows.status],
        "class": rows.klass,
        "target": rows.target,
        "objective": rows.objective,
        "due_at": rows.due,
        "stopped_at": rows.stop,
        "elapsed": rows.elapsed,
        "remaining": rows.remaining,
        "late_by": rows.late,
        "late_by_wall": rows.late_wall,
        "credit_days": rows.credits,
        "policy_version": rows.version,
    }
    bad.sort(key=lambda item: item[0])
    return FrameOutcome(columns, bad)


def _evaluate_row(
    rows: _Rows,
    frame: Any,
    names: Mapping[str, Hashable | None],
    pos: int,
    plan: Plan,
    now: datetime,
    metric: str,
    bad: list[tuple[int, str | None, object, str]],
    where: Any,
    ok: Bools,
) -> None:
    """One row through :meth:`Plan.evaluate` (events, escalations, edge cases)."""
    cells: dict[str, Any] = {}
    for name, key in names.items():
        if key is None:
            continue
        value = frame[key].iloc[pos]
        cells[name] = None if _is_missing(value) and not isinstance(value, list | tuple) else value
    if "id" not in cells:
        cells["id"] = frame.index[pos]
    cells["id"] = str(cells["id"])
    cells["severity"] = _severity_text(cells["severity"])
    events = cells.get("events")
    if isinstance(events, list | tuple):
        cells["events"] = [_event_mapping(e) for e in events]
    try:
        ticket = ticket_from_mapping(cells)
        outcome = plan.evaluate(ticket, now)[metric]
    except SlacalcError as exc:
        ok[pos] = False
        bad.append((pos, None, None, str(exc)))
        return
    rows.put(pos, outcome)


def _event_mapping(event: Any) -> Any:
    """An event from a frame cell as the ``{at, kind, value}`` mapping the ticket reader takes."""
    from slacalc._evaluation.tickets import Event

    if isinstance(event, Event):
        return {"at": event.at, "kind": event.kind, "value": event.value}
    if isinstance(event, list | tuple) and len(event) in (2, 3):
        return {"at": event[0], "kind": event[1], "value": event[2] if len(event) == 3 else None}
    if isinstance(event, str):
        return json.loads(event)
    return event
