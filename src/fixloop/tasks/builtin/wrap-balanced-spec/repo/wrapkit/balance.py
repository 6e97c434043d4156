"""Line breaking that keeps the right margin even. Specified in SPEC.md."""

from __future__ import annotations

from collections.abc import Sequence

from wrapkit.greedy import greedy_lines


def balanced_lines(words: Sequence[str], width: int) -> list[list[str]]:
    """Split `words` into lines of at most `width` characters as SPEC.md describes."""
    # Placeholder until the optimal search in SPEC.md is written: first-fit breaking.
    return greedy_lines(words, width)
