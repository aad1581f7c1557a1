"""The implementation of :mod:`slacalc.pandas` (the public face, documented there)."""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Mapping, Sequence
from datetime import UTC, datetime, tzinfo
from typing import TYPE_CHECKING, Any, Literal, NamedTuple, overload

try:
    import numpy as np
    import pandas as pd
except ImportError as exc:  # pragma: no cover - exercised only without the extra
    msg = (
        f"slacalc.pandas needs pandas and numpy ({exc.name} is missing); "
        "install them with: pip install 'slacalc[pandas]'"
    )
    raise ImportError(msg) from exc

from slacalc._analysis.vectorised import (
    FIELDS,
    NA,
    OUTCOME_COLUMNS,
    STATUSES,
    TEXT_DTYPE,
    evaluate_columns,
    output_zone,
    parse_instants,
    plan_metrics,
    resolve_plan,
)
from slacalc._analysis.words import plural
from slacalc._engine.calendar import resolve_tz, to_us
from slacalc._files.tickets import parse_instant
from slacalc._typing import METRICS
from slacalc.exceptions import TicketError, UnknownFrequencyError, UnknownMetricError

if TYPE_CHECKING:
    from slacalc._policies.model import FamilyPlan, Plan, Policy, PolicyFamily

__all__ = [
    "BAD_COLUMNS",
    "OUTCOME_COLUMNS",
    "STATUSES",
    "BadRowsError",
    "FrameResult",
    "attainment",
    "evaluate_frame",
    "what_if",
]

#: The columns of a bad-rows frame (its index holds the rows' labels in the input).
BAD_COLUMNS: tuple[str, ...] = ("position", "column", "value", "message")

_REQUIRED = ("opened_at", "severity")

#: The label of a group of tickets without a class: no objective applies (e.g. a community channel).
NO_OBJECTIVE = "no objective"
#: The label of a group of bad rows in the class column of an attainment table.
INVALID = "invalid"

_WEEKDAYS = ("MON", "TUE", "WED", "THU", "FRI", "SAT", "SUN")
# Accepted period aliases (upper case) -> (pandas Period alias, word). pandas 2.2 renamed the
# offset aliases M, Q, Y to ME, QE, YE (offsets end a period) but Periods still spell them
# M, Q, Y, and refuse the new names; both spellings, the start-anchored ones and plain words
# all mean the same calendar period here.
_FREQUENCIES: dict[str, tuple[str, str]] = {
    **dict.fromkeys(("D", "DAY"), ("D", "day")),
    **dict.fromkeys(("W", "WEEK"), ("W", "week")),
    **{f"W-{day}": (f"W-{day}", "week") for day in _WEEKDAYS},
    **dict.fromkeys(("M", "ME", "MS", "MONTH"), ("M", "month")),
    **dict.fromkeys(("Q", "QE", "QS", "QUARTER"), ("Q", "quarter")),
    **dict.fromkeys(("Y", "YE", "YS", "YEAR"), ("Y", "year")),
}
FREQUENCIES_ACCEPTED = (
    "a period alias: D (day), W (week; W-MON ... W-SUN name its last day), "
    "ME or M (month), QE or Q (quarter), YE or Y (year); "
    "MS, QS, YS and the words day, week, month, quarter, year are read too"
)

Errors = Literal["raise", "collect", "mark"]


class FrameResult(NamedTuple):
    """What ``evaluate_frame(..., errors="collect")`` returns.

    ``outcomes`` is the input frame with the outcome columns (every row:
    a bad one has status ``invalid`` and empty outcome cells); ``bad`` lists
    each problem found, one row per problem, indexed by the input row's label
    (columns ``position``, ``column``, ``value``, ``message``). Unpacks as
    ``outcomes, bad = evaluate_frame(..., errors="collect")``.
    """

    outcomes: Any
    bad: Any


class BadRowsError(TicketError):
    """Some rows of a frame could not be evaluated; :attr:`bad` is the frame listing every one.

    Raised by ``evaluate_frame`` with ``errors="raise"`` (the default). The
    message names the first few rows; ``bad`` has them all, one row per
    problem (columns ``position``, ``column``, ``value``, ``message``).
    """

    def __init__(self, message: str, bad: Any) -> None:
        super().__init__(message)
        self.bad = bad

    def __reduce__(self) -> tuple[Any, ...]:
        return (type(self), (str(self), self.bad))


# ---------------------------------------------------------------------- evaluate_frame


@overload
def evaluate_frame(
    df: Any,
    policy: str | Policy | PolicyFamily | None = ...,
    plan: str | Plan | FamilyPlan | None = ...,
    columns: Mapping[str, Hashable] | None = ...,
    now: datetime | str | None = ...,
    metric: str = ...,
    *,
    errors: Literal["raise", "mark"] = ...,
    prefix: str = ...,
    tz: str | tzinfo | None = ...,
) -> Any: ...


@overload
def evaluate_frame(
    df: Any,
    policy: str | Policy | PolicyFamily | None = ...,
    plan: str | Plan | FamilyPlan | None = ...,
    columns: Mapping[str, Hashable] | None = ...,
    now: datetime | str | None = ...,
    metric: str = ...,
    *,
    errors: Literal["collect"],
    prefix: str = ...,
    tz: str | tzinfo | None = ...,
) -> FrameResult: ...


def evaluate_frame(
    df: Any,
    policy: str | Policy | PolicyFamily | None = None,
    plan: str | Plan | FamilyPlan | None = None,
    columns: Mapping[str, Hashable] | None = None,
    now: datetime | str | None = None,
    metric: str = "initial_response",
    *,
    errors: Errors = "raise",
    prefix: str = "",
    tz: str | tzinfo | None = None,
) -> Any:
    """Judge every ticket of *df* against *plan*: the input rows with the outcome columns added.

    *policy* is a built-in name, a policy file path, a loaded policy or a
    policy family (a family judges each ticket by the version in force when
    it was opened); *plan* is a plan name in it, or a plan object (then
    *policy* may be None). *columns* maps the ticket fields ``id``,
    ``opened_at``, ``severity``, ``responded_at``, ``channel`` (and the
    optional ``events``, ``escalated_at``, ``escalation``,
    ``escalation_responded_at``, ``dispatched_at``, ``resolved_at``) to the
    frame's column names; unmapped fields are looked up under their own name,
    and without an ``id`` column the index labels are the ids. Instants are
    timezone-aware ``datetime64`` columns, ISO 8601 text with an offset, or
    aware ``datetime`` objects; a naive one makes a bad row, never a local time.
    *now* (default: the current time, read once) is the instant pending
    tickets are judged at: pass it explicitly when the frame is split into
    partitions, so that every partition uses the same one.

    The result keeps the input's index, columns and order and adds, named
    with *prefix* in front: ``status`` (met, breached, pending,
    not_applicable; ``invalid`` for a bad row), ``class``, ``target`` (in
    words), ``objective`` (the allowed business time), ``due_at``,
    ``stopped_at``, ``elapsed``, ``remaining``, ``late_by``,
    ``late_by_wall``, ``credit_days`` and ``policy_version``. Each value is
    the one :meth:`Plan.evaluate` gives for the row's ticket and *metric*.
    Instants are in the zone of the plan's calendars (UTC when they differ),
    or in *tz* (a zone name or a ``tzinfo``; ``tz="UTC"`` for a database that
    stores UTC; an unknown name raises ``UnknownTimeZoneError``).
    Sub-microsecond parts of ``datetime64[ns]`` values are dropped.

    Bad rows (missing or unreadable instants, naive ones, an unknown
    severity, a response before opening, ``now`` before opening, no policy
    version in force …) are never dropped silently. *errors* says what
    happens to them: ``"raise"`` (default) raises :class:`BadRowsError`
    whose ``bad`` frame lists every one; ``"collect"`` returns a
    :class:`FrameResult` ``(outcomes, bad)``; ``"mark"`` returns one frame
    in which bad rows have status ``invalid`` and an extra ``error`` column
    gives the reason (handy inside Dask or Spark, where one frame comes back).

    Tickets without events are evaluated with NumPy look-ups over the
    compiled calendar; rows with events take the row-by-row path.
    """
    if errors not in ("raise", "collect", "mark"):
        msg = f"errors: invalid value {errors!r}; expected 'raise', 'collect' or 'mark'"
        raise TicketError(msg)
    if metric not in METRICS:
        raise UnknownMetricError.for_name(metric, METRICS)
    target_plan = resolve_plan(policy, plan)
    _check_metric(target_plan, metric)
    names = _column_names(df, columns)
    out_names = [prefix + c for c in OUTCOME_COLUMNS] + (
        [prefix + "error"] if errors == "mark" else []
    )
    clash = [c for c in out_names if c in df.columns]
    if clash:
        msg = (
            f"columns: the frame already has a column {clash[0]!r}; "
            "expected a prefix for the outcome columns, e.g. prefix='sla_'"
        )
        raise TicketError(msg)
    moment = _now(now)
    zone = output_zone(target_plan, metric, tz)
    result = evaluate_columns(df, target_plan, names, moment, metric)
    index = df.index
    out = df.copy(deep=False)
    for name, values in _outcome_series(result.columns, index, zone).items():
        out[prefix + name] = values
    out.attrs = {
        **df.attrs,
        "slacalc": {
            "plan": target_plan.name,
            "metric": metric,
            "now": moment.isoformat(),
            "classes": _policy_classes(target_plan, metric),
        },
    }
    bad = _bad_frame(result.bad, index)
    if errors == "mark":
        messages = np.full(len(df), None, dtype=object)
        for pos, message in zip(bad["position"], bad["message"], strict=True):
            current = messages[pos]
            messages[pos] = message if current is None else f"{current}; {message}"
        out[prefix + "error"] = pd.Series(messages, index=index, dtype=TEXT_DTYPE)
        return out
    if errors == "collect":
        return FrameResult(out, bad)
    if len(bad):
        raise BadRowsError(_bad_message(bad), bad)
    return out


def _policy_classes(plan: Plan | FamilyPlan, metric: str) -> list[str]:
    """The classes of *metric* in the policy's order (most severe first), over every version."""
    order: list[str] = []
    for version in plan_metrics(plan):
        policy = version.policy
        names = (
            policy.escalation_classes if metric == "escalation_response" else policy.severity_names
        )
        order += [name for name in names if name not in order]
    return order


def class_order(outcomes: Any, classes: Iterable[Any]) -> list[Any]:
    """*classes* in the policy's order (kept by evaluate_frame in ``attrs``), others after, numbers in number order."""
    known = list(outcomes.attrs.get("slacalc", {}).get("classes", ()))
    given = list(dict.fromkeys(classes))
    first = [c for c in known if c in given]
    return first + sorted((c for c in given if c not in first), key=_natural)


def joined_attrs(outcomes: Any, attrs: Mapping[str, Any], classes: Iterable[Any]) -> None:
    """Give *outcomes*, joined from parts, the ``attrs`` of *attrs* and every part's *classes*.

    *classes* are the parts' ``attrs`` classes one after the other (each in
    its policy's order): the joined frame keeps that order, as one
    :func:`evaluate_frame` call would.
    """
    known = list(dict.fromkeys(classes))
    outcomes.attrs = {**attrs, "slacalc": {**attrs.get("slacalc", {}), "classes": known}}
    outcomes.attrs["slacalc"]["classes"] = class_order(outcomes, known)


def _check_metric(plan: Plan | FamilyPlan, metric: str) -> None:
    targeted = {m for p in plan_metrics(plan) for m in p.metrics()}
    if metric not in targeted:
        order: dict[str, int] = {m: i for i, m in enumerate(METRICS)}  # built-ins first
        raise UnknownMetricError.for_name(
            metric, sorted(targeted, key=lambda m: (order.get(m, len(order)), m))
        )


def _column_names(df: Any, columns: Mapping[str, Hashable] | None) -> dict[str, Hashable | None]:
    given = dict(columns or {})
    unknown = [k for k in given if k not in FIELDS]
    if unknown:
        msg = f"columns: unknown ticket field {unknown[0]!r}; expected one of {', '.join(FIELDS)}"
        raise TicketError(msg)
    names: dict[str, Hashable | None] = {}
    for name in FIELDS:
        key = given.get(name, name)
        if key in df.columns:
            names[name] = key
        elif name in given or name in _REQUIRED:
            shown = ", ".join(map(str, df.columns))
            msg = (
                f"columns: {name} is read from column {key!r}, which the frame does not have; "
                f"expected one of its columns ({shown}), named in columns={{{name!r}: ...}}"
            )
            raise TicketError(msg)
        else:
            names[name] = None
    return names


def _now(now: datetime | str | None) -> datetime:
    if now is None:
        return datetime.now(UTC)
    moment = parse_instant("now", now) if isinstance(now, str) else now
    to_us(moment, "now")
    return moment


def _instants(values: Any, index: Any, zone: str | tzinfo) -> Any:
    series = pd.Series(values.view("M8[us]"), index=index)
    return series.dt.tz_localize("UTC").dt.tz_convert(zone)


def _outcome_series(columns: dict[str, Any], index: Any, zone: str | tzinfo) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for name, values in columns.items():
        if name in ("due_at", "stopped_at"):
            out[name] = _instants(values, index, zone)
        elif name in ("objective", "elapsed", "remaining", "late_by", "late_by_wall"):
            out[name] = pd.Series(values.view("m8[us]"), index=index)
        elif name == "credit_days":
            array = pd.arrays.IntegerArray(np.where(values == NA, 0, values), values == NA)
            out[name] = pd.Series(array, index=index)
        else:
            out[name] = pd.Series(values, index=index, dtype=TEXT_DTYPE)
    return out


def _bad_frame(bad: list[tuple[int, str | None, object, str]], index: Any) -> Any:
    positions = np.asarray([b[0] for b in bad], dtype=np.int64)
    frame = pd.DataFrame(
        {
            "position": positions,
            "column": pd.Series([b[1] for b in bad], dtype=object),
            "value": pd.Series([b[2] for b in bad], dtype=object),
            "message": pd.Series([b[3] for b in bad], dtype=object),
        }
    )
    frame.index = index.take(positions)
    return frame


def _bad_message(bad: Any, shown: int = 5) -> str:
    lines = [
        f"row {label!r}{'' if column is None else f' (column {column!r})'}: {message}"
        for label, column, message in zip(
            list(bad.index[:shown]), bad["column"][:shown], bad["message"][:shown], strict=True
        )
    ]
    more = len(bad) - shown
    tail = f"; and {more} more" if more > 0 else ""
    return (
        f"{plural(len(bad), 'problem')} in {plural(bad['position'].nunique(), 'row')} of the frame: "
        + "; ".join(lines)
        + tail
        + "; pass errors='collect' to get them all as a frame"
    )


# ---------------------------------------------------------------------- attainment


def period_frequency(freq: object, field: str = "freq") -> tuple[str, str]:
    """The pandas Period alias for *freq*, and the period's name in words (``("M", "month")``).

    Accepts pandas' current offset aliases (``"ME"``, ``"QE"``, ``"YE"``),
    the older ``"M"``, ``"Q"``, ``"Y"``, the start-anchored ``"MS"``, ``"QS"``,
    ``"YS"``, ``"D"``, ``"W"`` and ``"W-MON"`` … ``"W-SUN"``, the words
    ``day`` … ``year``, in any case, and pandas offsets of those kinds; anything
    else raises :class:`~slacalc.exceptions.UnknownFrequencyError` naming *field*.
    """
    text = getattr(freq, "freqstr", freq)
    found = _FREQUENCIES.get(text.strip().upper()) if isinstance(text, str) else None
    if found is None:
        raise UnknownFrequencyError.for_name(freq, FREQUENCIES_ACCEPTED, field)
    return found


def attainment(
    outcomes: Any,
    by: str | Sequence[str] | None = "class",
    freq: str | None = "ME",
    *,
    on: str = "opened_at",
    tz: str | tzinfo | None = None,
    prefix: str = "",
) -> Any:
    """Share of objectives met, per group and period, with counts per status and credit totals.

    *outcomes* is what :func:`evaluate_frame` returned. Rows are grouped by
    the columns *by* (default the severity class; a name is looked up with
    *prefix* first, so ``"class"`` finds ``"extended.class"`` in a
    :func:`what_if` frame) and by the period (``freq``: ``"D"``, ``"W"``,
    ``"ME"`` or ``"M"``, ``"QE"`` or ``"Q"``, ``"YE"`` or ``"Y"``, see
    :func:`period_frequency`; None for no periods) in which the column *on*
    falls. Periods are read in *tz* (a zone name or a ``tzinfo``), by default the zone of the ``due_at``
    column (the plan's calendars), so a month is the calendar's month.
    Tickets without a class are grouped under ``"no objective"`` (no
    objective applies, e.g. on a community channel) and bad rows under
    ``"invalid"``; these groups come after the classes.

    Columns: ``tickets``, one count per status (``met``, ``breached``,
    ``pending``, ``not_applicable``, ``invalid``), ``attainment``
    (met / (met + breached): pending and not-applicable tickets have no
    verdict yet; NaN when there is none) and ``credit_days`` (the sum).

    >>> import pandas as pd
    >>> frame = pd.DataFrame({
    ...     "opened_at": pd.to_datetime(["2026-01-05 09:00", "2026-01-06 09:00", "2026-02-02 09:00"]).tz_localize("Europe/Zurich"),
    ...     "class": ["1", "1", "1"],
    ...     "status": ["met", "breached", "met"],
    ...     "credit_days": [0, 3, 0],
    ... })
    >>> attainment(frame)[["tickets", "met", "breached", "attainment", "credit_days"]]
                tickets  met  breached  attainment  credit_days
    class period
    1     2026-01        2    1         1         0.5            3
          2026-02        1    1         0         1.0            0
    """
    keys = [by] if isinstance(by, str) else list(by or ())
    period = None if freq is None else period_frequency(freq)[0]
    status_name = prefix + "status"
    names = [prefix + key if prefix + key in outcomes.columns else key for key in keys]
    absent = [n for n in [status_name, *names] if n not in outcomes.columns]
    if absent:
        msg = (
            f"attainment: the frame has no column {absent[0]!r}; expected the result of "
            f"evaluate_frame{' (with prefix ' + repr(prefix) + ')' if prefix else ''}"
        )
        raise TicketError(msg)
    status = outcomes[status_name]
    class_name = prefix + "class"
    grouping: list[Any] = [
        _class_labels(outcomes[name], status, key, outcomes)
        if name == class_name
        else pd.Index(outcomes[name].array, name=key)
        for key, name in zip(keys, names, strict=True)
    ]
    if period is not None:
        grouping.append(_periods(outcomes, on, period, tz, prefix))
    counts = pd.DataFrame(
        {s: np.asarray(status == s, dtype=np.int64) for s in STATUSES}, index=outcomes.index
    )
    counts.insert(0, "tickets", 1)
    credit_name = prefix + "credit_days"
    if credit_name in outcomes.columns:
        counts["credit_days"] = np.asarray(outcomes[credit_name].fillna(0), dtype=np.int64)
    else:
        counts["credit_days"] = 0
    if grouping:
        table = counts.groupby(grouping, dropna=False, sort=True, observed=True).sum()
        table.index = _plain_levels(table.index)
    else:
        table = counts.sum().to_frame("all").T
    return with_share(table)


def with_share(table: Any) -> Any:
    """*table* of counts (``tickets``, one per status, ``credit_days``) with the ``attainment`` column.

    The share met / (met + breached), NaN where no ticket has a verdict, put
    after the counts per status as :func:`attainment` puts it (*table* is changed).
    """
    judged = table["met"] + table["breached"]
    share = table["met"] / judged.where(judged > 0)
    table.insert(len(STATUSES) + 1, "attainment", share.astype(float))
    return table


def _class_labels(classes: Any, status: Any, name: str, outcomes: Any) -> Any:
    """The class column with its gaps named ``no objective`` (``invalid`` for a bad row), sorted last.

    A categorical key, so that groupby sorts the classes in the policy's order
    (most severe first) and the two labels after them.
    """
    values = classes.to_numpy(dtype=object, na_value=None, copy=True)
    missing = pd.isna(values)
    known = class_order(outcomes, pd.unique(values[~missing]))
    bad = np.asarray(status == "invalid", dtype=bool)
    values[missing & bad] = INVALID
    values[missing & ~bad] = NO_OBJECTIVE
    labels = [label for label in (NO_OBJECTIVE, INVALID) if label not in known]
    categories = pd.Categorical(values, categories=known + labels, ordered=True)
    return pd.CategoricalIndex(categories, name=name)


def _natural(value: object) -> tuple[int, int, str]:
    """Sort key putting numbered classes in number order (2 before 10), names after them."""
    text = str(value)
    return (0, int(text), text) if text.isdigit() else (1, 0, text)


def _plain_levels(index: Any) -> Any:
    """*index* with categorical levels turned back into plain ones (text, as in the input)."""
    if isinstance(index, pd.MultiIndex):
        levels = [
            level.astype(object) if isinstance(level, pd.CategoricalIndex) else level
            for level in index.levels
        ]
        return index.set_levels(levels)
    return index.astype(object) if isinstance(index, pd.CategoricalIndex) else index


def _periods(outcomes: Any, on: str, freq: str, tz: str | tzinfo | None, prefix: str) -> Any:
    if on not in outcomes.columns:
        msg = f"on: the frame has no column {on!r}; expected the column of opening instants"
        raise TicketError(msg)
    zone: Any = None
    if tz is not None:
        resolved = resolve_tz(tz)
        zone = tz.strip() if isinstance(tz, str) else resolved
    if zone is None:
        for name in (prefix + "due_at", on):
            dtype = outcomes[name].dtype if name in outcomes.columns else None
            if isinstance(dtype, pd.DatetimeTZDtype):
                zone = dtype.tz
                break
    instants = parse_instants(outcomes[on], on)
    wall = pd.DatetimeIndex(instants.us.view("M8[us]"))
    wall = wall.tz_localize("UTC").tz_convert(zone or "UTC").tz_localize(None)
    return wall.to_period(freq).rename("period")


# ---------------------------------------------------------------------- what_if


def what_if(
    df: Any,
    policy: str | Policy | PolicyFamily | None,
    plans: Iterable[str | Plan | FamilyPlan],
    columns: Mapping[str, Hashable] | None = None,
    now: datetime | str | None = None,
    metric: str = "initial_response",
    *,
    errors: Literal["raise", "mark"] = "raise",
    tz: str | tzinfo | None = None,
) -> Any:
    """The same tickets under several plans, side by side.

    The input frame with, for each plan, the outcome columns of
    :func:`evaluate_frame` named ``"<plan>.<column>"`` (``extended.status``,
    ``custom.credit_days`` …), all judged at the same *now*, with instants
    in *tz* when given (as in :func:`evaluate_frame`). Summarise one plan
    with ``attainment(result, prefix="extended.")``.
    """
    moment = _now(now)
    out = df.copy(deep=False)
    for plan in plans:
        name = plan if isinstance(plan, str) else plan.name
        evaluated = evaluate_frame(
            df,
            policy,
            plan,
            columns,
            moment,
            metric,
            errors=errors,
            prefix=f"{name}.",
            tz=tz,
        )
        for column in evaluated.columns[len(df.columns) :]:
            out[column] = evaluated[column]
    return out
