"""`fixloop runs list|show`: the runs recorded in the store, as they are."""

from __future__ import annotations

import json

import typer
from rich import box
from rich.console import Group, RenderableType
from rich.json import JSON
from rich.rule import Rule
from rich.table import Table

from fixloop.cli.common import DbOption, JsonOption, RunArgument, emit, fail, open_store
from fixloop.store import EpisodeInfo, RunInfo, StoreError

app = typer.Typer(help="Browse the runs recorded in the store.", no_args_is_help=True)


@app.command("list")
def runs_list(db: DbOption = None, as_json: JsonOption = False) -> None:
    """List the recorded runs with how many episodes were planned, finished and resolved."""
    with open_store(db) as store:
        runs = store.list_runs()
    emit([r.model_dump(mode="json", exclude={"config"}) for r in runs], lambda: _runs_table(runs), as_json)


def _runs_table(runs: list[RunInfo]) -> Table:
    # Light borders: eight columns must fit a standard 80-column terminal.
    table = Table(title=f"{len(runs)} runs", box=box.SIMPLE_HEAD)
    table.add_column("name", overflow="fold")
    table.add_column("created (UTC)")
    for column in ("agent", "model"):
        table.add_column(column, overflow="fold")
    for column in ("planned", "finished", "resolved", "infra errors"):
        table.add_column(column, justify="right", min_width=max(map(len, column.split())))
    for r in runs:
        table.add_row(
            r.name + (" [magenta](simulated)[/]" if r.simulated else ""),
            f"{r.created_at:%Y-%m-%d %H:%M}",
            r.agent,
            r.model,
            *(str(n) for n in (r.planned, r.finished, r.resolved, r.infra_errors)),
        )
    return table


@app.command("show")
def runs_show(run_name: RunArgument, db: DbOption = None, as_json: JsonOption = False) -> None:
    """Show one run: its configuration (secrets redacted) and one row per recorded episode."""
    with open_store(db) as store:
        try:
            info, episodes = store.get_run(run_name), store.episodes(run_name)
        except StoreError as exc:
            raise fail(str(exc)) from None
    data = {"run": info.model_dump(mode="json"), "episodes": [e.model_dump(mode="json") for e in episodes]}
    emit(data, lambda: _run_view(info, episodes), as_json)


def _run_view(info: RunInfo, episodes: list[EpisodeInfo]) -> RenderableType:
    label = "  [magenta]simulated: not a real model's performance[/]" if info.simulated else ""
    # Light borders, and the error column only when some episode has one: fits 80 columns.
    table = Table(title=f"{len(episodes)} episodes", box=box.SIMPLE_HEAD)
    table.add_column("task", overflow="fold")
    table.add_column("#", justify="right", no_wrap=True, min_width=1)
    table.add_column("outcome", no_wrap=True)
    for column in ("score", "steps", "seconds", "tokens", "cost"):
        table.add_column(column, justify="right", no_wrap=True)
    with_errors = any(e.error for e in episodes)
    if with_errors:
        table.add_column("error", ratio=1, overflow="fold")
    for e in episodes:
        cells = [e.task_id, str(e.episode_index), e.outcome, f"{e.score:.2f}", str(e.steps),
                 f"{e.seconds:.1f}", str(e.tokens), f"{e.cost:.4f}"]  # fmt: skip
        table.add_row(*cells, *([e.error or "-"] if with_errors else []))
    return Group(
        f"[bold]{info.name}[/] (id {info.id}, {info.status}){label}",
        f"agent {info.agent}, model {info.model}, created {info.created_at:%Y-%m-%d %H:%M} UTC",
        f"{info.finished}/{info.planned} episodes recorded, {info.resolved} resolved, "
        f"{info.infra_errors} infra errors",
        Rule("config"),
        JSON(json.dumps(info.config)),
        table,
    )
