"""Plots of evaluated tickets: attainment over time, response times, credits owed.

An optional integration: ``pip install 'slacalc[plot]'`` (matplotlib and
pandas). Each function takes what :func:`slacalc.pandas.evaluate_frame`
returned and gives back a :class:`matplotlib.figure.Figure`, drawn without
``pyplot`` (so it works on a headless server and leaves no global state);
pass ``ax=`` to draw into an existing axes instead. Save one with
``fig.savefig("attainment.png")``; in a notebook, ``%matplotlib inline``
shows it.
"""

from __future__ import annotations

from slacalc._analysis.plots import (
    plot_attainment,
    plot_credits,
    plot_response_times,
)

__all__ = [
    "plot_attainment",
    "plot_credits",
    "plot_response_times",
]
