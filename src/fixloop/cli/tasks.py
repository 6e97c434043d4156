"""`fixloop tasks ...`: browse, validate, convert, split, measure and synthesize task suites."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Group, RenderableType
from rich.rule import Rule
from rich.table import Table
from rich.text import Text

from fixloop.cli.common import (
    DEFAULT_FRACTIONS_TEXT,
    JsonOption,
    PathOption,
    SandboxOption,
    SuiteOption,
    emit,
    err,
    fail,
    load,
    open_sandbox,
)
from fixloop.sandbox.base import SandboxError
from fixloop.tasks.loader import TaskLoadError, load_jsonl, load_tasks
from fixloop.tasks.splits import SPLIT_NAMES, TaskSplits, parse_fractions, split_tasks
from fixloop.tasks.stats import Spread, SuiteStats, suite_stats
from fixloop.tasks.swebench import load_swebench
from fixloop.tasks.synthesis import SynthesisConfig, SynthesisError, synthesize, write_tasks
from fixloop.tasks.task import Task
from fixloop.tasks.validator import ValidationReport, validate_tasks
from fixloop.tasks.writer import export_tasks

app = typer.Typer(help="Browse, validate, convert, split and measure task suites.", no_args_is_help=True)

OutOption = Annotated[Path, typer.Option("--out", "-o", help="The suite directory or .jsonl file to write.")]
ForceOption = Annotated[
    bool, typer.Option("--force", help="Replace the tasks already in OUT instead of refusing.")
]


@app.command("list")
def tasks_list(suite: SuiteOption = None, path: PathOption = None, as_json: JsonOption = False) -> None:
    """List the tasks of a suite."""
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
        for t in load(suite, path)
    ]
    emit(rows, lambda: _tasks_table(rows), as_json)


def _tasks_table(rows: list[dict[str, Any]]) -> Table:
    table = Table(title=f"{len(rows)} tasks")
    table.add_column("id", no_wrap=True)
    table.add_column("level", no_wrap=True)
    table.add_column("title", ratio=1)
    for column in ("files", "f2p", "p2p", "steps"):
        table.add_column(column, justify="right", no_wrap=True)
    for r in rows:
        counts = (r["files"], r["fail_to_pass"], r["pass_to_pass"], r["max_steps"])
        table.add_row(r["id"], r["difficulty"], r["title"], *(str(n) for n in counts))
    return table


@app.command("show")
def tasks_show(
    task_id: Annotated[str, typer.Argument(help="The task's id.")],
    suite: SuiteOption = None,
    path: PathOption = None,
    show_fix: Annotated[bool, typer.Option("--show-fix", help="Also print the reference fix.")] = False,
    as_json: JsonOption = False,
) -> None:
    """Show one task: description, metadata, files and tests (the fix only with --show-fix)."""
    tasks = {t.id: t for t in load(suite, path)}
    if task_id not in tasks:
        raise fail(f"no task {task_id!r}; `fixloop tasks list` shows the ids")
    task = tasks[task_id]
    exclude = None if show_fix else {"reference_fix", "files"}
    data = task.model_dump(mode="json", exclude=exclude)
    data["repo_files"] = sorted(task.files)
    emit(data, lambda: _task_view(task, show_fix), as_json)


def _task_view(task: Task, show_fix: bool) -> RenderableType:
    parts: list[RenderableType] = [
        f"[bold]{task.id}[/] — {task.title}  ([italic]{task.difficulty.value}[/])",
        task.description.strip() + "\n",
        f"tags: {', '.join(task.tags) or '-'}    max steps: {task.max_steps}    timeout: {task.timeout_s}s",
        "files: " + ", ".join(sorted(task.files)),
        "\n  ".join(["fail_to_pass:", *task.fail_to_pass]),
        "\n  ".join(["pass_to_pass:", *task.pass_to_pass]),
    ]
    if show_fix:
        for fix_path in task.fix_paths:
            parts += [Rule(f"fixed {fix_path}"), Text(task.reference_fix[fix_path])]
    return Group(*parts)


@app.command("validate")
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
    tasks = load(suite, path)
    box = open_sandbox(sandbox)
    try:
        reports = validate_tasks(tasks, box, repeats=repeats, workers=workers)
    finally:
        box.close()
    emit(reports, lambda: _validation_view(reports, f"{repeats} runs per side, {box.name} sandbox"), as_json)
    if any(not r.valid for r in reports):
        raise typer.Exit(1)


def _validation_view(reports: list[ValidationReport], how: str) -> RenderableType:
    table = Table(title=f"validation ({how})")
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
    valid = sum(r.valid for r in reports)
    return Group(table, f"{valid}/{len(reports)} tasks valid")


def _check_output_format(fmt: str) -> None:
    if fmt not in ("dir", "jsonl"):
        raise fail(f"unknown output format {fmt!r}; choose dir or jsonl")


def _export(tasks: list[Task], output: Path, fmt: str, force: bool, as_json: bool) -> None:
    try:
        export_tasks(tasks, output, fmt=fmt, force=force)  # type: ignore[arg-type]
    except (OSError, ValueError) as exc:
        raise fail(str(exc)) from None
    kind = "a suite directory" if fmt == "dir" else "JSONL"
    emit(
        {"out": str(output), "format": fmt, "tasks": [t.id for t in tasks]},
        lambda: f"wrote {len(tasks)} tasks to {output} ({kind})",
        as_json,
    )


@app.command("export")
def tasks_export(
    output: OutOption,
    suite: SuiteOption = None,
    path: PathOption = None,
    fmt: Annotated[
        str, typer.Option("--format", help="dir (a suite directory of task directories) or jsonl.")
    ] = "dir",
    force: ForceOption = False,
    as_json: JsonOption = False,
) -> None:
    """Write a suite out as a suite directory or one JSONL file; loading it gives the same tasks."""
    _check_output_format(fmt)
    _export(load(suite, path), output, fmt, force, as_json)


@app.command("import")
def tasks_import(
    source: Annotated[Path, typer.Argument(help="The JSONL file to import.")],
    output: OutOption,
    fmt: Annotated[
        str,
        typer.Option(
            "--format",
            help="swebench (SWE-bench-style instances), jsonl (fixloop's own), or auto (as --path reads).",
        ),
    ] = "auto",
    out_format: Annotated[str, typer.Option("--as", help="Write a suite directory (dir) or jsonl.")] = "dir",
    force: ForceOption = False,
    as_json: JsonOption = False,
) -> None:
    """Convert a task file into fixloop's formats; nothing is written if any task is broken."""
    loaders = {"swebench": load_swebench, "jsonl": load_jsonl, "auto": load_tasks}
    if fmt not in loaders:
        raise fail(f"unknown input format {fmt!r}; choose swebench, jsonl or auto")
    _check_output_format(out_format)
    try:
        tasks = loaders[fmt](source)
    except TaskLoadError as exc:
        raise fail(str(exc)) from None
    _export(tasks, output, out_format, force, as_json)


def _split(tasks: list[Task], seed: int, fractions: str) -> TaskSplits:
    try:
        return split_tasks(tasks, seed=seed, fractions=parse_fractions(fractions))
    except ValueError as exc:
        raise fail(str(exc)) from None


@app.command("split")
def tasks_split(
    suite: SuiteOption = None,
    path: PathOption = None,
    seed: Annotated[int, typer.Option(help="Which split; the same seed gives the same split.")] = 0,
    fractions: Annotated[
        str, typer.Option(help="Shares of train, selection and test, summing to 1.")
    ] = DEFAULT_FRACTIONS_TEXT,
    as_json: JsonOption = False,
) -> None:
    """Show the train / selection / test split of a suite, stratified by difficulty."""
    splits = _split(load(suite, path), seed, fractions)
    ids, counts = splits.ids(), splits.counts()
    data = {
        "seed": seed,
        "fractions": list(parse_fractions(fractions)),
        "splits": {name: {"ids": ids[name], "counts": counts[name]} for name in SPLIT_NAMES},
    }
    emit(data, lambda: _split_table(splits, f"split with seed {seed}, fractions {fractions}"), as_json)


def _split_table(splits: TaskSplits, title: str) -> Table:
    ids, counts = splits.ids(), splits.counts()
    table = Table(title=title)
    table.add_column("split", no_wrap=True)
    for column in (*counts["train"], "all"):
        table.add_column(column, justify="right", no_wrap=True)
    table.add_column("tasks", ratio=1)
    for name in SPLIT_NAMES:
        numbers = [*counts[name].values(), len(ids[name])]
        table.add_row(name, *(str(n) for n in numbers), "\n".join(ids[name]) or "-")
    return table


@app.command("stats")
def tasks_stats(suite: SuiteOption = None, path: PathOption = None, as_json: JsonOption = False) -> None:
    """Show what a suite is made of: levels, tags, files, tests, lines, specs and mutations."""
    stats = suite_stats(load(suite, path))
    emit(stats, lambda: _stats_view(stats), as_json)


def _stats_view(stats: SuiteStats) -> RenderableType:
    sizes = Table(title=f"{stats.tasks} tasks")
    sizes.add_column("per task", no_wrap=True)
    for column in ("total", "min", "median", "max"):
        sizes.add_column(column, justify="right", no_wrap=True)
    spreads: dict[str, Spread] = {
        "files": stats.files,
        "fail_to_pass tests": stats.fail_to_pass,
        "pass_to_pass tests": stats.pass_to_pass,
        "code lines": stats.code_lines,
        "test lines": stats.test_lines,
    }
    for label, spread in spreads.items():
        sizes.add_row(label, str(spread.total), str(spread.min), f"{spread.median:g}", str(spread.max))
    makeup = {**stats.by_difficulty, "with SPEC.md": stats.with_spec, "synthesized": stats.synthesized}
    tables = [sizes, _counts_table("make-up", "kind", makeup), _counts_table("tags", "tag", stats.by_tag)]
    if stats.by_operator:
        tables.append(_counts_table("mutation operators", "operator", stats.by_operator))
    return Group(*tables)


def _counts_table(title: str, header: str, counts: dict[str, int]) -> Table:
    table = Table(title=title)
    table.add_column(header)
    table.add_column("tasks", justify="right", no_wrap=True)
    for name, count in counts.items():
        table.add_row(name, str(count))
    return table


@app.command("synthesize")
def tasks_synthesize(
    source: Annotated[
        Path, typer.Option("--from", help="A repository whose tests all pass; bugs are planted in a copy.")
    ],
    output: Annotated[Path, typer.Option("--out", "-o", help="A new or empty directory for the tasks.")],
    n: Annotated[int, typer.Option("--n", min=1, help="How many tasks to make, at most.")] = 10,
    seed: Annotated[int, typer.Option(help="Seeds the choice of bugs: same seed, same tasks.")] = 0,
    test_paths: Annotated[
        list[str] | None,
        typer.Option("--test-path", help="Where the tests are (repeatable; default: tests). Never mutated."),
    ] = None,
    repeats: Annotated[int, typer.Option(min=1, help="Validation runs per side, to catch flaky tests.")] = 3,
    workers: Annotated[int, typer.Option(min=1, help="Test runs at once.")] = 2,
    sandbox: SandboxOption = "auto",
    as_json: JsonOption = False,
) -> None:
    """Plant bugs in a correct repository; write each one its tests catch as a validated task.

    Exits with status 1 when no candidate bug made a valid task.
    """
    if output.exists() and (not output.is_dir() or any(output.iterdir())):
        raise fail(f"{output} is not an empty directory; write synthesized tasks into a new one")
    config = SynthesisConfig(
        n=n, seed=seed, test_paths=test_paths or ["tests"], repeats=repeats, workers=workers
    )
    box = open_sandbox(sandbox)
    try:
        with err.status(f"synthesizing up to {n} tasks from {source}", spinner="dots"):
            result = synthesize(source, box, config)
    except (SynthesisError, SandboxError) as exc:
        raise fail(str(exc)) from None
    finally:
        box.close()
    write_tasks(result.tasks, output)
    rows: list[dict[str, Any]] = [
        {
            "id": c.task_id,
            "operator": c.mutation.operator,
            "location": f"{c.mutation.path}:{c.mutation.line}",
            "fail_to_pass": c.fail_to_pass,
            "pass_to_pass": c.pass_to_pass,
        }
        for c in result.candidates
        if c.verdict == "kept"
    ]
    summary = {"tried": result.tried, "kept": len(result.tasks), "rejected": result.rejected}
    rejected = ", ".join(f"{reason} {count}" for reason, count in result.rejected.items()) or "none"
    emit(
        {"tasks": rows, "summary": summary, "out": str(output)},
        lambda: Group(
            _synthesized_table(rows, f"{len(rows)} tasks synthesized from {source} (seed {seed})"),
            f"tried {result.tried} candidates, kept {len(result.tasks)}; rejected: {rejected}",
            f"wrote {len(result.tasks)} task directories to {output}",
        ),
        as_json,
    )
    if not result.tasks:
        raise typer.Exit(1)


def _synthesized_table(rows: list[dict[str, Any]], title: str) -> Table:
    table = Table(title=title)
    for column in ("id", "operator", "location"):
        table.add_column(column, overflow="fold")
    for column in ("f2p", "p2p"):
        table.add_column(column, justify="right", no_wrap=True, min_width=3)
    for r in rows:
        table.add_row(r["id"], r["operator"], r["location"], str(r["fail_to_pass"]), str(r["pass_to_pass"]))
    return table
