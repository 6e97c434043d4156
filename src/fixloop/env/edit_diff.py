"""Unified diffs of edits, for trajectories and reports, and their size in changed lines."""

from __future__ import annotations

import difflib


def edit_diff(path: str, before: str | None, after: str | None) -> str:
    """A unified diff of one file (`None` on either side: the file did not exist)."""
    lines = difflib.unified_diff(
        (before or "").splitlines(keepends=True),
        (after or "").splitlines(keepends=True),
        fromfile=f"a/{path}" if before is not None else "/dev/null",
        tofile=f"b/{path}" if after is not None else "/dev/null",
    )
    return "".join(line if line.endswith("\n") else line + "\n" for line in lines)


def changed_lines(before: str | None, after: str | None) -> int:
    """Lines removed plus lines added between two versions of a file."""
    matcher = difflib.SequenceMatcher(
        None, (before or "").splitlines(), (after or "").splitlines(), autojunk=False
    )
    return sum((i2 - i1) + (j2 - j1) for tag, i1, i2, j1, j2 in matcher.get_opcodes() if tag != "equal")


def cap_text(text: str, limit: int) -> str:
    """`text`, cut to at most about `limit` characters with a note saying how much was cut."""
    if len(text) <= limit:
        return text
    return text[:limit] + f"\n... ({len(text) - limit} more characters not kept)\n"
