"""Tasks without tests, one JSON object per line, and running a file of them through the feedback loop.

Each line holds:

- `id` (string, unique in the file), `input` (the prompt), `expected` (the reference answer);
- `strategy`: the scoring preset, one of `qa`, `code`, `summary`, `translation`;
- optionally `metrics` (a list replacing the preset's metrics) and `weights` (metric -> weight;
  metrics not named weigh 1.0).

Blank lines are ignored. Loading is all-or-nothing: a broken line raises `TaskLoadError`
naming the file, the line, the task id when known, and the field.

    {"id": "capital", "input": "What is the capital of France?", "expected": "Paris", "strategy": "qa"}
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from fixloop.improve.feedback_loop import (
    EvalFeedbackLoop,
    FeedbackLoopConfig,
    FeedbackLoopResult,
    model_executor,
)
from fixloop.models.base import Model
from fixloop.scoring.composite import CompositeScorer
from fixloop.scoring.errors import ScorerConfigError
from fixloop.scoring.semantic import Embedder
from fixloop.scoring.spec import ScoringSpec, describe_validation_error
from fixloop.tasks.records import TaskLoadError, read_jsonl_records, where_of


class FeedbackTask(BaseModel):
    """One task without tests: a prompt, the answer it should get, and how to score answers."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str = Field(min_length=1)
    input: str
    """The prompt the executor answers."""
    expected: str
    """The reference answer; never shown to the executor."""
    strategy: str
    """The scoring preset's name."""
    metrics: tuple[str, ...] | None = None
    """Replaces the preset's metrics when set."""
    weights: dict[str, float] | None = None
    """Metric weights; metrics not named weigh 1.0."""

    @field_validator("input", "expected")
    @classmethod
    def _not_blank(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("must not be blank")
        return value

    @model_validator(mode="after")
    def _scorable(self) -> FeedbackTask:
        self.scoring_spec()
        return self

    def scoring_spec(self, strategy: str | None = None) -> ScoringSpec:
        """The task's scoring: its preset (or `strategy` instead) with its metrics and weights.

        Raises ScorerConfigError when they do not fit together.
        """
        return ScoringSpec.preset(strategy or self.strategy, metrics=self.metrics, weights=self.weights)


def load_feedback_tasks(path: Path | str) -> list[FeedbackTask]:
    """The tasks of a feedback-task JSONL file, in file order.

    Raises TaskLoadError naming the file and line for unreadable files, invalid JSON, a
    missing or bad field, an unknown preset or metric, a repeated id, or a file with no task.
    """
    path = Path(path)
    tasks: list[FeedbackTask] = []
    seen: dict[str, str] = {}
    for source, record in read_jsonl_records(path):
        where = where_of(source, record)
        try:
            task = FeedbackTask.model_validate(record)
        except ValidationError as exc:
            raise TaskLoadError(f"{where}: {describe_validation_error(exc)}") from None
        if task.id in seen:
            raise TaskLoadError(f"{path}: duplicate task id {task.id!r} in {seen[task.id]} and {source}")
        seen[task.id] = source
        tasks.append(task)
    if not tasks:
        raise TaskLoadError(f"{path}: holds no task")
    return tasks


def run_feedback_file(
    path: Path | str,
    model: Model,
    *,
    judge: Model | None = None,
    embedder: Embedder | None = None,
    strategy: str | None = None,
    config: FeedbackLoopConfig | None = None,
    on_result: Callable[[FeedbackLoopResult], None] | None = None,
) -> list[FeedbackLoopResult]:
    """Run the eval-feedback loop on every task of the JSONL file at `path`, with `model` answering.

    `judge` grades the judge metric and `embedder` serves the semantic metric; `strategy`
    replaces every task's preset (the tasks' own metrics and weights still apply).
    `on_result` is called with each task's result as soon as it is done. Tasks run one
    after another, in file order.

    Raises TaskLoadError for a broken file, and ScorerConfigError naming the task when a
    task's scoring cannot be built (e.g. it uses the judge and no judge was given); both
    before any task runs. Failures while running are recorded in the results.
    """
    tasks = load_feedback_tasks(path)
    scorers = []
    for task in tasks:
        try:
            scorers.append(CompositeScorer(task.scoring_spec(strategy), judge=judge, embedder=embedder))
        except ScorerConfigError as exc:
            raise ScorerConfigError(f"{path}: task {task.id!r}: {exc}") from None
    loop = EvalFeedbackLoop(config)
    execute = model_executor(model)
    results = []
    for task, scorer in zip(tasks, scorers, strict=True):
        result = loop.run(task.input, execute, task.expected, scorer, task_id=task.id)
        if on_result is not None:
            on_result(result)
        results.append(result)
    return results
