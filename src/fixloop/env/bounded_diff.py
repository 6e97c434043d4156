"""A file change's size and diff, in bounded time whatever the two versions hold.

`difflib` takes time quadratic in the number of lines on some inputs (thousands of equal
lines, say 190,000 blank ones written over a file): one step could then hold the host for
minutes. `bounded_diff` sets the two versions' common first and last lines aside first
(linear time), diffs only what lies between, and gives up on the exact diff when even that
is longer than `MAX_DIFFED_LINES`. Small files are diffed whole, exactly as
`fixloop.env.edit_diff` does.
"""

from __future__ import annotations

import re

from fixloop.env.edit_diff import changed_lines, edit_diff
from fixloop.env.line_edit import common_ends

MAX_DIFFED_LINES = 2_000
"""Lines (old plus new) beyond which only the part between the common ends is diffed, and
beyond which, in that part, the diff is not computed at all."""

_CONTEXT = 3
"""Unchanged lines a unified diff shows around each change (difflib's default)."""

_HUNK = re.compile(r"^@@ -(\d+)(,\d+)? \+(\d+)(,\d+)? @@", re.MULTILINE)


def bounded_diff(path: str, before: str | None, after: str | None) -> tuple[int, str]:
    """(lines removed plus added, unified diff) of `path` going from `before` to `after`
    (None: the file does not exist on that side).

    Exact for files of up to `MAX_DIFFED_LINES` lines in all, for a file created or
    emptied, and for larger ones whose changed middle is that short. Otherwise the count
    is every line of the middle and the diff a header with a note saying it was not computed.
    """
    old = (before or "").splitlines(keepends=True)
    new = (after or "").splitlines(keepends=True)
    if len(old) + len(new) <= MAX_DIFFED_LINES or not old or not new:  # one side empty: linear
        return changed_lines(before, after), edit_diff(path, before, after)
    head, tail = common_ends(old, new)
    start = max(0, head - _CONTEXT)
    keep = max(0, tail - _CONTEXT)
    old_part, new_part = old[start : len(old) - keep], new[start : len(new) - keep]
    middle = len(old) + len(new) - 2 * (head + tail)
    if len(old_part) + len(new_part) > MAX_DIFFED_LINES:
        header = f"--- {'a/' + path if before is not None else '/dev/null'}\n"
        header += f"+++ {'b/' + path if after is not None else '/dev/null'}\n"
        return middle, header + f"(not shown: {middle} lines changed, too many to diff)\n"
    old_text, new_text = "".join(old_part), "".join(new_part)
    diff = edit_diff(path, old_text if before is not None else None, new_text if after is not None else None)
    shifted = _HUNK.sub(
        lambda hunk: f"@@ -{int(hunk[1]) + start}{hunk[2] or ''} +{int(hunk[3]) + start}{hunk[4] or ''} @@",
        diff,
    )
    return changed_lines(old_text, new_text), shifted
