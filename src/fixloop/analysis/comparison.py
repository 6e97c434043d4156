"""Comparing runs on the tasks they share, with paired statistics rather than anecdotes.

Only scored episodes count (infra errors and exhausted budgets are left out), and only
tasks every run has a scored episode of. A run's task is "resolved" for the paired tests
when at least half of its episodes on that task were resolved; its task score is the
mean over those episodes. Each pair of runs gets McNemar's exact test on resolved versus
unresolved and a paired bootstrap interval of the score difference; a verdict names a
winner only when both agree.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from itertools import combinations

from pydantic import BaseModel, Field

from fixloop.analysis.failure_classifier import Diagnosis, FailureLabel, classify
from fixloop.analysis.metrics import is_scored
from fixloop.analysis.statistics import (
    Estimate,
    PairedTest,
    bootstrap_paired_difference,
    bounded_mean_ci,
    paired_resolve_test,
    pass_at_k,
    proportion_ci,
)
from fixloop.core.trajectory import Trajectory


@dataclass(frozen=True)
class RunInput:
    """A run to compare: its name, whether a simulated model produced it, and its trajectories."""

    name: str
    trajectories: Sequence[Trajectory]
    simulated: bool = False


class RunSummaryRow(BaseModel):
    """One run's line of the comparison table, over the shared tasks."""

    name: str
    simulated: bool
    episodes: int
    resolve_rate: Estimate = Field(description="Resolved over episodes, with a Wilson interval.")
    mean_score: Estimate = Field(description="Mean episode score, with a bootstrap interval inside [0, 1].")
    pass_at_k: dict[int, float] = Field(
        description="pass@k for k up to the fewest episodes on a shared task."
    )
    mean_steps: float
    tokens: int
    cost: float


class BreakdownRow(BaseModel):
    """Resolved / episodes of each run within one group (a difficulty, a tag or a failure label)."""

    dimension: str
    key: str
    counts: dict[str, tuple[int, int]] = Field(description="Run name -> (resolved, episodes).")


class PairComparison(BaseModel):
    """Two runs, paired task by task."""

    a: str
    b: str
    test: PairedTest
    score_difference: Estimate = Field(description="Mean task score of a minus b, paired bootstrap interval.")
    verdict: str


class Comparison(BaseModel):
    """Every run's summary, breakdowns, and every pair's statistics, on the shared tasks."""

    tasks: list[str]
    runs: list[RunSummaryRow]
    breakdowns: list[BreakdownRow]
    pairs: list[PairComparison]

    @property
    def simulated(self) -> list[str]:
        """Names of the runs a simulated model produced."""
        return [run.name for run in self.runs if run.simulated]


def compare_runs(
    runs: Sequence[RunInput],
    *,
    alpha: float = 0.05,
    seed: int = 0,
    diagnoses: Mapping[str, Sequence[Diagnosis]] | None = None,
) -> Comparison:
    """Compare `runs` on the tasks they share.

    The failure-label breakdown counts each episode under its primary label. Callers that
    already diagnosed the episodes pass `diagnoses`: run name -> one `Diagnosis` per
    trajectory of that run, in the order of `RunInput.trajectories`; the episodes are then
    not classified again. Without it, every episode is classified here.

    `alpha` is the significance level of the verdicts and `seed` seeds their resampling.
    Raises ValueError for fewer than two runs, repeated names, no shared task with a scored
    episode in every run, or `diagnoses` that miss a run or do not match its trajectories.
    """
    if len(runs) < 2:
        raise ValueError("compare needs at least two runs")
    names = [run.name for run in runs]
    if len(set(names)) != len(names):
        raise ValueError(f"run names repeat: {names}")
    labels = _primary_labels(runs, diagnoses)
    grouped = {run.name: _by_task(run.trajectories) for run in runs}
    shared = sorted(set.intersection(*(set(tasks) for tasks in grouped.values())))
    if not shared:
        raise ValueError("the runs share no task with a scored episode; compare runs over the same tasks")
    rows = [_summary(run, grouped[run.name], shared) for run in runs]
    breakdowns = _breakdowns(runs, grouped, shared, labels)
    pairs = []
    for a, b in combinations(runs, 2):
        ga, gb = grouped[a.name], grouped[b.name]
        test = paired_resolve_test(
            [_task_resolved(ga[t]) for t in shared], [_task_resolved(gb[t]) for t in shared], seed=seed
        )
        difference = bootstrap_paired_difference(
            [_task_score(ga[t]) for t in shared], [_task_score(gb[t]) for t in shared], seed=seed
        )
        pairs.append(
            PairComparison(
                a=a.name,
                b=b.name,
                test=test,
                score_difference=difference,
                verdict=test.verdict(alpha, a.name, b.name),
            )
        )
    return Comparison(tasks=shared, runs=rows, breakdowns=breakdowns, pairs=pairs)


def _primary_labels(
    runs: Sequence[RunInput], diagnoses: Mapping[str, Sequence[Diagnosis]] | None
) -> Callable[[Trajectory], FailureLabel]:
    """Each trajectory's primary failure label: from `diagnoses` when given, else classified."""
    if diagnoses is None:
        return lambda trajectory: classify(trajectory).primary
    # Trajectories are unhashable models; within one comparison they are the same objects
    # the runs hold, so their identity names them.
    primary: dict[int, FailureLabel] = {}
    for run in runs:
        if run.name not in diagnoses:
            raise ValueError(f"diagnoses name no run {run.name!r}; pass one per run, or none at all")
        given = diagnoses[run.name]
        if len(given) != len(run.trajectories):
            raise ValueError(
                f"run {run.name!r} has {len(run.trajectories)} trajectories but {len(given)} diagnoses; "
                "pass one diagnosis per trajectory, in the same order"
            )
        primary.update((id(t), d.primary) for t, d in zip(run.trajectories, given, strict=True))
    return lambda trajectory: primary[id(trajectory)]


def _by_task(trajectories: Sequence[Trajectory]) -> dict[str, list[Trajectory]]:
    grouped: dict[str, list[Trajectory]] = defaultdict(list)
    for trajectory in trajectories:
        if is_scored(trajectory):
            grouped[trajectory.task_id].append(trajectory)
    return grouped


def _task_resolved(episodes: Sequence[Trajectory]) -> bool:
    return 2 * sum(t.outcome == "resolved" for t in episodes) >= len(episodes)


def _task_score(episodes: Sequence[Trajectory]) -> float:
    return sum(t.score for t in episodes) / len(episodes)


def _summary(run: RunInput, grouped: dict[str, list[Trajectory]], shared: list[str]) -> RunSummaryRow:
    episodes = [t for task in shared for t in grouped[task]]
    resolved = sum(t.outcome == "resolved" for t in episodes)
    max_k = min(len(grouped[task]) for task in shared)
    pass_k = {
        k: sum(
            pass_at_k(len(grouped[task]), sum(t.outcome == "resolved" for t in grouped[task]), k)
            for task in shared
        )
        / len(shared)
        for k in range(1, max_k + 1)
    }
    return RunSummaryRow(
        name=run.name,
        simulated=run.simulated or any(t.simulated for t in run.trajectories),
        episodes=len(episodes),
        resolve_rate=proportion_ci(resolved, len(episodes)),
        mean_score=bounded_mean_ci([t.score for t in episodes]),
        pass_at_k=pass_k,
        mean_steps=sum(len(t.steps) for t in episodes) / len(episodes),
        tokens=sum(t.tokens for t in episodes),
        cost=sum(t.cost for t in episodes),
    )


def _breakdowns(
    runs: Sequence[RunInput],
    grouped: dict[str, dict[str, list[Trajectory]]],
    shared: list[str],
    primary_label: Callable[[Trajectory], FailureLabel],
) -> list[BreakdownRow]:
    keyers: dict[str, Callable[[Trajectory], list[str]]] = {
        "difficulty": lambda t: [t.task_facts.difficulty] if t.task_facts else ["unknown"],
        "tag": lambda t: list(t.task_facts.tags) if t.task_facts else [],
        "failure label": lambda t: [primary_label(t).value],
    }
    rows: list[BreakdownRow] = []
    for dimension, keys_of in keyers.items():
        counts: dict[str, dict[str, tuple[int, int]]] = defaultdict(dict)
        for run in runs:
            for task in shared:
                for trajectory in grouped[run.name][task]:
                    for key in keys_of(trajectory):
                        resolved, total = counts[key].get(run.name, (0, 0))
                        counts[key][run.name] = (resolved + (trajectory.outcome == "resolved"), total + 1)
        rows.extend(BreakdownRow(dimension=dimension, key=key, counts=counts[key]) for key in sorted(counts))
    return rows
