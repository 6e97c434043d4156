"""An endpoint that answers HTTP 200 without a completion, or drips its answer past the
deadline, fails the episode as `infra_error` (never counted against the agent), not as the
agent's format error."""

from __future__ import annotations

import asyncio

import pytest

from fixloop.agents.llm_agent import LLMAgent
from fixloop.env.debug_env import DebugEnv
from fixloop.models.openai_provider import OpenAIModel
from fixloop.models.retry import RetryPolicy
from fixloop.rollout.episode import arun_episode
from tests.fake_openai_server import FakeOpenAIServer, Reply

FAST_RETRY = RetryPolicy(max_attempts=2, base_delay_s=0.01, jitter=lambda cap: cap)


async def in_threads(fn, *args):
    return await asyncio.to_thread(fn, *args)


async def one_episode(model: OpenAIModel, sandbox, task):
    try:
        return await arun_episode(DebugEnv(sandbox), LLMAgent(model), task, in_threads)
    finally:
        await model.aclose()


@pytest.mark.parametrize(
    ("reply", "error"),
    [
        (
            Reply.ok_with_error("The server is overloaded"),
            "HTTP 200 carrying an error: The server is overloaded",
        ),
        (Reply.ok_without_choices(), "HTTP 200 without a completion"),
        (Reply.drip(0.05), "no answer within 0.5s"),
    ],
    ids=["200-with-error", "200-without-choices", "drip"],
)
def test_an_endpoint_failure_is_an_infra_error_not_a_format_error(sandbox, calc_task, reply, error):
    with FakeOpenAIServer(reply) as server:
        model = OpenAIModel("fake-model", base_url=server.base_url, timeout_s=0.5, retry=FAST_RETRY)
        trajectory = asyncio.run(one_episode(model, sandbox, calc_task))
    assert trajectory.outcome == "infra_error"
    assert error in (trajectory.error or "")
    assert not any("PARSE_ERROR" in (step.error or "") for step in trajectory.steps)
