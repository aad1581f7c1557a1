"""Repository-wide pytest set-up: the names every doctest may use without importing them.

``python -m pytest`` collects the docstring examples in ``src/slacalc`` and the
``>>>`` examples in ``docs/*.md`` and ``README.md`` (see ``[tool.pytest.ini_options]``
in ``pyproject.toml``). They all run with this namespace, so an example shows the
call it is about, not a block of imports. Fixtures for the test suite itself live
in ``tests/conftest.py``.
"""

from __future__ import annotations

import doctest
import importlib
import importlib.util
import re
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

import slacalc
from slacalc import Calendar, HolidaySpec, IcalFeed, parse_duration
from slacalc.calendars import always_open, extended_hours, office_hours

# Files that only type checkers read: importing them to look for doctests
# would execute them.
collect_ignore_glob = ["tests/typing/*"]

# Optional integrations (slacalc.pandas, slacalc.plotting, …) import their extra
# at the top. Where an extra is not installed, their doctests cannot even be
# collected, so those modules are skipped instead of failing collection. Any
# other import error is left for pytest to report.
EXTRAS_ONLY = frozenset({"pandas", "numpy", "matplotlib"})


def _needs_a_missing_extra(module: str) -> bool:
    try:
        importlib.import_module(module)
    except ImportError as exc:
        err: BaseException | None = exc
        while err is not None:
            if (
                isinstance(err, ModuleNotFoundError)
                and (err.name or "").split(".")[0] in EXTRAS_ONLY
            ):
                return True
            err = err.__cause__ or err.__context__
    return False


def _modules_needing_missing_extras() -> list[str]:
    if all(importlib.util.find_spec(extra) is not None for extra in EXTRAS_ONLY):
        return []
    src = Path(__file__).parent / "src"
    found = []
    for path in sorted((src / "slacalc").rglob("*.py")):
        if path.name == "__main__.py":
            continue
        parts = path.relative_to(src).with_suffix("").parts
        module = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        if _needs_a_missing_extra(module):
            found.append(path.relative_to(Path(__file__).parent).as_posix())
    return found


collect_ignore = _modules_needing_missing_extras()

DOCTEST_NAMESPACE: dict[str, Any] = {
    "datetime": datetime,
    "date": date,
    "timedelta": timedelta,
    "UTC": UTC,
    "ZoneInfo": ZoneInfo,
    "ZURICH": ZoneInfo("Europe/Zurich"),
    "slacalc": slacalc,
    "Calendar": Calendar,
    "HolidaySpec": HolidaySpec,
    "IcalFeed": IcalFeed,
    "parse_duration": parse_duration,
    "office_hours": office_hours,
    "extended_hours": extended_hours,
    "always_open": always_open,
}


try:
    import numpy
except ImportError:  # the core install: no extras
    numpy = None
else:
    DOCTEST_NAMESPACE["np"] = numpy


def _needs_numpy(source: str, skipped: set[str]) -> bool:
    words = set(re.findall(r"[A-Za-z_]\w*", source))
    return "np" in words or any(w.endswith("_many") for w in words) or bool(words & skipped)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Without NumPy, skip the examples that need it (the batch methods), and only those.

    A Markdown page is one doctest; marking single examples SKIP keeps the
    rest of the page checked in the core install. An example that uses a name
    a skipped example assigned is skipped too.
    """
    if numpy is not None:
        return
    for item in items:
        test = getattr(item, "dtest", None)
        if test is None:
            continue
        skipped: set[str] = set()
        for example in test.examples:
            if _needs_numpy(example.source, skipped):
                example.options[doctest.SKIP] = True
                skipped.update(re.findall(r"^([A-Za-z_]\w*)\s*=", example.source, re.MULTILINE))


@pytest.fixture(autouse=True)
def _doctest_names(doctest_namespace: dict[str, Any]) -> None:
    doctest_namespace.update(DOCTEST_NAMESPACE)


@pytest.fixture(autouse=True)
def _doctests_run_from_the_repository(
    request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Doctests name example files (``examples/company_holidays.ics``) as a user in a clone would."""
    if isinstance(request.node, pytest.DoctestItem):
        monkeypatch.chdir(Path(__file__).parent)
