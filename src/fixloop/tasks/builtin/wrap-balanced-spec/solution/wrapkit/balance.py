"""Line breaking that keeps the right margin even. Specified in SPEC.md."""

from __future__ import annotations

from collections.abc import Sequence


def balanced_lines(words: Sequence[str], width: int) -> list[list[str]]:
    """Split `words` into lines of at most `width` characters as SPEC.md describes."""
    if width < 1:
        raise ValueError(f"width must be at least 1, not {width}")
    count = len(words)
    # best[i] = (cost of the best split of words[i:], end of its first line)
    best: list[tuple[int, int]] = [(0, count)] * (count + 1)
    for start in range(count - 1, -1, -1):
        choice: tuple[tuple[int, int], int] | None = None
        length = -1
        for end in range(start + 1, count + 1):
            length += len(words[end - 1]) + 1
            if end - start > 1 and length > width:
                break
            if end == count or length > width:
                cost = 0
            else:
                cost = (width - length) ** 2
            # Lowest total cost first; on a tie, the longest first line.
            key = (cost + best[end][0], -(end - start))
            if choice is None or key < choice[0]:
                choice = (key, end)
        assert choice is not None
        best[start] = (choice[0][0], choice[1])
    lines: list[list[str]] = []
    start = 0
    while start < count:
        end = best[start][1]
        lines.append(list(words[start:end]))
        start = end
    return lines
