"""`fixloop retry|feedback-loop`: improve from a run's failures, or answers from their scores."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich import box
from rich.table import Table

from fixloop.cli.common import ApiKeyOption, DbOption, JsonOption, emit, fail, open_store
from fixloop.models.base import ModelError
from fixloop.models.config_file import load_model_config
from fixloop.models.registry import make_model
from fixloop.report.terminal import retry_view
from fixloop.store import StoreError
from fixloop.tasks.loader import TaskLoadError

if TYPE_CHECKING:  # the feedback loop's scorers are imported only when it runs
    from fixloop.improve.feedback_loop import FeedbackLoopResult

ConfigOption = Annotated[Path | None, typer.Option(help="Config file, as for run.")]


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
    api_key: ApiKeyOption = None,
    config: ConfigOption = None,
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
        raise fail(f"unknown reflector {reflector!r}; choose template or llm")
    try:
        api_key = api_key or load_model_config(config).api_key()
        settings = RetrySettings(
            max_retries=max_retries, reflector=reflector, reflection_model=reflection_model,  # type: ignore[arg-type]
            min_improvement=min_improvement, wall_time_s=wall_time,
        )  # fmt: skip
    except (ModelError, ValueError) as exc:
        raise fail(str(exc)) from None
    with open_store(db) as store:
        try:
            report = retry_run(store, run_name, settings, api_key=api_key)
        except (StoreError, ModelError, TaskLoadError, ValueError) as exc:
            raise fail(str(exc)) from None
    emit(report, lambda: retry_view(report), as_json)


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
    api_key: ApiKeyOption = None,
    config: ConfigOption = None,
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
        raise fail(str(exc)) from None
    simulated = bool(getattr(answerer, "simulated", False))
    rows = [{**r.model_dump(mode="json"), "model": answerer.name, "simulated": simulated} for r in results]
    emit(rows, lambda: _feedback_table(results), as_json)


def _feedback_table(results: list[FeedbackLoopResult]) -> Table:
    table = Table(title=f"{len(results)} tasks", box=box.SIMPLE_HEAD)
    for column in ("task", "attempts", "best score", "converged", "stopped"):
        table.add_column(column)
    for r in results:
        best = "-" if r.best_score is None else f"{r.best_score:.2f}"
        table.add_row(r.task_id, str(len(r.attempts)), best, "yes" if r.converged else "no", r.stop_reason)
    return table
