"""Validating tasks by running their tests in the real process sandbox."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from fixloop.sandbox import make_sandbox
from fixloop.sandbox.base import Sandbox
from fixloop.tasks.task import Task
from fixloop.tasks.validator import validate_task, validate_tasks, with_computed_lists

ADD_SMALL = "tests/test_calc.py::test_add_small"
ADD_NEGATIVE = "tests/test_calc.py::test_add_negative"
DOUBLE = "tests/test_calc.py::test_double"
ADD_ZERO = "tests/test_calc.py::test_add_zero"

# Counts its own runs in a file beside it, so it fails, passes, fails ... on every rerun
# in the same workspace: deterministic flakiness.
ALTERNATING_TEST = """\
from pathlib import Path


def test_alternates():
    counter = Path(__file__).with_name("runs.txt")
    runs = int(counter.read_text()) + 1 if counter.exists() else 1
    counter.write_text(str(runs))
    assert runs % 2 == 0
"""


@pytest.fixture
def sandbox() -> Iterator[Sandbox]:
    """A process sandbox of the test's own (it overrides the shared one, which must stay open)."""
    sandbox = make_sandbox("process")
    yield sandbox
    sandbox.close()


def with_fix(task: Task, calc_source: str, **updates: object) -> Task:
    return task.model_copy(update={"reference_fix": {"calc.py": calc_source}, **updates})


def test_a_sound_task_is_valid(calc_task, sandbox) -> None:
    report = validate_task(calc_task, sandbox, repeats=2)

    assert report.valid, report.problems
    assert report.flaky_tests == []
    assert (report.buggy_passed, report.buggy_total) == (2, 4)
    assert (report.fixed_passed, report.fixed_total) == (4, 4)
    assert report.computed_fail_to_pass is None


def test_a_fix_that_does_not_fix_is_invalid(calc_task, sandbox) -> None:
    task = with_fix(calc_task, calc_task.files["calc.py"].replace("a - b", "a * b"))

    report = validate_task(task, sandbox, repeats=2)

    assert not report.valid
    assert f"fail_to_pass test {ADD_SMALL} does not pass on the fixed repo (failed)" in report.problems


def test_a_fail_to_pass_test_that_passes_on_the_buggy_repo_is_reported(calc_task, sandbox) -> None:
    task = calc_task.model_copy(update={"fail_to_pass": [ADD_SMALL, DOUBLE], "pass_to_pass": [ADD_ZERO]})

    report = validate_task(task, sandbox, repeats=1)

    assert report.problems == [
        f"fail_to_pass test {DOUBLE} passes on the buggy repo, so it does not show the bug"
    ]


def test_a_listed_test_that_does_not_exist_is_reported(calc_task, sandbox) -> None:
    task = calc_task.model_copy(update={"fail_to_pass": [ADD_SMALL, "tests/test_calc.py::test_gone"]})

    report = validate_task(task, sandbox, repeats=1)

    assert report.problems == [
        "fail_to_pass test tests/test_calc.py::test_gone does not exist on the fixed repo"
    ]


def test_a_test_whose_outcome_changes_between_repeats_is_flagged_flaky(calc_task, sandbox) -> None:
    task = calc_task.model_copy(
        update={"files": {**calc_task.files, "tests/test_alternating.py": ALTERNATING_TEST}}
    )

    report = validate_task(task, sandbox, repeats=3)

    assert not report.valid
    assert report.flaky_tests == ["tests/test_alternating.py::test_alternates"]
    assert (
        "test tests/test_alternating.py::test_alternates is flaky on the buggy repo: failed, passed, failed"
        in report.problems
    )


def test_missing_lists_are_computed_and_can_fill_the_task(calc_task, sandbox) -> None:
    bare = calc_task.model_copy(update={"fail_to_pass": [], "pass_to_pass": []})

    report = validate_task(bare, sandbox, repeats=2)

    assert report.valid, report.problems
    assert report.computed_fail_to_pass == [ADD_SMALL, ADD_NEGATIVE]
    assert report.computed_pass_to_pass == [DOUBLE, ADD_ZERO]
    assert with_computed_lists(bare, report) == calc_task


@pytest.mark.parametrize("lists", ["declared", "computed"])
def test_a_pass_to_pass_test_broken_by_the_fix_is_reported(calc_task, sandbox, lists) -> None:
    fixed = calc_task.reference_fix["calc.py"].replace("x * 2", "x * 3")
    task = with_fix(calc_task, fixed)
    if lists == "computed":
        task = task.model_copy(update={"fail_to_pass": [], "pass_to_pass": []})

    report = validate_task(task, sandbox, repeats=1)

    label = "pass_to_pass test" if lists == "declared" else "test"
    broke = "the fix broke it (it passes on the buggy repo)"
    assert report.problems == [f"{label} {DOUBLE} does not pass on the fixed repo (failed); {broke}"]


def test_validate_tasks_reports_in_task_order(calc_task, sandbox) -> None:
    broken = with_fix(calc_task, calc_task.files["calc.py"].replace("a - b", "a * b"), id="calc-broken")

    reports = validate_tasks([broken, calc_task], sandbox, repeats=1, workers=2)

    assert [(r.task_id, r.valid) for r in reports] == [("calc-broken", False), ("calc-add", True)]


def test_a_sandbox_failure_is_an_infra_problem_not_a_crash(calc_task, sandbox) -> None:
    sandbox.close()

    report = validate_task(calc_task, sandbox, repeats=1)

    assert report.infra_error
    assert not report.valid
    assert report.problems == [
        "infra: the sandbox failed, so the task could not be judged: the process sandbox is closed"
    ]
