"""`BwrapSandbox`: tests in a bubblewrap container with no network and a read-only system."""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path

from fixloop.sandbox.base import Interpreter, SandboxError, SandboxLimits
from fixloop.sandbox.pytest_sandbox import Launch, PytestSandbox, RunSetup

INSTALL_HINT = (
    "install Debian's `bubblewrap` package (apt-get install bubblewrap) "
    "or use `--sandbox process` for the less isolated process sandbox"
)


def find_bwrap() -> str:
    """Path of the `bwrap` executable on PATH; raises `SandboxError` with a hint when absent."""
    path = shutil.which("bwrap")
    if path is None:
        raise SandboxError(f"bubblewrap (`bwrap`) is not on PATH: {INSTALL_HINT}")
    return path


_TOP_DIRS = ("/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32")


def _inside(path: str, directory: str) -> bool:
    return path == directory or path.startswith(directory.rstrip("/") + "/")


def _outermost(paths: list[str]) -> list[str]:
    """`paths` without duplicates and without those inside another one, shortest first."""
    kept: list[str] = []
    for path in sorted(set(paths), key=len):
        if not any(_inside(path, k) for k in kept):
            kept.append(path)
    return kept


def system_paths() -> list[str]:
    """Host paths the sandbox sees read-only: only what running Python needs.

    /usr, the real top-level library/binary dirs, and the Python installation: the base
    prefix, the virtual environment and the interpreter's directory, both as named and
    as resolved. Home directories, /etc and the project stay invisible.
    """
    tops = [top for top in _TOP_DIRS if os.path.isdir(top) and not os.path.islink(top)]
    python_dirs = [sys.base_prefix, sys.prefix, os.path.dirname(sys.executable)]
    python_dirs += [os.path.realpath(path) for path in python_dirs]
    return _outermost(["/usr", *tops, *python_dirs])


def mount_args(read_only: list[str], writable: list[str], tmp_bytes: int) -> list[str]:
    """bwrap arguments for the sandbox's file system.

    A fresh root holding a private /tmp of at most `tmp_bytes` (a tmpfs is memory), /dev,
    /proc, the host's top-level symlinks (/bin -> usr/bin ...), /etc/localtime, and the
    `read_only` and `writable` host paths, each bound at its own path. Parent directories
    are created world-traversable (bwrap would make them 0700, closed to the unprivileged
    uid the tests run as).
    """
    # The tmpfs comes first: the workspace usually lives under /tmp, and a later tmpfs
    # would hide it.
    args = ["--perms", "1777", "--size", str(tmp_bytes), "--tmpfs", "/tmp"]
    args += ["--dev", "/dev", "--proc", "/proc"]
    created = {"/", "/tmp", "/dev", "/proc"}
    bound: list[str] = []  # host content below these: nothing to create there
    for top in _TOP_DIRS:
        if os.path.islink(top):
            args += ["--symlink", os.readlink(top), top]
            bound.append(top)
    if os.path.exists("/etc/localtime"):
        read_only = [*read_only, "/etc/localtime"]
    binds = [("--ro-bind", path) for path in read_only] + [("--bind", path) for path in writable]
    for option, path in binds:
        for parent in map(str, reversed(Path(path).parents)):
            if parent not in created and not any(_inside(parent, b) for b in bound):
                args += ["--perms", "0755", "--dir", parent]
                created.add(parent)
        args += [option, path, path]
        bound.append(path)
    return args


class BwrapSandbox(PytestSandbox):
    """Runs the workspace's tests under bubblewrap.

    The sandbox sees a read-only /usr and Python installation (and the task environment's
    directories when an episode names one), a private /tmp (tmpfs, at
    most `memory_mb` large), /dev and /proc, and the workspace at its host path,
    read-write: the only host path it can change. It has no network, its own
    PID/IPC/UTS namespaces, and an environment built from an allowlist. Everything in it
    is killed at the wall timeout or when the calling process dies.

    As root, bwrap keeps only CAP_SETUID/CAP_SETGID and the launcher drops to a uid of its
    own (see `UidSlot`), because RLIMIT_NPROC does not bind uid 0; the workspace is given
    to that uid before each run. As another user, bwrap runs in a new user namespace
    under the same uid, and the process limit applies there.

    Inside an episode (`start_episode`) one bwrap container lives for the whole episode,
    with the episode's directory as its writable host path and a warm worker in it that
    forks a child per run (see `worker_program.py`); the child drops to the sandbox's uid and
    takes the run's limits, and after each run every process of that uid is killed. The
    container's /tmp is then bounded by the sandbox's default `memory_mb`.

    Known limit: the report is written by the test process itself, so test code can
    forge its own verdicts (as it could by editing the tests).

    Raises `SandboxError` at construction when bwrap is not installed.
    """

    name = "bwrap"

    def __init__(
        self, limits: SandboxLimits | None = None, *, bwrap: str | None = None, warm: bool = True
    ) -> None:
        self._bwrap = bwrap or find_bwrap()
        super().__init__(limits, warm=warm)
        self._system_paths = system_paths()

    def _privilege_args(self) -> list[str]:
        if self.run_as() is None:
            return ["--unshare-user"]
        return ["--cap-add", "CAP_SETUID", "--cap-add", "CAP_SETGID"]

    def _worker_scratch(self) -> Path | None:
        """None: a worker keeps its runs' temporary files in the sandbox's private /tmp."""
        return None

    def _prepare_episode(self, directory: Path, python: Interpreter | None) -> list[str]:
        """Empty the private /tmp after each run, but for the paths bound into it, as a
        fresh per-run container would have it: nothing a run leaves there (a pytest.ini
        above the workspace, say) reaches a later run."""
        options = super()._prepare_episode(directory, python)
        for path in [str(directory), str(self._support.path), *self._read_only(python)]:
            options += ["--clean-tmp", path]
        return options

    def _read_only(self, python: Interpreter | None) -> list[str]:
        """The host paths test code sees read-only: the system's, fixloop's Python, and
        those of the task environment `python`, if any."""
        extra = python.paths if python is not None else []
        return _outermost([*self._system_paths, *extra])

    def _launch(self, setup: RunSetup) -> Launch:
        argv = [
            self._bwrap,
            *self._privilege_args(),
            "--unshare-pid", "--unshare-net", "--unshare-ipc", "--unshare-uts",
            "--unshare-cgroup-try", "--die-with-parent", "--new-session",
            *mount_args(
                read_only=[*self._read_only(setup.python), str(self._support.path)],
                writable=[str(path) for path in setup.writable],
                tmp_bytes=setup.limits.memory_mb * 1024 * 1024,
            ),
            "--chdir", str(setup.cwd),
            "--clearenv",
        ]  # fmt: skip
        for name, value in setup.env.items():
            argv += ["--setenv", name, value]
        # Killing bwrap's process group at the timeout is enough: --die-with-parent kills
        # the sandbox's init, and with it the whole PID namespace, when bwrap dies.
        return Launch(argv=[*argv, "--", *setup.command], env={})
