from __future__ import annotations

import pytest

from fixloop.models.base import ModelError
from fixloop.models.budget import Budget, BudgetedModel
from fixloop.models.cache import CachedModel, MemoryCache
from fixloop.models.openai_provider import OpenAIModel
from fixloop.models.registry import make_model
from fixloop.models.retry import RetryPolicy
from tests.fake_openai_server import FakeOpenAIServer, Reply
from tests.models.conftest import ask


def test_an_openai_spec_builds_a_working_model(retry: RetryPolicy) -> None:
    with FakeOpenAIServer(Reply(text="hello")) as server:
        model = make_model("openai:fake-model", base_url=server.base_url, retry=retry)
        assert model.complete(ask()).text == "hello"
    assert model.name == "openai:fake-model"


def test_a_model_name_may_itself_contain_colons() -> None:
    model = make_model("openai:llama3:8b", base_url="http://127.0.0.1:9/v1")
    assert isinstance(model, OpenAIModel)
    assert model.model == "llama3:8b"


def test_wrappers_compose_cache_outside_budget_outside_provider() -> None:
    model = make_model(
        "openai:fake-model", base_url="http://127.0.0.1:9/v1", cache=MemoryCache(), budgets=[Budget()]
    )
    assert isinstance(model, CachedModel)
    assert isinstance(model.inner, BudgetedModel)
    assert isinstance(model.inner.inner, OpenAIModel)


def test_an_unknown_provider_is_a_model_error_listing_the_known_ones() -> None:
    with pytest.raises(ModelError, match=r"unknown provider 'anthropic'.*openai"):
        make_model("anthropic:claude")


def test_a_spec_without_provider_is_a_model_error() -> None:
    with pytest.raises(ModelError, match="PROVIDER:NAME"):
        make_model("gpt-4o-mini")
