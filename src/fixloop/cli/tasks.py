"""`fixloop tasks ...`: browse, validate, convert, split, measure and synthesize task suites."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any, cast

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
from fixloop.tasks.synthesis import (
    Candidate,
    Strategy,
    SynthesisConfig,
    SynthesisError,
    SynthesisResult,
    build_suite,
    check_output_directory,
    seed_repos,
)
from fixloop.tasks.synthesis.index import read_index
from fixloop.tasks.synthesis.suite_stats import SynthesisStats, synthesis_stats
from fixloop.tasks.task import Difficulty, Task
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
    table.add_column("problems and notes", ratio=1)
    for r in reports:
        table.add_row(
            r.task_id,
            "[green]yes[/]" if r.valid else "[red]no[/]",
            f"{r.buggy_passed}/{r.buggy_total}",
            f"{r.fixed_passed}/{r.fixed_total}",
            str(len(r.flaky_tests)),
            "\n".join([*r.problems, *(f"[dim]note: {note}[/]" for note in r.notes)]) or "-",
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
    source: Annotated[
        Path,
        typer.Argument(
            help="The JSONL file to import; SWE-bench-style instances carry their repository as "
            "`files` or point at a local git clone (`repo_path`, `base_commit`)."
        ),
    ],
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
def tasks_stats(
    suite: SuiteOption = None,
    path: PathOption = None,
    synthesis: Annotated[
        bool,
        typer.Option(
            "--synthesis",
            help="Show the synthesized tasks instead: operators by difficulty, mutated files, and "
            "the verdicts of every candidate the builds into PATH tried.",
        ),
    ] = False,
    as_json: JsonOption = False,
) -> None:
    """Show what a suite is made of: levels, tags, files, tests, lines, specs and mutations."""
    tasks = load(suite, path)
    if synthesis:
        try:
            index = read_index(path) if path is not None and path.is_dir() else {}
        except ValueError as exc:
            raise fail(str(exc)) from None
        made = synthesis_stats(tasks, index)
        emit(made, lambda: _synthesis_view(made), as_json)
        return
    stats = suite_stats(tasks)
    emit(stats, lambda: _stats_view(stats), as_json)


def _synthesis_view(stats: SynthesisStats) -> RenderableType:
    levels = [level.value for level in Difficulty]
    operators = Table(title=f"{stats.synthesized} of {stats.tasks} tasks synthesized")
    operators.add_column("operator")
    for column in [*levels, "total"]:
        operators.add_column(column, justify="right", no_wrap=True)
    for name, row in stats.by_operator.items():
        operators.add_row(name, *(str(row[column]) for column in [*levels, "total"]))
    tables: list[RenderableType] = [operators, _counts_table("mutated files", "file", stats.by_file)]
    if stats.candidates:
        tables.append(_counts_table("candidates tried, by verdict", "verdict", stats.candidates))
    return Group(*tables)


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
    output: Annotated[
        Path,
        typer.Option(
            "--out",
            "-o",
            help="A new or empty directory, or one an earlier synthesize wrote (tasks are added).",
        ),
    ],
    sources: Annotated[
        list[Path] | None,
        typer.Option(
            "--from", help="A repository whose tests all pass (repeatable); bugs are planted in a copy."
        ),
    ] = None,
    seeds: Annotated[
        bool, typer.Option("--seeds", help="Also plant bugs in the builtin seed packages, before --from.")
    ] = False,
    n: Annotated[int, typer.Option("--n", min=1, help="How many new tasks to make, at most, in all.")] = 10,
    seed: Annotated[int, typer.Option(help="Seeds the choice of bugs: same seed, same tasks.")] = 0,
    test_paths: Annotated[
        list[str] | None,
        typer.Option("--test-path", help="Where the tests are (repeatable; default: tests). Never mutated."),
    ] = None,
    repeats: Annotated[int, typer.Option(min=1, help="Validation runs per side, to catch flaky tests.")] = 3,
    workers: Annotated[int, typer.Option(min=1, help="Test runs at once, each in its own warm worker.")] = 2,
    strategy: Annotated[
        str,
        typer.Option(
            help="coverage: run each mutant's own tests first, skip mutants no test runs; "
            "full: run the whole suite for every mutant."
        ),
    ] = "coverage",
    sandbox: SandboxOption = "auto",
    as_json: JsonOption = False,
) -> None:
    """Plant bugs in correct repositories; write each one their tests catch as a validated task.

    With several sources, the N tasks are shared out among them in order. OUT keeps an
    index of every mutant tried, so a later run into the same OUT only adds new tasks.
    Exits with status 1 when no candidate bug made a valid task.
    """
    chosen = [*(seed_repos() if seeds else []), *(sources or [])]
    if not chosen:
        raise fail("name a repository with --from DIR, or use --seeds for the builtin seed packages")
    if strategy not in ("coverage", "full"):
        raise fail(f"unknown strategy {strategy!r}; choose coverage or full")
    try:
        check_output_directory(output)
    except ValueError as exc:
        raise fail(str(exc)) from None
    config = SynthesisConfig(
        n=n,
        seed=seed,
        test_paths=test_paths or ["tests"],
        repeats=repeats,
        workers=workers,
        strategy=cast(Strategy, strategy),
    )
    box = open_sandbox(sandbox)
    try:
        with err.status(f"synthesizing up to {n} tasks from {len(chosen)} repositories", spinner="dots"):
            results = build_suite(chosen, output, box, config)
    except (SynthesisError, SandboxError, ValueError) as exc:
        raise fail(str(exc)) from None
    finally:
        box.close()
    rows = [_task_row(c) for result in results for c in result.candidates if c.verdict == "kept"]
    rejected = [_rejection_row(c) for result in results for c in result.candidates if c.reason is not None]
    summaries = [_source_summary(result) for result in results]
    summary = {
        "tried": sum(result.tried for result in results),
        "kept": sum(len(result.tasks) for result in results),
        "rejected": _summed([result.rejected for result in results]),
        "skipped": _summed([result.skipped for result in results]),
        "sources": summaries,
    }
    emit(
        {"tasks": rows, "rejected": rejected, "summary": summary, "out": str(output)},
        lambda: Group(
            _synthesized_table(rows, f"{len(rows)} tasks synthesized (seed {seed}, {strategy} strategy)"),
            *([_rejected_table(rejected)] if rejected else []),
            *(_summary_line(line) for line in summaries),
            f"wrote {summary['kept']} task directories to {output}",
        ),
        as_json,
    )
    if not summary["kept"]:
        raise typer.Exit(1)


TABLE_ROWS = 40
"""Rows a synthesize table prints; --json has them all."""


def _task_row(candidate: Candidate) -> dict[str, Any]:
    return {
        "id": candidate.task_id,
        "operator": candidate.mutation.operator,
        "location": f"{candidate.mutation.path}:{candidate.mutation.line}",
        "fail_to_pass": candidate.fail_to_pass,
        "pass_to_pass": candidate.pass_to_pass,
    }


def _rejection_row(candidate: Candidate) -> dict[str, Any]:
    reason = candidate.reason
    assert reason is not None
    return {
        "operator": candidate.mutation.operator,
        "location": f"{candidate.mutation.path}:{candidate.mutation.line}",
        "mutated": candidate.mutation.mutated,
        "verdict": candidate.verdict,
        "check": reason.check,
        "side": reason.side,
        "detail": reason.detail,
        "excerpt": reason.excerpt,
        "tests_run": candidate.tests_run,
    }


def _source_summary(result: SynthesisResult) -> dict[str, Any]:
    return {
        "source": result.source,
        "tests": result.tests,
        "tried": result.tried,
        "kept": len(result.tasks),
        "rejected": result.rejected,
        "skipped": result.skipped,
    }


def _summed(counts: list[dict[str, int]]) -> dict[str, int]:
    total: dict[str, int] = {}
    for one in counts:
        for name, count in one.items():
            total[name] = total.get(name, 0) + count
    return dict(sorted(total.items()))


def _summary_line(summary: dict[str, Any]) -> str:
    def listed(counts: dict[str, int]) -> str:
        return ", ".join(f"{reason} {count}" for reason, count in counts.items()) or "none"

    return (
        f"{Path(summary['source']).name} ({summary['tests']} tests): tried {summary['tried']} candidates, "
        f"kept {summary['kept']}; rejected: {listed(summary['rejected'])}; "
        f"not tried: {listed(summary['skipped'])}"
    )


def _synthesized_table(rows: list[dict[str, Any]], title: str) -> Table:
    table = Table(title=title)
    for column in ("id", "operator", "location"):
        table.add_column(column, overflow="fold")
    for column in ("f2p", "p2p"):
        table.add_column(column, justify="right", no_wrap=True, min_width=3)
    for r in rows[:TABLE_ROWS]:
        table.add_row(r["id"], r["operator"], r["location"], str(r["fail_to_pass"]), str(r["pass_to_pass"]))
    if len(rows) > TABLE_ROWS:
        table.caption = f"... and {len(rows) - TABLE_ROWS} more (--json lists them all)"
    return table


def _rejected_table(rows: list[dict[str, Any]]) -> Table:
    table = Table(title=f"{len(rows)} candidates rejected")
    table.add_column("location", overflow="fold")
    table.add_column("operator", overflow="fold")
    table.add_column("verdict", no_wrap=True)
    table.add_column("side", no_wrap=True)
    table.add_column("why", overflow="fold", ratio=1)
    for r in rows[:TABLE_ROWS]:
        excerpt = r["excerpt"].strip().splitlines()[0] if r["excerpt"].strip() else ""
        why = f"{r['check']}: {r['detail']}" + (f"\n{excerpt}" if excerpt else "")
        table.add_row(r["location"], r["operator"], r["verdict"], r["side"] or "-", why)
    if len(rows) > TABLE_ROWS:
        table.caption = f"... and {len(rows) - TABLE_ROWS} more (--json lists them all)"
    return table
