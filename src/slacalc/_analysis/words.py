"""Words for counts, shared by the plots, the report and the report command (the engine's own)."""

from __future__ import annotations

from slacalc._engine.words import plural

__all__ = ["plural"]
