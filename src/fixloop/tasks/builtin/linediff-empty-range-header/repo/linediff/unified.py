"""Render a diff in the unified format.

The output starts with `--- OLD-NAME` and `+++ NEW-NAME` lines, then each hunk: a header
`@@ -OLD-RANGE +NEW-RANGE @@` followed by the hunk's lines, each prefixed with its mark
(' ', '-' or '+'). Ranges are written exactly as GNU `diff -u` writes them, so that GNU
`patch` and `linediff.apply_patch` can read the output back.
"""

from __future__ import annotations

from collections.abc import Sequence

from linediff.hunks import group_hunks


def unified_diff(
    a: Sequence[str], b: Sequence[str], from_name: str = "a", to_name: str = "b", context: int = 3
) -> str:
    """The unified diff turning the lines `a` into the lines `b` ("" when they are equal).

    Lines are given without line endings; every output line ends with a newline.
    """
    hunks = group_hunks(a, b, context)
    if not hunks:
        return ""
    out = [f"--- {from_name}\n", f"+++ {to_name}\n"]
    for hunk in hunks:
        old = _range(hunk.old_start, hunk.old_len)
        new = _range(hunk.new_start, hunk.new_len)
        out.append(f"@@ -{old} +{new} @@\n")
        out += [f"{mark}{text}\n" for mark, text in hunk.lines]
    return "".join(out)


def _range(start: int, length: int) -> str:
    """The header range of `length` lines from the 0-based index `start`."""
    first = start + 1
    if length == 1:
        return str(first)
    return f"{first},{length}"
