"""The example notebook runs from top to bottom and shows its tables and plots."""

from __future__ import annotations

from pathlib import Path

import pytest

pytest.importorskip("pandas")
pytest.importorskip("matplotlib")
nbformat = pytest.importorskip("nbformat")
nbclient = pytest.importorskip("nbclient")
pytest.importorskip("ipykernel")

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"
NOTEBOOK = EXAMPLES / "notebook_pandas.ipynb"


def test_notebook_runs() -> None:
    """Every cell runs without error in a fresh kernel; the plots come out as PNGs, the frames as tables."""
    notebook = nbformat.read(NOTEBOOK, as_version=4)
    client = nbclient.NotebookClient(
        notebook,
        timeout=120,
        kernel_name="python3",
        resources={"metadata": {"path": str(EXAMPLES)}},
    )
    client.execute()  # raises CellExecutionError, with the cell and traceback, on any error
    outputs = [o for cell in notebook.cells if cell.cell_type == "code" for o in cell.outputs]
    pictures = [o for o in outputs if "image/png" in o.get("data", {})]
    tables = [o for o in outputs if "text/html" in o.get("data", {})]
    assert len(pictures) == 3
    assert len(tables) >= 6
    text = "".join(o.get("text", "") for o in outputs if o.output_type == "stream")
    assert "Warning" not in text, text
    assert "change verdict" in text
    assert "stderr" not in {o.get("name") for o in outputs if o.output_type == "stream"}


def test_notebook_is_stored_clean_of_errors() -> None:
    """The stored copy (with its outputs, for reading on the web) holds no error output."""
    notebook = nbformat.read(NOTEBOOK, as_version=4)
    nbformat.validate(notebook)
    kinds = {
        o.output_type for cell in notebook.cells if cell.cell_type == "code" for o in cell.outputs
    }
    assert "error" not in kinds
