"""The judge metric: a structured verdict from a Model, and every bad reply as a scorer error."""

from __future__ import annotations

import json

import pytest

from fixloop.models.base import ModelUnavailableError
from fixloop.models.scripted import ScriptedModel
from fixloop.scoring.errors import ScorerError
from fixloop.scoring.judge import judge_verdict


def ask(model: ScriptedModel):
    return judge_verdict(
        model, task="Capital of France?", output="Lyon", expected="Paris", criteria="Correct?"
    )


def test_the_judge_returns_its_score_and_reasoning():
    model = ScriptedModel(['Sure: {"score": 0.2, "reasoning": "Names the wrong city."}'])
    verdict = ask(model)
    assert (verdict.score, verdict.reasoning) == (0.2, "Names the wrong city.")


def test_the_judge_sees_the_task_reference_answer_and_criteria():
    model = ScriptedModel([json.dumps({"score": 1, "reasoning": "ok"})])
    ask(model)
    prompt = model.calls[0][-1].content
    assert all(part in prompt for part in ("Capital of France?", "Paris", "Lyon", "Correct?"))


@pytest.mark.parametrize(
    "reply",
    [
        "I think it deserves a 7/10.",
        '{"score": 1.5, "reasoning": "great"}',
        '{"score": 0.5}',
        '{"score": "high", "reasoning": "good"}',
    ],
)
def test_a_reply_that_is_not_a_valid_verdict_is_a_scorer_error(reply):
    with pytest.raises(ScorerError, match="judge: the judge's"):
        ask(ScriptedModel([reply]))


def test_a_failing_judge_model_is_a_scorer_error():
    def down(messages):
        raise ModelUnavailableError("HTTP 503 after 5 attempts")

    with pytest.raises(ScorerError, match="judge: the judge model scripted:test failed: HTTP 503"):
        ask(ScriptedModel(down))
