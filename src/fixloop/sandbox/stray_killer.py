"""The stray killer: a small root process beside a warm worker that ends a uid's processes.

This file is copied into the sandbox as `fixloop_killer.py`. The warm worker starts it as

    python -S -E -B fixloop_killer.py UID

and, after every run, writes one byte to its stdin; it then SIGKILLs every process of UID
(`kill_all`) and answers one byte, `k`, on stdout. It exits at the end of its input. The
worker could do the same itself, and does when this process is gone: but the worker holds
pytest and the compiled code of the workspaces, and forking it costs a few milliseconds per
run; forking this process costs a fraction of one. It runs as root, so test code, under
UID, can neither signal nor trace it.
"""

from __future__ import annotations

import os
import signal
import sys

from fixloop_launcher import drop_privileges  # type: ignore[import-not-found]

ACK = b"k"


def kill_all(uid: int) -> None:
    """SIGKILL every process of `uid` at once.

    A child drops to `uid` and signals -1, which the kernel delivers in one pass to every
    process that uid may signal (but the sender): a process forking meanwhile cannot slip
    through, as it could between two reads of /proc, and a reused pid is never hit.
    """
    pid = os.fork()
    if pid == 0:
        try:
            drop_privileges(uid, uid)
            os.kill(-1, signal.SIGKILL)
        except BaseException:  # nothing left to kill (ESRCH), or nothing we may do
            pass
        os._exit(0)
    os.waitpid(pid, 0)


def main(argv: list[str]) -> int:
    uid = int(argv[0])
    while os.read(0, 1):
        kill_all(uid)
        os.write(1, ACK)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
