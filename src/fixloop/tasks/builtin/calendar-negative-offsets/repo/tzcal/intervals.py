"""Busy and free time as lists of (start, end) intervals; ends are exclusive."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta

Interval = tuple[datetime, datetime]


def merge(intervals: Iterable[Interval]) -> list[Interval]:
    """The union of `intervals`, sorted; overlapping or touching intervals become one."""
    merged: list[Interval] = []
    for start, end in sorted(intervals):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return merged


def free_slots(
    busy: Iterable[Interval], window: Interval, min_length: timedelta = timedelta(0)
) -> list[Interval]:
    """The gaps in `busy` within `window` that last at least `min_length` (and are not empty)."""
    window_start, window_end = window
    slots: list[Interval] = []
    cursor = window_start
    for start, end in merge(busy):
        if end <= cursor:
            continue
        if start >= window_end:
            break
        if start > cursor:
            slots.append((cursor, start))
        cursor = max(cursor, end)
    if cursor < window_end:
        slots.append((cursor, window_end))
    return [(start, end) for start, end in slots if end - start >= min_length and end > start]
