"""Runs in an episode that names a task environment use its interpreter, warm and per run."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from fixloop.sandbox.base import WARM_PYTEST_SERIES, Interpreter, TestOutcome
from fixloop.sandbox.pytest_sandbox import PytestSandbox
from fixloop.tasks.repo_tree import write_repo_tree
from fixloop.tasks.task import Task
from tests.tasks import env_fixtures

# The session's task environment (see env_fixtures), shared with the other modules that use it.
env_cache = env_fixtures.env_cache
tinydep_task = env_fixtures.tinydep_task
built_env = env_fixtures.built_env

FIXED_ANSWER = "tests/test_calc.py::test_answer"


@pytest.fixture(params=["process", "bwrap"])
def any_sandbox(request: pytest.FixtureRequest) -> PytestSandbox:
    return request.getfixturevalue(f"{request.param}_sandbox")


def test_the_warm_series_is_the_pytest_fixloop_runs_with() -> None:
    assert (pytest.__version__ + ".").startswith(WARM_PYTEST_SERIES + "."), (
        "the warm worker's fast path is verified against WARM_PYTEST_SERIES; re-verify it "
        "(tests/sandbox/test_warm_fidelity.py) and update the constant with pyproject's pin"
    )


def _workspace(episode: Path, task: Task) -> Path:
    return write_repo_tree(task.fixed_files, episode / "repo")


def test_the_package_is_missing_under_fixloops_own_interpreter(
    any_sandbox: PytestSandbox, tinydep_task: Task, tmp_path: Path
) -> None:
    result = any_sandbox.run_tests(_workspace(tmp_path, tinydep_task))

    assert result.outcome_of(FIXED_ANSWER) is None
    assert "tinydep" in result.collection_errors[0].message


@pytest.mark.parametrize("warm", [True, False], ids=["warm", "per-run"])
def test_runs_in_an_episode_with_the_environment_use_its_packages(
    any_sandbox: PytestSandbox, built_env: Interpreter, tinydep_task: Task, tmp_path: Path, warm: bool
) -> None:
    any_sandbox.warm = warm
    any_sandbox.start_episode(tmp_path, built_env)
    try:
        result = any_sandbox.run_tests(_workspace(tmp_path, tinydep_task))
    finally:
        any_sandbox.end_episode(tmp_path)
        any_sandbox.warm = True

    assert result.outcome_of(FIXED_ANSWER) == TestOutcome.passed, result.output
    assert result.runner == ("warm-fast" if warm else "per-run")


def test_an_environment_whose_pytest_the_worker_does_not_support_runs_per_run_and_says_so(
    process_sandbox: PytestSandbox,
    built_env: Interpreter,
    tinydep_task: Task,
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
) -> None:
    other = built_env.model_copy(update={"pytest": "8.4.2"})
    with caplog.at_level(logging.WARNING):
        for _ in range(2):
            process_sandbox.start_episode(tmp_path, other)
            result = process_sandbox.run_tests(_workspace(tmp_path, tinydep_task))
            process_sandbox.end_episode(tmp_path)

    assert result.runner == "per-run"
    assert result.outcome_of(FIXED_ANSWER) == TestOutcome.passed
    said = [r.message for r in caplog.records if "not the 9.0.x the warm worker supports" in r.message]
    assert len(said) == 1


def test_coverage_in_an_environment_without_coverage_py_records_nothing_and_says_why(
    process_sandbox: PytestSandbox, built_env: Interpreter, tinydep_task: Task, tmp_path: Path
) -> None:
    process_sandbox.start_episode(tmp_path, built_env.model_copy(update={"coverage": None}))
    try:
        result = process_sandbox.run_tests(_workspace(tmp_path, tinydep_task), coverage=True)
    finally:
        process_sandbox.end_episode(tmp_path)

    assert result.outcome_of(FIXED_ANSWER) == TestOutcome.passed
    assert all(test.covered_lines is None for test in result.tests)
    assert result.coverage_missing is not None and "no coverage.py" in result.coverage_missing


def test_the_environment_is_read_only_under_bwrap(
    bwrap_sandbox: PytestSandbox, built_env: Interpreter, tmp_path: Path
) -> None:
    workspace = tmp_path / "repo"
    workspace.mkdir()
    prefix = Path(built_env.executable).parent.parent
    planted = str(prefix / "planted")
    (workspace / "test_write.py").write_text(
        f"import pathlib\n\ndef test_write():\n    pathlib.Path({planted!r}).write_text('x')\n"
    )
    bwrap_sandbox.start_episode(tmp_path, built_env)
    try:
        result = bwrap_sandbox.run_tests(workspace)
    finally:
        bwrap_sandbox.end_episode(tmp_path)

    assert result.outcome_of("test_write.py::test_write") == TestOutcome.failed
    assert not (prefix / "planted").exists()


@pytest.mark.parametrize("warm", [True, False], ids=["warm", "per-run"])
def test_no_host_secret_reaches_tests_in_a_task_environment(
    process_sandbox: PytestSandbox,
    built_env: Interpreter,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    warm: bool,
) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", "sk-not-for-tests")
    workspace = tmp_path / "repo"
    workspace.mkdir()
    (workspace / "test_env.py").write_text(
        "import os, sys\n\ndef test_env():\n"
        "    assert 'sk-not-for-tests' not in repr(dict(os.environ))\n"
        f"    assert sys.prefix == {str(Path(built_env.executable).parent.parent)!r}\n"
    )
    process_sandbox.warm = warm
    process_sandbox.start_episode(tmp_path, built_env)
    try:
        result = process_sandbox.run_tests(workspace)
    finally:
        process_sandbox.end_episode(tmp_path)
        process_sandbox.warm = True

    assert result.outcome_of("test_env.py::test_env") == TestOutcome.passed, result.output
