"""The layers of ``docs/design.md``: checked by import-linter, and no import circles.

import-linter's contracts live in ``pyproject.toml`` and ``.ci/run`` runs
``lint-imports``; these tests run it too, prove that an upward import is
caught, and look for circles in the import graph (``TYPE_CHECKING`` imports
aside: they are annotations, never executed).
"""

from __future__ import annotations

import ast
import os
import shutil
import subprocess
import sys
from pathlib import Path

import grimp
import pytest

import slacalc

ROOT = Path(__file__).resolve().parents[1]
SRC = Path(slacalc.__file__).parent
LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")

#: The layer packages, top to bottom, as pyproject.toml lists them.
LAYERS = ("_cli", "_analysis", "_files", "_policies", "_evaluation", "_billing", "_engine")


def _lint(cwd: Path, src: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(src)}
    return subprocess.run(
        [str(LINT_IMPORTS), "--no-cache"],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )


@pytest.mark.skipif(not LINT_IMPORTS.exists(), reason="import-linter is not installed")
class TestContracts:
    def test_the_tree_keeps_every_contract(self) -> None:
        """``lint-imports`` passes on the package as it is."""
        result = _lint(ROOT, SRC.parent)
        assert result.returncode == 0, result.stdout + result.stderr
        assert "0 broken" in result.stdout

    @pytest.mark.parametrize(
        ("module", "upward"),
        [
            ("_engine/calendar.py", "slacalc._policies.model"),
            ("_evaluation/tickets.py", "slacalc._files.tickets"),
            ("_policies/model.py", "slacalc._cli.main"),
            ("_evaluation/credits.py", "slacalc._billing.prices"),
        ],
    )
    def test_an_upward_import_breaks_the_build(
        self, tmp_path: Path, module: str, upward: str
    ) -> None:
        """A copy of the package with one upward (or sideways) import fails ``lint-imports``."""
        shutil.copytree(SRC, tmp_path / "src" / "slacalc")
        shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
        target = tmp_path / "src" / "slacalc" / module
        target.write_text(target.read_text("utf-8") + f"\nimport {upward}  # noqa\n", "utf-8")
        result = _lint(tmp_path, tmp_path / "src")
        assert result.returncode != 0
        assert "BROKEN" in result.stdout or "broken" in result.stdout
        assert upward in result.stdout


def _strongly_connected(graph: dict[str, set[str]]) -> list[list[str]]:
    """Tarjan's algorithm: the groups of modules that reach one another."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    groups: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for nxt in graph.get(node, ()):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            group = []
            while True:
                top = stack.pop()
                on_stack.discard(top)
                group.append(top)
                if top == node:
                    break
            groups.append(group)

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return groups


class TestNoCircles:
    def test_no_module_imports_itself_through_others(self) -> None:
        """The import graph, ``TYPE_CHECKING`` imports aside, has no circle."""
        graph = grimp.build_graph("slacalc", exclude_type_checking_imports=True)
        edges = {
            module: {
                imported
                for imported in graph.find_modules_directly_imported_by(module)
                if imported.startswith("slacalc")
            }
            for module in graph.modules
        }
        # A package's __init__ importing its own submodules is no circle of layers.
        for module, imported in edges.items():
            imported.discard(module)
        circles = [sorted(g) for g in _strongly_connected(edges) if len(g) > 1]
        assert circles == []

    def test_the_finder_sees_a_circle(self) -> None:
        """The circle finder is not blind: a → b → c → a is one group."""
        groups = _strongly_connected({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}})
        assert sorted(map(sorted, groups)) == [["a", "b", "c"], ["d"]]


class TestLayout:
    @pytest.mark.parametrize("layer", LAYERS)
    def test_each_layer_is_a_package(self, layer: str) -> None:
        """Every layer named in pyproject.toml is a real package with a docstring saying what it holds."""
        init = SRC / layer / "__init__.py"
        assert init.exists()
        assert ast.get_docstring(ast.parse(init.read_text("utf-8")))
        assert f'"slacalc.{layer}' in (ROOT / "pyproject.toml").read_text("utf-8")

    def test_top_level_holds_only_public_faces(self) -> None:
        """Private code lives in the layer packages; the top level has the public modules only."""
        loose = sorted(
            p.name
            for p in SRC.glob("*.py")
            if p.name.startswith("_") and p.name not in ("__init__.py", "__main__.py", "_typing.py")
        )
        assert loose == []

    @pytest.mark.parametrize("module", ["exceptions", "_typing"])
    def test_leaves_import_nothing_of_slacalc(self, module: str) -> None:
        """``exceptions`` and ``_typing`` import nothing from slacalc, so anything can use them."""
        tree = ast.parse((SRC / f"{module}.py").read_text(encoding="utf-8"))
        named = {
            alias.name
            for node in ast.walk(tree)
            if isinstance(node, ast.Import)
            for alias in node.names
        } | {node.module or "" for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)}
        assert not {n for n in named if n == "slacalc" or n.startswith("slacalc.")}

    def test_command_line_and_package_start_without_the_extras(self) -> None:
        """``import slacalc`` and ``slacalc policies`` work with pandas, numpy and matplotlib absent."""
        code = (
            "import sys\n"
            "sys.modules.update(pandas=None, numpy=None, matplotlib=None)\n"
            "import slacalc\n"
            "from slacalc._cli.main import main\n"
            "raise SystemExit(main(['policies']))\n"
        )
        result = subprocess.run(
            [sys.executable, "-c", code], capture_output=True, text=True, check=False
        )
        assert result.returncode == 0, result.stderr
        assert "zitadel-2023" in result.stdout
