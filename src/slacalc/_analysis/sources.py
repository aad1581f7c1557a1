"""A helpdesk export as a DataFrame of tickets (``slacalc.pandas.read_source``)."""

from __future__ import annotations

from collections.abc import Mapping as AbstractMapping
from pathlib import Path
from typing import IO, Any, Literal

import pandas as pd

from slacalc._analysis.words import plural
from slacalc._files.sources._core import BadRecord
from slacalc._files.sources.registry import read_rows
from slacalc.exceptions import SourceError

__all__ = ["BAD_RECORD_COLUMNS", "TICKET_COLUMNS", "read_source"]

#: The columns of the ticket frame, in order.
TICKET_COLUMNS: tuple[str, ...] = (
    "id",
    "opened_at",
    "severity",
    "responded_at",
    "channel",
    "customer",
    "events",
)
#: The columns of the bad-records frame.
BAD_RECORD_COLUMNS: tuple[str, ...] = ("line", "position", "ticket_id", "field", "value", "message")


def read_source(
    path: str | Path | IO[str],
    source: str,
    *,
    mapping: str | Path | AbstractMapping[str, Any] | None = None,
    format: str | None = None,
    order: str | None = None,
    errors: Literal["raise", "collect"] = "raise",
) -> Any:
    """The tickets of a helpdesk export as a DataFrame, ready for :func:`evaluate_frame`.

    One row per ticket with the columns of :data:`TICKET_COLUMNS`: instants
    as timezone-aware UTC timestamps, ``events`` a tuple of
    :class:`~slacalc.Event` per ticket. Bad records are never dropped:
    with ``errors="raise"`` (default) a :class:`~slacalc.exceptions.SourceError`
    lists them all; with ``errors="collect"`` the result is ``(tickets, bad)``,
    ``bad`` a frame with the columns of :data:`BAD_RECORD_COLUMNS`.
    """
    if errors not in ("raise", "collect"):
        msg = f"errors: invalid value {errors!r}; expected 'raise' or 'collect'"
        raise SourceError(msg)
    stream = None if isinstance(path, str | Path) else path
    where = str(path) if stream is None else "<stream>"
    if stream is not None and format is None:
        format = "csv" if source == "events" else "json"
    good: list[tuple[Any, ...]] = []
    bad: list[BadRecord] = []
    for _, item in read_rows(where, source, mapping, fmt=format, order=order, stream=stream):
        if isinstance(item, BadRecord):
            bad.append(item)
            continue
        good.append(
            (
                item.id,
                item.opened_at,
                item.severity,
                item.responded_at,
                item.channel,
                getattr(item, "customer", None),
                item.events,
            )
        )
    frame = pd.DataFrame.from_records(good, columns=list(TICKET_COLUMNS))
    for name in ("opened_at", "responded_at"):
        frame[name] = pd.to_datetime(frame[name], utc=True)
    if errors == "collect":
        bad_frame = pd.DataFrame.from_records(
            [(b.line, b.position, b.ticket_id, b.field, b.value, b.message) for b in bad],
            columns=list(BAD_RECORD_COLUMNS),
        )
        return frame, bad_frame
    if bad:
        shown = "; ".join(b.message for b in bad[:3])
        msg = f"{plural(len(bad), 'bad record')} in the {source} export: {shown}"
        raise SourceError(msg, tuple(bad))
    return frame
