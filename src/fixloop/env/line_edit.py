"""Pure functions for line-based edits: re-indentation and line replacement."""

from __future__ import annotations

from collections.abc import Sequence


def _indent_of(line: str) -> str:
    return line[: len(line) - len(line.lstrip(" \t"))]


def _first_code_line(lines: list[str]) -> str | None:
    return next((line for line in lines if line.strip()), None)


def reindent(new_code: str, replaced: list[str]) -> str:
    """Indent `new_code` to match the lines it replaces.

    Language models often send a replacement block starting at column 0. When the first
    non-blank line of `new_code` has no indentation and the first non-blank replaced line
    has some, that indentation is prefixed to every non-blank line of `new_code`, keeping
    the block's relative indentation. In every other case `new_code` is returned unchanged.
    """
    new_lines = new_code.splitlines()
    first_new = _first_code_line(new_lines)
    first_old = _first_code_line(replaced)
    if first_new is None or first_old is None or _indent_of(first_new):
        return new_code
    prefix = _indent_of(first_old)
    if not prefix:
        return new_code
    shifted = [prefix + line if line.strip() else line for line in new_lines]
    return "\n".join(shifted) + ("\n" if new_code.endswith("\n") else "")


def replace_line_range(text: str, start: int, end: int, new_code: str) -> tuple[str, list[str]]:
    """Replace lines `start`..`end` (1-based, inclusive) of `text` with re-indented `new_code`.

    Returns the new text and the replaced lines. Raises ValueError when the range is empty
    or outside the file. An empty `new_code` deletes the lines.
    """
    lines = text.splitlines(keepends=True)
    if start > end:
        raise ValueError(f"start_line {start} is after end_line {end}")
    if end > len(lines):
        raise ValueError(f"line range {start}-{end} is outside the file, which has {len(lines)} lines")
    replaced = [line.rstrip("\r\n") for line in lines[start - 1 : end]]
    block = reindent(new_code, replaced)
    if block and not block.endswith("\n"):
        block += "\n"
    new_text = "".join(lines[: start - 1]) + block + "".join(lines[end:])
    return new_text, replaced


def number_lines(text: str, start: int = 1, end: int | None = None, marker: int | None = None) -> str:
    """Render lines `start`..`end` of `text` with right-aligned 1-based line numbers.

    The line numbered `marker`, when given, is flagged with `>>`.
    """
    lines = text.splitlines()
    end = len(lines) if end is None else min(end, len(lines))
    width = len(str(max(end, 1)))
    rendered = []
    for number in range(start, end + 1):
        flag = ">>" if number == marker else "  "
        rendered.append(f"{flag}{number:>{width}} | {lines[number - 1]}")
    return "\n".join(rendered)


def common_ends(old: Sequence[str], new: Sequence[str]) -> tuple[int, int]:
    """How many lines `old` and `new` share at the start, and then (not overlapping it) at the end."""
    prefix = 0
    while prefix < min(len(old), len(new)) and old[prefix] == new[prefix]:
        prefix += 1
    suffix = 0
    while suffix < min(len(old), len(new)) - prefix and old[-1 - suffix] == new[-1 - suffix]:
        suffix += 1
    return prefix, suffix
