"""The `RewardScheme` protocol and the `StepEvent` every scheme scores."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from fixloop.core.grade import Grade
from fixloop.tasks.task import Task


@dataclass
class StepEvent:
    """What one step did, as far as rewards care. Built by `DebugEnv`, read by schemes.

    `error` is the step's last_action_error (None when the action succeeded). Pass
    fractions are over the task's graded tests: before and after this step.
    """

    step: int
    action_type: str | None
    error: str | None = None
    after_done: bool = False
    repeat_count: int = 0
    read_path: str | None = None
    first_read: bool = False
    relevant_read: bool = False
    write_path: str | None = None
    first_write_to_fix_file: bool = False
    dangerous_written: int = 0
    lines_deleted_by_empty_block: int = 0
    tests_run: bool = False
    pass_fraction_before: float = 0.0
    pass_fraction_after: float = 0.0
    newly_passing: int = 0
    syntax_error: bool = False
    grade: Grade | None = None

    @property
    def valid(self) -> bool:
        return self.error is None and self.action_type is not None and not self.after_done


class RewardScheme(Protocol):
    """Turns step events into rewards. One instance per episode; `reset` starts a new one."""

    name: str

    def reset(self, task: Task) -> None:
        """Forget the previous episode and prepare for `task`."""
        ...

    def reward(self, event: StepEvent) -> float:
        """The reward for one step."""
        ...
