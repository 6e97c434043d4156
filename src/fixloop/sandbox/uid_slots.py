"""A sandbox's own unprivileged uid, for test code when fixloop runs as root.

`UidSlot` claims a uid no other live sandbox holds (across threads and processes), hands
it the trees test code may change, lets it reach paths below private directories, and
ends its processes. Test code under that uid cannot read fixloop's `/proc/<pid>/environ`,
signal or ptrace fixloop, nor write files the host made, unless they were handed over.
"""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import threading
from pathlib import Path

from fixloop.sandbox.base import SandboxError
from fixloop.sandbox.search_acl import can_search, grant_search, revoke_search

BASE_UID = 200_000
"""First uid handed out; far above the uids a distribution assigns to people and services."""

SLOT_COUNT = 10_000

_KILL_ALL = "import os\ntry:\n    os.kill(-1, 9)\nexcept ProcessLookupError:\n    pass\n"
"""Run as the slot's uid: SIGKILL every process that uid may signal, but the caller."""


CHOWN_DEPTH = 64
"""Levels below a handed-over root that are given to the uid: deeper than any path the host
writes (the workspace refuses longer ones), so what lies deeper is test code's own already."""


def chown_tree(root: Path, uid: int, gid: int) -> None:
    """Give `root` and everything below it, `CHOWN_DEPTH` levels deep, to uid/gid, never
    following a symlink.

    Raises OSError only for `root` itself: an entry below it that cannot be changed (test
    code may have made its path too long or removed it meanwhile) is skipped, so what test
    code plants cannot make handing over fail. `os.walk` is pruned at the depth limit, so
    a tree of any depth costs no recursion past it.
    """
    os.chown(root, uid, gid, follow_symlinks=False)
    top = str(root).rstrip(os.sep).count(os.sep)
    for directory, dirnames, filenames in os.walk(root):
        if directory.count(os.sep) - top >= CHOWN_DEPTH:
            dirnames.clear()
        for name in (*dirnames, *filenames):
            with contextlib.suppress(OSError):
                os.chown(os.path.join(directory, name), uid, gid, follow_symlinks=False)


class UidSlot:
    """Holds one uid in `BASE_UID .. BASE_UID + SLOT_COUNT - 1` until `release()`; its gid
    is the same number, with no supplementary groups.

    RLIMIT_NPROC counts the processes of a uid, so two sandboxes sharing a uid would share
    one process budget (and one's fork bomb would starve the other), and ending one's
    processes would end the other's. The claim is an abstract Unix socket named after the
    uid: binding it fails while another process or thread holds it, and the kernel drops it
    when its holder closes it or dies, so no stale claim survives a crash and no file needs
    cleaning up. Only root can use the other methods.
    """

    def __init__(self) -> None:
        self._granted: list[Path] = []
        self._grants_lock = threading.Lock()
        for uid in range(BASE_UID, BASE_UID + SLOT_COUNT):
            claim = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            try:
                claim.bind(f"\0fixloop-sandbox-uid-{uid}")
            except OSError:
                claim.close()
                continue
            self.uid = uid
            self._claim = claim
            return
        raise SandboxError(f"all {SLOT_COUNT} sandbox uids are in use")

    def hand_over(self, path: Path) -> None:
        """Give the tree at `path` (which the host wrote) to this uid; raises `SandboxError`."""
        try:
            chown_tree(path, self.uid, self.uid)
        except OSError as exc:
            raise SandboxError(f"could not hand {path} to uid {self.uid}: {exc}") from exc

    def let_reach(self, path: Path) -> None:
        """Let this uid search every directory above the absolute `path`.

        A directory it cannot search (a private one, mode 0700) gets an ACL entry letting
        this uid, and no one else, through (see `search_acl`); `release()` removes them.
        Each call checks again: a chmod of the directory may have masked the entry since.
        Raises `SandboxError` when an entry cannot be set (a file system without ACLs).
        """
        with self._grants_lock:
            for directory in reversed(path.parents):
                try:
                    if can_search(directory, self.uid):
                        continue
                    grant_search(directory, self.uid)
                except OSError as exc:
                    raise SandboxError(
                        f"test code runs as uid {self.uid} and cannot reach {path}: could not let it "
                        f"search {directory} ({exc}); keep it below directories every user may search, "
                        "or use the bwrap sandbox"
                    ) from exc
                if directory not in self._granted:
                    self._granted.append(directory)

    def kill_processes(self) -> None:
        """SIGKILL every process of this uid on the machine.

        Sent by a process running as this uid, with kill(-1): the kernel signals exactly the
        processes whose real or saved uid is this one (never root's, never the caller's),
        and a fork racing the kill cannot slip past it. Raises `SandboxError` when that
        process cannot run.
        """
        try:
            killer = subprocess.run(
                [sys.executable, "-I", "-S", "-c", _KILL_ALL],
                user=self.uid,
                group=self.uid,
                extra_groups=[],
                env={},
                cwd="/",
                stdin=subprocess.DEVNULL,
                capture_output=True,
                check=False,
            )
        except OSError as exc:
            raise SandboxError(f"could not end the processes of uid {self.uid}: {exc}") from exc
        if killer.returncode != 0:
            raise SandboxError(
                f"could not end the processes of uid {self.uid}: {killer.stderr.decode(errors='replace')}"
            )

    def release(self) -> None:
        """Remove the ACL entries `let_reach` made (where the directories still exist) and
        give the uid back. Idempotent."""
        with self._grants_lock:
            while self._granted:
                with contextlib.suppress(OSError):
                    revoke_search(self._granted.pop(), self.uid)
        self._claim.close()
