"""Split a suite into train, selection and test tasks, stratified by difficulty.

`train` is for improving an agent (skills, memory, prompts), `selection` for choosing
between candidates, `test` for the final, untouched score.

How the split is made:

- **Order.** Within each difficulty, tasks are ranked by SHA-256 of `"<seed>:<task id>"`.
  The split depends only on the seed and the ids, never on input order, and adding a task
  to a suite moves no other task between splits except where the counts change.
- **Counts.** Each difficulty with `n` tasks is divided by the largest-remainder rule:
  every split first gets `floor(n * fraction)`, and the tasks left over go one each to
  the splits with the largest remainders (ties in the order train, selection, test).
  Then, when `n` is at least the number of splits with a positive fraction, any such
  split still empty takes one task from the largest split (ties to the earlier one).
  So with three positive fractions a difficulty with 3 or more tasks has at least one
  task in every split, and a split whose fraction is 0 gets no task.
- **Assignment.** The first tasks in rank order go to train, the next to selection, the
  rest to test. Each split lists its tasks sorted by id.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal, get_args

from fixloop.tasks.task import Difficulty, Task

SplitName = Literal["train", "selection", "test"]
SPLIT_NAMES: tuple[SplitName, ...] = get_args(SplitName)
DEFAULT_FRACTIONS = (0.6, 0.2, 0.2)


@dataclass(frozen=True)
class TaskSplits:
    """Three disjoint lists of tasks that together hold the whole suite."""

    train: list[Task]
    selection: list[Task]
    test: list[Task]

    def split(self, name: SplitName) -> list[Task]:
        """The tasks of the named split; raise ValueError for an unknown name."""
        if name not in SPLIT_NAMES:
            raise ValueError(f"unknown split {name!r}; choose one of: {', '.join(SPLIT_NAMES)}")
        tasks: list[Task] = getattr(self, name)
        return tasks

    def ids(self) -> dict[SplitName, list[str]]:
        """Each split's task ids, in split order."""
        return {name: [task.id for task in self.split(name)] for name in SPLIT_NAMES}

    def counts(self) -> dict[SplitName, dict[str, int]]:
        """For each split, how many tasks of each difficulty it holds (every level listed)."""
        return {
            name: {level.value: sum(t.difficulty == level for t in self.split(name)) for level in Difficulty}
            for name in SPLIT_NAMES
        }


def split_tasks(
    tasks: Sequence[Task], *, seed: int = 0, fractions: Sequence[float] = DEFAULT_FRACTIONS
) -> TaskSplits:
    """Split `tasks` into train, selection and test (see the module docstring for the rule).

    `fractions` are three non-negative numbers summing to 1. Raises ValueError for bad
    fractions or duplicate task ids.
    """
    shares = _check_fractions(fractions)
    ids = [task.id for task in tasks]
    if len(set(ids)) != len(ids):
        raise ValueError(f"duplicate task ids: {', '.join(sorted({i for i in ids if ids.count(i) > 1}))}")
    members: dict[SplitName, list[Task]] = {name: [] for name in SPLIT_NAMES}
    for level in Difficulty:
        ranked = sorted((t for t in tasks if t.difficulty == level), key=lambda t: _rank(seed, t.id))
        start = 0
        for name, count in zip(SPLIT_NAMES, split_counts(len(ranked), shares), strict=True):
            members[name] += ranked[start : start + count]
            start += count
    return TaskSplits(**{name: sorted(group, key=lambda t: t.id) for name, group in members.items()})


def split_counts(n: int, fractions: Sequence[float]) -> list[int]:
    """How many of `n` tasks each split gets: largest remainders, then one each where possible."""
    quotas = [n * share for share in fractions]
    counts = [math.floor(quota) for quota in quotas]
    by_remainder = sorted(range(len(quotas)), key=lambda i: (-(quotas[i] - counts[i]), i))
    for index in by_remainder[: n - sum(counts)]:
        counts[index] += 1
    positive = [i for i, share in enumerate(fractions) if share > 0]
    if n >= len(positive):
        for index in positive:
            if counts[index] == 0:
                donor = max(range(len(counts)), key=lambda i: (counts[i], -i))
                counts[donor] -= 1
                counts[index] += 1
    return counts


def parse_fractions(text: str) -> tuple[float, float, float]:
    """Parse `"0.6,0.2,0.2"`; raise ValueError unless it is three valid fractions."""
    try:
        values = tuple(float(part) for part in text.split(","))
    except ValueError:
        raise ValueError(f"fractions {text!r} must be three numbers like 0.6,0.2,0.2") from None
    return _check_fractions(values)


def _check_fractions(fractions: Sequence[float]) -> tuple[float, float, float]:
    if len(fractions) != len(SPLIT_NAMES):
        raise ValueError(f"give {len(SPLIT_NAMES)} fractions (train, selection, test), got {len(fractions)}")
    if any(not math.isfinite(f) or f < 0 for f in fractions) or not math.isclose(
        sum(fractions), 1.0, abs_tol=1e-6
    ):
        raise ValueError(f"fractions {list(fractions)} must be non-negative and sum to 1")
    train, selection, test = fractions
    return train, selection, test


def _rank(seed: int, task_id: str) -> str:
    return hashlib.sha256(f"{seed}:{task_id}".encode()).hexdigest()
