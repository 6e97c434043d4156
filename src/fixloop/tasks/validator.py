"""Execute a task's tests to check it is sound: the bug shows, the fix fixes, nothing is flaky.

A task with an environment of its own (see `fixloop.tasks.environments`) has it built
first, once per distinct environment; a task whose environment cannot be built is invalid,
with the installer's error as its problem, and no other task is affected.
"""

from __future__ import annotations

import tempfile
import time
from collections.abc import Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from pydantic import BaseModel, Field, computed_field

from fixloop.sandbox.base import (
    WARM_PYTEST_SERIES,
    Interpreter,
    Sandbox,
    SandboxError,
    SandboxLimits,
    TestOutcome,
    TestRunResult,
)
from fixloop.tasks.environments import EnvironmentCache, TaskEnvironmentError, prepare_environments
from fixloop.tasks.repo_tree import write_repo_tree
from fixloop.tasks.task import Task

MISSING = "missing"
"""The outcome of a test a run did not report (not collected, or the run died first)."""


class ValidationReport(BaseModel):
    """What executing one task's tests revealed about the task."""

    task_id: str
    problems: list[str] = Field(default_factory=list, description="Each problem as one sentence.")
    infra_error: bool = Field(default=False, description="The sandbox failed; the task is unjudged.")
    flaky_tests: list[str] = Field(
        default_factory=list, description="Node ids whose outcome changed between repeats."
    )
    fail_to_pass: list[str] = Field(
        default_factory=list, description="The fail_to_pass list checked: the task's, or computed."
    )
    pass_to_pass: list[str] = Field(
        default_factory=list, description="The pass_to_pass list checked: the task's, or computed."
    )
    computed_fail_to_pass: list[str] | None = Field(
        default=None, description="Set only when the task had no lists and they were computed."
    )
    computed_pass_to_pass: list[str] | None = Field(
        default=None, description="Set only when the task had no lists and they were computed."
    )
    buggy_passed: int = Field(default=0, description="Tests passing in every run on the buggy repo.")
    buggy_total: int = Field(default=0, description="Tests any run reported on the buggy repo.")
    fixed_passed: int = Field(default=0, description="Tests passing in every run on the fixed repo.")
    fixed_total: int = Field(default=0, description="Tests any run reported on the fixed repo.")
    seconds: float = Field(default=0.0, description="Wall time the validation took.")
    python: str | None = Field(
        default=None, description="The task environment's interpreter; None for fixloop's own."
    )
    notes: list[str] = Field(
        default_factory=list, description="What is worth knowing and no problem (how runs were served)."
    )

    @computed_field  # type: ignore[prop-decorator]
    @property
    def valid(self) -> bool:
        """True when the task showed no problem (an infra error is a problem)."""
        return not self.problems


class _Side:
    """The repeated runs of one repository (buggy or fixed), queried per test."""

    def __init__(self, name: str, runs: Sequence[TestRunResult]) -> None:
        self.name = name
        self.runs = runs
        self._by_run = [{t.node_id: t.outcome.value for t in run.tests} for run in runs]
        # First-reported order, so computed lists follow the test files.
        self.node_ids = list(dict.fromkeys(node for outcomes in self._by_run for node in outcomes))

    def history(self, node_id: str) -> list[str]:
        """The test's outcome in each run, `MISSING` where a run did not report it."""
        return [outcomes.get(node_id, MISSING) for outcomes in self._by_run]

    def outcome(self, node_id: str) -> str | None:
        """The outcome every run agrees on, or None when the test is flaky."""
        history = set(self.history(node_id))
        return history.pop() if len(history) == 1 else None

    def flaky(self) -> list[str]:
        return [node for node in self.node_ids if self.outcome(node) is None]

    def passed_count(self) -> int:
        return sum(self.outcome(node) == TestOutcome.passed for node in self.node_ids)


def validate_task(
    task: Task,
    sandbox: Sandbox,
    *,
    repeats: int = 3,
    cache: EnvironmentCache | None = None,
    offline: bool = False,
) -> ValidationReport:
    """Run the task's `test_paths` `repeats` times on the buggy and on the fixed repository,
    with the task's environment (built in `cache` first when needed; `offline`: from local
    packages only).

    Both repositories are written to a temporary directory; the repeats of one side run in
    the same directory, so a test that depends on state it leaves behind shows as flaky (the
    environment reruns tests in one workspace, too). The task is valid when:

    - every fail_to_pass test fails (failed, error, skipped or missing) on the buggy repo,
      and there is at least one;
    - every pass_to_pass test passes on the buggy repo;
    - every listed test exists and passes on the fixed repo, and no other test fails there;
    - no test changes outcome between repeats, on either side;
    - the fixed repo's tests collect and finish within `task.timeout_s`.

    When the task lists neither fail_to_pass nor pass_to_pass they are computed (failing on
    buggy and passing on fixed; passing on both) and returned in the report. A
    `SandboxError` yields a report with `infra_error` set instead of raising; an
    environment that cannot be built, an invalid report naming the installer's error.
    Raises ValueError when `repeats` < 1.
    """
    if repeats < 1:
        raise ValueError(f"repeats must be at least 1, got {repeats}")
    environment = prepare_environments([task], cache, offline=offline)[task.id]
    return _validate(task, sandbox, repeats, environment)


def _validate(
    task: Task, sandbox: Sandbox, repeats: int, environment: Interpreter | TaskEnvironmentError | None
) -> ValidationReport:
    started = time.monotonic()
    if isinstance(environment, TaskEnvironmentError):
        return ValidationReport(
            task_id=task.id,
            problems=[f"the task's environment cannot be made: {environment}"],
            seconds=time.monotonic() - started,
        )
    try:
        with tempfile.TemporaryDirectory(prefix=f"fixloop-validate-{task.id}-") as tmp:
            # One episode for both sides: a warm worker serves all 2 x `repeats` runs.
            sandbox.start_episode(Path(tmp), environment)
            try:
                buggy = _run_side("buggy", task, task.files, Path(tmp, "buggy"), sandbox, repeats)
                fixed = _run_side("fixed", task, task.fixed_files, Path(tmp, "fixed"), sandbox, repeats)
            finally:
                sandbox.end_episode(Path(tmp))
    except SandboxError as exc:
        return ValidationReport(
            task_id=task.id,
            problems=[f"infra: the sandbox failed, so the task could not be judged: {exc}"],
            infra_error=True,
            seconds=time.monotonic() - started,
        )
    report = _judge(task, buggy, fixed)
    report.seconds = time.monotonic() - started
    if environment is not None:
        report.python = environment.executable
        if not environment.warm:
            report.notes.append(
                f"every run started its own pytest: the task environment has pytest "
                f"{environment.pytest}, not the {WARM_PYTEST_SERIES}.x the warm worker supports"
            )
    return report


def validate_tasks(
    tasks: Sequence[Task],
    sandbox: Sandbox,
    *,
    repeats: int = 3,
    workers: int = 2,
    cache: EnvironmentCache | None = None,
    offline: bool = False,
) -> list[ValidationReport]:
    """`validate_task` for each task, `workers` at a time; reports come in task order. The
    tasks' environments are built first, each distinct one once.

    Raises ValueError when `workers` < 1 or `repeats` < 1.
    """
    if workers < 1:
        raise ValueError(f"workers must be at least 1, got {workers}")
    if repeats < 1:
        raise ValueError(f"repeats must be at least 1, got {repeats}")
    environments = prepare_environments(tasks, cache, offline=offline)

    def validate(task: Task) -> ValidationReport:
        return _validate(task, sandbox, repeats, environments[task.id])

    with ThreadPoolExecutor(max_workers=workers) as pool:
        return list(pool.map(validate, tasks))


def with_computed_lists(task: Task, report: ValidationReport) -> Task:
    """The task with fail_to_pass / pass_to_pass filled from `report` when it computed them.

    Returns `task` unchanged when the report did not compute lists. Check `report.valid`
    first: lists computed from an invalid task are not trustworthy. Raises ValueError when
    the report is about another task.
    """
    if report.task_id != task.id:
        raise ValueError(f"report is for task {report.task_id!r}, not {task.id!r}")
    if report.computed_fail_to_pass is None or report.computed_pass_to_pass is None:
        return task
    return task.model_copy(
        update={
            "fail_to_pass": report.computed_fail_to_pass,
            "pass_to_pass": report.computed_pass_to_pass,
        }
    )


def _run_side(
    name: str, task: Task, files: Mapping[str, str], root: Path, sandbox: Sandbox, repeats: int
) -> _Side:
    workspace = write_repo_tree(files, root)
    limits = SandboxLimits(timeout_s=task.timeout_s)
    runs = [sandbox.run_tests(workspace, task.test_paths, limits=limits) for _ in range(repeats)]
    return _Side(name, runs)


def _judge(task: Task, buggy: _Side, fixed: _Side) -> ValidationReport:
    computed = not task.fail_to_pass and not task.pass_to_pass
    if computed:
        fixed_passing = [n for n in fixed.node_ids if fixed.outcome(n) == TestOutcome.passed]
        fail_to_pass = [n for n in fixed_passing if _fails(buggy, n)]
        pass_to_pass = [n for n in fixed_passing if buggy.outcome(n) == TestOutcome.passed]
    else:
        fail_to_pass, pass_to_pass = task.fail_to_pass, task.pass_to_pass

    problems = [*_flaky_problems(buggy), *_flaky_problems(fixed), *_run_problems(task, fixed)]
    if not fail_to_pass:
        problems.append("no fail_to_pass test: no test shows the bug")
    problems += [
        f"fail_to_pass test {node} passes on the buggy repo, so it does not show the bug"
        for node in fail_to_pass
        if buggy.outcome(node) == TestOutcome.passed
    ]
    problems += [
        f"pass_to_pass test {node} does not pass on the buggy repo ({buggy.outcome(node)})"
        for node in pass_to_pass
        if _fails(buggy, node)
    ]
    problems += _fixed_repo_problems(buggy, fixed, fail_to_pass, pass_to_pass)

    return ValidationReport(
        task_id=task.id,
        problems=problems,
        flaky_tests=sorted({*buggy.flaky(), *fixed.flaky()}),
        fail_to_pass=fail_to_pass,
        pass_to_pass=pass_to_pass,
        computed_fail_to_pass=fail_to_pass if computed else None,
        computed_pass_to_pass=pass_to_pass if computed else None,
        buggy_passed=buggy.passed_count(),
        buggy_total=len(buggy.node_ids),
        fixed_passed=fixed.passed_count(),
        fixed_total=len(fixed.node_ids),
    )


def _fails(side: _Side, node_id: str) -> bool:
    """Stably not passing; flaky tests are neither passing nor failing (reported apart)."""
    outcome = side.outcome(node_id)
    return outcome is not None and outcome != TestOutcome.passed


def _flaky_problems(side: _Side) -> list[str]:
    return [
        f"test {node} is flaky on the {side.name} repo: {', '.join(side.history(node))}"
        for node in side.flaky()
    ]


def _run_problems(task: Task, fixed: _Side) -> list[str]:
    """Run-level failures on the fixed repo. The buggy repo may legitimately hang or not import."""
    problems = [
        f"the fixed repo's test run {number} of {len(fixed.runs)} timed out after {task.timeout_s:g}s"
        for number, run in enumerate(fixed.runs, start=1)
        if run.timed_out
    ]
    collection_errors = {e.node_id: e.message for run in fixed.runs for e in run.collection_errors}
    problems += [
        f"the fixed repo cannot collect {node}: {message}" for node, message in collection_errors.items()
    ]
    return problems


def _fixed_repo_problems(
    buggy: _Side, fixed: _Side, fail_to_pass: list[str], pass_to_pass: list[str]
) -> list[str]:
    """Listed tests that are missing or not passing on the fixed repo, and any other failure."""
    labels = {
        **{node: f"test {node}" for node in fixed.node_ids},
        **{node: f"pass_to_pass test {node}" for node in pass_to_pass},
        **{node: f"fail_to_pass test {node}" for node in fail_to_pass},
    }
    listed = {*fail_to_pass, *pass_to_pass}
    problems = []
    for node, label in labels.items():
        outcome = fixed.outcome(node)
        if outcome is None or outcome == TestOutcome.passed:
            continue
        if outcome == MISSING:
            problems.append(f"{label} does not exist on the fixed repo")
        elif outcome != TestOutcome.skipped or node in listed:
            broke = buggy.outcome(node) == TestOutcome.passed
            why = "; the fix broke it (it passes on the buggy repo)" if broke else ""
            problems.append(f"{label} does not pass on the fixed repo ({outcome}){why}")
    return problems
