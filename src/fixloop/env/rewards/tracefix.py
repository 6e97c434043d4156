"""The `tracefix` preset: step costs that accumulate against the final submit reward."""

from __future__ import annotations

from dataclasses import dataclass

from fixloop.env.rewards.base import StepEvent
from fixloop.tasks.task import Task


@dataclass
class TracefixReward:
    """Reproduces the reward of trace-driven debugging environments.

    Every step costs `step_cost` (accumulated). Repeating the previous action type costs
    `repeat_penalty` x the consecutive-repeat count. A valid run_tests earns `run_bonus`
    plus `newly_passing_bonus` per newly passing test, or `syntax_error_penalty` instead
    when the code has a syntax error. An invalid action (e.g. an out-of-range replace) costs
    `invalid_penalty`; an empty block deleting more than `big_delete_lines` lines costs
    `big_delete_penalty`; undo and reset cost `undo_reset_penalty`. Submit earns
    clamp(pass fraction - accumulated step costs, 0.01, 0.98), or 0.01 on a syntax error.
    """

    step_cost: float = 0.01
    repeat_penalty: float = 0.05
    run_bonus: float = 0.10
    newly_passing_bonus: float = 0.05
    syntax_error_penalty: float = 0.10
    invalid_penalty: float = 0.02
    big_delete_lines: int = 5
    big_delete_penalty: float = 0.20
    undo_reset_penalty: float = 0.10
    submit_floor: float = 0.01
    submit_ceiling: float = 0.98
    name: str = "tracefix"
    accumulated_cost: float = 0.0

    def reset(self, task: Task) -> None:
        """Zero the accumulated step costs."""
        self.accumulated_cost = 0.0

    def reward(self, event: StepEvent) -> float:
        """The step's reward; see the class docstring for the terms."""
        self.accumulated_cost += self.step_cost
        if event.action_type == "submit" and event.valid and event.grade is not None:
            if event.syntax_error:
                return self.submit_floor
            value = event.grade.pass_fraction - self.accumulated_cost
            return min(max(value, self.submit_floor), self.submit_ceiling)
        reward = -self.step_cost - self.repeat_penalty * event.repeat_count
        if not event.valid:
            return reward - self.invalid_penalty
        if event.action_type == "run_tests":
            if event.syntax_error:
                reward -= self.syntax_error_penalty
            else:
                reward += self.run_bonus + self.newly_passing_bonus * event.newly_passing
        elif event.action_type in ("undo_edit", "reset"):
            reward -= self.undo_reset_penalty
        if event.lines_deleted_by_empty_block > self.big_delete_lines:
            reward -= self.big_delete_penalty
        return reward
