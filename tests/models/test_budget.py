"""Budgets refuse a call before it is sent whenever it could exceed what is left."""

from __future__ import annotations

import asyncio
from concurrent.futures import ThreadPoolExecutor

import pytest

from fixloop.models.base import BudgetExceededError, Message, ModelUnavailableError, Usage
from fixloop.models.budget import Budget, BudgetedModel, estimate_usage
from fixloop.models.pricing import Price
from fixloop.models.retry import RetryPolicy
from tests.fake_openai_server import FakeOpenAIServer, Reply
from tests.models.conftest import ask, openai_model

PRICE = Price(input_per_mtok=1_000, output_per_mtok=2_000)
"""$0.001 per prompt token, $0.002 per completion token: easy sums."""


def test_the_estimate_is_a_quarter_token_per_character_plus_max_tokens() -> None:
    messages = [Message(role="user", content="x" * 9)]
    assert estimate_usage(messages, max_tokens=100) == Usage(prompt_tokens=3, completion_tokens=100)


def test_a_call_that_could_exceed_max_usd_is_refused_before_any_request(retry: RetryPolicy) -> None:
    budget = Budget(max_usd=0.10)
    with FakeOpenAIServer(Reply(text="short")) as server:
        model = BudgetedModel(openai_model(server, retry, price=PRICE), budgets=[budget], price=PRICE)
        with pytest.raises(BudgetExceededError, match=r"could cost \$0\.208"):
            model.complete(ask(), max_tokens=100)
    assert server.requests == []
    assert budget.calls == 0


def test_a_call_that_could_exceed_max_tokens_is_refused_before_any_request(retry: RetryPolicy) -> None:
    with FakeOpenAIServer() as server:
        model = BudgetedModel(openai_model(server, retry), budgets=[Budget(max_tokens=1000)])
        with pytest.raises(BudgetExceededError, match="could use 1032 tokens"):
            model.complete(ask(), max_tokens=1024)
    assert server.requests == []


def test_a_call_past_max_calls_is_refused_before_any_request(retry: RetryPolicy) -> None:
    with FakeOpenAIServer() as server:
        model = BudgetedModel(openai_model(server, retry), budgets=[Budget(max_calls=2)])
        model.complete(ask())
        model.complete(ask())
        with pytest.raises(BudgetExceededError, match="all 2 calls"):
            model.complete(ask())
    assert len(server.requests) == 2


def test_settling_charges_actual_usage_and_releases_the_rest(retry: RetryPolicy) -> None:
    budget = Budget(max_tokens=10_000, max_usd=100)
    with FakeOpenAIServer(Reply(text="x" * 8)) as server:
        result = BudgetedModel(openai_model(server, retry, price=PRICE), budgets=[budget]).complete(
            ask(), max_tokens=500
        )
    assert budget.spent_tokens == result.usage.total_tokens < 500
    assert budget.spent_usd == pytest.approx(result.cost)
    assert budget.calls == 1


def test_totals_never_exceed_the_budget_over_many_concurrent_calls(retry: RetryPolicy) -> None:
    budget = Budget(max_usd=1.0, max_tokens=2_000)
    with FakeOpenAIServer(Reply(text="y" * 120)) as server:
        model = BudgetedModel(openai_model(server, retry, price=PRICE), budgets=[budget])

        def call(_: int) -> bool:
            try:
                model.complete(ask(), max_tokens=40)
            except BudgetExceededError:
                return False
            return True

        with ThreadPoolExecutor(max_workers=16) as pool:
            made = sum(pool.map(call, range(80)))
    assert 0 < made < 80
    assert made == len(server.requests) == budget.calls
    assert budget.spent_usd <= 1.0
    assert budget.spent_tokens <= 2_000


def test_a_failed_call_releases_its_hold_and_does_not_count(retry: RetryPolicy) -> None:
    budget = Budget(max_calls=1)
    with FakeOpenAIServer(
        [Reply.server_error(), Reply.server_error(), Reply.server_error(), Reply()]
    ) as server:
        model = BudgetedModel(openai_model(server, retry), budgets=[budget])
        with pytest.raises(ModelUnavailableError):
            model.complete(ask())
        assert model.complete(ask()).text == "ok"
    assert budget.calls == 1


def test_episode_and_run_budgets_compose(retry: RetryPolicy) -> None:
    run = Budget(max_calls=3, label="run")
    with FakeOpenAIServer() as server:
        provider = openai_model(server, retry)
        first_episode = BudgetedModel(provider, budgets=[run, Budget(max_calls=2, label="episode")])
        first_episode.complete(ask())
        first_episode.complete(ask())
        with pytest.raises(BudgetExceededError, match="episode"):
            first_episode.complete(ask())
        second_episode = BudgetedModel(provider, budgets=[run, Budget(max_calls=2, label="episode")])
        second_episode.complete(ask())
        with pytest.raises(BudgetExceededError, match="run"):
            second_episode.complete(ask())
    assert len(server.requests) == 3
    assert run.calls == 3


def test_a_refusal_by_one_budget_releases_the_holds_of_the_others(retry: RetryPolicy) -> None:
    run = Budget(max_calls=1, label="run")
    with FakeOpenAIServer() as server:
        provider = openai_model(server, retry)
        with pytest.raises(BudgetExceededError, match="episode"):
            BudgetedModel(provider, budgets=[run, Budget(max_calls=0, label="episode")]).complete(ask())
        BudgetedModel(provider, budgets=[run]).complete(ask())
    assert run.calls == 1


def test_concurrent_async_calls_stop_exactly_at_max_calls(retry: RetryPolicy) -> None:
    budget = Budget(max_calls=5)

    async def many(model: BudgetedModel) -> list[object]:
        calls = (model.acomplete(ask(f"call {i}")) for i in range(20))
        return await asyncio.gather(*calls, return_exceptions=True)

    with FakeOpenAIServer(Reply.slow(0.05)) as server:
        results = asyncio.run(many(BudgetedModel(openai_model(server, retry), budgets=[budget])))
    refused = [result for result in results if isinstance(result, BudgetExceededError)]
    assert len(refused) == 15
    assert len(server.requests) == budget.calls == 5
