"""First-fit line breaking."""

from __future__ import annotations

from collections.abc import Sequence


def line_length(words: Sequence[str]) -> int:
    """The length of `words` set on one line with single spaces."""
    return sum(len(word) for word in words) + max(len(words) - 1, 0)


def greedy_lines(words: Sequence[str], width: int) -> list[list[str]]:
    """Fill each line with as many words as fit in `width` before starting the next.

    A word longer than `width` gets a line of its own. Raises ValueError for a width
    below 1.
    """
    if width < 1:
        raise ValueError(f"width must be at least 1, not {width}")
    lines: list[list[str]] = []
    current: list[str] = []
    for word in words:
        if current and line_length(current) + 1 + len(word) > width:
            lines.append(current)
            current = []
        current.append(word)
    if current:
        lines.append(current)
    return lines
