"""Run many episodes concurrently behind one `Executor` interface.

An `EpisodeJob` is one (task, episode index) pair of a run's plan. An executor runs jobs
and hands each finished trajectory to `on_result` one at a time, on the calling thread, so
the caller can commit it to the store before counting it. `LocalExecutor` runs episodes on
a bounded pool of worker threads, each owning a sandbox; a distributed executor (Ray) plugs
in behind the same interface.
"""

from __future__ import annotations

import queue
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass
from typing import Protocol

from fixloop.agents.base import Agent
from fixloop.env.debug_env import DebugEnv, EnvConfig
from fixloop.rollout.episode import run_episode
from fixloop.rollout.trajectory import Trajectory
from fixloop.sandbox.base import Sandbox
from fixloop.tasks.task import Task

AgentFactory = Callable[[Task], Agent]
"""Builds the agent for one task. Only the oracle's factory may look at the task's fix."""


@dataclass(frozen=True)
class EpisodeJob:
    """One planned episode: a task and which of its episodes this is (0-based)."""

    task: Task
    episode_index: int = 0

    @property
    def key(self) -> tuple[str, int]:
        return (self.task.id, self.episode_index)


JobAgentFactory = Callable[[EpisodeJob], Agent]
"""Builds the agent for one episode; it may use the episode index (e.g. to label model calls)."""


class Executor(Protocol):
    """Runs episode jobs and reports each result as it finishes."""

    def run(
        self,
        jobs: Sequence[EpisodeJob],
        agent_factory: JobAgentFactory,
        on_result: Callable[[EpisodeJob, Trajectory], None],
    ) -> None:
        """Run every job; call `on_result` on the calling thread, one result at a time."""
        ...


class LocalExecutor:
    """Episodes on `concurrency` worker threads of this process, one sandbox per worker.

    Model calls and sandbox runs both release the GIL, so threads overlap the model's
    latency with other episodes' test runs. Sandboxes are made by `sandbox_factory` and
    closed when `run` returns.
    """

    def __init__(
        self,
        sandbox_factory: Callable[[], Sandbox],
        *,
        concurrency: int = 2,
        env_config: EnvConfig | None = None,
    ) -> None:
        if concurrency < 1:
            raise ValueError(f"concurrency must be at least 1, got {concurrency}")
        self.sandbox_factory = sandbox_factory
        self.concurrency = concurrency
        self.env_config = env_config

    def run(
        self,
        jobs: Sequence[EpisodeJob],
        agent_factory: JobAgentFactory,
        on_result: Callable[[EpisodeJob, Trajectory], None],
    ) -> None:
        """Run every job; see `Executor.run`. An exception from `on_result` stops the run."""
        workers = max(1, min(self.concurrency, len(jobs)))
        sandboxes: queue.Queue[Sandbox] = queue.Queue()
        for _ in range(workers):
            sandboxes.put(self.sandbox_factory())

        def one(job: EpisodeJob) -> Trajectory:
            sandbox = sandboxes.get()
            try:
                env = DebugEnv(sandbox, self.env_config)
                return run_episode(env, agent_factory(job), job.task)
            finally:
                sandboxes.put(sandbox)

        try:
            with ThreadPoolExecutor(max_workers=workers) as pool:
                futures = {pool.submit(one, job): job for job in jobs}
                try:
                    for future in as_completed(futures):
                        on_result(futures[future], future.result())
                except BaseException:
                    for pending in futures:
                        pending.cancel()
                    raise
        finally:
            while not sandboxes.empty():
                sandboxes.get().close()


def run_tasks(
    tasks: Sequence[Task],
    agent_factory: AgentFactory,
    sandbox_factory: Callable[[], Sandbox],
    *,
    env_config: EnvConfig | None = None,
    workers: int = 2,
    on_result: Callable[[Trajectory], None] | None = None,
) -> list[Trajectory]:
    """One episode per task on a `LocalExecutor`; trajectories come back in task order."""
    results: dict[str, Trajectory] = {}

    def collect(job: EpisodeJob, trajectory: Trajectory) -> None:
        results[job.task.id] = trajectory
        if on_result is not None:
            on_result(trajectory)

    executor = LocalExecutor(sandbox_factory, concurrency=workers, env_config=env_config)
    executor.run([EpisodeJob(task) for task in tasks], lambda job: agent_factory(job.task), collect)
    return [results[task.id] for task in tasks]
