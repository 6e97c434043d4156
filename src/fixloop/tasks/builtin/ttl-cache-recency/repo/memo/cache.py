"""A least-recently-used cache whose entries also expire after a fixed time to live."""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Any

Clock = Callable[[], float]


class TTLCache:
    """Holds at most `maxsize` entries, each for at most `ttl` seconds after it was set.

    When a new key is set on a full cache, the least recently used entry is evicted;
    both setting a key and reading it with `get` count as using it. Expired entries are
    never returned. `clock` returns the current time in seconds; inject a fake in tests.
    """

    def __init__(self, maxsize: int, ttl: float, clock: Clock = time.monotonic) -> None:
        if maxsize < 1:
            raise ValueError("maxsize must be at least 1")
        if ttl <= 0:
            raise ValueError("ttl must be positive")
        self.maxsize = maxsize
        self.ttl = ttl
        self._clock = clock
        self._entries: OrderedDict[Hashable, tuple[Any, float]] = OrderedDict()

    def get(self, key: Hashable, default: Any = None) -> Any:
        """The value stored under `key`, or `default` if it is missing or expired."""
        entry = self._entries.get(key)
        if entry is None:
            return default
        value, expires_at = entry
        if self._clock() >= expires_at:
            del self._entries[key]
            return default
        return value

    def set(self, key: Hashable, value: Any) -> None:
        """Store `value` under `key` for `ttl` seconds, evicting if the cache is full."""
        self._drop_expired()
        if key in self._entries:
            self._entries.move_to_end(key)
        elif len(self._entries) >= self.maxsize:
            self._entries.popitem(last=False)
        self._entries[key] = (value, self._clock() + self.ttl)

    def __contains__(self, key: Hashable) -> bool:
        entry = self._entries.get(key)
        return entry is not None and self._clock() < entry[1]

    def __len__(self) -> int:
        self._drop_expired()
        return len(self._entries)

    def _drop_expired(self) -> None:
        now = self._clock()
        for key in [k for k, (_, expires_at) in self._entries.items() if now >= expires_at]:
            del self._entries[key]
