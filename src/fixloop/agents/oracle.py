"""`OracleAgent`: applies a task's reference fix through the environment's own actions.

It is the upper bound every task must reach: if the oracle cannot resolve a task through
`read_file`, `replace_lines`, `write_file`, `run_tests` and `submit`, the task (or the
environment) is broken. It sees the reference fix by construction, so it is never an
evaluation of anything but the tasks and the environment.
"""

from __future__ import annotations

import difflib

from fixloop.env.actions import Action, ReadFile, ReplaceLines, RunTests, Submit, WriteFile
from fixloop.env.line_edit import replace_line_range
from fixloop.env.observation import Observation
from fixloop.tasks.task import Task


def line_edits(before: str, after: str) -> list[ReplaceLines] | None:
    """`replace_lines` actions, bottom-up, that turn `before` into `after`.

    Returns None when line edits cannot express the change exactly (an empty original file,
    or re-indentation that would alter a hunk); callers then write the whole file.
    """
    old, new = before.splitlines(keepends=True), after.splitlines(keepends=True)
    if not old or not before.endswith("\n") or not after.endswith("\n"):
        return None
    edits: list[ReplaceLines] = []
    opcodes = difflib.SequenceMatcher(a=old, b=new, autojunk=False).get_opcodes()
    for tag, i1, i2, j1, j2 in reversed(opcodes):
        block = new[j1:j2]
        if tag == "equal":
            continue
        if tag == "insert":
            # replace_lines cannot insert into an empty range: fold in a neighbouring line.
            if i1 < len(old):
                i2, block = i1 + 1, [*block, old[i1]]
            else:
                i1, block = i1 - 1, [old[i1 - 1], *block]
        edits.append(ReplaceLines(path="", start_line=i1 + 1, end_line=i2, new_code="".join(block)))
    text = before
    for edit in edits:
        text, _ = replace_line_range(text, edit.start_line, edit.end_line, edit.new_code)
    return edits if text == after else None


def plan_fix(task: Task) -> list[Action]:
    """The oracle's whole episode: read and fix each file, run the tests, submit."""
    plan: list[Action] = []
    for path in task.fix_paths:
        fixed = task.reference_fix[path]
        if path in task.files:
            plan.append(ReadFile(path=path))
            edits = line_edits(task.files[path], fixed)
            if edits is not None:
                plan.extend(edit.model_copy(update={"path": path}) for edit in edits)
                continue
        plan.append(WriteFile(path=path, content=fixed))
    plan.extend([RunTests(), Submit()])
    if len(plan) > task.max_steps:
        # Too many hunks for the budget: write whole files instead.
        plan = [WriteFile(path=p, content=task.reference_fix[p]) for p in task.fix_paths]
        plan.extend([RunTests(), Submit()])
    return plan


class OracleAgent:
    """Replays `plan_fix(task)`; then keeps submitting if the environment asks for more."""

    name = "oracle"

    def __init__(self, task: Task) -> None:
        self.task = task
        self.reset()

    def reset(self) -> None:
        """Start the plan from the beginning."""
        self._plan = plan_fix(self.task)
        self._next = 0

    def act(self, observation: Observation) -> Action:
        """The next planned action."""
        if self._next >= len(self._plan):
            return Submit()
        action = self._plan[self._next]
        self._next += 1
        return action
