"""Metrics of one trajectory, and their summary across the episodes of a run.

Per episode, `episode_metrics` counts what the agent did (reads, writes, test runs, errors)
and scores how it did it: edit churn against the reference fix's size, the entropy of its
action mix, how much of it was waste, whether it verified its last edit, and a reliability
index that weighs all of that:

    reliability = 0.40 correctness + 0.20 efficiency + 0.15 (1 - entropy)
                + 0.15 verification + 0.10 safety

where correctness is the grade's score, efficiency is min(1, step_target / steps),
verification is 1 when tests ran after the last edit, and safety is 1 - 0.2 per dangerous
pattern written (never below 0).
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Sequence

from pydantic import BaseModel, Field

from fixloop.analysis.statistics import Estimate, bounded_mean_ci, consistency, mean_ci, proportion_ci
from fixloop.analysis.steps import (
    CHANGE_ACTIONS,
    action_type,
    edit_path,
    is_edit,
    is_parse_error,
    ran_tests,
    read_path,
    succeeded,
)
from fixloop.core.trajectory import Trajectory
from fixloop.env.actions import ACTION_TYPES

NOT_THE_AGENTS_FAULT = frozenset({"infra_error", "budget_exhausted"})
"""Outcomes excluded from agent scores: the infrastructure or the budget ended the episode."""

RELIABILITY_WEIGHTS = {
    "correctness": 0.40,
    "efficiency": 0.20,
    "order": 0.15,
    "verification": 0.15,
    "safety": 0.10,
}
"""The reliability index's weights; "order" is 1 - action entropy."""

DANGEROUS_PATTERN_PENALTY = 0.2
"""Safety lost per dangerous pattern written."""


class EpisodeMetrics(BaseModel):
    """What one episode's agent did, counted and scored. Ratios are in [0, 1]."""

    steps: int
    files_read: int = Field(description="Distinct files read or viewed.")
    files_written: int = Field(description="Distinct files edited or created.")
    reads_before_first_write: int = Field(description="Reads and views before the first edit (all, if none).")
    test_runs: int
    steps_to_first_test: int | None = Field(description="Index of the first test run; None if none.")
    re_reads: int = Field(description="Reads of a file already read, with no edit of it in between.")
    invalid_actions: int = Field(description="Actions that parsed but the environment refused.")
    parse_errors: int
    lines_changed: int = Field(description="Lines removed plus added by every change, undos included.")
    edit_churn: float | None = Field(
        description="lines_changed / the reference fix's size; None when the fix size is unknown."
    )
    action_entropy: float = Field(description="Entropy of the action-type mix, normalised to [0, 1].")
    wasteful_ratio: float = Field(description="(re-reads + invalid actions + parse errors) / steps.")
    verification: float = Field(description="1 when tests ran after the last edit, else 0.")
    chars_read: int
    dangerous_written: int = Field(description="Dangerous patterns written (os.system, eval, ...).")
    tokens: int
    cost: float
    correctness: float = Field(description="The grade's score.")
    efficiency: float = Field(description="min(1, step_target / steps).")
    safety: float
    reliability: float


def episode_metrics(trajectory: Trajectory) -> EpisodeMetrics:
    """Count and score what the agent did in one episode. Never raises on a trajectory."""
    steps = trajectory.steps
    read_paths = [p for p in map(read_path, steps) if p is not None]
    written = [p for p in map(edit_path, steps) if p is not None]
    first_write = next((i for i, s in enumerate(steps) if edit_path(s) is not None), len(steps))
    test_steps = [s.index for s in steps if ran_tests(s)]
    last_edit = max((s.index for s in steps if is_edit(s)), default=None)
    verified = last_edit is not None and any(index > last_edit for index in test_steps)
    lines_changed = sum(s.summary.lines_changed for s in steps if action_type(s) in CHANGE_ACTIONS)
    facts = trajectory.task_facts
    churn = lines_changed / facts.fix_lines if facts is not None and facts.fix_lines else None
    parse_errors = sum(is_parse_error(s) for s in steps)
    invalid = sum(s.action is not None and s.error is not None for s in steps)
    re_reads = _re_reads(trajectory)
    dangerous = sum(sum(s.summary.dangerous.values()) for s in steps)
    entropy = _normalised_entropy([t for s in steps if (t := action_type(s)) is not None])
    step_target = facts.step_target if facts is not None else 1
    efficiency = min(1.0, step_target / len(steps)) if steps else 0.0
    safety = max(0.0, 1.0 - DANGEROUS_PATTERN_PENALTY * dangerous)
    correctness = trajectory.score
    # The weights sum to 1 only up to rounding (1.0000000000000002); the index is kept in [0, 1].
    reliability = min(
        1.0,
        RELIABILITY_WEIGHTS["correctness"] * correctness
        + RELIABILITY_WEIGHTS["efficiency"] * efficiency
        + RELIABILITY_WEIGHTS["order"] * (1.0 - entropy)
        + RELIABILITY_WEIGHTS["verification"] * float(verified)
        + RELIABILITY_WEIGHTS["safety"] * safety,
    )
    return EpisodeMetrics(
        steps=len(steps),
        files_read=len(set(read_paths)),
        files_written=len(set(written)),
        reads_before_first_write=sum(read_path(s) is not None for s in steps[:first_write]),
        test_runs=len(test_steps),
        steps_to_first_test=test_steps[0] if test_steps else None,
        re_reads=re_reads,
        invalid_actions=invalid,
        parse_errors=parse_errors,
        lines_changed=lines_changed,
        edit_churn=churn,
        action_entropy=entropy,
        wasteful_ratio=(re_reads + invalid + parse_errors) / len(steps) if steps else 0.0,
        verification=float(verified),
        chars_read=sum(s.summary.chars_read for s in steps),
        dangerous_written=dangerous,
        tokens=trajectory.tokens,
        cost=trajectory.cost,
        correctness=correctness,
        efficiency=efficiency,
        safety=safety,
        reliability=round(reliability, 6),
    )


def _re_reads(trajectory: Trajectory) -> int:
    seen: set[str] = set()
    count = 0
    for step in trajectory.steps:
        if (written := edit_path(step)) is not None:
            seen.discard(written)
        elif action_type(step) in ("undo_edit", "reset") and succeeded(step):
            seen.clear()
        elif (path := read_path(step)) is not None:
            count += path in seen
            seen.add(path)
    return count


def _normalised_entropy(kinds: Sequence[str]) -> float:
    """Shannon entropy of the mix, divided by its maximum (every action type equally often)."""
    if not kinds:
        return 0.0
    counts = Counter(kinds).values()
    total = len(kinds)
    entropy = -sum(n / total * math.log(n / total) for n in counts)
    return round(entropy / math.log(len(ACTION_TYPES)), 6)


class RunMetrics(BaseModel):
    """Episode metrics summarised over a run's scored episodes, with 95% confidence intervals.

    The resolve rate has a Wilson interval and the mean score and reliability a bootstrap
    interval, so all three stay inside [0, 1]; the mean step count has a Student-t interval
    (see `fixloop.analysis.statistics`).

    Episodes that ended by an infrastructure failure or an exhausted budget are counted in
    `excluded` and left out of everything else.
    """

    episodes: int = Field(description="Scored episodes.")
    excluded: int = Field(description="Episodes left out: infra errors and exhausted budgets.")
    resolved: int
    resolve_rate: Estimate
    score: Estimate
    steps: Estimate
    reliability: Estimate
    score_consistency: float = Field(description="1 - std/mean of the scores.")
    tokens: int
    cost: float
    means: dict[str, float] = Field(description="The mean of every numeric episode metric.")


def is_scored(trajectory: Trajectory) -> bool:
    """Whether the episode counts towards the agent's scores."""
    return trajectory.outcome not in NOT_THE_AGENTS_FAULT


def run_metrics(trajectories: Sequence[Trajectory]) -> RunMetrics:
    """Summarise a run. Raises ValueError when no episode is scored."""
    scored = [t for t in trajectories if is_scored(t)]
    if not scored:
        raise ValueError("no scored episode: every episode ended by an infra error or an exhausted budget")
    metrics = [episode_metrics(t) for t in scored]
    resolved = sum(t.outcome == "resolved" for t in scored)
    numeric = {
        name: [float(value) for m in metrics if isinstance(value := getattr(m, name), int | float)]
        for name in EpisodeMetrics.model_fields
    }
    return RunMetrics(
        episodes=len(scored),
        excluded=len(trajectories) - len(scored),
        resolved=resolved,
        resolve_rate=proportion_ci(resolved, len(scored)),
        score=bounded_mean_ci([t.score for t in scored]),
        steps=mean_ci([float(m.steps) for m in metrics]),
        reliability=bounded_mean_ci([m.reliability for m in metrics]),
        score_consistency=consistency([t.score for t in scored]),
        tokens=sum(t.tokens for t in trajectories),
        cost=sum(t.cost for t in trajectories),
        means={name: sum(values) / len(values) for name, values in numeric.items() if values},
    )
