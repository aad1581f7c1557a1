"""The example notebook runs from top to bottom and shows its tables and plots, readably."""

from __future__ import annotations

import re
import sys
from pathlib import Path
from typing import Any

import pytest

pd = pytest.importorskip("pandas")
pytest.importorskip("matplotlib")
nbformat = pytest.importorskip("nbformat")
nbclient = pytest.importorskip("nbclient")
pytest.importorskip("ipykernel")

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"
NOTEBOOK = EXAMPLES / "notebook_pandas.ipynb"


@pytest.fixture(scope="module")
def executed() -> Any:
    """The notebook run in a fresh kernel."""
    notebook = nbformat.read(NOTEBOOK, as_version=4)
    client = nbclient.NotebookClient(
        notebook,
        timeout=120,
        kernel_name="python3",
        resources={"metadata": {"path": str(EXAMPLES)}},
    )
    client.execute()  # raises CellExecutionError, with the cell and traceback, on any error
    return notebook


def outputs(notebook: Any) -> list[Any]:
    return [o for cell in notebook.cells if cell.cell_type == "code" for o in cell.outputs]


def texts(notebook: Any) -> list[str]:
    """Everything the notebook prints or shows as text: streams and the plain form of results."""
    found = []
    for o in outputs(notebook):
        if o.output_type == "stream":
            found.append(o.text)
        elif "text/plain" in o.get("data", {}):
            found.append(o["data"]["text/plain"])
    return found


def test_notebook_runs(executed: Any) -> None:
    """Every cell runs without error in a fresh kernel; the plots come out as PNGs, the frames as tables."""
    pictures = [o for o in outputs(executed) if "image/png" in o.get("data", {})]
    tables = [o for o in outputs(executed) if "text/html" in o.get("data", {})]
    assert len(pictures) == 3
    assert len(tables) >= 6
    text = "".join(o.get("text", "") for o in outputs(executed) if o.output_type == "stream")
    assert "Warning" not in text, text
    assert "change verdict" in text
    assert "stderr" not in {o.get("name") for o in outputs(executed) if o.output_type == "stream"}


def test_durations_are_readable(executed: Any) -> None:
    """No duration is shown with fractions of a second ("12.858850 s", "10:48:38.641325"): whole seconds or minutes (issue 11)."""
    shown = "\n".join(texts(executed))
    assert not re.search(r"\d+\.\d+ s\b", shown), re.search(r".*\d+\.\d+ s\b.*", shown)
    assert not re.search(r"\d\d:\d\d:\d\d\.\d", shown), re.search(r".*\d\d:\d\d:\d\d\.\d.*", shown)
    assert not re.search(
        r"\d+ days \d\d:\d\d", shown
    )  # pandas' timedelta form: hours and minutes instead
    assert re.search(r"late by 48 h \(business time\), 135 h 49 min 12 s on the wall clock", shown)
    assert re.search(r"\b10 h 48 min\b", shown)  # T-0000004's business time, in the outcomes table


def test_no_objective_is_labelled(executed: Any) -> None:
    """Community tickets are grouped as "no objective" in the attainment tables, never as a NaN class."""
    tables = [t for t in texts(executed) if "attainment" in t and "class" in t]
    assert tables
    assert any("no objective" in t for t in tables)
    for table in tables:
        assert not re.search(r"^NaN\b", table, re.M), table


def test_closing_cell_states_the_comparison(executed: Any) -> None:
    """The last words on the plan comparison are the figures of the frames, computed here again independently."""
    sys.path.insert(0, str(EXAMPLES))
    try:
        from generate_quarter import generate_quarter
    finally:
        sys.path.remove(str(EXAMPLES))
    from slacalc.pandas import attainment, what_if

    side = what_if(
        generate_quarter(seed=2026),
        "zitadel-2023",
        ["extended", "custom"],
        now="2026-04-01T00:00:00+02:00",
    )
    ext = attainment(side, by=None, freq=None, prefix="extended.").loc["all"]
    cus = attainment(side, by=None, freq=None, prefix="custom.").loc["all"]
    stream = [t for t in texts(executed) if t.startswith("Overall, attainment")]
    assert len(stream) == 1, "the closing cell prints one summary"
    summary = stream[0]
    assert (
        f"from {ext['attainment']:.1%} on extended to {cus['attainment']:.1%} on custom" in summary
    )
    assert f"({int(ext['breached'])} breaches → {int(cus['breached'])})" in summary
    assert f"from {int(ext['credit_days']):,} to {int(cus['credit_days']):,}" in summary
    sev1 = {
        plan: attainment(side, by="class", freq=None, prefix=f"{plan}.").loc["1"]
        for plan in ("extended", "custom")
    }
    assert (
        f"Severity 1 ({int(sev1['extended']['tickets']):,} tickets): attainment falls from "
        f"{sev1['extended']['attainment']:.1%} to {sev1['custom']['attainment']:.1%}"
    ) in summary
    changed = side[side["extended.status"] != side["custom.status"]]
    assert f"Of the {len(changed)} tickets whose verdict changes" in summary


def test_notebook_is_stored_clean_of_errors() -> None:
    """The stored copy (with its outputs, for reading on the web) holds no error output and no timing metadata."""
    notebook = nbformat.read(NOTEBOOK, as_version=4)
    nbformat.validate(notebook)
    kinds = {o.output_type for o in outputs(notebook)}
    assert "error" not in kinds
    assert all("execution" not in cell.metadata for cell in notebook.cells)


def test_stored_outputs_are_current(executed: Any) -> None:
    """The stored outputs are those a fresh run gives (the notebook was re-run after its last change)."""
    stored = nbformat.read(NOTEBOOK, as_version=4)
    assert texts(stored) == texts(executed)
