"""The coverage spectrum of a test run: per line, how many failing and passing tests ran it.

It is what spectrum-based fault localisation (Tarantula, Ochiai ...) needs, pre-aggregated
so an observation stays small: one row per executed line of the project's non-test files,
never one list per test.
"""

from __future__ import annotations

from collections import Counter

from pydantic import BaseModel, Field

from fixloop.sandbox.base import TestOutcome, TestRunResult

MAX_RENDERED_LINES = 30
"""Rows `Spectrum.render` shows: the lines most failing and fewest passing tests ran."""


class LineHits(BaseModel):
    """One executed line and the tests that ran it."""

    path: str
    line: int
    failed: int = Field(description="Failing or erroring tests that executed the line.")
    passed: int = Field(description="Passing tests that executed the line.")


class Spectrum(BaseModel):
    """Which lines the tests of one run executed, counted by the tests' outcome."""

    failed_tests: int = Field(description="Failing or erroring tests in the run.")
    passed_tests: int = Field(description="Passing tests in the run.")
    lines: list[LineHits] = Field(
        default_factory=list, description="Every executed line of a non-test file, by path and line."
    )

    def render(self) -> str:
        """A few lines of text: the lines failing tests ran, those fewest passing tests ran first."""
        head = f"{self.failed_tests} failing and {self.passed_tests} passing tests traced"
        suspicious = sorted(
            (hits for hits in self.lines if hits.failed),
            key=lambda hits: (-hits.failed, hits.passed, hits.path, hits.line),
        )
        rows = [
            f"{hits.path}:{hits.line} ran by {hits.failed} failing, {hits.passed} passing"
            for hits in suspicious[:MAX_RENDERED_LINES]
        ]
        if len(suspicious) > MAX_RENDERED_LINES:
            rows.append(f"... {len(suspicious) - MAX_RENDERED_LINES} more lines ran by failing tests")
        return "\n".join([head, *rows])


def spectrum_of(run: TestRunResult) -> Spectrum:
    """Aggregate the `covered_lines` of a coverage run; skipped tests do not count."""
    failed: Counter[tuple[str, int]] = Counter()
    passed: Counter[tuple[str, int]] = Counter()
    failed_tests = passed_tests = 0
    for test in run.tests:
        if test.outcome == TestOutcome.passed:
            counter, passed_tests = passed, passed_tests + 1
        elif test.outcome in (TestOutcome.failed, TestOutcome.error):
            counter, failed_tests = failed, failed_tests + 1
        else:
            continue
        for path, numbers in (test.covered_lines or {}).items():
            counter.update((path, number) for number in numbers)
    executed = sorted(set(failed) | set(passed))
    return Spectrum(
        failed_tests=failed_tests,
        passed_tests=passed_tests,
        lines=[LineHits(path=p, line=n, failed=failed[p, n], passed=passed[p, n]) for p, n in executed],
    )
