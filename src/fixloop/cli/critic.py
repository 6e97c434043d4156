"""`fixloop critic`: a critic scored against the tests' ground truth, and calibrated by contrast.

    fixloop critic eval RUN --model M           Φ* per step (measured once, then stored), the
                                                critic's Φ per step, and how they compare
    fixloop critic calibrate RUN [--replay]     contrast pairs → candidate critic_calibration
                                                cards (with --replay: through CI at once)
    fixloop critic ci RUN --model M             scan and replay the calibration cards

`--model` is the critic: `sim-critic:PRESET` offline (good, noisy, sycophant; labelled
simulated), or PROVIDER:NAME for a model critic. Φ* of a step is measured in the sandbox the
first time any command needs it and read from the store ever after.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Annotated, Any

import typer
from rich.console import Group, RenderableType
from rich.table import Table

from fixloop.analysis.metrics import is_scored
from fixloop.cli.common import (
    ApiKeyOption,
    DbOption,
    JsonOption,
    RunArgument,
    SandboxOption,
    emit,
    fail,
    open_sandbox,
    open_store,
)
from fixloop.cli.run import prepared_tasks
from fixloop.improve.critic.calibration_replay import (
    AGREEMENT_TOLERANCE,
    CalibrationReplay,
    CalibrationReplaySettings,
    CriticFactory,
    ScoredEpisode,
    admit_calibration,
)
from fixloop.improve.critic.contrast import (
    KIND,
    ContrastSource,
    LLMContrast,
    TemplateContrast,
    action_types,
    calibration_cards,
)
from fixloop.improve.critic.critic import LLMCritic
from fixloop.improve.critic.episode import score_episode
from fixloop.improve.critic.ground_truth import GroundTruthError, GroundTruthPoint, measure_ground_truth
from fixloop.improve.critic.metrics import CriticEvaluation, PhiPair, evaluate, pairs_along
from fixloop.improve.critic.sim_critic import make_sim_critic
from fixloop.improve.gate import GateSettings
from fixloop.improve.memory.card import InvalidTransition, MemoryCard
from fixloop.improve.memory.ci import CIOutcome
from fixloop.improve.memory.extraction import merge_or_add
from fixloop.models.base import ModelError
from fixloop.models.registry import make_model
from fixloop.rollout.run_session import select_tasks, settings_of
from fixloop.sandbox.base import Sandbox
from fixloop.store import Store, StoreError
from fixloop.tasks.loader import TaskLoadError, load_suite, load_tasks
from fixloop.tasks.splits import parse_fractions, split_tasks

_FAILURES = (StoreError, GroundTruthError, ModelError, TaskLoadError, ValueError, InvalidTransition)
"""What a critic command reports as a one-line error (exit 2) rather than a traceback."""

app = typer.Typer(help="The critic: scored against the tests, calibrated by contrast.", no_args_is_help=True)

ModelOption = Annotated[
    str | None, typer.Option("--model", help="The critic: sim-critic:PRESET (offline) or PROVIDER:NAME.")
]
BaseUrlOption = Annotated[str | None, typer.Option("--base-url", help="OpenAI-compatible endpoint.")]
SeedOption = Annotated[int, typer.Option(help="Seeds a simulated critic.")]
EXPECTED_ERRORS = (StoreError, GroundTruthError, ModelError, TaskLoadError, ValueError, InvalidTransition)
"""What a critic command reports as a one-line error (InvalidTransition is a ValueError too)."""


@app.command("eval")
def eval_critic(
    run: RunArgument,
    model: ModelOption = None,
    seed: SeedOption = 0,
    base_url: BaseUrlOption = None,
    api_key: ApiKeyOption = None,
    sandbox: SandboxOption = "auto",
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """Score every step of the run's scored episodes with the critic and compare with Φ*:
    Spearman, mean absolute error, sycophancy rate and a calibration table. The evaluation is
    stored with the run."""
    make_critic, simulated = _critic_factory(model, base_url, api_key)
    critic = make_critic("", seed)
    with open_store(db) as store:
        try:
            episodes, measured = _scored_episodes(store, run, sandbox)
            pairs: list[PhiPair] = []
            steps: list[dict[str, Any]] = []
            for episode in episodes:
                scores = score_episode(critic, episode.task, episode.trajectory, episode.points)
                truth = {p.step: p.phi_star for p in episode.points}
                stars = [truth[r.index] for r in episode.trajectory.steps]
                pairs += pairs_along([s.phi for s in scores], stars)
                steps += [
                    {"task": episode.task.id, "episode": episode.episode_index, "step": record.index,
                     "phi_star": star, "phi": score.phi, "error": score.error}
                    for record, score, star in zip(episode.trajectory.steps, scores, stars, strict=True)
                ]  # fmt: skip
            labelled = simulated or any(e.trajectory.simulated for e in episodes)
            evaluation = evaluate(pairs, critic=critic.name, simulated=labelled)
            store.add_critic_evaluation(run, critic.name, labelled, evaluation.model_dump(mode="json"))
        except (StoreError, GroundTruthError, ModelError, TaskLoadError, ValueError) as exc:
            raise fail(str(exc)) from None
    name = episodes[0].run
    data = {
        "run": name, "critic": critic.name, "simulated": labelled, "episodes": len(episodes),
        "measured_episodes": measured, "evaluation": evaluation.model_dump(mode="json"), "steps": steps,
    }  # fmt: skip
    emit(data, lambda: _evaluation_view(name, evaluation, len(episodes), measured), as_json)


@app.command("calibrate")
def calibrate(
    run: RunArgument,
    model: ModelOption = None,
    contrast: Annotated[
        str, typer.Option(help="template (offline, deterministic) or llm (a model writes them).")
    ] = "template",
    contrast_model: Annotated[
        str | None,
        typer.Option("--contrast-model", help="The llm contrast's PROVIDER:NAME (default: --model)."),
    ] = None,
    replay: Annotated[
        bool,
        typer.Option("--replay", help="Then scan and replay the cards drawn (needs --model)."),
    ] = False,
    seed: SeedOption = 0,
    repeats: Annotated[int, typer.Option(min=1, help="Replay scores per step and side.")] = 8,
    base_url: BaseUrlOption = None,
    api_key: ApiKeyOption = None,
    sandbox: SandboxOption = "auto",
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """Contrast the correct judgement of every step that moved Φ* by half a point or more with
    a wrong one, and store the lessons as candidate critic_calibration cards (a near-duplicate
    of a stored card adds to its support instead)."""
    source = _contrast_source(contrast, contrast_model or model, base_url, api_key)
    factory = _critic_factory(model, base_url, api_key) if replay else None
    with open_store(db) as store:
        try:
            episodes, _ = _scored_episodes(store, run, sandbox)
            rows, errors = _calibration_cards(store, source, episodes)
            outcomes = (
                _admit_all(
                    store,
                    factory,
                    episodes,
                    seed,
                    repeats,
                    test_tasks=_test_split(store, run),
                    only=[str(r["card"]) for r in rows],
                )
                if factory is not None
                else []
            )
        except _FAILURES as exc:
            raise fail(str(exc)) from None
    data = {"run": run, "cards": rows, "errors": errors, "ci": [o.model_dump(mode="json") for o in outcomes]}
    emit(data, lambda: _calibration_view(rows, errors, outcomes), as_json)


@app.command("ci")
def ci(
    run: RunArgument,
    model: ModelOption = None,
    seed: SeedOption = 0,
    repeats: Annotated[int, typer.Option(min=1, help="Replay scores per step and side.")] = 8,
    alpha: Annotated[float, typer.Option(help="The gate's one-sided significance level.")] = 0.1,
    base_url: BaseUrlOption = None,
    api_key: ApiKeyOption = None,
    sandbox: SandboxOption = "auto",
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """Scan every candidate critic_calibration card (quarantine or reject), then replay every
    quarantined one on the run's held-out steps with and without its lesson in the critic's
    calibration: promoted when the critic agrees with Φ* significantly more often, else rejected."""
    factory = _critic_factory(model, base_url, api_key)
    with open_store(db) as store:
        try:
            episodes, _ = _scored_episodes(store, run, sandbox)
            outcomes = _admit_all(
                store, factory, episodes, seed, repeats, alpha=alpha, test_tasks=_test_split(store, run)
            )
        except _FAILURES as exc:
            raise fail(str(exc)) from None
    emit(outcomes, lambda: _outcomes_view(outcomes), as_json)


def _critic_factory(
    model: str | None, base_url: str | None, api_key: str | None
) -> tuple[CriticFactory, bool]:
    """Makes the critic `--model` names from a calibration text and a seed; and whether it is simulated."""
    if not model:
        raise fail("give the critic: --model sim-critic:PRESET (offline, simulated) or --model PROVIDER:NAME")
    if model.startswith("sim-critic"):
        try:
            make_sim_critic(model)
        except ValueError as exc:
            raise fail(str(exc)) from None
        typer.echo(f"the critic is {model}: simulated, not a model's performance", err=True)
        return (lambda calibration, seed: make_sim_critic(model, seed=seed, calibration=calibration)), True
    try:
        provider = make_model(model, base_url=base_url, api_key=api_key)
    except ModelError as exc:
        raise fail(str(exc)) from None
    return (lambda calibration, _seed: LLMCritic(provider, calibration=calibration)), False


def _contrast_source(
    contrast: str, model: str | None, base_url: str | None, api_key: str | None
) -> ContrastSource:
    if contrast == "template":
        return TemplateContrast()
    if contrast != "llm":
        raise fail(f"unknown contrast {contrast!r}; choose template or llm")
    if not model or model.startswith("sim-critic"):
        raise fail("the llm contrast needs a model: --contrast-model PROVIDER:NAME")
    try:
        return LLMContrast(make_model(model, base_url=base_url, api_key=api_key))
    except ModelError as exc:
        raise fail(str(exc)) from None


def _scored_episodes(store: Store, run: str, sandbox: str) -> tuple[list[ScoredEpisode], int]:
    """The run's scored episodes with their Φ*, and how many had to be measured now.

    Φ* is read from the store; an episode without it is replayed in the sandbox once and its
    measurement stored, so no later command measures it again. Raises ValueError when the
    run has no scored episode or an episode's task is no longer among the run's tasks.
    """
    info = store.get_run(run)
    keyed = store.keyed_trajectories(info)
    scored = {key: t for key, t in sorted(keyed.items()) if is_scored(t) and t.steps}
    if not scored:
        raise ValueError(f"run {info.name!r} has no scored episode with steps to judge")
    tasks = {t.id: t for t in prepared_tasks(select_tasks(settings_of(info)), sandbox)}
    episodes: list[ScoredEpisode] = []
    measured = 0
    with _lazy_sandbox(sandbox) as box:
        for (task_id, index), trajectory in scored.items():
            if task_id not in tasks:
                raise ValueError(f"task {task_id!r} of run {info.name!r} is not in its suite any more")
            task = tasks[task_id]
            points = [GroundTruthPoint.model_validate(p) for p in store.ground_truth(info, task_id, index)]
            wanted = {0, *(r.index for r in trajectory.steps)}
            if not wanted <= {p.step for p in points}:
                points = measure_ground_truth(task, trajectory, box())
                store.add_ground_truth(info, task_id, index, [p.model_dump(mode="json") for p in points])
                measured += 1
            episodes.append(ScoredEpisode(info.name, task, index, trajectory, points))
    return episodes, measured


@contextmanager
def _lazy_sandbox(kind: str) -> Iterator[Any]:
    """A function that opens the sandbox on its first call (never, when all Φ* is stored)."""
    opened: list[Sandbox] = []

    def get() -> Sandbox:
        if not opened:
            opened.append(open_sandbox(kind))
        return opened[0]

    try:
        yield get
    finally:
        for box in opened:
            box.close()


def _calibration_cards(
    store: Store, source: ContrastSource, episodes: list[ScoredEpisode]
) -> tuple[list[dict[str, Any]], list[str]]:
    """Candidate cards from every episode's contrast pairs, merged into near-duplicates; the
    rows to show, and the steps whose pair the source could not make."""
    existing = [MemoryCard.model_validate(c) for c in store.memory_cards(kind=KIND)]
    existing = [c for c in existing if c.status in ("candidate", "quarantined", "promoted")]
    rows: list[dict[str, Any]] = []
    errors: list[str] = []
    for episode in episodes:
        result = source.pairs(episode.task.id, episode.points, action_types(episode.trajectory))
        errors += [f"{episode.task.id}#{episode.episode_index} {e}" for e in result.errors]
        for card in calibration_cards(result.pairs, run=episode.run, episode_index=episode.episode_index):
            # Lessons about different mistakes share the step's wording; only the same mistake merges.
            mistake = card.sources[0].label
            same = [c for c in existing if mistake in {s.label for s in c.sources}]
            stored, new = merge_or_add(same, card)
            if new:
                store.add_memory_card(stored.model_dump(mode="json"))
                existing.append(stored)
            else:
                store.update_memory_card(stored.model_dump(mode="json"))
                existing = [stored if c.key == stored.key else c for c in existing]
            rows.append(
                {"task": episode.task.id, "episode": episode.episode_index, "card": stored.id, "new": new,
                 "mistake": mistake, "simulated": episode.trajectory.simulated,
                 "content": stored.content}
            )  # fmt: skip
    return rows, errors


def _admit_all(
    store: Store,
    factory: tuple[CriticFactory, bool],
    episodes: list[ScoredEpisode],
    seed: int,
    repeats: int,
    *,
    alpha: float = 0.1,
    test_tasks: set[str],
    only: list[str] | None = None,
) -> list[CIOutcome]:
    """Scan and replay the candidate and quarantined calibration cards (only those in `only`, when given)."""
    make_critic, simulated = factory
    settings = CalibrationReplaySettings(gate=GateSettings(alpha=alpha), repeats=repeats, seed=seed)
    replay = CalibrationReplay(make_critic, episodes, settings, deterministic=not simulated)
    cards = [
        MemoryCard.model_validate(c)
        for status in ("candidate", "quarantined")
        for c in store.memory_cards(status=status, kind=KIND)
    ]
    if only is not None:
        cards = [c for c in cards if c.id in set(only)]
    return [admit_calibration(store, card, replay, test_tasks=test_tasks) for card in cards]


def _test_split(store: Store, run: str) -> set[str]:
    """The test split of the run's task source (its split seed and fractions): a calibration
    card drawn from one of these tasks is rejected, as MemoryCI rejects any such card."""
    settings = settings_of(store.get_run(run))
    tasks = load_tasks(settings.path) if settings.path else load_suite(settings.suite or "builtin")
    fractions = parse_fractions(settings.split_fractions)
    return set(split_tasks(tasks, seed=settings.split_seed, fractions=fractions).ids()["test"])


def _evaluation_view(run: str, evaluation: CriticEvaluation, episodes: int, measured: int) -> RenderableType:
    label = " (simulated: not a model's performance)" if evaluation.simulated else ""
    summary = Table(title=f"{evaluation.critic} on {run}{label}")
    for column in ("episodes", "Φ* measured now", "steps", "Spearman", "MAE", "sycophancy"):
        summary.add_column(column)
    spearman = (
        f"{evaluation.spearman:.2f}" if evaluation.spearman is not None else f"- ({evaluation.spearman_note})"
    )
    summary.add_row(
        str(episodes), str(measured), str(evaluation.steps), spearman,
        f"{evaluation.mae:.2f}" if evaluation.mae is not None else "-",
        f"{evaluation.sycophancy_rate:.0%} ({evaluation.sycophantic_steps})"
        if evaluation.sycophancy_rate is not None else "-",
    )  # fmt: skip
    bins = Table(title="calibration: the critic's mean Φ per Φ* bin")
    for column in ("Φ*", "steps", "mean Φ", "mean Φ*"):
        bins.add_column(column)
    for row in evaluation.calibration:
        bins.add_row(
            f"{row.low:g}-{row.high:g}", str(row.count),
            f"{row.mean_critic:.2f}" if row.mean_critic is not None else "-",
            f"{row.mean_truth:.2f}" if row.mean_truth is not None else "-",
        )  # fmt: skip
    return Group(summary, bins)


def _calibration_view(
    rows: list[dict[str, Any]], errors: list[str], outcomes: list[CIOutcome]
) -> RenderableType:
    table = Table(title=f"{len(rows)} calibration cards drawn ({sum(bool(r['new']) for r in rows)} new)")
    for column in ("task", "episode", "card", "mistake", "new", "lesson"):
        table.add_column(column)
    for row in rows:
        table.add_row(
            str(row["task"]), str(row["episode"]), str(row["card"]), str(row["mistake"]),
            "yes" if row["new"] else "support", str(row["content"]),
        )  # fmt: skip
    parts: list[RenderableType] = [table]
    parts += [f"[yellow]no pair:[/] {error}" for error in errors]
    if outcomes:
        parts.append(_outcomes_view(outcomes))
    return Group(*parts)


def _outcomes_view(outcomes: list[CIOutcome]) -> RenderableType:
    table = Table(
        title=f"critic calibration CI: {len(outcomes)} cards (agreement: |Φ - Φ*| <= {AGREEMENT_TOLERANCE:g})"
    )
    for column in ("card", "status", "reason"):
        table.add_column(column)
    for outcome in outcomes:
        table.add_row(outcome.card, outcome.status, outcome.reason)
    return table
