"""Choose which tasks to train on next: by a difficulty schedule, or by estimated success.

**Tiered** mode follows training progress `p` in [0, 1]. Each difficulty tier has a
triangular weight peaking at its place in the schedule, easy at p = 0, medium at p = 0.5,
hard at p = 1:

    easy = max(0, 1 - 2p)     medium = 1 - |2p - 1|     hard = max(0, 2p - 1)

mixed with a floor so that every tier stays reachable: `weight = floor + (1 - 3 floor) * tri`
(with the default floor 0.1: easy 0.8 / medium 0.1 / hard 0.1 at the start, 0.1 / 0.8 / 0.1
halfway, 0.1 / 0.1 / 0.8 at the end). Tiers without tasks are left out and the rest
renormalised. Each draw picks a tier by weight, then a task of that tier uniformly.

**Adaptive** mode ignores progress. Each task's chance of success is a Beta posterior
whose prior mean comes from its difficulty (easy 0.8, medium 0.5, hard 0.2) with weight
`prior_strength` pseudo-attempts; `update` adds one success or failure. Each draw, with
probability `exploration`, picks a task uniformly; otherwise it picks the task whose
estimate is nearest `target` (ties broken at random).

In both modes one `sample(k)` call draws without replacement until every task has been
drawn, then starts over, so a batch repeats a task only when `k` exceeds the suite. The
sampler is seeded: the same tasks, settings and calls give the same batches, whatever the
order of the input tasks.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from fixloop.tasks.task import Difficulty, Task

CurriculumMode = Literal["tiered", "adaptive"]

PRIOR_SUCCESS: dict[Difficulty, float] = {
    Difficulty.easy: 0.8,
    Difficulty.medium: 0.5,
    Difficulty.hard: 0.2,
}
"""The adaptive mode's prior mean chance of success, by difficulty."""

_PEAKS = {Difficulty.easy: 0.0, Difficulty.medium: 0.5, Difficulty.hard: 1.0}


def tier_weights(progress: float, *, floor: float = 0.1) -> dict[Difficulty, float]:
    """The tiered schedule's weight of each difficulty at `progress` (see the module docstring).

    The weights sum to 1. Raises ValueError unless 0 <= progress <= 1 and 0 <= floor <= 1/3.
    """
    _check_progress(progress)
    if not 0 <= floor <= 1 / 3:
        raise ValueError(f"floor {floor} must be between 0 and 1/3")
    return {
        level: floor + (1 - 3 * floor) * max(0.0, 1 - 2 * abs(progress - peak))
        for level, peak in _PEAKS.items()
    }


@dataclass
class _Estimate:
    """A Beta(successes, failures) posterior over a task's chance of success."""

    successes: float
    failures: float

    @property
    def mean(self) -> float:
        return self.successes / (self.successes + self.failures)


class CurriculumSampler:
    """Draw batches of training tasks in `tiered` or `adaptive` mode (see the module docstring).

    `floor` is the tiered schedule's least weight per tier; `target`, `exploration` and
    `prior_strength` shape the adaptive choice. Raises ValueError for an empty or
    duplicated task list, an unknown mode, or a setting out of range.
    """

    def __init__(
        self,
        tasks: Sequence[Task],
        *,
        mode: CurriculumMode = "tiered",
        seed: int = 0,
        floor: float = 0.1,
        target: float = 0.5,
        exploration: float = 0.1,
        prior_strength: float = 2.0,
    ) -> None:
        if not tasks:
            raise ValueError("a curriculum needs at least one task")
        if len({t.id for t in tasks}) != len(tasks):
            raise ValueError("task ids must be unique")
        if mode not in ("tiered", "adaptive"):
            raise ValueError(f"unknown curriculum mode {mode!r}; choose tiered or adaptive")
        tier_weights(0.0, floor=floor)  # validates floor
        for name, value in (("target", target), ("exploration", exploration)):
            if not 0 <= value <= 1:
                raise ValueError(f"{name} {value} must be between 0 and 1")
        if prior_strength <= 0:
            raise ValueError(f"prior_strength {prior_strength} must be positive")
        self.tasks = sorted(tasks, key=lambda t: t.id)
        self.mode = mode
        self.floor = floor
        self.target = target
        self.exploration = exploration
        self._rng = random.Random(seed)
        self._estimates = {
            t.id: _Estimate(
                PRIOR_SUCCESS[t.difficulty] * prior_strength,
                (1 - PRIOR_SUCCESS[t.difficulty]) * prior_strength,
            )
            for t in self.tasks
        }

    def sample(self, k: int, progress: float) -> list[Task]:
        """Draw `k` tasks for training `progress` of the way (0 to 1; adaptive mode ignores it).

        Raises ValueError for a negative `k` or a progress outside [0, 1].
        """
        if k < 0:
            raise ValueError(f"k {k} must not be negative")
        _check_progress(progress)
        batch: list[Task] = []
        pool: list[Task] = []
        for _ in range(k):
            if not pool:
                pool = list(self.tasks)
            chosen = self._draw_tiered(pool, progress) if self.mode == "tiered" else self._draw_adaptive(pool)
            pool.remove(chosen)
            batch.append(chosen)
        return batch

    def update(self, task_id: str, success: bool) -> None:
        """Record one attempt at `task_id`; raise KeyError for an id not in the curriculum."""
        if task_id not in self._estimates:
            raise KeyError(f"task {task_id!r} is not in this curriculum")
        if success:
            self._estimates[task_id].successes += 1
        else:
            self._estimates[task_id].failures += 1

    def estimate(self, task_id: str) -> float:
        """The posterior mean chance that an attempt at `task_id` succeeds; KeyError if unknown."""
        if task_id not in self._estimates:
            raise KeyError(f"task {task_id!r} is not in this curriculum")
        return self._estimates[task_id].mean

    def _draw_tiered(self, pool: list[Task], progress: float) -> Task:
        weights = tier_weights(progress, floor=self.floor)
        tiers = [level for level in Difficulty if any(t.difficulty == level for t in pool)]
        tier_weight = [weights[level] for level in tiers]
        if sum(tier_weight) == 0:  # floor 0 and only tiers the schedule gives no weight
            tier_weight = [1.0] * len(tiers)
        tier = self._rng.choices(tiers, weights=tier_weight)[0]
        return self._rng.choice([t for t in pool if t.difficulty == tier])

    def _draw_adaptive(self, pool: list[Task]) -> Task:
        if self._rng.random() < self.exploration:
            return self._rng.choice(pool)
        distance = {t.id: abs(self._estimates[t.id].mean - self.target) for t in pool}
        nearest = min(distance.values())
        return self._rng.choice([t for t in pool if distance[t.id] == nearest])


def _check_progress(progress: float) -> None:
    if not 0 <= progress <= 1:
        raise ValueError(f"progress {progress} must be between 0 and 1")
