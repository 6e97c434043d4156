"""The `Workspace`: a private temporary copy of a task's repository that the agent edits.

Every path the agent names goes through `resolve`, which refuses absolute paths, `..`
escapes and symlinks that lead outside the workspace. Edits are recorded so `undo` can
revert them one at a time; `restore` puts the original files back.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from fixloop.env.line_edit import replace_line_range
from fixloop.tasks.repo_tree import SKIPPED_DIRS, write_repo_tree


class WorkspaceError(ValueError):
    """An agent request the workspace refuses; the message is shown to the agent."""


@dataclass(frozen=True)
class Edit:
    """One recorded edit: `before` is the file's previous content, None if it did not exist."""

    path: str
    before: str | None
    after: str


class Workspace:
    """A temporary directory holding a repository, with confined paths and an edit history."""

    def __init__(
        self, files: Mapping[str, str], *, max_write_bytes: int = 200_000, parent: Path | None = None
    ) -> None:
        """Write `files` into a new temporary directory (under `parent` when given)."""
        self._original = dict(files)
        self.max_write_bytes = max_write_bytes
        self.root = Path(tempfile.mkdtemp(prefix="fixloop-ws-", dir=parent)).resolve()
        self.history: list[Edit] = []
        write_repo_tree(self._original, self.root)

    def resolve(self, path: str) -> Path:
        """The absolute path for `path`, which must stay inside the workspace.

        Raises WorkspaceError for empty or absolute paths, `..` escapes, and symlinks that
        point outside the workspace.
        """
        cleaned = path.strip()
        if not cleaned:
            raise WorkspaceError("the path is empty")
        if os.path.isabs(cleaned) or cleaned.startswith("~"):
            raise WorkspaceError(f"{path!r} is absolute; use a path relative to the repository root")
        candidate = self.root / cleaned
        resolved = candidate.resolve()
        if resolved != self.root and self.root not in resolved.parents:
            raise WorkspaceError(f"{path!r} leaves the repository; paths must stay inside it")
        return resolved

    def relative(self, path: Path) -> str:
        """`path` as a repository-relative POSIX string."""
        return path.relative_to(self.root).as_posix()

    def read(self, path: str) -> str:
        """The text of a file. Raises WorkspaceError when it is missing, a directory, or binary."""
        target = self.resolve(path)
        if not target.exists():
            raise WorkspaceError(f"{path!r} does not exist")
        if not target.is_file():
            raise WorkspaceError(f"{path!r} is not a regular file")
        data = target.read_bytes()
        if b"\x00" in data:
            raise WorkspaceError(f"{path!r} is a binary file")
        try:
            return data.decode("utf-8")
        except UnicodeDecodeError:
            raise WorkspaceError(f"{path!r} is not UTF-8 text") from None

    def write(self, path: str, content: str) -> Edit:
        """Create or overwrite a file with text `content`, recording the edit.

        Raises WorkspaceError for binary content, content over `max_write_bytes`, or a path
        that is a directory or leaves the workspace.
        """
        if "\x00" in content:
            raise WorkspaceError("refusing to write binary content (NUL bytes)")
        size = len(content.encode("utf-8"))
        if size > self.max_write_bytes:
            raise WorkspaceError(f"content is {size} bytes; the limit is {self.max_write_bytes}")
        target = self.resolve(path)
        if target.is_dir():
            raise WorkspaceError(f"{path!r} is a directory")
        if target.is_symlink():
            raise WorkspaceError(f"{path!r} is a symbolic link; write the file it points to")
        before = self.read(path) if target.exists() else None
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(content, encoding="utf-8")
        edit = Edit(self.relative(target), before, content)
        self.history.append(edit)
        return edit

    def replace_lines(self, path: str, start: int, end: int, new_code: str) -> tuple[Edit, list[str]]:
        """Replace a 1-based inclusive line range; returns the edit and the replaced lines."""
        text = self.read(path)
        try:
            new_text, replaced = replace_line_range(text, start, end, new_code)
        except ValueError as exc:
            raise WorkspaceError(str(exc)) from None
        return self.write(path, new_text), replaced

    def undo(self) -> Edit:
        """Revert the most recent edit. Raises WorkspaceError when there is none."""
        if not self.history:
            raise WorkspaceError("there is no edit to undo")
        edit = self.history.pop()
        target = self.root / edit.path
        if edit.before is None:
            target.unlink(missing_ok=True)
        else:
            target.write_text(edit.before, encoding="utf-8")
        return edit

    def restore(self) -> None:
        """Put the original repository back and forget the edit history."""
        for entry in self.root.iterdir():
            if entry.is_dir() and not entry.is_symlink():
                shutil.rmtree(entry)
            else:
                entry.unlink()
        write_repo_tree(self._original, self.root)
        self.history.clear()

    def tree(self) -> list[str]:
        """Every file in the workspace, repository-relative and sorted, skipping caches."""
        found: list[str] = []
        for dirpath, dirnames, filenames in os.walk(self.root):
            dirnames[:] = sorted(d for d in dirnames if d not in SKIPPED_DIRS)
            base = Path(dirpath)
            found.extend(self.relative(base / name) for name in filenames)
        return sorted(found)

    def snapshot(self) -> dict[str, str]:
        """The current text files (binary and undecodable files are left out)."""
        files = {}
        for rel in self.tree():
            try:
                files[rel] = self.read(rel)
            except WorkspaceError:
                continue
        return files

    def changed_files(self) -> list[str]:
        """Files whose content differs from the original repository, or that are new."""
        current = self.snapshot()
        changed = {p for p, c in current.items() if self._original.get(p) != c}
        changed |= {p for p in self._original if p not in current}
        return sorted(changed)

    def close(self) -> None:
        """Delete the workspace directory. Idempotent."""
        shutil.rmtree(self.root, ignore_errors=True)
