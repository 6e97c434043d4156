"""`ProcessSandbox`: tests in a plain child process, for machines without bubblewrap."""

from __future__ import annotations

import logging
import os

from fixloop.sandbox.base import SandboxLimits
from fixloop.sandbox.pytest_sandbox import Launch, PytestSandbox, RunSetup

logger = logging.getLogger(__name__)

_warned = False


def _warn_reduced_isolation() -> None:
    global _warned
    if _warned:
        return
    _warned = True
    root_note = " and, running as root, no process limit" if os.geteuid() == 0 else ""
    logger.warning(
        "Running tests with the 'process' sandbox: no network or filesystem isolation%s. "
        "Install Debian's `bubblewrap` package for the isolated 'bwrap' sandbox.",
        root_note,
    )


class ProcessSandbox(PytestSandbox):
    """Runs the workspace's tests as a child process with a scrubbed environment and rlimits.

    Enforced: the wall timeout (the child's process group is killed), memory, CPU, file
    size, output cap, and the environment allowlist. Not enforced: the test code can reach
    the network and any file the current user can, and a process that leaves the process
    group outlives the run. RLIMIT_NPROC counts all processes of the current user, and
    does not apply at all when that user is root. Logs a warning saying so, once per process.
    """

    name = "process"

    def __init__(self, limits: SandboxLimits | None = None, *, warm: bool = True) -> None:
        super().__init__(limits, warm=warm)
        _warn_reduced_isolation()

    def _launch(self, setup: RunSetup) -> Launch:
        return Launch(argv=setup.command, env=setup.env)
