"""A run's diagnosis: every episode's metrics, failure labels and strategy, and their distributions."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Sequence

from pydantic import BaseModel, Field

from fixloop.analysis.failure_classifier import (
    ClassifierThresholds,
    Diagnosis,
    Evidence,
    FailureLabel,
    classify,
)
from fixloop.analysis.metrics import EpisodeMetrics, RunMetrics, episode_metrics, is_scored, run_metrics
from fixloop.analysis.strategy_detector import StrategyProfile, detect_strategy
from fixloop.core.trajectory import Trajectory

WORST_TASKS = 10
"""How many of the lowest-scoring tasks a diagnosis lists."""


class EpisodeAnalysis(BaseModel):
    """One episode with everything analysis found in it."""

    trajectory: Trajectory
    metrics: EpisodeMetrics
    diagnosis: Diagnosis
    strategy: StrategyProfile


class TaskSummary(BaseModel):
    """How a run did on one task, over its scored episodes."""

    task_id: str
    episodes: int
    resolved: int
    mean_score: float
    primary_labels: list[FailureLabel]


class LabelExample(BaseModel):
    """An episode showing a label, with its evidence."""

    task_id: str
    evidence: list[Evidence]


class RunDiagnosis(BaseModel):
    """What went wrong in a run and how its agent worked.

    Distributions count primary labels and strategies over every episode; `metrics` covers
    scored episodes only (None when none was scored). `simulated` runs were produced by a
    simulated model and must be labelled so wherever they are shown.
    """

    run: str
    agent: str
    model: str
    simulated: bool
    metrics: RunMetrics | None
    primary_labels: dict[str, int] = Field(description="Episodes per primary label, most common first.")
    any_labels: dict[str, int] = Field(description="Episodes showing each label at all, most common first.")
    strategies: dict[str, int]
    sub_patterns: dict[str, int]
    worst_tasks: list[TaskSummary]
    examples: dict[str, LabelExample] = Field(description="For each label, the first episode showing it.")
    episodes: list[EpisodeAnalysis] = Field(default_factory=list, exclude=True)


def analyse_episode(
    trajectory: Trajectory, thresholds: ClassifierThresholds | None = None
) -> EpisodeAnalysis:
    """Metrics, diagnosis and strategy of one episode."""
    return EpisodeAnalysis(
        trajectory=trajectory,
        metrics=episode_metrics(trajectory),
        diagnosis=classify(trajectory, thresholds),
        strategy=detect_strategy(trajectory),
    )


def diagnose_run(
    run: str,
    trajectories: Sequence[Trajectory],
    *,
    agent: str,
    model: str,
    simulated: bool,
    thresholds: ClassifierThresholds | None = None,
) -> RunDiagnosis:
    """Diagnose every episode of a run and summarise. An empty run gives empty distributions."""
    episodes = [analyse_episode(t, thresholds) for t in trajectories]
    primary = Counter(e.diagnosis.primary.value for e in episodes)
    any_labels = Counter(label.value for e in episodes for label in e.diagnosis.labels)
    examples: dict[str, LabelExample] = {}
    for episode in episodes:
        for finding in episode.diagnosis.findings:
            examples.setdefault(
                finding.label.value,
                LabelExample(task_id=episode.trajectory.task_id, evidence=finding.evidence),
            )
    return RunDiagnosis(
        run=run,
        agent=agent,
        model=model,
        simulated=simulated or any(t.simulated for t in trajectories),
        metrics=run_metrics(trajectories) if any(map(is_scored, trajectories)) else None,
        primary_labels=dict(primary.most_common()),
        any_labels=dict(any_labels.most_common()),
        strategies=dict(Counter(e.strategy.strategy.value for e in episodes).most_common()),
        sub_patterns=dict(Counter(p.value for e in episodes for p in e.strategy.sub_patterns).most_common()),
        worst_tasks=_worst_tasks(episodes),
        examples=examples,
        episodes=episodes,
    )


def _worst_tasks(episodes: Sequence[EpisodeAnalysis]) -> list[TaskSummary]:
    by_task: dict[str, list[EpisodeAnalysis]] = defaultdict(list)
    for episode in episodes:
        if is_scored(episode.trajectory):
            by_task[episode.trajectory.task_id].append(episode)
    summaries = [
        TaskSummary(
            task_id=task_id,
            episodes=len(group),
            resolved=sum(e.trajectory.outcome == "resolved" for e in group),
            mean_score=sum(e.trajectory.score for e in group) / len(group),
            primary_labels=sorted({e.diagnosis.primary for e in group}),
        )
        for task_id, group in by_task.items()
    ]
    summaries.sort(key=lambda s: (s.mean_score, s.resolved, s.task_id))
    return [s for s in summaries if s.resolved < s.episodes][:WORST_TASKS]
