"""Checks on a grading run's report that a cooperative run always passes.

The verdicts come from the test process, where the agent's code runs too. The grade adds
two tests of its own to every grading run, in a file with a fresh random name beside the
task's tests: one that must pass and one that must fail (`Canary`). It then checks what
only tampering produces: the failing check reported as passing or missing from a finished
run, a second verdict for a test, a verdict for a file that was not run, pytest's
recorded exit status disagreeing with the one the kernel reported or with the must-fail
check, a process that exited before pytest finished, and tamper-watch events raised with
one of the agent's changed files on the stack.
"""

from __future__ import annotations

import posixpath
import secrets
from collections.abc import Collection
from dataclasses import dataclass

from fixloop.sandbox.base import TestOutcome, TestRunResult
from fixloop.tasks.task import test_file_of

_SIGNAL_EXIT = 128
"""Exit statuses above this are deaths by a signal (128 + N), as the sandbox reports them."""


@dataclass(frozen=True)
class Canary:
    """A test file the grade adds: `must_pass` and `must_fail` are node ids in `path`."""

    path: str
    source: str
    must_pass: str
    must_fail: str

    @classmethod
    def beside(cls, test_file: str) -> Canary:
        """A canary with fresh random names in the directory of `test_file`."""
        token = secrets.token_hex(6)
        path = posixpath.join(posixpath.dirname(test_file), f"test_{token}.py")
        passing, failing = f"test_{secrets.token_hex(4)}", f"test_{secrets.token_hex(4)}"
        # The failing check fails without a traceback: formatting one is most of what a
        # grading run's report costs when every other test passes.
        source = (
            f"import pytest\n\n\ndef {passing}():\n    assert True\n\n\n"
            f"def {failing}():\n    pytest.fail({token!r}, pytrace=False)\n"
        )
        return cls(path=path, source=source, must_pass=f"{path}::{passing}", must_fail=f"{path}::{failing}")


def finished(run: TestRunResult) -> bool:
    """Whether pytest got to the end of the run (only then do its verdicts count)."""
    return run.session_exit_status is not None


def runtime_evidence(
    run: TestRunResult, canary: Canary, targets: Collection[str], changed: Collection[str]
) -> list[str]:
    """What in a grading run of `targets` (canary included) only tampering explains.

    `changed` are the files the agent changed in the graded tree: a tamper-watch event
    counts when one of them was on the stack, and a run that ended early counts only when
    the agent changed something (the original code is the task's, not the agent's).
    """
    evidence = list(run.report_anomalies)
    for event in run.tamper_events:
        culprits = [path for path in event.files if path in changed]
        if culprits:
            what = f"{event.event} {event.detail}".strip()
            evidence.append(f"{culprits[0]} used {what} while the tests ran")
    for test in run.tests:
        if test_file_of(test.node_id) not in targets:
            evidence.append(f"a verdict for {test.node_id}, which is not in the files run")
    if not finished(run):
        early = not run.timed_out and (run.exit_code or 0) < _SIGNAL_EXIT
        if early and changed:
            evidence.append(f"the test process exited (status {run.exit_code}) before pytest finished")
        return evidence
    if run.session_exit_status != run.exit_code and not run.timed_out:
        evidence.append(
            f"the test process exited with status {run.exit_code} "
            f"after pytest finished with status {run.session_exit_status}"
        )
    if run.outcome_of(canary.must_fail) == TestOutcome.passed:
        evidence.append("a check that must fail was reported as passing")
    if run.collection_errors:
        # pytest runs no test after a collection error.
        if run.tests:
            evidence.append("verdicts for tests although collection failed")
    elif run.outcome_of(canary.must_fail) is None or run.outcome_of(canary.must_pass) is None:
        evidence.append("the report lacks a check every grading run reports")
    if run.session_exit_status == 0:
        evidence.append("pytest reported success although a check that must fail ran")
    return evidence
