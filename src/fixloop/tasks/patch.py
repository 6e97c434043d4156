"""Apply a unified diff to an in-memory repository (a dict of path -> text).

Supports what `git diff` and `diff -u` produce for text files: modified files and files
created from `/dev/null`. Header paths are stripped of their first component (`a/`, `b/`),
as `git apply` and `patch -p1` do. Each hunk must match its context exactly; a hunk may sit
up to `MAX_OFFSET` lines away from where its header says, to tolerate small drift.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field

from fixloop.tasks.task import normalize_repo_path

MAX_OFFSET = 50
"""How many lines away from its stated position a hunk's context is searched for."""

_HUNK_HEADER = re.compile(r"^@@ -(\d+)(?:,(\d+))? \+(\d+)(?:,(\d+))? @@")
_UNSUPPORTED = {
    "rename from ": "renaming files",
    "copy from ": "copying files",
    "GIT binary patch": "binary files",
    "Binary files ": "binary files",
}


class PatchError(ValueError):
    """The patch is malformed, does something unsupported, or does not apply."""


@dataclass
class _Hunk:
    header: str
    old_start: int
    old_lines: list[str] = field(default_factory=list)
    new_lines: list[str] = field(default_factory=list)


@dataclass
class _FilePatch:
    old_path: str | None  # None when the file is created (`--- /dev/null`)
    new_path: str | None  # None when the file is deleted (`+++ /dev/null`)
    hunks: list[_Hunk] = field(default_factory=list)


def apply_patch(files: Mapping[str, str], patch: str) -> dict[str, str]:
    """Apply the unified diff `patch` to `files` and return the files it changes or adds.

    The result maps each patched path to its full new content; `files` is not modified.
    Raises PatchError when the patch is malformed, deletes or renames a file, patches a
    file that does not exist, creates one that does, or has a hunk whose context is not
    found within `MAX_OFFSET` lines of its stated position.
    """
    file_patches = _parse(patch)
    if not file_patches:
        raise PatchError("the patch changes no file (no '--- a/...' / '+++ b/...' headers)")
    result: dict[str, str] = {}
    for file_patch in file_patches:
        path = _target_path(file_patch)
        current = result.get(path, files.get(path))
        if file_patch.old_path is None:
            if current is not None:
                raise PatchError(f"{path}: the patch creates this file, but it already exists")
            current = ""
        elif current is None:
            raise PatchError(f"{path}: the patch modifies this file, but the repository has no such file")
        result[path] = _apply_hunks(path, current, file_patch.hunks)
    return result


def _target_path(file_patch: _FilePatch) -> str:
    if file_patch.new_path is None:
        raise PatchError(f"{file_patch.old_path}: deleting files is not supported; empty the file instead")
    if file_patch.old_path is not None and file_patch.old_path != file_patch.new_path:
        raise PatchError(
            f"{file_patch.old_path} -> {file_patch.new_path}: renaming files is not supported; "
            "create the new file and empty the old one instead"
        )
    if not file_patch.hunks:
        raise PatchError(f"{file_patch.new_path}: the file header has no hunks")
    return file_patch.new_path


def _split_lines(text: str) -> list[str]:
    """Split on '\\n' only, keeping line ends, so '\\r\\n' files round-trip exactly."""
    parts = text.split("\n")
    lines = [part + "\n" for part in parts[:-1]]
    if parts[-1]:
        lines.append(parts[-1])
    return lines


def _parse(patch: str) -> list[_FilePatch]:
    lines = _split_lines(patch)
    file_patches: list[_FilePatch] = []
    index = 0
    while index < len(lines):
        line = lines[index]
        if line.startswith("--- ") and index + 1 < len(lines) and lines[index + 1].startswith("+++ "):
            old_path = _header_path(line[4:])
            new_path = _header_path(lines[index + 1][4:])
            file_patches.append(_FilePatch(old_path, new_path))
            index += 2
        elif line.startswith("@@"):
            if not file_patches:
                raise PatchError(f"hunk {line.strip()!r} comes before any '---' / '+++' file header")
            hunk, index = _parse_hunk(lines, index)
            file_patches[-1].hunks.append(hunk)
        else:
            for marker, what in _UNSUPPORTED.items():
                if line.startswith(marker):
                    raise PatchError(f"{what} is not supported: {line.strip()!r}")
            index += 1  # git's 'diff --git', 'index', mode lines and free text carry no change
    return file_patches


def _header_path(text: str) -> str | None:
    # `diff -u` appends a tab and a timestamp to the path.
    path = text.rstrip("\r\n").split("\t", 1)[0].strip()
    if path == "/dev/null":
        return None
    if "/" not in path:
        raise PatchError(f"header path {path!r} has no leading directory to strip (expected a/{path})")
    try:
        return normalize_repo_path(path.split("/", 1)[1])
    except ValueError as exc:
        raise PatchError(str(exc)) from None


def _parse_hunk(lines: list[str], index: int) -> tuple[_Hunk, int]:
    """Parse the hunk whose header is `lines[index]`; return it and the index after it."""
    header = lines[index].rstrip("\r\n")
    match = _HUNK_HEADER.match(header)
    if match is None:
        raise PatchError(f"malformed hunk header {header!r}")
    old_start, old_count, _, new_count = match.groups()
    hunk = _Hunk(header=header, old_start=int(old_start))
    old_left = 1 if old_count is None else int(old_count)
    new_left = 1 if new_count is None else int(new_count)
    index += 1
    while old_left > 0 or new_left > 0:
        if index >= len(lines):
            raise PatchError(f"hunk {header!r} ends before its stated line counts")
        line = lines[index]
        index += 1
        # Some editors strip the single space that marks an empty context line.
        kind, body = (" ", line) if line in ("\n", "\r\n") else (line[0], line[1:])
        if not body.endswith("\n"):
            body += "\n"  # only the patch text's own last line lacks one
        if index < len(lines) and lines[index].startswith("\\"):
            body = body.rstrip("\r\n")  # '\ No newline at end of file' applies to this line
            index += 1
        if kind not in " -+":
            raise PatchError(f"hunk {header!r}: unexpected line {line.rstrip()!r}")
        if kind in " -":
            hunk.old_lines.append(body)
            old_left -= 1
        if kind in " +":
            hunk.new_lines.append(body)
            new_left -= 1
    if old_left < 0 or new_left < 0:
        raise PatchError(f"hunk {header!r} has more lines than its header states")
    return hunk, index


def _apply_hunks(path: str, text: str, hunks: list[_Hunk]) -> str:
    lines = _split_lines(text)
    patched: list[str] = []
    consumed = 0  # lines of `lines` already copied or replaced
    drift = 0  # how far the previous hunk was from its stated position
    for number, hunk in enumerate(hunks, start=1):
        # A hunk that removes nothing states the line *after which* it inserts.
        stated = hunk.old_start - 1 if hunk.old_lines else hunk.old_start
        found = _find(lines, hunk.old_lines, stated + drift, consumed)
        if found is None:
            raise PatchError(
                f"{path}: hunk {number} ({hunk.header}) does not apply: "
                f"{_first_mismatch(lines, hunk.old_lines, stated + drift)}"
            )
        patched += lines[consumed:found]
        patched += hunk.new_lines
        consumed = found + len(hunk.old_lines)
        drift = found - stated
    patched += lines[consumed:]
    return "".join(patched)


def _find(lines: list[str], wanted: list[str], expected: int, earliest: int) -> int | None:
    """The start index nearest `expected` where `wanted` matches, not before `earliest`."""
    for distance in range(MAX_OFFSET + 1):
        for start in (expected - distance, expected + distance):
            if earliest <= start <= len(lines) - len(wanted) and lines[start : start + len(wanted)] == wanted:
                return start
    return None


def _first_mismatch(lines: list[str], wanted: list[str], expected: int) -> str:
    for offset, want in enumerate(wanted):
        position = expected + offset
        if position < 0 or position >= len(lines):
            return f"the file has no line {position + 1} (it has {len(lines)} lines)"
        if lines[position] != want:
            return (
                f"line {position + 1} is {lines[position].rstrip()!r}, expected {want.rstrip()!r} "
                f"(no match within {MAX_OFFSET} lines either)"
            )
    return f"its context overlaps an earlier hunk (no match within {MAX_OFFSET} lines either)"
