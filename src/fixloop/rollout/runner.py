"""Run many episodes concurrently behind one `Executor` interface.

An `EpisodeJob` is one (task, episode index) pair of a run's plan. An executor runs jobs
and hands each finished trajectory to `on_result` one at a time, on the calling thread, so
the caller can commit it to the store before counting it. `LocalExecutor` runs episodes on
an event loop with the environment's work on a bounded thread pool; a distributed executor
(Ray) plugs in behind the same interface.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any, Protocol

from fixloop.agents.base import Agent
from fixloop.agents.context import AgentContext
from fixloop.core.trajectory import Trajectory
from fixloop.env.debug_env import DebugEnv, EnvConfig
from fixloop.rollout.episode import arun_episode
from fixloop.sandbox.base import Sandbox
from fixloop.tasks.task import Task

AgentFactory = Callable[[Task], Agent]
"""Builds the agent for one task. Only the oracle's factory may look at the task's fix."""


@dataclass(frozen=True)
class EpisodeJob:
    """One planned episode: a task, which of its episodes this is (0-based), and the agent
    context to give an LLM agent (None: the run's default context)."""

    task: Task
    episode_index: int = 0
    context: AgentContext | None = None

    @property
    def key(self) -> tuple[str, int]:
        return (self.task.id, self.episode_index)


JobAgentFactory = Callable[[EpisodeJob], Agent]
"""Builds the agent for one episode; it may use the episode index (e.g. to label model calls).

A factory may also have an async `aclose()`: the executor awaits it before its event loop
ends, so clients bound to the loop (HTTP connection pools) close cleanly."""


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
    """Episodes in this process: an asyncio event loop for the agents' model calls, and a
    pool of `concurrency` threads, each episode holding one sandbox, for the environment's
    work (resets, test runs, grading) — off the event loop.

    At most `concurrency` episodes run at once. Sandboxes are made by `sandbox_factory`
    and closed when `run` returns.
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
        if jobs:
            asyncio.run(self._run(jobs, agent_factory, on_result))

    async def _run(
        self,
        jobs: Sequence[EpisodeJob],
        agent_factory: JobAgentFactory,
        on_result: Callable[[EpisodeJob, Trajectory], None],
    ) -> None:
        workers = max(1, min(self.concurrency, len(jobs)))
        loop = asyncio.get_running_loop()
        pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="fixloop-env")

        def run_blocking(fn: Callable[..., Any], *args: Any) -> Awaitable[Any]:
            return loop.run_in_executor(pool, fn, *args)

        sandboxes: asyncio.Queue[Sandbox] = asyncio.Queue()
        try:
            for _ in range(workers):
                sandboxes.put_nowait(await run_blocking(self.sandbox_factory))

            async def one(job: EpisodeJob) -> tuple[EpisodeJob, Trajectory]:
                sandbox = await sandboxes.get()
                try:
                    env = DebugEnv(sandbox, self.env_config)
                    return job, await arun_episode(env, agent_factory(job), job.task, run_blocking)
                finally:
                    sandboxes.put_nowait(sandbox)

            pending = [asyncio.ensure_future(one(job)) for job in jobs]
            try:
                for finished in asyncio.as_completed(pending):
                    on_result(*await finished)
            except BaseException:
                for future in pending:
                    future.cancel()
                await asyncio.gather(*pending, return_exceptions=True)
                raise
        finally:
            aclose = getattr(agent_factory, "aclose", None)
            if aclose is not None:
                await aclose()
            # A cancelled episode's thread may still be in its last step with its sandbox:
            # let it finish before the sandboxes close under it.
            await asyncio.to_thread(pool.shutdown, wait=True)
            while not sandboxes.empty():
                sandboxes.get_nowait().close()


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
