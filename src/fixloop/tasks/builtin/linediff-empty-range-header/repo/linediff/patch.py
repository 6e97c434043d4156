"""Apply unified diffs to lists of lines."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

_HEADER = re.compile(r"@@ -(\d+)(?:,(\d+))? \+(\d+)(?:,(\d+))? @@")


class PatchError(ValueError):
    """A malformed patch, or one that does not fit the lines it is applied to."""


@dataclass(frozen=True)
class _PatchHunk:
    old_start: int
    old_len: int
    lines: tuple[tuple[str, str], ...]


def apply_patch(lines: Sequence[str], patch: str) -> list[str]:
    """Apply the unified diff `patch` to `lines` (without line endings); return the result.

    Header ranges are read as GNU diff writes them: `START,LENGTH`, or `START` alone for
    one line. START is the 1-based number of the range's first line, except that a range of
    length 0 has no first line: its START is the number of the line after which the new
    lines go, 0 meaning before the first line (`@@ -3,0 +4,2 @@` inserts two lines after
    line 3).

    Hunks must be in order and apply exactly where their header says: no offsets or fuzz.
    Raises PatchError when the patch is malformed or a context or removed line does not
    match.
    """
    result: list[str] = []
    copied = 0
    for number, hunk in enumerate(_parse(patch), start=1):
        start = hunk.old_start - 1 if hunk.old_len else hunk.old_start
        if start < copied or start > len(lines):
            raise PatchError(f"hunk {number} starts outside the lines (at {hunk.old_start})")
        result += lines[copied:start]
        position = start
        for mark, text in hunk.lines:
            if mark == "+":
                result.append(text)
                continue
            if position >= len(lines) or lines[position] != text:
                raise PatchError(f"hunk {number} does not match line {position + 1}")
            if mark == " ":
                result.append(text)
            position += 1
        copied = position
    return result + list(lines[copied:])


def _parse(patch: str) -> list[_PatchHunk]:
    rows = patch.splitlines()
    index = 0
    while index < len(rows) and not rows[index].startswith("@@"):
        index += 1
    hunks: list[_PatchHunk] = []
    while index < len(rows):
        header = _HEADER.match(rows[index])
        if header is None:
            raise PatchError(f"expected a hunk header, got {rows[index]!r}")
        old_start, old_len, _, new_len = header.groups()
        old_left = 1 if old_len is None else int(old_len)
        new_left = 1 if new_len is None else int(new_len)
        hunk = _PatchHunk(int(old_start), old_left, ())
        body: list[tuple[str, str]] = []
        index += 1
        while old_left or new_left:
            if index >= len(rows):
                raise PatchError("patch ends in the middle of a hunk")
            row = rows[index]
            mark, text = row[:1] or " ", row[1:]
            if mark not in " -+":
                raise PatchError(f"bad hunk line {row!r}")
            if mark in " -":
                old_left -= 1
            if mark in " +":
                new_left -= 1
            if old_left < 0 or new_left < 0:
                raise PatchError("hunk is longer than its header says")
            body.append((mark, text))
            index += 1
        hunks.append(_PatchHunk(hunk.old_start, hunk.old_len, tuple(body)))
    return hunks
