from fixloop.core.grade import GradeOutcome
from fixloop.env.grader import grade_run
from fixloop.sandbox.base import TestCaseResult, TestRunResult

F1, F2 = "tests/test_calc.py::test_add_small", "tests/test_calc.py::test_add_negative"
P1, P2 = "tests/test_calc.py::test_double", "tests/test_calc.py::test_add_zero"


def run(passing: set[str], failing: set[str] = frozenset()) -> TestRunResult:
    tests = [TestCaseResult(node_id=n, outcome="passed") for n in passing]
    tests += [TestCaseResult(node_id=n, outcome="failed") for n in failing]
    return TestRunResult(tests=tests, exit_code=1, session_exit_status=1)


def test_all_listed_tests_passing_is_resolved(calc_task):
    grade = grade_run(calc_task, run({F1, F2, P1, P2}))
    assert grade.outcome == GradeOutcome.resolved
    assert grade.score == 1.0


def test_some_fail_to_pass_passing_without_regressions_is_partial(calc_task):
    grade = grade_run(calc_task, run({F1, P1, P2}, {F2}))
    assert grade.outcome == GradeOutcome.partial
    assert grade.score == 0.5
    assert grade.fail_to_pass_failed == [F2]


def test_a_broken_pass_to_pass_test_makes_it_unresolved_and_is_listed(calc_task):
    grade = grade_run(calc_task, run({F1, F2, P1}, {P2}))
    assert grade.outcome == GradeOutcome.unresolved
    assert grade.pass_to_pass_broken == [P2]
    assert grade.score == 0.5


def test_tests_missing_from_the_run_count_as_failing(calc_task):
    grade = grade_run(calc_task, run({P1, P2}))
    assert grade.outcome == GradeOutcome.unresolved
    assert grade.score == 0.0
    assert grade.pass_fraction == 0.5


def test_a_run_pytest_did_not_finish_passes_nothing(calc_task):
    unfinished = run({F1, F2, P1, P2}).model_copy(update={"session_exit_status": None, "timed_out": True})

    grade = grade_run(calc_task, unfinished)

    assert (grade.outcome, grade.score, grade.timed_out) == (GradeOutcome.unresolved, 0.0, True)
