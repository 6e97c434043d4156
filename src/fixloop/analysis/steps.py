"""Plain questions about recorded steps, shared by metrics, the failure classifier and strategies.

A step "succeeded" when its action parsed and the environment reported no error for it.
"""

from __future__ import annotations

from fixloop.env.actions import EDIT_ACTIONS, READ_ACTIONS
from fixloop.rollout.trajectory import StepRecord

CHANGE_ACTIONS = EDIT_ACTIONS | {"undo_edit", "reset"}
"""Action types that change the repository's code."""


def action_type(step: StepRecord) -> str | None:
    """The step's action type, None when its output did not parse."""
    return step.action.get("action_type") if step.action else None


def succeeded(step: StepRecord) -> bool:
    """Whether the action parsed and the environment accepted it."""
    return step.action is not None and step.error is None


def is_parse_error(step: StepRecord) -> bool:
    """Whether the agent's output did not parse as an action."""
    return step.action is None


def read_path(step: StepRecord) -> str | None:
    """The file a successful read or view showed (a file listing reads no file)."""
    if action_type(step) in READ_ACTIONS and succeeded(step):
        return step.summary.path
    return None


def edit_path(step: StepRecord) -> str | None:
    """The file a successful replace_lines or write_file changed."""
    if action_type(step) in EDIT_ACTIONS and succeeded(step):
        return step.summary.path
    return None


def creates_file(step: StepRecord) -> bool:
    """Whether a successful edit created a new file rather than changing one."""
    return edit_path(step) is not None and (step.summary.diff or "").startswith("--- /dev/null")


def ran_tests(step: StepRecord) -> bool:
    """Whether the step ran tests and got a result."""
    return action_type(step) == "run_tests" and step.summary.tests is not None


def tests_failed(step: StepRecord) -> bool:
    """Whether the step's test run showed failing or erroring tests (or timed out)."""
    tests = step.summary.tests
    return tests is not None and (bool(tests.failing) or tests.passed < tests.total or tests.timed_out)


def is_submit(step: StepRecord) -> bool:
    """Whether the step was an accepted submit."""
    return action_type(step) == "submit" and succeeded(step)


def action_key(step: StepRecord) -> str | None:
    """The step's action without its thought, for spotting repeats; None when it did not parse."""
    if step.action is None:
        return None
    return repr(sorted((k, repr(v)) for k, v in step.action.items() if k != "thought"))
