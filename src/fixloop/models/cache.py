"""A response cache in front of any Model, so identical calls are paid for once.

The cache key is the SHA-256 of the canonical JSON of everything that decides an answer:
provider, model name, messages, schema, temperature, max_tokens, seed and (when offered)
tools. A hit returns
the stored Completion with `cached=True`, zero usage and zero cost.

Wrap the cache *outside* any budget (`CachedModel(BudgetedModel(provider))`, which is what
`make_model` builds) so that a hit consumes no budget. Sampling with temperature > 0 and no
seed is deliberately not cached: repeated samples are meant to differ (pass@k); pass a seed
to make such calls cacheable.
"""

from __future__ import annotations

import hashlib
import json
import threading
from typing import Any, Protocol

from fixloop.models.base import Completion, Message, Model, Usage


class ResponseCache(Protocol):
    """Where cached responses live. Keys are hex digests; responses are JSON-able dicts."""

    def get(self, key: str) -> dict[str, Any] | None:
        """The response stored under `key`, or None."""
        ...

    def put(self, key: str, *, provider: str, model: str, response: dict[str, Any]) -> None:
        """Store `response` under `key` (provider and model are kept for inspection and pruning)."""
        ...


class MemoryCache:
    """A ResponseCache in a dict, for one process; safe to share between threads."""

    def __init__(self) -> None:
        self._entries: dict[str, dict[str, Any]] = {}
        self._lock = threading.Lock()

    def __len__(self) -> int:
        with self._lock:
            return len(self._entries)

    def get(self, key: str) -> dict[str, Any] | None:
        with self._lock:
            return self._entries.get(key)

    def put(self, key: str, *, provider: str, model: str, response: dict[str, Any]) -> None:
        with self._lock:
            self._entries[key] = response


def cache_key(
    *,
    provider: str,
    model: str,
    messages: list[Message],
    schema: dict[str, Any] | None,
    temperature: float,
    max_tokens: int,
    seed: int | None,
    tools: list[dict[str, Any]] | None = None,
) -> str:
    """SHA-256 hex digest of the canonical JSON (sorted keys, no spaces) of the call's inputs.

    `tools` joins the payload only when given, so the keys of calls without tools are the
    ones they always were.
    """
    payload = {
        "provider": provider,
        "model": model,
        "messages": [message.model_dump(mode="json") for message in messages],
        "schema": schema,
        "temperature": temperature,
        "max_tokens": max_tokens,
        "seed": seed,
    }
    if tools is not None:
        payload["tools"] = tools
    canonical = json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


class CachedModel:
    """Any Model, answering from `cache` when the same call was made before (see the module doc)."""

    def __init__(self, inner: Model, cache: ResponseCache) -> None:
        self.inner = inner
        self.name = inner.name
        # A wrapped simulated model is still simulated: its results must stay labelled so.
        self.simulated: bool = getattr(inner, "simulated", False)
        self.cache = cache
        self._provider, _, self._model = inner.name.partition(":")

    def __repr__(self) -> str:
        return f"CachedModel({self.inner!r})"

    def complete(
        self,
        messages: list[Message],
        *,
        schema: dict[str, Any] | None = None,
        temperature: float = 0.0,
        max_tokens: int = 1024,
        seed: int | None = None,
        tools: list[dict[str, Any]] | None = None,
    ) -> Completion:
        """The cached completion for this exact call, else the inner model's (then stored)."""
        key = self._key(messages, schema, temperature, max_tokens, seed, tools)
        hit = self._lookup(key)
        if hit is not None:
            return hit
        result = self.inner.complete(
            messages, schema=schema, temperature=temperature, max_tokens=max_tokens, seed=seed, tools=tools
        )
        self._store(key, result)
        return result

    async def acomplete(
        self,
        messages: list[Message],
        *,
        schema: dict[str, Any] | None = None,
        temperature: float = 0.0,
        max_tokens: int = 1024,
        seed: int | None = None,
        tools: list[dict[str, Any]] | None = None,
    ) -> Completion:
        """The async variant of `complete`; cache lookups are quick and run on the event loop."""
        key = self._key(messages, schema, temperature, max_tokens, seed, tools)
        hit = self._lookup(key)
        if hit is not None:
            return hit
        result = await self.inner.acomplete(
            messages, schema=schema, temperature=temperature, max_tokens=max_tokens, seed=seed, tools=tools
        )
        self._store(key, result)
        return result

    def _key(
        self,
        messages: list[Message],
        schema: dict[str, Any] | None,
        temperature: float,
        max_tokens: int,
        seed: int | None,
        tools: list[dict[str, Any]] | None,
    ) -> str | None:
        """The cache key, or None for unseeded sampling, which is never cached."""
        if temperature > 0 and seed is None:
            return None
        return cache_key(
            provider=self._provider,
            model=self._model,
            messages=messages,
            schema=schema,
            temperature=temperature,
            max_tokens=max_tokens,
            seed=seed,
            tools=tools,
        )

    def _lookup(self, key: str | None) -> Completion | None:
        response = self.cache.get(key) if key is not None else None
        if response is None:
            return None
        stored = Completion.model_validate(response)
        return stored.model_copy(update={"cached": True, "usage": Usage(), "cost": 0.0, "latency": 0.0})

    def _store(self, key: str | None, result: Completion) -> None:
        if key is not None and not result.cached:
            response = result.model_dump(mode="json")
            self.cache.put(key, provider=self._provider, model=self._model, response=response)
