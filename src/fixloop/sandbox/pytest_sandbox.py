"""What every sandbox shares: launch pytest through the launcher and read back its report.

A concrete sandbox only says how the launch is isolated (`_launch`) and which uid the
launcher drops to (`run_as`); the command line, the deadline, the output capture and the
result assembly are the same for all of them.
"""

from __future__ import annotations

import math
import os
import sys
import tempfile
from abc import ABC, abstractmethod
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import Self

from fixloop.sandbox import launcher
from fixloop.sandbox.base import SandboxError, SandboxLimits, TestRunResult
from fixloop.sandbox.environment import sandbox_environment
from fixloop.sandbox.report_reader import read_report
from fixloop.sandbox.supervisor import supervise
from fixloop.sandbox.support_dir import PLUGIN_MODULE, SupportDir


@dataclass(frozen=True)
class Launch:
    """How one isolated run is started: the full command and its environment."""

    argv: list[str]
    env: dict[str, str]


@dataclass(frozen=True)
class RunSetup:
    """One run's inputs, for `_launch`: resolved workspace, private run dir, command, env, limits."""

    workspace: Path
    run_dir: Path
    command: list[str]
    env: dict[str, str]
    limits: SandboxLimits


def pytest_command(workspace: Path, targets: Sequence[str]) -> list[str]:
    """`python -m pytest` with our plugin, cheap start-up and classic quiet output."""
    command = [
        sys.executable, "-m", "pytest",
        "-p", PLUGIN_MODULE,
        "-p", "no:cacheprovider",
        "-q",
        f"--rootdir={workspace}",
        "-o", "console_output_style=classic",
        "--color=no",
    ]  # fmt: skip
    # After `--` a target is always a path or node id, never an option.
    return [*command, "--", *targets] if targets else command


def launcher_command(
    support: SupportDir, limits: SandboxLimits, status_fd: int, run_as: tuple[int, int] | None
) -> list[str]:
    """The launcher invocation that applies `limits` (and the uid/gid drop) before exec."""
    command = [
        sys.executable, "-I", "-S", str(support.launcher),
        "--memory-bytes", str(limits.memory_mb * 1024 * 1024),
        "--cpu-seconds", str(limits.cpu_s or math.ceil(limits.timeout_s)),
        "--max-processes", str(limits.max_processes),
        "--max-file-bytes", str(limits.max_file_bytes),
        "--status-fd", str(status_fd),
    ]  # fmt: skip
    if run_as is not None:
        command += ["--uid", str(run_as[0]), "--gid", str(run_as[1])]
    return command


def _read_status(fd: int) -> bytes:
    """Whatever the launcher wrote on its status pipe (it wrote before it exited or exec'd)."""
    os.set_blocking(fd, False)
    try:
        return os.read(fd, 4096)
    except BlockingIOError:
        return b""


class PytestSandbox(ABC):
    """Base of the sandboxes: runs pytest in a workspace via the launcher and the report plugin.

    `limits` are the defaults for `run_tests`. Holds a private support directory until
    `close()` (also usable as a context manager). Runs may be issued one after another
    without limit; nothing (temporary directory, process, descriptor) outlives a run.
    """

    name: str

    def __init__(self, limits: SandboxLimits | None = None) -> None:
        self.limits = limits or SandboxLimits()
        self._support = SupportDir()

    def run_as(self) -> tuple[int, int] | None:
        """The (uid, gid) the launcher drops to, or None to keep the current one."""
        return None

    @abstractmethod
    def _launch(self, setup: RunSetup) -> Launch:
        """Prepare the isolation of one run and say how to start it."""

    def run_tests(
        self,
        workspace: Path,
        targets: Sequence[str] = (),
        *,
        limits: SandboxLimits | None = None,
        coverage: bool = False,
    ) -> TestRunResult:
        """Run pytest on `targets` (node ids or paths relative to `workspace`; all when empty).

        With `coverage`, the report plugin traces each test and its `covered_lines` lists
        the lines of the workspace's non-test files it executed. Never raises for what the
        code under test does; raises `SandboxError` when the workspace is not a directory,
        the sandbox is closed, or the launcher did not start.
        """
        limits = limits or self.limits
        if self._support.closed:
            raise SandboxError(f"the {self.name} sandbox is closed")
        workspace = Path(workspace).resolve()
        if not workspace.is_dir():
            raise SandboxError(f"workspace {workspace} is not a directory")
        status_read, status_write = os.pipe()
        try:
            with tempfile.TemporaryDirectory(prefix="fixloop-run-") as run_dir:
                report = Path(run_dir) / "report.jsonl"
                setup = RunSetup(
                    workspace=workspace,
                    run_dir=Path(run_dir),
                    command=[
                        *launcher_command(self._support, limits, status_write, self.run_as()),
                        *pytest_command(workspace, targets),
                    ],
                    env=sandbox_environment(limits, self._support.path, report, coverage=coverage),
                    limits=limits,
                )
                launch = self._launch(setup)
                run = supervise(
                    launch.argv,
                    cwd=workspace,
                    env=launch.env,
                    timeout_s=limits.timeout_s,
                    max_output_bytes=limits.max_output_bytes,
                    pass_fds=(status_write,),
                )
                status = _read_status(status_read)
                if status != launcher.READY:
                    raise SandboxError(
                        f"the {self.name} sandbox did not start pytest "
                        f"({status.decode(errors='replace') or 'no launcher status'}); "
                        f"output:\n{run.output[-2000:]}"
                    )
                tests, collection_errors = read_report(report, workspace)
        finally:
            os.close(status_read)
            os.close(status_write)
        return TestRunResult(
            tests=tests,
            collection_errors=collection_errors,
            duration_s=run.duration_s,
            exit_code=run.exit_code,
            timed_out=run.timed_out,
            output=run.output,
            output_truncated=run.output_truncated,
        )

    def close(self) -> None:
        """Remove the support directory. Idempotent."""
        self._support.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()
