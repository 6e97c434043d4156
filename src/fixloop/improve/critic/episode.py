"""A critic over one stored episode: the state views of its steps, the critic's score of each,
and how those scores compare with the measured ground truth.

A step's `StateView` is built from the trajectory alone: the diffs of the code changes so far
(the latest kept when they are long), the last test run's verdicts, and a short account of the
step (its error, its test output, or what it read or wrote). The ground truth Φ* of each view
comes from `ground_truth.measure_ground_truth`; only simulated critics read it.

Each step is scored with the critic's own score of the step before as `previous` (None for
the first step), so an `LLMCritic`'s safeguards act on its change from step to step.
"""

from __future__ import annotations

from collections.abc import Sequence

from fixloop.analysis.steps import action_type
from fixloop.core.step_summary import PassSummary
from fixloop.core.trajectory import StepRecord, Trajectory
from fixloop.improve.critic.critic import MAX_STATE_DIFF_CHARS, Critic, CriticScore, StateView
from fixloop.improve.critic.ground_truth import GroundTruthPoint
from fixloop.improve.critic.metrics import CriticEvaluation, evaluate, pairs_along
from fixloop.tasks.task import Task


def state_views(trajectory: Trajectory, points: Sequence[GroundTruthPoint]) -> list[StateView]:
    """The view at the start and after every step, each with its Φ* from `points`.

    Raises ValueError when `points` does not hold the start and every step of the trajectory.
    """
    truth = {p.step: p.phi_star for p in points}
    missing = [s for s in [0, *(r.index for r in trajectory.steps)] if s not in truth]
    if missing:
        raise ValueError(f"no ground truth for steps {missing}; measure it with measure_ground_truth")
    views = [StateView(step=0, phi_star=truth[0], observation="The episode starts.")]
    diffs: list[str] = []
    tests: PassSummary | None = None
    for record in trajectory.steps:
        if record.summary.diff:
            diffs.append(record.summary.diff)
        tests = record.summary.tests or tests
        views.append(
            StateView(
                step=record.index,
                diff=_latest(diffs),
                tests=tests,
                observation=_account(record),
                phi_star=truth[record.index],
            )
        )
    return views


def score_episode(
    critic: Critic, task: Task, trajectory: Trajectory, points: Sequence[GroundTruthPoint]
) -> list[CriticScore]:
    """The critic's score of the state after every step of `trajectory`, in step order."""
    views = state_views(trajectory, points)
    scores: list[CriticScore] = []
    for record, before, after in zip(trajectory.steps, views, views[1:], strict=False):
        previous = scores[-1].phi if scores else None
        scores.append(critic.score(task, before, record.action, after, previous=previous))
    return scores


def evaluate_episode(
    critic: Critic, task: Task, trajectory: Trajectory, points: Sequence[GroundTruthPoint]
) -> CriticEvaluation:
    """How the critic's scores of the episode's steps compare with Φ*. Simulated when the critic
    or the episode is."""
    scores = score_episode(critic, task, trajectory, points)
    truth = {p.step: p.phi_star for p in points}
    pairs = pairs_along([s.phi for s in scores], [truth[r.index] for r in trajectory.steps])
    return evaluate(pairs, critic=critic.name, simulated=critic.simulated or trajectory.simulated)


def _latest(diffs: list[str]) -> str:
    """The latest diffs that fit in a state view, oldest first."""
    kept: list[str] = []
    size = 0
    for diff in reversed(diffs):
        if kept and size + len(diff) > MAX_STATE_DIFF_CHARS:
            break
        kept.append(diff)
        size += len(diff)
    return "".join(reversed(kept))


def _account(record: StepRecord) -> str:
    """What the step did, in brief."""
    kind = action_type(record)
    if kind is None:
        return "The agent's reply did not parse as an action."
    if record.error:
        return f"{kind} failed: {record.error}"
    if record.summary.test_output:
        return record.summary.test_output
    if record.summary.path:
        return f"{kind} {record.summary.path}"
    return kind
