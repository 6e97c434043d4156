"""Apply add / remove / replace operations, JSON Patch style, without mutating the input."""

from __future__ import annotations

import copy
from collections.abc import Iterable, Mapping
from typing import Any

from jsonptr.errors import PointerError
from jsonptr.resolve import get
from jsonptr.tokens import array_index, pointer_from, split_pointer


def _parent(document: Any, pointer: str) -> tuple[Any, str]:
    tokens = split_pointer(pointer)
    if not tokens:
        raise PointerError("an operation needs a pointer below the document root")
    return get(document, pointer_from(tokens[:-1])), tokens[-1]


def _apply(document: Any, op: Mapping[str, Any]) -> Any:
    kind, pointer = op.get("op"), op.get("path", "")
    parent, last = _parent(document, pointer)
    if isinstance(parent, list):
        if kind == "add":
            parent.insert(array_index(last, len(parent), allow_end=True), copy.deepcopy(op["value"]))
        elif kind == "remove":
            del parent[array_index(last, len(parent))]
        elif kind == "replace":
            parent[array_index(last, len(parent))] = copy.deepcopy(op["value"])
        else:
            raise ValueError(f"unknown op {kind!r}")
    elif isinstance(parent, dict):
        if kind in ("remove", "replace") and last not in parent:
            raise PointerError(f"no member {last!r} to {kind}")
        if kind in ("add", "replace"):
            parent[last] = copy.deepcopy(op["value"])
        elif kind == "remove":
            del parent[last]
        else:
            raise ValueError(f"unknown op {kind!r}")
    else:
        raise PointerError(f"cannot change {pointer!r}: its parent is a {type(parent).__name__}")
    return document


def apply_patch(document: Any, operations: Iterable[Mapping[str, Any]]) -> Any:
    """A patched deep copy of `document`; the input is left untouched.

    Each operation is {"op": "add" | "remove" | "replace", "path": pointer, "value": ...}.
    Raises PointerError (or ValueError for an unknown op); nothing is half-applied.
    """
    result = copy.deepcopy(document)
    for op in operations:
        result = _apply(result, op)
    return result
