"""Build slacalc's wheel, check what it holds, and use it in a clean environment without extras.

    python .ci/check_wheel.py            # what .ci/run and `nox -s wheel` run

1. ``python -m build --wheel`` (the ``build`` package, from the ``dev`` extra);
2. the wheel must hold ``slacalc/py.typed``, every built-in policy file of
   ``src/slacalc/_policies/builtin/`` (the five TOMLs) and nothing from
   ``tests/``, and its metadata must require exactly the runtime dependencies;
3. a fresh virtual environment gets the wheel with its runtime dependencies
   only (holidays, pydantic, python-dateutil: no extra, no numpy, no pandas),
   and from a directory outside the repository (so ``src/`` cannot be imported
   by accident) it imports ``slacalc``, loads every built-in policy, computes a
   worked example, checks that ``slacalc.pandas`` asks for its extra, and runs
   ``slacalc policies``.

Needs only the standard library, ``build`` and the package index pip already
uses. Exits non-zero with a list of what is wrong.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import tomllib
import venv
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BUILTIN = ROOT / "src" / "slacalc" / "_policies" / "builtin"

# Runs inside the fresh environment; argv[1] is the expected list of built-in policies.
SMOKE = """
import importlib.util, json, sys
from datetime import datetime
from zoneinfo import ZoneInfo

import slacalc

expected = json.loads(sys.argv[1])
assert "site-packages" in slacalc.__file__, f"imported from {slacalc.__file__}, not the wheel"
assert slacalc.builtin_policies() == expected, slacalc.builtin_policies()
for name in expected:
    slacalc.load_policy(name)
plan = slacalc.load_policy("zitadel-2023").plan("extended")
due = plan.deadline(datetime(2026, 4, 2, 18, tzinfo=ZoneInfo("Europe/Zurich")), "sev 2")
assert due.isoformat() == "2026-04-07T08:00:00+02:00", due  # SPEC 3.1, worked example 1
extras = [m for m in ("pandas", "numpy", "matplotlib") if importlib.util.find_spec(m)]
assert not extras, f"installed without extras, yet {extras} came along"
try:
    import slacalc.pandas
except ImportError as exc:
    assert "pip install 'slacalc[pandas]'" in str(exc), exc
else:
    raise AssertionError("slacalc.pandas imported without pandas")
print(f"slacalc {slacalc.__version__} from the wheel: {len(expected)} built-in policies load")
"""


def run(*argv: str | Path, cwd: Path | None = None, clean: bool = False) -> None:
    """Run a command; *clean* drops the variables that would let it import the work tree."""
    print("+", " ".join(str(a) for a in argv)[:200], flush=True)
    env = None
    if clean:
        env = {k: v for k, v in os.environ.items() if k not in _LEAKS}
    subprocess.run([str(a) for a in argv], check=True, cwd=cwd, env=env)


_LEAKS = ("PYTHONPATH", "PYTHONHOME", "PYTHONSTARTUP", "PYTHONUSERBASE", "VIRTUAL_ENV")


def contents_problems(wheel: Path) -> list[str]:
    """What the wheel lacks or should not hold."""
    problems: list[str] = []
    with zipfile.ZipFile(wheel) as archive:
        names = set(archive.namelist())
        metadata = next((n for n in names if n.endswith(".dist-info/METADATA")), None)
        requires = []
        if metadata is None:
            problems.append("no .dist-info/METADATA")
        else:
            text = archive.read(metadata).decode("utf-8")
            requires = [
                line.removeprefix("Requires-Dist: ")
                for line in text.splitlines()
                if line.startswith("Requires-Dist: ") and "extra ==" not in line
            ]
    policies = sorted(p.name for p in BUILTIN.glob("*.toml"))
    if len(policies) != 5:
        problems.append(f"expected the five built-in policies in {BUILTIN}; found {policies}")
    wanted = ["slacalc/py.typed", *(f"slacalc/_policies/builtin/{name}" for name in policies)]
    problems += [f"missing {name}" for name in wanted if name not in names]
    problems += [f"should not ship {name}" for name in sorted(names) if name.startswith("tests/")]
    declared = tomllib.loads((ROOT / "pyproject.toml").read_text("utf-8"))["project"]
    runtime = sorted(d.replace(" ", "") for d in declared["dependencies"])
    if sorted(r.replace(" ", "") for r in requires) != runtime:
        problems.append(f"metadata requires {requires}; pyproject.toml declares {runtime}")
    return problems


def main() -> int:
    with tempfile.TemporaryDirectory(prefix="slacalc-wheel-") as tmp:
        work = Path(tmp)
        dist = work / "dist"
        run(sys.executable, "-m", "build", "--wheel", "--outdir", dist, ROOT)
        wheels = sorted(dist.glob("slacalc-*.whl"))
        if len(wheels) != 1:
            print(f"expected one wheel in {dist}; found {wheels}", file=sys.stderr)
            return 1
        wheel = wheels[0]
        problems = contents_problems(wheel)
        if problems:
            print(f"{wheel.name}:", *problems, sep="\n  ", file=sys.stderr)
            return 1
        print(f"{wheel.name}: py.typed and the built-in policies are in it")

        env = work / "venv"
        venv.create(env, with_pip=False)  # this pip installs into it: no copy of pip needed
        bin_dir = env / ("Scripts" if os.name == "nt" else "bin")
        python = bin_dir / "python"
        # the wheel and its runtime dependencies, nothing else (no extra is named)
        run(
            sys.executable, "-m", "pip", "--python", python, "install", "--quiet",
            "--disable-pip-version-check", wheel,
            clean=True,
        )  # fmt: skip
        outside = work / "elsewhere"  # not the repository: src/ must not be importable
        outside.mkdir()
        names = sorted(p.stem for p in BUILTIN.glob("*.toml"))
        run(python, "-I", "-c", SMOKE, json.dumps(names), cwd=outside, clean=True)
        run(bin_dir / "slacalc", "policies", cwd=outside, clean=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
