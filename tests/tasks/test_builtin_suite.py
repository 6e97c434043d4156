"""The builtin suite is sound: every task validates, with nothing flaky, in each sandbox."""

from collections import Counter

from fixloop.tasks.loader import load_suite
from fixloop.tasks.validator import validate_tasks

BUILTIN = load_suite("builtin")


def test_the_suite_covers_the_required_kinds_of_bug():
    tags = Counter(tag for task in BUILTIN for tag in task.tags)
    assert len(BUILTIN) >= 12
    for required in (
        "off-by-one",
        "wrong-operator",
        "wrong-mapping",
        "identity-return",
        "cross-module",
        "regression-trap",
        "spec",
    ):
        assert tags[required] >= 1, required
    assert {task.difficulty.value for task in BUILTIN} == {"easy", "medium", "hard"}


def test_every_builtin_task_validates_with_no_flaky_test(each_sandbox):
    reports = validate_tasks(BUILTIN, each_sandbox, repeats=3, workers=2)
    problems = {r.task_id: r.problems for r in reports if not r.valid}
    assert problems == {}
    assert all(not r.flaky_tests for r in reports)
