"""A run: a plan of episodes, executed concurrently, each committed to the store before it counts.

`RunSettings` is everything needed to rebuild a run's plan and agents; it is saved (without
secrets) in the store, so calling `execute_run` again on a stored run continues it after a
kill: every planned episode the store already holds is skipped, so none is repeated or
duplicated. A run is executed under its lease (`fixloop.store.leases`): while one process
executes it, another that tries to is refused, so no model call is paid twice; a killed
process's lease is taken over by the next resume.

Each LLM agent's context (base prompt, skill, memory cards, retry notes) is recorded in the
store under its version before the episode runs, and the episode refers to it, so a stored
trajectory's `context_version` resolves to the prompt pieces it was given (`stored_context`).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from functools import partial
from typing import Any, Literal, Protocol

from pydantic import BaseModel, ConfigDict, Field

from fixloop.agents.base import Agent
from fixloop.agents.context import AgentContext
from fixloop.agents.llm_agent import LLMAgent, LLMAgentConfig
from fixloop.agents.oracle import OracleAgent
from fixloop.agents.repair import RepairAgent, RepairConfig
from fixloop.core.trajectory import Trajectory
from fixloop.env.debug_env import EnvConfig
from fixloop.models.base import Completion, Model, ModelError
from fixloop.models.budget import Budget, BudgetedModel, Limits
from fixloop.models.cache import CachedModel, ResponseCache
from fixloop.models.pricing import Price
from fixloop.models.recording import CallRecorder, RecordingModel
from fixloop.models.registry import make_model
from fixloop.models.sim import make_sim_model
from fixloop.models.sim_presets import SIM_PRESETS
from fixloop.rollout.runner import EpisodeJob, Executor, JobAgentFactory, LocalExecutor
from fixloop.sandbox.factory import make_sandbox
from fixloop.store.leases import hold_lease
from fixloop.store.response_cache import StoreResponseCache
from fixloop.store.store import RunInfo, Store
from fixloop.tasks.loader import load_suite, load_tasks
from fixloop.tasks.splits import parse_fractions, split_tasks
from fixloop.tasks.task import Task

AGENTS = ("oracle", "repair", "llm")
OFFLINE_MODELS = tuple(f"sim:{preset}" for preset in SIM_PRESETS)
"""Models that need no endpoint: the simulated ones (labelled simulated everywhere)."""


def is_simulated(model: str | None) -> bool:
    """Whether `model` names a simulated model."""
    return model is not None and model.startswith("sim:")


class BudgetSettings(BaseModel):
    """Limits checked before every model call; None means no limit."""

    model_config = ConfigDict(extra="forbid")

    max_usd: float | None = Field(default=None, gt=0, description="USD the run may spend.")
    max_tokens: int | None = Field(default=None, gt=0, description="Tokens the run may use.")
    max_calls: int | None = Field(default=None, gt=0, description="Model calls the run may make.")
    episode_max_usd: float | None = Field(default=None, gt=0, description="USD one episode may spend.")
    episode_max_tokens: int | None = Field(default=None, gt=0, description="Tokens one episode may use.")
    episode_max_calls: int | None = Field(default=None, gt=0, description="Model calls per episode.")


class RunSettings(BaseModel):
    """What a run does. Saved in the store with the run; holds no secret (no API key)."""

    model_config = ConfigDict(extra="forbid")

    agent: str = Field(default="oracle", description="oracle, repair or llm.")
    model: str | None = Field(
        default=None, description="PROVIDER:NAME of the llm agent's model, or sim:PRESET (simulated)."
    )
    seed: int = Field(default=0, description="Seeds a simulated model; each episode derives its own seed.")
    seed_per_episode: bool = Field(
        default=False,
        description="Give each episode its own sampling seed (derived from `seed`, the task and the "
        "episode index) instead of the agent config's: repeated episodes are distinct samples, "
        "never cache hits.",
    )
    base_url: str | None = Field(default=None, description="The OpenAI-compatible endpoint.")
    timeout_s: float = Field(default=60.0, gt=0, description="Seconds one model request may take.")
    price: Price | None = Field(default=None, description="What the model costs; None: the default table.")
    cache: bool = Field(default=True, description="Serve repeated identical model calls from the store.")
    budgets: BudgetSettings = Field(default_factory=BudgetSettings)
    agent_config: LLMAgentConfig = Field(default_factory=LLMAgentConfig)
    skill: str = Field(
        default="",
        description="A skill document (markdown) given to every LLM agent without a context of its own.",
    )
    repair: RepairConfig = Field(default_factory=RepairConfig, description="The repair agent's search.")
    memory: bool = Field(
        default=False,
        description="Give each LLM agent the promoted memory cards that fit its task (the caller plans "
        "the jobs with them: fixloop.improve.memory.recall).",
    )
    suite: str | None = Field(default=None, description="Named suite the tasks come from.")
    path: str | None = Field(default=None, description="Task file or directory the tasks come from.")
    split: str | None = None
    split_seed: int = 0
    split_fractions: str = "0.6,0.2,0.2"
    task_ids: list[str] = Field(default_factory=list)
    episodes_per_task: int = Field(default=1, ge=1)
    concurrency: int = Field(default=2, ge=1, description="Episodes at once with the local executor.")
    executor: Literal["local", "ray"] = Field(
        default="local",
        description="local: episodes in this process; ray: in Ray actors, one per CPU of the cluster "
        "(pip install 'fixloop[ray]').",
    )
    ray_address: str | None = Field(
        default=None,
        description="The Ray cluster: None (a local one, or $RAY_ADDRESS), auto, HOST:PORT or ray://HOST:PORT.",
    )
    sandbox: str = "auto"
    warm_sandbox: bool = Field(
        default=True, description="Serve each episode's test runs from a warm worker (same verdicts, faster)."
    )
    reward: str = "potential"

    @property
    def model_label(self) -> str:
        """What the store and the tables call the model."""
        return self.model or self.agent


@dataclass
class RunProgress:
    """Live counts, updated as each episode is committed."""

    planned: int
    finished: int = 0
    resolved: int = 0
    infra_errors: int = 0
    tokens: int = 0
    cost: float = 0.0

    @property
    def resolve_rate(self) -> float:
        """Resolved over finished episodes, infra errors excluded."""
        scored = self.finished - self.infra_errors
        return self.resolved / scored if scored else 0.0


def plan_jobs(tasks: Sequence[Task], episodes_per_task: int) -> list[EpisodeJob]:
    """Every (task, episode index) of a run, in task order."""
    return [EpisodeJob(task, index) for task in tasks for index in range(episodes_per_task)]


class RunServices(Protocol):
    """What the episodes of one run share wherever they run: the run budget, the response
    cache, and where model calls and agent contexts are recorded.

    `StoreServices` keeps them in this process and the store; the Ray executor's stand-ins
    keep them in one budget holder actor, which the driver empties into the store.
    """

    def run_budget(self, job: EpisodeJob) -> Limits:
        """The run's budget, as `job`'s model calls reserve in it."""
        ...

    def response_cache(self) -> ResponseCache | None:
        """Where repeated identical calls are answered from, or None for no cache."""
        ...

    def call_recorder(self, job: EpisodeJob, model: str) -> CallRecorder | None:
        """Records each model call of `job` (None: calls are not recorded)."""
        ...

    def record_context(self, version: str, pieces: dict[str, Any]) -> None:
        """Record an agent context under its version before an episode is given it."""
        ...


class StoreServices:
    """`RunServices` in this process: one `Budget` for the run, the store's response cache (when
    `settings.cache`), and the store's tables for calls and contexts (only when `run` is given)."""

    def __init__(self, settings: RunSettings, store: Store, run: RunInfo | None) -> None:
        budgets = settings.budgets
        self._budget = Budget(budgets.max_usd, budgets.max_tokens, budgets.max_calls, label="run budget")
        self._cache = StoreResponseCache(store) if settings.cache else None
        self._store = store
        self._run = run
        self._recorded_contexts: set[str] = set()

    def run_budget(self, job: EpisodeJob) -> Limits:
        return self._budget

    def response_cache(self) -> ResponseCache | None:
        return self._cache

    def call_recorder(self, job: EpisodeJob, model: str) -> CallRecorder | None:
        return None if self._run is None else _call_recorder(self._store, self._run, job, model)

    def record_context(self, version: str, pieces: dict[str, Any]) -> None:
        # A version names its pieces (it is their hash): once stored, it need not be again.
        if self._run is not None and version not in self._recorded_contexts:
            self._store.add_context_version(version, pieces)
            self._recorded_contexts.add(version)


def agent_factory(
    settings: RunSettings, store: Store, *, api_key: str | None, run: RunInfo | None = None
) -> JobAgentFactory:
    """Builds each episode's agent in this process, sharing the run's budget and the store's
    cache; within `run`, model calls and contexts are recorded in the store.

    Raises ModelError for an unknown agent or an llm agent without a usable model.
    """
    return build_agent_factory(settings, api_key=api_key, services=StoreServices(settings, store, run))


def build_agent_factory(
    settings: RunSettings, *, api_key: str | None, services: RunServices
) -> JobAgentFactory:
    """Builds each episode's agent. The llm agent gets its own model wrapper per episode so
    the episode budget is its own, while the run budget and the cache (`services`) are shared.

    Raises ModelError for an unknown agent or an llm agent without a usable model.
    """
    if settings.agent == "oracle":
        return lambda job: OracleAgent(job.task)
    if settings.agent == "repair":
        return lambda job: RepairAgent(settings.repair)
    if settings.agent != "llm":
        raise ModelError(f"unknown agent {settings.agent!r}; choose one of: {', '.join(AGENTS)}")
    if not settings.model:
        raise ModelError(
            "the llm agent needs --model PROVIDER:NAME, e.g. openai:gpt-4o-mini with --base-url or "
            f"OPENAI_API_KEY; offline, use --agent repair or a simulated model: {', '.join(OFFLINE_MODELS)}"
        )
    spec = settings.model
    if is_simulated(spec):
        return _simulated_agent_factory(settings, services)
    # One provider (one HTTP client and its connection pool) for the whole run; the budget
    # and cache wrappers are per episode, in make_model's order (cache outside the budgets).
    provider = make_model(
        spec, base_url=settings.base_url, api_key=api_key, timeout_s=settings.timeout_s, price=settings.price
    )
    budgets = settings.budgets
    cache = services.response_cache()

    def build(job: EpisodeJob) -> Agent:
        episode_budget = Budget(
            budgets.episode_max_usd, budgets.episode_max_tokens, budgets.episode_max_calls,
            label="episode budget",
        )  # fmt: skip
        model: Model = BudgetedModel(provider, budgets=(services.run_budget(job), episode_budget))
        if cache is not None:
            model = CachedModel(model, cache)
        record = services.call_recorder(job, spec)
        if record is not None:
            model = RecordingModel(model, record)
        return _llm_agent(model, settings, job, services)

    return _LLMAgentFactory(build, provider)


def _simulated_agent_factory(settings: RunSettings, services: RunServices) -> JobAgentFactory:
    """Each episode's LLM agent talks to its own simulated model, which knows the episode's task.

    No response cache: the same prompt in another episode must get that episode's own draw.
    Budgets apply as to a real model (the simulated usage is an estimate, the cost zero).
    Raises ModelError for an unknown preset, and for the "tools" action format (a simulated
    model writes JSON actions only).
    """
    spec = settings.model or ""
    if spec.partition(":")[2] not in SIM_PRESETS:
        raise ModelError(f"unknown simulated model {spec!r}; known: {', '.join(OFFLINE_MODELS)}")
    if settings.agent_config.action_format == "tools":
        raise ModelError(f"{spec} does not call tools; use --action-format json with a simulated model")
    budgets = settings.budgets

    def build(job: EpisodeJob) -> Agent:
        episode_budget = Budget(
            budgets.episode_max_usd, budgets.episode_max_tokens, budgets.episode_max_calls,
            label="episode budget",
        )  # fmt: skip
        simulated = make_sim_model(spec, job.task, seed=episode_seed(settings.seed, job))
        model: Model = BudgetedModel(simulated, budgets=(services.run_budget(job), episode_budget))
        record = services.call_recorder(job, spec)
        if record is not None:
            model = RecordingModel(model, record)
        return _llm_agent(model, settings, job, services)

    return build


def _llm_agent(model: Model, settings: RunSettings, job: EpisodeJob, services: RunServices) -> Agent:
    """The LLM agent of one episode. In a run, the context it is given is recorded first under
    its version, so the trajectory's `context_version` resolves to it (see `stored_context`)."""
    config = settings.agent_config
    if settings.seed_per_episode:
        config = config.model_copy(update={"seed": episode_seed(settings.seed, job) % 2**31})
    agent = LLMAgent(model, config, job.context or AgentContext(skill=settings.skill))
    services.record_context(agent.context.version_id, agent.context.model_dump(mode="json"))
    return agent


def stored_context(store: Store, version: str) -> AgentContext:
    """The agent context a run recorded as `version` (a trajectory's `context_version`).

    Raises StoreError when the store holds no context of that version.
    """
    return AgentContext.model_validate(store.context_version(version))


def episode_seed(seed: int, job: EpisodeJob) -> int:
    """A seed of its own for each (task, episode index), stable across processes and resumes."""
    digest = hashlib.sha256(f"{seed}:{job.task.id}:{job.episode_index}".encode()).digest()
    return int.from_bytes(digest[:8], "big")


class _LLMAgentFactory:
    """Builds each episode's LLM agent; `aclose` closes the run's shared provider's async client."""

    def __init__(self, build: JobAgentFactory, provider: Model) -> None:
        self._build = build
        self._provider = provider

    def __call__(self, job: EpisodeJob) -> Agent:
        return self._build(job)

    async def aclose(self) -> None:
        """Close what the provider holds for the running event loop."""
        aclose = getattr(self._provider, "aclose", None)
        if aclose is not None:
            await aclose()


def _call_recorder(store: Store, run: RunInfo, job: EpisodeJob, model: str) -> CallRecorder:
    """Records each call of one episode in the store's model_calls table."""

    def record(completion: Completion | None, error: str | None, seconds: float) -> None:
        store.record_model_call(
            model, completion, run=run, task_id=job.task.id, episode_index=job.episode_index,
            error=error, latency=seconds,
        )  # fmt: skip

    return record


def select_tasks(settings: RunSettings) -> list[Task]:
    """The run's tasks: the suite or path, narrowed to a split and to `task_ids`.

    Raises TaskLoadError for unloadable tasks and ValueError for an unknown split or task id.
    """
    tasks = load_tasks(settings.path) if settings.path else load_suite(settings.suite or "builtin")
    if settings.split is not None:
        fractions = parse_fractions(settings.split_fractions)
        tasks = split_tasks(tasks, seed=settings.split_seed, fractions=fractions).split(settings.split)  # type: ignore[arg-type]
    if settings.task_ids:
        unknown = set(settings.task_ids) - {t.id for t in tasks}
        if unknown:
            raise ValueError(f"no such task: {', '.join(sorted(unknown))}")
        tasks = [t for t in tasks if t.id in settings.task_ids]
    return tasks


def start_run(store: Store, name: str, settings: RunSettings, tasks: Sequence[Task]) -> RunInfo:
    """Record a new run and its whole plan; raises StoreError when the name is taken."""
    planned = [job.key for job in plan_jobs(tasks, settings.episodes_per_task)]
    return store.create_run(
        name, agent=settings.agent, model=settings.model_label,
        config=settings.model_dump(mode="json"), planned=planned,
        simulated=is_simulated(settings.model),
    )  # fmt: skip


def execute_run(
    store: Store,
    run: RunInfo,
    settings: RunSettings,
    tasks: Sequence[Task],
    *,
    api_key: str | None = None,
    on_episode: Callable[[Trajectory, RunProgress], None] | None = None,
) -> RunProgress:
    """Run every planned episode the store does not hold yet, committing each before counting it.

    Safe to call again on the same run after a crash or a kill: finished episodes are
    skipped, so each planned episode ends up in the store exactly once. Returns the counts
    of the episodes this call ran. Raises StoreError when another process is executing the
    run (it holds the run's lease), or when the store fails.
    """
    jobs = plan_jobs(tasks, settings.episodes_per_task)
    return execute_jobs(store, run, settings, jobs, api_key=api_key, on_episode=on_episode)


def execute_jobs(
    store: Store,
    run: RunInfo,
    settings: RunSettings,
    jobs: Sequence[EpisodeJob],
    *,
    api_key: str | None = None,
    on_episode: Callable[[Trajectory, RunProgress], None] | None = None,
) -> RunProgress:
    """`execute_run` for an explicit list of the run's planned jobs (e.g. each with its own
    agent context); jobs the store already holds are skipped."""
    with (
        _executor(settings, store, run, api_key) as (executor, factory, before_commit),
        hold_lease(store, run) as lease,
    ):
        done = store.finished_keys(run)
        jobs = [job for job in jobs if job.key not in done]
        progress = RunProgress(planned=len(jobs))

        def commit(job: EpisodeJob, trajectory: Trajectory) -> None:
            before_commit()
            trajectory.simulated = trajectory.simulated or run.simulated
            store.add_episode(
                run, job.task.id, job.episode_index, trajectory, context_id=trajectory.context_version
            )
            progress.finished += 1
            progress.resolved += trajectory.outcome == "resolved"
            progress.infra_errors += trajectory.outcome == "infra_error"
            progress.tokens += trajectory.tokens
            progress.cost += trajectory.cost
            if on_episode is not None:
                on_episode(trajectory, progress)
            lease.check()

        executor.run(jobs, factory, commit)
        if len(store.finished_keys(run)) >= run.planned:
            store.finish_run(run)
    return progress


@contextmanager
def _executor(
    settings: RunSettings, store: Store, run: RunInfo, api_key: str | None
) -> Iterator[tuple[Executor, JobAgentFactory, Callable[[], None]]]:
    """The run's executor (`settings.executor`), the agent factory it runs, and what to call
    before each commit: under Ray, writing what the actors recorded for the store (model
    calls, contexts, cache entries), so the driver stays the store's only writer.

    Raises ModelError for an unusable agent or model before any episode starts.
    """
    sandbox_factory = partial(make_sandbox, settings.sandbox, warm=settings.warm_sandbox)  # type: ignore[arg-type]
    env_config = EnvConfig(reward=settings.reward)  # type: ignore[arg-type]
    if settings.executor == "local":
        factory = agent_factory(settings, store, api_key=api_key, run=run)
        yield (
            LocalExecutor(sandbox_factory, concurrency=settings.concurrency, env_config=env_config),
            factory,
            _nothing,
        )
        return
    from fixloop.rollout.ray_executor import ray_run  # ray is an optional extra

    with ray_run(settings, api_key=api_key, sandbox_factory=sandbox_factory, env_config=env_config) as (
        executor,
        remote_factory,
        services,
    ):
        yield executor, remote_factory, lambda: services.write_to(store, run)


def _nothing() -> None:
    """Nothing to do before a commit."""


def settings_of(run: RunInfo) -> RunSettings:
    """The settings a run was started with, for `resume`."""
    return RunSettings.model_validate(run.config)


def resumed_settings(
    run: RunInfo,
    *,
    base_url: str | None,
    timeout_s: float | None,
    executor: str | None = None,
    ray_address: str | None = None,
) -> RunSettings:
    """The settings `run` was started with, with the endpoint and executor options given again
    on resume (None: as the run had them).

    The API key is never among the settings: it comes from --api-key, the config file or
    $OPENAI_API_KEY on every invocation. Raises ValueError for an unusable option value.
    """
    options = {"base_url": base_url, "timeout_s": timeout_s, "executor": executor, "ray_address": ray_address}
    given = {name: value for name, value in options.items() if value is not None}
    return RunSettings.model_validate({**settings_of(run).model_dump(), **given})
