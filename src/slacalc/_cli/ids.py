"""The ticket ids of a file, kept compactly to find the ones read more than once.

``slacalc evaluate`` and ``slacalc report`` count every row and say, in one
warning at the end, which ids came more than once. A million ids must not
cost a set of a million strings (about 90 bytes each): :class:`DuplicateIds`
keeps a 32-bit hash and the line of each id in arrays and the ids' text
joined in a few long strings, 12 bytes per row plus the text, and finds the
repeats when asked: the ids whose hashes could repeat are compared as text,
so the warning is exact whatever the hashes do.
"""

from __future__ import annotations

from array import array
from bisect import bisect_right
from collections.abc import Iterator, Sequence
from itertools import accumulate

from slacalc._files.records import shorten

__all__ = ["DuplicateIds"]

#: How :class:`DuplicateIds` hashes an id (a test swaps in ones whose values collide).
_hash = hash
_LOW32 = 0xFFFF_FFFF
#: Ids noted one at a time wait in a list until so many are joined into one string.
_JOIN_EVERY = 4096


class DuplicateIds:
    """Ticket ids seen more than once in a file, for one warning at the end.

    >>> seen = DuplicateIds()
    >>> for line, ident in [(2, "A"), (3, "B"), (4, "A"), (5, "A")]:
    ...     seen.add(ident, line)
    >>> seen.warning()
    "1 ticket id appears more than once, each row counted: 'A' (again on lines 4, 5)"
    """

    def __init__(self) -> None:
        self._hashes = array("I")  # 32-bit hash of each id noted, in order
        self._lines = array("I")  # its line (64-bit once a line needs it)
        # where its text ends, counted over all the text (64-bit once needed)
        self._ends = array("I")
        self._texts: list[str] = []  # the ids' text, joined a run at a time
        self._starts: list[int] = []  # where each of _texts starts
        self._size = 0  # characters in _texts
        self._waiting: list[str] = []  # ids noted by add, not joined yet
        self._again: dict[str, list[int]] | None = {}

    def add(self, ident: str, line: int) -> None:
        """Note *ident* read on *line* (repeats are found when asked for: :meth:`warning`)."""
        self._hashes.append(_hash(ident) & _LOW32)
        try:
            self._lines.append(line)
        except OverflowError:  # past 32 bits
            self._lines = _widened(self._lines)
            self._lines.append(line)
        waiting = self._waiting
        waiting.append(ident)
        if len(waiting) >= _JOIN_EVERY:
            self._join_waiting()
        self._again = None

    def add_many(self, idents: Sequence[str], lines: Sequence[int]) -> None:
        """Note each of *idents*, read on the matching line of *lines*, in order."""
        if len(idents) != len(lines):
            msg = f"{len(idents)} ids for {len(lines)} lines"
            raise ValueError(msg)
        if not idents:
            return
        self._join_waiting()
        self._hashes.extend([_hash(ident) & _LOW32 for ident in idents])
        if max(lines) > _LOW32 or min(lines) < 0:
            self._lines = _widened(self._lines)
        self._lines.extend(lines)
        self._join(idents)
        self._again = None

    def _join(self, idents: Sequence[str]) -> None:
        """Keep the text of *idents*, noted last, as one string and their ends."""
        ends = list(accumulate(map(len, idents), initial=self._size))
        if ends[-1] > _LOW32:
            self._ends = _widened(self._ends)
        self._ends.extend(ends[1:])  # ends[0] is where the first of them starts
        self._texts.append("".join(idents))
        self._starts.append(self._size)
        self._size = ends[-1]

    def _join_waiting(self) -> None:
        """:meth:`_join` the ids :meth:`add` noted since the last join."""
        if self._waiting:
            self._join(self._waiting)
            self._waiting = []

    def _ident(self, i: int) -> str:
        """The *i*-th id noted."""
        start = self._ends[i - 1] if i else 0
        k = bisect_right(self._starts, start) - 1  # the last text starting there or before
        offset = self._starts[k]
        return self._texts[k][start - offset : self._ends[i] - offset]

    def _repeats(self) -> dict[str, list[int]]:
        """Each id noted more than once: the lines after its first, ids in order of their first repeat."""
        if self._again is not None:
            return self._again
        self._join_waiting()
        # only an id whose hash could repeat can be a repeat; those are compared as text
        seen: set[str] = set()
        again: dict[str, list[int]] = {}
        for i in _candidates(self._hashes):
            ident = self._ident(i)
            if ident in seen:
                again.setdefault(ident, []).append(self._lines[i])
            else:
                seen.add(ident)
        self._again = again
        return again

    def __bool__(self) -> bool:
        return bool(self._repeats())

    def warning(self, shown: int = 10, verb: str = "each row counted") -> str | None:
        """One sentence naming the repeated ids (the first *shown* of them), or None."""
        repeats = self._repeats()
        if not repeats:
            return None
        items = list(repeats.items())
        listed = "; ".join(
            f"{shorten(ident, 40)} (again on line{'s' if len(lines) > 1 else ''} {', '.join(map(str, lines[:5]))}{', …' if len(lines) > 5 else ''})"
            for ident, lines in items[:shown]
        )
        more = f"; and {len(items) - shown} more" if len(items) > shown else ""
        count = len(items)
        noun = "ticket id appears" if count == 1 else "ticket ids appear"
        return f"{count} {noun} more than once, {verb}: {listed}{more}"


def _widened(values: array[int]) -> array[int]:
    """*values* as 64-bit integers (themselves when they are already)."""
    return values if values.typecode == "q" else array("q", values)


def _candidates(hashes: array[int]) -> Iterator[int]:
    """The positions, in order, of the hashes of *hashes* that another position holds too.

    With NumPy (the large files' engine has it), by sorting; without, by two
    bitmaps of buckets (seen, seen again), at least 16 buckets per hash, which
    give a few per cent more positions than the repeated hashes.
    """
    if not hashes:
        return iter(())
    try:
        import numpy as np
    except ImportError:
        return _bucket_candidates(hashes)
    values = np.frombuffer(hashes, dtype=np.uint32)
    ordered = np.sort(values)
    repeated = np.unique(ordered[1:][ordered[1:] == ordered[:-1]])
    if not len(repeated):
        return iter(())
    del ordered
    # where each hash would go among the repeated ones (np.isin would sort a copy of them all)
    slots = np.searchsorted(repeated, values)
    np.minimum(slots, len(repeated) - 1, out=slots)
    return iter(np.flatnonzero(repeated[slots] == values).tolist())


def _bucket_candidates(hashes: array[int]) -> Iterator[int]:
    """:func:`_candidates` in plain Python."""
    size = 1 << max(10, min(32, (16 * len(hashes)).bit_length()))
    mask = size - 1
    once = bytearray(size >> 3)
    again = bytearray(size >> 3)
    for value in hashes:
        bucket = value & mask
        byte, bit = bucket >> 3, 1 << (bucket & 7)
        if once[byte] & bit:
            again[byte] |= bit
        else:
            once[byte] |= bit
    if not any(again):
        return iter(())
    return (i for i, value in enumerate(hashes) if again[(value & mask) >> 3] & (1 << (value & 7)))
