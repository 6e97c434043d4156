"""The `Sandbox` protocol, its limits, and the structured result of a test run."""

from __future__ import annotations

import math
from collections.abc import Sequence
from enum import StrEnum
from pathlib import Path
from typing import Literal, Protocol

from pydantic import BaseModel, ConfigDict, Field


class SandboxError(RuntimeError):
    """The sandbox itself failed (could not start, lost its report channel).

    This is an infrastructure failure, never the agent's: callers record it as `infra_error`.
    """


class TestOutcome(StrEnum):
    """Verdict for one test, as pytest reports it."""

    __test__ = False

    passed = "passed"
    failed = "failed"
    error = "error"
    skipped = "skipped"


class TracebackFrame(BaseModel):
    """One frame of a failure's traceback; `path` is relative to the workspace when inside it."""

    path: str
    line: int


class TestCaseResult(BaseModel):
    """The outcome of one test node."""

    __test__ = False

    node_id: str
    outcome: TestOutcome
    duration_s: float = 0.0
    message: str = Field(default="", description="Short failure message, truncated.")
    frames: list[TracebackFrame] = Field(
        default_factory=list, description="Traceback frames, outermost first, for failures."
    )
    covered_lines: dict[str, list[int]] | None = Field(
        default=None,
        description="Lines of the workspace's non-test files the test executed, by relative path; "
        "None unless the run recorded coverage.",
    )


class CollectionError(BaseModel):
    """A file or directory pytest could not collect (import error, syntax error ...)."""

    node_id: str
    message: str


class TamperEvent(BaseModel):
    """Code running with workspace files on its stack used a mechanism that can rewrite
    verdicts (see `report_plugin`): the audit event, a detail, and those files."""

    event: str
    detail: str = ""
    files: list[str] = Field(default_factory=list, description="Workspace-relative when inside it.")


class SandboxLimits(BaseModel):
    """Resource limits for one test run. Every field has a safe default."""

    timeout_s: float = Field(
        default=30.0, gt=0, description="Wall time; the run's process group is killed after it."
    )
    cpu_s: int | None = Field(
        default=None,
        ge=1,
        description="CPU seconds (RLIMIT_CPU); defaults to a second more than the wall timeout, "
        "so a busy test meets the wall timeout first.",
    )
    memory_mb: int = Field(default=1024, ge=64, description="Address space per process (RLIMIT_AS).")
    max_processes: int = Field(
        default=64, ge=4, description="Processes the run may hold at once (RLIMIT_NPROC)."
    )
    max_output_bytes: int = Field(
        default=64_000, ge=1_000, description="Captured output kept, head and tail."
    )
    max_file_bytes: int = Field(
        default=64 * 1024 * 1024, ge=1024, description="Largest file a test may write."
    )
    env_passthrough: list[str] = Field(
        default_factory=lambda: ["LANG", "LC_ALL", "TZ"],
        description="Host variables copied into the sandbox; nothing else is.",
    )

    @property
    def cpu_seconds(self) -> int:
        """The CPU limit in force: `cpu_s`, or a second more than the wall timeout."""
        return self.cpu_s or math.ceil(self.timeout_s) + 1


WARM_PYTEST_SERIES = "9.0"
"""The pytest minor series the warm worker's fast path is verified against (`fast_pytest.py`;
pyproject pins fixloop's own pytest to it). An interpreter with another pytest runs every
test in a fresh pytest process."""


class Interpreter(BaseModel):
    """A Python other than fixloop's own that runs a task's tests (a task environment).

    The sandbox shows `paths` read-only to the tests (the environment and the installation
    it was made from), starts `executable` with the run's scrubbed environment, and puts
    fixloop's support modules first on its path; they need only the standard library and
    pytest, so the interpreter must have pytest. Built by `fixloop.tasks.environments`.
    """

    model_config = ConfigDict(frozen=True)

    executable: str = Field(description="Absolute path of the interpreter (in a venv: its bin/python).")
    version: str = Field(description="Its Python version, e.g. '3.11.7'.")
    paths: list[str] = Field(description="Host directories the interpreter needs, absolute.")
    pytest: str | None = Field(default=None, description="The installed pytest's version; None when absent.")
    coverage: str | None = Field(
        default=None, description="The installed coverage.py's version; None when absent."
    )

    @property
    def warm(self) -> bool:
        """Whether a warm worker may serve its runs: its pytest is of `WARM_PYTEST_SERIES`."""
        return self.pytest is not None and (self.pytest + ".").startswith(WARM_PYTEST_SERIES + ".")


class TestRunResult(BaseModel):
    """Structured result of one test run, built from pytest's machine-readable report."""

    __test__ = False

    tests: list[TestCaseResult] = Field(default_factory=list)
    collection_errors: list[CollectionError] = Field(default_factory=list)
    duration_s: float = 0.0
    exit_code: int | None = None
    timed_out: bool = False
    output: str = Field(default="", description="Captured stdout+stderr, head and tail within the cap.")
    output_truncated: bool = False
    session_exit_status: int | None = Field(
        default=None, description="The exit status pytest reported at its end; None if it never got there."
    )
    tamper_events: list[TamperEvent] = Field(default_factory=list)
    report_anomalies: list[str] = Field(
        default_factory=list,
        description="What in the report no cooperative run produces (a second verdict for a test ...).",
    )
    coverage_missing: str | None = Field(
        default=None,
        description="Why a run that asked for coverage recorded none (the task's interpreter has no "
        "coverage.py); None otherwise.",
    )
    runner: Literal["per-run", "warm-fast", "warm-pytest"] = Field(
        default="per-run",
        description="How the run was served: a fresh pytest process ('per-run'), or a warm "
        "worker's child running its fast path ('warm-fast') or real pytest ('warm-pytest').",
    )

    @property
    def passed(self) -> int:
        return sum(t.outcome == TestOutcome.passed for t in self.tests)

    @property
    def failed(self) -> int:
        return sum(t.outcome == TestOutcome.failed for t in self.tests)

    @property
    def errors(self) -> int:
        return sum(t.outcome == TestOutcome.error for t in self.tests) + len(self.collection_errors)

    @property
    def skipped(self) -> int:
        return sum(t.outcome == TestOutcome.skipped for t in self.tests)

    def outcome_of(self, node_id: str) -> TestOutcome | None:
        """The outcome of `node_id`, or None when the run did not report it."""
        for test in self.tests:
            if test.node_id == node_id:
                return test.outcome
        return None

    @property
    def failing(self) -> list[str]:
        """Node ids that failed or errored, in report order."""
        return [t.node_id for t in self.tests if t.outcome in (TestOutcome.failed, TestOutcome.error)]


class Sandbox(Protocol):
    """Runs a workspace's tests in isolation.

    `run_tests` never raises for anything the code under test does (crash, hang, hog, exit):
    that becomes data in the result (`timed_out`, missing tests, `exit_code`). It raises
    `SandboxError` only when the sandbox itself cannot work.

    An episode brackets many runs in one directory: between `start_episode(directory)` and
    `end_episode(directory)` a sandbox may keep state for runs there (a warm worker);
    runs give the same results either way. One episode per directory at a time. Runs in an
    episode started with a task environment (`Interpreter`) use its interpreter; all others
    use fixloop's own. `open_episode` is the same with a directory the sandbox provides
    (and may have prepared before: a warm worker already running there).
    """

    name: str

    def run_tests(
        self,
        workspace: Path,
        targets: Sequence[str] = (),
        *,
        limits: SandboxLimits | None = None,
        coverage: bool = False,
    ) -> TestRunResult:
        """Run pytest on `targets` (node ids or paths relative to `workspace`; all when empty).

        With `coverage`, each test's `covered_lines` says which lines of the workspace's
        non-test files it executed (the run is slower); without it they are None.
        """
        ...

    def start_episode(self, directory: Path, python: Interpreter | None = None) -> None:
        """Runs in `directory` and below are about to begin (the directory exists); they use
        `python` (a task environment) instead of fixloop's own interpreter when it is given."""
        ...

    def open_episode(self, python: Interpreter | None = None) -> Path:
        """A new, empty directory of the sandbox's own where an episode's runs may begin, as
        after `start_episode(directory, python)`. `end_episode(directory)` ends it and
        removes (or reuses) the directory; the caller never removes it."""
        ...

    def end_episode(self, directory: Path) -> None:
        """The runs in `directory` are over; release what was kept for them. Idempotent."""
        ...

    def close(self) -> None:
        """Release anything the sandbox holds (every episode included). Idempotent."""
        ...
