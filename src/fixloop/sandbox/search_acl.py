"""Let one uid search (traverse) a directory through a POSIX ACL entry, and take it back.

As root, the process sandbox runs test code under an unprivileged uid of its own, which
reaches a workspace only if it may search every directory above it; private directories
(mode 0700, as `tempfile.mkdtemp` and pytest's `tmp_path` make them) stop it. An entry
`user:<uid>:--x` lets exactly that uid through and changes nothing for anyone else; these
functions do what `setfacl -m u:UID:x DIR` and `setfacl -x u:UID DIR` do, mask recalculation
included, without needing the `acl` package. Changes to one directory's ACL are serialized
across threads and processes by an exclusive `flock` on the directory.
"""

from __future__ import annotations

import errno
import fcntl
import os
import stat
import struct
from pathlib import Path

ACL_XATTR = "system.posix_acl_access"

_VERSION = 2
_USER_OBJ, _USER, _GROUP_OBJ, _GROUP, _MASK, _OTHER = 0x01, 0x02, 0x04, 0x08, 0x10, 0x20
_NO_ID = 0xFFFFFFFF
_HEADER = struct.Struct("<I")
_ENTRY = struct.Struct("<HHI")
_SEARCH = 0o1

Entry = tuple[int, int, int]
"""(tag, permission bits rwx, uid or gid) as the kernel stores an ACL entry."""


def can_search(directory: Path, uid: int) -> bool:
    """Whether `uid` (whose gid is the same number, with no other groups) may search
    `directory`, by its mode and ACL. Raises OSError when it cannot be read."""
    fd = os.open(directory, os.O_RDONLY | os.O_DIRECTORY)
    try:
        status = os.fstat(fd)
        entries = _read(fd)
    finally:
        os.close(fd)
    mask = next((bits for tag, bits, _ in entries if tag == _MASK), 0o7)
    if status.st_uid == uid:
        return any(tag == _USER_OBJ and bits & _SEARCH for tag, bits, _ in entries)
    named = [bits for tag, bits, who in entries if tag == _USER and who == uid]
    if named:
        return bool(named[0] & mask & _SEARCH)
    if status.st_gid == uid:
        return any(tag == _GROUP_OBJ and bits & mask & _SEARCH for tag, bits, _ in entries)
    return any(tag == _OTHER and bits & _SEARCH for tag, bits, _ in entries)


def grant_search(directory: Path, uid: int) -> None:
    """Give `uid` search permission on `directory` (replacing any entry it had).

    Raises OSError when the ACL cannot be read or set (EOPNOTSUPP: the file system has no ACLs).
    """
    _set_entry(directory, uid, _SEARCH)


def revoke_search(directory: Path, uid: int) -> None:
    """Remove `uid`'s entry from `directory`'s ACL; the ACL and mode return to what they were
    before `grant_search` when nothing else changed them. Raises OSError as `grant_search`."""
    _set_entry(directory, uid, None)


def _set_entry(directory: Path, uid: int, permission: int | None) -> None:
    fd = os.open(directory, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)  # another sandbox may be changing the same ACL
        entries = [(tag, bits, who) for tag, bits, who in _read(fd) if not (tag == _USER and who == uid)]
        if permission is not None:
            entries.append((_USER, permission, uid))
        os.setxattr(fd, ACL_XATTR, _encode(entries))
    finally:
        os.close(fd)  # and with it the lock


def _read(fd: int) -> list[Entry]:
    """The directory's ACL entries; the three equivalent to its mode when it has no ACL."""
    try:
        raw = os.getxattr(fd, ACL_XATTR)
    except OSError as exc:
        if exc.errno != errno.ENODATA:
            raise
        mode = stat.S_IMODE(os.fstat(fd).st_mode)
        return [
            (_USER_OBJ, mode >> 6 & 7, _NO_ID),
            (_GROUP_OBJ, mode >> 3 & 7, _NO_ID),
            (_OTHER, mode & 7, _NO_ID),
        ]
    (version,) = _HEADER.unpack_from(raw)
    if version != _VERSION:
        raise OSError(errno.EINVAL, f"unknown ACL version {version}")
    return [_ENTRY.unpack_from(raw, offset) for offset in range(_HEADER.size, len(raw), _ENTRY.size)]


def _encode(entries: list[Entry]) -> bytes:
    """The xattr value for `entries`, in the kernel's order, with the mask recalculated
    (the union of the group class), or without one when no named entry is left: the
    kernel then drops the ACL and sets the mode from the three base entries."""
    kept = [entry for entry in entries if entry[0] != _MASK]
    if any(tag in (_USER, _GROUP) for tag, _, _ in kept):
        mask = 0
        for tag, permission, _ in kept:
            if tag in (_USER, _GROUP_OBJ, _GROUP):
                mask |= permission
        kept.append((_MASK, mask, _NO_ID))
    kept.sort(key=lambda entry: (entry[0], entry[2]))
    return _HEADER.pack(_VERSION) + b"".join(_ENTRY.pack(*entry) for entry in kept)
