"""SWE-bench-style grading, hardened against the code it grades.

The grade runs the task's own tests on a fresh tree: the original repository with the
agent's changes applied only to source files (`grading_tree`), plus two checks of the
grade's own (`grade_integrity.Canary`). Its verdicts count only when pytest finished and
the report adds up; a change that carries a tampering mechanism (`tamper_scan`) or a run
whose report only tampering explains makes the outcome `tampered`, with the evidence.
"""

from __future__ import annotations

import tempfile
from collections.abc import Mapping
from pathlib import Path

from fixloop.core.grade import Grade, GradeOutcome
from fixloop.env.grade_integrity import Canary, finished, runtime_evidence
from fixloop.env.grading_tree import grading_tree
from fixloop.env.tamper_scan import scan_left_out_changes, scan_source_changes
from fixloop.sandbox import safe_fs
from fixloop.sandbox.base import Sandbox, SandboxError, SandboxLimits, TestOutcome, TestRunResult
from fixloop.tasks.repo_tree import write_repo_tree
from fixloop.tasks.task import Task, test_file_of


def grade_run(task: Task, run: TestRunResult) -> Grade:
    """Grade a finished run of the task's test files. Tests the run did not report count as
    failing, and so does every test of a run pytest did not finish."""
    reported = finished(run)
    passing = {node for node in task.graded_tests if reported and run.outcome_of(node) == TestOutcome.passed}
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
    current: Mapping[str, str],
    sandbox: Sandbox,
    limits: SandboxLimits | None = None,
    *,
    scratch: Path | None = None,
) -> tuple[Grade, TestRunResult | None]:
    """Grade the workspace whose text files are `current` (repository-relative path -> text).

    The grading tree is written into a new directory (under `scratch` when given, e.g. an
    episode's directory, so the episode's warm worker runs the grade) and the graded tests'
    files run there with the canary. A sandbox failure yields an `infra_error` grade
    instead of raising. Never touches the workspace itself.
    """
    tree = grading_tree(task, current)
    evidence = scan_source_changes(task.files, current, tree.applied)
    evidence += scan_left_out_changes(task.files, current, tree.ignored)
    targets = sorted({test_file_of(node) for node in task.graded_tests})
    canary = Canary.beside(targets[0])
    grading_dir = Path(tempfile.mkdtemp(prefix="fixloop-grade-", dir=scratch))
    try:
        write_repo_tree({**tree.files, canary.path: canary.source}, grading_dir)
        try:
            limits = (limits or SandboxLimits()).model_copy(update={"timeout_s": task.timeout_s})
            run = sandbox.run_tests(grading_dir, [*targets, canary.path], limits=limits)
        except SandboxError as exc:
            failed = Grade(outcome=GradeOutcome.infra_error, score=0.0, pass_fraction=0.0, error=str(exc))
            return failed, None
    finally:
        # The grading run's test code may have left links and trees of any depth there.
        safe_fs.remove_planted_tree(grading_dir)
    evidence += runtime_evidence(run, canary, {*targets, canary.path}, set(tree.applied))
    ignored = [f"{path} ({reason})" for path, reason in tree.ignored.items()]
    grade = grade_run(task, run).model_copy(update={"ignored_changes": ignored})
    if evidence:
        grade = grade.model_copy(
            update={
                "outcome": GradeOutcome.tampered,
                "score": 0.0,
                "pass_fraction": 0.0,
                "evidence": evidence,
            }
        )
    return grade, run
