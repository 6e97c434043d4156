"""Page arithmetic for listings shown a fixed number of items at a time.

Pages are numbered from 1. An empty listing has no pages, but asking for page 1 of it is
allowed and returns an empty page so that list views can render "nothing here".
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Generic, TypeVar

T = TypeVar("T")


@dataclass(frozen=True)
class Page(Generic[T]):
    """One page of a listing."""

    number: int
    items: list[T]
    total_pages: int

    @property
    def has_next(self) -> bool:
        return self.number < self.total_pages

    @property
    def has_previous(self) -> bool:
        return self.number > 1


def page_count(total_items: int, per_page: int) -> int:
    """Return how many pages `total_items` items fill at `per_page` items per page.

    Raises ValueError if `per_page` is below 1 or `total_items` is negative.
    """
    if per_page < 1:
        raise ValueError("per_page must be at least 1")
    if total_items < 0:
        raise ValueError("total_items cannot be negative")
    if total_items == 0:
        return 0
    return total_items // per_page + 1


def paginate(items: Sequence[T], number: int, per_page: int) -> Page[T]:
    """Return page `number` (1-based) of `items`.

    Raises ValueError if `number` is not a page of the listing.
    """
    total = page_count(len(items), per_page)
    if number < 1 or number > max(total, 1):
        raise ValueError(f"page {number} is out of range (1..{total})")
    start = (number - 1) * per_page
    return Page(number=number, items=list(items[start : start + per_page]), total_pages=total)
