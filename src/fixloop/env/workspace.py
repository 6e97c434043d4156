"""The `Workspace`: a private temporary copy of a task's repository that the agent edits.

Test code runs with write access to the workspace, so its contents are hostile: between
two steps any file or folder may have become a symbolic link to a host path, a FIFO, a
socket, a link loop, a huge file or a tree thousands of levels deep. Every host-side
operation here — read, write, undo, restore, listing, snapshot and removal — goes through
`fixloop.sandbox.safe_fs`, which opens one path component at a time from a directory
descriptor and never follows a link. Only regular files and directories are acted on: a
link (even one pointing inside the workspace), a FIFO, a socket or a device is refused
with a `WorkspaceError` whose message is shown to the agent, and listed as what it is.

Paths the agent names are checked lexically first (`resolve`): no NUL, no lone
surrogates, no absolute paths or `..` escapes, at most `MAX_PATH_BYTES` bytes, names of at
most `MAX_NAME_BYTES` bytes, at most `max_depth` components.

The work any call does is bounded, whatever test code planted: a listing visits at most
`max_entries` entries and `max_depth` levels; a file larger than `max_file_bytes` is never
read; a snapshot takes files while their sizes sum to at most `max_snapshot_bytes`, and
re-reads only files whose inode, size or change time moved since it last read them. Each
bound is raised to fit the task's own repository, so the caps never hide an original file.
"""

from __future__ import annotations

import os
import posixpath
import tempfile
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from fixloop.env.line_edit import replace_line_range
from fixloop.sandbox import safe_fs
from fixloop.tasks.repo_tree import SKIPPED_DIRS

MAX_PATH_BYTES = 4096
"""Longest path (UTF-8 bytes) an action may name: Linux's PATH_MAX."""

MAX_NAME_BYTES = 255
"""Longest single name (UTF-8 bytes) in a path: Linux's NAME_MAX."""

DEFAULT_MAX_ENTRIES = 20_000
"""Entries (files, directories, links ...) a listing or snapshot visits at most."""

DEFAULT_MAX_DEPTH = 32
"""Directory levels a listing descends, and components a path may have, at most."""

DEFAULT_MAX_SNAPSHOT_BYTES = 64 * 1024 * 1024
"""Sum of the sizes of the files a snapshot reads, at most."""

MAX_REMARKS = 20
"""Entries that are not regular files a listing's remarks name one by one; the rest are counted."""

_SETTLED_NS = 1_000_000_000
"""How long before a read a file must have last changed for the read to be reused: file
times are coarse (a clock tick), so a change within the same tick could keep them equal."""


class WorkspaceError(ValueError):
    """An agent request the workspace refuses; the message is shown to the agent."""


class _Missing(WorkspaceError):
    """The path, or a directory on it, does not exist."""


@dataclass(frozen=True)
class Edit:
    """One recorded edit: `before` is the file's previous content, None if it did not exist."""

    path: str
    before: str | None
    after: str


@dataclass(frozen=True)
class Listing:
    """What a bounded listing of the workspace found.

    `files` are the regular files, sorted: every action can name them. `others` are the
    entries no action reads, writes or follows — symbolic links, FIFOs, sockets, devices —
    as (path, kind), sorted. `notes` say what the listing left out, and why.
    """

    files: list[str]
    others: list[tuple[str, str]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def remarks(self) -> list[str]:
        """A line for each entry that is not a regular file (at most `MAX_REMARKS`, then a
        count of the rest), then the notes."""
        lines = [f"{path} ({kind}; not followed or read)" for path, kind in self.others[:MAX_REMARKS]]
        if len(self.others) > MAX_REMARKS:
            lines.append(f"(and {len(self.others) - MAX_REMARKS} more entries that are not regular files)")
        return lines + self.notes


class Workspace:
    """A temporary directory holding a repository, with confined paths and an edit history.

    See the module docstring for what is guaranteed against hostile contents and how the
    work of each call is bounded. `max_file_bytes` is the larger of `max_write_bytes` and
    the task's largest file: no larger file can be the agent's or the task's, so none is
    read. `max_entries`, `max_depth` and `max_snapshot_bytes` are raised, if need be, to
    twice the original repository's entries, its depth, and its size plus one write.
    """

    def __init__(
        self,
        files: Mapping[str, str],
        *,
        max_write_bytes: int = 200_000,
        max_entries: int = DEFAULT_MAX_ENTRIES,
        max_depth: int = DEFAULT_MAX_DEPTH,
        max_snapshot_bytes: int = DEFAULT_MAX_SNAPSHOT_BYTES,
        parent: Path | None = None,
    ) -> None:
        """Write `files` (repository-relative paths) into a new temporary directory (under
        `parent` when given). Raises WorkspaceError when a path is not a clean relative one."""
        self._original = dict(files)
        sizes = {path: len(content.encode("utf-8")) for path, content in self._original.items()}
        depths = [path.count("/") + 1 for path in self._original]
        directories = {posixpath.dirname(path) for path in self._original} - {""}
        self.max_write_bytes = max_write_bytes
        self.max_file_bytes = max([max_write_bytes, *sizes.values()])
        self.max_depth = max([max_depth, *depths])
        self.max_entries = max(max_entries, 2 * (len(self._original) + len(directories)))
        self.max_snapshot_bytes = max(max_snapshot_bytes, sum(sizes.values()) + max_write_bytes)
        self.history: list[Edit] = []
        self._texts: dict[str, tuple[tuple[int, ...], str | None]] = {}
        self.root = Path(tempfile.mkdtemp(prefix="fixloop-ws-", dir=parent)).resolve()
        info = os.lstat(self.root)
        self._identity = (info.st_dev, info.st_ino)
        try:
            self._write_originals()
        except BaseException:
            self.close()
            raise

    # ---- paths ---------------------------------------------------------------------------

    def resolve(self, path: str) -> str:
        """`path` as a clean repository-relative POSIX path ("." for the root), checked lexically.

        Raises WorkspaceError for a path that is empty, absolute, leaves the repository
        with `..`, holds a NUL or a lone surrogate, or is too long or too deep. Links are
        not looked at here: the operations refuse them when they meet one.
        """
        return "/".join(self._parts(path)) or "."

    def _parts(self, path: str) -> tuple[str, ...]:
        if not isinstance(path, str):
            raise WorkspaceError(f"a path must be text, not {type(path).__name__}")
        cleaned = path.strip()
        shown = _shown(path)
        if not cleaned:
            raise WorkspaceError("the path is empty")
        if "\x00" in cleaned:
            raise WorkspaceError(f"{shown} contains a NUL character")
        if len(cleaned) > MAX_PATH_BYTES:
            raise WorkspaceError(
                f"the path is {len(cleaned)} characters long; the limit is {MAX_PATH_BYTES} bytes"
            )
        try:
            size = len(cleaned.encode("utf-8"))
        except UnicodeEncodeError:
            raise WorkspaceError(f"{shown} is not valid Unicode text (it holds a lone surrogate)") from None
        if size > MAX_PATH_BYTES:
            raise WorkspaceError(f"the path is {size} bytes long; the limit is {MAX_PATH_BYTES}")
        if os.path.isabs(cleaned) or cleaned.startswith("~"):
            raise WorkspaceError(f"{shown} is absolute; use a path relative to the repository root")
        parts: list[str] = []
        for part in cleaned.split("/"):
            if part in ("", "."):
                continue
            if part == "..":
                if not parts:
                    raise WorkspaceError(f"{shown} leaves the repository; paths must stay inside it")
                parts.pop()
                continue
            if len(part.encode("utf-8")) > MAX_NAME_BYTES:
                raise WorkspaceError(f"{shown} has a name longer than {MAX_NAME_BYTES} bytes")
            parts.append(part)
        if len(parts) > self.max_depth:
            raise WorkspaceError(f"{shown} is {len(parts)} levels deep; the limit is {self.max_depth}")
        return tuple(parts)

    @contextmanager
    def _root_fd(self) -> Iterator[int]:
        """A descriptor on the workspace directory; refuses one that was moved or replaced."""
        try:
            fd = os.open(self.root, safe_fs.DIR_FLAGS)
        except OSError as exc:
            raise WorkspaceError(f"the workspace directory cannot be opened: {exc.strerror}") from None
        try:
            info = os.fstat(fd)
            if (info.st_dev, info.st_ino) != self._identity:
                raise WorkspaceError("the workspace directory was replaced; reset the episode")
            yield fd
        finally:
            os.close(fd)

    @contextmanager
    def _parent_of(self, path: str, *, create: bool = False) -> Iterator[tuple[int, str, str]]:
        """(descriptor of the directory holding `path`, its last name, the clean path).

        With `create`, missing directories on the way are made. Raises WorkspaceError
        (`_Missing` when something on the way is absent) for the root itself, a bad path,
        or a component that is not a directory (a link to one included).
        """
        parts = self._parts(path)
        shown = _shown(path)
        if not parts:
            raise WorkspaceError(f"{shown} is the repository root, a directory")
        with self._root_fd() as root:
            try:
                fd = safe_fs.open_dir(root, parts[:-1], create=create)
            except FileNotFoundError:
                raise _Missing(f"{shown} does not exist") from None
            except safe_fs.WrongKind as exc:
                why = "links are not followed" if exc.kind == "symbolic link" else "not a directory"
                where = f"{shown} goes through {_shown(exc.name)}, a {exc.kind}"
                raise WorkspaceError(f"{where}: {why}") from None
            except OSError as exc:
                raise WorkspaceError(f"{shown} cannot be reached: {exc.strerror}") from None
            try:
                yield fd, parts[-1], "/".join(parts)
            finally:
                os.close(fd)

    # ---- files ---------------------------------------------------------------------------

    def kind(self, path: str) -> str | None:
        """What `path` is — "file", "directory", "symbolic link", "FIFO", "socket",
        "device" — or None when it does not exist. Raises WorkspaceError for a bad path or
        one that goes through a link."""
        if not self._parts(path):
            return "directory"
        try:
            with self._parent_of(path) as (fd, name, _):
                found = safe_fs.lstat_at(fd, name)
        except _Missing:
            return None
        return safe_fs.kind_of(found.st_mode) if found is not None else None

    def read(self, path: str) -> str:
        """The text of a regular file.

        Raises WorkspaceError when it is missing, is not a regular file (a directory, a
        link, a FIFO ...), is larger than `max_file_bytes`, or is not UTF-8 text.
        """
        with self._parent_of(path) as (fd, name, clean):
            text = self._read_at(fd, name, clean)
        if text is None:
            raise _Missing(f"{_shown(path)} does not exist")
        return text

    def _read_at(self, fd: int, name: str, clean: str) -> str | None:
        """The text of `name` in `fd`, None when it is absent; WorkspaceError otherwise."""
        shown = _shown(clean)
        try:
            data = safe_fs.read_file(fd, name, self.max_file_bytes)
        except FileNotFoundError:
            return None
        except safe_fs.WrongKind as exc:
            raise WorkspaceError(self._not_a_file(clean, exc.kind, fd, name)) from None
        except safe_fs.TooLarge as exc:
            raise WorkspaceError(
                f"{shown} is {exc.size} bytes; files over {self.max_file_bytes} bytes are not read"
            ) from None
        except OSError as exc:
            raise WorkspaceError(f"{shown} cannot be read: {exc.strerror}") from None
        if b"\x00" in data:
            raise WorkspaceError(f"{shown} is a binary file")
        try:
            return data.decode("utf-8")
        except UnicodeDecodeError:
            raise WorkspaceError(f"{shown} is not UTF-8 text") from None

    def _not_a_file(self, clean: str, kind: str, fd: int, name: str) -> str:
        shown = _shown(clean)
        if kind == "directory":
            return f"{shown} is a directory"
        if kind != "symbolic link":
            return f"{shown} is a {kind}, not a regular file; only regular files are read or written"
        try:
            target = os.readlink(name, dir_fd=fd)
        except OSError:
            target = "/"
        inside = posixpath.normpath(posixpath.join(posixpath.dirname(clean), target))
        if target.startswith("/") or inside == ".." or inside.startswith("../"):
            return f"{shown} is a symbolic link that leaves the repository; links are not followed"
        return (
            f"{shown} is a symbolic link (to {_shown(target)}); links are not followed: name the file itself"
        )

    def write(self, path: str, content: str) -> Edit:
        """Create or overwrite a regular file with text `content`, recording the edit.

        The file is replaced, never written through, and missing directories are made
        without following a link. Raises WorkspaceError for content that is binary, not
        valid Unicode or over `max_write_bytes`, and for a path that is bad, goes through a
        link, or names anything but a regular UTF-8 text file.
        """
        if "\x00" in content:
            raise WorkspaceError("refusing to write binary content (NUL bytes)")
        try:
            data = content.encode("utf-8")
        except UnicodeEncodeError:
            raise WorkspaceError(
                "the content is not valid Unicode text (it holds a lone surrogate)"
            ) from None
        if len(data) > self.max_write_bytes:
            raise WorkspaceError(f"content is {len(data)} bytes; the limit is {self.max_write_bytes}")
        with self._parent_of(path, create=True) as (fd, name, clean):
            before = self._read_at(fd, name, clean)
            self._write_at(fd, name, clean, data)
        edit = Edit(clean, before, content)
        self.history.append(edit)
        return edit

    def _write_at(self, fd: int, name: str, clean: str, data: bytes) -> None:
        try:
            safe_fs.write_file(fd, name, data)
        except safe_fs.WrongKind as exc:
            raise WorkspaceError(self._not_a_file(clean, exc.kind, fd, name)) from None
        except OSError as exc:
            raise WorkspaceError(f"{_shown(clean)} cannot be written: {exc.strerror}") from None

    def replace_lines(self, path: str, start: int, end: int, new_code: str) -> tuple[Edit, list[str]]:
        """Replace a 1-based inclusive line range; returns the edit and the replaced lines."""
        text = self.read(path)
        try:
            new_text, replaced = replace_line_range(text, start, end, new_code)
        except ValueError as exc:
            raise WorkspaceError(str(exc)) from None
        return self.write(path, new_text), replaced

    def undo(self) -> Edit:
        """Revert the most recent edit.

        Raises WorkspaceError when there is none, or when its path now holds anything but
        a regular file (the edit then stays in the history).
        """
        if not self.history:
            raise WorkspaceError("there is no edit to undo")
        edit = self.history[-1]
        with self._parent_of(edit.path, create=True) as (fd, name, clean):
            if edit.before is None:
                try:
                    safe_fs.remove_file(fd, name)
                except safe_fs.WrongKind as exc:
                    raise WorkspaceError(self._not_a_file(clean, exc.kind, fd, name)) from None
                except OSError as exc:
                    raise WorkspaceError(f"{_shown(clean)} cannot be removed: {exc.strerror}") from None
            else:
                self._write_at(fd, name, clean, edit.before.encode("utf-8"))
        self.history.pop()
        return edit

    def restore(self) -> None:
        """Put the original repository back and forget the edit history.

        Everything in the workspace is removed first (links removed, never followed).
        Raises WorkspaceError when that or rewriting a file fails.
        """
        with self._root_fd() as root:
            try:
                safe_fs.clear_dir(root)
            except OSError as exc:
                raise WorkspaceError(f"the workspace could not be emptied: {exc}") from None
        self._write_originals()
        self.history.clear()

    def _write_originals(self) -> None:
        for path, content in self._original.items():
            with self._parent_of(path, create=True) as (fd, name, clean):
                if clean != path:
                    raise WorkspaceError(f"task path {_shown(path)} is not a clean relative path")
                self._write_at(fd, name, clean, content.encode("utf-8"))

    # ---- views (bounded, never raise) ----------------------------------------------------

    def _walk(self, root: int) -> safe_fs.Walk:
        return safe_fs.Walk(root, max_entries=self.max_entries, max_depth=self.max_depth, skip=SKIPPED_DIRS)

    def listing(self) -> Listing:
        """The workspace's entries, skipping caches (`SKIPPED_DIRS`); never raises.

        Bounded by `max_entries` and `max_depth`; what is left out is said in `notes`.
        """
        files: list[str] = []
        others: list[tuple[str, str]] = []
        notes: list[str] = []
        try:
            with self._root_fd() as root:
                walk = self._walk(root)
                for entry in walk:
                    if entry.kind == "file":
                        files.append(entry.path)
                    elif entry.kind != "directory":
                        others.append((entry.path, entry.kind))
        except WorkspaceError as exc:
            return Listing([], [], [str(exc)])
        if walk.truncated:
            notes.append(f"(the listing stopped after {self.max_entries} entries)")
        if walk.too_deep:
            notes.append(
                f"(not listed: what lies more than {self.max_depth} levels down, "
                f"e.g. under {_shown(walk.too_deep[0])})"
            )
        if walk.unnamed:
            notes.append(f"(not listed: {walk.unnamed} entries whose names are not UTF-8 text)")
        return Listing(sorted(files), sorted(others), notes)

    def tree(self) -> list[str]:
        """Every regular file in the workspace, repository-relative and sorted, skipping
        caches; bounded as `listing` is. Never raises."""
        return self.listing().files

    def snapshot(self) -> dict[str, str]:
        """The current text files, by repository-relative POSIX path. Never raises.

        Left out: binary and non-UTF-8 files, anything that is not a regular file, files
        over `max_file_bytes` (neither the agent nor the task can have made them), what
        `listing` leaves out, and files met once the sizes of the files taken so far (in
        walk order) would pass `max_snapshot_bytes`. A file whose inode, size and times
        did not change since an earlier snapshot read it is not read again.
        """
        files: dict[str, str] = {}
        seen: dict[str, tuple[tuple[int, ...], str | None]] = {}
        total = 0
        now = time.time_ns()
        try:
            with self._root_fd() as root:
                for entry in self._walk(root):
                    info = entry.stat
                    if entry.kind != "file" or info.st_size > self.max_file_bytes:
                        continue
                    if total + info.st_size > self.max_snapshot_bytes:
                        continue
                    total += info.st_size
                    key = (info.st_dev, info.st_ino, info.st_size, info.st_mtime_ns, info.st_ctime_ns)
                    known = self._texts.get(entry.path)
                    text = known[1] if known is not None and known[0] == key else self._text_of(entry)
                    if info.st_ctime_ns < now - _SETTLED_NS:
                        seen[entry.path] = (key, text)
                    if text is not None:
                        files[entry.path] = text
        except WorkspaceError:
            files = {}
        self._texts = seen
        return files

    def _text_of(self, entry: safe_fs.Entry) -> str | None:
        """The text of the walked regular file `entry`, None when it cannot be read as text."""
        try:
            data = safe_fs.read_file(entry.dir_fd, entry.name, self.max_file_bytes)
        except OSError:
            return None
        if b"\x00" in data:
            return None
        try:
            return data.decode("utf-8")
        except UnicodeDecodeError:
            return None

    def changed_files(self) -> list[str]:
        """Files whose content differs from the original repository, or that are new, sorted.

        An original file the snapshot leaves out (removed, replaced by a link, grown too
        large, past a bound) counts as changed. Never raises.
        """
        current = self.snapshot()
        changed = {p for p, c in current.items() if self._original.get(p) != c}
        changed |= {p for p in self._original if p not in current}
        return sorted(changed)

    def close(self) -> None:
        """Delete the workspace directory, following no link. Idempotent; never raises
        (a failure to delete is logged)."""
        safe_fs.remove_planted_tree(self.root)


def _shown(path: str) -> str:
    """`path` quoted for a message: escaped (repr) and cut to 200 characters."""
    return repr(path if len(path) <= 200 else path[:200] + "...")
