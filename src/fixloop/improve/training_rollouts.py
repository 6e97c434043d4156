"""`TrainingRollouts`: every rollout of a training, as stored runs that a resume picks up again.

A training (skill training today, memory CI and critic calibration later) runs its episodes
in phases — a training batch, the two sides of a gate, the held-out test — and each phase is
one stored run named `TRAINING:LABEL` (`demo:s3-candidate`). Calling a phase again, as a
resumed training does, executes only the planned episodes the store does not hold yet, so
no episode is run twice and a finished phase costs nothing.

Each run gets its own seed, derived from the training's seed and the label, and every
episode passes its own sampling seed to the model: repeats of a task are distinct samples,
never cache hits, and the incumbent re-measured in a later round is measured afresh.

Budgets cover the whole training. Before a phase starts, `TrainingBudget` checks that the
rollouts it still needs fit under `max_rollouts`, and hands the run what is left of
`max_usd` and `max_tokens`, which the model wrappers enforce before each call. A phase that
cannot start, or whose episodes hit a budget, raises `TrainingStopped`: a phase cut short is
never used for a decision.
"""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from fixloop.agents.context import AgentContext
from fixloop.analysis.metrics import is_scored
from fixloop.core.trajectory import Trajectory
from fixloop.improve.gate import Measurement
from fixloop.rollout.run_session import BudgetSettings, RunProgress, RunSettings, execute_jobs, is_simulated
from fixloop.rollout.runner import EpisodeJob
from fixloop.store import RunInfo, Store, StoreError
from fixloop.tasks.task import Task

RUN_SEPARATOR = ":"
"""Between a training's name and a phase's label in the names of its runs."""


class TrainingStopped(Exception):
    """The training stops cleanly: a budget would be exceeded, or the user pressed Ctrl-C."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class Spent:
    """What a training has used so far."""

    rollouts: int = 0
    tokens: int = 0
    cost_usd: float = 0.0


@dataclass(frozen=True)
class TrainingBudget:
    """Limits for a whole training; None means no limit."""

    max_usd: float | None = None
    max_tokens: int | None = None
    max_rollouts: int | None = None

    def check(self, spent: Spent, needed_rollouts: int, phase: str) -> None:
        """Raise TrainingStopped when the phase cannot run within what is left."""
        if self.max_rollouts is not None and spent.rollouts + needed_rollouts > self.max_rollouts:
            raise TrainingStopped(
                f"max_rollouts: {phase} needs {needed_rollouts} rollouts and "
                f"{max(0, self.max_rollouts - spent.rollouts)} of {self.max_rollouts} are left"
            )
        if self.max_tokens is not None and spent.tokens >= self.max_tokens:
            raise TrainingStopped(f"max_tokens: {spent.tokens} of {self.max_tokens} tokens used")
        if self.max_usd is not None and spent.cost_usd >= self.max_usd:
            raise TrainingStopped(f"max_usd: ${spent.cost_usd:.4f} of ${self.max_usd:g} spent")

    def left(self, spent: Spent) -> BudgetSettings:
        """The run budget of the next phase: what is left of the training's USD and tokens."""
        return BudgetSettings(
            max_usd=None if self.max_usd is None else max(self.max_usd - spent.cost_usd, 1e-9),
            max_tokens=None if self.max_tokens is None else max(self.max_tokens - spent.tokens, 1),
        )


def derived_seed(seed: int, label: str) -> int:
    """A seed of its own for each labelled phase, stable across processes and resumes."""
    digest = hashlib.sha256(f"{seed}:{label}".encode()).digest()
    return int.from_bytes(digest[:4], "big")


class TrainingRollouts:
    """Runs a training's phases as stored runs and reads them back (see the module docstring).

    `extra_spent()` reports what the training used outside rollouts (a reflection model's calls)
    so budgets cover it too. `on_episode(label, progress)` is told of each episode as it is
    stored. `stop` is checked after each episode: when it is set the phase stops there and
    raises TrainingStopped. Implements the gate's `Measure`.
    """

    def __init__(
        self,
        store: Store,
        training: str,
        settings: RunSettings,
        *,
        seed: int,
        budget: TrainingBudget | None = None,
        api_key: str | None = None,
        stop: threading.Event | None = None,
        extra_spent: Callable[[], Spent] | None = None,
        on_episode: Callable[[str, RunProgress], None] | None = None,
    ) -> None:
        self.store = store
        self.training = training
        self.settings = settings
        self.seed = seed
        self.budget = budget or TrainingBudget()
        self.api_key = api_key
        self.stop = stop or threading.Event()
        self.extra_spent = extra_spent or Spent
        self.on_episode = on_episode

    def run_name(self, label: str) -> str:
        """The stored run of the phase `label`."""
        return f"{self.training}{RUN_SEPARATOR}{label}"

    def runs(self) -> list[RunInfo]:
        """The training's runs so far, oldest first."""
        prefix = self.training + RUN_SEPARATOR
        return [run for run in self.store.list_runs() if run.name.startswith(prefix)]

    def spent(self) -> Spent:
        """Rollouts, tokens and USD of every stored episode of the training, plus `extra_spent`."""
        rollouts, tokens, cost = 0, 0, 0.0
        for run in self.runs():
            for episode in self.store.episodes(run):
                rollouts += 1
                tokens += episode.tokens
                cost += episode.cost
        extra = self.extra_spent()
        return Spent(rollouts + extra.rollouts, tokens + extra.tokens, cost + extra.cost_usd)

    def rollout(
        self, context: AgentContext, tasks: Sequence[Task], *, repeats: int, label: str
    ) -> dict[tuple[str, int], Trajectory]:
        """Every (task, repeat) episode of the phase `label` with `context`, run or read back.

        Raises TrainingStopped when a budget stops the phase before or during it, or `stop`
        was set; StoreError when the store fails or the run was planned differently before.
        """
        jobs = [EpisodeJob(task, index, context) for task in tasks for index in range(repeats)]
        name = self.run_name(label)
        info = self._run(name, jobs)
        needed = len(jobs) - len(self.store.finished_keys(info))
        if needed:
            spent = self.spent()
            self.budget.check(spent, needed, label)
            settings = self._phase_settings(label, spent)

            def on_episode(trajectory: Trajectory, progress: RunProgress) -> None:
                if self.on_episode is not None:
                    self.on_episode(label, progress)
                if self.stop.is_set():
                    raise TrainingStopped(
                        "interrupted: stopped after the current episode (resume with --resume)"
                    )

            execute_jobs(self.store, info, settings, jobs, api_key=self.api_key, on_episode=on_episode)
        trajectories = self.store.keyed_trajectories(info)
        exhausted = [key for key, t in trajectories.items() if t.outcome == "budget_exhausted"]
        if exhausted:
            raise TrainingStopped(f"a budget ran out during {label} ({len(exhausted)} episodes cut short)")
        return trajectories

    def __call__(
        self, context: AgentContext, tasks: Sequence[Task], *, repeats: int, label: str
    ) -> Measurement:
        """The gate's `Measure`: each task's per-repeat resolved (1.0) or not (0.0), infra errors left out."""
        return measurement(self.rollout(context, tasks, repeats=repeats, label=label), repeats)

    def _run(self, name: str, jobs: list[EpisodeJob]) -> RunInfo:
        planned = [job.key for job in jobs]
        try:
            info = self.store.get_run(name)
        except StoreError:
            return self.store.create_run(
                name, agent=self.settings.agent, model=self.settings.model_label,
                config=self.settings.model_dump(mode="json"), planned=planned,
                simulated=is_simulated(self.settings.model),
            )  # fmt: skip
        if info.planned != len(planned):
            raise StoreError(
                f"run {name!r} was planned with {info.planned} episodes, not {len(planned)}: "
                "resume a training with the settings it started with"
            )
        return info

    def _phase_settings(self, label: str, spent: Spent) -> RunSettings:
        return self.settings.model_copy(
            update={
                "seed": derived_seed(self.seed, label),
                "seed_per_episode": True,
                "budgets": self.budget.left(spent),
            }
        )


def measurement(trajectories: dict[tuple[str, int], Trajectory], repeats: int) -> Measurement:
    """What a phase's episodes say to the gate: each task's per-repeat resolved (1.0) or not
    (0.0), infra errors left out, with the tokens and USD they cost."""
    outcomes: dict[str, list[float]] = {}
    for (task_id, _), trajectory in sorted(trajectories.items()):
        if is_scored(trajectory):
            outcomes.setdefault(task_id, []).append(float(trajectory.outcome == "resolved"))
    return Measurement(
        outcomes=outcomes,
        tokens=sum(t.tokens for t in trajectories.values()),
        cost_usd=sum(t.cost for t in trajectories.values()),
        deterministic=repeats_identical(trajectories, repeats),
    )


def repeats_identical(trajectories: dict[tuple[str, int], Trajectory], repeats: int) -> bool:
    """Whether every task's repeats took exactly the same actions and ended the same way: then
    they are not independent samples (a deterministic endpoint) and count as one."""
    if repeats < 2:
        return False
    by_task: dict[str, set[str]] = {}
    for (task_id, _), trajectory in trajectories.items():
        signature = repr(([step.raw_action for step in trajectory.steps], trajectory.outcome))
        by_task.setdefault(task_id, set()).add(signature)
    return bool(by_task) and all(len(signatures) == 1 for signatures in by_task.values())
