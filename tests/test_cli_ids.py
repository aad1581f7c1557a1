"""The duplicate-id warning's compact store of ticket ids (``slacalc._cli.ids``)."""

from __future__ import annotations

import builtins
import itertools
import random
import sys
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from slacalc._cli import ids as module
from slacalc._cli.ids import DuplicateIds


def reference(noted: list[tuple[str, int]]) -> dict[str, list[int]]:
    """The repeats of (id, line) pairs, read plainly: a set of the ids seen so far."""
    seen: set[str] = set()
    again: dict[str, list[int]] = {}
    for ident, line in noted:
        if ident in seen:
            again.setdefault(ident, []).append(line)
        seen.add(ident)
    return again


def noted_in_runs(noted: list[tuple[str, int]], bounds: list[int]) -> DuplicateIds:
    """A store fed *noted*: runs between *bounds* alternately one by one and with add_many."""
    seen = DuplicateIds()
    for n, (lo, hi) in enumerate(itertools.pairwise(bounds)):
        run = noted[lo:hi]
        if n % 2:
            seen.add_many([i for i, _ in run], [line for _, line in run])
        else:
            for ident, line in run:
                seen.add(ident, line)
    return seen


def without_numpy(patch: pytest.MonkeyPatch) -> None:
    """Make ``import numpy`` fail inside *patch*'s context (the plain-Python path runs)."""
    real = builtins.__import__

    def refuse(name: str, *args: Any, **kwargs: Any) -> Any:
        if name == "numpy":
            raise ImportError(name)
        return real(name, *args, **kwargs)

    patch.delitem(sys.modules, "numpy", raising=False)
    patch.setattr(builtins, "__import__", refuse)


def test_one_warning_lists_the_ids() -> None:
    """repeated ids make one sentence, with the lines they came again on."""
    seen = DuplicateIds()
    for line, ident in enumerate(["A", "B", "A", "C", "B", "A"], start=2):
        seen.add(ident, line)
    assert seen.warning() == (
        "2 ticket ids appear more than once, each row counted: 'A' (again on lines 4, 7); 'B' (again on line 6)"
    )
    assert DuplicateIds().warning() is None
    assert not DuplicateIds()


@settings(max_examples=300, deadline=None)
@given(
    ids=st.lists(
        st.sampled_from(["A", "B", "é", "\ud800", "", "T-1", "T-10", "1", "日本"])
        | st.text(max_size=4),
        max_size=40,
    ),
    cuts=st.lists(st.integers(0, 40), max_size=4),
    hashing=st.sampled_from(["builtin", "length", "high bits"]),
    numpy=st.booleans(),
    first=st.sampled_from([2, 2**32 - 5]),  # lines past 32 bits widen the store
)
def test_repeats_are_those_of_a_plain_set(
    ids: list[str], cuts: list[int], hashing: str, numpy: bool, first: int
) -> None:
    """ids noted one by one or in runs give the repeats a set finds, whichever hashes collide, with or without NumPy."""
    noted = [(ident, line) for line, ident in enumerate(ids, start=first)]
    bounds = sorted({0, len(noted), *(min(c, len(noted)) for c in cuts)})
    with pytest.MonkeyPatch.context() as patch:
        if hashing == "length":  # distinct ids of one length share a hash: their text tells
            patch.setattr(module, "_hash", len)
        elif hashing == "high bits":  # distinct hashes, all in one bucket of the bitmaps
            patch.setattr(module, "_hash", lambda ident: hash(ident) & ~0xFFFFF)
        if not numpy:
            without_numpy(patch)
        seen = noted_in_runs(noted, bounds)
        assert seen._repeats() == reference(noted)
        assert bool(seen) == bool(reference(noted))


@pytest.mark.parametrize("numpy", [True, False])
def test_many_ids_many_runs(numpy: bool) -> None:
    """50,000 ids, a few hundred of them repeated, across the runs of joined text: the set's repeats."""
    rng = random.Random(5)
    ids = [f"T{rng.randrange(10**9)}" for _ in range(50_000)]
    for _ in range(300):
        ids[rng.randrange(len(ids))] = ids[rng.randrange(len(ids))]
    noted = [(ident, line) for line, ident in enumerate(ids, start=2)]
    bounds = sorted({0, len(noted), *(rng.randrange(len(noted)) for _ in range(20))})
    with pytest.MonkeyPatch.context() as patch:
        if not numpy:
            without_numpy(patch)
        seen = noted_in_runs(noted, bounds)
        assert seen._repeats() == reference(noted)
    assert len(reference(noted)) > 100  # the case is the one meant: many repeats


def test_add_many_needs_a_line_per_id() -> None:
    """ids and lines of different lengths are refused, naming both counts."""
    with pytest.raises(ValueError, match="2 ids for 1 lines"):
        DuplicateIds().add_many(["A", "B"], [2])
