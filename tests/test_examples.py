"""Every script in ``examples/`` runs to completion, as a user would run it."""

from __future__ import annotations

import ast
import importlib.util
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples"
SCRIPTS = sorted(EXAMPLES.glob("*.py"))
#: Third-party modules that only an extra installs: an example needing a missing one is skipped.
OPTIONAL = ("pandas", "numpy", "matplotlib")


def _missing_extras(script: Path) -> list[str]:
    """The optional modules that *script* imports (directly or via ``slacalc.pandas``) but are absent."""
    names: set[str] = set()
    for node in ast.walk(ast.parse(script.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            names.add(node.module)
            names.update(f"{node.module}.{alias.name}" for alias in node.names)
    wanted = {name.removeprefix("slacalc.").split(".")[0] for name in names}
    return sorted(m for m in wanted & set(OPTIONAL) if importlib.util.find_spec(m) is None)


def test_there_are_examples() -> None:
    """The examples folder is not empty (so the test below cannot pass vacuously)."""
    assert SCRIPTS


@pytest.mark.parametrize("script", SCRIPTS, ids=[s.name for s in SCRIPTS])
def test_example_runs(script: Path) -> None:
    """The example exits 0 and prints something, run from the repository root with no input."""
    missing = _missing_extras(script)
    if missing:
        pytest.skip(f"needs {', '.join(missing)} (pip install -e '.[pandas]')")
    env = {**os.environ, "PYTHONIOENCODING": "utf-8"}
    result = subprocess.run(
        [sys.executable, str(script.relative_to(ROOT))],
        cwd=ROOT,
        env=env,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, (
        f"{script.name} exited {result.returncode}\n"
        f"--- stdout ---\n{result.stdout}\n--- stderr ---\n{result.stderr}"
    )
    assert result.stdout.strip(), f"{script.name} printed nothing"
