"""SWE-bench-style grading: the task's own tests, with the original test files restored."""

from __future__ import annotations

import shutil
import tempfile
from enum import StrEnum
from pathlib import Path

from pydantic import BaseModel, Field

from fixloop.sandbox.base import Sandbox, SandboxError, SandboxLimits, TestOutcome, TestRunResult
from fixloop.tasks.task import Task, test_file_of


class GradeOutcome(StrEnum):
    """How an episode ended, from the grader's point of view."""

    resolved = "resolved"
    partial = "partial"
    unresolved = "unresolved"
    infra_error = "infra_error"


class Grade(BaseModel):
    """The verdict on a workspace.

    `score` = (fraction of fail_to_pass passing) x (fraction of pass_to_pass still passing),
    so doing nothing scores 0, a full fix scores 1, and every broken regression test costs.
    `pass_fraction` is the fraction of all graded tests passing.
    """

    outcome: GradeOutcome
    score: float = Field(ge=0.0, le=1.0)
    pass_fraction: float = Field(ge=0.0, le=1.0)
    fail_to_pass_passed: list[str] = Field(default_factory=list)
    fail_to_pass_failed: list[str] = Field(default_factory=list)
    pass_to_pass_broken: list[str] = Field(default_factory=list)
    timed_out: bool = False
    error: str | None = Field(default=None, description="Why grading could not run (infra_error).")


def grade_run(task: Task, run: TestRunResult) -> Grade:
    """Grade a finished run of the task's test files. Tests the run did not report count as failing."""
    passing = {node for node in task.graded_tests if run.outcome_of(node) == TestOutcome.passed}
    f2p_passed = [node for node in task.fail_to_pass if node in passing]
    f2p_failed = [node for node in task.fail_to_pass if node not in passing]
    p2p_broken = [node for node in task.pass_to_pass if node not in passing]
    f2p_fraction = len(f2p_passed) / len(task.fail_to_pass) if task.fail_to_pass else 1.0
    p2p_fraction = 1 - len(p2p_broken) / len(task.pass_to_pass) if task.pass_to_pass else 1.0
    if not f2p_failed and not p2p_broken:
        outcome = GradeOutcome.resolved
    elif f2p_passed and not p2p_broken:
        outcome = GradeOutcome.partial
    else:
        outcome = GradeOutcome.unresolved
    total = len(task.graded_tests)
    return Grade(
        outcome=outcome,
        score=round(f2p_fraction * p2p_fraction, 6),
        pass_fraction=len(passing) / total if total else 0.0,
        fail_to_pass_passed=f2p_passed,
        fail_to_pass_failed=f2p_failed,
        pass_to_pass_broken=p2p_broken,
        timed_out=run.timed_out,
    )


def grade_workspace(
    task: Task,
    workspace_root: Path,
    sandbox: Sandbox,
    limits: SandboxLimits | None = None,
    *,
    scratch: Path | None = None,
) -> tuple[Grade, TestRunResult | None]:
    """Grade the repository in `workspace_root` without touching it.

    The repository is copied (into a new directory under `scratch` when given, e.g. an
    episode's directory, so the episode's warm worker runs the grade), the task's test
    files (and conftest.py files) are restored to their originals so edited tests cannot
    earn a pass, and the graded tests' files are run. A sandbox failure yields an
    `infra_error` grade instead of raising.
    """
    grading_dir = Path(tempfile.mkdtemp(prefix="fixloop-grade-", dir=scratch))
    try:
        shutil.copytree(workspace_root, grading_dir, dirs_exist_ok=True, symlinks=True)
        for rel in task.test_files:
            target = grading_dir / rel
            if target.is_symlink() or target.is_dir():
                _remove(target)
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(task.files.get(rel, ""), encoding="utf-8")
        targets = sorted({test_file_of(node) for node in task.graded_tests})
        try:
            limits = (limits or SandboxLimits()).model_copy(update={"timeout_s": task.timeout_s})
            run = sandbox.run_tests(grading_dir, targets, limits=limits)
        except SandboxError as exc:
            failed = Grade(outcome=GradeOutcome.infra_error, score=0.0, pass_fraction=0.0, error=str(exc))
            return failed, None
        return grade_run(task, run), run
    finally:
        shutil.rmtree(grading_dir, ignore_errors=True)


def _remove(path: Path) -> None:
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path)
    else:
        path.unlink()
