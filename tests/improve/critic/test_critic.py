"""The critic's score and state views, and the llm critic's safeguards against a real
OpenAI-compatible HTTP server that answers well, badly or not at all."""

import pytest
from pydantic import ValidationError

from fixloop.core.step_summary import PassSummary
from fixloop.improve.critic.critic import (
    MAX_STATE_DIFF_CHARS,
    CriticScore,
    LLMCritic,
    StateView,
    critic_prompt,
)
from fixloop.models.openai_provider import OpenAIModel
from fixloop.models.retry import RetryPolicy
from tests.calc_task import make_calc_task
from tests.fake_openai_server import FakeOpenAIServer, Reply

TASK = make_calc_task()
BEFORE = StateView(
    step=1, tests=PassSummary(passed=2, total=4, failing=["tests/test_calc.py::test_add_small"])
)
AFTER = StateView(step=2, diff="-    return a - b\n+    return a + b", observation="Replaced lines 3-3.")
EDIT = {
    "action_type": "replace_lines",
    "path": "calc.py",
    "start_line": 3,
    "end_line": 3,
    "new_code": "    return a + b",
    "thought": "the agent plans to run the tests next",
}


@pytest.mark.parametrize("field", [{"phi": -0.1}, {"phi": 10.5}, {"confidence": 1.2}, {"confidence": -0.5}])
def test_a_critic_score_refuses_values_out_of_range(field):
    with pytest.raises(ValidationError):
        CriticScore.model_validate({"phi": 5.0, "confidence": 0.5, **field})


def test_a_critic_score_accepts_the_ends_of_its_ranges():
    assert CriticScore(phi=10.0, confidence=1.0).phi == 10.0
    assert CriticScore(phi=0.0, confidence=0.0).confidence == 0.0


def test_a_state_view_bounds_its_diff():
    view = StateView(diff="x" * (MAX_STATE_DIFF_CHARS * 3))
    assert len(view.diff) <= MAX_STATE_DIFF_CHARS


def test_a_state_views_text_never_shows_the_ground_truth():
    assert "7.5" not in StateView(step=3, phi_star=7.5).text()


def test_the_critic_prompt_leaves_out_the_agents_thought():
    prompt = critic_prompt(TASK, BEFORE, EDIT, AFTER)
    assert "plans to" not in prompt
    assert "return a + b" in prompt
    assert "2/4 passed" in prompt


def critic(server: FakeOpenAIServer) -> LLMCritic:
    model = OpenAIModel(
        "fake-model", base_url=server.base_url, timeout_s=5, retry=RetryPolicy(max_attempts=1)
    )
    return LLMCritic(model)


def reply(phi: float, evidence: str = "2/4 tests passed before, 4/4 now", confidence: float = 0.9) -> Reply:
    return Reply.json(
        {"phi": phi, "reasoning": "the failing tests pass", "evidence": evidence, "confidence": confidence}
    )


def test_a_valid_reply_becomes_the_score():
    with FakeOpenAIServer(reply(9.0)) as server:
        score = critic(server).score(TASK, BEFORE, EDIT, AFTER, previous=5.0)
    assert (score.phi, score.confidence, score.error, score.adjustment) == (9.0, 0.9, None, None)
    assert score.evidence == "2/4 tests passed before, 4/4 now"
    assert score.tokens > 0


def test_the_critic_asks_for_its_schema_at_temperature_zero():
    with FakeOpenAIServer(reply(9.0)) as server:
        critic(server).score(TASK, BEFORE, EDIT, AFTER, previous=5.0)
        (request,) = server.requests
    assert request.temperature == 0.0
    assert request.format_type == "json_schema"


def test_evidence_shorter_than_ten_characters_changes_nothing():
    with FakeOpenAIServer(reply(9.0, evidence="tests ok")) as server:
        score = critic(server).score(TASK, BEFORE, EDIT, AFTER, previous=5.0)
    assert score.phi == 5.0
    assert score.raw_phi == 9.0
    assert score.adjustment == "no evidence: no change"


def test_low_confidence_halves_the_change():
    with FakeOpenAIServer(reply(9.0, confidence=0.2)) as server:
        score = critic(server).score(TASK, BEFORE, EDIT, AFTER, previous=5.0)
    assert score.phi == 7.0
    assert score.adjustment == "low confidence: change halved"


def test_low_confidence_halves_a_fall_too():
    with FakeOpenAIServer(reply(1.0, confidence=0.1)) as server:
        score = critic(server).score(TASK, BEFORE, EDIT, AFTER, previous=5.0)
    assert score.phi == 3.0


def test_without_a_previous_score_the_reply_stands():
    with FakeOpenAIServer(reply(9.0, evidence="ok", confidence=0.1)) as server:
        score = critic(server).score(TASK, BEFORE, EDIT, AFTER)
    assert score.phi == 9.0


@pytest.mark.parametrize(
    ("bad", "error"),
    [
        (Reply.garbage(), "not a JSON object"),
        (Reply(text=""), "not a JSON object"),
        (Reply.json({"phi": 12, "reasoning": "r", "evidence": "e" * 20, "confidence": 0.9}), "does not fit"),
        (Reply.json({"score": 5}), "does not fit the schema"),
    ],
)
def test_an_unusable_reply_is_recorded_and_changes_nothing(bad, error):
    with FakeOpenAIServer(bad) as server:
        score = critic(server).score(TASK, BEFORE, EDIT, AFTER, previous=4.0)
    assert error in (score.error or "")
    assert (score.phi, score.confidence) == (4.0, 0.0)


def test_an_unreachable_model_is_recorded_not_raised():
    with FakeOpenAIServer(reply(9.0)) as server:
        url = server.base_url
    model = OpenAIModel("fake-model", base_url=url, timeout_s=2, retry=RetryPolicy(max_attempts=1))
    score = LLMCritic(model).score(TASK, BEFORE, EDIT, AFTER, previous=4.0)
    assert score.error is not None and "failed" in score.error
    assert score.phi == 4.0
