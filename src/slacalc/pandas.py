"""slacalc for DataFrames: a frame of tickets in, the same frame with outcome columns out.

An optional integration: ``pip install 'slacalc[pandas]'``. Nothing here is
imported by ``import slacalc``.

>>> import pandas as pd
>>> from slacalc.pandas import evaluate_frame
>>> tickets = pd.DataFrame({
...     "id": ["T-1", "T-2"],
...     "opened_at": ["2026-04-02T18:00:00+02:00", "2026-03-02T09:00:00+01:00"],
...     "severity": ["sev2", 1],
...     "responded_at": ["2026-04-07T08:20:00+02:00", "2026-03-02T09:45:00+01:00"],
... })
>>> out = evaluate_frame(tickets, "zitadel-2023", "extended", now="2026-05-01T00:00:00+02:00")
>>> out[["id", "status", "due_at", "late_by", "credit_days"]]
    id    status                    due_at         late_by  credit_days
0  T-1  breached 2026-04-07 08:00:00+02:00 0 days 00:20:00            2
1  T-2       met 2026-03-02 10:00:00+01:00 0 days 00:00:00            0

Every function here is pure and defined at module level, so it pickles and
runs unchanged inside Dask's ``map_partitions`` and Spark's ``mapInPandas``
(see ``docs/pandas.md``).
"""

from __future__ import annotations

from slacalc._analysis.frames import (
    BAD_COLUMNS,
    OUTCOME_COLUMNS,
    STATUSES,
    BadRowsError,
    FrameResult,
    attainment,
    evaluate_frame,
    what_if,
)
from slacalc._analysis.sources import read_source

__all__ = [
    "BAD_COLUMNS",
    "OUTCOME_COLUMNS",
    "STATUSES",
    "BadRowsError",
    "FrameResult",
    "attainment",
    "evaluate_frame",
    "read_source",
    "what_if",
]
