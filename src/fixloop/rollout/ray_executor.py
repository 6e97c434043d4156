"""Episodes in Ray actors, for runs that outgrow one machine (`fixloop run --executor ray`).

`RayExecutor` keeps a pool of `EpisodeActor`s, one per CPU of the cluster, kept for the
process's next runs. Each actor builds its sandbox once (so its warm test workers stay warm
from one episode to the next) and runs one episode at a time with `run_episode`; the agent,
and so every model call, is built and made in the actor by the agent factory shipped to it.
The trajectory goes back to the driver, which calls `on_result`: the driver stays the only
writer to the store, and each finished episode is committed exactly once.

An actor that dies (killed, out of memory, its node gone) loses the one episode it was
running: a new actor takes its place and the episode is queued again, ahead of the others.
An episode lost `attempts` times (2 by default) is handed to `on_result` as `infra_error`,
so it is stored, never scored, and the run goes on.

The run's budget is global: `BudgetHolder`, one actor per run (kept for the next), holds the
run's `Budget`, and every actor reserves in it before each call (`HeldBudget`). An actor's
methods run one at a time, so no number of concurrent callers can overspend it. The holder
also keeps what the actors would have written to the store themselves — each model call,
each agent context, each new cache entry — until the driver takes it
(`RayRunServices.write_to`) and writes it just before the next commit. A lost episode's
holds are released; the calls it made stay spent and recorded.

The response cache under Ray answers calls repeated within the run (from the holder) and
the driver stores every new answer, but the actors cannot read answers cached by earlier
runs: they may run where the store is not reachable.

The API key travels to the actors inside the pickled agent factory (in Ray's object store),
never in the run's settings, the store or the logs.
"""

from __future__ import annotations

import atexit
import contextlib
import logging
import os
import threading
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import ray
from ray.actor import ActorHandle
from ray.exceptions import RayActorError

from fixloop.agents.base import Agent
from fixloop.core.trajectory import Trajectory
from fixloop.env.debug_env import DebugEnv, EnvConfig
from fixloop.models.base import BudgetExceededError, Completion, Usage
from fixloop.models.budget import Budget, Limits, Reservation
from fixloop.models.cache import ResponseCache
from fixloop.models.recording import CallRecorder
from fixloop.rollout.episode import run_episode, task_facts
from fixloop.rollout.run_session import RunSettings, build_agent_factory
from fixloop.rollout.runner import EpisodeJob, JobAgentFactory
from fixloop.sandbox.base import Sandbox
from fixloop.store.store import RunInfo, Store

logger = logging.getLogger(__name__)

CLOSE_TIMEOUT_S = 30.0
"""How long the kept actors get to close their sandboxes when the process exits."""

PING_TIMEOUT_S = 30.0
"""How long a kept actor may take to answer before a run starts without it."""


def connect(address: str | None) -> None:
    """Connect this process to Ray, once: `address` is None (the cluster $RAY_ADDRESS names,
    else a new local one for this process), "auto" (the cluster `ray start` runs on this
    machine), HOST:PORT (a head node's GCS) or ray://HOST:PORT (Ray Client). Already
    connected: nothing.

    When no cluster answers at `address`, Ray retries: a ray:// address raises
    ConnectionError after its client's timeout, but a HOST:PORT kept retrying for more than
    ten minutes when tried here, so check the address (`ray status --address HOST:PORT`).
    """
    if ray.is_initialized():
        return
    # No network at run time: Ray would otherwise report usage statistics.
    os.environ.setdefault("RAY_USAGE_STATS_ENABLED", "0")
    if address is None and "RAY_ADDRESS" not in os.environ:
        # Not Ray's default, which joins whatever cluster this machine last started, even a
        # dead one (a stale /tmp/ray/ray_current_cluster makes ray.init retry for minutes).
        address = "local"
    joining = address != "local"
    if joining and "RAY_AUTH_MODE" not in os.environ and _auth_token_available():
        # `ray start` turns token authentication on when this machine has a token; joining
        # its cluster needs the same rule, which ray.init only applies to clusters it starts.
        os.environ["RAY_AUTH_MODE"] = "token"
    # Actors' output stays in Ray's session logs: the driver's stdout carries --json and openenv lines.
    ray.init(address=address, log_to_driver=False, include_dashboard=False, configure_logging=False)


def _auth_token_available() -> bool:
    """Whether Ray would find an authentication token: in $RAY_AUTH_TOKEN, in the file
    $RAY_AUTH_TOKEN_PATH names, or in ~/.ray/auth_token."""
    if os.environ.get("RAY_AUTH_TOKEN"):
        return True
    path = os.environ.get("RAY_AUTH_TOKEN_PATH")
    return Path(path).is_file() if path else (Path.home() / ".ray" / "auth_token").is_file()


class EpisodeActor:
    """Runs episodes one at a time on its own sandbox (made once, so it stays warm)."""

    def __init__(self, sandbox_factory: Callable[[], Sandbox], env_config: EnvConfig | None) -> None:
        self._sandbox = sandbox_factory()
        self._env_config = env_config
        self._factory_ref: str | None = None
        self._agent_factory: JobAgentFactory | None = None

    def ping(self) -> str:
        """The sandbox's name (answering also says the sandbox was built)."""
        return self._sandbox.name

    def run(self, job: EpisodeJob, shipped: list[ray.ObjectRef]) -> Trajectory:
        """Run one episode with the agent factory in `shipped` (fetched once per run); never
        raises for what happens inside the episode (see `run_episode`)."""
        [ref] = shipped
        if ref.hex() != self._factory_ref:
            self._agent_factory, self._factory_ref = ray.get(ref), ref.hex()
        assert self._agent_factory is not None
        return run_episode(DebugEnv(self._sandbox, self._env_config), self._agent_factory(job), job.task)

    def close(self) -> None:
        """Close the sandbox (its warm workers)."""
        self._sandbox.close()


class RayExecutor:
    """An `Executor` whose episodes run in a pool of Ray actors (see the module doc).

    `sandbox_factory` and the agent factory given to `run` must pickle (cloudpickle): each
    actor gets its own copy. The pool has `actors` actors (default: the cluster's CPUs),
    each reserving one CPU, never more than there are jobs. Starting an actor costs seconds
    (a Ray worker, fixloop's imports, a sandbox), so actors outlive a run: the next run of
    this process with the same sandbox and environment settings reuses them, and they are
    closed when the process exits. `attempts` is how many times an episode may be lost to
    a dying actor before it is recorded as `infra_error`.
    """

    def __init__(
        self,
        sandbox_factory: Callable[[], Sandbox],
        *,
        env_config: EnvConfig | None = None,
        address: str | None = None,
        actors: int | None = None,
        attempts: int = 2,
    ) -> None:
        if actors is not None and actors < 1:
            raise ValueError(f"actors must be at least 1, got {actors}")
        if attempts < 1:
            raise ValueError(f"attempts must be at least 1, got {attempts}")
        self.sandbox_factory = sandbox_factory
        self.env_config = env_config
        self.address = address
        self.actors = actors
        self.attempts = attempts

    def run(
        self,
        jobs: Sequence[EpisodeJob],
        agent_factory: JobAgentFactory,
        on_result: Callable[[EpisodeJob, Trajectory], None],
    ) -> None:
        """Run every job; see `Executor.run`. An exception from `on_result` stops the run
        (and ends the actors still running an episode).

        When an episode is lost, the agent factory's `episode_lost(job)` is called on the
        driver if it has one (`RemoteAgentFactory` releases the episode's budget holds).
        Raises what building a sandbox raised (e.g. SandboxError) before any episode runs.
        """
        if not jobs:
            return
        connect(self.address)
        kind = ray.cloudpickle.dumps((self.sandbox_factory, self.env_config))
        shipped = [ray.put(agent_factory)]

        def start_actor() -> ActorHandle:
            actor_class: Any = ray.remote(num_cpus=1, max_restarts=0)(EpisodeActor)
            handle: ActorHandle = actor_class.remote(self.sandbox_factory, self.env_config)
            return handle

        idle = _EPISODE_ACTORS.take(kind, min(len(jobs), self.actors or cluster_cpus()), start_actor)
        running: dict[ray.ObjectRef, tuple[ActorHandle, EpisodeJob, int]] = {}
        try:
            names: list[str] = ray.get([actor.ping.remote() for actor in idle])
            queue: deque[tuple[EpisodeJob, int]] = deque((job, 0) for job in jobs)
            while queue or running:
                while idle and queue:
                    actor, (job, losses) = idle.pop(), queue.popleft()
                    running[actor.run.remote(job, shipped)] = (actor, job, losses)
                [ready], _ = ray.wait(list(running), num_returns=1)
                actor, job, losses = running.pop(ready)
                try:
                    trajectory: Trajectory = ray.get(ready)
                except RayActorError as exc:
                    logger.warning("the actor running %s died; the episode is lost: %s", job.key, exc)
                    lost = getattr(agent_factory, "episode_lost", None)
                    if lost is not None:
                        lost(job)
                    idle.append(start_actor())
                    if losses + 1 < self.attempts:
                        queue.appendleft((job, losses + 1))
                        continue
                    trajectory = lost_trajectory(
                        job, agent_factory(job), names[0], self.env_config, losses + 1
                    )
                else:
                    idle.append(actor)
                on_result(job, trajectory)
        finally:
            # An actor still in an episode (the run stopped) would go on calling the model: end it.
            for actor, _, _ in running.values():
                ray.kill(actor)
            _EPISODE_ACTORS.give_back(kind, idle)


class _ActorPool:
    """Actors kept for this process's next runs, by kind (whatever tells them apart), and
    ended when it exits, after their `close()` when `closing`. Each has a `ping()`."""

    def __init__(self, *, closing: bool) -> None:
        self._closing = closing
        self._idle: dict[bytes, list[ActorHandle]] = {}
        self._lock = threading.Lock()
        atexit.register(self.close)

    def take(self, kind: bytes, count: int, start: Callable[[], ActorHandle]) -> list[ActorHandle]:
        """`count` live actors of `kind`: kept ones first (any dead is dropped), then new ones.
        Kept actors of other kinds are ended first, so they free the CPUs they reserve."""
        with self._lock:
            kept = self._idle.pop(kind, [])
            others = [actor for actors in self._idle.values() for actor in actors]
            self._idle.clear()
        self._end(others)
        alive = _answering(kept)
        self.give_back(kind, alive[count:])
        return alive[:count] + [start() for _ in range(count - len(alive[:count]))]

    def give_back(self, kind: bytes, actors: list[ActorHandle]) -> None:
        """Keep `actors` for a later run."""
        if actors:
            with self._lock:
                self._idle.setdefault(kind, []).extend(actors)

    def close(self) -> None:
        """End every kept actor."""
        with self._lock:
            actors = [actor for kept in self._idle.values() for actor in kept]
            self._idle.clear()
        self._end(actors)

    def _end(self, actors: list[ActorHandle]) -> None:
        """Let `actors` close what they hold (a sandbox's workers) when `closing`, then end them."""
        if not actors or not ray.is_initialized():
            return
        with contextlib.suppress(Exception):  # at exit, a cluster already gone has nothing to close
            if self._closing:
                closing: list[Any] = [actor.close.remote() for actor in actors]
                ray.wait(closing, num_returns=len(closing), timeout=CLOSE_TIMEOUT_S)
            for actor in actors:
                ray.kill(actor)


def _answering(actors: list[ActorHandle]) -> list[ActorHandle]:
    """Those of `actors` that answer a ping (a kept actor may have died, or belong to a Ray
    session that ended); the others are dropped."""
    if not actors:
        return []
    try:
        pings: dict[Any, ActorHandle] = {actor.ping.remote(): actor for actor in actors}
        ready, _ = ray.wait(list(pings), num_returns=len(pings), timeout=PING_TIMEOUT_S)
    except Exception:  # handles of an ended Ray session
        return []
    alive = []
    for ref in ready:
        with contextlib.suppress(RayActorError):
            ray.get(ref)
            alive.append(pings[ref])
    return alive


_EPISODE_ACTORS = _ActorPool(closing=True)
_HOLDERS = _ActorPool(closing=False)
_HOLDER_KIND = b"budget holder"


def end_kept_actors() -> None:
    """End the actors kept for this process's next runs (their sandboxes closed first), e.g.
    before `ray.shutdown()`; the process's exit does the same."""
    _EPISODE_ACTORS.close()
    _HOLDERS.close()


def cluster_cpus() -> int:
    """The CPUs of the connected cluster; raises RuntimeError when it has none."""
    cpus = int(ray.cluster_resources().get("CPU", 0))
    if cpus < 1:
        raise RuntimeError(
            "the Ray cluster has no CPU to run episodes on; start its nodes with --num-cpus 1 or more"
        )
    return cpus


def lost_trajectory(
    job: EpisodeJob, agent: Agent, sandbox: str, env_config: EnvConfig | None, losses: int
) -> Trajectory:
    """The `infra_error` record of an episode lost `losses` times, naming its agent, model and context."""
    model = getattr(agent, "model", None)
    context = getattr(agent, "context", None)
    return Trajectory(
        task_id=job.task.id,
        agent=agent.name,
        model=getattr(model, "name", None),
        context_version=getattr(context, "version_id", None),
        task_facts=task_facts(job.task),
        simulated=bool(getattr(model, "simulated", False)),
        reward_scheme=(env_config or EnvConfig()).reward,
        sandbox=sandbox,
        outcome="infra_error",
        error=f"the Ray actor running this episode died {losses} times; the episode was not finished",
    )


@dataclass
class HeldRecords:
    """What the actors recorded for the store since the driver last took it."""

    calls: list[tuple[EpisodeJob, str, Completion | None, str | None, float]] = field(default_factory=list)
    contexts: dict[str, dict[str, Any]] = field(default_factory=dict)
    cache: dict[str, tuple[str, str, dict[str, Any]]] = field(default_factory=dict)


class BudgetHolder:
    """The run's budget and records, in one actor (see the module doc). Holds are tracked per
    episode, so a lost episode's can be released."""

    def __init__(self) -> None:
        self.begin(None, None, None)

    def begin(self, max_usd: float | None, max_tokens: int | None, max_calls: int | None) -> None:
        """Start a run with these limits (None: no limit) and nothing held, cached or recorded."""
        self._budget = Budget(max_usd, max_tokens, max_calls, label="run budget")
        self._holds: dict[tuple[str, int], list[Reservation]] = {}
        self._cache: dict[str, dict[str, Any]] = {}
        self._records = HeldRecords()

    def ping(self) -> str:
        """Answers, to say the holder is alive."""
        return "budget holder"

    def reserve(self, key: tuple[str, int], tokens: int, usd: float) -> str | None:
        """Hold a call's worst case for episode `key`; the refusal's message, or None when held."""
        try:
            held = self._budget.reserve(Usage(prompt_tokens=tokens), usd)
        except BudgetExceededError as exc:
            return str(exc)
        self._holds.setdefault(key, []).append(held)
        return None

    def settle(self, key: tuple[str, int], tokens: int, usd: float, usage: Usage, cost: float) -> None:
        """Settle one of `key`'s holds of `tokens` and `usd` with what the call used."""
        self._budget.settle(self._take_hold(key, tokens, usd), usage, cost)

    def release(self, key: tuple[str, int], tokens: int, usd: float) -> None:
        """Give back one of `key`'s holds of `tokens` and `usd`."""
        self._budget.release(self._take_hold(key, tokens, usd))

    def release_episode(self, key: tuple[str, int]) -> None:
        """Give back every hold of episode `key` (its actor died before settling them)."""
        for held in self._holds.pop(key, []):
            self._budget.release(held)

    def spent(self) -> tuple[float, int, int]:
        """USD, tokens and calls settled so far."""
        return self._budget.spent_usd, self._budget.spent_tokens, self._budget.calls

    def _take_hold(self, key: tuple[str, int], tokens: int, usd: float) -> Reservation:
        holds = self._holds[key]
        held = next(h for h in holds if h.tokens == tokens and h.usd == usd)
        holds.remove(held)
        return held

    def record_call(
        self, job: EpisodeJob, model: str, completion: Completion | None, error: str | None, seconds: float
    ) -> None:
        """Keep one model call of `job` for the store."""
        self._records.calls.append((job, model, completion, error, seconds))

    def record_context(self, version: str, pieces: dict[str, Any]) -> None:
        """Keep an agent context for the store."""
        self._records.contexts[version] = pieces

    def cache_get(self, key: str) -> dict[str, Any] | None:
        """A response this run cached under `key`, or None."""
        return self._cache.get(key)

    def cache_put(self, key: str, provider: str, model: str, response: dict[str, Any]) -> None:
        """Cache a response for this run, and keep it for the store."""
        self._cache[key] = response
        self._records.cache[key] = (provider, model, response)

    def take_records(self) -> HeldRecords:
        """What was recorded since the last call, handed over once."""
        records, self._records = self._records, HeldRecords()
        return records


def _ask(method: Any, *args: Any) -> Any:
    """Call an actor's method and wait for its answer."""
    return ray.get(method.remote(*args))


class HeldBudget:
    """`Limits` for one episode's calls, reserved in the run's `BudgetHolder`."""

    def __init__(self, holder: ActorHandle, key: tuple[str, int]) -> None:
        self.holder = holder
        self.key = key
        self.label = "run budget"

    def reserve(self, estimated_usage: Usage, estimated_cost: float) -> Reservation:
        """See `Budget.reserve`; the holder decides."""
        tokens = estimated_usage.total_tokens
        refusal: str | None = _ask(self.holder.reserve, self.key, tokens, estimated_cost)
        if refusal is not None:
            raise BudgetExceededError(refusal)
        return Reservation(budget=self, tokens=tokens, usd=estimated_cost)

    def settle(self, reservation: Reservation, actual_usage: Usage, actual_cost: float) -> None:
        """See `Budget.settle`."""
        _ask(self.holder.settle, self.key, reservation.tokens, reservation.usd, actual_usage, actual_cost)

    def release(self, reservation: Reservation) -> None:
        """See `Budget.release`."""
        _ask(self.holder.release, self.key, reservation.tokens, reservation.usd)


class HeldCache:
    """A `ResponseCache` of the answers this run cached, kept by its `BudgetHolder`."""

    def __init__(self, holder: ActorHandle) -> None:
        self.holder = holder

    def get(self, key: str) -> dict[str, Any] | None:
        """The response this run cached under `key`, or None."""
        response: dict[str, Any] | None = _ask(self.holder.cache_get, key)
        return response

    def put(self, key: str, *, provider: str, model: str, response: dict[str, Any]) -> None:
        """Cache `response` for this run; the driver stores it."""
        _ask(self.holder.cache_put, key, provider, model, response)


class RayRunServices:
    """`RunServices` backed by the run's `BudgetHolder`; usable (and picklable) in any process
    of the cluster. The driver writes what it recorded with `write_to`."""

    def __init__(self, settings: RunSettings, holder: ActorHandle) -> None:
        self.cache = settings.cache
        self.holder = holder

    def run_budget(self, job: EpisodeJob) -> Limits:
        return HeldBudget(self.holder, job.key)

    def response_cache(self) -> ResponseCache | None:
        return HeldCache(self.holder) if self.cache else None

    def call_recorder(self, job: EpisodeJob, model: str) -> CallRecorder:
        def record(completion: Completion | None, error: str | None, seconds: float) -> None:
            _ask(self.holder.record_call, job, model, completion, error, seconds)

        return record

    def record_context(self, version: str, pieces: dict[str, Any]) -> None:
        _ask(self.holder.record_context, version, pieces)

    def write_to(self, store: Store, run: RunInfo) -> None:
        """Write what the actors recorded since the last call into `store` (calls under `run`)."""
        records: HeldRecords = _ask(self.holder.take_records)
        for version, pieces in records.contexts.items():
            store.add_context_version(version, pieces)
        for key, (provider, model, response) in records.cache.items():
            store.cache_put(key, provider=provider, model=model, response=response)
        for job, model, completion, error, seconds in records.calls:
            store.record_model_call(
                model, completion, run=run, task_id=job.task.id, episode_index=job.episode_index,
                error=error, latency=seconds,
            )  # fmt: skip


class RemoteAgentFactory:
    """The run's agent factory as it travels to the actors: settings, API key and services;
    each process builds its own agents (and model client) from them on first use."""

    def __init__(self, settings: RunSettings, api_key: str | None, services: RayRunServices) -> None:
        self.settings = settings
        self.api_key = api_key
        self.services = services
        self._built: JobAgentFactory | None = None

    def __getstate__(self) -> dict[str, Any]:
        # The built factory holds a model client bound to this process: each process builds its own.
        return {**self.__dict__, "_built": None}

    def __call__(self, job: EpisodeJob) -> Agent:
        """The agent of `job`, built here (raises ModelError as `build_agent_factory` does)."""
        if self._built is None:
            self._built = build_agent_factory(self.settings, api_key=self.api_key, services=self.services)
        return self._built(job)

    def episode_lost(self, job: EpisodeJob) -> None:
        """Release the budget holds of an episode whose actor died."""
        _ask(self.services.holder.release_episode, job.key)


@contextlib.contextmanager
def ray_run(
    settings: RunSettings,
    *,
    api_key: str | None,
    sandbox_factory: Callable[[], Sandbox],
    env_config: EnvConfig,
) -> Iterator[tuple[RayExecutor, RemoteAgentFactory, RayRunServices]]:
    """Connect to Ray (`settings.ray_address`) and ready a budget holder for the run (a kept
    one, else a new one); yields the executor, the agent factory to give it, and the services
    whose records the driver writes. The holder is kept for the process's next run when the
    block ends. Raises ModelError (a bad agent or model) before any episode starts."""
    connect(settings.ray_address)
    budgets = settings.budgets

    def start_holder() -> ActorHandle:
        holder_class: Any = ray.remote(num_cpus=0, max_restarts=0)(BudgetHolder)
        handle: ActorHandle = holder_class.remote()
        return handle

    [holder] = _HOLDERS.take(_HOLDER_KIND, 1, start_holder)
    _ask(holder.begin, budgets.max_usd, budgets.max_tokens, budgets.max_calls)
    services = RayRunServices(settings, holder)
    factory = RemoteAgentFactory(settings, api_key, services)
    try:
        build_agent_factory(settings, api_key=api_key, services=services)  # configuration errors surface now
        yield RayExecutor(sandbox_factory, env_config=env_config), factory, services
    finally:
        _HOLDERS.give_back(_HOLDER_KIND, [holder])
