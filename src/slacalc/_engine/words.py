"""Words for counts in messages and explanations, for every layer: ``1 day``, ``192 days``."""

from __future__ import annotations

__all__ = ["plural"]


def plural(count: int, word: str, words: str | None = None) -> str:
    """``1 ticket``, ``2 tickets``, ``1,024 days``: a count with its noun in the right number.

    >>> plural(1, "ticket"), plural(2, "ticket"), plural(1_024, "day"), plural(3, "more is", "more are")
    ('1 ticket', '2 tickets', '1,024 days', '3 more are')
    """
    return f"{count:,} {word if count == 1 else words or word + 's'}"
