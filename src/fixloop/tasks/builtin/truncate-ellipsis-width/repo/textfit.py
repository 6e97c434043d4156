"""Fit text into fixed-width table columns."""

from __future__ import annotations

from collections.abc import Iterable


def truncate(text: str, width: int, ellipsis: str = "...") -> str:
    """Shorten `text` to at most `width` characters, ending in `ellipsis` when it is cut.

    Text that already fits is returned unchanged. Whitespace left at the cut is dropped
    before the ellipsis is added, so "Hello world" cut to 8 is "Hello...".
    Raises ValueError if `width` is too small to hold the ellipsis.
    """
    if width < len(ellipsis):
        raise ValueError(f"width {width} cannot hold the ellipsis {ellipsis!r}")
    if len(text) <= width:
        return text
    keep = width - len(ellipsis) + 1
    return text[:keep].rstrip() + ellipsis


def fit_column(values: Iterable[str], width: int) -> list[str]:
    """Each value truncated to `width` and padded with spaces to exactly `width`."""
    return [truncate(value, width).ljust(width) for value in values]
