"""What every sandbox shares: warm workers per episode, per-run pytest, and the report.

A concrete sandbox only says how a program is isolated (`_launch`); the command lines, the
deadlines, the output capture and the result assembly are the same for all. So is who test
code runs as: as root, an unprivileged uid of the sandbox's own (`UidSlot`), to which the
host hands each workspace before a run (`_hand_over`); otherwise the current user.

A test run is served in one of two ways:

- **warm**: inside a directory given to `start_episode`, by that episode's warm worker
  (`worker_program.py`), which forks a child per run from an interpreter that has pytest
  loaded already;
- **per run**: anywhere else, or when a worker cannot start, by a fresh `python -m pytest`
  through the launcher, isolated the same way.

Both give the same verdicts; the warm one is many times faster.

An episode may name a task environment (`Interpreter`): its runs, warm and per run, then
use that interpreter, which the concrete sandbox makes visible read-only. When its pytest
is not the series the warm worker supports (`WARM_PYTEST_SERIES`), its runs all go per
run, and the sandbox says so once in the log. When it has no coverage.py, a run that asks
for coverage records none and says why (`TestRunResult.coverage_missing`).
"""

from __future__ import annotations

import logging
import os
import sys
import tempfile
import threading
import weakref
from abc import ABC, abstractmethod
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType
from typing import Literal, Self

from fixloop.sandbox import launcher
from fixloop.sandbox.base import (
    WARM_PYTEST_SERIES,
    Interpreter,
    SandboxError,
    SandboxLimits,
    TestRunResult,
)
from fixloop.sandbox.environment import sandbox_environment
from fixloop.sandbox.report_reader import Report, parse_report, read_report
from fixloop.sandbox.safe_fs import empty_dir, remove_planted_tree
from fixloop.sandbox.supervisor import SupervisedRun, supervise
from fixloop.sandbox.support_dir import SupportDir
from fixloop.sandbox.uid_slots import UidSlot
from fixloop.sandbox.warm_worker import WarmWorker, WorkerAnswer, WorkerDied, WorkerRequest

logger = logging.getLogger(__name__)

WORKER_TMP = Path("/tmp/fixloop-worker")
"""The worker's scratch directory inside a sandbox with a private /tmp."""


@dataclass(frozen=True)
class Launch:
    """How one isolated run is started: the full command and its environment."""

    argv: list[str]
    env: dict[str, str]


@dataclass(frozen=True)
class RunSetup:
    """What `_launch` isolates: the host paths the program may write, where it starts, its
    command, environment and limits (whose `memory_mb` also bounds the private /tmp), and
    the task environment it runs in, if any (whose paths it must see read-only)."""

    writable: list[Path]
    cwd: Path
    command: list[str]
    env: dict[str, str]
    limits: SandboxLimits
    python: Interpreter | None = None


MAX_IDLE_WORKERS = 2
"""Recycled warm workers a sandbox keeps waiting for episodes (`open_episode`)."""


@dataclass
class _Episode:
    """A directory whose runs use `python` (fixloop's own when None), served by a warm
    worker; `worker` is None when warm runs are off or the worker could not start.
    `owned`: the sandbox made the directory (`open_episode`) and removes or recycles it."""

    directory: Path
    worker: WarmWorker | None
    scratch: Path | None
    python: Interpreter | None = None
    restarted: bool = False
    owned: bool = False
    lock: threading.Lock = field(default_factory=threading.Lock)
    """A worker serves one run at a time; concurrent runs in one episode take turns."""


def pytest_command(
    support: SupportDir, workspace: Path, targets: Sequence[str], python: str = sys.executable
) -> list[str]:
    """pytest run by `python` through the support directory's entry (which brings the report
    plugin), with cheap start-up and classic quiet output."""
    command = [
        python, str(support.pytest_entry),
        "-p", "no:cacheprovider",
        "-q",
        f"--rootdir={workspace}",
        "-o", "console_output_style=classic",
        "--color=no",
    ]  # fmt: skip
    # After `--` a target is always a path or node id, never an option.
    return [*command, "--", *targets] if targets else command


def launcher_command(
    support: SupportDir,
    limits: SandboxLimits,
    status_fd: int,
    run_as: tuple[int, int] | None,
    report: Path,
) -> list[str]:
    """The launcher invocation that applies `limits` (and the uid/gid drop) before exec and
    hands the program `report` as its report channel."""
    command = [
        sys.executable, "-I", "-S", str(support.launcher),
        "--memory-bytes", str(limits.memory_mb * 1024 * 1024),
        "--cpu-seconds", str(limits.cpu_seconds),
        "--max-processes", str(limits.max_processes),
        "--max-file-bytes", str(limits.max_file_bytes),
        "--status-fd", str(status_fd),
        "--report-path", str(report),
    ]  # fmt: skip
    if run_as is not None:
        command += ["--uid", str(run_as[0]), "--gid", str(run_as[1])]
    return command


def _result(
    report: Report,
    run: SupervisedRun | WorkerAnswer,
    runner: Literal["per-run", "warm-fast", "warm-pytest"],
) -> TestRunResult:
    """A run's result from its report and how its process went."""
    return TestRunResult(
        tests=report.tests,
        collection_errors=report.collection_errors,
        duration_s=run.duration_s,
        exit_code=run.exit_code,
        timed_out=run.timed_out,
        output=run.output,
        output_truncated=run.output_truncated,
        session_exit_status=report.session_exit_status,
        tamper_events=report.tamper_events,
        report_anomalies=report.anomalies,
        runner=runner,
    )


def _read_status(fd: int) -> bytes:
    """Whatever the launcher wrote on its status pipe (it wrote before it exited or exec'd)."""
    os.set_blocking(fd, False)
    try:
        return os.read(fd, 4096)
    except BlockingIOError:
        return b""


class PytestSandbox(ABC):
    """Base of the sandboxes: runs pytest in a workspace, warm within an episode.

    `limits` are the defaults for `run_tests`; `warm` turns the warm workers on (they are
    on by default). Holds a private support directory until `close()` (also usable as a
    context manager). Runs may be issued one after another without limit; outside an
    episode nothing (temporary directory, process, descriptor) outlives a run, and an
    episode's worker ends with `end_episode` or `close`.

    As root, the sandbox holds a uid of its own (see `UidSlot`) until `close()`, and test
    code runs under it.
    """

    name: str

    def __init__(self, limits: SandboxLimits | None = None, *, warm: bool = True) -> None:
        self.limits = limits or SandboxLimits()
        self.warm = warm
        self._support = SupportDir()
        self._episodes: dict[Path, _Episode] = {}
        self._idle: list[_Episode] = []
        self._idle_lock = threading.Lock()
        self._closing = False
        self._worker_problem: str | None = None
        self._cold_interpreters: set[str] = set()
        self._uid: UidSlot | None = None
        if os.geteuid() == 0:
            self._uid = UidSlot()
            self._release_uid = weakref.finalize(self, self._uid.release)

    def run_as(self) -> tuple[int, int] | None:
        """The (uid, gid) test code runs as: the sandbox's own when running as root, else None
        (the current user's)."""
        return None if self._uid is None else (self._uid.uid, self._uid.uid)

    def _hand_over(self, path: Path) -> None:
        """As root, give `path` (a tree the host wrote) to the sandbox's uid; raises `SandboxError`."""
        if self._uid is not None:
            self._uid.hand_over(path)

    def _end_test_processes(self) -> None:  # noqa: B027 - a PID namespace ends them already
        """Kill whatever test code left running; called after each per-run run, when an
        episode ends and at `close()`."""

    @abstractmethod
    def _launch(self, setup: RunSetup) -> Launch:
        """Say how to start `setup.command` isolated (the writable paths are handed over)."""

    def _allow_interpreter(self, python: Interpreter) -> None:  # noqa: B027 - nothing to do in most sandboxes
        """Let test code run `python` (a task environment); raises `SandboxError`."""

    def _prepare_episode(self, directory: Path, python: Interpreter | None) -> list[str]:
        """Ready the episode's directory for its worker; the worker program's extra options.

        As root, the directory (root's, as the host made it) gets mode 0755: test code may
        enter it and change the workspaces in it (handed over run by run), not put files
        beside them.
        """
        if self._uid is not None:
            directory.chmod(0o755)
        return []

    def _worker_scratch(self) -> Path | None:
        """A host directory for a worker's reports and runs' temporary files, or None when
        the sandbox has a private /tmp to keep them in."""
        return Path(tempfile.mkdtemp(prefix="fixloop-worker-"))

    # ---- episodes --------------------------------------------------------------------------

    def start_episode(self, directory: Path, python: Interpreter | None = None) -> None:
        """Serve test runs in `directory` and below with a warm worker until `end_episode`,
        with `python` (a task environment) instead of fixloop's interpreter when given.

        The worker sees `directory` read-write (as a per-run sandbox sees the workspace).
        It starts in the background; the first run waits for it. If it cannot start, runs
        there fall back to the per-run sandbox (and a warning is logged once). When a worker
        dies later (test code can stall or kill it), that run is served per run, and the
        worker is restarted once; after a second death the episode's runs all go per run.
        Without `warm`, or when `python`'s pytest is not the series the warm worker supports
        (said once per interpreter in the log), every run goes per run, with `python`.
        Raises `SandboxError` when `python` cannot be made reachable for test code.
        """
        directory = Path(directory).resolve()
        self.end_episode(directory)
        if self._support.closed:
            return
        if python is not None:
            self._allow_interpreter(python)
        warm = self.warm and self._worker_problem is None and (python is None or self._warm_capable(python))
        scratch = self._worker_scratch() if warm else None
        episode = _Episode(directory=directory, worker=None, scratch=scratch, python=python)
        self._episodes[directory] = episode
        if warm:
            episode.worker = self._start_worker(episode)

    def _warm_capable(self, python: Interpreter) -> bool:
        """Whether `python`'s pytest suits the warm worker; logs once per interpreter when not."""
        if python.warm:
            return True
        if python.executable not in self._cold_interpreters:
            self._cold_interpreters.add(python.executable)
            logger.warning(
                "The task environment %s has pytest %s, not the %s.x the warm worker supports, "
                "so each of its test runs starts its own pytest (slower, same verdicts)",
                python.executable,
                python.pytest or "(none)",
                WARM_PYTEST_SERIES,
            )
        return False

    def open_episode(self, python: Interpreter | None = None) -> Path:
        """A new, empty directory of the sandbox's own, whose runs are served as after
        `start_episode(directory, python)`.

        `end_episode` empties the directory and, when the sandbox can clear a worker of
        everything an episode left (`recycles_workers`), keeps it with its warm worker
        for a later `open_episode` with the same `python`: that episode's first run does
        not wait for a worker to start. Otherwise the directory is removed. Callers must
        not remove it themselves. Raises `SandboxError` when the sandbox is closed or
        `python` cannot be made reachable for test code.
        """
        if self._support.closed:
            raise SandboxError(f"the {self.name} sandbox is closed")
        with self._idle_lock:
            episode = next((e for e in self._idle if e.python == python), None)
            if episode is not None:
                self._idle.remove(episode)
        if episode is not None:
            self._episodes[episode.directory] = episode
            return episode.directory
        directory = Path(tempfile.mkdtemp(prefix="fixloop-episode-")).resolve()
        try:
            self.start_episode(directory, python)
        except BaseException:
            remove_planted_tree(directory)
            raise
        self._episodes[directory].owned = True
        return directory

    @property
    def recycles_workers(self) -> bool:
        """Whether `end_episode` keeps the workers of `open_episode`'s directories for later
        episodes: only when test code runs under the sandbox's own uid (as root), so that
        every process and IPC object an episode made can be found and removed."""
        return self._uid is not None

    def end_episode(self, directory: Path) -> None:
        """Stop the warm worker of `directory`, if any, or recycle it and its directory when
        `open_episode` made them (see there). Idempotent."""
        episode = self._episodes.pop(Path(directory).resolve(), None)
        if episode is not None and not (episode.owned and self._recycle(episode)):
            self._discard(episode)

    def _discard(self, episode: _Episode) -> None:
        """Stop the episode's worker and test processes; remove its scratch directory, and its
        directory when the sandbox made it."""
        if episode.worker is not None:
            episode.worker.close()
        self._end_test_processes()
        if episode.scratch is not None:
            remove_planted_tree(episode.scratch)
        if episode.owned:
            remove_planted_tree(episode.directory)

    def _recycle(self, episode: _Episode) -> bool:
        """Clear `episode` of what its runs left and keep it idle; False when it cannot be kept
        (no recycling here, no live worker, enough idle ones), and then nothing was done."""
        worker = episode.worker
        with self._idle_lock:
            full = len(self._idle) >= MAX_IDLE_WORKERS
        if full or self._closing or not self.recycles_workers or worker is None or not worker.alive:
            return False
        with episode.lock:  # a run still in flight in another thread ends first
            try:
                empty_dir(episode.directory)
                worker.recycle()
            except (OSError, WorkerDied) as exc:
                logger.warning("A %s sandbox's warm worker could not be recycled: %s", self.name, exc)
                return False
        episode.restarted = False
        with self._idle_lock:
            self._idle.append(episode)
        return True

    def _start_worker(self, episode: _Episode) -> WarmWorker | None:
        python = episode.python.executable if episode.python is not None else sys.executable
        command = [python, str(self._support.worker), "--scratch", str(episode.scratch or WORKER_TMP)]
        run_as = self.run_as()
        if run_as is not None:
            command += ["--uid", str(run_as[0])]
        command += self._prepare_episode(episode.directory, episode.python)
        writable = [episode.directory] + ([episode.scratch] if episode.scratch is not None else [])
        try:
            # The episode's directory itself is not handed over: test code may change the
            # workspaces in it (handed over run by run), not put files beside them.
            launch = self._launch(
                RunSetup(
                    writable=writable,
                    cwd=episode.directory,
                    command=command,
                    env=sandbox_environment(self.limits, self._support.path),
                    limits=self.limits,
                    python=episode.python,
                )
            )
            return WarmWorker(launch.argv, env=launch.env, cwd=episode.directory)
        except (SandboxError, WorkerDied) as exc:
            self._give_up_warm(str(exc))
            return None

    def _give_up_warm(self, problem: str) -> None:
        """Run per-run from now on: the warm worker cannot start on this machine."""
        self._worker_problem = problem
        logger.warning(
            "The %s sandbox's warm worker cannot start, so each test run starts its own "
            "pytest (slower, same verdicts): %s",
            self.name,
            problem,
        )

    def _episode_of(self, workspace: Path) -> _Episode | None:
        for directory in (workspace, *workspace.parents):
            episode = self._episodes.get(directory)
            if episode is not None:
                return episode
        return None

    # ---- runs ------------------------------------------------------------------------------

    def run_tests(
        self,
        workspace: Path,
        targets: Sequence[str] = (),
        *,
        limits: SandboxLimits | None = None,
        coverage: bool = False,
    ) -> TestRunResult:
        """Run pytest on `targets` (node ids or paths relative to `workspace`; all when empty).

        With `coverage`, each test's `covered_lines` lists the lines of the workspace's
        non-test files it executed; in an episode whose task environment has no
        coverage.py they stay None and `coverage_missing` says why. Runs in an episode use
        its interpreter, runs elsewhere fixloop's. Never raises for what the code under
        test does; raises `SandboxError` when the workspace is not a directory, the sandbox
        is closed, or the launcher did not start.
        """
        limits = limits or self.limits
        if self._support.closed:
            raise SandboxError(f"the {self.name} sandbox is closed")
        workspace = Path(workspace).resolve()
        if not workspace.is_dir():
            raise SandboxError(f"workspace {workspace} is not a directory")
        episode = self._episode_of(workspace)
        python = episode.python if episode is not None else None
        missing = None
        if coverage and python is not None and python.coverage is None:
            coverage = False
            missing = (
                f"coverage was not recorded: the task environment {python.executable} has no "
                "coverage.py (add `coverage` to the task's requirements)"
            )
        result = None
        if episode is not None and episode.worker is not None:
            with episode.lock:
                result = self._run_warm(episode, workspace, targets, limits, coverage)
        if result is None:
            result = self._run_once(workspace, targets, limits, coverage, python)
        if missing is not None:
            result.coverage_missing = missing
        return result

    def _run_warm(
        self,
        episode: _Episode,
        workspace: Path,
        targets: Sequence[str],
        limits: SandboxLimits,
        coverage: bool,
    ) -> TestRunResult | None:
        """The run, by the episode's worker; None when the run must go per run: the worker
        never started, it died (see `start_episode`), or it could not set the run up."""
        self._hand_over(workspace)
        request = WorkerRequest(
            workspace=str(workspace),
            targets=list(targets),
            coverage=coverage,
            env=sandbox_environment(limits, self._support.path, coverage=coverage),
            timeout_s=limits.timeout_s,
            memory_bytes=limits.memory_mb * 1024 * 1024,
            cpu_seconds=limits.cpu_seconds,
            max_processes=limits.max_processes,
            max_file_bytes=limits.max_file_bytes,
            max_output_bytes=limits.max_output_bytes,
        )
        worker = episode.worker
        if worker is None:
            return None
        try:
            answer = worker.run(request)
        except WorkerDied as exc:
            if not worker.ready:
                # It never started: the machine cannot run workers, not this episode's fault.
                self._give_up_warm(str(exc))
                episode.worker = None
                return None
            # What test code left in the workspace can stall or kill a worker, so this run
            # goes per run and its result counts: only a failure of that is the
            # infrastructure's. The worker is restarted once for the runs after it.
            logger.warning("The %s sandbox's warm worker died; this run goes per run: %s", self.name, exc)
            self._end_test_processes()  # what the dead worker's child left running
            episode.worker = None if episode.restarted else self._start_worker(episode)
            episode.restarted = True
            return None
        if answer.setup_failed:
            # Nothing of the agent's ran: the run goes per run, and the worker's own trouble
            # never reaches the agent's observation.
            logger.warning(
                "The %s sandbox's warm worker could not set a run up; it goes per run: %s",
                self.name,
                answer.output[-2000:],
            )
            return None
        report = parse_report(answer.report.encode(), workspace)
        return _result(report, answer, "warm-fast" if answer.runner == "fast" else "warm-pytest")

    def _run_once(
        self,
        workspace: Path,
        targets: Sequence[str],
        limits: SandboxLimits,
        coverage: bool,
        python: Interpreter | None = None,
    ) -> TestRunResult:
        """The run, by a fresh pytest process (of `python`, else fixloop's) through the launcher."""
        status_read, status_write = os.pipe()
        try:
            with tempfile.TemporaryDirectory(prefix="fixloop-run-") as run_dir:
                # Bound into the sandbox for the launcher, which opens the report before it
                # drops privileges; never handed over, so test code cannot enter it.
                report = Path(run_dir) / "report.jsonl"
                self._hand_over(workspace)
                launch = self._launch(
                    RunSetup(
                        writable=[workspace, Path(run_dir)],
                        cwd=workspace,
                        command=[
                            *launcher_command(self._support, limits, status_write, self.run_as(), report),
                            *pytest_command(
                                self._support,
                                workspace,
                                targets,
                                python.executable if python is not None else sys.executable,
                            ),
                        ],
                        env=sandbox_environment(limits, self._support.path, coverage=coverage),
                        limits=limits,
                        python=python,
                    )
                )
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
                parsed = read_report(report, workspace)
        finally:
            os.close(status_read)
            os.close(status_write)
            self._end_test_processes()
        return _result(parsed, run, "per-run")

    def close(self) -> None:
        """End every episode and every process of test code, remove the support directory
        and give the sandbox's uid back. Idempotent."""
        if self._support.closed:
            return
        try:
            self._closing = True
            for directory in list(self._episodes):
                self.end_episode(directory)
            with self._idle_lock:
                idle, self._idle = self._idle, []
            for episode in idle:
                self._discard(episode)
            self._end_test_processes()
        finally:
            self._support.close()
            if self._uid is not None:
                self._release_uid()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()
