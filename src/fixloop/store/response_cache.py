"""The store as the models' `ResponseCache`: cached answers survive across runs."""

from __future__ import annotations

from typing import Any

from fixloop.store.store import Store


class StoreResponseCache:
    """Adapts `Store.cache_get` / `Store.cache_put` to `fixloop.models.cache.ResponseCache`."""

    def __init__(self, store: Store) -> None:
        self.store = store

    def get(self, key: str) -> dict[str, Any] | None:
        """The cached response for `key`, or None."""
        return self.store.cache_get(key)

    def put(self, key: str, *, provider: str, model: str, response: dict[str, Any]) -> None:
        """Store (or overwrite) the response for `key`."""
        self.store.cache_put(key, provider=provider, model=model, response=response)
