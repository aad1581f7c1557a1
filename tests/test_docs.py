"""The README and docs/ tell the truth about the repository.

Their ``>>>`` examples run as doctests (``--doctest-glob=*.md`` in pyproject);
these tests check what doctests cannot: links, and that the commands the README
gives are the ones CI runs.
"""

from __future__ import annotations

import io
import re
import shlex
from pathlib import Path

import pytest

from slacalc._cli.main import main

ROOT = Path(__file__).resolve().parent.parent
PAGES = sorted([ROOT / "README.md", ROOT / "CHANGELOG.md", *(ROOT / "docs").glob("*.md")])
LINK = re.compile(r"\]\(([^)\s]+)\)")
HEADING = re.compile(r"^#+\s+(.*)$", re.MULTILINE)


def _anchor(heading: str) -> str:
    """The anchor GitHub gives a heading: lower case, punctuation dropped, spaces to dashes."""
    text = re.sub(r"[^\w\- ]", "", heading.strip().lower())
    return text.replace(" ", "-")


def _readme() -> str:
    return (ROOT / "README.md").read_text(encoding="utf-8")


def _ci_script() -> str:
    return (ROOT / ".ci" / "run").read_text(encoding="utf-8")


@pytest.mark.parametrize("page", PAGES, ids=[p.relative_to(ROOT).as_posix() for p in PAGES])
def test_relative_links_resolve(page: Path) -> None:
    """Every relative link points at a file that exists, and at a heading that exists."""
    broken = []
    for target in LINK.findall(page.read_text(encoding="utf-8")):
        if re.match(r"^[a-z]+:", target):
            continue  # http(s), mailto: not checked offline
        path_part, _, anchor = target.partition("#")
        linked = (page.parent / path_part).resolve() if path_part else page
        if not linked.exists():
            broken.append(target)
            continue
        if anchor and linked.suffix == ".md":
            anchors = {_anchor(h) for h in HEADING.findall(linked.read_text(encoding="utf-8"))}
            if anchor not in anchors:
                broken.append(target)
    assert not broken, f"{page.name}: broken links {broken}"


def test_readme_test_command_is_what_ci_runs() -> None:
    """The README's test command is the one ``.ci/run`` executes."""
    assert ".venv/bin/python -m pytest" in _readme()
    assert re.search(r"^\s*python -m pytest\b", _ci_script(), re.MULTILINE)


def test_readme_main_command_names_real_files() -> None:
    """Every ``examples/…`` file that the README's commands use exists."""
    named = set(re.findall(r"examples/[\w./-]+\.\w+", _readme()))
    assert named
    missing = sorted(n for n in named if not (ROOT / n).exists())
    assert not missing


def test_ci_runs_every_check_the_readme_promises() -> None:
    """``.ci/run`` runs the lint, typing and example steps the README says it runs."""
    script = _ci_script()
    for command in ("ruff format --check .", "ruff check .", "mypy", "examples/*.py"):
        assert command in _readme(), command
        assert command in script, command


def test_docs_pages_are_linked_from_the_readme() -> None:
    """Every page in docs/ can be reached from the README."""
    readme = _readme()
    unlinked = [p.name for p in (ROOT / "docs").glob("*.md") if f"docs/{p.name}" not in readme]
    assert not unlinked, f"add docs/{unlinked[0]} to the Documentation list in README.md"


def test_readme_main_job_is_what_ci_runs() -> None:
    """The README's first command ends in the slacalc invocation that ``.ci/run`` runs."""
    match = re.search(r"\.venv/bin/(slacalc evaluate [^\n`]+)", _readme())
    assert match, "the README's main job should run slacalc evaluate"
    assert match.group(1).strip() in _ci_script()


def test_readme_command_lines_run(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every ``.venv/bin/slacalc …`` command line in the README runs, exits 0 and prints."""
    monkeypatch.chdir(ROOT)
    commands = re.findall(r"^(?:.*&& )?\.venv/bin/slacalc ([^\n`]+)$", _readme(), re.MULTILINE)
    assert len(commands) >= 3
    for command in commands:
        out, err = io.StringIO(), io.StringIO()
        assert main(shlex.split(command), stdout=out, stderr=err) == 0, (command, err.getvalue())
        assert out.getvalue().strip(), command
