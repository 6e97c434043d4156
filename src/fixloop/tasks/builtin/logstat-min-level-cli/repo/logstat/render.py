"""Plain-text output."""

from __future__ import annotations

from collections.abc import Sequence


def table(rows: Sequence[tuple[str, int]]) -> str:
    """Left-aligned names and right-aligned counts, one row per line."""
    if not rows:
        return "(no matching records)\n"
    name_width = max(len(name) for name, _ in rows)
    count_width = max(len(str(count)) for _, count in rows)
    return "".join(f"{name:<{name_width}}  {count:>{count_width}}\n" for name, count in rows)
