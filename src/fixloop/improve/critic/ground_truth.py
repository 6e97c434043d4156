"""Ground truth Φ* for every step of a stored trajectory, measured by replaying it.

Φ* = 10 x the fraction of the task's graded tests (fail_to_pass + pass_to_pass) passing in
the workspace after the step. It is measured, not read from the trajectory (the agent may
never have run the tests, or only some of them):

- a `DebugEnv` on the task is reset and each recorded action that can change the code
  (`replace_lines`, `write_file`, `undo_edit`, `reset`: `fixloop.analysis.steps.CHANGE_ACTIONS`)
  is stepped again; reads, searches, test runs and the submit are not replayed;
- after a step that changed the workspace's text files, the grader runs the graded tests
  in the sandbox (`DebugEnv.grade`, the same tree and checks as the final grade, so a tampered
  workspace measures 0);
- a step that changed nothing reuses the previous measurement: the tests are never rerun.

The list starts with step 0, the task's starting state, taken from the task's definition
(pass_to_pass pass, fail_to_pass fail, as the task validator checks) without a run. Step
numbers are the trajectory's (`StepRecord.index`, from 1).
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from fixloop.analysis.steps import CHANGE_ACTIONS, action_type
from fixloop.core.grade import GradeOutcome
from fixloop.core.trajectory import Trajectory
from fixloop.env.debug_env import DebugEnv, EnvConfig
from fixloop.improve.critic.critic import PHI_MAX
from fixloop.sandbox.base import Sandbox
from fixloop.sandbox.factory import make_sandbox
from fixloop.tasks.task import Task

MAX_TASK_STEPS = 1_000
"""The largest step budget a task may declare; the replay raises the budget to it."""


class GroundTruthError(RuntimeError):
    """Φ* could not be measured: the sandbox failed (infrastructure, never the agent's fault)."""


class GroundTruthPoint(BaseModel):
    """Φ* after one step, and the test verdicts it rests on."""

    model_config = ConfigDict(frozen=True)

    step: int = Field(ge=0, description="The trajectory's step index; 0 is the start.")
    phi_star: float = Field(ge=0.0, le=PHI_MAX, description="10 x the fraction of graded tests passing.")
    changed: bool = Field(description="Whether the step changed the workspace (and the tests ran).")
    passed: int = Field(ge=0, description="Graded tests passing.")
    total: int = Field(ge=0, description="Graded tests.")
    failing: tuple[str, ...] = Field(default=(), description="Graded tests not passing.")
    outcome: str = Field(description="The grade's outcome for this state (resolved, partial, tampered ...).")


def start_point(task: Task) -> GroundTruthPoint:
    """Step 0: the task's starting state as its definition states it."""
    total = len(task.graded_tests)
    return GroundTruthPoint(
        step=0,
        phi_star=PHI_MAX * len(task.pass_to_pass) / total if total else 0.0,
        changed=False,
        passed=len(task.pass_to_pass),
        total=total,
        failing=tuple(task.fail_to_pass),
        outcome=GradeOutcome.unresolved.value,
    )


def measure_ground_truth(
    task: Task, trajectory: Trajectory, sandbox: Sandbox | None = None
) -> list[GroundTruthPoint]:
    """Φ* at the start and after every step of `trajectory`, an episode of `task`.

    `sandbox` runs the tests and stays open (the caller's); without one an "auto" sandbox is
    made and closed. Raises ValueError when the trajectory is of another task, and
    GroundTruthError when the sandbox fails.
    """
    if trajectory.task_id != task.id:
        raise ValueError(f"the trajectory is an episode of {trajectory.task_id}, not of {task.id}")
    own = sandbox is None
    box = make_sandbox("auto") if sandbox is None else sandbox
    # The replay steps fewer actions than the episode did; a budget it cannot reach keeps
    # the environment from grading and ending the episode on its own.
    replay_task = task.model_copy(update={"max_steps": MAX_TASK_STEPS})
    env = DebugEnv(box, EnvConfig())
    try:
        env.reset(replay_task)
        points = [start_point(task)]
        for record in trajectory.steps:
            previous = points[-1]
            if record.action is None or action_type(record) not in CHANGE_ACTIONS:
                points.append(previous.model_copy(update={"step": record.index, "changed": False}))
                continue
            before = env.workspace.snapshot()
            env.step(record.action)
            if env.workspace.snapshot() == before:
                points.append(previous.model_copy(update={"step": record.index, "changed": False}))
                continue
            points.append(_measure(env, task, record.index))
        return points
    finally:
        env.close()
        if own:
            box.close()


def _measure(env: DebugEnv, task: Task, step: int) -> GroundTruthPoint:
    grade = env.grade()
    if grade.outcome is GradeOutcome.infra_error:
        raise GroundTruthError(f"the sandbox failed measuring step {step} of {task.id}: {grade.error}")
    total = len(task.graded_tests)
    failing = (*grade.fail_to_pass_failed, *grade.pass_to_pass_broken)
    return GroundTruthPoint(
        step=step,
        phi_star=round(PHI_MAX * grade.pass_fraction, 6),
        changed=True,
        passed=round(grade.pass_fraction * total),
        total=total,
        failing=failing if grade.outcome is not GradeOutcome.tampered else tuple(task.graded_tests),
        outcome=grade.outcome.value,
    )
