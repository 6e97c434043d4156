"""Fault localisation for the repair agent: traceback frames, then Ochiai over the spectrum."""

import pytest

from fixloop.agents.fault_localization import (
    SuspiciousLine,
    import_time_lines,
    ochiai,
    rank_lines,
    top_lines,
    traceback_lines,
)
from fixloop.env.actions import RunTests
from fixloop.env.debug_env import DebugEnv
from fixloop.env.spectrum import LineHits, Spectrum

PYTEST_OUTPUT = """..FF
=================================== FAILURES ===================================
____________________________________ test_a ____________________________________

    def test_a():
>       assert f(0) == 1

tests/test_m.py:4:
_ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _
pkg/m.py:2: in f
    return g(x)
_ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _

    def g(x):
>       return 1 / x
E       ZeroDivisionError: division by zero

pkg/m.py:5: ZeroDivisionError
____________________________________ test_b ____________________________________

    def test_b():
>       assert f(1) == 2
E       assert 1.0 == 2

tests/test_m.py:7: AssertionError
=========================== short test summary info ============================
FAILED tests/test_m.py::test_a - ZeroDivisionError: division by zero
FAILED tests/test_m.py::test_b - assert 1.0 == 2
"""


def test_localisation_ranks_the_buggy_line_of_the_calc_task_first(sandbox, calc_task):
    env = DebugEnv(sandbox)
    env.reset(calc_task)
    try:
        observation = env.step(RunTests(coverage=True)).observation
    finally:
        env.close()
    frames = traceback_lines(observation.last_test_output or "", ["calc.py"])

    ranked = rank_lines(observation.spectrum, frames, ["calc.py"])

    assert (ranked[0].path, ranked[0].line) == ("calc.py", 3)


def test_the_deepest_project_frame_of_each_failure_is_taken_from_pytest_output():
    assert traceback_lines(PYTEST_OUTPUT, ["pkg/m.py", "tests/test_m.py"]) == [("pkg/m.py", 5)]


def test_traceback_lines_rank_before_the_spectrum():
    spectrum = Spectrum(
        failed_tests=1, passed_tests=0, lines=[LineHits(path="pkg/m.py", line=2, failed=1, passed=0)]
    )
    ranked = rank_lines(spectrum, [("pkg/m.py", 5)], ["pkg/m.py"])
    assert [(line.line, line.reason) for line in ranked] == [(5, "traceback"), (2, "ochiai")]


def test_lines_only_failing_tests_ran_outrank_lines_passing_tests_ran_too():
    spectrum = Spectrum(
        failed_tests=2,
        passed_tests=3,
        lines=[
            LineHits(path="m.py", line=1, failed=2, passed=3),
            LineHits(path="m.py", line=2, failed=2, passed=0),
            LineHits(path="m.py", line=3, failed=0, passed=3),
        ],
    )
    ranked = rank_lines(spectrum, [], ["m.py"])
    assert [line.line for line in ranked] == [2, 1]


def test_ochiai_is_one_for_a_line_every_failing_and_no_passing_test_ran():
    assert ochiai(failed=3, passed=0, failed_tests=3) == pytest.approx(1.0)
    assert ochiai(failed=0, passed=4, failed_tests=3) == 0.0


def test_top_lines_keeps_the_whole_tie_at_the_cut_off():
    scores = [(1, 0.9), (2, 0.5), (3, 0.5), (4, 0.1)]
    ranked = [SuspiciousLine("m.py", line, score, "ochiai") for line, score in scores]
    assert [line.line for line in top_lines(ranked, 2)] == [1, 2, 3]


def test_a_suspicious_line_depends_on_the_module_constants_it_reads_and_its_defaults():
    text = (
        'UNITS = {\n    "s": 1,\n    "m": 60,\n}\n\n\n'
        'def seconds(n, unit="s", scale=1):\n    return n * UNITS[unit]\n'
    )
    assert import_time_lines(text, [8]) == {8: [1, 2, 3, 4, 7]}
