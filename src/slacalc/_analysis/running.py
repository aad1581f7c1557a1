"""``slacalc due`` on the column path: the running clocks of a chunk of plain CSV rows.

``slacalc due`` reads a large CSV file a block at a time
(:meth:`RecordFile.chunks`) and hands each chunk of plain rows here. For
the rows it can vouch for, :func:`due_chunk` gives the lines the command's
sorter receives from the row path: one per running clock within the
horizon, with its sorting key (``next_at`` in epoch microseconds), in the
order ``timers()`` lists a ticket's clocks.

A row is judged here when it is plain in the sense of
:func:`slacalc._analysis.chunked.plain_tickets`, where a ``dispatched_at``
instant is allowed too (a one-off event that only stops the ``dispatch``
clock, not before the opening), its severity is known, and its policy
version's plan targets only classic metrics (initial response, escalation
response, dispatch, resolution) with their built-in clocks, all on
calendars of one time zone (a ticket's clocks are ordered by their due
instants as ``datetime`` compares them: on the wall clock of that zone).
Alerts of the plan are computed here too, in either ``alert_measure``: on a
clock without pauses an alert is an ``add_us`` on the calendar (business
measure) or a share or lead of the wall time (wall measure). Every other
row (an event column other than ``dispatched_at``, a repeating or total or
custom metric, calendars in several zones, an alert or clock the arrays
cannot finish) is left to the careful path, which evaluates it as the
command does without this module, so its lines and messages are the same by
construction. ``tests/test_cli_due_columns.py`` compares both paths byte
for byte.

This module is private; it needs NumPy.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, tzinfo
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt

from slacalc._analysis.arrays import NA, STATUSES, _evaluate_fast, _Rows, _versions
from slacalc._analysis.chunked import (
    chunk_codes,
    instant_texts,
    known_severities,
    plain_tickets,
    seconds_texts,
    utc_offsets,
)
from slacalc._engine import batch
from slacalc._engine.calendar import EPOCH
from slacalc._evaluation.clocks import builtin_clock
from slacalc._files.writers import json_string
from slacalc._typing import CLASSIC_METRICS
from slacalc.exceptions import SlacalcError

if TYPE_CHECKING:
    from slacalc._engine.calendar import Calendar
    from slacalc._evaluation.alerts import AlertSpec
    from slacalc._policies.model import FamilyPlan, Plan

__all__ = ["DUE_STOPS", "due_chunk"]

I64 = npt.NDArray[np.int64]
Bools = npt.NDArray[np.bool_]

_US = timedelta(microseconds=1)
#: The metrics whose clock one event column of a plain row may stop: metric -> column.
DUE_STOPS: Mapping[str, str] = {"dispatch": "dispatched_at"}
_BREACHED, _PENDING, _INVALID = (STATUSES.index(s) for s in ("breached", "pending", "invalid"))
_ACTIONS = ("breached", "alert", "due")
#: What makes the csv module quote a field (with the comma delimiter of the output).
_QUOTED = re.compile('[,"\r\n]')
#: Ids written into JSON as they are: nothing a JSON string would escape.
_PLAIN_ID = re.compile(r"[A-Za-z0-9 _.:/#+@=~-]*")
_NONE = np.iinfo(np.int64).max  # "no alert" in a column of instants that is compared with <


@dataclass(slots=True)
class _Entries:
    """The listed clocks of one metric of one policy version: rows, order keys, lines."""

    rows: I64
    wall: I64  # the due instant on the wall clock of the calendars' zone (the order in a ticket)
    rank: int  # the metric's place among the metric names, alphabetically (the tie order)
    keys: I64  # next_at, epoch µs (the sorter's key)
    lines: list[str]


def due_chunk(
    columns: Sequence[str],
    values: Sequence[Sequence[str]],
    plan: Plan | FamilyPlan,
    now: datetime,
    explicit_now: bool,
    tz: tzinfo | None,
    limit: int | None,
    fmt: str,
    names: Sequence[str],
) -> list[list[tuple[int, str]] | None]:
    """For each plain row: its ``(key, line)`` pairs in ``timers()`` order, or None for the careful path.

    *limit*: the largest ``next_at`` listed (epoch µs), None for all; *fmt*:
    ``csv`` or a JSON format (the lines are the same for ``jsonl`` and ``json``);
    *names*: the output columns, in order (the keys of a JSON line).
    """
    cols: Mapping[str, Sequence[str]] = dict(zip(columns, values, strict=True))
    ids = cols["id"]
    n = len(ids)
    if not n:
        return []
    now_us = (now - EPOCH) // _US
    plain = plain_tickets(cols, now_us, explicit_now, tuple(DUE_STOPS.values()))
    slow = ~plain.ok
    codes = chunk_codes(cols)
    bad: list[tuple[int, str | None, object, str]] = []
    versions = _versions(plan, plain.opened, plain.ok.copy(), bad, "opened_at", cols["opened_at"])
    slow |= versions.of_row < 0
    entries: list[_Entries] = []
    for v, plan_v in enumerate(versions.plans):
        in_v = ~slow & (versions.of_row == v)
        if not in_v.any():
            continue
        canonical = known_severities(plan_v.policy, codes, in_v, slow)
        in_v &= ~slow
        zone = _one_zone(plan_v, canonical)
        if zone is None:
            slow |= in_v
            continue
        for metric in plan_v.metrics():
            stops = None
            column = DUE_STOPS.get(metric)
            if column is not None:
                stops = plain.stops.get(column)
                if stops is None:
                    stops = np.full(n, NA, dtype=np.int64)
            judged = _Rows(n)
            _evaluate_fast(judged, plan_v, plan_v.policy, metric, in_v & ~slow, codes.severity,
                           canonical, codes.channel, codes.channel_values, plain.opened,
                           plain.responded, now_us, slow, stops)  # fmt: skip
            slow |= in_v & (judged.status == _INVALID)
            entries += _running(judged, plan_v, metric, canonical, codes.severity, in_v & ~slow,
                                plain.opened, ids, zone, tz, now_us, limit, fmt, names, slow)  # fmt: skip
    out: list[list[tuple[int, str]] | None] = [None if s else [] for s in slow.tolist()]
    if not entries:
        return out
    rows = np.concatenate([e.rows for e in entries])
    keep = ~slow[rows]  # a later metric may have sent the row the careful way
    rows = rows[keep]
    wall = np.concatenate([e.wall for e in entries])[keep]
    rank = np.concatenate([np.full(len(e.rows), e.rank, dtype=np.int64) for e in entries])[keep]
    keys = np.concatenate([e.keys for e in entries])[keep].tolist()
    lines = [line for e in entries for line in e.lines]
    lines = [line for line, k in zip(lines, keep.tolist(), strict=True) if k]
    order = np.lexsort((rank, wall, rows))  # by row, then as timers() sorts a ticket's clocks
    row_list = rows.tolist()
    for i in order.tolist():
        listed = out[row_list[i]]
        assert listed is not None
        listed.append((keys[i], lines[i]))
    return out


def _one_zone(plan: Plan, canonical: list[str | None]) -> tzinfo | None:
    """The one zone of every calendar the plan's clocks run on; None when the rows are not vouched for.

    None also when a metric is not a classic one with its built-in clock.
    """
    policy = plan.policy
    zones: list[tzinfo | None] = []
    for metric, spec in plan._clocks:
        if metric not in CLASSIC_METRICS:
            return None
        if spec != builtin_clock(metric, pausable=metric in policy.pausable):
            return None
        if metric == "escalation_response":
            continue  # a plain row has no escalation: this clock never starts
        for klass in dict.fromkeys(k for k in canonical if k is not None):
            _, d, cal = plan._objective(metric, klass)
            if d is not None and cal is not None:
                zones.append(cal.tzinfo)
    if not zones:
        return UTC  # nothing runs: any zone orders nothing
    first = zones[0]
    if first is None or any(z != first for z in zones):
        return None
    return first


def _running(
    judged: _Rows,
    plan: Plan,
    metric: str,
    canonical: list[str | None],
    severity: I64,
    mask: Bools,
    opened: I64,
    ids: Sequence[str],
    zone: tzinfo,
    tz: tzinfo | None,
    now_us: int,
    limit: int | None,
    fmt: str,
    names: Sequence[str],
    slow: Bools,
) -> list[_Entries]:
    """The listed running clocks of *metric* among the rows of *mask*, a group per class."""
    running = (
        mask
        & (judged.stop == NA)
        & ((judged.status == _PENDING) | (judged.status == _BREACHED))
        & (judged.due != NA)
    )
    specs: Sequence[AlertSpec] = plan.alerts.get(metric) or ()
    measure = plan.policy.alert_measure
    rank = sorted(plan.policy.metric_names).index(metric)
    out: list[_Entries] = []
    for code, klass in enumerate(canonical):
        if klass is None:
            continue
        rows = np.flatnonzero(running & (severity == code))
        if not len(rows):
            continue
        target, d, cal = plan._objective(metric, klass)
        assert d is not None
        assert cal is not None
        start, due = opened[rows], judged.due[rows]
        alert_at = np.full(len(rows), _NONE, dtype=np.int64)
        label = np.full(len(rows), -1, dtype=np.int64)
        for i, spec in enumerate(specs):
            found = _alert(spec, cal, start, d, due, measure)
            if found is None:
                slow[rows] = True
                break
            at, ok = found
            if not ok.all():
                slow[rows[~ok]] = True
            later = ok & (at > now_us) & (at < alert_at)  # ties: the alert written first
            alert_at = np.where(later, at, alert_at)
            label = np.where(later, i, label)
        else:
            has = label >= 0
            due_wall = due + utc_offsets(due, zone)
            safe_at = np.where(has, alert_at, due)
            alert_wall = safe_at + utc_offsets(safe_at, zone)
            alerting = has & (alert_wall < due_wall)  # Timer.next_at: datetimes in one zone
            keys = np.where(alerting, alert_at, due)
            listed = np.ones(len(rows), dtype=np.bool_) if limit is None else keys <= limit
            listed &= ~slow[rows]
            if not listed.any():
                continue
            picked = np.flatnonzero(listed)
            status = judged.status[rows][picked]
            action = np.where(status == _BREACHED, 0, np.where(alerting[picked], 1, 2))
            lines = _lines(
                [ids[r] for r in rows[picked].tolist()],
                metric,
                klass,
                status,
                action,
                keys[picked],
                due[picked],
                judged.remaining[rows][picked],
                judged.late[rows][picked],
                [None if i < 0 else specs[i].label for i in label[picked].tolist()],
                np.where(has[picked], alert_at[picked], NA),
                start[picked],
                str(target),
                zone if tz is None else tz,
                fmt,
                names,
            )
            out.append(_Entries(rows[picked], due_wall[picked], rank, keys[picked], lines))
    return out


def _alert(
    spec: AlertSpec, cal: Calendar, start: I64, d: int, due: I64, measure: str
) -> tuple[I64, Bools] | None:
    """``alert_instants`` of one alert for clocks without pauses: the instants, and which have one.

    None when the arrays cannot give it exactly (the careful path says why).
    """
    ok = np.ones(len(start), dtype=np.bool_)
    lead = 0
    if spec.share is None:
        assert spec.lead is not None
        try:
            lead = spec.lead.resolve(cal) // _US
        except SlacalcError:
            return None
    if measure == "wall":
        if spec.share is not None:
            num, den = spec.share.numerator, spec.share.denominator
            if den > 10**9:
                return None  # int((due - start) * share) might not fit the arrays
            span = due - start
            at = start + (span // den) * num + (span % den) * num // den
        else:
            at = np.maximum(start, due - lead)
    else:
        k = int(d * spec.share) if spec.share is not None else max(0, d - lead)
        if k > 0:
            at, ok = batch.add_us(cal, start, k)
        elif d > 0:  # no open time used yet: the instant the clock first runs
            at, ok = batch.add_us(cal, start, 1)
            at = np.where(ok, at - 1, at)
        else:
            at = due
    return np.minimum(np.where(ok, at, due), due), ok


def _lines(
    ids: list[str],
    metric: str,
    klass: str,
    status: npt.NDArray[np.int8],
    action: I64,
    next_at: I64,
    due: I64,
    remaining: I64,
    late: I64,
    labels: list[str | None],
    alert_at: I64,
    started: I64,
    target: str,
    zone: tzinfo,
    fmt: str,
    names: Sequence[str],
) -> list[str]:
    """The lines ``slacalc due`` writes for these clocks (``row()`` through its CSV or JSON writer)."""
    csv_out = fmt == "csv"
    zones = np.full(len(ids), zone, dtype=object)
    miss = "" if csv_out else "null"

    def instants(us: I64) -> list[str]:
        texts = instant_texts(us, zones, None)
        if csv_out:
            return ["" if t is None else t for t in texts]
        return ["null" if t is None else f'"{t}"' for t in texts]

    def text(value: str | None) -> str:
        if value is None:
            return miss
        return value if csv_out else json_string(value)

    statuses = [text(STATUSES[s]) for s in status.tolist()]
    actions = [text(_ACTIONS[a]) for a in action.tolist()]
    label_texts = {label: text(label) for label in set(labels)}
    columns: list[list[str]] = [
        ids,
        [text(metric)] * len(ids),
        [miss] * len(ids),
        [text(klass)] * len(ids),
        statuses,
        actions,
        instants(next_at),
        instants(due),
        [t or "" for t in seconds_texts(remaining, miss)],
        [t or "" for t in seconds_texts(late, miss)],
        ["false"] * len(ids),
        [label_texts[label] for label in labels],
        instants(alert_at),
        instants(started),
        [text(target)] * len(ids),
    ]
    if csv_out:
        fixed = (metric, klass, target, *(label for label in label_texts if label is not None))
        if any(_QUOTED.search(t) for t in (*fixed, "\x1f".join(ids))):
            return [_csv_line(row) for row in zip(*columns, strict=True)]
        return [",".join(row) for row in zip(*columns, strict=True)]
    if _PLAIN_ID.fullmatch("".join(ids)):
        columns[0] = [f'"{v}"' for v in ids]
    else:
        columns[0] = [json_string(v) for v in ids]
    keys = [json_string(name) + ": " for name in names]
    escaped = [k.replace("{", "{{").replace("}", "}}") for k in keys]
    fill = ("{{" + ", ".join(k + "{}" for k in escaped) + "}}").format
    return [fill(*row) for row in zip(*columns, strict=True)]


def _csv_line(values: Sequence[Any]) -> str:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="").writerow(values)
    return buffer.getvalue()
