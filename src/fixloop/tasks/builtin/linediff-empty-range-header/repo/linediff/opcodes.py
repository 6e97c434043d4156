"""Turn matching blocks into edit operations."""

from __future__ import annotations

from collections.abc import Sequence

from linediff.lcs import matching_blocks

Opcode = tuple[str, int, int, int, int]
"""(tag, i1, i2, j1, j2): tag is 'equal', 'delete', 'insert' or 'replace' and says how
a[i1:i2] becomes b[j1:j2]."""


def opcodes(a: Sequence[str], b: Sequence[str]) -> list[Opcode]:
    """The edit operations that turn `a` into `b`, covering both lists in order."""
    ops: list[Opcode] = []
    i = j = 0
    for block_i, block_j, size in matching_blocks(a, b):
        if i < block_i and j < block_j:
            ops.append(("replace", i, block_i, j, block_j))
        elif i < block_i:
            ops.append(("delete", i, block_i, j, j))
        elif j < block_j:
            ops.append(("insert", i, i, j, block_j))
        if size:
            ops.append(("equal", block_i, block_i + size, block_j, block_j + size))
        i, j = block_i + size, block_j + size
    return ops
