"""Decorate a function so its results are kept in a TTLCache."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, TypeVar

from memo.cache import TTLCache

F = TypeVar("F", bound=Callable[..., Any])

_MISSING = object()


def memoize(cache: TTLCache) -> Callable[[F], F]:
    """Cache results of the decorated function in `cache`, keyed by its arguments.

    Arguments must be hashable; keyword order does not matter.
    """

    def decorate(func: F) -> F:
        @functools.wraps(func)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            key = (args, tuple(sorted(kwargs.items())))
            result = cache.get(key, _MISSING)
            if result is _MISSING:
                result = func(*args, **kwargs)
                cache.set(key, result)
            return result

        return wrapper  # type: ignore[return-value]

    return decorate
