"""`TaskCatalog`: the tasks a server offers, by split, and the task a reset asks for.

The splits are the suite's train / selection / test split (`fixloop.tasks.splits`), plus
`all`; a server started with `--split NAME` offers that split alone. A reset names its
task in one of three ways, checked in this order:

- `task_id`: that task (it must be in the offered splits);
- `split` (default: the first offered split) and `index`: the task at that position of the
  split, whose tasks are sorted by id;
- `seed` alone (or nothing): a task of the split drawn with `random.Random(seed)`, so the
  same seed gives the same task; with no seed, a fresh draw.

A task is described to clients by its public facts only: never its reference fix, files
or test names.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from typing import Any

from fixloop.tasks.splits import DEFAULT_FRACTIONS, SPLIT_NAMES, split_tasks
from fixloop.tasks.task import Task

ALL_SPLIT = "all"


class TaskSelectionError(ValueError):
    """A reset or task-API request names no offered task; the message says what exists."""


class TaskCatalog:
    """The offered tasks; immutable once built."""

    def __init__(
        self,
        tasks: Sequence[Task],
        *,
        split: str | None = None,
        split_seed: int = 0,
        fractions: Sequence[float] = DEFAULT_FRACTIONS,
    ) -> None:
        """Offer `tasks` by split; with `split`, only that split (train, selection, test or
        all). Raises TaskSelectionError for an unknown split or when nothing is offered."""
        if not tasks:
            raise TaskSelectionError("no tasks to serve")
        parts = split_tasks(tasks, seed=split_seed, fractions=fractions)
        everything = sorted(tasks, key=lambda task: task.id)
        known: dict[str, list[Task]] = {name: parts.split(name) for name in SPLIT_NAMES}
        known[ALL_SPLIT] = everything
        if split is not None:
            if split not in known:
                raise TaskSelectionError(f"unknown split {split!r}; choose one of: {', '.join(known)}")
            known = {split: known[split]}
            if not known[split]:
                raise TaskSelectionError(f"split {split!r} holds no task")
        self._splits = {name: members for name, members in known.items() if members}
        self._by_id = {task.id: task for members in self._splits.values() for task in members}

    def __len__(self) -> int:
        """How many distinct tasks are offered, over every offered split."""
        return len(self._by_id)

    @property
    def split_names(self) -> list[str]:
        """The offered splits, in their fixed order."""
        return list(self._splits)

    def tasks(self, split: str) -> list[Task]:
        """The tasks of `split`, sorted by id. Raises TaskSelectionError for an unknown split."""
        try:
            return self._splits[split]
        except KeyError:
            raise TaskSelectionError(
                f"unknown split {split!r}; this server offers: {', '.join(self._splits)}"
            ) from None

    def task(self, split: str, index: int) -> Task:
        """The task at `index` of `split`. Raises TaskSelectionError when out of range."""
        members = self.tasks(split)
        if not 0 <= index < len(members):
            raise TaskSelectionError(
                f"index {index} is out of range for split {split!r}, which holds {len(members)} tasks "
                f"(0 to {len(members) - 1})"
            )
        return members[index]

    def by_id(self, task_id: str) -> Task:
        """The offered task called `task_id`. Raises TaskSelectionError when there is none."""
        try:
            return self._by_id[task_id]
        except KeyError:
            raise TaskSelectionError(
                f"no task {task_id!r} is offered; `POST /fixloop/tasks` lists them"
            ) from None

    def select(
        self,
        *,
        task_id: str | None = None,
        split: str | None = None,
        index: int | None = None,
        seed: int | None = None,
    ) -> Task:
        """The task a reset names (see the module docstring). Raises TaskSelectionError."""
        if task_id is not None:
            return self.by_id(task_id)
        name = split if split is not None else self.split_names[0]
        if index is not None:
            return self.task(name, index)
        return random.Random(seed).choice(self.tasks(name))

    @staticmethod
    def describe(task: Task) -> dict[str, Any]:
        """The facts about `task` a client may see: never its fix, files or tests."""
        return {
            "task_id": task.id,
            "title": task.title,
            "description": task.description,
            "difficulty": task.difficulty.value,
            "tags": list(task.tags),
            "max_steps": task.max_steps,
        }
