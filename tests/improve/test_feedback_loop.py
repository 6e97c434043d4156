"""The eval-feedback loop: each stop rule, the best output, backoff, and prompts refined without stacking."""

from __future__ import annotations

import asyncio
import json

import pytest

from fixloop.improve.feedback_loop import (
    FEEDBACK_HEADER,
    EvalFeedbackLoop,
    FeedbackLoopConfig,
    model_executor,
)
from fixloop.models.base import ModelUnavailableError
from fixloop.models.scripted import ScriptedModel
from fixloop.scoring.composite import CompositeScorer
from fixloop.scoring.errors import ScorerConfigError

TASK = "What is the capital of France?"
CONTAINS = CompositeScorer.from_preset("qa", metrics=["contains"])
"""Scores 1.0 when the answer names the expected city, else 0.0; passes at 0.5."""
CHECKLIST = "\n".join(f"point {n}" for n in range(1, 11))
"""An expected answer of ten lines: `contains` gives 0.1 per line covered."""


class FakeTime:
    """A clock that only moves when told to, and a sleep that moves it and records each wait."""

    def __init__(self) -> None:
        self.now = 0.0
        self.sleeps: list[float] = []

    def clock(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


def make_loop(time: FakeTime | None = None, **config) -> EvalFeedbackLoop:
    time = time or FakeTime()
    return EvalFeedbackLoop(FeedbackLoopConfig(**config), sleep=time.sleep, clock=time.clock)


def scripted(*replies: str) -> tuple[ScriptedModel, object]:
    model = ScriptedModel(list(replies))
    return model, model_executor(model)


def prompts(model: ScriptedModel) -> list[str]:
    return [call[-1].content for call in model.calls]


def test_the_loop_converges_when_an_answer_passes():
    _, execute = scripted("Lyon", "Paris")
    result = make_loop().run(TASK, execute, "Paris", CONTAINS)
    assert result.stop_reason == "converged"
    assert result.converged
    assert [a.weighted_score for a in result.attempts] == [0.0, 1.0]
    assert (result.best_output, result.best_score, result.best_attempt) == ("Paris", 1.0, 2)


def test_the_loop_stops_early_when_an_attempt_gains_too_little():
    _, execute = scripted("point 1", "point 1\npoint 2", "point 1\npoint 2\npoint 3")
    result = make_loop(max_attempts=3, min_gain=0.15).run(TASK, execute, CHECKLIST, CONTAINS)
    assert result.stop_reason == "no_gain"
    assert len(result.attempts) == 2


def test_the_loop_keeps_the_best_output_when_a_retry_gets_worse():
    _, execute = scripted("point 1\npoint 2", "point 1")
    result = make_loop().run(TASK, execute, CHECKLIST, CONTAINS)
    assert result.stop_reason == "no_gain"
    assert (result.best_output, result.best_attempt) == ("point 1\npoint 2", 1)


def test_the_loop_stops_at_max_attempts_while_still_improving():
    _, execute = scripted("point 1", "point 1\npoint 2", "point 1\npoint 2\npoint 3")
    result = make_loop(max_attempts=3).run(TASK, execute, CHECKLIST, CONTAINS)
    assert result.stop_reason == "max_attempts"
    assert [a.weighted_score for a in result.attempts] == pytest.approx([0.1, 0.2, 0.3])
    assert result.best_attempt == 3


def test_the_loop_backs_off_exponentially_between_attempts_up_to_the_cap():
    time = FakeTime()
    _, execute = scripted(*("\n".join(f"point {n}" for n in range(1, k + 1)) for k in range(1, 6)))
    make_loop(time, max_attempts=5, backoff_base_s=1.0, backoff_max_s=5.0).run(
        TASK, execute, CHECKLIST, CONTAINS
    )
    assert time.sleeps == [1.0, 2.0, 4.0, 5.0]


def test_the_loop_times_out_before_an_attempt_that_would_start_too_late():
    time = FakeTime()

    calls: list[str] = []

    def slow(prompt: str) -> str:
        calls.append(prompt)
        time.now += 10.0
        return "\n".join(f"point {n}" for n in range(1, len(calls) + 1))

    # attempt 1 ends at 10 s, waits 1 s, attempt 2 ends at 21 s; a 2 s wait would pass 22 s
    result = make_loop(time, max_attempts=5, timeout_s=22.0).run(TASK, slow, CHECKLIST, CONTAINS)
    assert result.stop_reason == "timeout"
    assert len(calls) == 2
    assert result.best_output == "point 1\npoint 2"


def test_the_loop_cancels_an_async_executor_still_running_at_the_timeout():
    async def hangs(prompt: str) -> str:
        await asyncio.sleep(30)
        return "Paris"

    result = EvalFeedbackLoop(FeedbackLoopConfig(timeout_s=0.05)).run(TASK, hangs, "Paris", CONTAINS)
    assert result.stop_reason == "timeout"
    assert "did not answer within the loop's timeout" in (result.attempts[0].error or "")
    assert result.best_output is None


def test_a_judge_reply_that_does_not_parse_stops_the_loop_as_a_scorer_error():
    _, execute = scripted("Paris")
    scorer = CompositeScorer.from_preset("qa", judge=ScriptedModel(["Looks right to me!"]))
    result = make_loop().run(TASK, execute, "Paris", scorer)
    assert result.stop_reason == "scorer_error"
    attempt = result.attempts[0]
    assert attempt.output == "Paris"
    assert "scorer error: judge: the judge's reply is not a JSON verdict" in (attempt.error or "")
    assert (attempt.scores, attempt.weighted_score, result.best_score) == ({}, None, None)


def test_an_executor_that_raises_stops_the_loop_as_an_executor_error():
    def down(prompt: str) -> str:
        raise ModelUnavailableError("HTTP 503 after 5 attempts")

    result = make_loop().run(TASK, down, "Paris", CONTAINS)
    assert result.stop_reason == "executor_error"
    assert result.attempts[0].error == "executor failed: ModelUnavailableError: HTTP 503 after 5 attempts"


def test_an_executor_that_returns_no_text_is_an_executor_error():
    def silent(prompt: str) -> None:
        return None

    result = make_loop().run(TASK, silent, "Paris", CONTAINS)
    assert result.stop_reason == "executor_error"
    assert "returned NoneType, expected str" in (result.attempts[0].error or "")


def test_a_plain_async_function_can_be_the_executor():
    replies = iter(["Lyon", "Paris"])

    async def answer(prompt: str) -> str:
        await asyncio.sleep(0)
        return next(replies)

    result = make_loop().run(TASK, answer, "Paris", CONTAINS)
    assert result.stop_reason == "converged"


def test_the_loop_can_be_awaited_from_async_code():
    _, execute = scripted("Paris")
    result = asyncio.run(make_loop().arun(TASK, execute, "Paris", CONTAINS))
    assert result.converged


def test_each_weak_metric_gets_one_feedback_signal_with_a_suggestion():
    _, execute = scripted("I believe the answer you are looking for is the city of Lyon.", "Paris")
    scorer = CompositeScorer.from_preset("qa", metrics=["rouge_l", "contains", "exact"])
    result = make_loop().run(TASK, execute, "Paris", scorer)
    signals = result.attempts[0].feedback
    assert [signal.metric for signal in signals] == ["rouge_l", "contains", "exact"]
    assert [signal.threshold for signal in signals] == [0.3, 0.5, 0.5]
    assert all(signal.suggestion for signal in signals)
    assert result.attempts[1].feedback == []


def test_the_retry_prompt_holds_the_task_the_previous_answer_and_the_suggestions():
    model, execute = scripted("Lyon", "Paris")
    result = make_loop().run(TASK, execute, "Paris", CONTAINS)
    retry = prompts(model)[1]
    assert retry.startswith(TASK)
    assert "Lyon" in retry
    assert result.attempts[0].feedback[0].suggestion in retry


def test_each_retry_replaces_the_previous_feedback_block_instead_of_stacking_it():
    model, execute = scripted("first try", "second try", "third try")
    make_loop(max_attempts=3, min_gain=0.0).run(TASK, execute, CHECKLIST, CONTAINS)
    third = prompts(model)[2]
    assert third.count(FEEDBACK_HEADER) == 1
    assert "attempt 2" in third and "second try" in third
    assert "first try" not in third


def test_the_expected_answer_never_reaches_the_executor():
    secret = "Zanzibar-Mkokotoni"
    model, execute = scripted("Lyon", "Nice", "Paris")
    make_loop(max_attempts=3, min_gain=0.0).run(
        TASK, execute, secret, CompositeScorer.from_preset("code", metrics=["exact", "contains", "rouge_l"])
    )
    assert all(secret not in prompt for prompt in prompts(model))


def test_a_preset_name_is_scored_with_the_loops_judge():
    judge = ScriptedModel(lambda messages: json.dumps({"score": 1.0, "reasoning": "correct"}))
    _, execute = scripted("Paris")
    result = EvalFeedbackLoop(judge=judge).run(TASK, execute, "Paris", "qa")
    assert result.converged
    assert result.strategy == "qa"
    assert result.attempts[0].judge_reasoning == "correct"


def test_a_preset_that_needs_a_judge_is_refused_before_anything_runs():
    model, execute = scripted("Paris")
    with pytest.raises(ScorerConfigError, match="needs a judge model"):
        make_loop().run(TASK, execute, "Paris", "qa")
    assert model.calls == []


def test_the_result_reports_converged_when_serialized():
    _, execute = scripted("Paris")
    dumped = make_loop().run(TASK, execute, "Paris", CONTAINS, task_id="capital").model_dump()
    assert (dumped["task_id"], dumped["converged"], dumped["stop_reason"]) == ("capital", True, "converged")
