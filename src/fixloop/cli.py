"""The `fixloop` command: browse and validate tasks, run agents."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from fixloop.agents.registry import agent_factory
from fixloop.env.debug_env import EnvConfig
from fixloop.env.rewards import REWARD_SCHEMES
from fixloop.rollout.runner import run_tasks
from fixloop.rollout.trajectory import Trajectory
from fixloop.sandbox.base import Sandbox, SandboxError
from fixloop.sandbox.factory import make_sandbox
from fixloop.tasks.loader import TaskLoadError, load_suite, load_tasks
from fixloop.tasks.task import Task
from fixloop.tasks.validator import validate_task, validate_tasks, with_computed_lists

app = typer.Typer(help="Evaluate coding agents on executable debugging tasks.", no_args_is_help=True)
tasks_app = typer.Typer(help="Browse and validate task suites.", no_args_is_help=True)
app.add_typer(tasks_app, name="tasks")

out = Console()
err = Console(stderr=True)

SuiteOption = Annotated[str | None, typer.Option("--suite", help="A named suite: builtin.")]
PathOption = Annotated[
    Path | None, typer.Option("--path", help="A task directory, a suite directory, or a .jsonl file.")
]
JsonOption = Annotated[bool, typer.Option("--json", help="Print the data as JSON instead of a table.")]
SandboxOption = Annotated[
    str, typer.Option("--sandbox", help="auto (bwrap when available), bwrap, or process.")
]


def _fail(message: str, code: int = 2) -> typer.Exit:
    err.print(f"[bold red]error:[/] {message}")
    return typer.Exit(code)


def _load(suite: str | None, path: Path | None) -> list[Task]:
    if suite and path:
        raise _fail("give --suite or --path, not both")
    try:
        return load_tasks(path) if path else load_suite(suite or "builtin")
    except (TaskLoadError, FileNotFoundError) as exc:
        raise _fail(str(exc)) from None


def _sandbox(kind: str) -> Sandbox:
    if kind not in ("auto", "bwrap", "process"):
        raise _fail(f"unknown sandbox {kind!r}; choose auto, bwrap or process")
    try:
        return make_sandbox(kind)  # type: ignore[arg-type]
    except SandboxError as exc:
        raise _fail(str(exc)) from None


def _print_json(data: Any) -> None:
    out.print_json(json.dumps(data))


@tasks_app.command("list")
def tasks_list(suite: SuiteOption = None, path: PathOption = None, as_json: JsonOption = False) -> None:
    """List the tasks of a suite."""
    tasks = _load(suite, path)
    rows: list[dict[str, Any]] = [
        {
            "id": t.id,
            "difficulty": t.difficulty.value,
            "title": t.title,
            "tags": t.tags,
            "files": len(t.files),
            "fail_to_pass": len(t.fail_to_pass),
            "pass_to_pass": len(t.pass_to_pass),
            "max_steps": t.max_steps,
        }
        for t in tasks
    ]
    if as_json:
        return _print_json(rows)
    table = Table(title=f"{len(rows)} tasks")
    table.add_column("id", no_wrap=True)
    table.add_column("level", no_wrap=True)
    table.add_column("title", ratio=1)
    for column in ("files", "f2p", "p2p", "steps"):
        table.add_column(column, justify="right", no_wrap=True)
    for r in rows:
        table.add_row(
            r["id"],
            r["difficulty"],
            r["title"],
            str(r["files"]),
            str(r["fail_to_pass"]),
            str(r["pass_to_pass"]),
            str(r["max_steps"]),
        )
    out.print(table)
    return None


@tasks_app.command("show")
def tasks_show(
    task_id: Annotated[str, typer.Argument(help="The task's id.")],
    suite: SuiteOption = None,
    path: PathOption = None,
    show_fix: Annotated[bool, typer.Option("--show-fix", help="Also print the reference fix.")] = False,
    as_json: JsonOption = False,
) -> None:
    """Show one task: description, metadata, files and tests (the fix only with --show-fix)."""
    tasks = {t.id: t for t in _load(suite, path)}
    if task_id not in tasks:
        raise _fail(f"no task {task_id!r}; `fixloop tasks list` shows the ids")
    task = tasks[task_id]
    exclude = None if show_fix else {"reference_fix", "files"}
    data = task.model_dump(mode="json", exclude=exclude)
    data["repo_files"] = sorted(task.files)
    if as_json:
        return _print_json(data)
    out.print(f"[bold]{task.id}[/] — {task.title}  ([italic]{task.difficulty.value}[/])")
    out.print(task.description.strip(), "\n")
    out.print(
        f"tags: {', '.join(task.tags) or '-'}    max steps: {task.max_steps}    timeout: {task.timeout_s}s"
    )
    out.print("files:", ", ".join(sorted(task.files)))
    out.print("fail_to_pass:", *task.fail_to_pass, sep="\n  ")
    out.print("pass_to_pass:", *task.pass_to_pass, sep="\n  ")
    if show_fix:
        for fix_path in task.fix_paths:
            out.rule(f"fixed {fix_path}")
            out.print(task.reference_fix[fix_path], markup=False, highlight=False)
    return None


@tasks_app.command("validate")
def tasks_validate(
    suite: SuiteOption = None,
    path: PathOption = None,
    repeats: Annotated[int, typer.Option(min=1, help="Runs per side, to catch flaky tests.")] = 3,
    workers: Annotated[int, typer.Option(min=1, help="Tasks validated at once.")] = 2,
    sandbox: SandboxOption = "auto",
    as_json: JsonOption = False,
) -> None:
    """Check each task: the buggy repo fails, the fixed repo passes, nothing is flaky.

    Exits with status 1 when any task is invalid.
    """
    tasks = _load(suite, path)
    box = _sandbox(sandbox)
    try:
        reports = validate_tasks(tasks, box, repeats=repeats, workers=workers)
    finally:
        box.close()
    if as_json:
        _print_json([r.model_dump(mode="json") for r in reports])
    else:
        table = Table(title=f"validation ({repeats} runs per side, {box.name} sandbox)")
        table.add_column("task", no_wrap=True)
        for column in ("valid", "buggy", "fixed", "flaky"):
            table.add_column(column, no_wrap=True)
        table.add_column("problems", ratio=1)
        for r in reports:
            table.add_row(
                r.task_id,
                "[green]yes[/]" if r.valid else "[red]no[/]",
                f"{r.buggy_passed}/{r.buggy_total}",
                f"{r.fixed_passed}/{r.fixed_total}",
                str(len(r.flaky_tests)),
                "\n".join(r.problems) or "-",
            )
        out.print(table)
        invalid = sum(not r.valid for r in reports)
        out.print(f"{len(reports) - invalid}/{len(reports)} tasks valid")
    if any(not r.valid for r in reports):
        raise typer.Exit(1)


def _with_test_lists(tasks: list[Task], sandbox: Sandbox) -> list[Task]:
    """Tasks with fail_to_pass/pass_to_pass computed where the task file left them out."""
    ready = []
    for task in tasks:
        if task.fail_to_pass:
            ready.append(task)
            continue
        report = validate_task(task, sandbox, repeats=1)
        if not report.valid:
            err.print(f"[yellow]skipping {task.id}:[/] " + "; ".join(report.problems))
            continue
        ready.append(with_computed_lists(task, report))
    return ready


@app.command("run")
def run(
    agent: Annotated[str, typer.Option(help="Which agent: oracle.")] = "oracle",
    suite: SuiteOption = None,
    path: PathOption = None,
    task_ids: Annotated[list[str] | None, typer.Option("--task", help="Only these task ids.")] = None,
    sandbox: SandboxOption = "auto",
    reward: Annotated[
        str, typer.Option(help="Reward scheme: potential, tracefix or navrepair.")
    ] = "potential",
    workers: Annotated[int, typer.Option(min=1, help="Episodes run at once.")] = 2,
    output: Annotated[
        Path | None, typer.Option("--out", help="Write full trajectories here (JSONL).")
    ] = None,
    as_json: JsonOption = False,
) -> None:
    """Run an agent over a suite and print one row per task."""
    if reward not in REWARD_SCHEMES:
        raise _fail(f"unknown reward scheme {reward!r}; choose one of: {', '.join(REWARD_SCHEMES)}")
    try:
        factory = agent_factory(agent)
    except ValueError as exc:
        raise _fail(str(exc)) from None
    config = EnvConfig(reward=reward)  # type: ignore[arg-type]
    tasks = _load(suite, path)
    if task_ids:
        unknown = set(task_ids) - {t.id for t in tasks}
        if unknown:
            raise _fail(f"no such task: {', '.join(sorted(unknown))}")
        tasks = [t for t in tasks if t.id in task_ids]
    probe = _sandbox(sandbox)
    try:
        tasks = _with_test_lists(tasks, probe)
        sandbox_name = probe.name
    finally:
        probe.close()

    with Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=err,
        transient=True,
        disable=as_json,
    ) as progress:
        bar = progress.add_task(f"{agent} on {len(tasks)} tasks ({sandbox_name} sandbox)", total=len(tasks))
        trajectories = run_tasks(
            tasks,
            factory,
            lambda: make_sandbox(sandbox),  # type: ignore[arg-type]
            env_config=config,
            workers=workers,
            on_result=lambda _: progress.advance(bar),
        )
    if output is not None:
        output.parent.mkdir(parents=True, exist_ok=True)
        output.write_text("".join(t.model_dump_json() + "\n" for t in trajectories), encoding="utf-8")
    _report_run(trajectories, agent, as_json)


def _report_run(trajectories: list[Trajectory], agent: str, as_json: bool) -> None:
    rows: list[dict[str, Any]] = [
        {
            "task": t.task_id,
            "agent": t.agent,
            "outcome": t.outcome,
            "score": round(t.score, 3),
            "steps": len(t.steps),
            "seconds": round(t.seconds, 2),
            "reward": round(t.total_reward, 3),
            "error": t.error or (t.grade.error if t.grade else None),
        }
        for t in trajectories
    ]
    if as_json:
        _print_json(rows)
        return
    table = Table(title=f"{agent}: {len(rows)} episodes")
    table.add_column("task", no_wrap=True)
    table.add_column("outcome", no_wrap=True)
    for column in ("score", "steps", "seconds", "reward"):
        table.add_column(column, justify="right")
    colours = {"resolved": "green", "partial": "yellow", "unresolved": "red"}
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
    out.print(table)
    resolved = sum(r["outcome"] == "resolved" for r in rows)
    scored = [r for r in rows if r["outcome"] != "infra_error"]
    out.print(
        f"resolved {resolved}/{len(scored)}"
        + (f"  ({len(rows) - len(scored)} infra errors excluded)" if len(scored) < len(rows) else "")
    )
