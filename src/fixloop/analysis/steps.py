"""What kind of step a recorded step was: the one definition shared by metrics, the failure
classifier and the strategy detector.

A step "succeeded" when its action parsed into a known action type and the environment
reported no error for it. Paths are the ones the environment recorded in the step's summary:
workspace-relative and already resolved (no `./`), so two reads of one file name it alike.

- A **read** is a successful `read_file`, or a `view_code` of a file (one without a path only
  lists the files).
- An **edit** is a successful `replace_lines` or `write_file`; a **code change** is an edit,
  an `undo_edit` or a `reset`.
- A **search** is a successful `search_code`; a **test run** is a `run_tests` that got a result.
"""

from __future__ import annotations

from fixloop.core.trajectory import StepRecord
from fixloop.env.actions import ACTION_TYPES, EDIT_ACTIONS, READ_ACTIONS

CHANGE_ACTIONS = EDIT_ACTIONS | {"undo_edit", "reset"}
"""Action types that change the repository's code."""


def action_type(step: StepRecord) -> str | None:
    """The step's action type; None when its output did not parse or names no known action."""
    kind = step.action.get("action_type") if step.action else None
    return kind if isinstance(kind, str) and kind in ACTION_TYPES else None


def succeeded(step: StepRecord) -> bool:
    """Whether the action parsed into a known action type and the environment accepted it."""
    return action_type(step) is not None and step.error is None


def is_parse_error(step: StepRecord) -> bool:
    """Whether the agent's output did not parse as an action."""
    return step.action is None


def read_path(step: StepRecord) -> str | None:
    """The file a successful read or view showed (a file listing reads no file)."""
    if action_type(step) in READ_ACTIONS and succeeded(step):
        return step.summary.path
    return None


def is_edit(step: StepRecord) -> bool:
    """Whether the step was a successful replace_lines or write_file."""
    return action_type(step) in EDIT_ACTIONS and succeeded(step)


def edit_path(step: StepRecord) -> str | None:
    """The file a successful replace_lines or write_file changed."""
    return step.summary.path if is_edit(step) else None


def is_code_change(step: StepRecord) -> bool:
    """Whether the step was a successful edit, undo_edit or reset."""
    return action_type(step) in CHANGE_ACTIONS and succeeded(step)


def creates_file(step: StepRecord) -> bool:
    """Whether a successful edit created a new file rather than changing one."""
    return edit_path(step) is not None and (step.summary.diff or "").startswith("--- /dev/null")


def search_query(step: StepRecord) -> str | None:
    """What a successful search_code looked for; None for every other step."""
    if action_type(step) != "search_code" or not succeeded(step):
        return None
    query = (step.action or {}).get("query")
    return query if isinstance(query, str) else ""


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
