"""Retry with reflection: each unresolved episode of a run is reflected on and tried again.

For every scored, unresolved episode of an LLM-agent run, `retry_run` builds an
`ImprovementPlan` from the last attempt (the reflector reads its trajectory and diagnosis),
gives the agent the plan — the system addon under the prompt's "Previous attempt feedback"
section, the user addon before the first observation — and runs the task again. Attempts
are batched: attempt k of every episode still being retried is one stored run named
`RUN-retry<k>`, run concurrently like any run, so every retry episode is in the store.

An episode stops being retried when:
- `resolved`: the attempt resolved the task;
- `max_retries`: it has had `max_retries` attempts;
- `no_improvement`: from the second attempt on, the score rose by less than `min_improvement`
  over the previous attempt;
- `wall_time`: the loop's wall-time limit passed (checked between attempts).

An attempt that ended in an infra error (the model endpoint or the sandbox failed) is not
the agent's: it is not counted, and the loop waits before trying again, doubling the wait
each time (it backs off only on such errors). After `max_retries` such waits the episode
stops with `infra_error`.

Each episode's `RetryResult` is stored with the original run; `RetryReport` summarises them:
per failure label how often a retry fixed it, and the resolve rate before and after with
McNemar's exact test over the run's scored episodes.
"""

from __future__ import annotations

import time
from collections import defaultdict
from collections.abc import Callable
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from fixloop.agents.context import AgentContext
from fixloop.analysis.failure_classifier import classify
from fixloop.analysis.metrics import is_scored
from fixloop.analysis.statistics import PairedTest, paired_resolve_test
from fixloop.core.trajectory import Trajectory
from fixloop.improve.improvement_plan import EpisodeRef, ImprovementPlan, render_retry_context
from fixloop.improve.reflection import LLMReflector, Reflector, TemplateReflector
from fixloop.models.base import ModelError
from fixloop.models.registry import make_model
from fixloop.rollout.run_session import (
    RunSettings,
    execute_jobs,
    is_simulated,
    select_tasks,
    settings_of,
)
from fixloop.rollout.runner import EpisodeJob
from fixloop.store import RunInfo, Store, StoreError

StopReason = Literal["resolved", "max_retries", "no_improvement", "wall_time", "infra_error"]


class RetrySettings(BaseModel):
    """How the retry loop works. Every field has a documented default."""

    model_config = ConfigDict(extra="forbid")

    max_retries: int = Field(default=2, ge=1, description="Attempts per unresolved episode.")
    reflector: Literal["template", "llm"] = Field(
        default="template", description="template (offline, deterministic) or llm (a reflection model)."
    )
    reflection_model: str | None = Field(
        default=None, description="PROVIDER:NAME of the llm reflector's model (default: the run's model)."
    )
    min_improvement: float = Field(
        default=0.05, ge=0.0, description="From the second attempt on, a smaller score gain stops retrying."
    )
    wall_time_s: float | None = Field(default=None, gt=0, description="Stop starting attempts after this.")
    backoff_s: float = Field(default=2.0, ge=0.0, description="First wait after an infra error; doubles.")


class RetryResult(BaseModel):
    """What retrying one episode achieved."""

    task_id: str
    episode_index: int
    original_run: str
    retry_runs: list[str] = Field(description="The stored runs holding this episode's attempts, in order.")
    attempts: int = Field(description="Attempts that counted (infra errors excluded).")
    original_score: float
    retry_score: float = Field(description="The last counted attempt's score (the original's if none).")
    improvement: float
    original_label: str
    retry_label: str | None = Field(description="The last counted attempt's primary label.")
    label_fixed: bool = Field(description="The original primary label no longer applies to the last attempt.")
    steps_before: int
    steps_after: int | None
    resolved_before: bool
    resolved_after: bool
    stop_reason: StopReason
    plans: list[ImprovementPlan]


class RetryReport(BaseModel):
    """The results of a retry loop over one run, with the before/after statistics."""

    run: str
    simulated: bool
    results: list[RetryResult]
    episodes: int = Field(description="Scored episodes of the original run.")
    resolved_before: int
    resolved_after: int
    by_label: dict[str, tuple[int, int]] = Field(description="Original primary label -> (fixed, retried).")
    test: PairedTest | None = Field(description="After vs before, McNemar exact; None with no episodes.")


def make_reflector(settings: RetrySettings, run_settings: RunSettings, *, api_key: str | None) -> Reflector:
    """The reflector `settings` name. Raises ModelError when the llm reflector has no usable model."""
    if settings.reflector == "template":
        return TemplateReflector()
    spec = settings.reflection_model or run_settings.model
    if not spec or is_simulated(spec):
        raise ModelError(
            "the llm reflector needs a real model: give --reflection-model PROVIDER:NAME "
            "(a simulated model cannot reflect); or use --reflector template"
        )
    model = make_model(
        spec, base_url=run_settings.base_url, api_key=api_key, timeout_s=run_settings.timeout_s
    )
    return LLMReflector(model)


def retry_run(
    store: Store,
    run: str,
    settings: RetrySettings | None = None,
    *,
    api_key: str | None = None,
    reflector: Reflector | None = None,
    on_result: Callable[[RetryResult], None] | None = None,
    sleep: Callable[[float], None] = time.sleep,
    clock: Callable[[], float] = time.monotonic,
) -> RetryReport:
    """Retry every scored, unresolved episode of `run` (see the module docstring).

    Raises StoreError for an unknown run or one already retried, and ModelError when the run
    was not an llm-agent run or its model (or the reflector's) cannot be built.
    """
    settings = settings or RetrySettings()
    info = store.get_run(run)
    run_settings = settings_of(info)
    if run_settings.agent != "llm":
        raise ModelError(
            f"run {info.name!r} used the {run_settings.agent} agent; retry needs an llm-agent run"
        )
    if any(r.name == f"{info.name}-retry1" for r in store.list_runs()):
        raise StoreError(f"run {info.name!r} was already retried (see run {info.name}-retry1)")
    reflector = reflector or make_reflector(settings, run_settings, api_key=api_key)
    tasks = {task.id: task for task in select_tasks(run_settings)}
    original = store.keyed_trajectories(info)
    state = {
        key: _Episode(key, trajectory)
        for key, trajectory in original.items()
        if is_scored(trajectory) and trajectory.outcome != "resolved" and key[0] in tasks
    }
    started = clock()
    pending = list(state.values())
    attempt, wait = 0, settings.backoff_s
    while pending:
        if settings.wall_time_s is not None and clock() - started > settings.wall_time_s:
            for episode in pending:
                episode.stop = "wall_time"
            break
        attempt += 1
        name = f"{info.name}-retry{attempt}"
        jobs = []
        for episode in pending:
            plan = reflector.reflect(
                episode.last,
                classify(episode.last),
                episode=EpisodeRef(run=info.name, task_id=episode.key[0], episode_index=episode.key[1]),
            )
            episode.plans.append(plan)
            system_addon, user_addon = render_retry_context(plan)
            context = AgentContext(retry_notes=system_addon, retry_context=user_addon)
            jobs.append(EpisodeJob(tasks[episode.key[0]], episode.key[1], context))
        attempt_settings = run_settings.model_copy(update={"seed": run_settings.seed + attempt})
        retry_info = store.create_run(
            name, agent=info.agent, model=info.model, config=attempt_settings.model_dump(mode="json"),
            planned=[job.key for job in jobs], simulated=info.simulated,
        )  # fmt: skip
        execute_jobs(store, retry_info, attempt_settings, jobs, api_key=api_key)
        store.finish_run(retry_info)
        results = store.keyed_trajectories(retry_info)
        infra = False
        for episode in pending:
            episode.runs.append(name)
            trajectory = results[episode.key]
            if not is_scored(trajectory):
                infra = True
                episode.infra_errors += 1
                if episode.infra_errors >= settings.max_retries:
                    episode.stop = "infra_error"
                continue
            episode.record(trajectory, settings)
        pending = [episode for episode in pending if episode.stop is None]
        if infra and pending:
            sleep(wait)
            wait *= 2
    report_results = []
    for episode in state.values():
        result = episode.result(info.name)
        store.add_retry_result(info, result.task_id, result.episode_index, result.model_dump(mode="json"))
        report_results.append(result)
        if on_result is not None:
            on_result(result)
    return summarise(info, original, report_results)


def summarise(
    info: RunInfo, original: dict[tuple[str, int], Trajectory], results: list[RetryResult]
) -> RetryReport:
    """The report of `results` over the original run's scored episodes."""
    retried = {(r.task_id, r.episode_index): r for r in results}
    scored = {key: t for key, t in original.items() if is_scored(t)}
    before = [t.outcome == "resolved" for t in scored.values()]
    after = [
        retried[key].resolved_after if key in retried else t.outcome == "resolved"
        for key, t in scored.items()
    ]
    by_label: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for result in results:
        by_label[result.original_label][0] += result.resolved_after
        by_label[result.original_label][1] += 1
    return RetryReport(
        run=info.name,
        simulated=info.simulated,
        results=results,
        episodes=len(scored),
        resolved_before=sum(before),
        resolved_after=sum(after),
        by_label={label: (fixed, tried) for label, (fixed, tried) in sorted(by_label.items())},
        test=paired_resolve_test(after, before) if scored else None,
    )


def stored_report(store: Store, run: str) -> RetryReport | None:
    """The report of a run's stored retry results; None when it was never retried."""
    info = store.get_run(run)
    stored = store.retry_results(info)
    if not stored:
        return None
    results = [RetryResult.model_validate(result) for result in stored]
    return summarise(info, store.keyed_trajectories(info), results)


class _Episode:
    """One episode being retried: its attempts so far and why it stopped."""

    def __init__(self, key: tuple[str, int], original: Trajectory) -> None:
        self.key = key
        self.original = original
        self.last = original
        self.scores = [original.score]
        self.plans: list[ImprovementPlan] = []
        self.runs: list[str] = []
        self.attempts = 0
        self.infra_errors = 0
        self.stop: StopReason | None = None

    def record(self, trajectory: Trajectory, settings: RetrySettings) -> None:
        """Count a scored attempt and decide whether to go on."""
        self.attempts += 1
        self.last = trajectory
        gain = trajectory.score - self.scores[-1]
        self.scores.append(trajectory.score)
        if trajectory.outcome == "resolved":
            self.stop = "resolved"
        elif self.attempts >= settings.max_retries:
            self.stop = "max_retries"
        elif self.attempts >= 2 and gain < settings.min_improvement:
            self.stop = "no_improvement"

    def result(self, run: str) -> RetryResult:
        original_label = classify(self.original).primary
        retried = self.attempts > 0
        last_labels = classify(self.last).labels if retried else []
        return RetryResult(
            task_id=self.key[0],
            episode_index=self.key[1],
            original_run=run,
            retry_runs=self.runs,
            attempts=self.attempts,
            original_score=self.original.score,
            retry_score=self.last.score,
            improvement=round(self.last.score - self.original.score, 6),
            original_label=original_label.value,
            retry_label=last_labels[0].value if last_labels else None,
            label_fixed=retried and original_label not in last_labels,
            steps_before=len(self.original.steps),
            steps_after=len(self.last.steps) if retried else None,
            resolved_before=False,
            resolved_after=retried and self.last.outcome == "resolved",
            stop_reason=self.stop or "max_retries",
            plans=self.plans,
        )
