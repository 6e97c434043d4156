"""The API key never shows in an error message, its causes, or a repr."""

from __future__ import annotations

import asyncio
import logging

import pytest

from fixloop.models.base import ModelError
from fixloop.models.budget import Budget
from fixloop.models.cache import MemoryCache
from fixloop.models.registry import make_model
from fixloop.models.retry import RetryPolicy
from tests.fake_openai_server import FakeOpenAIServer, Reply
from tests.models.conftest import API_KEY, SCHEMA, ask, openai_model


def _error_chain_text(error: BaseException) -> str:
    parts = []
    seen: BaseException | None = error
    while seen is not None:
        parts.append(f"{seen!s} {seen!r} {vars(seen)!r}")
        seen = seen.__cause__ or seen.__context__
    return " ".join(parts)


def test_an_echoed_key_in_a_401_is_redacted_from_the_error(retry: RetryPolicy) -> None:
    echo = Reply.error(401, f"Incorrect API key provided: {API_KEY}")
    with FakeOpenAIServer(echo) as server, pytest.raises(ModelError, match="HTTP 401") as raised:
        openai_model(server, retry, api_key=API_KEY).complete(ask())
    assert API_KEY not in _error_chain_text(raised.value)
    assert "[redacted]" in str(raised.value)


def test_an_unavailable_endpoint_error_does_not_carry_the_key(retry: RetryPolicy) -> None:
    with FakeOpenAIServer(Reply.dropped()) as server, pytest.raises(ModelError) as raised:
        asyncio.run(openai_model(server, retry, api_key=API_KEY).acomplete(ask()))
    assert API_KEY not in _error_chain_text(raised.value)


def test_the_key_is_not_in_any_models_repr(retry: RetryPolicy) -> None:
    with FakeOpenAIServer() as server:
        model = make_model(
            "openai:fake-model",
            base_url=server.base_url,
            api_key=API_KEY,
            cache=MemoryCache(),
            budgets=[Budget(max_calls=3)],
            retry=retry,
        )
    assert "fake-model" in repr(model)
    assert API_KEY not in repr(model)


def test_the_key_is_not_logged_even_at_debug_level(
    retry: RetryPolicy, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    replies = [Reply.server_error(), Reply.json({"tool": "submit"}), Reply.error(401, "bad key")]
    with FakeOpenAIServer(replies, structured_output=False) as server:
        model = openai_model(server, retry, api_key=API_KEY)
        model.complete(ask(), schema=SCHEMA)
        with pytest.raises(ModelError):
            model.complete(ask())
    assert caplog.records
    assert API_KEY not in caplog.text
