"""`ProcessSandbox`: tests in a plain child process, for machines without bubblewrap."""

from __future__ import annotations

import contextlib
import logging
import os
import shutil
import sys
import tempfile
import threading
import weakref
from collections.abc import Sequence
from pathlib import Path

from fixloop.sandbox.base import Interpreter, SandboxError, SandboxLimits, TestRunResult
from fixloop.sandbox.pytest_sandbox import Launch, PytestSandbox, RunSetup
from fixloop.sandbox.safe_fs import remove_planted_tree

logger = logging.getLogger(__name__)

_warned = False


def _warn_reduced_isolation() -> None:
    global _warned
    if _warned:
        return
    _warned = True
    who = (
        "an unprivileged uid of its own, which can still read what every user may"
        if os.geteuid() == 0
        else "your user, so it can read fixloop's environment (API key included) and signal it"
    )
    logger.warning(
        "Running tests with the 'process' sandbox: no network or filesystem isolation, and "
        "test code runs as %s. Install Debian's `bubblewrap` package for the isolated 'bwrap' sandbox.",
        who,
    )


def _python_paths() -> list[Path]:
    """What test code must reach to run Python: the interpreter and the installation's
    prefixes, as named and as resolved."""
    named = [Path(sys.executable), Path(sys.prefix), Path(sys.base_prefix)]
    return list(dict.fromkeys([*named, *(path.resolve() for path in named)]))


class ProcessSandbox(PytestSandbox):
    """Runs the workspace's tests as a child process with a scrubbed environment and rlimits.

    Always enforced: the wall timeout (the run's process group is killed), memory, CPU,
    file size, process count (RLIMIT_NPROC), the output cap and the environment allowlist.
    Never enforced: test code reaches the network, reads any file its uid may read, and
    writes wherever every user may (/tmp, /var/tmp, /dev/shm), where what it leaves
    outlives the run: a `pytest.ini` left in /tmp configures every later run whose
    workspace is below /tmp. Without a PID namespace it sees every process's command line
    (`/proc/<pid>/cmdline` is world-readable): an API key passed as an argument is visible.

    As root, test code runs under the sandbox's own unprivileged uid (see `UidSlot`; its
    gid is the same number, with no supplementary groups), with a `TMPDIR` of its own per
    run (a warm worker gives each run one too). It cannot read another uid's
    `/proc/<pid>/environ` or memory, nor signal or ptrace fixloop, a warm worker or another
    sandbox's test code; it cannot change the support directory (root's, not writable by
    others), an episode's directory (root's, mode 0755: no files beside the workspaces), nor
    any file that was not handed to it: the workspace is handed over before each run.
    Every process of that uid is killed after each per-run run, when an episode ends and at
    `close()`; in an episode the warm worker kills them after each run. To reach the Python
    installation, the support directory, the worker's scratch directory and the workspaces,
    the uid may search every directory above them: a private one (as `mkdtemp` makes them,
    or /root above a pyenv) gets an ACL entry for that uid alone, removed at `close()`, so
    test code can read what is readable by everyone in those directories. `SandboxError`
    when the file system has no ACLs. Runs in one sandbox take turns: they share the uid
    whose processes each run's end kills.

    As another user, nothing of this applies: test code runs as that user, so it can read
    fixloop's environment (an API key in an environment variable included), signal or
    ptrace fixloop (as Yama allows), write any file the user may (the support directory
    included, so it can forge later runs' reports), and a process it starts outside the
    run's process group outlives the run. RLIMIT_NPROC counts all of the user's processes.

    Logs a warning saying what is not enforced, once per process.
    """

    name = "process"

    def __init__(self, limits: SandboxLimits | None = None, *, warm: bool = True) -> None:
        super().__init__(limits, warm=warm)
        self._turn: contextlib.AbstractContextManager[object] = (
            threading.RLock() if self._uid is not None else contextlib.nullcontext()
        )
        self._run_tmp: Path | None = None
        self._worker_tmp: Path | None = None
        if self._uid is not None:
            try:
                for path in [*_python_paths(), self._support.path]:
                    self._uid.let_reach(path)
            except SandboxError:
                self._release_uid()
                self._support.close()
                raise
        _warn_reduced_isolation()

    def run_tests(
        self,
        workspace: Path,
        targets: Sequence[str] = (),
        *,
        limits: SandboxLimits | None = None,
        coverage: bool = False,
    ) -> TestRunResult:
        """See `PytestSandbox.run_tests`; as root, runs take turns."""
        with self._turn:
            return super().run_tests(workspace, targets, limits=limits, coverage=coverage)

    def _allow_interpreter(self, python: Interpreter) -> None:
        """As root, let the sandbox's uid reach the task environment's directories and
        interpreter (by ACL entries on private directories above them, as for fixloop's)."""
        if self._uid is None:
            return
        for path in [python.executable, *python.paths]:
            self._uid.let_reach(Path(path))

    def _hand_over(self, path: Path) -> None:
        """As root, give the tree to the sandbox's uid and let that uid reach it."""
        super()._hand_over(path)
        if self._uid is not None:
            self._uid.let_reach(path)

    def _worker_scratch(self) -> Path | None:
        """A host directory, which the worker gives to the sandbox's uid, reachable by it."""
        scratch = super()._worker_scratch()
        if self._uid is not None and scratch is not None:
            self._uid.let_reach(scratch)
        return scratch

    def _end_test_processes(self) -> None:
        """As root, kill every process of the sandbox's uid (between runs: see `run_tests`),
        then remove the per-run run's temporary directory."""
        if self._uid is None:
            return
        with self._turn:
            self._uid.kill_processes()
            if self._run_tmp is not None:
                remove_planted_tree(self._run_tmp)
                self._run_tmp = None

    def _launch(self, setup: RunSetup) -> Launch:
        """The command as it is; as root, with a private `TMPDIR` (see `_private_tmp`)."""
        if self._uid is None:
            return Launch(argv=setup.command, env=setup.env)
        tmp = self._private_tmp(worker=str(self._support.worker) in setup.command)
        return Launch(argv=setup.command, env={**setup.env, "TMPDIR": str(tmp)})

    def _private_tmp(self, *, worker: bool) -> Path:
        """As root, a temporary directory instead of the shared /tmp, where pytest's `tmp_path`
        lives: all uids would share `/tmp/pytest-of-unknown`, and a worker, as root, would
        change `/tmp/pytest-of-root`.

        A worker's is root's alone (its warm-ups run pytest as root; its children each get
        one of their own), shared by the sandbox's workers until `close()`. A per-run run's
        belongs to the sandbox's uid and is removed when the run ends.
        """
        assert self._uid is not None
        if worker:
            with self._turn:
                if self._worker_tmp is None:
                    self._worker_tmp = Path(tempfile.mkdtemp(prefix="fixloop-worker-tmp-"))
                    weakref.finalize(self, shutil.rmtree, self._worker_tmp, ignore_errors=True)
                return self._worker_tmp
        self._run_tmp = Path(tempfile.mkdtemp(prefix="fixloop-run-tmp-"))
        self._uid.hand_over(self._run_tmp)
        self._uid.let_reach(self._run_tmp)
        return self._run_tmp

    def close(self) -> None:
        """See `PytestSandbox.close`; also removes the workers' temporary directory."""
        super().close()
        if self._worker_tmp is not None:
            shutil.rmtree(self._worker_tmp, ignore_errors=True)
