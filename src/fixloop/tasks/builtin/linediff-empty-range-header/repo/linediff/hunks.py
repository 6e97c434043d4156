"""Group edit operations into hunks with surrounding context lines."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from linediff.opcodes import Opcode, opcodes


@dataclass(frozen=True)
class Hunk:
    """A stretch of the diff.

    `old_start` and `new_start` are 0-based indexes into the old and new line lists: the
    first line the hunk covers on that side or, when the hunk covers no line on that side
    (`old_len` or `new_len` is 0), the index at which the other side's lines sit. `lines`
    holds (mark, text) pairs with mark ' ' (context), '-' (old only) or '+' (new only).
    """

    old_start: int
    old_len: int
    new_start: int
    new_len: int
    lines: tuple[tuple[str, str], ...]


def group_hunks(a: Sequence[str], b: Sequence[str], context: int = 3) -> list[Hunk]:
    """The hunks of the diff from `a` to `b`, in order.

    Each change gets up to `context` unchanged lines on either side; changes separated by
    at most 2 * context unchanged lines share a hunk. Identical inputs give no hunks.
    """
    ops = opcodes(a, b)
    if all(op[0] == "equal" for op in ops):
        return []
    tag, i1, i2, j1, j2 = ops[0]
    if tag == "equal":
        ops[0] = (tag, max(i1, i2 - context), i2, max(j1, j2 - context), j2)
    tag, i1, i2, j1, j2 = ops[-1]
    if tag == "equal":
        ops[-1] = (tag, i1, min(i2, i1 + context), j1, min(j2, j1 + context))
    groups: list[list[Opcode]] = []
    group: list[Opcode] = []
    for tag, i1, i2, j1, j2 in ops:
        if tag == "equal" and i2 - i1 > 2 * context:
            group.append((tag, i1, i1 + context, j1, j1 + context))
            groups.append(group)
            group = []
            i1, j1 = i2 - context, j2 - context
        group.append((tag, i1, i2, j1, j2))
    if any(op[0] != "equal" for op in group):
        groups.append(group)
    return [_hunk(a, b, group) for group in groups]


def _hunk(a: Sequence[str], b: Sequence[str], group: list[Opcode]) -> Hunk:
    lines: list[tuple[str, str]] = []
    for tag, i1, i2, j1, j2 in group:
        if tag == "equal":
            lines += [(" ", line) for line in a[i1:i2]]
            continue
        lines += [("-", line) for line in a[i1:i2]]
        lines += [("+", line) for line in b[j1:j2]]
    old_start, new_start = group[0][1], group[0][3]
    old_end, new_end = group[-1][2], group[-1][4]
    return Hunk(old_start, old_end - old_start, new_start, new_end - new_start, tuple(lines))
