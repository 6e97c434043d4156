"""The `memoize` decorator."""

from __future__ import annotations

import functools
from collections.abc import Callable, Hashable
from typing import Any

from memo.keys import make_key
from memo.stats import CacheInfo
from memo.store import MISSING, LRUStore


def memoize(
    func: Callable[..., Any] | None = None,
    *,
    key: Callable[..., Hashable] | None = None,
    maxsize: int | None = 128,
) -> Any:
    """Cache a function's results by its arguments.

    Use as `@memoize` or `@memoize(key=..., maxsize=...)`. Without `key`, two calls share a
    result exactly when they pass equal arguments (lists, dicts and sets included); `key`,
    called with the same arguments as the function, replaces that rule. The wrapper gets
    `cache_info()` and `cache_clear()`.
    """

    def decorate(function: Callable[..., Any]) -> Callable[..., Any]:
        store = LRUStore(maxsize)
        counts = {"hits": 0, "misses": 0}

        @functools.wraps(function)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            cache_key = key(*args, **kwargs) if key is not None else make_key(args, kwargs)
            value = store.get(cache_key)
            if value is not MISSING:
                counts["hits"] += 1
                return value
            counts["misses"] += 1
            value = function(*args, **kwargs)
            store.put(cache_key, value)
            return value

        def cache_info() -> CacheInfo:
            return CacheInfo(counts["hits"], counts["misses"], len(store), maxsize)

        def cache_clear() -> None:
            store.clear()
            counts["hits"] = counts["misses"] = 0

        wrapper.cache_info = cache_info  # type: ignore[attr-defined]
        wrapper.cache_clear = cache_clear  # type: ignore[attr-defined]
        return wrapper

    return decorate(func) if func is not None else decorate
