"""The command line's column path: a chunk of plain CSV rows judged with array look-ups.

``slacalc evaluate`` reads a large CSV file a block at a time
(:meth:`RecordFile.chunks`) and hands each chunk of plain rows here. What
this module can vouch for, it computes with NumPy: rows without events whose
instants are written in the plain ISO 8601 shape (``2026-04-02T18:00:00+02:00``,
optionally with six fraction digits, or ``Z``), with a known severity, on a
classic metric, are judged by the frame engine's array path
(:func:`slacalc._analysis.vectorised.judge_rows`) and written as text
columns. Every other row (a blank or padded field, an event column, an
instant in another shape, a severity the policy does not know, a clock the
arrays cannot finish) is marked *careful*: the command reads it exactly as
it reads every row without this module (``ticket_from_mapping``,
``Plan.evaluate``), so its outcome or its error message is the same by
construction. The output text of a judged row is the text the record writer
gives its outcome; ``tests/test_cli_columns.py`` checks both paths byte for
byte on generated files.

This module is private; it needs NumPy and pandas (the ``pandas`` extra).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone, tzinfo
from types import MappingProxyType
from typing import TYPE_CHECKING, Any, NamedTuple

import numpy as np
import numpy.typing as npt

from slacalc._analysis.arrays import NA, STATUSES, _evaluate_fast, _Rows, _versions
from slacalc._engine.calendar import EPOCH, MAX_US, MIN_US, from_us
from slacalc._engine.epoch import DAY_US
from slacalc._files.tickets import EVENT_COLUMNS
from slacalc._files.writers import RecordWriter, json_string
from slacalc._typing import CLASSIC_METRICS
from slacalc.exceptions import SlacalcError

if TYPE_CHECKING:
    from slacalc._policies.model import FamilyPlan, Plan, Policy

__all__ = [
    "ChunkResult",
    "Codes",
    "Plain",
    "chunk_codes",
    "evaluate_chunk",
    "known_severities",
    "parse_plain_instants",
    "plain_tickets",
]

I64 = npt.NDArray[np.int64]
Bools = npt.NDArray[np.bool_]

_US = timedelta(microseconds=1)
_DAYS_BEFORE_MONTH = np.array([0, 0, 31, 59, 90, 120, 151, 181, 212, 243, 273, 304, 334])
_MONTH_DAYS = np.array([0, 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31])
#: An empty id, or one with space around it, one per line: those rows are read with care.
_PADDED = re.compile(r"(?m)^$|^\s|\s$")
#: What makes the csv module quote a field (with the comma delimiter of the output).
_QUOTED = re.compile('[,"\r\n]')
#: The output columns whose text comes from the input or the policy (the others are digits
#: and instants, never quoted).
_TEXT_COLUMNS = ("id", "status", "metric", "class", "target", "policy", "plan")
#: Ids written into JSON as they are: nothing a JSON string would escape.
_PLAIN_ID = re.compile(r"[A-Za-z0-9 _.:/#+@=~-]*")

# ---------------------------------------------------------------------- instants in


def parse_plain_instants(texts: Sequence[str]) -> tuple[I64, I64, Bools]:
    """Epoch microseconds, UTC offset in microseconds and a "read" flag for each text.

    Only the plain shapes ``YYYY-MM-DDTHH:MM:SS[.ffffff](Z|±HH:MM)`` are
    read, with every field in range and the instant in slacalc's supported
    years; anything else (an empty cell too) is left unread, for the careful
    reader. Where a text is read, ``datetime.fromisoformat`` gives the same
    instant.
    """
    n = len(texts)
    us = np.full(n, NA, dtype=np.int64)
    offset = np.zeros(n, dtype=np.int64)
    ok = np.zeros(n, dtype=np.bool_)
    if not n:
        return us, offset, ok
    lengths = np.fromiter(map(len, texts), dtype=np.int64, count=n)
    for size in (20, 25, 27, 32):
        where = np.flatnonzero(lengths == size)
        if not len(where):
            continue
        picked = [texts[i] for i in where.tolist()]
        joined = "".join(picked)
        if not joined.isascii():
            ascii_ok = np.fromiter((t.isascii() for t in picked), dtype=np.bool_)
            where = where[ascii_ok]
            if not len(where):
                continue
            joined = "".join([t for t, good in zip(picked, ascii_ok.tolist(), strict=True) if good])
        raw = np.frombuffer(joined.encode("ascii"), dtype=np.uint8).reshape(-1, size)
        got_us, got_off, good = _parse_block(raw, size)
        us[where] = got_us
        offset[where] = got_off
        ok[where] = good
    us[~ok] = NA
    offset[~ok] = 0
    return us, offset, ok


def _parse_block(raw: npt.NDArray[np.uint8], size: int) -> tuple[I64, I64, Bools]:
    digits = raw.astype(np.int64) - 48

    def num(*cols: int) -> I64:
        value = np.zeros(len(raw), dtype=np.int64)
        for c in cols:
            value = value * 10 + digits[:, c]
        return value

    frac_digits = 6 if size in (27, 32) else 0
    zone_at = 19 + (7 if frac_digits else 0)
    digit_cols = [0, 1, 2, 3, 5, 6, 8, 9, 11, 12, 14, 15, 17, 18]
    if frac_digits:
        digit_cols += list(range(20, 26))
    good = np.all((digits[:, digit_cols] >= 0) & (digits[:, digit_cols] <= 9), axis=1)
    for col, char in ((4, "-"), (7, "-"), (10, "T"), (13, ":"), (16, ":")):
        good &= raw[:, col] == ord(char)
    if frac_digits:
        good &= raw[:, 19] == ord(".")
    if size in (20, 27):
        good &= raw[:, zone_at] == ord("Z")
        off = np.zeros(len(raw), dtype=np.int64)
    else:
        sign = raw[:, zone_at]
        good &= ((sign == ord("+")) | (sign == ord("-"))) & (raw[:, zone_at + 3] == ord(":"))
        for c in (zone_at + 1, zone_at + 2, zone_at + 4, zone_at + 5):
            good &= (digits[:, c] >= 0) & (digits[:, c] <= 9)
        off_h = num(zone_at + 1, zone_at + 2)
        off_m = num(zone_at + 4, zone_at + 5)
        good &= (off_h <= 23) & (off_m <= 59)
        off = np.where(sign == ord("-"), -1, 1) * (off_h * 3600 + off_m * 60) * 1_000_000
    year, month, day = num(0, 1, 2, 3), num(5, 6), num(8, 9)
    hour, minute, second = num(11, 12), num(14, 15), num(17, 18)
    frac = num(*range(20, 26)) if frac_digits else np.zeros(len(raw), dtype=np.int64)
    leap = (year % 4 == 0) & ((year % 100 != 0) | (year % 400 == 0))
    month_ok = (month >= 1) & (month <= 12)
    safe_month = np.where(month_ok, month, 1)
    month_days = _MONTH_DAYS[safe_month] + ((safe_month == 2) & leap)
    good &= month_ok & (day >= 1) & (day <= month_days)
    good &= (hour <= 23) & (minute <= 59) & (second <= 59) & (year >= 1)
    # days since 1970-01-01 of the proleptic Gregorian date
    y = year - 1
    days = (
        y * 365
        + y // 4
        - y // 100
        + y // 400
        + _DAYS_BEFORE_MONTH[safe_month]
        + ((safe_month > 2) & leap)
        + day
        - 719_163
    )
    wall = ((days * 86_400 + hour * 3_600 + minute * 60 + second) * 1_000_000) + frac
    us = wall - off
    good &= (us >= MIN_US) & (us < MAX_US)
    return us, off, good


# ---------------------------------------------------------------------- instants out


def _offset_text(off_us: int) -> str:
    """An offset as ``datetime.isoformat`` writes it (``+01:00``, ``+05:45``, ``-03:30``)."""
    zone = timezone(timedelta(microseconds=off_us))
    return datetime(2000, 1, 1, tzinfo=zone).isoformat()[19:]


#: Transitions of each zone found so far: zone -> (years covered, starts in µs, offsets in µs).
_ZONES: dict[tzinfo, tuple[set[int], list[int], list[int]]] = {}
#: Zones change their offset at most once in this long (no zone of the tz database changes
#: twice in six hours), so sampling at this step and bisecting finds every change.
_STEP_US = 6 * 3600 * 1_000_000


def _offset_at(zone: tzinfo, us: int) -> int:
    offset = from_us(us, zone).utcoffset()
    assert offset is not None
    return offset // _US


def _learn_year(zone: tzinfo, year: int, starts: list[int], offsets: list[int]) -> None:
    """Add the offset changes of *zone* during UTC *year* (sampled, then found to the µs)."""
    lo = (datetime(year, 1, 1, tzinfo=UTC) - EPOCH) // _US
    hi = (datetime(year + 1, 1, 1, tzinfo=UTC) - EPOCH) // _US
    before = _offset_at(zone, lo)
    found = [(lo, before)]
    t = lo
    while t < hi:
        nxt = min(t + _STEP_US, hi)
        after = _offset_at(zone, nxt)
        if after != before:
            a, b = t, nxt  # offset(a) == before, offset(b) == after
            while b - a > 1:
                mid = (a + b) // 2
                if _offset_at(zone, mid) == before:
                    a = mid
                else:
                    b = mid
            found.append((b, after))
            before = after
        t = nxt
    merged = sorted({*zip(starts, offsets, strict=True), *found})
    starts[:] = [m[0] for m in merged]
    offsets[:] = [m[1] for m in merged]


def utc_offsets(us: I64, zone: tzinfo) -> I64:
    """The UTC offset of *zone* at each instant (µs), as ``astimezone(zone).utcoffset()`` gives it."""
    if not len(us):
        return np.zeros(0, dtype=np.int64)
    years, starts, offsets = _ZONES.setdefault(zone, (set(), [], []))
    first = int(us.min()) // (365 * DAY_US) + 1969
    last = int(us.max()) // (365 * DAY_US) + 1971
    for year in range(max(first, 1969), min(last, 2202) + 1):
        if year not in years:
            _learn_year(zone, year, starts, offsets)
            years.add(year)
    at = np.searchsorted(np.asarray(starts, dtype=np.int64), us, side="right") - 1
    return np.asarray(offsets, dtype=np.int64)[np.maximum(at, 0)]


def instant_texts(us: I64, zones: npt.NDArray[np.object_], missing: str | None) -> list[str | None]:
    """``from_us(us, zone).isoformat()`` for each element (*missing* where ``us`` is NA)."""
    n = len(us)
    out: list[str | None] = [missing] * n
    have = us != NA
    if not have.any():
        return out
    offset = np.zeros(n, dtype=np.int64)
    for zone in set(zones[have].tolist()):
        rows = np.flatnonzero(have & (zones == zone))
        offset[rows] = utc_offsets(us[rows], zone)
    wall = (us + offset)[have]
    seconds_text = np.datetime_as_string(wall.view("M8[us]").astype("M8[s]"), unit="s")
    fraction = wall % 1_000_000
    offsets, codes = np.unique(offset[have], return_inverse=True)
    offset_texts = np.asarray([_offset_text(int(o)) for o in offsets])
    texts = np.char.add(seconds_text, offset_texts[codes]).tolist()
    for i in np.flatnonzero(fraction).tolist():
        base = str(seconds_text[i])
        texts[i] = f"{base}.{int(fraction[i]):06d}{offset_texts[codes[i]]}"
    if have.all():
        return texts  # type: ignore[no-any-return]
    for pos, text in zip(np.flatnonzero(have).tolist(), texts, strict=True):
        out[pos] = text
    return out


def seconds_texts(us: I64, missing: str | None) -> list[str | None]:
    """The digits ``seconds()`` gives each duration (*missing* where NA): whole, or exact decimals."""
    have = us != NA
    whole, frac = np.divmod(np.abs(np.where(have, us, 0)), 1_000_000)
    texts: list[str | None] = np.where(us < 0, -whole, whole).astype(str).tolist()
    for i in np.flatnonzero(frac).tolist():
        value = int(us[i])
        w, f = divmod(abs(value), 1_000_000)
        sign = "-" if value < 0 else ""
        texts[i] = f"{sign}{w}.{f:06d}".rstrip("0")
    if not have.all():
        for i in np.flatnonzero(~have).tolist():
            texts[i] = missing
    return texts


# ---------------------------------------------------------------------- judging


class Plain(NamedTuple):
    """Which rows of a chunk read as tickets without a second look, and their instants."""

    ok: Bools  # the careful reader would make a ticket of the row, with no event, not in the future
    opened: I64  # opened_at in epoch µs (NA where unread)
    opened_ok: Bools
    responded: I64  # responded_at in epoch µs (NA where empty or unread)
    #: each event column the caller accepted (see *stops*): its instants in epoch µs (NA: empty)
    stops: Mapping[str, I64] = MappingProxyType({})


def plain_tickets(
    cols: Mapping[str, Sequence[str]],
    now_us: int,
    explicit_now: bool,
    stops: Sequence[str] = (),
) -> Plain:
    """The rows of *cols* (columns of text by name) that ``ticket_from_mapping`` reads as they are.

    A row is plain when its id has no space around it, no event column is
    filled, its instants are plain ISO 8601 text (:func:`parse_plain_instants`),
    the response is not before the opening, the opening not after *now*
    and (when *now* is the current time, not ``--now``) the response neither.
    The severity is only checked to be written as it is: whether the policy
    knows it is the caller's business.

    *stops* names event columns without a value column (``dispatched_at``,
    say) the caller can judge itself: a row may fill them with a plain
    instant not before the opening (and, when *now* is the current time, not
    after it), as ``Ticket`` accepts such an event; their instants come back
    in ``Plain.stops``.
    """
    ids = cols["id"]
    n = len(ids)
    if _PADDED.search("\n".join(ids)) is None:
        ok = np.ones(n, dtype=np.bool_)
    else:
        ok = np.fromiter((bool(s) and s == s.strip() for s in ids), dtype=np.bool_, count=n)
    for column in ("events", *EVENT_COLUMNS):
        events = cols.get(column)
        if events is not None and column not in stops:
            ok &= np.asarray(events, dtype=object) == ""
    severities = cols["severity"]
    if _PADDED.search("\n".join(severities)) is not None:
        ok &= np.fromiter((bool(s) and s == s.strip() for s in severities), dtype=np.bool_, count=n)
    o_us, _, o_ok = parse_plain_instants(cols["opened_at"])
    ok &= o_ok
    responded = cols.get("responded_at")
    if responded is not None:
        r_us, _, r_ok = parse_plain_instants(responded)
        ok &= r_ok | (np.asarray(responded, dtype=object) == "")
        r_us = np.where(r_ok, r_us, NA)
    else:
        r_us = np.full(n, NA, dtype=np.int64)
    ok &= o_us <= now_us
    if not explicit_now:
        ok &= (r_us == NA) | (r_us <= now_us)
    ok &= (r_us == NA) | (r_us >= o_us)
    found: dict[str, I64] = {}
    for column in stops:
        texts = cols.get(column)
        if texts is None:
            continue
        e_us, _, e_ok = parse_plain_instants(texts)
        ok &= e_ok | (np.asarray(texts, dtype=object) == "")
        e_us = np.where(e_ok, e_us, NA)
        ok &= (e_us == NA) | (e_us >= o_us)
        if not explicit_now:
            ok &= (e_us == NA) | (e_us <= now_us)
        found[column] = e_us
    return Plain(ok, o_us, o_ok, r_us, MappingProxyType(found))


class Codes(NamedTuple):
    """A chunk's severities and channels, each column coded by its distinct texts."""

    severity: I64  # per row: position in severity_text
    severity_text: list[str]
    channel: I64  # per row: position in channel_values (-1 without a channel column)
    channel_values: list[str | None]  # each text as a Ticket holds it (stripped, lower case)


def chunk_codes(cols: Mapping[str, Sequence[str]]) -> Codes:
    """The severity and channel codes of the columns *cols*."""
    index: dict[str, int] = {}
    severities = cols["severity"]
    n = len(severities)
    severity = np.fromiter(
        (index.setdefault(s, len(index)) for s in severities), dtype=np.int64, count=n
    )
    channels = cols.get("channel")
    if channels is None:
        return Codes(severity, list(index), np.full(n, -1, dtype=np.int64), [])
    ch_index: dict[str, int] = {}
    channel = np.fromiter(
        (ch_index.setdefault(c, len(ch_index)) for c in channels), dtype=np.int64, count=n
    )
    values = [None if not c or c.isspace() else c.strip().lower() for c in ch_index]
    return Codes(severity, list(index), channel, values)


def known_severities(policy: Policy, codes: Codes, rows: Bools, slow: Bools) -> list[str | None]:
    """The policy's name of each severity text (None: unknown); *rows* of an unknown one are marked *slow*."""
    canonical: list[str | None] = []
    for code, text in enumerate(codes.severity_text):
        known: str | None = None
        if text and text == text.strip():
            try:
                known = policy.severity(text)
            except SlacalcError:
                known = None
        if known is None:
            slow |= rows & (codes.severity == code)
        canonical.append(known)
    return canonical


@dataclass(slots=True)
class ChunkResult:
    """What :func:`evaluate_chunk` made of a chunk's plain rows.

    ``done[i]`` is the encoded output of row *i* (what ``RecordWriter.encode``
    gives its outcome), or None when the row is careful.
    """

    done: list[Any]


def evaluate_chunk(
    columns: Sequence[str],
    values: Sequence[Sequence[str]],
    plan: Plan | FamilyPlan,
    metric: str,
    now: datetime,
    explicit_now: bool,
    tz: tzinfo | None,
    writer: RecordWriter,
) -> ChunkResult:
    """Judge the plain rows a careful reading would accept, encode their records for *writer*."""
    cols = dict(zip(columns, values, strict=True))
    ids = cols["id"]
    n = len(ids)
    if not n:
        return ChunkResult([])
    now_us = (now - EPOCH) // _US
    plain = plain_tickets(cols, now_us, explicit_now)
    fast, o_us, r_us = plain.ok, plain.opened, plain.responded

    codes = chunk_codes(cols)

    slow = ~fast
    judged = _Rows(n)
    if metric not in CLASSIC_METRICS:
        return ChunkResult([None] * n)
    bad: list[tuple[int, str | None, object, str]] = []
    versions = _versions(plan, o_us, fast.copy(), bad, "opened_at", cols["opened_at"])
    plans, of_row = versions.plans, versions.of_row
    slow |= of_row < 0
    for v, plan_v in enumerate(plans):
        in_v = ~slow & (of_row == v)
        if not in_v.any():
            continue
        if metric not in plan_v.metrics():
            slow |= in_v
            continue
        canonical = known_severities(plan_v.policy, codes, in_v, slow)
        in_v &= ~slow
        _evaluate_fast(
            judged,
            plan_v,
            plan_v.policy,
            metric,
            in_v,
            codes.severity,
            canonical,
            codes.channel,
            codes.channel_values,
            o_us,
            r_us,
            now_us,
            slow,
        )
    slow |= judged.status == STATUSES.index("invalid")
    done = _encode(judged, ~slow, ids, metric, plan, tz, writer)
    return ChunkResult(done)


def _encode(
    judged: _Rows,
    mask: Bools,
    ids: Sequence[str],
    metric: str,
    plan: Plan | FamilyPlan,
    tz: tzinfo | None,
    writer: RecordWriter,
) -> list[Any]:
    n = len(mask)
    done: list[Any] = [None] * n
    rows = np.flatnonzero(mask)
    if not len(rows):
        return done
    csv = writer.format == "csv"
    miss = "" if csv else "null"
    zones: npt.NDArray[np.object_] = (
        judged.zone[rows] if tz is None else np.full(len(rows), tz, dtype=object)
    )
    zones[zones == None] = UTC  # noqa: E711 - element by element
    picked = rows.tolist()
    texts: dict[str, list[Any]] = {
        "id": list(ids) if len(picked) == n else [ids[i] for i in picked],
        "status": _categories(np.asarray(STATUSES, dtype=object)[judged.status[rows]], csv),
        "due_at": instant_texts(judged.due[rows], zones, None),
        "late_by_seconds": seconds_texts(judged.late[rows], miss),
        "credit_days": judged.credits[rows].astype(str).tolist(),
        "metric": _categories(np.full(len(rows), metric, dtype=object), csv),
        "class": _categories(judged.klass[rows], csv),
        "target": _categories(judged.target[rows], csv),
        "stopped_at": instant_texts(judged.stop[rows], zones, None),
        "elapsed_seconds": seconds_texts(judged.elapsed[rows], miss),
        "remaining_seconds": seconds_texts(judged.remaining[rows], miss),
        "late_by_wall_seconds": seconds_texts(judged.late_wall[rows], miss),
        "policy": _categories(judged.version[rows], csv),
        "plan": _categories(np.full(len(rows), plan.name, dtype=object), csv),
    }
    names = writer.schema.names
    for name in ("due_at", "stopped_at"):
        column = texts[name]
        texts[name] = [miss if v is None else v if csv else f'"{v}"' for v in column]
    encoded: list[Any]
    if csv:
        columns = [texts[name] for name in names]
        if any(_QUOTED.search("\x1f".join(texts[name])) for name in _TEXT_COLUMNS):
            encoded = list(zip(*columns, strict=True))  # the csv module quotes what needs it
        else:
            encoded = [",".join(row) for row in zip(*columns, strict=True)]
    else:
        column = texts["id"]
        if _PLAIN_ID.fullmatch("".join(column)):
            texts["id"] = [f'"{v}"' for v in column]
        else:
            texts["id"] = [json_string(v) for v in column]
        keys = [json_string(name) + ": " for name in names]
        escaped = [k.replace("{", "{{").replace("}", "}}") for k in keys]
        template = "{{" + ", ".join(k + "{}" for k in escaped) + "}}"
        fill = template.format
        encoded = [fill(*row) for row in zip(*(texts[name] for name in names), strict=True)]
    if len(picked) == n:
        return encoded
    for pos, item in zip(picked, encoded, strict=True):
        done[pos] = item
    return done


def _categories(values: npt.NDArray[np.object_], csv: bool) -> list[str]:
    """A column of few distinct texts (or None) encoded once per distinct value."""
    cache: dict[Any, str] = {}
    for value in set(values.tolist()):
        if value is None:
            cache[value] = "" if csv else "null"
        else:
            cache[value] = value if csv else json_string(value)
    return [cache[v] for v in values.tolist()]
