"""`fixloop run`: run an agent over a suite, storing every episode as it finishes.

The command turns its options into `RunSettings` (or reads them back for `--resume`) and
hands the run to `fixloop.rollout.run_session`; what is here is only the terminal around
it: the progress bar or openenv lines, and the results table or `--json` rows.
"""

from __future__ import annotations

import importlib.util
import os
import threading
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Group, RenderableType
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from fixloop.agents.llm_agent import LLMAgentConfig
from fixloop.cli.common import (
    DEFAULT_FRACTIONS_TEXT,
    ApiKeyOption,
    DbOption,
    JsonOption,
    PathOption,
    SandboxOption,
    SuiteOption,
    emit,
    err,
    fail,
    open_sandbox,
    open_store,
)
from fixloop.cli.tracking import MlflowOption, Tracking, check_tracking, tracking
from fixloop.core.trajectory import Trajectory
from fixloop.env.rewards import REWARD_SCHEMES
from fixloop.models.base import ModelError
from fixloop.models.config_file import load_model_config
from fixloop.models.pricing import price_for
from fixloop.rollout.openenv_log import episode_lines
from fixloop.rollout.run_session import (
    AGENTS,
    OFFLINE_MODELS,
    BudgetSettings,
    RunProgress,
    RunSettings,
    agent_factory,
    execute_jobs,
    execute_run,
    is_simulated,
    resumed_settings,
    select_tasks,
    start_run,
)
from fixloop.sandbox.base import Sandbox
from fixloop.store import RunInfo, Store, StoreError
from fixloop.store.redaction import redact_text
from fixloop.tasks.loader import TaskLoadError
from fixloop.tasks.splits import SPLIT_NAMES
from fixloop.tasks.task import Task
from fixloop.tasks.validator import validate_task, with_computed_lists

ExecutorOption = Annotated[
    str | None,
    typer.Option(
        "--executor",
        help="local: episodes in this process; ray: in Ray actors, one per CPU of the cluster "
        "(pip install 'fixloop[ray]'). Default local; a resumed run keeps its own unless given.",
    ),
]
"""`--executor`, for every command that runs episodes (run, train)."""
RayAddressOption = Annotated[
    str | None,
    typer.Option(
        "--ray-address",
        help="With --executor ray: auto (the cluster on this machine), HOST:PORT or ray://HOST:PORT; "
        "default: $RAY_ADDRESS, else a new local cluster for this run.",
    ),
]
"""`--ray-address`, beside `--executor`."""


def run(
    agent: Annotated[
        str, typer.Option(help="Which agent: oracle (applies the reference fix), repair (no LLM) or llm.")
    ] = "oracle",
    model: Annotated[
        str | None,
        typer.Option(
            help="The llm agent's model as PROVIDER:NAME, e.g. openai:gpt-4o-mini, or a simulated one: "
            "sim:weak, sim:careless, sim:strong (offline; labelled simulated)."
        ),
    ] = None,
    seed: Annotated[int, typer.Option(help="Seeds a simulated model (each episode derives its own).")] = 0,
    base_url: Annotated[
        str | None,
        typer.Option("--base-url", help="OpenAI-compatible endpoint (default: $OPENAI_BASE_URL)."),
    ] = None,
    api_key: ApiKeyOption = None,
    timeout: Annotated[
        float | None,
        typer.Option(help="Deadline in seconds for each model request, whole answer included (default 60)."),
    ] = None,
    config: Annotated[
        Path | None,
        typer.Option(help="Config file (default: $FIXLOOP_CONFIG, else ./fixloop.toml if present)."),
    ] = None,
    suite: SuiteOption = None,
    path: PathOption = None,
    task_ids: Annotated[list[str] | None, typer.Option("--task", help="Only these task ids.")] = None,
    split: Annotated[
        str | None, typer.Option("--split", help="Only this split: train, selection or test.")
    ] = None,
    split_seed: Annotated[int, typer.Option("--split-seed", help="The split's seed.")] = 0,
    split_fractions: Annotated[
        str, typer.Option("--split-fractions", help="The split's train,selection,test shares.")
    ] = DEFAULT_FRACTIONS_TEXT,
    episodes_per_task: Annotated[
        int, typer.Option("--episodes-per-task", min=1, help="Episodes per task (e.g. for pass@k).")
    ] = 1,
    concurrency: Annotated[
        int,
        typer.Option("--concurrency", "--workers", min=1, help="Episodes run at once (local executor)."),
    ] = 2,
    sandbox: SandboxOption = "auto",
    warm: Annotated[
        bool,
        typer.Option(
            "--warm/--no-warm",
            help="Serve each episode's test runs from a warm worker (same verdicts, much faster).",
        ),
    ] = True,
    reward: Annotated[
        str, typer.Option(help="Reward scheme: potential, tracefix or navrepair.")
    ] = "potential",
    skill: Annotated[
        str | None,
        typer.Option(
            "--skill", help="Give the llm agent this skill: a markdown file or a stored skill version id."
        ),
    ] = None,
    action_format: Annotated[
        str,
        typer.Option(
            "--action-format",
            help="How the llm agent's model writes an action: json (a JSON object) or tools (tool calls).",
        ),
    ] = "json",
    memory: Annotated[
        bool,
        typer.Option(
            "--memory",
            help="Give the llm agent the promoted memory cards that fit each task (see fixloop memory).",
        ),
    ] = False,
    executor: ExecutorOption = None,
    ray_address: RayAddressOption = None,
    run_name: Annotated[
        str | None, typer.Option("--run-name", help="Name the run (default: agent, model and time).")
    ] = None,
    resume: Annotated[
        str | None,
        typer.Option(
            "--resume",
            metavar="RUN",
            help="Continue a stopped run; task options are ignored, --base-url/--api-key/--timeout "
            "and --executor/--ray-address apply.",
        ),
    ] = None,
    no_cache: Annotated[
        bool, typer.Option("--no-cache", help="Do not serve model calls from the cache.")
    ] = False,
    max_usd: Annotated[float | None, typer.Option("--max-usd", help="USD the run may spend.")] = None,
    max_tokens: Annotated[int | None, typer.Option("--max-tokens", help="Tokens the run may use.")] = None,
    max_calls: Annotated[
        int | None, typer.Option("--max-calls", help="Model calls the run may make.")
    ] = None,
    episode_max_usd: Annotated[
        float | None, typer.Option("--episode-max-usd", help="USD per episode.")
    ] = None,
    episode_max_tokens: Annotated[
        int | None, typer.Option("--episode-max-tokens", help="Tokens per episode.")
    ] = None,
    episode_max_calls: Annotated[
        int | None, typer.Option("--episode-max-calls", help="Model calls per episode.")
    ] = None,
    db: DbOption = None,
    output: Annotated[
        Path | None, typer.Option("--out", help="Also write the run's trajectories here (JSONL).")
    ] = None,
    log_format: Annotated[
        str,
        typer.Option(
            "--log-format",
            help="table: a progress bar and a results table; openenv: [START]/[STEP]/[END] lines.",
        ),
    ] = "table",
    mlflow: MlflowOption = None,
    as_json: JsonOption = False,
) -> None:
    """Run an agent over a suite (or one split of it); every episode is stored as it finishes."""
    _check_options(agent, model, resume, log_format, split, reward, sandbox, skill)
    check_tracking(mlflow)
    check_executor(executor, ray_address)
    if memory and agent != "llm" and not resume:
        raise fail("--memory is for the llm agent (memory cards are part of its prompt)")
    if action_format not in ("json", "tools"):
        raise fail(f"unknown action format {action_format!r}; choose json or tools")
    if action_format != "json" and (agent != "llm" or resume):
        raise fail("--action-format is for the llm agent of a new run (a resumed run keeps its own)")
    try:
        model_config = load_model_config(config)
    except ModelError as exc:
        raise fail(str(exc)) from None
    api_key = api_key or model_config.api_key()
    with open_store(db) as store:
        try:
            if resume:
                info, settings, tasks = _resume(
                    store,
                    resume,
                    base_url=base_url,
                    timeout_s=timeout,
                    executor=executor,
                    ray_address=ray_address,
                )
            else:
                if suite and path:
                    raise fail("give --suite or --path, not both")
                settings = RunSettings(
                    agent=agent, model=model, seed=seed, base_url=base_url or model_config.model.base_url,
                    timeout_s=timeout or model_config.model.timeout_s or 60.0, cache=not no_cache,
                    price=price_for(model, model_config.price_table) if model else None,
                    budgets=BudgetSettings(
                        max_usd=max_usd, max_tokens=max_tokens, max_calls=max_calls,
                        episode_max_usd=episode_max_usd, episode_max_tokens=episode_max_tokens,
                        episode_max_calls=episode_max_calls,
                    ),
                    suite=None if path else (suite or "builtin"), path=str(path) if path else None,
                    split=split, split_seed=split_seed, split_fractions=split_fractions,
                    task_ids=task_ids or [], episodes_per_task=episodes_per_task, concurrency=concurrency,
                    sandbox=sandbox, warm_sandbox=warm, reward=reward,
                    executor=executor or "local", ray_address=ray_address,  # type: ignore[arg-type]
                    skill=_skill_markdown(store, skill, agent), memory=memory,
                    agent_config=LLMAgentConfig.model_validate({"action_format": action_format}),
                )  # fmt: skip
                info, tasks = _start(store, settings, run_name, api_key)
            tracked = settings.model_dump(mode="json")
            with tracking(mlflow, info.name, kind="run", simulated=info.simulated, config=tracked) as track:
                _execute(store, info, settings, tasks, api_key, log_format, as_json, track)
                track.run_artifacts(store, info, settings)
            trajectories = store.trajectories(info)
        except StoreError as exc:  # the store failed (locked, read-only, ...) or the run is leased
            raise fail(str(exc)) from None
    if output is not None:
        output.parent.mkdir(parents=True, exist_ok=True)
        output.write_text("".join(t.model_dump_json() + "\n" for t in trajectories), encoding="utf-8")
    if log_format == "table":
        _report_run(info, settings, trajectories, as_json)


def _skill_markdown(store: Store, skill: str | None, agent: str) -> str:
    """The markdown of `--skill` (a file or a stored version); fails on a bad one or a non-llm agent."""
    if skill is None:
        return ""
    if agent != "llm":
        raise fail("--skill is for the llm agent (a skill is part of its prompt)")
    from fixloop.cli.skills import resolve_skill

    try:
        return resolve_skill(store, skill).markdown()
    except (StoreError, ValueError) as exc:
        raise fail(str(exc)) from None


def _check_options(
    agent: str,
    model: str | None,
    resume: str | None,
    log_format: str,
    split: str | None,
    reward: str,
    sandbox: str,
    skill: str | None,
) -> None:
    """Fail on an option value `run` cannot use, before anything is opened."""
    if resume and skill:
        raise fail("--skill cannot change a run being resumed; it keeps the skill it started with")
    if log_format not in ("table", "openenv"):
        raise fail(f"unknown log format {log_format!r}; choose table or openenv")
    if split is not None and split not in SPLIT_NAMES:
        raise fail(f"unknown split {split!r}; choose one of: {', '.join(SPLIT_NAMES)}")
    if reward not in REWARD_SCHEMES:
        raise fail(f"unknown reward scheme {reward!r}; choose one of: {', '.join(REWARD_SCHEMES)}")
    if sandbox not in ("auto", "bwrap", "process"):
        raise fail(f"unknown sandbox {sandbox!r}; choose auto, bwrap or process")
    if agent not in AGENTS:
        raise fail(f"unknown agent {agent!r}; choose one of: {', '.join(AGENTS)}")
    if agent == "llm" and not model and not resume:
        raise fail(
            "the llm agent needs a model: --model openai:NAME with --base-url/$OPENAI_BASE_URL for a "
            "local server (vLLM, Ollama, LM Studio) or $OPENAI_API_KEY for OpenAI. Offline choices: "
            f"--agent repair (a search-based baseline, no LLM), --agent oracle, or a simulated model "
            f"(--model {' | '.join(OFFLINE_MODELS)}; its results are labelled simulated)."
        )


def check_executor(executor: str | None, ray_address: str | None) -> None:
    """Fail on `--executor`/`--ray-address` values that cannot be used, before anything is opened."""
    if executor not in (None, "local", "ray"):
        raise fail(f"unknown executor {executor!r}; choose local or ray")
    if ray_address is not None and executor != "ray":
        raise fail("--ray-address is for --executor ray")
    if executor == "ray" and importlib.util.find_spec("ray") is None:
        raise fail("--executor ray needs Ray: pip install 'fixloop[ray]'")


def _start(
    store: Store, settings: RunSettings, run_name: str | None, api_key: str | None
) -> tuple[RunInfo, list[Task]]:
    """Record a new run of `settings` and return it with its tasks; fails on a configuration error."""
    try:
        tasks = select_tasks(settings)
        agent_factory(settings, store, api_key=api_key)  # configuration errors surface now
    except (TaskLoadError, ValueError, ModelError) as exc:
        raise fail(str(exc)) from None
    tasks = prepared_tasks(tasks, settings.sandbox)
    stamp = f"{datetime.now():%Y%m%d-%H%M%S}"
    name = run_name or f"{settings.agent}-{(settings.model or '').replace(':', '-')}-{stamp}"
    try:
        return start_run(store, name.replace("--", "-"), settings, tasks), tasks
    except StoreError as exc:
        raise fail(str(exc)) from None


def _resume(
    store: Store,
    run: str,
    *,
    base_url: str | None,
    timeout_s: float | None,
    executor: str | None,
    ray_address: str | None,
) -> tuple[RunInfo, RunSettings, list[Task]]:
    """The stopped run `run`, its settings (with the endpoint and executor options given
    again) and its tasks."""
    try:
        info = store.get_run(run)
        settings = resumed_settings(
            info, base_url=base_url, timeout_s=timeout_s, executor=executor, ray_address=ray_address
        )
        tasks = select_tasks(settings)
    except (StoreError, TaskLoadError, ValueError) as exc:
        raise fail(str(exc)) from None
    _show_endpoint(info, settings)
    return info, settings, prepared_tasks(tasks, settings.sandbox)


def _show_endpoint(info: RunInfo, settings: RunSettings) -> None:
    """Say which endpoint a resumed run talks to (base URL and model, never the key)."""
    if settings.agent != "llm" or not settings.model or is_simulated(settings.model):
        return
    base_url = settings.base_url or os.environ.get("OPENAI_BASE_URL") or "OpenAI's default URL"
    err.print(
        f"resuming {info.name}: {settings.model} at {redact_text(base_url)} "
        f"(timeout {settings.timeout_s:g}s per request)",
        soft_wrap=True,
        markup=False,
    )


def prepared_tasks(tasks: list[Task], sandbox: str) -> list[Task]:
    """`tasks` with test lists computed where a task file left them out; invalid ones skipped
    with a warning. Fails when the sandbox cannot be opened."""
    probe = open_sandbox(sandbox)
    try:
        return [ready for task in tasks if (ready := _with_test_lists(task, probe)) is not None]
    finally:
        probe.close()


def _with_test_lists(task: Task, sandbox: Sandbox) -> Task | None:
    """`task` with fail_to_pass/pass_to_pass computed if the task file left them out, or None
    (with a warning) when the task is invalid."""
    if task.fail_to_pass:
        return task
    report = validate_task(task, sandbox, repeats=1)
    if not report.valid:
        err.print(f"[yellow]skipping {task.id}:[/] " + "; ".join(report.problems))
        return None
    return with_computed_lists(task, report)


def _execute(
    store: Store,
    info: RunInfo,
    settings: RunSettings,
    tasks: list[Task],
    api_key: str | None,
    log_format: str,
    as_json: bool,
    track: Tracking,
) -> None:
    """Run what is left of `info` under a live progress bar (or openenv lines), each finished
    episode's counts tracked by `track`."""
    remaining = info.planned - len(store.finished_keys(info))
    with Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=err,
        transient=True,
        disable=as_json or log_format == "openenv",
    ) as progress:
        bar = progress.add_task(f"{info.name}: starting", total=remaining)

        def on_episode(trajectory: Trajectory, counts: RunProgress) -> None:
            if log_format == "openenv":
                _log_openenv(trajectory, settings.model_label)
            progress.update(
                bar,
                advance=1,
                description=(
                    f"{info.name}: resolved {counts.resolved}/{counts.finished - counts.infra_errors}"
                    f" ({counts.resolve_rate:.0%})  {counts.tokens} tokens  ${counts.cost:.4f}"
                ),
            )
            track.episode(counts)

        try:
            if settings.memory:
                _execute_with_memory(store, info, settings, tasks, api_key, on_episode)
            else:
                execute_run(store, info, settings, tasks, api_key=api_key, on_episode=on_episode)
        except (ModelError, ConnectionError) as exc:  # ConnectionError: no Ray cluster at --ray-address
            raise fail(str(exc)) from None


def _execute_with_memory(
    store: Store,
    info: RunInfo,
    settings: RunSettings,
    tasks: list[Task],
    api_key: str | None,
    on_episode: Callable[[Trajectory, RunProgress], None],
) -> None:
    """Run the episodes with each task's promoted cards, counting each card's use as it ends."""
    from fixloop.improve.memory.recall import memory_jobs, record_episode

    jobs, given = memory_jobs(store, tasks, settings.episodes_per_task, skill=settings.skill)

    def counted(trajectory: Trajectory, counts: RunProgress) -> None:
        record_episode(store, given[trajectory.task_id], trajectory)
        on_episode(trajectory, counts)

    execute_jobs(store, info, settings, jobs, api_key=api_key, on_episode=counted)


_log_lock = threading.Lock()


def _log_openenv(trajectory: Trajectory, model: str) -> None:
    """Print a finished episode's records together, so concurrent episodes never interleave."""
    with _log_lock:
        print("\n".join(episode_lines(trajectory, model)), flush=True)


def result_row(run: str, trajectory: Trajectory) -> dict[str, Any]:
    """One episode as `run --json` prints it, labelled with its run, model and whether a
    simulated model produced it."""
    t = trajectory
    return {
        "run": run,
        "task": t.task_id,
        "agent": t.agent,
        "model": t.model,
        "simulated": t.simulated,
        "context_version": t.context_version,
        "outcome": t.outcome,
        "score": round(t.score, 3),
        "steps": len(t.steps),
        "seconds": round(t.seconds, 2),
        "reward": round(t.total_reward, 3),
        "tokens": t.tokens,
        "cost": round(t.cost, 6),
        "error": t.error or (t.grade.error if t.grade else None),
    }


def _report_run(info: RunInfo, settings: RunSettings, trajectories: list[Trajectory], as_json: bool) -> None:
    rows = [result_row(info.name, t) for t in trajectories]
    simulated = " [magenta](simulated: not a model's performance)[/]" if info.simulated else ""
    emit(rows, lambda: _results_view(rows, f"{info.name} ({settings.model_label}){simulated}"), as_json)


def _results_view(rows: list[dict[str, Any]], title: str) -> RenderableType:
    table = Table(title=f"{title}: {len(rows)} episodes")
    table.add_column("task", no_wrap=True)
    table.add_column("outcome", no_wrap=True)
    for column in ("score", "steps", "seconds", "reward"):
        table.add_column(column, justify="right")
    colours = {"resolved": "green", "partial": "yellow", "unresolved": "red", "tampered": "bold red"}
    for r in rows:
        colour = colours.get(r["outcome"], "magenta")
        table.add_row(
            r["task"],
            f"[{colour}]{r['outcome']}[/]",
            f"{r['score']:.2f}",
            str(r["steps"]),
            f"{r['seconds']:.1f}",
            f"{r['reward']:+.2f}",
        )
    resolved = sum(r["outcome"] == "resolved" for r in rows)
    scored = [r for r in rows if r["outcome"] != "infra_error"]
    excluded = f"  ({len(rows) - len(scored)} infra errors excluded)" if len(scored) < len(rows) else ""
    return Group(table, f"resolved {resolved}/{len(scored)}{excluded}")
