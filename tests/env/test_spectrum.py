"""`run_tests` with coverage: the observation's spectrum of failing and passing tests per line."""

from fixloop.env.actions import RunTests
from fixloop.env.spectrum import LineHits, Spectrum, spectrum_of
from fixloop.sandbox.base import TestCaseResult, TestRunResult


def _hits(spectrum: Spectrum) -> dict[tuple[str, int], tuple[int, int]]:
    return {(hits.path, hits.line): (hits.failed, hits.passed) for hits in spectrum.lines}


def test_run_tests_with_coverage_counts_the_failing_and_passing_tests_of_each_line(env):
    spectrum = env.step(RunTests(coverage=True)).observation.spectrum

    assert (spectrum.failed_tests, spectrum.passed_tests) == (2, 2)
    # `add` (line 3) runs in both failing tests and in test_add_zero; `double` (line 7) passes.
    assert _hits(spectrum) == {("calc.py", 3): (2, 1), ("calc.py", 7): (0, 1)}


def test_run_tests_without_coverage_has_no_spectrum(env):
    assert env.step(RunTests()).observation.spectrum is None


def test_the_spectrum_belongs_to_the_last_test_run(env):
    env.step(RunTests(coverage=True))
    assert env.step(RunTests()).observation.spectrum is None


def test_skipped_tests_are_not_counted():
    run = TestRunResult(
        tests=[
            TestCaseResult(node_id="t::a", outcome="failed", covered_lines={"m.py": [1, 2]}),
            TestCaseResult(node_id="t::b", outcome="error", covered_lines={"m.py": [1]}),
            TestCaseResult(node_id="t::c", outcome="skipped", covered_lines={"m.py": [5]}),
            TestCaseResult(node_id="t::d", outcome="passed", covered_lines={"m.py": [2]}),
        ]
    )
    spectrum = spectrum_of(run)
    assert (spectrum.failed_tests, spectrum.passed_tests) == (2, 1)
    assert _hits(spectrum) == {("m.py", 1): (2, 0), ("m.py", 2): (1, 1)}


def test_the_rendering_lists_lines_failing_tests_ran_fewest_passing_first():
    spectrum = Spectrum(
        failed_tests=2,
        passed_tests=3,
        lines=[
            LineHits(path="m.py", line=1, failed=2, passed=3),
            LineHits(path="m.py", line=2, failed=2, passed=0),
            LineHits(path="m.py", line=3, failed=0, passed=3),
        ],
    )
    assert spectrum.render().splitlines() == [
        "2 failing and 3 passing tests traced",
        "m.py:2 ran by 2 failing, 0 passing",
        "m.py:1 ran by 2 failing, 3 passing",
    ]


def test_the_observation_text_shows_the_coverage(env):
    rendered = env.step(RunTests(coverage=True)).observation.render()
    expected = "# Coverage\n2 failing and 2 passing tests traced\ncalc.py:3 ran by 2 failing, 1 passing"
    assert expected in rendered
