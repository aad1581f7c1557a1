"""The implementation of :mod:`slacalc.plotting` (the public face, documented there)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

try:
    import numpy as np
    import pandas as pd
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure
    from matplotlib.ticker import MaxNLocator, MultipleLocator, PercentFormatter
except ImportError as exc:  # pragma: no cover - exercised only without the extra
    msg = (
        f"slacalc.plotting needs matplotlib and pandas ({exc.name} is missing); "
        "install them with: pip install 'slacalc[plot]'"
    )
    raise ImportError(msg) from exc

from slacalc._analysis.frames import attainment, class_order, period_frequency
from slacalc._analysis.words import plural
from slacalc.exceptions import TicketError

__all__ = ["plot_attainment", "plot_credits", "plot_response_times"]

_GOAL_COLOUR = "#b2182b"
_MARKERS = ("o", "s", "D", "^", "v", "P")


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
    freq: str = "ME",
    on: str = "opened_at",
    tz: str | None = None,
    ax: Axes | None = None,
) -> Figure:
    """Share of objectives met per period, one line per severity, against a *goal* line.

    The share is met / (met + breached) per *by* group (default the
    severity) and period of *on* (see :func:`slacalc.pandas.attainment`;
    *freq* is ``"D"``, ``"W"``, ``"ME"``, ``"QE"``, ``"YE"`` or an older alias).
    Periods sit on a time axis: a period without tickets keeps its place,
    shaded, and no line is drawn across it (nor across a period where a
    group had no verdict). The share axis is zoomed to the data: from a
    little below the lowest share or the goal, whichever is lower, to 100 %.
    *goal* draws the attainment the team aims for (default 95 %: the
    policies promise response times per ticket, not a share, so this is
    yours to choose; None draws no line).
    """
    _require(outcomes, "status", by, on)
    alias, word = period_frequency(freq)
    table = attainment(outcomes, by=by, freq=alias, on=on, tz=tz)
    return attainment_figure(table, _metric_words(outcomes), goal=goal, by=by, word=word, ax=ax)


def attainment_figure(
    table: Any,
    what: str,
    *,
    goal: float | None,
    by: str,
    word: str,
    ax: Axes | None = None,
) -> Figure:
    """:func:`plot_attainment` of an :func:`~slacalc.pandas.attainment` *table* (per *by* and period).

    *what* names the metric (``initial response``), *word* the period (``month``).
    """
    figure, axes = _canvas(ax, (8.0, 4.5))
    found = [p for p in table.index.get_level_values("period") if not pd.isna(p)]
    span = pd.period_range(min(found), max(found), freq=found[0].freq) if found else None
    shares: list[float] = []
    if span is not None:
        xs = np.asarray([p.ordinal for p in span], dtype=float)
        drawn = 0
        for group, rows in table.groupby(level=by, sort=False):
            values = rows.droplevel(by)["attainment"].reindex(span).to_numpy(dtype=float)
            if np.isnan(values).all():  # no verdict in any period (or no objective at all)
                continue
            shares.extend(values[~np.isnan(values)])
            label = f"severity {group}" if by == "class" else str(group)
            # NaN where a period has no verdict: matplotlib leaves a gap there. Markers shrink
            # and change shape line by line, so points at the same place stay visible.
            axes.plot(
                xs,
                values,
                marker=_MARKERS[drawn % len(_MARKERS)],
                markersize=max(4.0, 8.0 - 1.0 * drawn),
                linewidth=2,
                label=label,
                zorder=2 + drawn,
            )
            drawn += 1
        empty = sorted(set(span) - set(found))
        for period in empty:
            axes.axvspan(
                period.ordinal - 0.5, period.ordinal + 0.5, color="#000000", alpha=0.05, linewidth=0
            )
        if empty:
            axes.plot(
                [], [], color="#000000", alpha=0.15, linewidth=8, label=f"no tickets that {word}"
            )
        _period_ticks(axes, span, word)
    if goal is not None:
        axes.axhline(goal, color="#222222", linestyle="--", linewidth=1.5, label=f"goal {goal:.0%}")
    lower = _share_floor([*shares, *([] if goal is None else [goal])])
    pad = (1 - lower) * 0.04  # markers at the limits drawn whole
    axes.set_ylim(lower - pad, 1 + pad)
    axes.yaxis.set_major_locator(MultipleLocator(_share_step(1 - lower)))
    axes.yaxis.set_major_formatter(PercentFormatter(1.0, decimals=0))
    first_day = " (labelled by its first day)" if word == "week" else ""
    axes.set_xlabel(f"{word} the ticket was opened{first_day}")
    axes.set_ylabel("objectives met (met ÷ met + breached)")
    severity = "severity" if by == "class" else by
    axes.set_title(f"{what.capitalize()}: objectives met per {severity}, by {word}")
    axes.grid(axis="y", alpha=0.3)
    axes.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize="small", frameon=False)
    return figure


def _share_floor(values: Sequence[float]) -> float:
    """The bottom of the share axis: 2 points below the lowest value, down to a multiple of 5 %."""
    if not values:
        return 0.0
    low = min(values) - 0.02
    return max(0.0, float(np.floor(round(low * 20, 9)) / 20))


def _share_step(extent: float) -> float:
    """A round tick step for a share axis *extent* wide: 5 points up to 30 %, then 10 or 20."""
    return 0.05 if extent <= 0.3 else 0.1 if extent <= 0.6 else 0.2


def _period_ticks(axes: Axes, span: Any, word: str) -> None:
    """Ticks at the periods of *span* (ordinals on the x axis), thinned to about a dozen labels."""
    step = max(1, int(np.ceil(len(span) / 12)))
    shown = list(span)[::step]
    labels = [
        p.start_time.strftime("%Y-%m-%d") if word in ("week", "day") else str(p) for p in shown
    ]
    axes.set_xticks([p.ordinal for p in shown], labels)
    axes.set_xlim(span[0].ordinal - 0.5, span[-1].ordinal + 0.5)
    if len(shown) > 6 and word in ("week", "day"):
        for label in axes.get_xticklabels():
            label.set_rotation(30)
            label.set_horizontalalignment("right")


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
    samples = []
    for group in class_order(outcomes, stopped[by].dropna().unique()):
        rows = stopped[stopped[by] == group]
        samples.append((group, rows["elapsed"], rows["objective"]))
    return response_figure(samples, _metric_words(outcomes), by=by, bins=bins, figure=figure)


def response_figure(
    samples: Sequence[tuple[Any, Any, Any]],
    what: str,
    *,
    by: str = "class",
    bins: int = 30,
    figure: Figure | None = None,
) -> Figure:
    """:func:`plot_response_times` of *samples*: per group, in panel order, its times and objectives.

    Each sample is ``(group, elapsed, objective)``, the two as Series of
    durations of the tickets whose clock stopped; *what* names the metric.
    """
    groups = [group for group, _, _ in samples]
    if figure is None:
        figure = Figure(figsize=(max(4.0, 3.2 * max(len(groups), 1)), 3.8), layout="constrained")
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
    for axes, (group, elapsed, objectives) in zip(panels, samples, strict=True):
        hours = (elapsed / hour).to_numpy(dtype=float)
        objective = float((objectives / hour).median())
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
        axes.set_title(f"{label}: {plural(len(hours), 'ticket')}, {late} late", fontsize="medium")
        axes.set_xlabel("business hours")
        axes.yaxis.set_major_locator(MaxNLocator(integer=True))
    panels[0].set_ylabel("tickets")
    figure.suptitle(f"Business time to {what} (clock stopped; objective dashed)")
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
    sums = outcomes.groupby(by, dropna=False, sort=False)["credit_days"].sum()
    return credits_figure(sums, by=by, top=top, ax=ax)


def credits_figure(
    sums: Any, *, by: str = "customer", top: int = 15, ax: Axes | None = None
) -> Figure:
    """:func:`plot_credits` of *sums*: the credit days per *by* group, groups in order of appearance."""
    totals = sums.astype("int64").sort_values(ascending=False)
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
    axes.bar_label(bars, fmt="{:,.0f}", padding=3, fontsize="small")
    axes.set_xlabel("credit days (days added to the term)")
    axes.set_ylabel(word)
    axes.xaxis.set_major_locator(MaxNLocator(integer=True))
    axes.margins(x=0.1)
    return figure
