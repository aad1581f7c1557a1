"""The documented Spark recipe (docs/pandas.md) gives, row for row, the single-process result.

Runs ``mapInPandas`` in a local Spark session on 50,000 generated tickets,
bad rows included, and compares every column with ``evaluate_frame`` in one
process. Needs the ``spark`` extra (pyspark, pyarrow) and a Java runtime;
``.ci/run`` installs both, and without them the test is skipped with the
reason.
"""

from __future__ import annotations

import os
import re
import shutil
import sys
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

pd = pytest.importorskip("pandas")
np = pytest.importorskip("numpy")
pytest.importorskip(
    "pyarrow", reason="the spark extra is not installed (pip install 'slacalc[spark]')"
)
pytest.importorskip(
    "pyspark", reason="the spark extra is not installed (pip install 'slacalc[spark]')"
)
if shutil.which("java") is None:
    pytest.skip(
        "no Java runtime for Spark (Debian: apt-get install -y openjdk-17-jre-headless)",
        allow_module_level=True,
    )

from slacalc.pandas import evaluate_frame  # noqa: E402
from test_pandas import as_zoned, generate  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
ROWS = 50_000
US = pd.Timedelta(microseconds=1)

# PySpark warns about pandas releases newer than it was tested with; the
# comparison below is what tells whether the result is right.
pytestmark = pytest.mark.filterwarnings("ignore::FutureWarning", "ignore::DeprecationWarning")


def _recipe() -> str:
    """The Python block of docs/pandas.md that defines the Spark recipe."""
    page = (ROOT / "docs" / "pandas.md").read_text(encoding="utf-8")
    blocks = [
        code for code in re.findall(r"```python\n(.*?)```", page, re.DOTALL) if "def judge" in code
    ]
    assert len(blocks) == 1, "docs/pandas.md should hold exactly one Spark recipe"
    return blocks[0]


@pytest.fixture(scope="module")
def recipe() -> Iterator[dict[str, Any]]:
    """The recipe's namespace, run as a user would: it sets the workers' interpreter and starts
    the session itself (local mode, two cores, no web UI, through Spark's submit arguments)."""
    saved = {k: os.environ.get(k) for k in ("PYSPARK_PYTHON", "PYSPARK_SUBMIT_ARGS")}
    os.environ.pop("PYSPARK_PYTHON", None)
    os.environ["PYSPARK_SUBMIT_ARGS"] = (
        "--master local[2] --conf spark.ui.enabled=false --conf spark.sql.shuffle.partitions=2 "
        "--conf spark.sql.execution.arrow.pyspark.enabled=true "
        "--conf spark.sql.execution.arrow.maxRecordsPerBatch=5000 pyspark-shell"
    )
    namespace: dict[str, Any] = {"__name__": "spark_recipe"}
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            exec(compile(_recipe(), "docs/pandas.md (Spark recipe)", "exec"), namespace)
        namespace["spark"].sparkContext.setLogLevel("ERROR")
        yield namespace
    finally:
        if "spark" in namespace:
            namespace["spark"].stop()
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


def test_recipe_points_workers_at_this_interpreter(recipe: dict[str, Any]) -> None:
    """Without PYSPARK_PYTHON the workers would start the first python3 on PATH, without slacalc."""
    assert os.environ["PYSPARK_PYTHON"] == sys.executable


def _spark_result(recipe: dict[str, Any], frame: Any) -> Any:
    tickets = recipe["spark"].createDataFrame(frame).repartition(4)
    outcomes = tickets.mapInPandas(recipe["judge"], schema=recipe["OUTCOME_SCHEMA"])
    return outcomes.toPandas().set_index("id").sort_index()


def _single_process(frame: Any, now: str) -> Any:
    return (
        evaluate_frame(frame, "zitadel-2023", "extended", now=now, errors="mark")
        .set_index("id")
        .sort_index()
    )


def _instants_us(series: Any) -> list[int | None]:
    """Instants as microseconds since the epoch (UTC), None for missing: zone-free and exact."""
    values = pd.to_datetime(series)
    if values.dt.tz is None:  # Spark's toPandas gives naive wall times in the session zone (UTC)
        values = values.dt.tz_localize("UTC")
    us = values.dt.tz_convert("UTC").dt.as_unit("us")
    return [None if pd.isna(v) else int(v.value // 1000) for v in us]


def _durations_us(series: Any) -> list[int | None]:
    return [None if pd.isna(v) else int(v // US) for v in series]


def _nullable(series: Any) -> list[Any]:
    return [None if pd.isna(v) else v for v in series.astype(object)]


def test_recipe_equals_single_process(recipe: dict[str, Any]) -> None:
    """Every column of every row, bad rows with their error text included."""
    frame = as_zoned(generate(ROWS, seed=11), "UTC")
    now = recipe["NOW"]
    single = _single_process(frame, now)
    result = _spark_result(recipe, frame)

    assert len(result) == ROWS
    assert list(result.index) == list(single.index)
    invalid = single["status"] == "invalid"
    assert invalid.sum() > 0, "the generated tickets should include bad rows"
    assert (single["status"] == "breached").sum() > 0
    assert (single["status"] == "pending").sum() > 0

    for column in ("status", "class", "target", "policy_version", "error"):
        assert _nullable(result[column]) == _nullable(single[column]), column
    for column in ("due_at", "stopped_at"):
        assert _instants_us(result[column]) == _instants_us(single[column]), column
    for name in recipe["DURATIONS"]:
        assert _nullable(result[f"{name}_us"]) == _durations_us(single[name]), name
    assert _nullable(result["credit_days"]) == _nullable(single["credit_days"])
    # Bad rows keep missing credits and say why: never a made-up zero.
    assert result.loc[invalid, "credit_days"].isna().all()
    assert result.loc[invalid, "error"].str.len().gt(0).all()
