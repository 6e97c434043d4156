"""Run many episodes concurrently, one sandbox per worker."""

from __future__ import annotations

import queue
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor, as_completed

from fixloop.agents.base import Agent
from fixloop.env.debug_env import DebugEnv, EnvConfig
from fixloop.rollout.episode import run_episode
from fixloop.rollout.trajectory import Trajectory
from fixloop.sandbox.base import Sandbox
from fixloop.tasks.task import Task

AgentFactory = Callable[[Task], Agent]
"""Builds the agent for one task. Only the oracle's factory may look at the task's fix."""


def run_tasks(
    tasks: Sequence[Task],
    agent_factory: AgentFactory,
    sandbox_factory: Callable[[], Sandbox],
    *,
    env_config: EnvConfig | None = None,
    workers: int = 2,
    on_result: Callable[[Trajectory], None] | None = None,
) -> list[Trajectory]:
    """Run one episode per task, `workers` at a time; results come back in task order.

    Each worker owns a sandbox made by `sandbox_factory`, closed at the end. `on_result` is
    called (from worker threads, one at a time per result) as each episode finishes.
    """
    workers = max(1, min(workers, len(tasks) or 1))
    sandboxes: queue.Queue[Sandbox] = queue.Queue()
    for _ in range(workers):
        sandboxes.put(sandbox_factory())

    def one(task: Task) -> Trajectory:
        sandbox = sandboxes.get()
        try:
            return run_episode(DebugEnv(sandbox, env_config), agent_factory(task), task)
        finally:
            sandboxes.put(sandbox)

    results: dict[str, Trajectory] = {}
    try:
        with ThreadPoolExecutor(max_workers=workers) as pool:
            futures = {pool.submit(one, task): task for task in tasks}
            for future in as_completed(futures):
                trajectory = future.result()
                results[futures[future].id] = trajectory
                if on_result is not None:
                    on_result(trajectory)
    finally:
        while not sandboxes.empty():
            sandboxes.get().close()
    return [results[task.id] for task in tasks]
