"""The public surface: what ``import slacalc`` offers, and the layering behind it."""

from __future__ import annotations

import importlib.metadata
import importlib.util
import inspect
import pkgutil
from pathlib import Path

import pytest

import slacalc
import slacalc.exceptions

SRC = Path(slacalc.__file__).parent


def _isort_key(name: str) -> tuple[int, str]:
    """The order ruff's RUF022 keeps ``__all__`` in: CONSTANTS, then Classes, then functions."""
    if name.isupper():
        return (0, name)
    return (1 if name[:1].isupper() else 2, name)


class TestAll:
    def test_sorted(self) -> None:
        """``__all__`` is sorted, so additions land in one obvious place."""
        assert list(slacalc.__all__) == sorted(slacalc.__all__, key=_isort_key)

    def test_no_duplicates(self) -> None:
        """Every public name is listed once."""
        assert len(set(slacalc.__all__)) == len(slacalc.__all__)

    @pytest.mark.parametrize("name", slacalc.__all__)
    def test_importable(self, name: str) -> None:
        """Every listed name can be imported from the package."""
        namespace: dict[str, object] = {}
        exec(f"from slacalc import {name}", namespace)
        assert namespace[name] is getattr(slacalc, name)

    @pytest.mark.parametrize("name", slacalc.__all__)
    def test_documented(self, name: str) -> None:
        """Every public class and function has a docstring of its own."""
        obj = getattr(slacalc, name)
        if not (inspect.isclass(obj) or inspect.isroutine(obj)):
            obj = type(obj)  # a constant such as BEST_EFFORT: its type documents it
        assert inspect.getdoc(obj), f"slacalc.{name} has no docstring"

    def test_everything_public_is_listed(self) -> None:
        """Nothing public is importable from ``slacalc`` without being in ``__all__``."""
        modules = {m.name for m in pkgutil.iter_modules(slacalc.__path__)}
        public = {
            name
            for name, obj in vars(slacalc).items()
            if not name.startswith("_")
            and name not in modules
            and getattr(obj, "__module__", type(obj).__module__).startswith("slacalc")
        }
        assert public <= set(slacalc.__all__), public - set(slacalc.__all__)


class TestVersion:
    def test_from_metadata(self) -> None:
        """``__version__`` is read from the installed distribution, never kept by hand."""
        assert slacalc.__version__ == importlib.metadata.version("slacalc")

    def test_unknown_attribute(self) -> None:
        """Other missing attributes still raise ``AttributeError``."""
        with pytest.raises(AttributeError, match="no_such_name"):
            _ = slacalc.no_such_name  # type: ignore[attr-defined]


class TestExceptions:
    @pytest.mark.parametrize("name", slacalc.exceptions.__all__)
    def test_rooted(self, name: str) -> None:
        """Every error is a ``SlacalcError``; every warning a ``SlacalcWarning``."""
        cls = getattr(slacalc.exceptions, name)
        if issubclass(cls, Warning):
            assert issubclass(cls, slacalc.SlacalcWarning)
        else:
            assert issubclass(cls, slacalc.SlacalcError)

    @pytest.mark.parametrize(
        "name", sorted(set(slacalc.exceptions.__all__) - {"SlacalcError", "SlacalcWarning"})
    )
    def test_input_errors_are_value_errors(self, name: str) -> None:
        """Every input error is also a ``ValueError``, so a generic caller catches it."""
        cls = getattr(slacalc.exceptions, name)
        if issubclass(cls, Warning):  # a warning (UnmappedValueWarning) is not an error
            assert issubclass(cls, slacalc.SlacalcWarning)
            return
        assert issubclass(cls, ValueError)

    @pytest.mark.parametrize("name", slacalc.exceptions.__all__)
    def test_documented(self, name: str) -> None:
        """Every exception class says when it is raised."""
        cls = getattr(slacalc.exceptions, name)
        assert cls.__doc__, f"{name} has no docstring"

    def test_all_sorted(self) -> None:
        """``slacalc.exceptions.__all__`` is sorted."""
        assert list(slacalc.exceptions.__all__) == sorted(
            slacalc.exceptions.__all__, key=_isort_key
        )

    def test_tree_drawn_in_docstring(self) -> None:
        """The module docstring draws every error class."""
        doc = slacalc.exceptions.__doc__ or ""
        missing = [n for n in slacalc.exceptions.__all__ if n not in doc]
        assert not missing
