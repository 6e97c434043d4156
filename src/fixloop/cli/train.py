"""`fixloop train`: train a skill document over epochs, every adoption through the gate.

The command turns its options into `TrainingSettings` (or reads them back for `--resume`),
builds the reflectors, and hands the training to `fixloop.improve.skills.trainer`, or with
`--optimizer gepa` to `fixloop.integrations.gepa_training` (GEPA's search, the same splits,
budgets, ledger and final test; needs `pip install 'fixloop[gepa]'`); what is
here is the terminal around it: a live display of the phase and its episodes, Ctrl-C that
stops after the current episode, and the summary table or `--json`.
"""

from __future__ import annotations

import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Group, RenderableType
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

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
    open_store,
)
from fixloop.cli.run import ExecutorOption, RayAddressOption, check_executor, prepared_tasks
from fixloop.cli.skills import resolve_skill
from fixloop.cli.tracking import MlflowOption, Tracking, check_tracking, tracking
from fixloop.improve.gate import POLICIES, GateSettings
from fixloop.improve.skills.schedules import SCHEDULES
from fixloop.improve.skills.skill_reflector import LLMSkillReflector, SkillReflector, TemplateSkillReflector
from fixloop.improve.skills.slow_update import LLMSlowUpdate, SlowUpdateWriter, TemplateSlowUpdate
from fixloop.improve.skills.trainer import SkillTrainer, TrainingResult, training_splits
from fixloop.improve.skills.training_settings import TrainingSettings
from fixloop.models.base import Model, ModelError
from fixloop.models.budget import Budget, BudgetedModel
from fixloop.models.cache import CachedModel
from fixloop.models.config_file import load_model_config
from fixloop.models.pricing import price_for
from fixloop.models.registry import make_model
from fixloop.rollout.run_session import OFFLINE_MODELS, RunProgress, RunSettings, is_simulated, select_tasks
from fixloop.store import Store, StoreError
from fixloop.store.response_cache import StoreResponseCache
from fixloop.tasks.loader import TaskLoadError
from fixloop.tasks.splits import TaskSplits


def train(
    model: Annotated[
        str | None,
        typer.Option(
            help="The agent's model as PROVIDER:NAME (openai:gpt-4o-mini with --base-url for any "
            f"OpenAI-compatible server), or simulated: {', '.join(OFFLINE_MODELS)}."
        ),
    ] = None,
    name: Annotated[
        str | None, typer.Option("--name", help="Name the training (default: model and time).")
    ] = None,
    resume: Annotated[
        str | None,
        typer.Option(
            "--resume", metavar="TRAINING", help="Continue a stopped or killed training where it stopped."
        ),
    ] = None,
    base_url: Annotated[
        str | None, typer.Option("--base-url", help="OpenAI-compatible endpoint (default: $OPENAI_BASE_URL).")
    ] = None,
    api_key: ApiKeyOption = None,
    timeout: Annotated[float | None, typer.Option(help="Deadline in seconds per model request.")] = None,
    config: Annotated[
        Path | None, typer.Option(help="Config file (default: $FIXLOOP_CONFIG or ./fixloop.toml).")
    ] = None,
    temperature: Annotated[
        float,
        typer.Option(
            min=0.0, max=2.0, help="The agent's sampling temperature (0: repeats may be identical)."
        ),
    ] = 0.0,
    suite: SuiteOption = None,
    path: PathOption = None,
    task_ids: Annotated[list[str] | None, typer.Option("--task", help="Only these task ids.")] = None,
    split_seed: Annotated[int, typer.Option("--split-seed", help="The split's seed.")] = 0,
    split_fractions: Annotated[
        str, typer.Option("--split-fractions", help="Train,selection,test shares.")
    ] = DEFAULT_FRACTIONS_TEXT,
    skill: Annotated[
        str | None,
        typer.Option("--skill", help="The starting skill: a markdown file or a stored skill version."),
    ] = None,
    epochs: Annotated[int, typer.Option(min=1, help="Passes over the train split.")] = 4,
    batch_size: Annotated[int, typer.Option("--batch-size", min=1, help="Training tasks per step.")] = 40,
    minibatch: Annotated[int, typer.Option(min=1, help="Episodes the reflector reads at once.")] = 8,
    lr: Annotated[int, typer.Option("--lr", min=1, help="Edits the first step may adopt.")] = 4,
    min_lr: Annotated[int, typer.Option("--min-lr", min=0, help="Edits the last step may adopt.")] = 2,
    schedule: Annotated[
        str, typer.Option(help="Edit-budget schedule: cosine, linear or constant.")
    ] = "cosine",
    reflector: Annotated[
        str, typer.Option(help="template (offline) or llm (a reflection model).")
    ] = "template",
    reflector_model: Annotated[
        str | None,
        typer.Option("--reflector-model", help="PROVIDER:NAME of the llm reflector (default: --model)."),
    ] = None,
    gate: Annotated[
        str, typer.Option("--gate", help="Gate policy: paired, strict (SkillOpt) or minibatch-sum (GEPA).")
    ] = "paired",
    repeats: Annotated[int, typer.Option(min=1, help="Gate rollouts per selection task and side.")] = 2,
    alpha: Annotated[float, typer.Option(help="The paired gate's one-sided significance level.")] = 0.1,
    size_cap: Annotated[
        int, typer.Option("--size-cap", min=1, help="Largest skill (tokens) ever adopted.")
    ] = 1500,
    slow_update: Annotated[
        bool,
        typer.Option("--slow-update/--no-slow-update", help="Write the protected section at epoch ends."),
    ] = True,
    slow_update_tasks: Annotated[
        int, typer.Option("--slow-update-tasks", min=1, help="Training tasks the slow update compares on.")
    ] = 20,
    slow_update_gate: Annotated[
        str,
        typer.Option(
            "--slow-update-gate", help="on: gate the slow update; off: adopt it unvalidated (SkillOpt)."
        ),
    ] = "on",
    test_repeats: Annotated[
        int, typer.Option("--test-repeats", min=1, help="Rollouts per test task at the end.")
    ] = 2,
    max_usd: Annotated[
        float | None, typer.Option("--max-usd", help="USD the whole training may spend.")
    ] = None,
    max_tokens: Annotated[
        int | None, typer.Option("--max-tokens", help="Tokens the whole training may use.")
    ] = None,
    max_rollouts: Annotated[
        int | None, typer.Option("--max-rollouts", help="Episodes the whole training may run.")
    ] = None,
    optimizer: Annotated[
        str,
        typer.Option(
            help="native (this trainer's epochs and gate) or gepa (GEPA's search; needs --max-rollouts)."
        ),
    ] = "native",
    gepa_minibatch: Annotated[
        int, typer.Option("--gepa-minibatch", min=1, help="Training tasks per GEPA proposal.")
    ] = 3,
    gepa_run_dir: Annotated[
        Path | None,
        typer.Option("--gepa-run-dir", help="GEPA's state directory (default .fixloop/gepa/NAME)."),
    ] = None,
    seed: Annotated[int, typer.Option(help="Seeds batches, rollouts and the gate.")] = 0,
    concurrency: Annotated[int, typer.Option("--concurrency", min=1, help="Episodes run at once.")] = 2,
    executor: ExecutorOption = None,
    ray_address: RayAddressOption = None,
    sandbox: SandboxOption = "auto",
    no_cache: Annotated[
        bool, typer.Option("--no-cache", help="Do not serve model calls from the cache.")
    ] = False,
    db: DbOption = None,
    mlflow: MlflowOption = None,
    as_json: JsonOption = False,
) -> None:
    """Train a skill over epochs on the train split, gate every change on the selection split,
    and compare the starting and final skill once on the held-out test split."""
    check_executor(executor, ray_address)
    check_tracking(mlflow)
    try:
        model_config = load_model_config(config)
    except ModelError as exc:
        raise fail(str(exc)) from None
    api_key = api_key or model_config.api_key()
    budgets: dict[str, Any] = {"max_usd": max_usd, "max_tokens": max_tokens, "max_rollouts": max_rollouts}
    with open_store(db) as store:
        try:
            if resume:
                name, settings = _resumed(store, resume, budgets)
            else:
                if not model:
                    raise fail(
                        "train needs --model: PROVIDER:NAME with --base-url/$OPENAI_BASE_URL or "
                        "$OPENAI_API_KEY, or a simulated model offline "
                        f"({' | '.join(OFFLINE_MODELS)}; labelled simulated)"
                    )
                if suite and path:
                    raise fail("give --suite or --path, not both")
                _check_choices(schedule, reflector, gate, slow_update_gate, optimizer)
                rollout = RunSettings(
                    agent="llm", model=model, base_url=base_url or model_config.model.base_url,
                    timeout_s=timeout or model_config.model.timeout_s or 60.0, cache=not no_cache,
                    price=price_for(model, model_config.price_table),
                    agent_config={"temperature": temperature},  # type: ignore[arg-type]
                    suite=None if path else (suite or "builtin"), path=str(path) if path else None,
                    split_seed=split_seed, split_fractions=split_fractions, task_ids=task_ids or [],
                    concurrency=concurrency, sandbox=sandbox,
                    executor=executor or "local", ray_address=ray_address,  # type: ignore[arg-type]
                )  # fmt: skip
                settings = TrainingSettings(
                    rollout=rollout, seed=seed, epochs=epochs, batch_size=batch_size, minibatch=minibatch,
                    lr=lr, min_lr=min_lr, schedule=schedule,  # type: ignore[arg-type]
                    reflector=reflector, reflector_model=reflector_model,  # type: ignore[arg-type]
                    gate=GateSettings(policy=gate, repeats=repeats, alpha=alpha, size_cap_tokens=size_cap),  # type: ignore[arg-type]
                    slow_update=slow_update, slow_update_tasks=slow_update_tasks,
                    slow_update_gate=slow_update_gate == "on", test_repeats=test_repeats,
                    initial_skill=resolve_skill(store, skill).markdown() if skill else "",
                    optimizer=optimizer, gepa_minibatch=gepa_minibatch, **budgets,  # type: ignore[arg-type]
                )  # fmt: skip
                stamp = f"{datetime.now():%Y%m%d-%H%M%S}"
                name = name or f"train-{model.replace(':', '-')}-{stamp}"
                if optimizer == "gepa":
                    run_dir = gepa_run_dir.resolve() if gepa_run_dir else None
                    settings = settings.model_copy(
                        update={"gepa_run_dir": str(run_dir) if run_dir else _default_gepa_dir(name)}
                    )
            tasks = prepared_tasks(select_tasks(settings.rollout), settings.rollout.sandbox)
            splits = training_splits(settings, tasks)
            reflector_impl, slow_writer = _reflectors(settings, store, api_key)
            simulated = is_simulated(settings.rollout.model)
            tracked = settings.model_dump(mode="json")
            if not resume:
                store.create_training(name, config=tracked, simulated=simulated)
            with tracking(mlflow, name, kind="train", simulated=simulated, config=tracked) as track:
                result = _train(
                    store, name, settings, splits, api_key, reflector_impl, slow_writer, as_json, track
                )
                track.training_artifacts(store, name, result)
        except (StoreError, TaskLoadError, ValueError, ModelError) as exc:
            raise fail(str(exc)) from None
    emit(result, lambda: training_view(result), as_json)


def _resumed(store: Store, name: str, budgets: dict[str, Any]) -> tuple[str, TrainingSettings]:
    """The stopped training's name and settings, with any budget given again replacing its own."""
    info = store.get_training(name)
    settings = TrainingSettings.model_validate(info.config)
    given = {key: value for key, value in budgets.items() if value is not None}
    return info.name, settings.model_copy(update=given)


def _check_choices(schedule: str, reflector: str, gate: str, slow_update_gate: str, optimizer: str) -> None:
    if schedule not in SCHEDULES:
        raise fail(f"unknown schedule {schedule!r}; choose one of: {', '.join(SCHEDULES)}")
    if reflector not in ("template", "llm"):
        raise fail(f"unknown reflector {reflector!r}; choose template or llm")
    if gate not in POLICIES:
        raise fail(f"unknown gate policy {gate!r}; choose one of: {', '.join(POLICIES)}")
    if slow_update_gate not in ("on", "off"):
        raise fail(f"--slow-update-gate takes on or off, not {slow_update_gate!r}")
    if optimizer not in ("native", "gepa"):
        raise fail(f"unknown optimizer {optimizer!r}; choose native or gepa")


def _default_gepa_dir(name: str) -> str:
    """GEPA's state directory for a new training (fails with the install hint without gepa)."""
    try:
        from fixloop.integrations.gepa_training import default_run_dir
    except ImportError as exc:
        raise fail(str(exc)) from None
    return default_run_dir(name)


def _reflectors(
    settings: TrainingSettings, store: Store, api_key: str | None
) -> tuple[SkillReflector, SlowUpdateWriter]:
    """The template reflectors, or LLM ones on the reflection model (cached, within the budget).

    Raises ModelError when the llm reflector has no real model.
    """
    if settings.reflector == "template":
        return TemplateSkillReflector(), TemplateSlowUpdate()
    rollout = settings.rollout
    spec = settings.reflector_model or rollout.model
    if not spec or is_simulated(spec):
        raise ModelError(
            "the llm reflector needs a real model: give --reflector-model PROVIDER:NAME "
            "(a simulated model cannot reflect), or use --reflector template"
        )
    provider = make_model(spec, base_url=rollout.base_url, timeout_s=rollout.timeout_s, api_key=api_key)
    model: Model = BudgetedModel(
        provider, budgets=(Budget(settings.max_usd, settings.max_tokens, label="training budget"),)
    )
    if rollout.cache:
        model = CachedModel(model, StoreResponseCache(store))
    return LLMSkillReflector(model), LLMSlowUpdate(model)


def _train(
    store: Store,
    name: str,
    settings: TrainingSettings,
    splits: TaskSplits,
    api_key: str | None,
    reflector: SkillReflector,
    slow_writer: SlowUpdateWriter,
    as_json: bool,
    track: Tracking,
) -> TrainingResult:
    """Run the training under a live display; the first Ctrl-C stops it after the current episode.
    `track` logs each ledger entry as the next phase starts."""
    stop = threading.Event()
    with Progress(
        TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
        console=err, transient=True, disable=as_json,
    ) as progress, _stop_on_interrupt(stop):  # fmt: skip
        bar = progress.add_task(f"{name}: starting", total=None)

        def on_phase(text: str) -> None:
            progress.update(bar, description=f"{name} {text}", completed=0, total=None)
            track.ledger(store, name)
            if as_json:
                return
            err.print(f"[dim]{text}[/]", markup=True, highlight=False)

        def on_episode(label: str, counts: RunProgress) -> None:
            progress.update(bar, completed=counts.finished, total=counts.planned)

        if settings.optimizer == "gepa":
            try:
                from fixloop.integrations.gepa_training import GEPATraining
            except ImportError as exc:
                raise fail(str(exc)) from None
            return GEPATraining(
                store, name, settings, splits, api_key=api_key, reflector=reflector, stop=stop,
                on_phase=on_phase, on_episode=on_episode,
            ).run()  # fmt: skip
        trainer = SkillTrainer(
            store, name, settings, splits, api_key=api_key, reflector=reflector, slow_writer=slow_writer,
            stop=stop, on_phase=on_phase, on_episode=on_episode,
        )  # fmt: skip
        return trainer.run()


@contextmanager
def _stop_on_interrupt(stop: threading.Event) -> Iterator[None]:
    """The first Ctrl-C sets `stop`; a second one interrupts at once."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def first(signum: int, frame: object) -> None:
        stop.set()
        err.print("[yellow]stopping after the current episode (Ctrl-C again to abort)[/]")
        signal.signal(signal.SIGINT, signal.default_int_handler)

    previous = signal.signal(signal.SIGINT, first)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)


def training_view(result: TrainingResult) -> RenderableType:
    """The summary: a row per ledger entry (proposals, edits tried, the gate's selection rates and
    p, the skill's size in tokens, the cost when anything cost money), why each was decided as
    it was, then the held-out test comparison."""
    simulated = " [magenta](simulated: not a model's performance)[/]" if result.simulated else ""
    table = Table(title=f"training {result.training}{simulated}")
    paid = any(row.cost_usd for row in result.steps)
    columns = ("#", "epoch", "step", "props", "tried", "selection", "p", "size", *(("cost",) if paid else ()))
    for column in (*columns, "adopted"):
        table.add_column(column, justify="right", no_wrap=True)
    for row in result.steps:
        selection = (
            f"{row.incumbent_rate:.2f}→{row.candidate_rate:.2f}"
            if row.incumbent_rate is not None and row.candidate_rate is not None
            else "-"
        )
        step = "slow" if row.kind == "slow_update" else str(row.step)
        p_value = f"{row.p_value:.3f}" if row.p_value is not None else "-"
        cost = (f"${row.cost_usd:.4f}",) if paid else ()
        table.add_row(
            str(row.seq), str(row.epoch), step, str(row.proposed), str(row.tried), selection, p_value,
            str(row.skill_tokens), *cost, "[green]yes[/]" if row.adopted else "no",
        )  # fmt: skip
    reasons = [f"  #{row.seq}: {row.reason}" for row in result.steps]
    lines: list[RenderableType] = [table, "why:", *reasons]
    if result.optimizer == "gepa":
        lines.append(
            "GEPA: 'adopted' is GEPA's minibatch rule (a few training tasks, one rollout each), not "
            "fixloop's gate; the final skill is GEPA's best mean on the selection split"
        )
    if result.status == "stopped":
        lines.append(
            f"[yellow]stopped:[/] {result.stop_reason} "
            f"(continue with fixloop train --resume {result.training})"
        )
    test = result.test
    if test is not None:
        verdict = "significant" if test.p_value < 0.05 else "not significant"
        lines.append(
            f"held-out test ({test.tasks} tasks x {test.repeats}): starting skill {test.baseline_rate:.2f} → "
            f"final skill {test.final_rate:.2f}, difference {test.difference:+.2f} "
            f"[{test.ci_low:+.2f}, {test.ci_high:+.2f}], McNemar p = {test.p_value:.3g} ({verdict})"
        )
    lines.append(
        f"final skill {result.final_skill} ({result.final_tokens} tokens); {result.rollouts} rollouts, "
        f"{result.tokens} tokens, ${result.cost_usd:.4f}; see it with "
        f"`fixloop skills show {result.final_skill}`"
    )
    return Group(*lines)
