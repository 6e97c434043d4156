"""Retries through the real `openai` client against the fake server, and the backoff itself."""

from __future__ import annotations

import asyncio
import dataclasses

import pytest

from fixloop.models.base import ModelUnavailableError
from fixloop.models.retry import RetryPolicy
from tests.fake_openai_server import FakeOpenAIServer, Reply
from tests.models.conftest import RecordedSleeps, ask, openai_model


def test_a_429_waits_for_retry_after_then_succeeds(retry: RetryPolicy, sleeps: RecordedSleeps) -> None:
    with FakeOpenAIServer([Reply.rate_limited(retry_after_s=2), Reply(text="done")]) as server:
        result = openai_model(server, retry).complete(ask())
    assert result.text == "done"
    assert len(server.requests) == 2
    assert sleeps == [2.0]


def test_retry_after_is_capped_at_max_delay(retry: RetryPolicy, sleeps: RecordedSleeps) -> None:
    with FakeOpenAIServer([Reply.rate_limited(retry_after_s=3600), Reply(text="done")]) as server:
        openai_model(server, retry).complete(ask())
    assert sleeps == [retry.max_delay_s]


def test_server_errors_until_exhausted_raise_unavailable_after_max_attempts(
    retry: RetryPolicy, sleeps: RecordedSleeps
) -> None:
    failing = FakeOpenAIServer(Reply.server_error(503))
    with failing as server, pytest.raises(ModelUnavailableError, match="after 3 attempt"):
        openai_model(server, retry).complete(ask())
    assert len(server.requests) == retry.max_attempts
    assert sleeps == [0.01, 0.02]


def test_a_slower_answer_than_the_timeout_is_retried_then_unavailable(retry: RetryPolicy) -> None:
    slow = FakeOpenAIServer(Reply.slow(5.0))
    with slow as server, pytest.raises(ModelUnavailableError, match=r"no answer within 0\.2s"):
        openai_model(server, retry, timeout_s=0.2).complete(ask())
    assert len(server.requests) == retry.max_attempts


def test_a_dropped_connection_is_retried(retry: RetryPolicy) -> None:
    with FakeOpenAIServer([Reply.dropped(), Reply(text="back")]) as server:
        assert openai_model(server, retry).complete(ask()).text == "back"
    assert len(server.requests) == 2


def test_async_calls_retry_with_the_policys_sleep(retry: RetryPolicy, sleeps: RecordedSleeps) -> None:
    with FakeOpenAIServer([Reply.server_error(), Reply.dropped(), Reply(text="ok")]) as server:
        result = asyncio.run(openai_model(server, retry).acomplete(ask()))
    assert result.text == "ok"
    assert sleeps == [0.01, 0.02]


def test_no_retry_starts_past_max_total_time(sleeps: RecordedSleeps) -> None:
    now = [0.0]

    async def sleep(seconds: float) -> None:
        sleeps.append(seconds)
        now[0] += seconds

    policy = RetryPolicy(
        max_attempts=100, base_delay_s=1, max_delay_s=4, max_total_s=10, jitter=lambda cap: cap
    )
    policy = dataclasses.replace(policy, sleep=sleep, clock=lambda: now[0])
    with FakeOpenAIServer(Reply.server_error()) as server, pytest.raises(ModelUnavailableError):
        openai_model(server, policy).complete(ask())
    assert sleeps == [1, 2, 4]
    assert len(server.requests) == 4


def test_backoff_doubles_up_to_the_cap_with_full_jitter() -> None:
    policy = RetryPolicy(base_delay_s=0.5, max_delay_s=3, jitter=lambda cap: cap)
    assert [policy.backoff_s(attempt) for attempt in range(1, 6)] == [0.5, 1, 2, 3, 3]
    jittered = RetryPolicy(base_delay_s=0.5, max_delay_s=3)
    assert all(0 <= jittered.backoff_s(4) <= 3 for _ in range(200))
