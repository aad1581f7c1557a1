"""The implementation of :mod:`slacalc.plotting` (the public face, documented there)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

try:
    import numpy as np
    import pandas as pd
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure
    from matplotlib.ticker import MaxNLocator, PercentFormatter
except ImportError as exc:  # pragma: no cover - exercised only without the extra
    msg = (
        f"slacalc.plotting needs matplotlib and pandas ({exc.name} is missing); "
        "install them with: pip install 'slacalc[plot]'"
    )
    raise ImportError(msg) from exc

from slacalc._analysis.frames import attainment
from slacalc.exceptions import TicketError

__all__ = ["plot_attainment", "plot_credits", "plot_response_times"]

_PERIOD_WORDS = {"M": "month", "Q": "quarter", "W": "week", "D": "day", "Y": "year"}
_GOAL_COLOUR = "#b2182b"


def _metric_words(outcomes: Any) -> str:
    metric = outcomes.attrs.get("slacalc", {}).get("metric", "initial_response")
    return str(metric).replace("_", " ")


def _canvas(ax: Axes | None, size: tuple[float, float]) -> tuple[Figure, Axes]:
    if ax is not None:
        figure = ax.get_figure()
        if not isinstance(figure, Figure):  # pragma: no cover - a SubFigure's axes
            figure = ax.figure.figure
        return figure, ax
    figure = Figure(figsize=size, layout="constrained")
    return figure, figure.add_subplot()


def _require(outcomes: Any, *columns: str) -> None:
    missing = [c for c in columns if c not in outcomes.columns]
    if missing:
        msg = (
            f"outcomes: the frame has no column {missing[0]!r}; "
            "expected the result of slacalc.pandas.evaluate_frame"
        )
        raise TicketError(msg)


def plot_attainment(
    outcomes: Any,
    *,
    goal: float | None = 0.95,
    by: str = "class",
    freq: str = "M",
    on: str = "opened_at",
    tz: str | None = None,
    ax: Axes | None = None,
) -> Figure:
    """Share of objectives met per period, one line per severity, against a *goal* line.

    The share is met / (met + breached) per *by* group (default the
    severity) and period of *on* (see :func:`slacalc.pandas.attainment`).
    *goal* draws the attainment the team aims for (default 95 %: the
    policies promise response times per ticket, not a share, so this is
    yours to choose; None draws no line).
    """
    _require(outcomes, "status", by, on)
    table = attainment(outcomes, by=by, freq=freq, on=on, tz=tz)
    figure, axes = _canvas(ax, (8.0, 4.5))
    periods = sorted({p for p in table.index.get_level_values("period") if not pd.isna(p)})
    positions = {p: i for i, p in enumerate(periods)}
    for group, rows in table.groupby(level=by, sort=True):
        rows = rows.droplevel(by)
        points = [
            (positions[p], share)
            for p, share in rows["attainment"].items()
            if p in positions and not pd.isna(share)
        ]
        if not points:  # no verdict yet in any period (or no objective at all)
            continue
        xs, ys = zip(*points, strict=True)
        label = f"severity {group}" if by == "class" else str(group)
        axes.plot(xs, ys, marker="o", linewidth=2, label=label)
    if goal is not None:
        axes.axhline(
            goal, color=_GOAL_COLOUR, linestyle="--", linewidth=1.5, label=f"goal {goal:.0%}"
        )
    word = _PERIOD_WORDS.get(freq.rstrip("SE")[:1].upper(), "period")
    axes.set_xticks(range(len(periods)), [str(p) for p in periods])
    axes.set_ylim(0, 1.05)
    axes.yaxis.set_major_formatter(PercentFormatter(1.0))
    axes.set_xlabel(f"{word} the ticket was opened")
    axes.set_ylabel("objectives met (met ÷ met + breached)")
    severity = "severity" if by == "class" else by
    axes.set_title(
        f"{_metric_words(outcomes).capitalize()}: objectives met per {severity}, by {word}"
    )
    axes.grid(axis="y", alpha=0.3)
    axes.legend(loc="lower left", fontsize="small", ncols=2)
    return figure


def plot_response_times(
    outcomes: Any,
    *,
    by: str = "class",
    bins: int = 30,
    figure: Figure | None = None,
) -> Figure:
    """Distribution of business time to the stop of the clock, one panel per severity, objective marked.

    Only tickets whose clock stopped (answered ones, for the initial
    response) are counted; times are business hours on the target's
    calendar (the ``elapsed`` column). Each panel marks the severity's
    objective with a dashed line; times beyond three objectives are counted
    in the last bar.
    """
    _require(outcomes, "elapsed", "stopped_at", "objective", by)
    stopped = outcomes[outcomes["stopped_at"].notna() & outcomes["objective"].notna()]
    groups = sorted(stopped[by].dropna().unique(), key=str)
    if figure is None:
        figure = Figure(figsize=(max(4.0, 3.2 * max(len(groups), 1)), 3.8), layout="constrained")
    what = _metric_words(outcomes)
    if not groups:
        axes = figure.add_subplot()
        axes.text(
            0.5,
            0.5,
            "no ticket with an objective has stopped its clock yet",
            ha="center",
            va="center",
        )
        axes.set_axis_off()
        figure.suptitle(f"Business time to {what} per severity")
        return figure
    panels: Sequence[Axes] = figure.subplots(1, len(groups), squeeze=False)[0]
    hour = pd.Timedelta(hours=1)
    for axes, group in zip(panels, groups, strict=True):
        rows = stopped[stopped[by] == group]
        hours = (rows["elapsed"] / hour).to_numpy(dtype=float)
        objective = float((rows["objective"] / hour).median())
        top = max(3 * objective, 1e-9)
        axes.hist(
            np.minimum(hours, top), bins=bins, range=(0, top), color="#4393c3", edgecolor="white"
        )
        axes.axvline(objective, color=_GOAL_COLOUR, linestyle="--", linewidth=1.5)
        axes.annotate(
            f"objective {objective:g} h",
            xy=(objective, 1),
            xycoords=("data", "axes fraction"),
            xytext=(4, -4),
            textcoords="offset points",
            va="top",
            color=_GOAL_COLOUR,
            fontsize="small",
        )
        late = int((hours > objective).sum())
        label = f"severity {group}" if by == "class" else str(group)
        axes.set_title(f"{label}: {len(rows)} tickets, {late} late", fontsize="medium")
        axes.set_xlabel("business hours")
        axes.yaxis.set_major_locator(MaxNLocator(integer=True))
    panels[0].set_ylabel("tickets")
    figure.suptitle(f"Business time to {what} per severity (clock stopped; objective dashed)")
    return figure


def plot_credits(
    outcomes: Any,
    *,
    by: str = "customer",
    top: int = 15,
    ax: Axes | None = None,
) -> Figure:
    """Service credit days owed per customer (or any *by* column), largest first, the *top* ones."""
    _require(outcomes, "credit_days", by)
    totals = (
        outcomes.groupby(by, dropna=False, sort=False)["credit_days"]
        .sum()
        .astype("int64")
        .sort_values(ascending=False)
    )
    totals = totals[totals > 0].head(top)
    figure, axes = _canvas(ax, (8.0, max(2.5, 0.4 * len(totals) + 1.5)))
    word = "customer" if by == "customer" else by
    axes.set_title(
        f"Service credit days owed per {word}" + (f" (top {top})" if len(totals) == top else "")
    )
    if totals.empty:
        axes.text(0.5, 0.5, "no credits owed", ha="center", va="center", transform=axes.transAxes)
        axes.set_axis_off()
        return figure
    names = [str(n) for n in totals.index[::-1]]
    values = totals.to_numpy()[::-1]
    bars = axes.barh(names, values, color="#d6604d")
    axes.bar_label(bars, padding=3, fontsize="small")
    axes.set_xlabel("credit days (days added to the term)")
    axes.set_ylabel(word)
    axes.xaxis.set_major_locator(MaxNLocator(integer=True))
    axes.margins(x=0.1)
    return figure
