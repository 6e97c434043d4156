"""Look values up by pointer."""

from __future__ import annotations

from typing import Any

from jsonptr.errors import PointerError
from jsonptr.tokens import array_index, split_pointer


def step(node: Any, token: str) -> Any:
    """The child of `node` named by one unescaped token. Raises PointerError if absent."""
    if isinstance(node, dict):
        if token not in node:
            raise PointerError(f"no member {token!r}")
        return node[token]
    if isinstance(node, list):
        return node[array_index(token, len(node))]
    raise PointerError(f"cannot look up {token!r} inside a {type(node).__name__}")


def get(document: Any, pointer: str) -> Any:
    """The value `pointer` names in `document`. Raises PointerError if there is none."""
    node = document
    for token in split_pointer(pointer):
        node = step(node, token)
    return node


_NOTHING = object()


def get_or(document: Any, pointer: str, default: Any = None) -> Any:
    """Like `get`, but `default` when the pointer names nothing (it must still be well-formed)."""
    split_pointer(pointer)
    try:
        return get(document, pointer)
    except PointerError:
        return default


def exists(document: Any, pointer: str) -> bool:
    """Whether `pointer` names a value in `document`."""
    return get_or(document, pointer, _NOTHING) is not _NOTHING
