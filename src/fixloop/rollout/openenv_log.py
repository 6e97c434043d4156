"""Episode events as the one-line records OpenEnv evaluation harnesses read.

    [START] task=<id> env=fixloop model=<model>
    [STEP] step=<n> action=<type> reward=<0.00> done=<true|false> error=<msg|null>
    [END] success=<true|false> steps=<n> score=<0.00> rewards=<r1,r2,...>

Values never contain a newline: an error message is folded onto one line. An action that
did not parse is logged as `action=null`.
"""

from __future__ import annotations

from fixloop.core.trajectory import StepRecord, Trajectory


def _flag(value: bool) -> str:
    return "true" if value else "false"


def _one_line(text: str) -> str:
    return " ".join(text.split())


def start_line(task_id: str, model: str) -> str:
    """The `[START]` record of an episode."""
    return f"[START] task={task_id} env=fixloop model={model}"


def step_line(step: StepRecord) -> str:
    """The `[STEP]` record of one step."""
    action = step.action["action_type"] if step.action else "null"
    error = _one_line(step.error) if step.error else "null"
    return (
        f"[STEP] step={step.index} action={action} reward={step.reward:.2f} "
        f"done={_flag(step.done)} error={error}"
    )


def end_line(trajectory: Trajectory) -> str:
    """The `[END]` record: success means the grader resolved the task."""
    rewards = ",".join(f"{step.reward:.2f}" for step in trajectory.steps)
    return (
        f"[END] success={_flag(trajectory.outcome == 'resolved')} steps={len(trajectory.steps)} "
        f"score={trajectory.score:.2f} rewards={rewards}"
    )


def episode_lines(trajectory: Trajectory, model: str) -> list[str]:
    """Every record of a finished episode, in order."""
    return [
        start_line(trajectory.task_id, model),
        *(step_line(step) for step in trajectory.steps),
        end_line(trajectory),
    ]
