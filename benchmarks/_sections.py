"""docs/performance.md is written by several benchmarks: each owns one ``## `` section."""

from __future__ import annotations

import re
from pathlib import Path

#: Sections written by benchmarks other than run.py (which writes the rest of the page).
OWN_SECTIONS = (
    "## Batch calendar API",
    "## Batch evaluation",
    "## evaluate_frame",
    "## Helpdesk exports (`--source`)",
    "## Live metrics",
)


def _pattern(heading: str) -> re.Pattern[str]:
    return re.compile(rf"^{re.escape(heading)}\n.*?(?=^## |\Z)", re.MULTILINE | re.DOTALL)


def write_section(path: Path, heading: str, section: str) -> None:
    """Replace the section of *path* that starts with *heading* (up to the next ``## ``), or append it."""
    text = path.read_text(encoding="utf-8") if path.exists() else ""
    pattern = _pattern(heading)
    if pattern.search(text):
        text = pattern.sub(lambda _: section.rstrip("\n") + "\n\n", text, count=1)
    else:
        text = text.rstrip("\n") + "\n\n" + section if text else section
    path.write_text(text.rstrip("\n") + "\n", encoding="utf-8")


def write_page(path: Path, page: str) -> None:
    """Write *page* to *path*, keeping the sections other benchmarks own."""
    old = path.read_text(encoding="utf-8") if path.exists() else ""
    kept = [m.group(0) for heading in OWN_SECTIONS if (m := _pattern(heading).search(old))]
    text = page.rstrip("\n")
    for section in kept:
        text += "\n\n" + section.rstrip("\n")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text + "\n", encoding="utf-8")
