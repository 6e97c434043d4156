"""Split work into fixed-size batches for the bulk upload API."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from itertools import islice
from typing import TypeVar

T = TypeVar("T")


def batched(items: Iterable[T], size: int, drop_last: bool = False) -> list[list[T]]:
    """Split `items` into consecutive lists of `size` items, in order.

    The final batch holds whatever is left and may be shorter than `size`; pass
    `drop_last=True` to leave a short final batch out. Raises ValueError if `size` < 1.
    """
    if size < 1:
        raise ValueError("batch size must be at least 1")
    iterator = iter(items)
    batches = []
    while batch := list(islice(iterator, size)):
        if len(batch) < size and drop_last:
            break
        batches.append(batch)
    return batches


def batch_count(total: int, size: int, drop_last: bool = False) -> int:
    """How many batches `batched` makes from `total` items."""
    if size < 1:
        raise ValueError("batch size must be at least 1")
    full, rest = divmod(total, size)
    return full if drop_last or not rest else full + 1


def upload_all(items: Iterable[T], size: int, send: Callable[[list[T]], None]) -> int:
    """Call `send` once per batch of `items`; return the number of batches sent."""
    batches = batched(items, size)
    for batch in batches:
        send(batch)
    return len(batches)
