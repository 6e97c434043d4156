"""Move a repository snapshot (path -> text) between a directory on disk and memory."""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

SKIPPED_DIRS = frozenset({"__pycache__", ".git", ".pytest_cache"})
"""Directories that hold caches or history, never task content."""

SKIPPED_SUFFIXES = (".pyc",)


def read_repo_tree(root: Path) -> dict[str, str]:
    """Read every file under `root` as UTF-8 text, keyed by its relative POSIX path.

    Skips `SKIPPED_DIRS` and `*.pyc`. Raises ValueError naming the file when a file is not
    UTF-8 text (see `read_text_file`).
    """
    files: dict[str, str] = {}
    for directory, subdirs, names in os.walk(root):
        subdirs[:] = sorted(d for d in subdirs if d not in SKIPPED_DIRS)
        for name in sorted(names):
            if name.endswith(SKIPPED_SUFFIXES):
                continue
            path = Path(directory, name)
            files[path.relative_to(root).as_posix()] = read_text_file(path)
    return files


def read_text_file(path: Path) -> str:
    """Return the file's content; raise ValueError naming it unless it is UTF-8 text without NULs."""
    data = path.read_bytes()
    if b"\x00" not in data:
        try:
            return data.decode("utf-8")
        except UnicodeDecodeError:
            pass
    raise ValueError(f"{path}: not a UTF-8 text file; tasks hold text files only")


def write_repo_tree(files: Mapping[str, str], root: Path) -> Path:
    """Write `files` under `root` (created if needed), byte for byte as UTF-8; return `root`.

    Paths must already be clean relative paths, as a validated `Task` guarantees.
    """
    root.mkdir(parents=True, exist_ok=True)
    for relative, content in files.items():
        path = root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(content.encode("utf-8"))
    return root
