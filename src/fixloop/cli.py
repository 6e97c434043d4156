"""The `fixloop` command: browse and validate tasks, run agents, diagnose and compare runs."""

from __future__ import annotations

import json
import os
import threading
from datetime import datetime
from pathlib import Path
from typing import Annotated, Any

import typer
from rich import box
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from fixloop.analysis.comparison import Comparison, RunInput, compare_runs
from fixloop.analysis.run_diagnosis import RunDiagnosis, diagnose_run
from fixloop.env.rewards import REWARD_SCHEMES
from fixloop.models.base import ModelError
from fixloop.models.config_file import load_model_config
from fixloop.models.pricing import price_for
from fixloop.models.registry import make_model
from fixloop.report.terminal import comparison_view, diagnosis_view, retry_view
from fixloop.rollout.openenv_log import episode_lines
from fixloop.rollout.run_session import (
    AGENTS,
    OFFLINE_MODELS,
    BudgetSettings,
    RunProgress,
    RunSettings,
    execute_run,
    is_simulated,
    select_tasks,
    settings_of,
    start_run,
)
from fixloop.rollout.run_session import agent_factory as agent_factory_for
from fixloop.rollout.trajectory import Trajectory
from fixloop.sandbox.base import Sandbox, SandboxError
from fixloop.sandbox.factory import make_sandbox
from fixloop.store import RunInfo, Store, StoreError
from fixloop.store.redaction import redact_text
from fixloop.tasks.loader import TaskLoadError, load_jsonl, load_suite, load_tasks
from fixloop.tasks.splits import DEFAULT_FRACTIONS, SPLIT_NAMES, TaskSplits, parse_fractions, split_tasks
from fixloop.tasks.stats import Spread, SuiteStats, suite_stats
from fixloop.tasks.swebench import load_swebench
from fixloop.tasks.synthesis import SynthesisConfig, SynthesisError, synthesize, write_tasks
from fixloop.tasks.task import Task
from fixloop.tasks.validator import validate_task, validate_tasks, with_computed_lists
from fixloop.tasks.writer import export_tasks

app = typer.Typer(help="Evaluate coding agents on executable debugging tasks.", no_args_is_help=True)
tasks_app = typer.Typer(
    help="Browse, validate, convert, split and measure task suites.", no_args_is_help=True
)
app.add_typer(tasks_app, name="tasks")
runs_app = typer.Typer(help="Browse the runs recorded in the store.", no_args_is_help=True)
app.add_typer(runs_app, name="runs")

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
    # soft_wrap: paths and ids in the message stay whole when copied from the terminal.
    err.print(f"[bold red]error:[/] {message}", soft_wrap=True)
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


OutOption = Annotated[Path, typer.Option("--out", "-o", help="The suite directory or .jsonl file to write.")]
ForceOption = Annotated[
    bool, typer.Option("--force", help="Replace the tasks already in OUT instead of refusing.")
]
DEFAULT_FRACTIONS_TEXT = ",".join(f"{share:g}" for share in DEFAULT_FRACTIONS)


def _check_output_format(fmt: str) -> None:
    if fmt not in ("dir", "jsonl"):
        raise _fail(f"unknown output format {fmt!r}; choose dir or jsonl")


def _export(tasks: list[Task], output: Path, fmt: str, force: bool, as_json: bool) -> None:
    try:
        export_tasks(tasks, output, fmt=fmt, force=force)  # type: ignore[arg-type]
    except (OSError, ValueError) as exc:
        raise _fail(str(exc)) from None
    if as_json:
        return _print_json({"out": str(output), "format": fmt, "tasks": [t.id for t in tasks]})
    kind = "a suite directory" if fmt == "dir" else "JSONL"
    out.print(f"wrote {len(tasks)} tasks to {output} ({kind})")
    return None


@tasks_app.command("export")
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
    _export(_load(suite, path), output, fmt, force, as_json)


@tasks_app.command("import")
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
        raise _fail(f"unknown input format {fmt!r}; choose swebench, jsonl or auto")
    _check_output_format(out_format)
    try:
        tasks = loaders[fmt](source)
    except TaskLoadError as exc:
        raise _fail(str(exc)) from None
    _export(tasks, output, out_format, force, as_json)


def _split(tasks: list[Task], seed: int, fractions: str) -> TaskSplits:
    try:
        return split_tasks(tasks, seed=seed, fractions=parse_fractions(fractions))
    except ValueError as exc:
        raise _fail(str(exc)) from None


@tasks_app.command("split")
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
    splits = _split(_load(suite, path), seed, fractions)
    ids, counts = splits.ids(), splits.counts()
    if as_json:
        return _print_json(
            {
                "seed": seed,
                "fractions": list(parse_fractions(fractions)),
                "splits": {name: {"ids": ids[name], "counts": counts[name]} for name in SPLIT_NAMES},
            }
        )
    table = Table(title=f"split with seed {seed}, fractions {fractions}")
    table.add_column("split", no_wrap=True)
    for column in (*counts["train"], "all"):
        table.add_column(column, justify="right", no_wrap=True)
    table.add_column("tasks", ratio=1)
    for name in SPLIT_NAMES:
        numbers = [*counts[name].values(), len(ids[name])]
        table.add_row(name, *(str(n) for n in numbers), "\n".join(ids[name]) or "-")
    out.print(table)
    return None


@tasks_app.command("stats")
def tasks_stats(suite: SuiteOption = None, path: PathOption = None, as_json: JsonOption = False) -> None:
    """Show what a suite is made of: levels, tags, files, tests, lines, specs and mutations."""
    stats = suite_stats(_load(suite, path))
    if as_json:
        return _print_json(stats.model_dump(mode="json"))
    _print_stats(stats)
    return None


def _print_stats(stats: SuiteStats) -> None:
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
    out.print(sizes)
    makeup = {**stats.by_difficulty, "with SPEC.md": stats.with_spec, "synthesized": stats.synthesized}
    _print_counts("make-up", "kind", makeup)
    _print_counts("tags", "tag", stats.by_tag)
    if stats.by_operator:
        _print_counts("mutation operators", "operator", stats.by_operator)


def _print_counts(title: str, header: str, counts: dict[str, int]) -> None:
    table = Table(title=title)
    table.add_column(header)
    table.add_column("tasks", justify="right", no_wrap=True)
    for name, count in counts.items():
        table.add_row(name, str(count))
    out.print(table)


@tasks_app.command("synthesize")
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
        raise _fail(f"{output} is not an empty directory; write synthesized tasks into a new one")
    config = SynthesisConfig(
        n=n, seed=seed, test_paths=test_paths or ["tests"], repeats=repeats, workers=workers
    )
    box = _sandbox(sandbox)
    try:
        with err.status(f"synthesizing up to {n} tasks from {source}", spinner="dots"):
            result = synthesize(source, box, config)
    except (SynthesisError, SandboxError) as exc:
        raise _fail(str(exc)) from None
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
    if as_json:
        _print_json({"tasks": rows, "summary": summary, "out": str(output)})
    else:
        table = Table(title=f"{len(rows)} tasks synthesized from {source} (seed {seed})")
        for column in ("id", "operator", "location"):
            table.add_column(column, overflow="fold")
        for column in ("f2p", "p2p"):
            table.add_column(column, justify="right", no_wrap=True, min_width=3)
        for r in rows:
            counts = (str(r["fail_to_pass"]), str(r["pass_to_pass"]))
            table.add_row(r["id"], r["operator"], r["location"], *counts)
        out.print(table)
        rejected = ", ".join(f"{reason} {count}" for reason, count in result.rejected.items()) or "none"
        out.print(f"tried {result.tried} candidates, kept {len(result.tasks)}; rejected: {rejected}")
        out.print(f"wrote {len(result.tasks)} task directories to {output}")
    if not result.tasks:
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
    api_key: Annotated[
        str | None,
        typer.Option("--api-key", help="API key (default: $OPENAI_API_KEY); never stored or logged."),
    ] = None,
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
        int, typer.Option("--concurrency", "--workers", min=1, help="Episodes run at once.")
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
    run_name: Annotated[
        str | None, typer.Option("--run-name", help="Name the run (default: agent, model and time).")
    ] = None,
    resume: Annotated[
        str | None,
        typer.Option(
            "--resume",
            metavar="RUN",
            help="Continue a stopped run; task options are ignored, --base-url/--api-key/--timeout apply.",
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
    as_json: JsonOption = False,
) -> None:
    """Run an agent over a suite (or one split of it); every episode is stored as it finishes."""
    if log_format not in ("table", "openenv"):
        raise _fail(f"unknown log format {log_format!r}; choose table or openenv")
    if split is not None and split not in SPLIT_NAMES:
        raise _fail(f"unknown split {split!r}; choose one of: {', '.join(SPLIT_NAMES)}")
    if reward not in REWARD_SCHEMES:
        raise _fail(f"unknown reward scheme {reward!r}; choose one of: {', '.join(REWARD_SCHEMES)}")
    if sandbox not in ("auto", "bwrap", "process"):
        raise _fail(f"unknown sandbox {sandbox!r}; choose auto, bwrap or process")
    if agent not in AGENTS:
        raise _fail(f"unknown agent {agent!r}; choose one of: {', '.join(AGENTS)}")
    if agent == "llm" and not model and not resume:
        raise _fail(
            "the llm agent needs a model: --model openai:NAME with --base-url/$OPENAI_BASE_URL for a "
            "local server (vLLM, Ollama, LM Studio) or $OPENAI_API_KEY for OpenAI. Offline choices: "
            f"--agent repair (a search-based baseline, no LLM), --agent oracle, or a simulated model "
            f"(--model {' | '.join(OFFLINE_MODELS)}; its results are labelled simulated)."
        )
    try:
        model_config = load_model_config(config)
    except ModelError as exc:
        raise _fail(str(exc)) from None
    api_key = api_key or model_config.api_key()
    store = _open_store(db)
    try:
        if resume:
            try:
                info = store.get_run(resume)
                settings = _resumed_settings(info, base_url=base_url, timeout_s=timeout)
                tasks = select_tasks(settings)
            except (StoreError, TaskLoadError, ValueError) as exc:
                raise _fail(str(exc)) from None
            _show_endpoint(info, settings)
            tasks = _prepared(tasks, settings.sandbox)
        else:
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
            )  # fmt: skip
            if suite and path:
                raise _fail("give --suite or --path, not both")
            try:
                tasks = select_tasks(settings)
                agent_factory_for(settings, store, api_key=api_key)  # configuration errors surface now
            except (TaskLoadError, ValueError, ModelError) as exc:
                raise _fail(str(exc)) from None
            tasks = _prepared(tasks, sandbox)
            name = run_name or f"{agent}-{(model or '').replace(':', '-')}-{datetime.now():%Y%m%d-%H%M%S}"
            try:
                info = start_run(store, name.replace("--", "-"), settings, tasks)
            except StoreError as exc:
                raise _fail(str(exc)) from None
        _execute(store, info, settings, tasks, api_key, log_format, as_json)
        trajectories = store.trajectories(info)
    except StoreError as exc:  # the store failed (locked, read-only, ...) or the run is leased
        raise _fail(str(exc)) from None
    finally:
        store.close()
    if output is not None:
        output.parent.mkdir(parents=True, exist_ok=True)
        output.write_text("".join(t.model_dump_json() + "\n" for t in trajectories), encoding="utf-8")
    if log_format == "table":
        simulated = " [magenta](simulated: not a model's performance)[/]" if info.simulated else ""
        _report_run(trajectories, f"{info.name} ({settings.model_label}){simulated}", as_json)


def _resumed_settings(info: RunInfo, *, base_url: str | None, timeout_s: float | None) -> RunSettings:
    """The settings `info` was started with, with the endpoint options given again on resume.

    The API key is never among the settings: it comes from --api-key, the config file or
    $OPENAI_API_KEY on every invocation. Raises ValueError for an unusable option value.
    """
    settings = settings_of(info)
    changed = {"base_url": base_url, "timeout_s": timeout_s}
    return RunSettings.model_validate(
        {**settings.model_dump(), **{name: value for name, value in changed.items() if value is not None}}
    )


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


def _prepared(tasks: list[Task], sandbox: str) -> list[Task]:
    """`tasks` with test lists computed where a task file left them out."""
    probe = _sandbox(sandbox)
    try:
        return _with_test_lists(tasks, probe)
    finally:
        probe.close()


def _execute(
    store: Store,
    info: RunInfo,
    settings: RunSettings,
    tasks: list[Task],
    api_key: str | None,
    log_format: str,
    as_json: bool,
) -> None:
    """Run what is left of `info` under a live progress bar (or openenv lines)."""
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

        try:
            execute_run(store, info, settings, tasks, api_key=api_key, on_episode=on_episode)
        except ModelError as exc:
            raise _fail(str(exc)) from None


_log_lock = threading.Lock()


def _log_openenv(trajectory: Trajectory, model: str) -> None:
    """Print a finished episode's records together, so concurrent episodes never interleave."""
    with _log_lock:
        print("\n".join(episode_lines(trajectory, model)), flush=True)


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
    out.print(table)
    resolved = sum(r["outcome"] == "resolved" for r in rows)
    scored = [r for r in rows if r["outcome"] != "infra_error"]
    out.print(
        f"resolved {resolved}/{len(scored)}"
        + (f"  ({len(rows) - len(scored)} infra errors excluded)" if len(scored) < len(rows) else "")
    )


DbOption = Annotated[
    str | None,
    typer.Option("--db", help="The store's database URL (default: $FIXLOOP_DB, else .fixloop/fixloop.db)."),
]


def _open_store(db: str | None) -> Store:
    try:
        return Store.open(db)
    except StoreError as exc:
        raise _fail(str(exc)) from None


@runs_app.command("list")
def runs_list(db: DbOption = None, as_json: JsonOption = False) -> None:
    """List the recorded runs with how many episodes were planned, finished and resolved."""
    with _open_store(db) as store:
        runs = store.list_runs()
    if as_json:
        return _print_json([r.model_dump(mode="json", exclude={"config"}) for r in runs])
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
    out.print(table)
    return None


@runs_app.command("show")
def runs_show(
    run_name: Annotated[str, typer.Argument(metavar="RUN", help="The run's name or id.")],
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """Show one run: its configuration (secrets redacted) and one row per recorded episode."""
    with _open_store(db) as store:
        try:
            info, episodes = store.get_run(run_name), store.episodes(run_name)
        except StoreError as exc:
            raise _fail(str(exc)) from None
    if as_json:
        return _print_json(
            {"run": info.model_dump(mode="json"), "episodes": [e.model_dump(mode="json") for e in episodes]}
        )
    label = "  [magenta]simulated: not a real model's performance[/]" if info.simulated else ""
    out.print(f"[bold]{info.name}[/] (id {info.id}, {info.status}){label}")
    out.print(f"agent {info.agent}, model {info.model}, created {info.created_at:%Y-%m-%d %H:%M} UTC")
    out.print(
        f"{info.finished}/{info.planned} episodes recorded, {info.resolved} resolved, "
        f"{info.infra_errors} infra errors"
    )
    out.rule("config")
    _print_json(info.config)
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
    out.print(table)
    return None


@app.command("export")
def export_run(
    run_name: Annotated[str, typer.Argument(metavar="RUN", help="The run's name or id.")],
    fmt: Annotated[str, typer.Option("--format", help="jsonl: one trajectory per line.")] = "jsonl",
    output: Annotated[
        Path | None, typer.Option("--out", "-o", help="The file to write (default: standard output).")
    ] = None,
    db: DbOption = None,
) -> None:
    """Export a run's trajectories as JSON Lines: one per line, in the order recorded.

    The fields of each line:
    - task_id, agent, model (PROVIDER:NAME), context_version, reward_scheme, sandbox
    - task_facts: difficulty, tags, fix_paths, relevant_files, fix_lines,
      step_target, mutation_operator (the fix's location and size, never its content)
    - outcome: resolved, partial, unresolved, tampered, infra_error, or why the agent stopped
    - score (0 to 1), total_reward, seconds, error, tokens, cost (USD)
    - simulated: true when a simulated model produced it, not a real one
    - grade: outcome, score, pass_fraction, fail_to_pass_passed,
      fail_to_pass_failed, pass_to_pass_broken, timed_out, error
    - steps: index, action (as parsed, or null), raw_action (the output that did
      not parse), reward, error, done, seconds, tokens, cost, and summary: path,
      chars_read, diff, lines_changed, tests (passed, total, failing, timed_out),
      test_output, pass_fraction, dangerous, syntax_error
    """
    if fmt != "jsonl":
        raise _fail(f"unknown export format {fmt!r}; choose jsonl")
    with _open_store(db) as store:
        try:
            trajectories = store.trajectories(run_name)
        except StoreError as exc:
            raise _fail(str(exc)) from None
    text = "".join(t.model_dump_json() + "\n" for t in trajectories)
    if output is None:
        typer.echo(text, nl=False)
        return
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(text, encoding="utf-8")
    err.print(f"wrote {len(trajectories)} trajectories to {output}")


RunsArgument = Annotated[list[str], typer.Argument(metavar="RUN...", help="Run names or ids.")]


def _diagnoses(store: Store, runs: list[str]) -> list[RunDiagnosis]:
    """Diagnose each named run; a clear error for an unknown run."""
    diagnoses = []
    for name in runs:
        try:
            info, trajectories = store.get_run(name), store.trajectories(name)
        except StoreError as exc:
            raise _fail(str(exc)) from None
        diagnoses.append(
            diagnose_run(
                info.name, trajectories, agent=info.agent, model=info.model, simulated=info.simulated
            )
        )
    return diagnoses


def _comparison(diagnoses: list[RunDiagnosis]) -> Comparison:
    inputs = [RunInput(d.run, [e.trajectory for e in d.episodes], d.simulated) for d in diagnoses]
    try:
        return compare_runs(inputs)
    except ValueError as exc:
        raise _fail(str(exc)) from None


@app.command("diagnose")
def diagnose(
    run_name: Annotated[str, typer.Argument(metavar="RUN", help="The run's name or id.")],
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """Why a run's episodes failed and how its agent worked: failure labels with evidence,
    strategies, the worst tasks, and metrics with 95% confidence intervals.

    Infra errors and exhausted budgets are not the agent's fault: they are counted apart and
    left out of the metrics.
    """
    with _open_store(db) as store:
        (diagnosis,) = _diagnoses(store, [run_name])
    if as_json:
        data = diagnosis.model_dump(mode="json")
        data["episodes"] = [
            {
                "task_id": e.trajectory.task_id,
                "outcome": e.trajectory.outcome,
                "score": e.trajectory.score,
                "diagnosis": e.diagnosis.model_dump(mode="json"),
                "strategy": e.strategy.model_dump(mode="json"),
                "metrics": e.metrics.model_dump(mode="json"),
            }
            for e in diagnosis.episodes
        ]
        _print_json(data)
        return
    out.print(diagnosis_view(diagnosis))


@app.command("compare")
def compare(
    runs: RunsArgument,
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """Compare runs on the tasks they share: resolve rate, score and pass@k with 95% intervals,
    breakdowns by difficulty, tag and failure label, and for each pair McNemar's exact test with
    a paired bootstrap interval. "A beats B" is printed only when the data supports it.
    """
    if len(runs) < 2:
        raise _fail("compare needs at least two runs")
    with _open_store(db) as store:
        comparison = _comparison(_diagnoses(store, runs))
    if as_json:
        _print_json(comparison.model_dump(mode="json"))
        return
    out.print(comparison_view(comparison))


@app.command("report")
def report(
    runs: RunsArgument,
    output: Annotated[Path, typer.Option("--out", "-o", help="The HTML file to write.")] = Path(
        "report.html"
    ),
    title: Annotated[str, typer.Option("--title", help="The report's title.")] = "fixloop report",
    db: DbOption = None,
) -> None:
    """Write one self-contained HTML report (works offline) of one or more runs: summary,
    failure labels, strategies, distributions, a per-task table, every trajectory step by step,
    and the comparison with confidence intervals when several runs are given.
    """
    from fixloop.improve.retry_loop import stored_report
    from fixloop.report.html_report import write_report  # plotly is imported only for reports

    with _open_store(db) as store:
        diagnoses = _diagnoses(store, runs)
        retries = [r for d in diagnoses if (r := stored_report(store, d.run)) is not None]
    comparison = _comparison(diagnoses) if len(diagnoses) > 1 else None
    path = write_report(output, diagnoses, comparison, title=title, retries=retries)
    out.print(f"wrote {path}")


@app.command("retry")
def retry(
    run_name: Annotated[str, typer.Argument(metavar="RUN", help="The llm-agent run to retry.")],
    max_retries: Annotated[int, typer.Option("--max-retries", min=1, help="Attempts per episode.")] = 2,
    reflector: Annotated[
        str, typer.Option(help="template (offline, deterministic) or llm (a reflection model).")
    ] = "template",
    reflection_model: Annotated[
        str | None,
        typer.Option("--reflection-model", help="The llm reflector's PROVIDER:NAME (default: the run's)."),
    ] = None,
    min_improvement: Annotated[
        float, typer.Option("--min-improvement", help="From the second attempt, a smaller gain stops.")
    ] = 0.05,
    wall_time: Annotated[
        float | None, typer.Option("--wall-time", help="Seconds after which no attempt is started.")
    ] = None,
    api_key: Annotated[
        str | None,
        typer.Option("--api-key", help="API key (default: $OPENAI_API_KEY); never stored or logged."),
    ] = None,
    config: Annotated[Path | None, typer.Option(help="Config file, as for run.")] = None,
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """Retry each unresolved episode of an llm-agent run with reflection: build an improvement
    plan from its failure, give it to the agent (the "Previous attempt feedback" section and a
    summary before the first observation), and run the task again, up to --max-retries times.

    Each attempt is a stored run (RUN-retry1, RUN-retry2, ...); the results are stored with RUN
    and shown in its report. Prints, per failure label, how often a retry fixed it, and the
    resolve rate before and after with McNemar's exact test.
    """
    from fixloop.improve.retry_loop import RetrySettings, retry_run

    if reflector not in ("template", "llm"):
        raise _fail(f"unknown reflector {reflector!r}; choose template or llm")
    try:
        api_key = api_key or load_model_config(config).api_key()
        settings = RetrySettings(
            max_retries=max_retries, reflector=reflector, reflection_model=reflection_model,  # type: ignore[arg-type]
            min_improvement=min_improvement, wall_time_s=wall_time,
        )  # fmt: skip
    except (ModelError, ValueError) as exc:
        raise _fail(str(exc)) from None
    with _open_store(db) as store:
        try:
            report = retry_run(store, run_name, settings, api_key=api_key)
        except (StoreError, ModelError, TaskLoadError, ValueError) as exc:
            raise _fail(str(exc)) from None
    if as_json:
        _print_json(report.model_dump(mode="json"))
        return
    out.print(retry_view(report))


@app.command("feedback-loop")
def feedback_loop(
    path: Annotated[Path, typer.Argument(metavar="FILE", help="A JSONL file of tasks without tests.")],
    model: Annotated[str, typer.Option(help="The model that answers, as PROVIDER:NAME.")],
    judge: Annotated[
        str | None, typer.Option(help="The judge model's PROVIDER:NAME (default: --model itself).")
    ] = None,
    strategy: Annotated[
        str | None, typer.Option(help="Score every task with this preset: qa, code, summary, translation.")
    ] = None,
    max_attempts: Annotated[int, typer.Option("--max-attempts", min=1, help="Attempts per task.")] = 3,
    min_gain: Annotated[float, typer.Option("--min-gain", help="Stop when the gain is smaller.")] = 0.05,
    timeout: Annotated[float, typer.Option(help="Seconds per task, all attempts together.")] = 300.0,
    base_url: Annotated[str | None, typer.Option("--base-url", help="OpenAI-compatible endpoint.")] = None,
    api_key: Annotated[
        str | None,
        typer.Option("--api-key", help="API key (default: $OPENAI_API_KEY); never stored or logged."),
    ] = None,
    config: Annotated[Path | None, typer.Option(help="Config file, as for run.")] = None,
    as_json: JsonOption = False,
) -> None:
    """Improve answers to tasks without tests: answer, score (exact, contains, rouge_l, bleu,
    semantic, judge), feed the weak metrics back as suggestions, and try again until the
    answer passes, the gain stalls, or the attempts or time run out.

    Each line of FILE: {"id", "input", "expected", "strategy", "metrics"?, "weights"?}.
    """
    from fixloop.improve.feedback_loop import FeedbackLoopConfig
    from fixloop.improve.feedback_tasks import run_feedback_file
    from fixloop.scoring import ScorerConfigError

    try:
        model_config = load_model_config(config)
        key = api_key or model_config.api_key()
        url = base_url or model_config.model.base_url
        answerer = make_model(model, base_url=url, api_key=key)
        grader = make_model(judge, base_url=url, api_key=key) if judge else answerer
        loop_config = FeedbackLoopConfig(max_attempts=max_attempts, min_gain=min_gain, timeout_s=timeout)
        results = run_feedback_file(path, answerer, judge=grader, strategy=strategy, config=loop_config)
    except (ModelError, TaskLoadError, ScorerConfigError, ValueError) as exc:
        raise _fail(str(exc)) from None
    if as_json:
        _print_json([r.model_dump(mode="json") for r in results])
        return
    table = Table(title=f"{len(results)} tasks", box=box.SIMPLE_HEAD)
    for column in ("task", "attempts", "best score", "converged", "stopped"):
        table.add_column(column)
    for r in results:
        best = "-" if r.best_score is None else f"{r.best_score:.2f}"
        table.add_row(r.task_id, str(len(r.attempts)), best, "yes" if r.converged else "no", r.stop_reason)
    out.print(table)
