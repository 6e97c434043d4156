"""`fixloop memory`: typed lessons drawn from runs, admitted only through CI.

    fixloop memory extract RUN              candidate cards from a run's episodes
    fixloop memory list [--status S]        the cards (latest versions)
    fixloop memory show ID                  one card and every transition with its reason
    fixloop memory ci --model M             scan and replay candidates through the gate
    fixloop memory promote ID --model M     replay one card now; promoted only on a pass
    fixloop memory reject|archive ID --reason TEXT

`fixloop run --memory` gives each episode the promoted cards that fit its task.
"""

from __future__ import annotations

from typing import Annotated

import typer
from rich.console import Group, RenderableType
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
    fail,
    open_store,
)
from fixloop.cli.run import prepared_tasks
from fixloop.core.trajectory import Trajectory
from fixloop.improve.gate import GateSettings
from fixloop.improve.memory.card import (
    MEMORY_KINDS,
    MEMORY_STATUSES,
    CardSource,
    InvalidTransition,
    MemoryCard,
    transition,
)
from fixloop.improve.memory.ci import CIOutcome, MemoryCI, MemoryCISettings
from fixloop.improve.memory.extraction import Extractor, LLMExtractor, TemplateExtractor, merge_or_add
from fixloop.improve.training_rollouts import TrainingRollouts
from fixloop.models.base import ModelError
from fixloop.models.config_file import load_model_config
from fixloop.models.registry import make_model
from fixloop.rollout.run_session import RunSettings, is_simulated, select_tasks
from fixloop.store import Store, StoreError
from fixloop.tasks.loader import TaskLoadError
from fixloop.tasks.splits import parse_fractions, split_tasks

app = typer.Typer(help="Typed memory cards, admitted through CI.", no_args_is_help=True)

CardArgument = Annotated[str, typer.Argument(metavar="ID", help="The card's id.")]
ReasonOption = Annotated[str, typer.Option("--reason", help="Why (recorded with the transition).")]
CI_RUNS = "memory-ci"
"""The prefix of the stored runs of replays."""


@app.command("extract")
def extract(
    run: Annotated[str, typer.Argument(metavar="RUN", help="The run whose episodes to learn from.")],
    extractor: Annotated[str, typer.Option(help="template (offline, deterministic) or llm.")] = "template",
    model: Annotated[str | None, typer.Option(help="The llm extractor's model (PROVIDER:NAME).")] = None,
    base_url: Annotated[str | None, typer.Option("--base-url", help="OpenAI-compatible endpoint.")] = None,
    api_key: ApiKeyOption = None,
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """Draw candidate cards from a run: a resolved episode gives an episodic case, a failed one a
    failure pattern; a near-duplicate of an existing card adds to its support instead."""
    chosen = _extractor(extractor, model, base_url, api_key)
    with open_store(db) as store:
        try:
            info = store.get_run(run)
            keyed = store.keyed_trajectories(info)
            rows = _extract(store, info.name, keyed, chosen)
        except StoreError as exc:
            raise fail(str(exc)) from None
    errors = getattr(chosen, "errors", [])
    emit({"cards": rows, "errors": errors} if errors else rows, lambda: _extract_view(rows, errors), as_json)


def _extractor(kind: str, model: str | None, base_url: str | None, api_key: str | None) -> Extractor:
    """The extractor `--extractor` names; fails on an unknown one or an llm one without a real model."""
    if kind == "template":
        return TemplateExtractor()
    if kind != "llm":
        raise fail(f"unknown extractor {kind!r}; choose template or llm")
    if not model or is_simulated(model):
        raise fail(
            "the llm extractor needs a real model: --model PROVIDER:NAME (a simulated one cannot write)"
        )
    try:
        config = load_model_config(None)
        provider = make_model(
            model, base_url=base_url or config.model.base_url, api_key=api_key or config.api_key()
        )
    except ModelError as exc:
        raise fail(str(exc)) from None
    return LLMExtractor(provider)


@app.command("list")
def list_cards(
    status: Annotated[
        str | None, typer.Option(help=f"Only this status: {', '.join(MEMORY_STATUSES)}.")
    ] = None,
    kind: Annotated[str | None, typer.Option(help=f"Only this kind: {', '.join(MEMORY_KINDS)}.")] = None,
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """The cards' latest versions: status, kind, utility, uses and the lesson."""
    if status is not None and status not in MEMORY_STATUSES:
        raise fail(f"unknown status {status!r}; choose one of: {', '.join(MEMORY_STATUSES)}")
    if kind is not None and kind not in MEMORY_KINDS:
        raise fail(f"unknown kind {kind!r}; choose one of: {', '.join(MEMORY_KINDS)}")
    with open_store(db) as store:
        cards = [MemoryCard.model_validate(c) for c in store.memory_cards(status=status, kind=kind)]
    emit(cards, lambda: _cards_view(cards), as_json)


@app.command("show")
def show(card: CardArgument, db: DbOption = None, as_json: JsonOption = False) -> None:
    """One card (its latest version) and every status change with its reason."""
    with open_store(db) as store:
        try:
            found = MemoryCard.model_validate(store.memory_card(card))
            events = store.memory_events(card)
        except StoreError as exc:
            raise fail(str(exc)) from None
    data = {"card": found.model_dump(mode="json"), "events": events}
    emit(data, lambda: _card_view(found, events), as_json)


@app.command("ci")
def ci(
    model: Annotated[
        str | None, typer.Option(help="The agent's model for replays (PROVIDER:NAME or sim:PRESET).")
    ] = None,
    cards: Annotated[
        list[str] | None,
        typer.Option("--card", help="Only these cards (default: every candidate and quarantined card)."),
    ] = None,
    base_url: Annotated[str | None, typer.Option("--base-url", help="OpenAI-compatible endpoint.")] = None,
    api_key: ApiKeyOption = None,
    suite: SuiteOption = None,
    path: PathOption = None,
    split_seed: Annotated[int, typer.Option("--split-seed", help="The split's seed.")] = 0,
    split_fractions: Annotated[
        str, typer.Option("--split-fractions", help="Train,selection,test shares.")
    ] = DEFAULT_FRACTIONS_TEXT,
    repeats: Annotated[int, typer.Option(min=1, help="Replay rollouts per task and side.")] = 2,
    alpha: Annotated[float, typer.Option(help="The gate's one-sided significance level.")] = 0.1,
    held_out: Annotated[
        int, typer.Option("--held-out", min=0, help="In-scope tasks besides the card's sources.")
    ] = 8,
    seed: Annotated[int, typer.Option(help="Seeds the held-out choice, the rollouts and the gate.")] = 0,
    concurrency: Annotated[int, typer.Option("--concurrency", min=1, help="Episodes run at once.")] = 2,
    recheck: Annotated[
        bool,
        typer.Option(
            "--recheck", help="Also replay every promoted card afresh; archive those found harmful."
        ),
    ] = False,
    sandbox: SandboxOption = "auto",
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """Scan every candidate (quarantine or reject), then replay every quarantined card with and
    without it through the gate (promote or reject); archive promoted cards whose utility fell
    below 0.2 after 5 uses. With --recheck, every promoted card is
    replayed afresh with the sides swapped and archived when the agent does better without it."""
    with open_store(db) as store:
        ci_runner = _memory_ci(
            store, model, base_url, api_key, suite, path, split_seed, split_fractions, repeats, alpha,
            held_out, seed, concurrency, sandbox,
        )  # fmt: skip
        try:
            chosen = (
                [MemoryCard.model_validate(store.memory_card(c)) for c in cards]
                if cards
                else [
                    MemoryCard.model_validate(c)
                    for status in ("candidate", "quarantined")
                    for c in store.memory_cards(status=status)
                ]
            )
            outcomes = [ci_runner.admit(card) for card in chosen]
            for stored in store.memory_cards(status="promoted"):
                reviewed = ci_runner.review(MemoryCard.model_validate(stored))
                if reviewed.status == "archived":
                    outcomes.append(reviewed)
            if recheck:
                runs = [run.name for run in store.list_runs()]
                for stored in store.memory_cards(status="promoted"):
                    card = MemoryCard.model_validate(stored)
                    done = sum(
                        name.endswith(f"-{card.key}-candidate") and ":recheck" in name for name in runs
                    )
                    outcomes.append(ci_runner.recheck(card, done + 1))
        except (StoreError, ModelError, InvalidTransition) as exc:
            raise fail(str(exc)) from None
    emit(outcomes, lambda: _outcomes_view(outcomes), as_json)


@app.command("promote")
def promote(
    card: CardArgument,
    reason: ReasonOption,
    model: Annotated[str | None, typer.Option(help="The agent's model for the replay.")] = None,
    base_url: Annotated[str | None, typer.Option("--base-url", help="OpenAI-compatible endpoint.")] = None,
    api_key: ApiKeyOption = None,
    suite: SuiteOption = None,
    path: PathOption = None,
    repeats: Annotated[int, typer.Option(min=1, help="Replay rollouts per task and side.")] = 2,
    seed: Annotated[int, typer.Option(help="Seeds the replay.")] = 0,
    sandbox: SandboxOption = "auto",
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """Ask for a card's promotion: it is scanned if still a candidate and replayed now; the gate
    decides (nothing is promoted by hand). `--reason` is recorded with the outcome."""
    with open_store(db) as store:
        ci_runner = _memory_ci(
            store, model, base_url, api_key, suite, path, 0, DEFAULT_FRACTIONS_TEXT, repeats, 0.1, 8, seed, 2,
            sandbox,
        )  # fmt: skip
        try:
            found = MemoryCard.model_validate(store.memory_card(card))
            outcome = ci_runner.admit(found)
        except (StoreError, ModelError, InvalidTransition) as exc:
            raise fail(str(exc)) from None
    outcome = outcome.model_copy(update={"reason": f"{outcome.reason} (asked: {reason})"})
    emit(outcome, lambda: _outcomes_view([outcome]), as_json)


@app.command("reject")
def reject(
    card: CardArgument, reason: ReasonOption, db: DbOption = None, as_json: JsonOption = False
) -> None:
    """Reject a candidate or quarantined card by hand, with the reason."""
    _move(card, "rejected", reason, db, as_json)


@app.command("archive")
def archive(
    card: CardArgument, reason: ReasonOption, db: DbOption = None, as_json: JsonOption = False
) -> None:
    """Retire a promoted card by hand, with the reason."""
    _move(card, "archived", reason, db, as_json)


def _move(card: str, to: str, reason: str, db: str | None, as_json: bool) -> None:
    with open_store(db) as store:
        try:
            found = MemoryCard.model_validate(store.memory_card(card))
            moved = transition(found, to, reason)  # type: ignore[arg-type]
            store.update_memory_card(moved.model_dump(mode="json"))
        except (StoreError, InvalidTransition) as exc:
            raise fail(str(exc)) from None
    emit(moved, lambda: f"{moved.key}: {found.status} → {moved.status} ({moved.status_reason})", as_json)


def _extract(
    store: Store, run: str, keyed: dict[tuple[str, int], Trajectory], extractor: Extractor
) -> list[dict[str, object]]:
    """Draw cards from the run's episodes into the store: new ones as candidates, near-duplicates
    of active cards as their support; a lesson already rejected or archived is not drawn again."""
    known = {c.id: c for c in (MemoryCard.model_validate(d) for d in store.memory_cards())}
    rows: list[dict[str, object]] = []
    for (task_id, index), trajectory in sorted(keyed.items()):
        source = CardSource(run=run, task_id=task_id, episode_index=index)
        for card in extractor.extract(trajectory, source):
            active = [c for c in known.values() if c.status in ("candidate", "quarantined", "promoted")]
            retired = known.get(card.id)
            if retired is not None and retired not in active:
                outcome = f"skipped: {retired.status} before"
                stored = retired
            else:
                stored, new = merge_or_add(active, card)
                if new:
                    store.add_memory_card(stored.model_dump(mode="json"))
                else:
                    store.update_memory_card(stored.model_dump(mode="json"))
                outcome = "new" if new else "support"
                known[stored.id] = stored
            rows.append(
                {"task": task_id, "episode": index, "card": stored.id, "kind": stored.kind,
                 "outcome": outcome, "simulated": trajectory.simulated, "content": stored.content}
            )  # fmt: skip
    return rows


def _memory_ci(
    store: Store,
    model: str | None,
    base_url: str | None,
    api_key: str | None,
    suite: str | None,
    path: object,
    split_seed: int,
    split_fractions: str,
    repeats: int,
    alpha: float,
    held_out: int,
    seed: int,
    concurrency: int,
    sandbox: str,
) -> MemoryCI:
    """The MemoryCI of these options, replaying with `model` on the suite's train and selection splits."""
    if not model:
        raise fail(
            "replays need the agent's model: --model PROVIDER:NAME, "
            "or sim:PRESET offline (labelled simulated)"
        )
    if suite and path:
        raise fail("give --suite or --path, not both")
    try:
        model_config = load_model_config(None)
        settings = RunSettings(
            agent="llm", model=model, base_url=base_url or model_config.model.base_url,
            suite=None if path else (suite or "builtin"), path=str(path) if path else None,
            split_seed=split_seed, split_fractions=split_fractions, concurrency=concurrency, sandbox=sandbox,
        )  # fmt: skip
        tasks = prepared_tasks(select_tasks(settings), sandbox)
        splits = split_tasks(tasks, seed=split_seed, fractions=parse_fractions(split_fractions))
        gate = GateSettings(repeats=repeats, alpha=alpha)
    except (TaskLoadError, ValueError, ModelError) as exc:
        raise fail(str(exc)) from None
    rollouts = TrainingRollouts(
        store, CI_RUNS, settings, seed=seed, api_key=api_key or model_config.api_key()
    )
    ci_settings = MemoryCISettings(gate=gate, held_out_tasks=held_out, seed=seed)
    if is_simulated(model):
        typer.echo(f"replays use {model}: simulated, not a model's performance", err=True)
    return MemoryCI(store, rollouts, splits, ci_settings)


def _cards_view(cards: list[MemoryCard]) -> RenderableType:
    table = Table(title=f"{len(cards)} memory cards")
    for column in ("id", "v", "kind", "status", "utility", "uses", "sources", "lesson"):
        table.add_column(column)
    for card in cards:
        table.add_row(
            card.id, str(card.version), card.kind, card.status, f"{card.utility:.2f}",
            f"{card.helped}/{card.retrievals}", str(len(card.sources)), card.content,
        )  # fmt: skip
    return table


def _card_view(card: MemoryCard, events: list[dict[str, object]]) -> RenderableType:
    table = Table(title=f"history of {card.id}")
    for column in ("version", "from", "to", "reason", "at"):
        table.add_column(column)
    for event in events:
        table.add_row(
            str(event["version"]), str(event["from_status"] or "-"), str(event["to_status"]),
            str(event["reason"]), str(event["created_at"]),
        )  # fmt: skip
    sources = ", ".join(f"{s.run}:{s.task_id}#{s.episode_index}" for s in card.sources) or "-"
    header = (
        f"{card.key} ({card.kind}, {card.status}: {card.status_reason})\n{card.text()}\n"
        f"trust {card.trust:.2f}, utility {card.utility:.2f}, helped {card.helped} of {card.retrievals} "
        f"episodes; sources: {sources}"
    )
    return Group(header, table)


def _extract_view(rows: list[dict[str, object]], errors: list[str]) -> RenderableType:
    table = Table(title=f"{len(rows)} cards drawn ({sum(r['outcome'] == 'new' for r in rows)} new)")
    for column in ("task", "card", "kind", "outcome", "lesson"):
        table.add_column(column)
    for row in rows:
        table.add_row(*(str(row[key]) for key in ("task", "card", "kind", "outcome", "content")))
    return Group(table, *(f"[yellow]no card:[/] {error}" for error in errors))


def _outcomes_view(outcomes: list[CIOutcome]) -> RenderableType:
    table = Table(title=f"memory CI: {len(outcomes)} cards")
    for column in ("card", "status", "reason", "tasks"):
        table.add_column(column)
    for outcome in outcomes:
        table.add_row(outcome.card, outcome.status, outcome.reason, str(len(outcome.tasks)))
    return table
