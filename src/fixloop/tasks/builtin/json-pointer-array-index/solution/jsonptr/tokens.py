"""Pointer syntax: `/a/b~1c/0` is the tokens "a", "b/c", "0" (RFC 6901)."""

from __future__ import annotations

import re
from collections.abc import Iterable

from jsonptr.errors import PointerError

_INDEX = re.compile(r"0|[1-9][0-9]*")


def split_pointer(pointer: str) -> list[str]:
    """The reference tokens of `pointer`, unescaped; "" (the whole document) gives [].

    Raises PointerError unless `pointer` is empty or starts with '/'.
    """
    if pointer == "":
        return []
    if not pointer.startswith("/"):
        raise PointerError(f"pointer {pointer!r} must be empty or start with '/'")
    return [token.replace("~1", "/").replace("~0", "~") for token in pointer[1:].split("/")]


def pointer_from(tokens: Iterable[str | int]) -> str:
    """The pointer for `tokens`, escaping '~' and '/' in each: ["a/b", 0] -> "/a~1b/0"."""
    return "".join("/" + str(token).replace("~", "~0").replace("/", "~1") for token in tokens)


def array_index(token: str, length: int, *, allow_end: bool = False) -> int:
    """The position in a list of `length` items that `token` names.

    As RFC 6901 defines it, an array index is "0" or a run of digits without a leading
    zero; anything else, such as "-1", "+1", "01" or " 1", names no element. With
    `allow_end`, used when adding, "-" names the position just past the last element and
    an index equal to `length` is allowed. Raises PointerError for a token that is not an
    index or is out of range.
    """
    if allow_end and token == "-":
        return length
    if not _INDEX.fullmatch(token):
        raise PointerError(f"{token!r} is not an array index")
    index = int(token)
    limit = length + 1 if allow_end else length
    if index >= limit:
        raise PointerError(f"index {index} is out of range for a list of {length}")
    return index
