"""Give every live bwrap sandbox its own unprivileged uid, across threads and processes."""

from __future__ import annotations

import socket

from fixloop.sandbox.base import SandboxError

BASE_UID = 200_000
"""First uid handed out; far above the uids a distribution assigns to people and services."""

SLOT_COUNT = 10_000


class UidSlot:
    """Holds one uid in `BASE_UID .. BASE_UID + SLOT_COUNT - 1` until `release()`.

    RLIMIT_NPROC counts the processes of a uid, so two sandboxes sharing a uid would share
    one process budget (and one's fork bomb would starve the other). The claim is an
    abstract Unix socket named after the uid: binding it fails while another process or
    thread holds it, and the kernel drops it when its holder closes it or dies, so no
    stale claim survives a crash and no file needs cleaning up.
    """

    def __init__(self) -> None:
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

    def release(self) -> None:
        """Give the uid back. Idempotent."""
        self._claim.close()
