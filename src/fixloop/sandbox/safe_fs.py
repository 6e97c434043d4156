"""No-follow file handling inside a directory whose contents are hostile.

Test code runs with write access to the workspace, so between two steps it may replace
any file or folder there with a symbolic link to a host path, or plant FIFOs, sockets,
link loops and trees thousands of levels deep. The host (often root) must never read,
write or delete through such an entry, nor block on it. Every function here therefore
works from a directory file descriptor, one path component at a time:

- directories are opened with `O_DIRECTORY | O_NOFOLLOW`, files with
  `O_NOFOLLOW | O_NONBLOCK`, and `fstat` must then say "directory" or "regular file";
  anything else raises `WrongKind` (a FIFO is never read, a link never followed);
- a file is written by creating a new file beside it and renaming it over the name, so a
  write never goes through whatever entry was there (a link, a hard link to a host file);
- entries are removed by name (`unlink`, `rmdir`), which never follows a link; a tree is
  emptied without recursion, so depth costs neither stack nor descriptors.

Because each open is relative to a descriptor and refuses a link as its last component,
this holds even when an entry is swapped between two calls: a race can make a call fail,
never make it follow a link. Names are single components that callers have validated (no
"/", NUL, "." or ".."). Failures raise `OSError` (`WrongKind` and `TooLarge` are ones).
"""

from __future__ import annotations

import errno
import logging
import os
import secrets
import stat
from collections.abc import Iterator, Sequence
from contextlib import suppress
from dataclasses import dataclass, field
from itertools import count, islice

DIR_FLAGS = os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC
"""How a directory is opened: never through a link, never blocking."""

FILE_FLAGS = os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_NOCTTY | os.O_CLOEXEC
"""How a file is opened for reading: never through a link, never blocking on a FIFO."""

logger = logging.getLogger(__name__)

_BATCH = 512
"""Entries read from a directory at a time while emptying it."""


def kind_of(mode: int) -> str:
    """What an `st_mode` describes: file, directory, symbolic link, FIFO, socket or device."""
    if stat.S_ISREG(mode):
        return "file"
    if stat.S_ISDIR(mode):
        return "directory"
    if stat.S_ISLNK(mode):
        return "symbolic link"
    if stat.S_ISFIFO(mode):
        return "FIFO"
    if stat.S_ISSOCK(mode):
        return "socket"
    return "device"


class WrongKind(OSError):
    """An entry is not the kind of entry an operation needs; `kind` says what it is."""

    def __init__(self, name: str, kind: str) -> None:
        super().__init__(errno.EINVAL, f"{name!r} is a {kind}")
        self.name = name
        self.kind = kind


class TooLarge(OSError):
    """A file is larger than a read allows; `size` is its size in bytes."""

    def __init__(self, name: str, size: int) -> None:
        super().__init__(errno.EFBIG, f"{name!r} is {size} bytes")
        self.name = name
        self.size = size


def lstat_at(dir_fd: int, name: str) -> os.stat_result | None:
    """The entry `name` of directory `dir_fd` as it is (a link is not followed), None if absent."""
    try:
        return os.stat(name, dir_fd=dir_fd, follow_symlinks=False)
    except FileNotFoundError:
        return None


def _open_subdir(dir_fd: int, name: str) -> int:
    try:
        return os.open(name, DIR_FLAGS, dir_fd=dir_fd)
    except OSError as exc:
        if exc.errno not in (errno.ELOOP, errno.ENOTDIR):
            raise
        found = lstat_at(dir_fd, name)
        raise WrongKind(name, kind_of(found.st_mode) if found else "missing entry") from None


def open_dir(dir_fd: int, parts: Sequence[str], *, create: bool = False) -> int:
    """A new descriptor on the directory `dir_fd`/`parts`, opened a component at a time.

    With `create`, missing directories are made (mode 0o755); an existing entry is never
    replaced. Raises FileNotFoundError when a component is missing (without `create`) and
    `WrongKind` when one is not a directory (a link to one included). The caller closes it.
    """
    fd = os.dup(dir_fd)
    try:
        for name in parts:
            if create:
                with suppress(FileExistsError):
                    os.mkdir(name, 0o755, dir_fd=fd)
            child = _open_subdir(fd, name)
            os.close(fd)
            fd = child
    except BaseException:
        os.close(fd)
        raise
    return fd


def read_file(dir_fd: int, name: str, max_bytes: int) -> bytes:
    """The content of the regular file `name` in `dir_fd`.

    Raises FileNotFoundError, `WrongKind` when it is not a regular file (checked on the
    opened descriptor, so a swap cannot slip a FIFO in) and `TooLarge` when it holds more
    than `max_bytes`; reads at most `max_bytes` + 1 bytes whatever the file claims.
    """
    found = lstat_at(dir_fd, name)
    if found is None:
        raise FileNotFoundError(errno.ENOENT, "no such file", name)
    if not stat.S_ISREG(found.st_mode):
        raise WrongKind(name, kind_of(found.st_mode))
    fd = os.open(name, FILE_FLAGS, dir_fd=dir_fd)
    try:
        opened = os.fstat(fd)
        if not stat.S_ISREG(opened.st_mode):
            raise WrongKind(name, kind_of(opened.st_mode))
        if opened.st_size > max_bytes:
            raise TooLarge(name, opened.st_size)
        chunks: list[bytes] = []
        remaining = max_bytes + 1
        while remaining > 0:
            chunk = os.read(fd, min(remaining, 1 << 20))
            if not chunk:
                break
            chunks.append(chunk)
            remaining -= len(chunk)
        data = b"".join(chunks)
        if len(data) > max_bytes:
            raise TooLarge(name, len(data))
        return data
    finally:
        os.close(fd)


def write_file(dir_fd: int, name: str, data: bytes) -> None:
    """Make `name` in `dir_fd` a regular file holding `data` (mode 0o644).

    The data goes to a new file that is then renamed over `name`, so an existing entry
    is replaced and never written through. Raises `WrongKind` when `name` exists and is
    not a regular file (a directory, a link, a FIFO ...).
    """
    found = lstat_at(dir_fd, name)
    if found is not None and not stat.S_ISREG(found.st_mode):
        raise WrongKind(name, kind_of(found.st_mode))
    temporary = f".fixloop-write-{secrets.token_hex(8)}"
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC
    fd = os.open(temporary, flags, 0o644, dir_fd=dir_fd)
    try:
        try:
            view = memoryview(data)
            while view:
                view = view[os.write(fd, view) :]
        finally:
            os.close(fd)
        os.rename(temporary, name, src_dir_fd=dir_fd, dst_dir_fd=dir_fd)
    except BaseException:
        with suppress(OSError):
            os.unlink(temporary, dir_fd=dir_fd)
        raise


def remove_file(dir_fd: int, name: str) -> None:
    """Remove the regular file `name` of `dir_fd`; nothing to do when it is absent.

    Raises `WrongKind` when the entry is anything but a regular file.
    """
    found = lstat_at(dir_fd, name)
    if found is None:
        return
    if not stat.S_ISREG(found.st_mode):
        raise WrongKind(name, kind_of(found.st_mode))
    with suppress(FileNotFoundError):
        os.unlink(name, dir_fd=dir_fd)


def clear_dir(dir_fd: int) -> None:
    """Remove everything inside the directory `dir_fd`, never following a link.

    Every subdirectory is first moved (renamed) into a private trash directory made
    inside `dir_fd`, then emptied the same way, so the work takes three descriptors and
    no recursion however deep the tree is. Raises OSError when an entry cannot be removed.
    """
    trash_name = f".fixloop-trash-{secrets.token_hex(8)}"
    os.mkdir(trash_name, 0o700, dir_fd=dir_fd)
    trash = open_dir(dir_fd, [trash_name])
    try:
        pending: list[str] = []
        names = count()
        _empty_into(dir_fd, trash, pending, names, keep=trash_name)
        while pending:
            name = pending.pop()
            directory = _open_subdir(trash, name)
            try:
                _empty_into(directory, trash, pending, names, keep=None)
            finally:
                os.close(directory)
            os.rmdir(name, dir_fd=trash)
    finally:
        os.close(trash)
    os.rmdir(trash_name, dir_fd=dir_fd)


def _empty_into(
    directory: int, trash: int, pending: list[str], names: Iterator[int], *, keep: str | None
) -> None:
    """Unlink the non-directories of `directory` and move its directories into `trash`
    under the next of `names` (appended to `pending`); `keep` names an entry left alone."""
    with suppress(OSError):
        os.fchmod(directory, 0o700)  # only matters when not root: the tree may be read-only
    while True:
        with os.scandir(directory) as entries:
            batch = [entry for entry in islice(entries, _BATCH + 1) if entry.name != keep]
        if not batch:
            return
        for entry in batch:
            if entry.is_dir(follow_symlinks=False):
                target = str(next(names))
                _move(directory, entry.name, trash, target)
                pending.append(target)
            else:
                with suppress(FileNotFoundError):
                    os.unlink(entry.name, dir_fd=directory)


def _move(directory: int, name: str, trash: int, target: str) -> None:
    try:
        os.rename(name, target, src_dir_fd=directory, dst_dir_fd=trash)
    except PermissionError:
        # Moving a directory rewrites its "..": it must be writable (matters when not root).
        child = _open_subdir(directory, name)
        try:
            os.fchmod(child, 0o700)
        finally:
            os.close(child)
        os.rename(name, target, src_dir_fd=directory, dst_dir_fd=trash)


def remove_tree(path: os.PathLike[str] | str) -> None:
    """Remove `path` and, when it is a directory, everything below it, following no link.

    `path` itself is trusted up to its last component, which may be anything (a link is
    removed, not followed). Nothing to do when it is absent. Raises OSError on failure.
    """
    parent, name = os.path.split(os.path.abspath(path))
    parent_fd = os.open(parent, DIR_FLAGS & ~os.O_NOFOLLOW)
    try:
        found = lstat_at(parent_fd, name)
        if found is None:
            return
        if not stat.S_ISDIR(found.st_mode):
            os.unlink(name, dir_fd=parent_fd)
            return
        directory = _open_subdir(parent_fd, name)
        try:
            clear_dir(directory)
        finally:
            os.close(directory)
        os.rmdir(name, dir_fd=parent_fd)
    finally:
        os.close(parent_fd)


def empty_dir(path: os.PathLike[str] | str) -> None:
    """Remove everything inside the directory `path` (trusted, as a whole), following no link
    below it; its own mode stays as it was. Raises OSError on failure."""
    directory = os.open(path, DIR_FLAGS & ~os.O_NOFOLLOW)
    try:
        mode = stat.S_IMODE(os.fstat(directory).st_mode)
        clear_dir(directory)
        os.fchmod(directory, mode)
    finally:
        os.close(directory)


def remove_planted_tree(path: os.PathLike[str] | str) -> None:
    """`remove_tree` for cleanup of a directory test code could write into: never raises;
    what cannot be removed is left behind and logged as a warning."""
    try:
        remove_tree(path)
    except OSError as exc:
        logger.warning("could not delete %s: %s", path, exc)


@dataclass(frozen=True)
class Entry:
    """One entry met by `Walk`.

    `dir_fd` is the open directory holding it (read the entry with `read_file(dir_fd,
    name, ...)`); it is valid only until the walk moves on to the next entry.
    """

    path: str
    name: str
    kind: str
    stat: os.stat_result
    dir_fd: int


@dataclass
class Walk:
    """A bounded, sorted, no-follow walk of the tree under the directory `root_fd`.

    Iterating yields an `Entry` for every entry, depth first, names sorted within each
    directory, never entering a link. It stops after `max_entries` entries and does not
    enter directories `max_depth` levels down or named in `skip` (those are not yielded).
    Entries whose names are not UTF-8 cannot be named by anyone and are counted, not
    yielded. After iterating, `truncated`, `too_deep` and `unnamed` say what was left
    out. An entry that vanishes or cannot be opened meanwhile is left out silently.
    """

    root_fd: int
    max_entries: int
    max_depth: int
    skip: frozenset[str] = frozenset()
    truncated: bool = field(default=False, init=False)
    too_deep: list[str] = field(default_factory=list, init=False)
    unnamed: int = field(default=0, init=False)
    _seen: int = field(default=0, init=False)

    def __iter__(self) -> Iterator[Entry]:
        self.truncated, self.too_deep, self.unnamed, self._seen = False, [], 0, 0
        yield from self._walk(self.root_fd, "", 1)

    def _walk(self, dir_fd: int, prefix: str, depth: int) -> Iterator[Entry]:
        budget = self.max_entries - self._seen
        try:
            with os.scandir(dir_fd) as scan:
                listed = list(islice(scan, budget + 1))
        except OSError:
            return
        if len(listed) > budget:
            self.truncated = True
            listed = listed[:budget]
        for item in sorted(listed, key=lambda item: item.name):
            if not _is_utf8(item.name):
                self.unnamed += 1
                continue
            try:
                info = item.stat(follow_symlinks=False)
            except OSError:
                continue
            kind = kind_of(info.st_mode)
            if kind == "directory" and item.name in self.skip:
                continue
            if self._seen >= self.max_entries:
                self.truncated = True
                return
            self._seen += 1
            path = prefix + item.name
            yield Entry(path=path, name=item.name, kind=kind, stat=info, dir_fd=dir_fd)
            if kind != "directory":
                continue
            if depth >= self.max_depth:
                self.too_deep.append(path)
                continue
            try:
                child = _open_subdir(dir_fd, item.name)
            except OSError:
                continue
            try:
                yield from self._walk(child, path + "/", depth + 1)
            finally:
                os.close(child)


def _is_utf8(name: str) -> bool:
    """Whether a name from the file system is UTF-8 text (undecodable bytes come back
    from `os` as lone surrogates, which no action can carry)."""
    if name.isascii():
        return True
    try:
        name.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True
