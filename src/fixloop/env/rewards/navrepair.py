"""The `navrepair` preset: rewards for navigating to the right files and improving the pass rate."""

from __future__ import annotations

from dataclasses import dataclass

from fixloop.env.rewards.base import StepEvent
from fixloop.tasks.task import Task


@dataclass
class NavRepairReward:
    """Reproduces the reward of navigate-and-repair environments.

    Reading a relevant file (one the fix touches or the failing tests import) the first
    time earns `relevant_read_bonus`; re-reading any file costs `reread_penalty`. An
    invalid action or path costs `invalid_penalty`. The first write to a file the fix
    touches earns `fix_file_write_bonus`. A run_tests with Δ = pass rate - previous pass
    rate earns `improve_base + improve_scale·Δ` when Δ > 0 and `regress_scale·Δ` when Δ < 0.
    Each dangerous pattern written costs `dangerous_penalty`; every step beyond the task's
    optimal step count costs `overtime_penalty`. Each step is clamped to [-1, 1]. Submit
    earns the pass rate at grading.
    """

    relevant_read_bonus: float = 0.05
    reread_penalty: float = 0.01
    invalid_penalty: float = 0.02
    fix_file_write_bonus: float = 0.08
    improve_base: float = 0.10
    improve_scale: float = 0.3
    regress_scale: float = 0.2
    dangerous_penalty: float = 0.05
    overtime_penalty: float = 0.02
    name: str = "navrepair"
    step_target: int = 0

    def reset(self, task: Task) -> None:
        """Remember the task's optimal step count."""
        self.step_target = task.step_target

    def reward(self, event: StepEvent) -> float:
        """The step's reward; see the class docstring for the terms."""
        if event.action_type == "submit" and event.valid and event.grade is not None:
            return event.grade.pass_fraction
        reward = 0.0
        if not event.valid:
            reward -= self.invalid_penalty
        elif event.read_path is not None:
            if not event.first_read:
                reward -= self.reread_penalty
            elif event.relevant_read:
                reward += self.relevant_read_bonus
        if event.first_write_to_fix_file:
            reward += self.fix_file_write_bonus
        if event.tests_run:
            delta = event.pass_fraction_after - event.pass_fraction_before
            if delta > 0:
                reward += self.improve_base + self.improve_scale * delta
            elif delta < 0:
                reward += self.regress_scale * delta
        reward -= self.dangerous_penalty * event.dangerous_written
        if self.step_target and event.step > self.step_target:
            reward -= self.overtime_penalty
        return max(-1.0, min(1.0, reward))
