"""`fixloop tasks env ...`: build, list and prune the cache of task environments.

See `fixloop.tasks.environments` for what a task environment is and where the cache lives.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Group, RenderableType
from rich.table import Table

from fixloop.cli.common import JsonOption, PathOption, SuiteOption, emit, err, fail, load
from fixloop.tasks.environments import (
    CACHE_VARIABLE,
    CachedEnv,
    EnvironmentBuildError,
    EnvironmentCache,
    EnvSpec,
    RequirementsError,
    TaskEnvironmentError,
    environment_spec,
    probe_interpreter,
)
from fixloop.tasks.task import Task

app = typer.Typer(help="Build, list and prune the cached environments tasks run their tests in.")

CacheOption = Annotated[
    Path | None,
    typer.Option(
        "--cache", help=f"The environment cache (default: ${CACHE_VARIABLE}, else ~/.cache/fixloop/envs)."
    ),
]


@app.command("build")
def env_build(
    suite: SuiteOption = None,
    path: PathOption = None,
    offline: Annotated[
        bool,
        typer.Option("--offline", help="Install from local paths and fixloop's own wheels only (no index)."),
    ] = False,
    cache: CacheOption = None,
    as_json: JsonOption = False,
) -> None:
    """Build the environment of every task that needs one (an environment already built is reused).

    Exits with status 1 when any environment could not be made; the error says why.
    """
    tasks = load(suite, path)
    store = EnvironmentCache(cache)
    rows = [_interpreter_row(task) for task in tasks if task.python is not None]
    specs, problems = _specs(tasks)
    for spec, users in specs.values():
        built = store.get(spec) is not None
        try:
            with err.status(f"building the environment of {', '.join(users)}", spinner="dots"):
                entry = store.build(spec, tasks=users, offline=offline)
        except EnvironmentBuildError as exc:
            rows.append({"env": spec.key, "tasks": users, "status": "failed", "detail": str(exc)})
            continue
        rows.append(
            {
                "env": spec.key,
                "tasks": users,
                "status": "cached" if built else "built",
                "detail": f"python {entry.interpreter.version}, pytest {entry.interpreter.pytest}, "
                f"{len(spec.requirements)} requirements, {entry.path}",
            }
        )
    rows += [
        {"env": None, "tasks": [task_id], "status": "failed", "detail": why} for task_id, why in problems
    ]
    plain = len(tasks) - sum(len(row["tasks"]) for row in rows)
    emit(
        {"cache": str(store.root), "environments": rows, "fixloop_interpreter_tasks": plain},
        lambda: Group(
            _build_table(rows, f"task environments in {store.root}"),
            f"{plain} tasks run with fixloop's own interpreter",
        ),
        as_json,
    )
    if any(row["status"] == "failed" for row in rows):
        raise typer.Exit(1)


def _specs(tasks: list[Task]) -> tuple[dict[str, tuple[EnvSpec, list[str]]], list[tuple[str, str]]]:
    """The distinct environments the tasks need (with their tasks), and the tasks whose
    requirements cannot be used (with why)."""
    specs: dict[str, tuple[EnvSpec, list[str]]] = {}
    problems = []
    for task in tasks:
        try:
            spec = environment_spec(task)
        except RequirementsError as exc:
            problems.append((task.id, str(exc)))
            continue
        if spec is not None:
            specs.setdefault(spec.key, (spec, []))[1].append(task.id)
    return specs, problems


def _interpreter_row(task: Task) -> dict[str, Any]:
    assert task.python is not None
    try:
        interpreter = probe_interpreter(task.python)
    except TaskEnvironmentError as exc:
        return {"env": None, "tasks": [task.id], "status": "failed", "detail": str(exc)}
    detail = f"python {interpreter.version}, pytest {interpreter.pytest}, {task.python}"
    return {"env": None, "tasks": [task.id], "status": "own python", "detail": detail}


def _build_table(rows: list[dict[str, Any]], title: str) -> Table:
    table = Table(title=title)
    table.add_column("env", no_wrap=True)
    table.add_column("status", no_wrap=True)
    table.add_column("tasks")
    table.add_column("detail", ratio=1, overflow="fold")
    for row in rows:
        style = "red" if row["status"] == "failed" else "green"
        table.add_row(
            row["env"] or "-", f"[{style}]{row['status']}[/]", "\n".join(row["tasks"]), row["detail"]
        )
    return table


@app.command("list")
def env_list(cache: CacheOption = None, as_json: JsonOption = False) -> None:
    """List the cached environments: requirements, python, size, last use and the tasks using them."""
    store = EnvironmentCache(cache)
    entries = store.entries()
    emit(
        {"cache": str(store.root), "environments": [entry.model_dump(mode="json") for entry in entries]},
        lambda: _list_table(entries, f"{len(entries)} environments in {store.root}"),
        as_json,
    )


def _list_table(entries: list[CachedEnv], title: str) -> RenderableType:
    table = Table(title=title)
    table.add_column("env", no_wrap=True)
    table.add_column("python", no_wrap=True)
    table.add_column("size", justify="right", no_wrap=True)
    table.add_column("used", no_wrap=True)
    table.add_column("requirements", ratio=2, overflow="fold")
    table.add_column("tasks", ratio=1, overflow="fold")
    for entry in entries:
        table.add_row(
            entry.key,
            f"{entry.interpreter.version}\npytest {entry.interpreter.pytest or '-'}",
            f"{entry.size_bytes / 1e6:.0f} MB",
            entry.last_used.strftime("%Y-%m-%d"),
            "\n".join(entry.requirements),
            "\n".join(entry.tasks) or "-",
        )
    return table


@app.command("prune")
def env_prune(
    suite: SuiteOption = None,
    path: PathOption = None,
    older_than: Annotated[
        float | None,
        typer.Option("--older-than", min=0, help="Remove environments unused for this many days."),
    ] = None,
    remove_all: Annotated[bool, typer.Option("--all", help="Remove every environment.")] = False,
    cache: CacheOption = None,
    as_json: JsonOption = False,
) -> None:
    """Remove environments no task of --suite/--path needs, or unused for --older-than days, or all.

    Given both --suite/--path and --older-than, an environment goes when both hold. What
    killed builds left behind goes too.
    """
    by_tasks = suite is not None or path is not None
    if remove_all == (by_tasks or older_than is not None):
        raise fail(
            "say what to prune: --suite/--path (environments they do not need), --older-than DAYS, or --all"
        )
    store = EnvironmentCache(cache)
    needed = set(_specs(load(suite, path))[0]) if by_tasks else set()
    cutoff = datetime.now(UTC) - timedelta(days=older_than) if older_than is not None else None
    removed = []
    for entry in store.entries():
        if remove_all or (
            (not by_tasks or entry.key not in needed) and (cutoff is None or entry.last_used < cutoff)
        ):
            store.remove(entry.key)
            removed.append(entry)
    freed = sum(entry.size_bytes for entry in removed)
    leftovers = store.remove_leftovers()
    emit(
        {
            "cache": str(store.root),
            "removed": [entry.key for entry in removed],
            "freed_bytes": freed,
            "leftovers_removed": leftovers,
        },
        lambda: (
            f"removed {len(removed)} environments from {store.root}, {freed / 1e6:.1f} MB freed"
            + (f"; and {leftovers} directories killed builds left" if leftovers else "")
        ),
        as_json,
    )
