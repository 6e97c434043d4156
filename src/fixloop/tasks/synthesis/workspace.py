"""One checkout of a repository, reused by a worker's candidate runs.

A warm worker compiles the Python files of a workspace before a run and reuses the code of
files it has seen unchanged, so a run in a fresh directory costs a compilation of the
whole repository (most of a small suite's run time) where a run in a reused one
recompiles only the mutated file. Between runs the checkout is made to hold exactly the
run's files again: what the previous mutant changed is restored, and whatever its tests
left behind (files, directories, links) is removed, so every run sees the tree a fresh
copy would have.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Mapping
from pathlib import Path

from fixloop.tasks.repo_tree import write_repo_tree


class ReusedCheckout:
    """Checkouts of repositories under `parent`, one directory reused while it can be.

    Not thread-safe: one per worker thread.
    """

    def __init__(self, parent: Path) -> None:
        self._parent = parent
        self._root: Path | None = None
        self._made = 0

    def checkout(self, files: Mapping[str, str]) -> Path:
        """A directory holding exactly `files` (path -> text), and nothing else."""
        if self._root is not None:
            try:
                _sync(self._root, files)
                return self._root
            except (OSError, RecursionError):
                # Something the tests left cannot be removed: start over in a new directory.
                self._root = None
        self._made += 1
        self._root = write_repo_tree(files, self._parent / f"checkout-{self._made}")
        return self._root


def _sync(root: Path, files: Mapping[str, str]) -> None:
    expected = {root / relative for relative in files}
    directories = {parent for path in expected for parent in path.parents if parent != root}
    for current, dirnames, filenames in os.walk(root):
        here = Path(current)
        for name in list(dirnames):
            path = here / name
            if path.is_symlink() or path not in directories:
                _remove(path)
                dirnames.remove(name)
        for name in filenames:
            if here / name not in expected:
                (here / name).unlink()
    for relative, content in files.items():
        path, data = root / relative, content.encode("utf-8")
        if not path.is_symlink() and path.is_file() and path.read_bytes() == data:
            continue
        if path.is_symlink() or path.exists():
            _remove(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)


def _remove(path: Path) -> None:
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path)
    else:
        path.unlink()
