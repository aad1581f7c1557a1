"""``evaluate_frame`` runs unchanged inside Dask's ``map_partitions`` and gives the single-process result."""

from __future__ import annotations

from typing import Any

import pytest

pd = pytest.importorskip("pandas")
dask = pytest.importorskip("dask")
dd = pytest.importorskip("dask.dataframe")

from slacalc.pandas import evaluate_frame  # noqa: E402
from test_pandas import NOW, as_text, as_zoned, generate  # noqa: E402


@pytest.fixture(scope="module")
def rows() -> list[dict[str, Any]]:
    return generate(1200, seed=7)


def _partitioned(frame: Any, npartitions: int, **kwargs: Any) -> Any:
    """``evaluate_frame`` over *frame* split into partitions, as the Dask docs example does it."""
    ddf = dd.from_pandas(frame, npartitions=npartitions)
    meta = evaluate_frame(ddf._meta, "zitadel-2023", "extended", **kwargs)
    return ddf.map_partitions(evaluate_frame, "zitadel-2023", "extended", **kwargs, meta=meta)


@pytest.mark.parametrize("scheduler", ["sync", "threads", "processes"])
def test_map_partitions_equals_single_process(rows: list[dict[str, Any]], scheduler: str) -> None:
    """Four partitions on a local scheduler (processes too, so everything pickles) give the same frame."""
    frame = as_zoned(rows, "Europe/Zurich")
    single = evaluate_frame(frame, "zitadel-2023", "extended", now=NOW, errors="mark")
    with dask.config.set({"dataframe.convert-string": False}):
        result = _partitioned(frame, 4, now=NOW, errors="mark").compute(scheduler=scheduler)
    pd.testing.assert_frame_equal(result, single)
    assert (single["status"] == "invalid").any()  # bad rows travel through partitions too


def test_text_columns_with_dask_string_conversion(rows: list[dict[str, Any]]) -> None:
    """With Dask's default conversion of text to Arrow strings, the outcomes are still the same."""
    frame = as_text(rows)
    single = evaluate_frame(frame, "zitadel-2023", "extended", now=NOW, errors="mark")
    result = _partitioned(frame, 3, now=NOW, errors="mark").compute(scheduler="threads")
    assert list(result.columns) == list(single.columns)
    for column in ("status", "class", "target", "policy_version", "error"):
        assert result[column].astype(object).where(result[column].notna(), None).tolist() == (
            single[column].astype(object).where(single[column].notna(), None).tolist()
        ), column
    for column in (
        "due_at",
        "stopped_at",
        "elapsed",
        "remaining",
        "late_by",
        "late_by_wall",
        "credit_days",
    ):
        pd.testing.assert_series_equal(result[column], single[column], check_names=True)


def test_bad_rows_raise_through_dask(rows: list[dict[str, Any]]) -> None:
    """With the default errors='raise', a partition's bad rows surface as BadRowsError with its frame."""
    from slacalc.pandas import BadRowsError

    frame = as_zoned(rows, "UTC")
    with (
        dask.config.set({"dataframe.convert-string": False}),
        pytest.raises(BadRowsError) as info,
    ):
        _partitioned(frame, 2, now=NOW).compute(scheduler="processes")
    assert len(info.value.bad) > 0
