"""The eval-feedback loop: improve an answer to a task without tests by scoring it and saying why.

    execute -> score -> feedback per weak metric -> refine the prompt -> execute again

Each retry's prompt is the original task plus *one* feedback block about the latest
attempt: its answer and a suggestion for each weak metric. The block replaces the previous
one; feedback never piles up.

Stop rules, checked in this order after every attempt:

- `executor_error`: the executor raised or returned something that is not a string;
- `scorer_error`: a metric could not score the output (the error is in the attempt; there is
  no made-up score);
- `converged`: the output passed;
- `no_gain`: the weighted score rose less than `min_gain` above the best so far;
- `max_attempts`: that was the last attempt allowed;
- `timeout`: the next attempt (after its backoff) would start after the total timeout. An
  async executor is also cancelled when the timeout passes mid-call; a sync one cannot be
  interrupted, so its late answer is still scored before the loop stops.

Between attempts the loop waits `backoff_base_s * 2 ** (n - 2)` seconds before attempt n
(capped at `backoff_max_s`). The best-scoring output is kept whatever the stop reason.
"""

from __future__ import annotations

import asyncio
import contextlib
import inspect
import time
from collections.abc import Awaitable, Callable
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, computed_field

from fixloop.models.base import Message, Model
from fixloop.scoring.composite import CompositeScorer, ScoreCard
from fixloop.scoring.errors import ScorerError
from fixloop.scoring.semantic import Embedder
from fixloop.scoring.spec import Metric, ScoringSpec
from fixloop.scoring.suggestions import suggestion

StopReason = Literal["converged", "max_attempts", "no_gain", "timeout", "scorer_error", "executor_error"]

Executor = Callable[[str], str | Awaitable[str]]
"""Answers a prompt: a plain function returning the output, or one returning an awaitable of it."""

FEEDBACK_HEADER = "## Feedback on your previous answer"
"""Opens the feedback block of a refined prompt (there is at most one)."""


class _DeadlinePassed(Exception):
    """The loop's total timeout passed while an async executor was still working."""


class FeedbackLoopConfig(BaseModel):
    """Limits of one eval-feedback loop."""

    model_config = ConfigDict(extra="forbid")

    max_attempts: int = Field(default=3, ge=1)
    """Executions at most, the first one included."""
    min_gain: float = Field(default=0.05, ge=0.0)
    """Stop when an attempt raises the best weighted score by less than this."""
    backoff_base_s: float = Field(default=1.0, ge=0.0)
    """Wait before the second attempt; it doubles for each attempt after that."""
    backoff_max_s: float = Field(default=30.0, ge=0.0)
    """No wait between attempts is longer."""
    timeout_s: float = Field(default=300.0, gt=0.0)
    """Total wall time for the loop, waits and scoring included."""


class FeedbackSignal(BaseModel):
    """One weak metric and what to do about it."""

    metric: Metric
    score: float
    threshold: float
    """The score below which the metric is weak."""
    suggestion: str
    """What to change; it never quotes the expected answer."""


class FeedbackAttempt(BaseModel):
    """One execution and its scores. `error` is set when it could not be executed or scored."""

    number: int
    """1 for the first attempt."""
    prompt: str
    """What the executor was asked: the task, plus one feedback block from the second attempt on."""
    output: str | None = None
    """The executor's answer; None when it failed or timed out."""
    scores: dict[Metric, float] = Field(default_factory=dict)
    """Each metric's score; empty when the output could not be scored."""
    weighted_score: float | None = None
    passed: bool = False
    feedback: list[FeedbackSignal] = Field(default_factory=list)
    """One signal per weak metric; the next prompt is built from these."""
    judge_reasoning: str | None = None
    error: str | None = None
    """Why the attempt has no output or no scores ('executor failed: ...', 'scorer error: ...')."""


class FeedbackLoopResult(BaseModel):
    """Every attempt of one loop, the best output, and why the loop stopped."""

    task_id: str = ""
    """The task's id in its JSONL file, or '' when run directly."""
    task: str
    """The original prompt."""
    strategy: str
    """The scoring preset's name, or 'custom'."""
    attempts: list[FeedbackAttempt]
    best_output: str | None = None
    """The highest-scoring output (the first one on ties); None when no attempt was scored."""
    best_score: float | None = None
    best_attempt: int | None = None
    stop_reason: StopReason

    @computed_field  # type: ignore[prop-decorator]
    @property
    def converged(self) -> bool:
        """Whether an attempt passed."""
        return self.stop_reason == "converged"


class EvalFeedbackLoop:
    """Runs the loop of the module doc. `judge` and `embedder` serve strategies given by preset name.

    `sleep` and `clock` are injectable so tests neither wait nor depend on real time.
    """

    def __init__(
        self,
        config: FeedbackLoopConfig | None = None,
        *,
        judge: Model | None = None,
        embedder: Embedder | None = None,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.config = config or FeedbackLoopConfig()
        self.judge = judge
        self.embedder = embedder
        self._sleep = sleep
        self._clock = clock

    def run(
        self,
        task: str,
        executor: Executor,
        expected: str,
        strategy: str | CompositeScorer = "qa",
        *,
        task_id: str = "",
    ) -> FeedbackLoopResult:
        """Improve `executor`'s answer to `task` until it passes against `expected` or a stop rule fires.

        `strategy` is a preset name (scored with this loop's judge and embedder) or a ready
        `CompositeScorer`. Raises ScorerConfigError before executing anything when the
        strategy cannot be built; every later failure is recorded in the result. From async
        code, await `arun` instead.
        """
        return asyncio.run(self.arun(task, executor, expected, strategy, task_id=task_id))

    async def arun(
        self,
        task: str,
        executor: Executor,
        expected: str,
        strategy: str | CompositeScorer = "qa",
        *,
        task_id: str = "",
    ) -> FeedbackLoopResult:
        """`run` for callers already inside an event loop; same contract."""
        scorer = strategy if isinstance(strategy, CompositeScorer) else self._scorer(strategy)
        deadline = self._clock() + self.config.timeout_s
        attempts: list[FeedbackAttempt] = []

        def finish(reason: StopReason) -> FeedbackLoopResult:
            return _result(task_id, task, scorer.spec.name, attempts, reason)

        for number in range(1, self.config.max_attempts + 1):
            prompt = task
            if attempts:
                delay = min(self.config.backoff_max_s, self.config.backoff_base_s * 2 ** (number - 2))
                if self._clock() + delay >= deadline:
                    return finish("timeout")
                await self._sleep(delay)
                prompt = refine_prompt(task, attempts[-1], scorer.spec)
            try:
                output = await self._execute(executor, prompt, deadline)
            except _DeadlinePassed:
                attempts.append(FeedbackAttempt(number=number, prompt=prompt, error=self._timeout_message()))
                return finish("timeout")
            except Exception as exc:  # any executor failure is data, not a crash
                error = f"executor failed: {type(exc).__name__}: {exc}"
                attempts.append(FeedbackAttempt(number=number, prompt=prompt, error=error))
                return finish("executor_error")
            try:
                card = scorer.score(output, expected, task=task)
            except ScorerError as exc:
                error = f"scorer error: {exc}"
                attempts.append(FeedbackAttempt(number=number, prompt=prompt, output=output, error=error))
                return finish("scorer_error")
            best_before = max(
                (a.weighted_score for a in attempts if a.weighted_score is not None), default=None
            )
            attempts.append(_scored_attempt(number, prompt, output, expected, card, scorer.spec))
            if card.passed:
                return finish("converged")
            if best_before is not None and card.weighted - best_before < self.config.min_gain:
                return finish("no_gain")
        return finish("max_attempts")

    def _scorer(self, preset: str) -> CompositeScorer:
        return CompositeScorer.from_preset(preset, judge=self.judge, embedder=self.embedder)

    async def _execute(self, executor: Executor, prompt: str, deadline: float) -> str:
        """The executor's output; _DeadlinePassed when an async executor runs past the deadline."""
        answer = executor(prompt)
        if inspect.isawaitable(answer):
            pending = asyncio.ensure_future(answer)
            done, _ = await asyncio.wait({pending}, timeout=max(0.0, deadline - self._clock()))
            if not done:
                pending.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await pending
                raise _DeadlinePassed
            answer = pending.result()
        if not isinstance(answer, str):
            raise TypeError(f"the executor returned {type(answer).__name__}, expected str")
        return answer

    def _timeout_message(self) -> str:
        return f"the executor did not answer within the loop's timeout of {self.config.timeout_s:g}s"


def refine_prompt(task: str, previous: FeedbackAttempt, spec: ScoringSpec) -> str:
    """`task` followed by one feedback block about `previous`: its answer and each signal.

    Built from the original task every time, so an earlier block is replaced, not stacked.
    """
    score = f"{previous.weighted_score:.2f}" if previous.weighted_score is not None else "unscored"
    lines = [
        task.rstrip(),
        "",
        f"{FEEDBACK_HEADER} (attempt {previous.number}: "
        f"score {score}, {spec.pass_threshold:.2f} needed to pass)",
        "",
        "Your previous answer:",
        "<previous_answer>",
        previous.output or "",
        "</previous_answer>",
        "",
        "What to improve:",
        *(
            f"- {signal.metric} {signal.score:.2f} (needs {signal.threshold:.2f}): {signal.suggestion}"
            for signal in previous.feedback
        ),
        "",
        "Reply with the improved answer only.",
    ]
    return "\n".join(lines)


def model_executor(model: Model, *, temperature: float = 0.0, max_tokens: int = 1024) -> Executor:
    """An async executor that sends the prompt to `model` as one user message and returns its text."""

    async def execute(prompt: str) -> str:
        completion = await model.acomplete(
            [Message(role="user", content=prompt)], temperature=temperature, max_tokens=max_tokens
        )
        return completion.text

    return execute


def _scored_attempt(
    number: int, prompt: str, output: str, expected: str, card: ScoreCard, spec: ScoringSpec
) -> FeedbackAttempt:
    """The attempt with its scores and a feedback signal per weak metric.

    When a failing output has no weak metric (each metric cleared its own threshold but the
    weighted score fell short), its lowest metric gets the signal, so a retry has a direction.
    """
    weak = list(card.weak)
    if not weak and not card.passed:
        weak = [min(card.scores, key=lambda metric: card.scores[metric])]
    feedback = [
        FeedbackSignal(
            metric=metric,
            score=card.scores[metric],
            threshold=spec.threshold(metric),
            suggestion=suggestion(
                metric, output=output, expected=expected, judge_reasoning=card.judge_reasoning
            ),
        )
        for metric in weak
    ]
    return FeedbackAttempt(
        number=number,
        prompt=prompt,
        output=output,
        scores=card.scores,
        weighted_score=card.weighted,
        passed=card.passed,
        feedback=feedback,
        judge_reasoning=card.judge_reasoning,
    )


def _result(
    task_id: str, task: str, strategy: str, attempts: list[FeedbackAttempt], reason: StopReason
) -> FeedbackLoopResult:
    scored = [attempt for attempt in attempts if attempt.weighted_score is not None]
    best = max(scored, key=lambda attempt: attempt.weighted_score or 0.0, default=None)
    return FeedbackLoopResult(
        task_id=task_id,
        task=task,
        strategy=strategy,
        attempts=attempts,
        best_output=best.output if best else None,
        best_score=best.weighted_score if best else None,
        best_attempt=best.number if best else None,
        stop_reason=reason,
    )
