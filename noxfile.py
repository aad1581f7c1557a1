"""Sessions for developing slacalc: ``nox`` runs what CI runs, one check per session.

    nox                  lint, typing, tests (every Python x without/with the extras), examples, docs, wheel
    nox -s tests-3.12    one interpreter
    nox -s coverage      branch coverage of the whole suite
    nox -s bench         the benchmarks, rewriting docs/performance.md

The Python versions come from the classifiers in pyproject.toml, and each
session installs the extras that pyproject.toml lists, so there is one list
of versions and one list of tools to keep up to date. ``.ci/run`` is the
single-interpreter equivalent that CI executes.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import nox

nox.needs_version = ">=2024.4.15"
nox.options.default_venv_backend = "uv" if shutil.which("uv") else "venv"
nox.options.error_on_external_run = True
nox.options.sessions = ["lint", "typing", "tests", "examples", "docs", "wheel"]

ROOT = Path(__file__).parent
PYPROJECT = nox.project.load_toml(ROOT / "pyproject.toml")
PYTHONS = nox.project.python_versions(PYPROJECT)
DEFAULT_PYTHON = PYTHONS[0]
EXTRAS: dict[str, list[str]] = PYPROJECT["project"]["optional-dependencies"]
#: The extras a user installs for an integration (pandas, plot, …), not the tool groups.
OPTIONAL = [name for name in EXTRAS if name not in {"tests", "typing", "lint", "dev"}]


@nox.session(python=DEFAULT_PYTHON)
def lint(session: nox.Session) -> None:
    """Formatting and lint rules (ruff), and the import layers (import-linter)."""
    session.install("-e", ".", *EXTRAS["lint"])
    session.run("ruff", "format", "--check", ".")
    session.run("ruff", "check", ".")
    session.run("lint-imports", "--no-cache")


@nox.session(python=DEFAULT_PYTHON)
def typing(session: nox.Session) -> None:
    """mypy --strict on the package (configuration in pyproject.toml)."""
    session.install("-e", f".[{','.join(['typing', *OPTIONAL])}]")
    session.run("mypy", *session.posargs)


@nox.session(python=PYTHONS)
@nox.parametrize("opt_deps", [[], OPTIONAL], ids=["core", "extras"])
def tests(session: nox.Session, opt_deps: list[str]) -> None:
    """The test suite with its doctests, without and with the optional extras (pandas, plot, …)."""
    session.install("-e", f".[{','.join(['tests', *opt_deps])}]")
    session.run("python", "-m", "pytest", *session.posargs)


@nox.session(python=DEFAULT_PYTHON)
def examples(session: nox.Session) -> None:
    """Every script in examples/ runs and exits 0."""
    session.install("-e", f".[{','.join(OPTIONAL)}]")
    scripts = sorted(ROOT.glob("examples/*.py"))
    if not scripts:
        session.error("no scripts in examples/")
    for script in scripts:
        session.run("python", str(script.relative_to(ROOT)))


@nox.session(python=DEFAULT_PYTHON)
def docs(session: nox.Session) -> None:
    """The ``>>>`` examples in docs/*.md and README.md, run as doctests."""
    session.install("-e", ".[tests]")
    session.run(
        "python", "-m", "pytest", "--doctest-glob=*.md", "docs/", "README.md", *session.posargs
    )


@nox.session(python=DEFAULT_PYTHON)
def wheel(session: nox.Session) -> None:
    """The wheel builds, holds the policies and py.typed, and works installed without extras."""
    session.install("build")
    session.run("python", ".ci/check_wheel.py")


@nox.session(python=DEFAULT_PYTHON)
def coverage(session: nox.Session) -> None:
    """Branch coverage of the whole suite, with the optional extras installed."""
    session.install("-e", f".[{','.join(['tests', *OPTIONAL])}]")
    session.run("coverage", "erase")
    session.run("coverage", "run", "-m", "pytest", *session.posargs)
    session.run("coverage", "report")


@nox.session(python=DEFAULT_PYTHON, default=False)
def bench(session: nox.Session) -> None:
    """All benchmarks; each rewrites its own section of docs/performance.md (not part of ``nox``).

    The peers side by side (run.py), the batch calendar API against workclock's
    on a million instants (bench_batch.py), batch evaluation of a million CSV
    tickets (bench_cli.py), a million-row frame (bench_frame.py), the live
    metrics and ``slacalc due`` (bench_live.py) and a million tickets from a
    Zendesk export and from the event log (bench_sources.py), and the
    instructions per call and per ticket counted by callgrind, which do not
    move with the machine (bench_instructions.py, where valgrind is installed).
    """
    session.install("-e", ".[pandas]", "-r", "benchmarks/requirements.txt")
    session.run("python", "benchmarks/run.py", "--write", "docs/performance.md", *session.posargs)
    session.run("python", "benchmarks/bench_batch.py", "--write", "docs/performance.md")
    session.run("python", "benchmarks/bench_cli.py", "--write", "docs/performance.md")
    session.run("python", "benchmarks/bench_frame.py", "--write", "docs/performance.md")
    session.run("python", "benchmarks/bench_live.py", "--write", "docs/performance.md")
    session.run("python", "benchmarks/bench_sources.py", "--write", "docs/performance.md")
    if shutil.which("valgrind"):
        session.run("python", "benchmarks/bench_instructions.py", "--write", "docs/performance.md")
    else:
        session.log("valgrind is not installed: the instruction counts are not measured")
