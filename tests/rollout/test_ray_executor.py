"""`--executor ray`: episodes in Ray actors give what the local executor gives, each stored once.

One local Ray cluster (2 CPUs, so 2 episode actors) serves every test but the last, which
starts a head node with `ray start --head` and runs `fixloop run` against it by address.
Without Ray the tests skip, except on CI (`CI=true`), where they fail: make test installs
the `ray` extra.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from fixloop.agents.oracle import OracleAgent
from fixloop.cli import app
from fixloop.core.trajectory import Trajectory
from fixloop.env.debug_env import EnvConfig
from fixloop.models.base import BudgetExceededError, Usage
from fixloop.rollout.run_session import BudgetSettings, RunSettings, execute_run, select_tasks, start_run
from fixloop.rollout.runner import EpisodeJob
from fixloop.store import Store
from fixloop.tasks.loader import load_suite
from tests.improve.skills.training_fixtures import FAST_TASKS

try:
    import ray

    from fixloop.rollout.ray_executor import BudgetHolder, HeldBudget, RayExecutor, end_kept_actors
except ImportError:
    if os.environ.get("CI") == "true":
        raise
    pytest.skip("Ray is not installed: pip install 'fixloop[ray]'", allow_module_level=True)

SLOW = {"calc-negative-literal-power", "route-planner-detour", "query-string-plus-sign", "cron-next-run-spec"}
TASKS = [task_id for task_id in FAST_TASKS if task_id not in SLOW][:6]


@pytest.fixture(scope="module")
def ray_cluster() -> Iterator[None]:
    """One local Ray cluster with 2 CPUs for this module's tests (every Ray test is here),
    shut down after them: its processes are the test process's children, which later
    tests (the sandbox's leak checks) must not find."""
    os.environ.setdefault("RAY_USAGE_STATS_ENABLED", "0")
    ray.init(address="local", num_cpus=2, include_dashboard=False, log_to_driver=False)
    yield
    end_kept_actors()
    ray.shutdown()


def run_with(store: Store, name: str, **settings: object) -> tuple[str, RunSettings]:
    """Start and execute a run of the TASKS; returns its name and settings."""
    run_settings = RunSettings(suite="builtin", task_ids=TASKS, **settings)  # type: ignore[arg-type]
    tasks = select_tasks(run_settings)
    execute_run(store, start_run(store, name, run_settings, tasks), run_settings, tasks)
    return name, run_settings


def comparable(trajectory: Trajectory) -> dict[str, object]:
    """A trajectory without its timings."""
    data = trajectory.model_dump(mode="json", exclude={"seconds"})
    for step in data["steps"]:
        step.pop("seconds")
    return data


@pytest.mark.parametrize("agent", [{"agent": "oracle"}, {"agent": "llm", "model": "sim:careless", "seed": 5}])
def test_ray_runs_give_the_local_trajectories_and_verdicts(ray_cluster, private_store, agent):
    with Store.open(private_store) as store:
        run_with(store, "local", **agent)
        run_with(store, "ray", executor="ray", **agent)
        local, remote = store.keyed_trajectories("local"), store.keyed_trajectories("ray")
        assert set(remote) == {(task_id, 0) for task_id in TASKS}
        assert {key: comparable(t) for key, t in remote.items()} == {
            key: comparable(t) for key, t in local.items()
        }
        calls = [(c.task_id, c.episode_index, c.prompt_tokens) for c in store.model_calls("ray")]
        assert sorted(calls) == sorted(
            (c.task_id, c.episode_index, c.prompt_tokens) for c in store.model_calls("local")
        )
        for trajectory in remote.values():
            if trajectory.context_version is not None:
                store.context_version(trajectory.context_version)


def test_the_run_budget_holds_across_concurrent_actors(ray_cluster, private_store):
    with Store.open(private_store) as store:
        run_with(
            store,
            "capped",
            agent="llm",
            model="sim:careless",
            executor="ray",
            budgets=BudgetSettings(max_calls=7),
        )
        answered = [call for call in store.model_calls("capped") if call.error is None]
        trajectories = store.trajectories("capped")
    assert len(answered) == 7
    assert sum(len([s for s in t.steps if s.tokens]) for t in trajectories) <= 7
    assert any("run budget" in (t.error or "") for t in trajectories)


def test_the_budget_holder_never_overspends_under_concurrent_callers(ray_cluster):
    holder = ray.remote(num_cpus=0)(BudgetHolder).remote()
    ray.get(holder.begin.remote(None, 1000, None))

    @ray.remote(num_cpus=0)
    def spend(index: int) -> int:
        budget, spent = HeldBudget(holder, (f"task-{index}", 0)), 0
        while True:
            try:
                held = budget.reserve(Usage(prompt_tokens=30), 0.0)
            except BudgetExceededError:
                return spent
            budget.settle(held, Usage(prompt_tokens=25), 0.0)
            spent += 25

    spent = ray.get([spend.remote(index) for index in range(4)])
    _, tokens, calls = ray.get(holder.spent.remote())
    ray.kill(holder)
    assert tokens == sum(spent) == 25 * calls
    assert 1000 - 4 * 30 < tokens <= 1000


def test_ray_address_needs_the_ray_executor():
    result = CliRunner().invoke(app, ["run", "--ray-address", "auto"])
    assert result.exit_code == 2
    assert "--ray-address is for --executor ray" in result.output


def test_a_resumed_ray_run_runs_only_the_episodes_it_lacks(ray_cluster, private_store):
    class Stop(Exception):
        pass

    def stop_after_two(trajectory: Trajectory, progress) -> None:
        if progress.finished == 2:
            raise Stop

    settings = RunSettings(suite="builtin", task_ids=TASKS, executor="ray")
    tasks = select_tasks(settings)
    with Store.open(private_store) as store:
        info = start_run(store, "stopped", settings, tasks)
        with pytest.raises(Stop):
            execute_run(store, info, settings, tasks, on_episode=stop_after_two)
        assert len(store.finished_keys(info)) == 2
        resumed = execute_run(store, info, settings, tasks)
        assert resumed.planned == len(TASKS) - 2
        assert sorted(t.task_id for t in store.trajectories(info)) == sorted(TASKS)
        assert store.get_run("stopped").status == "finished"


class ActorKillingOracle(OracleAgent):
    """The oracle, except that on `victim` it kills the Ray actor it runs in, mid-episode —
    the first time only when `once`, else every time."""

    def __init__(self, task, victim: str, marker: Path, once: bool) -> None:
        super().__init__(task)
        self.victim, self.marker, self.once = victim, marker, once

    def act(self, observation):
        if self.task.id == self.victim and not (self.once and self.marker.exists()):
            self.marker.touch()
            ray.kill(ray.get_runtime_context().current_actor)
            time.sleep(60)
        return super().act(observation)


class KillingFactory:
    def __init__(self, victim: str, marker: Path, once: bool) -> None:
        self.victim, self.marker, self.once = victim, marker, once

    def __call__(self, job: EpisodeJob) -> OracleAgent:
        return ActorKillingOracle(job.task, self.victim, self.marker, self.once)


def run_with_a_killed_actor(store: Store, tmp_path: Path, *, once: bool) -> dict[str, Trajectory]:
    """Run the oracle on TASKS with RayExecutor, the second task's actor killed (once or every
    time), committing each result to a store run; returns the stored trajectories by task."""
    ray.cloudpickle.register_pickle_by_value(sys.modules[__name__])
    tasks = [task for task in load_suite("builtin") if task.id in TASKS]
    settings = RunSettings(suite="builtin", task_ids=TASKS)
    info = start_run(store, "killed", settings, tasks)
    results: list[tuple[str, int]] = []

    def commit(job: EpisodeJob, trajectory: Trajectory) -> None:
        results.append(job.key)
        store.add_episode(info, job.task.id, job.episode_index, trajectory)

    from functools import partial

    from fixloop.sandbox.factory import make_sandbox

    executor = RayExecutor(partial(make_sandbox, "auto", warm=True), env_config=EnvConfig(reward="potential"))
    factory = KillingFactory(tasks[1].id, tmp_path / "killed-once", once)
    executor.run([EpisodeJob(task) for task in tasks], factory, commit)
    assert sorted(results) == sorted(set(results)) == sorted((task.id, 0) for task in tasks)
    return {t.task_id: t for t in store.trajectories(info)}


def test_an_episode_whose_actor_is_killed_is_rerun_and_stored_once(ray_cluster, private_store, tmp_path):
    with Store.open(private_store) as store:
        stored = run_with_a_killed_actor(store, tmp_path, once=True)
    assert (tmp_path / "killed-once").exists()
    assert sorted(stored) == sorted(TASKS)
    assert {t.outcome for t in stored.values()} == {"resolved"}


def test_an_episode_lost_twice_is_stored_as_an_infra_error(ray_cluster, private_store, tmp_path):
    with Store.open(private_store) as store:
        stored = run_with_a_killed_actor(store, tmp_path, once=False)
    victim = TASKS[1]
    assert stored[victim].outcome == "infra_error"
    assert "died 2 times" in (stored[victim].error or "")
    assert {t.outcome for task_id, t in stored.items() if task_id != victim} == {"resolved"}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_fixloop_run_joins_a_head_node_by_address(tmp_path):
    ray_bin = Path(sys.executable).with_name("ray")
    fixloop_bin = Path(sys.executable).with_name("fixloop")
    port = free_port()
    env = {**os.environ, "RAY_USAGE_STATS_ENABLED": "0"}
    head = subprocess.Popen(
        [str(ray_bin), "start", "--head", f"--port={port}", "--num-cpus=1", "--include-dashboard=false",
         "--disable-usage-stats", "--block"],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True,
    )  # fmt: skip
    try:
        db = f"sqlite:///{tmp_path}/head.db"
        result = subprocess.run(
            [str(fixloop_bin), "run", "--executor", "ray", "--ray-address", f"127.0.0.1:{port}",
             "--task", TASKS[0], "--run-name", "on-head", "--db", db, "--json"],
            env=env, capture_output=True, text=True, timeout=120,
        )  # fmt: skip
        assert result.returncode == 0, result.stderr
        with Store.open(db) as store:
            [trajectory] = store.trajectories("on-head")
        assert trajectory.outcome == "resolved"
    finally:
        os.killpg(head.pid, signal.SIGKILL)  # the head and every process it started
        head.wait()
        # Killed, the head leaves its address as this machine's current cluster: forget it.
        current = Path(tempfile.gettempdir()) / "ray" / "ray_current_cluster"
        if current.is_file() and current.read_text().strip().endswith(f":{port}"):
            current.unlink()
