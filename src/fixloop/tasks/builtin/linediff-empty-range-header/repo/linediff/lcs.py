"""Longest common subsequence of two line lists."""

from __future__ import annotations

from collections.abc import Sequence


def matching_blocks(a: Sequence[str], b: Sequence[str]) -> list[tuple[int, int, int]]:
    """Runs of equal lines along one longest common subsequence of `a` and `b`.

    Each block `(i, j, n)` means `a[i:i + n] == b[j:j + n]`; blocks are in increasing
    order and do not touch each other. The list always ends with the sentinel
    `(len(a), len(b), 0)`. When several subsequences are longest, lines of `a` that can
    be deleted before the match are deleted first.
    """
    rows, cols = len(a), len(b)
    # suffix[i][j]: length of the LCS of a[i:] and b[j:].
    suffix = [[0] * (cols + 1) for _ in range(rows + 1)]
    for i in range(rows - 1, -1, -1):
        for j in range(cols - 1, -1, -1):
            if a[i] == b[j]:
                suffix[i][j] = suffix[i + 1][j + 1] + 1
            else:
                suffix[i][j] = max(suffix[i + 1][j], suffix[i][j + 1])
    blocks: list[tuple[int, int, int]] = []
    i = j = 0
    while i < rows and j < cols:
        if a[i] == b[j]:
            if blocks and blocks[-1][0] + blocks[-1][2] == i and blocks[-1][1] + blocks[-1][2] == j:
                start_i, start_j, size = blocks[-1]
                blocks[-1] = (start_i, start_j, size + 1)
            else:
                blocks.append((i, j, 1))
            i += 1
            j += 1
        elif suffix[i + 1][j] >= suffix[i][j + 1]:
            i += 1
        else:
            j += 1
    blocks.append((rows, cols, 0))
    return blocks
