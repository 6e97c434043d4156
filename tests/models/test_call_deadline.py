"""`timeout_s` bounds each attempt as a whole, even against a server that drips its answer."""

from __future__ import annotations

import asyncio
import dataclasses
import threading
import time

import pytest

from fixloop.models.base import ModelUnavailableError
from fixloop.models.retry import RetryPolicy
from tests.fake_openai_server import FakeOpenAIServer, Reply
from tests.models.conftest import ask, openai_model

DEADLINE_S = 0.5
DRIP = Reply.drip(0.05)
"""A byte every 50 ms: no read ever waits long, the whole answer takes many seconds."""


def wait_for(condition, within_s: float = 3.0) -> bool:
    give_up = time.monotonic() + within_s
    while not condition():
        if time.monotonic() > give_up:
            return False
        time.sleep(0.02)
    return True


@pytest.fixture
def one_attempt(retry: RetryPolicy) -> RetryPolicy:
    return dataclasses.replace(retry, max_attempts=1)


def test_a_dripping_server_fails_the_call_after_the_deadline(one_attempt: RetryPolicy) -> None:
    with FakeOpenAIServer(DRIP) as server:
        model = openai_model(server, one_attempt, timeout_s=DEADLINE_S)
        started = time.monotonic()
        with pytest.raises(ModelUnavailableError, match=f"no answer within {DEADLINE_S}s"):
            model.complete(ask())
    assert DEADLINE_S <= time.monotonic() - started < 3 * DEADLINE_S


def test_an_async_call_to_a_dripping_server_fails_after_the_deadline(one_attempt: RetryPolicy) -> None:
    with FakeOpenAIServer(DRIP) as server:
        model = openai_model(server, one_attempt, timeout_s=DEADLINE_S)
        started = time.monotonic()
        with pytest.raises(ModelUnavailableError, match=f"no answer within {DEADLINE_S}s"):
            asyncio.run(model.acomplete(ask()))
    assert DEADLINE_S <= time.monotonic() - started < 3 * DEADLINE_S


def test_each_attempt_has_its_own_deadline(retry: RetryPolicy) -> None:
    with FakeOpenAIServer([DRIP, Reply(text="second try")]) as server:
        result = openai_model(server, retry, timeout_s=DEADLINE_S).complete(ask())
    assert result.text == "second try"
    assert len(server.requests) == 2


def test_the_connection_is_closed_when_the_deadline_passes(one_attempt: RetryPolicy) -> None:
    with FakeOpenAIServer(DRIP) as server:
        with pytest.raises(ModelUnavailableError):
            openai_model(server, one_attempt, timeout_s=DEADLINE_S).complete(ask())
        assert wait_for(lambda: server.hangups == 1)


def test_a_sync_call_leaves_no_thread_behind(one_attempt: RetryPolicy) -> None:
    def helpers() -> list[str]:
        return [thread.name for thread in threading.enumerate() if thread.name.startswith("fixloop-openai")]

    with FakeOpenAIServer([DRIP, Reply(text="ok")]) as server:
        model = openai_model(server, one_attempt, timeout_s=DEADLINE_S)
        with pytest.raises(ModelUnavailableError):
            model.complete(ask())
        model.complete(ask())
    assert helpers() == []


def test_a_sync_call_works_inside_a_running_event_loop(one_attempt: RetryPolicy) -> None:
    async def from_async_code() -> str:
        return model.complete(ask()).text

    with FakeOpenAIServer(Reply(text="fine")) as server:
        model = openai_model(server, one_attempt)
        assert asyncio.run(from_async_code()) == "fine"
