"""The response cache: identical calls are answered once, and hits cost nothing."""

from __future__ import annotations

import asyncio

from fixloop.models.budget import Budget, BudgetedModel
from fixloop.models.cache import CachedModel, MemoryCache
from fixloop.models.retry import RetryPolicy
from tests.fake_openai_server import FakeOpenAIServer, Reply
from tests.models.conftest import SCHEMA, ask, openai_model


def test_a_second_identical_call_is_served_from_the_cache(retry: RetryPolicy) -> None:
    with FakeOpenAIServer(Reply.json({"tool": "submit"})) as server:
        model = CachedModel(openai_model(server, retry), MemoryCache())
        first = model.complete(ask(), schema=SCHEMA)
        second = model.complete(ask(), schema=SCHEMA)
    assert len(server.requests) == 1
    assert not first.cached
    assert first.usage.total_tokens > 0
    assert second.cached
    assert second.usage.total_tokens == 0
    assert second.cost == 0.0
    assert (second.text, second.parsed) == (first.text, first.parsed)


def test_a_call_differing_in_any_input_is_a_miss(retry: RetryPolicy) -> None:
    with FakeOpenAIServer() as server:
        model = CachedModel(openai_model(server, retry), MemoryCache())
        model.complete(ask())
        model.complete(ask("another question"))
        model.complete(ask(), max_tokens=10)
        model.complete(ask(), seed=7)
        model.complete(ask(), schema=SCHEMA)
    assert len(server.requests) == 5


TOOLS = [{"type": "function", "function": {"name": "submit", "description": "", "parameters": {}}}]


def test_offered_tools_are_part_of_the_key_and_a_hit_keeps_its_tool_calls(retry: RetryPolicy) -> None:
    with FakeOpenAIServer(Reply.tool_calls(("submit", {}))) as server:
        model = CachedModel(openai_model(server, retry), MemoryCache())
        model.complete(ask())
        first = model.complete(ask(), tools=TOOLS)
        second = model.complete(ask(), tools=TOOLS)
    assert len(server.requests) == 2
    assert second.cached
    assert second.tool_calls == first.tool_calls
    assert [call.name for call in second.tool_calls] == ["submit"]


def test_unseeded_sampling_is_not_cached(retry: RetryPolicy) -> None:
    cache = MemoryCache()
    with FakeOpenAIServer() as server:
        model = CachedModel(openai_model(server, retry), cache)
        model.complete(ask(), temperature=0.8)
        model.complete(ask(), temperature=0.8)
        model.complete(ask(), temperature=0.8, seed=1)
        model.complete(ask(), temperature=0.8, seed=1)
    assert len(server.requests) == 3
    assert len(cache) == 1


def test_a_cache_hit_consumes_no_budget(retry: RetryPolicy) -> None:
    budget = Budget(max_calls=1)
    with FakeOpenAIServer() as server:
        model = CachedModel(BudgetedModel(openai_model(server, retry), budgets=[budget]), MemoryCache())
        model.complete(ask())
        assert model.complete(ask()).cached
    assert budget.calls == 1
    assert len(server.requests) == 1


def test_async_calls_share_the_cache(retry: RetryPolicy) -> None:
    async def twice(model: CachedModel) -> tuple[bool, bool]:
        first = await model.acomplete(ask())
        second = await model.acomplete(ask())
        return first.cached, second.cached

    with FakeOpenAIServer() as server:
        assert asyncio.run(twice(CachedModel(openai_model(server, retry), MemoryCache()))) == (False, True)
    assert len(server.requests) == 1
