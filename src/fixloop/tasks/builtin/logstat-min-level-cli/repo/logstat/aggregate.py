"""Filters and counts over parsed records."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable

from logstat.levels import LEVELS, at_least
from logstat.parse import Record


def filter_records(records: Iterable[Record], min_level: str | None = None) -> list[Record]:
    """The records at `min_level` or above; all of them when `min_level` is None."""
    if min_level is None:
        return list(records)
    return [r for r in records if at_least(r.level, min_level)]


def count_by(records: Iterable[Record], field: str) -> list[tuple[str, int]]:
    """(value, count) per distinct `field` value ("level" or "source").

    Levels are listed from least to most severe; sources by count, then name.
    """
    counts = Counter(getattr(r, field) for r in records)
    if field == "level":
        return [(level, counts[level]) for level in LEVELS if counts[level]]
    return sorted(counts.items(), key=lambda item: (-item[1], item[0]))


def top_messages(records: Iterable[Record], limit: int) -> list[tuple[str, int]]:
    """The `limit` most frequent messages with their counts, ties by message text."""
    counts = Counter(r.message for r in records)
    return sorted(counts.items(), key=lambda item: (-item[1], item[0]))[:limit]
