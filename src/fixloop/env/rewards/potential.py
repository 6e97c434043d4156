"""The default scheme: potential-based shaping on the fraction of graded tests passing."""

from __future__ import annotations

from dataclasses import dataclass

from fixloop.env.rewards.base import StepEvent
from fixloop.tasks.task import Task


@dataclass
class PotentialReward:
    """reward = Φ' - Φ - step_cost - (invalid_penalty if the action was invalid).

    Φ is the fraction of the task's graded tests passing at the last test run (or at grading
    on submit). Before any run Φ is the buggy repository's known value: every pass_to_pass
    test passes and no fail_to_pass test does. Over an episode the shaping terms telescope,
    so the return is Φ_final - Φ_initial minus the costs: shaping never changes which
    policy is best.
    """

    step_cost: float = 0.01
    invalid_penalty: float = 0.05
    name: str = "potential"

    def reset(self, task: Task) -> None:
        """Nothing to remember between steps: Φ travels in the events."""

    def reward(self, event: StepEvent) -> float:
        """Φ' - Φ - costs for one step."""
        shaped = event.pass_fraction_after - event.pass_fraction_before
        penalty = self.invalid_penalty if not event.valid else 0.0
        return shaped - self.step_cost - penalty
