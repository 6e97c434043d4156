"""A bounded least-recently-used store."""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Hashable
from typing import Any

MISSING = object()
"""Returned by `get` for absent keys, so that a cached None is still a hit."""


class LRUStore:
    """Keeps at most `maxsize` entries (no limit when None), dropping the least recently used."""

    def __init__(self, maxsize: int | None = 128) -> None:
        if maxsize is not None and maxsize < 1:
            raise ValueError("maxsize must be at least 1")
        self.maxsize = maxsize
        self._data: OrderedDict[Hashable, Any] = OrderedDict()

    def __len__(self) -> int:
        return len(self._data)

    def get(self, key: Hashable) -> Any:
        """The value for `key`, marked as recently used, or MISSING."""
        if key not in self._data:
            return MISSING
        self._data.move_to_end(key)
        return self._data[key]

    def put(self, key: Hashable, value: Any) -> None:
        self._data[key] = value
        self._data.move_to_end(key)
        if self.maxsize is not None and len(self._data) > self.maxsize:
            self._data.popitem(last=False)

    def clear(self) -> None:
        self._data.clear()
