"""Cache keys built from call arguments."""

from __future__ import annotations

from collections.abc import Hashable, Mapping
from typing import Any

_KWARGS = object()
"""Separates positional from keyword arguments inside a key."""


def freeze(value: Any) -> Hashable:
    """A hashable stand-in for `value` that compares equal exactly when the values do.

    Lists and tuples become tuples, sets become frozensets and mappings become a
    canonical tuple of their items, converted recursively, so calls with unhashable
    arguments can still be cached. Other values are used as they are.
    """
    if isinstance(value, Mapping):
        return (dict, tuple(sorted(value, key=repr)))
    if isinstance(value, (list, tuple)):
        return (type(value).__name__, tuple(freeze(item) for item in value))
    if isinstance(value, (set, frozenset)):
        return frozenset(freeze(item) for item in value)
    return value


def make_key(args: tuple[Any, ...], kwargs: Mapping[str, Any]) -> Hashable:
    """The key for a call with `args` and `kwargs`; keyword order does not matter."""
    key: tuple[Hashable, ...] = tuple(freeze(arg) for arg in args)
    if kwargs:
        key += (_KWARGS,) + tuple((name, freeze(kwargs[name])) for name in sorted(kwargs))
    return key
