"""Models by `PROVIDER:NAME`, for the command line and configuration files.

`make_model` composes the wrappers in one fixed order, outermost first:

    CachedModel -> BudgetedModel -> provider

so a cache hit is answered before any budget is consulted (it costs nothing and uses no
budget), and every call that does reach the provider was reserved in every budget first.
The `scripted` provider (tests) is constructed in Python directly, not here.
"""

from __future__ import annotations

from collections.abc import Sequence

from fixloop.models.base import Model, ModelError
from fixloop.models.budget import Budget, BudgetedModel
from fixloop.models.cache import CachedModel, ResponseCache
from fixloop.models.openai_provider import OpenAIModel
from fixloop.models.pricing import Price
from fixloop.models.retry import RetryPolicy

PROVIDERS = ("openai",)
"""Providers `make_model` can build."""


def make_model(
    spec: str,
    *,
    base_url: str | None = None,
    api_key: str | None = None,
    cache: ResponseCache | None = None,
    budgets: Sequence[Budget] = (),
    price: Price | None = None,
    timeout_s: float = 60.0,
    retry: RetryPolicy | None = None,
) -> Model:
    """The model named `spec` (`openai:gpt-4o-mini`, `openai:llama3:8b`), wrapped as the module doc says.

    `price` overrides the price table for both the budget estimate and the reported cost.
    Raises ModelError when `spec` is malformed, names an unknown provider, or the provider
    is not configured (e.g. no API key and no base URL).
    """
    provider, sep, name = spec.partition(":")
    if not sep or not provider or not name:
        raise ModelError(f"model {spec!r}: expected PROVIDER:NAME, e.g. openai:gpt-4o-mini")
    if provider != "openai":
        raise ModelError(
            f"model {spec!r}: unknown provider {provider!r}; known providers: {', '.join(PROVIDERS)}"
        )
    model: Model = OpenAIModel(
        name, base_url=base_url, api_key=api_key, timeout_s=timeout_s, retry=retry, price=price
    )
    if budgets:
        model = BudgetedModel(model, budgets=budgets, price=price)
    if cache is not None:
        model = CachedModel(model, cache)
    return model
